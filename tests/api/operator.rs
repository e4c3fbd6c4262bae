//! What an operator sees of the `banli` binary: its version, a configuration mistake
//! stopping start-up with a message naming it, the start-up line, and one access-log line
//! per request in plain text (no colour codes off a terminal, no tokens).

use std::io::Read as _;
use std::process::{Command, Stdio};

use serde_json::json;

use crate::process::free_port;

fn banli() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_banli"));
    command.env_remove("BANLI_CONFIG").env("BANLI_LOG", "info");
    command
}

#[test]
fn the_version_names_the_commit_and_the_build_day() {
    let output = banli().arg("--version").output().expect("banli --version");
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        printed.trim(),
        format!("banli {}", banli::build_info::LONG_VERSION)
    );
    assert!(
        printed.contains("commit ") && printed.contains(", built 20"),
        "{printed}"
    );
}

/// Runs `banli migrate` with `args` and a database in `dir`; what it wrote to stderr, after
/// checking that it failed.
fn fails(dir: &std::path::Path, args: &[&str]) -> String {
    let output = banli()
        .args(args)
        .arg("migrate")
        .current_dir(dir)
        .env(
            "BANLI_DATABASE_URL",
            format!("sqlite://{}", dir.join("t.db").display()),
        )
        .output()
        .expect("run banli");
    let said = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!output.status.success(), "{args:?} should fail: {said}");
    assert!(!dir.join("t.db").exists(), "nothing done: {said}");
    said
}

#[test]
fn configuration_mistakes_stop_start_up_naming_the_mistake() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere.toml");
    let said = fails(dir.path(), &["--config", missing.to_str().unwrap()]);
    assert!(
        said.contains("nowhere.toml") && said.contains("does not exist"),
        "{said}"
    );

    let typo = dir.path().join("typo.toml");
    std::fs::write(&typo, "lissten = \"127.0.0.1:8081\"\n").unwrap();
    let said = fails(dir.path(), &["--config", typo.to_str().unwrap()]);
    assert!(
        said.contains("`lissten` (did you mean `listen`?)"),
        "{said}"
    );

    let wrong = dir.path().join("wrong.toml");
    std::fs::write(&wrong, "db_max_connections = \"eight\"\n").unwrap();
    let said = fails(dir.path(), &["--config", wrong.to_str().unwrap()]);
    assert!(said.contains("db_max_connections"), "{said}");

    // The default file is read from the working directory, and checked the same way.
    std::fs::write(dir.path().join("banli.toml"), "workerz = 2\n").unwrap();
    let said = fails(dir.path(), &[]);
    assert!(
        said.contains("`workerz` (did you mean `workers`?)"),
        "{said}"
    );
}

#[actix_web::test]
async fn the_log_has_a_start_up_line_and_one_plain_line_per_request() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let database = format!("sqlite://{}", dir.path().join("log.db").display());
    let mut child = banli()
        .arg("serve")
        .current_dir(dir.path())
        .env("BANLI_DATABASE_URL", &database)
        .env("BANLI_LISTEN", format!("127.0.0.1:{port}"))
        .env("BANLI_HOUSEKEEPING_INTERVAL_SECS", "0")
        .env("BANLI_REMINDER_CHECK_SECS", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start banli");
    let url = format!("http://127.0.0.1:{port}");
    let client = awc::Client::default();
    crate::process::ReadyCheck::new(&url).wait(&client).await;
    // POSTs `body` (with `token`, if any); the answer's status and X-Request-Id.
    let post = |body: serde_json::Value, token: Option<&'static str>| {
        let mut request = client.post(format!("{url}/graphql"));
        if let Some(token) = token {
            request = request.insert_header(("Authorization", format!("Bearer {token}")));
        }
        async move {
            let response = request.send_json(&body).await.unwrap();
            let id = response.headers().get("x-request-id").unwrap();
            (response.status().as_u16(), id.to_str().unwrap().to_owned())
        }
    };
    let (status, refused_id) = post(
        json!({"query": "query Anyone { __typename }", "operationName": "Anyone"}),
        Some("not-a-real-token-0123456789"),
    )
    .await;
    assert_eq!(status, 401);
    let (status, id) = post(json!({"query": "query PublicCheck { __typename }"}), None).await;
    assert_eq!(status, 200);

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    child.wait().unwrap();

    assert!(
        !log.contains('\u{1b}'),
        "no colour codes off a terminal: {log}"
    );
    assert!(
        !log.contains("not-a-real-token"),
        "no token in the log: {log}"
    );
    let started = log
        .lines()
        .find(|l| l.contains("banli is listening"))
        .expect(&log);
    for field in [
        format!("url=http://127.0.0.1:{port}/graphql"),
        format!("version={}", banli::build_info::LONG_VERSION),
        format!("database={database}"),
        "environment=production".to_owned(),
    ] {
        assert!(started.contains(&field), "{field} in {started}");
    }
    let line = log.lines().find(|l| l.contains(&id)).expect(&log);
    for field in [
        "method=POST",
        "path=/graphql",
        "status=200",
        "operation=PublicCheck",
        "client=127.0.0.1",
        "duration_ms=",
    ] {
        assert!(line.contains(field), "{field} in {line}");
    }
    let refused = log
        .lines()
        .find(|l| l.contains(&refused_id) && l.contains("status="))
        .expect(&log);
    assert!(refused.contains("status=401"), "{refused}");
    let requests = log.lines().filter(|l| l.contains("banli::access")).count();
    assert!(requests >= 2, "{log}");
    // The readiness probes of the wait above log at DEBUG, not at the default level.
    assert!(!log.lines().any(|l| l.contains("path=/readyz")), "{log}");
}
