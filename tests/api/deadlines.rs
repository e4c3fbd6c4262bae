//! Deadlines: status filters and counts as of any date, previews with explanations, the
//! calendar and re-dating when it changes.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::helpers::{codes, id_at, spawn_app, TestApp};

const STATUSES: [&str; 5] = [
    "NOT_DUE",
    "DUE_SOON",
    "OVERDUE",
    "ANSWERED_ON_TIME",
    "ANSWERED_LATE",
];

/// Assigns a new suggestion to `unit` on `assigned_on` with an explicit due date; signs
/// for it and, if given, replies on `replied_on`. Returns the assignment ID.
async fn case(
    app: &TestApp,
    session: &str,
    deputy: &str,
    unit: &str,
    number: &str,
    due_on: &str,
    replied_on: Option<&str>,
) -> String {
    let suggestion = app.suggestion(session, deputy, number).await;
    let p = app
        .assign(
            json!({"suggestionId": suggestion, "assignedOn": "2026-03-02",
            "units": [{"unitId": unit, "role": "SOLE", "dueOn": due_on}]}),
        )
        .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    let assignment = id_at(&p, "assignments.0.id");
    app.sign_for(&assignment).await;
    if let Some(on) = replied_on {
        let mut input = TestApp::reply_input(&assignment);
        input["repliedOn"] = json!(on);
        let r = app.submit_reply(input).await;
        assert_eq!(codes(&r), Vec::<String>::new(), "{r:#}");
    }
    assignment
}

