//! The syntax tree: what the user wrote, with a span on everything a
//! diagnostic may point at. Nothing here is resolved; see `lower` for that.

use crate::span::Span;

/// A name as written, with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, Default)]
pub struct File {
    pub items: Vec<Item>,
}

#[derive(Debug, Clone)]
pub enum Item {
    Service(Service),
    Table(Table),
    Enum(Enum),
    Struct(Struct),
    Entity(Entity),
}

#[derive(Debug, Clone)]
pub struct Service {
    pub docs: Vec<String>,
    pub name: Ident,
    /// The whole declaration.
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub docs: Vec<String>,
    pub name: Ident,
    pub settings: Vec<TableSetting>,
    pub indexes: Vec<TableIndex>,
    pub span: Span,
}

/// `pk: pk`, `sk: v N`, `ttl: expiresAt`, `entity_tag: _et`.
#[derive(Debug, Clone)]
pub struct TableSetting {
    pub key: Ident,
    pub value: Ident,
    /// Whether the value was written as a string literal (`"none"` names an
    /// attribute, `none` says there is none).
    pub quoted: bool,
    /// `S`, `N` or `B` after a key attribute.
    pub key_type: Option<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableIndexKind {
    Global,
    Local,
}

#[derive(Debug, Clone)]
pub struct TableIndex {
    pub docs: Vec<String>,
    pub kind: TableIndexKind,
    pub name: Ident,
    /// `pk: gsi1pk`, `sk: gsi1sk` in the order written.
    pub keys: Vec<TableSetting>,
    /// `name: "gsi1pk-gsi1sk-index"`, each as written.
    pub physical_names: Vec<StringLit>,
    pub projections: Vec<Projection>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum ProjectionKind {
    All,
    KeysOnly,
    Include(Vec<Ident>),
}

#[derive(Debug, Clone)]
pub struct Projection {
    pub kind: ProjectionKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Enum {
    pub docs: Vec<String>,
    pub name: Ident,
    pub variants: Vec<Variant>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Variant {
    pub docs: Vec<String>,
    pub name: Ident,
    /// `Open = "open"`: the stored string, when it differs from the name.
    pub value: Option<StringLit>,
}

#[derive(Debug, Clone)]
pub struct StringLit {
    pub value: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Struct {
    pub docs: Vec<String>,
    pub name: Ident,
    pub fields: Vec<Attribute>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Entity {
    pub docs: Vec<String>,
    pub name: Ident,
    pub attributes: Vec<Attribute>,
    pub keys: Vec<EntityIndex>,
    pub markers: Vec<Marker>,
    /// `model_name: ".."`, `model_version: ".."`, as written.
    pub model: Vec<ModelSetting>,
    /// `projection Summary [..]`: each has a name.
    pub projections: Vec<AttributeList>,
    /// `unique [..]`: none has a name.
    pub uniques: Vec<AttributeList>,
    pub span: Span,
}

/// A list of the entity's attributes: a named projection
/// (`projection Summary [username, fullName]`) or a unique set
/// (`unique [org, slug]`, no name).
#[derive(Debug, Clone)]
pub struct AttributeList {
    pub docs: Vec<String>,
    /// `projection` or `unique`.
    pub keyword_span: Span,
    pub name: Option<Ident>,
    pub attributes: Vec<Ident>,
    pub span: Span,
}

/// `model_name: "task"` or `model_version: "2"` (ElectroDB's model).
#[derive(Debug, Clone)]
pub struct ModelSetting {
    pub key: Ident,
    pub value: StringLit,
    pub span: Span,
}

/// `timestamps` or `version` on a line of its own.
#[derive(Debug, Clone)]
pub struct Marker {
    /// Become the docs of the attributes the marker adds.
    pub docs: Vec<String>,
    pub name: Ident,
    /// `timestamps @format("..")`.
    pub format: Option<StringLit>,
}

#[derive(Debug, Clone)]
pub struct Attribute {
    pub docs: Vec<String>,
    pub name: Ident,
    pub ty: TypeExpr,
    pub suffixes: Vec<AttrSuffix>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum AttrSuffixKind {
    Default(Literal),
    Readonly,
    Version,
    Ttl,
    /// `unique`: no two items of the entity hold the same value.
    Unique,
    Field(StringLit),
    /// `@format("rfc3339_millis")`: how a timestamp is stored.
    Format(StringLit),
}

#[derive(Debug, Clone)]
pub struct AttrSuffix {
    pub kind: AttrSuffixKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct TypeExpr {
    pub name: Ident,
    pub args: Vec<TypeExpr>,
    /// Span of the `?`, when present.
    pub optional: Option<Span>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum LiteralKind {
    String(String),
    /// Kept as written (underscores removed) so range checks happen in one place.
    Integer(String),
    Float(String),
    Bool(bool),
    List(Vec<Literal>),
    EmptyMap,
    /// A bare name: an enum variant.
    Name(String),
    /// A call without arguments, `uuid()`: a generated default (the name).
    Call(String),
}

#[derive(Debug, Clone)]
pub struct Literal {
    pub kind: LiteralKind,
    pub span: Span,
}

/// `primary { .. }` or `index owned on gsi1 collection owned { .. }`.
#[derive(Debug, Clone)]
pub struct EntityIndex {
    pub docs: Vec<String>,
    /// `None` for `primary`.
    pub name: Option<Ident>,
    /// `None` for `primary`.
    pub table_index: Option<Ident>,
    pub collection: Option<Ident>,
    /// `fetch`, where written.
    pub fetch: Option<Span>,
    pub keys: Vec<KeyDef>,
    /// The `primary` / `index` keyword.
    pub keyword_span: Span,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRole {
    Pk,
    Sk,
}

/// One composite of a key list: `repoName`, or `month(created)`.
#[derive(Debug, Clone)]
pub struct CompositeRef {
    pub attribute: Ident,
    /// The function of a derived part (`month`).
    pub derive: Option<Ident>,
    /// The count of a `shard(attr, count)`, as written.
    pub count: Option<Ident>,
    pub span: Span,
}

impl CompositeRef {
    /// As a schema writes it: `repoName`, `month(created)`, `shard(id, 16)`.
    pub fn written(&self) -> String {
        match (&self.derive, &self.count) {
            (Some(f), Some(n)) => format!("{}({}, {})", f.text, self.attribute.text, n.text),
            (Some(f), None) => format!("{}({})", f.text, self.attribute.text),
            (None, _) => self.attribute.text.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct KeyDef {
    pub role: KeyRole,
    pub role_span: Span,
    /// The list form: `[repoOwner, repoName]`.
    pub composites: Vec<CompositeRef>,
    /// The template form: `"USER#{userId}"`.
    pub template: Option<StringLit>,
    pub casing: Vec<Ident>,
    pub span: Span,
}
