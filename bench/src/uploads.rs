//! `banli-bench uploads`: attachments through the real server (the release `banli` binary
//! beside this one, a child process whose memory is its own). One 20 MB upload with the
//! server's RSS before it and its peak (VmHWM) after; `--concurrent` uploads of 5 MB at
//! once, with their errors; then the 20 MB file downloaded `--downloads` times, in MB/s.
//! Each file is a PDF header and random bytes, so no two are stored as one.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use banli::db::Db;
use sea_orm::{ConnectionTrait as _, Statement};
use serde_json::{json, Value};

#[derive(clap::Args)]
pub struct Options {
    /// Uploads sent at once in the concurrent step.
    #[arg(long, default_value_t = 20)]
    concurrent: usize,
    /// Size of each concurrent upload, in MiB.
    #[arg(long, default_value_t = 5)]
    concurrent_mib: usize,
    /// Size of the single upload, in MiB.
    #[arg(long, default_value_t = 20)]
    single_mib: usize,
    /// Times the single file is downloaded.
    #[arg(long, default_value_t = 10)]
    downloads: usize,
}

/// A PDF of `mib` MiB: a header and random bytes.
fn pdf(mib: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    let mut rest = vec![0u8; mib * 1024 * 1024 - bytes.len()];
    rand::Rng::fill(&mut rand::rng(), rest.as_mut_slice());
    bytes.extend_from_slice(&rest);
    bytes
}

const BOUNDARY: &str = "banli-bench-boundary";

