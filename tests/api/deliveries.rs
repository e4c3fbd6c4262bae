//! Deliveries beyond the app (the outbox), over HTTP and through the worker: a notice's SMS
//! is written with it, sent once to a gateway (a small HTTP server here) with a valid
//! signature, retried with a growing wait when the gateway fails, given up after the last
//! attempt, taken up again when a killed worker's lease runs out, and shown to the office
//! with every attempt.

use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use banli::config::Settings;
use banli::delivery::Worker;
use banli::domain::time::Clock;
use serde_json::{json, Value};

use crate::helpers::{codes, id_at, spawn_app, TestApp};
use crate::smtp::SmtpServer;

const DELIVERIES: &str = "query($f: NotificationDeliveryFilter) {
  notificationDeliveries(filter: $f, first: 50) {
    totalCount
    nodes { id recipientId channel address kind title status attemptCount nextAttemptAt
      sentAt lastError createdAt attempts { attempt outcome answer startedAt finishedAt } }
  } }";
const SETTINGS: &str = "mutation($i: UpdateMyNotificationSettingsInput!) {
  updateMyNotificationSettings(input: $i) { settings { mobile version } userErrors { code } } }";
const URGE: &str = "mutation($i: UrgeAssignmentInput!) { urgeAssignment(input: $i) {
  assignment { id } userErrors { field code message } } }";
const SECRET: &str = "gateway-secret-for-tests";

/// What the test gateway received: the signature headers and the body.
#[derive(Clone, Debug)]
struct Received {
    timestamp: String,
    signature: String,
    body: String,
}

/// A stand-in for an SMS provider's gateway: records every call and answers with
/// `status`, which the test can change.
#[derive(Clone)]
struct Gateway {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
    status: Arc<Mutex<u16>>,
}

