//! `idempotencyKey` on create and workflow inputs: the GraphQL side of
//! `service::idempotency`. A resolver wraps its service call in [`Idempotent::run`] with a
//! way to answer from the earlier request's object; everything else (the lookup, storing
//! the key in the change's transaction, the user error for a reused key) happens there.

use std::future::Future;
use std::sync::Arc;

use async_graphql::{Context, InputType};

use super::state;
use crate::db::Db;
use crate::domain::access::Caller;
use crate::domain::UserError;
use crate::service::idempotency::Keyed;
use crate::service::work::Work;
use crate::service::{ServiceError, ServiceResult};

/// Where the key sits in every input that has one.
const FIELD: [&str; 2] = ["input", "idempotencyKey"];

/// The request's `Idempotency-Key` header: the key of a mutation whose input has none
/// (send one mutation per request with it; the input's `idempotencyKey` wins).
pub struct HeaderKey(pub String);

/// A mutation's idempotency key, read before the input is taken apart, and the unit of
/// work that stores it with the change.
pub(crate) struct Idempotent(Result<Option<(Keyed, Arc<Work>)>, UserError>);

impl Idempotent {
    /// The key of `input` (its `idempotencyKey`, passed as `key`), fingerprinted with the
    /// mutation's name and the whole input.
    pub(crate) fn of<T: InputType>(ctx: &Context<'_>, key: Option<&str>, input: &T) -> Self {
        // The input as the schema sees it (field order fixed by the input type), so a
        // retry fingerprints alike whatever order the client wrote the fields in.
        let canonical = || {
            input
                .to_value()
                .into_json()
                .map(|json| json.to_string())
                .unwrap_or_default()
        };
        Self::fingerprinted(ctx, key, canonical)
    }

    /// The key of an input fingerprinted as `canonical` says (an upload's includes the
    /// file's hash, which the input itself does not show).
    pub(crate) fn fingerprinted(
        ctx: &Context<'_>,
        key: Option<&str>,
        canonical: impl FnOnce() -> String,
    ) -> Self {
        let header = ctx.data_opt::<HeaderKey>().map(|h| h.0.as_str());
        let Some(key) = key.or(header) else {
            return Self(Ok(None));
        };
        let principal = ctx.data_opt::<Caller>().and_then(Caller::principal);
        let Some(work) = super::request::current_work() else {
            return Self(Err(UserError::invalid(
                &FIELD,
                "幂等键仅用于变更操作 (idempotency keys are for mutations)",
            )));
        };
        let (Some(principal), Ok(st)) = (principal, state(ctx)) else {
            return Self(Err(UserError::invalid(
                &FIELD,
                "幂等键仅供已登录用户使用 (idempotency keys need a signed-in user)",
            )));
        };
        let canonical = canonical();
        Self(
            Keyed::new(
                principal.user_id,
                key,
                ctx.field().name(),
                &canonical,
                &FIELD,
                st.clock.now(),
            )
            .map(|keyed| Some((keyed, work))),
        )
    }

    /// Runs the mutation (`run`) unless the key was used before: then answers with
    /// `replay(target)` for the same request (`target` names the object the first one
    /// created or acted on, e.g. `Suggestion:12`), or `IDEMPOTENCY_KEY_REUSED`.
    pub(crate) async fn run<T, R, RF, F>(self, db: &Db, replay: R, run: F) -> ServiceResult<T>
    where
        R: FnOnce(i64) -> RF,
        RF: Future<Output = ServiceResult<T>>,
        F: Future<Output = ServiceResult<T>>,
    {
        let (keyed, work) = match self.0 {
            Err(error) => return Err(error.into()),
            Ok(None) => return run.await,
            Ok(Some(pair)) => pair,
        };
        let target = match keyed.prior(db.conn()).await? {
            Some(target) => target,
            None => {
                let keyed = Arc::new(keyed);
                work.keyed(Arc::clone(&keyed));
                let result = run.await;
                if result.is_ok() {
                    return result;
                }
                // The same request may have been in flight twice: the other copy committed
                // first, so this one met its change (a DUPLICATE number, a state already
                // moved on) or its key (the unique index). Answer as the retry it is.
                match keyed.prior(db.conn()).await? {
                    Some(target) => target,
                    None => return result,
                }
            }
        };
        let id = target
            .as_deref()
            .and_then(|t| t.rsplit_once(':'))
            .and_then(|(_, id)| id.parse().ok())
            .ok_or_else(|| {
                ServiceError::Unexpected(anyhow::anyhow!(
                    "idempotency key stored without a target: {target:?}"
                ))
            })?;
        replay(id).await
    }
}

/// The row `id` of `E`, for a replay: the object the first request created or acted on.
pub(crate) async fn stored<E>(db: &Db, id: i64) -> ServiceResult<E::Model>
where
    E: sea_orm::EntityTrait,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<i64>,
{
    use crate::service::DbContext as _;
    E::find_by_id(id)
        .one(db.conn())
        .await
        .during("loading the object of an idempotency key")?
        .ok_or_else(|| {
            ServiceError::Unexpected(anyhow::anyhow!(
                "the object of an idempotency key is gone: {id}"
            ))
        })
}
