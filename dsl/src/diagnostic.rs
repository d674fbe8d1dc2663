//! Diagnostics: what is wrong, where, and how to fix it.
//!
//! Every diagnostic carries a stable [`Code`]; each code is documented in
//! `docs/dsl.md` (a test keeps the two in step). Rendering goes through
//! codespan-reporting, whose ASCII layout is rustc's own
//! (`error[E0101]: ...`, `--> file:line:col`, labelled source lines, `= help:`).

use crate::span::Span;
use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

macro_rules! codes {
    ($($variant:ident = $code:literal, $severity:ident, $summary:literal;)*) => {
        /// Stable diagnostic codes. Never renumber one: editors and CI scripts match on them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $(#[doc = $summary] $variant,)*
        }

        impl Code {
            /// Every code, in numeric order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// `E0101`, `W0301`, ...
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// One line saying what the code is about.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $summary,)* }
            }

            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }
        }
    };
}

codes! {
    // Syntax.
    Syntax = "E0001", Error, "the text does not follow the grammar";
    UnterminatedString = "E0002", Error, "a string literal has no closing quote";
    NestingTooDeep = "E0003", Error, "brackets are nested deeper than dyngen accepts";
    InvalidEscape = "E0004", Error, "a string literal contains an unknown escape sequence";
    // Names and resolution.
    DuplicateType = "E0101", Error, "two entities, enums or structs share a name";
    DuplicateAttribute = "E0102", Error, "an entity or struct declares an attribute twice";
    DuplicateVariant = "E0103", Error, "an enum declares a variant twice (or two variants store the same string)";
    DuplicateIndex = "E0104", Error, "an index name is declared twice";
    UnknownType = "E0105", Error, "a type name refers to nothing";
    UnknownAttribute = "E0106", Error, "a key composite names an attribute the entity does not have";
    UnknownTableIndex = "E0107", Error, "an entity index refers to a table index that does not exist";
    ServiceDeclaration = "E0108", Error, "the schema needs exactly one `service`";
    TableDeclaration = "E0109", Error, "the schema needs exactly one `table`";
    PrimaryKeyDeclaration = "E0110", Error, "an entity needs exactly one `primary` key";
    DuplicateModifier = "E0111", Error, "an attribute or key repeats a modifier, default or key part";
    TableKeyDeclaration = "E0112", Error, "a table or table index is missing its key attributes or repeats one";
    EmptyEnum = "E0113", Error, "an enum has no variants";
    AttributeListMember = "E0114", Error, "a `projection` or `unique` list is empty, repeats an attribute or names one the entity does not have";
    DuplicateProjection = "E0115", Error, "an entity declares two projections of one name";
    // Types and defaults.
    DefaultMismatch = "E0201", Error, "a default value does not fit the attribute's type";
    OptionalWithDefault = "E0202", Error, "an optional attribute has a default";
    NestedOptional = "E0203", Error, "`?` is used inside a type argument";
    InvalidSetElement = "E0204", Error, "a set holds something other than strings, numbers or bytes";
    TypeArguments = "E0205", Error, "a type is given the wrong number of type arguments";
    RecursiveStruct = "E0206", Error, "a struct contains itself without a list or map in between";
    StructFieldModifier = "E0207", Error, "a struct field uses a modifier that only entity attributes have";
    // Keys and indexes.
    NonScalarComposite = "E0301", Error, "a key composite is not a scalar type";
    RepeatedComposite = "E0302", Error, "the same attribute appears twice in one key";
    OptionalPrimaryComposite = "E0303", Error, "a primary key composite is optional";
    TableIndexReused = "E0304", Error, "an entity uses one table index twice";
    KeyShape = "E0305", Error, "an entity key does not match the shape of its table index";
    LocalIndexPartition = "E0306", Error, "a local index does not share the table's partition key";
    TooManyLocalIndexes = "E0307", Error, "a table has more than 5 local secondary indexes";
    VersionInKey = "E0308", Error, "an attribute that changes on every write is used in a key that cannot follow it";
    KeyAttributeName = "E0309", Error, "a physical key attribute name is invalid or used twice";
    Projection = "E0310", Error, "an index projection is invalid";
    PartialProjection = "E0311", Error, "an entity reads items from an index that does not project all its attributes";
    KeyTypeMismatch = "E0312", Error, "a key's layout does not fit its attribute's DynamoDB type (S, N or B)";
    KeyTemplate = "E0313", Error, "a key template is malformed or ambiguous";
    DerivedPart = "E0314", Error, "a derived key part is unknown or applied to an attribute it does not fit";
    PhysicalIndexName = "E0315", Error, "an index's DynamoDB name is invalid or used twice";
    KeyFormat = "E0316", Error, "a table's `format` is unknown, or a setting does not fit it";
    UniqueAttribute = "E0317", Error, "a unique attribute has no key form, is maintained by dyngen, or repeats a unique set";
    TooManyGlobalIndexes = "W0301", Warning, "a table has more than 20 global secondary indexes";
    UnusedTableIndex = "W0302", Warning, "no entity uses a table index";
    UnescapedKeyValues = "W0303", Warning, "the table's key format stores values unescaped and case-folded";
    // Collections.
    CollectionIndexMismatch = "E0401", Error, "members of one collection use different table indexes";
    CollectionPartitionMismatch = "E0402", Error, "members of one collection build their partition keys differently";
    CollectionWithoutSortKey = "E0403", Error, "a collection's index has no sort key";
    CollectionAttributeMismatch = "E0404", Error, "collection members disagree on a shared attribute";
    OverlappingKeyPrefixes = "E0405", Error, "two access patterns on one index can produce the same keys";
    KeyCollision = "E0406", Error, "two entities' keys can collide on one index, and nothing tells their items apart";
    SharedPrimaryKey = "W0401", Warning, "two entities can write the same primary key: the entity tag tells them apart, but a put of one replaces the other";
    // Stored fields and markers.
    FieldCollision = "E0501", Error, "two attributes are stored under the same field name";
    FieldIsKeyAttribute = "E0502", Error, "an attribute is stored under a physical key attribute's name";
    FieldIsReserved = "E0503", Error, "an attribute is stored under a name dyngen reserves";
    TtlType = "E0504", Error, "the `ttl` attribute is not an epoch-seconds number or timestamp";
    VersionType = "E0505", Error, "the `version` attribute is not an integer";
    RepeatedMarker = "E0506", Error, "an entity has more than one version or ttl attribute, or repeats a marker";
    TtlField = "E0507", Error, "`ttl` attributes are stored under different fields";
    InvalidFieldName = "E0508", Error, "a stored field name is empty";
    TimeFormat = "E0509", Error, "`@format` is unknown, or does not fit the attribute";
    EntityTag = "E0510", Error, "a table without an entity tag holds several entities";
    // Rust names.
    ReservedRustName = "E0601", Error, "a name cannot become a Rust identifier";
    RustNameCollision = "E0602", Error, "two names become the same Rust identifier";
    // Warnings about the design.
    UnusedType = "W0101", Warning, "an enum or struct is never used";
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
    /// The primary label points at the problem; secondary ones give context.
    pub primary: bool,
}

