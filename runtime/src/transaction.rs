//! Transactions: writes of several items (any entities) that all happen or
//! none does, and reads of several items at one point in time.
//!
//! The actions are the same typed builders as single writes (`put`,
//! `create`, `upsert`, an entity's update builder with its key
//! recomposition, `delete`), plus condition checks. Limits DynamoDB would
//! refuse (more than 100 actions, two actions on one item) are errors
//! before anything is sent. A canceled transaction is
//! [`Error::TransactionCanceled`], read from DynamoDB's cancellation
//! reasons: per action, why.
//!
//! ```ignore
//! db.transact_write()
//!     .put(db.issues().create(&issue))
//!     .put(db.pull_requests().create(&pull_request))
//!     .check(&repository_key, |a| a.is_private.eq(false))
//!     .send()
//!     .await?;
//! ```

use crate::condition::Condition;
use crate::entity::{Entity, PrimaryKey};
pub use crate::error::{CancelReason, CanceledAction};
use crate::error::{Error, Operation};
use crate::sdk::sdk_error;
use crate::slots::{GetResult, GetSlots, Ticket};
use crate::table::Table;
use crate::write::unique::{self, GuardAction};
use crate::write::{transact_item, Delete, Prepared, Put, Update};
use aws_sdk_dynamodb::operation::transact_get_items::TransactGetItemsError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{CancellationReason, Get, TransactGetItem};
use chrono::Utc;
use std::borrow::Cow;
use std::fmt;

/// DynamoDB's limit of actions per transaction.
pub const TRANSACTION_MAX: usize = 100;

impl Table {
    /// A write transaction across entities.
    pub fn transact_write(&self) -> TransactWrite<'_> {
        TransactWrite::new(self)
    }

    /// A read of several items at one point in time.
    pub fn transact_get(&self) -> TransactGet<'_> {
        TransactGet::new(self)
    }
}

/// A write transaction; add actions, then send it.
#[must_use = "a transaction does nothing until it is sent"]
pub struct TransactWrite<'t> {
    table: &'t Table,
    /// Prepared when added: timestamps and versions are fixed then, so
    /// sending the transaction again sends the same requests.
    actions: Vec<Prepared>,
    /// The first action that could not be prepared (its position and why).
    error: Option<Error>,
    /// Actions added, the unprepared one included.
    count: usize,
    token: Option<String>,
}

impl<'t> TransactWrite<'t> {
    pub(crate) fn new(table: &'t Table) -> Self {
        TransactWrite {
            table,
            actions: Vec::new(),
            error: None,
            count: 0,
            token: None,
        }
    }

    /// A `put`, `create` or `upsert` (with their conditions and version
    /// checks): `.put(db.issues().create(&issue))`.
    pub fn put<E: Entity>(self, put: Put<'_, E>) -> Self {
        let action = put.prepare(Utc::now()).map(|(prepared, _)| prepared);
        self.add(action)
    }

    fn add(mut self, action: Result<Prepared, Error>) -> Self {
        self.count += 1;
        match action {
            Ok(action) => self.actions.push(action),
            Err(error) => {
                self.error.get_or_insert(error);
            }
        }
        self
    }

    /// An update, built with the entity's update builder (whose setters
    /// recompose the index keys): `.update(db.issues().update(&key).set_status(Closed))`.
    pub fn update<E: Entity>(self, update: impl Into<Update<'t, E>>) -> Self {
        let action = update.into().prepare();
        self.add(action)
    }

    /// A `delete` or `delete_existing` (with its conditions).
    pub fn delete<E: Entity>(self, delete: Delete<'_, E>) -> Self {
        let action = delete.prepare();
        self.add(action)
    }

    /// A condition on an item the transaction does not write: the whole
    /// transaction is canceled unless it holds.
    pub fn check<K: PrimaryKey>(
        self,
        key: &K,
        build: impl FnOnce(&<K::Entity as Entity>::Attributes) -> Condition<K::Entity>,
    ) -> Self {
        let condition = build(&K::Entity::attributes());
        let action = key
            .to_key()
            .and_then(|key| Prepared::check::<K::Entity>(self.table, key, condition));
        self.add(action)
    }

