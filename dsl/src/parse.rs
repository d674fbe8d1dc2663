//! Text to syntax tree. Pest stays inside this module: callers get an
//! [`ast::File`] or located [`Diagnostic`]s written in words, never rule names.

use crate::ast::*;
use crate::diagnostic::{Code, Diagnostic};
use crate::span::Span;
use pest::iterators::Pair;
use pest::Parser as _;

mod mistakes;

#[derive(pest_derive::Parser)]
#[grammar = "grammar.pest"]
struct Grammar;

/// Deepest bracket nesting accepted. Real schemas stay in single digits; the
/// limit keeps the recursive-descent parser far from the stack's end.
pub const MAX_NESTING: usize = 64;

/// Parses a schema. Syntax errors stop at the first one (a PEG parser cannot
/// resynchronise reliably); string escape errors are all reported.
pub fn parse(source: &str) -> Result<File, Vec<Diagnostic>> {
    if let Some(diagnostic) = prescan(source) {
        return Err(vec![diagnostic]);
    }
    let mut pairs = Grammar::parse(Rule::schema, source).map_err(|e| vec![syntax_error(source, e)])?;
    let mut builder = Builder {
        diagnostics: Vec::new(),
    };
    let file = match pairs.next() {
        Some(schema) => builder.file(schema),
        None => File::default(),
    };
    if builder.diagnostics.is_empty() {
        Ok(file)
    } else {
        Err(builder.diagnostics)
    }
}

/// A cheap pass over the raw text for the errors pest would report badly:
/// unterminated strings (pest would point past them) and runaway nesting
/// (which would otherwise exhaust the stack).
fn prescan(source: &str) -> Option<Diagnostic> {
    let bytes = source.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                let open = i;
                i += 1;
                loop {
                    match bytes.get(i) {
                        None | Some(b'\n') => {
                            return Some(
                                Diagnostic::new(Code::UnterminatedString, "unterminated string literal")
                                    .primary(Span::new(open, open + 1), "this string is never closed")
                                    .help("close it with `\"` on the same line; strings cannot span lines"),
                            );
                        }
                        Some(b'\\') => i += 2,
                        Some(b'"') => break,
                        Some(_) => i += 1,
                    }
                }
            }
            b'{' | b'[' | b'<' | b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(
                        Diagnostic::new(
                            Code::NestingTooDeep,
                            format!("brackets nested more than {MAX_NESTING} deep"),
                        )
                        .primary(Span::new(i, i + 1), "nesting limit reached here")
                        .help("flatten the type or value; DynamoDB itself allows at most 32 levels of nesting"),
                    );
                }
            }
            b'}' | b']' | b'>' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

