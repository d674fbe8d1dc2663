// A nested update is typed by its path: `stats.views` is a `u32`, so a
// string does not go there, a list operation does not apply to it, and a
// path of another entity's attributes is not this update's.
use dyngen_goldens::nested::*;

fn update(db: &Shop, key: &CustomerKey) {
    let _ = db.customers().update(key, 1).at(|a| a.stats.fields().views).set("many");
    let _ = db.customers().update(key, 1).at(|a| a.stats.fields().views).append([1u32]);
    let _ = db.customers().update(key, 1).at(|a| a.stats.fields().tags).add(1);
}

fn main() {
    let _ = update;
}
