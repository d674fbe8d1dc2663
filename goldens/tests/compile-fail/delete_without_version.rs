// `Task` is versioned: a delete takes the version last read (the
// generated `delete` and `delete_existing` hide the runtime's unversioned
// ones).
use dyngen_goldens::writes::*;

fn delete(db: &Tasks, key: &TaskKey) {
    let _ = db.tasks().delete(key);
    let _ = db.tasks().delete_existing(key);
}

fn main() {
    let _ = delete;
}
