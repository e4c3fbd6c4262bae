//! Operations, one module per aggregate: inputs, payloads and thin resolvers that decode IDs,
//! call one service function and build the payload (`for_payload`). The object types they
//! return live in `objects/`.

pub mod account;
pub mod attachments;
pub mod audit;
pub mod calendar;
pub mod deadlines;
pub mod deliveries;
pub mod export;
pub mod feedback;
pub mod filing;
pub mod notifications;
pub mod public;
pub mod records;
pub mod registry;
pub mod release;
pub mod replies;
pub mod search;
pub mod statistics;
pub mod suggestions;
pub mod supervision;
pub mod workflow;

use async_graphql::MaybeUndefined;

/// A mutation payload: its fields and `userErrors`. `payload!(Name, field: T)` is the
/// common one, `field: Option<T>` (`None` when nothing changed); `payload!(Name { a: A,
/// b: B })` names every field.
macro_rules! payload {
    ($name:ident, $field:ident: $ty:ty) => {
        $crate::graphql::ops::payload!($name { $field: Option<$ty> });
    };
    ($name:ident { $($(#[$meta:meta])* $field:ident: $ty:ty),* $(,)? }) => {
        #[derive(async_graphql::SimpleObject)]
        pub struct $name {
            $($(#[$meta])* pub $field: $ty,)*
            pub user_errors: Vec<$crate::graphql::error::UserErrorObject>,
        }
    };
}
pub(crate) use payload;

/// `Some(None)` for an explicit null, `None` when the field was left out.
pub(crate) fn patch_of(value: MaybeUndefined<String>) -> Option<Option<String>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}