    /// Makes the transaction idempotent: sent again with the same token
    /// within 10 minutes (`send` takes `&self`, so the very same requests
    /// go out again, timestamps included), it is not carried out twice.
    pub fn idempotency_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// How many actions the transaction holds.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Sends the transaction: every action happens, or none does. It can be
    /// sent again (after a timeout, say) as it is; with an idempotency token
    /// DynamoDB carries it out once.
    pub async fn send(&self) -> Result<(), Error> {
        let TransactWrite {
            table,
            actions,
            error,
            count,
            token,
        } = self;
        if *count > TRANSACTION_MAX {
            return Err(Error::TransactionTooLarge {
                actions: *count,
                max: TRANSACTION_MAX,
            });
        }
        if let Some(error) = error {
            return Err(crate::error::duplicate(error));
        }
        if actions.is_empty() {
            return Ok(());
        }
        // Writes of entities with unique sets take their guard items along
        // (after reading what they replace); they follow the actions, each
        // knowing the action it belongs to.
        let mut sent: Vec<Cow<'_, Prepared>> = Vec::with_capacity(actions.len());
        let mut guards: Vec<(usize, GuardAction)> = Vec::new();
        for (position, action) in actions.iter().enumerate() {
            if action.unique.is_none() {
                sent.push(Cow::Borrowed(action));
                continue;
            }
            let stored = unique::read_stored(table, action).await?;
            let planned = unique::plan(table, action, stored.as_ref())?;
            sent.push(Cow::Owned(planned.main));
            guards.extend(planned.guards.into_iter().map(|guard| (position, guard)));
        }
        let total = sent.len() + guards.len();
        if total > TRANSACTION_MAX {
            return Err(Error::TransactionTooLarge {
                actions: total,
                max: TRANSACTION_MAX,
            });
        }
        let all: Vec<&Prepared> = sent
            .iter()
            .map(|action| action.as_ref())
            .chain(guards.iter().map(|(_, guard)| &guard.prepared))
            .collect();
        let mut seen = std::collections::HashMap::new();
        for (position, action) in all.iter().enumerate() {
            if let Some(first) = seen.insert(action.item_key(table), position) {
                return Err(Error::TransactionDuplicate {
                    entity: action.entity,
                    first,
                    second: position,
                });
            }
        }
        let items = all
            .iter()
            .map(|action| transact_item(table, action))
            .collect::<Result<Vec<_>, _>>()?;
        let result = table
            .client()
            .transact_write_items()
            .set_transact_items(Some(items))
            .set_client_request_token(token.clone())
            .send()
            .await;
        let written = sent.len();
        // A guard's refusal is its action's: the value is another item's.
        let owner = |position: usize| position.checked_sub(written).and_then(|g| guards.get(g));
        match result {
            Ok(_) => Ok(()),
            Err(err) => match err.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(canceled)) => {
                    let mut canceled = canceled_actions(
                        canceled.cancellation_reasons().to_vec(),
                        |position| match owner(position) {
                            Some((of, _)) => actions.get(*of).map(|a| (a.entity, a.operation)),
                            None => sent.get(position).map(|a| (a.entity, a.operation)),
                        },
                        |position, item| match owner(position) {
                            Some((of, guard)) => actions.get(*of).map(|a| guard.clash(a.meta())),
                            None => sent.get(position).map(|a| a.refused(item)),
                        },
                    );
                    for action in &mut canceled {
                        if let Some((of, _)) = owner(action.position) {
                            action.position = *of;
                        }
                    }
                    Err(Error::TransactionCanceled {
                        operation: Operation::TransactWrite,
                        actions: canceled,
                    })
                }
                _ => Err(sdk_error("items", Operation::TransactWrite, err)),
            },
        }
    }
}

/// The actions a cancellation names, from DynamoDB's reasons (one per
/// action, in order; `None` for the ones that did not cause it).
fn canceled_actions(
    reasons: Vec<CancellationReason>,
    action: impl Fn(usize) -> Option<(&'static str, Operation)>,
    refused: impl Fn(usize, Option<crate::Item>) -> Option<Error>,
) -> Vec<CanceledAction> {
    let mut canceled = Vec::new();
    for (position, reason) in reasons.into_iter().enumerate() {
        let code = reason.code.unwrap_or_default();
        let reason = match code.as_str() {
            "" | "None" => continue,
            "ConditionalCheckFailed" => match refused(position, reason.item) {
                Some(error) => CancelReason::Refused(Box::new(error)),
                None => CancelReason::Other {
                    code,
                    message: reason.message,
                },
            },
            "TransactionConflict" => CancelReason::TransactionConflict,
            "ProvisionedThroughputExceeded" | "ThrottlingError" | "RequestLimitExceeded" => {
                CancelReason::Throttled { code }
            }
            "ItemCollectionSizeLimitExceeded" => CancelReason::ItemCollectionSizeLimitExceeded,
            "ValidationError" => CancelReason::Validation {
                message: reason.message.unwrap_or_default(),
            },
            _ => CancelReason::Other {
                code,
                message: reason.message,
            },
        };
        let (entity, operation) = action(position).unwrap_or(("items", Operation::TransactWrite));
        canceled.push(CanceledAction {
            position,
            entity,
            operation,
            reason,
        });
    }
    canceled
}

/// Reads up to 100 items (any entities) at one point in time.
#[must_use = "a transaction does nothing until it is sent"]
pub struct TransactGet<'t> {
    table: &'t Table,
    keys: GetSlots,
    error: Option<Error>,
}

impl<'t> TransactGet<'t> {
    pub(crate) fn new(table: &'t Table) -> Self {
        TransactGet {
            table,
            keys: GetSlots::default(),
            error: None,
        }
    }

