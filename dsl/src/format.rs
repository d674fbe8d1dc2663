//! `dyngen fmt`: one canonical layout for a schema, comments kept.
//!
//! The layout is printed from the syntax tree, so it depends only on what the
//! schema says, never on how it was spaced. Literal text (strings with their
//! escapes, numbers with their `_` separators, `@field` names) is copied from
//! the source as written. Comments are not in the syntax tree: a small lexer
//! finds every `//` and `///` comment, and each one is placed by its position
//! relative to the lines being printed:
//!
//! - a comment that follows code on the same source line, with no code
//!   between them, stays at the end of that line (`///` excepted: a doc
//!   comment documents the *next* declaration, so it always starts a line);
//! - every other comment gets a line of its own, before the first line printed
//!   after it, indented like that line (like the members when it precedes a
//!   closing `}`);
//! - a comment inside a construct that is printed on one line (an attribute
//!   whose type spans lines, say) moves to a line of its own just before it,
//!   except inside the braces of a table index or an entity key, which are then
//!   printed over several lines so that the comment keeps its place.
//!
//! Comments thus keep their order and their text (trailing spaces removed).
//!
//! The result is checked before it is returned: it must parse to the same
//! syntax tree (spans aside), contain the same comments, and be a fixed point
//! of the layout. Should any check fail (a bug, never expected), the source is
//! returned unchanged: `fmt` may then leave a file alone, but it never changes
//! what a file means. The checks also make [`format`] idempotent by
//! construction.

use crate::ast::{
    AttrSuffixKind, Attribute, AttributeList, Entity, EntityIndex, Enum, File, Item, KeyDef, KeyRole, Literal,
    LiteralKind, Marker, ModelSetting, Projection, ProjectionKind, Service, Struct, Table, TableIndex, TableIndexKind,
    TableSetting, TypeExpr, Variant,
};
use crate::span::Span;

/// Widest line a table index or entity key is written on before its braces
/// are opened over several lines (the repository's rustfmt width).
const MAX_WIDTH: usize = 120;
const INDENT: &str = "  ";

/// The schema in canonical layout. `Err` carries the syntax diagnostics of
/// a schema that does not parse (a schema that parses but has semantic
/// errors is still formatted).
pub fn format(source: &str) -> Result<String, Vec<crate::Diagnostic>> {
    let file = crate::parse::parse(source)?;
    Ok(checked_layout(source, &file).unwrap_or_else(|| source.to_string()))
}

/// The layout of `source`, or `None` if it fails one of the checks.
fn checked_layout(source: &str, file: &File) -> Option<String> {
    let once = layout(source, file)?;
    if once == source {
        return Some(once);
    }
    let reparsed = crate::parse::parse(&once).ok()?;
    let same_tree = without_spans(&format!("{file:?}")) == without_spans(&format!("{reparsed:?}"));
    let same_comments = comment_texts(source) == comment_texts(&once);
    let stable = layout(&once, &reparsed).as_deref() == Some(once.as_str());
    (same_tree && same_comments && stable).then_some(once)
}

fn layout(source: &str, file: &File) -> Option<String> {
    let tokens = lex(source);
    let mut printer = Printer {
        source,
        code: tokens.iter().copied().filter(|t| t.kind == Kind::Code).collect(),
        comments: tokens.iter().copied().filter(|t| t.kind != Kind::Code).collect(),
        next_comment: 0,
        lines: Vec::new(),
        last_end: 0,
        at_body_start: true,
        force_blank: false,
        in_docs: false,
    };
    printer.file(file)?;
    if printer.lines.is_empty() {
        return Some(String::new());
    }
    let mut out = printer.lines.join("\n");
    out.push('\n');
    Some(out)
}

