//! The daily reminder pass (提醒), over the real calendar: working days only, one digest per
//! person, each case told once per reason (overdue once a working day), the office in copy
//! for overdue and unsigned cases; twice or in two processes at once tells no one twice.

use banli::domain::reminder::ReminderRules;
use banli::domain::time::Clock as _;
use banli::service::reminder;
use chrono::NaiveDate;
use serde_json::{json, Value};

use crate::helpers::{codes, id_at, spawn_app, TestApp};

const DIGESTS: &str = "{ notifications(first: 20) { nodes { kind title text subject { id } } } }";

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

struct Desk {
    admin: TestApp,
    clerk: TestApp,
}

/// Unit A's three open cases as of Monday 2026-11-23: 0001 due on Friday 11-27 (signed for),
/// 0002 due last Friday 11-20 (signed for: overdue), 0003 assigned on Monday 11-16 and not
/// signed for (three working days allowed).
async fn desk() -> Desk {
    let admin = spawn_app().await;
    let session = admin.session("省人大十三届五次会议").await;
    let deputy = admin.deputy("夏维奇").await;
    let a = admin.unit("淮南市民政局", "HN-MZJ").await;
    let clerk = admin.user("mz-staff", "UNIT_STAFF", Some(&a), None).await;
    for (number, assigned_on, due_on, sign) in [
        ("0001", "2026-11-02", Some("2026-11-27"), true),
        ("0002", "2026-11-02", Some("2026-11-20"), true),
        ("0003", "2026-11-16", None, false),
    ] {
        let suggestion = admin.suggestion(&session, &deputy, number).await;
        let p = admin
            .assign(
                json!({"suggestionId": suggestion, "assignedOn": assigned_on,
                "units": [{"unitId": a, "role": "SOLE", "dueOn": due_on}]}),
            )
            .await;
        assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
        if sign {
            clerk.sign_for(&id_at(&p, "assignments.0.id")).await;
        }
    }
    Desk { admin, clerk }
}

async fn digests(app: &TestApp) -> Vec<Value> {
    app.data(DIGESTS, json!({})).await["notifications"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "DAILY_REMINDER")
        .cloned()
        .collect()
}

#[actix_web::test]
async fn a_working_day_tells_each_case_once_in_one_digest_per_person() {
    let d = desk().await;
    let rules = ReminderRules::default();
    let now = d.admin.clock.now();
    // Sunday: nothing is sent.
    let sunday = reminder::run(&d.admin.db, &rules, day(11, 22), now, false)
        .await
        .unwrap();
    assert!(!sunday.working_day);
    assert_eq!(sunday.digests, 0);
    // Monday, dry: what would be told, with nothing written.
    let dry = reminder::run(&d.admin.db, &rules, day(11, 23), now, true)
        .await
        .unwrap();
    assert_eq!(
        dry.cases.iter().map(|(k, n)| (*k, *n)).collect::<Vec<_>>(),
        [("DUE_SOON", 1), ("NOT_SIGNED_FOR", 1), ("OVERDUE", 1)]
    );
    assert_eq!(dry.digests, 2, "the clerk and the office administrator");
    assert!(digests(&d.clerk).await.is_empty());
    // Monday: one digest each.
    let monday = reminder::run(&d.admin.db, &rules, day(11, 23), now, false)
        .await
        .unwrap();
    assert_eq!(monday.cases, dry.cases);
    let clerk = digests(&d.clerk).await;
    assert_eq!(clerk.len(), 1, "{clerk:#?}");
    assert_eq!(
        clerk[0]["title"],
        "办理提醒：已逾期 1 件，未签收 1 件，即将到期 1 件"
    );
    let lines: Vec<&str> = clerk[0]["text"].as_str().unwrap().lines().collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0].starts_with("· 第0002号《"), "{lines:?}");
    assert!(
        lines[0].ends_with("办理期限 2026-11-20（已逾期 3 天）"),
        "{lines:?}"
    );
    assert!(lines[1].contains("未签收"), "{lines:?}");
    assert!(
        lines[2].ends_with("办理期限 2026-11-27（还有 4 天）"),
        "{lines:?}"
    );
    let office = digests(&d.admin).await;
    assert_eq!(office.len(), 1);
    assert_eq!(office[0]["title"], "办理提醒：已逾期 1 件，未签收 1 件");
    // Again the same day: nothing new.
    let again = reminder::run(&d.admin.db, &rules, day(11, 23), now, false)
        .await
        .unwrap();
    assert_eq!((again.digests, again.cases.len()), (0, 0));
    // Tuesday: only the overdue case again (the due-soon and unsigned ones were told).
    reminder::run(&d.admin.db, &rules, day(11, 24), now, false)
        .await
        .unwrap();
    let clerk = digests(&d.clerk).await;
    assert_eq!(clerk.len(), 2);
    assert_eq!(clerk[0]["title"], "办理提醒：已逾期 1 件");
    // Two passes at once on Wednesday: one digest each, all the same.
    let (x, y) = tokio::join!(
        reminder::run(&d.admin.db, &rules, day(11, 25), now, false),
        reminder::run(&d.admin.db, &rules, day(11, 25), now, false)
    );
    x.unwrap();
    y.unwrap();
    assert_eq!(digests(&d.clerk).await.len(), 3);
    assert_eq!(digests(&d.admin).await.len(), 3);
}

