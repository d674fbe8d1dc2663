//! `json` attributes (also spelled `document`): any DynamoDB value tree,
//! stored natively (`M`, `L`, `S`, `N`, `BOOL`, `NULL`, and the binary and
//! set types a tree read from the table may hold), never as a string.
//!
//! [`Document`] is the Rust type of such an attribute. It keeps numbers as
//! their exact DynamoDB text (38 significant digits), so nothing read is
//! lost on the way back; [`Document::from_json`] and [`Document::to_json`]
//! convert to and from `serde_json::Value`, refusing what the other side
//! cannot hold rather than rounding it.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::ValueError;
use crate::value::{AttributeCodec, Bytes};

/// A DynamoDB value tree: what a `json` attribute holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Document {
    /// `NULL`.
    #[default]
    Null,
    /// `BOOL`.
    Bool(bool),
    /// `N`, as its text (`"42"`, `"-1.5E+3"`): exact, up to 38 digits.
    Number(String),
    /// `S`.
    String(String),
    /// `L`.
    List(Vec<Document>),
    /// `M`.
    Map(BTreeMap<String, Document>),
    /// `B`.
    Bytes(Bytes),
    /// `SS` (never empty when stored: DynamoDB holds no empty set).
    StringSet(BTreeSet<String>),
    /// `NS`, as the numbers' texts.
    NumberSet(BTreeSet<String>),
    /// `BS`.
    BytesSet(BTreeSet<Bytes>),
}

impl Document {
    /// A number from anything that prints as one (`42`, `1.5`, a `Decimal`).
    /// It is checked when written: text that is not a DynamoDB number is
    /// refused by `validate` before any request.
    pub fn number(value: impl std::fmt::Display) -> Document {
        Document::Number(value.to_string())
    }

    /// The map's entry `key`, when this is a map that has it.
    pub fn get(&self, key: &str) -> Option<&Document> {
        match self {
            Document::Map(map) => map.get(key),
            _ => None,
        }
    }

    /// The document `value` stands for: objects become maps, arrays lists,
    /// numbers keep the digits serde_json printed.
    pub fn from_json(value: serde_json::Value) -> Document {
        match value {
            serde_json::Value::Null => Document::Null,
            serde_json::Value::Bool(b) => Document::Bool(b),
            serde_json::Value::Number(n) => Document::Number(n.to_string()),
            serde_json::Value::String(s) => Document::String(s),
            serde_json::Value::Array(items) => Document::List(items.into_iter().map(Document::from_json).collect()),
            serde_json::Value::Object(entries) => {
                Document::Map(entries.into_iter().map(|(k, v)| (k, Document::from_json(v))).collect())
            }
        }
    }

    /// The JSON value of this document. Binary values and sets have no JSON
    /// form, and a number that a JSON number (an `f64`, `i64` or `u64`)
    /// cannot hold exactly would be rounded: both are an error whose `path`
    /// says where (`.a[2].b`), never a silent change.
    pub fn to_json(&self) -> Result<serde_json::Value, ValueError> {
        let refuse = |what: String| ValueError::invalid(format!("{what} has no JSON form"));
        Ok(match self {
            Document::Null => serde_json::Value::Null,
            Document::Bool(b) => serde_json::Value::Bool(*b),
            Document::String(s) => serde_json::Value::String(s.clone()),
            Document::Number(text) => serde_json::Value::Number(
                exact_json_number(text)
                    .ok_or_else(|| refuse(format!("the number {text}, which a JSON number would round,")))?,
            ),
            Document::List(items) => serde_json::Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| item.to_json().map_err(|e| e.within(format!("[{i}]"))))
                    .collect::<Result<_, _>>()?,
            ),
            Document::Map(entries) => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), v.to_json().map_err(|e| e.within(format!(".{k}")))?)))
                    .collect::<Result<_, ValueError>>()?,
            ),
            Document::Bytes(_) => return Err(refuse("a binary value".into())),
            Document::StringSet(_) | Document::NumberSet(_) | Document::BytesSet(_) => {
                return Err(refuse("a set".into()))
            }
        })
    }

    /// The first value in the tree that DynamoDB would refuse (a number
    /// it cannot hold, an empty set), as `AttributeCodec::validate`
    /// reports it, with its path.
    fn check(&self) -> Result<(), String> {
        match self {
            Document::Number(text) => crate::value::check_number_text(text),
            Document::NumberSet(texts) if !texts.is_empty() => {
                texts.iter().try_for_each(|t| crate::value::check_number_text(t))
            }
            Document::StringSet(set) if set.is_empty() => Err(EMPTY_SET.to_owned()),
            Document::NumberSet(_) => Err(EMPTY_SET.to_owned()),
            Document::BytesSet(set) if set.is_empty() => Err(EMPTY_SET.to_owned()),
            Document::List(items) => items
                .iter()
                .enumerate()
                .try_for_each(|(i, item)| item.check().map_err(|message| format!("[{i}]: {message}"))),
            Document::Map(entries) => entries
                .iter()
                .try_for_each(|(key, value)| value.check().map_err(|message| format!(".{key}: {message}"))),
            _ => Ok(()),
        }
    }
}

const EMPTY_SET: &str = "DynamoDB cannot store an empty set (use a list, or leave the entry out)";

/// `text` as a JSON number, when one holds it exactly.
fn exact_json_number(text: &str) -> Option<serde_json::Number> {
    let number: serde_json::Number = text.parse().ok()?;
    // Without serde_json's `arbitrary_precision`, a parsed number is an
    // i64, u64 or f64: exact when it prints back to the same value.
    let printed = number.to_string();
    (crate::value::same_number(text, &printed)).then_some(number)
}

