// A range condition ends the sort key: nothing can follow it.
use dyngen_goldens::vcs::*;

fn query(db: &Vcs) {
    let partition = IssueManagedPartition { username: "octocat".into() };
    let _ = db
        .issues()
        .managed(&partition)
        .status_gt(IssueStatus::Open)
        .issue_number("3");
}

fn main() {
    let _ = query;
}
