//! `banli-bench subscribers`: many WebSocket subscribers of `notificationAdded`
//! (graphql-transport-ws) on one server, each receiving one notice. The server is the
//! `banli` binary beside this one, started as a child process so its memory is its own: its
//! RSS is read before anyone connects and with every subscription open and idle. Then one
//! notice per subscriber is committed, in transactions of `--batch` rows spaced
//! `--spacing-ms` apart, and each subscriber's receipt is timed from its notice's commit
//! (one clock: the clients run in this process).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use awc::ws::{Frame, Message};
use banli::db::Db;
use futures_util::{SinkExt as _, StreamExt as _};
use sea_orm::{ActiveValue::Set, EntityTrait as _, TransactionTrait as _};
use serde_json::{json, Value};

#[derive(clap::Args)]
pub struct Options {
    /// Subscribers (one user and one connection each).
    #[arg(long, default_value_t = 1000)]
    count: usize,
    /// Threads the clients run on.
    #[arg(long, default_value_t = 2)]
    client_threads: usize,
    /// Notices committed per transaction.
    #[arg(long, default_value_t = 50)]
    batch: usize,
    /// Milliseconds between two transactions.
    #[arg(long, default_value_t = 20)]
    spacing_ms: u64,
    /// The server's `notification_poll_ms`.
    #[arg(long, default_value_t = 200)]
    poll_ms: u64,
}

/// Receipt times, by subscriber.
type Receipts = Arc<Mutex<Vec<Option<Instant>>>>;

fn rss_mib(pid: u32) -> f64 {
    crate::memory_mib(&pid.to_string(), "VmRSS:")
}

fn start_server(database_url: &str, port: u16, options: &Options) -> anyhow::Result<crate::Child> {
    crate::serve(
        database_url,
        port,
        &[
            (
                "BANLI_SUBSCRIPTIONS_TOTAL",
                (options.count + 10).to_string(),
            ),
            ("BANLI_NOTIFICATION_POLL_MS", options.poll_ms.to_string()),
        ],
    )
}

/// `count` users with a bearer token each, written straight to the database (signing in a
/// thousand times would time argon2, not the feed).
async fn users(db: &Db, count: usize) -> anyhow::Result<Vec<(i64, String)>> {
    let now = chrono::Utc::now();
    let stamp = now.timestamp_millis();
    let mut out = Vec::with_capacity(count);
    for part in (0..count).collect::<Vec<_>>().chunks(200) {
        let txn = db.conn().begin().await?;
        for i in part {
            let user = entity::app_user::ActiveModel {
                username: Set(format!("bench-sub-{stamp}-{i}")),
                display_name: Set(format!("订阅者{i}")),
                role: Set("OFFICE_STAFF".to_owned()),
                password_hash: Set("!".to_owned()),
                disabled: Set(false),
                failed_attempts: Set(0),
                password_changed_at: Set(now),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            };
            let id = entity::app_user::Entity::insert(user)
                .exec(&txn)
                .await?
                .last_insert_id;
            let token = format!("bench-{stamp}-{i}-{}", rand::random::<u64>());
            entity::auth_token::Entity::insert(entity::auth_token::ActiveModel {
                user_id: Set(id),
                token_hash: Set(banli::service::account::token_hash(&token)),
                created_at: Set(now),
                last_used_at: Set(now),
                expires_at: Set(now + chrono::Duration::days(1)),
                ..Default::default()
            })
            .exec(&txn)
            .await?;
            out.push((id, token));
        }
        txn.commit().await?;
    }
    Ok(out)
}

type Connection = actix_codec::Framed<awc::BoxedSocket, awc::ws::Codec>;

async fn next_text(connection: &mut Connection) -> Option<Value> {
    loop {
        match connection.next().await? {
            Ok(Frame::Text(bytes)) => return serde_json::from_slice(&bytes).ok(),
            Ok(Frame::Ping(p)) => {
                let _ = connection.send(Message::Pong(p)).await;
            }
            Ok(Frame::Close(_)) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
}

/// One subscriber: connects, signs in, subscribes, then records when its notice arrives.
async fn subscriber(
    client: awc::Client,
    url: String,
    token: String,
    index: usize,
    acks: Arc<AtomicUsize>,
    receipts: Receipts,
) -> anyhow::Result<()> {
    let (_, mut connection) = client
        .ws(url)
        .protocols(["graphql-transport-ws"])
        .connect()
        .await
        .map_err(|e| anyhow::anyhow!("connecting: {e}"))?;
    let init =
        json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}});
    connection
        .send(Message::Text(init.to_string().into()))
        .await?;
    let ack = next_text(&mut connection).await;
    anyhow::ensure!(
        ack.as_ref().map(|a| &a["type"]) == Some(&json!("connection_ack")),
        "no ack: {ack:?}"
    );
    let subscribe = json!({"id": "1", "type": "subscribe",
        "payload": {"query": "subscription { notificationAdded { id } }"}});
    connection
        .send(Message::Text(subscribe.to_string().into()))
        .await?;
    acks.fetch_add(1, Ordering::SeqCst);
    while let Some(message) = next_text(&mut connection).await {
        if message["type"] == "next" {
            if let Ok(mut receipts) = receipts.lock() {
                receipts[index].get_or_insert_with(Instant::now);
            }
        }
    }
    Ok(())
}

