//! Attribute paths and the aliasing every expression goes through.
//!
//! No attribute name or value is ever written into an expression text:
//! names become `#n0`, `#n1`… and values `:v0`, `:v1`…, so reserved words
//! (`status`, `name`, `size`) and any character in a stored name are safe.

use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;
use std::fmt::Write;

/// A path to a value inside an item: a top-level attribute, then struct
/// fields or map keys (`.city`) and list positions (`[2]`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Path {
    root: &'static str,
    rest: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Step {
    Field(String),
    Index(usize),
}

impl Path {
    /// A top-level attribute by its stored name.
    pub const fn attribute(field: &'static str) -> Self {
        Path {
            root: field,
            rest: Vec::new(),
        }
    }

    /// A struct field or map key below this path.
    pub fn field(&self, name: impl Into<String>) -> Self {
        let mut path = self.clone();
        path.rest.push(Step::Field(name.into()));
        path
    }

    /// A list element below this path.
    pub fn index(&self, position: usize) -> Self {
        let mut path = self.clone();
        path.rest.push(Step::Index(position));
        path
    }

    /// The top-level attribute this path starts at.
    pub fn root(&self) -> &'static str {
        self.root
    }

    /// Whether the path goes inside its attribute (`shipTo.city`), rather
    /// than naming the attribute itself.
    pub fn is_nested(&self) -> bool {
        !self.rest.is_empty()
    }

    /// The path one step up (`shipTo` for `shipTo.city`); `None` for an
    /// attribute.
    pub fn parent(&self) -> Option<Path> {
        let mut parent = self.clone();
        parent.rest.pop()?;
        Some(parent)
    }

    /// Whether `self` is `other` or lies inside it (`a.b` is within `a`).
    pub fn is_within(&self, other: &Path) -> bool {
        self.root == other.root
            && self.rest.len() >= other.rest.len()
            && self.rest[..other.rest.len()] == other.rest[..]
    }

    /// The value at this path in `item`, if it is stored.
    pub fn find<'i>(&self, item: &'i HashMap<String, AttributeValue>) -> Option<&'i AttributeValue> {
        let mut value = item.get(self.root)?;
        for step in &self.rest {
            value = match (step, value) {
                (Step::Field(name), AttributeValue::M(map)) => map.get(name)?,
                (Step::Index(i), AttributeValue::L(list)) => list.get(*i)?,
                _ => return None,
            };
        }
        Some(value)
    }
}

impl std::fmt::Display for Path {
    /// `shipTo.city`, `lines[2].sku`: for messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.root)?;
        for step in &self.rest {
            match step {
                Step::Field(name) => write!(f, ".{name}")?,
                Step::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

/// `ExpressionAttributeNames`: placeholder to name.
pub type Names = HashMap<String, String>;
/// `ExpressionAttributeValues`: placeholder to value.
pub type Values = HashMap<String, AttributeValue>;

/// Collects the names and values of one request's expressions (update,
/// condition, filter, key condition share one set of placeholders).
#[derive(Debug, Default)]
pub struct Aliases {
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
    /// Starts every placeholder, so that expressions aliased apart can be
    /// joined into one request (`u`: `#un0`, `:uv0`).
    prefix: &'static str,
}

impl Aliases {
    pub fn new() -> Self {
        Self::default()
    }

    /// Aliases whose placeholders start with `prefix`, apart from those of
    /// [`Aliases::new`].
    pub fn prefixed(prefix: &'static str) -> Self {
        Aliases {
            prefix,
            ..Self::default()
        }
    }

    /// The placeholder of a name (one per distinct name).
    pub fn name(&mut self, name: &str) -> String {
        // Placeholders are looked up by name; requests hold a handful of
        // names, so a scan is cheaper than a second map.
        if let Some((alias, _)) = self.names.iter().find(|(_, n)| n.as_str() == name) {
            return alias.clone();
        }
        let alias = format!("#{}n{}", self.prefix, self.names.len());
        self.names.insert(alias.clone(), name.to_owned());
        alias
    }

    /// The placeholder text of a path: `#n0.#n1[2]`.
    pub fn path(&mut self, path: &Path) -> String {
        let mut text = self.name(path.root);
        for step in &path.rest {
            match step {
                Step::Field(name) => {
                    let alias = self.name(name);
                    text.push('.');
                    text.push_str(&alias);
                }
                Step::Index(i) => {
                    let _ = write!(text, "[{i}]");
                }
            }
        }
        text
    }

    /// A fresh placeholder for a value.
    pub fn value(&mut self, value: AttributeValue) -> String {
        let alias = format!(":{}v{}", self.prefix, self.values.len());
        self.values.insert(alias.clone(), value);
        alias
    }

    /// The maps for `expression_attribute_names` / `_values`; `None` when
    /// empty (DynamoDB rejects empty maps).
    pub fn into_maps(self) -> (Option<Names>, Option<Values>) {
        let names = (!self.names.is_empty()).then_some(self.names);
        let values = (!self.values.is_empty()).then_some(self.values);
        (names, values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_aliased_once_and_values_each_time() {
        let mut aliases = Aliases::new();
        let status = Path::attribute("status");
        assert_eq!(aliases.path(&status), "#n0");
        assert_eq!(aliases.path(&status.field("size").index(3)), "#n0.#n1[3]");
        assert_eq!(aliases.name("status"), "#n0");
        assert_eq!(aliases.value(AttributeValue::Bool(true)), ":v0");
        assert_eq!(aliases.value(AttributeValue::Bool(true)), ":v1");
        let (names, values) = aliases.into_maps();
        assert_eq!(names.unwrap().len(), 2);
        assert_eq!(values.unwrap().len(), 2);
    }

    #[test]
    fn empty_aliases_give_no_maps() {
        assert_eq!(Aliases::new().into_maps(), (None, None));
    }

    #[test]
    fn paths_display_as_written() {
        let path = Path::attribute("lines").index(2).field("sku");
        assert_eq!(path.to_string(), "lines[2].sku");
        assert_eq!(path.root(), "lines");
    }
}
