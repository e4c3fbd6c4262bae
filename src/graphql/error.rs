//! How errors reach clients. User errors are data (`userErrors` in a payload, or a
//! GraphQL error with `extensions.code` on a query); anything unexpected is logged with
//! its cause and answered with a generic message, code `INTERNAL` and the request id,
//! so no SQL, table name or stack trace ever leaves the server.

use async_graphql::{Context, Enum, ErrorExtensions, SimpleObject};

use crate::domain::UserError;
use crate::service::failure::Failure;
use crate::service::ServiceError;

/// Stable codes of user errors.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::ErrorCode")]
pub enum UserErrorCode {
    /// The referenced object does not exist.
    NotFound,
    /// A value that must be unique is taken.
    Duplicate,
    /// The input is malformed or out of range.
    Invalid,
    /// The object's state does not allow the operation.
    InvalidState,
    /// Someone else changed the object first; reload and retry.
    Conflict,
    /// Sign-in failed (unknown user, wrong password, disabled or temporarily locked).
    InvalidCredentials,
    /// The CAPTCHA answer is wrong, or the CAPTCHA expired, was used already or never
    /// existed: get a new CAPTCHA.
    CaptchaInvalid,
    /// Too many requests in a while; `retryAfterSeconds` says when to try again.
    RateLimited,
    /// The idempotency key was used before with another operation or input: use a new key
    /// for a new request.
    IdempotencyKeyReused,
}

/// An error the user can fix.
#[derive(SimpleObject, Debug, Clone)]
#[graphql(name = "UserError")]
pub struct UserErrorObject {
    /// Path of the offending input field, e.g. `["input", "units", "0", "role"]`.
    pub field: Vec<String>,
    pub code: UserErrorCode,
    /// A clear message in Chinese, with the gist in English.
    pub message: String,
    /// For RATE_LIMITED: seconds until a retry can succeed.
    pub retry_after_seconds: Option<i32>,
}

impl From<UserError> for UserErrorObject {
    fn from(e: UserError) -> Self {
        Self {
            field: e.field,
            code: e.code.into(),
            message: e.message,
            retry_after_seconds: e
                .retry_after_secs
                .map(|s| i32::try_from(s).unwrap_or(i32::MAX)),
        }
    }
}

/// The GraphQL error for something unexpected: logged in full, answered generically
/// ([`Failure`]): `UNAVAILABLE` (retry later) when the database cannot be reached, `INTERNAL`
/// otherwise, with the request id.
pub fn internal(ctx: &Context<'_>, error: &anyhow::Error) -> async_graphql::Error {
    let request_id = ctx
        .data_opt::<super::request::RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let failure = Failure::of(error, &request_id);
    async_graphql::Error::new(failure.message).extend_with(|_, e| {
        e.set("code", failure.code);
        e.set("requestId", request_id.clone());
    })
}

/// A user error raised by a query (queries have no payload): a GraphQL error whose
/// `extensions` carry `code` and `field`.
pub fn user_error(e: UserError) -> async_graphql::Error {
    let code = e.code.as_str();
    let field = e.field.clone();
    let retry_after = e.retry_after_secs;
    async_graphql::Error::new(e.message).extend_with(move |_, ext| {
        ext.set("code", code);
        ext.set("field", field.clone());
        if let Some(secs) = retry_after {
            ext.set("retryAfterSeconds", secs);
        }
    })
}

/// Converts a service error for a query resolver.
pub fn for_query(ctx: &Context<'_>, error: ServiceError) -> async_graphql::Error {
    match error {
        // A query has one argument list; its first error says what to fix.
        ServiceError::User(errors) => match errors.into_iter().next() {
            Some(first) => user_error(first),
            None => internal(ctx, &anyhow::anyhow!("user error without detail")),
        },
        ServiceError::Unexpected(e) => internal(ctx, &e),
    }
}

/// The user errors a payload carries: distinct and capped ([`crate::domain::error::capped`]),
/// so no input makes a payload grow with its length.
pub fn payload_errors(errors: Vec<UserError>) -> Vec<UserErrorObject> {
    crate::domain::error::capped(errors)
        .into_iter()
        .map(Into::into)
        .collect()
}

