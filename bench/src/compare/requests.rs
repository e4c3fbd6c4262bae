//! The requests a comparison sends: IDs and bodies from the database, the check that
//! banli and the floor answer alike, and the sign-in.

use super::*;

/// IDs from the database, as the API writes them.
pub(super) async fn ids(db: &Db, kind: Kind, sql: &str) -> anyhow::Result<Vec<String>> {
    let rows = db
        .conn()
        .query_all_raw(Statement::from_string(db.backend(), sql.to_owned()))
        .await?;
    rows.iter()
        .map(|row| Ok(encode(kind, row.try_get_by_index::<i64>(0)?).0))
        .collect()
}

/// The request bodies of a read scenario (wrk picks one at random per request).
pub(super) async fn bodies(db: &Db, scenario: Scenario) -> anyhow::Result<Vec<Value>> {
    Ok(match scenario {
        Scenario::Suggestion => {
            let query = format!("query SuggestionPage($id: ID!) {{ suggestion(id: $id) {{ {SUGGESTION_FIELDS} }} }}");
            // A spread of suggestions over all sessions (every 97th id).
            ids(db, Kind::Suggestion, "SELECT id FROM suggestion WHERE id % 97 = 0")
                .await?
                .into_iter()
                .map(|id| json!({"query": query, "variables": {"id": id}, "operationName": "SuggestionPage"}))
                .collect()
        }
        Scenario::Suggestions => {
            let query = format!("query SuggestionList($session: ID) {{ suggestions(filter: {{sessionId: $session}}, first: 50) {{ pageInfo {{ hasNextPage }} nodes {{ {SUGGESTION_FIELDS} }} }} }}");
            ids(db, Kind::Session, "SELECT id FROM session")
                .await?
                .into_iter()
                .map(|id| json!({"query": query, "variables": {"session": id}, "operationName": "SuggestionList"}))
                .collect()
        }
        Scenario::Overdue => vec![json!({"operationName": "Overdue", "query":
            "query Overdue { assignments(filter: {deadlineStatus: [OVERDUE]}, first: 50) { pageInfo { hasNextPage } nodes { id dueOn status unit { id name } suggestion { number title } } } }"})],
        Scenario::Summary => vec![json!({"operationName": "DeadlineSummary", "query":
            "query DeadlineSummary { deadlineSummary { overall { notDue dueSoon overdue answeredOnTime answeredLate } byUnit { unit { id name } counts { notDue dueSoon overdue answeredOnTime answeredLate } } } }"})],
        Scenario::Published => vec![json!({"operationName": "PublicList", "query":
            "query PublicList { publishedReplies(first: 20) { pageInfo { hasNextPage } nodes { id suggestionNumber suggestionTitle unit { name } category publishedAt text } } }"})],
        Scenario::Writes => Vec::new(),
    })
}

pub(super) fn write_lines(
    path: &Path,
    lines: impl IntoIterator<Item = String>,
) -> anyhow::Result<()> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    for line in lines {
        writeln!(file, "{line}")?;
    }
    file.flush()?;
    Ok(())
}

/// Sends up to `n` sample bodies to both servers and fails unless their `data` agree.
pub(super) fn same_answers(
    scenario: Scenario,
    bodies: &[Value],
    banli: &str,
    floor: &str,
    token: Option<&str>,
) -> anyhow::Result<usize> {
    if let (Some(_), Some(body)) = (token, bodies.first()) {
        // The floor checks tokens as banli does: none, or a wrong one, is refused.
        for wrong in [None, Some("bl_not-a-token")] {
            let (status, _) = http("POST", floor, Some(body.clone()), wrong)?;
            anyhow::ensure!(
                status == 401,
                "{}: the floor answered {status} to a request without a valid token",
                scenario.title()
            );
        }
    }
    let step = (bodies.len() / 5).max(1);
    let mut checked = 0;
    for body in bodies.iter().step_by(step).take(5) {
        let (status, text) = http("POST", banli, Some(body.clone()), token)?;
        let ours: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        anyhow::ensure!(
            status == 200 && ours.get("errors").is_none(),
            "{}: banli answered {status}: {}",
            scenario.title(),
            crate::truncate(&text, 400)
        );
        let (status, text) = http("POST", floor, Some(body.clone()), token)?;
        let theirs: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        anyhow::ensure!(
            status == 200,
            "{}: the floor answered {status}: {}",
            scenario.title(),
            crate::truncate(&text, 400)
        );
        if ours["data"] != theirs["data"] {
            anyhow::bail!(
                "{}: banli and the floor disagree on {body}\n banli: {}\n floor: {}",
                scenario.title(),
                crate::truncate(&ours["data"].to_string(), 1500),
                crate::truncate(&theirs["data"].to_string(), 1500)
            );
        }
        checked += 1;
    }
    Ok(checked)
}

/// Signs in as a fresh office administrator; the bearer token.
pub(super) async fn token(db: &Db, base: &str) -> anyhow::Result<String> {
    let (username, password) = crate::office_admin(db, "compare", "性能对比").await?;
    let (_, text) = http(
        "POST",
        &format!("{base}/graphql"),
        Some(
            json!({"query": "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { token } }",
            "variables": {"u": username, "p": password}}),
        ),
        None,
    )?;
    let answer: Value = serde_json::from_str(&text)?;
    answer["data"]["login"]["token"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no token: {text}"))
}
