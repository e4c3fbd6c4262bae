//! The example public page (`examples/public-form/`): published replies, the feedback form
//! and the lookup of a feedback by its code, in plain HTML, CSS and JavaScript, as a
//! reference for the teams that build the real public sites. Served at
//! `/examples/public-form/` when `serve_examples` is on, and not at all otherwise (404).
//!
//! The three files are embedded at compile time, so a deployed binary needs nothing beside
//! it; after editing them, rebuild.

use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::{web, HttpResponse};

/// Where the page is served; the trailing slash matters, as the page loads `app.js` and
/// `style.css` by relative URLs.
pub const PATH: &str = "/examples/public-form/";

/// What the page may load: its own scripts and styles, API calls to banli itself, images
/// and sound only as `data:` URLs (the CAPTCHA and its spoken form); nothing inline,
/// nothing from elsewhere, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; connect-src 'self'; img-src data:; media-src data:; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";

/// The embedded files: name under [`PATH`], content type, content.
const FILES: [(&str, &str, &str); 3] = [
    (
        "",
        "text/html; charset=utf-8",
        include_str!("../../examples/public-form/index.html"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../examples/public-form/app.js"),
    ),
    (
        "style.css",
        "text/css; charset=utf-8",
        include_str!("../../examples/public-form/style.css"),
    ),
];

/// Registers the page's routes when `enabled`; without them every path here is a 404.
pub fn configure(cfg: &mut web::ServiceConfig, enabled: bool) {
    if !enabled {
        return;
    }
    let without_slash = PATH.trim_end_matches('/');
    cfg.route(without_slash, web::get().to(redirect))
        .route(&format!("{PATH}{{file}}"), web::get().to(file))
        .route(PATH, web::get().to(index));
}

async fn redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, PATH))
        .finish()
}

async fn index() -> HttpResponse {
    serve("")
}

async fn file(name: web::Path<String>) -> HttpResponse {
    match name.as_str() {
        "index.html" => serve(""),
        other => serve(other),
    }
}

fn serve(name: &str) -> HttpResponse {
    let Some((_, content_type, body)) = FILES.iter().find(|(file, _, _)| *file == name) else {
        return HttpResponse::NotFound().finish();
    };
    HttpResponse::Ok()
        .content_type(*content_type)
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        // Small, and changed only with the binary: browsers check for a newer one.
        .insert_header(CacheControl(vec![CacheDirective::NoCache]))
        .body(*body)
}
