//! kill -9 of the `banli` binary while its delivery worker is sending SMS: after a restart
//! every delivery is sent, and the ones sent twice are at most those in flight at the kill
//! (the gateway had taken them, the server had not recorded it). The line "deliveries N,
//! calls M, sent twice K" is appended to `target/tmp/crash-report.txt`, which `.ci/run` prints.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::rt::time::sleep;
use actix_web::{web, App, HttpResponse, HttpServer};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};

use crate::helpers::{codes, spawn_app};
use crate::process::{free_port, Server};

const DELIVERIES: usize = 24;
/// How long the gateway takes to answer each call: the window a kill can fall into.
const GATEWAY_DELAY: Duration = Duration::from_millis(300);
/// Calls the worker makes at once (`Worker::parallel`): at most this many can be in flight.
const IN_FLIGHT_MAX: usize = 4;

/// A slow gateway that counts the calls per delivery (`outId`).
async fn slow_gateway() -> (String, Arc<Mutex<Vec<String>>>) {
    let calls: Arc<Mutex<Vec<String>>> = Arc::default();
    let c = Arc::clone(&calls);
    let server = HttpServer::new(move || {
        let c = Arc::clone(&c);
        App::new().route(
            "/sms",
            web::post().to(move |body: String| {
                let c = Arc::clone(&c);
                async move {
                    let body: Value = serde_json::from_str(&body).unwrap_or_default();
                    c.lock()
                        .unwrap()
                        .push(body["outId"].as_str().unwrap_or_default().to_owned());
                    sleep(GATEWAY_DELAY).await;
                    HttpResponse::Ok().body(r#"{"code":"OK"}"#)
                }
            }),
        )
    })
    .workers(2)
    .bind("127.0.0.1:0")
    .expect("bind the gateway");
    let port = server.addrs()[0].port();
    actix_web::rt::spawn(server.run());
    (format!("http://127.0.0.1:{port}/sms"), calls)
}

async fn sent(db: &banli::db::Db) -> i64 {
    let row = db
        .conn()
        .query_one_raw(Statement::from_string(
            db.backend(),
            "SELECT COUNT(*) FROM notification_delivery WHERE status = 'SENT'",
        ))
        .await
        .expect("count deliveries")
        .expect("a row");
    row.try_get_by_index::<i64>(0).expect("an integer")
}

#[actix_web::test]
async fn a_kill_9_mid_send_loses_no_delivery_and_repeats_only_those_in_flight() {
    let app = spawn_app().await;
    let session = app.session("发送崩溃测试会议").await;
    let deputy = app.deputy("夏维奇").await;
    let unit = app.unit("淮南市民政局", "HN-MZJ").await;
    let clerk = app.user("mz-staff", "UNIT_STAFF", Some(&unit), None).await;
    let p = clerk
        .graphql(
            "mutation { updateMyNotificationSettings(input: {mobile: \"13955400001\"}) { userErrors { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        codes(&p["data"]["updateMyNotificationSettings"]),
        Vec::<String>::new()
    );
    for n in 0..DELIVERIES {
        let suggestion = app.suggestion(&session, &deputy, &format!("{n:04}")).await;
        let p = app
            .assign(
                json!({"suggestionId": suggestion, "assignedOn": "2026-02-25",
                "units": [{"unitId": unit, "role": "SOLE"}]}),
            )
            .await;
        assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    }

    let (gateway, calls) = slow_gateway().await;
    let port = free_port();
    let env = [
        ("BANLI_SMS_GATEWAY_URL", gateway.as_str()),
        ("BANLI_SMS_GATEWAY_SECRET", "a-secret-for-the-crash-test"),
        ("BANLI_DELIVERY_POLL_MS", "50"),
        ("BANLI_DELIVERY_LEASE_SECS", "2"),
    ];
    let mut server = Server::start_with(&app.database_url, port, &env);
    // Kill it once the gateway has taken a few calls (some answered, some in flight).
    let deadline = Instant::now() + Duration::from_secs(60);
    while calls.lock().unwrap().len() < 6 {
        assert!(Instant::now() < deadline, "the worker sent nothing");
        sleep(Duration::from_millis(20)).await;
    }
    server.child.kill().expect("kill -9");
    server.child.wait().expect("reap");
    let recorded_at_kill = sent(&app.db).await;
    let called_at_kill = calls.lock().unwrap().len();

    let _restarted = Server::start_with(&app.database_url, port, &env);
    let deadline = Instant::now() + Duration::from_secs(90);
    while sent(&app.db).await < DELIVERIES as i64 {
        assert!(
            Instant::now() < deadline,
            "only {} of {DELIVERIES} sent after the restart",
            sent(&app.db).await
        );
        sleep(Duration::from_millis(100)).await;
    }
    // Anything still in flight when the last was recorded has arrived by now.
    sleep(GATEWAY_DELAY * 2).await;

    let calls = calls.lock().unwrap().clone();
    let mut per_delivery: HashMap<String, usize> = HashMap::new();
    for out_id in &calls {
        *per_delivery.entry(out_id.clone()).or_default() += 1;
    }
    assert_eq!(
        per_delivery.len(),
        DELIVERIES,
        "every delivery reached the gateway"
    );
    let twice = calls.len() - DELIVERIES;
    let in_flight = called_at_kill - usize::try_from(recorded_at_kill).unwrap();
    assert!(
        twice <= in_flight && in_flight <= IN_FLIGHT_MAX,
        "sent twice {twice}, in flight at the kill {in_flight} (at most {IN_FLIGHT_MAX})"
    );
    let report = format!(
        "delivery kill -9 ({:?}): deliveries {DELIVERIES}, gateway calls {}, sent twice {twice} (in flight at the kill: {in_flight})\n",
        app.db.backend(),
        calls.len()
    );
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tmp");
    std::fs::create_dir_all(&dir).unwrap();
    use std::io::Write as _;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("crash-report.txt"))
        .and_then(|mut f| f.write_all(report.as_bytes()))
        .unwrap();
}
