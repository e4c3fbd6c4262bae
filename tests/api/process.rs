//! The `banli` binary as a child process, for tests of what happens to a real server
//! process: kills, restarts, signals.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use actix_web::rt::time::sleep;

pub struct Server {
    pub child: Child,
    pub url: String,
    port: u16,
    database_url: String,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Server {
    pub fn start(database_url: &str, port: u16) -> Self {
        Self::start_with(database_url, port, &[])
    }

    /// [`Server::start`] with more settings (`BANLI_*` variables).
    pub fn start_with(database_url: &str, port: u16, env: &[(&str, &str)]) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_banli"))
            .arg("serve")
            .env("BANLI_DATABASE_URL", database_url)
            .env("BANLI_LISTEN", format!("127.0.0.1:{port}"))
            .env("BANLI_LOG", "error")
            .env("BANLI_HOUSEKEEPING_INTERVAL_SECS", "0")
            .env("BANLI_REMINDER_CHECK_SECS", "0")
            // Attachment files in a temporary directory (on PostgreSQL the default is the
            // working directory: the checkout).
            .env(
                "BANLI_ATTACHMENTS_DIR",
                std::env::temp_dir().join(format!("banli-test-files-{port}")),
            )
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start banli");
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            port,
            database_url: database_url.to_owned(),
        }
    }

    pub fn ready_check(&self) -> ReadyCheck {
        ReadyCheck(self.url.clone())
    }

    /// SIGTERM: what an init system sends to stop a service.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM");
    }

    /// Waits up to `limit` for the process to exit; its exit status.
    pub async fn exited_within(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            sleep(Duration::from_millis(50)).await;
        }
        None
    }

    /// SIGKILL (no shutdown of any kind), then the same binary again on the same port.
    pub fn kill_and_restart(&mut self) {
        self.child.kill().expect("kill -9");
        self.child.wait().expect("reap");
        *self = Self::start(&self.database_url.clone(), self.port);
    }
}

/// Waits for `/readyz` of a server at this URL.
pub struct ReadyCheck(String);

impl ReadyCheck {
    /// The check of a server at `url` (`http://host:port`).
    pub fn new(url: &str) -> Self {
        Self(url.to_owned())
    }

    pub async fn wait(&self, client: &awc::Client) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(response) = client.get(format!("{}/readyz", self.0)).send().await {
                if response.status().is_success() {
                    return;
                }
            }
            sleep(Duration::from_millis(50)).await;
        }
        panic!("banli did not become ready");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