/// The clients of one thread, on an actix system of its own (awc needs one).
fn client_thread(
    url: String,
    mine: Vec<(usize, String)>,
    acks: Arc<AtomicUsize>,
    receipts: Receipts,
    failures: Arc<AtomicUsize>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let client = awc::Client::builder()
                .connector(awc::Connector::new().limit(0))
                .timeout(Duration::from_secs(30))
                .finish();
            let tasks: Vec<_> = mine
                .into_iter()
                .map(|(index, token)| {
                    let (client, url) = (client.clone(), url.clone());
                    let (acks, receipts, failures) = (
                        Arc::clone(&acks),
                        Arc::clone(&receipts),
                        Arc::clone(&failures),
                    );
                    actix_web::rt::spawn(async move {
                        if let Err(error) =
                            subscriber(client, url, token, index, acks, receipts).await
                        {
                            if failures.fetch_add(1, Ordering::SeqCst) < 3 {
                                eprintln!("subscriber {index}: {error:#}");
                            }
                        }
                    })
                })
                .collect();
            for task in tasks {
                let _ = task.await;
            }
        });
    })
}

pub async fn run(db: Db, database_url: &str, options: Options) -> anyhow::Result<()> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let users = users(&db, options.count).await?;
    let server = start_server(database_url, port, &options)?;
    let base = format!("http://127.0.0.1:{port}");
    let ready = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        anyhow::ensure!(
            ready.elapsed() < Duration::from_secs(60),
            "the server did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pid = server.0.id();
    let rss_before = rss_mib(pid);
    println!(
        "backend {:?}; {} subscribers on {} client threads; server poll {} ms; notices in \
         transactions of {} every {} ms",
        db.backend(),
        options.count,
        options.client_threads,
        options.poll_ms,
        options.batch,
        options.spacing_ms
    );
    let url = format!("{}/graphql", base.replacen("http://", "ws://", 1));
    let acks = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(AtomicUsize::new(0));
    let receipts: Receipts = Arc::new(Mutex::new(vec![None; options.count]));
    let connecting = Instant::now();
    let handles = connect_all(&url, &users, &options, &acks, &receipts, &failures);
    while acks.load(Ordering::SeqCst) + failures.load(Ordering::SeqCst) < options.count {
        anyhow::ensure!(
            connecting.elapsed() < Duration::from_secs(120),
            "only {} of {} subscribed",
            acks.load(Ordering::SeqCst),
            options.count
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let subscribed = acks.load(Ordering::SeqCst);
    println!(
        "{subscribed} subscribed in {:.2} s ({} failed)",
        connecting.elapsed().as_secs_f64(),
        failures.load(Ordering::SeqCst)
    );
    // Idle: let the feed see its listeners, then read the server's memory.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_idle = rss_mib(pid);
    println!(
        "server RSS: {rss_before:.1} MiB before, {rss_idle:.1} MiB with {subscribed} idle \
         subscriptions ({:.1} KiB each)",
        (rss_idle - rss_before) * 1024.0 / subscribed.max(1) as f64
    );
    let commits = commit_notices(&db, &users, &options).await?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let received = receipts
            .lock()
            .map(|r| r.iter().flatten().count())
            .unwrap_or(0);
        if received >= subscribed || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    report(&commits, &receipts, rss_mib(pid));
    drop(server);
    for handle in handles {
        let _ = handle.join();
    }
    Ok(())
}

/// The client threads, each opening its share of the subscriptions.
fn connect_all(
    url: &str,
    users: &[(i64, String)],
    options: &Options,
    acks: &Arc<AtomicUsize>,
    receipts: &Receipts,
    failures: &Arc<AtomicUsize>,
) -> Vec<std::thread::JoinHandle<()>> {
    let threads = options.client_threads.max(1);
    (0..threads)
        .map(|t| {
            let mine: Vec<(usize, String)> = users
                .iter()
                .enumerate()
                .filter(|(i, _)| i % threads == t)
                .map(|(i, (_, token))| (i, token.clone()))
                .collect();
            client_thread(
                url.to_owned(),
                mine,
                Arc::clone(acks),
                Arc::clone(receipts),
                Arc::clone(failures),
            )
        })
        .collect()
}

/// One notice per subscriber, committed in batches; each subscriber's commit time.
async fn commit_notices(
    db: &Db,
    users: &[(i64, String)],
    options: &Options,
) -> anyhow::Result<Vec<Instant>> {
    let mut commits = vec![Instant::now(); users.len()];
    let now = chrono::Utc::now();
    let indexed: Vec<(usize, i64)> = users.iter().map(|(id, _)| *id).enumerate().collect();
    for part in indexed.chunks(options.batch.max(1)) {
        let rows = part
            .iter()
            .map(|(i, user)| entity::notification::ActiveModel {
                recipient_user_id: Set(*user),
                kind: Set("URGED".to_owned()),
                title: Set(format!("催办：第{i:04}号建议")),
                body: Set("请抓紧办理。".to_owned()),
                created_at: Set(now),
                ..Default::default()
            });
        let txn = db.conn().begin().await?;
        entity::notification::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
        txn.commit().await?;
        let committed = Instant::now();
        for (i, _) in part {
            commits[*i] = committed;
        }
        tokio::time::sleep(Duration::from_millis(options.spacing_ms)).await;
    }
    Ok(commits)
}

fn report(commits: &[Instant], receipts: &Receipts, rss_after: f64) {
    let receipts = receipts.lock().map(|r| r.clone()).unwrap_or_default();
    let mut latencies: Vec<Duration> = commits
        .iter()
        .zip(&receipts)
        .filter_map(|(c, r)| r.map(|r| r.saturating_duration_since(*c)))
        .collect();
    latencies.sort();
    let at = |p: f64| crate::percentile(&latencies, p);
    println!(
        "received {} of {} notices; commit → receipt p50 {:.0} ms, p95 {:.0} ms, p99 {:.0} ms, \
         max {:.0} ms; server RSS after {rss_after:.1} MiB",
        latencies.len(),
        commits.len(),
        at(0.50),
        at(0.95),
        at(0.99),
        at(1.0)
    );
}
