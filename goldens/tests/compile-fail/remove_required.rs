// Only optional attributes can be removed: `title` is required.
use dyngen_goldens::writes::*;

fn update(db: &Tasks, key: &TaskKey) {
    let _ = db.tasks().update(key, 1).remove_title();
}

fn main() {
    let _ = update;
}
