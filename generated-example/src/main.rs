//! The version-control example. `vcs.dyn` checks clean today
//! (`cargo run -p dyngen -- check generated-example/vcs.dyn`); the generated
//! module and the access-pattern program arrive with code generation.

fn main() {
    println!("schema: generated-example/vcs.dyn (code generation not yet wired in)");
}
