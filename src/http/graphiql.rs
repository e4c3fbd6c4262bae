//! The GraphiQL page and its assets, embedded in the binary at build time (see build.rs):
//! nothing is loaded from a CDN, so it works on an intranet with no internet.

use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::{web, HttpResponse};

/// The embedded files.
pub struct Assets {
    pub graphiql_js: &'static [u8],
    pub graphiql_css: &'static [u8],
    pub react_js: &'static [u8],
    pub react_dom_js: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/graphiql_assets.rs"));

const PAGE: &str = r#"<!doctype html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <title>banli GraphiQL</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="/graphiql/graphiql.min.css">
  <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
  <div id="graphiql">正在加载 GraphiQL…</div>
  <script src="/graphiql/react.production.min.js"></script>
  <script src="/graphiql/react-dom.production.min.js"></script>
  <script src="/graphiql/graphiql.min.js"></script>
  <script src="/graphiql/start.js"></script>
</body>
</html>
"#;

const START: &str = r#"(function () {
  var fetcher = GraphiQL.createFetcher({ url: window.location.origin + '/graphql' });
  var defaultQuery = [
    '# banli 办理 — 代表建议办理 GraphQL API',
    '# 按 Ctrl-Enter 运行。Press Ctrl-Enter to run.',
    '{',
    '  deadlineSummary { asOf overall { overdue dueSoon notDue answeredOnTime answeredLate } }',
    '  suggestions(first: 5, orderBy: NUMBER_ASC) {',
    '    totalCount',
    '    edges { node { number title status deadlineStatus leadDeputy { name }',
    '      assignments { role dueOn unit { name } } replies { category contactName contactPhone } } }',
    '  }',
    '}',
    ''
  ].join('\n');
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultQuery: defaultQuery,
    defaultEditorToolsVisibility: true
  }));
})();
"#;

const UNAVAILABLE: &str = r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>banli</title></head>
<body><h1>GraphiQL 不可用 (GraphiQL is unavailable)</h1>
<p>This build of banli was made without npm, so GraphiQL was not embedded: REASON.</p>
<p>The API itself works: send POST requests with a JSON body to <code>/graphql</code>.</p>
</body></html>
"#;

/// `GET /graphql`: the GraphiQL page, or a page saying why it is unavailable.
pub async fn page() -> HttpResponse {
    match AVAILABLE {
        Some(_) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(PAGE),
        None => HttpResponse::ServiceUnavailable()
            .content_type("text/html; charset=utf-8")
            .body(UNAVAILABLE.replace("REASON", UNAVAILABLE_REASON)),
    }
}

/// `GET /graphiql/{file}`: one embedded asset, cached by browsers for a day.
pub async fn asset(file: web::Path<String>) -> HttpResponse {
    let Some(assets) = AVAILABLE else {
        return HttpResponse::NotFound().finish();
    };
    let (body, content_type): (&'static [u8], &str) = match file.as_str() {
        "graphiql.min.js" => (assets.graphiql_js, "text/javascript; charset=utf-8"),
        "graphiql.min.css" => (assets.graphiql_css, "text/css; charset=utf-8"),
        "react.production.min.js" => (assets.react_js, "text/javascript; charset=utf-8"),
        "react-dom.production.min.js" => (assets.react_dom_js, "text/javascript; charset=utf-8"),
        "start.js" => (START.as_bytes(), "text/javascript; charset=utf-8"),
        _ => return HttpResponse::NotFound().finish(),
    };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(CacheControl(vec![
            CacheDirective::Public,
            CacheDirective::MaxAge(86_400),
        ]))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body)
}

/// True when this build embeds GraphiQL.
pub fn available() -> bool {
    AVAILABLE.is_some()
}
