// A read returns only the projections of its own entity: `OrderTotal` is
// not a projection of `Customer`.
use dyngen_goldens::projections::*;

async fn read(db: &Shop) {
    let key = CustomerKey { id: "c1".into() };
    let _ = db.customers().get_projected::<CustomerSummary, _>(&key).await;
    let _ = db.customers().get_projected::<OrderTotal, _>(&key).await;
}

fn main() {
    let _ = read;
}
