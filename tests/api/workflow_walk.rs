//! A random walk through the workflow, against the database: seeded random sequences of
//! every workflow mutation on random assignments of three suggestions (lead + co-handler,
//! sole, two separate units). Every answer is a success or a user error (never a GraphQL
//! error), and after every step what is stored is consistent: each reply, rating, return
//! request and opinion has its timeline event, rounds follow the unsatisfied ratings, a
//! co-handler never replies, and the suggestion's status follows its assignments.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use crate::helpers::{codes, spawn_app, TestApp};

const SNAPSHOT: &str = "query($id: ID!) { node(id: $id) { ... on Suggestion { status
    assignments { id role status round replies { id } ratings { satisfaction byLeadDeputy }
      returnRequests { id } coOpinions { sentOn } timeline { kind } } } } }";

/// Steps that changed something (answered without user errors).
static CHANGED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

async fn step(app: &TestApp, query: &str, variables: Value) -> Value {
    let response = app.graphql(query, variables).await;
    assert!(response.get("errors").is_none(), "{query}: {response:#}");
    let payload = response["data"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap()
        .clone();
    if codes(&payload).is_empty() {
        CHANGED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    for code in codes(&payload) {
        assert!(
            [
                "INVALID_STATE",
                "INVALID",
                "NOT_FOUND",
                "CONFLICT",
                "DUPLICATE"
            ]
            .contains(&code.as_str()),
            "{query}: {payload:#}"
        );
    }
    payload
}

fn count(events: &[Value], kind: &str) -> usize {
    events.iter().filter(|e| e["kind"] == kind).count()
}

/// The invariants of one suggestion as stored.
fn check(suggestion: &Value, walk: &str) {
    let status = suggestion["status"].as_str().unwrap();
    let assignments = suggestion["assignments"].as_array().unwrap();
    for a in assignments {
        let events = a["timeline"].as_array().unwrap();
        let replies = a["replies"].as_array().unwrap().len();
        let ratings = a["ratings"].as_array().unwrap();
        let unsatisfied_lead = ratings
            .iter()
            .filter(|r| r["byLeadDeputy"] == true && r["satisfaction"] == "UNSATISFIED")
            .count();
        let round = a["round"].as_u64().unwrap() as usize;
        let a_status = a["status"].as_str().unwrap();
        assert_eq!(count(events, "REPLY_SUBMITTED"), replies, "{walk}: {a:#}");
        assert_eq!(count(events, "RATED"), ratings.len(), "{walk}: {a:#}");
        assert_eq!(
            count(events, "RETURN_REQUESTED"),
            a["returnRequests"].as_array().unwrap().len(),
            "{walk}: {a:#}"
        );
        if a["role"] == "CO_HANDLER" {
            // A co-handler's own opinions (the lead's list is of those it received).
            assert_eq!(
                count(events, "OPINION_SENT"),
                a["coOpinions"].as_array().unwrap().len(),
                "{walk}: {a:#}"
            );
        }
        assert_eq!(
            round,
            1 + unsatisfied_lead,
            "{walk}: rounds follow unsatisfied ratings: {a:#}"
        );
        assert!(replies <= round, "{walk}: one reply per round: {a:#}");
        match a_status {
            "REPLIED" => assert_eq!(replies, round, "{walk}: {a:#}"),
            "REHANDLING" => assert_eq!(replies + 1, round, "{walk}: {a:#}"),
            _ => {}
        }
        if a["role"] == "CO_HANDLER" {
            assert_eq!(replies, 0, "{walk}: a co-handler never replies: {a:#}");
        }
    }
    if !["CLOSED", "WITHDRAWN"].contains(&status) {
        let answering: Vec<&str> = assignments
            .iter()
            .filter(|a| a["role"] != "CO_HANDLER")
            .map(|a| a["status"].as_str().unwrap())
            .filter(|s| !["RETURNED", "WITHDRAWN"].contains(s))
            .collect();
        let replied =
            !answering.is_empty() && answering.iter().all(|s| ["REPLIED", "CLOSED"].contains(s));
        assert_eq!(status == "REPLIED", replied, "{walk}: {suggestion:#}");
    }
}

#[actix_web::test]
async fn random_walks_through_the_workflow_keep_every_suggestion_consistent() {
    let app = spawn_app().await;
    let session = app.session("会议").await;
    let deputy = app.deputy("夏维奇").await;
    let mut units = Vec::new();
    for i in 0..5 {
        units.push(app.unit(&format!("承办单位{i}"), &format!("RW{i}")).await);
    }
    for seed in 0..4u64 {
        let mut rng = StdRng::seed_from_u64(20261204 + seed);
        let plans = [
            json!([{"unitId": units[0], "role": "LEAD"}, {"unitId": units[1], "role": "CO_HANDLER"}]),
            json!([{"unitId": units[2], "role": "SOLE"}]),
            json!([{"unitId": units[3], "role": "SEPARATE"}, {"unitId": units[4], "role": "SEPARATE"}]),
        ];
        let mut suggestions = Vec::new();
        for (i, plan) in plans.iter().enumerate() {
            let s = app
                .suggestion(&session, &deputy, &format!("{seed}{:03}", i + 1))
                .await;
            let p = app
                .assign(json!({"suggestionId": s, "assignedOn": "2026-02-01", "units": plan}))
                .await;
            assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
            suggestions.push(s);
        }
        let mut walk = format!("seed {seed}: ");
        for n in 0..60 {
            let s = &suggestions[rng.random_range(0..suggestions.len())];
            let snapshot = app.data(SNAPSHOT, json!({"id": s})).await["node"].clone();
            let assignments = snapshot["assignments"].as_array().unwrap().clone();
            let a = &assignments[rng.random_range(0..assignments.len())];
            let a_id = a["id"].as_str().unwrap().to_owned();
            // Weighted: the steps that move a case along are the most frequent; closing and
            // withdrawing (which end a walk's case) the rarest.
            let action = match rng.random_range(0..30) {
                0..=3 | 29 => 0,
                4..=5 => 1,
                6..=7 => 2,
                8..=10 => 3,
                11..=12 => 4,
                13..=19 => 5,
                20..=26 => 7,
                _ => 9,
            };
            walk.push_str(&format!(
                "{n}:{action}@{} ",
                &a_id[a_id.len().saturating_sub(4)..]
            ));
            match action {
                0 => {
                    step(&app, "mutation($id: ID!) { signForAssignment(input: {assignmentId: $id}) { userErrors { code } } }", json!({"id": a_id})).await;
                }
                1 => {
                    step(&app, "mutation($id: ID!) { requestReturn(input: {assignmentId: $id, reason: \"不属于本单位职责\"}) { userErrors { code } } }", json!({"id": a_id})).await;
                }
                2 => {
                    let detail = app
                    .data("query($id: ID!) { node(id: $id) { ... on Assignment { returnRequests { id } } } }", json!({"id": a_id}))
                    .await;
                    if let Some(request) = detail["node"]["returnRequests"]
                        .as_array()
                        .and_then(|r| r.last())
                    {
                        let approve = rng.random_bool(0.5);
                        let other = &units[rng.random_range(0..units.len())];
                        step(&app,
                        "mutation($id: ID!, $approve: Boolean!, $unit: ID) { decideReturn(input: {requestId: $id, approve: $approve, reassignToUnitId: $unit, note: \"随机审批\"}) { userErrors { code } } }",
                        json!({"id": request["id"], "approve": approve, "unit": if approve { json!(other) } else { Value::Null }})).await;
                    }
                }
                3 => {
                    step(&app, "mutation($id: ID!) { sendCoOpinion(input: {assignmentId: $id, body: \"会办意见：同意。\", signedBy: \"协办单位\"}) { userErrors { code } } }", json!({"id": a_id})).await;
                }
                4 => {
                    step(&app, "mutation($id: ID!) { logContact(input: {assignmentId: $id, stage: DURING, method: PHONE, contactedOn: \"2026-03-01\", participants: \"夏维奇代表\"}) { userErrors { code } } }", json!({"id": a_id})).await;
                }
                5 | 6 => {
                    let mut input = TestApp::reply_input(&a_id);
                    input.as_object_mut().unwrap().remove("repliedOn");
                    step(&app, "mutation($i: SubmitReplyInput!) { submitReply(input: $i) { userErrors { code } } }", json!({"i": input})).await;
                }
                7 | 8 => {
                    if let Some(reply) = a["replies"].as_array().and_then(|r| r.last()) {
                        let satisfaction = if rng.random_bool(0.5) {
                            "UNSATISFIED"
                        } else {
                            "SATISFIED"
                        };
                        step(&app,
                        "mutation($id: ID!, $s: Satisfaction!) { rateReply(input: {replyId: $id, satisfaction: $s, comment: \"随机测评\"}) { userErrors { code } } }",
                        json!({"id": reply["id"], "s": satisfaction})).await;
                    }
                }
                _ => {
                    let query = if rng.random_bool(0.7) {
                        "mutation($id: ID!) { closeSuggestion(input: {suggestionId: $id}) { userErrors { code } } }"
                    } else {
                        "mutation($id: ID!) { withdrawSuggestion(input: {suggestionId: $id}) { userErrors { code } } }"
                    };
                    step(&app, query, json!({"id": s})).await;
                }
            }
            for s in &suggestions {
                let stored = app.data(SNAPSHOT, json!({"id": s})).await["node"].clone();
                check(&stored, &walk);
            }
        }
    }
    eprintln!(
        "workflow walk: 4 walks of 60 steps, {} steps changed something",
        CHANGED.load(std::sync::atomic::Ordering::Relaxed)
    );
}
