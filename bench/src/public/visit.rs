//! Simulated visitors: their requests, and the recording of each one's latency in the
//! measuring window.

use super::*;

/// One line of the results: latencies (and sizes) of the successful requests that completed
/// in the window; failed ones are only counted, by code.
#[derive(Default)]
pub(super) struct Line {
    pub(super) latencies: Vec<Duration>,
    pub(super) errors: BTreeMap<String, u64>,
    pub(super) bytes: u64,
    /// Requests still running when the window closed (not in the latencies), and their
    /// longest latency.
    pub(super) late: u64,
    pub(super) late_max: Duration,
}

#[derive(Default)]
pub(super) struct Recorder {
    pub(super) lines: BTreeMap<&'static str, Line>,
}

impl Recorder {
    pub(super) fn merge(&mut self, other: Recorder) {
        for (name, line) in other.lines {
            let mine = self.lines.entry(name).or_default();
            mine.latencies.extend(line.latencies);
            mine.bytes += line.bytes;
            mine.late += line.late;
            mine.late_max = mine.late_max.max(line.late_max);
            for (code, n) in line.errors {
                *mine.errors.entry(code).or_default() += n;
            }
        }
    }
}

/// The measuring window, shared by every visitor.
#[derive(Clone, Copy)]
pub(super) struct Window {
    pub(super) start: Instant,
    pub(super) end: Instant,
}

impl Window {
    pub(super) fn record(
        &self,
        recorder: &mut Recorder,
        name: &'static str,
        began: Instant,
        outcome: &Outcome,
    ) {
        let done = Instant::now();
        if done < self.start {
            return;
        }
        let line = recorder.lines.entry(name).or_default();
        if done >= self.end {
            line.late += 1;
            line.late_max = line.late_max.max(done - began);
            if let Some(code) = &outcome.error {
                *line
                    .errors
                    .entry(format!("{code}, after the window"))
                    .or_default() += 1;
            }
            return;
        }
        match &outcome.error {
            Some(code) => *line.errors.entry(code.clone()).or_default() += 1,
            None => {
                line.latencies.push(done - began);
                line.bytes += outcome.bytes as u64;
            }
        }
    }
}

/// A request's answer: the GraphQL response, its size (decompressed), and the first error code found
/// (transport, HTTP status, GraphQL error or user error).
pub(super) struct Outcome {
    pub(super) data: Value,
    pub(super) bytes: usize,
    pub(super) error: Option<String>,
}

pub(super) async fn post(client: &awc::Client, url: &str, address: &str, body: &Value) -> Outcome {
    let failed = |code: String| Outcome {
        data: Value::Null,
        bytes: 0,
        error: Some(code),
    };
    let sent = client
        .post(url)
        .insert_header(("accept-encoding", "gzip"))
        .insert_header(("x-forwarded-for", address))
        .send_json(body)
        .await;
    let mut response = match sent {
        Ok(response) => response,
        Err(e) => return failed(format!("TRANSPORT ({e})")),
    };
    let status = response.status();
    let bytes = match response.body().limit(16 * 1024 * 1024).await {
        Ok(bytes) => bytes,
        Err(e) => return failed(format!("BODY ({e})")),
    };
    if !status.is_success() {
        return failed(format!("HTTP {}", status.as_u16()));
    }
    let mut value: Value = match serde_json::from_slice(&bytes) {
        Ok(value) => value,
        Err(_) => return failed("NOT_JSON".to_owned()),
    };
    let error = value["errors"].as_array().and_then(|errors| {
        errors.first().map(|e| {
            e["extensions"]["code"]
                .as_str()
                .unwrap_or("GRAPHQL_ERROR")
                .to_owned()
        })
    });
    Outcome {
        data: value["data"].take(),
        bytes: bytes.len(),
        error,
    }
}