/// The assignments the SQL filter returns for `status` as of `as_of`.
async fn filtered(app: &TestApp, status: &str, as_of: &str) -> Vec<String> {
    let data = app
        .data(
            "query($s: [DeadlineStatus!], $asOf: Date) { assignments(filter: {deadlineStatus: $s}, asOf: $asOf, first: 100) {
                totalCount edges { node { id } } } }",
            json!({"s": [status], "asOf": as_of}),
        )
        .await;
    let edges = data["assignments"]["edges"].as_array().unwrap();
    assert_eq!(
        data["assignments"]["totalCount"].as_u64().unwrap() as usize,
        edges.len()
    );
    let mut ids: Vec<String> = edges
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[actix_web::test]
async fn status_as_of_any_date_in_sql_equals_the_rule() {
    let app = spawn_app().await;
    let session = app.session("会议").await;
    let deputy = app.deputy("夏维奇").await;
    let unit = app.unit("淮南市人民政府", "HN").await;
    let on_time = case(
        &app,
        &session,
        &deputy,
        &unit,
        "1",
        "2026-04-10",
        Some("2026-04-08"),
    )
    .await;
    let late = case(
        &app,
        &session,
        &deputy,
        &unit,
        "2",
        "2026-04-20",
        Some("2026-04-25"),
    )
    .await;
    let open = case(&app, &session, &deputy, &unit, "3", "2026-04-30", None).await;
    let far = case(&app, &session, &deputy, &unit, "4", "2026-06-30", None).await;

    // Hand-checked statuses (warning window 15 days): the due day itself is DUE_SOON, the
    // day after is OVERDUE, and an answer given after `asOf` does not count yet.
    let expected: [(&str, [(&str, &str); 4]); 8] = [
        (
            "2026-04-08",
            [
                (&on_time, "ANSWERED_ON_TIME"),
                (&late, "DUE_SOON"),
                (&open, "NOT_DUE"),
                (&far, "NOT_DUE"),
            ],
        ),
        (
            "2026-04-14",
            [
                (&on_time, "ANSWERED_ON_TIME"),
                (&late, "DUE_SOON"),
                (&open, "NOT_DUE"),
                (&far, "NOT_DUE"),
            ],
        ),
        (
            "2026-04-15",
            [
                (&on_time, "ANSWERED_ON_TIME"),
                (&late, "DUE_SOON"),
                (&open, "DUE_SOON"),
                (&far, "NOT_DUE"),
            ],
        ),
        (
            "2026-04-21",
            [
                (&on_time, "ANSWERED_ON_TIME"),
                (&late, "OVERDUE"),
                (&open, "DUE_SOON"),
                (&far, "NOT_DUE"),
            ],
        ),
        (
            "2026-04-25",
            [
                (&on_time, "ANSWERED_ON_TIME"),
                (&late, "ANSWERED_LATE"),
                (&open, "DUE_SOON"),
                (&far, "NOT_DUE"),
            ],
        ),
        (
            "2026-04-30",
            [
                (&on_time, "ANSWERED_ON_TIME"),
                (&late, "ANSWERED_LATE"),
                (&open, "DUE_SOON"),
                (&far, "NOT_DUE"),
            ],
        ),
        (
            "2026-05-01",
            [
                (&on_time, "ANSWERED_ON_TIME"),
                (&late, "ANSWERED_LATE"),
                (&open, "OVERDUE"),
                (&far, "NOT_DUE"),
            ],
        ),
        (
            "2026-06-15",
            [
                (&on_time, "ANSWERED_ON_TIME"),
                (&late, "ANSWERED_LATE"),
                (&open, "OVERDUE"),
                (&far, "DUE_SOON"),
            ],
        ),
    ];
    for (as_of, cases) in expected {
        let mut by_status: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (id, status) in cases {
            let node = app
                .data(
                    "query($id: ID!, $asOf: Date) { node(id: $id) { ... on Assignment { deadlineStatus(asOf: $asOf) } } }",
                    json!({"id": id, "asOf": as_of}),
                )
                .await;
            assert_eq!(
                node["node"]["deadlineStatus"], status,
                "{id} as of {as_of} (field)"
            );
            by_status.entry(status).or_default().push(id.to_owned());
        }
        for status in STATUSES {
            let mut want = by_status.get(status).cloned().unwrap_or_default();
            want.sort();
            assert_eq!(
                filtered(&app, status, as_of).await,
                want,
                "{status} as of {as_of} (SQL filter)"
            );
        }
        let summary = app
            .data(
                "query($asOf: Date) { deadlineSummary(asOf: $asOf) { asOf overall { notDue dueSoon overdue answeredOnTime answeredLate total }
                    byUnit { unit { code } counts { overdue total } } } }",
                json!({"asOf": as_of}),
            )
            .await["deadlineSummary"]
            .clone();
        assert_eq!(summary["asOf"], as_of);
        for (field, status) in [
            ("notDue", "NOT_DUE"),
            ("dueSoon", "DUE_SOON"),
            ("overdue", "OVERDUE"),
            ("answeredOnTime", "ANSWERED_ON_TIME"),
            ("answeredLate", "ANSWERED_LATE"),
        ] {
            let n = by_status.get(status).map_or(0, Vec::len);
            assert_eq!(summary["overall"][field], n, "{field} as of {as_of}");
        }
        assert_eq!(summary["overall"]["total"], 4);
        assert_eq!(summary["byUnit"][0]["unit"]["code"], "HN");
    }

    // Before anything was assigned nothing was in force.
    for status in STATUSES {
        assert_eq!(
            filtered(&app, status, "2026-03-01").await,
            Vec::<String>::new()
        );
    }
    // Today (2026-11-22) by default: two answered, two overdue.
    let today = app
        .data(
            "{ deadlineSummary { asOf overall { overdue answeredOnTime answeredLate } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        today["deadlineSummary"],
        json!({"asOf": "2026-11-22", "overall": {"overdue": 2, "answeredOnTime": 1, "answeredLate": 1}})
    );
    let late_days = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Assignment { daysLate daysRemaining } } }",
            json!({"id": late}),
        )
        .await;
    assert_eq!(
        late_days["node"],
        json!({"daysLate": 5, "daysRemaining": -216})
    );
}

#[actix_web::test]
async fn suggestion_status_is_the_worst_of_its_assignments() {
    let app = spawn_app().await;
    let session = app.session("会议").await;
    let deputy = app.deputy("夏维奇").await;
    let a = app.unit("甲局", "A").await;
    let b = app.unit("乙局", "B").await;
    let suggestion = app.suggestion(&session, &deputy, "0900").await;
    let p = app
        .assign(
            json!({"suggestionId": suggestion, "assignedOn": "2026-03-02", "units": [
            {"unitId": a, "role": "SEPARATE", "dueOn": "2026-04-10"},
            {"unitId": b, "role": "SEPARATE", "dueOn": "2026-06-30"}]}),
        )
        .await;
    let first = id_at(&p, "assignments.0.id");
    app.sign_for(&first).await;
    let mut input = TestApp::reply_input(&first);
    input["repliedOn"] = json!("2026-04-12");
    assert_eq!(codes(&app.submit_reply(input).await), Vec::<String>::new());
    let status = |as_of: &'static str| {
        let app = &app;
        let suggestion = suggestion.clone();
        async move {
            app.data(
                "query($id: ID!, $asOf: Date) { suggestion(id: $id) { deadlineStatus(asOf: $asOf) } }",
                json!({"id": suggestion, "asOf": as_of}),
            )
            .await["suggestion"]["deadlineStatus"]
                .clone()
        }
    };
    assert_eq!(status("2026-04-11").await, "OVERDUE");
    assert_eq!(
        status("2026-04-13").await,
        "NOT_DUE",
        "an open unit outranks a late answer"
    );
    assert_eq!(status("2026-06-20").await, "DUE_SOON");
    assert_eq!(status("2026-07-01").await, "OVERDUE");
}

