//! `dyngen fmt` (`dyngen_dsl::format::format`): snapshots of the canonical
//! layout of every valid schema in the repository, and the properties that
//! make it safe to run on any file: the layout is a fixed point, it never
//! changes what a schema means (same IR, same diagnostics), it keeps every
//! comment in order, it depends only on the tokens (not on how they were
//! spaced), it refuses text that does not parse, and it never panics.
//!
//! The comment and whitespace checks use a lexer of their own (below), written
//! independently of the one in `format.rs`.

use dyngen_dsl::format::format;
use dyngen_dsl::{compile, parse, Diagnostic};
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

const VCS: &str = include_str!("../../generated-example/vcs.dyn");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The `.dyn` files of a directory, sorted: (path, text).
fn schemas_in(dir: &str) -> Vec<(String, String)> {
    let dir = repo().join(dir);
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "dyn"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p.display().to_string(), text)
        })
        .collect();
    files.sort();
    files
}

/// Every schema of the repository that checks clean.
fn valid_schemas() -> Vec<(String, String)> {
    let mut all = schemas_in("dsl/tests/fixtures/valid");
    all.extend(schemas_in("generator/tests/fixtures"));
    all.push(("generated-example/vcs.dyn".to_string(), VCS.to_string()));
    assert!(all.len() >= 8, "fixtures not found");
    all
}

fn invalid_fixtures() -> Vec<(String, String)> {
    schemas_in("dsl/tests/fixtures/invalid")
}

fn fmt(source: &str, name: &str) -> String {
    match format(source) {
        Ok(text) => text,
        Err(diagnostics) => panic!("{name} should format, got {diagnostics:#?}"),
    }
}

/// Diagnostics rendered with their positions in `source`, for exact comparisons.
fn rendered(diagnostics: &[Diagnostic], source: &str) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| d.render("schema.dyn", source, false))
        .collect()
}

// ---- a lexer of the tests' own -------------------------------------------------

/// `source` split into tokens and the whitespace around them:
/// `separators[i]` precedes `tokens[i]`, and the last separator ends the file.
/// A comment token runs to the end of its line (trailing spaces included).
struct Split<'a> {
    separators: Vec<&'a str>,
    tokens: Vec<&'a str>,
}

fn split(source: &str) -> Split<'_> {
    let chars: Vec<(usize, char)> = source.char_indices().collect();
    let at = |k: usize| chars.get(k).map(|&(_, c)| c);
    let offset = |k: usize| chars.get(k).map_or(source.len(), |&(i, _)| i);
    let word = |c: char| c.is_ascii_alphanumeric() || "_.@+-".contains(c);
    let (mut separators, mut tokens) = (Vec::new(), Vec::new());
    let mut k = 0;
    let mut separator_start = 0;
    while k < chars.len() {
        let c = chars[k].1;
        if " \t\r\n".contains(c) {
            k += 1;
            continue;
        }
        let start = k;
        if c == '/' && at(k + 1) == Some('/') {
            while at(k).is_some_and(|c| c != '\n') {
                k += 1;
            }
        } else if c == '"' {
            k += 1;
            while let Some(c) = at(k) {
                k += if c == '\\' { 2 } else { 1 };
                if c == '"' {
                    break;
                }
            }
        } else if word(c) {
            while at(k).is_some_and(word) {
                k += 1;
            }
        } else {
            k += 1;
        }
        let k_end = k.min(chars.len());
        separators.push(&source[separator_start..offset(start)]);
        tokens.push(&source[offset(start)..offset(k_end)]);
        separator_start = offset(k_end);
        k = k_end;
    }
    separators.push(&source[separator_start..]);
    Split { separators, tokens }
}

fn is_comment(token: &str) -> bool {
    token.starts_with("//")
}

/// Every comment and doc comment, in order, without trailing spaces.
fn comments(source: &str) -> Vec<&str> {
    split(source)
        .tokens
        .into_iter()
        .filter(|t| is_comment(t))
        .map(str::trim_end)
        .collect()
}

fn has_blank_line(separator: &str) -> bool {
    separator.split('\n').skip(1).count() >= 2
}

// ---- what every formatted file looks like -------------------------------------

