// A draft writes only the entity it drafts: an `OrderDraft` is not an
// `Event` (writing it through the `Order` client compiles).
use dyngen_goldens::generated_defaults::*;

fn write(db: &Orders, draft: &OrderDraft) {
    let _ = db.events().create(draft);
    let _ = db.orders().create(draft);
}

fn main() {
    let _ = write;
}
