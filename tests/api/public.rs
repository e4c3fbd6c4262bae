//! The public side: published replies, CAPTCHAs, feedback and its follow-up, and what the
//! public can never see (DOMAIN §7).

use banli::graphql::ids::Kind;
use serde_json::{json, Value};

use crate::helpers::{
    codes, fields, id_at, missing, spawn_app, spawn_app_with, url_encoded, TestApp, ADMIN,
    CAPTCHA_TEST_ANSWER, SUBMIT_FEEDBACK,
};

/// Every field of `PublishedReply`, so a test sees everything the public could select.
const EVERY_PUBLIC_FIELD: &str = "id title suggestionNumber suggestionTitle kind
    session { id name } unit { id name } deputyName addressee publication text
    suggestionText category categoryLabel contactName contactPhone repliedOn publishedAt round";

async fn public_list(app: &TestApp, filter: Value) -> Value {
    app.as_public()
        .data(
            &format!(
                "query($f: PublishedReplyFilter) {{ publishedReplies(filter: $f, first: 100) {{
                    totalCount nodes {{ {EVERY_PUBLIC_FIELD} }} }} }}"
            ),
            json!({"f": filter}),
        )
        .await["publishedReplies"]
        .clone()
}

async fn public_one(app: &TestApp, id: &str) -> Value {
    app.as_public()
        .data(
            &format!("query($id: ID!) {{ publishedReply(id: $id) {{ {EVERY_PUBLIC_FIELD} }} }}"),
            json!({"id": id}),
        )
        .await["publishedReply"]
        .clone()
}

/// A reply whose texts carry private details, with a deputy who has a phone and address.
struct Case {
    session: String,
    unit: String,
    suggestion: String,
    assignment: String,
    reply: String,
}

const DEPUTY_PHONE: &str = "13955501234";
const DEPUTY_ADDRESS: &str = "淮南市田家庵区洞山中路8号";
const SECRET_PASSAGE: &str = "内部研究意见：拟调整三名干部";

async fn case(app: &TestApp, number: &str, body: &str) -> Case {
    let session = app.session(&format!("省人大十三届五次会议{number}")).await;
    let p = app
        .create_deputy(
            json!({"name": format!("代表{number}"), "delegation": "淮南代表团",
            "phone": DEPUTY_PHONE, "address": DEPUTY_ADDRESS}),
        )
        .await;
    let deputy = id_at(&p, "deputy.id");
    let unit = app
        .unit(&format!("市委组织部{number}"), &format!("ZZB{number}"))
        .await;
    let p = app
        .register(
            json!({"sessionId": session, "leadDeputyId": deputy, "number": number,
            "title": format!("关于加强基层干部交流培养的建议{number}"),
            "content": format!("建议内容。代表电话{DEPUTY_PHONE}。"), "submittedOn": "2026-01-18"}),
        )
        .await;
    let suggestion = id_at(&p, "suggestion.id");
    let p = app
        .assign(
            json!({"suggestionId": suggestion, "assignedOn": "2026-02-01",
            "units": [{"unitId": unit, "role": "SOLE"}]}),
        )
        .await;
    let assignment = id_at(&p, "assignments.0.id");
    app.sign_for(&assignment).await;
    let mut input = TestApp::reply_input(&assignment);
    input["body"] = json!(body);
    input["summary"] = json!("已列入计划逐步解决。");
    let p = app.submit_reply(input).await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    Case {
        session,
        unit,
        suggestion,
        assignment,
        reply: id_at(&p, "reply.id"),
    }
}

fn assert_free_of(value: &Value, secrets: &[&str]) {
    let text = value.to_string();
    for secret in secrets {
        assert!(
            !text.contains(secret),
            "{secret:?} reached the public: {text}"
        );
    }
}