/// The shape every output has, whatever the input: two-space indentation
/// that follows the braces (and the brackets of a list opened over lines),
/// no trailing spaces or tabs, no run of blank lines, no blank line after `{`
/// or before `}`, one final line break.
fn assert_canonical_shape(text: &str, name: &str) {
    if text.is_empty() {
        return;
    }
    assert!(
        text.ends_with('\n') && !text.ends_with("\n\n"),
        "{name}: must end with one line break:\n{text}"
    );
    assert!(!text.starts_with('\n'), "{name}: starts with a blank line:\n{text}");
    let lines: Vec<&str> = text.lines().collect();
    let mut depth = 0usize;
    for (i, line) in lines.iter().enumerate() {
        let context = format!("{name}, line {}: {line:?}\n{text}", i + 1);
        assert_eq!(line.trim_end(), *line, "trailing whitespace in {context}");
        assert!(!line.contains('\r'), "carriage return in {context}");
        if line.is_empty() {
            assert!(i > 0 && !lines[i - 1].is_empty(), "two blank lines in {context}");
            assert!(!lines[i - 1].ends_with('{'), "blank line after `{{` in {context}");
            assert!(
                lines.get(i + 1).is_none_or(|l| !l.trim_start().starts_with('}')),
                "blank line before `}}` in {context}"
            );
            continue;
        }
        let code = if is_comment(line.trim_start()) { "" } else { *line };
        if code.trim_start().starts_with(['}', ']']) {
            depth = depth.saturating_sub(1);
        }
        let indent = line.len() - line.trim_start_matches(' ').len();
        assert_eq!(indent, 2 * depth, "indentation in {context}");
        assert!(
            !line[indent..].starts_with(char::is_whitespace),
            "indentation in {context}"
        );
        let opens = |c: &str| c.ends_with(['{', '[']);
        if opens(code.trim_end()) || code.split(" //").next().is_some_and(opens) {
            depth += 1;
        }
    }
    assert_eq!(depth, 0, "{name}: unbalanced indentation:\n{text}");
}

/// The checks every schema that parses must pass; returns the formatted text.
fn assert_formats_safely(source: &str, name: &str) -> String {
    let formatted = fmt(source, name);
    assert_canonical_shape(&formatted, name);
    assert_eq!(
        format(&formatted).ok().as_deref(),
        Some(formatted.as_str()),
        "{name}: formatting twice differs from formatting once"
    );
    assert_eq!(
        comments(&formatted),
        comments(source),
        "{name}: comments changed:\n{formatted}"
    );
    let before = compile(source);
    let after = compile(&formatted);
    assert_eq!(after.schema, before.schema, "{name}: the IR changed:\n{formatted}");
    assert_eq!(
        after.diagnostics, before.diagnostics,
        "{name}: the diagnostics changed:\n{formatted}"
    );
    formatted
}

// ---- snapshots ------------------------------------------------------------------

#[test]
fn valid_fixtures() {
    insta::glob!("fixtures/valid/*.dyn", |path| {
        let source = std::fs::read_to_string(path).unwrap();
        insta::assert_snapshot!(fmt(&source, &path.display().to_string()));
    });
}

#[test]
fn generator_fixtures() {
    insta::glob!("../../generator/tests/fixtures", "*.dyn", |path| {
        let source = std::fs::read_to_string(path).unwrap();
        insta::assert_snapshot!(fmt(&source, &path.display().to_string()));
    });
}

#[test]
fn vcs_example() {
    insta::assert_snapshot!(fmt(VCS, "vcs.dyn"));
}

/// The checked-in example is already in canonical layout.
#[test]
fn the_example_is_canonical() {
    assert_eq!(fmt(VCS, "vcs.dyn"), VCS);
}

// ---- properties on the corpus -----------------------------------------------------

#[test]
fn valid_schemas_keep_their_meaning_and_comments() {
    for (name, source) in valid_schemas() {
        assert!(compile(&source).schema.is_some(), "{name} should check clean");
        assert_formats_safely(&source, &name);
    }
}

