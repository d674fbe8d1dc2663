//! A crate that generates its dyngen module in `build.rs`:
//!
//! ```text
//! // build.rs
//! fn main() {
//!     dyngen::compile("schema/todo.dyn").unwrap();
//! }
//! ```
//!
//! and includes it from `$OUT_DIR` with
//! [`dyngen_runtime::include_generated!`]. Nothing is checked in but the
//! schema.
#![deny(missing_docs)]

/// The access layer generated from `schema/todo.dyn`.
pub mod todo {
    dyngen_runtime::include_generated!("todo");
}

#[cfg(test)]
mod tests {
    use super::todo::{List, Progress, Task};
    use dyngen_runtime::aws_sdk_dynamodb::types::AttributeValue;
    use dyngen_runtime::chrono::{TimeZone, Utc};
    use dyngen_runtime::Entity;

    #[test]
    fn a_task_round_trips_through_an_item() {
        let task = Task {
            list_id: "groceries".into(),
            task_id: "t1".into(),
            title: "Buy milk".into(),
            progress: Progress::Doing,
            due: Some(Utc.with_ymd_and_hms(2030, 1, 2, 3, 4, 5).unwrap()),
            created_at: Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(),
            updated_at: Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(),
        };
        let item = task.to_item().unwrap();
        assert_eq!(item.get("_et"), Some(&AttributeValue::S("Task".into())));
        assert_eq!(item.get("progress"), Some(&AttributeValue::S("doing".into())));
        assert!(item.contains_key("pk") && item.contains_key("sk"));
        assert_eq!(Task::from_item(item).unwrap(), task);
    }

    #[test]
    fn an_empty_set_round_trips() {
        let list = List {
            list_id: "groceries".into(),
            title: "Groceries".into(),
            shared_with: Default::default(),
            created_at: Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(),
            updated_at: Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(),
        };
        let item = list.to_item().unwrap();
        // DynamoDB cannot store an empty set: the attribute is left out.
        assert!(!item.contains_key("sharedWith"));
        assert_eq!(List::from_item(item).unwrap(), list);
    }
}