#[actix_web::test]
async fn the_public_sees_published_replies_and_nothing_private() {
    let app = spawn_app().await;
    let body = format!(
        "现答复如下：{SECRET_PASSAGE}。如有疑问请联系代表{DEPUTY_PHONE}，地址{DEPUTY_ADDRESS}。"
    );
    let full = case(&app, "0255", &body).await;
    let summary = case(&app, "0256", "正文：不公开的全文内容。").await;
    let unpublished = case(&app, "0257", "未公开的答复正文。").await;
    let later_confidential = case(&app, "0258", "后来要求保密的答复。").await;

    let p = app
        .publish(json!({"replyId": full.reply, "publication": "FULL",
            "redact": [SECRET_PASSAGE], "withSuggestionText": true}))
        .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    let p = app
        .publish(json!({"replyId": summary.reply, "publication": "SUMMARY"}))
        .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    let p = app
        .publish(json!({"replyId": later_confidential.reply, "publication": "FULL"}))
        .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    // The deputy asks for confidentiality after publication: the reply leaves the public.
    let p = app
        .data(
            "mutation($id: ID!) { updateSuggestion(input: {id: $id, confidential: true}) {
                userErrors { field code message } } }",
            json!({"id": later_confidential.suggestion}),
        )
        .await;
    assert_eq!(codes(&p["updateSuggestion"]), Vec::<String>::new(), "{p:#}");
    // Feedback with a name and contact exists on the full reply.
    let p = app
        .submit_feedback(
            &full.reply,
            json!({"name": "王先生", "contact": "13812345678"}),
        )
        .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");

    let list = public_list(&app, json!({})).await;
    assert_eq!(list["totalCount"], 2, "{list:#}");
    let one = public_one(&app, &full.reply).await;
    assert_eq!(
        one["title"],
        "关于省人大十三届五次会议0255第0255号建议办理情况的答复函"
    );
    assert_eq!(one["suggestionNumber"], "0255");
    assert_eq!(one["deputyName"], "代表0255");
    assert_eq!(one["unit"]["name"], "市委组织部0255");
    assert_eq!(one["categoryLabel"], "A类");
    assert_eq!(one["contactName"], "马友竹");
    assert_eq!(one["contactPhone"], "0554-6678417");
    assert_eq!(one["publishedAt"], "2026-11-22T10:00:00+08:00");
    assert_eq!(
        one["text"],
        "现答复如下：［不予公开］。如有疑问请联系代表［不予公开］，地址［不予公开］。"
    );
    assert_eq!(one["suggestionText"], "建议内容。代表电话［不予公开］。");
    let short = public_one(&app, &summary.reply).await;
    assert_eq!(short["text"], "已列入计划逐步解决。");
    assert_eq!(short["publication"], "SUMMARY");
    assert_eq!(short["suggestionText"], Value::Null);
    assert_eq!(public_one(&app, &unpublished.reply).await, Value::Null);
    assert_eq!(
        public_one(&app, &later_confidential.reply).await,
        Value::Null
    );
    assert_eq!(
        public_one(&app, &full.assignment).await,
        Value::Null,
        "not a reply id"
    );
    assert_eq!(public_one(&app, &missing(Kind::Reply)).await, Value::Null);

    // Nothing private anywhere in what the public got, however it asked.
    let by_keyword = public_list(&app, json!({"keyword": "干部"})).await;
    let secrets = [
        SECRET_PASSAGE,
        DEPUTY_PHONE,
        DEPUTY_ADDRESS,
        "不公开的全文内容",
        "未公开的答复正文",
        "后来要求保密的答复",
        "0257",
        "0258",
        "王先生",
        "13812345678",
    ];
    for answer in [&list, &one, &short, &by_keyword] {
        assert_free_of(answer, &secrets);
    }
    // Searching for a private word finds nothing either.
    for word in [SECRET_PASSAGE, DEPUTY_PHONE, "不公开的全文内容", "王先生"] {
        let found = public_list(&app, json!({"keyword": word})).await;
        assert_eq!(found["totalCount"], 0, "{word}");
    }
    // Staff see what was published next to the letter itself.
    let staff = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Reply { body publicText publicSuggestionText } } }",
            json!({"id": full.reply}),
        )
        .await;
    assert_eq!(staff["node"]["body"], body.as_str());
    assert_eq!(staff["node"]["publicText"], one["text"]);

    // A redaction that occurs nowhere is refused (a typo would let the real words out).
    let p = app
        .publish(json!({"replyId": unpublished.reply, "publication": "FULL", "redact": ["不存在的段落"]}))
        .await;
    assert_eq!(codes(&p), ["INVALID"]);
    assert_eq!(fields(&p), ["input.redact.0"]);
    assert_eq!(public_one(&app, &unpublished.reply).await, Value::Null);
    let _ = (&full.session, &full.unit);
}

