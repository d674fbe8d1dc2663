//! The TextMate grammar `editors/dyn.tmLanguage.json`, checked without an
//! editor: every `.dyn` file of the repository and every `dyn` code block of
//! the documentation is tokenized with the grammar (by the small tokenizer in
//! `textmate/`), and the scopes are compared with what the parser accepts and
//! with the scopes the grammar promises (listed in `editors/README.md`).

mod textmate;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use textmate::{tokenize, Grammar, Token};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn grammar_text() -> String {
    fs::read_to_string(repo_root().join("editors/dyn.tmLanguage.json")).expect("editors/dyn.tmLanguage.json")
}

fn grammar() -> &'static Grammar {
    static GRAMMAR: OnceLock<Grammar> = OnceLock::new();
    GRAMMAR.get_or_init(|| Grammar::from_json(&grammar_text()).unwrap_or_else(|e| panic!("the grammar: {e}")))
}

/// A schema to tokenize: where it comes from, and its text.
struct Source {
    origin: String,
    text: String,
}

/// Every `.dyn` file in the repository (outside `target` and hidden
/// directories) and every `dyn` code block of `README.md` and `docs/*.md`.
fn corpus() -> Vec<Source> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<Source>) {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .expect("readable directory")
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                if !name.starts_with('.') && name != "target" && name != "node_modules" {
                    walk(&path, root, out);
                }
            } else if name.ends_with(".dyn") {
                // Not UTF-8 (a fuzzer's input, say): not a schema to colour.
                if let Ok(text) = String::from_utf8(fs::read(&path).unwrap()) {
                    out.push(Source {
                        origin: path.strip_prefix(root).unwrap().display().to_string(),
                        text,
                    });
                }
            }
        }
    }
    let root = repo_root().canonicalize().unwrap();
    let mut sources = Vec::new();
    walk(&root, &root, &mut sources);

    let mut docs = vec![root.join("README.md")];
    let mut pages: Vec<_> = fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    pages.sort();
    docs.extend(pages.into_iter().filter(|p| p.extension().is_some_and(|e| e == "md")));
    for doc in docs {
        let text = fs::read_to_string(&doc).unwrap();
        let mut block: Option<(usize, String)> = None;
        for (i, line) in text.lines().enumerate() {
            match &mut block {
                None if line.trim_end() == "```dyn" => block = Some((i + 1, String::new())),
                None => {}
                Some((start, body)) if line.trim_end() == "```" => {
                    sources.push(Source {
                        origin: format!("{}:{} (dyn block)", doc.strip_prefix(&root).unwrap().display(), start),
                        text: std::mem::take(body),
                    });
                    block = None;
                }
                Some((_, body)) => {
                    body.push_str(line);
                    body.push('\n');
                }
            }
        }
    }
    sources
}

fn parses(text: &str) -> bool {
    dyngen_dsl::parse::parse(text).is_ok()
}

fn has_scope(token: &Token, prefix: &str) -> bool {
    token
        .scopes
        .iter()
        .any(|s| s == prefix || s.starts_with(&format!("{prefix}.")))
}

/// `line:column: "text" [scopes]`, for failure messages.
fn describe(line: usize, token: &Token) -> String {
    format!("{}:{}: {:?} {:?}", line + 1, token.start + 1, token.text, token.scopes)
}

#[test]
fn grammar_is_well_formed() {
    let grammar = grammar();
    assert_eq!(grammar.scope_name(), "source.dyn");
    assert_eq!(
        grammar.unreachable_repository_rules(),
        Vec::<String>::new(),
        "unused repository rules"
    );

    // Every scope the grammar gives ends in `.dyn`, as TextMate convention
    // asks, so themes and injections can tell them apart.
    let json: serde_json::Value = serde_json::from_str(&grammar_text()).unwrap();
    fn names(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, value) in map {
                    if key == "name" || key == "contentName" {
                        if let Some(s) = value.as_str() {
                            out.extend(s.split_whitespace().map(str::to_string));
                        }
                    } else {
                        names(value, out);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| names(v, out)),
            _ => {}
        }
    }
    let mut scopes = Vec::new();
    names(&json, &mut scopes);
    scopes.retain(|s| s != "dyn"); // the grammar's display name
    assert!(scopes.len() > 50);
    for scope in scopes {
        assert!(scope.ends_with(".dyn"), "scope {scope:?} does not end in `.dyn`");
    }
}

