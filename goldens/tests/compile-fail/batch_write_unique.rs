// A batch write cannot keep guard items: an entity with unique attributes
// is put and deleted one by one or in a transaction, never in a batch.
use dyngen_goldens::unique::*;

fn batch(db: &Accounts, account: &Account) {
    let mut batch = db.batch_write();
    let _ = batch.put(account);
    let _ = batch.delete(&AccountKey { id: "a".into() });
}

fn main() {
    let _ = batch;
}