#[actix_web::test]
async fn published_replies_filter_and_page() {
    let app = spawn_app().await;
    let a = case(&app, "0301", "答复一：基层干部培训。").await;
    let b = case(&app, "0302", "答复二：乡镇工作。").await;
    let c = case(&app, "0303", "答复三：交流培养。").await;
    for (reply, minutes) in [(&a.reply, 0), (&b.reply, 1), (&c.reply, 2)] {
        app.clock.advance(chrono::Duration::minutes(minutes));
        let p = app
            .publish(json!({"replyId": reply, "publication": "FULL"}))
            .await;
        assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    }
    // The staff IDs of the listed replies (a published reply has an ID of its own).
    let ids = |list: &Value| -> Vec<String> {
        list["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                let (kind, key) = banli::graphql::ids::decode(n["id"].as_str().unwrap()).unwrap();
                banli::graphql::ids::encode(kind, key).0
            })
            .collect()
    };
    let all = public_list(&app, json!({})).await;
    assert_eq!(
        ids(&all),
        [c.reply.clone(), b.reply.clone(), a.reply.clone()],
        "newest first"
    );
    let by_session = public_list(&app, json!({"sessionId": b.session})).await;
    assert_eq!(ids(&by_session), [b.reply.as_str()]);
    let by_unit = public_list(&app, json!({"unitId": c.unit})).await;
    assert_eq!(ids(&by_unit), [c.reply.as_str()]);
    let by_word = public_list(&app, json!({"keyword": "乡镇"})).await;
    assert_eq!(ids(&by_word), [b.reply.as_str()]);
    let by_number = public_list(&app, json!({"keyword": "0303"})).await;
    assert_eq!(ids(&by_number), [c.reply.as_str()]);
    assert_eq!(
        public_list(&app, json!({"category": "B"})).await["totalCount"],
        0
    );
    assert_eq!(
        public_list(&app, json!({"category": "A"})).await["totalCount"],
        3
    );
    let dated = public_list(
        &app,
        json!({"publishedFrom": "2026-11-22", "publishedTo": "2026-11-22"}),
    )
    .await;
    assert_eq!(dated["totalCount"], 3);
    let later = public_list(&app, json!({"publishedFrom": "2026-11-23"})).await;
    assert_eq!(later["totalCount"], 0);

    // Pages of one, oldest first, follow each other without gaps.
    let page = |after: Value| {
        let app = app.as_public();
        async move {
            app.data(
                "query($after: String) { publishedReplies(first: 1, after: $after, orderBy: PUBLISHED_AT_ASC) {
                    pageInfo { hasNextPage endCursor } nodes { id } } }",
                json!({"after": after}),
            )
            .await["publishedReplies"]
                .clone()
        }
    };
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let p = page(after).await;
        seen.extend(ids(&p));
        if p["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = p["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, [a.reply.clone(), b.reply.clone(), c.reply.clone()]);

    // Bad filters are errors with a code, never a crash.
    let bad = app
        .as_public()
        .graphql(
            "{ publishedReplies(filter: {sessionId: \"garbage\"}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        bad["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{bad:#}"
    );
    let bad = app
        .as_public()
        .graphql(
            "{ publishedReplies(after: \"garbage\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(bad["errors"][0]["extensions"]["code"], "INVALID", "{bad:#}");
}

async fn feedback_count(app: &TestApp) -> i64 {
    app.data("{ publicFeedback { totalCount } }", json!({}))
        .await["publicFeedback"]["totalCount"]
        .as_i64()
        .unwrap()
}

#[actix_web::test]
async fn captchas_are_single_use_case_insensitive_and_expire() {
    let app = spawn_app().await;
    let (reply, _) = app.published_reply("0401").await;
    let public = app.as_public();
    let made = public
        .data(
            "mutation { createCaptcha { id imagePng expiresAt } }",
            json!({}),
        )
        .await["createCaptcha"]
        .clone();
    assert!(made["imagePng"]
        .as_str()
        .unwrap()
        .starts_with("data:image/png;base64,iVBORw0KGgo"));
    assert_eq!(made["expiresAt"], "2026-11-22T10:05:00+08:00", "5 minutes");
    assert_eq!(made["id"].as_str().unwrap().len(), 32);

    let submit = |captcha: Value, answer: &str| {
        let public = public.clone();
        let input = json!({"replyId": reply, "content": format!("意见{answer}{captcha}"),
            "captchaId": captcha, "captchaAnswer": answer});
        async move {
            public.data(SUBMIT_FEEDBACK, json!({"input": input})).await["submitPublicFeedback"]
                .clone()
        }
    };
    // A wrong answer uses the CAPTCHA up: the right one fails after it.
    let p = submit(made["id"].clone(), "WRONG").await;
    assert_eq!(codes(&p), ["CAPTCHA_INVALID"]);
    assert_eq!(fields(&p), ["input.captchaAnswer"]);
    assert_eq!(p["lookupCode"], Value::Null);
    let p = submit(made["id"].clone(), CAPTCHA_TEST_ANSWER).await;
    assert_eq!(
        codes(&p),
        ["CAPTCHA_INVALID"],
        "used up by the wrong answer"
    );
    // Case does not matter; a second use (replay) is refused.
    let id = json!(app.captcha().await);
    let p = submit(id.clone(), &CAPTCHA_TEST_ANSWER.to_lowercase()).await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    let p = submit(id, CAPTCHA_TEST_ANSWER).await;
    assert_eq!(codes(&p), ["CAPTCHA_INVALID"], "replayed");
    // Unknown, malformed and missing CAPTCHAs.
    for id in ["00000000000000000000000000000000", "x", "", "' OR 1=1 --"] {
        let p = submit(json!(id), CAPTCHA_TEST_ANSWER).await;
        assert_eq!(codes(&p), ["CAPTCHA_INVALID"], "{id}");
    }
    let p = submit(json!(app.captcha().await), "").await;
    assert_eq!(codes(&p), ["CAPTCHA_INVALID"], "empty answer");
    // Expired after 5 minutes.
    let id = json!(app.captcha().await);
    app.clock.advance(chrono::Duration::seconds(301));
    let p = submit(id, CAPTCHA_TEST_ANSWER).await;
    assert_eq!(codes(&p), ["CAPTCHA_INVALID"], "expired");
    // Only the one good submission was stored.
    assert_eq!(feedback_count(&app).await, 1);
}

#[actix_web::test]
async fn two_concurrent_uses_of_one_captcha_store_one_feedback() {
    let app = spawn_app().await;
    let (reply, _) = app.published_reply("0402").await;
    let id = app.captcha().await;
    let public = app.as_public();
    let attempts = (0..4).map(|i| {
        let public = public.clone();
        let input = json!({"replyId": reply, "content": format!("并发意见{i}"),
            "captchaId": id, "captchaAnswer": CAPTCHA_TEST_ANSWER});
        async move {
            public.data(SUBMIT_FEEDBACK, json!({"input": input})).await["submitPublicFeedback"]
                .clone()
        }
    });
    let results = futures_util::future::join_all(attempts).await;
    let accepted = results
        .iter()
        .filter(|p| p["lookupCode"].is_string())
        .count();
    assert_eq!(accepted, 1, "{results:#?}");
    assert!(results
        .iter()
        .filter(|p| p["lookupCode"].is_null())
        .all(|p| codes(p) == ["CAPTCHA_INVALID"]));
    assert_eq!(feedback_count(&app).await, 1);
}

#[actix_web::test]
async fn without_test_mode_the_test_answer_is_wrong_and_answers_are_stored_hashed() {
    let app = spawn_app_with(|s| s.captcha_test_answer = None).await;
    let (reply, _) = app.published_reply("0403").await;
    let id = app.captcha().await;
    let p = app
        .as_public()
        .data(
            SUBMIT_FEEDBACK,
            json!({"input": {"replyId": reply, "content": "意见", "captchaId": id, "captchaAnswer": CAPTCHA_TEST_ANSWER}}),
        )
        .await["submitPublicFeedback"]
        .clone();
    assert_eq!(codes(&p), ["CAPTCHA_INVALID"]);
    // A stored CAPTCHA holds a 64-hex-digit hash, not its 4 drawn characters.
    let id = app.captcha().await;
    use sea_orm::EntityTrait as _;
    let row = entity::captcha::Entity::find_by_id(id)
        .one(app.db.conn())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.answer_hash.len(), 64);
    assert!(row.answer_hash.bytes().all(|b| b.is_ascii_hexdigit()));
}

#[actix_web::test]
async fn captchas_per_client_are_rate_limited() {
    let app = spawn_app_with(|s| s.captcha_per_minute = 3).await;
    let public = app.as_public();
    for _ in 0..3 {
        public
            .data("mutation { createCaptcha { id } }", json!({}))
            .await;
    }
    let refused = public
        .graphql("mutation { createCaptcha { id } }", json!({}))
        .await;
    let ext = &refused["errors"][0]["extensions"];
    assert_eq!(ext["code"], "RATE_LIMITED", "{refused:#}");
    assert!(ext["retryAfterSeconds"].as_i64().unwrap() >= 1);
    // Forging X-Forwarded-For from an untrusted peer does not make a new client.
    let (_, forged) = public
        .post_graphql_with(
            "mutation { createCaptcha { id } }",
            json!({}),
            &[("x-forwarded-for", "198.51.100.77")],
        )
        .await;
    assert_eq!(forged["errors"][0]["extensions"]["code"], "RATE_LIMITED");
}

#[actix_web::test]
async fn feedback_fields_are_checked_and_stored_as_typed() {
    let app = spawn_app().await;
    let (reply, _) = app.published_reply("0501").await;
    let table: &[(Value, &[&str], &[&str])] = &[
        (json!({"content": ""}), &["INVALID"], &["input.content"]),
        (
            json!({"content": " \n\t　"}),
            &["INVALID"],
            &["input.content"],
        ),
        (
            json!({"content": "意".repeat(2001)}),
            &["INVALID"],
            &["input.content"],
        ),
        (
            json!({"name": "名".repeat(51)}),
            &["INVALID"],
            &["input.name"],
        ),
        (
            json!({"contact": "12345"}),
            &["INVALID"],
            &["input.contact"],
        ),
        (
            json!({"contact": "reader@"}),
            &["INVALID"],
            &["input.contact"],
        ),
        (
            json!({"content": "", "captchaAnswer": "WRONG"}),
            &["INVALID", "CAPTCHA_INVALID"],
            &["input.content", "input.captchaAnswer"],
        ),
        (
            json!({"replyId": missing(Kind::Reply)}),
            &["NOT_FOUND"],
            &["input.replyId"],
        ),
        (
            json!({"replyId": "not-an-id"}),
            &["NOT_FOUND"],
            &["input.replyId"],
        ),
    ];
    for (input, expected_codes, expected_fields) in table {
        let p = app.submit_feedback(&reply, input.clone()).await;
        assert_eq!(codes(&p), *expected_codes, "{input}: {p:#}");
        assert_eq!(fields(&p), *expected_fields, "{input}");
        assert!(p["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .chars()
            .any(|c| c > '\u{4e00}'));
        assert_eq!(p["lookupCode"], Value::Null);
    }
    let empty = app.submit_feedback(&reply, json!({"content": ""})).await;
    assert_eq!(
        empty["userErrors"][0]["message"],
        "请填写内容 (content is required)"
    );
    // An unpublished reply takes no feedback.
    let (_, _, assignment) = crate::helpers::assigned(&app, "0502").await;
    let p = app.submit_reply(TestApp::reply_input(&assignment)).await;
    let unpublished = id_at(&p, "reply.id");
    let p = app.submit_feedback(&unpublished, json!({})).await;
    assert_eq!(codes(&p), ["NOT_FOUND"]);
    assert_eq!(
        feedback_count(&app).await,
        0,
        "nothing stored by any of these"
    );

    // Stored as typed: HTML stays text; full-width contact digits are folded.
    let html = "<img src=x onerror=alert(1)> 建议 &amp; <b>加粗</b>";
    let p = app
        .submit_feedback(
            &reply,
            json!({"content": html, "name": " 王先生 ", "contact": "１３８１２３４５６７８", "consentToPublish": true}),
        )
        .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    let code = p["lookupCode"].as_str().unwrap();
    assert_eq!(code.len(), 12);
    let staff = app
        .data(
            "{ publicFeedback { nodes { name contact content consentToPublish status reply { id } } } }",
            json!({}),
        )
        .await;
    let stored = &staff["publicFeedback"]["nodes"][0];
    assert_eq!(stored["content"], html);
    assert_eq!(stored["name"], "王先生");
    assert_eq!(stored["contact"], "13812345678");
    assert_eq!(stored["consentToPublish"], true);
    assert_eq!(stored["status"], "NEW");
    assert_eq!(stored["reply"]["id"], reply.as_str());
    // The same content again from the same client is a duplicate.
    let again = app
        .submit_feedback(
            &reply,
            json!({"content": "<img src=x onerror=alert(1)>  建议 &amp; <b>加粗</b>"}),
        )
        .await;
    assert_eq!(codes(&again), ["DUPLICATE"]);
    assert_eq!(fields(&again), ["input.content"]);
    // The honeypot: answered like a success, stored nowhere, the code finds nothing.
    let bot = app
        .submit_feedback(
            &reply,
            json!({"content": "机器人", "website": "http://spam.example"}),
        )
        .await;
    assert_eq!(codes(&bot), Vec::<String>::new());
    assert!(bot["lookupCode"].is_string());
    assert_eq!(feedback_count(&app).await, 1);
    let log = app
        .data(
            "{ auditLog(filter: {operation: \"submitPublicFeedback\"}, first: 50) { nodes { outcome errorCodes role } } }",
            json!({}),
        )
        .await;
    let rows = log["auditLog"]["nodes"].as_array().unwrap();
    assert!(rows.iter().all(|r| r["role"] == "ANONYMOUS"));
    assert!(
        rows.iter().any(|r| r["errorCodes"] == json!(["HONEYPOT"])),
        "{log:#}"
    );
    assert_eq!(rows.iter().filter(|r| r["outcome"] == "SUCCESS").count(), 1);
}

#[actix_web::test]
async fn rate_limits_hold_against_forged_forwarded_for() {
    let app = spawn_app_with(|s| {
        s.feedback_per_client = 2;
        s.feedback_per_reply = 4;
    })
    .await;
    let (reply, _) = app.published_reply("0601").await;
    let (other, _) = app.published_reply("0602").await;
    let send = |reply: &str, n: usize, forwarded: &'static str| {
        let public = app.clone();
        let reply = reply.to_owned();
        async move {
            let input = json!({"replyId": reply, "content": format!("第{n}条意见"),
                "captchaId": public.captcha().await, "captchaAnswer": CAPTCHA_TEST_ANSWER});
            let (_, response) = public
                .as_public()
                .post_graphql_with(
                    SUBMIT_FEEDBACK,
                    json!({"input": input}),
                    &[("x-forwarded-for", forwarded)],
                )
                .await;
            response["data"]["submitPublicFeedback"].clone()
        }
    };
    assert_eq!(
        codes(&send(&reply, 1, "203.0.113.1").await),
        Vec::<String>::new()
    );
    assert_eq!(
        codes(&send(&other, 2, "203.0.113.2").await),
        Vec::<String>::new()
    );
    // A third from the same peer, whatever address it claims to forward for.
    let p = send(&reply, 3, "203.0.113.3").await;
    assert_eq!(codes(&p), ["RATE_LIMITED"], "{p:#}");
    let wait = p["userErrors"][0]["retryAfterSeconds"].as_i64().unwrap();
    assert_eq!(
        wait, 3600,
        "the window is an hour from the oldest submission"
    );
    assert_eq!(feedback_count(&app).await, 2);
    // An hour later the oldest has left the window.
    app.clock.advance(chrono::Duration::seconds(3601));
    assert_eq!(
        codes(&send(&reply, 4, "203.0.113.4").await),
        Vec::<String>::new()
    );
}

#[actix_web::test]
async fn behind_a_trusted_proxy_clients_are_told_apart_and_replies_are_capped() {
    let app = spawn_app_with(|s| {
        s.trusted_proxies = vec!["127.0.0.1".into()];
        s.feedback_per_client = 1;
        s.feedback_per_reply = 3;
    })
    .await;
    let (reply, _) = app.published_reply("0603").await;
    let send = |n: usize, forwarded: String| {
        let app = app.clone();
        let reply = reply.clone();
        async move {
            let input = json!({"replyId": reply, "content": format!("第{n}条"),
                "captchaId": app.captcha().await, "captchaAnswer": CAPTCHA_TEST_ANSWER});
            let (_, response) = app
                .as_public()
                .post_graphql_with(
                    SUBMIT_FEEDBACK,
                    json!({"input": input}),
                    &[("x-forwarded-for", &forwarded)],
                )
                .await;
            response["data"]["submitPublicFeedback"].clone()
        }
    };
    assert_eq!(
        codes(&send(1, "198.51.100.1".into()).await),
        Vec::<String>::new()
    );
    // The same client again (the proxy appends it last; what the client wrote is left).
    let p = send(2, "6.6.6.6, 198.51.100.1".into()).await;
    assert_eq!(codes(&p), ["RATE_LIMITED"]);
    assert_eq!(
        codes(&send(3, "198.51.100.2".into()).await),
        Vec::<String>::new()
    );
    assert_eq!(
        codes(&send(4, "198.51.100.3".into()).await),
        Vec::<String>::new()
    );
    // The reply has had its 3 for the hour, from anyone.
    let p = send(5, "198.51.100.4".into()).await;
    assert_eq!(codes(&p), ["RATE_LIMITED"]);
    assert!(p["userErrors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("该答复收到的意见过多"));
}

const LOOKUP: &str = "mutation LookUp($code: String!, $id: String!, $answer: String!) {
    lookUpPublicFeedback(input: {code: $code, captchaId: $id, captchaAnswer: $answer}) {
        feedback { status answer submittedAt answeredAt } userErrors { field code message } } }";

/// The query it replaces, kept (deprecated) for one release.
const LOOKUP_QUERY: &str = "query($code: String!, $id: String!, $answer: String!) {
    feedbackByLookupCode(code: $code, captchaId: $id, captchaAnswer: $answer) {
        feedback { status } userErrors { field code } } }";

#[actix_web::test]
async fn submitters_follow_up_with_the_lookup_code() {
    let app = spawn_app().await;
    let (reply, _) = app.published_reply("0701").await;
    let p = app
        .submit_feedback(
            &reply,
            json!({"name": "李女士", "contact": "reader@example.cn"}),
        )
        .await;
    let code = p["lookupCode"].as_str().unwrap().to_owned();
    let lookup = |code: String, answer: &'static str| {
        let app = app.clone();
        async move {
            let id = app.captcha().await;
            app.as_public()
                .data(LOOKUP, json!({"code": code, "id": id, "answer": answer}))
                .await["lookUpPublicFeedback"]
                .clone()
        }
    };
    let found = lookup(code.clone(), CAPTCHA_TEST_ANSWER).await;
    assert_eq!(
        found["feedback"],
        json!({"status": "NEW", "answer": null, "submittedAt": "2026-11-22T10:00:00+08:00", "answeredAt": null})
    );
    // Typed in lower case with spaces, it still finds it.
    let spaced = format!("{} {}", &code[..6].to_lowercase(), &code[6..]);
    assert_eq!(lookup(spaced, "test").await["feedback"]["status"], "NEW");
    // The staff answer; the submitter sees it.
    let id = id_at(
        &app.data("{ publicFeedback { nodes { id } } }", json!({}))
            .await,
        "publicFeedback.nodes.0.id",
    );
    let p = app
        .data(
            "mutation($id: ID!) { markFeedback(input: {id: $id, status: HANDLED, answer: \"已转交相关科室研究。\", expectedVersion: 1}) {
                feedback { status answer version } userErrors { field code message } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(codes(&p["markFeedback"]), Vec::<String>::new(), "{p:#}");
    let found = lookup(code.clone(), CAPTCHA_TEST_ANSWER).await;
    assert_eq!(found["feedback"]["status"], "HANDLED");
    assert_eq!(found["feedback"]["answer"], "已转交相关科室研究。");
    assert_free_of(&found, &["李女士", "reader@example.cn"]);
    // A wrong CAPTCHA, an unknown code.
    let wrong = lookup(code, "WRONG").await;
    assert_eq!(codes(&wrong), ["CAPTCHA_INVALID"]);
    assert_eq!(wrong["feedback"], Value::Null);
    let unknown = lookup("ABCDEFGHJKMN".into(), CAPTCHA_TEST_ANSWER).await;
    assert_eq!(codes(&unknown), ["NOT_FOUND"]);
    assert_eq!(fields(&unknown), ["input.code"]);
    // The deprecated query answers the same for one more release.
    let id = app.captcha().await;
    let old = app
        .as_public()
        .data(
            LOOKUP_QUERY,
            json!({"code": "ABCDEFGHJKMN", "id": id, "answer": CAPTCHA_TEST_ANSWER}),
        )
        .await;
    assert_eq!(codes(&old["feedbackByLookupCode"]), ["NOT_FOUND"]);
    assert_eq!(fields(&old["feedbackByLookupCode"]), ["code"]);
}

#[actix_web::test]
async fn staff_see_their_own_units_feedback_and_mark_it() {
    let app = spawn_app().await;
    let (reply_a, unit_a) = app.published_reply("0801").await;
    let (reply_b, unit_b) = app.published_reply("0802").await;
    for (reply, contact) in [
        (&reply_a, "13800000001"),
        (&reply_a, "13800000002"),
        (&reply_b, "13800000003"),
    ] {
        let p = app
            .submit_feedback(
                reply,
                json!({"contact": contact, "content": format!("关于{contact}的意见")}),
            )
            .await;
        assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    }
    let staff_a = app
        .user("fb-unit-a", "UNIT_STAFF", Some(&unit_a), None)
        .await;
    let listed = staff_a
        .data(
            "{ publicFeedback { totalCount nodes { id contact reply { id } } } }",
            json!({}),
        )
        .await["publicFeedback"]
        .clone();
    assert_eq!(listed["totalCount"], 2);
    assert_free_of(&listed, &["13800000003"]);
    let b_feedback = id_at(
        &app.data(
            "query($r: ID!) { publicFeedback(filter: {replyId: $r}) { nodes { id } } }",
            json!({"r": reply_b}),
        )
        .await,
        "publicFeedback.nodes.0.id",
    );
    let mark = |who: &TestApp, id: &str, status: &str, answer: Value, version: Value| {
        let who = who.clone();
        let input =
            json!({"id": id, "status": status, "answer": answer, "expectedVersion": version});
        async move {
            who.data(
                "mutation($input: MarkFeedbackInput!) { markFeedback(input: $input) {
                    feedback { status answer version } userErrors { field code message } } }",
                json!({"input": input}),
            )
            .await["markFeedback"]
                .clone()
        }
    };
    // Another unit's feedback does not exist for A.
    let p = mark(&staff_a, &b_feedback, "READ", Value::Null, Value::Null).await;
    assert_eq!(codes(&p), ["NOT_FOUND"]);
    let own = listed["nodes"][0]["id"].as_str().unwrap().to_owned();
    let p = mark(&staff_a, &own, "NEW", Value::Null, Value::Null).await;
    assert_eq!(codes(&p), ["INVALID"]);
    let p = mark(&staff_a, &own, "SPAM", json!("不予答复"), Value::Null).await;
    assert_eq!(codes(&p), ["INVALID"]);
    assert_eq!(fields(&p), ["input.answer"]);
    let p = mark(&staff_a, &own, "READ", Value::Null, json!(1)).await;
    assert_eq!(
        p["feedback"],
        json!({"status": "READ", "answer": null, "version": 2})
    );
    let p = mark(&staff_a, &own, "HANDLED", json!("谢谢"), json!(1)).await;
    assert_eq!(codes(&p), ["CONFLICT"], "stale version");

    // Counts per reply and per unit.
    let counts = app
        .data(
            "query($r: ID!) { node(id: $r) { ... on Reply { feedbackCounts { total open new read handled spam } } }
               feedbackCountsByUnit { unit { id } counts { total open read } } }",
            json!({"r": reply_a}),
        )
        .await;
    assert_eq!(
        counts["node"]["feedbackCounts"],
        json!({"total": 2, "open": 2, "new": 1, "read": 1, "handled": 0, "spam": 0})
    );
    let by_unit = counts["feedbackCountsByUnit"].as_array().unwrap();
    assert_eq!(by_unit.len(), 2);
    let a_row = by_unit
        .iter()
        .find(|r| r["unit"]["id"] == unit_a.as_str())
        .unwrap();
    assert_eq!(a_row["counts"], json!({"total": 2, "open": 2, "read": 1}));
    let own_rows = staff_a
        .data(
            "{ feedbackCountsByUnit { unit { id } counts { total } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        own_rows["feedbackCountsByUnit"],
        json!([{"unit": {"id": unit_a}, "counts": {"total": 2}}])
    );
    let _ = unit_b;
}

