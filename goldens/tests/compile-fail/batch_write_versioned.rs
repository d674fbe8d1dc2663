// `Task` is versioned: a batch write cannot carry the version check, so
// putting or deleting a Task in a batch does not compile (unversioned
// `Counter`s can be).
use dyngen_goldens::writes::*;

fn batch(db: &Tasks, task: &Task, key: &TaskKey, counter: &Counter) {
    let mut batch = db.batch_write();
    let _ = batch.put(counter);
    let _ = batch.put(task);
    let _ = batch.delete(key);
}

fn main() {
    let _ = batch;
}
