//! The typed API turns misuse into compile errors. Each case in
//! `compile-fail/` must fail for the reason its `.stderr` shows (regenerate
//! them with `TRYBUILD=overwrite cargo test -p dyngen-goldens --test
//! compile_fail`, then read them). `compile_pass.rs` checks that the correct
//! forms of the same calls compile.

#[test]
fn misuse_does_not_compile() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/compile-fail/*.rs");
}
