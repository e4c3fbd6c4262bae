//! Attachments (附件) over HTTP: the GraphQL multipart upload with its CSRF header and
//! limits, the type judged by the bytes, content-addressed storage, downloads that follow
//! the record's visibility, and deletion while the record is open.

use std::io::Write as _;
use std::path::Path;

use banli::graphql::ids::Kind;
use serde_json::{json, Value};

use banli::service::attachment::FileStore;

use crate::helpers::{assigned, codes, fields, id_at, missing, spawn_app, TestApp};

const UPLOAD: &str = "mutation($input: UploadAttachmentInput!) { uploadAttachment(input: $input) {
    attachment { id kind filename mediaType byteSize sha256 description downloadUrl }
    userErrors { field code message } } }";

const PREFLIGHT: (&str, &str) = ("apollo-require-preflight", "true");

fn pdf(extra: &str) -> Vec<u8> {
    format!("%PDF-1.7\n%\u{e2}\u{e3}\n1 0 obj << /Type /Catalog >> endobj\n{extra}\n%%EOF\n")
        .into_bytes()
}

fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0".to_vec();
    bytes.extend_from_slice(&[0x1f, 0x15, 0xc4, 0x89, 0, 0, 0, 0, b'I', b'E', b'N', b'D']);
    bytes
}

/// A ZIP holding `names` (each with a line of XML).
fn zip_of(names: &[&str]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        for name in names {
            zip.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(b"<?xml version=\"1.0\"?><ofd:OFD/>").unwrap();
        }
        zip.finish().unwrap();
    }
    out.into_inner()
}

async fn upload(app: &TestApp, owner: &str, kind: &str, name: &str, bytes: &[u8]) -> Value {
    let input = json!({"ownerId": owner, "kind": kind, "file": null, "description": "盖章扫描件"});
    let (status, body) = app
        .upload(
            UPLOAD,
            json!({"input": input}),
            &[("variables.input.file", name, bytes)],
            &[PREFLIGHT],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["data"]["uploadAttachment"].clone()
}

/// Every file under `dir` (the stored ones and any staging leftovers), recursively.
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// The app's attachment store, as the server has it (local or S3).
fn store_of(app: &TestApp) -> FileStore {
    FileStore::from_settings(&app.files, &app.database_url).unwrap()
}

/// Files kept in the app's store, and files left in its staging directory.
async fn stored(app: &TestApp) -> (usize, usize) {
    let kept = store_of(app).list().await.unwrap().len();
    (kept, files_under(&app.files_dir.join(".staging")).len())
}

async fn attachment_rows(app: &TestApp) -> usize {
    use sea_orm::{EntityTrait, PaginatorTrait};
    entity::attachment::Entity::find()
        .count(app.db.conn())
        .await
        .unwrap() as usize
}

/// The text at `path` (dot-separated) under `node(id)`, selected by `fragment`
/// (`... on Assignment { unit { id } }`).
async fn node_text(app: &TestApp, id: &str, fragment: &str, path: &str) -> String {
    let data = app
        .data(
            &format!("query($id: ID!) {{ node(id: $id) {{ {fragment} }} }}"),
            json!({"id": id}),
        )
        .await;
    let mut value = &data["node"];
    for key in path.split('.') {
        value = &value[key];
    }
    value
        .as_str()
        .unwrap_or_else(|| panic!("no text at {path} in {data:#}"))
        .to_owned()
}

/// A case of unit A with a reply; returns (suggestion, reply, unit A's staff, unit B's
/// staff).
async fn replied(app: &TestApp, number: &str) -> (String, String, TestApp, TestApp) {
    let (_, suggestion, assignment) = assigned(app, number).await;
    let unit = node_text(
        app,
        &assignment,
        "... on Assignment { unit { id } }",
        "unit.id",
    )
    .await;
    let other = app
        .unit(&format!("其他单位{number}"), &format!("X{number}"))
        .await;
    let unit_a = app
        .user(&format!("a{number}"), "UNIT_STAFF", Some(&unit), None)
        .await;
    let unit_b = app
        .user(&format!("b{number}"), "UNIT_STAFF", Some(&other), None)
        .await;
    let p = unit_a.submit_reply(TestApp::reply_input(&assignment)).await;
    let reply = id_at(&p, "reply.id");
    (suggestion, reply, unit_a, unit_b)
}

async fn a_signed_letter_goes_up_and_comes_down_for_its_unit_only(app: TestApp) {
    let (suggestion, reply, unit_a, unit_b) = replied(&app, "0501").await;
    let letter = pdf("答复函正文");
    let p = upload(
        &unit_a,
        &reply,
        "REPLY_LETTER",
        "答复函（盖章件）.pdf",
        &letter,
    )
    .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    let a = &p["attachment"];
    assert_eq!(a["kind"], "REPLY_LETTER");
    assert_eq!(a["filename"], "答复函（盖章件）.pdf");
    assert_eq!(a["mediaType"], "application/pdf");
    assert_eq!(a["byteSize"], letter.len());
    assert_eq!(a["description"], "盖章扫描件");
    let id = a["id"].as_str().unwrap().to_owned();
    let url = a["downloadUrl"].as_str().unwrap().to_owned();
    assert_eq!(url, format!("/files/{id}"));

    // Down again, as a download: the bytes, the UTF-8 name, and no way to run as a page.
    let (status, headers, body) = unit_a.get_bytes(&url, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(body, letter);
    let header = |name: &str| headers.get(name).map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(header("content-type").as_deref(), Some("application/pdf"));
    let disposition = header("content-disposition").unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''%E7%AD%94%E5%A4%8D%E5%87%BD"),
        "{disposition}"
    );
    assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
    assert_eq!(
        header("content-security-policy").as_deref(),
        Some("sandbox")
    );
    let etag = header("etag").unwrap();
    assert_eq!(etag, format!("\"{}\"", a["sha256"].as_str().unwrap()));

    // Ranges and revalidation.
    let (status, headers, body) = unit_a.get_bytes(&url, &[("range", "bytes=0-3")]).await;
    assert_eq!(status, 206);
    assert_eq!(body, b"%PDF");
    assert_eq!(
        headers.get("content-range").unwrap().to_str().unwrap(),
        format!("bytes 0-3/{}", letter.len())
    );
    let (status, _, body) = unit_a.get_bytes(&url, &[("range", "bytes=-5")]).await;
    assert_eq!(
        (status, body.as_slice()),
        (206, &letter[letter.len() - 5..])
    );
    let (status, _, _) = unit_a.get_bytes(&url, &[("range", "bytes=99999-")]).await;
    assert_eq!(status, 416);
    let (status, _, body) = unit_a.get_bytes(&url, &[("if-none-match", &etag)]).await;
    assert_eq!((status, body.len()), (304, 0));

    // Another unit, the public and a forged address see nothing there.
    assert_eq!(unit_b.get_bytes(&url, &[]).await.0, 404);
    assert_eq!(app.as_public().get_bytes(&url, &[]).await.0, 404);
    let bad_token = app.with_token("not-a-token");
    assert_eq!(bad_token.get_bytes(&url, &[]).await.0, 401);
    let forged = format!("/files/{}", missing(Kind::Attachment));
    assert_eq!(unit_a.get_bytes(&forged, &[]).await.0, 404);
    let nodes = "query($id: ID!) { node(id: $id) { ... on Attachment { filename } } }";
    assert!(unit_b.data(nodes, json!({"id": id})).await["node"].is_null());
    assert_eq!(
        app.data(nodes, json!({"id": id})).await["node"]["filename"],
        "答复函（盖章件）.pdf"
    );

    // The reply lists it, the timeline tells of it, the audit log of each download.
    let seen = unit_a
        .data(
            "query($id: ID!) { node(id: $id) { ... on Reply { attachments { id kind } } } }",
            json!({"id": reply}),
        )
        .await;
    assert_eq!(seen["node"]["attachments"][0]["id"], id.as_str());
    let timeline = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Suggestion { timeline { kind details } } } }",
            json!({"id": suggestion}),
        )
        .await;
    let added = timeline["node"]["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "ATTACHMENT_ADDED")
        .cloned()
        .expect("an ATTACHMENT_ADDED event");
    assert_eq!(added["details"]["attachmentId"], id.as_str());
    let downloads = app
        .data(
            "{ auditLog(first: 50, filter: {operation: \"downloadAttachment\"}) { totalCount nodes { target actorName } } }",
            json!({}),
        )
        .await;
    // The whole file and the range from its first byte; not a later range, a refusal or
    // a revalidation (304).
    assert_eq!(downloads["auditLog"]["totalCount"], 2, "{downloads:#}");
    assert_eq!(downloads["auditLog"]["nodes"][0]["actorName"], "a0501");
}

