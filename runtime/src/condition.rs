//! Typed conditions: for conditional writes and query filters.
//!
//! Generated code gives every entity an attributes struct (`IssueAttributes`)
//! whose fields are [`Attr`]s; a condition is built from them in a closure:
//!
//! ```ignore
//! db.issues().update(&key).set_subject("…").condition(|a| a.status.eq(IssueStatus::Open))
//! ```
//!
//! An [`Attr<E, T>`] knows its entity `E` and value type `T`, so comparing
//! `status` with a string, or using an `Issue` condition on a `User`, does
//! not compile. Names and values are always aliased (see [`crate::expr`]).

use crate::error::Error;
use crate::expr::{Aliases, Path};
use crate::value::{AttributeCodec, EpochSeconds, SetElement};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::marker::PhantomData;

/// A condition on items of entity `E`.
pub struct Condition<E> {
    node: Node,
    entity: PhantomData<fn() -> E>,
}

impl<E> Clone for Condition<E> {
    fn clone(&self) -> Self {
        Condition::from_node(self.node.clone())
    }
}

impl<E> fmt::Debug for Condition<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.node.fmt(f)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Compare(Operand, Comparator, Operand),
    Between(Operand, Operand, Operand),
    In(Operand, Vec<Operand>),
    BeginsWith(Path, Operand),
    Contains(Path, Operand),
    Exists(Path),
    NotExists(Path),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Not(Box<Node>),
    /// A value DynamoDB cannot hold (NaN); reported when the request is built.
    Invalid {
        path: Path,
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Operand {
    Path(Path),
    Size(Path),
    Value(AttributeValue),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Comparator {
    Eq,
    Ne,
    Lt,
    Lte,
    Gt,
    Gte,
}

impl Comparator {
    fn symbol(self) -> &'static str {
        match self {
            Comparator::Eq => "=",
            Comparator::Ne => "<>",
            Comparator::Lt => "<",
            Comparator::Lte => "<=",
            Comparator::Gt => ">",
            Comparator::Gte => ">=",
        }
    }
}

impl<E> Condition<E> {
    pub(crate) fn from_node(node: Node) -> Self {
        Condition {
            node,
            entity: PhantomData,
        }
    }

    pub(crate) fn into_node(self) -> Node {
        self.node
    }

    /// Both conditions hold (also `a & b`).
    pub fn and(self, other: Condition<E>) -> Condition<E> {
        Condition::from_node(Node::And(Box::new(self.node), Box::new(other.node)))
    }

    /// Either condition holds (also `a | b`).
    pub fn or(self, other: Condition<E>) -> Condition<E> {
        Condition::from_node(Node::Or(Box::new(self.node), Box::new(other.node)))
    }

    /// The condition does not hold (also `!a`).
    #[allow(clippy::should_implement_trait)] // `Not` is implemented too
    pub fn not(self) -> Condition<E> {
        Condition::from_node(Node::Not(Box::new(self.node)))
    }

    /// The expression text with its placeholders added to `aliases`, for
    /// code that builds requests by hand; `entity` names errors.
    pub fn render(&self, entity: &'static str, aliases: &mut Aliases) -> Result<String, Error> {
        self.node.render(entity, aliases)
    }
}

impl<E> std::ops::BitAnd for Condition<E> {
    type Output = Condition<E>;
    fn bitand(self, other: Self) -> Self {
        self.and(other)
    }
}

impl<E> std::ops::BitOr for Condition<E> {
    type Output = Condition<E>;
    fn bitor(self, other: Self) -> Self {
        self.or(other)
    }
}

impl<E> std::ops::Not for Condition<E> {
    type Output = Condition<E>;
    fn not(self) -> Self {
        Condition::not(self)
    }
}

impl Node {
    /// `node`, and `previous` too when there is one: conditions added one
    /// after the other must all hold.
    pub(crate) fn all_of(previous: Option<Node>, node: Node) -> Node {
        match previous {
            Some(previous) => Node::And(Box::new(previous), Box::new(node)),
            None => node,
        }
    }

    pub(crate) fn render(&self, entity: &'static str, aliases: &mut Aliases) -> Result<String, Error> {
        let mut out = String::new();
        self.write(entity, aliases, &mut out)?;
        Ok(out)
    }

    fn write(&self, entity: &'static str, aliases: &mut Aliases, out: &mut String) -> Result<(), Error> {
        match self {
            Node::Compare(left, comparator, right) => {
                out.push_str(&left.render(aliases));
                out.push(' ');
                out.push_str(comparator.symbol());
                out.push(' ');
                out.push_str(&right.render(aliases));
            }
            Node::Between(operand, low, high) => {
                out.push_str(&operand.render(aliases));
                out.push_str(" BETWEEN ");
                out.push_str(&low.render(aliases));
                out.push_str(" AND ");
                out.push_str(&high.render(aliases));
            }
            Node::In(operand, values) => {
                out.push_str(&operand.render(aliases));
                out.push_str(" IN (");
                for (i, value) in values.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&value.render(aliases));
                }
                out.push(')');
            }
            Node::BeginsWith(path, value) => {
                let path = aliases.path(path);
                out.push_str(&format!("begins_with({path}, {})", value.render(aliases)));
            }
            Node::Contains(path, value) => {
                let path = aliases.path(path);
                out.push_str(&format!("contains({path}, {})", value.render(aliases)));
            }
            Node::Exists(path) => out.push_str(&format!("attribute_exists({})", aliases.path(path))),
            Node::NotExists(path) => out.push_str(&format!("attribute_not_exists({})", aliases.path(path))),
            Node::And(a, b) | Node::Or(a, b) => {
                out.push('(');
                a.write(entity, aliases, out)?;
                out.push_str(if matches!(self, Node::And(..)) {
                    ") AND ("
                } else {
                    ") OR ("
                });
                b.write(entity, aliases, out)?;
                out.push(')');
            }
            Node::Not(a) => {
                out.push_str("NOT (");
                a.write(entity, aliases, out)?;
                out.push(')');
            }
            Node::Invalid { path, message } => {
                return Err(Error::InvalidValue {
                    entity,
                    attribute: path.root(),
                    message: format!("condition on `{path}`: {message}"),
                })
            }
        }
        Ok(())
    }
}

