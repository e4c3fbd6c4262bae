//! Limits every request must stay within (OWASP's GraphQL cheat sheet), enforced by a schema
//! extension before anything executes:
//!
//! - right after parsing, and before async-graphql's own validation walks the document:
//!   aliases (a fragment's counted at every spread), top-level fields of the executed
//!   operation, and the number of fields with every fragment expanded — an alias or
//!   fragment flood is refused in time linear in the document, never by walking it;
//! - after validation: depth and complexity (list fields cost their page size, see
//!   `cost`), with the numbers in the message;
//! - on the schema anonymous callers use in production: `__schema` and `__type`.
//!
//! Every refusal is a GraphQL error whose `extensions.code` is stable: `TOO_MANY_ALIASES`,
//! `TOO_MANY_ROOT_FIELDS`, `TOO_COMPLEX`, `TOO_DEEP`, `INTROSPECTION_DISABLED`.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest, NextValidation,
};
use async_graphql::parser::types::{
    ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{
    ErrorExtensionValues, Name, Positioned, Request, ServerError, ServerResult, ValidationResult,
};

/// How deep selections, fragment spreads and inline fragments may nest in the document
/// itself (async-graphql's `limit_recursive_depth`; also bounds the walk below, so a long
/// chain of fragments cannot exhaust the stack).
pub const RECURSIVE_DEPTH: usize = 32;

/// Most items a list argument takes, each named for what it lists. Every list an input
/// type or argument declares carries one through [`MaxItems`] (a test walks the schema and
/// sends each one item too many), so no list's length reaches a resolver or an SQL
/// statement unchecked; the descriptions say the number to front-end teams.
pub mod max_items {
    /// Values of an enum filter (`status: [...]`): more than any enum has, so repeats fit.
    pub const FILTER_VALUES: usize = 20;
    /// Co-signers of a suggestion.
    pub const CO_SIGNERS: usize = crate::service::suggestion::MAX_CO_SIGNERS;
    /// Units one suggestion is assigned to in one request.
    pub const UNITS: usize = 50;
    /// Passages withheld from one publication.
    pub const REDACTIONS: usize = crate::domain::publication::MAX_REDACTIONS;
    /// Years replaced by one calendar import.
    pub const CALENDAR_YEARS: usize = 20;
    /// Dimensions of a statistics table (five exist; repeats fit).
    pub const GROUP_BY: usize = 10;
    /// Assignments moved to another unit in one request.
    pub const TRANSFER: usize = 500;
    /// Notifications marked read by id in one request.
    pub const NOTIFICATIONS: usize = 100;
    /// Kinds of notice whose channels one request sets (more than there are; repeats fit).
    pub const NOTICE_KINDS: usize = 40;
    /// A session's due-soon reminder thresholds (five at most count; repeats fit).
    pub const REMINDER_DAYS: usize = 10;
    /// Objects fetched by ID in one `nodes` (GitHub and Shopify allow 100).
    pub const NODES: usize = 100;
}

/// The validator behind [`max_items`]: refuses a longer list before anything is done with
/// it, as `BAD_USER_INPUT` with `field` (the list's name in its input type or argument) and
/// `limit` in the error's extensions. Use as
/// `#[graphql(validator(custom = "MaxItems::new(\"units\", max_items::UNITS)"))]`.
pub struct MaxItems {
    field: &'static str,
    max: usize,
}

impl MaxItems {
    pub const fn new(field: &'static str, max: usize) -> Self {
        Self { field, max }
    }
}

impl<T> async_graphql::CustomValidator<Vec<T>> for MaxItems
where
    Vec<T>: async_graphql::InputType,
{
    fn check(&self, value: &Vec<T>) -> Result<(), async_graphql::InputValueError<Vec<T>>> {
        if value.len() <= self.max {
            return Ok(());
        }
        let (field, max, len) = (self.field, self.max, value.len());
        Err(async_graphql::InputValueError::custom(format!(
            "{field} 最多 {max} 项，收到 {len} 项 ({field} takes at most {max} items, got {len})"
        ))
        .with_extension("code", "BAD_USER_INPUT")
        .with_extension("field", field)
        .with_extension("limit", max))
    }
}

/// The configured limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub depth: usize,
    pub complexity: usize,
    pub aliases: usize,
    pub root_fields: usize,
}

impl Limits {
    pub fn from_settings(settings: &crate::config::Settings) -> Self {
        Self {
            depth: settings.max_query_depth,
            complexity: settings.max_query_complexity,
            aliases: settings.max_query_aliases,
            root_fields: settings.max_root_fields,
        }
    }
}

/// A GraphQL error refusing the request, with a stable `extensions.code`.
pub fn refusal(code: &str, message: String) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", code);
    error.extensions = Some(extensions);
    error
}

