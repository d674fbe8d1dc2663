// A condition is typed by its entity: a `Page` condition cannot guard a
// `Task` write.
use dyngen_goldens::writes::*;
use dyngen_runtime::Entity;

fn put(db: &Tasks, task: &Task) {
    let page_condition = Page::attributes().author.eq("ada");
    let _ = db.tasks().put(task).condition(|_| page_condition);
}

fn main() {
    let _ = put;
}