/// The multipart body of `uploadAttachment` for `owner` with `file`.
fn multipart(owner: &str, file: &[u8]) -> Vec<u8> {
    let query = "mutation($input: UploadAttachmentInput!) { uploadAttachment(input: $input) { attachment { id downloadUrl byteSize } userErrors { code message } } }";
    let operations = json!({"query": query, "variables": {"input": {"ownerId": owner, "kind": "SUPPORTING", "file": null}}});
    let mut body = Vec::with_capacity(file.len() + 1024);
    for (name, value) in [
        ("operations", operations.to_string()),
        ("map", r#"{"0": ["variables.input.file"]}"#.to_owned()),
    ] {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"附件.pdf\"\r\nContent-Type: application/pdf\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Uploads one file; its download address.
async fn upload(
    client: &awc::Client,
    base: &str,
    token: &str,
    owner: &str,
    file: &[u8],
) -> anyhow::Result<String> {
    let mut response = client
        .post(format!("{base}/graphql"))
        .insert_header((
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        ))
        .insert_header(("authorization", format!("Bearer {token}")))
        .insert_header(("apollo-require-preflight", "true"))
        .send_body(multipart(owner, file))
        .await
        .map_err(|e| anyhow::anyhow!("sending an upload: {e}"))?;
    let body: Value = response.json().limit(1 << 20).await?;
    let attachment = &body["data"]["uploadAttachment"]["attachment"];
    anyhow::ensure!(
        attachment["byteSize"] == file.len(),
        "upload failed: {body}"
    );
    attachment["downloadUrl"]
        .as_str()
        .map(str::to_owned)
        .context("no downloadUrl")
}

async fn login(
    client: &awc::Client,
    base: &str,
    username: &str,
    password: &str,
) -> anyhow::Result<String> {
    let mut response = client
        .post(format!("{base}/graphql"))
        .send_json(&json!({"query": "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { token } }",
            "variables": {"u": username, "p": password}}))
        .await
        .map_err(|e| anyhow::anyhow!("signing in: {e}"))?;
    let body: Value = response.json().await?;
    body["data"]["login"]["token"]
        .as_str()
        .map(str::to_owned)
        .context("no token")
}

/// A suggestion to attach to (the demo's, loaded if the database has none).
async fn owner(db: &Db) -> anyhow::Result<String> {
    let first = || async {
        let row = db
            .conn()
            .query_one_raw(Statement::from_string(
                db.backend(),
                "SELECT MIN(id) AS id FROM suggestion",
            ))
            .await?
            .context("no row")?;
        anyhow::Ok(row.try_get::<Option<i64>>("", "id")?)
    };
    let id = match first().await? {
        Some(id) => id,
        None => {
            banli::demo::load(db).await?;
            first().await?.context("the demo made no suggestion")?
        }
    };
    Ok(banli::graphql::ids::encode(banli::graphql::ids::Kind::Suggestion, id).to_string())
}

/// The server under test, and how to call it.
struct Target {
    client: awc::Client,
    base: String,
    token: String,
    owner: String,
    pid: String,
}

impl Target {
    async fn upload(&self, file: &[u8]) -> anyhow::Result<String> {
        upload(&self.client, &self.base, &self.token, &self.owner, file).await
    }

    fn memory(&self, key: &str) -> f64 {
        crate::memory_mib(&self.pid, key)
    }
}

pub async fn run(db: Db, database_url: &str, options: Options) -> anyhow::Result<()> {
    let owner = owner(&db).await?;
    let credentials = crate::office_admin(&db, "uploads", "上传测试").await?;
    let database_url = database_url.to_owned();
    // awc runs on an actix system of its own.
    tokio::task::spawn_blocking(move || {
        actix_web::rt::System::new().block_on(measure(&database_url, owner, credentials, options))
    })
    .await?
}

async fn measure(
    database_url: &str,
    owner: String,
    (username, password): (String, String),
    options: Options,
) -> anyhow::Result<()> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let files = tempfile::tempdir_in(".")?;
    let server = crate::serve(
        database_url,
        port,
        &[("BANLI_ATTACHMENTS_DIR", files.path().display().to_string())],
    )?;
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(60),
            "the server did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let client = awc::Client::builder()
        .connector(awc::Connector::new().limit(0))
        .timeout(Duration::from_secs(120))
        .finish();
    let token = login(&client, &base, &username, &password).await?;
    let target = Target {
        client,
        base,
        token,
        owner,
        pid: server.0.id().to_string(),
    };
    // Warm: the upload path once, with a small file.
    target.upload(&pdf(1)).await?;
    let (url, size) = single(&target, &options).await?;
    concurrent(&target, &options).await;
    downloads(&target, &options, &url, size).await?;
    drop(server);
    Ok(())
}

/// One large upload, with the server's memory around it; its download address and size.
async fn single(target: &Target, options: &Options) -> anyhow::Result<(String, usize)> {
    let rss_before = target.memory("VmRSS:");
    let peak_before = target.memory("VmHWM:");
    let file = pdf(options.single_mib);
    let t = Instant::now();
    let url = target.upload(&file).await?;
    let secs = t.elapsed().as_secs_f64();
    let peak_after = target.memory("VmHWM:");
    println!(
        "one {} MiB upload: {secs:.2} s; server RSS before {rss_before:.1} MiB, peak before \
         {peak_before:.1} MiB, peak after {peak_after:.1} MiB (rise {:.1} MiB)",
        options.single_mib,
        peak_after - peak_before.max(rss_before)
    );
    Ok((url, file.len()))
}

/// Many uploads at once, and their errors.
async fn concurrent(target: &Target, options: &Options) {
    let files: Vec<Vec<u8>> = (0..options.concurrent)
        .map(|_| pdf(options.concurrent_mib))
        .collect();
    let t = Instant::now();
    let results =
        futures_util::future::join_all(files.iter().map(|file| target.upload(file))).await;
    let errors: Vec<String> = results
        .iter()
        .filter_map(|r| r.as_ref().err().map(|e| format!("{e:#}")))
        .collect();
    println!(
        "{} concurrent {} MiB uploads: {:.2} s, {} errors{}; server peak RSS {:.1} MiB",
        options.concurrent,
        options.concurrent_mib,
        t.elapsed().as_secs_f64(),
        errors.len(),
        errors
            .first()
            .map(|e| format!(" (first: {e})"))
            .unwrap_or_default(),
        target.memory("VmHWM:")
    );
}

/// The large file downloaded again and again: MB/s.
async fn downloads(
    target: &Target,
    options: &Options,
    url: &str,
    size: usize,
) -> anyhow::Result<()> {
    let t = Instant::now();
    let mut bytes = 0usize;
    for _ in 0..options.downloads {
        let mut response = target
            .client
            .get(format!("{}{url}", target.base))
            .insert_header(("authorization", format!("Bearer {}", target.token)))
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("downloading: {e}"))?;
        let body = response.body().limit(1 << 30).await?;
        anyhow::ensure!(body.len() == size, "downloaded {} bytes", body.len());
        bytes += body.len();
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{} downloads of {} MiB: {secs:.2} s, {:.0} MB/s",
        options.downloads,
        options.single_mib,
        bytes as f64 / 1e6 / secs
    );
    Ok(())
}