async fn preview(app: &TestApp, session: &str, start: &str, period: &str) -> Value {
    app.data(
        "query($s: ID!, $start: Date!, $p: DeadlinePeriod!) { previewDueDate(sessionId: $s, start: $start, period: $p) {
            period start months workingDays rawEnd ruleDueOn dueOn rolled provisional provisionalYears
            holidaysCrossed { date festival } makeUpDaysCrossed { date festival } sentence } }",
        json!({"s": session, "start": start, "p": period}),
    )
    .await["previewDueDate"]
        .clone()
}

#[actix_web::test]
async fn preview_due_dates_with_their_explanation() {
    let app = spawn_app().await;
    let session = app.session("会议").await;

    // docs/domain.md §4's example: Friday 2024-09-27 + 5 working days = 2024-10-10.
    let p = preview(&app, &session, "2024-09-27", "RETURN_WINDOW").await;
    assert_eq!(p["dueOn"], "2024-10-10");
    assert_eq!(p["workingDays"], 5);
    assert_eq!(p["holidaysCrossed"].as_array().unwrap().len(), 7);
    assert_eq!(
        p["makeUpDaysCrossed"],
        json!([{"date": "2024-09-29", "festival": "国庆节"}])
    );
    assert_eq!(p["provisional"], false);

    // 3 months from 2024-07-01 ends on 1 October, a holiday: moved to the 8th.
    let p = preview(&app, &session, "2024-07-01", "REPLY").await;
    assert_eq!(
        (p["rawEnd"].clone(), p["dueOn"].clone(), p["rolled"].clone()),
        (json!("2024-10-01"), json!("2024-10-08"), json!(true))
    );
    assert!(
        p["sentence"].as_str().unwrap().contains("顺延"),
        "{}",
        p["sentence"]
    );

    // Today + 3 months reaches 2027, whose calendar is not loaded yet.
    let p = preview(&app, &session, "2026-11-22", "REPLY").await;
    assert_eq!(p["dueOn"], "2027-02-22");
    assert_eq!(p["provisional"], true);
    assert_eq!(p["provisionalYears"], json!([2027]));
    assert!(p["sentence"].as_str().unwrap().contains("2027"));

    // 30 November + 3 months is the last day of February.
    let p = preview(&app, &session, "2023-11-30", "REPLY").await;
    assert_eq!(p["rawEnd"], "2024-02-29");

    let bad = app
        .graphql(
            "{ previewDueDate(sessionId: \"bm9wZQ\", start: \"2026-01-01\", period: REPLY) { dueOn } }",
            json!({}),
        )
        .await;
    assert_eq!(bad["errors"][0]["extensions"]["code"], "NOT_FOUND");
}

async fn due_of(app: &TestApp, assignment: &str) -> (String, bool) {
    let node = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Assignment { dueOn dueProvisional } } }",
            json!({"id": assignment}),
        )
        .await;
    (
        node["node"]["dueOn"].as_str().unwrap().to_owned(),
        node["node"]["dueProvisional"].as_bool().unwrap(),
    )
}

async fn import(app: &TestApp, csv: &str, years: Value) -> Value {
    app.data(
        "mutation($input: ImportCalendarInput!) { importCalendar(input: $input) { years days redated userErrors { field code message } } }",
        json!({"input": {"csv": csv, "years": years, "source": "测试"}}),
    )
    .await["importCalendar"]
        .clone()
}

