fn main() {
    let path = std::env::args().nth(1).expect("path");
    let src = std::fs::read_to_string(&path).unwrap();
    match dyngen_dsl::parse::parse(&src) {
        Ok(f) => println!("{} items", f.items.len()),
        Err(ds) => {
            for d in ds {
                eprint!("{}", d.render(&path, &src, false));
            }
        }
    }
}
