//! The pure core: a resolved schema in, Rust source out. No I/O here; the
//! CLI and the build-script API write files at the edge.

use crate::view::{self, CollectionView, DraftView, EntityView, EnumView, StructView, TableView, UpdateView};
// The variants the templates match on.
use crate::view::{KeyStep, ProjectionView, SortLayoutView};
use askama::Template;
use dyngen_dsl::ir::Schema;

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// File name, e.g. `vcs.rs`.
    pub name: String,
    pub contents: String,
}

/// Generation failed: a bug in dyngen's templates, never in the schema
/// (schema errors are diagnostics, reported before generation).
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("template `{template}` failed to render: {message}")]
    Render { template: &'static str, message: String },
    /// The text is kept so the CLI can save it for a bug report.
    #[error("template `{template}` produced invalid Rust: {message}")]
    InvalidRust {
        template: &'static str,
        message: String,
        text: String,
    },
}

#[derive(Template)]
#[template(path = "table.askama", escape = "none")]
struct TableTemplate<'a> {
    table: &'a TableView,
    entities: &'a [EntityView],
    collections: &'a [CollectionView],
    first_client_method: &'a str,
    /// An entity client's or a collection's method is named like a std
    /// trait's: the impl allows clippy's `should_implement_trait`.
    table_shadows_std_method: bool,
}

#[derive(Template)]
#[template(path = "enum.askama", escape = "none")]
struct EnumTemplate<'a> {
    enumeration: &'a EnumView,
}

#[derive(Template)]
#[template(path = "struct.askama", escape = "none")]
struct StructTemplate<'a> {
    structure: &'a StructView,
}

#[derive(Template)]
#[template(path = "entity.askama", escape = "none")]
struct EntityTemplate<'a> {
    entity: &'a EntityView,
    update: &'a UpdateView,
}

#[derive(Template)]
#[template(path = "projection.askama", escape = "none")]
struct ProjectionTemplate<'a> {
    projection: &'a view::ProjectionTypeView,
}

#[derive(Template)]
#[template(path = "draft.askama", escape = "none")]
struct DraftTemplate<'a> {
    draft: &'a DraftView,
}

#[derive(Template)]
#[template(path = "update.askama", escape = "none")]
struct UpdateTemplate<'a> {
    entity: &'a EntityView,
    update: &'a UpdateView,
}

#[derive(Template)]
#[template(path = "collection.askama", escape = "none")]
struct CollectionTemplate<'a> {
    collection: &'a CollectionView,
}

/// Renders one template and checks that it is valid Rust on its own, so a
/// template bug is pinned to its template.
fn render(template: &'static str, t: &impl Template) -> Result<syn::File, GenerateError> {
    let text = t.render().map_err(|e| GenerateError::Render {
        template,
        message: e.to_string(),
    })?;
    syn::parse_file(&text).map_err(|e| {
        let start = e.span().start();
        GenerateError::InvalidRust {
            template,
            message: format!("{e} (line {}, column {})", start.line, start.column + 1),
            text,
        }
    })
}