/// Invalid fixtures that parse are formatted like any other, and report the
/// same diagnostics afterwards.
#[test]
fn invalid_fixtures_that_parse_keep_their_diagnostics() {
    let mut formatted = 0;
    for (name, source) in invalid_fixtures() {
        if parse::parse(&source).is_ok() {
            assert_formats_safely(&source, &name);
            formatted += 1;
        }
    }
    assert!(formatted > 100, "only {formatted} invalid fixtures parse");
}

#[test]
fn syntax_errors_are_refused_with_the_parser_diagnostics() {
    let mut refused = 0;
    for (name, source) in invalid_fixtures() {
        if let Err(expected) = parse::parse(&source) {
            let Err(got) = format(&source) else {
                panic!("{name} does not parse, but formatted")
            };
            assert_eq!(rendered(&got, &source), rendered(&expected, &source), "{name}");
            refused += 1;
        }
    }
    assert!(refused >= 10, "only {refused} fixtures have syntax errors");
    for source in [
        "entity {",
        "service x\ntable T { pk: pk }\nentity E { a: string, }",
        "\"open",
        "/// dangling",
    ] {
        assert!(format(source).is_err(), "{source:?} should be refused");
    }
}

// ---- layout rules, one at a time --------------------------------------------------

fn assert_formats(source: &str, expected: &str) {
    let formatted = assert_formats_safely(source, &format!("{source:?}"));
    assert_eq!(formatted, expected, "formatting {source:?}");
}

#[test]
fn empty_and_comment_only_files() {
    assert_formats("", "");
    assert_formats(" \n\n\t\n", "");
    assert_formats(
        "// only a comment   \n\n\n// and another",
        "// only a comment\n\n// and another\n",
    );
}

#[test]
fn one_declaration_per_line_and_a_blank_line_between_items() {
    assert_formats(
        "service s table T { pk: pk sk: sk index g { pk: a sk: b } } enum E { A, B = \"b\", } \
         entity X { id: string primary { pk: [id] sk: [] } timestamps }",
        "service s\n\ntable T {\n  pk: pk\n  sk: sk\n  index g { pk: a  sk: b }\n}\n\n\
         enum E {\n  A\n  B = \"b\"\n}\n\n\
         entity X {\n  id: string\n  primary { pk: [id]  sk: [] }\n  timestamps\n}\n",
    );
}

#[test]
fn blank_lines_inside_bodies_are_kept_but_never_doubled() {
    assert_formats(
        "service s\ntable T {\n\n  pk: pk\n\n\n  sk: sk\n\n}\nentity X {\n  a: string\n\n\n  b: string\n  \
         primary { pk: [a] }\n\n}\n",
        "service s\n\ntable T {\n  pk: pk\n\n  sk: sk\n}\n\nentity X {\n  a: string\n\n  b: string\n  \
         primary { pk: [a] }\n}\n",
    );
}

#[test]
fn spacing_inside_lines_is_normalised() {
    assert_formats(
        "service s\ntable T{pk:pk}\nentity X{\n  tags :  list <  string , >   ?\n  n: i64   =   -1_000   readonly\n  \
         f: list<i64> = [ 1 ,2, ]  @field( \"a\\\"b\" )\n  e: map<string> = { }\n  \
         primary   collection c {pk:[ a ,b, ]casing   lower sk:[]}\n}\n",
        "service s\n\ntable T {\n  pk: pk\n}\n\nentity X {\n  tags: list<string>?\n  n: i64 = -1_000 readonly\n  \
         f: list<i64> = [1, 2] @field(\"a\\\"b\")\n  e: map<string> = {}\n  \
         primary collection c { pk: [a, b] casing lower  sk: [] }\n}\n",
    );
}

#[test]
fn empty_bodies() {
    assert_formats(
        "enum E {  }\nentity X {\n}\ntable T { index g { } }",
        "enum E {}\n\nentity X {}\n\ntable T {\n  index g {}\n}\n",
    );
}

