//! Generates `$OUT_DIR/todo.rs` from `schema/todo.dyn`. Schema errors fail
//! the build with rustc-style diagnostics; `cargo:rerun-if-changed` keeps
//! the build script from running again until the schema changes.

fn main() {
    dyngen::compile("schema/todo.dyn").unwrap();
}
