//! The handling workflow's transitions (签收, 退回, 会办, 延期, 联系, 审核, 测评, 回访, 办结,
//! 撤回): each decodes IDs, checks the caller's scope, calls one service function and
//! builds its payload.

mod closing;
mod contacts;
mod extensions;
mod opinions;
mod replies;
mod returns;
mod signing;
pub use closing::*;
pub use contacts::*;
pub use extensions::*;
pub use opinions::*;
pub use replies::*;
pub use returns::*;
pub use signing::*;

use async_graphql::{Context, InputObject, MergedObject, Object, Result, ID};

use super::payload;
use crate::domain::access::Role;
use crate::domain::workflow::ActorRole;
use crate::domain::UserError;
use crate::graphql::access::{self, caller, Allow, DEPUTY_WORK, OFFICE, UNIT_WORK, URGERS};
use crate::graphql::enums;
use crate::graphql::error::for_payload;
use crate::graphql::idempotency::Idempotent;
use crate::graphql::ids::{self, Kind};
use crate::graphql::objects::*;
use crate::graphql::scalars::Date;
use crate::graphql::state;
use crate::service::{self, scope};

/// Where user errors about a suggestion transition's subject point.
const SUGGESTION_ID: [&str; 2] = ["input", "suggestionId"];

/// The workflow's mutations, one object per group of transitions (as `service::workflow`),
/// merged in the order the schema lists them.
#[derive(MergedObject, Default)]
pub struct WorkflowMutation(
    SigningMutation,
    ReturnsMutation,
    OpinionsMutation,
    ExtensionsMutation,
    ContactsMutation,
    RepliesMutation,
    ClosingMutation,
);
