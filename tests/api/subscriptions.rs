//! `notificationAdded` over WebSocket (graphql-transport-ws): a signed-in user receives each
//! of their own notices as it is committed, and no one else's; a connection needs a valid
//! token, an allowed origin (if a browser page opened it) and a free slot.

use std::time::{Duration, Instant};

use awc::ws::{Frame, Message};
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{json, Value};

use crate::helpers::{codes, spawn_app_with, TestApp};

type Connection = actix_codec::Framed<awc::BoxedSocket, awc::ws::Codec>;

const SUBSCRIBE: &str = "subscription { notificationAdded { id kind title text } }";

async fn open(app: &TestApp, origin: Option<&str>) -> Result<Connection, String> {
    let url = format!("{}/graphql", app.address.replacen("http://", "ws://", 1));
    let mut request = awc::Client::new()
        .ws(url)
        .protocols(["graphql-transport-ws"]);
    if let Some(origin) = origin {
        request = request.origin(origin);
    }
    request
        .connect()
        .await
        .map(|(_, connection)| connection)
        .map_err(|e| e.to_string())
}

async fn send(connection: &mut Connection, message: Value) {
    connection
        .send(Message::Text(message.to_string().into()))
        .await
        .unwrap();
}

/// The next text message within `limit`, or the close frame as `{"close": code, "reason": …}`.
async fn receive(connection: &mut Connection, limit: Duration) -> Option<Value> {
    loop {
        let frame = tokio::time::timeout(limit, connection.next())
            .await
            .ok()??;
        match frame.ok()? {
            Frame::Text(bytes) => return serde_json::from_slice(&bytes).ok(),
            Frame::Close(reason) => {
                let code = reason.as_ref().map(|r| u16::from(r.code));
                let why = reason.and_then(|r| r.description).unwrap_or_default();
                return Some(json!({"close": code, "reason": why}));
            }
            _ => continue,
        }
    }
}

/// Opens, signs in with `token` and subscribes; returns the connection after its ack.
async fn subscribed(app: &TestApp, token: &str) -> Connection {
    let mut connection = open(app, None).await.expect("connects");
    send(
        &mut connection,
        json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}}),
    )
    .await;
    let ack = receive(&mut connection, Duration::from_secs(5)).await;
    assert_eq!(
        ack.as_ref().map(|a| &a["type"]),
        Some(&json!("connection_ack")),
        "{ack:?}"
    );
    send(
        &mut connection,
        json!({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}),
    )
    .await;
    connection
}

/// A new suggestion 0001 of `session` by `deputy`, assigned to `unit` alone (its staff
/// are told).
async fn assign_new(admin: &TestApp, session: &str, deputy: &str, unit: &str) {
    let suggestion = admin.suggestion(session, deputy, "0001").await;
    let p = admin
        .assign(
            json!({"suggestionId": suggestion, "assignedOn": "2026-11-20",
            "units": [{"unitId": unit, "role": "SOLE"}]}),
        )
        .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
}

#[actix_web::test]
async fn each_user_receives_their_own_notices_as_they_are_committed() {
    let admin = spawn_app_with(|_| {}).await;
    let session = admin.session("省人大十三届五次会议").await;
    let deputy = admin.deputy("夏维奇").await;
    let a = admin.unit("淮南市民政局", "HN-MZJ").await;
    let b = admin.unit("淮南市财政局", "HN-CZJ").await;
    let clerk_a = admin.user("mz-staff", "UNIT_STAFF", Some(&a), None).await;
    let clerk_b = admin.user("cz-staff", "UNIT_STAFF", Some(&b), None).await;
    let mut mine = subscribed(&admin, clerk_a.token.as_deref().unwrap()).await;
    let mut theirs = subscribed(&admin, clerk_b.token.as_deref().unwrap()).await;
    // Let the feed see its listeners before the change commits.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let committed = Instant::now();
    assign_new(&admin, &session, &deputy, &a).await;
    let next = receive(&mut mine, Duration::from_secs(5))
        .await
        .expect("a notice");
    let took = committed.elapsed();
    assert_eq!(next["type"], "next", "{next:#}");
    assert_eq!(next["id"], "1");
    let notice = &next["payload"]["data"]["notificationAdded"];
    assert_eq!(notice["kind"], "ASSIGNED", "{next:#}");
    assert_eq!(notice["title"], "新交办：第0001号建议");
    assert!(
        took < Duration::from_secs(2),
        "received {took:?} after the commit"
    );
    // The same notice is in the list, with the same id.
    let listed = clerk_a
        .data("{ notifications(first: 1) { nodes { id } } }", json!({}))
        .await;
    assert_eq!(listed["notifications"]["nodes"][0]["id"], notice["id"]);
    // The other unit's clerk receives nothing.
    let nothing = receive(&mut theirs, Duration::from_millis(1_200)).await;
    assert!(nothing.is_none(), "{nothing:?}");
}

