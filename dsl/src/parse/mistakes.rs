//! The syntax mistakes people actually make, recognised from the text around
//! the position where the grammar failed.
//!
//! Pest reports the furthest position no rule could continue from, which is
//! often not where the mistake is: a missing `}` surfaces at the next
//! declaration's name, a modifier on the next line as an attribute without
//! its `:`. Each recogniser below looks at the tokens around that position
//! and, when it sees its mistake, writes a diagnostic that names the mistake,
//! points at it and says how to fix it; the first one that matches wins.
//! They run only after a parse has failed, on one lexing of the file, and
//! each looks at the tokens at most once more, so a failed parse stays linear.

use super::Rule;
use crate::diagnostic::{Code, Diagnostic};
use crate::span::Span;

/// The keywords that start a top-level declaration.
const DECLARATION_KEYWORDS: &[&str] = &["service", "table", "enum", "struct", "entity"];

/// The attribute modifiers that are a bare word.
const MODIFIER_WORDS: &[&str] = &["readonly", "version", "ttl"];

/// Members that can follow a key block or a table index block in the body
/// around it, but never appear inside one.
const OUTER_MEMBER_WORDS: &[&str] = &[
    "index",
    "local",
    "primary",
    "timestamps",
    "version",
    "ttl",
    "entity_tag",
];

/// Functions people reach for as a default; the note about `timestamps`
/// applies to these.
const CLOCK_FUNCTIONS: &[&str] = &["now", "today", "utcnow", "current_timestamp", "timestamp"];

/// How to name an index that DynamoDB knows as `written`: an identifier in
/// the schema, and the physical name inside the index.
fn physical_index_name_note(written: &str) -> String {
    let ident: String = written
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!(
        "a table index is named by an identifier in the schema; its DynamoDB name goes inside it: `index {ident} {{ name: \"{written}\"  pk: ..  sk: .. }}`"
    )
}

/// A diagnostic for a mistake recognised around `pos`, where the grammar
/// failed expecting `rules`; `None` leaves the generic "expected .., found .."
/// message to the caller.
pub(super) fn recognise(source: &str, pos: usize, rules: &[Rule]) -> Option<Diagnostic> {
    let failure = Failure::new(source, pos, rules);
    failure
        .unclosed_declaration()
        .or_else(|| failure.unclosed_block())
        .or_else(|| failure.modifier_on_next_line())
        .or_else(|| failure.non_ascii_name())
        .or_else(|| failure.punctuated_name())
        .or_else(|| failure.call_in_default())
        .or_else(|| failure.missing_comma())
}

// ---- tokens ---------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenKind {
    /// Letters (any script), digits and `_`: names, keywords, numbers.
    Word,
    String,
    /// Any other single character.
    Punct,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    kind: TokenKind,
    span: Span,
    /// A line break (or a comment, which runs to one) separates this token
    /// from the one before it.
    line_break_before: bool,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Splits `source` into words, strings and punctuation, dropping spaces and
/// comments. Unlike the grammar, words take letters of every script, so that
/// `straße` is one token that a diagnostic can name.
fn lex(source: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = source.char_indices().peekable();
    let mut line_break_before = true;
    while let Some((start, c)) = chars.next() {
        let kind = match c {
            '\n' => {
                line_break_before = true;
                continue;
            }
            c if c.is_whitespace() => continue,
            '/' if chars.peek().is_some_and(|(_, next)| *next == '/') => {
                while chars.next_if(|(_, c)| *c != '\n').is_some() {}
                continue;
            }
            '"' => {
                while let Some((_, c)) = chars.next_if(|(_, c)| *c != '\n') {
                    match c {
                        '"' => break,
                        '\\' => {
                            chars.next_if(|(_, c)| *c != '\n');
                        }
                        _ => {}
                    }
                }
                TokenKind::String
            }
            c if is_word_char(c) => {
                while chars.next_if(|(_, c)| is_word_char(*c)).is_some() {}
                TokenKind::Word
            }
            _ => TokenKind::Punct,
        };
        let end = chars.peek().map_or(source.len(), |(i, _)| *i);
        tokens.push(Token {
            kind,
            span: Span::new(start, end),
            line_break_before,
        });
        line_break_before = false;
    }
    tokens
}

/// A `{` that is still open at some point, with what it opens.
#[derive(Debug, Clone)]
struct OpenBrace {
    brace: Span,
    /// The words before the brace, e.g. `entity User` or `primary`.
    header: String,
}