/// Splits a service result into what a mutation payload carries: the value, or the
/// user errors; an unexpected error becomes a GraphQL error.
pub fn for_payload<T>(
    ctx: &Context<'_>,
    result: Result<T, ServiceError>,
) -> async_graphql::Result<(Option<T>, Vec<UserErrorObject>)> {
    match result {
        Ok(value) => Ok((Some(value), Vec::new())),
        Err(ServiceError::User(errors)) => {
            if let Some(work) = super::request::current_work() {
                let codes: Vec<&str> = errors.iter().map(|e| e.code.as_str()).collect();
                crate::db::UnitOfWork::user_errors(work.as_ref(), &codes);
            }
            Ok((None, payload_errors(errors)))
        }
        Err(ServiceError::Unexpected(e)) => Err(internal(ctx, &e)),
    }
}

/// Gives every error async-graphql itself raises a stable `extensions.code`, as banli's
/// own errors have, so a client can switch on the code of any error:
/// `GRAPHQL_PARSE_FAILED` (the document is not GraphQL), `GRAPHQL_VALIDATION_FAILED` (it
/// does not fit the schema: an unknown field, a wrong enum value, an Int out of range) and
/// `BAD_USER_INPUT` (an argument or variable that does not coerce, e.g. 2023-02-29 as a
/// `Date`). Errors that carry a code already keep it.
pub struct ErrorCodes;

impl async_graphql::extensions::ExtensionFactory for ErrorCodes {
    fn create(&self) -> std::sync::Arc<dyn async_graphql::extensions::Extension> {
        std::sync::Arc::new(ErrorCodes)
    }
}

/// The last word on codes, for the whole response: what async-graphql refuses after the
/// extensions ran (an operation name that names no operation, several operations and no
/// name, a document nested past the recursion limit) is a request that does not validate.
pub fn coded(mut response: async_graphql::Response) -> async_graphql::Response {
    response.errors = std::mem::take(&mut response.errors)
        .into_iter()
        .map(|e| with_code(e, "GRAPHQL_VALIDATION_FAILED"))
        .collect();
    response
}

/// Marks a request that is only to be parsed and validated: [`ErrorCodes`] answers it with
/// no data and no errors instead of executing it (`Schemas::execute` uses it to learn why
/// a request was refused, with the numbers and codes the extensions give).
pub struct ValidateOnly;

/// The codes of a response that ran without [`ErrorCodes`] (`Schemas::execute`): the errors
/// of its execution — those with a path — that carry no code are `BAD_USER_INPUT`, as that
/// extension marks them; [`coded`] marks the rest.
pub fn after_execution(mut response: async_graphql::Response) -> async_graphql::Response {
    for error in &mut response.errors {
        if !error.path.is_empty() {
            set_code(error, "BAD_USER_INPUT");
        }
    }
    response
}

fn with_code(mut error: async_graphql::ServerError, code: &str) -> async_graphql::ServerError {
    set_code(&mut error, code);
    error
}

/// Gives `error` the code `code` unless it carries one.
fn set_code(error: &mut async_graphql::ServerError, code: &str) {
    let has_code = error
        .extensions
        .as_ref()
        .is_some_and(|e| e.get("code").is_some());
    if !has_code {
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", code);
    }
}

#[async_graphql::async_trait::async_trait]
impl async_graphql::extensions::Extension for ErrorCodes {
    async fn prepare_request(
        &self,
        ctx: &async_graphql::extensions::ExtensionContext<'_>,
        request: async_graphql::Request,
        next: async_graphql::extensions::NextPrepareRequest<'_>,
    ) -> async_graphql::ServerResult<async_graphql::Request> {
        next.run(ctx, request)
            .await
            .map_err(|e| with_code(e, "GRAPHQL_PARSE_FAILED"))
    }

    async fn validation(
        &self,
        ctx: &async_graphql::extensions::ExtensionContext<'_>,
        next: async_graphql::extensions::NextValidation<'_>,
    ) -> Result<async_graphql::ValidationResult, Vec<async_graphql::ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|e| with_code(e, "GRAPHQL_VALIDATION_FAILED"))
                .collect()
        })
    }

    async fn execute(
        &self,
        ctx: &async_graphql::extensions::ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: async_graphql::extensions::NextExecute<'_>,
    ) -> async_graphql::Response {
        if ctx.data_opt::<ValidateOnly>().is_some() {
            return async_graphql::Response::new(async_graphql::Value::Null);
        }
        let mut response = next.run(ctx, operation_name).await;
        response.errors = std::mem::take(&mut response.errors)
            .into_iter()
            .map(|e| with_code(e, "BAD_USER_INPUT"))
            .collect();
        response
    }
}