#[actix_web::test]
async fn the_server_runs_the_pass_once_a_day_after_the_hour() {
    let d = desk().await;
    let rules = ReminderRules::default();
    let at =
        |h: u32| banli::domain::time::start_of_day(day(11, 23)) + chrono::Duration::hours(h.into());
    let early = banli::reminders::run_if_due(&d.admin.db, &rules, 9, at(8))
        .await
        .unwrap();
    assert!(early.is_none(), "before 09:00 China time");
    let ran = banli::reminders::run_if_due(&d.admin.db, &rules, 9, at(9))
        .await
        .unwrap();
    assert_eq!(ran.map(|r| r.digests), Some(2));
    let later = banli::reminders::run_if_due(&d.admin.db, &rules, 9, at(15))
        .await
        .unwrap();
    assert!(later.is_none(), "once a day");
    let next = banli::reminders::run_if_due(&d.admin.db, &rules, 9, at(33))
        .await
        .unwrap();
    assert_eq!(
        next.map(|r| r.day),
        Some(Some(day(11, 24))),
        "the next day's"
    );
}

#[test]
fn reminders_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("banli.db");
    let run = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_banli"))
            .args(["reminders", "run"])
            .args(args)
            .env("BANLI_DATABASE_URL", format!("sqlite://{}", db.display()))
            .env("BANLI_CONFIG", "/dev/null")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "{stdout} {}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    };
    let sunday = run(&["--as-of", "2026-11-22"]);
    assert!(
        sunday.contains("2026-11-22 is not a working day"),
        "{sunday}"
    );
    let monday = run(&["--as-of", "2026-11-23", "--dry-run"]);
    assert!(monday.contains("dry run"), "{monday}");
    assert!(monday.contains("0 digests"), "{monday}");
}