/// A `Debug` rendering with every `Span { start: .., end: .. }` replaced by
/// `Span`, so that two trees compare equal when only their positions differ.
fn without_spans(debug: &str) -> String {
    const HEAD: &str = "Span { start: ";
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(at) = rest.find(HEAD) {
        out.push_str(&rest[..at]);
        let span = &rest[at..];
        match span.find(" }") {
            Some(close) => {
                out.push_str("Span");
                rest = &span[close + 2..];
            }
            None => {
                out.push_str(span);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

// ---- lexing -------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Anything that is not a comment: a word, a string, a punctuation mark.
    Code,
    /// `// ...` or `//// ...`.
    Comment,
    /// `/// ...` (exactly three slashes).
    Doc,
}

/// A token's byte range; comments run to the end of their line (the line
/// break excluded).
#[derive(Debug, Clone, Copy)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

/// Splits `source` the way the grammar does as far as comments and strings
/// go: `//` outside a string starts a comment, `///` (but not `////`) a doc
/// comment. Code is split finely enough to find braces and commas.
fn lex(source: &str) -> Vec<Token> {
    let bytes = source.as_bytes();
    let char_len = |i: usize| source.get(i..).and_then(|s| s.chars().next()).map_or(1, char::len_utf8);
    let is_word = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'+' | b'@');
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let kind = match bytes[i] {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                if bytes.get(start + 2) == Some(&b'/') && bytes.get(start + 3) != Some(&b'/') {
                    Kind::Doc
                } else {
                    Kind::Comment
                }
            }
            b'"' => {
                i += 1;
                while i < bytes.len() {
                    match bytes[i] {
                        b'\n' => break,
                        b'"' => {
                            i += 1;
                            break;
                        }
                        b'\\' => i += 1 + char_len(i + 1),
                        _ => i += char_len(i),
                    }
                }
                Kind::Code
            }
            b if is_word(b) => {
                while i < bytes.len() && is_word(bytes[i]) {
                    i += 1;
                }
                Kind::Code
            }
            _ => {
                i += char_len(i);
                Kind::Code
            }
        };
        i = i.min(bytes.len());
        tokens.push(Token { kind, start, end: i });
    }
    tokens
}

/// The text of every comment, in order, without trailing whitespace.
fn comment_texts(source: &str) -> Vec<&str> {
    lex(source)
        .into_iter()
        .filter(|t| t.kind != Kind::Code)
        .filter_map(|t| source.get(t.start..t.end))
        .map(str::trim_end)
        .collect()
}

// ---- printing -----------------------------------------------------------------

/// Whether blank lines of the source are kept before a line (at most one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Blank {
    Keep,
    Never,
}