impl Gateway {
    async fn start() -> Self {
        let received = Arc::new(Mutex::new(Vec::new()));
        let status = Arc::new(Mutex::new(200u16));
        let (r, s) = (Arc::clone(&received), Arc::clone(&status));
        let server = HttpServer::new(move || {
            let (r, s) = (Arc::clone(&r), Arc::clone(&s));
            App::new().route(
                "/{endpoint}",
                web::post().to(move |req: HttpRequest, body: String| {
                    let (r, s) = (Arc::clone(&r), Arc::clone(&s));
                    async move {
                        let header = |name: &str| {
                            req.headers()
                                .get(name)
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default()
                                .to_owned()
                        };
                        r.lock().unwrap().push(Received {
                            timestamp: header("X-Banli-Timestamp"),
                            signature: header("X-Banli-Signature"),
                            body,
                        });
                        let code = *s.lock().unwrap();
                        HttpResponse::build(actix_web::http::StatusCode::from_u16(code).unwrap())
                            .body(if code == 200 {
                                r#"{"code":"OK","bizId":"biz-1"}"#
                            } else {
                                r#"{"code":"isv.BUSINESS_LIMIT_CONTROL"}"#
                            })
                    }
                }),
            )
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .expect("bind the test gateway");
        let port = server.addrs()[0].port();
        actix_web::rt::spawn(server.run());
        Self {
            url: format!("http://127.0.0.1:{port}/sms"),
            received,
            status,
        }
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    fn answer(&self, status: u16) {
        *self.status.lock().unwrap() = status;
    }
}

/// A worker over `app`'s database and clock, sending SMS to `gateway` (none: no SMS sender).
fn worker(app: &TestApp, gateway: Option<&Gateway>, adjust: impl FnOnce(&mut Settings)) -> Worker {
    let mut settings = Settings {
        sms_gateway_url: gateway.map(|g| g.url.clone()),
        sms_gateway_secret: Some(SECRET.to_owned()),
        sms_signature: "淮南市人大".to_owned(),
        ..Settings::default()
    };
    adjust(&mut settings);
    let clock: Arc<dyn Clock> = app.clock.clone();
    Worker::from_settings(&settings, app.db.clone(), clock).expect("a worker")
}

/// A unit clerk with a mobile number and a case assigned to the unit: the ASSIGNED notice
/// goes by SMS (the office's default for it). Returns the office, the clerk and the
/// assignment.
async fn assigned_with_mobile() -> (TestApp, TestApp, String) {
    let admin = spawn_app().await;
    let session = admin.session("市人大十七届三次会议").await;
    let deputy = admin.deputy("夏维奇").await;
    let unit = admin.unit("淮南市民政局", "HN-MZJ").await;
    let clerk = admin
        .user("mz-staff", "UNIT_STAFF", Some(&unit), None)
        .await;
    let p = clerk
        .graphql(SETTINGS, json!({"i": {"mobile": "13955400001"}}))
        .await;
    assert_eq!(
        codes(&p["data"]["updateMyNotificationSettings"]),
        Vec::<String>::new()
    );
    let s = admin
        .register(
            json!({"sessionId": session, "number": "0255", "title": "关于养老服务的建议",
            "content": "建议内容：请联系代表 13955400002。", "leadDeputyId": deputy,
            "submittedOn": "2026-02-20"}),
        )
        .await;
    let suggestion = id_at(&s, "suggestion.id");
    let p = admin
        .assign(
            json!({"suggestionId": suggestion, "assignedOn": "2026-02-25",
            "units": [{"unitId": unit, "role": "LEAD"}]}),
        )
        .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    let assignment = p["assignments"][0]["id"].as_str().unwrap().to_owned();
    (admin, clerk, assignment)
}

/// The office urges the unit on `assignment` `times` times (each an SMS to the clerk).
async fn urge(admin: &TestApp, assignment: &str, times: usize) {
    for n in 0..times {
        let p = admin
            .graphql(
                URGE,
                json!({"i": {"assignmentId": assignment, "message": format!("请加快办理（第{n}次）"),
                    "idempotencyKey": format!("urge-{n}")}}),
            )
            .await;
        assert_eq!(
            codes(&p["data"]["urgeAssignment"]),
            Vec::<String>::new(),
            "{p:#}"
        );
    }
}

async fn deliveries(app: &TestApp, filter: Value) -> Vec<Value> {
    let data = app.data(DELIVERIES, json!({"f": filter})).await;
    data["notificationDeliveries"]["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

#[actix_web::test]
async fn an_sms_goes_out_once_signed_and_the_office_sees_it_with_its_attempt() {
    let (admin, clerk, _) = assigned_with_mobile().await;
    let pending = deliveries(&admin, json!({"status": "PENDING"})).await;
    assert_eq!(pending.len(), 1, "{pending:#?}");
    assert_eq!(pending[0]["channel"], "SMS");
    assert_eq!(pending[0]["address"], "13955400001");
    assert_eq!(pending[0]["kind"], "ASSIGNED");
    assert_eq!(pending[0]["attempts"], json!([]));

    let gateway = Gateway::start().await;
    let w = worker(&admin, Some(&gateway), |_| {});
    assert_eq!(w.run_once().await.unwrap(), 1);
    assert_eq!(w.run_once().await.unwrap(), 0, "sent once");

    let calls = gateway.received();
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    let timestamp: i64 = call.timestamp.parse().expect("a unix timestamp");
    assert_eq!(
        call.signature,
        banli::delivery::sign(SECRET, timestamp, &call.body)
    );
    let body: Value = serde_json::from_str(&call.body).unwrap();
    assert_eq!(body["phoneNumbers"], json!(["13955400001"]));
    assert_eq!(body["signName"], "淮南市人大");
    let text = body["text"].as_str().unwrap();
    assert!(text.starts_with("【淮南市人大】"), "{text}");
    assert!(text.contains("0255"), "{text}");
    assert!(banli::domain::delivery::sms_segments(text) <= 2, "{text}");
    assert!(
        !text.contains("13955400002") && !text.contains("建议内容"),
        "{text}"
    );
    assert!(body["outId"]
        .as_str()
        .unwrap()
        .starts_with("banli-delivery-"));

    let sent = deliveries(&admin, json!({"channel": "SMS"})).await;
    assert_eq!(sent[0]["status"], "SENT");
    assert!(sent[0]["sentAt"].is_string());
    assert_eq!(sent[0]["nextAttemptAt"], Value::Null);
    assert_eq!(sent[0]["attempts"][0]["outcome"], "SENT");
    assert!(sent[0]["attempts"][0]["answer"]
        .as_str()
        .unwrap()
        .contains("biz-1"));

    // Deliveries show addresses: the office's only.
    let refused = clerk.graphql(DELIVERIES, json!({})).await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refused:#}"
    );
}

#[actix_web::test]
async fn a_failing_gateway_is_tried_again_later_and_then_given_up() {
    let (admin, _, _) = assigned_with_mobile().await;
    let gateway = Gateway::start().await;
    gateway.answer(503);
    let w = worker(&admin, Some(&gateway), |s| {
        s.delivery_max_attempts = 3;
        s.delivery_backoff_secs = 60;
    });
    assert_eq!(w.run_once().await.unwrap(), 1);
    let d = &deliveries(&admin, json!({})).await[0];
    assert_eq!(d["status"], "PENDING");
    assert_eq!(d["attemptCount"], 1);
    assert!(d["lastError"].as_str().unwrap().contains("503"), "{d:#}");
    assert_eq!(w.run_once().await.unwrap(), 0, "not due before its wait");

    admin.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(w.run_once().await.unwrap(), 1);
    admin.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(
        w.run_once().await.unwrap(),
        0,
        "the wait doubled to two minutes"
    );
    admin.clock.advance(chrono::Duration::seconds(60));
    assert_eq!(w.run_once().await.unwrap(), 1);

    let d = &deliveries(&admin, json!({"status": "FAILED"})).await[0];
    assert_eq!(d["attemptCount"], 3);
    let outcomes: Vec<&str> = d["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["FAILED", "FAILED", "FAILED"]);
    // The rest of banli is unaffected: the office still works.
    let me = admin.data("{ me { username } }", json!({})).await;
    assert_eq!(me["me"]["username"], "test-admin");
    admin.clock.advance(chrono::Duration::days(1));
    assert_eq!(
        w.run_once().await.unwrap(),
        0,
        "a failed delivery stays failed"
    );
    assert_eq!(gateway.received().len(), 3);
}

#[actix_web::test]
async fn an_unreachable_gateway_is_a_failed_attempt_and_no_gateway_is_skipped() {
    let (admin, _, _) = assigned_with_mobile().await;
    let unreachable = worker(&admin, None, |s| {
        s.sms_gateway_url = Some("http://127.0.0.1:9/sms".to_owned());
    });
    assert_eq!(unreachable.run_once().await.unwrap(), 1);
    let d = &deliveries(&admin, json!({})).await[0];
    assert_eq!(d["status"], "PENDING");
    assert!(
        d["lastError"]
            .as_str()
            .unwrap()
            .contains("短信网关无法连接"),
        "{d:#}"
    );

    admin.clock.advance(chrono::Duration::minutes(2));
    let none = worker(&admin, None, |_| {});
    assert_eq!(none.run_once().await.unwrap(), 1);
    let d = &deliveries(&admin, json!({"status": "SKIPPED"})).await[0];
    assert!(
        d["lastError"].as_str().unwrap().contains("未配置短信"),
        "{d:#}"
    );
    assert_eq!(d["attempts"][1]["outcome"], "SKIPPED");
}

#[actix_web::test]
async fn a_killed_workers_claim_runs_out_and_another_sends_it_once() {
    let (admin, _, _) = assigned_with_mobile().await;
    let gateway = Gateway::start().await;
    // A worker claims the delivery and is killed before it sends.
    let now = admin.clock.now();
    let dead = banli::service::delivery::claim(
        &admin.db,
        "killed-worker",
        now,
        chrono::Duration::seconds(120),
        10,
    )
    .await
    .unwrap();
    assert_eq!(dead.len(), 1);
    let alive = worker(&admin, Some(&gateway), |s| s.delivery_lease_secs = 120);
    assert_eq!(alive.run_once().await.unwrap(), 0, "the claim still holds");
    admin.clock.advance(chrono::Duration::seconds(121));
    assert_eq!(alive.run_once().await.unwrap(), 1);
    assert_eq!(gateway.received().len(), 1, "sent once");

    // Had the killed worker sent it and come back late, its record would not undo the other's.
    let late = banli::service::delivery::finish(
        &admin.db,
        &dead[0].delivery,
        now,
        admin.clock.now(),
        &banli::service::delivery::Outcome::Failed("late".into()),
        &banli::domain::delivery::Backoff::default(),
    )
    .await
    .unwrap();
    assert_eq!(late, banli::domain::delivery::DeliveryStatus::Pending);
    let d = &deliveries(&admin, json!({})).await[0];
    assert_eq!(d["status"], "SENT", "{d:#}");
    assert_eq!(
        d["attempts"].as_array().unwrap().len(),
        2,
        "both attempts are kept"
    );
}

#[actix_web::test]
async fn two_workers_at_once_send_each_delivery_once() {
    let (admin, _, assignment) = assigned_with_mobile().await;
    urge(&admin, &assignment, 9).await;
    assert_eq!(
        deliveries(&admin, json!({"status": "PENDING"})).await.len(),
        10
    );
    let gateway = Gateway::start().await;
    let a = worker(&admin, Some(&gateway), |_| {});
    let b = worker(&admin, Some(&gateway), |_| {});
    let (sent_a, sent_b) = futures_util::join!(a.run_once(), b.run_once());
    let (sent_a, sent_b) = (sent_a.unwrap(), sent_b.unwrap());
    assert_eq!(sent_a + sent_b, 10, "a: {sent_a}, b: {sent_b}");
    assert_eq!(gateway.received().len(), 10, "no delivery sent twice");
    let sent = deliveries(&admin, json!({"status": "SENT"})).await;
    assert_eq!(sent.len(), 10);
    assert!(sent.iter().all(|d| d["attemptCount"] == 1));
}

/// A worker sending e-mail to the test SMTP server (no SMS gateway).
fn mail_worker(app: &TestApp, smtp: &SmtpServer) -> Worker {
    worker(app, None, |s| {
        s.smtp_host = Some("127.0.0.1".to_owned());
        s.smtp_port = smtp.port;
        s.smtp_security = banli::config::SmtpSecurity::None;
        s.smtp_from = "淮南市人大常委会 <banli@rd.huainan.example>".to_owned();
        s.delivery_backoff_secs = 60;
    })
}

#[actix_web::test]
async fn an_email_reaches_the_smtp_server_and_a_refusal_is_tried_again() {
    let (admin, clerk, assignment) = assigned_with_mobile().await;
    let p = clerk
        .graphql(
            SETTINGS,
            json!({"i": {"email": "mz-staff@huainan.example", "expectedVersion": 1,
                "kinds": [{"kind": "URGED", "channels": ["EMAIL"]}]}}),
        )
        .await;
    assert_eq!(
        codes(&p["data"]["updateMyNotificationSettings"]),
        Vec::<String>::new(),
        "{p:#}"
    );
    let p = admin
        .graphql(
            URGE,
            json!({"i": {"assignmentId": assignment, "message": "请于本周内报送答复。",
                "idempotencyKey": "urge-mail"}}),
        )
        .await;
    assert_eq!(
        codes(&p["data"]["urgeAssignment"]),
        Vec::<String>::new(),
        "{p:#}"
    );
    let mails = deliveries(&admin, json!({"channel": "EMAIL"})).await;
    assert_eq!(mails.len(), 1, "{mails:#?}");
    assert_eq!(mails[0]["kind"], "URGED");

    let smtp = SmtpServer::start().await;
    smtp.refuse(true);
    let w = mail_worker(&admin, &smtp);
    // The SMS of the assignment (no gateway: skipped) and the e-mail (refused: later).
    assert_eq!(w.run_once().await.unwrap(), 2);
    let d = &deliveries(&admin, json!({"channel": "EMAIL"})).await[0];
    assert_eq!(d["status"], "PENDING");
    assert!(d["lastError"].as_str().unwrap().contains("451"), "{d:#}");
    assert!(smtp.received().is_empty());

    smtp.refuse(false);
    admin.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(w.run_once().await.unwrap(), 1);
    let d = &deliveries(&admin, json!({"channel": "EMAIL"})).await[0];
    assert_eq!(d["status"], "SENT", "{d:#}");
    assert!(
        d["attempts"][1]["answer"]
            .as_str()
            .unwrap()
            .starts_with("250"),
        "{d:#}"
    );
    let mail = &smtp.received()[0];
    assert_eq!(mail.to, ["<mz-staff@huainan.example>"]);
    assert!(
        mail.from.contains("banli@rd.huainan.example"),
        "{}",
        mail.from
    );
    assert!(mail.data.contains("Subject: "), "{}", mail.data);
    let text = mail.text();
    assert!(
        text.contains("0255") && text.contains("请于本周内报送答复"),
        "{text}"
    );
    assert!(
        !text.contains("13955400002") && !text.contains("建议内容"),
        "{text}"
    );
}

#[actix_web::test]
async fn the_daily_digest_goes_by_email_once_a_day() {
    let (admin, clerk, _) = assigned_with_mobile().await;
    let p = clerk
        .graphql(
            SETTINGS,
            json!({"i": {"email": "mz-staff@huainan.example", "expectedVersion": 1}}),
        )
        .await;
    assert_eq!(
        codes(&p["data"]["updateMyNotificationSettings"]),
        Vec::<String>::new(),
        "{p:#}"
    );
    let rules = banli::domain::reminder::ReminderRules::default();
    let monday = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let now = admin.clock.now();
    for _ in 0..2 {
        banli::service::reminder::run(&admin.db, &rules, monday, now, false)
            .await
            .unwrap();
    }
    let digests = deliveries(&admin, json!({"channel": "EMAIL"})).await;
    assert_eq!(
        digests.len(),
        1,
        "one digest, however often the pass runs: {digests:#?}"
    );
    assert_eq!(digests[0]["kind"], "DAILY_REMINDER");
    assert_eq!(digests[0]["address"], "mz-staff@huainan.example");
    let smtp = SmtpServer::start().await;
    let w = mail_worker(&admin, &smtp);
    w.run_once().await.unwrap();
    let mails = smtp.received();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].text().contains("0255"), "{}", mails[0].text());
}

#[actix_web::test]
async fn a_page_of_deliveries_is_three_statements_whatever_its_size() {
    let (admin, _, assignment) = assigned_with_mobile().await;
    urge(&admin, &assignment, 9).await;
    let gateway = Gateway::start().await;
    gateway.answer(503);
    worker(&admin, Some(&gateway), |_| {})
        .run_once()
        .await
        .unwrap();
    let query = "query($first: Int) { notificationDeliveries(first: $first) {
        nodes { id kind title status attempts { attempt outcome answer } } } }";
    let mut counts = Vec::new();
    for first in [2, 10] {
        let before = admin.db.statement_count();
        let data = admin.data(query, json!({"first": first})).await;
        counts.push(admin.db.statement_count() - before);
        let nodes = data["notificationDeliveries"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), first);
        assert!(nodes
            .iter()
            .all(|n| n["attempts"].as_array().unwrap().len() == 1));
    }
    assert_eq!(
        counts[0], counts[1],
        "statements for 2 rows vs 10: {counts:?}"
    );
    // the page, its notices, their attempts (the token is cached)
    assert!(counts[1] <= 3, "{counts:?}");
}