/// What one visitor does until the window closes.
pub(super) async fn visitor(
    scenario: Scenario,
    index: usize,
    url: String,
    fixtures: Arc<Fixtures>,
    window: Window,
) -> Recorder {
    let mut visitor = Visitor {
        index,
        url,
        fixtures,
        window,
        client: awc::Client::builder()
            .timeout(Duration::from_secs(60))
            .finish(),
        // Seeded afresh each run, so a second run over the same database sends other
        // addresses and contents (no DUPLICATE, no per-client limit carried over).
        rng: StdRng::from_os_rng(),
        recorder: Recorder::default(),
        // The visitor's own address for reads; each submission gets a fresh one.
        address: format!("10.1.{}.{}", index / 250, index % 250 + 1),
        cursor: None,
        page: 1,
        iteration: 0,
    };
    while Instant::now() < window.end {
        visitor.iteration += 1;
        match scenario {
            Scenario::List => visitor.list_page().await,
            Scenario::Feedback => visitor.feedback().await,
            Scenario::Unit | Scenario::Keyword | Scenario::Number | Scenario::Everywhere => {
                visitor.filtered(scenario).await;
            }
        }
    }
    visitor.recorder
}

/// One simulated visitor: its connection, its RNG, where it is in the list.
pub(super) struct Visitor {
    pub(super) index: usize,
    pub(super) url: String,
    pub(super) fixtures: Arc<Fixtures>,
    pub(super) window: Window,
    pub(super) client: awc::Client,
    pub(super) rng: StdRng,
    pub(super) recorder: Recorder,
    pub(super) address: String,
    pub(super) cursor: Option<String>,
    pub(super) page: u32,
    pub(super) iteration: u64,
}

impl Visitor {
    async fn post(&self, address: &str, body: &Value) -> Outcome {
        post(&self.client, &self.url, address, body).await
    }

    pub(super) fn record(&mut self, name: &'static str, began: Instant, outcome: &Outcome) {
        self.window.record(&mut self.recorder, name, began, outcome);
    }

