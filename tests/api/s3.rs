//! A real S3-protocol server for the attachment tests: moto's (`moto[server]` from PyPI,
//! which `.ci/run` installs into `target/moto`), started once per test process and stopped
//! when it ends. Each test gets a bucket of its own. Without moto the S3 runs are skipped
//! and say so, except under CI, where they fail.

use std::net::TcpListener;
use std::path::PathBuf;

/// The running server.
pub struct S3Server {
    endpoint: String,
    /// The shell that runs moto and stops it when this process ends.
    _watchdog: std::process::Child,
}

static SERVER: tokio::sync::OnceCell<Option<S3Server>> = tokio::sync::OnceCell::const_new();

/// The server, started on first use; None when moto is not installed (outside CI).
pub async fn server() -> Option<&'static S3Server> {
    SERVER.get_or_init(start).await.as_ref()
}

fn moto() -> PathBuf {
    std::env::var_os("BANLI_TEST_MOTO")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/moto/bin/moto_server")
        })
}

async fn start() -> Option<S3Server> {
    let exe = moto();
    if !exe.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is missing: .ci/run installs moto[server] there",
            exe.display()
        );
        eprintln!(
            "S3 attachment tests skipped: {} is missing (python3 -m venv target/moto && \
             target/moto/bin/pip install 'moto[server]')",
            exe.display()
        );
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    // A watchdog stops moto when this test process is gone.
    let mut watchdog = std::process::Command::new("sh")
        .arg("-c")
        .arg(
            "\"$0\" -H 127.0.0.1 -p \"$1\" >/dev/null 2>&1 & m=$!; \
             while kill -0 \"$2\" 2>/dev/null; do sleep 1; done; kill $m",
        )
        .arg(&exe)
        .arg(port.to_string())
        .arg(std::process::id().to_string())
        .spawn()
        .expect("start moto");
    let endpoint = format!("http://127.0.0.1:{port}");
    let client = awc::Client::default();
    for _ in 0..300 {
        if client.get(&endpoint).send().await.is_ok() {
            return Some(S3Server {
                endpoint,
                _watchdog: watchdog,
            });
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let _ = watchdog.kill();
    let _ = watchdog.wait();
    panic!("moto did not answer on {endpoint} within 30 s");
}

impl S3Server {
    /// A new, empty bucket.
    pub async fn bucket(&self) -> String {
        let name = format!("banli-{}", uuid::Uuid::new_v4().simple());
        let response = awc::Client::default()
            .put(format!("{}/{name}", self.endpoint))
            .send()
            .await
            .expect("create a bucket");
        assert!(
            response.status().is_success(),
            "create bucket: {}",
            response.status()
        );
        name
    }

    /// Settings that keep attachments in `bucket`.
    pub fn configure(&self, s: &mut banli::config::Settings, bucket: &str) {
        s.files.attachments_store = banli::config::StoreKind::S3;
        s.files.s3_endpoint = Some(self.endpoint.clone());
        s.files.s3_bucket = Some(bucket.to_owned());
        s.files.s3_allow_http = true;
        s.files.s3_access_key_id = Some("testing".to_owned());
        s.files.s3_secret_access_key = Some("testing".to_owned());
    }
}
