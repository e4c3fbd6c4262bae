//! How long a GraphQL request may run and how many run at once (part of
//! [`super::Settings`], flattened: `BANLI_REQUEST_TIMEOUT_SECS` and the others are top-level
//! keys like every setting).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LoadSettings {
    /// Seconds a GraphQL request may run before it is answered with TIMEOUT, its wait for a
    /// place among those in flight included (`BANLI_REQUEST_TIMEOUT_SECS`).
    pub request_timeout_secs: u64,
    /// GraphQL requests each HTTP worker runs at once (`BANLI_GRAPHQL_IN_FLIGHT_PER_WORKER`);
    /// more wait for a place, they are not refused. Bounds the memory that many concurrent
    /// nested pages take (each holds its rows and its answer while it runs); a worker's
    /// requests share its one thread anyway, so running more at once only interleaves them.
    pub graphql_in_flight_per_worker: usize,
}

impl Default for LoadSettings {
    fn default() -> Self {
        Self {
            request_timeout_secs: 30,
            graphql_in_flight_per_worker: 8,
        }
    }
}