    /// A page of the public list: the first, or the next one a quarter of the time (up to
    /// page 5).
    async fn list_page(&mut self) {
        let (name, variables) = match &self.cursor {
            None => ("publishedReplies(first: 20), page 1", json!({"first": 20})),
            Some(after) => (
                "publishedReplies(first: 20), pages 2–5",
                json!({"first": 20, "after": after}),
            ),
        };
        let began = Instant::now();
        let body = json!({"query": LIST, "variables": variables});
        let mut outcome = self.post(&self.address, &body).await;
        let connection = &outcome.data["publishedReplies"];
        let rows = connection["nodes"].as_array().map_or(0, Vec::len);
        let next = connection["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_owned);
        if outcome.error.is_none() && rows != 20 {
            outcome.error = Some(format!("{rows} ROWS"));
        }
        self.record(name, began, &outcome);
        match next {
            Some(next) if self.page < 5 && self.rng.random_ratio(1, 4) => {
                self.page += 1;
                self.cursor = Some(next);
            }
            _ => {
                self.page = 1;
                self.cursor = None;
            }
        }
    }

    /// The first page of the list, filtered as the scenario says.
    async fn filtered(&mut self, scenario: Scenario) {
        let fixtures = Arc::clone(&self.fixtures);
        let rng = &mut self.rng;
        let (name, filter) = match scenario {
            Scenario::Unit => (
                "publishedReplies(first: 20, filter: {unitId})",
                json!({"unitId": fixtures.units[rng.random_range(0..fixtures.units.len())]}),
            ),
            Scenario::Keyword => (
                "publishedReplies(first: 20, filter: {keyword: common word})",
                json!({"keyword": KEYWORDS[rng.random_range(0..KEYWORDS.len())]}),
            ),
            Scenario::Everywhere => (
                "publishedReplies(first: 20, filter: {keyword: in every text})",
                json!({"keyword": EVERYWHERE[rng.random_range(0..EVERYWHERE.len())]}),
            ),
            _ => (
                "publishedReplies(first: 20, filter: {keyword: suggestion number})",
                json!({"keyword": fixtures.numbers[rng.random_range(0..fixtures.numbers.len())]}),
            ),
        };
        let began = Instant::now();
        let body = json!({"query": LIST, "variables": {"first": 20, "filter": filter}});
        let outcome = self.post(&self.address, &body).await;
        self.record(name, began, &outcome);
    }

    /// A fresh visitor (a random address of its own, 12 million to draw from, so a
    /// submission is nearly always its address's first) asks for a CAPTCHA and sends
    /// feedback on a random published reply.
    async fn feedback(&mut self) {
        let address = format!(
            "10.{}.{}.{}",
            self.rng.random_range(64..=255),
            self.rng.random::<u8>(),
            self.rng.random_range(1..=254)
        );
        let tag: u32 = self.rng.random();
        let began = Instant::now();
        let mut captcha = self.post(&address, &json!({"query": CAPTCHA})).await;
        let id = captcha.data["createCaptcha"]["id"]
            .as_str()
            .map(str::to_owned);
        if captcha.error.is_none() && id.is_none() {
            captcha.error = Some("NO_CAPTCHA".to_owned());
        }
        self.record("createCaptcha", began, &captcha);
        let Some(id) = id else { return };
        let replies = &self.fixtures.replies;
        let reply = replies[self.rng.random_range(0..replies.len())].clone();
        let (index, iteration) = (self.index, self.iteration);
        let input = json!({
            "replyId": reply,
            "name": if iteration.is_multiple_of(2) { Value::from("张先生") } else { Value::Null },
            "contact": if iteration.is_multiple_of(3) { Value::from(format!("139{:08}", iteration)) } else { Value::Null },
            "content": format!(
                "看了答复，希望进一步落实到位，并及时公布进展。（访客 {index} 第 {iteration} 条，{tag:08x}）"
            ),
            "consentToPublish": iteration.is_multiple_of(2),
            "captchaId": id,
            "captchaAnswer": TEST_ANSWER,
            "website": "",
        });
        let began = Instant::now();
        let body = json!({"query": SUBMIT, "variables": {"input": input}});
        let mut submitted = self.post(&address, &body).await;
        if submitted.error.is_none() {
            submitted.error = refusal(&submitted.data["submitPublicFeedback"]);
        }
        self.record("submitPublicFeedback", began, &submitted);
    }
}

/// The first user error of a submission's payload, or NO_LOOKUP_CODE when it has none.
pub(super) fn refusal(payload: &Value) -> Option<String> {
    payload["userErrors"]
        .as_array()
        .and_then(|errors| errors.first())
        .map(|e| e["code"].as_str().unwrap_or("USER_ERROR").to_owned())
        .or_else(|| {
            payload["lookupCode"]
                .is_null()
                .then(|| "NO_LOOKUP_CODE".to_owned())
        })
}

/// Runs `clients` visitors of `scenario` on `threads` threads until `window.end`.
pub(super) fn spawn_visitors(
    scenario: Scenario,
    options: &Options,
    url: &str,
    fixtures: &Arc<Fixtures>,
    window: Window,
) -> anyhow::Result<Vec<std::thread::JoinHandle<Recorder>>> {
    let threads = options.client_threads.max(1);
    let mut handles = Vec::with_capacity(threads);
    for thread in 0..threads {
        let mine: Vec<usize> = (0..options.clients)
            .filter(|i| i % threads == thread)
            .collect();
        let url = url.to_owned();
        let fixtures = Arc::clone(fixtures);
        let handle = std::thread::Builder::new()
            .name(format!("bench-client-{thread}"))
            .spawn(move || {
                actix_web::rt::System::new().block_on(async move {
                    let tasks: Vec<_> = mine
                        .into_iter()
                        .map(|i| {
                            actix_web::rt::spawn(visitor(
                                scenario,
                                i,
                                url.clone(),
                                Arc::clone(&fixtures),
                                window,
                            ))
                        })
                        .collect();
                    let mut all = Recorder::default();
                    for task in tasks {
                        if let Ok(recorder) = task.await {
                            all.merge(recorder);
                        }
                    }
                    all
                })
            })
            .context("starting a client thread")?;
        handles.push(handle);
    }
    Ok(handles)
}
