// `createdAt`, `updatedAt` and `version` are maintained by dyngen: an update
// has no setter for them.
use dyngen_goldens::writes::*;

fn update(db: &Tasks, key: &TaskKey) {
    let _ = db.tasks().update(key, 1).set_created_at(Default::default());
    let _ = db.tasks().update(key, 1).set_updated_at(Default::default());
    let _ = db.tasks().update(key, 1).set_version(2);
}

fn main() {
    let _ = update;
}
