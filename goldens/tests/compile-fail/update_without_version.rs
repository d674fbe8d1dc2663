// `Task` is versioned: an update takes the version last read.
use dyngen_goldens::writes::*;

fn update(db: &Tasks, key: &TaskKey) {
    let _ = db.tasks().update(key);
}

fn main() {
    let _ = update;
}
