//! Nothing to use here: this crate exists for its tests.
//!
//! `tests/tokenize.rs` tokenizes every schema fixture and every `dyn` code
//! block of the documentation with `editors/dyn.tmLanguage.json`, the
//! TextMate grammar that gives `.dyn` files their colours in VS Code and in
//! other TextMate-based highlighters, and checks the scopes it gives against
//! what the parser (`dyngen-dsl`) accepts. See `editors/README.md`.