impl From<serde_json::Value> for Document {
    fn from(value: serde_json::Value) -> Document {
        Document::from_json(value)
    }
}

impl TryFrom<Document> for serde_json::Value {
    type Error = ValueError;

    fn try_from(document: Document) -> Result<serde_json::Value, ValueError> {
        document.to_json()
    }
}

impl AttributeCodec for Document {
    fn encode(&self) -> Option<AttributeValue> {
        Some(match self {
            Document::Null => AttributeValue::Null(true),
            Document::Bool(b) => AttributeValue::Bool(*b),
            Document::Number(text) => AttributeValue::N(text.clone()),
            Document::String(s) => AttributeValue::S(s.clone()),
            Document::List(items) => {
                // `validate` refuses empty sets before any write; one that
                // is encoded anyway (a condition's value) is NULL in a list
                // and left out of a map, as DynamoDB cannot hold it.
                AttributeValue::L(
                    items
                        .iter()
                        .map(|item| item.encode().unwrap_or(AttributeValue::Null(true)))
                        .collect(),
                )
            }
            Document::Map(entries) => AttributeValue::M(
                entries
                    .iter()
                    .filter_map(|(k, v)| v.encode().map(|v| (k.clone(), v)))
                    .collect(),
            ),
            Document::Bytes(bytes) => AttributeValue::B(Blob::new(bytes.0.clone())),
            Document::StringSet(set) if set.is_empty() => return None,
            Document::StringSet(set) => AttributeValue::Ss(set.iter().cloned().collect()),
            Document::NumberSet(set) if set.is_empty() => return None,
            Document::NumberSet(set) => AttributeValue::Ns(set.iter().cloned().collect()),
            Document::BytesSet(set) if set.is_empty() => return None,
            Document::BytesSet(set) => AttributeValue::Bs(set.iter().map(|b| Blob::new(b.0.clone())).collect()),
        })
    }

    fn decode(value: AttributeValue) -> Result<Document, ValueError> {
        Ok(match value {
            AttributeValue::Null(_) => Document::Null,
            AttributeValue::Bool(b) => Document::Bool(b),
            AttributeValue::N(text) => Document::Number(text),
            AttributeValue::S(s) => Document::String(s),
            AttributeValue::L(items) => {
                Document::List(items.into_iter().map(Document::decode).collect::<Result<_, _>>()?)
            }
            AttributeValue::M(entries) => Document::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| Ok((k, Document::decode(v)?)))
                    .collect::<Result<_, ValueError>>()?,
            ),
            AttributeValue::B(blob) => Document::Bytes(Bytes(blob.into_inner())),
            AttributeValue::Ss(set) => Document::StringSet(set.into_iter().collect()),
            AttributeValue::Ns(set) => Document::NumberSet(set.into_iter().collect()),
            AttributeValue::Bs(set) => Document::BytesSet(set.into_iter().map(|b| Bytes(b.into_inner())).collect()),
            other => {
                return Err(ValueError::invalid(format!(
                    "an attribute value of an unknown kind: {other:?}"
                )))
            }
        })
    }

    fn validate(&self) -> Result<(), String> {
        self.check()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trips_through_dynamodb_values() {
        let json = serde_json::json!({
            "name": "dyngen", "tags": ["a", 1, 2.5, true, null], "nested": {"deep": {"n": -12}}, "empty": {}
        });
        let document = Document::from_json(json.clone());
        let stored = document.encode().unwrap();
        let AttributeValue::M(map) = &stored else {
            panic!("{stored:?}")
        };
        assert!(matches!(map["tags"], AttributeValue::L(_)));
        assert_eq!(
            map["nested"],
            AttributeValue::M(
                [(
                    "deep".to_owned(),
                    AttributeValue::M([("n".to_owned(), AttributeValue::N("-12".into()))].into())
                )]
                .into()
            )
        );
        let back = Document::decode(stored).unwrap();
        assert_eq!(back, document);
        assert_eq!(back.to_json().unwrap(), json);
    }

    #[test]
    fn what_json_cannot_hold_is_refused_not_rounded() {
        let precise = Document::Map(
            [(
                "n".to_owned(),
                Document::Number("12345678901234567890.123456789".into()),
            )]
            .into(),
        );
        let err = precise.to_json().unwrap_err();
        assert_eq!(err.path, ".n", "{err:?}");
        let nested = Document::List(vec![
            Document::Null,
            Document::Map([("b".to_owned(), Document::Bytes(Bytes(vec![1])))].into()),
        ]);
        assert_eq!(nested.to_json().unwrap_err().path, "[1].b");
        assert!(Document::Bytes(Bytes(vec![1])).to_json().is_err());
        assert!(Document::number(u64::MAX).to_json().is_ok());
        assert!(Document::number("1E+2").to_json().is_ok());
    }

    #[test]
    fn bad_numbers_are_refused_before_writing() {
        assert!(Document::List(vec![Document::Number("1.2.3".into())])
            .validate()
            .is_err());
        assert!(Document::Number("1".repeat(39)).validate().is_err());
        assert!(Document::Number("-1.5E-3".into()).validate().is_ok());
        let empty = Document::Map([("tags".to_owned(), Document::StringSet(BTreeSet::new()))].into());
        assert_eq!(empty.validate().unwrap_err(), format!(".tags: {EMPTY_SET}"));
    }
}
