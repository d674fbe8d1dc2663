//! `dyngen init` as a user runs it (that it writes the README's crate is
//! checked by `tests/tests/readme_crate.rs`, which reads the README).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn init(dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dyngen"))
        .arg("init")
        .arg(dir)
        .output()
        .expect("dyngen runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dyngen-init-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn init_makes_a_crate_and_never_overwrites() {
    let dir = scratch("new").join("my-app");
    let first = init(&dir);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(stderr.contains("wrote") && stderr.contains("build.rs"), "{stderr}");
    let manifest = read(dir.join("Cargo.toml"));
    assert!(manifest.starts_with("[package]\nname = \"my-app\"\n"), "{manifest}");
    // This binary's own clone, by absolute path.
    let runtime = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../runtime")
        .canonicalize()
        .unwrap();
    assert!(
        manifest.contains(&format!(
            "dyngen-runtime = {{ path = \"{}\", features = [\"embedded\"] }}",
            runtime.display()
        )),
        "{manifest}"
    );
    assert!(read(dir.join("src/main.rs")).contains("include_generated!(\"todo\")"));
    let schema = read(dir.join("schema/todo.dyn"));
    let compiled = dyngen::dsl::compile(&schema);
    assert!(compiled.schema.is_some(), "the schema checks clean");

    // Again: everything is there, nothing is touched.
    std::fs::write(dir.join("build.rs"), "// mine\n").unwrap();
    let second = init(&dir);
    assert_eq!(second.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains("`schema/todo.dyn`, `build.rs` already exist"),
        "{stderr}"
    );
    assert_eq!(read(dir.join("build.rs")), "// mine\n");
    assert_eq!(read(dir.join("Cargo.toml")), manifest);
    let _ = std::fs::remove_dir_all(dir.parent().unwrap());
}

#[test]
fn init_adds_entries_to_a_cargo_new_crate_and_keeps_its_main() {
    let dir = scratch("existing");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let manifest = "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[dependencies]\n";
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(dir.join("src/main.rs"), "fn main() {}\n").unwrap();
    let output = init(&dir);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(read(dir.join("src/main.rs")), "fn main() {}\n", "kept");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("include_generated!"),
        "says how to include the module: {stderr}"
    );
    let edited = read(dir.join("Cargo.toml"));
    assert!(
        edited.starts_with(manifest),
        "the manifest is kept and extended: {edited}"
    );
    assert!(
        edited.contains("aws-config = \"1\"") && edited.contains("[build-dependencies]\ndyngen = "),
        "{edited}"
    );
    // Set up already: refused.
    std::fs::remove_file(dir.join("build.rs")).unwrap();
    std::fs::remove_file(dir.join("schema/todo.dyn")).unwrap();
    let again = init(&dir);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("set up for dyngen already"));
    assert_eq!(read(dir.join("Cargo.toml")), edited);
    let _ = std::fs::remove_dir_all(&dir);
}
