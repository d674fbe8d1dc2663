//! Reading the SDK's errors: which failures a retry may cure, which mean a
//! condition did not hold, and wrapping the rest as [`Error::Sdk`] with a
//! message that says what went wrong.

use crate::error::{Error, Operation};
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use std::fmt;

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