const DEFAULTS: &str = "mutation($i: UpdateNotificationDefaultsInput!) {
  updateNotificationDefaults(input: $i) {
    defaults { version kinds { kind channels chosen } } userErrors { field code message } } }";

#[actix_web::test]
async fn the_office_sends_a_kind_to_the_oa_webhook_instead_of_sms() {
    let (admin, clerk, assignment) = assigned_with_mobile().await;
    let p = admin
        .graphql(
            DEFAULTS,
            json!({"i": {"expectedVersion": 0, "kinds": [{"kind": "URGED", "channels": ["WEBHOOK"]}]}}),
        )
        .await["data"]["updateNotificationDefaults"]
        .clone();
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    assert_eq!(p["defaults"]["version"], 1);
    let stale = admin
        .graphql(DEFAULTS, json!({"i": {"expectedVersion": 0, "kinds": []}}))
        .await;
    assert_eq!(
        codes(&stale["data"]["updateNotificationDefaults"]),
        ["CONFLICT"]
    );

    // A user who chose nothing gets the office's choice; the webhook is not theirs to pick.
    let mine = clerk
        .data(
            "{ myNotificationSettings { kinds { kind channels chosen } } }",
            json!({}),
        )
        .await;
    let urged = mine["myNotificationSettings"]["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "URGED")
        .unwrap()
        .clone();
    assert_eq!(
        urged,
        json!({"kind": "URGED", "channels": [], "chosen": false})
    );
    let refused = clerk
        .graphql(
            SETTINGS,
            json!({"i": {"kinds": [{"kind": "URGED", "channels": ["WEBHOOK"]}]}}),
        )
        .await;
    let refused = &refused["data"]["updateMyNotificationSettings"];
    assert_eq!(codes(refused), ["INVALID"], "{refused:#}");

    urge(&admin, &assignment, 1).await;
    let hooks = deliveries(&admin, json!({"channel": "WEBHOOK"})).await;
    assert_eq!(hooks.len(), 1, "{hooks:#?}");
    assert_eq!(
        (hooks[0]["address"].as_str(), hooks[0]["kind"].as_str()),
        (Some("OA"), Some("URGED"))
    );
    let sms = deliveries(&admin, json!({"channel": "SMS"})).await;
    assert_eq!(
        sms.len(),
        1,
        "only the assignment's SMS, not the urge's: {sms:#?}"
    );

    let oa = Gateway::start().await;
    let w = worker(&admin, None, |s| {
        s.webhook_url = Some(oa.url.replace("/sms", "/oa"));
        s.webhook_secret = Some(SECRET.to_owned());
    });
    w.run_once().await.unwrap();
    let calls = oa.received();
    assert_eq!(calls.len(), 1);
    let timestamp: i64 = calls[0].timestamp.parse().unwrap();
    assert_eq!(
        calls[0].signature,
        banli::delivery::sign(SECRET, timestamp, &calls[0].body)
    );
    let body: Value = serde_json::from_str(&calls[0].body).unwrap();
    assert_eq!(body["kind"], "URGED");
    assert!(
        body["text"].as_str().unwrap().contains("请加快办理"),
        "{body:#}"
    );
    assert!(!calls[0].body.contains("13955400002") && !calls[0].body.contains("建议内容"));
    let hook = &deliveries(&admin, json!({"channel": "WEBHOOK"})).await[0];
    assert_eq!(hook["status"], "SENT", "{hook:#}");
}
