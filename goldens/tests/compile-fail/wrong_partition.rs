// Each access pattern takes its own partition: `activity`'s is not `managed`'s.
use dyngen_goldens::vcs::*;

fn query(db: &Vcs) {
    let partition = IssueActivityPartition {
        repo_owner: "octocat".into(),
        repo_name: "hello".into(),
    };
    let _ = db.issues().managed(&partition);
}

fn main() {
    let _ = query;
}
