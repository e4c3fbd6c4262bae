//! GraphQL object types: thin wrappers over entity rows whose relations go through the
//! request's DataLoader (`loaders::{must, visible, children}`). One file per aggregate; the
//! operations that return them live in `ops/` and in the aggregate modules beside it.

mod account;
mod assignment;
mod attachment;
mod audit;
mod delivery;
mod export;
mod feedback;
mod filing;
mod notification;
mod public;
mod records;
mod release;
mod reply;
mod search;
mod statistics;
mod suggestion;
mod supervision;
mod workflow;

pub use account::*;
pub use assignment::*;
pub use attachment::*;
pub use audit::*;
pub use delivery::*;
pub use export::*;
pub use feedback::*;
pub use filing::*;
pub use notification::*;
pub use public::*;
pub use records::*;
pub use release::*;
pub use reply::*;
pub use search::*;
pub use statistics::*;
pub use suggestion::*;
pub use supervision::*;
pub use workflow::*;