    crate::slots::slot_methods!(
        "One transaction reads each item once: the same key with two projections is refused by DynamoDB."
    );

    /// Reads every item in one request.
    pub async fn send(self) -> Result<GetResult, Error> {
        let TransactGet { table, keys, error } = self;
        if let Some(error) = error {
            return Err(error);
        }
        if keys.slots.len() > TRANSACTION_MAX {
            return Err(Error::TransactionTooLarge {
                actions: keys.slots.len(),
                max: TRANSACTION_MAX,
            });
        }
        let mut results: Vec<crate::slots::Fetched> =
            keys.slots.iter().map(|_| crate::slots::Fetched::Missing).collect();
        if keys.slots.is_empty() {
            return Ok(keys.into_result(results));
        }
        let items = keys
            .slots
            .iter()
            .map(|slot| {
                let mut aliases = crate::expr::Aliases::new();
                let projection = slot
                    .asked
                    .map(|p| table.projection_expression(p.meta, p.attributes, &mut aliases));
                Get::builder()
                    .table_name(table.name())
                    .set_key(Some(slot.key.clone()))
                    .set_projection_expression(projection)
                    .set_expression_attribute_names(aliases.into_maps().0)
                    .build()
                    .map(|get| TransactGetItem::builder().get(get).build())
                    .map_err(|e| Error::sdk(slot.entity, Operation::TransactGet, e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let result = table
            .client()
            .transact_get_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match result {
            Ok(output) => {
                // One response per read, in the order asked.
                for (slot, response) in output.responses.unwrap_or_default().into_iter().enumerate() {
                    if let Some(item) = response.item.filter(|item| !item.is_empty()) {
                        if slot < results.len() {
                            keys.record_slot(table, &mut results, slot, item);
                        }
                    }
                }
                Ok(keys.into_result(results))
            }
            Err(err) => match err.as_service_error() {
                Some(TransactGetItemsError::TransactionCanceledException(canceled)) => {
                    Err(Error::TransactionCanceled {
                        operation: Operation::TransactGet,
                        actions: canceled_actions(
                            canceled.cancellation_reasons().to_vec(),
                            |position| keys.slots.get(position).map(|s| (s.entity, Operation::Get)),
                            |_, _| None,
                        ),
                    })
                }
                _ => Err(sdk_error("items", Operation::TransactGet, err)),
            },
        }
    }
}

impl fmt::Debug for TransactWrite<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransactWrite")
            .field("actions", &self.count)
            .field("token", &self.token)
            .finish()
    }
}

impl fmt::Debug for TransactGet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransactGet")
            .field("keys", &self.keys.slots.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(code: &str) -> CancellationReason {
        CancellationReason::builder()
            .code(code)
            .message(format!("{code} happened"))
            .build()
    }

    #[test]
    fn every_cancellation_code_maps_to_a_typed_reason_at_its_position() {
        let reasons = vec![
            reason("None"),
            reason("TransactionConflict"),
            reason("ThrottlingError"),
            reason("ProvisionedThroughputExceeded"),
            reason("RequestLimitExceeded"),
            reason("ItemCollectionSizeLimitExceeded"),
            reason("ValidationError"),
            reason("SomethingNew"),
        ];
        let canceled = canceled_actions(
            reasons,
            |p| Some(("Thing", [Operation::Put, Operation::Update][p % 2])),
            |_, _| None,
        );
        let positions: Vec<usize> = canceled.iter().map(|a| a.position).collect();
        assert_eq!(positions, vec![1, 2, 3, 4, 5, 6, 7], "`None` is not a cause");
        assert!(matches!(canceled[0].reason, CancelReason::TransactionConflict));
        assert_eq!(canceled[0].operation, Operation::Update);
        assert!(matches!(&canceled[1].reason, CancelReason::Throttled { code } if code == "ThrottlingError"));
        assert!(matches!(&canceled[2].reason, CancelReason::Throttled { .. }));
        assert!(matches!(&canceled[3].reason, CancelReason::Throttled { .. }));
        assert!(matches!(
            canceled[4].reason,
            CancelReason::ItemCollectionSizeLimitExceeded
        ));
        assert!(
            matches!(&canceled[5].reason, CancelReason::Validation { message } if message == "ValidationError happened")
        );
        assert!(matches!(&canceled[6].reason, CancelReason::Other { code, .. } if code == "SomethingNew"));
        assert_eq!(
            crate::error::describe_canceled(&canceled[..1]),
            "action 1 (update of Thing): transaction conflict"
        );
    }

    #[test]
    fn a_failed_condition_is_classified_by_the_action() {
        let reasons = vec![reason("ConditionalCheckFailed")];
        let canceled = canceled_actions(
            reasons,
            |_| Some(("Thing", Operation::Create)),
            |_, _| Some(Error::AlreadyExists { entity: "Thing" }),
        );
        assert!(matches!(
            &canceled[0].reason,
            CancelReason::Refused(error) if matches!(**error, Error::AlreadyExists { entity: "Thing" })
        ));
    }
}
