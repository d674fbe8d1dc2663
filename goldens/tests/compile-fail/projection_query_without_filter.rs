// A query of a keys-only or `include` index cannot filter: the index holds
// too little for the filter to see. (Entity queries can.)
use dyngen_goldens::projections::*;

fn query(db: &Shop) {
    let _ = db
        .customers()
        .query(&CustomerPartition { id: "c1".into() })
        .filter(|a| a.visits.gt(1));
    let _ = db
        .customers()
        .by_tier(&CustomerByTierPartition { tier: Tier::Pro })
        .filter(|a| a.visits.gt(1));
}

fn main() {
    let _ = query;
}