impl OpenBrace {
    /// `entity User` for a declaration, `primary { .. }` for a block inside one.
    fn display(&self) -> String {
        let mut words = self.header.split(' ');
        match words.next() {
            Some(keyword) if DECLARATION_KEYWORDS.contains(&keyword) => match words.next() {
                Some(name) => format!("`{keyword} {name}`"),
                None => format!("`{keyword}`"),
            },
            Some(first) if !first.is_empty() => format!("`{} {{ .. }}`", self.header),
            _ => "a `{ .. }` block".to_string(),
        }
    }

    fn keyword(&self) -> &str {
        self.header.split(' ').next().unwrap_or("")
    }
}

/// Several braces, innermost first: "`primary { .. }` and `entity User`".
fn list_braces(open: &[OpenBrace]) -> String {
    let names: Vec<String> = open.iter().rev().map(OpenBrace::display).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A declaration keyword found inside an unclosed body.
struct Intruder {
    /// The token of the keyword (`entity`); its name follows it.
    keyword: usize,
    /// The braces open around it, outermost first.
    open: Vec<OpenBrace>,
}

/// What a name is, judged from the words around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NameKind {
    Service,
    Table,
    TableIndex,
    /// `on NAME` in an entity access pattern.
    TableIndexRef,
    Enum,
    Variant,
    Struct,
    Entity,
    /// An entity attribute or a struct field.
    Attribute,
    AccessPattern,
    Collection,
    Composite,
    TypeName,
    /// A physical attribute name in the table (`pk:`, `include [..]`).
    PhysicalAttribute,
    /// An enum variant as a default.
    DefaultValue,
    Other,
}

impl NameKind {
    /// The singular, with an article: "an attribute name".
    fn what(self) -> &'static str {
        match self {
            NameKind::Service => "a service name",
            NameKind::Table => "a table name",
            NameKind::TableIndex | NameKind::TableIndexRef => "a table index name",
            NameKind::Enum => "an enum name",
            NameKind::Variant | NameKind::DefaultValue => "an enum variant",
            NameKind::Struct => "a struct name",
            NameKind::Entity => "an entity name",
            NameKind::Attribute | NameKind::PhysicalAttribute => "an attribute name",
            NameKind::AccessPattern => "an access pattern name",
            NameKind::Collection => "a collection name",
            NameKind::Composite => "a key composite",
            NameKind::TypeName => "a type name",
            NameKind::Other => "a name",
        }
    }

    /// The rule the name breaks: "attribute names are identifiers".
    fn rule(self) -> &'static str {
        match self {
            NameKind::Service => "service names are identifiers",
            NameKind::Table => "table names are identifiers",
            NameKind::TableIndex | NameKind::TableIndexRef => "index names in a schema are identifiers",
            NameKind::Enum => "enum names are identifiers",
            NameKind::Variant | NameKind::DefaultValue => "enum variants are identifiers",
            NameKind::Struct => "struct names are identifiers",
            NameKind::Entity => "entity names are identifiers",
            NameKind::Attribute => "attribute names are identifiers",
            NameKind::AccessPattern => "access pattern names are identifiers",
            NameKind::Collection => "collection names are identifiers",
            NameKind::Composite => "key composites are attribute names, which are identifiers",
            NameKind::TypeName => "type names are identifiers",
            NameKind::PhysicalAttribute => "an attribute name without quotes must be an identifier",
            NameKind::Other => "names are identifiers",
        }
    }
}

/// The parse failure and the tokens around it.
struct Failure<'a> {
    source: &'a str,
    pos: usize,
    rules: &'a [Rule],
    tokens: Vec<Token>,
    /// The token the parser stopped in or before: the first one ending
    /// after `pos` (`tokens.len()` at the end of the file).
    at: usize,
}

impl<'a> Failure<'a> {
    fn new(source: &'a str, pos: usize, rules: &'a [Rule]) -> Self {
        let tokens = lex(source);
        let at = tokens.partition_point(|t| t.span.end <= pos);
        Failure {
            source,
            pos,
            rules,
            tokens,
            at,
        }
    }

    fn expects(&self, rule: Rule) -> bool {
        self.rules.contains(&rule)
    }

