//! Generated modules of schemas made up to break generated code: see
//! `build.rs`. That this crate builds, without warnings under
//! `clippy -D warnings`, is the test.
#![deny(warnings)]

include!(concat!(env!("OUT_DIR"), "/modules.rs"));
