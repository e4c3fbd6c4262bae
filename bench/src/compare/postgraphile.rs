//! PostGraphile 4 beside banli and the floor (PostgreSQL only): the server a team would
//! generate from the same database instead of writing one.
//!
//! `bench/compare.sh` installs it with npm into `target/postgraphile` and passes
//! `--postgraphile target/postgraphile/node_modules/.bin/postgraphile`. It runs in
//! production mode (`NODE_ENV=production`, no GraphiQL, no query log) with two cluster
//! workers and a pool of 8, as banli (2 HTTP workers, pool of 8), on the same database.
//! It answers the two nested reads in its generated schema: a suggestion by its row id,
//! and a session's page of 50, newest first, each with the lead deputy, the
//! assignments with their units and the assignments' replies. It has no authentication
//! (PostGraphile leaves that to a JWT or a proxy), which favours it.
//!
//! Before anything is measured, sample requests go to banli and to PostGraphile and the
//! rows they name must be the same ([`same_rows`]): the two schemas write ids, enums and
//! nesting differently, so both answers are reduced to the same plain rows first.

use super::*;

const FIELDS: &str = "id number title status submittedOn deputyByLeadDeputyId { id name } \
    assignmentsBySuggestionId(orderBy: ID_ASC) { nodes { id role status dueOn answeredOn \
    handlingUnitByUnitId { id name } repliesByAssignmentId(orderBy: ID_ASC) { nodes { id category repliedOn contactName } } } }";

/// PostGraphile, stopped (SIGKILL to its process group) when dropped.
pub(super) struct PostGraphile {
    child: Child,
    pub(super) url: String,
}