impl Operand {
    fn render(&self, aliases: &mut Aliases) -> String {
        match self {
            Operand::Path(path) => aliases.path(path),
            Operand::Size(path) => format!("size({})", aliases.path(path)),
            Operand::Value(value) => aliases.value(value.clone()),
        }
    }
}

/// One attribute (or a value nested in one) of entity `E`, holding a `T`.
/// Optional attributes are `Attr`s of their inner type.
pub struct Attr<E, T> {
    path: Path,
    /// For an attribute stored only in a key attribute, as text with
    /// literal text around it (`EventID#{id}`): values are compared in
    /// that stored form.
    in_key: Option<InKey>,
    marker: PhantomData<fn() -> (E, T)>,
}

/// The literal text around an attribute's value in the key it is stored in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct InKey {
    prefix: &'static str,
    suffix: &'static str,
}

impl InKey {
    /// `value` as the key stores it: its text between the literals.
    fn stored(self, value: AttributeValue) -> AttributeValue {
        let text = match value {
            AttributeValue::S(text) | AttributeValue::N(text) => text,
            AttributeValue::Bool(b) => b.to_string(),
            other => return other,
        };
        AttributeValue::S(format!("{}{text}{}", self.prefix, self.suffix))
    }
}

impl<E, T> Clone for Attr<E, T> {
    fn clone(&self) -> Self {
        Attr {
            path: self.path.clone(),
            in_key: self.in_key,
            marker: PhantomData,
        }
    }
}

impl<E, T> fmt::Debug for Attr<E, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Attr({})", self.path)
    }
}

impl<E, T> Attr<E, T> {
    pub const fn new(path: Path) -> Self {
        Attr {
            path,
            in_key: None,
            marker: PhantomData,
        }
    }

    /// A top-level attribute by its stored name.
    pub const fn attribute(field: &'static str) -> Self {
        Attr::new(Path::attribute(field))
    }