#[test]
fn long_blocks_open_over_several_lines() {
    let source =
        "service s\ntable T { pk: pk  sk: sk\n  index gsi4 { pk: gsi4pk  sk: gsi4sk  projection: include [id, \
                  customerId, \"status\", total, placedAt, lines, shipTo, reservedUntil, rev, kind] } }\n\
                  entity Issue { primary collection managedByAssignee { pk: [repositoryOwner, repositoryName]  \
                  sk: [status, issueNumber, assignee] casing lower } }";
    let expected = "service s\n\ntable T {\n  pk: pk\n  sk: sk\n  index gsi4 {\n    pk: gsi4pk\n    sk: gsi4sk\n    \
                    projection: include [id, customerId, \"status\", total, placedAt, lines, shipTo, reservedUntil, rev, \
                    kind]\n  }\n}\n\nentity Issue {\n  primary collection managedByAssignee {\n    \
                    pk: [repositoryOwner, repositoryName]\n    sk: [status, issueNumber, assignee] casing lower\n  }\n}\n";
    assert_formats(source, expected);
}

#[test]
fn long_projection_lists_open_one_name_per_line() {
    let names: Vec<String> = (0..12).map(|i| format!("attribute{i}")).collect();
    let source = format!(
        "service s\ntable T {{ pk: pk  sk: sk  index g {{ pk: a  sk: b  projection: include [{}] }} }}\n",
        names.join(",")
    );
    let listed: String = names.iter().map(|n| format!("      {n},\n")).collect();
    let expected = format!(
        "service s\n\ntable T {{\n  pk: pk\n  sk: sk\n  index g {{\n    pk: a\n    sk: b\n    \
         projection: include [\n{listed}    ]\n  }}\n}}\n"
    );
    assert_formats(&source, &expected);
}

#[test]
fn comments_stay_where_they_are() {
    assert_formats(
        "// head\nservice s // the service\n\
         table T { // settings\n  pk: pk // partition\n  // own line\n  sk: sk\n  // before the brace\n} // after\n\
         // tail\n",
        "// head\nservice s // the service\n\n\
         table T { // settings\n  pk: pk // partition\n  // own line\n  sk: sk\n  // before the brace\n} // after\n\n\
         // tail\n",
    );
}

#[test]
fn doc_comments_start_a_line_and_stick_to_their_declaration() {
    assert_formats(
        "service s\ntable T { pk: pk }\nentity X {\n  a: string /// about b\n  b: string\n  ///no space\n\n  \
         ///   indented  \n  primary { pk: [a] }\n}\n",
        "service s\n\ntable T {\n  pk: pk\n}\n\nentity X {\n  a: string\n  /// about b\n  b: string\n  \
         ///no space\n  ///   indented\n  primary { pk: [a] }\n}\n",
    );
}

#[test]
fn comments_inside_a_block_open_it() {
    assert_formats(
        "service s\ntable T { pk: pk  sk: sk\n  index g { pk: a // why\n sk: b }\n}\nentity X {\n  a: string\n  \
         primary { pk: [a] // pk\n sk: [] }\n}\n",
        "service s\n\ntable T {\n  pk: pk\n  sk: sk\n  index g {\n    pk: a // why\n    sk: b\n  }\n}\n\n\
         entity X {\n  a: string\n  primary {\n    pk: [a] // pk\n    sk: []\n  }\n}\n",
    );
}

#[test]
fn comments_inside_a_line_move_before_it() {
    assert_formats(
        "service s\ntable T { pk: pk }\nentity X {\n  a: // first\n  list< // second\n  string> = [ // third\n  \"x\"]\n  \
         primary { pk: [a] }\n}\n",
        "service s\n\ntable T {\n  pk: pk\n}\n\nentity X {\n  // first\n  // second\n  // third\n  \
         a: list<string> = [\"x\"]\n  primary { pk: [a] }\n}\n",
    );
}

#[test]
fn enum_commas_do_not_detach_trailing_comments() {
    assert_formats(
        "enum E { A, // first\n B = \"b\", // second\n C }",
        "enum E {\n  A // first\n  B = \"b\" // second\n  C\n}\n",
    );
}

#[test]
fn crlf_line_ends_become_lf() {
    let source = VCS.replace('\n', "\r\n");
    assert_eq!(fmt(&source, "vcs.dyn with CRLF"), VCS);
}