/// What a rule looks like to a user, or `None` for rules never worth naming.
fn describe_rule(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "end of file",
        Rule::kw_service => "`service`",
        Rule::kw_table => "`table`",
        Rule::kw_enum => "`enum`",
        Rule::kw_struct => "`struct`",
        Rule::kw_entity => "`entity`",
        Rule::service_decl => "`service`",
        Rule::table_decl => "`table`",
        Rule::enum_decl => "`enum`",
        Rule::struct_decl => "`struct`",
        Rule::entity_decl => "`entity`",
        Rule::kw_index | Rule::gsi_decl | Rule::index_decl => "`index`",
        Rule::kw_local | Rule::lsi_decl => "`local index`",
        Rule::kw_primary | Rule::primary_decl => "`primary`",
        Rule::kw_on => "`on` and the table index name",
        Rule::kw_collection | Rule::collection_clause => "`collection`",
        Rule::kw_casing | Rule::key_option => "`casing`",
        Rule::kw_projection | Rule::projection => "`projection`",
        Rule::projection_decl => "`projection Name [attributes]`",
        Rule::kw_unique | Rule::unique_decl => "`unique [attributes]`",
        Rule::mod_unique => "`unique`",
        Rule::projection_name => "a projection name",
        Rule::listed_attr => "an attribute name",
        Rule::service_name => "a service name",
        Rule::table_name => "a table name",
        Rule::enum_name => "an enum name",
        Rule::variant_name | Rule::variant => "an enum variant",
        Rule::struct_name => "a struct name",
        Rule::entity_name => "an entity name",
        Rule::attr_name | Rule::attribute | Rule::attr_line => "an attribute (`name: type`)",
        Rule::index_name => "an index name",
        Rule::table_index_ref => "a table index name",
        Rule::collection_name => "a collection name",
        Rule::composite | Rule::composite_attr => "an attribute name",
        Rule::derive_fn => "an attribute name or a derived part such as `month(created)`",
        Rule::shard_count => "a shard count such as `16`",
        Rule::key_template => "a key template such as `\"USER#{userId}\"`",
        Rule::key_type => "a key type: `S`, `N` or `B`",
        Rule::physical_name | Rule::kw_name => "`name: \"...\"`",
        Rule::type_name | Rule::type_expr => "a type",
        Rule::field_name | Rule::field_ident => "an attribute name",
        Rule::table_open => "`{` after the table name",
        Rule::table_close => "`}` to close the table",
        Rule::enum_open => "`{` after the enum name",
        Rule::enum_close => "`}` to close the enum",
        Rule::struct_open => "`{` after the struct name",
        Rule::struct_close => "`}` to close the struct",
        Rule::entity_open => "`{` after the entity name",
        Rule::entity_close => "`}` to close the entity",
        Rule::index_open => "`{` to start the index's key attributes",
        Rule::index_close => "`}` to close the index",
        Rule::key_open => "`{` to start the key",
        Rule::key_close => "`}` to close the key",
        Rule::composites_open => "`[` to start the list",
        Rule::composites_close => "`]` to close the list",
        Rule::type_args_open => "`<`",
        Rule::type_args_close => "`>` to close the type arguments",
        Rule::attr_colon => "`:` after the attribute name",
        Rule::setting_colon | Rule::key_colon => "`:`",
        Rule::setting_key | Rule::table_setting => "`pk`, `sk`, `ttl`, `entity_tag` or `format`",
        Rule::model_key | Rule::model_setting => "`model_name` or `model_version`",
        Rule::key_role | Rule::index_key | Rule::key_def => "`pk` or `sk`",
        Rule::index_item => "`pk`, `sk` or `projection`",
        Rule::marker_keyword | Rule::marker => "a marker (`timestamps`, `version`)",
        Rule::casing => "`lower`, `upper` or `none`",
        Rule::projection_all | Rule::projection_keys_only | Rule::projection_include => {
            "`all`, `keys_only` or `include [..]`"
        }
        Rule::literal
        | Rule::string
        | Rule::integer
        | Rule::float
        | Rule::boolean
        | Rule::list_literal
        | Rule::map_literal
        | Rule::call_literal
        | Rule::call_name
        | Rule::enum_literal => "a value",
        Rule::variant_value => "`=`",
        Rule::default_value => "`=`",
        Rule::optional_mark => "`?`",
        _ => return None,
    })
}

