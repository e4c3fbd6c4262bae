//! A full disk, and a database made read-only under the running server (SQLite): writes
//! that cannot be stored are refused cleanly (`UNAVAILABLE`, no SQL or paths in the
//! answer), nothing half-written stays behind, reads keep working, and writing works again
//! once it can.
//!
//! The database lives on a 3 MB tmpfs mounted for the test. Mounting needs root (CI runs
//! as root); without it the test says so and skips. On PostgreSQL the disk is the
//! database server's, not banli's.

use std::process::Command;

use serde_json::json;

use crate::helpers::{codes, spawn_app_with};

struct Mount(std::path::PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn small_disk(dir: &std::path::Path, size: &str) -> Option<Mount> {
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(dir)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    mounted.then(|| Mount(dir.to_owned()))
}

#[actix_web::test]
async fn a_full_disk_refuses_writes_cleanly_and_reads_go_on() {
    if std::env::var("BANLI_TEST_DATABASE_URL").is_ok_and(|u| !u.trim().is_empty()) {
        eprintln!("disk test: SQLite only (PostgreSQL's disk is the database server's)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let Some(mount) = small_disk(dir.path(), "3m") else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must be able to mount a tmpfs for the full-disk test (it runs as root)"
        );
        eprintln!("disk test: cannot mount a tmpfs here (not root); skipped");
        return;
    };
    let url = format!("sqlite://{}", mount.0.join("banli.db").display());
    let app = spawn_app_with(|s| s.database_url = url).await;
    let session = app.session("会议").await;
    let deputy = app.deputy("夏维奇").await;

    // Fill the disk with suggestions of 8,000 characters until one is refused.
    let content = "满".repeat(8_000);
    let mut stored = 0;
    let mut refused = None;
    for n in 0..400 {
        let response = app
            .graphql(
                "mutation($i: RegisterSuggestionInput!) { registerSuggestion(input: $i) { suggestion { id } userErrors { code } } }",
                json!({"i": {"sessionId": session, "leadDeputyId": deputy, "number": format!("{n:04}"),
                    "title": format!("关于第{n}号事项的建议"), "content": content}}),
            )
            .await;
        if response.get("errors").is_some() {
            refused = Some(response);
            break;
        }
        assert_eq!(
            codes(&response["data"]["registerSuggestion"]),
            Vec::<String>::new()
        );
        stored += 1;
    }
    let refused = refused.expect("the 3 MB disk filled up");
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "UNAVAILABLE",
        "{refused}"
    );
    let text = refused.to_string().to_lowercase();
    for leak in ["sqlite", "database or disk is full", "/tmp", "insert"] {
        assert!(!text.contains(leak), "{leak} leaked: {refused}");
    }

    // Reads go on, and show exactly the acknowledged suggestions, each whole.
    let read = app
        .data(
            "{ suggestions(first: 100) { totalCount nodes { content timeline { kind } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        read["suggestions"]["totalCount"], stored,
        "no half-written row"
    );
    for node in read["suggestions"]["nodes"].as_array().unwrap() {
        assert_eq!(node["content"].as_str().map(str::len), Some(content.len()));
        assert_eq!(node["timeline"][0]["kind"], "REGISTERED");
    }

    // Room again (a bigger disk): writing works without a restart.
    assert!(Command::new("mount")
        .args(["-o", "remount,size=64m"])
        .arg(&mount.0)
        .status()
        .unwrap()
        .success());
    let again = app
        .register(
            json!({"sessionId": session, "leadDeputyId": deputy, "number": "9999",
            "title": "空间恢复后的建议", "content": "恢复。"}),
        )
        .await;
    assert_eq!(codes(&again), Vec::<String>::new(), "{again}");
    eprintln!("disk test: {stored} suggestions fit on 3 MB, the next was refused UNAVAILABLE, reads went on, writes resumed");
}

/// Sets or clears the immutable attribute (which holds even for root and for files already
/// open) on the database and its write-ahead log: a database made read-only under a running
/// server.
fn immutable(database: &std::path::Path, on: bool) -> bool {
    let flag = if on { "+i" } else { "-i" };
    ["", "-wal"].iter().all(|suffix| {
        let mut path = database.as_os_str().to_owned();
        path.push(suffix);
        Command::new("chattr")
            .arg(flag)
            .arg(&path)
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    })
}

#[actix_web::test]
async fn a_database_made_read_only_refuses_writes_cleanly_and_reads_go_on() {
    if std::env::var("BANLI_TEST_DATABASE_URL").is_ok_and(|u| !u.trim().is_empty()) {
        eprintln!("read-only test: SQLite only");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("banli.db");
    let url = format!("sqlite://{}", database.display());
    let app = spawn_app_with(|s| s.database_url = url).await;
    let session = app.session("会议").await;
    let deputy = app.deputy("夏维奇").await;
    app.suggestion(&session, &deputy, "0001").await;
    if !immutable(&database, true) {
        immutable(&database, false);
        assert!(
            std::env::var("CI").is_err(),
            "CI must be able to chattr +i the test database (root on ext4)"
        );
        eprintln!("read-only test: chattr +i is not available here; skipped");
        return;
    }
    let refused = app
        .graphql(
            "mutation($i: RegisterSuggestionInput!) { registerSuggestion(input: $i) { suggestion { id } userErrors { code } } }",
            json!({"i": {"sessionId": session, "leadDeputyId": deputy, "number": "0002",
                "title": "只读时的建议", "content": "只读。"}}),
        )
        .await;
    let read = app
        .graphql(
            "{ suggestions(first: 5) { totalCount nodes { number } } }",
            json!({}),
        )
        .await;
    assert!(immutable(&database, false), "chattr -i");
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "UNAVAILABLE",
        "{refused}"
    );
    assert!(
        !refused.to_string().to_lowercase().contains("sqlite"),
        "{refused}"
    );
    assert_eq!(
        read["data"]["suggestions"]["totalCount"], 1,
        "reads go on: {read}"
    );
    let again = app
        .register(
            json!({"sessionId": session, "leadDeputyId": deputy, "number": "0002",
            "title": "可写后的建议", "content": "恢复。"}),
        )
        .await;
    assert_eq!(
        codes(&again),
        Vec::<String>::new(),
        "writable again: {again}"
    );
    let all = app
        .data("{ suggestions(first: 5) { totalCount } }", json!({}))
        .await;
    assert_eq!(all["suggestions"]["totalCount"], 2, "nothing half-written");
}