/// A member of a table body; members are printed in source order.
enum TableMember<'t> {
    Setting(&'t TableSetting),
    Index(&'t TableIndex),
}

/// A member of an entity body; members are printed in source order.
enum EntityMember<'t> {
    Attribute(&'t Attribute),
    Key(&'t EntityIndex),
    Marker(&'t Marker),
    Model(&'t ModelSetting),
    List(&'t AttributeList),
}

/// One item of a table index or an entity key block (`pk: gsi1pk`,
/// `sk: [a, b] casing lower`), with where it is in the source.
struct BlockItem {
    start: usize,
    end: usize,
    text: String,
    /// For a list that may be opened over several lines: the text before its
    /// `[`, and its elements.
    list: Option<(String, Vec<String>)>,
}

impl BlockItem {
    fn new(span: Span, text: String) -> Self {
        BlockItem {
            start: span.start,
            end: span.end,
            text,
            list: None,
        }
    }
}

/// Whether `text` fits on a line at `indent`.
fn fits(indent: usize, text: &str) -> bool {
    indent * INDENT.len() + text.chars().count() <= MAX_WIDTH
}

struct Printer<'a> {
    source: &'a str,
    code: Vec<Token>,
    /// Comments and doc comments, in order.
    comments: Vec<Token>,
    /// The first comment not yet printed.
    next_comment: usize,
    lines: Vec<String>,
    /// Where the last printed line ends in the source.
    last_end: usize,
    /// No blank line may come next: at the top of the file or of a body.
    at_body_start: bool,
    /// A blank line must come next: after a top-level declaration.
    force_blank: bool,
    /// A doc comment was printed since the last line of code: no blank line
    /// between a doc comment and its declaration.
    in_docs: bool,
}

impl<'a> Printer<'a> {
    // -- lines and comments --

    fn raw(&self, span: Span) -> Option<&'a str> {
        self.source.get(span.start..span.end)
    }

    fn comment_text(&self, comment: Token) -> &'a str {
        self.source.get(comment.start..comment.end).unwrap_or("").trim_end()
    }

    /// The first code token starting at or after `pos`.
    fn code_from(&self, pos: usize) -> Option<Token> {
        self.code.get(self.code.partition_point(|t| t.start < pos)).copied()
    }

    /// The first code token at or after `pos`, if it is `text`.
    fn expect_code(&self, pos: usize, text: &str) -> Option<Token> {
        self.code_from(pos)
            .filter(|t| self.source.get(t.start..t.end) == Some(text))
    }

    /// The closing `}` of a declaration whose span ends at `end`.
    fn closing_brace(&self, end: usize) -> Option<Token> {
        let count = self.code.partition_point(|t| t.end <= end);
        let last = *self.code.get(count.checked_sub(1)?)?;
        (self.source.get(last.start..last.end) == Some("}")).then_some(last)
    }

    fn has_comment_within(&self, start: usize, end: usize) -> bool {
        let first = self.comments.partition_point(|c| c.start < start);
        self.comments.get(first).is_some_and(|c| c.start < end)
    }

    fn blank_in_source(&self, from: usize, to: usize) -> bool {
        let Some(gap) = self.source.get(from..to) else {
            return false;
        };
        let mut after_newline = false;
        for c in gap.chars() {
            match c {
                '\n' if after_newline => return true,
                '\n' => after_newline = true,
                ' ' | '\t' | '\r' => {}
                _ => after_newline = false,
            }
        }
        false
    }

    /// Appends a line whose source starts at `start`, preceded by a blank
    /// line where the rules ask for one.
    fn push(&mut self, indent: usize, text: &str, start: usize, blank: Blank) {
        let blank_line = !self.at_body_start
            && (self.force_blank
                || (blank == Blank::Keep && !self.in_docs && self.blank_in_source(self.last_end, start)));
        if blank_line {
            self.lines.push(String::new());
        }
        self.lines.push(format!("{}{text}", INDENT.repeat(indent)));
        self.at_body_start = false;
        self.force_blank = false;
    }

    /// Prints, on lines of their own, the comments that start before `pos`.
    fn comments_before(&mut self, pos: usize, indent: usize, blank: Blank) {
        while let Some(comment) = self.comments.get(self.next_comment).copied() {
            if comment.start >= pos {
                break;
            }
            self.next_comment += 1;
            let text = self.comment_text(comment);
            self.push(indent, text, comment.start, blank);
            if comment.kind == Kind::Doc {
                self.in_docs = true;
            }
            self.last_end = comment.end;
        }
    }

    /// Prints a line of code covering `start..end` of the source: first the
    /// comments before it and inside it, then the line, then the comment that
    /// follows it on its source line, if any.
    fn code_line(&mut self, indent: usize, start: usize, end: usize, text: &str, blank: Blank) {
        self.comments_before(end, indent, blank);
        self.push(indent, text, start, blank);
        self.in_docs = false;
        self.last_end = end;
        let Some(comment) = self.comments.get(self.next_comment).copied() else {
            return;
        };
        let same_line = self
            .source
            .get(end..comment.start)
            .is_some_and(|gap| !gap.contains('\n'));
        let code_between = self.code_from(end).is_some_and(|t| t.start < comment.start);
        if comment.kind == Kind::Comment && same_line && !code_between {
            let text = self.comment_text(comment);
            if let Some(line) = self.lines.last_mut() {
                line.push(' ');
                line.push_str(text);
            }
            self.next_comment += 1;
            self.last_end = comment.end;
        }
    }

    /// `header { .. }` with one member per line; `header {}` when empty.
    fn body<T>(
        &mut self,
        indent: usize,
        start: usize,
        header: &str,
        (open, close): (Token, Token),
        members: &[T],
        mut member: impl FnMut(&mut Self, &T) -> Option<()>,
    ) -> Option<()> {
        if members.is_empty() && !self.has_comment_within(open.start, close.end) {
            self.code_line(indent, start, close.end, &format!("{header} {{}}"), Blank::Keep);
            return Some(());
        }
        self.code_line(indent, start, open.end, &format!("{header} {{"), Blank::Keep);
        self.at_body_start = true;
        for m in members {
            member(self, m)?;
        }
        self.close(indent, close, Blank::Keep);
        Some(())
    }

    fn close(&mut self, indent: usize, close: Token, blank: Blank) {
        self.comments_before(close.start, indent + 1, blank);
        self.code_line(indent, close.start, close.end, "}", Blank::Never);
    }

    /// `header { a  b }` on one line when it fits and holds no comment;
    /// otherwise one item per line, and a list that does not fit on its item's
    /// line one element per line.
    fn inline_block(
        &mut self,
        indent: usize,
        start: usize,
        header: &str,
        (open, close): (Token, Token),
        items: &[BlockItem],
    ) {
        if !self.has_comment_within(open.start, close.end) {
            let texts: Vec<&str> = items.iter().map(|item| item.text.as_str()).collect();
            let line = if texts.is_empty() {
                format!("{header} {{}}")
            } else {
                format!("{header} {{ {} }}", texts.join("  "))
            };
            if fits(indent, &line) {
                self.code_line(indent, start, close.end, &line, Blank::Keep);
                return;
            }
        }
        self.code_line(indent, start, open.end, &format!("{header} {{"), Blank::Keep);
        self.at_body_start = true;
        for item in items {
            let text = match &item.list {
                Some((head, elements)) if !fits(indent + 1, &item.text) => {
                    let inner = INDENT.repeat(indent + 2);
                    let elements: String = elements.iter().map(|e| format!("\n{inner}{e},")).collect();
                    format!("{head}[{elements}\n{}]", INDENT.repeat(indent + 1))
                }
                _ => item.text.clone(),
            };
            self.code_line(indent + 1, item.start, item.end, &text, Blank::Never);
        }
        self.close(indent, close, Blank::Never);
    }

    // -- declarations --

    fn file(&mut self, file: &File) -> Option<()> {
        for item in &file.items {
            match item {
                Item::Service(service) => self.service(service)?,
                Item::Table(table) => self.table(table)?,
                Item::Enum(e) => self.enum_decl(e)?,
                Item::Struct(s) => self.struct_decl(s)?,
                Item::Entity(entity) => self.entity(entity)?,
            }
            self.force_blank = true;
        }
        self.comments_before(usize::MAX, 0, Blank::Keep);
        Some(())
    }

    fn service(&mut self, service: &Service) -> Option<()> {
        let start = self.code_from(service.span.start)?.start;
        let text = format!("service {}", service.name.text);
        self.code_line(0, start, service.name.span.end, &text, Blank::Keep);
        Some(())
    }

    fn table(&mut self, table: &Table) -> Option<()> {
        let start = self.code_from(table.span.start)?.start;
        let open = self.expect_code(table.name.span.end, "{")?;
        let close = self.closing_brace(table.span.end)?;
        let mut members = Vec::new();
        for setting in &table.settings {
            members.push((setting.span.start, TableMember::Setting(setting)));
        }
        for index in &table.indexes {
            members.push((self.code_from(index.span.start)?.start, TableMember::Index(index)));
        }
        members.sort_by_key(|(start, _)| *start);
        let header = format!("table {}", table.name.text);
        self.body(0, start, &header, (open, close), &members, Self::table_member)
    }

    fn table_member(&mut self, (_, member): &(usize, TableMember)) -> Option<()> {
        match member {
            TableMember::Setting(setting) => {
                let text = self.setting(setting)?;
                self.code_line(1, setting.span.start, setting.span.end, &text, Blank::Keep);
                Some(())
            }
            TableMember::Index(index) => self.table_index(index),
        }
    }

    /// `pk: gsi1pk`, `entity_tag: "kind"`.
    fn setting(&self, setting: &TableSetting) -> Option<String> {
        let mut text = format!("{}: {}", setting.key.text, self.raw(setting.value.span)?);
        if let Some(ty) = &setting.key_type {
            text.push(' ');
            text.push_str(&ty.text);
        }
        Some(text)
    }

    fn table_index(&mut self, index: &TableIndex) -> Option<()> {
        let start = self.code_from(index.span.start)?.start;
        let open = self.expect_code(index.name.span.end, "{")?;
        let close = self.closing_brace(index.span.end)?;
        let mut items = Vec::new();
        for key in &index.keys {
            items.push(BlockItem::new(key.span, self.setting(key)?));
        }
        for name in &index.physical_names {
            items.push(BlockItem::new(name.span, format!("name: {}", self.raw(name.span)?)));
        }
        for projection in &index.projections {
            items.push(self.projection(projection)?);
        }
        items.sort_by_key(|item| item.start);
        let header = match index.kind {
            TableIndexKind::Global => format!("index {}", index.name.text),
            TableIndexKind::Local => format!("local index {}", index.name.text),
        };
        self.inline_block(1, start, &header, (open, close), &items);
        Some(())
    }

    fn projection(&self, projection: &Projection) -> Option<BlockItem> {
        let span = projection.span;
        Some(match &projection.kind {
            ProjectionKind::All => BlockItem::new(span, "projection: all".to_string()),
            ProjectionKind::KeysOnly => BlockItem::new(span, "projection: keys_only".to_string()),
            ProjectionKind::Include(names) => {
                let names: Option<Vec<&str>> = names.iter().map(|n| self.raw(n.span)).collect();
                let names: Vec<String> = names?.into_iter().map(str::to_string).collect();
                BlockItem {
                    text: format!("projection: include [{}]", names.join(", ")),
                    list: (!names.is_empty()).then(|| ("projection: include ".to_string(), names)),
                    ..BlockItem::new(span, String::new())
                }
            }
        })
    }

    fn enum_decl(&mut self, e: &Enum) -> Option<()> {
        let start = self.code_from(e.span.start)?.start;
        let open = self.expect_code(e.name.span.end, "{")?;
        let close = self.closing_brace(e.span.end)?;
        let header = format!("enum {}", e.name.text);
        self.body(0, start, &header, (open, close), &e.variants, Self::variant)
    }

    /// `Open` or `Open = "open"`, one per line; commas are dropped.
    fn variant(&mut self, variant: &Variant) -> Option<()> {
        let (mut end, text) = match &variant.value {
            Some(value) => (
                value.span.end,
                format!("{} = {}", variant.name.text, self.raw(value.span)?),
            ),
            None => (variant.name.span.end, variant.name.text.clone()),
        };
        if let Some(comma) = self.expect_code(end, ",") {
            end = comma.end;
        }
        self.code_line(1, variant.name.span.start, end, &text, Blank::Keep);
        Some(())
    }

    fn struct_decl(&mut self, s: &Struct) -> Option<()> {
        let start = self.code_from(s.span.start)?.start;
        let open = self.expect_code(s.name.span.end, "{")?;
        let close = self.closing_brace(s.span.end)?;
        let header = format!("struct {}", s.name.text);
        self.body(0, start, &header, (open, close), &s.fields, Self::attribute)
    }

    fn entity(&mut self, entity: &Entity) -> Option<()> {
        let start = self.code_from(entity.span.start)?.start;
        let open = self.expect_code(entity.name.span.end, "{")?;
        let close = self.closing_brace(entity.span.end)?;
        let mut members = Vec::new();
        for attribute in &entity.attributes {
            members.push((attribute.name.span.start, EntityMember::Attribute(attribute)));
        }
        for key in &entity.keys {
            members.push((key.keyword_span.start, EntityMember::Key(key)));
        }
        for marker in &entity.markers {
            members.push((marker.name.span.start, EntityMember::Marker(marker)));
        }
        for setting in &entity.model {
            members.push((setting.span.start, EntityMember::Model(setting)));
        }
        for list in entity.projections.iter().chain(&entity.uniques) {
            members.push((list.keyword_span.start, EntityMember::List(list)));
        }
        members.sort_by_key(|(start, _)| *start);
        let header = format!("entity {}", entity.name.text);
        self.body(0, start, &header, (open, close), &members, Self::entity_member)
    }

    fn entity_member(&mut self, (_, member): &(usize, EntityMember)) -> Option<()> {
        match member {
            EntityMember::Attribute(attribute) => self.attribute(attribute),
            EntityMember::Key(key) => self.entity_index(key),
            EntityMember::Marker(marker) => {
                let span = marker.name.span;
                match &marker.format {
                    Some(format) => {
                        let close = self.expect_code(format.span.end, ")")?;
                        let text = format!("{} @format({})", marker.name.text, self.raw(format.span)?);
                        self.code_line(1, span.start, close.end, &text, Blank::Keep);
                    }
                    None => self.code_line(1, span.start, span.end, &marker.name.text, Blank::Keep),
                }
                Some(())
            }
            EntityMember::Model(setting) => {
                let text = format!("{}: {}", setting.key.text, self.raw(setting.value.span)?);
                self.code_line(1, setting.span.start, setting.value.span.end, &text, Blank::Keep);
                Some(())
            }
            EntityMember::List(list) => {
                let names: Vec<&str> = list.attributes.iter().map(|a| a.text.as_str()).collect();
                let text = match &list.name {
                    Some(name) => format!("projection {} [{}]", name.text, names.join(", ")),
                    None => format!("unique [{}]", names.join(", ")),
                };
                let count = self.code.partition_point(|t| t.end <= list.span.end);
                let end = self.code.get(count.checked_sub(1)?)?.end;
                self.code_line(1, list.keyword_span.start, end, &text, Blank::Keep);
                Some(())
            }
        }
    }

    /// `name: type = default readonly version ttl @field("x")`, suffixes in
    /// the order written, always on one line.
    fn attribute(&mut self, attribute: &Attribute) -> Option<()> {
        let mut text = format!("{}: {}", attribute.name.text, type_text(&attribute.ty));
        for suffix in &attribute.suffixes {
            match &suffix.kind {
                AttrSuffixKind::Default(literal) => {
                    text.push_str(" = ");
                    text.push_str(&self.literal(literal)?);
                }
                AttrSuffixKind::Readonly => text.push_str(" readonly"),
                AttrSuffixKind::Version => text.push_str(" version"),
                AttrSuffixKind::Ttl => text.push_str(" ttl"),
                AttrSuffixKind::Unique => text.push_str(" unique"),
                AttrSuffixKind::Field(name) => {
                    text.push_str(" @field(");
                    text.push_str(self.raw(name.span)?);
                    text.push(')');
                }
                AttrSuffixKind::Format(name) => {
                    text.push_str(" @format(");
                    text.push_str(self.raw(name.span)?);
                    text.push(')');
                }
            }
        }
        let start = attribute.name.span.start;
        let count = self.code.partition_point(|t| t.end <= attribute.span.end);
        let end = self.code.get(count.checked_sub(1)?)?.end;
        self.code_line(1, start, end, &text, Blank::Keep);
        Some(())
    }

    fn literal(&self, literal: &Literal) -> Option<String> {
        Some(match &literal.kind {
            LiteralKind::List(items) => {
                let items: Option<Vec<String>> = items.iter().map(|item| self.literal(item)).collect();
                format!("[{}]", items?.join(", "))
            }
            LiteralKind::EmptyMap => "{}".to_string(),
            LiteralKind::Call(name) => format!("{name}()"),
            _ => self.raw(literal.span)?.to_string(),
        })
    }

    /// `primary [collection c] { .. }` or `index name on gsi [collection c] { .. }`.
    fn entity_index(&mut self, key: &EntityIndex) -> Option<()> {
        let (mut header, mut header_end) = match (&key.name, &key.table_index) {
            (Some(name), Some(table_index)) => (
                format!("index {} on {}", name.text, table_index.text),
                table_index.span.end,
            ),
            (None, None) => ("primary".to_string(), key.keyword_span.end),
            _ => return None,
        };
        if let Some(fetch) = key.fetch {
            header.push_str(" fetch");
            header_end = fetch.end;
        }
        if let Some(collection) = &key.collection {
            header.push_str(" collection ");
            header.push_str(&collection.text);
            header_end = collection.span.end;
        }
        let open = self.expect_code(header_end, "{")?;
        let close = self.closing_brace(key.span.end)?;
        let items: Option<Vec<BlockItem>> = key
            .keys
            .iter()
            .map(|k| {
                let template = match &k.template {
                    Some(t) => Some(self.raw(t.span)?),
                    None => None,
                };
                Some(BlockItem::new(k.span, key_def_text(k, template)))
            })
            .collect();
        let items = items?;
        self.inline_block(1, key.keyword_span.start, &header, (open, close), &items);
        Some(())
    }
}

/// `list<string>?`.
fn type_text(ty: &TypeExpr) -> String {
    let mut text = ty.name.text.clone();
    if !ty.args.is_empty() {
        let args: Vec<String> = ty.args.iter().map(type_text).collect();
        text.push('<');
        text.push_str(&args.join(", "));
        text.push('>');
    }
    if ty.optional.is_some() {
        text.push('?');
    }
    text
}

/// `pk: [a, month(b)] casing lower`, or `pk: "USER#{id}"` (the template
/// as written).
fn key_def_text(key: &KeyDef, template: Option<&str>) -> String {
    let role = match key.role {
        KeyRole::Pk => "pk",
        KeyRole::Sk => "sk",
    };
    let mut text = match template {
        Some(t) => format!("{role}: {t}"),
        None => {
            let composites: Vec<String> = key.composites.iter().map(crate::ast::CompositeRef::written).collect();
            format!("{role}: [{}]", composites.join(", "))
        }
    };
    for casing in &key.casing {
        text.push_str(" casing ");
        text.push_str(&casing.text);
    }
    text
}
