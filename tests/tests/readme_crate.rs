//! The README's "Use it in your crate" section, followed as a new user
//! would: its file blocks (```` ```toml Cargo.toml ````, ...) written as a
//! crate outside this workspace, beside a `dyngen` link to this checkout as
//! the README's paths expect, built with this workspace's lockfile, and run
//! against DynamoDB Local; and its `cargo install` line run.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The README's "Use it in your crate" section.
fn section() -> String {
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    let start = readme
        .find("## Use it in your crate")
        .expect("README.md has a section `## Use it in your crate`");
    let rest = &readme[start..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
    rest[..end].to_string()
}

/// A fenced block of the section: its info string's words, and its text.
struct Block {
    language: String,
    file: Option<String>,
    text: String,
}

fn blocks(section: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut lines = section.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.strip_prefix("```") else { continue };
        let mut words = info.split_whitespace();
        let language = words.next().unwrap_or_default().to_string();
        let file = words.next().map(str::to_string);
        let mut text = String::new();
        for line in lines.by_ref() {
            if line.starts_with("```") {
                break;
            }
            text.push_str(line);
            text.push('\n');
        }
        blocks.push(Block { language, file, text });
    }
    blocks
}

/// The directory the crate's build goes to: shared between runs and the
/// tests here, apart from the workspace's own (a nested cargo must not
/// wait for the lock of the `cargo test` that runs it).
fn target_dir() -> PathBuf {
    workspace().join("target/readme-crate")
}

/// `cargo`, without the variables of the `cargo test` running us that
/// would change what the nested build does.
fn cargo(dir: &Path) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(dir);
    for (name, _) in std::env::vars() {
        if name.starts_with("CARGO_") && name != "CARGO_HOME" || name == "RUSTFLAGS" {
            command.env_remove(name);
        }
    }
    command.env("CARGO_TARGET_DIR", target_dir());
    command
}

fn run(mut command: Command) -> String {
    let output = command.output().unwrap_or_else(|e| panic!("running {command:?}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Writes the section's file blocks as `my-app` in a fresh directory beside
/// a `dyngen` link to this checkout; returns the crate's directory.
fn write_crate(files: &[&Block]) -> PathBuf {
    let root = std::env::temp_dir().join(format!("dyngen-readme-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    std::os::unix::fs::symlink(workspace(), root.join("dyngen")).unwrap();
    let app = root.join("my-app");
    for block in files {
        let path = app.join(block.file.as_deref().unwrap());
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &block.text).unwrap();
    }
    // The versions this workspace is tested with (the README's crate would
    // resolve the newest ones compatible, which CI cannot pin).
    std::fs::copy(workspace().join("Cargo.lock"), app.join("Cargo.lock")).unwrap();
    app
}

#[tokio::test]
async fn the_readme_crate_builds_and_runs_on_the_embedded_engine_and_dynamodb_local() {
    let client = dyngen_tests::require_dynamodb_local!();
    let section = section();
    let blocks = blocks(&section);
    let files: Vec<&Block> = blocks.iter().filter(|b| b.file.is_some()).collect();
    let mut names: Vec<&str> = files.iter().map(|b| b.file.as_deref().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["Cargo.toml", "build.rs", "schema/todo.dyn", "src/main.rs"]);
    for block in &files {
        let expected = match block.file.as_deref().unwrap() {
            "Cargo.toml" => "toml",
            "schema/todo.dyn" => "dyn",
            _ => "rust",
        };
        assert_eq!(block.language, expected, "the language of {:?}", block.file);
    }

    let app = write_crate(&files);
    let mut build = cargo(&app);
    build.args(["build", "--quiet"]);
    run(build);

    // `cargo run` as the section shows it first: on the embedded engine,
    // with no endpoint (and no Java needed).
    assert!(
        section.contains("\ncargo run "),
        "the section shows a plain `cargo run`"
    );
    let mut embedded = Command::new(target_dir().join("debug/my-app"));
    embedded.env_remove("DYNAMODB_ENDPOINT");
    assert_eq!(run(embedded), "milk: Buy milk (done: false)\n");

    // The run command the section shows, with DynamoDB Local's endpoint.
    assert!(
        section.contains("DYNAMODB_ENDPOINT=http://127.0.0.1:8000 cargo run"),
        "the section shows how to run the crate against a local engine"
    );
    let _ = client.delete_table().table_name("todo").send().await;
    let mut program = Command::new(target_dir().join("debug/my-app"));
    program.env("DYNAMODB_ENDPOINT", dyngen_tests::endpoint().unwrap());
    let printed = run(program);
    assert_eq!(printed, "milk: Buy milk (done: false)\n");
    // A second run finds the table and the item there: same output.
    let mut again = Command::new(target_dir().join("debug/my-app"));
    again.env("DYNAMODB_ENDPOINT", dyngen_tests::endpoint().unwrap());
    assert_eq!(run(again), printed);
    dyngen_tests::delete_table_best_effort(&client, "todo").await;
    let _ = std::fs::remove_dir_all(app.parent().unwrap());
}

#[test]
fn dyngen_init_writes_the_readme_crate() {
    // With dyngen cloned beside the crate, as the README has it.
    let source = dyngen::init::DyngenSource::Path {
        generator: "../dyngen/generator".into(),
        runtime: "../dyngen/runtime".into(),
    };
    let plan = dyngen::init::plan("my-app", &Default::default(), &source).unwrap();
    let blocks = blocks(&section());
    let files: Vec<&Block> = blocks.iter().filter(|b| b.file.is_some()).collect();
    assert_eq!(files.len(), 4, "Cargo.toml, the schema, build.rs and src/main.rs");
    for block in files {
        let file = block.file.as_deref().unwrap();
        assert_eq!(
            plan.files.get(file),
            Some(&block.text),
            "`dyngen init` writes the README's {file}"
        );
    }
}

#[test]
fn the_readme_install_line_installs_a_working_cli() {
    let section = section();
    let line = section
        .lines()
        .find(|l| l.contains("cargo install"))
        .expect("the section says how to install the CLI");
    assert!(line.contains("cargo install --path generator"), "{line}");
    let root = std::env::temp_dir().join(format!("dyngen-install-{}", std::process::id()));
    // The README's command from the clone, into a scratch root, as a debug
    // build sharing the other test's target directory.
    let mut install = cargo(&workspace());
    install.args([
        "install",
        "--path",
        "generator",
        "--locked",
        "--debug",
        "--quiet",
        "--root",
    ]);
    install.arg(&root);
    run(install);
    let mut check = Command::new(root.join("bin/dyngen"));
    check.arg("check").arg(workspace().join("generated-example/vcs.dyn"));
    run(check);
    let _ = std::fs::remove_dir_all(&root);
}
