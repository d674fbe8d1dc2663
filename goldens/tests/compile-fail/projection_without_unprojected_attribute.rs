// A projection type holds exactly what its read returns: the keys-only
// pattern's items have no `name`, and a named projection has only the
// attributes it lists (and the primary key).
use dyngen_goldens::projections::*;

fn read(by_email: &CustomerByEmailProjection, summary: &CustomerSummary) {
    let _ = &by_email.email;
    let _ = &by_email.name;
    let _ = &summary.name;
    let _ = &summary.email;
}

fn main() {
    let _ = read;
}
