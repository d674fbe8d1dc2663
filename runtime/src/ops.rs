//! Single-item operations, generic over the entity.

use crate::entity::{Entity, PrimaryKey};
use crate::error::{Error, Operation};
use crate::query::{Query, QuerySpec};
use crate::scan::Scan;
use crate::table::Table;
use crate::write::{Delete, Put};
use crate::FromItem;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use std::fmt;
use std::marker::PhantomData;

/// Operations on one entity of a table. Generated per-entity clients
/// dereference to this.
#[derive(Debug)]
pub struct EntityClient<'t, E> {
    table: &'t Table,
    entity: PhantomData<fn() -> E>,
}

impl<E> Clone for EntityClient<'_, E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E> Copy for EntityClient<'_, E> {}

impl<'t, E: Entity> EntityClient<'t, E> {
    pub fn new(table: &'t Table) -> Self {
        EntityClient {
            table,
            entity: PhantomData,
        }
    }

    pub fn table(&self) -> &'t Table {
        self.table
    }

    /// Reads one item (eventually consistent). `None` when it does not exist.
    pub async fn get<K: PrimaryKey<Entity = E>>(&self, key: &K) -> Result<Option<E>, Error> {
        self.get_item(key, false).await
    }

    /// Reads one item with a strongly consistent read.
    pub async fn get_consistent<K: PrimaryKey<Entity = E>>(&self, key: &K) -> Result<Option<E>, Error> {
        self.get_item(key, true).await
    }

    async fn get_item<K: PrimaryKey<Entity = E>>(&self, key: &K, consistent: bool) -> Result<Option<E>, Error> {
        let key = key.to_key()?;
        let output = self
            .table
            .client()
            .get_item()
            .table_name(self.table.name())
            .set_key(Some(key))
            .set_consistent_read(consistent.then_some(true))
            .send()
            .await
            .map_err(|e| sdk_error(E::NAME, Operation::Get, e))?;
        match output.item {
            Some(item) if !self.table.is_expired(&item) => {
                Ok(Some(crate::entity::read_entity(item, self.table.def().entity_tag)?))
            }
            _ => Ok(None),
        }
    }

    /// Writes the item, replacing any item with the same primary key;
    /// resolves to the item as written. `createdAt` and `updatedAt` are set
    /// to now; a versioned item must have the stored version (0: none) and
    /// is written with the next one.
    pub fn put<'a>(&self, item: &'a E) -> Put<'a, E>
    where
        't: 'a,
    {
        Put::replace(self.table, item)
    }

    /// Writes the item only if no item has its primary key (an expired one
    /// counts as none): otherwise [`Error::AlreadyExists`]. A versioned item
    /// is written as version 1.
    pub fn create<'a>(&self, item: &'a E) -> Put<'a, E>
    where
        't: 'a,
    {
        Put::create(self.table, item)
    }

    /// Writes the whole item like `put`, but keeps the stored `createdAt`
    /// and any attributes the entity does not know, and refuses
    /// ([`Error::ConditionFailed`]) to change a `readonly` attribute of an
    /// existing item; resolves to the item as stored.
    pub fn upsert<'a>(&self, item: &'a E) -> Put<'a, E>
    where
        't: 'a,
    {
        Put::upsert(self.table, item)
    }

    /// Deletes the item if it exists; deleting nothing is not an error.
    pub fn delete<K: PrimaryKey<Entity = E>>(&self, key: &K) -> Delete<'t, E> {
        Delete::new(self.table, key, false)
    }

    /// Deletes the item, or fails with [`Error::NotFound`] if it does not
    /// exist (or has expired).
    pub fn delete_existing<K: PrimaryKey<Entity = E>>(&self, key: &K) -> Delete<'t, E> {
        Delete::new(self.table, key, true)
    }

    /// Every item of this entity in the table (a full table scan), with an
    /// optional typed filter.
    pub fn scan(&self) -> Scan<'t, E> {
        Scan::new(self.table)
    }

    /// A query of this entity; generated index methods build the spec.
    pub fn query<T: FromItem>(&self, spec: QuerySpec) -> Query<'t, T> {
        Query::new(self.table, spec).of_entity::<E>()
    }
}

/// Whether a conditional write was refused because its condition did not
/// hold, for any operation's error type.
pub(crate) fn condition_failed<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    err.as_service_error().and_then(ProvideErrorMetadata::code) == Some("ConditionalCheckFailedException")
}

/// Whether a failed request may succeed when sent again unchanged:
/// throttling, DynamoDB's internal errors, timeouts and connection failures.
/// (The SDK retries these a few times itself; batches retry them further.)
pub(crate) fn retryable<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => true,
        SdkError::ServiceError(_) => matches!(
            err.as_service_error().and_then(ProvideErrorMetadata::code),
            Some(
                "ProvisionedThroughputExceededException"
                    | "ThrottlingException"
                    | "RequestLimitExceeded"
                    | "InternalServerError"
                    | "ServiceUnavailable"
            )
        ),
        _ => false,
    }
}

/// Wraps an SDK error as [`Error::Sdk`].
pub(crate) fn sdk_error<E>(entity: &'static str, operation: Operation, err: SdkError<E>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    Error::sdk(entity, operation, SdkFailure(err))
}

/// An SDK error that displays what went wrong. `SdkError` itself displays
/// only "service error", and the operation errors display unmodelled errors
/// (such as `ValidationException`) without their message. The `SdkError` is
/// kept as the source, for callers that downcast.
struct SdkFailure<E>(SdkError<E>);

impl<E: ProvideErrorMetadata + std::error::Error + 'static> fmt::Display for SdkFailure<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.0, self.0.code(), self.0.message()) {
            (SdkError::ServiceError(_), Some(code), Some(message)) => write!(f, "{code}: {message}"),
            (SdkError::ServiceError(_), Some(code), None) => f.write_str(code),
            _ => write!(f, "{}", DisplayErrorContext(&self.0)),
        }
    }
}

impl<E: fmt::Debug> fmt::Debug for SdkFailure<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<E: ProvideErrorMetadata + std::error::Error + 'static> std::error::Error for SdkFailure<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}
