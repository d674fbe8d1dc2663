// Primary-key composites identify the item: an update has no setter for
// them (`board`, `taskId` of `Task`; `issueNumber` of the example's `Issue`).
use dyngen_goldens::{vcs, writes};

fn update_task(db: &writes::Tasks, key: &writes::TaskKey) {
    let _ = db.tasks().update(key, 1).set_task_id("t-2");
    let _ = db.tasks().update(key, 1).set_board("other");
}

fn update_issue(db: &vcs::Vcs, key: &vcs::IssueKey) {
    let _ = db.issues().update(key).set_issue_number("4");
}

fn main() {
    let _ = update_task;
    let _ = update_issue;
}
