//! Who may do what (README, "Accounts, roles and signing in").
//!
//! 1. A role × operation matrix: every root query and mutation of the schema, called by
//!    the public, each role, and (for objects a unit or deputy may or may not see) on both
//!    sides of the line. A new operation without a row fails
//!    `every_operation_of_the_schema_has_a_matrix_row`.
//! 2. Leakage probes: unit A's staff, and a deputy, trying every path we know of to learn
//!    about another unit's (another deputy's) cases. What they may not see must look
//!    exactly like what does not exist.

use std::collections::BTreeSet;

use banli::graphql::ids::Kind;
use serde_json::{json, Value};

use crate::helpers::{codes, fields, id_at, missing, spawn_app, TestApp, ADMIN, USER_PASSWORD};

// ---------------------------------------------------------------------------------------
// Outcomes and callers
// ---------------------------------------------------------------------------------------

/// How one call ended, as far as access is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Ran: no GraphQL error; a mutation's `userErrors` may say INVALID, CONFLICT,
    /// INVALID_STATE… but not NOT_FOUND.
    Allowed,
    /// The object is outside the caller's scope: a null result, a query error with code
    /// NOT_FOUND, or a payload whose first user error is NOT_FOUND.
    NotFound,
    /// A GraphQL error with `extensions.code` UNAUTHENTICATED.
    Unauth,
    /// A GraphQL error with `extensions.code` FORBIDDEN.
    Forbidden,
    /// Anything else (another error code): always a failure.
    Unexpected,
}

const ALLOWED: Outcome = Outcome::Allowed;
const NOT_FOUND: Outcome = Outcome::NotFound;
const UNAUTH: Outcome = Outcome::Unauth;
const FORBIDDEN: Outcome = Outcome::Forbidden;

/// The callers of the matrix, in the order of each row's expectations.
const CALLERS: [&str; 7] = [
    "ANONYMOUS",
    "OFFICE_ADMIN",
    "OFFICE_STAFF",
    "UNIT_STAFF(A)",
    "DEPUTY",
    "AUDITOR",
    "COORDINATOR",
];

/// Classifies a response to the root field `op`.
fn classify(op: &str, response: &Value) -> Outcome {
    if let Some(errors) = response.get("errors") {
        return match errors[0]["extensions"]["code"].as_str() {
            Some("UNAUTHENTICATED") => Outcome::Unauth,
            Some("FORBIDDEN") => Outcome::Forbidden,
            Some("NOT_FOUND") => Outcome::NotFound,
            _ => Outcome::Unexpected,
        };
    }
    let result = &response["data"][op];
    if result.is_null() {
        return Outcome::NotFound;
    }
    match result.get("userErrors").and_then(|e| e[0]["code"].as_str()) {
        Some("NOT_FOUND") => Outcome::NotFound,
        _ => Outcome::Allowed,
    }
}

/// One caller: the app calling as them, and how to sign them in again.
struct Caller {
    app: TestApp,
    credentials: Option<(String, String)>,
}

impl Caller {
    /// The app with a token of its own, for operations that end the session (`logout`).
    async fn fresh(&self) -> TestApp {
        match &self.credentials {
            Some((user, password)) => {
                let token = self.app.login(user, password).await;
                self.app.with_token(&token)
            }
            None => self.app.clone(),
        }
    }
}

/// The seven callers of the matrix, in [`CALLERS`] order. The unit staff works for `unit`,
/// the deputy user is `deputy`.
async fn callers(admin: &TestApp, unit: &str, deputy: &str) -> Vec<Caller> {
    let user = |name: &str| Some((name.to_owned(), USER_PASSWORD.to_owned()));
    vec![
        Caller {
            app: admin.as_public(),
            credentials: None,
        },
        Caller {
            app: admin.clone(),
            credentials: Some((ADMIN.0.to_owned(), ADMIN.1.to_owned())),
        },
        Caller {
            app: admin.user("m-staff", "OFFICE_STAFF", None, None).await,
            credentials: user("m-staff"),
        },
        Caller {
            app: admin.user("m-unit-a", "UNIT_STAFF", Some(unit), None).await,
            credentials: user("m-unit-a"),
        },
        Caller {
            app: admin.user("m-deputy", "DEPUTY", None, Some(deputy)).await,
            credentials: user("m-deputy"),
        },
        Caller {
            app: admin.user("m-auditor", "AUDITOR", None, None).await,
            credentials: user("m-auditor"),
        },
        Caller {
            app: admin.user("m-coordinator", "COORDINATOR", None, None).await,
            credentials: user("m-coordinator"),
        },
    ]
}

// ---------------------------------------------------------------------------------------
// The matrix
// ---------------------------------------------------------------------------------------

/// What the matrix acts on. Unit A's staff and deputy D are the restricted callers; every
/// "other" object belongs to unit B / deputy E.
struct MatrixFixture {
    session: String,
    unit_a: String,
    unit_b: String,
    deputy_d: String,
    /// Led by D, assigned to A alone (SOLE) on 2026-02-01, signed for and replied to.
    own_suggestion: String,
    own_assignment: String,
    own_reply: String,
    /// Led by E, assigned to B alone, signed for and replied to.
    other_suggestion: String,
    other_assignment: String,
    other_reply: String,
    /// A's pending request to return another of D's suggestions (assigned 2026-11-16).
    return_request: String,
    /// A's pending request for more time on yet another of D's suggestions.
    extension_request: String,
    /// An office account the administrator renames in `updateUser`.
    dummy_user: String,
    /// Public feedback on B's reply (published for it).
    other_feedback: String,
    /// D's filing, submitted (the office sees it).
    own_filing: String,
    /// E's draft (only E sees it).
    other_filing: String,
    /// E's draft inviting D to co-sign.
    invited_filing: String,
    /// A progress report asked of A on D's key suggestion.
    own_report: String,
}

impl MatrixFixture {
    /// Well-formed IDs that name nothing: enough to list the rows without a server.
    fn placeholder() -> Self {
        Self {
            session: missing(Kind::Session),
            unit_a: missing(Kind::HandlingUnit),
            unit_b: missing(Kind::HandlingUnit),
            deputy_d: missing(Kind::Deputy),
            own_suggestion: missing(Kind::Suggestion),
            own_assignment: missing(Kind::Assignment),
            own_reply: missing(Kind::Reply),
            other_suggestion: missing(Kind::Suggestion),
            other_assignment: missing(Kind::Assignment),
            other_reply: missing(Kind::Reply),
            return_request: missing(Kind::ReturnRequest),
            extension_request: missing(Kind::ExtensionRequest),
            dummy_user: missing(Kind::User),
            other_feedback: missing(Kind::PublicFeedback),
            own_filing: missing(Kind::Filing),
            other_filing: missing(Kind::Filing),
            invited_filing: missing(Kind::Filing),
            own_report: missing(Kind::ProgressReport),
        }
    }

    async fn build(app: &TestApp) -> Self {
        let session = app.session("访问矩阵会议").await;
        let deputy_d = app.deputy("丁代表").await;
        let deputy_e = app.deputy("鄂代表").await;
        let unit_a = app.unit("甲单位", "UA").await;
        let unit_b = app.unit("乙单位", "UB").await;
        // The office records what the units send on paper, so it sets everything up.
        let sole = |suggestion: &str, unit: &str, on: &str| {
            json!({"suggestionId": suggestion, "assignedOn": on,
                "units": [{"unitId": unit, "role": "SOLE"}]})
        };
        let replied = |suggestion: String, unit: String| async move {
            let p = app.assign(sole(&suggestion, &unit, "2026-02-01")).await;
            let assignment = id_at(&p, "assignments.0.id");
            app.sign_for(&assignment).await;
            let p = app.submit_reply(TestApp::reply_input(&assignment)).await;
            assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
            (suggestion, assignment, id_at(&p, "reply.id"))
        };
        let own = app.suggestion(&session, &deputy_d, "0001").await;
        let (own_suggestion, own_assignment, own_reply) = replied(own, unit_a.clone()).await;
        let other = app.suggestion(&session, &deputy_e, "0002").await;
        let (other_suggestion, other_assignment, other_reply) =
            replied(other, unit_b.clone()).await;

        // Pending requests for the office to decide (made for A, by the office).
        let to_return = app.suggestion(&session, &deputy_d, "0003").await;
        let p = app.assign(sole(&to_return, &unit_a, "2026-11-16")).await;
        let p = must_succeed(
            app,
            "requestReturn",
            "mutation($id: ID!) { requestReturn(input: {assignmentId: $id, reason: \"不属于本单位职责\"}) {
                returnRequest { id } userErrors { field code message } } }",
            json!({"id": id_at(&p, "assignments.0.id")}),
        )
        .await;
        let return_request = id_at(&p, "returnRequest.id");
        let to_extend = app.suggestion(&session, &deputy_d, "0004").await;
        let p = app.assign(sole(&to_extend, &unit_a, "2026-11-16")).await;
        let assignment = id_at(&p, "assignments.0.id");
        app.sign_for(&assignment).await;
        let p = must_succeed(
            app,
            "requestExtension",
            "mutation($id: ID!) { requestExtension(input: {assignmentId: $id, reason: \"需要跨部门协调\"}) {
                extensionRequest { id } userErrors { field code message } } }",
            json!({"id": assignment}),
        )
        .await;
        let extension_request = id_at(&p, "extensionRequest.id");

        let p = app
            .publish(json!({"replyId": other_reply, "publication": "FULL"}))
            .await;
        assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
        let p = app
            .submit_feedback(&other_reply, json!({"contact": "13900000002"}))
            .await;
        assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
        let listed = app
            .data("{ publicFeedback { nodes { id } } }", json!({}))
            .await;
        let other_feedback = id_at(&listed, "publicFeedback.nodes.0.id");

        // Filings: D's submitted, E's draft, and E's draft inviting D.
        let filer_d = app.user("m-filer-d", "DEPUTY", None, Some(&deputy_d)).await;
        let filer_e = app.user("m-filer-e", "DEPUTY", None, Some(&deputy_e)).await;
        let draft = "mutation($s: ID!, $t: String!, $c: [ID!]) { draftSuggestion(input: {sessionId: $s, title: $t, content: \"内容\", coSignerIds: $c}) {
            filing { id } userErrors { field code message } } }";
        let own_filing = id_at(
            &must_succeed(
                &filer_d,
                "draftSuggestion",
                draft,
                json!({"s": session, "t": "丁的建议", "c": []}),
            )
            .await,
            "filing.id",
        );
        must_succeed(
            &filer_d,
            "submitFiling",
            "mutation($id: ID!) { submitFiling(input: {id: $id}) { userErrors { field code message } } }",
            json!({"id": own_filing}),
        )
        .await;
        let other_filing = id_at(
            &must_succeed(
                &filer_e,
                "draftSuggestion",
                draft,
                json!({"s": session, "t": "鄂的草稿", "c": []}),
            )
            .await,
            "filing.id",
        );
        let invited_filing = id_at(
            &must_succeed(
                &filer_e,
                "draftSuggestion",
                draft,
                json!({"s": session, "t": "鄂邀丁联名", "c": [deputy_d]}),
            )
            .await,
            "filing.id",
        );

        // 督办: D's key suggestion with A, and a progress report asked of A.
        let p = app
            .register(json!({"sessionId": session, "leadDeputyId": deputy_d, "number": "0005",
                "title": "重点建议", "content": "内容。", "isKey": true, "supervisingLeader": "王副市长",
                "submittedOn": "2025-11-01"}))
            .await;
        let key = id_at(&p, "suggestion.id");
        app.assign(sole(&key, &unit_a, "2026-11-16")).await;
        let p = must_succeed(
            app,
            "requestProgressReports",
            "mutation($id: ID!) { requestProgressReports(input: {suggestionId: $id, dueOn: \"2099-01-01\"}) {
                progressReports { id } userErrors { field code message } } }",
            json!({"id": key}),
        )
        .await;
        let own_report = id_at(&p, "progressReports.0.id");

        let dummy = app.user("m-dummy", "OFFICE_STAFF", None, None).await;
        let dummy_user = id_at(&dummy.data("{ me { id } }", json!({})).await, "me.id");

        Self {
            session,
            unit_a,
            unit_b,
            deputy_d,
            own_suggestion,
            own_assignment,
            own_reply,
            other_suggestion,
            other_assignment,
            other_reply,
            return_request,
            extension_request,
            dummy_user,
            other_feedback,
            own_filing,
            other_filing,
            invited_filing,
            own_report,
        }
    }
}

