//! The example public page (`examples/public-form/`): served from the binary only when
//! `serve_examples` is on, under a Content-Security-Policy, with nothing loaded from
//! elsewhere. What it does in a browser is tested in `browser.rs`.

use std::path::Path;

use crate::helpers::{spawn_app, spawn_app_with};

const PAGE: &str = "/examples/public-form/";

/// (path, file in `examples/public-form/`, content type)
const FILES: [(&str, &str, &str); 3] = [
    (PAGE, "index.html", "text/html; charset=utf-8"),
    (
        "/examples/public-form/app.js",
        "app.js",
        "text/javascript; charset=utf-8",
    ),
    (
        "/examples/public-form/style.css",
        "style.css",
        "text/css; charset=utf-8",
    ),
];

fn source(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/public-form")
        .join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn header<'a>(headers: &'a awc::http::header::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

#[actix_web::test]
async fn the_page_is_served_with_a_strict_content_security_policy_when_enabled() {
    let app = spawn_app_with(|s| s.serve_examples = true).await;
    for (path, file, content_type) in FILES {
        let (status, headers, body) = app.request("GET", path, &[], "").await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(header(&headers, "content-type"), content_type, "{path}");
        assert_eq!(body, source(file), "{path} is the file as built in");
        let csp = header(&headers, "content-security-policy");
        for directive in [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "connect-src 'self'",
            "img-src data:",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {directive} in {csp}");
        }
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
    }
    let (status, _) = app.get("/examples/public-form/index.html").await;
    assert_eq!(status, 200);
    // Redirected (awc follows it) to the path with a slash, which relative URLs need.
    let (status, body) = app.get("/examples/public-form").await;
    assert_eq!((status, body), (200, source("index.html")));
    for missing in [
        "/examples/public-form/nothing.js",
        "/examples/public-form/../Cargo.toml",
        "/examples/other/",
    ] {
        assert_eq!(app.get(missing).await.0, 404, "{missing}");
    }
}

#[actix_web::test]
async fn the_page_is_not_served_by_default() {
    let app = spawn_app().await;
    for (path, _, _) in FILES {
        assert_eq!(app.get(path).await.0, 404, "{path}");
    }
    assert_eq!(app.get("/examples/public-form").await.0, 404);
}

#[test]
fn the_page_loads_nothing_from_elsewhere_and_writes_no_html() {
    for (_, file, _) in FILES {
        let text = source(file);
        for scheme in ["http://", "https://"] {
            assert!(!text.contains(scheme), "{file} names an external URL");
        }
        // Protocol-relative URLs (//host/…) in attributes or CSS.
        for attribute in ["src=\"//", "href=\"//", "url(//", "url(\"//"] {
            assert!(!text.contains(attribute), "{file}: {attribute}");
        }
    }
    let html = source("index.html");
    assert!(
        !html.contains("<script>") && !html.contains(" style=\""),
        "nothing inline: the CSP would block it"
    );
    // Server data goes in as text (textContent), never parsed as HTML.
    let js = source("app.js");
    for sink in [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
    ] {
        assert!(!js.contains(sink), "app.js uses {sink}");
    }
    // The honeypot: hidden from people, screen readers, the Tab key and autofill.
    let honeypot = html
        .split("<div class=\"hp\"")
        .nth(1)
        .and_then(|rest| rest.split("</div>").next())
        .expect("the honeypot's wrapper");
    assert!(honeypot.starts_with(" aria-hidden=\"true\">"), "{honeypot}");
    for attribute in [
        "name=\"website\"",
        "tabindex=\"-1\"",
        "autocomplete=\"off\"",
    ] {
        assert!(honeypot.contains(attribute), "{attribute} in {honeypot}");
    }
}

/// The page names every operation it sends, so `/metrics` and the access log count them by
/// name.
#[test]
fn the_page_sends_named_operations_only() {
    let app = source("app.js");
    let mut operations = 0;
    for keyword in ["'query", "'mutation"] {
        for (at, _) in app.match_indices(keyword) {
            let rest = &app[at + keyword.len()..];
            let name: String = rest
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            assert!(
                rest.starts_with(' ') && !name.is_empty(),
                "an operation without a name: {}",
                &app[at..at + 60.min(app.len() - at)]
            );
            operations += 1;
        }
    }
    assert_eq!(operations, 5, "list, reply, CAPTCHA, feedback, lookup");
}