#[actix_web::test]
async fn calendar_changes_redate_only_the_deadlines_they_cross() {
    let app = spawn_app().await;
    let session = app.session("会议").await;
    let deputy = app.deputy("夏维奇").await;
    let unit = app.unit("甲局", "A").await;
    let assign = |number: &'static str, on: &'static str, due: Option<&'static str>| {
        let (app, session, deputy, unit) = (&app, session.clone(), deputy.clone(), unit.clone());
        async move {
            let s = app.suggestion(&session, &deputy, number).await;
            let mut u = json!({"unitId": unit, "role": "SOLE"});
            if let Some(due) = due {
                u["dueOn"] = json!(due);
            }
            let p = app
                .assign(json!({"suggestionId": s, "assignedOn": on, "units": [u]}))
                .await;
            assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
            id_at(&p, "assignments.0.id")
        }
    };
    // 2026-11-20 + 3 months = Saturday 2027-02-20 → Monday 2027-02-22, provisional.
    let into_2027 = assign("1", "2026-11-20", None).await;
    // 2026-03-02 + 3 months = Tuesday 2026-06-02.
    let june = assign("2", "2026-03-02", None).await;
    let explicit = assign("3", "2026-03-02", Some("2026-06-02")).await;
    assert_eq!(due_of(&app, &into_2027).await, ("2027-02-22".into(), true));
    assert_eq!(due_of(&app, &june).await, ("2026-06-02".into(), false));

    // A broken file changes nothing and says which line is wrong.
    let bad = import(
        &app,
        "date,kind,festival\n2027-02-22,holiday,春节\n2027-02-30,holiday,春节\n",
        json!([]),
    )
    .await;
    assert_eq!(codes(&bad), ["INVALID"]);
    assert!(
        bad["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains('3'),
        "{bad:#}"
    );
    assert_eq!(due_of(&app, &into_2027).await, ("2027-02-22".into(), true));

    // Loading 2027 with 22 and 23 February as holidays moves the provisional date only.
    let loaded = import(
        &app,
        "date,kind,festival\n2027-02-22,holiday,测试假日\n2027-02-23,holiday,测试假日\n",
        json!([]),
    )
    .await;
    assert_eq!(codes(&loaded), Vec::<String>::new(), "{loaded:#}");
    assert_eq!(
        (
            loaded["years"].clone(),
            loaded["days"].clone(),
            loaded["redated"].clone()
        ),
        (json!([2027]), json!(2), json!(1))
    );
    assert_eq!(due_of(&app, &into_2027).await, ("2027-02-24".into(), false));
    assert_eq!(due_of(&app, &june).await, ("2026-06-02".into(), false));
    let year = app
        .data(
            "{ calendar(year: 2027) { loaded source days { date kind festival } } }",
            json!({}),
        )
        .await;
    assert_eq!(year["calendar"]["loaded"], true);
    assert_eq!(year["calendar"]["days"].as_array().unwrap().len(), 2);

    // Correcting one day in 2026 moves the June deadline that ends on it, not the explicit one.
    let changed = app
        .data(
            "mutation { setCalendarDay(input: {date: \"2026-06-02\", kind: HOLIDAY, festival: \"测试\"}) { redated userErrors { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        changed["setCalendarDay"],
        json!({"redated": 1, "userErrors": []})
    );
    assert_eq!(due_of(&app, &june).await, ("2026-06-03".into(), false));
    assert_eq!(
        due_of(&app, &explicit).await,
        ("2026-06-02".into(), false),
        "explicit dates stay"
    );
    assert_eq!(due_of(&app, &into_2027).await, ("2027-02-24".into(), false));

    let timeline = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Assignment { timeline { kind details } } } }",
            json!({"id": june}),
        )
        .await;
    let events = timeline["node"]["timeline"].as_array().unwrap();
    let last = events.last().unwrap();
    assert_eq!(last["kind"], "REDATED");
    assert_eq!(last["details"]["from"], "2026-06-02");
    assert_eq!(last["details"]["to"], "2026-06-03");

    // Clearing it again moves the deadline back.
    let cleared = app
        .data(
            "mutation { setCalendarDay(input: {date: \"2026-06-02\", kind: null}) { redated } }",
            json!({}),
        )
        .await;
    assert_eq!(cleared["setCalendarDay"]["redated"], 1);
    assert_eq!(due_of(&app, &june).await, ("2026-06-02".into(), false));
}

#[test]
fn calendar_import_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("banli.db");
    let csv = dir.path().join("2027.csv");
    std::fs::write(
        &csv,
        "date,kind,festival\n2027-01-01,holiday,元旦\n2027-02-07,workday,春节\n",
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_banli"))
        .args(["calendar", "import"])
        .arg(&csv)
        .args(["--source", "国办发明电〔2026〕1号"])
        .env("BANLI_DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("BANLI_CONFIG", "/dev/null")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("[2027]") && stdout.contains("2 special days"),
        "{stdout}"
    );

    std::fs::write(&csv, "date,kind,festival\n2027-01-04,workday,元旦\n").unwrap();
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_banli"))
        .args(["calendar", "import"])
        .arg(&csv)
        .env("BANLI_DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("BANLI_CONFIG", "/dev/null")
        .output()
        .unwrap();
    assert!(
        !refused.status.success(),
        "a make-up workday on a Monday is refused"
    );
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains('2'),
        "names the line"
    );
}

