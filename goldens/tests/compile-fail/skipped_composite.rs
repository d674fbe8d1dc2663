// `managed` sorts by `status` then `issueNumber`: a condition on
// `issueNumber` needs `status` fixed first.
use dyngen_goldens::vcs::*;

fn query(db: &Vcs) {
    let partition = IssueManagedPartition { username: "octocat".into() };
    let _ = db.issues().managed(&partition).issue_number_gt("3");
}

fn main() {
    let _ = query;
}
