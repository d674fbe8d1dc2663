// `begins_with` is for strings: `points` is an `i64`.
use dyngen_goldens::writes::*;

fn update(db: &Tasks, key: &TaskKey) {
    let _ = db.tasks().update(key, 1).condition(|a| a.points.begins_with("1"));
}

fn main() {
    let _ = update;
}
