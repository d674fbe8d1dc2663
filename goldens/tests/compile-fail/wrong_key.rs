// A `UserKey` cannot read a repository: each client takes its own key.
use dyngen_goldens::vcs::*;

fn read(db: &Vcs) {
    let key = UserKey { username: "octocat".into() };
    let _ = db.repositories().get(&key);
}

fn main() {
    let _ = read;
}