/// Today's summary reads running tallies; after every kind of transition they must agree
/// with the status of each assignment.
#[actix_web::test]
async fn todays_summary_from_tallies_matches_every_assignment() {
    let app = spawn_app().await;
    let session = app.session("会议").await;
    let deputy = app.deputy("夏维奇").await;
    let a = app.unit("甲局", "A").await;
    let b = app.unit("乙局", "B").await;
    let c = app.unit("丙局", "C").await;
    // On time, late, and re-handled after an UNSATISFIED rating.
    case(
        &app,
        &session,
        &deputy,
        &a,
        "1",
        "2026-04-10",
        Some("2026-04-08"),
    )
    .await;
    case(
        &app,
        &session,
        &deputy,
        &b,
        "2",
        "2026-04-20",
        Some("2026-04-25"),
    )
    .await;
    let rehandled = case(
        &app,
        &session,
        &deputy,
        &a,
        "3",
        "2026-05-10",
        Some("2026-05-01"),
    )
    .await;
    let reply = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Assignment { replies { id } } } }",
            json!({"id": rehandled}),
        )
        .await["node"]["replies"][0]["id"]
        .clone();
    let rated = app
        .data(
            "mutation($r: ID!) { rateReply(input: {replyId: $r, satisfaction: UNSATISFIED, ratedOn: \"2026-11-20\"}) { userErrors { code } } }",
            json!({"r": reply}),
        )
        .await;
    assert_eq!(rated["rateReply"]["userErrors"], json!([]));
    // Withdrawn after replying: no longer counted.
    let withdrawn_suggestion = app.suggestion(&session, &deputy, "4").await;
    let p = app
        .assign(
            json!({"suggestionId": withdrawn_suggestion, "assignedOn": "2026-03-02",
            "units": [{"unitId": c, "role": "SOLE", "dueOn": "2026-04-01"}]}),
        )
        .await;
    let withdrawn = id_at(&p, "assignments.0.id");
    app.sign_for(&withdrawn).await;
    let mut input = TestApp::reply_input(&withdrawn);
    input["repliedOn"] = json!("2026-03-20");
    assert_eq!(codes(&app.submit_reply(input).await), Vec::<String>::new());
    let w = app
        .data(
            "mutation($s: ID!) { withdrawSuggestion(input: {suggestionId: $s}) { userErrors { code } } }",
            json!({"s": withdrawn_suggestion}),
        )
        .await;
    assert_eq!(w["withdrawSuggestion"]["userErrors"], json!([]));

    let listed = app
        .data(
            "{ assignments(first: 100) { edges { node { deadlineStatus unit { code } } } } }",
            json!({}),
        )
        .await;
    let mut expected: BTreeMap<(String, String), i64> = BTreeMap::new();
    for edge in listed["assignments"]["edges"].as_array().unwrap() {
        if let Some(status) = edge["node"]["deadlineStatus"].as_str() {
            let unit = edge["node"]["unit"]["code"].as_str().unwrap().to_owned();
            *expected.entry((unit, status.to_owned())).or_default() += 1;
        }
    }
    assert_eq!(
        expected.values().sum::<i64>(),
        3,
        "the withdrawn assignment is not in force"
    );
    let summary = app
        .data(
            "{ deadlineSummary { byUnit { unit { code } counts { notDue dueSoon overdue answeredOnTime answeredLate } } } }",
            json!({}),
        )
        .await;
    let mut got: BTreeMap<(String, String), i64> = BTreeMap::new();
    for row in summary["deadlineSummary"]["byUnit"].as_array().unwrap() {
        let unit = row["unit"]["code"].as_str().unwrap().to_owned();
        for (field, status) in [
            ("notDue", "NOT_DUE"),
            ("dueSoon", "DUE_SOON"),
            ("overdue", "OVERDUE"),
            ("answeredOnTime", "ANSWERED_ON_TIME"),
            ("answeredLate", "ANSWERED_LATE"),
        ] {
            let n = row["counts"][field].as_i64().unwrap();
            if n > 0 {
                got.insert((unit.clone(), status.to_owned()), n);
            }
        }
    }
    assert_eq!(got, expected);
    assert_eq!(
        got.get(&("A".to_owned(), "NOT_DUE".to_owned())),
        Some(&1),
        "the re-handled assignment is open again, due 2026-12-21"
    );
}