/// The schema extension that enforces [`Limits`]. `introspection: false` also refuses
/// `__schema` and `__type` with a clear error (rather than answering null).
pub struct Enforce {
    inner: Arc<EnforceLimits>,
}

impl Enforce {
    pub fn new(limits: Limits, introspection: bool) -> Self {
        Self {
            inner: Arc::new(EnforceLimits {
                limits,
                introspection,
            }),
        }
    }

    /// The checks that run on the parsed document before validation, for callers that run
    /// a request without the extension (see `Schemas::execute`).
    pub fn admit(
        &self,
        document: &ExecutableDocument,
        operation_name: Option<&str>,
    ) -> ServerResult<()> {
        self.inner.admit(document, operation_name)
    }
}

impl ExtensionFactory for Enforce {
    fn create(&self) -> Arc<dyn Extension> {
        // Stateless: every request can share the one instance.
        self.inner.clone()
    }
}

struct EnforceLimits {
    limits: Limits,
    introspection: bool,
}

#[async_graphql::async_trait::async_trait]
impl Extension for EnforceLimits {
    /// Parses the query here (async-graphql keeps the parsed document and does not parse
    /// again) so the checks run before its recursive-depth walk and validation, both of
    /// which expand fragments at every spread.
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let operation_name = request.operation_name.clone();
        self.admit(request.parsed_query()?, operation_name.as_deref())?;
        next.run(ctx, request).await
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        if result.depth > self.limits.depth {
            return Err(vec![too_deep(Some((result.depth, self.limits.depth)))]);
        }
        if result.complexity > self.limits.complexity {
            return Err(vec![too_complex(result.complexity, self.limits.complexity)]);
        }
        Ok(result)
    }
}

impl EnforceLimits {
    fn admit(
        &self,
        document: &ExecutableDocument,
        operation_name: Option<&str>,
    ) -> ServerResult<()> {
        let shape = Shape::of(document, operation_name).map_err(|()| too_deep(None))?;
        self.check(&shape)
    }

    fn check(&self, shape: &Shape) -> ServerResult<()> {
        let limits = &self.limits;
        if shape.aliases > limits.aliases {
            return Err(refusal(
                "TOO_MANY_ALIASES",
                format!(
                    "查询使用了 {} 个别名，超过上限 {} (too many aliases: {} > {})",
                    shape.aliases, limits.aliases, shape.aliases, limits.aliases
                ),
            ));
        }
        if shape.root_fields > limits.root_fields {
            return Err(refusal(
                "TOO_MANY_ROOT_FIELDS",
                format!(
                    "一次请求最多选择 {} 个顶层字段，本请求有 {} 个 (too many root fields: {} > {})",
                    limits.root_fields, shape.root_fields, shape.root_fields, limits.root_fields
                ),
            ));
        }
        // Each selected field costs at least 1 in the complexity measure, so a document
        // with more fields than the limit would be refused after validation anyway; refusing
        // it now keeps validation from walking it.
        if shape.fields > limits.complexity {
            return Err(too_complex(shape.fields, limits.complexity));
        }
        if shape.password_fields > 1 {
            return Err(refusal(
                "TOO_MANY_ROOT_FIELDS",
                format!(
                    "登录、修改密码、创建用户、重置密码每次请求只能调用一次，本请求有 {} 次 (one sign-in or password operation per request: this one has {})",
                    shape.password_fields, shape.password_fields
                ),
            ));
        }
        if !self.introspection && shape.introspection {
            return Err(refusal(
                "INTROSPECTION_DISABLED",
                "未登录时不提供架构内省 (introspection is not available to anonymous callers)"
                    .to_owned(),
            ));
        }
        Ok(())
    }
}

fn too_deep(depth: Option<(usize, usize)>) -> ServerError {
    let message = match depth {
        Some((depth, limit)) => format!(
            "查询嵌套 {depth} 层，超过上限 {limit} (query is nested too deep: {depth} > {limit})"
        ),
        None => format!(
            "查询或片段嵌套超过 {RECURSIVE_DEPTH} 层 (query is nested too deep: more than {RECURSIVE_DEPTH} levels)"
        ),
    };
    refusal("TOO_DEEP", message)
}

fn too_complex(complexity: usize, limit: usize) -> ServerError {
    refusal(
        "TOO_COMPLEX",
        format!(
            "查询复杂度 {complexity} 超过上限 {limit}，请减少每页数量或所选字段 (query is too complex: {complexity} > {limit}; ask for smaller pages or fewer fields)"
        ),
    )
}