/// Whatever the parser accepts, the grammar colours without an `invalid.*`
/// scope, gives every non-blank character a scope of its own (not just
/// `source.dyn` and `meta.*`), and leaves no rule open at the end.
#[test]
fn sources_the_parser_accepts_have_no_invalid_tokens() {
    let mut checked = Vec::new();
    let mut failures = Vec::new();
    for source in corpus() {
        if !parses(&source.text) {
            continue;
        }
        let (lines, tokenizer) = tokenize(grammar(), &source.text);
        for (i, tokens) in lines.iter().enumerate() {
            for token in tokens {
                if has_scope(token, "invalid") {
                    failures.push(format!("{}:{}", source.origin, describe(i, token)));
                }
                let bare = token.scopes.iter().all(|s| s == "source.dyn" || s.starts_with("meta."));
                if bare && !token.text.trim().is_empty() {
                    failures.push(format!(
                        "{}:{} has no scope of its own",
                        source.origin,
                        describe(i, token)
                    ));
                }
            }
        }
        if tokenizer.open_rules() != 0 {
            failures.push(format!(
                "{}: still inside {:?} at the end",
                source.origin,
                tokenizer.current_scopes()
            ));
        }
        checked.push(source.origin);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Not vacuous: all fixtures that must parse are in, and many more.
    for must in [
        "generated-example/vcs.dyn",
        "dsl/tests/fixtures/valid/every_construct.dyn",
        "dsl/tests/fixtures/valid/keyword_names.dyn",
        "dsl/tests/fixtures/valid/minimal.dyn",
        "dsl/tests/fixtures/valid/sparse_and_lsi.dyn",
        "generator/tests/fixtures/defaults.dyn",
        "generator/tests/fixtures/key_types.dyn",
        "generator/tests/fixtures/writes.dyn",
    ] {
        assert!(
            checked.iter().any(|c| c == must),
            "{must} was not checked (does it still parse?)"
        );
    }
    assert!(checked.iter().filter(|c| c.contains("fixtures/invalid/")).count() > 100);
    assert!(checked.iter().filter(|c| c.contains("(dyn block)")).count() > 40);
}

/// How the grammar marks a syntax error.
enum Marking {
    /// A token with this text gets an `invalid.*` scope of this name.
    Invalid(&'static str, &'static str),
    /// The file ends inside a declaration.
    Unclosed,
    /// Beyond what a TextMate grammar sees: the colours look like valid code.
    Unmarked,
}

const UNEXPECTED: &str = "invalid.illegal.unexpected.dyn";

/// Every fixture of `dsl/tests/fixtures/invalid` the parser rejects, with how
/// the grammar marks its error.
const REJECTED: &[(&str, Marking)] = &[
    ("syntax_comma_between_attributes.dyn", Marking::Invalid(",", UNEXPECTED)),
    // A doc comment before `}`: known only once the `}` comes.
    ("syntax_dangling_doc_comment.dyn", Marking::Unmarked),
    ("syntax_eof_inside_entity.dyn", Marking::Unclosed),
    ("syntax_equals_in_table.dyn", Marking::Invalid("=", UNEXPECTED)),
    ("syntax_index_missing_on.dyn", Marking::Invalid("gsi1", UNEXPECTED)),
    (
        "syntax_invalid_escape.dyn",
        Marking::Invalid("\\q", "invalid.illegal.unknown-escape.dyn"),
    ),
    (
        "syntax_key_without_brackets.dyn",
        Marking::Invalid("username", UNEXPECTED),
    ),
    ("syntax_missing_colon.dyn", Marking::Invalid("id", UNEXPECTED)),
    ("syntax_missing_open_brace.dyn", Marking::Invalid("id", UNEXPECTED)),
    // `name:` with its type on a later line is valid; `primary` then ends it.
    ("syntax_missing_type.dyn", Marking::Unmarked),
    (
        "syntax_model_instead_of_entity.dyn",
        Marking::Invalid("model", UNEXPECTED),
    ),
    // 65 nested brackets: a limit of the parser, not of the syntax.
    ("syntax_nesting_too_deep.dyn", Marking::Unmarked),
    ("syntax_stray_closing_brace.dyn", Marking::Invalid("}", UNEXPECTED)),
    ("syntax_unclosed_type_arguments.dyn", Marking::Invalid("{", UNEXPECTED)),
    ("syntax_default_function_call.dyn", Marking::Invalid("(", UNEXPECTED)),
    ("syntax_field_on_next_line.dyn", Marking::Invalid("@", UNEXPECTED)),
    (
        "syntax_index_name_not_identifier.dyn",
        Marking::Invalid("-", UNEXPECTED),
    ),
    ("syntax_key_missing_comma.dyn", Marking::Unmarked),
    ("syntax_list_missing_comma.dyn", Marking::Unmarked),
    (
        "syntax_modifier_on_next_line.dyn",
        Marking::Invalid("readonly", UNEXPECTED),
    ),
    ("syntax_non_ascii_attribute.dyn", Marking::Invalid("ß", UNEXPECTED)),
    ("syntax_non_ascii_entity.dyn", Marking::Invalid("é", UNEXPECTED)),
    ("syntax_non_ascii_variant.dyn", Marking::Invalid("ß", UNEXPECTED)),
    ("syntax_unclosed_entity.dyn", Marking::Invalid("entity", UNEXPECTED)),
    ("syntax_unclosed_enum.dyn", Marking::Invalid("{", UNEXPECTED)),
    ("syntax_unclosed_key.dyn", Marking::Invalid("index", UNEXPECTED)),
    ("syntax_unclosed_table.dyn", Marking::Invalid("entity", UNEXPECTED)),
    (
        "syntax_unterminated_string.dyn",
        Marking::Invalid("\"", "invalid.illegal.unterminated-string.dyn"),
    ),
];

#[test]
fn syntax_errors_are_marked() {
    let rejected: Vec<Source> = corpus()
        .into_iter()
        .filter(|s| !s.origin.contains("(dyn block)") && !parses(&s.text))
        .collect();
    for source in &rejected {
        // Whatever the text, the tokenizer gets through it (no endless loop).
        tokenize(grammar(), &source.text);
        if source.origin.contains("fixtures/invalid/") {
            assert!(
                REJECTED.iter().any(|(name, _)| source.origin.ends_with(name)),
                "{} does not parse: add it to REJECTED",
                source.origin
            );
        }
    }
    for (name, marking) in REJECTED {
        let source = rejected
            .iter()
            .find(|s| s.origin.ends_with(&format!("fixtures/invalid/{name}")))
            .unwrap_or_else(|| panic!("{name} is in REJECTED but is not an invalid fixture the parser rejects"));
        let (lines, tokenizer) = tokenize(grammar(), &source.text);
        let invalid: Vec<&Token> = lines.iter().flatten().filter(|t| has_scope(t, "invalid")).collect();
        match marking {
            Marking::Invalid(text, scope) => assert!(
                invalid
                    .iter()
                    .any(|t| t.text == *text && t.scopes.iter().any(|s| s == scope)),
                "{name}: expected {text:?} as {scope}, the invalid tokens are {invalid:?}"
            ),
            Marking::Unclosed => {
                assert!(invalid.is_empty(), "{name}: {invalid:?}");
                assert!(tokenizer.open_rules() > 0, "{name}: nothing is open at the end");
            }
            Marking::Unmarked => assert!(invalid.is_empty(), "{name}: now marked, update REJECTED: {invalid:?}"),
        }
    }
}

/// The tokens of a source, with a lookup by line and text.
struct Tokenized {
    origin: String,
    lines: Vec<Vec<Token>>,
    text: Vec<String>,
}

impl Tokenized {
    fn new(origin: &str, text: &str) -> Self {
        assert!(parses(text), "{origin} does not parse");
        let (lines, tokenizer) = tokenize(grammar(), text);
        assert_eq!(tokenizer.open_rules(), 0, "{origin}: unclosed at the end");
        Tokenized {
            origin: origin.to_string(),
            lines,
            text: text.split('\n').map(str::to_string).collect(),
        }
    }

    fn file(path: &str) -> Self {
        Self::new(path, &fs::read_to_string(repo_root().join(path)).unwrap())
    }

    /// The scopes of the `nth` token (from 0) whose text is `token`, on the
    /// first line that contains `line`.
    fn scopes(&self, line: &str, token: &str, nth: usize) -> &[String] {
        let index = self
            .text
            .iter()
            .position(|l| l.contains(line))
            .unwrap_or_else(|| panic!("{}: no line contains {line:?}", self.origin));
        let found: Vec<&Token> = self.lines[index].iter().filter(|t| t.text == token).collect();
        match found.get(nth) {
            Some(t) => &t.scopes,
            None => panic!(
                "{}:{}: no token #{nth} {token:?} in {:?}",
                self.origin,
                index + 1,
                self.lines[index].iter().map(|t| &t.text).collect::<Vec<_>>()
            ),
        }
    }

    /// Checks `(line, token, nth, scopes)` rows: the token's scopes after
    /// `source.dyn`, separated by spaces and without their `.dyn` suffix.
    fn check_exact(&self, rows: &[(&str, &str, usize, &str)]) {
        for (line, token, nth, expected) in rows {
            let expected: Vec<String> = std::iter::once("source".to_string())
                .chain(expected.split(' ').map(str::to_string))
                .map(|scope| format!("{scope}.dyn"))
                .collect();
            assert_eq!(
                self.scopes(line, token, *nth),
                expected,
                "{}: {token:?} in {line:?}",
                self.origin
            );
        }
    }

    /// Checks `(line, token, nth, scope)` rows: the token's innermost scope.
    fn check_innermost(&self, rows: &[(&str, &str, usize, &str)]) {
        for (line, token, nth, expected) in rows {
            let scopes = self.scopes(line, token, *nth);
            assert_eq!(
                scopes.last().map(String::as_str),
                Some(*expected),
                "{}: {token:?} in {line:?} has {scopes:?}",
                self.origin
            );
        }
    }
}

/// Full scope lists of tokens of the VCS example: `(line, token, nth, scopes)`.
#[rustfmt::skip]
const VCS_SCOPES: &[(&str, &str, usize, &str)] = &[
    // Comments.
    ("// The seed's", "//", 0, "comment.line.double-slash punctuation.definition.comment"),
    ("// The seed's", " The seed's version-control example: 4 entities, 2 GSIs, 3 collections and", 0,
     "comment.line.double-slash"),
    ("/// Version control platform", "///", 0, "comment.line.documentation punctuation.definition.comment"),
    ("/// Version control platform", " Version control platform in one table: users, repositories, issues and", 0,
     "comment.line.documentation"),
    ("/// Overloaded:", "`owned`", 0, "meta.table comment.line.documentation markup.inline.raw"),
    // The service and the table.
    ("service vcs", "service", 0, "meta.service keyword.declaration.service"),
    ("service vcs", "vcs", 0, "meta.service entity.name.namespace"),
    ("table Vcs {", "table", 0, "meta.table keyword.declaration.table"),
    ("table Vcs {", "Vcs", 0, "meta.table entity.name.type.table"),
    ("table Vcs {", "{", 0, "meta.table punctuation.section.block.begin"),
    ("  pk: pk", "pk", 0, "meta.table meta.setting keyword.other.setting"),
    ("  pk: pk", ":", 0, "meta.table meta.setting punctuation.separator.key-value"),
    ("  pk: pk", "pk", 1, "meta.table meta.setting variable.other.attribute-name"),
    ("index gsi1 {", "index", 0, "meta.table meta.index keyword.declaration.index"),
    ("index gsi1 {", "gsi1", 0, "meta.table meta.index entity.name.tag.index"),
    ("index gsi1 {", "sk", 0, "meta.table meta.index meta.setting keyword.other.setting"),
    ("index gsi1 {", "gsi1sk", 0, "meta.table meta.index meta.setting variable.other.attribute-name"),
    ("index gsi1 {", "}", 0, "meta.table meta.index punctuation.section.block.end"),
    // The enum.
    ("enum IssueStatus {", "enum", 0, "meta.enum keyword.declaration.enum"),
    ("enum IssueStatus {", "IssueStatus", 0, "meta.enum entity.name.type.enum"),
    ("  Open", "Open", 0, "meta.enum variable.other.enummember"),
    // An entity and its attributes.
    ("entity User {", "entity", 0, "meta.entity keyword.declaration.entity"),
    ("entity User {", "User", 0, "meta.entity entity.name.type.entity"),
    ("  username: string", "username", 0, "meta.entity meta.attribute variable.other.property"),
    ("  username: string", ":", 0, "meta.entity meta.attribute punctuation.separator.key-value"),
    ("  username: string", "string", 0, "meta.entity meta.attribute support.type.primitive"),
    ("isPrivate: bool = false", "bool", 0, "meta.entity meta.attribute support.type.primitive"),
    ("isPrivate: bool = false", "=", 0, "meta.entity meta.attribute meta.default keyword.operator.assignment"),
    ("isPrivate: bool = false", "false", 0, "meta.entity meta.attribute meta.default constant.language.boolean"),
    ("defaultBranch: string = \"main\"", "\"", 0,
     "meta.entity meta.attribute meta.default string.quoted.double punctuation.definition.string.begin"),
    ("defaultBranch: string = \"main\"", "main", 0, "meta.entity meta.attribute meta.default string.quoted.double"),
    ("defaultBranch: string = \"main\"", "\"", 1,
     "meta.entity meta.attribute meta.default string.quoted.double punctuation.definition.string.end"),
    ("status: IssueStatus = Open", "IssueStatus", 0, "meta.entity meta.attribute entity.name.type"),
    ("status: IssueStatus = Open", "Open", 0, "meta.entity meta.attribute meta.default variable.other.enummember"),
    // Access patterns.
    ("primary { pk: [username]  sk: [] }", "primary", 0,
     "meta.entity meta.access-pattern.primary keyword.declaration.primary"),
    ("primary { pk: [username]  sk: [] }", "{", 0,
     "meta.entity meta.access-pattern.primary meta.key punctuation.section.block.begin"),
    ("primary { pk: [username]  sk: [] }", "pk", 0,
     "meta.entity meta.access-pattern.primary meta.key keyword.other.key"),
    ("primary { pk: [username]  sk: [] }", "[", 0,
     "meta.entity meta.access-pattern.primary meta.key punctuation.section.brackets.begin"),
    ("primary { pk: [username]  sk: [] }", "username", 0,
     "meta.entity meta.access-pattern.primary meta.key variable.other.property"),
    ("primary { pk: [repoOwner, repoName]", ",", 0,
     "meta.entity meta.access-pattern.primary meta.key punctuation.separator.comma"),
    ("index owned on gsi1 collection owned", "index", 0, "meta.entity meta.access-pattern keyword.declaration.index"),
    ("index owned on gsi1 collection owned", "owned", 0,
     "meta.entity meta.access-pattern entity.name.function.access-pattern"),
    ("index owned on gsi1 collection owned", "on", 0, "meta.entity meta.access-pattern keyword.other.on"),
    ("index owned on gsi1 collection owned", "gsi1", 0, "meta.entity meta.access-pattern entity.name.tag.index"),
    ("index owned on gsi1 collection owned", "collection", 0,
     "meta.entity meta.access-pattern keyword.other.collection"),
    ("index owned on gsi1 collection owned", "owned", 1, "meta.entity meta.access-pattern entity.name.type.collection"),
    ("  timestamps", "timestamps", 0, "meta.entity keyword.other.marker"),
];

#[test]
fn vcs_example_exact_scopes() {
    Tokenized::file("generated-example/vcs.dyn").check_exact(VCS_SCOPES);
}

/// Innermost scopes in `dsl/tests/fixtures/valid/every_construct.dyn`: `(line, token, nth, scope)`.
#[rustfmt::skip]
const EVERY_CONSTRUCT_SCOPES: &[(&str, &str, usize, &str)] = &[
    // Table settings and indexes.
    ("  ttl: expiresAt", "ttl", 0, "keyword.other.setting.dyn"),
    ("  ttl: expiresAt", "expiresAt", 0, "variable.other.attribute-name.dyn"),
    ("  entity_tag: kind", "entity_tag", 0, "keyword.other.setting.dyn"),
    ("index gsi2 {", "projection", 0, "keyword.other.projection.dyn"),
    ("index gsi2 {", "all", 0, "constant.language.projection.dyn"),
    ("projection: include [", "include", 0, "keyword.other.include.dyn"),
    ("projection: include [", "[", 0, "punctuation.section.brackets.begin.dyn"),
    ("projection: include [", "customerId", 0, "variable.other.attribute-name.dyn"),
    ("projection: include [", "status", 0, "string.quoted.double.dyn"),
    ("projection: include [", ",", 0, "punctuation.separator.comma.dyn"),
    ("local index lsi1", "local", 0, "keyword.declaration.local.dyn"),
    ("local index lsi1", "index", 0, "keyword.declaration.index.dyn"),
    ("local index lsi1", "lsi1", 0, "entity.name.tag.index.dyn"),
    // Enums: variants, stored values, commas.
    ("  Pending = \"pending\"", "Pending", 0, "variable.other.enummember.dyn"),
    ("  Pending = \"pending\"", "=", 0, "keyword.operator.assignment.dyn"),
    ("  Pending = \"pending\"", "pending", 0, "string.quoted.double.dyn"),
    ("  Paid = \"paid\",", ",", 0, "punctuation.separator.comma.dyn"),
    ("enum Tier { Free, Pro }", "Pro", 0, "variable.other.enummember.dyn"),
    ("enum Tier { Free, Pro }", "}", 0, "punctuation.section.block.end.dyn"),
    // Structs and their fields.
    ("struct Address {", "struct", 0, "keyword.declaration.struct.dyn"),
    ("struct Address {", "Address", 0, "entity.name.type.struct.dyn"),
    ("  zip: string?", "?", 0, "keyword.operator.optional.dyn"),
    ("@field(\"cc\")", "@", 0, "punctuation.definition.annotation.dyn"),
    ("@field(\"cc\")", "field", 0, "storage.type.annotation.dyn"),
    ("@field(\"cc\")", "(", 0, "punctuation.section.parens.begin.dyn"),
    ("@field(\"cc\")", "cc", 0, "string.quoted.double.dyn"),
    ("@field(\"cc\")", ")", 0, "punctuation.section.parens.end.dyn"),
    ("  quantity: u32 = 1", "u32", 0, "support.type.primitive.dyn"),
    ("  quantity: u32 = 1", "1", 0, "constant.numeric.integer.dyn"),
    ("  unitPrice: decimal", "decimal", 0, "support.type.primitive.dyn"),
    ("  parts: list<Line>", "list", 0, "support.type.collection.dyn"),
    ("  parts: list<Line>", "<", 0, "punctuation.definition.typeparameters.begin.dyn"),
    ("  parts: list<Line>", "Line", 0, "entity.name.type.dyn"),
    ("  parts: list<Line>", ">", 0, "punctuation.definition.typeparameters.end.dyn"),
    // Every type, default and modifier of an entity.
    ("addresses: map<Address>", "map", 0, "support.type.collection.dyn"),
    ("tags: set<string>?", "set", 0, "support.type.collection.dyn"),
    ("tags: set<string>?", "string", 0, "support.type.primitive.dyn"),
    ("tags: set<string>?", "?", 0, "keyword.operator.optional.dyn"),
    ("scores: set<i64>?", "i64", 0, "support.type.primitive.dyn"),
    ("blobs: set<bytes>?", "bytes", 0, "support.type.primitive.dyn"),
    ("balance: decimal = 0.00", "0.00", 0, "constant.numeric.float.dyn"),
    ("ratio: f64 = 0.5", "f64", 0, "support.type.primitive.dyn"),
    ("visits: u64 = 0", "u64", 0, "support.type.primitive.dyn"),
    ("age: i32?", "i32", 0, "support.type.primitive.dyn"),
    ("lastSeen: timestamp?", "timestamp", 0, "support.type.primitive.dyn"),
    ("active: bool = true", "true", 0, "constant.language.boolean.dyn"),
    ("nicknames: list<string> = [", "[", 0, "punctuation.section.brackets.begin.dyn"),
    ("nicknames: list<string> = [", "b", 0, "string.quoted.double.dyn"),
    ("labels: map<string> = {}", "{", 0, "punctuation.section.braces.begin.dyn"),
    ("labels: map<string> = {}", "}", 0, "punctuation.section.braces.end.dyn"),
    ("  type: string = \"person\"", "type", 0, "variable.other.property.dyn"),
    ("signupSource: string readonly", "readonly", 0, "storage.modifier.dyn"),
    ("  rev: u64 readonly version", "readonly", 0, "storage.modifier.dyn"),
    ("  rev: u64 readonly version", "version", 0, "storage.modifier.dyn"),
    ("  expiresAt: i64 ttl", "ttl", 0, "storage.modifier.dyn"),
    ("  timestamps", "timestamps", 0, "keyword.other.marker.dyn"),
    ("  version", "version", 0, "keyword.other.marker.dyn"),
    // Keys: casing, collections on the primary key.
    ("index byEmail on gsi1", "casing", 0, "keyword.other.casing.dyn"),
    ("index byEmail on gsi1", "lower", 0, "constant.language.casing.dyn"),
    ("sk: [placedAt] casing upper", "upper", 0, "constant.language.casing.dyn"),
    ("primary collection sessions", "collection", 0, "keyword.other.collection.dyn"),
    ("primary collection sessions", "sessions", 0, "entity.name.type.collection.dyn"),
    ("index byPlaced on lsi1", "sk", 0, "keyword.other.key.dyn"),
];

/// Innermost scopes in `generator/tests/fixtures/defaults.dyn`: escapes, numbers, enum defaults.
#[rustfmt::skip]
const DEFAULTS_SCOPES: &[(&str, &str, usize, &str)] = &[
    ("@field(\"the \\\"text\\\"\")", "\\\"", 0, "constant.character.escape.dyn"),
    ("title: string = \"Untitled \\\"draft\\\"\"", "\\\"", 1, "constant.character.escape.dyn"),
    ("pages: i32 = -1", "-1", 0, "constant.numeric.integer.dyn"),
    ("copies: i64 = -9223372036854775808", "-9223372036854775808", 0, "constant.numeric.integer.dyn"),
    ("tiny: f64 = 1.0e-3", "1.0e-3", 0, "constant.numeric.float.dyn"),
    ("big: decimal = 6.02e23", "6.02e23", 0, "constant.numeric.float.dyn"),
    ("formats: list<Format> = [Hardcover, Ebook]", "Ebook", 0, "variable.other.enummember.dyn"),
    ("small: set<i32> = [-1, 2]", "-1", 0, "constant.numeric.integer.dyn"),
    ("  Hardcover = \"hc\"", "Hardcover", 0, "variable.other.enummember.dyn"),
];

/// Keywords are keywords only where the grammar expects one (`keyword_names.dyn`).
#[rustfmt::skip]
const KEYWORD_NAMES_SCOPES: &[(&str, &str, usize, &str)] = &[
    ("  type: Kind", "type", 0, "variable.other.property.dyn"),
    ("  match: bool = false", "match", 0, "variable.other.property.dyn"),
    ("primary { pk: [id]  sk: [type] }", "type", 0, "variable.other.property.dyn"),
];

/// The innermost scope of every construct, in the fixtures that have it.
#[test]
fn every_construct_has_its_scope() {
    Tokenized::file("dsl/tests/fixtures/valid/every_construct.dyn").check_innermost(EVERY_CONSTRUCT_SCOPES);
    Tokenized::file("generator/tests/fixtures/defaults.dyn").check_innermost(DEFAULTS_SCOPES);
    Tokenized::file("dsl/tests/fixtures/valid/keyword_names.dyn").check_innermost(KEYWORD_NAMES_SCOPES);
}

/// Innermost scopes in the source of [`free_layout`].
#[rustfmt::skip]
const LAYOUT_SCOPES: &[(&str, &str, usize, &str)] = &[
    ("//// Four slashes", "////", 0, "punctuation.definition.comment.dyn"),
    ("//// Four slashes", " Four slashes: a plain comment.", 0, "comment.line.double-slash.dyn"),
    ("table T", "T", 0, "entity.name.type.table.dyn"),
    ("  pk: pk  sk:", "sk", 0, "keyword.other.setting.dyn"),
    ("    sk", "sk", 0, "variable.other.attribute-name.dyn"),
    ("    projection: include [", "include", 0, "keyword.other.include.dyn"),
    ("      a, // a comment", "a", 0, "variable.other.attribute-name.dyn"),
    ("      \"b-c\",", "b-c", 0, "string.quoted.double.dyn"),
    ("    ]", "]", 0, "punctuation.section.brackets.end.dyn"),
    ("projection: keys_only", "keys_only", 0, "constant.language.projection.dyn"),
    ("enum E {", "a", 0, "string.quoted.double.dyn"),
    ("    i64", "i64", 0, "support.type.primitive.dyn"),
    ("  >? }", "?", 0, "keyword.operator.optional.dyn"),
    ("  >? }", "}", 0, "punctuation.section.block.end.dyn"),
    ("id: string  n: u32", "n", 0, "variable.other.property.dyn"),
    ("id: string  n: u32", "readonly", 0, "storage.modifier.dyn"),
    ("id: string  n: u32", "tags", 0, "variable.other.property.dyn"),
    ("    \"y\\u{1F600}\",", "\\u{1F600}", 0, "constant.character.escape.dyn"),
    ("  ] @field(\"t\")", "field", 0, "storage.type.annotation.dyn"),
    ("    string", "string", 0, "support.type.primitive.dyn"),
    ("  version: u64", "version", 0, "variable.other.property.dyn"),
    ("  index: string", "index", 0, "variable.other.property.dyn"),
    ("casing lower  sk: [] } index byN", "index", 0, "keyword.declaration.index.dyn"),
    ("casing lower  sk: [] } index byN", "byN", 0, "entity.name.function.access-pattern.dyn"),
    ("    collection c {", "c", 0, "entity.name.type.collection.dyn"),
    ("    collection c {", ",", 0, "punctuation.separator.comma.dyn"),
];

/// Layout is free (apart from an attribute's suffixes, which stay on its
/// line): line breaks inside lists, type arguments, table settings and
/// between members, several members on one line, `{` on its own line.
#[test]
fn free_layout() {
    let source = r#"
//// Four slashes: a plain comment.
service s
table T
{
  pk: pk  sk:
    sk
  index g1 { pk: g1pk  sk: g1sk
    projection: include [
      a, // a comment in a list
      "b-c",
    ]
  }
  local index l1 { sk: l1sk  projection: keys_only }
}
enum E { A = "a", B }
struct S { a: string  b: list<
    i64   // a comment in type arguments
  >? }
entity X
{
  id: string  n: u32 = 1 readonly  tags: list<string> = [
    "x",
    "y\u{1F600}",
  ] @field("t")
  later:
    string
  version: u64
  index: string
  primary { pk: [id] casing lower  sk: [] } index byN on g1
    collection c { pk: [n]  sk: [id,] }
  timestamps
}
"#;
    let layout = Tokenized::new("(free layout)", source);
    layout.check_exact(&[("{", "{", 0, "meta.table punctuation.section.block.begin")]);
    layout.check_innermost(LAYOUT_SCOPES);
}

/// Mistakes the grammar marks: `(source, token, innermost scope)`. Each is a
/// syntax error for the parser too.
#[rustfmt::skip]
const MISTAKES: &[(&str, &str, &str)] = &[
    ("entity E { a: string = \"x\\q\" }", "\\q", "invalid.illegal.unknown-escape.dyn"),
    ("entity E { a: string = \"open\n}", "\"", "invalid.illegal.unterminated-string.dyn"),
    ("entity E { a: f64 = 1e5 }", "1e5", "invalid.illegal.unexpected.dyn"),
    ("entity E { a: f64 = .5 }", ".", "invalid.illegal.unexpected.dyn"),
    ("enum E { A = 1 }", "1", "invalid.illegal.unexpected.dyn"),
    ("table T { pk: pk  index g { pk: a  ttl: b } }", "ttl", "invalid.illegal.unexpected.dyn"),
    ("table T { pk: pk  index g { pk: a  projection: some } }", "some", "invalid.illegal.unexpected.dyn"),
    ("entity E { primary { pk: [a] casing title } }", "title", "invalid.illegal.unexpected.dyn"),
    ("entity E { primary {\n  /// no docs in keys\n  pk: [a] } }", "/// no docs in keys",
     "invalid.illegal.misplaced-doc-comment.dyn"),
    ("entity E { a: string @name(\"x\") }", "@", "invalid.illegal.unexpected.dyn"),
    // A modifier must stay on its attribute's line.
    ("entity E { a: string\n  readonly\n}", "readonly", "invalid.illegal.unexpected.dyn"),
];

#[test]
fn mistakes_are_marked() {
    for (source, text, scope) in MISTAKES {
        assert!(!parses(source), "the parser accepts {source:?}");
        let (lines, _) = tokenize(grammar(), source);
        let tokens: Vec<&Token> = lines.iter().flatten().collect();
        assert!(
            tokens
                .iter()
                .any(|t| t.text == *text && t.scopes.last().is_some_and(|s| s == scope)),
            "{source:?}: expected {text:?} as {scope}, got {tokens:#?}"
        );
    }
}

/// An ElectroDB table: `format:`, the model settings and `timestamps @format(..)`.
#[rustfmt::skip]
const ELECTRODB_SCOPES: &[(&str, &str, usize, &str)] = &[
    ("  format: electrodb", "format", 0, "keyword.other.setting.dyn"),
    ("  model_name: \"customer\"", "model_name", 0, "keyword.other.setting.dyn"),
    ("  model_name: \"customer\"", "\"customer\"", 0, "string.quoted.double.dyn"),
    ("  model_version: \"2\"", "model_version", 0, "keyword.other.setting.dyn"),
    ("  timestamps @format(\"rfc3339_millis\")", "timestamps", 0, "keyword.other.marker.dyn"),
    ("  timestamps @format(\"rfc3339_millis\")", "format", 0, "storage.type.annotation.dyn"),
];

#[test]
fn electrodb_settings_exact_scopes() {
    let source = "service shop\n\ntable Shop {\n  pk: pk\n  sk: sk\n  format: electrodb\n}\n\nentity Customer {\n  email: string\n  model_name: \"customer\"\n  model_version: \"2\"\n  primary { pk: [email]  sk: [] }\n  timestamps @format(\"rfc3339_millis\")\n}\n";
    Tokenized::new("electrodb (inline)", source).check_innermost(ELECTRODB_SCOPES);
}

/// A hash shard, in a list and in a template.
#[rustfmt::skip]
const SHARD_SCOPES: &[(&str, &str, usize, &str)] = &[
    ("index byN", "shard", 0, "support.function.derived.dyn"),
    ("index byN", "16", 0, "constant.numeric.integer.dyn"),
    ("index byPage", "shard", 0, "support.function.derived.dyn"),
    ("index byPage", "4", 0, "constant.numeric.integer.dyn"),
];

#[test]
fn shard_scopes() {
    Tokenized::file("compile-checks/fuzzed/hash_shards.dyn").check_innermost(SHARD_SCOPES);
}
