//! GraphQL object types: thin wrappers over entity rows whose relations go through the
//! request's DataLoader (`loaders::{must, visible, children}`). One file per aggregate; the
//! operations that return them live in `ops/` and in the aggregate modules beside it.

mod assignment;
mod filing;
mod records;
mod reply;
mod suggestion;
mod workflow;

pub use assignment::*;
pub use filing::*;
pub use records::*;
pub use reply::*;
pub use suggestion::*;
pub use workflow::*;