#[actix_web::test]
async fn contact_details_are_erased_after_the_retention_period() {
    let app = spawn_app().await;
    let (reply, _) = app.published_reply("0901").await;
    let p = app
        .submit_feedback(&reply, json!({"name": "王先生", "contact": "13812345678"}))
        .await;
    let code = p["lookupCode"].as_str().unwrap().to_owned();
    let run = |app: &TestApp| {
        let app = app.clone();
        async move {
            banli::housekeeping::run_once(&app.db, &app.audit, app.clock.as_ref(), 180)
                .await
                .unwrap()
        }
    };
    app.captcha().await; // shown, never used
    assert_eq!(
        run(&app).await,
        banli::housekeeping::Report::default(),
        "nothing due yet"
    );
    app.clock.advance(chrono::Duration::days(181));
    // Half a year on, the administrator signs in again.
    let app = app.with_token(&app.login(ADMIN.0, ADMIN.1).await);
    let report = run(&app).await;
    assert_eq!(report.contacts_erased, 1);
    assert_eq!(report.captchas_deleted, 1, "the unused CAPTCHA expired");
    assert_eq!(run(&app).await.contacts_erased, 0, "idempotent");
    let stored = app
        .data(
            "{ publicFeedback { nodes { name contact content contactErasedAt } } }",
            json!({}),
        )
        .await;
    let row = &stored["publicFeedback"]["nodes"][0];
    assert_eq!(row["name"], Value::Null);
    assert_eq!(row["contact"], Value::Null);
    assert_eq!(row["content"], "希望扩大交流名额。");
    assert_eq!(row["contactErasedAt"], "2027-05-22T10:00:00+08:00");
    let log = app
        .data(
            "{ auditLog(filter: {operation: \"system:feedback purge\"}) { nodes { role target outcome } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        log["auditLog"]["nodes"],
        json!([{"role": "SYSTEM", "target": "1 PublicFeedback", "outcome": "SUCCESS"}])
    );
    // The submitter can still follow it up.
    let id = app.captcha().await;
    let found = app
        .as_public()
        .data(
            LOOKUP,
            json!({"code": code, "id": id, "answer": CAPTCHA_TEST_ANSWER}),
        )
        .await;
    assert_eq!(found["lookUpPublicFeedback"]["feedback"]["status"], "NEW");
}

