// A collection query filters only its own members' items: `Counter` is not
// in collection `boardWork`.
use dyngen_goldens::writes::*;

fn board(db: &Tasks) {
    let _ = db
        .board_work(&BoardWorkCollectionKey { board: "b".into() })
        .filter_member::<Counter>(|a| a.hits.gt(3));
}

fn main() {
    let _ = board;
}
