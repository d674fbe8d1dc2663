//! Generates one module per adopted table from `schema/*.dyn`.

fn main() {
    for schema in ["protosource", "dynastore", "schemeless", "shop"] {
        dyngen::compile(format!("schema/{schema}.dyn")).unwrap();
    }
}