/// What the checks need to know about a document.
#[derive(Debug, Default, PartialEq, Eq)]
struct Shape {
    /// Aliases in every operation and fragment, a fragment's counted at every spread.
    aliases: usize,
    /// Fields of every operation with every fragment expanded.
    fields: usize,
    /// Top-level fields of the executed operation (fragments at the top expanded).
    root_fields: usize,
    /// The executed operation asks for `__schema` or `__type`.
    introspection: bool,
    /// Top-level fields of the executed operation that hash a password
    /// ([`PASSWORD_FIELDS`]).
    password_fields: usize,
}

/// The mutations that run argon2 (19 MiB and tens of milliseconds each, on purpose): one
/// request may call at most one of them, once, so twenty aliased `login`s cannot multiply
/// a request's memory and CPU (a global bound on concurrent hashes covers many requests:
/// `service::account`).
pub const PASSWORD_FIELDS: [&str; 4] = ["login", "changePassword", "createUser", "resetPassword"];

/// Counts over one selection set with every fragment spread expanded.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    aliases: usize,
    fields: usize,
    top_fields: usize,
    top_introspection: bool,
    top_password: usize,
}

impl Tally {
    /// Adds the counts of a selection that sits beside this one.
    fn absorb(&mut self, other: Tally) {
        self.aliases = self.aliases.saturating_add(other.aliases);
        self.fields = self.fields.saturating_add(other.fields);
        self.top_fields = self.top_fields.saturating_add(other.top_fields);
        self.top_introspection |= other.top_introspection;
        self.top_password = self.top_password.saturating_add(other.top_password);
    }
}

/// Expands fragments, computing each fragment's tally once: a fragment spread a thousand
/// times, or fragments that each spread the next one twice, cost one visit per fragment.
/// A spread of a fragment that is being expanded (a cycle, which validation refuses later)
/// or of one that does not exist counts nothing.
struct Expander<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    /// `None` while the fragment is being expanded.
    memo: HashMap<&'a str, Option<Tally>>,
}

impl<'a> Expander<'a> {
    /// `Err` when nesting goes past [`RECURSIVE_DEPTH`].
    fn selection_set(&mut self, set: &'a SelectionSet, depth: usize) -> Result<Tally, ()> {
        if depth > RECURSIVE_DEPTH {
            return Err(());
        }
        let mut tally = Tally::default();
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let name = field.name.node.as_str();
                    let inner = if field.selection_set.node.items.is_empty() {
                        Tally::default()
                    } else {
                        self.selection_set(&field.selection_set.node, depth + 1)?
                    };
                    tally.absorb(Tally {
                        aliases: usize::from(field.alias.is_some()).saturating_add(inner.aliases),
                        fields: inner.fields.saturating_add(1),
                        top_fields: 1,
                        top_introspection: name == "__schema" || name == "__type",
                        top_password: usize::from(PASSWORD_FIELDS.contains(&name)),
                    });
                }
                Selection::InlineFragment(fragment) => {
                    tally.absorb(self.selection_set(&fragment.node.selection_set.node, depth + 1)?);
                }
                Selection::FragmentSpread(spread) => {
                    tally
                        .absorb(self.fragment(spread.node.fragment_name.node.as_str(), depth + 1)?);
                }
            }
        }
        Ok(tally)
    }

    fn fragment(&mut self, name: &'a str, depth: usize) -> Result<Tally, ()> {
        match self.memo.get(name) {
            Some(Some(tally)) => return Ok(*tally),
            Some(None) => return Ok(Tally::default()),
            None => {}
        }
        let Some((key, definition)) = self.fragments.get_key_value(name) else {
            return Ok(Tally::default());
        };
        self.memo.insert(key.as_str(), None);
        let tally = self.selection_set(&definition.node.selection_set.node, depth)?;
        self.memo.insert(key.as_str(), Some(tally));
        Ok(tally)
    }
}