/// Two replies to deputy 夏维奇, sent on Monday 2026-11-02 (the rating window of 20 working
/// days ends on Monday 11-30): 0001 not rated, 0002 rated on 11-10. The deputy is told of
/// 0001 once, on 11-23 when 5 working days are left, in one RATING_DUE digest.
#[actix_web::test]
async fn a_deputy_is_told_once_when_the_rating_window_ends_soon() {
    let admin = spawn_app().await;
    let session = admin.session("省人大十三届五次会议").await;
    let deputy = admin.deputy("夏维奇").await;
    let other = admin.deputy("周敏").await;
    let unit = admin.unit("淮南市民政局", "HN-MZJ").await;
    let xia = admin.user("xia-weiqi", "DEPUTY", None, Some(&deputy)).await;
    let zhou = admin.user("zhou-min", "DEPUTY", None, Some(&other)).await;
    for number in ["0001", "0002"] {
        let suggestion = admin.suggestion(&session, &deputy, number).await;
        let p = admin
            .assign(
                json!({"suggestionId": suggestion, "assignedOn": "2026-10-12",
                "units": [{"unitId": unit, "role": "SOLE"}]}),
            )
            .await;
        let assignment = id_at(&p, "assignments.0.id");
        admin.sign_for(&assignment).await;
        let mut input = TestApp::reply_input(&assignment);
        input["repliedOn"] = json!("2026-11-02");
        let p = admin.submit_reply(input).await;
        assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
        if number == "0002" {
            let p = admin
                .data(
                    "mutation($id: ID!) { rateReply(input: {replyId: $id, satisfaction: SATISFIED, ratedOn: \"2026-11-10\"}) { userErrors { code message } } }",
                    json!({"id": id_at(&p, "reply.id")}),
                )
                .await;
            assert_eq!(p["rateReply"]["userErrors"], json!([]), "{p:#}");
        }
    }
    // Both deputies keep a mobile number, for the SMS the kind goes on by default.
    for (app, mobile) in [(&xia, "13805541234"), (&zhou, "13905541234")] {
        let p = app
            .data(
                "mutation($m: String) { updateMyNotificationSettings(input: {mobile: $m}) { userErrors { code } } }",
                json!({"m": mobile}),
            )
            .await;
        assert_eq!(
            p["updateMyNotificationSettings"]["userErrors"],
            json!([]),
            "{p:#}"
        );
    }
    let rules = ReminderRules::default();
    let now = admin.clock.now();
    let pass = |d: u32| reminder::run(&admin.db, &rules, day(11, d), now, false);
    let rating_digests = |app: &TestApp| {
        let app = app.clone();
        async move {
            app.data(DIGESTS, json!({})).await["notifications"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|n| n["kind"] == "RATING_DUE")
                .cloned()
                .collect::<Vec<Value>>()
        }
    };
    // Friday 11-20: 6 working days are left.
    let friday = pass(20).await.unwrap();
    assert_eq!(friday.cases.get("RATING_DUE"), None, "{friday:?}");
    assert!(rating_digests(&xia).await.is_empty());
    // Monday 11-23: 5 are left; 0001 is told of, 0002 (rated) is not.
    let monday = pass(23).await.unwrap();
    assert_eq!(monday.cases.get("RATING_DUE"), Some(&1), "{monday:?}");
    let told = rating_digests(&xia).await;
    assert_eq!(told.len(), 1, "{told:#?}");
    assert_eq!(told[0]["title"], "测评提醒：1 件答复待您测评");
    let text = told[0]["text"].as_str().unwrap();
    assert!(
        text.contains("第0001号")
            && text.contains("淮南市民政局的答复：测评期限 2026-11-30（还有 5 个工作日）"),
        "{text}"
    );
    assert!(
        !text.contains("第0002号") && !text.contains("现答复如下"),
        "{text}"
    );
    // Once: the next days tell nothing new, and no other deputy hears of it.
    for d in [24, 25, 30] {
        let again = pass(d).await.unwrap();
        assert_eq!(again.cases.get("RATING_DUE"), None, "11-{d}: {again:?}");
    }
    assert_eq!(rating_digests(&xia).await.len(), 1);
    assert!(rating_digests(&zhou).await.is_empty());
    // The digest goes out by SMS, planned with it, to 夏维奇's number only.
    let sms = admin
        .data(
            "{ notificationDeliveries(filter: {channel: SMS}) { nodes { kind address } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        sms["notificationDeliveries"]["nodes"],
        json!([{"kind": "RATING_DUE", "address": "13805541234"}]),
        "{sms:#}"
    );
}