async fn the_bytes_decide_the_type(app: TestApp) {
    let (suggestion, reply, unit_a, _) = replied(&app, "0502").await;

    // A PNG called .pdf is kept as the PNG it is, and offered as .png.
    let p = upload(&unit_a, &reply, "SUPPORTING", "现场照片.pdf", &png()).await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    assert_eq!(p["attachment"]["mediaType"], "image/png");
    let url = p["attachment"]["downloadUrl"].as_str().unwrap().to_owned();
    let (_, headers, _) = unit_a.get_bytes(&url, &[]).await;
    let disposition = headers
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(disposition.contains(".png"), "{disposition}");
    assert_eq!(headers.get("content-type").unwrap(), "image/png");

    // OFD (a ZIP with OFD.xml at its root) and DOCX are accepted, any other ZIP is not.
    let ofd = upload(
        &app,
        &suggestion,
        "SUGGESTION_ORIGINAL",
        "建议原件.ofd",
        &zip_of(&["OFD.xml", "Doc_0/Document.xml"]),
    )
    .await;
    assert_eq!(ofd["attachment"]["mediaType"], "application/ofd", "{ofd:#}");
    let docx = upload(
        &app,
        &suggestion,
        "SUPPORTING",
        "附表.docx",
        &zip_of(&["[Content_Types].xml", "word/document.xml"]),
    )
    .await;
    assert_eq!(
        docx["attachment"]["mediaType"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );

    let before = (attachment_rows(&app).await, stored(&app).await);
    let refused: [(&str, Vec<u8>); 4] = [
        (
            "页面.pdf",
            b"<!DOCTYPE html><html><script>alert(1)</script></html>".to_vec(),
        ),
        (
            "图标.png",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".to_vec(),
        ),
        (
            "程序.pdf",
            b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0".to_vec(),
        ),
        ("网站.zip", zip_of(&["index.html"])),
    ];
    for (name, bytes) in refused {
        let p = upload(&unit_a, &reply, "SUPPORTING", name, &bytes).await;
        assert_eq!(codes(&p), ["INVALID"], "{name}: {p:#}");
        assert_eq!(fields(&p), ["input.file"]);
        assert!(p["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("PDF、OFD"));
    }
    let after = (attachment_rows(&app).await, stored(&app).await);
    assert_eq!(before, after, "a refused file leaves no row and no file");
}

async fn uploads_need_the_preflight_header_and_stay_within_limits(app: TestApp) {
    let (_, reply, unit_a, _) = replied(&app, "0503").await;
    let input = json!({"input": {"ownerId": reply, "kind": "SUPPORTING", "file": null}});
    let file = pdf("x");

    // CSRF: a form can send multipart, but not this header.
    let (status, body) = unit_a
        .upload(
            UPLOAD,
            input.clone(),
            &[("variables.input.file", "a.pdf", &file)],
            &[],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "PREFLIGHT_REQUIRED"
    );
    // Nor does the public upload anything.
    let (status, _) = app
        .as_public()
        .upload(
            UPLOAD,
            input.clone(),
            &[("variables.input.file", "a.pdf", &file)],
            &[PREFLIGHT],
        )
        .await;
    assert_eq!(status, 401);

    // A file past the limit (64 KiB here) is cut off mid-stream.
    let big = pdf(&"x".repeat(90 * 1024));
    let (status, body) = unit_a
        .upload(
            UPLOAD,
            input.clone(),
            &[("variables.input.file", "大文件.pdf", &big)],
            &[PREFLIGHT],
        )
        .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "FILE_TOO_LARGE");
    // Two files within their limit, but a request past its own.
    let half = pdf(&"y".repeat(60 * 1024));
    let two: Vec<(&str, &str, &[u8])> = vec![
        ("variables.input.file", "a.pdf", half.as_slice()),
        ("variables.input.file", "b.pdf", half.as_slice()),
    ];
    let (status, body) = unit_a
        .upload(UPLOAD, input.clone(), &two, &[PREFLIGHT])
        .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");
    // Too many files in one request.
    let many: Vec<(&str, &str, &[u8])> = (0..3)
        .map(|_| ("variables.input.file", "a.pdf", file.as_slice()))
        .collect();
    let (status, body) = unit_a
        .upload(UPLOAD, input.clone(), &many, &[PREFLIGHT])
        .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "TOO_MANY_FILES");
    // A JSON request cannot name a file.
    let p = unit_a
        .data(
            "mutation($id: ID!) { uploadAttachment(input: {ownerId: $id, kind: SUPPORTING, file: \"#__banli_file__:0\"}) { userErrors { field code } } }",
            json!({"id": reply}),
        )
        .await;
    assert_eq!(fields(&p["uploadAttachment"]), ["input.file"]);

    assert_eq!(attachment_rows(&app).await, 0);
    assert_eq!(
        stored(&app).await,
        (0, 0),
        "nothing kept, nothing left in staging"
    );
    // The server is still there.
    let p = upload(&unit_a, &reply, "SUPPORTING", "小文件.pdf", &file).await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
}

/// Small limits, for the test of limits.
fn limits(s: &mut banli::config::Settings) {
    s.files.attachment_max_bytes = 64 * 1024;
    s.files.attachment_max_files = 2;
    s.files.upload_max_request_bytes = 100 * 1024;
}

async fn each_attaches_to_their_own_and_only_the_uploader_deletes_while_open(app: TestApp) {
    let (suggestion, reply, unit_a, unit_b) = replied(&app, "0504").await;
    let file = pdf("y");

    // Kinds belong to records; units attach to their own records, not to suggestions.
    let p = upload(&unit_a, &suggestion, "SUPPORTING", "a.pdf", &file).await;
    assert_eq!(codes(&p), ["INVALID"], "{p:#}");
    assert_eq!(fields(&p), ["input.ownerId"]);
    let p = upload(&app, &suggestion, "REPLY_LETTER", "a.pdf", &file).await;
    assert_eq!(fields(&p), ["input.kind"]);
    let p = upload(&unit_b, &reply, "REPLY_LETTER", "a.pdf", &file).await;
    assert_eq!(
        codes(&p),
        ["NOT_FOUND"],
        "another unit's reply does not exist for B"
    );

    // The same bytes twice: two attachments, one stored file.
    let first = upload(&unit_a, &reply, "REPLY_LETTER", "答复函.pdf", &file).await;
    let second = upload(&unit_a, &reply, "SUPPORTING", "副本.pdf", &file).await;
    assert_eq!(
        first["attachment"]["sha256"],
        second["attachment"]["sha256"]
    );
    assert_eq!(stored(&app).await, (1, 0), "one file for the same bytes");

    let delete = "mutation($id: ID!) { deleteAttachment(input: {id: $id}) { deletedAttachmentId userErrors { field code } } }";
    let id = id_at(&second, "attachment.id");
    let p = unit_b.data(delete, json!({"id": id})).await;
    assert_eq!(codes(&p["deleteAttachment"]), ["NOT_FOUND"]);
    let p = app.data(delete, json!({"id": id})).await;
    assert_eq!(
        codes(&p["deleteAttachment"]),
        ["INVALID_STATE"],
        "not the uploader"
    );
    let p = unit_a.data(delete, json!({"id": id})).await;
    assert_eq!(
        p["deleteAttachment"]["deletedAttachmentId"],
        id.as_str(),
        "{p:#}"
    );
    assert_eq!(attachment_rows(&app).await, 1);

    // Once the deputy rated the reply, its attachments are part of the record.
    let deputy = node_text(
        &app,
        &suggestion,
        "... on Suggestion { leadDeputy { id } }",
        "leadDeputy.id",
    )
    .await;
    let d = app.user("deputy0504", "DEPUTY", None, Some(&deputy)).await;
    let p = upload(
        &d,
        &suggestion,
        "SUGGESTION_ORIGINAL",
        "建议原件.pdf",
        &file,
    )
    .await;
    assert_eq!(
        codes(&p),
        Vec::<String>::new(),
        "a deputy attaches to their own suggestion"
    );
    let rated = d
        .data(
            "mutation($id: ID!) { rateReply(input: {replyId: $id, satisfaction: SATISFIED, ratedOn: \"2026-03-02\"}) { userErrors { code } } }",
            json!({"id": reply}),
        )
        .await;
    assert_eq!(
        codes(&rated["rateReply"]),
        Vec::<String>::new(),
        "{rated:#}"
    );
    let first_id = id_at(&first, "attachment.id");
    let p = unit_a.data(delete, json!({"id": first_id})).await;
    assert_eq!(codes(&p["deleteAttachment"]), ["INVALID_STATE"]);
    let p = upload(&unit_a, &reply, "SUPPORTING", "补充.pdf", &file).await;
    assert_eq!(codes(&p), ["INVALID_STATE"]);

    // The case list counts them (the letter and the deputy's original; the deleted one
    // is gone).
    let url = app
        .data("{ suggestionExport(format: CSV) }", json!({}))
        .await["suggestionExport"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _, csv) = app.get_bytes(&url, &[]).await;
    assert_eq!(status, 200);
    let csv = String::from_utf8(csv).unwrap();
    let mut lines = csv.lines();
    assert!(
        lines.next().unwrap().trim_end().ends_with(",附件数"),
        "{csv}"
    );
    assert!(lines.next().unwrap().trim_end().ends_with(",2"), "{csv}");
}

#[actix_web::test]
async fn broken_multipart_bodies_get_typed_errors_and_change_nothing() {
    let app = spawn_app().await;
    let (_, reply, unit_a, _) = replied(&app, "0505").await;
    let part = |name: &str, file: Option<&str>, body: &str| {
        let file = file
            .map(|f| format!("; filename=\"{f}\""))
            .unwrap_or_default();
        format!("--b\r\nContent-Disposition: form-data; name=\"{name}\"{file}\r\n\r\n{body}\r\n")
    };
    let operations = json!({"query": UPLOAD, "variables": {"input": {"ownerId": reply, "kind": "SUPPORTING", "file": null}}}).to_string();
    let map = r#"{"0": ["variables.input.file"]}"#;
    let pdf = String::from_utf8(pdf("z")).unwrap();
    let cases: Vec<(&str, String)> = vec![
        ("garbage", "--b\r\n\r\n{}\r\n--b--".into()),
        ("not multipart at all", "hello".into()),
        (
            "operations not JSON",
            part("operations", None, "{nope") + &part("map", None, map) + "--b--\r\n",
        ),
        (
            "a batch",
            part("operations", None, &format!("[{operations}]"))
                + &part("map", None, "{}")
                + "--b--\r\n",
        ),
        (
            "map first",
            part("map", None, map) + &part("operations", None, &operations) + "--b--\r\n",
        ),
        (
            "map not JSON",
            part("operations", None, &operations) + &part("map", None, "[1,") + "--b--\r\n",
        ),
        (
            "map names no variable",
            part("operations", None, &operations)
                + &part("map", None, r#"{"0": ["variables.nope.file"]}"#)
                + &part("0", Some("a.pdf"), &pdf)
                + "--b--\r\n",
        ),
        (
            "a file the map does not name",
            part("operations", None, &operations)
                + &part("map", None, map)
                + &part("7", Some("a.pdf"), &pdf)
                + "--b--\r\n",
        ),
        (
            "a file the map names is missing",
            part("operations", None, &operations) + &part("map", None, map) + "--b--\r\n",
        ),
        ("no operations", "--b--\r\n".into()),
    ];
    let token = format!("Bearer {}", unit_a.token.as_deref().unwrap());
    for (name, body) in cases {
        let (status, _, text) = unit_a
            .request(
                "POST",
                "/graphql",
                &[
                    ("content-type", "multipart/form-data; boundary=b"),
                    ("authorization", &token),
                    PREFLIGHT,
                ],
                body,
            )
            .await;
        assert_eq!(status, 400, "{name}: {text}");
        let body: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{name}: {text}"));
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_REQUEST",
            "{name}: {text}"
        );
    }
    assert_eq!(attachment_rows(&app).await, 0);
    assert_eq!(stored(&app).await, (0, 0));
    let p = upload(&unit_a, &reply, "SUPPORTING", "a.pdf", pdf.as_bytes()).await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
}

async fn only_the_copy_for_publication_goes_public_and_only_while_published(app: TestApp) {
    let (_, reply, unit_a, unit_b) = replied(&app, "0506").await;
    let original = upload(
        &unit_a,
        &reply,
        "REPLY_LETTER",
        "答复函（盖章件）.pdf",
        &pdf("原件：联系电话 13912345678"),
    )
    .await;
    let publish = |with_letter: bool| json!({"replyId": reply, "publication": "FULL", "withLetter": with_letter});
    // No copy yet: publishing the letter is refused, and nothing is published.
    let p = app.publish(publish(true)).await;
    assert_eq!(codes(&p), ["INVALID"], "{p:#}");
    assert_eq!(fields(&p), ["input.withLetter"]);

    let copy_bytes = pdf("公开件：联系电话已删除");
    let copy = upload(
        &unit_a,
        &reply,
        "REPLY_LETTER_FOR_PUBLICATION",
        "答复函（公开件）.pdf",
        &copy_bytes,
    )
    .await;
    let copy_url = copy["attachment"]["downloadUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    let original_url = original["attachment"]["downloadUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    let public = app.as_public();
    // Published without the letter: the copy stays private.
    let p = app.publish(publish(false)).await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    assert_eq!(public.get_bytes(&copy_url, &[]).await.0, 404);
    let unpublish = "mutation($id: ID!) { unpublishReply(input: {replyId: $id, reason: \"补充公开件\"}) { userErrors { code } } }";
    let p = app.data(unpublish, json!({"id": reply})).await;
    assert_eq!(codes(&p["unpublishReply"]), Vec::<String>::new(), "{p:#}");

    let p = app.publish(publish(true)).await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    let shown = public
        .data(
            "query($id: ID!) { publishedReply(id: $id) { attachments { id filename mediaType downloadUrl } } }",
            json!({"id": reply}),
        )
        .await;
    let listed = shown["publishedReply"]["attachments"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(listed.len(), 1, "only the copy: {shown:#}");
    assert_eq!(listed[0]["filename"], "答复函（公开件）.pdf");
    assert_eq!(listed[0]["downloadUrl"], copy_url.as_str());
    let (status, headers, body) = public.get_bytes(&copy_url, &[]).await;
    assert_eq!((status, body), (200, copy_bytes.clone()));
    let cache = headers.get("cache-control").unwrap().to_str().unwrap();
    assert!(cache.starts_with("public, max-age="), "{cache}");
    // The signed original never goes public, whoever asks.
    assert_eq!(public.get_bytes(&original_url, &[]).await.0, 404);
    assert_eq!(unit_b.get_bytes(&original_url, &[]).await.0, 404);
    assert_eq!(unit_b.get_bytes(&copy_url, &[]).await.0, 200);
    // A published copy is not deleted from under the public.
    let delete =
        "mutation($id: ID!) { deleteAttachment(input: {id: $id}) { userErrors { field code } } }";
    let p = unit_a
        .data(delete, json!({"id": copy["attachment"]["id"]}))
        .await;
    assert_eq!(codes(&p["deleteAttachment"]), ["INVALID_STATE"]);
    // Reads of the public copy (anonymous, or by unit B, who sees it only as the public
    // does) are not audited: it is public.
    let downloads = app
        .data(
            "{ auditLog(first: 10, filter: {operation: \"downloadAttachment\"}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(downloads["auditLog"]["totalCount"], 0);

    // Withdrawn: the copy is private again at once.
    let p = app.data(unpublish, json!({"id": reply})).await;
    assert_eq!(codes(&p["unpublishReply"]), Vec::<String>::new(), "{p:#}");
    assert_eq!(public.get_bytes(&copy_url, &[]).await.0, 404);
    // Published again without the letter: the copy stays private.
    let p = app.publish(publish(false)).await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    assert_eq!(public.get_bytes(&copy_url, &[]).await.0, 404);
}

async fn housekeeping_removes_unreferenced_files_and_reports_missing_ones(app: TestApp) {
    use banli::service::attachment::sweep;
    use std::time::{Duration, SystemTime};
    let (_, reply, unit_a, _) = replied(&app, "0507").await;
    let kept = upload(&unit_a, &reply, "SUPPORTING", "kept.pdf", &pdf("kept")).await;
    let gone = upload(&unit_a, &reply, "SUPPORTING", "gone.pdf", &pdf("gone")).await;
    let lost = upload(&unit_a, &reply, "SUPPORTING", "lost.pdf", &pdf("lost")).await;
    let p = unit_a
        .data(
            "mutation($id: ID!) { deleteAttachment(input: {id: $id}) { userErrors { code } } }",
            json!({"id": gone["attachment"]["id"]}),
        )
        .await;
    assert_eq!(codes(&p["deleteAttachment"]), Vec::<String>::new());
    let store = store_of(&app);
    let lost_sha = lost["attachment"]["sha256"].as_str().unwrap();
    store.remove(lost_sha).await.unwrap();
    // An upload cut off by a crash two hours ago, and one in progress now.
    let staging = app.files_dir.join(".staging");
    let crashed = std::fs::File::create(staging.join("upload-crashed")).unwrap();
    crashed
        .set_modified(SystemTime::now() - Duration::from_secs(7200))
        .unwrap();
    std::fs::write(staging.join("upload-now"), b"%PDF").unwrap();

    let (_, lost_id) =
        banli::graphql::ids::decode(lost["attachment"]["id"].as_str().unwrap()).unwrap();
    let report = sweep(&app.db, &store, Duration::from_secs(3600))
        .await
        .unwrap();
    assert_eq!(
        report.files_removed, 0,
        "the deleted one's file is within its grace"
    );
    assert_eq!(report.staging_removed, 1, "only the crashed upload's");
    assert_eq!(report.missing, [lost_id]);
    assert!(staging.join("upload-now").exists());

    let report = sweep(&app.db, &store, Duration::ZERO).await.unwrap();
    assert_eq!(report.files_removed, 1);
    let gone_sha = gone["attachment"]["sha256"].as_str().unwrap();
    assert!(!store.exists(gone_sha).await.unwrap());
    let url = kept["attachment"]["downloadUrl"].as_str().unwrap();
    assert_eq!(unit_a.get_bytes(url, &[]).await.0, 200);
    // A row whose file is gone answers 500 with a message, not a panic or an empty file.
    let url = lost["attachment"]["downloadUrl"].as_str().unwrap();
    assert_eq!(unit_a.get_bytes(url, &[]).await.0, 500);
}

#[actix_web::test]
async fn a_session_may_count_a_reply_only_with_its_signed_letter() {
    let app = spawn_app().await;
    let (session, _, assignment) = assigned(&app, "0508").await;
    let p = app
        .data(
            "mutation($id: ID!) { updateSession(input: {id: $id, replyRequiresSignedLetter: true}) {
                session { replyRequiresSignedLetter } userErrors { code } } }",
            json!({"id": session}),
        )
        .await;
    assert_eq!(
        p["updateSession"]["session"]["replyRequiresSignedLetter"], true,
        "{p:#}"
    );
    let p = app.submit_reply(TestApp::reply_input(&assignment)).await;
    assert_eq!(codes(&p), ["INVALID_STATE"], "{p:#}");
    assert_eq!(fields(&p), ["input.assignmentId"]);

    // The letter goes to the case first; the reply takes it along.
    let letter = upload(
        &app,
        &assignment,
        "REPLY_LETTER",
        "答复函（盖章件）.pdf",
        &pdf("盖章"),
    )
    .await;
    assert_eq!(codes(&letter), Vec::<String>::new(), "{letter:#}");
    let p = upload(&app, &assignment, "CONTACT_EVIDENCE", "照片.png", &png()).await;
    assert_eq!(fields(&p), ["input.kind"]);
    // A letter still being prepared is the unit's draft: the deputy does not see it.
    let deputy_id = node_text(
        &app,
        &assignment,
        "... on Assignment { suggestion { leadDeputy { id } } }",
        "suggestion.leadDeputy.id",
    )
    .await;
    let deputy = app
        .user("deputy0508", "DEPUTY", None, Some(&deputy_id))
        .await;
    let theirs = deputy
        .data(
            "query($a: ID!, $f: ID!) { a: node(id: $a) { ... on Assignment { attachments { id } } } f: node(id: $f) { id } }",
            json!({"a": assignment, "f": letter["attachment"]["id"]}),
        )
        .await;
    assert_eq!(theirs["a"]["attachments"], json!([]), "{theirs:#}");
    assert!(theirs["f"].is_null());
    let url = letter["attachment"]["downloadUrl"].as_str().unwrap();
    assert_eq!(deputy.get_bytes(url, &[]).await.0, 404);
    let p = app.submit_reply(TestApp::reply_input(&assignment)).await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    let reply = id_at(&p, "reply.id");
    let seen = app
        .data(
            "query($r: ID!, $a: ID!) { r: node(id: $r) { ... on Reply { attachments { id kind } } }
                a: node(id: $a) { ... on Assignment { attachments { id } } } }",
            json!({"r": reply, "a": assignment}),
        )
        .await;
    assert_eq!(
        seen["r"]["attachments"][0]["id"],
        letter["attachment"]["id"]
    );
    assert_eq!(seen["a"]["attachments"], json!([]));
    // Sent, the reply and its letter are the deputy's to read.
    assert_eq!(deputy.get_bytes(url, &[]).await.0, 200);
}

#[actix_web::test]
async fn a_signed_link_serves_its_user_for_a_few_minutes() {
    let app = spawn_app().await;
    let (_, reply, unit_a, _) = replied(&app, "0509").await;
    let letter = pdf("链接");
    let p = upload(&unit_a, &reply, "REPLY_LETTER", "答复函.pdf", &letter).await;
    let id = id_at(&p, "attachment.id");
    let signed = node_text(
        &unit_a,
        &id,
        "... on Attachment { signedDownloadUrl }",
        "signedDownloadUrl",
    )
    .await;
    assert!(
        signed.starts_with(&format!("/files/{id}?expires=")),
        "{signed}"
    );
    // An <a href> sends no header: the link itself is the credential, for its user only.
    let public = app.as_public();
    let (status, _, body) = public.get_bytes(&signed, &[]).await;
    assert_eq!((status, body), (200, letter));
    let downloads = app
        .data(
            "{ auditLog(first: 5, filter: {operation: \"downloadAttachment\"}) { nodes { actorName } } }",
            json!({}),
        )
        .await;
    assert_eq!(downloads["auditLog"]["nodes"][0]["actorName"], "a0509");

    let forged = signed.replace("&user=", "&user=1");
    let other_file = signed.replace(&id, &missing(Kind::Attachment));
    for (what, url) in [("another user", forged), ("another file", other_file)] {
        let (status, _, body) = public.get_bytes(&url, &[]).await;
        assert_eq!(status, 403, "{what}");
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "LINK_INVALID",
            "{what}"
        );
    }
    app.clock.advance(chrono::Duration::seconds(301));
    assert_eq!(public.get_bytes(&signed, &[]).await.0, 403, "expired");
}