fn syntax_error(source: &str, error: pest::error::Error<Rule>) -> Diagnostic {
    let pos = match error.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let pos = pos.min(source.len());
    let (found, found_span) = token_at(source, pos);
    let mut expected: Vec<&str> = Vec::new();
    let mut rules = Vec::new();
    if let pest::error::ErrorVariant::ParsingError { positives, .. } = &error.variant {
        // After `pk:` in an entity key, a string is a key template.
        let in_key = positives.contains(&Rule::composites_open);
        for rule in positives {
            rules.push(*rule);
            let described = match rule {
                Rule::string if in_key => describe_rule(Rule::key_template),
                other => describe_rule(*other),
            };
            if let Some(text) = described {
                if !expected.contains(&text) {
                    expected.push(text);
                }
            }
        }
    }
    if let Some(diagnostic) = missing_attribute_type(source, pos, &rules) {
        return diagnostic;
    }
    if let Some(diagnostic) = mistakes::recognise(source, pos, &rules) {
        return diagnostic;
    }
    // `<`, `?` and `=` are optional continuations of something already
    // complete; naming them beside real alternatives only adds noise.
    let continuations = ["`<`", "`?`", "`=`"];
    if expected.iter().any(|e| !continuations.contains(e)) {
        expected.retain(|e| !continuations.contains(e));
    }
    // Closing brackets and end of file read best as the last alternative.
    expected.sort_by_key(|e| u8::from(e.starts_with("`}`") || *e == "end of file"));
    let expected_text = join_alternatives(&expected);
    let message = if expected_text.is_empty() {
        format!("unexpected {found}")
    } else {
        format!("expected {expected_text}, found {found}")
    };
    let label = if expected_text.is_empty() {
        "unexpected here".to_string()
    } else {
        format!("expected {expected_text}")
    };
    let mut diagnostic = Diagnostic::new(Code::Syntax, message).primary(found_span, label);
    if rules.contains(&Rule::type_args_close) {
        if let Some(open) = unclosed_angle(&source[..pos]) {
            diagnostic = diagnostic.secondary(Span::new(open, open + 1), "this `<` is never closed");
        }
    }
    if let Some(help) = syntax_help(source, pos, &found, &rules) {
        diagnostic = diagnostic.help(help);
    }
    diagnostic
}

/// `name:` with nothing after it on the line. The grammar then reads the next
/// line's first word as the type (or attribute name) and fails after it, far
/// from the mistake; point at the colon instead.
fn missing_attribute_type(source: &str, pos: usize, rules: &[Rule]) -> Option<Diagnostic> {
    let expects_any = |candidates: &[Rule]| candidates.iter().any(|r| rules.contains(r));
    let in_members = expects_any(&[Rule::attribute, Rule::attr_line, Rule::entity_close, Rule::struct_close]);
    let in_table = expects_any(&[
        Rule::table_setting,
        Rule::setting_key,
        Rule::table_close,
        Rule::index_close,
    ]);
    if !in_members && !in_table {
        return None;
    }
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let before = source[..pos].trim_end_matches([' ', '\t']);
    let without_value = before.trim_end_matches(is_ident);
    let head = without_value.trim_end();
    if without_value.len() == before.len() || !without_value[head.len()..].contains('\n') || !head.ends_with(':') {
        return None;
    }
    let name_part = head[..head.len() - 1].trim_end();
    let name = &name_part[name_part.trim_end_matches(is_ident).len()..];
    if name.is_empty() {
        return None;
    }
    let (what, help) = if in_members {
        (
            "a type",
            format!(
                "write the type on the attribute's line, e.g. `{name}: string`; the types are string, bool, i32, i64, u32, u64, f64, decimal, bytes, timestamp, json, list<T>, map<T>, set<T>, or the name of an enum or struct"
            ),
        )
    } else {
        (
            "an attribute name",
            format!("name the physical attribute on the same line, e.g. `{name}: {name}`"),
        )
    };
    Some(
        Diagnostic::new(
            Code::Syntax,
            format!("expected {what} after `{name}:`, found end of line"),
        )
        .primary(Span::new(head.len(), head.len()), format!("expected {what}"))
        .help(help),
    )
}