/// One problem in a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub message: String,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            labels: Vec::new(),
            help: None,
            notes: Vec::new(),
        }
    }

    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    pub fn is_error(&self) -> bool {
        self.severity() == Severity::Error
    }

    /// The main location, labelled with what is wrong there.
    pub fn primary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: true,
        });
        self
    }

    /// A related location ("first defined here").
    pub fn secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: false,
        });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Where the diagnostic points: its first primary label.
    pub fn primary_span(&self) -> Option<Span> {
        self.labels.iter().find(|l| l.primary).map(|l| l.span)
    }

    /// Renders like rustc. `color` adds ANSI colours; otherwise plain text.
    pub fn render(&self, file_name: &str, source: &str, color: bool) -> String {
        let file = SimpleFile::new(file_name, source);
        let diagnostic = self.to_codespan(source.len());
        let config = term::Config {
            chars: term::Chars::ascii(),
            ..term::Config::default()
        };
        let rendered = if color {
            let mut buffer = termcolor::Buffer::ansi();
            term::emit_to_write_style(&mut buffer, &config, &file, &diagnostic)
                .map(|()| String::from_utf8_lossy(buffer.as_slice()).into_owned())
        } else {
            term::emit_into_string(&config, &file, &diagnostic)
        };
        // Rendering only fails on a span outside the file, which would be a
        // bug in dyngen; fall back to a plain line rather than lose the message.
        rendered.unwrap_or_else(|_| format!("{}[{}]: {}\n", self.severity_word(), self.code, self.message))
    }

    fn severity_word(&self) -> &'static str {
        match self.severity() {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }

    fn to_codespan(&self, source_len: usize) -> cs::Diagnostic<()> {
        let clamp = |span: Span| {
            let start = span.start.min(source_len);
            start..span.end.clamp(start, source_len)
        };
        let base = match self.severity() {
            Severity::Error => cs::Diagnostic::error(),
            Severity::Warning => cs::Diagnostic::warning(),
        };
        let mut notes: Vec<String> = self.notes.iter().map(|n| format!("note: {n}")).collect();
        if let Some(help) = &self.help {
            notes.push(format!("help: {help}"));
        }
        base.with_code(self.code.as_str())
            .with_message(&self.message)
            .with_labels(
                self.labels
                    .iter()
                    .map(|l| {
                        let label = if l.primary {
                            cs::Label::primary((), clamp(l.span))
                        } else {
                            cs::Label::secondary((), clamp(l.span))
                        };
                        label.with_message(&l.message)
                    })
                    .collect(),
            )
            .with_notes(notes)
    }

    /// The machine-readable form used by `--format json`.
    pub fn to_json(&self, file_name: &str, source: &str) -> JsonDiagnostic {
        let index = LineIndex::new(source);
        let position = |offset: usize| index.position(source, offset);
        let (line, column) = self.primary_span().map(|s| position(s.start)).unwrap_or((1, 1));
        JsonDiagnostic {
            code: self.code,
            severity: self.severity(),
            message: self.message.clone(),
            file: file_name.to_string(),
            line,
            column,
            labels: self
                .labels
                .iter()
                .map(|l| {
                    let (line, column) = position(l.span.start);
                    let (end_line, end_column) = position(l.span.end);
                    JsonLabel {
                        message: l.message.clone(),
                        primary: l.primary,
                        line,
                        column,
                        end_line,
                        end_column,
                    }
                })
                .collect(),
            help: self.help.clone(),
            notes: self.notes.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct JsonDiagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub file: String,
    /// 1-based line of the primary label.
    pub line: usize,
    /// 1-based column, counted in characters, of the primary label.
    pub column: usize,
    pub labels: Vec<JsonLabel>,
    pub help: Option<String>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct JsonLabel {
    pub message: String,
    pub primary: bool,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// Byte offset to 1-based (line, character column).
struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    fn new(source: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { line_starts }
    }

    fn position(&self, source: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(source.len());
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let start = self.line_starts[line];
        let column = source
            .get(start..offset)
            .map_or(offset - start, |text| text.chars().count());
        (line + 1, column + 1)
    }
}

/// Sorts diagnostics by position, then code, so output never depends on the
/// order in which checks happen to run.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|d| {
        (
            d.primary_span().map_or(usize::MAX, |s| s.start),
            d.code,
            d.message.clone(),
        )
    });
}
