//! End to end: the example public page in headless Chromium. `tests/browser/public-form.mjs`
//! (playwright-core driving Debian's `/usr/bin/chromium`) opens the page of a real server,
//! opens a published reply, sends feedback, meets the CAPTCHA and content errors, and looks
//! the feedback up by its code; it saves a screenshot to `target/browser/public-form.png`.
//!
//! Without Chromium, node or `tests/browser/node_modules` (`npm ci --prefix tests/browser`)
//! the test says why and passes, except in CI (`CI` set), where it fails: CI installs them
//! (`.ci/run`), so a skip there would hide a broken set-up.

use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{codes, id_at, spawn_app_with, TestApp};

const CHROMIUM: &str = "/usr/bin/chromium";
/// How long the script may run, start-up of the browser included.
const NODE_TIMEOUT: Duration = Duration::from_secs(120);

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Why the browser test cannot run here, if it cannot.
fn missing_tool() -> Option<String> {
    if !Path::new(CHROMIUM).exists() {
        return Some(format!(
            "{CHROMIUM} is missing (apt-get install chromium fonts-wqy-zenhei)"
        ));
    }
    let node = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !node.is_ok_and(|s| s.success()) {
        return Some("node is not installed".into());
    }
    let module = workspace().join("tests/browser/node_modules/playwright-core");
    if !module.is_dir() {
        return Some(format!(
            "{} is missing (npm ci --prefix tests/browser)",
            module.display()
        ));
    }
    None
}

/// Whether the browser tests can run here; if not, says why on stderr (past the test
/// harness's capture, so the skip is seen), and fails in CI, which installs the tools.
fn tools_ready() -> bool {
    let Some(why) = missing_tool() else {
        return true;
    };
    assert!(
        !in_ci(),
        "browser test cannot run in CI: {why} (.ci/run installs these)"
    );
    let _ = writeln!(std::io::stderr(), "browser test skipped: {why}");
    false
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Runs node with `args` until it exits or `NODE_TIMEOUT` passes (then kills it); returns
/// whether it succeeded and everything it printed. Blocking: call it off the runtime.
fn run_node(args: Vec<String>) -> (Result<(), String>, String) {
    let mut log = tempfile::tempfile().expect("a file for node's output");
    let spawned = Command::new("node")
        .args(&args)
        .current_dir(workspace())
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("node's stdout"))
        .stderr(log.try_clone().expect("node's stderr"))
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => return (Err(format!("cannot start node: {e}")), String::new()),
    };
    let started = Instant::now();
    let outcome = loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => break Ok(()),
            Ok(Some(status)) => break Err(format!("node failed ({status})")),
            Ok(None) if started.elapsed() > NODE_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(format!(
                    "node was still running after {NODE_TIMEOUT:?}; killed"
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => break Err(format!("waiting for node: {e}")),
        }
    };
    let mut output = String::new();
    let _ = log.rewind();
    let _ = log.read_to_string(&mut output);
    (outcome, output)
}

/// The reply of seed 000 (shortened), published: what the page shows is what a real
/// government site showed. Returns the reply's ID.
async fn seed_reply(app: &TestApp) -> String {
    let session = app.session("省人大十三届五次会议").await;
    let deputy = app.deputy("夏维奇").await;
    let unit = app.unit("淮南市人民政府办公室", "HNSZFB").await;
    let p = app
        .register(
            json!({"sessionId": session, "leadDeputyId": deputy, "number": "0255",
            "title": "关于加强基层干部赴沪苏浙交流培养 提升乡镇(街道)工作能力和水平的建议",
            "content": "建议加大基层干部赴沪苏浙交流培养力度。", "submittedOn": "2022-01-18"}),
        )
        .await;
    let suggestion = id_at(&p, "suggestion.id");
    let p = app
        .assign(
            json!({"suggestionId": suggestion, "assignedOn": "2022-06-16",
            "units": [{"unitId": unit, "role": "SOLE"}]}),
        )
        .await;
    let assignment = id_at(&p, "assignments.0.id");
    app.sign_for(&assignment).await;
    let mut input = TestApp::reply_input(&assignment);
    input["addressee"] = json!("夏维奇代表");
    input["repliedOn"] = json!("2022-09-16");
    input["body"] = json!(
        "您在人大十三届五次会议上提出的第0255号《关于加强基层干部赴沪苏浙交流培养 提升乡镇(街道)工作能力和水平的建议》收悉，我市经研究办理，现答复如下：\n\n\
         长期以来，我市高度重视基层干部队伍建设，着力建设一支高素质的基层干部队伍。\n\n\
         一、基层干部赴沪苏浙交流培养工作开展情况\n\n\
         2021年以来，市级选派53名优秀年轻干部赴沪苏浙地区跟班学习或实践锻炼。\n\n\
         <script>alert('只是文字')</script>"
    );
    let p = app.submit_reply(input).await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    let reply = id_at(&p, "reply.id");
    let p = app
        .publish(json!({"replyId": reply, "publication": "FULL"}))
        .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    reply
}

#[actix_web::test]
async fn the_public_form_works_in_headless_chromium() {
    if !tools_ready() {
        return;
    }
    let app = spawn_app_with(|s| s.serve_examples = true).await;
    // The page shows the reply by its public ID (`PublishedReply`'s, not the staff's).
    let reply = {
        let staff = seed_reply(&app).await;
        let (_, key) = banli::graphql::ids::decode(&staff).expect("a reply ID");
        banli::graphql::ids::encode(banli::graphql::ids::Kind::PublishedReply, key).0
    };
    // Another reply, so the list has something to search past.
    app.published_reply("0256").await;

    let screenshot: PathBuf = workspace().join("target/browser/public-form.png");
    std::fs::create_dir_all(screenshot.parent().unwrap()).unwrap();
    let _ = std::fs::remove_file(&screenshot);
    let args = vec![
        "tests/browser/public-form.mjs".to_owned(),
        app.address.clone(),
        reply,
        screenshot.display().to_string(),
    ];
    let (outcome, output) = tokio::task::spawn_blocking(move || run_node(args))
        .await
        .unwrap();
    if let Err(why) = outcome {
        panic!("the browser test failed: {why}\n--- node's output ---\n{output}");
    }
    assert!(
        screenshot.is_file(),
        "no screenshot at {}\n{output}",
        screenshot.display()
    );
}

/// GraphiQL in production mode loads from the binary alone, runs its default document
/// anonymously and shows the sign-in form.
#[actix_web::test]
async fn graphiql_loads_offline_and_runs_its_default_document_in_headless_chromium() {
    if !banli::http::graphiql::available() {
        let _ = writeln!(
            std::io::stderr(),
            "GraphiQL is not embedded in this build: skipped"
        );
        return;
    }
    if !tools_ready() {
        return;
    }
    let app = spawn_app_with(|_| {}).await;
    app.published_reply("0256").await;
    let screenshot: PathBuf = workspace().join("target/browser/graphiql.png");
    std::fs::create_dir_all(screenshot.parent().unwrap()).unwrap();
    let args = vec![
        "tests/browser/graphiql.mjs".to_owned(),
        app.address.clone(),
        screenshot.display().to_string(),
    ];
    let (outcome, output) = tokio::task::spawn_blocking(move || run_node(args))
        .await
        .unwrap();
    if let Err(why) = outcome {
        panic!("the GraphiQL browser test failed: {why}\n--- node's output ---\n{output}");
    }
}
