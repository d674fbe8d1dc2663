//! Scratch: prints the generated module for a schema (development aid).
fn main() {
    let path = std::env::args().nth(1).expect("schema path");
    let source = std::fs::read_to_string(&path).expect("readable schema");
    let compiled = dyngen::dsl::compile(&source);
    let schema = compiled.schema.expect("valid schema");
    match dyngen::generate(&schema, &path) {
        Ok(file) => print!("{}", file.contents),
        Err(dyngen::GenerateError::InvalidRust {
            template,
            message,
            text,
        }) => {
            eprintln!("{template}: {message}");
            std::fs::write("/tmp/invalid.rs", text).unwrap();
        }
        Err(e) => eprintln!("{e}"),
    }
}