/// The offset of the last `<` in `text` that no `>` closes.
fn unclosed_angle(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text.char_indices().rev() {
        match c {
            '>' => depth += 1,
            '<' if depth == 0 => return Some(i),
            '<' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// Advice for the mistakes people actually make.
fn syntax_help(source: &str, pos: usize, found: &str, rules: &[Rule]) -> Option<String> {
    let rest = &source[pos..];
    let expects = |r: Rule| rules.contains(&r);
    let previous_line = source[..pos].trim_end().lines().last().unwrap_or("").trim_start();
    if rest.starts_with("///") || (previous_line.starts_with("///") && !previous_line.starts_with("////")) {
        return Some("a `///` doc comment documents the item after it; use `//` for a plain comment".into());
    }
    if rest.starts_with(',') && (expects(Rule::attribute) || expects(Rule::attr_line) || expects(Rule::entity_close)) {
        return Some("entity and struct members are separated by spaces or new lines, not commas".into());
    }
    if expects(Rule::composites_open) && !rest.starts_with('[') {
        return Some(
            "key composites are a list of attribute names in brackets, e.g. `pk: [repoOwner, repoName]` (use `[]` for none), or a template string such as `pk: \"USER#{userId}\"`"
                .into(),
        );
    }
    if expects(Rule::attr_colon) {
        return Some("attributes are written `name: type`, e.g. `repoName: string`".into());
    }
    if expects(Rule::type_name) || expects(Rule::type_expr) {
        return Some(
            "types are string, bool, i32, i64, u32, u64, f64, decimal, bytes, timestamp, json, list<T>, map<T>, set<T>, or the name of an enum or struct"
                .into(),
        );
    }
    if expects(Rule::type_args_close) {
        return Some("close the type arguments with `>`, e.g. `list<string>`".into());
    }
    if [Rule::table_open, Rule::enum_open, Rule::struct_open, Rule::entity_open]
        .iter()
        .any(|r| expects(*r))
    {
        return Some("a declaration's body goes between braces, e.g. `entity User { id: string .. }`".into());
    }
    if expects(Rule::kw_on) {
        return Some("an entity index names the table index it lives on: `index owned on gsi1 { .. }`".into());
    }
    if rest.starts_with('=') && expects(Rule::setting_colon) {
        return Some("use `:` here, e.g. `pk: pk`".into());
    }
    if expects(Rule::EOI) && (rest.starts_with('}') || found == "`}`") {
        return Some("this `}` has no matching `{`".into());
    }
    if rest.is_empty() {
        return Some("the file ends before the declaration is complete; is a `}` missing?".into());
    }
    if (expects(Rule::kw_entity) || expects(Rule::entity_decl))
        && (rest.starts_with("model") || rest.starts_with("type") || rest.starts_with("class"))
    {
        return Some("declare entities with `entity Name { .. }`".into());
    }
    None
}

fn join_alternatives(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

/// The token at `pos`, for "found `x`" messages.
fn token_at(source: &str, pos: usize) -> (String, Span) {
    let rest = &source[pos..];
    let Some(first) = rest.chars().next() else {
        return ("end of file".to_string(), Span::new(pos, pos));
    };
    let len = if first.is_ascii_alphanumeric() || first == '_' {
        rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len())
    } else if rest.starts_with("///") {
        3
    } else {
        first.len_utf8()
    };
    let text = &rest[..len];
    let shown = if first == '\n' || first == '\r' {
        "end of line".to_string()
    } else if first.is_control() {
        format!("character U+{:04X}", first as u32)
    } else {
        format!("`{text}`")
    };
    (shown, Span::new(pos, pos + len))
}

/// The pair's span without trailing whitespace, which pest includes when a
/// rule ends in an optional repetition that matched nothing.
fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let s = pair.as_span();
    Span::new(s.start(), s.start() + pair.as_str().trim_end().len())
}

fn ident(pair: Pair<'_, Rule>) -> Ident {
    Ident {
        text: pair.as_str().to_string(),
        span: span_of(&pair),
    }
}

struct Builder {
    diagnostics: Vec<Diagnostic>,
}

impl Builder {
    fn file(&mut self, schema: Pair<'_, Rule>) -> File {
        let mut items = Vec::new();
        for pair in schema.into_inner() {
            match pair.as_rule() {
                Rule::service_decl => items.push(Item::Service(self.service(pair))),
                Rule::table_decl => items.push(Item::Table(self.table(pair))),
                Rule::enum_decl => items.push(Item::Enum(self.enum_decl(pair))),
                Rule::struct_decl => items.push(Item::Struct(self.struct_decl(pair))),
                Rule::entity_decl => items.push(Item::Entity(self.entity(pair))),
                _ => {}
            }
        }
        File { items }
    }

    fn docs(pair: Pair<'_, Rule>) -> Vec<String> {
        pair.into_inner()
            .map(|doc| {
                let text = doc.into_inner().next().map(|t| t.as_str()).unwrap_or("");
                // `/// text` -> `text`: one leading space is the separator, the rest is content.
                text.strip_prefix(' ').unwrap_or(text).trim_end().to_string()
            })
            .collect()
    }

    fn service(&mut self, pair: Pair<'_, Rule>) -> Service {
        let span = span_of(&pair);
        let mut docs = Vec::new();
        let mut name = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::docs => docs = Self::docs(p),
                Rule::service_name => name = Some(ident(p)),
                _ => {}
            }
        }
        Service {
            docs,
            name: name.unwrap_or_else(|| missing(span)),
            span,
        }
    }

    fn table(&mut self, pair: Pair<'_, Rule>) -> Table {
        let span = span_of(&pair);
        let mut table = Table {
            docs: Vec::new(),
            name: missing(span),
            settings: Vec::new(),
            indexes: Vec::new(),
            span,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::docs => table.docs = Self::docs(p),
                Rule::table_name => table.name = ident(p),
                Rule::table_setting => table.settings.push(self.setting(p)),
                Rule::gsi_decl => table.indexes.push(self.table_index(p, TableIndexKind::Global)),
                Rule::lsi_decl => table.indexes.push(self.table_index(p, TableIndexKind::Local)),
                _ => {}
            }
        }
        table
    }

    fn setting(&mut self, pair: Pair<'_, Rule>) -> TableSetting {
        let span = span_of(&pair);
        let mut key = missing(span);
        let mut value = missing(span);
        let mut quoted = false;
        let mut key_type = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::setting_key | Rule::key_role => key = ident(p),
                Rule::field_name => {
                    quoted = p
                        .clone()
                        .into_inner()
                        .next()
                        .is_some_and(|q| q.as_rule() == Rule::string);
                    value = self.field_name(p);
                }
                Rule::key_type => key_type = Some(ident(p)),
                _ => {}
            }
        }
        TableSetting {
            key,
            value,
            quoted,
            key_type,
            span,
        }
    }

    fn field_name(&mut self, pair: Pair<'_, Rule>) -> Ident {
        let span = span_of(&pair);
        match pair.into_inner().next() {
            Some(p) if p.as_rule() == Rule::string => {
                let lit = self.string(p);
                Ident { text: lit.value, span }
            }
            Some(p) => ident(p),
            None => missing(span),
        }
    }

    fn table_index(&mut self, pair: Pair<'_, Rule>, kind: TableIndexKind) -> TableIndex {
        let span = span_of(&pair);
        let mut index = TableIndex {
            docs: Vec::new(),
            kind,
            name: missing(span),
            keys: Vec::new(),
            physical_names: Vec::new(),
            projections: Vec::new(),
            span,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::docs => index.docs = Self::docs(p),
                Rule::index_name => index.name = ident(p),
                Rule::index_key => index.keys.push(self.setting(p)),
                Rule::physical_name => {
                    if let Some(s) = p.into_inner().find(|q| q.as_rule() == Rule::string) {
                        index.physical_names.push(self.string(s));
                    }
                }
                Rule::projection => index.projections.push(self.projection(p)),
                _ => {}
            }
        }
        index
    }

    fn projection(&mut self, pair: Pair<'_, Rule>) -> Projection {
        let span = span_of(&pair);
        let mut kind = ProjectionKind::All;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::projection_all => kind = ProjectionKind::All,
                Rule::projection_keys_only => kind = ProjectionKind::KeysOnly,
                Rule::projection_include => {
                    let names = p
                        .into_inner()
                        .filter(|n| n.as_rule() == Rule::field_name)
                        .map(|n| self.field_name(n))
                        .collect();
                    kind = ProjectionKind::Include(names);
                }
                _ => {}
            }
        }
        Projection { kind, span }
    }

    fn enum_decl(&mut self, pair: Pair<'_, Rule>) -> Enum {
        let span = span_of(&pair);
        let mut e = Enum {
            docs: Vec::new(),
            name: missing(span),
            variants: Vec::new(),
            span,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::docs => e.docs = Self::docs(p),
                Rule::enum_name => e.name = ident(p),
                Rule::variant => {
                    let vspan = span_of(&p);
                    let mut v = Variant {
                        docs: Vec::new(),
                        name: missing(vspan),
                        value: None,
                    };
                    for q in p.into_inner() {
                        match q.as_rule() {
                            Rule::docs => v.docs = Self::docs(q),
                            Rule::variant_name => v.name = ident(q),
                            Rule::variant_value => {
                                if let Some(s) = q.into_inner().next() {
                                    v.value = Some(self.string(s));
                                }
                            }
                            _ => {}
                        }
                    }
                    e.variants.push(v);
                }
                _ => {}
            }
        }
        e
    }

    fn struct_decl(&mut self, pair: Pair<'_, Rule>) -> Struct {
        let span = span_of(&pair);
        let mut s = Struct {
            docs: Vec::new(),
            name: missing(span),
            fields: Vec::new(),
            span,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::docs => s.docs = Self::docs(p),
                Rule::struct_name => s.name = ident(p),
                Rule::attribute => s.fields.push(self.attribute(p)),
                _ => {}
            }
        }
        s
    }

    fn entity(&mut self, pair: Pair<'_, Rule>) -> Entity {
        let span = span_of(&pair);
        let mut e = Entity {
            docs: Vec::new(),
            name: missing(span),
            attributes: Vec::new(),
            keys: Vec::new(),
            markers: Vec::new(),
            model: Vec::new(),
            projections: Vec::new(),
            uniques: Vec::new(),
            span,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::docs => e.docs = Self::docs(p),
                Rule::entity_name => e.name = ident(p),
                Rule::model_setting => {
                    let span = span_of(&p);
                    let mut key = missing(span);
                    let mut value = None;
                    for q in p.into_inner() {
                        match q.as_rule() {
                            Rule::model_key => key = ident(q),
                            Rule::string => value = Some(self.string(q)),
                            _ => {}
                        }
                    }
                    if let Some(value) = value {
                        e.model.push(ModelSetting { key, value, span });
                    }
                }
                Rule::attribute => e.attributes.push(self.attribute(p)),
                Rule::projection_decl | Rule::unique_decl => {
                    let list = Self::attribute_list(p);
                    if list.name.is_some() {
                        e.projections.push(list);
                    } else {
                        e.uniques.push(list);
                    }
                }
                Rule::primary_decl | Rule::index_decl => e.keys.push(self.entity_index(p)),
                Rule::marker => {
                    let mut docs = Vec::new();
                    let mut name = None;
                    let mut format = None;
                    for q in p.into_inner() {
                        match q.as_rule() {
                            Rule::docs => docs = Self::docs(q),
                            Rule::marker_keyword => name = Some(ident(q)),
                            Rule::mod_format => format = q.into_inner().next().map(|s| self.string(s)),
                            _ => {}
                        }
                    }
                    if let Some(name) = name {
                        e.markers.push(Marker { docs, name, format });
                    }
                }
                _ => {}
            }
        }
        e
    }

    /// `projection Name [a, b]` or `unique [a, b]`.
    fn attribute_list(pair: Pair<'_, Rule>) -> AttributeList {
        let span = span_of(&pair);
        let mut list = AttributeList {
            docs: Vec::new(),
            keyword_span: span,
            name: None,
            attributes: Vec::new(),
            span,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::docs => list.docs = Self::docs(p),
                Rule::kw_projection | Rule::kw_unique => list.keyword_span = span_of(&p),
                Rule::projection_name => list.name = Some(ident(p)),
                Rule::listed_attr => list.attributes.push(ident(p)),
                _ => {}
            }
        }
        list
    }

    fn attribute(&mut self, pair: Pair<'_, Rule>) -> Attribute {
        let span = span_of(&pair);
        let mut docs = Vec::new();
        let mut name = missing(span);
        let mut ty = None;
        let mut suffixes = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::docs => docs = Self::docs(p),
                Rule::attr_line => {
                    for q in p.into_inner() {
                        let qspan = span_of(&q);
                        let kind = match q.as_rule() {
                            Rule::attr_name => {
                                name = ident(q);
                                continue;
                            }
                            Rule::type_expr => {
                                ty = Some(self.type_expr(q));
                                continue;
                            }
                            Rule::default_value => match q.into_inner().next() {
                                Some(lit) => AttrSuffixKind::Default(self.literal(lit)),
                                None => continue,
                            },
                            Rule::mod_readonly => AttrSuffixKind::Readonly,
                            Rule::mod_version => AttrSuffixKind::Version,
                            Rule::mod_ttl => AttrSuffixKind::Ttl,
                            Rule::mod_unique => AttrSuffixKind::Unique,
                            Rule::mod_field => match q.into_inner().next() {
                                Some(s) => AttrSuffixKind::Field(self.string(s)),
                                None => continue,
                            },
                            Rule::mod_format => match q.into_inner().next() {
                                Some(s) => AttrSuffixKind::Format(self.string(s)),
                                None => continue,
                            },
                            _ => continue,
                        };
                        suffixes.push(AttrSuffix { kind, span: qspan });
                    }
                }
                _ => {}
            }
        }
        let ty = ty.unwrap_or_else(|| TypeExpr {
            name: missing(span),
            args: Vec::new(),
            optional: None,
            span,
        });
        Attribute {
            docs,
            name,
            ty,
            suffixes,
            span,
        }
    }

    fn type_expr(&mut self, pair: Pair<'_, Rule>) -> TypeExpr {
        let span = span_of(&pair);
        let mut t = TypeExpr {
            name: missing(span),
            args: Vec::new(),
            optional: None,
            span,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::type_name => t.name = ident(p),
                Rule::type_args => {
                    for q in p.into_inner() {
                        if q.as_rule() == Rule::type_expr {
                            t.args.push(self.type_expr(q));
                        }
                    }
                }
                Rule::optional_mark => t.optional = Some(span_of(&p)),
                _ => {}
            }
        }
        t
    }

    fn entity_index(&mut self, pair: Pair<'_, Rule>) -> EntityIndex {
        let span = span_of(&pair);
        let mut index = EntityIndex {
            docs: Vec::new(),
            name: None,
            table_index: None,
            collection: None,
            fetch: None,
            keys: Vec::new(),
            keyword_span: span,
            span,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::docs => index.docs = Self::docs(p),
                Rule::kw_primary | Rule::kw_index => index.keyword_span = span_of(&p),
                Rule::index_name => index.name = Some(ident(p)),
                Rule::table_index_ref => index.table_index = Some(ident(p)),
                Rule::kw_fetch => index.fetch = Some(span_of(&p)),
                Rule::collection_clause => {
                    index.collection = p.into_inner().find(|q| q.as_rule() == Rule::collection_name).map(ident);
                }
                Rule::key_block => {
                    for q in p.into_inner() {
                        if q.as_rule() == Rule::key_def {
                            index.keys.push(self.key_def(q));
                        }
                    }
                }
                _ => {}
            }
        }
        index
    }

    fn key_def(&mut self, pair: Pair<'_, Rule>) -> KeyDef {
        let span = span_of(&pair);
        let mut key = KeyDef {
            role: KeyRole::Pk,
            role_span: span,
            composites: Vec::new(),
            template: None,
            casing: Vec::new(),
            span,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::key_role => {
                    key.role = if p.as_str() == "sk" { KeyRole::Sk } else { KeyRole::Pk };
                    key.role_span = span_of(&p);
                }
                Rule::composite => {
                    let span = span_of(&p);
                    let (mut derive, mut attribute, mut count) = (None, None, None);
                    for q in p.into_inner() {
                        match q.as_rule() {
                            Rule::derive_fn => derive = Some(ident(q)),
                            Rule::shard_count => count = Some(ident(q)),
                            _ => attribute = Some(ident(q)),
                        }
                    }
                    key.composites.push(CompositeRef {
                        attribute: attribute.unwrap_or_else(|| missing(span)),
                        derive,
                        count,
                        span,
                    });
                }
                Rule::key_template => {
                    if let Some(s) = p.into_inner().next() {
                        let lit = self.string(s);
                        key.span.end = lit.span.end;
                        key.template = Some(lit);
                    }
                }
                Rule::key_option => {
                    if let Some(c) = p.into_inner().find(|q| q.as_rule() == Rule::casing) {
                        key.span.end = c.as_span().end();
                        key.casing.push(ident(c));
                    }
                }
                Rule::composites_close => key.span.end = p.as_span().end(),
                _ => {}
            }
        }
        key
    }

    fn literal(&mut self, pair: Pair<'_, Rule>) -> Literal {
        let span = span_of(&pair);
        let Some(inner) = pair.into_inner().next() else {
            return Literal {
                kind: LiteralKind::EmptyMap,
                span,
            };
        };
        let kind = match inner.as_rule() {
            Rule::string => LiteralKind::String(self.string(inner).value),
            Rule::integer => LiteralKind::Integer(inner.as_str().replace('_', "")),
            Rule::float => LiteralKind::Float(inner.as_str().replace('_', "")),
            Rule::boolean => LiteralKind::Bool(inner.as_str() == "true"),
            Rule::list_literal => LiteralKind::List(
                inner
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::literal)
                    .map(|p| self.literal(p))
                    .collect(),
            ),
            Rule::map_literal => LiteralKind::EmptyMap,
            Rule::call_literal => {
                let name = inner
                    .into_inner()
                    .next()
                    .map(|n| n.as_str().to_string())
                    .unwrap_or_default();
                LiteralKind::Call(name)
            }
            _ => LiteralKind::Name(inner.as_str().to_string()),
        };
        Literal { kind, span }
    }

    /// Decodes a string literal's escapes: `\"`, `\\`, `\n`, `\r`, `\t`, `\0`, `\u{..}`.
    fn string(&mut self, pair: Pair<'_, Rule>) -> StringLit {
        let span = span_of(&pair);
        let body = pair.into_inner().next();
        let (raw, body_start) = match &body {
            Some(b) => (b.as_str(), b.as_span().start()),
            None => ("", span.start),
        };
        let mut value = String::with_capacity(raw.len());
        let mut chars = raw.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                value.push(c);
                continue;
            }
            let escape_start = body_start + i;
            let decoded = match chars.next() {
                Some((_, '"')) => Some('"'),
                Some((_, '\\')) => Some('\\'),
                Some((_, 'n')) => Some('\n'),
                Some((_, 'r')) => Some('\r'),
                Some((_, 't')) => Some('\t'),
                Some((_, '0')) => Some('\0'),
                Some((_, 'u')) => {
                    let mut hex = String::new();
                    let mut closed = false;
                    if chars.peek().map(|(_, c)| *c) == Some('{') {
                        chars.next();
                        for (_, c) in chars.by_ref() {
                            if c == '}' {
                                closed = true;
                                break;
                            }
                            hex.push(c);
                        }
                    }
                    if closed && (1..=6).contains(&hex.len()) {
                        u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                    } else {
                        None
                    }
                }
                _ => None,
            };
            match decoded {
                Some(c) => value.push(c),
                None => {
                    let end = chars.peek().map_or(body_start + raw.len(), |(j, _)| body_start + j);
                    self.diagnostics.push(
                        Diagnostic::new(Code::InvalidEscape, "unknown escape sequence in string literal")
                            .primary(Span::new(escape_start, end.max(escape_start + 1)), "not a valid escape")
                            .help(r#"valid escapes are \" \\ \n \r \t \0 and \u{1F600}"#),
                    );
                }
            }
        }
        StringLit { value, span }
    }
}

/// Placeholder for a name the grammar guarantees; never seen by users.
fn missing(span: Span) -> Ident {
    Ident {
        text: String::new(),
        span,
    }
}