/// Generates the module for `schema`, read from a file named `source_name`
/// (only the name goes into the header, never a path, so output is the same
/// on every machine).
pub fn generate(schema: &Schema, source_name: &str) -> Result<GeneratedFile, GenerateError> {
    let entities: Vec<EntityView> = schema.entities.iter().map(|e| view::entity_view(schema, e)).collect();
    let collections: Vec<CollectionView> = schema
        .collections
        .iter()
        .filter_map(|c| view::collection_view(schema, c))
        .collect();
    let table = view::table_view(schema);

    // Each template's output is checked, parsed and printed as it is made,
    // so only one template's syntax tree is alive at a time.
    let mut body = String::new();
    let first_client_method = entities.first().map_or("table", |e| e.client_method.as_str());
    print_into(
        &mut body,
        render(
            "table.askama",
            &TableTemplate {
                table: &table,
                entities: &entities,
                collections: &collections,
                first_client_method,
                table_shadows_std_method: entities
                    .iter()
                    .map(|e| &e.client_method)
                    .chain(collections.iter().map(|c| &c.method))
                    .any(|method| dyngen_dsl::names::looks_like_std_trait_method(method)),
            },
        )?,
    );
    for enumeration in &schema.enums {
        let enumeration = &view::enum_view(enumeration);
        print_into(&mut body, render("enum.askama", &EnumTemplate { enumeration })?);
    }
    for structure in &schema.structs {
        let structure = &view::struct_view(schema, structure);
        print_into(&mut body, render("struct.askama", &StructTemplate { structure })?);
    }
    for (entity, ir_entity) in entities.iter().zip(&schema.entities) {
        let update = &view::update_view(schema, ir_entity);
        print_into(&mut body, render("entity.askama", &EntityTemplate { entity, update })?);
        if let Some(draft) = &view::draft_view(schema, ir_entity) {
            print_into(&mut body, render("draft.askama", &DraftTemplate { draft })?);
        }
        print_into(&mut body, render("update.askama", &UpdateTemplate { entity, update })?);
        let index_projections = ir_entity
            .indexes
            .iter()
            .filter_map(|index| view::index_projection_view(schema, ir_entity, index));
        for projection in &view::named_projection_views(schema, ir_entity)
            .into_iter()
            .chain(index_projections)
            .collect::<Vec<_>>()
        {
            print_into(
                &mut body,
                render("projection.askama", &ProjectionTemplate { projection })?,
            );
        }
    }
    for collection in &collections {
        print_into(
            &mut body,
            render("collection.askama", &CollectionTemplate { collection })?,
        );
    }

    let stem = source_name.rsplit(['/', '\\']).next().unwrap_or(source_name);
    let module = stem.strip_suffix(".dyn").unwrap_or(stem);
    let header = format!(
        "// @generated by dyngen {} from {stem} — DO NOT EDIT.\n\
         // Regenerate with `dyngen build {stem} -o {module}.rs`, or from build.rs with `dyngen::compile(\"{stem}\")`.\n\n",
        env!("CARGO_PKG_VERSION"),
    );
    Ok(GeneratedFile {
        name: format!("{module}.rs"),
        contents: format!("{header}{body}"),
    })
}

/// Prints the items of `file` onto `out` for a reader: each formatted by
/// prettyplease, with a blank line between items and between the members of
/// an impl, and the runtime's item macros, whose arguments prettyplease
/// cannot lay out well, written out by [`print_runtime_macro`].
fn print_into(out: &mut String, file: syn::File) {
    for item in file.items {
        if !out.is_empty() {
            out.push('\n');
        }
        match print_runtime_macro(&item) {
            Some(text) => out.push_str(&text),
            None => {
                let file = syn::File {
                    shebang: None,
                    attrs: Vec::new(),
                    items: vec![item],
                };
                out.push_str(&fill_literal_lists(&space_members(&prettyplease::unparse(&file))));
            }
        }
    }
}

/// The runtime macros generated code calls as items, with arguments that
/// are a list (see [`print_runtime_macro`]).
const LIST_MACROS: [&str; 3] = ["query_stage", "projection_query_stage", "collection_impls"];

/// The arguments of a [`LIST_MACROS`] call: doc attributes, then the rest.
struct MacroArgs {
    docs: Vec<String>,
    rest: proc_macro2::TokenStream,
}

impl syn::parse::Parse for MacroArgs {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Self> {
        let mut docs = Vec::new();
        for attr in input.call(syn::Attribute::parse_outer)? {
            let syn::Meta::NameValue(doc) = &attr.meta else {
                return Err(input.error("only doc attributes"));
            };
            match &doc.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(line),
                    ..
                }) if doc.path.is_ident("doc") => docs.push(line.value()),
                _ => return Err(input.error("only doc attributes")),
            }
        }
        Ok(Self {
            docs,
            rest: input.parse()?,
        })
    }
}