    /// An attribute stored only in the key attribute `field`, as its text
    /// between `prefix` and `suffix` (`"EventID#{id}"`): conditions compare
    /// that stored text, so `eq("x")` means the key `EventID#x`. Ranges
    /// compare the key's text (its string order).
    pub const fn key_text(field: &'static str, prefix: &'static str, suffix: &'static str) -> Self {
        Attr {
            path: Path::attribute(field),
            in_key: Some(InKey { prefix, suffix }),
            marker: PhantomData,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The attribute is present (optional attributes, empty sets).
    pub fn exists(&self) -> Condition<E> {
        Condition::from_node(Node::Exists(self.path.clone()))
    }

    /// The attribute is absent.
    pub fn not_exists(&self) -> Condition<E> {
        Condition::from_node(Node::NotExists(self.path.clone()))
    }

    /// The attribute's size: characters of a string (in UTF-8 bytes, as
    /// DynamoDB counts), bytes of binary data, elements of a list, map or set.
    pub fn size(&self) -> Size<E> {
        Size {
            path: self.path.clone(),
            entity: PhantomData,
        }
    }
}

impl<E, T: AttributeCodec> Attr<E, T> {
    fn operand(&self, value: T) -> Result<Operand, String> {
        value.validate()?;
        // Only an empty set encodes to nothing; it is stored absent.
        let encoded = value.encode().unwrap_or(AttributeValue::Null(true));
        Ok(Operand::Value(match self.in_key {
            Some(in_key) => in_key.stored(encoded),
            None => encoded,
        }))
    }

    fn compare(&self, comparator: Comparator, value: T) -> Condition<E> {
        let node = match self.operand(value) {
            Ok(Operand::Value(AttributeValue::Null(_))) if comparator == Comparator::Eq => {
                Node::NotExists(self.path.clone())
            }
            Ok(Operand::Value(AttributeValue::Null(_))) if comparator == Comparator::Ne => {
                Node::Exists(self.path.clone())
            }
            Ok(operand) => Node::Compare(Operand::Path(self.path.clone()), comparator, operand),
            Err(message) => self.invalid(message),
        };
        Condition::from_node(node)
    }

    /// Equal to `value`.
    #[allow(clippy::should_implement_trait)] // builds a condition, compares nothing
    pub fn eq(&self, value: impl Into<T>) -> Condition<E> {
        self.compare(Comparator::Eq, value.into())
    }

    /// Not equal to `value` (also true when the attribute is absent).
    #[allow(clippy::should_implement_trait)]
    pub fn ne(&self, value: impl Into<T>) -> Condition<E> {
        self.compare(Comparator::Ne, value.into())
    }

    /// Less than `value`, in DynamoDB's order (numbers by value, strings
    /// and binary by bytes).
    pub fn lt(&self, value: impl Into<T>) -> Condition<E> {
        self.compare(Comparator::Lt, value.into())
    }

    /// Less than or equal to `value`.
    pub fn lte(&self, value: impl Into<T>) -> Condition<E> {
        self.compare(Comparator::Lte, value.into())
    }

    /// Greater than `value`.
    pub fn gt(&self, value: impl Into<T>) -> Condition<E> {
        self.compare(Comparator::Gt, value.into())
    }

    /// Greater than or equal to `value`.
    pub fn gte(&self, value: impl Into<T>) -> Condition<E> {
        self.compare(Comparator::Gte, value.into())
    }

    /// Between `low` and `high`, both included.
    pub fn between(&self, low: impl Into<T>, high: impl Into<T>) -> Condition<E> {
        let node = match (self.operand(low.into()), self.operand(high.into())) {
            (Ok(low), Ok(high)) => Node::Between(Operand::Path(self.path.clone()), low, high),
            (Err(message), _) | (_, Err(message)) => self.invalid(message),
        };
        Condition::from_node(node)
    }

    /// Equal to one of `values` (DynamoDB allows at most 100). An empty
    /// list matches nothing.
    pub fn is_in<V: Into<T>>(&self, values: impl IntoIterator<Item = V>) -> Condition<E> {
        let mut operands = Vec::new();
        for value in values {
            match self.operand(value.into()) {
                Ok(operand) => operands.push(operand),
                Err(message) => return Condition::from_node(self.invalid(message)),
            }
        }
        if operands.is_empty() {
            // `IN ()` is a syntax error; "in nothing" is false for every item.
            let path = self.path.clone();
            return Condition::from_node(Node::And(
                Box::new(Node::Exists(path.clone())),
                Box::new(Node::NotExists(path)),
            ));
        }
        Condition::from_node(Node::In(Operand::Path(self.path.clone()), operands))
    }

    /// Equal to another attribute of the same item.
    pub fn eq_attr(&self, other: &Attr<E, T>) -> Condition<E> {
        Condition::from_node(Node::Compare(
            Operand::Path(self.path.clone()),
            Comparator::Eq,
            Operand::Path(other.path.clone()),
        ))
    }
}

impl<E> Attr<E, String> {
    /// Starts with `prefix`.
    pub fn begins_with(&self, prefix: &str) -> Condition<E> {
        let stored = match self.in_key {
            Some(in_key) => format!("{}{prefix}", in_key.prefix),
            None => prefix.to_owned(),
        };
        Condition::from_node(Node::BeginsWith(
            self.path.clone(),
            Operand::Value(AttributeValue::S(stored)),
        ))
    }

    /// Contains `part` as a substring.
    pub fn contains(&self, part: &str) -> Condition<E> {
        Condition::from_node(Node::Contains(
            self.path.clone(),
            Operand::Value(AttributeValue::S(part.to_owned())),
        ))
    }
}

impl<E, T: AttributeCodec> Attr<E, Vec<T>> {
    /// The list has an element equal to `element`.
    pub fn contains(&self, element: impl Into<T>) -> Condition<E> {
        let node = match self.element(element.into()) {
            Ok(value) => Node::Contains(self.path.clone(), value),
            Err(message) => self.invalid(message),
        };
        Condition::from_node(node)
    }

    /// The element at `position`.
    pub fn at(&self, position: usize) -> Attr<E, T> {
        Attr::new(self.path.index(position))
    }
}

impl<E, T: SetElement + AttributeCodec> Attr<E, BTreeSet<T>> {
    /// The set has `element`.
    pub fn contains(&self, element: impl Into<T>) -> Condition<E> {
        let node = match self.element(element.into()) {
            Ok(value) => Node::Contains(self.path.clone(), value),
            Err(message) => self.invalid(message),
        };
        Condition::from_node(node)
    }
}

impl<E, C> Attr<E, C> {
    fn invalid(&self, message: String) -> Node {
        Node::Invalid {
            path: self.path.clone(),
            message,
        }
    }

    fn element<T: AttributeCodec>(&self, element: T) -> Result<Operand, String> {
        element.validate()?;
        Ok(Operand::Value(element.encode().unwrap_or(AttributeValue::Null(true))))
    }
}

impl<E, V> Attr<E, BTreeMap<String, V>> {
    /// The value under `key`.
    pub fn key(&self, key: impl Into<String>) -> Attr<E, V> {
        Attr::new(self.path.field(key))
    }
}

impl<E> Attr<E, crate::document::Document> {
    /// The entry `key` of a `json` document that is a map.
    pub fn key(&self, key: impl Into<String>) -> Attr<E, crate::document::Document> {
        Attr::new(self.path.field(key))
    }

    /// The element at `position` of a `json` document that is a list.
    pub fn at(&self, position: usize) -> Attr<E, crate::document::Document> {
        Attr::new(self.path.index(position))
    }
}

/// A struct type: its fields can be reached inside an attribute.
pub trait Nested {
    /// The struct's fields as [`Attr`]s of entity `E`.
    type Fields<E>;

    /// The fields below `base`.
    fn fields<E>(base: &Path) -> Self::Fields<E>;
}

impl<E, T: Nested> Attr<E, T> {
    /// The struct's fields, for conditions on them (`a.ship_to.fields().city.eq("Oslo")`).
    pub fn fields(&self) -> T::Fields<E> {
        T::fields(&self.path)
    }
}

/// The size of an attribute, compared with numbers.
pub struct Size<E> {
    path: Path,
    entity: PhantomData<fn() -> E>,
}

impl<E> Size<E> {
    fn compare(&self, comparator: Comparator, n: u64) -> Condition<E> {
        Condition::from_node(Node::Compare(
            Operand::Size(self.path.clone()),
            comparator,
            Operand::Value(AttributeValue::N(n.to_string())),
        ))
    }

    #[allow(clippy::should_implement_trait)]
    pub fn eq(&self, n: u64) -> Condition<E> {
        self.compare(Comparator::Eq, n)
    }

    #[allow(clippy::should_implement_trait)]
    pub fn ne(&self, n: u64) -> Condition<E> {
        self.compare(Comparator::Ne, n)
    }

    pub fn lt(&self, n: u64) -> Condition<E> {
        self.compare(Comparator::Lt, n)
    }

    pub fn lte(&self, n: u64) -> Condition<E> {
        self.compare(Comparator::Lte, n)
    }

    pub fn gt(&self, n: u64) -> Condition<E> {
        self.compare(Comparator::Gt, n)
    }

    pub fn gte(&self, n: u64) -> Condition<E> {
        self.compare(Comparator::Gte, n)
    }

    pub fn between(&self, low: u64, high: u64) -> Condition<E> {
        Condition::from_node(Node::Between(
            Operand::Size(self.path.clone()),
            Operand::Value(AttributeValue::N(low.to_string())),
            Operand::Value(AttributeValue::N(high.to_string())),
        ))
    }
}

impl From<DateTime<Utc>> for EpochSeconds {
    fn from(time: DateTime<Utc>) -> Self {
        EpochSeconds(time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Item;

    fn render(condition: Condition<Item>) -> (String, Aliases) {
        let mut aliases = Aliases::new();
        let text = condition.render("Item", &mut aliases).unwrap();
        (text, aliases)
    }

    #[test]
    fn reserved_words_are_aliased() {
        let status: Attr<Item, String> = Attr::attribute("status");
        let size: Attr<Item, i64> = Attr::attribute("size");
        let (text, aliases) = render(status.eq("open") & size.gt(3) | !status.exists());
        assert_eq!(text, "((#n0 = :v0) AND (#n1 > :v1)) OR (NOT (attribute_exists(#n0)))");
        let (names, values) = aliases.into_maps();
        assert_eq!(names.unwrap()["#n1"], "size");
        assert_eq!(values.unwrap()[":v0"], AttributeValue::S("open".into()));
    }

    #[test]
    fn functions_and_nested_paths() {
        let tags: Attr<Item, Vec<String>> = Attr::attribute("tags");
        let meta: Attr<Item, BTreeMap<String, String>> = Attr::attribute("meta");
        let (text, _) = render(
            tags.at(2).begins_with("a")
                & meta.key("k").contains("x")
                & tags.size().between(1, 5)
                & tags.contains("y")
                & tags.at(0).is_in(["a", "b"]),
        );
        assert_eq!(
            text,
            "((((begins_with(#n0[2], :v0)) AND (contains(#n1.#n2, :v1))) AND (size(#n0) BETWEEN :v2 AND :v3)) \
             AND (contains(#n0, :v4))) AND (#n0[0] IN (:v5, :v6))"
        );
    }

    #[test]
    fn nan_is_an_error_naming_the_attribute() {
        let score: Attr<Item, f64> = Attr::attribute("score");
        let err = score.gt(f64::NAN).render("Item", &mut Aliases::new()).unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidValue {
                    entity: "Item",
                    attribute: "score",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn empty_in_matches_nothing_and_empty_set_equality_means_absent() {
        let n: Attr<Item, i64> = Attr::attribute("n");
        let (text, _) = render(n.is_in(Vec::<i64>::new()));
        assert_eq!(text, "(attribute_exists(#n0)) AND (attribute_not_exists(#n0))");
        let set: Attr<Item, BTreeSet<String>> = Attr::attribute("s");
        assert_eq!(render(set.eq(BTreeSet::new())).0, "attribute_not_exists(#n0)");
    }
}