/// One attempt: a root operation, the query that calls it, and the outcome expected for
/// each caller in [`CALLERS`] order.
struct Row {
    op: &'static str,
    /// What the row tries, in words.
    what: &'static str,
    query: &'static str,
    variables: Value,
    expect: [Outcome; 7],
    /// Call with a token of its own (the operation ends the caller's session).
    fresh_token: bool,
}

fn row(
    op: &'static str,
    what: &'static str,
    query: &'static str,
    variables: Value,
    expect: [Outcome; 7],
) -> Row {
    Row {
        op,
        what,
        query,
        variables,
        expect,
        fresh_token: false,
    }
}

/// The matrix. Mutations are called so that, once past the guard and the scope check,
/// they change nothing that later rows depend on: a stale `expectedVersion` (CONFLICT),
/// an invalid or duplicate value, a wrong current password. What counts is that the
/// caller got past the guard (ALLOWED) or not.
#[rustfmt::skip]
fn matrix(f: &MatrixFixture) -> Vec<Row> {
    const STALE: i32 = 999;
    // Expectations, in order:  anonymous  admin    staff    unit A     deputy D   auditor  coordinator
    vec![
        // ---- queries -------------------------------------------------------------------
        // Sessions, units and deputies are not private: any signed-in caller finds them.
        row("node", "a session by node(id)",
            "query($id: ID!) { node(id: $id) { id } }", json!({"id": f.session}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED]),
        // A's assignment on D's suggestion: visible to A and D, not to the auditor.
        row("node", "unit A's own assignment by node(id)",
            "query($id: ID!) { node(id: $id) { id } }", json!({"id": f.own_assignment}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, ALLOWED, NOT_FOUND, ALLOWED]),
        // B's assignment on E's suggestion: only the office sees it.
        row("node", "unit B's assignment by node(id)",
            "query($id: ID!) { node(id: $id) { id } }", json!({"id": f.other_assignment}),
            [UNAUTH, ALLOWED, ALLOWED, NOT_FOUND, NOT_FOUND, NOT_FOUND, ALLOWED]),
        row("nodes", "a session and unit B's assignment by nodes(ids)",
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({"ids": [f.session, f.other_assignment]}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED]),
        row("sessions", "list sessions",
            "{ sessions { totalCount nodes { id } } }", json!({}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED]),
        row("deputies", "list deputies",
            "{ deputies { totalCount nodes { id name phone } } }", json!({}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED]),
        row("handlingUnits", "list units",
            "{ handlingUnits { totalCount nodes { id name } } }", json!({}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED]),
        row("suggestions", "list suggestions (business data: not for the auditor)",
            "{ suggestions { totalCount nodes { id } } }", json!({}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, ALLOWED, FORBIDDEN, ALLOWED]),
        row("similarSuggestions", "duplicates of a text (each sees its own scope)",
            "{ similarSuggestions(text: \"关于加强基层干部培训的建议\") { score suggestion { id } } }", json!({}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, ALLOWED, FORBIDDEN, ALLOWED]),
        // For unit staff only their own unit exists as a filter value.
        row("suggestions", "suggestions filtered by unit B",
            "query($u: ID!) { suggestions(filter: {unitId: $u}) { totalCount nodes { id } } }",
            json!({"u": f.unit_b}),
            [UNAUTH, ALLOWED, ALLOWED, NOT_FOUND, ALLOWED, FORBIDDEN, ALLOWED]),
        row("suggestion", "D's suggestion handled by A",
            "query($id: ID!) { suggestion(id: $id) { id } }", json!({"id": f.own_suggestion}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, ALLOWED, FORBIDDEN, ALLOWED]),
        row("suggestion", "E's suggestion handled by B",
            "query($id: ID!) { suggestion(id: $id) { id } }", json!({"id": f.other_suggestion}),
            [UNAUTH, ALLOWED, ALLOWED, NOT_FOUND, NOT_FOUND, FORBIDDEN, ALLOWED]),
        // Addresses of the spreadsheet routes: the list's roles (the filter checked as
        // `suggestions` checks it), and the office alone for the bulk import.
        row("suggestionExport", "the address of the suggestion list as .xlsx",
            "{ suggestionExport(format: XLSX) }", json!({}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, ALLOWED, FORBIDDEN, ALLOWED]),
        row("suggestionExport", "the list as .csv filtered by unit B",
            "query($u: ID!) { suggestionExport(filter: {unitId: $u}, format: CSV) }",
            json!({"u": f.unit_b}),
            [UNAUTH, ALLOWED, ALLOWED, NOT_FOUND, ALLOWED, FORBIDDEN, ALLOWED]),
        row("suggestionImport", "the import template and upload addresses",
            "query($s: ID!) { suggestionImport(sessionId: $s) { templateUrl uploadUrl } }",
            json!({"s": f.session}),
            [UNAUTH, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("suggestionByNumber", "E's suggestion by its number",
            "query($s: ID!) { suggestionByNumber(sessionId: $s, number: \"0002\") { id } }",
            json!({"s": f.session}),
            [UNAUTH, ALLOWED, ALLOWED, NOT_FOUND, NOT_FOUND, FORBIDDEN, ALLOWED]),
        row("assignments", "list assignments",
            "{ assignments { totalCount nodes { id } } }", json!({}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, ALLOWED, FORBIDDEN, ALLOWED]),
        row("assignments", "assignments filtered by unit B",
            "query($u: ID!) { assignments(filter: {unitId: $u}) { totalCount nodes { id } } }",
            json!({"u": f.unit_b}),
            [UNAUTH, ALLOWED, ALLOWED, NOT_FOUND, ALLOWED, FORBIDDEN, ALLOWED]),
        row("previewDueDate", "preview a due date",
            "query($s: ID!) { previewDueDate(sessionId: $s, start: \"2026-03-02\", period: REPLY) { dueOn } }",
            json!({"s": f.session}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED]),
        row("deadlineSummary", "deadline figures (office and units only)",
            "{ deadlineSummary { overall { total } } }", json!({}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, ALLOWED]),
        row("deadlineSummary", "deadline figures of unit B",
            "query($u: ID!) { deadlineSummary(unitId: $u) { overall { total } } }",
            json!({"u": f.unit_b}),
            [UNAUTH, ALLOWED, ALLOWED, NOT_FOUND, FORBIDDEN, FORBIDDEN, ALLOWED]),
        row("statistics", "report tables (office and units only)",
            "{ statistics(groupBy: [UNIT]) { total { assignments } } }", json!({}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, ALLOWED]),
        row("statistics", "report table of unit B",
            "query($u: ID!) { statistics(filter: {unitId: $u}) { total { assignments } } }",
            json!({"u": f.unit_b}),
            [UNAUTH, ALLOWED, ALLOWED, NOT_FOUND, FORBIDDEN, FORBIDDEN, ALLOWED]),
        row("statisticsExport", "link to a report table (office and units only)",
            "{ statisticsExport(groupBy: [UNIT]) }", json!({}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, ALLOWED]),
        row("statisticsExport", "link to the report table of unit B",
            "query($u: ID!) { statisticsExport(filter: {unitId: $u}) }",
            json!({"u": f.unit_b}),
            [UNAUTH, ALLOWED, ALLOWED, NOT_FOUND, FORBIDDEN, FORBIDDEN, ALLOWED]),
        row("calendar", "the official calendar",
            "{ calendar(year: 2026) { year loaded } }", json!({}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED]),
        // The public is nobody: `me` is null for it (classified NOT_FOUND), never an error.
        row("me", "who am I",
            "{ me { username role } }", json!({}),
            [NOT_FOUND, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED]),
        row("users", "list accounts",
            "{ users { totalCount nodes { username } } }", json!({}),
            [UNAUTH, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("auditLog", "read the audit log",
            "{ auditLog(first: 1) { totalCount nodes { operation } } }", json!({}),
            [UNAUTH, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, ALLOWED, FORBIDDEN]),
        // Deliveries show mobile numbers and addresses: the office's only.
        row("notificationDeliveries", "the record of SMS and e-mail deliveries",
            "{ notificationDeliveries(first: 5) { totalCount nodes { status } } }", json!({}),
            [UNAUTH, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("notificationDefaults", "the office's defaults per kind of notice",
            "{ notificationDefaults { version } }", json!({}),
            [UNAUTH, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("updateNotificationDefaults", "change the office's defaults (none)",
            "mutation { updateNotificationDefaults(input: {kinds: []}) { userErrors { field code message } } }",
            json!({}),
            [UNAUTH, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        // Every signed-in user has their own notices (and sees no one else's).
        row("notifications", "my notifications",
            "{ notifications(first: 5) { totalCount nodes { kind } } }", json!({}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED]),
        row("unreadNotificationCount", "how many of mine are unread",
            "{ unreadNotificationCount }", json!({}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED]),
        row("myNotificationSettings", "my contacts and channels",
            "{ myNotificationSettings { version } }", json!({}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED]),
        row("updateMyNotificationSettings", "change my channels (none)",
            "mutation { updateMyNotificationSettings(input: {kinds: []}) { userErrors { field code message } } }",
            json!({}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED]),
        row("markNotificationsRead", "mark all of mine read",
            "mutation { markNotificationsRead(input: {all: true}) { marked userErrors { field code message } } }",
            json!({}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED]),

        // ---- office mutations ----------------------------------------------------------
        row("createSession", "create a session (duplicate name)",
            "mutation { createSession(input: {name: \"访问矩阵会议\", level: PROVINCIAL, term: 13, meeting: 5}) { userErrors { field code message } } }",
            json!({}),
            [UNAUTH, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("transferAssignments", "move an assignment to its own unit",
            "mutation($a: ID!, $u: ID!) { transferAssignments(input: {assignmentIds: [$a], toUnitId: $u, reason: \"机构改革\"}) { userErrors { field code message } } }",
            json!({"a": f.own_assignment, "u": f.unit_a}),
            [UNAUTH, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("retireHandlingUnit", "retire unit A (stale version)",
            "mutation($id: ID!, $v: Int) { retireHandlingUnit(input: {id: $id, expectedVersion: $v}) { userErrors { field code message } } }",
            json!({"id": f.unit_a, "v": STALE}),
            [UNAUTH, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("updateSession", "change a session's rules (stale version)",
            "mutation($id: ID!, $v: Int) { updateSession(input: {id: $id, expectedVersion: $v, deadlineRules: {replyMonths: 4}}) { userErrors { field code message } } }",
            json!({"id": f.session, "v": STALE}),
            [UNAUTH, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("createDeputy", "register a deputy (empty name)",
            "mutation { createDeputy(input: {name: \"\"}) { userErrors { field code message } } }",
            json!({}),
            [UNAUTH, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("updateDeputy", "correct D's record (stale version)",
            "mutation($id: ID!, $v: Int) { updateDeputy(input: {id: $id, expectedVersion: $v, delegation: \"淮南代表团\"}) { userErrors { field code message } } }",
            json!({"id": f.deputy_d, "v": STALE}),
            [UNAUTH, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("updateHandlingUnit", "rename unit A (stale version)",
            "mutation($id: ID!, $v: Int) { updateHandlingUnit(input: {id: $id, expectedVersion: $v, name: \"甲单位（更名）\"}) { userErrors { field code message } } }",
            json!({"id": f.unit_a, "v": STALE}),
            [UNAUTH, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("createHandlingUnit", "register a unit (duplicate code)",
            "mutation { createHandlingUnit(input: {name: \"甲单位二\", code: \"UA\"}) { userErrors { field code message } } }",
            json!({}),
            [UNAUTH, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("registerSuggestion", "register a suggestion (duplicate number)",
            "mutation($s: ID!, $d: ID!) { registerSuggestion(input: {sessionId: $s, number: \"0001\", title: \"重复\", content: \"重复\", leadDeputyId: $d}) { userErrors { field code message } } }",
            json!({"s": f.session, "d": f.deputy_d}),
            [UNAUTH, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("updateSuggestion", "edit D's suggestion (stale version)",
            "mutation($id: ID!, $v: Int) { updateSuggestion(input: {id: $id, expectedVersion: $v, topic: \"改\"}) { userErrors { field code message } } }",
            json!({"id": f.own_suggestion, "v": STALE}),
            [UNAUTH, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("assignSuggestion", "assign D's suggestion (stale version)",
            "mutation($id: ID!, $u: ID!, $v: Int) { assignSuggestion(input: {suggestionId: $id, expectedVersion: $v, units: [{unitId: $u, role: SOLE}]}) { userErrors { field code message } } }",
            json!({"id": f.own_suggestion, "u": f.unit_a, "v": STALE}),
            [UNAUTH, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("publishReply", "publish A's reply (stale version)",
            "mutation($id: ID!, $v: Int) { publishReply(input: {replyId: $id, expectedVersion: $v, publication: FULL}) { userErrors { field code message } } }",
            json!({"id": f.own_reply, "v": STALE}),
            [UNAUTH, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("unpublishReply", "withdraw A's publication (stale version)",
            "mutation($id: ID!, $v: Int) { unpublishReply(input: {replyId: $id, expectedVersion: $v, reason: \"误发\"}) { userErrors { field code message } } }",
            json!({"id": f.own_reply, "v": STALE}),
            [UNAUTH, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("reviewReply", "review A's reply (stale version)",
            "mutation($id: ID!, $v: Int) { reviewReply(input: {replyId: $id, expectedVersion: $v, category: A}) { userErrors { field code message } } }",
            json!({"id": f.own_reply, "v": STALE}),
            [UNAUTH, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("decideReturn", "reject A's return request",
            "mutation($id: ID!) { decideReturn(input: {requestId: $id, approve: false, note: \"仍由原单位办理\"}) { userErrors { field code message } } }",
            json!({"id": f.return_request}),
            [UNAUTH, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("decideExtension", "reject A's extension request",
            "mutation($id: ID!) { decideExtension(input: {requestId: $id, approve: false}) { userErrors { field code message } } }",
            json!({"id": f.extension_request}),
            [UNAUTH, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("closeSuggestion", "close D's suggestion (stale version)",
            "mutation($id: ID!, $v: Int) { closeSuggestion(input: {suggestionId: $id, expectedVersion: $v}) { userErrors { field code message } } }",
            json!({"id": f.own_suggestion, "v": STALE}),
            [UNAUTH, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("importCalendar", "import a calendar (malformed CSV)",
            "mutation { importCalendar(input: {csv: \"not,a\\ncalendar\", source: \"测试\"}) { userErrors { field code message } } }",
            json!({}),
            [UNAUTH, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("setCalendarDay", "correct one calendar day (far from any deadline)",
            "mutation { setCalendarDay(input: {date: \"2099-06-01\", kind: HOLIDAY, festival: \"测试\"}) { userErrors { field code message } } }",
            json!({}),
            [UNAUTH, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),

        // ---- unit mutations: on A's own assignment, then on B's ------------------------
        row("signForAssignment", "sign for A's assignment (stale version)",
            "mutation($id: ID!, $v: Int) { signForAssignment(input: {assignmentId: $id, expectedVersion: $v}) { userErrors { field code message } } }",
            json!({"id": f.own_assignment, "v": STALE}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("signForAssignment", "sign for B's assignment",
            "mutation($id: ID!, $v: Int) { signForAssignment(input: {assignmentId: $id, expectedVersion: $v}) { userErrors { field code message } } }",
            json!({"id": f.other_assignment, "v": STALE}),
            [UNAUTH, ALLOWED, ALLOWED, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("requestReturn", "return A's assignment (stale version)",
            "mutation($id: ID!, $v: Int) { requestReturn(input: {assignmentId: $id, expectedVersion: $v, reason: \"不属于本单位\"}) { userErrors { field code message } } }",
            json!({"id": f.own_assignment, "v": STALE}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("requestReturn", "return B's assignment",
            "mutation($id: ID!, $v: Int) { requestReturn(input: {assignmentId: $id, expectedVersion: $v, reason: \"不属于本单位\"}) { userErrors { field code message } } }",
            json!({"id": f.other_assignment, "v": STALE}),
            [UNAUTH, ALLOWED, ALLOWED, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("sendCoOpinion", "send an opinion on A's assignment (stale version)",
            "mutation($id: ID!, $v: Int) { sendCoOpinion(input: {assignmentId: $id, expectedVersion: $v, body: \"同意\", signedBy: \"甲\"}) { userErrors { field code message } } }",
            json!({"id": f.own_assignment, "v": STALE}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("sendCoOpinion", "send an opinion on B's assignment",
            "mutation($id: ID!, $v: Int) { sendCoOpinion(input: {assignmentId: $id, expectedVersion: $v, body: \"同意\", signedBy: \"甲\"}) { userErrors { field code message } } }",
            json!({"id": f.other_assignment, "v": STALE}),
            [UNAUTH, ALLOWED, ALLOWED, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("requestExtension", "more time on A's assignment (stale version)",
            "mutation($id: ID!, $v: Int) { requestExtension(input: {assignmentId: $id, expectedVersion: $v, reason: \"协调\"}) { userErrors { field code message } } }",
            json!({"id": f.own_assignment, "v": STALE}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("requestExtension", "more time on B's assignment",
            "mutation($id: ID!, $v: Int) { requestExtension(input: {assignmentId: $id, expectedVersion: $v, reason: \"协调\"}) { userErrors { field code message } } }",
            json!({"id": f.other_assignment, "v": STALE}),
            [UNAUTH, ALLOWED, ALLOWED, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("logContact", "log a contact on A's assignment (no participants)",
            "mutation($id: ID!) { logContact(input: {assignmentId: $id, stage: DURING, method: PHONE, contactedOn: \"2026-03-01\", participants: \"\"}) { userErrors { field code message } } }",
            json!({"id": f.own_assignment}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("logContact", "log a contact on B's assignment",
            "mutation($id: ID!) { logContact(input: {assignmentId: $id, stage: DURING, method: PHONE, contactedOn: \"2026-03-01\", participants: \"\"}) { userErrors { field code message } } }",
            json!({"id": f.other_assignment}),
            [UNAUTH, ALLOWED, ALLOWED, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("submitReply", "reply on A's assignment (stale version)",
            "mutation($id: ID!, $v: Int) { submitReply(input: {assignmentId: $id, expectedVersion: $v, category: A, body: \"答复\", signedBy: \"甲\", repliedOn: \"2026-03-01\", contactName: \"马友竹\", contactPhone: \"0554-6678417\"}) { userErrors { field code message } } }",
            json!({"id": f.own_assignment, "v": STALE}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("submitReply", "reply on B's assignment",
            "mutation($id: ID!, $v: Int) { submitReply(input: {assignmentId: $id, expectedVersion: $v, category: A, body: \"答复\", signedBy: \"甲\", repliedOn: \"2026-03-01\", contactName: \"马友竹\", contactPhone: \"0554-6678417\"}) { userErrors { field code message } } }",
            json!({"id": f.other_assignment, "v": STALE}),
            [UNAUTH, ALLOWED, ALLOWED, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("setAssignmentContact", "set the contact of A's assignment (stale version)",
            "mutation($id: ID!, $v: Int) { setAssignmentContact(input: {assignmentId: $id, expectedVersion: $v, contactName: \"马友竹\", contactPhone: \"0554-6678417\"}) { userErrors { field code message } } }",
            json!({"id": f.own_assignment, "v": STALE}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("setAssignmentContact", "set the contact of B's assignment",
            "mutation($id: ID!, $v: Int) { setAssignmentContact(input: {assignmentId: $id, expectedVersion: $v, contactName: \"马友竹\", contactPhone: \"0554-6678417\"}) { userErrors { field code message } } }",
            json!({"id": f.other_assignment, "v": STALE}),
            [UNAUTH, ALLOWED, ALLOWED, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("sendFollowUp", "follow up on A's assignment (empty body)",
            "mutation($id: ID!) { sendFollowUp(input: {assignmentId: $id, body: \"\"}) { userErrors { field code message } } }",
            json!({"id": f.own_assignment}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("sendFollowUp", "follow up on B's assignment",
            "mutation($id: ID!) { sendFollowUp(input: {assignmentId: $id, body: \"\"}) { userErrors { field code message } } }",
            json!({"id": f.other_assignment}),
            [UNAUTH, ALLOWED, ALLOWED, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        // Attachments: the office, units and deputies attach (each to its own records);
        // a JSON request carries no file, so an allowed caller gets INVALID at input.file.
        row("uploadAttachment", "attach to D's suggestion without a file",
            "mutation($id: ID!) { uploadAttachment(input: {ownerId: $id, kind: SUPPORTING, file: \"#__banli_file__:0\"}) { userErrors { field code message } } }",
            json!({"id": f.own_suggestion}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN]),
        row("deleteAttachment", "delete an attachment that does not exist",
            "mutation($id: ID!) { deleteAttachment(input: {id: $id}) { userErrors { field code message } } }",
            json!({"id": missing(Kind::Attachment)}),
            [UNAUTH, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN]),
        // 催办 is the office's (an empty message is refused as INVALID: nothing is sent).
        row("urgeAssignment", "urge A's assignment (empty message)",
            "mutation($id: ID!) { urgeAssignment(input: {assignmentId: $id, message: \"\"}) { userErrors { field code message } } }",
            json!({"id": f.own_assignment}),
            [UNAUTH, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, ALLOWED]),

        // ---- deputy mutations: on D's own suggestion, then on E's ----------------------
        // A rating in the future is refused as INVALID, so nothing is rated.
        row("rateReply", "rate the reply to D's suggestion (future date)",
            "mutation($id: ID!) { rateReply(input: {replyId: $id, satisfaction: SATISFIED, ratedOn: \"2099-01-01\"}) { userErrors { field code message } } }",
            json!({"id": f.own_reply}),
            [UNAUTH, ALLOWED, ALLOWED, FORBIDDEN, ALLOWED, FORBIDDEN, FORBIDDEN]),
        row("rateReply", "rate the reply to E's suggestion",
            "mutation($id: ID!) { rateReply(input: {replyId: $id, satisfaction: SATISFIED, ratedOn: \"2099-01-01\"}) { userErrors { field code message } } }",
            json!({"id": f.other_reply}),
            [UNAUTH, ALLOWED, ALLOWED, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN]),
        row("withdrawSuggestion", "withdraw D's suggestion (stale version)",
            "mutation($id: ID!, $v: Int) { withdrawSuggestion(input: {suggestionId: $id, expectedVersion: $v}) { userErrors { field code message } } }",
            json!({"id": f.own_suggestion, "v": STALE}),
            [UNAUTH, ALLOWED, ALLOWED, FORBIDDEN, ALLOWED, FORBIDDEN, FORBIDDEN]),
        row("withdrawSuggestion", "withdraw E's suggestion",
            "mutation($id: ID!, $v: Int) { withdrawSuggestion(input: {suggestionId: $id, expectedVersion: $v}) { userErrors { field code message } } }",
            json!({"id": f.other_suggestion, "v": STALE}),
            [UNAUTH, ALLOWED, ALLOWED, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN]),

        // ---- filing online and screening ----------------------------------------------
        // Deputies see their own filings and those they are invited to; the office sees
        // submitted ones; units and the auditor none.
        row("filings", "list filings (each sees its own)",
            "{ filings { totalCount nodes { id } } }", json!({}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN]),
        row("filing", "D's submitted filing",
            "query($id: ID!) { filing(id: $id) { id title } }", json!({"id": f.own_filing}),
            [UNAUTH, ALLOWED, ALLOWED, NOT_FOUND, ALLOWED, FORBIDDEN, FORBIDDEN]),
        row("filing", "E's draft: E's alone",
            "query($id: ID!) { filing(id: $id) { id title } }", json!({"id": f.other_filing}),
            [UNAUTH, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN]),
        row("filing", "E's draft that invites D",
            "query($id: ID!) { filing(id: $id) { id title } }", json!({"id": f.invited_filing}),
            [UNAUTH, NOT_FOUND, NOT_FOUND, NOT_FOUND, ALLOWED, FORBIDDEN, FORBIDDEN]),
        row("screeningOutcomes", "a session's screening outcomes",
            "query($s: ID!) { screeningOutcomes(sessionId: $s) { accepted } }", json!({"s": f.session}),
            [UNAUTH, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("draftSuggestion", "draft a suggestion (empty title)",
            "mutation($s: ID!) { draftSuggestion(input: {sessionId: $s, title: \"\", content: \"内容\"}) { userErrors { field code message } } }",
            json!({"s": f.session}),
            [UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, ALLOWED, FORBIDDEN, FORBIDDEN]),
        row("updateFiling", "edit D's filing (stale version)",
            "mutation($id: ID!, $v: Int) { updateFiling(input: {id: $id, expectedVersion: $v, title: \"改\"}) { userErrors { field code message } } }",
            json!({"id": f.own_filing, "v": STALE}),
            [UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, ALLOWED, FORBIDDEN, FORBIDDEN]),
        row("updateFiling", "edit E's draft that invites D",
            "mutation($id: ID!, $v: Int) { updateFiling(input: {id: $id, expectedVersion: $v, title: \"改\"}) { userErrors { field code message } } }",
            json!({"id": f.invited_filing, "v": STALE}),
            [UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN]),
        row("submitFiling", "submit D's filing (stale version)",
            "mutation($id: ID!, $v: Int) { submitFiling(input: {id: $id, expectedVersion: $v}) { userErrors { field code message } } }",
            json!({"id": f.own_filing, "v": STALE}),
            [UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, ALLOWED, FORBIDDEN, FORBIDDEN]),
        row("submitFiling", "submit E's draft",
            "mutation($id: ID!, $v: Int) { submitFiling(input: {id: $id, expectedVersion: $v}) { userErrors { field code message } } }",
            json!({"id": f.other_filing, "v": STALE}),
            [UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN]),
        row("withdrawFiling", "withdraw D's filing (stale version)",
            "mutation($id: ID!, $v: Int) { withdrawFiling(input: {id: $id, expectedVersion: $v}) { userErrors { field code message } } }",
            json!({"id": f.own_filing, "v": STALE}),
            [UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, ALLOWED, FORBIDDEN, FORBIDDEN]),
        row("withdrawFiling", "withdraw E's draft",
            "mutation($id: ID!, $v: Int) { withdrawFiling(input: {id: $id, expectedVersion: $v}) { userErrors { field code message } } }",
            json!({"id": f.other_filing, "v": STALE}),
            [UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN]),
        row("answerCoSignInvitation", "decline E's invitation to D",
            "mutation($id: ID!) { answerCoSignInvitation(input: {filingId: $id, confirm: false}) { userErrors { field code message } } }",
            json!({"id": f.invited_filing}),
            [UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, ALLOWED, FORBIDDEN, FORBIDDEN]),
        row("answerCoSignInvitation", "answer for E's draft without an invitation",
            "mutation($id: ID!) { answerCoSignInvitation(input: {filingId: $id, confirm: true}) { userErrors { field code message } } }",
            json!({"id": f.other_filing}),
            [UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN]),
        row("screenFiling", "screen D's filing (stale version)",
            "mutation($id: ID!, $v: Int) { screenFiling(input: {id: $id, expectedVersion: $v, decision: RETURN, comment: \"改\"}) { userErrors { field code message } } }",
            json!({"id": f.own_filing, "v": STALE}),
            [UNAUTH, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("screenFiling", "screen E's draft",
            "mutation($id: ID!, $v: Int) { screenFiling(input: {id: $id, expectedVersion: $v, decision: RETURN, comment: \"改\"}) { userErrors { field code message } } }",
            json!({"id": f.other_filing, "v": STALE}),
            [UNAUTH, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),

        // ---- review before release -------------------------------------------------------
        row("repliesInRelease", "replies on their way (a unit its own)",
            "{ repliesInRelease { totalCount nodes { id } } }", json!({}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("reviewReplyRelease", "review A's reply (stale version)",
            "mutation($id: ID!, $v: Int) { reviewReplyRelease(input: {replyId: $id, expectedVersion: $v, approve: true}) { userErrors { field code message } } }",
            json!({"id": f.own_reply, "v": STALE}),
            [UNAUTH, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("reviseReply", "revise A's reply (stale version)",
            "mutation($id: ID!, $v: Int) { reviseReply(input: {replyId: $id, expectedVersion: $v, body: \"改\"}) { userErrors { field code message } } }",
            json!({"id": f.own_reply, "v": STALE}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("reviseReply", "revise B's reply",
            "mutation($id: ID!, $v: Int) { reviseReply(input: {replyId: $id, expectedVersion: $v, body: \"改\"}) { userErrors { field code message } } }",
            json!({"id": f.other_reply, "v": STALE}),
            [UNAUTH, ALLOWED, ALLOWED, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("sendReply", "send A's reply (already sent)",
            "mutation($id: ID!) { sendReply(input: {replyId: $id}) { userErrors { field code message } } }",
            json!({"id": f.own_reply}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("sendReply", "send B's reply",
            "mutation($id: ID!) { sendReply(input: {replyId: $id}) { userErrors { field code message } } }",
            json!({"id": f.other_reply}),
            [UNAUTH, ALLOWED, ALLOWED, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN]),

        // ---- 督办 -------------------------------------------------------------------------
        row("progressReports", "list progress reports (a unit its own)",
            "{ progressReports { totalCount nodes { id } } }", json!({}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, ALLOWED]),
        row("supervisionSummary", "a session's supervision summary",
            "query($s: ID!) { supervisionSummary(sessionId: $s) { overall { overdue } } }", json!({"s": f.session}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, ALLOWED]),
        row("node", "A's progress report by node(id)",
            "query($id: ID!) { node(id: $id) { id } }", json!({"id": f.own_report}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, NOT_FOUND, NOT_FOUND, ALLOWED]),
        row("recordLeaderInstruction", "instruct on D's ordinary suggestion (not key)",
            "mutation($id: ID!) { recordLeaderInstruction(input: {suggestionId: $id, content: \"抓紧\"}) { userErrors { field code message } } }",
            json!({"id": f.own_suggestion}),
            [UNAUTH, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("requestProgressReports", "ask for reports due in the past",
            "mutation($id: ID!) { requestProgressReports(input: {suggestionId: $id, dueOn: \"2020-01-01\"}) { userErrors { field code message } } }",
            json!({"id": f.own_suggestion}),
            [UNAUTH, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("fileProgressReport", "file A's report (stale version)",
            "mutation($id: ID!, $v: Int) { fileProgressReport(input: {id: $id, expectedVersion: $v, body: \"进展\"}) { userErrors { field code message } } }",
            json!({"id": f.own_report, "v": STALE}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("cancelProgressReport", "cancel A's report (stale version)",
            "mutation($id: ID!, $v: Int) { cancelProgressReport(input: {id: $id, expectedVersion: $v}) { userErrors { field code message } } }",
            json!({"id": f.own_report, "v": STALE}),
            [UNAUTH, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),

        // ---- the public side -----------------------------------------------------------
        // Published replies are for everyone; an unpublished one is not there for anyone.
        row("publishedReplies", "list published replies",
            "{ publishedReplies { totalCount nodes { id title text } } }", json!({}),
            [ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED]),
        row("publishedReply", "B's published reply",
            "query($id: ID!) { publishedReply(id: $id) { id text } }", json!({"id": f.other_reply}),
            [ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED]),
        row("publishedReply", "A's unpublished reply, as a published one",
            "query($id: ID!) { publishedReply(id: $id) { id text } }", json!({"id": f.own_reply}),
            [NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND]),
        row("createCaptcha", "get a CAPTCHA",
            "mutation { createCaptcha { id expiresAt } }", json!({}),
            [ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED]),
        row("submitPublicFeedback", "send feedback with an unknown CAPTCHA",
            "mutation($id: ID!) { submitPublicFeedback(input: {replyId: $id, content: \"意见\", captchaId: \"00000000000000000000000000000000\", captchaAnswer: \"x\"}) { lookupCode userErrors { field code message } } }",
            json!({"id": f.other_reply}),
            [ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED]),
        row("lookUpPublicFeedback", "follow up with an unknown CAPTCHA",
            "mutation { lookUpPublicFeedback(input: {code: \"ABCDEFGHJKMN\", captchaId: \"0\", captchaAnswer: \"x\"}) { feedback { status } userErrors { code } } }",
            json!({}),
            [ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED]),
        row("feedbackByLookupCode", "follow up with an unknown CAPTCHA (deprecated query)",
            "{ feedbackByLookupCode(code: \"ABCDEFGHJKMN\", captchaId: \"0\", captchaAnswer: \"x\") { feedback { status } userErrors { code } } }",
            json!({}),
            [ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED]),
        // Feedback with the submitters' details: the office, and the unit of the reply.
        row("publicFeedback", "list public feedback",
            "{ publicFeedback { totalCount nodes { id name contact } } }", json!({}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("publicFeedback", "public feedback filtered by unit B",
            "query($u: ID!) { publicFeedback(filter: {unitId: $u}) { totalCount nodes { id } } }",
            json!({"u": f.unit_b}),
            [UNAUTH, ALLOWED, ALLOWED, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("feedbackCountsByUnit", "feedback counted per unit",
            "{ feedbackCountsByUnit { unit { id } counts { total open } } }", json!({}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("markFeedback", "mark the feedback on B's reply (stale version)",
            "mutation($id: ID!, $v: Int) { markFeedback(input: {id: $id, status: READ, expectedVersion: $v}) { userErrors { field code message } } }",
            json!({"id": f.other_feedback, "v": STALE}),
            [UNAUTH, ALLOWED, ALLOWED, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN]),

        // ---- accounts ------------------------------------------------------------------
        // Anyone may try to sign in (an unknown name: INVALID_CREDENTIALS, no lockout).
        row("login", "sign in as nobody",
            "mutation { login(input: {username: \"nobody-at-all\", password: \"not a real password\"}) { token userErrors { field code message } } }",
            json!({}),
            [ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED]),
        // Every signed-in caller may change their own password (here: a wrong current one).
        row("changePassword", "change my password (wrong current password)",
            "mutation { changePassword(input: {currentPassword: \"not my password at all\", newPassword: \"another long passphrase\"}) { userErrors { field code message } } }",
            json!({}),
            [UNAUTH, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED]),
        row("createUser", "create an account (invalid username)",
            "mutation { createUser(input: {username: \"x\", displayName: \"x\", role: AUDITOR, password: \"correct horse battery 2026\"}) { userErrors { field code message } } }",
            json!({}),
            [UNAUTH, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("updateUser", "rename another account",
            "mutation($id: ID!) { updateUser(input: {id: $id, displayName: \"改名\"}) { userErrors { field code message } } }",
            json!({"id": f.dummy_user}),
            [UNAUTH, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        row("resetPassword", "reset another account's password (too short)",
            "mutation($id: ID!) { resetPassword(input: {id: $id, newPassword: \"short\"}) { userErrors { field code message } } }",
            json!({"id": f.dummy_user}),
            [UNAUTH, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        // Signing out ends the session: each caller signs in afresh for this row.
        Row {
            fresh_token: true,
            ..row("logout", "sign out",
                "mutation { logout { revoked userErrors { field code message } } }", json!({}),
                [UNAUTH, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED])
        },
    ]
}

/// The root fields of `type <name> { … }` in an SDL text.
fn root_fields(sdl: &str, type_name: &str) -> BTreeSet<String> {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let document = async_graphql::parser::parse_schema(sdl).expect("the SDL parses");
    for definition in document.definitions {
        if let TypeSystemDefinition::Type(ty) = definition {
            if let (TypeKind::Object(object), true) =
                (&ty.node.kind, ty.node.name.node.as_str() == type_name)
            {
                return object
                    .fields
                    .iter()
                    .map(|f| f.node.name.node.to_string())
                    .collect();
            }
        }
    }
    panic!("no `type {type_name}` in the SDL");
}

#[test]
fn every_operation_of_the_schema_has_a_matrix_row() {
    let sdl = banli::graphql::sdl();
    let mut schema = root_fields(&sdl, "QueryRoot");
    let mutations = root_fields(&sdl, "MutationRoot");
    assert!(schema.contains("suggestions") && mutations.contains("submitReply"));
    schema.extend(mutations);
    let table: BTreeSet<String> = matrix(&MatrixFixture::placeholder())
        .iter()
        .map(|r| r.op.to_owned())
        .collect();
    let without_row: Vec<_> = schema.difference(&table).collect();
    let not_in_schema: Vec<_> = table.difference(&schema).collect();
    assert!(
        without_row.is_empty() && not_in_schema.is_empty(),
        "operations without a row in the access matrix: {without_row:?}; \
         rows for operations the schema lacks: {not_in_schema:?}"
    );
    // Each row calls the operation it is filed under, as a query or a mutation.
    for r in matrix(&MatrixFixture::placeholder()) {
        assert!(
            r.query.contains(&format!("{}(", r.op))
                || r.query.contains(&format!("{} {{", r.op))
                || r.query.contains(&format!("{{ {} }}", r.op)),
            "row {:?} does not call {}",
            r.what,
            r.op
        );
    }
}

#[actix_web::test]
async fn every_role_gets_exactly_the_operations_it_may_use() {
    let app = spawn_app().await;
    let f = MatrixFixture::build(&app).await;
    let callers = callers(&app, &f.unit_a, &f.deputy_d).await;
    let mut wrong = Vec::new();
    for r in matrix(&f) {
        for (i, caller) in callers.iter().enumerate() {
            let app = if r.fresh_token {
                caller.fresh().await
            } else {
                caller.app.clone()
            };
            let response = app.graphql(r.query, r.variables.clone()).await;
            let got = classify(r.op, &response);
            if got != r.expect[i] {
                wrong.push(format!(
                    "{} ({}) as {}: expected {:?}, got {got:?}: {response}",
                    r.op, r.what, CALLERS[i], r.expect[i]
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// Leakage between units, and between deputies
// ---------------------------------------------------------------------------------------

/// Two units with cases side by side, each unit acting on its own assignments. All
/// assignments are made on Monday 2026-11-16 (inside the 5-working-day return window of
/// the pinned "today", 2026-11-22).
///
/// | suggestion   | lead (co-signer) | unit A                | unit B                                 |
/// |--------------|------------------|-----------------------|----------------------------------------|
/// | `shared`     | X (Z)            | LEAD, replied (A)     | CO_HANDLER, sent its opinion           |
/// | `separate`   | X                | SEPARATE, replied (A) | SEPARATE, replied (B)                  |
/// | `b_only`     | Y (W)            | —                     | SOLE, asked for more time, replied (B) |
/// | `b_returned` | Y                | —                     | SOLE, asked to return it               |
struct TwoUnits {
    admin: TestApp,
    /// Unit A's staff: the one trying to learn about B.
    unit_a_staff: TestApp,
    session: String,
    unit_a: String,
    unit_b: String,
    deputy_x: String,
    deputy_z: String,
    deputy_y: String,
    deputy_w: String,
    shared: String,
    shared_a: String,
    shared_a_reply: String,
    shared_b: String,
    separate: String,
    separate_a: String,
    separate_b: String,
    separate_b_reply: String,
    b_only: String,
    b_only_assignment: String,
    b_only_reply: String,
    b_extension: String,
    b_returned: String,
    b_returned_assignment: String,
    b_return: String,
}

/// The opinion body [`TestApp::opinion`] sends (unit B on the shared suggestion).
const B_OPINION: &str = "同意主办单位意见。";

/// Runs a mutation that must succeed without user errors; returns its payload.
async fn must_succeed(app: &TestApp, op: &str, query: &str, variables: Value) -> Value {
    let payload = app.data(query, variables).await[op].clone();
    assert_eq!(codes(&payload), Vec::<String>::new(), "{op}: {payload:#}");
    payload
}

/// Submits a reply in `category`, dated today (2026-11-22), which must succeed; returns
/// its ID.
async fn reply(unit: &TestApp, assignment: &str, category: &str) -> String {
    let mut input = TestApp::reply_input(assignment);
    input["category"] = json!(category);
    input["repliedOn"] = json!("2026-11-22");
    let p = unit.submit_reply(input).await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    id_at(&p, "reply.id")
}

impl TwoUnits {
    async fn build(admin: &TestApp) -> Self {
        let session = admin.session("两单位会议").await;
        let deputy = |name: &'static str, phone: &'static str| async move {
            let p = admin
                .create_deputy(json!({"name": name, "phone": phone, "address": "淮南市田家庵区"}))
                .await;
            id_at(&p, "deputy.id")
        };
        let deputy_x = deputy("谢代表", "13800000001").await;
        let deputy_z = deputy("张代表", "13800000002").await;
        let deputy_y = deputy("杨代表", "13800000003").await;
        let deputy_w = deputy("王代表", "13800000004").await;
        let unit_a = admin.unit("甲单位", "UA").await;
        let unit_b = admin.unit("乙单位", "UB").await;
        let a = admin
            .user("unit-a", "UNIT_STAFF", Some(&unit_a), None)
            .await;
        let b = admin
            .user("unit-b", "UNIT_STAFF", Some(&unit_b), None)
            .await;

        // Registers a suggestion and assigns it to `units` (unit, role); returns the
        // suggestion and its assignments.
        let case = |number: &'static str,
                    lead: String,
                    co_signers: Vec<String>,
                    units: Vec<(String, &'static str)>| {
            let session = session.clone();
            async move {
                let p = admin
                    .register(
                        json!({"sessionId": session, "number": number, "leadDeputyId": lead,
                        "coSignerIds": co_signers, "title": format!("关于第{number}号事项的建议"),
                        "content": "建议内容。", "submittedOn": "2026-01-18"}),
                    )
                    .await;
                let suggestion = id_at(&p, "suggestion.id");
                let units: Vec<Value> = units
                    .iter()
                    .map(|(unit, role)| json!({"unitId": unit, "role": role}))
                    .collect();
                let p = admin
                    .assign(json!({"suggestionId": suggestion, "assignedOn": "2026-11-16", "units": units}))
                    .await;
                assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
                let assignments: Vec<String> = (0..units.len())
                    .map(|i| id_at(&p, &format!("assignments.{i}.id")))
                    .collect();
                (suggestion, assignments)
            }
        };

        // Shared: B co-handles and sends its opinion to A, which leads and replies.
        let (shared, s) = case(
            "0101",
            deputy_x.clone(),
            vec![deputy_z.clone()],
            vec![(unit_a.clone(), "LEAD"), (unit_b.clone(), "CO_HANDLER")],
        )
        .await;
        let (shared_a, shared_b) = (s[0].clone(), s[1].clone());
        b.opinion(&shared_b, "2026-11-18").await;
        a.sign_for(&shared_a).await;
        let shared_a_reply = reply(&a, &shared_a, "A").await;

        // Separate: each unit replies on its own, A in category A, B in category B.
        let (separate, s) = case(
            "0102",
            deputy_x.clone(),
            vec![],
            vec![(unit_a.clone(), "SEPARATE"), (unit_b.clone(), "SEPARATE")],
        )
        .await;
        let (separate_a, separate_b) = (s[0].clone(), s[1].clone());
        a.sign_for(&separate_a).await;
        reply(&a, &separate_a, "A").await;
        b.sign_for(&separate_b).await;
        let separate_b_reply = reply(&b, &separate_b, "B").await;

        // B alone: asks for more time, then replies in category B.
        let (b_only, s) = case(
            "0103",
            deputy_y.clone(),
            vec![deputy_w.clone()],
            vec![(unit_b.clone(), "SOLE")],
        )
        .await;
        let b_only_assignment = s[0].clone();
        b.sign_for(&b_only_assignment).await;
        let p = must_succeed(&b, "requestExtension",
            "mutation($id: ID!) { requestExtension(input: {assignmentId: $id, reason: \"需要跨部门协调\"}) {
                extensionRequest { id } userErrors { field code message } } }",
            json!({"id": b_only_assignment})).await;
        let b_extension = id_at(&p, "extensionRequest.id");
        let b_only_reply = reply(&b, &b_only_assignment, "B").await;

        // B alone: asks to return it.
        let (b_returned, s) = case(
            "0104",
            deputy_y.clone(),
            vec![],
            vec![(unit_b.clone(), "SOLE")],
        )
        .await;
        let b_returned_assignment = s[0].clone();
        let p = must_succeed(&b, "requestReturn",
            "mutation($id: ID!) { requestReturn(input: {assignmentId: $id, reason: \"不属于本单位职责\"}) {
                returnRequest { id } userErrors { field code message } } }",
            json!({"id": b_returned_assignment})).await;
        let b_return = id_at(&p, "returnRequest.id");

        Self {
            admin: admin.clone(),
            unit_a_staff: a,
            session,
            unit_a,
            unit_b,
            deputy_x,
            deputy_z,
            deputy_y,
            deputy_w,
            shared,
            shared_a,
            shared_a_reply,
            shared_b,
            separate,
            separate_a,
            separate_b,
            separate_b_reply,
            b_only,
            b_only_assignment,
            b_only_reply,
            b_extension,
            b_returned,
            b_returned_assignment,
            b_return,
        }
    }

    /// Everything of B's assignments a mutation could change, as the office sees it.
    async fn b_state(&self) -> Vec<Value> {
        let mut state = Vec::new();
        for id in [
            &self.shared_b,
            &self.separate_b,
            &self.b_only_assignment,
            &self.b_returned_assignment,
        ] {
            let d = self
                .admin
                .data(
                    "query($id: ID!) { node(id: $id) { ... on Assignment { id version status
                        signedForAt contactName contactPhone timeline { id } replies { id }
                        contactRecords { participants } coOpinions { body } followUps { body }
                        extensionRequests { id } returnRequests { id } } } }",
                    json!({"id": id}),
                )
                .await;
            assert_eq!(d["node"]["id"], json!(id), "{d}");
            state.push(d["node"].clone());
        }
        state
    }
}

/// The `id`s of a list of objects.
fn ids(list: &Value) -> BTreeSet<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect()
}

fn set(items: &[&String]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).clone()).collect()
}

/// What an attempt on another's object must be answered with.
#[derive(Debug, Clone, Copy)]
enum Answer {
    /// `data.<op>` is null.
    Null,
    /// `data.<op>` is an empty connection.
    Empty,
    /// A query error with code NOT_FOUND on this argument.
    NotFoundError(&'static str),
    /// A payload whose only user error is NOT_FOUND on this input field.
    NotFoundPayload(&'static str),
}

/// One attempt to learn about (or act on) another's object: `query` with `$x` bound to
/// their object's ID, and again to the ID of nothing. The two answers must be identical —
/// same shape, same message — so nothing tells an existing object from a missing one.
struct Attempt {
    what: String,
    op: &'static str,
    query: &'static str,
    theirs: String,
    nothing: String,
    /// Other variables of the query.
    with: Value,
    answer: Answer,
}

fn attempt(
    what: impl Into<String>,
    op: &'static str,
    query: &'static str,
    theirs: &str,
    nothing: &str,
    answer: Answer,
) -> Attempt {
    Attempt {
        what: what.into(),
        op,
        query,
        theirs: theirs.to_owned(),
        nothing: nothing.to_owned(),
        with: json!({}),
        answer,
    }
}

/// Makes every attempt as `app`; fails listing every attempt that was answered otherwise.
async fn attempt_all(app: &TestApp, attempts: Vec<Attempt>) {
    let mut wrong = Vec::new();
    for a in attempts {
        let variables = |id: &str| {
            let mut v = a.with.clone();
            v["x"] = json!(id);
            v
        };
        let about_theirs = app.graphql(a.query, variables(&a.theirs)).await;
        let about_nothing = app.graphql(a.query, variables(&a.nothing)).await;
        if about_theirs != about_nothing {
            wrong.push(format!(
                "{}: answered differently from a missing object:\n  theirs:  {about_theirs}\n  nothing: {about_nothing}",
                a.what
            ));
            continue;
        }
        let result = &about_theirs["data"][a.op];
        let error = &about_theirs["errors"][0]["extensions"];
        let ok = match a.answer {
            Answer::Null => about_theirs.get("errors").is_none() && result.is_null(),
            Answer::Empty => {
                about_theirs.get("errors").is_none()
                    && result["totalCount"] == 0
                    && result["nodes"] == json!([])
            }
            Answer::NotFoundError(argument) => {
                error["code"] == "NOT_FOUND"
                    && error["field"].as_array().map(|f| {
                        f.iter()
                            .map(|s| s.as_str().unwrap())
                            .collect::<Vec<_>>()
                            .join(".")
                    }) == Some(argument.to_owned())
            }
            Answer::NotFoundPayload(field) => {
                about_theirs.get("errors").is_none()
                    && codes(result) == ["NOT_FOUND"]
                    && fields(result) == [field]
            }
        };
        if !ok {
            wrong.push(format!(
                "{}: expected {:?}, got {about_theirs}",
                a.what, a.answer
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} attempts answered wrongly:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// Unit mutations on an assignment `$x`, with otherwise valid inputs.
const UNIT_MUTATIONS: [(&str, &str); 8] = [
    ("signForAssignment", "mutation($x: ID!) { signForAssignment(input: {assignmentId: $x}) {
        assignment { id } userErrors { field code message } } }"),
    ("submitReply", "mutation($x: ID!) { submitReply(input: {assignmentId: $x, category: A,
        body: \"现答复如下：……\", signedBy: \"甲单位\", repliedOn: \"2026-11-22\", contactName: \"马友竹\",
        contactPhone: \"0554-6678417\"}) { reply { id } userErrors { field code message } } }"),
    ("logContact", "mutation($x: ID!) { logContact(input: {assignmentId: $x, stage: DURING,
        method: PHONE, contactedOn: \"2026-11-20\", participants: \"谢代表\"}) {
        contactRecord { stage } userErrors { field code message } } }"),
    ("requestExtension", "mutation($x: ID!) { requestExtension(input: {assignmentId: $x,
        reason: \"需要跨部门协调\"}) { extensionRequest { id } userErrors { field code message } } }"),
    ("sendCoOpinion", "mutation($x: ID!) { sendCoOpinion(input: {assignmentId: $x, body: \"同意。\",
        signedBy: \"甲单位\"}) { coOpinion { body } userErrors { field code message } } }"),
    ("requestReturn", "mutation($x: ID!) { requestReturn(input: {assignmentId: $x,
        reason: \"不属于本单位职责\"}) { returnRequest { id } userErrors { field code message } } }"),
    ("setAssignmentContact", "mutation($x: ID!) { setAssignmentContact(input: {assignmentId: $x,
        contactName: \"马友竹\", contactPhone: \"0554-6678417\"}) {
        assignment { id } userErrors { field code message } } }"),
    ("sendFollowUp", "mutation($x: ID!) { sendFollowUp(input: {assignmentId: $x,
        body: \"跟踪办理情况。\"}) { followUp { body } userErrors { field code message } } }"),
];

const NODE: &str = "query($x: ID!) { node(id: $x) { id } }";
const SUGGESTION: &str = "query($x: ID!) { suggestion(id: $x) { id title } }";
const BY_NUMBER: &str =
    "query($s: ID!, $x: String!) { suggestionByNumber(sessionId: $s, number: $x) { id } }";
const ASSIGNMENTS_OF_UNIT: &str =
    "query($x: ID!) { assignments(filter: {unitId: $x}) { totalCount nodes { id } } }";
const ASSIGNMENTS_OF_SUGGESTION: &str =
    "query($x: ID!) { assignments(filter: {suggestionId: $x}) { totalCount nodes { id } } }";
const SUGGESTIONS_OF_UNIT: &str =
    "query($x: ID!) { suggestions(filter: {unitId: $x}) { totalCount nodes { id } } }";
const SUGGESTIONS_OF_DEPUTY: &str =
    "query($x: ID!) { suggestions(filter: {deputyId: $x}) { totalCount nodes { id } } }";
const DEADLINES_OF_UNIT: &str =
    "query($x: ID) { deadlineSummary(unitId: $x) { overall { total } } }";
const STATISTICS_OF_UNIT: &str =
    "query($x: ID) { statistics(filter: {unitId: $x}) { total { assignments } } }";

#[actix_web::test]
async fn a_unit_learns_nothing_about_another_units_assignments() {
    use Answer::*;
    let app = spawn_app().await;
    let f = TwoUnits::build(&app).await;
    let a = &f.unit_a_staff;
    let before = f.b_state().await;

    // What A does see: its two assignments and the two suggestions behind them, counted
    // as two; of the shared suggestion, its own lead assignment only.
    let d = a
        .data(
            "query($s: ID!) { assignments { totalCount nodes { id } }
                suggestions { totalCount nodes { id } }
                ofShared: assignments(filter: {suggestionId: $s}) { totalCount nodes { id } } }",
            json!({"s": f.shared}),
        )
        .await;
    assert_eq!(
        ids(&d["assignments"]["nodes"]),
        set(&[&f.shared_a, &f.separate_a])
    );
    assert_eq!(d["assignments"]["totalCount"], 2);
    assert_eq!(
        ids(&d["suggestions"]["nodes"]),
        set(&[&f.shared, &f.separate])
    );
    assert_eq!(d["suggestions"]["totalCount"], 2);
    assert_eq!(ids(&d["ofShared"]["nodes"]), set(&[&f.shared_a]));
    assert_eq!(d["ofShared"]["totalCount"], 1);

    // Filters that would single out B's work. Category B appears only on B's replies (on
    // `separate`, which A sees): A finds nothing; its own category A finds both.
    let filtered = "query($c: [ReplyCategory!], $d: ID!) {
        b: suggestions(filter: {category: $c}) { totalCount nodes { id } }
        a: suggestions(filter: {category: [A]}) { totalCount nodes { id } }
        y: suggestions(filter: {deputyId: $d}) { totalCount }
        number: suggestions(filter: {keyword: \"0103\"}) { totalCount } }";
    let vars = json!({"c": ["B"], "d": f.deputy_y});
    let d = a.data(filtered, vars.clone()).await;
    assert_eq!(d["b"], json!({"totalCount": 0, "nodes": []}));
    assert_eq!(ids(&d["a"]["nodes"]), set(&[&f.shared, &f.separate]));
    assert_eq!(
        (&d["y"]["totalCount"], &d["number"]["totalCount"]),
        (&json!(0), &json!(0))
    );
    let d = f.admin.data(filtered, vars).await;
    assert_eq!(
        ids(&d["b"]["nodes"]),
        set(&[&f.separate, &f.b_only]),
        "the office sees B's"
    );

    let no_unit = missing(Kind::HandlingUnit);
    let no_suggestion = missing(Kind::Suggestion);
    #[rustfmt::skip]
    let mut attempts = vec![
        // Filtering by unit B: for A's staff only their own unit exists.
        attempt("assignments(unitId: B)", "assignments", ASSIGNMENTS_OF_UNIT,
            &f.unit_b, &no_unit, NotFoundError("filter.unitId")),
        attempt("suggestions(unitId: B)", "suggestions", SUGGESTIONS_OF_UNIT,
            &f.unit_b, &no_unit, NotFoundError("filter.unitId")),
        attempt("deadlineSummary(unitId: B)", "deadlineSummary", DEADLINES_OF_UNIT,
            &f.unit_b, &no_unit, NotFoundError("unitId")),
        attempt("statistics(unitId: B)", "statistics", STATISTICS_OF_UNIT,
            &f.unit_b, &no_unit, NotFoundError("filter.unitId")),
        // The assignments of B's own suggestion: none, as for a suggestion that does not exist.
        attempt("assignments(suggestionId: B's)", "assignments", ASSIGNMENTS_OF_SUGGESTION,
            &f.b_only, &no_suggestion, Empty),
        // B's suggestion by ID and by number.
        attempt("suggestion(B's)", "suggestion", SUGGESTION, &f.b_only, &no_suggestion, Null),
        Attempt {
            with: json!({"s": f.session}),
            ..attempt("suggestionByNumber(B's)", "suggestionByNumber", BY_NUMBER, "0103", "0999", Null)
        },
    ];
    // Every object of B's by `node(id)`.
    #[rustfmt::skip]
    let b_objects = [
        ("B's co-handler assignment on the shared suggestion", &f.shared_b, Kind::Assignment),
        ("B's separate assignment", &f.separate_b, Kind::Assignment),
        ("B's own assignment", &f.b_only_assignment, Kind::Assignment),
        ("B's returned assignment", &f.b_returned_assignment, Kind::Assignment),
        ("B's reply on the separate suggestion", &f.separate_b_reply, Kind::Reply),
        ("B's reply on its own suggestion", &f.b_only_reply, Kind::Reply),
        ("B's own suggestion", &f.b_only, Kind::Suggestion),
        ("B's returned suggestion", &f.b_returned, Kind::Suggestion),
        ("B's return request", &f.b_return, Kind::ReturnRequest),
        ("B's extension request", &f.b_extension, Kind::ExtensionRequest),
    ];
    for (what, theirs, kind) in b_objects {
        let nothing = missing(kind);
        attempts.push(attempt(
            format!("node({what})"),
            "node",
            NODE,
            theirs,
            &nothing,
            Null,
        ));
    }
    // Every unit mutation on B's co-handler assignment (on a suggestion A sees) and on B's
    // own: NOT_FOUND on input.assignmentId.
    for (op, mutation) in UNIT_MUTATIONS {
        for (whose, theirs) in [
            ("B's co-handler assignment", &f.shared_b),
            ("B's own assignment", &f.b_only_assignment),
        ] {
            attempts.push(attempt(
                format!("{op} on {whose}"),
                op,
                mutation,
                theirs,
                &missing(Kind::Assignment),
                NotFoundPayload("input.assignmentId"),
            ));
        }
    }
    attempt_all(a, attempts).await;
    // … and none of them changed anything of B's: same versions, no new timeline events.
    assert_eq!(f.b_state().await, before);

    // Nested under the shared suggestion: A's assignment and reply only, and only the
    // timeline events of the suggestion itself or of A's assignment.
    let nested = "query($id: ID!) { suggestion(id: $id) {
        assignments { id } replies { id } timeline { id assignment { id } details } } }";
    let mine = a.data(nested, json!({"id": f.shared})).await["suggestion"].clone();
    assert_eq!(ids(&mine["assignments"]), set(&[&f.shared_a]));
    assert_eq!(ids(&mine["replies"]), set(&[&f.shared_a_reply]));
    let all = f.admin.data(nested, json!({"id": f.shared})).await["suggestion"].clone();
    let events = all["timeline"].as_array().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["assignment"]["id"] == json!(f.shared_b)),
        "the office sees B's events: {all:#}"
    );
    let expected: BTreeSet<String> = events
        .iter()
        .filter(|e| e["assignment"].is_null() || e["assignment"]["id"] == json!(f.shared_a))
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids(&mine["timeline"]), expected, "{mine:#}");
    for e in mine["timeline"].as_array().unwrap() {
        assert_ne!(
            e["details"]["unitId"],
            json!(f.unit_b),
            "an event about B: {e}"
        );
    }
    // The same on the separate suggestion, where B replied too.
    let mine = a.data(nested, json!({"id": f.separate})).await["suggestion"].clone();
    assert_eq!(ids(&mine["assignments"]), set(&[&f.separate_a]));
    assert_eq!(mine["replies"].as_array().unwrap().len(), 1, "{mine:#}");
    for e in mine["timeline"].as_array().unwrap() {
        assert!(
            e["assignment"].is_null() || e["assignment"]["id"] == json!(f.separate_a),
            "an event of another assignment: {e}"
        );
        assert_ne!(
            e["details"]["replyId"],
            json!(f.separate_b_reply),
            "B's reply: {e}"
        );
    }

    // The lead unit receives B's opinion: its text and sender, but not B's assignment.
    let d = a
        .data(
            "query($id: ID!) { node(id: $id) { ... on Assignment {
                coOpinions { body unit { code } assignment { id } } } } }",
            json!({"id": f.shared_a}),
        )
        .await;
    assert_eq!(
        d["node"]["coOpinions"],
        json!([{"body": B_OPINION, "unit": {"code": "UB"}, "assignment": null}])
    );

    // Deadline figures without a unit: exactly A's, as the office sees them for unit A.
    let summary = "query($u: ID) { deadlineSummary(unitId: $u) { asOf
        overall { notDue dueSoon overdue answeredOnTime answeredLate total }
        byUnit { unit { code } counts { total } } } }";
    let mine = a.data(summary, json!({})).await;
    assert_eq!(mine, f.admin.data(summary, json!({"u": f.unit_a})).await);
    assert_eq!(mine["deadlineSummary"]["overall"]["total"], 2, "{mine}");

    // Deputies' phones and addresses: only of the deputies on A's suggestions (X leads,
    // Z co-signed); Y and W are on B's only. The office sees all four.
    let contacts = "{ deputies { nodes { id phone address } } }";
    assert_eq!(
        with_contacts(&a.data(contacts, json!({})).await),
        set(&[&f.deputy_x, &f.deputy_z])
    );
    assert_eq!(
        with_contacts(&f.admin.data(contacts, json!({})).await),
        set(&[&f.deputy_x, &f.deputy_z, &f.deputy_y, &f.deputy_w])
    );
}

/// The deputies whose phone or address shows in a `deputies` answer.
fn with_contacts(d: &Value) -> BTreeSet<String> {
    d["deputies"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| !n["phone"].is_null() || !n["address"].is_null())
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn a_deputy_learns_nothing_about_another_deputys_suggestions() {
    use Answer::*;
    let app = spawn_app().await;
    let f = TwoUnits::build(&app).await;
    // X leads `shared` and `separate`; Y leads `b_only` (W co-signed) and `b_returned`.
    let x = app
        .user("deputy-x", "DEPUTY", None, Some(&f.deputy_x))
        .await;
    let before = f.b_state().await;

    // What X does see: its two suggestions, and every unit's assignments on them.
    let d = x
        .data(
            "query($b: ID!) { suggestions { totalCount nodes { id } }
                assignments { totalCount nodes { id } }
                ofUnitB: suggestions(filter: {unitId: $b}) { nodes { id } } }",
            json!({"b": f.unit_b}),
        )
        .await;
    assert_eq!(
        ids(&d["suggestions"]["nodes"]),
        set(&[&f.shared, &f.separate])
    );
    assert_eq!(d["suggestions"]["totalCount"], 2);
    assert_eq!(
        ids(&d["assignments"]["nodes"]),
        set(&[&f.shared_a, &f.shared_b, &f.separate_a, &f.separate_b])
    );
    assert_eq!(d["assignments"]["totalCount"], 4);
    assert_eq!(ids(&d["ofUnitB"]["nodes"]), set(&[&f.shared, &f.separate]));

    // Phones and addresses: X's own only — not its co-signer Z's, not Y's or W's.
    let d = x
        .data("{ deputies { nodes { id phone address } } }", json!({}))
        .await;
    assert_eq!(with_contacts(&d), set(&[&f.deputy_x]));

    let no_suggestion = missing(Kind::Suggestion);
    let rate = "mutation($x: ID!, $d: ID) { rateReply(input: {replyId: $x, deputyId: $d,
        satisfaction: UNSATISFIED, comment: \"不满意\"}) { rating { round } userErrors { field code message } } }";
    let rate_as = "mutation($r: ID!, $x: ID) { rateReply(input: {replyId: $r, deputyId: $x,
        satisfaction: UNSATISFIED, comment: \"不满意\"}) { rating { round } userErrors { field code message } } }";
    let withdraw =
        "mutation($x: ID!) { withdrawSuggestion(input: {suggestionId: $x, reason: \"撤回\"}) {
        suggestion { status } userErrors { field code message } } }";
    #[rustfmt::skip]
    let mut attempts = vec![
        // Y's suggestions, by deputy filter, ID and number, and their assignments.
        attempt("suggestions(deputyId: Y)", "suggestions", SUGGESTIONS_OF_DEPUTY,
            &f.deputy_y, &missing(Kind::Deputy), Empty),
        attempt("suggestion(Y's)", "suggestion", SUGGESTION, &f.b_only, &no_suggestion, Null),
        Attempt {
            with: json!({"s": f.session}),
            ..attempt("suggestionByNumber(Y's)", "suggestionByNumber", BY_NUMBER, "0103", "0999", Null)
        },
        attempt("assignments(suggestionId: Y's)", "assignments", ASSIGNMENTS_OF_SUGGESTION,
            &f.b_only, &no_suggestion, Empty),
        // Rating the reply to Y's suggestion.
        attempt("rateReply(Y's reply)", "rateReply", rate,
            &f.b_only_reply, &missing(Kind::Reply), NotFoundPayload("input.replyId")),
        // Rating X's own reply in Y's name.
        Attempt {
            with: json!({"r": f.shared_a_reply}),
            ..attempt("rateReply(as Y)", "rateReply", rate_as,
                &f.deputy_y, &missing(Kind::Deputy), NotFoundPayload("input.deputyId"))
        },
        // Withdrawing Y's suggestion.
        attempt("withdrawSuggestion(Y's)", "withdrawSuggestion", withdraw,
            &f.b_only, &no_suggestion, NotFoundPayload("input.suggestionId")),
    ];
    // Everything behind Y's suggestions by `node(id)`.
    #[rustfmt::skip]
    let y_objects = [
        ("Y's suggestion", &f.b_only, Kind::Suggestion),
        ("Y's other suggestion", &f.b_returned, Kind::Suggestion),
        ("the assignment of Y's suggestion", &f.b_only_assignment, Kind::Assignment),
        ("the reply to Y's suggestion", &f.b_only_reply, Kind::Reply),
        ("the return request on Y's suggestion", &f.b_return, Kind::ReturnRequest),
        ("the extension request on Y's suggestion", &f.b_extension, Kind::ExtensionRequest),
    ];
    for (what, theirs, kind) in y_objects {
        let nothing = missing(kind);
        attempts.push(attempt(
            format!("node({what})"),
            "node",
            NODE,
            theirs,
            &nothing,
            Null,
        ));
    }
    attempt_all(&x, attempts).await;

    // W co-signed Y's `b_only`: sees it, but only the lead deputy may withdraw it.
    let w = app
        .user("deputy-w", "DEPUTY", None, Some(&f.deputy_w))
        .await;
    let d = w.data("{ suggestions { nodes { id } } }", json!({})).await;
    assert_eq!(ids(&d["suggestions"]["nodes"]), set(&[&f.b_only]));
    let d = w.data(withdraw, json!({"x": f.b_only})).await;
    assert_eq!(codes(&d["withdrawSuggestion"]), ["INVALID_STATE"], "{d}");

    // Nothing of Y's changed: no rating, no withdrawal, no new events.
    assert_eq!(f.b_state().await, before);
    let d = f
        .admin
        .data(
            "query($x: ID!) { suggestion(id: $x) { status } }",
            json!({"x": f.b_only}),
        )
        .await;
    assert_ne!(d["suggestion"]["status"], "WITHDRAWN", "{d}");
}

#[actix_web::test]
async fn the_auditor_sees_names_but_no_cases_and_no_contacts() {
    let app = spawn_app().await;
    let f = TwoUnits::build(&app).await;
    let auditor = app.user("auditor", "AUDITOR", None, None).await;
    // Deputies and units by name, but no phone or address.
    let d = auditor
        .data(
            "{ deputies { totalCount nodes { id phone address } } handlingUnits { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(d["deputies"]["totalCount"], 4);
    assert_eq!(d["handlingUnits"]["totalCount"], 2);
    assert_eq!(with_contacts(&d), BTreeSet::new());
    // `node` finds sessions, units and deputies, and nothing of the cases.
    for public in [&f.session, &f.unit_a, &f.deputy_x] {
        let d = auditor.data(NODE, json!({"x": public})).await;
        assert_eq!(d["node"]["id"], json!(public));
    }
    for private in [
        &f.shared,
        &f.shared_a,
        &f.shared_a_reply,
        &f.b_return,
        &f.b_extension,
    ] {
        let d = auditor.data(NODE, json!({"x": private})).await;
        assert_eq!(d["node"], Value::Null, "{private}");
    }
}

/// A lead assignment that unit A returned and the office handed to unit C; the
/// co-handler B then sends its opinion (to C, the lead now) and C replies.
struct ReturnedLead {
    admin: TestApp,
    unit_a_staff: TestApp,
    suggestion: String,
    lead_a: String,
    request: String,
    lead_c: String,
    reply_c: String,
}

impl ReturnedLead {
    async fn build(app: &TestApp) -> Self {
        let session = app.session("退回会议").await;
        let deputy = app.deputy("夏维奇").await;
        let a = app.unit("甲单位", "UA").await;
        let b = app.unit("乙单位", "UB").await;
        let c = app.unit("丙单位", "UC").await;
        let unit_a = app.user("unit-a", "UNIT_STAFF", Some(&a), None).await;
        let unit_b = app.user("unit-b", "UNIT_STAFF", Some(&b), None).await;
        let suggestion = app.suggestion(&session, &deputy, "0201").await;
        let p = app
            .assign(
                json!({"suggestionId": suggestion, "assignedOn": "2026-11-16", "units": [
                {"unitId": a, "role": "LEAD"}, {"unitId": b, "role": "CO_HANDLER"}]}),
            )
            .await;
        assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
        let (lead_a, co_b) = (id_at(&p, "assignments.0.id"), id_at(&p, "assignments.1.id"));

        // A asks to return the lead; the office hands it to C.
        let p = must_succeed(&unit_a, "requestReturn",
            "mutation($id: ID!) { requestReturn(input: {assignmentId: $id, reason: \"不属于本单位职责\"}) {
                returnRequest { id } userErrors { field code message } } }",
            json!({"id": lead_a})).await;
        let request = id_at(&p, "returnRequest.id");
        let p = must_succeed(app, "decideReturn",
            "mutation($id: ID!, $c: ID!) { decideReturn(input: {requestId: $id, approve: true, reassignToUnitId: $c}) {
                assignment { status } newAssignment { id unit { code } } userErrors { field code message } } }",
            json!({"id": request, "c": c})).await;
        assert_eq!(p["assignment"]["status"], "RETURNED", "{p:#}");
        assert_eq!(p["newAssignment"]["unit"]["code"], "UC", "{p:#}");
        let lead_c = id_at(&p, "newAssignment.id");

        // B sends its opinion to the lead, C; C signs for the case and replies (the
        // office records C's paper reply).
        unit_b.opinion(&co_b, "2026-11-20").await;
        app.sign_for(&lead_c).await;
        let reply_c = reply(app, &lead_c, "A").await;
        Self {
            admin: app.clone(),
            unit_a_staff: unit_a,
            suggestion,
            lead_a,
            request,
            lead_c,
            reply_c,
        }
    }
}

#[actix_web::test]
async fn a_unit_that_returned_the_lead_does_not_see_the_new_lead() {
    let app = spawn_app().await;
    let f = ReturnedLead::build(&app).await;
    let a = &f.unit_a_staff;
    // Its request and its returned assignment stay visible; the assignment that replaced
    // it (C's) does not, neither through the request nor by ID.
    let d = a
        .data("query($id: ID!) { node(id: $id) { ... on ReturnRequest { status newAssignment { id } } } }",
            json!({"id": f.request}))
        .await;
    assert_eq!(
        d["node"],
        json!({"status": "APPROVED", "newAssignment": null})
    );
    #[rustfmt::skip]
    let attempts = vec![
        attempt("node(C's assignment)", "node", NODE, &f.lead_c, &missing(Kind::Assignment), Answer::Null),
        attempt("node(C's reply)", "node", NODE, &f.reply_c, &missing(Kind::Reply), Answer::Null),
    ];
    attempt_all(a, attempts).await;
    // Under the suggestion: A's returned assignment only, and none of C's reply.
    let d = a
        .data(
            "query($id: ID!) { suggestion(id: $id) { assignments { id status } replies { id } } }",
            json!({"id": f.suggestion}),
        )
        .await;
    assert_eq!(
        d["suggestion"],
        json!({"assignments": [{"id": f.lead_a, "status": "RETURNED"}], "replies": []})
    );
    let d = f.admin.data(NODE, json!({"x": f.reply_c})).await;
    assert_eq!(
        d["node"]["id"],
        json!(f.reply_c),
        "the office sees C's reply"
    );
}

/// A unit that returned its lead assignment is no longer the lead: the co-handler's
/// opinion sent afterwards goes to the new lead unit, not to it.
#[actix_web::test]
async fn a_unit_that_returned_the_lead_does_not_receive_later_opinions() {
    let app = spawn_app().await;
    let f = ReturnedLead::build(&app).await;
    let opinions = "query($id: ID!) { node(id: $id) { ... on Assignment { status coOpinions { body unit { code } } } } }";
    // C, the lead now, receives B's opinion.
    let d = app.data(opinions, json!({"id": f.lead_c})).await;
    assert_eq!(
        d["node"]["coOpinions"],
        json!([{"body": B_OPINION, "unit": {"code": "UB"}}])
    );
    // A handed the case over before B wrote it: A must not read it.
    let d = f.unit_a_staff.data(opinions, json!({"id": f.lead_a})).await;
    assert_eq!(d["node"]["status"], "RETURNED");
    assert_eq!(d["node"]["coOpinions"], json!([]), "{d}");
}
