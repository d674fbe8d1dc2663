//! Generates one module per adopted table from `schema/*.dyn`.

fn main() {
    for schema in [
        "protosource",
        "dynastore",
        "schemeless",
        "shop",
        "electrodb-vcs",
        "electrodb-catalog",
        "ledger",
    ] {
        dyngen::compile(format!("schema/{schema}.dyn")).unwrap();
    }
}