#[actix_web::test]
async fn a_connection_needs_a_token_an_allowed_origin_and_a_free_slot() {
    let admin = spawn_app_with(|s| {
        s.subscriptions_per_user = 1;
        s.cors_allowed_origins = vec!["https://desk.example.gov.cn".to_owned()];
    })
    .await;
    // A page of another origin is refused before the upgrade; the allowed one connects.
    let refused = open(&admin, Some("https://evil.example")).await;
    assert!(refused.is_err(), "a foreign page may not subscribe");
    let allowed = open(&admin, Some("https://desk.example.gov.cn")).await;
    assert!(allowed.is_ok(), "{:?}", allowed.err());
    // No token, or a wrong one: the server closes the connection, saying why.
    for (payload, why) in [
        (json!({}), "sign in first"),
        (
            json!({"Authorization": "Bearer not-a-token"}),
            "invalid or expired",
        ),
    ] {
        let mut connection = open(&admin, None).await.unwrap();
        let init = json!({"type": "connection_init", "payload": payload});
        send(&mut connection, init).await;
        let answer = receive(&mut connection, Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(answer["close"], 1002, "{answer}");
        assert!(answer["reason"].as_str().unwrap().contains(why), "{answer}");
    }
    // One connection per user here: the second is refused until the first closes.
    let token = admin.token.clone().unwrap();
    let first = subscribed(&admin, &token).await;
    let mut second = open(&admin, None).await.unwrap();
    send(
        &mut second,
        json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}}),
    )
    .await;
    let answer = receive(&mut second, Duration::from_secs(5)).await.unwrap();
    assert_eq!(answer["close"], 1002, "{answer}");
    assert!(
        answer["reason"].as_str().unwrap().contains("too many"),
        "{answer}"
    );
    drop(first);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _third = subscribed(&admin, &token).await;
}

/// On PostgreSQL a notice can commit after one with a larger id (two writers at once); the
/// feed still delivers it, once. (SQLite has one writer at a time: ids commit in order.)
#[actix_web::test]
async fn a_notice_committed_after_a_newer_one_is_still_delivered_once() {
    use sea_orm::{ActiveModelTrait as _, ActiveValue::Set, TransactionTrait as _};
    let admin = spawn_app_with(|_| {}).await;
    if admin.backend != "postgres" {
        eprintln!("out-of-order commits: PostgreSQL only; skipped on SQLite");
        return;
    }
    let session = admin.session("省人大十三届五次会议").await;
    let deputy = admin.deputy("夏维奇").await;
    let a = admin.unit("淮南市民政局", "HN-MZJ").await;
    let clerk = admin.user("mz-staff", "UNIT_STAFF", Some(&a), None).await;
    let me = clerk.data("{ me { id } }", json!({})).await["me"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, user_id) = banli::graphql::ids::decode(&me).unwrap();
    let mut connection = subscribed(&admin, clerk.token.as_deref().unwrap()).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    // A slow writer takes an id and holds its transaction open…
    let slow = admin.db.conn().begin().await.unwrap();
    entity::notification::ActiveModel {
        recipient_user_id: Set(user_id),
        kind: Set("URGED".to_owned()),
        title: Set("催办：第0000号建议".to_owned()),
        body: Set("迟到的通知".to_owned()),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&slow)
    .await
    .unwrap();
    // …while a newer notice commits and is delivered.
    assign_new(&admin, &session, &deputy, &a).await;
    let first = receive(&mut connection, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(
        first["payload"]["data"]["notificationAdded"]["kind"],
        "ASSIGNED"
    );
    // Then the slow one commits: it is delivered too, and nothing twice.
    slow.commit().await.unwrap();
    let late = receive(&mut connection, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(
        late["payload"]["data"]["notificationAdded"]["title"], "催办：第0000号建议",
        "{late:#}"
    );
    let nothing = receive(&mut connection, Duration::from_millis(1_200)).await;
    assert!(nothing.is_none(), "{nothing:?}");
}