/// The storage tests, on local files and on a real S3-protocol server (moto's, which
/// `.ci/run` installs into `target/moto`; without it the S3 runs are skipped, except in CI).
macro_rules! on_each_store {
    ($($name:ident $(with $adjust:path)?),* $(,)?) => {
        mod local_files {
            $(
                #[actix_web::test]
                async fn $name() {
                    let app = crate::helpers::spawn_app_with(|_s| { $($adjust(_s);)? }).await;
                    super::$name(app).await;
                }
            )*
        }
        mod s3 {
            $(
                #[actix_web::test]
                async fn $name() {
                    let Some(server) = crate::s3::server().await else { return };
                    let bucket = server.bucket().await;
                    let app = crate::helpers::spawn_app_with(|s| {
                        server.configure(s, &bucket);
                        $($adjust(s);)?
                    })
                    .await;
                    super::$name(app).await;
                }
            )*
        }
    };
}

on_each_store!(
    a_signed_letter_goes_up_and_comes_down_for_its_unit_only,
    the_bytes_decide_the_type,
    uploads_need_the_preflight_header_and_stay_within_limits with super::limits,
    each_attaches_to_their_own_and_only_the_uploader_deletes_while_open,
    only_the_copy_for_publication_goes_public_and_only_while_published,
    housekeeping_removes_unreferenced_files_and_reports_missing_ones,
);

