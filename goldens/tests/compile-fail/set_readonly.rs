// `origin` is readonly: set once by `create`, never by an update.
use dyngen_goldens::writes::*;

fn update(db: &Tasks, key: &TaskKey) {
    let _ = db.tasks().update(key, 1).set_origin("email");
}

fn main() {
    let _ = update;
}