/// The coordinating office (督查室) is told of the overdue cases of every unit, and of
/// nothing else.
#[actix_web::test]
async fn the_coordinating_office_gets_the_overdue_cases() {
    let d = desk().await;
    let coordinator = d.admin.user("dcs-staff", "COORDINATOR", None, None).await;
    let now = d.admin.clock.now();
    let monday = reminder::run(
        &d.admin.db,
        &ReminderRules::default(),
        day(11, 23),
        now,
        false,
    )
    .await
    .unwrap();
    assert_eq!(
        monday.digests, 3,
        "the clerk, the office and the coordinating office"
    );
    let told = digests(&coordinator).await;
    assert_eq!(told.len(), 1, "{told:#?}");
    assert_eq!(told[0]["title"], "办理提醒：已逾期 1 件");
    let text = told[0]["text"].as_str().unwrap();
    assert!(
        text.starts_with("· 第0002号《") && text.lines().count() == 1,
        "{text}"
    );
}

/// A session sets its own due-soon thresholds (`reminderDays`); another keeps the
/// deployment's (15, 5, 1); null goes back to them.
#[actix_web::test]
async fn each_session_reminds_at_its_own_thresholds() {
    let admin = spawn_app().await;
    let p = admin
        .create_session(json!({"name": "市人大十七届三次会议", "level": "CITY",
            "term": 17, "meeting": 3, "reminderDays": [10, 30, 30]}))
        .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    let own = id_at(&p, "session.id");
    let plain = admin.session("省人大十三届五次会议").await;
    let deputy = admin.deputy("夏维奇").await;
    let unit = admin.unit("淮南市民政局", "HN-MZJ").await;
    let clerk = admin
        .user("mz-staff", "UNIT_STAFF", Some(&unit), None)
        .await;
    // Both cases are due on 2026-12-18, 25 days after Monday 11-23.
    for (session, number) in [(&own, "0001"), (&plain, "0002")] {
        let suggestion = admin.suggestion(session, &deputy, number).await;
        let p = admin
            .assign(
                json!({"suggestionId": suggestion, "assignedOn": "2026-11-02",
                "units": [{"unitId": unit, "role": "SOLE", "dueOn": "2026-12-18"}]}),
            )
            .await;
        clerk.sign_for(&id_at(&p, "assignments.0.id")).await;
    }
    let read = admin
        .data(
            "query($id: ID!) { node(id: $id) { ... on Session { reminderDays } } }",
            json!({"id": own}),
        )
        .await;
    assert_eq!(
        read["node"]["reminderDays"],
        json!([30, 10]),
        "kept farthest first, once"
    );
    let rules = ReminderRules::default();
    let now = admin.clock.now();
    let monday = reminder::run(&admin.db, &rules, day(11, 23), now, false)
        .await
        .unwrap();
    assert_eq!(monday.cases.get("DUE_SOON"), Some(&1), "{monday:?}");
    let told = digests(&clerk).await;
    assert_eq!(told.len(), 1, "{told:#?}");
    let text = told[0]["text"].as_str().unwrap();
    assert!(
        text.contains("第0001号") && !text.contains("第0002号"),
        "{text}"
    );
    // Bad thresholds are refused where they were given; null restores the default.
    const UPDATE: &str = "mutation($i: UpdateSessionInput!) { updateSession(input: $i) {
        session { reminderDays } userErrors { field code } } }";
    for bad in [
        json!([0]),
        json!([91]),
        json!([]),
        json!([30, 20, 10, 5, 3, 1]),
    ] {
        let p = admin
            .data(UPDATE, json!({"i": {"id": own, "reminderDays": bad}}))
            .await;
        assert_eq!(
            p["updateSession"]["userErrors"],
            json!([{"field": ["input", "reminderDays"], "code": "INVALID"}]),
            "{bad}: {p:#}"
        );
    }
    let p = admin
        .data(UPDATE, json!({"i": {"id": own, "reminderDays": null}}))
        .await;
    assert_eq!(
        p["updateSession"]["session"]["reminderDays"],
        json!(null),
        "{p:#}"
    );
    let tuesday = reminder::run(&admin.db, &rules, day(11, 24), now, false)
        .await
        .unwrap();
    assert_eq!(
        tuesday.cases.get("DUE_SOON"),
        None,
        "24 days: no default threshold yet"
    );
}
