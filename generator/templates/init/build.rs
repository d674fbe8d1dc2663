fn main() {
    dyngen::compile("schema/todo.dyn").unwrap();
}