/// `::dyngen_runtime::query_stage!(..);` (or another of [`LIST_MACROS`])
/// with its docs as `///` lines and its arguments written compactly
/// (`plain(&str)`, not prettyplease's `plain(& str)`), filled into lines of
/// at most 100 columns that end at commas; `None` for any other item.
fn print_runtime_macro(item: &syn::Item) -> Option<String> {
    let syn::Item::Macro(m) = item else {
        return None;
    };
    let name = m.mac.path.segments.last()?.ident.to_string();
    if !LIST_MACROS.contains(&name.as_str()) {
        return None;
    }
    let args: MacroArgs = m.mac.parse_body().ok()?;
    let mut list: Vec<String> = vec![String::new()];
    for token in args.rest {
        match &token {
            proc_macro2::TokenTree::Punct(p) if p.as_char() == ',' => list.push(String::new()),
            _ => {
                if let Some(arg) = list.last_mut() {
                    write_compact(arg, token);
                }
            }
        }
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for arg in list.iter().filter(|a| !a.is_empty()) {
        if !line.is_empty() && 4 + line.len() + 2 + arg.len() > 100 {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(arg);
        line.push(',');
    }
    lines.push(line);
    let mut text = format!("{}::{name}!(\n", view::RT);
    for doc in &args.docs {
        text.push_str(&format!("    ///{doc}\n"));
    }
    for line in &lines {
        text.push_str("    ");
        text.push_str(line);
        text.push('\n');
    }
    // No comma after the last argument.
    text.truncate(text.trim_end_matches(['\n', ',']).len());
    text.push_str("\n);\n");
    Some(text)
}

/// Appends `token` to `out` as Rust is usually written: no spaces, except
/// between two words (`impl Into`) and after commas.
fn write_compact(out: &mut String, token: proc_macro2::TokenTree) {
    use proc_macro2::TokenTree;
    let is_word = |t: &TokenTree| matches!(t, TokenTree::Ident(_) | TokenTree::Literal(_));
    match token {
        TokenTree::Group(group) => {
            let (open, close) = match group.delimiter() {
                proc_macro2::Delimiter::Parenthesis => ("(", ")"),
                proc_macro2::Delimiter::Bracket => ("[", "]"),
                proc_macro2::Delimiter::Brace => ("{", "}"),
                proc_macro2::Delimiter::None => ("", ""),
            };
            out.push_str(open);
            for inner in group.stream() {
                if matches!(&inner, TokenTree::Punct(p) if p.as_char() == ',') {
                    out.push_str(", ");
                } else {
                    write_compact(out, inner);
                }
            }
            out.push_str(close);
        }
        // `A => b`: spaced, as Rust is written.
        TokenTree::Punct(p) if p.as_char() == '=' && p.spacing() == proc_macro2::Spacing::Joint => out.push_str(" ="),
        TokenTree::Punct(p) if p.as_char() == '>' && out.ends_with(" =") => out.push_str("> "),
        token => {
            let word = is_word(&token);
            let after_word = out.ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '"');
            if word && after_word {
                out.push(' ');
            }
            out.push_str(&token.to_string());
        }
    }
}

/// The column prettyplease fills lines to.
const MARGIN: usize = 89;

/// Fills lists of string literals that prettyplease writes one per line
/// (`const STORED: &[&str] = &[\n "a",\n "b",\n];`) into lines of at
/// most [`MARGIN`] columns, as rustfmt does for short elements.
fn fill_literal_lists(text: &str) -> String {
    let is_literal_element = |line: &str| {
        let element = line.trim_start();
        element.len() >= 3
            && element.starts_with('"')
            && element.ends_with("\",")
            && !element[1..element.len() - 2]
                .replace("\\\\", "")
                .replace("\\\"", "")
                .contains('"')
    };
    let mut out = String::with_capacity(text.len());
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        out.push_str(line);
        out.push('\n');
        i += 1;
        if !line.ends_with('[') {
            continue;
        }
        let start = i;
        while i < lines.len() && is_literal_element(lines[i]) {
            i += 1;
        }
        let elements = &lines[start..i];
        let Some(first) = elements.first() else {
            continue;
        };
        let indent = &first[..first.len() - first.trim_start().len()];
        let mut filled = String::new();
        for element in elements {
            let element = element.trim_start();
            if !filled.is_empty() && filled.len() + 1 + element.len() > MARGIN {
                out.push_str(&filled);
                out.push('\n');
                filled.clear();
            }
            if filled.is_empty() {
                filled.push_str(indent);
            } else {
                filled.push(' ');
            }
            filled.push_str(element);
        }
        out.push_str(&filled);
        out.push('\n');
    }
    out
}

/// Puts a blank line between the members of an impl block (the lines at
/// one level of indentation that start a member after one that ends one).
fn space_members(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut previous: Option<&str> = None;
    for line in text.lines() {
        // A member ends with `}` or `;` at member indentation, or with the
        // `;` of a method chain continued below it (`const X: T = A\n        .b();`).
        let ends_member = previous.is_some_and(|p| {
            let member_line = p.starts_with("    ") && !p[4..].starts_with(' ');
            let chain_end = p.starts_with("        .") && p.ends_with(';');
            (member_line && (p == "    }" || p.ends_with(';'))) || chain_end
        });
        let starts_member = line.starts_with("    ")
            && ["///", "#[", "pub ", "fn ", "const ", "type ", "async "]
                .iter()
                .any(|start| line[4..].starts_with(start));
        if ends_member && starts_member {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
        previous = Some(line);
    }
    out
}
