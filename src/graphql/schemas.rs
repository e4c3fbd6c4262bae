//! The schema instances banli serves, which caller gets which, and how one request runs.
//!
//! Each audience (see [`conceals_schema`]) has two instances of the same schema:
//!
//! - the **fast** one has no extension, so async-graphql resolves every field directly
//!   (with any extension it builds an extension chain around the resolution of each field
//!   and each list item: a page of 50 nested suggestions resolves about 1,300). Requests
//!   run on it: [`Runner::execute`] first makes the checks the extensions would make on the
//!   parsed document (aliases, root fields, fields, introspection: [`Enforce::admit`]), and
//!   the instance itself refuses a document past the depth or complexity limit;
//! - the **extended** one carries the extensions ([`error::ErrorCodes`],
//!   [`limits::Enforce`]). It explains a refusal: when the fast instance refuses a request
//!   before executing it, the request is validated again here (and never executed:
//!   [`error::ValidateOnly`]), whose errors carry the codes and the numbers clients rely on
//!   (`TOO_DEEP`, `TOO_COMPLEX` with the depth or cost and the limit,
//!   `GRAPHQL_VALIDATION_FAILED`). Subscriptions run on it too.
//!
//! Documents are parsed once per text ([`Documents`]); validation runs on every request.

use async_graphql::{Request, Response, Value};

use super::documents::Documents;
use super::error::{self, ValidateOnly};
use super::limits::{Enforce, Limits};
use super::{build, BanliSchema, Policies};
use crate::config::Environment;
use crate::db::Db;
use crate::domain::access::Caller;
use crate::domain::time::Clock;
use std::sync::Arc;

/// The instances that answer one audience.
struct Instances {
    fast: BanliSchema,
    extended: BanliSchema,
    limits: Enforce,
}

impl Instances {
    fn build(
        db: &Db,
        clock: &Arc<dyn Clock>,
        limits: Limits,
        policies: &Policies,
        reveal: bool,
    ) -> Self {
        Self {
            fast: build(
                db.clone(),
                clock.clone(),
                limits,
                policies.clone(),
                reveal,
                true,
            ),
            extended: build(
                db.clone(),
                clock.clone(),
                limits,
                policies.clone(),
                reveal,
                false,
            ),
            limits: Enforce::new(limits, reveal),
        }
    }
}

/// The schema instances banli serves, and which caller gets which.
pub struct Schemas {
    revealing: Instances,
    concealing: Instances,
    documents: Documents,
    environment: Environment,
}

impl Schemas {
    pub fn build(
        db: Db,
        clock: Arc<dyn Clock>,
        limits: Limits,
        policies: Policies,
        environment: Environment,
    ) -> Self {
        Self {
            revealing: Instances::build(&db, &clock, limits, &policies, true),
            concealing: Instances::build(&db, &clock, limits, &policies, false),
            documents: Documents::default(),
            environment,
        }
    }

    pub fn environment(&self) -> Environment {
        self.environment
    }

    fn instances(&self, caller: &Caller) -> &Instances {
        if conceals_schema(self.environment, caller) {
            &self.concealing
        } else {
            &self.revealing
        }
    }

    /// The schema with its extensions that answers `caller` (without introspection and
    /// field suggestions when [`conceals_schema`] says so), for subscriptions.
    pub fn for_caller(&self, caller: &Caller) -> &BanliSchema {
        &self.instances(caller).extended
    }

    /// What runs requests for `caller`.
    pub fn runner(&self, caller: &Caller) -> Runner<'_> {
        Runner {
            instances: self.instances(caller),
        }
    }

    /// Attaches the parsed document to `request`, from the documents already parsed when
    /// its text is known. A text that does not parse is left for [`Runner::execute`] to
    /// refuse.
    pub fn parse(&self, request: &mut Request) {
        if let Ok(document) = self.documents.parse(&request.query) {
            request.set_parsed_query(document);
        }
    }

    /// How the parsed documents are used.
    pub fn document_stats(&self) -> super::documents::DocumentStats {
        self.documents.stats()
    }
}

/// Runs requests for one audience.
pub struct Runner<'a> {
    instances: &'a Instances,
}

impl Runner<'_> {
    /// Runs `request`: the checks of [`Enforce::admit`], then the fast instance; a refusal
    /// before execution is explained by the extended instance.
    pub async fn execute(&self, mut request: Request) -> Response {
        let instances = self.instances;
        let operation_name = request.operation_name.clone();
        let admitted = match request.parsed_query() {
            Ok(document) => instances.limits.admit(document, operation_name.as_deref()),
            // The extended instance answers with the parse error and its code.
            Err(_) => return instances.extended.execute(request).await,
        };
        if let Err(refusal) = admitted {
            return Response::from_errors(vec![refusal]);
        }
        // Kept to explain a refusal: the fast instance reads the parsed document, not
        // the text.
        let again = Request::new(std::mem::take(&mut request.query))
            .variables(request.variables.clone())
            .data(ValidateOnly);
        let again = match operation_name {
            Some(name) => again.operation_name(name),
            None => again,
        };
        let response = instances.fast.execute(request).await;
        if refused_before_execution(&response) {
            let explained = instances.extended.execute(again).await;
            if !explained.errors.is_empty() {
                return explained;
            }
        }
        error::after_execution(response)
    }
}

/// Whether async-graphql refused the request before executing anything: no data, and an
/// error that belongs to no field.
fn refused_before_execution(response: &Response) -> bool {
    response.data == Value::Null && response.errors.iter().any(|e| e.path.is_empty())
}

/// Anonymous callers in production do not get to map the schema (no introspection, no
/// "did you mean" suggestions); signed-in users and everyone in development do.
pub fn conceals_schema(environment: Environment, caller: &Caller) -> bool {
    environment == Environment::Production && caller.is_anonymous()
}
