//! `GET /`: a short page for whoever opens the server's address in a browser, saying what
//! it is (with the build) and linking GraphiQL and the health endpoints.

use actix_web::http::header;
use actix_web::HttpResponse;

use crate::build_info;

/// The page; GraphiQL is linked only where it is served.
pub fn page(graphiql: bool) -> HttpResponse {
    let graphiql_link = if graphiql {
        r#"<li><a href="/graphql">GraphiQL</a>: 在浏览器中编写并运行 GraphQL 查询 (write and run GraphQL queries)</li>"#
    } else {
        r#"<li>GraphQL: <code>POST /graphql</code> (GraphiQL is not served here)</li>"#
    };
    let body = format!(
        r#"<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>banli 代表建议办理</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body>
<h1>banli（办理）</h1>
<p>代表建议办理系统的 GraphQL 服务 (the GraphQL backend for handling deputies' suggestions).</p>
<ul>
{graphiql_link}
<li><a href="/healthz">/healthz</a>: 服务运行中 (alive)</li>
<li><a href="/readyz">/readyz</a>: 数据库可用 (ready: the database answers)</li>
</ul>
<p><small>banli {version}</small></p>
</body>
</html>
"#,
        version = build_info::LONG_VERSION,
    );
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}
