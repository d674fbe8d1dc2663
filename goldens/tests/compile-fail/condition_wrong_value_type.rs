// A condition compares an attribute with a value of its own type.
use dyngen_goldens::writes::*;

fn update(db: &Tasks, key: &TaskKey) {
    let _ = db.tasks().update(key, 1).condition(|a| a.priority.eq("High"));
    let _ = db.tasks().update(key, 1).condition(|a| a.points.gt("3"));
}

fn main() {
    let _ = update;
}
