// Every update of a `Page` rewrites `updatedAt`, and with it `recent`'s sort
// key [author, updatedAt]: the update takes `author`.
use dyngen_goldens::writes::*;

fn update(db: &Tasks, key: &PageKey) {
    let _ = db.pages().update(key);
}

fn main() {
    let _ = update;
}