#[test]
fn version_stays_a_marker_or_a_modifier() {
    assert_formats(
        "service s\ntable T { pk: pk }\nentity X { id: string\n rev: u64 version\n version\n primary { pk: [id] } }",
        "service s\n\ntable T {\n  pk: pk\n}\n\nentity X {\n  id: string\n  rev: u64 version\n  version\n  \
         primary { pk: [id] }\n}\n",
    );
}

/// The example of docs/dsl.md's "Formatting" section: its `text` schema
/// formats to the `dyn` block that follows, which checks clean.
#[test]
fn the_documented_example() {
    let doc = std::fs::read_to_string(repo().join("docs/dsl.md")).unwrap();
    let section = doc
        .split("\n## Formatting\n")
        .nth(1)
        .expect("docs/dsl.md has a Formatting section");
    let section = section.split("\n## ").next().unwrap();
    let blocks: Vec<&str> = section.split("```").skip(1).step_by(2).collect();
    let source = blocks
        .iter()
        .find_map(|b| b.strip_prefix("text\nservice"))
        .expect("a `text` example");
    let expected = blocks
        .iter()
        .find_map(|b| b.strip_prefix("dyn\n"))
        .expect("a `dyn` example");
    let source = format!("service{source}");
    assert!(
        compile(expected).diagnostics.is_empty(),
        "the formatted example should check clean"
    );
    assert_formats(&source, expected);
}

// ---- robustness ---------------------------------------------------------------------

/// Every prefix of every fixture, cut at each character: never a panic. A
/// prefix that parses formats to a fixed point of the canonical shape with
/// its comments kept (whether the prefix parses at all is checked against
/// the parser for one cut in 16, to keep the test fast in a debug build).
#[test]
fn truncations_never_panic() {
    let mut all = valid_schemas();
    all.extend(invalid_fixtures());
    let mut formatted = 0;
    for (name, source) in all {
        for end in (0..=source.len()).filter(|&i| source.is_char_boundary(i)) {
            let prefix = &source[..end];
            let name = format!("{name} cut at {end}");
            let Ok(result) = std::panic::catch_unwind(|| format(prefix)) else {
                panic!("format panicked on {prefix:?}")
            };
            if end % 16 == 0 {
                assert_eq!(result.is_ok(), parse::parse(prefix).is_ok(), "{name}");
            }
            match result {
                Ok(formatted_prefix) => {
                    assert_canonical_shape(&formatted_prefix, &name);
                    assert_eq!(
                        format(&formatted_prefix).ok().as_ref(),
                        Some(&formatted_prefix),
                        "{name}"
                    );
                    assert_eq!(comments(&formatted_prefix), comments(prefix), "{name}");
                    formatted += 1;
                }
                Err(diagnostics) => assert!(!diagnostics.is_empty(), "{name}: refused without a diagnostic"),
            }
        }
    }
    assert!(formatted > 1000, "only {formatted} prefixes parse");
}

// ---- layout depends on the tokens only ------------------------------------------------

/// xorshift64*, seeded by proptest.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }

    /// 0 to 3 spaces or tabs, at least `min`.
    fn spaces(&mut self, min: u64) -> String {
        let count = min + self.below(4 - min.min(3));
        (0..count)
            .map(|_| if self.below(4) == 0 { '\t' } else { ' ' })
            .collect()
    }

    /// A line break (or, with `blank`, two or three), with random indentation.
    fn lines(&mut self, blank: bool) -> String {
        let breaks = if blank { 2 + self.below(2) } else { 1 };
        let mut text = String::new();
        for _ in 0..breaks {
            text.push_str(&self.spaces(0));
            text.push_str(if self.below(5) == 0 { "\r\n" } else { "\n" });
        }
        text.push_str(&self.spaces(0));
        text
    }
}

/// Tokens that must stay on the line of the token before them: an attribute's
/// default and modifiers (a line break would end the attribute), type
/// arguments and `?` (the grammar allows only spaces there), and a key
/// attribute's type (`sk: v N`).
fn stays_on_its_line(token: &str) -> bool {
    [
        "=", "readonly", "version", "ttl", "unique", "@field", "@format", "<", "?", "S", "N", "B",
    ]
    .contains(&token)
}

fn glues(token: &str, at_end: bool) -> bool {
    let c = if at_end {
        token.chars().next_back()
    } else {
        token.chars().next()
    };
    c.is_some_and(|c| "{}[]<>(),:=?".contains(c))
}