impl Shape {
    /// `Err` when the document nests deeper than [`RECURSIVE_DEPTH`].
    fn of(document: &ExecutableDocument, operation_name: Option<&str>) -> Result<Shape, ()> {
        let mut expander = Expander {
            fragments: &document.fragments,
            memo: HashMap::new(),
        };
        let mut shape = Shape::default();
        let mut executed: Option<Tally> = None;
        let mut widest = Tally::default();
        let single = document.operations.iter().count() == 1;
        for (name, operation) in document.operations.iter() {
            let tally = expander.selection_set(&operation.node.selection_set.node, 1)?;
            shape.aliases = shape.aliases.saturating_add(tally.aliases);
            shape.fields = shape.fields.saturating_add(tally.fields);
            let chosen = match operation_name {
                Some(wanted) => name.is_some_and(|n| n.as_str() == wanted),
                None => single,
            };
            if chosen {
                executed = Some(tally);
            }
            widest.top_fields = widest.top_fields.max(tally.top_fields);
            widest.top_introspection |= tally.top_introspection;
            widest.top_password = widest.top_password.max(tally.top_password);
        }
        // Fragments no operation uses are refused by validation, but validation walks them
        // first: their aliases count too.
        for name in document.fragments.keys() {
            if !expander.memo.contains_key(name.as_str()) {
                let tally = expander.fragment(name.as_str(), 1)?;
                shape.aliases = shape.aliases.saturating_add(tally.aliases);
            }
        }
        // Without a way to tell which operation runs, the request fails later anyway;
        // judge it by its widest operation meanwhile.
        let executed = executed.unwrap_or(widest);
        shape.root_fields = executed.top_fields;
        shape.introspection = executed.top_introspection;
        shape.password_fields = executed.top_password;
        Ok(shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(query: &str, operation: Option<&str>) -> Shape {
        let document = async_graphql::parser::parse_query(query).unwrap();
        Shape::of(&document, operation).unwrap()
    }

    #[test]
    fn counts_aliases_and_root_fields_through_fragments() {
        let s = shape(
            "{ a: sessions { totalCount } b: sessions { c: totalCount } ...F ... on Query { d: node(id: \"x\") { id } } }
             fragment F on Query { e: deputies { totalCount } f: __typename }",
            None,
        );
        assert_eq!(
            s,
            Shape {
                aliases: 6,
                fields: 9,
                root_fields: 5,
                introspection: false,
                password_fields: 0,
            }
        );
    }

    #[test]
    fn a_fragment_counts_at_every_spread_in_linear_time() {
        // F0 spreads F1 twice, F1 spreads F2 twice, … : 2^30 aliases once expanded.
        let mut query = String::from("{ ...F0 }\n");
        for i in 0..30 {
            query += &format!("fragment F{i} on Query {{ ...F{} ...F{} }}\n", i + 1, i + 1);
        }
        query += "fragment F30 on Query { a: __typename }\n";
        let document = async_graphql::parser::parse_query(&query).unwrap();
        // Deeper than RECURSIVE_DEPTH? 31 levels of spreads plus the operation: no.
        let s = Shape::of(&document, None).unwrap();
        assert_eq!(s.aliases, 1 << 30);
        assert_eq!(s.fields, 1 << 30);
        assert_eq!(s.root_fields, 1 << 30);
    }

    #[test]
    fn password_operations_are_counted_at_the_top_through_aliases_and_fragments() {
        // (document, password fields of the executed operation)
        let rows = [
            ("mutation { login(input: {}) { token } }", 1),
            (
                "mutation { a: login(input: {}) { token } b: login(input: {}) { token } }",
                2,
            ),
            (
                "mutation { ...F ...F } fragment F on MutationRoot { login(input: {}) { token } }",
                2,
            ),
            (
                "mutation { login(input: {}) { token } changePassword(input: {}) { user { id } } }",
                2,
            ),
            (
                "mutation { ... on MutationRoot { createUser(input: {}) { user { id } } } }",
                1,
            ),
            ("{ me { login } }", 0),
        ];
        for (query, expected) in rows {
            assert_eq!(shape(query, None).password_fields, expected, "{query}");
        }
    }

    #[test]
    fn cycles_and_unknown_fragments_do_not_loop() {
        let s = shape(
            "{ ...A } fragment A on Query { a: __typename ...B } fragment B on Query { b: __typename ...A ...Missing }",
            None,
        );
        assert_eq!(s.aliases, 2);
        assert_eq!(s.root_fields, 2);
        let s = shape("{ ...A } fragment A on Query { ...A }", None);
        assert_eq!(s.root_fields, 0);
    }

    #[test]
    fn long_fragment_chains_are_refused_not_recursed() {
        let mut query = String::from("{ ...F0 }\n");
        for i in 0..10_000 {
            query += &format!("fragment F{i} on Query {{ ...F{} }}\n", i + 1);
        }
        query += "fragment F10000 on Query { __typename }\n";
        let document = async_graphql::parser::parse_query(&query).unwrap();
        assert!(Shape::of(&document, None).is_err());
    }

    #[test]
    fn root_fields_are_those_of_the_executed_operation() {
        let query = "query One { a: sessions { totalCount } }
                     query Two { sessions { totalCount } deputies { totalCount } __schema { queryType { name } } }";
        let one = shape(query, Some("One"));
        assert_eq!((one.root_fields, one.introspection), (1, false));
        let two = shape(query, Some("Two"));
        assert_eq!((two.root_fields, two.introspection), (3, true));
        assert_eq!(one.aliases, 1, "aliases count over the whole document");
        let unnamed = shape(query, None);
        assert_eq!(unnamed.root_fields, 3, "the widest when none is named");
    }
}
