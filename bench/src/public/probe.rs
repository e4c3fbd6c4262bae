//! The SQL statements of one request of each kind, sent alone before the load.

use super::*;

/// Sends one request of each kind alone and counts the SQL statements it made.
pub(super) fn statements_per_request(
    db: &Db,
    url: &str,
    fixtures: &Arc<Fixtures>,
) -> anyhow::Result<Vec<(&'static str, u64)>> {
    let db = db.clone();
    let url = url.to_owned();
    let fixtures = Arc::clone(fixtures);
    let probe = std::thread::Builder::new()
        .name("bench-probe".to_owned())
        .spawn(move || {
            actix_web::rt::System::new().block_on(async move { probe(&db, &url, &fixtures).await })
        })
        .context("starting the probe thread")?;
    let (counts, (json, gzip), error) = probe
        .join()
        .map_err(|_| anyhow::anyhow!("the probe thread panicked"))?;
    if let Some(error) = error {
        anyhow::bail!("a probe request failed: {error}");
    }
    println!("first page: {json} bytes of JSON, {gzip} bytes gzipped on the wire");
    Ok(counts)
}

/// What the probe found: statements per request, the first page's size (JSON, gzipped),
/// and the first error.
type Probed = (Vec<(&'static str, u64)>, (usize, usize), Option<String>);

async fn probe(db: &Db, url: &str, fixtures: &Fixtures) -> Probed {
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(60))
        .finish();
    let mut counts = Vec::new();
    let mut measure = |name: &'static str, before: u64| {
        counts.push((name, db.statement_count() - before));
    };
    // An address and content of its own, so a second run is no duplicate.
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let address = format!("10.0.{}.{}", (nonce >> 8) % 250, nonce % 250 + 1);
    let address = address.as_str();
    let list = |variables: Value| json!({"query": LIST, "variables": variables});
    let before = db.statement_count();
    let first = post(&client, url, address, &list(json!({"first": 20}))).await;
    measure("publishedReplies(first: 20), page 1", before);
    let wire = gzipped_size(&client, url, &list(json!({"first": 20}))).await;
    let after = first.data["publishedReplies"]["pageInfo"]["endCursor"].clone();
    let before = db.statement_count();
    let next = list(json!({"first": 20, "after": after}));
    post(&client, url, address, &next).await;
    measure("publishedReplies(first: 20), pages 2–5", before);
    let before = db.statement_count();
    let filtered = list(json!({"first": 20, "filter": {"keyword": KEYWORDS[0]}}));
    post(&client, url, address, &filtered).await;
    measure("publishedReplies(first: 20, filter: …)", before);
    let before = db.statement_count();
    let captcha = post(&client, url, address, &json!({"query": CAPTCHA})).await;
    measure("createCaptcha", before);
    let input = json!({
        "replyId": fixtures.replies[0],
        "content": format!("探测：统计一次提交的 SQL 语句数（{nonce}）。"),
        "captchaId": captcha.data["createCaptcha"]["id"],
        "captchaAnswer": TEST_ANSWER,
    });
    let before = db.statement_count();
    let body = json!({"query": SUBMIT, "variables": {"input": input}});
    let submitted = post(&client, url, address, &body).await;
    measure("submitPublicFeedback", before);
    let refused = submitted.data["submitPublicFeedback"]["userErrors"][0]["code"]
        .as_str()
        .map(str::to_owned);
    let error = first.error.or(submitted.error).or(refused);
    (counts, (first.bytes, wire), error)
}

/// The size of an answer as it crosses the wire (gzip), for the record.
async fn gzipped_size(client: &awc::Client, url: &str, body: &Value) -> usize {
    match client
        .post(url)
        .no_decompress()
        .insert_header(("accept-encoding", "gzip"))
        .send_json(body)
        .await
    {
        Ok(mut response) => response
            .body()
            .limit(16 * 1024 * 1024)
            .await
            .map_or(0, |b| b.len()),
        Err(_) => 0,
    }
}