/// `source` with new whitespace between its tokens. What the grammar gives a
/// meaning to is kept: a line break after a comment, a comment's place at the
/// end of a line of code or on a line of its own, line breaks (or their
/// absence) before the tokens of [`stays_on_its_line`], and blank lines (which
/// the layout keeps). Everything else changes at random: the amount and kind
/// of spaces, CRLF or LF, and line breaks added or removed between tokens.
fn mangle(source: &str, rng: &mut Rng) -> String {
    let Split { separators, tokens } = split(source);
    let mut out = String::new();
    for (i, original) in separators.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| tokens[j]);
        let next = tokens.get(i).copied();
        let blank = has_blank_line(original);
        let newline = original.contains('\n');
        let separator = match (prev, next) {
            (None, _) | (_, None) => {
                if blank || rng.below(2) == 0 {
                    rng.lines(blank)
                } else {
                    rng.spaces(0)
                }
            }
            (Some(prev), Some(_)) if is_comment(prev) => rng.lines(blank),
            (Some(_), Some(next)) if is_comment(next) || stays_on_its_line(next) => {
                if newline {
                    rng.lines(blank)
                } else {
                    rng.spaces(u64::from(!original.is_empty() && !is_comment(next)))
                }
            }
            (Some(prev), Some(next)) => {
                if blank || rng.below(3) == 0 {
                    rng.lines(blank)
                } else {
                    let glued = glues(prev, true) || glues(next, false);
                    rng.spaces(u64::from(!glued))
                }
            }
        };
        out.push_str(&separator);
        if let Some(token) = next {
            out.push_str(token);
        }
    }
    out
}

#[test]
fn the_test_lexer_round_trips() {
    for (name, source) in valid_schemas().into_iter().chain(invalid_fixtures()) {
        let Split { separators, tokens } = split(&source);
        let mut joined = String::new();
        for (separator, token) in separators.iter().zip(&tokens) {
            joined.push_str(separator);
            joined.push_str(token);
        }
        joined.push_str(separators.last().unwrap());
        assert_eq!(joined, source, "{name}");
        assert!(separators.iter().all(|s| s.trim().is_empty()), "{name}");
    }
}

static VALID: LazyLock<Vec<(String, String)>> = LazyLock::new(valid_schemas);
static INVALID_THAT_PARSE: LazyLock<Vec<(String, String)>> = LazyLock::new(|| {
    invalid_fixtures()
        .into_iter()
        .filter(|(_, source)| parse::parse(source).is_ok())
        .collect()
});

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Respacing a schema changes nothing: the mangled text means the same and
    /// formats to exactly the canonical text of the original.
    #[test]
    fn respaced_schemas_format_to_the_same_text(fixture in 0usize..1000, seed in any::<u64>()) {
        let (name, source) = &VALID[fixture % VALID.len()];
        let mangled = mangle(source, &mut Rng(seed | 1));
        let compiled = compile(&mangled);
        prop_assert!(
            compiled.schema.is_some(),
            "the mangler broke {}:\n{}\n{:#?}", name, mangled, compiled.diagnostics
        );
        prop_assert_eq!(&compiled.schema, &compile(source).schema, "the mangler changed {}", name);
        let canonical = fmt(source, name);
        let formatted = fmt(&mangled, name);
        prop_assert_eq!(&formatted, &canonical, "{} respaced as:\n{}", name, mangled);
    }

    /// The same for the invalid fixtures that parse: same diagnostics, same layout.
    #[test]
    fn respaced_invalid_fixtures_format_to_the_same_text(fixture in 0usize..1000, seed in any::<u64>()) {
        let (name, source) = &INVALID_THAT_PARSE[fixture % INVALID_THAT_PARSE.len()];
        let mangled = mangle(source, &mut Rng(seed | 1));
        prop_assert_eq!(
            compile(&mangled).diagnostics,
            compile(source).diagnostics,
            "the mangler changed {}:\n{}", name, mangled
        );
        prop_assert_eq!(fmt(&mangled, name), fmt(source, name), "{} respaced as:\n{}", name, mangled);
    }
}
