//! `dyngen check` as a user runs it: exit codes, output streams and formats.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn dyngen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dyngen"))
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .expect("dyngen runs")
}

fn vcs() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../generated-example/vcs.dyn")
        .display()
        .to_string()
}

fn scratch(name: &str, contents: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dyngen-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

const BROKEN: &str = "service s\ntable T { pk: pk sk: sk }\nentity A {\n  id: strng\n  primary { pk: [id, nope] }\n}\n";

#[test]
fn a_valid_schema_is_silent_and_exits_0() {
    let out = dyngen(&["check", &vcs()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{out:?}");
}

#[test]
fn schema_errors_exit_1_with_every_error_located() {
    let path = scratch("broken.dyn", BROKEN.as_bytes());
    let out = dyngen(&["check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    // Both problems in one run, each with code, location and help.
    assert!(stderr.contains("error[E0105]: unknown type `strng`"), "{stderr}");
    assert!(stderr.contains("broken.dyn:4:7"), "{stderr}");
    assert!(stderr.contains("= help: did you mean `string`?"), "{stderr}");
    assert!(
        stderr.contains("error[E0106]: entity `A` has no attribute `nope`"),
        "{stderr}"
    );
    assert!(stderr.contains("due to 2 previous errors"), "{stderr}");
    // Not a terminal, so no colour codes.
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
}

/// `--color always` reaches the renderer (the `auto` rules are unit-tested
/// in `report::use_color`, since a test's stderr is never a terminal).
#[test]
fn color_can_be_forced() {
    let path = scratch("color.dyn", BROKEN.as_bytes());
    let forced = dyngen(&["check", "--color", "always", path.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&forced.stderr).contains('\u{1b}'));
    let never = dyngen(&["check", "--color", "never", path.to_str().unwrap()]);
    assert!(!String::from_utf8_lossy(&never.stderr).contains('\u{1b}'));
}

#[test]
fn warnings_are_shown_but_do_not_fail() {
    let path = scratch(
        "warn.dyn",
        b"service s\ntable T { pk: pk  index gsi1 { pk: g1 } }\nentity A { id: string  primary { pk: [id] } }\n",
    );
    let out = dyngen(&["check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("warning[W0302]: no entity uses index `gsi1`"),
        "{stderr}"
    );
    assert!(stderr.contains("generated 1 warning"), "{stderr}");
}

#[test]
fn json_format_is_machine_readable() {
    let path = scratch("json.dyn", BROKEN.as_bytes());
    let out = dyngen(&["check", "--format", "json", path.to_str().unwrap(), &vcs()]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(doc["errors"], 2);
    assert_eq!(doc["warnings"], 0);
    let first = &doc["diagnostics"][0];
    assert_eq!(first["code"], "E0105");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["line"], 4);
    assert_eq!(first["column"], 7);
    assert!(first["file"].as_str().unwrap().ends_with("json.dyn"));
    assert_eq!(first["labels"][0]["primary"], true);
    assert_eq!(first["labels"][0]["end_column"], 12);
    assert_eq!(first["help"], "did you mean `string`?");
}

#[test]
fn unreadable_input_exits_2() {
    let missing = dyngen(&["check", "does/not/exist.dyn"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read `does/not/exist.dyn`: no such file"));

    let dir = std::env::temp_dir();
    let directory = dyngen(&["check", dir.to_str().unwrap()]);
    assert_eq!(directory.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&directory.stderr).contains("is a directory"));

    let binary = scratch("binary.dyn", &[b's', 0xff, 0xfe, b'\n']);
    let not_utf8 = dyngen(&["check", binary.to_str().unwrap()]);
    assert_eq!(not_utf8.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&not_utf8.stderr).contains("not UTF-8"));

    // An I/O failure outranks schema errors in other files.
    let broken = scratch("mixed.dyn", BROKEN.as_bytes());
    let mixed = dyngen(&["check", broken.to_str().unwrap(), "does/not/exist.dyn"]);
    assert_eq!(mixed.status.code(), Some(2));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(dyngen(&["check"]).status.code(), Some(2));
    assert_eq!(dyngen(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(dyngen(&["check", "--format", "xml", &vcs()]).status.code(), Some(2));
}

#[test]
fn help_explains_the_commands() {
    let top = String::from_utf8(dyngen(&["--help"]).stdout).unwrap();
    assert!(top.contains("check") && top.contains("Exit codes"), "{top}");
    let check = String::from_utf8(dyngen(&["check", "--help"]).stdout).unwrap();
    assert!(
        check.contains("--format") && check.contains("NO_COLOR") && check.contains("Exit codes"),
        "{check}"
    );
}

/// The README's quick-start schema must stay valid.
#[test]
fn readme_quick_start_checks_clean() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")).unwrap();
    let start = readme.find("```dyn\n").expect("README has a dyn example") + "```dyn\n".len();
    let end = start + readme[start..].find("```").unwrap();
    let compiled = dyngen::check_source(&readme[start..end]);
    assert!(compiled.diagnostics.is_empty(), "{:?}", compiled.diagnostics);
}

// ---------------------------------------------------------------------------
// `dyngen build`

fn minimal() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../dsl/tests/fixtures/valid/minimal.dyn")
}

/// What `dyngen build` must write for `minimal.dyn`.
fn minimal_generated() -> String {
    let source = std::fs::read_to_string(minimal()).unwrap();
    let schema = dyngen::check_source(&source).schema.unwrap();
    dyngen::generate(&schema, "minimal.dyn").unwrap().contents
}

/// A fresh, empty directory for one test.
fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dyngen-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn build_prints_the_module_without_a_target() {
    let out = dyngen(&["build", minimal().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
    assert_eq!(String::from_utf8(out.stdout).unwrap(), minimal_generated());
}

#[test]
fn build_writes_the_output_file() {
    let dir = scratch_dir("output");
    let target = dir.join("nested/thing.rs");
    let out = dyngen(&["build", minimal().to_str().unwrap(), "-o", target.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), minimal_generated());
}

/// `dyngen build` says what it did on stderr (stdout stays free for the
/// module): what it wrote, with the schema's size, or that nothing changed;
/// `-q` keeps it quiet.
#[test]
fn build_says_what_it_wrote_or_that_nothing_changed() {
    let dir = scratch_dir("status");
    let target = dir.join("vcs.rs");
    let target_text = target.display().to_string();
    let out = dyngen(&["build", &vcs(), "-o", &target_text]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    // The example has four entities and three collections.
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!("wrote {target_text} (4 entities, 3 collections)\n")
    );

    let out = dyngen(&["build", &vcs(), "-o", &target_text]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!("{target_text} unchanged\n")
    );

    // One entity, no collection: the counts are worded for the numbers.
    let minimal_target = dir.join("minimal.rs");
    let out = dyngen(&[
        "build",
        minimal().to_str().unwrap(),
        "-o",
        minimal_target.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.ends_with("(1 entity, 0 collections)\n"), "{stderr}");

    for quiet in ["-q", "--quiet"] {
        std::fs::remove_file(&target).unwrap();
        let out = dyngen(&["build", &vcs(), "-o", &target_text, quiet]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{quiet}: {out:?}");
        assert!(target.exists(), "{quiet} still writes");
        let out = dyngen(&["build", &vcs(), "-o", &target_text, quiet]);
        assert!(out.stderr.is_empty(), "{quiet}: {out:?}");
    }
}

#[test]
fn build_writes_the_stem_into_out_dir() {
    let dir = scratch_dir("out-dir");
    let out = dyngen(&["build", minimal().to_str().unwrap(), "--out-dir", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        std::fs::read_to_string(dir.join("minimal.rs")).unwrap(),
        minimal_generated()
    );
}

#[test]
fn build_check_accepts_a_fresh_file_and_writes_nothing() {
    let dir = scratch_dir("check-fresh");
    let target = dir.join("minimal.rs");
    std::fs::write(&target, minimal_generated()).unwrap();
    let modified = std::fs::metadata(&target).unwrap().modified().unwrap();
    let out = dyngen(&[
        "build",
        minimal().to_str().unwrap(),
        "-o",
        target.to_str().unwrap(),
        "--check",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{out:?}");
    assert_eq!(std::fs::metadata(&target).unwrap().modified().unwrap(), modified);

    // With --out-dir, and nothing else in the directory appears.
    let out = dyngen(&[
        "build",
        minimal().to_str().unwrap(),
        "--out-dir",
        dir.to_str().unwrap(),
        "--check",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
}

#[test]
fn build_check_shows_a_diff_for_a_stale_file_and_leaves_it() {
    let dir = scratch_dir("check-stale");
    let target = dir.join("minimal.rs");
    let stale = minimal_generated().replace("pub id: ::std::string::String", "pub id: u64");
    std::fs::write(&target, &stale).unwrap();
    let out = dyngen(&[
        "build",
        minimal().to_str().unwrap(),
        "-o",
        target.to_str().unwrap(),
        "--check",
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("@@ "), "a unified diff: {stdout}");
    assert!(stdout.contains("-    pub id: u64,"), "{stdout}");
    assert!(stdout.contains("+    pub id: ::std::string::String,"), "{stdout}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("is out of date"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        stale,
        "--check must not write"
    );

    // A missing file is stale too, and is not created.
    let missing = dir.join("missing.rs");
    let out = dyngen(&[
        "build",
        minimal().to_str().unwrap(),
        "-o",
        missing.to_str().unwrap(),
        "--check",
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(!missing.exists());
}

#[test]
fn build_reports_schema_errors_and_writes_nothing() {
    let dir = scratch_dir("build-broken");
    let schema = dir.join("broken.dyn");
    std::fs::write(&schema, BROKEN).unwrap();
    let out = dyngen(&["build", schema.to_str().unwrap(), "--out-dir", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("error[E0105]: unknown type `strng`"), "{stderr}");
    assert!(stderr.contains("broken.dyn:4:7"), "{stderr}");
    assert!(!dir.join("broken.rs").exists());
}

#[test]
fn build_check_needs_a_target() {
    let out = dyngen(&["build", minimal().to_str().unwrap(), "--check"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    // -o and --out-dir exclude each other.
    let dir = scratch_dir("both");
    let out = dyngen(&[
        "build",
        minimal().to_str().unwrap(),
        "-o",
        dir.join("a.rs").to_str().unwrap(),
        "--out-dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

// ---------------------------------------------------------------------------
// doc, table, fmt, diff: the same exit codes and diagnostics as `check`.

/// Each subcommand that reads one schema: 0 with output on stdout, 1 with
/// located diagnostics on a broken schema, 2 when the file cannot be read.
#[test]
fn doc_and_table_exit_like_check() {
    let broken = scratch("broken-tools.dyn", BROKEN.as_bytes());
    for command in [
        &["doc"][..],
        &["doc", "--format", "json"],
        &["table"],
        &["table", "--format", "cloudformation"],
    ] {
        let mut args = command.to_vec();
        let vcs = vcs();
        args.push(&vcs);
        let out = dyngen(&args);
        assert_eq!(out.status.code(), Some(0), "{command:?}: {out:?}");
        assert!(!out.stdout.is_empty(), "{command:?} prints its document");

        let mut args = command.to_vec();
        args.push(broken.to_str().unwrap());
        let out = dyngen(&args);
        assert_eq!(out.status.code(), Some(1), "{command:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains("error[E0105]") && stderr.contains("broken-tools.dyn:4:7"),
            "{stderr}"
        );
        assert!(out.stdout.is_empty(), "{command:?} prints nothing for a broken schema");

        let mut args = command.to_vec();
        args.push("no/such/file.dyn");
        assert_eq!(dyngen(&args).status.code(), Some(2), "{command:?}");
    }
}

#[test]
fn doc_and_table_documents_are_what_the_library_renders() {
    let out = dyngen(&["doc", "--format", "json", &vcs()]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("doc --format json is JSON");
    assert!(json.is_object());
    let out = dyngen(&["table", "--table-name", "my-table", &vcs()]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("table is JSON");
    assert!(json.to_string().contains("\"my-table\""), "{json}");
    let out = dyngen(&["table", "--format", "cloudformation", &vcs()]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("cloudformation is JSON");
    assert!(json.to_string().contains("AWS::DynamoDB::Table"), "{json}");
}

#[test]
fn fmt_rewrites_only_what_is_not_formatted_and_check_says_so() {
    let dir = scratch_dir("fmt");
    let messy = dir.join("messy.dyn");
    std::fs::write(
        &messy,
        "service s\ntable T {   pk: pk\n sk: sk }\nentity A { id: string\n primary { pk: [id] } }\n",
    )
    .unwrap();
    let tidy = dir.join("tidy.dyn");
    std::fs::copy(vcs(), &tidy).unwrap();

    // --check: exit 1 naming the messy file, with a diff; nothing written.
    let before = std::fs::read_to_string(&messy).unwrap();
    let out = dyngen(&["fmt", "--check", messy.to_str().unwrap(), tidy.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("messy.dyn") && !stderr.contains("tidy.dyn"), "{stderr}");
    assert!(String::from_utf8(out.stdout).unwrap().contains("@@"), "a unified diff");
    assert_eq!(std::fs::read_to_string(&messy).unwrap(), before);

    // Without --check: rewritten, then clean; the formatted file is left alone.
    assert_eq!(
        dyngen(&["fmt", messy.to_str().unwrap(), tidy.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
    let after = std::fs::read_to_string(&messy).unwrap();
    assert_ne!(after, before);
    assert_eq!(after, dyngen_dsl_format(&before));
    let out = dyngen(&["fmt", "--check", messy.to_str().unwrap(), tidy.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");

    // A syntax error: exit 1 with the diagnostic, file untouched.
    let bad = dir.join("bad.dyn");
    std::fs::write(&bad, "service s\ntable T {\n").unwrap();
    let out = dyngen(&["fmt", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8(out.stderr).unwrap().contains("error[E0"),
        "located syntax error"
    );
    assert_eq!(std::fs::read_to_string(&bad).unwrap(), "service s\ntable T {\n");
    assert_eq!(dyngen(&["fmt", "no/such.dyn"]).status.code(), Some(2));
}

fn dyngen_dsl_format(source: &str) -> String {
    dyngen::dsl::format::format(source).expect("formats")
}

/// The example schema is checked in formatted.
#[test]
fn the_example_schema_is_formatted() {
    assert_eq!(dyngen(&["fmt", "--check", &vcs()]).status.code(), Some(0));
}

#[test]
fn diff_exits_1_only_for_breaking_changes() {
    let base = std::fs::read_to_string(vcs()).unwrap();
    let same = dyngen(&["diff", &vcs(), &vcs()]);
    assert_eq!(same.status.code(), Some(0), "{same:?}");

    // A new optional attribute is safe.
    let safe = scratch(
        "vcs-safe.dyn",
        base.replacen("  bio: string\n", "  bio: string\n  website: string?\n", 1)
            .as_bytes(),
    );
    let out = dyngen(&["diff", &vcs(), safe.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8(out.stdout).unwrap().contains("website"));

    // A changed primary key is breaking.
    let breaking = scratch(
        "vcs-breaking.dyn",
        base.replacen(
            "primary { pk: [username]  sk: [] }",
            "primary { pk: [username, location]  sk: [] }",
            1,
        )
        .as_bytes(),
    );
    assert_ne!(breaking.to_str(), None);
    let out = dyngen(&["diff", &vcs(), breaking.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("diff --format json is JSON");
    assert!(json.to_string().contains("breaking"), "{json}");

    let broken = scratch("broken-diff.dyn", BROKEN.as_bytes());
    assert_eq!(
        dyngen(&["diff", &vcs(), broken.to_str().unwrap()]).status.code(),
        Some(1)
    );
    assert_eq!(dyngen(&["diff", &vcs(), "no/such.dyn"]).status.code(), Some(2));
}

#[test]
fn help_explains_the_tooling_commands() {
    let top = String::from_utf8(dyngen(&["--help"]).stdout).unwrap();
    for command in ["doc", "table", "fmt", "diff"] {
        assert!(top.contains(command), "{top}");
        let help = String::from_utf8(dyngen(&[command, "--help"]).stdout).unwrap();
        assert!(
            help.contains("Exit codes") && help.contains("Usage"),
            "{command}: {help}"
        );
    }
}

/// The example's design document is checked in, generated: it must be what
/// `dyngen doc` prints now (regenerate with
/// `cargo run -p dyngen -- doc generated-example/vcs.dyn > generated-example/vcs.md`).
#[test]
fn the_example_design_document_is_fresh() {
    let out = dyngen(&["doc", &vcs()]);
    let checked_in =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated-example/vcs.md")).unwrap();
    assert!(
        String::from_utf8(out.stdout).unwrap() == checked_in,
        "generated-example/vcs.md is stale; regenerate it with `cargo run -p dyngen -- doc generated-example/vcs.dyn > generated-example/vcs.md`"
    );
}
