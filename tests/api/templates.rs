//! A deployment's own notice texts (`notice_templates`): what it changes is what the server
//! sends, a text that breaks a rule keeps the server from starting, and `banli templates
//! check` shows every text filled in.

use std::process::{Command, Output};
use std::time::Duration;

use crate::process::free_port;

fn banli(dir: &std::path::Path, templates: &str, args: &[&str]) -> Output {
    let file = dir.join("notices.toml");
    std::fs::write(&file, templates).unwrap();
    Command::new(env!("CARGO_BIN_EXE_banli"))
        .args(args)
        .env(
            "BANLI_DATABASE_URL",
            format!("sqlite://{}", dir.join("banli.db").display()),
        )
        .env("BANLI_CONFIG", "/dev/null")
        .env("BANLI_NOTICE_TEMPLATES", &file)
        .env("BANLI_LISTEN", format!("127.0.0.1:{}", free_port()))
        .env("BANLI_LOG", "error")
        .output()
        .unwrap()
}

#[test]
fn a_deployments_texts_are_checked_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    let custom = "[URGED]\nbody = \"【催办】请{unit}于三日内办理{case}。{message}\"\n";
    let out = banli(dir.path(), custom, &["templates", "check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("body = 【催办】请淮南市民政局于三日内办理第0255号建议《关于进一步加强基层养老服务的建议》。催办意见：请于本周内答复代表。"),
        "{stdout}"
    );
    // The kinds the file leaves out keep the shipped texts.
    assert!(stdout.contains("title = 新交办：第0255号建议"), "{stdout}");
    assert!(stdout.contains("[RATING_DUE]\ntitle = "), "{stdout}");
}

#[test]
fn a_text_that_breaks_a_rule_keeps_the_server_from_starting() {
    let dir = tempfile::tempdir().unwrap();
    let leaking = "[ASSIGNED]\nbody = \"{case}：{content}\"\n";
    for args in [&["templates", "check"][..], &["serve"][..]] {
        let started = std::time::Instant::now();
        let out = banli(dir.path(), leaking, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} must fail");
        assert!(
            stderr.contains("[ASSIGNED] body: unknown placeholder {content}"),
            "{args:?}: {stderr}"
        );
        assert!(started.elapsed() < Duration::from_secs(30), "{args:?}");
    }
    assert!(
        !dir.path().join("banli.db").exists(),
        "refused before it touched the database"
    );
}