    fn text(&self, i: usize) -> &'a str {
        self.tokens
            .get(i)
            .and_then(|t| self.source.get(t.span.start..t.span.end))
            .unwrap_or("")
    }

    fn is(&self, i: usize, text: &str) -> bool {
        i < self.tokens.len() && self.text(i) == text
    }

    fn kind(&self, i: usize) -> Option<TokenKind> {
        self.tokens.get(i).map(|t| t.kind)
    }

    /// Token `i + 1` exists and follows `i` on the same line.
    fn same_line_after(&self, i: usize) -> bool {
        self.tokens.get(i + 1).is_some_and(|t| !t.line_break_before)
    }

    fn slice(&self, span: Span) -> &'a str {
        self.source.get(span.start..span.end).unwrap_or("")
    }

    /// The last token of the line token `i` is on.
    fn line_end(&self, i: usize) -> usize {
        let mut end = i;
        while self.same_line_after(end) {
            end += 1;
        }
        end
    }

    /// The first token of the line token `i` is on.
    fn line_start(&self, i: usize) -> usize {
        let mut start = i;
        while start > 0 && !self.tokens[start].line_break_before {
            start -= 1;
        }
        start
    }

    /// Tokens `first..=last` as written, spaces included.
    fn text_between(&self, first: usize, last: usize) -> &'a str {
        self.slice(self.tokens[first].span.to(self.tokens[last].span))
    }

    /// The parts of one list item or name written without spaces around
    /// token `i`: `1.5`, `"a"`, `gsi1pk-gsi1sk-index`. Brackets, colons
    /// and commas end it.
    fn item_run(&self, i: usize) -> (usize, usize) {
        let is_part = |k: usize| {
            matches!(self.kind(k), Some(TokenKind::Word | TokenKind::String)) || matches!(self.text(k), "-" | ".")
        };
        if !is_part(i) {
            return (i, i);
        }
        let mut first = i;
        while first > 0 && is_part(first - 1) && self.tokens[first - 1].span.end == self.tokens[first].span.start {
            first -= 1;
        }
        let mut last = i;
        while is_part(last + 1) && self.tokens[last].span.end == self.tokens[last + 1].span.start {
            last += 1;
        }
        (first, last)
    }

    /// The `[` or `{` that the `]` or `}` at `close` closes.
    fn matching_open(&self, close: usize) -> Option<usize> {
        let mut depth = 0usize;
        for k in (0..=close).rev() {
            match self.text(k) {
                "]" | "}" => depth += 1,
                "[" | "{" => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(k);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// The `]` or `}` that closes the `[` or `{` at `open`.
    fn matching_close(&self, open: usize) -> Option<usize> {
        let mut depth = 0usize;
        for k in open..self.tokens.len() {
            match self.text(k) {
                "[" | "{" => depth += 1,
                "]" | "}" => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(k);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// The index of the `)` closing the `(` at `open`, on the same line.
    fn closing_paren(&self, open: usize) -> Option<usize> {
        let mut depth = 0usize;
        let mut i = open;
        loop {
            match self.text(i) {
                "(" => depth += 1,
                ")" => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(i);
                    }
                }
                _ => {}
            }
            if !self.same_line_after(i) {
                return None;
            }
            i += 1;
        }
    }

    /// The words before the `{` at token `brace`: on its line, or on the line
    /// before when the brace starts a line.
    fn open_brace(&self, brace: usize) -> OpenBrace {
        let mut first = brace;
        while first > 0 && brace - first < 8 {
            let before = first - 1;
            if matches!(self.text(before), "{" | "}") {
                break;
            }
            if self.tokens[first].line_break_before && first < brace {
                break;
            }
            first = before;
        }
        let header = if first < brace {
            self.text_between(first, brace - 1)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            String::new()
        };
        OpenBrace {
            brace: self.tokens[brace].span,
            header,
        }
    }

    /// The braces still open just before token `end`, outermost first.
    fn open_braces_before(&self, end: usize) -> Vec<OpenBrace> {
        let mut open = Vec::new();
        for i in 0..end.min(self.tokens.len()) {
            match self.text(i) {
                "{" => open.push(self.open_brace(i)),
                "}" => {
                    open.pop();
                }
                _ => {}
            }
        }
        open
    }

    /// Token `i` starts a line with `entity Name`, `struct Name`, ...: a
    /// top-level declaration, never valid inside a body. (`entity: string`
    /// is an attribute and does not count.)
    fn starts_declaration(&self, i: usize) -> bool {
        let token = &self.tokens[i];
        token.kind == TokenKind::Word
            && token.line_break_before
            && DECLARATION_KEYWORDS.contains(&self.text(i))
            && self.same_line_after(i)
            && self.kind(i + 1) == Some(TokenKind::Word)
    }

    /// What the name made of tokens `first..=last` is.
    fn name_kind(&self, first: usize, last: usize) -> NameKind {
        let open = self.open_braces_before(first);
        let body = open.first().map_or("", OpenBrace::keyword);
        let nested = open.len() > 1;
        let previous = first.checked_sub(1).map_or("", |i| self.text(i));
        match previous {
            "service" => return NameKind::Service,
            "table" => return NameKind::Table,
            "enum" => return NameKind::Enum,
            "struct" => return NameKind::Struct,
            "entity" => return NameKind::Entity,
            "collection" => return NameKind::Collection,
            "on" => return NameKind::TableIndexRef,
            "index" if body == "table" => return NameKind::TableIndex,
            "index" => return NameKind::AccessPattern,
            _ => {}
        }
        if self.is(last + 1, ":") && !nested && matches!(body, "entity" | "struct") {
            return NameKind::Attribute;
        }
        // A `,` also separates enum variants, so a list that is not one
        // falls through to the body's kind.
        let list = match previous {
            "[" | "," => self.list_kind(first - 1),
            _ => NameKind::Other,
        };
        if list != NameKind::Other {
            return list;
        }
        match previous {
            ":" if body == "table" => NameKind::PhysicalAttribute,
            ":" | "<" => NameKind::TypeName,
            "=" if body == "enum" => NameKind::Other,
            "=" => NameKind::DefaultValue,
            _ if body == "enum" && !nested => NameKind::Variant,
            _ => NameKind::Other,
        }
    }

    /// What the items of the list or type arguments around token `inside`
    /// (a `[` or `,`) are.
    fn list_kind(&self, inside: usize) -> NameKind {
        let Some(open) = self.unclosed_list(inside) else {
            return NameKind::Other;
        };
        if self.text(open) == "<" {
            return NameKind::TypeName;
        }
        let before = open.checked_sub(1).map_or("", |i| self.text(i));
        let role = open.checked_sub(2).map_or("", |i| self.text(i));
        match before {
            "include" => NameKind::PhysicalAttribute,
            ":" if matches!(role, "pk" | "sk") => NameKind::Composite,
            "=" | "[" | "," => NameKind::DefaultValue,
            _ => NameKind::Other,
        }
    }

    /// The `[` or `<` that is open at token `i` (inclusive), within its block.
    fn unclosed_list(&self, i: usize) -> Option<usize> {
        let mut depth = 0usize;
        let mut k = i + 1;
        while k > 0 {
            k -= 1;
            match self.text(k) {
                "]" | ">" => depth += 1,
                "[" | "<" if depth == 0 => return Some(k),
                "[" | "<" => depth -= 1,
                "{" | "}" => return None,
                _ => {}
            }
        }
        None
    }

    // ---- recognisers -------------------------------------------------------------

    /// A declaration's `}` is missing: the next declaration is read as part
    /// of its body, or the file ends inside it.
    fn unclosed_declaration(&self) -> Option<Diagnostic> {
        let mut open: Vec<OpenBrace> = Vec::new();
        let mut intruder: Option<Intruder> = None;
        for (i, token) in self.tokens.iter().enumerate() {
            if token.span.start > self.pos {
                break;
            }
            if intruder.is_none() && !open.is_empty() && self.starts_declaration(i) {
                intruder = Some(Intruder {
                    keyword: i,
                    open: open.clone(),
                });
            }
            if token.span.start == self.pos {
                break;
            }
            match self.text(i) {
                "{" => open.push(self.open_brace(i)),
                "}" => {
                    open.pop();
                    // The body around it closed after all: it was a valid
                    // member (an enum variant `entity`, say), not a declaration.
                    if intruder.as_ref().is_some_and(|x| open.len() < x.open.len()) {
                        intruder = None;
                    }
                }
                _ => {}
            }
        }
        if let Some(intruder) = intruder {
            return Some(self.declaration_inside(&intruder));
        }
        let closes_body = [
            Rule::entity_close,
            Rule::struct_close,
            Rule::enum_close,
            Rule::table_close,
            Rule::index_close,
            Rule::key_close,
        ]
        .iter()
        .any(|r| self.expects(*r));
        if self.at >= self.tokens.len() && closes_body && !open.is_empty() {
            return Some(self.file_ends_inside(&open));
        }
        None
    }

    fn declaration_inside(&self, intruder: &Intruder) -> Diagnostic {
        let keyword = &self.tokens[intruder.keyword];
        let name = &self.tokens[intruder.keyword + 1];
        let declaration = format!("{} {}", self.text(intruder.keyword), self.text(intruder.keyword + 1));
        let outer = intruder.open[0].display();
        let mut diagnostic = Diagnostic::new(Code::Syntax, format!("{outer} is not closed before `{declaration}`"))
            .primary(
                keyword.span.to(name.span),
                format!("`{declaration}` starts inside {outer}"),
            );
        for brace in intruder.open.iter().rev() {
            diagnostic = diagnostic.secondary(brace.brace, format!("this `{{` of {} is never closed", brace.display()));
        }
        let help = if intruder.open.len() == 1 {
            format!("add `}}` before `{declaration}` to close {outer}; declarations cannot be nested")
        } else {
            format!(
                "add a `}}` for each of {} before `{declaration}`; declarations cannot be nested",
                list_braces(&intruder.open)
            )
        };
        diagnostic.help(help)
    }

    fn file_ends_inside(&self, open: &[OpenBrace]) -> Diagnostic {
        let end = self.tokens.last().map_or(0, |t| t.span.end);
        let outer = open[0].display();
        let innermost = open.last().map_or_else(String::new, OpenBrace::display);
        let mut diagnostic = Diagnostic::new(Code::Syntax, format!("{outer} is not closed: the file ends inside it"))
            .primary(Span::new(end, end), format!("expected `}}` to close {innermost}"));
        for brace in open.iter().rev() {
            diagnostic = diagnostic.secondary(brace.brace, format!("this `{{` of {} is never closed", brace.display()));
        }
        let help = if open.len() == 1 {
            format!("add `}}` at the end of {outer}")
        } else {
            format!("add a `}}` for each of {}", list_braces(open))
        };
        diagnostic.help(help)
    }

    /// A key block or table index block lacks its `}`: the next member of
    /// the body around it is read as part of the block.
    fn unclosed_block(&self) -> Option<Diagnostic> {
        if !self.expects(Rule::key_close) && !self.expects(Rule::index_close) {
            return None;
        }
        let found = self.tokens.get(self.at)?;
        let found_text = self.text(self.at);
        let is_attribute = found.kind == TokenKind::Word
            && self.is(self.at + 1, ":")
            && self.same_line_after(self.at + 1)
            && self.kind(self.at + 2) == Some(TokenKind::Word);
        if !found.line_break_before || !(OUTER_MEMBER_WORDS.contains(&found_text) || is_attribute) {
            return None;
        }
        let open = self.open_braces_before(self.at);
        let block = open.last().filter(|_| open.len() > 1)?;
        let block_name = block.display();
        Some(
            Diagnostic::new(
                Code::Syntax,
                format!("{block_name} is not closed before `{found_text}`"),
            )
            .primary(found.span, format!("expected `}}` to close {block_name} before this"))
            .secondary(block.brace, "this `{` is never closed")
            .help(format!("close {block_name} with `}}` before this line")),
        )
    }

    /// `readonly`, `ttl`, `@field(..)` or `= value` written on the line
    /// after its attribute: a line break ends an attribute.
    fn modifier_on_next_line(&self) -> Option<Diagnostic> {
        let starts_modifier = |i: usize| matches!(self.text(i), "@" | "=") || MODIFIER_WORDS.contains(&self.text(i));
        let (modifier, read_as_attribute) = if self.expects(Rule::attr_colon) {
            // `readonly` alone: read as the name of a new attribute, which
            // then lacks its `:`.
            let word = self.at.checked_sub(1)?;
            let next_is_apart = self.tokens.get(self.at).is_none_or(|t| t.line_break_before);
            if !MODIFIER_WORDS.contains(&self.text(word))
                || !self.tokens[word].line_break_before
                || !(next_is_apart || starts_modifier(self.at))
            {
                return None;
            }
            (word, true)
        } else {
            let in_members = [Rule::attribute, Rule::attr_line, Rule::entity_close, Rule::struct_close]
                .iter()
                .any(|r| self.expects(*r));
            let token = self.tokens.get(self.at)?;
            if !in_members || !token.line_break_before || !matches!(self.text(self.at), "@" | "=") {
                return None;
            }
            (self.at, false)
        };
        let modifier_end = self.line_end(modifier);
        let written = self.text_between(modifier, modifier_end);
        let label = if read_as_attribute {
            format!("read as a new attribute named `{}`", self.text(modifier))
        } else {
            "a line break ended the attribute before this".to_string()
        };
        let mut diagnostic = Diagnostic::new(
            Code::Syntax,
            format!("`{written}` must be on the same line as its attribute"),
        )
        .primary(self.tokens[modifier].span.to(self.tokens[modifier_end].span), label);
        // The attribute it belongs to ends on the line before.
        let previous_attribute = modifier
            .checked_sub(1)
            .map(|last| (self.line_start(last), last))
            .filter(|(first, _)| self.kind(*first) == Some(TokenKind::Word) && self.is(first + 1, ":"));
        let help = match previous_attribute {
            Some((first, last)) => {
                diagnostic = diagnostic.secondary(
                    self.tokens[first].span,
                    format!("attribute `{}` ends with this line", self.text(first)),
                );
                format!(
                    "a line break ends an attribute; write the modifier on the attribute's line: `{} {written}`",
                    self.text_between(first, last)
                )
            }
            None => "a line break ends an attribute; write modifiers and defaults after the type on the attribute's line, e.g. `name: string readonly`".to_string(),
        };
        Some(diagnostic.help(help))
    }

    /// A name with a letter outside ASCII: `straße`, `Café`.
    fn non_ascii_name(&self) -> Option<Diagnostic> {
        let word = self.tokens.get(self.at)?;
        let letter = self.source.get(self.pos..)?.chars().next()?;
        if word.kind != TokenKind::Word || word.span.start > self.pos || letter.is_ascii() || !letter.is_alphanumeric()
        {
            return None;
        }
        let written = self.text(self.at);
        let kind = self.name_kind(self.at, self.at);
        // Where no name is expected (a keyword's place, say), saying what
        // identifiers are would not help.
        if kind == NameKind::Other {
            return None;
        }
        let suggestion = ascii_spelling(written);
        let (help, note) = self.rename_help(kind, self.at, written, suggestion.as_deref());
        let diagnostic = Diagnostic::new(
            Code::Syntax,
            format!("identifiers must be ASCII, and `{written}` contains `{letter}`"),
        )
        .primary(
            word.span,
            format!("{} must be ASCII letters, digits and `_`", kind.what()),
        )
        .help(help);
        Some(match note {
            Some(note) => diagnostic.note(note),
            None => diagnostic,
        })
    }

    /// A name with `-` or `.` in it: `gsi1pk-gsi1sk-index`, `order.id`.
    fn punctuated_name(&self) -> Option<Diagnostic> {
        let separator = self.at;
        if !matches!(self.text(separator), "-" | ".") || self.tokens[separator].span.start != self.pos {
            return None;
        }
        let (first, last) = self.item_run(separator);
        let starts_with_letter = self.text(first).starts_with(|c: char| c.is_alphabetic() || c == '_');
        let all_name_parts =
            (first..=last).all(|i| self.kind(i) == Some(TokenKind::Word) || matches!(self.text(i), "-" | "."));
        if first == separator
            || last == separator
            || !starts_with_letter
            || !all_name_parts
            || self.kind(last) != Some(TokenKind::Word)
        {
            return None;
        }
        // `Status.Open` and `uuid.v4()` after `=` are the default recogniser's.
        if first > 0 && self.is(first - 1, "=") {
            return None;
        }
        let written = self.text_between(first, last);
        let sign = self.text(separator);
        let kind = self.name_kind(first, last);
        if kind == NameKind::Other {
            return None;
        }
        let suggestion = ascii_spelling(&written.replace(['-', '.'], "_"));
        let (help, note) = self.rename_help(kind, last, written, suggestion.as_deref());
        let help = format!("{help}; identifiers are ASCII letters, digits and `_`");
        let diagnostic = Diagnostic::new(
            Code::Syntax,
            format!("`{written}` is not an identifier: {}", kind.rule()),
        )
        .primary(
            self.tokens[first].span.to(self.tokens[last].span),
            format!("`{sign}` cannot be part of {}", kind.what()),
        )
        .help(help);
        Some(match note {
            Some(note) => diagnostic.note(note),
            None => diagnostic,
        })
    }

    /// How to rename a name that is not an identifier, written as `written`,
    /// whose last token is `last`; `suggestion` is an identifier spelling of
    /// it, when one can be made. Returns the help and a note.
    fn rename_help(
        &self,
        kind: NameKind,
        last: usize,
        written: &str,
        suggestion: Option<&str>,
    ) -> (String, Option<String>) {
        let name_the = |noun: &str| match suggestion {
            Some(s) => format!("name the {noun} `{s}`"),
            None => format!("rename the {noun} with ASCII letters, digits and `_`"),
        };
        let for_example = match suggestion {
            Some(s) => format!(", e.g. `{s}`"),
            None => String::new(),
        };
        let help = match kind {
            NameKind::Attribute => {
                // The rest of the attribute, to show the whole line to write.
                let colon = last + 1;
                let mut end = colon;
                while self.same_line_after(end) && !matches!(self.text(end + 1), "}" | "@") {
                    end += 1;
                }
                let has_field = self.is(end + 1, "@");
                let rest = if end > colon {
                    self.text_between(colon + 1, end)
                } else {
                    ".."
                };
                match suggestion {
                    _ if has_field => format!("{}; its `@field` keeps the stored name", name_the("attribute")),
                    Some(s) => format!(
                        "name the attribute `{s}` and keep `{written}` as its stored name: `{s}: {rest} @field(\"{written}\")`"
                    ),
                    None => format!(
                        "{} and keep `{written}` as its stored name with `@field(\"{written}\")`",
                        name_the("attribute")
                    ),
                }
            }
            NameKind::Variant if self.is(last + 1, "=") => {
                format!("{}; the string after `=` stays its stored value", name_the("variant"))
            }
            NameKind::Variant => match suggestion {
                Some(s) => format!("name the variant `{s}` and keep `{written}` as its stored value: `{s} = \"{written}\"`"),
                None => format!(
                    "{} and keep `{written}` as its stored value: `Name = \"{written}\"`",
                    name_the("variant")
                ),
            },
            NameKind::Composite => format!(
                "key composites name attributes by their schema names: write the attribute's name{for_example} (`@field` on the attribute sets its stored name)"
            ),
            NameKind::PhysicalAttribute => {
                format!("write a physical attribute name that is not an identifier as a string: `\"{written}\"`")
            }
            NameKind::TableIndex => name_the("index"),
            NameKind::TableIndexRef => format!("refer to the table index by its schema name{for_example}"),
            NameKind::DefaultValue => format!(
                "write an enum variant by its name{for_example}, or a string default in quotes: `\"{written}\"`"
            ),
            NameKind::TypeName => format!("{}, and use that name here", name_the("enum or struct")),
            NameKind::Service => name_the("service"),
            NameKind::Table => name_the("table"),
            NameKind::Enum => name_the("enum"),
            NameKind::Struct => name_the("struct"),
            NameKind::Entity => name_the("entity"),
            NameKind::AccessPattern => name_the("access pattern"),
            NameKind::Collection => name_the("collection"),
            NameKind::Other => match suggestion {
                Some(s) => format!("write `{s}`"),
                None => "use ASCII letters, digits and `_`".to_string(),
            },
        };
        let note =
            matches!(kind, NameKind::TableIndex | NameKind::TableIndexRef).then(|| physical_index_name_note(written));
        (help, note)
    }

    /// `= uuid()`, `= now()`, `= Uuid::new_v4()`, `= Status::Open`: a
    /// default that is not a literal.
    fn call_in_default(&self) -> Option<Diagnostic> {
        let after = self.at;
        let name = after.checked_sub(1)?;
        let qualified =
            matches!(self.text(after), ":" | ".") && self.tokens[after].span.start == self.tokens[name].span.end;
        if self.kind(name) != Some(TokenKind::Word)
            || !(self.is(after, "(") || qualified)
            || self.tokens[after].line_break_before
        {
            return None;
        }
        // Only after `=` on this line, perhaps inside a list literal.
        let mut k = name;
        loop {
            if self.tokens[k].line_break_before || k == 0 {
                return None;
            }
            k -= 1;
            match self.text(k) {
                "=" => break,
                "[" | "," => {}
                _ if matches!(self.kind(k), Some(TokenKind::String | TokenKind::Word)) => {}
                _ => return None,
            }
        }
        if self
            .open_braces_before(k)
            .first()
            .is_some_and(|b| b.keyword() == "enum")
        {
            return None;
        }
        // The path up to the call's `(`, if there is one on this line.
        let mut end = after;
        while end < self.tokens.len() && !self.is(end, "(") && self.same_line_after(end) {
            if !matches!(self.text(end + 1), ":" | "." | "(") && self.kind(end + 1) != Some(TokenKind::Word) {
                break;
            }
            end += 1;
        }
        let attribute = self.line_start(k);
        let attribute_name = (self.kind(attribute) == Some(TokenKind::Word) && self.is(attribute + 1, ":"))
            .then(|| self.text(attribute));
        if !self.is(end, "(") {
            // `Status::Open`: a variant, qualified as in Rust.
            let variant = self.text(end);
            let written = self.text_between(name, end);
            return Some(
                Diagnostic::new(
                    Code::Syntax,
                    format!("a default must be a literal, and `{written}` is a path"),
                )
                .primary(self.tokens[name].span.to(self.tokens[end].span), "not a literal")
                .help(format!("write an enum variant by its name alone: `= {variant}`")),
            );
        }
        let close = self.closing_paren(end).unwrap_or(end);
        let call = self.text_between(name, close);
        let set_in_code = match attribute_name {
            Some(attribute) => format!("set `{attribute}` in code"),
            None => "set the value in code".to_string(),
        };
        let mut diagnostic = Diagnostic::new(
            Code::Syntax,
            format!("a default must be a literal or a generated default, not the function call `{call}`"),
        )
        .primary(
            self.tokens[name].span.to(self.tokens[close].span),
            "not a literal, and generated defaults take no arguments",
        )
        .help(format!(
            "write a literal (a string, a number, `true` or `false`, an enum variant, a list `[..]` or `{{}}`) or one of the generated defaults `uuid()`, `ulid()` and `now()`; or leave the default out and {set_in_code} when the item is created"
        ));
        let function = self.text(end.saturating_sub(1)).to_ascii_lowercase();
        if CLOCK_FUNCTIONS.contains(&function.as_str()) {
            diagnostic = diagnostic.note(
                "`now()` is the time of the write; the `timestamps` marker adds `createdAt` and `updatedAt`, which dyngen sets on every write",
            );
        }
        Some(diagnostic)
    }

    /// `[a b]`: two list items without a comma between them.
    fn missing_comma(&self) -> Option<Diagnostic> {
        if !self.expects(Rule::composites_close) || self.at == 0 {
            return None;
        }
        let next = self.tokens.get(self.at)?;
        let next_starts_item =
            matches!(next.kind, TokenKind::Word | TokenKind::String) || matches!(self.text(self.at), "-" | "[" | "{");
        let previous = self.at - 1;
        let previous_ends_item = matches!(self.tokens[previous].kind, TokenKind::Word | TokenKind::String)
            || matches!(self.text(previous), "]" | "}");
        if !next_starts_item || !previous_ends_item || next.span.start != self.pos {
            return None;
        }
        let previous_first = match self.text(previous) {
            "]" | "}" => self.matching_open(previous).unwrap_or(previous),
            _ => self.item_run(previous).0,
        };
        let next_last = match self.text(self.at) {
            "[" | "{" => self.matching_close(self.at).unwrap_or(self.at),
            _ => self.item_run(self.at).1,
        };
        let before = self.text_between(previous_first, previous);
        let after = self.text_between(self.at, next_last);
        let gap = self.tokens[previous].span.end;
        Some(
            Diagnostic::new(Code::Syntax, format!("expected `,` between `{before}` and `{after}`"))
                .primary(Span::new(gap, gap), "expected `,` here")
                .help(format!("list items are separated by commas: `{before}, {after}`")),
        )
    }
}

/// `month` -> `Month`.
fn upper_first(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// An ASCII spelling of `name` (`straße` -> `strasse`, `Café` -> `Cafe`), or
/// `None` when some letter has no obvious one or the result would not be an
/// identifier.
fn ascii_spelling(name: &str) -> Option<String> {
    let mut spelled = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            spelled.push(c);
            continue;
        }
        let lower = c.to_lowercase().next()?;
        let base = latin_base(lower)?;
        if c.is_uppercase() {
            spelled.push_str(&upper_first(base));
        } else {
            spelled.push_str(base);
        }
    }
    let starts_well = spelled.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
    starts_well.then_some(spelled)
}

/// The ASCII letters a lower-case Latin letter with a diacritic is usually
/// written as.
fn latin_base(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ð' | 'ď' | 'đ' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĳ' => "ij",
        'ĵ' => "j",
        'ķ' | 'ĸ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' | 'ŉ' | 'ŋ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ſ' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}