/// One upload to the server at `url`; None when no answer came (the server was killed).
async fn try_upload(url: &str, token: &str, owner: &str, bytes: &[u8]) -> Option<Value> {
    let operations = json!({"query": UPLOAD, "variables": {"input": {"ownerId": owner, "kind": "SUPPORTING", "file": null}}});
    let mut body = Vec::new();
    for (name, value) in [
        ("operations", operations.to_string()),
        ("map", r#"{"0": ["variables.input.file"]}"#.to_owned()),
    ] {
        body.extend_from_slice(
            format!("--b\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        b"--b\r\nContent-Disposition: form-data; name=\"0\"; filename=\"a.pdf\"\r\n\r\n",
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(b"\r\n--b--\r\n");
    let mut response = awc::Client::default()
        .post(format!("{url}/graphql"))
        .insert_header(("content-type", "multipart/form-data; boundary=b"))
        .insert_header(("authorization", format!("Bearer {token}")))
        .insert_header(PREFLIGHT)
        .send_body(body)
        .await
        .ok()?;
    let bytes = response.body().limit(1 << 20).await.ok()?;
    let value: Value = serde_json::from_slice(&bytes).ok()?;
    value["data"]["uploadAttachment"]["attachment"]["id"]
        .is_string()
        .then_some(value)
}

#[actix_web::test]
async fn a_server_killed_during_uploads_keeps_what_it_acknowledged_and_leaves_no_strays() {
    use crate::process::{free_port, Server};
    use std::time::Duration;
    let app = spawn_app().await;
    let (_, reply, _, _) = replied(&app, "0510").await;
    let files = app.files_dir.display().to_string();
    let env = [("BANLI_ATTACHMENTS_DIR", files.as_str())];
    let port = free_port();
    let client = awc::Client::default();
    // The child server runs on the real clock: unit A signs in there.
    let server = Server::start_with(&app.database_url, port, &env);
    server.ready_check().wait(&client).await;
    let login = json!({"query": "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { token } }",
        "variables": {"u": "a0510", "p": crate::helpers::USER_PASSWORD}});
    let answer: Value = client
        .post(format!("{}/graphql", server.url))
        .send_json(&login)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = answer["data"]["login"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    drop(server);
    let mut acknowledged = Vec::new();
    let mut lost = 0;
    for round in 0..4u64 {
        let server = Server::start_with(&app.database_url, port, &env);
        server.ready_check().wait(&client).await;
        // Uploads of 2 MiB in flight, and a kill -9 somewhere among them.
        let uploads: Vec<_> = (0..4)
            .map(|i| {
                let (url, token, reply) = (server.url.clone(), token.clone(), reply.clone());
                let bytes = pdf(&format!("{round}-{i}-{}", "x".repeat(2 << 20)));
                actix_web::rt::spawn(async move { try_upload(&url, &token, &reply, &bytes).await })
            })
            .collect();
        // From mid-stream to after some have committed.
        let after = [30, 150, 600, 3000][round as usize];
        actix_web::rt::time::sleep(Duration::from_millis(after)).await;
        drop(server); // SIGKILL: no shutdown of any kind
        for upload in uploads {
            match upload.await.unwrap() {
                Some(answer) => {
                    acknowledged.push(id_at(&answer, "data.uploadAttachment.attachment.id"))
                }
                None => lost += 1,
            }
        }
    }
    eprintln!(
        "kill -9 during uploads: {} acknowledged, {lost} cut off",
        acknowledged.len()
    );
    assert!(
        !acknowledged.is_empty(),
        "the last round lets uploads finish"
    );
    // Every acknowledged upload is there, with its file; every row has its file.
    let server = Server::start_with(&app.database_url, port, &env);
    server.ready_check().wait(&client).await;
    let store = store_of(&app);
    let rows = {
        use sea_orm::EntityTrait;
        entity::attachment::Entity::find()
            .all(app.db.conn())
            .await
            .unwrap()
    };
    for id in &acknowledged {
        let (_, key) = banli::graphql::ids::decode(id).unwrap();
        assert!(
            rows.iter().any(|r| r.id == key),
            "acknowledged {id} is missing"
        );
    }
    for row in &rows {
        assert!(
            store.exists(&row.sha256).await.unwrap(),
            "row {} has no file",
            row.id
        );
    }
    // Housekeeping takes away what the cut-off uploads left: no file without a row.
    let report = banli::service::attachment::sweep(&app.db, &store, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(report.missing, Vec::<i64>::new());
    assert_eq!(stored(&app).await, (rows.len(), 0), "{report:?}");
}

#[actix_web::test]
async fn a_backup_carries_the_files_its_database_refers_to() {
    use sha2::Digest as _;
    let app = spawn_app().await;
    if app.backend != "sqlite" {
        eprintln!("backup of attachments: SQLite only (PostgreSQL is backed up with pg_dump)");
        return;
    }
    let (suggestion, reply, unit_a, _) = replied(&app, "0511").await;
    let letter = upload(&unit_a, &reply, "REPLY_LETTER", "答复函.pdf", &pdf("备份")).await;
    let original = upload(&app, &suggestion, "SUGGESTION_ORIGINAL", "原件.png", &png()).await;
    // One no row refers to any more: not part of the backup.
    let gone = upload(&unit_a, &reply, "SUPPORTING", "删.pdf", &pdf("删除")).await;
    let p = unit_a
        .data(
            "mutation($id: ID!) { deleteAttachment(input: {id: $id}) { userErrors { code } } }",
            json!({"id": gone["attachment"]["id"]}),
        )
        .await;
    assert_eq!(codes(&p["deleteAttachment"]), Vec::<String>::new());

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("banli-backup.db");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_banli"))
        .args(["backup", path.to_str().unwrap()])
        .env("BANLI_DATABASE_URL", &app.database_url)
        .env("BANLI_ATTACHMENTS_DIR", &app.files_dir)
        .env("BANLI_CONFIG", "/dev/null")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("2 files"), "{stdout}");

    // Restored elsewhere: the copy's rows, each with its file, byte for byte.
    let restored = FileStore::open(&dir.path().join("banli-backup.db.files")).unwrap();
    assert_eq!(restored.list().await.unwrap().len(), 2);
    for a in [&letter, &original] {
        let sha = a["attachment"]["sha256"].as_str().unwrap();
        let mut bytes = Vec::new();
        let mut chunks = restored.read(sha, None).await.unwrap();
        while let Some(chunk) = futures_util::StreamExt::next(&mut chunks).await {
            bytes.extend_from_slice(&chunk.unwrap());
        }
        let digest: String = sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(digest, sha);
    }
}

#[actix_web::test]
async fn a_25_mb_file_is_refused_mid_stream_under_the_default_limit() {
    let app = spawn_app().await;
    let (_, reply, unit_a, _) = replied(&app, "0512").await;
    let big = pdf(&"z".repeat(25 * 1024 * 1024));
    let input = json!({"input": {"ownerId": reply, "kind": "REPLY_LETTER", "file": null}});
    let (status, body) = unit_a
        .upload(
            UPLOAD,
            input,
            &[("variables.input.file", "扫描件.pdf", &big)],
            &[PREFLIGHT],
        )
        .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "FILE_TOO_LARGE");
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("20 MB"));
    assert_eq!(attachment_rows(&app).await, 0);
    assert_eq!(
        stored(&app).await,
        (0, 0),
        "nothing kept, nothing left in staging"
    );
}

#[actix_web::test]
async fn a_retried_upload_with_its_key_is_answered_once() {
    let app = spawn_app().await;
    let (_, reply, unit_a, _) = replied(&app, "0513").await;
    let send = |key: &'static str, bytes: Vec<u8>| {
        let (unit_a, reply) = (unit_a.clone(), reply.clone());
        async move {
            let input = json!({"input": {"ownerId": reply, "kind": "REPLY_LETTER", "file": null,
                "idempotencyKey": key}});
            let (status, body) = unit_a
                .upload(
                    UPLOAD,
                    input,
                    &[("variables.input.file", "答复函.pdf", &bytes)],
                    &[PREFLIGHT],
                )
                .await;
            assert_eq!(status, 200, "{body}");
            body["data"]["uploadAttachment"].clone()
        }
    };
    let first = send("upload-0513", pdf("一")).await;
    let again = send("upload-0513", pdf("一")).await;
    assert_eq!(codes(&again), Vec::<String>::new(), "{again:#}");
    assert_eq!(again["attachment"]["id"], first["attachment"]["id"]);
    assert_eq!(attachment_rows(&app).await, 1, "the retry made nothing new");
    // The same key with another file is another request.
    let other = send("upload-0513", pdf("二")).await;
    assert_eq!(codes(&other), ["IDEMPOTENCY_KEY_REUSED"], "{other:#}");
    assert_eq!(attachment_rows(&app).await, 1);
}