impl Drop for PostGraphile {
    fn drop(&mut self) {
        // The cluster workers are the master's children: stop the whole group. The `--`
        // matters: procps' `kill -KILL -PID` signals every process (-1), not the group.
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts PostGraphile at `binary` on `database_url` and waits until it answers.
pub(super) fn start(
    binary: &Path,
    database_url: &str,
    workers: usize,
    log: &Path,
) -> anyhow::Result<PostGraphile> {
    use std::os::unix::process::CommandExt as _;
    let port = free_port()?;
    let log = std::fs::File::create(log)?;
    let child = Command::new(binary)
        .args(["--connection", database_url, "--schema", "public"])
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--disable-graphiql", "--disable-query-log"])
        .args(["--max-pool-size", "8"])
        .args(["--cluster-workers", &workers.to_string()])
        .env("NODE_ENV", "production")
        .process_group(0)
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    let server = PostGraphile {
        child,
        url: format!("http://127.0.0.1:{port}/graphql"),
    };
    let started = Instant::now();
    loop {
        if let Ok((200, _)) = http(
            "POST",
            &server.url,
            Some(json!({"query": "{ __typename }"})),
            None,
        ) {
            return Ok(server);
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(120),
            "PostGraphile did not answer in 120 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether PostGraphile runs `scenario`.
pub(super) fn runs(scenario: Scenario) -> bool {
    matches!(scenario, Scenario::Suggestion | Scenario::Suggestions)
}

/// banli's request bodies of `scenario` in PostGraphile's schema: the same variables, as
/// row ids.
pub(super) fn bodies(scenario: Scenario, banli: &[Value]) -> anyhow::Result<Vec<Value>> {
    let row_id = |body: &Value, name: &str, kind: Kind| -> anyhow::Result<String> {
        let id = body["variables"][name].as_str().context("an id variable")?;
        let (found, row) = decode(id).context("a banli id")?;
        anyhow::ensure!(found == kind, "{id} is not a {kind:?}");
        Ok(row.to_string())
    };
    banli
        .iter()
        .map(|body| {
            Ok(match scenario {
                Scenario::Suggestion => json!({
                    "query": format!("query SuggestionPage($id: BigInt!) {{ suggestionById(id: $id) {{ {FIELDS} }} }}"),
                    "variables": {"id": row_id(body, "id", Kind::Suggestion)?},
                    "operationName": "SuggestionPage",
                }),
                Scenario::Suggestions => json!({
                    "query": format!("query SuggestionList($session: BigInt!) {{ allSuggestions(condition: {{sessionId: $session}}, orderBy: ID_DESC, first: 50) {{ pageInfo {{ hasNextPage }} nodes {{ {FIELDS} }} }} }}"),
                    "variables": {"session": row_id(body, "session", Kind::Session)?},
                    "operationName": "SuggestionList",
                }),
                _ => anyhow::bail!("PostGraphile does not run {}", scenario.title()),
            })
        })
        .collect()
}

/// Sends sample bodies to banli and PostGraphile; fails unless they name the same rows.
pub(super) fn same_rows(
    scenario: Scenario,
    banli: &[Value],
    ours_url: &str,
    theirs: &[Value],
    theirs_url: &str,
    token: Option<&str>,
) -> anyhow::Result<usize> {
    let step = (banli.len() / 5).max(1);
    let mut checked = 0;
    for (ours, theirs) in banli.iter().zip(theirs).step_by(step).take(5) {
        let answer = |url: &str, body: &Value, token: Option<&str>| -> anyhow::Result<Value> {
            let (status, text) = http("POST", url, Some(body.clone()), token)?;
            let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            anyhow::ensure!(
                status == 200 && value.get("errors").is_none(),
                "{}: {url} answered {status}: {}",
                scenario.title(),
                crate::truncate(&text, 400)
            );
            Ok(value["data"].clone())
        };
        let (a, b) = (
            answer(ours_url, ours, token)?,
            answer(theirs_url, theirs, None)?,
        );
        let (a, b) = match scenario {
            Scenario::Suggestion => (
                rows_of(&[a["suggestion"].clone()], &BANLI),
                rows_of(&[b["suggestionById"].clone()], &THEIRS),
            ),
            _ => {
                let nodes = |v: &Value, name: &str| -> anyhow::Result<Vec<Value>> {
                    Ok(v[name]["nodes"]
                        .as_array()
                        .context("a page's nodes")?
                        .clone())
                };
                (
                    rows_of(&nodes(&a, "suggestions")?, &BANLI),
                    rows_of(&nodes(&b, "allSuggestions")?, &THEIRS),
                )
            }
        };
        anyhow::ensure!(!a.is_empty(), "{}: no rows to compare", scenario.title());
        if a != b {
            anyhow::bail!(
                "{}: banli and PostGraphile disagree\n banli: {}\n PostGraphile: {}",
                scenario.title(),
                crate::truncate(&format!("{a:?}"), 1500),
                crate::truncate(&format!("{b:?}"), 1500)
            );
        }
        checked += 1;
    }
    Ok(checked)
}

/// One suggestion as plain rows: its fields, its lead deputy's name, and per assignment
/// its fields, its unit's name and its replies' fields.
type Rows = Vec<Vec<String>>;

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn row(value: &Value, fields: &[&str]) -> Vec<String> {
    fields.iter().map(|f| text(&value[*f])).collect()
}

const SUGGESTION: [&str; 4] = ["number", "title", "status", "submittedOn"];
const ASSIGNMENT: [&str; 4] = ["role", "status", "dueOn", "answeredOn"];
const REPLY: [&str; 3] = ["category", "repliedOn", "contactName"];

/// Where a schema keeps a suggestion's relations: the lead deputy's field, the list of
/// assignments, an assignment's unit, its list of replies.
struct Names {
    lead: &'static str,
    assignments: fn(&Value) -> &Value,
    unit: &'static str,
    replies: fn(&Value) -> &Value,
}

/// banli's schema.
const BANLI: Names = Names {
    lead: "leadDeputy",
    assignments: |s| &s["assignments"],
    unit: "unit",
    replies: |a| &a["replies"],
};

/// PostGraphile's generated schema (lists are connections with `nodes`).
const THEIRS: Names = Names {
    lead: "deputyByLeadDeputyId",
    assignments: |s| &s["assignmentsBySuggestionId"]["nodes"],
    unit: "handlingUnitByUnitId",
    replies: |a| &a["repliesByAssignmentId"]["nodes"],
};

fn rows_of(suggestions: &[Value], names: &Names) -> Rows {
    let mut rows = Vec::new();
    for s in suggestions.iter().filter(|s| !s.is_null()) {
        let mut first = row(s, &SUGGESTION);
        first.push(text(&s[names.lead]["name"]));
        rows.push(first);
        for a in (names.assignments)(s).as_array().into_iter().flatten() {
            let mut line = row(a, &ASSIGNMENT);
            line.push(text(&a[names.unit]["name"]));
            rows.push(line);
            for r in (names.replies)(a).as_array().into_iter().flatten() {
                rows.push(row(r, &REPLY));
            }
        }
    }
    rows
}