#[actix_web::test]
async fn public_reads_over_get_are_cacheable_and_nothing_else_is() {
    let app = spawn_app().await;
    let (reply, _) = app.published_reply("1001").await;
    let query = "query($id: ID!) { publishedReply(id: $id) { title text } }";
    let path = format!(
        "/graphql?query={}&variables={}",
        url_encoded(query),
        url_encoded(&json!({"id": reply}).to_string())
    );
    let (status, headers, text) = app.request("GET", &path, &[], Vec::new()).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(headers.get("cache-control").unwrap(), "public, max-age=60");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["data"]["publishedReply"]["text"], "现答复如下：……");
    let etag = headers.get("etag").unwrap().to_str().unwrap().to_owned();
    // The client's copy is current: 304, no body.
    let (status, _, text) = app
        .request("GET", &path, &[("if-none-match", &etag)], Vec::new())
        .await;
    assert_eq!(status, 304);
    assert!(text.is_empty());
    // The same over POST: never cached.
    let (status, headers, _) = app
        .request(
            "POST",
            "/graphql",
            &[("content-type", "application/json")],
            json!({"query": query, "variables": {"id": reply}}).to_string(),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(headers.get("cache-control").unwrap(), "no-store");
    // An answer with errors is not cached.
    let bad = format!(
        "/graphql?query={}",
        url_encoded("{ publishedReplies(after: \"garbage\") { totalCount } }")
    );
    let (status, headers, _) = app.request("GET", &bad, &[], Vec::new()).await;
    assert_eq!(status, 200);
    assert_eq!(headers.get("cache-control").unwrap(), "no-store");
    // Credentials, other fields, mutations and the lookup never run over GET.
    let token = format!("Bearer {}", app.token.clone().unwrap());
    let (status, _, _) = app
        .request("GET", &path, &[("authorization", &token)], Vec::new())
        .await;
    assert_eq!(status, 405);
    for refused in [
        "{ publishedReplies { totalCount } sessions { totalCount } }",
        "mutation { createCaptcha { id } }",
        "{ feedbackByLookupCode(code: \"ABCDEFGHJKMN\", captchaId: \"x\", captchaAnswer: \"y\") { feedback { status } } }",
    ] {
        let (status, _, text) = app
            .request("GET", &format!("/graphql?query={}", url_encoded(refused)), &[], Vec::new())
            .await;
        assert_eq!(status, 405, "{refused}: {text}");
    }
    // No caching when configured off.
    let uncached = spawn_app_with(|s| s.public_cache_secs = 0).await;
    let (status, headers, _) = uncached
        .request(
            "GET",
            &format!(
                "/graphql?query={}",
                url_encoded("{ publishedReplies { totalCount } }")
            ),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(headers.get("cache-control").unwrap(), "no-store");
}

/// The benchmark data set publishes replies as the publish service does: every published
/// reply has its public text (the body, or the summary), so the public list shows them.
#[actix_web::test]
async fn generated_data_publishes_replies_with_their_public_text() {
    let app = spawn_app().await;
    let made = banli::generate::generate(
        &app.db,
        banli::generate::Scale::Small,
        crate::helpers::fixed_now(),
    )
    .await
    .expect("generate");
    assert!(made.replies > 0, "{made:?}");
    let list = public_list(&app, json!({})).await;
    let total = list["totalCount"].as_u64().unwrap();
    assert!(
        total > 0 && total < made.replies as u64,
        "about half are published: {total} of {}",
        made.replies
    );
    let nodes = list["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 100.min(total as usize));
    let mut publications = std::collections::BTreeSet::new();
    for node in nodes {
        let text = node["text"].as_str().unwrap();
        assert!(!text.is_empty(), "{node:#}");
        match node["publication"].as_str().unwrap() {
            "FULL" => assert!(text.starts_with("您提出的关于加强"), "{text}"),
            "SUMMARY" => assert!(text.ends_with("将分步推进解决。"), "{text}"),
            other => panic!("{other}"),
        }
        publications.insert(node["publication"].as_str().unwrap().to_owned());
        assert!(node["publishedAt"].is_string(), "{node:#}");
    }
    assert_eq!(publications.len(), 2, "FULL and SUMMARY: {publications:?}");
    // Newest publication first, and not all published at the same instant.
    let dates: Vec<&str> = nodes
        .iter()
        .map(|n| n["publishedAt"].as_str().unwrap())
        .collect();
    assert!(dates.first() != dates.last(), "{dates:?}");
}

#[actix_web::test]
async fn a_deputys_phone_and_address_are_withheld_however_they_are_written() {
    let app = spawn_app().await;
    // DEPUTY_PHONE is 13955501234, DEPUTY_ADDRESS 淮南市田家庵区洞山中路8号.
    let written = [
        "139 5550 1234",
        "139-5550-1234",
        "１３９５５５０１２３４",
        "+86 139 5550 1234",
        "0086-13955501234",
        "淮南市 田家庵区 洞山中路 8 号",
        "田家庵區洞山中路８號",
    ];
    let body = format!(
        "现答复如下：经研究，已列入计划。代表联系方式：{}。",
        written.join("；")
    );
    let c = case(&app, "0270", &body).await;
    let p = app
        .publish(json!({"replyId": c.reply, "publication": "FULL"}))
        .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    let one = public_one(&app, &c.reply).await;
    let text = one["text"].as_str().unwrap();
    assert_eq!(
        text,
        format!(
            "现答复如下：经研究，已列入计划。代表联系方式：{}。",
            vec!["［不予公开］"; written.len()].join("；")
        )
    );
    // What publication withheld is not in the public index either, in any form.
    for word in [
        "13955501234",
        "１３９５５５０１２３４",
        "5550",
        "洞山中路",
        "洞山中路8号",
    ] {
        let found = public_list(&app, json!({"keyword": word})).await;
        assert_eq!(found["totalCount"], 0, "{word}: {found:#}");
    }
    // The reply itself is found by its other words.
    let found = public_list(&app, json!({"keyword": "列入计划"})).await;
    assert_eq!(found["totalCount"], 1, "{found:#}");
}

#[actix_web::test]
async fn a_captcha_can_be_heard_instead_of_seen() {
    use base64::Engine as _;
    let app = spawn_app().await;
    let (reply, _) = app.published_reply("0402").await;
    let public = app.as_public();
    // Only when asked for: the image alone stays small.
    let plain = public
        .data(
            "mutation { createCaptcha { imagePng audioWav } }",
            json!({}),
        )
        .await["createCaptcha"]
        .clone();
    assert_eq!(plain["audioWav"], Value::Null);
    let made = public
        .data(
            "mutation { createCaptcha(audio: true) { id imagePng audioWav } }",
            json!({}),
        )
        .await["createCaptcha"]
        .clone();
    assert!(made["imagePng"]
        .as_str()
        .unwrap()
        .starts_with("data:image/png;base64,"));
    let audio = made["audioWav"].as_str().unwrap();
    let wav = base64::engine::general_purpose::STANDARD
        .decode(audio.strip_prefix("data:audio/wav;base64,").unwrap())
        .unwrap();
    assert_eq!(&wav[..4], b"RIFF");
    assert_eq!(&wav[8..12], b"WAVE");
    assert!(
        (40_000..300_000).contains(&wav.len()),
        "a few seconds of speech: {} bytes",
        wav.len()
    );
    // It is the same CAPTCHA: one answer, used once.
    let input = json!({"replyId": reply, "content": "听语音验证码提交的意见",
        "captchaId": made["id"], "captchaAnswer": crate::helpers::CAPTCHA_TEST_ANSWER});
    let p = public
        .data(SUBMIT_FEEDBACK, json!({"input": input.clone()}))
        .await["submitPublicFeedback"]
        .clone();
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    let p =
        public.data(SUBMIT_FEEDBACK, json!({"input": input})).await["submitPublicFeedback"].clone();
    assert_eq!(codes(&p), ["CAPTCHA_INVALID"]);
}

/// A published reply, its session and its unit have IDs of their own, never the staff
/// types' (a normalized client cache keyed by ID would mix them); an argument that names the
/// reply takes either, so a public ID stored before 0.2 (the staff reply's) still works.
#[actix_web::test]
async fn public_objects_have_ids_of_their_own_and_old_ids_still_work() {
    let app = spawn_app().await;
    let c = case(&app, "0301", "答复正文。").await;
    let p = app
        .publish(json!({"replyId": c.reply, "publication": "FULL"}))
        .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    let listed = public_list(&app, json!({})).await;
    let public = &listed["nodes"][0];
    let public_id = public["id"].as_str().unwrap();
    assert_ne!(public_id, c.reply);
    assert_ne!(public["session"]["id"], json!(c.session));
    assert_ne!(public["unit"]["id"], json!(c.unit));
    let mut ids = vec![
        public_id.to_owned(),
        public["session"]["id"].as_str().unwrap().to_owned(),
        public["unit"]["id"].as_str().unwrap().to_owned(),
        c.reply.clone(),
        c.session.clone(),
        c.unit.clone(),
        c.suggestion.clone(),
        c.assignment.clone(),
    ];
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 8, "every object its own ID");

    // Both IDs name the reply for the public…
    assert_eq!(
        public_one(&app, public_id).await["suggestionNumber"],
        "0301"
    );
    assert_eq!(public_one(&app, &c.reply).await["id"], public_id);
    // …and filters, feedback and staff arguments take the public views' IDs.
    let by_unit = public_list(&app, json!({"unitId": public["unit"]["id"]})).await;
    assert_eq!(by_unit["totalCount"], 1);
    let by_session = public_list(&app, json!({"sessionId": c.session})).await;
    assert_eq!(by_session["totalCount"], 1);
    let p = app.submit_feedback(public_id, json!({})).await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    // A public ID names no staff node.
    let node = app
        .data(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": public_id}),
        )
        .await;
    assert_eq!(node["node"], Value::Null);
}
