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
  <style>
    html, body { height: 100%; margin: 0; }
    body { display: flex; flex-direction: column; font-family: system-ui, sans-serif; }
    #signin { display: flex; flex-wrap: wrap; gap: 0.5em; align-items: center; padding: 0.4em 0.8em;
      border-bottom: 1px solid #ccc; font-size: 14px; }
    #signin input { font-size: 14px; padding: 0.2em 0.4em; }
    #signin-error { color: #b00020; }
    #graphiql { flex: 1; min-height: 0; }
  </style>
</head>
<body>
  <form id="signin" autocomplete="on">
    <strong>banli</strong>
    <span id="signin-state">未登录，以公众身份查询 (not signed in: you query as the public)</span>
    <label id="signin-user-label">用户名 (user) <input id="signin-user" name="username" autocomplete="username" required></label>
    <label id="signin-password-label">密码 (password) <input id="signin-password" name="password" type="password" autocomplete="current-password" required></label>
    <button id="signin-submit" type="submit">登录 (sign in)</button>
    <button id="signout" type="button" hidden>退出 (sign out)</button>
    <span id="signin-error" role="alert"></span>
  </form>
  <div id="graphiql">正在加载 GraphiQL…</div>
  <script src="/graphiql/react.production.min.js"></script>
  <script src="/graphiql/react-dom.production.min.js"></script>
  <script src="/graphiql/graphiql.min.js"></script>
  <script src="/graphiql/start.js"></script>
</body>
</html>
"#;

/// The document GraphiQL opens with: a public read, so it runs before anyone signs in.
pub const DEFAULT_QUERY: &str = "# banli 办理 — 代表建议办理 GraphQL API
# 按 Ctrl-Enter 运行；未登录时以公众身份查询。Press Ctrl-Enter to run (as the public
# until you sign in above; then the staff's queries and the full docs are yours).
query PublishedReplies {
  publishedReplies(first: 5) {
    totalCount
    nodes { title suggestionNumber unit { name } categoryLabel contactName contactPhone publishedAt }
  }
}
";

/// The script that starts GraphiQL and runs the sign-in form: a token from `login` is kept
/// for the browser tab (sessionStorage), sent as `Authorization`, and GraphiQL is started
/// again with it, so it fetches the schema as the signed-in user (in production the docs
/// appear only then).
const START: &str = r#"(function () {
  var url = window.location.origin + '/graphql';
  var KEY = 'banli-graphiql-token';
  var token = window.sessionStorage.getItem(KEY);
  var who = window.sessionStorage.getItem(KEY + '-user');
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  function $(id) { return document.getElementById(id); }
  function render() {
    var headers = token ? { Authorization: 'Bearer ' + token } : {};
    root.render(React.createElement(GraphiQL, {
      key: token || 'public',
      fetcher: GraphiQL.createFetcher({ url: url, headers: headers }),
      defaultQuery: DEFAULT_QUERY,
      defaultEditorToolsVisibility: true
    }));
    $('signin-state').textContent = token
      ? '已登录 (signed in): ' + who
      : '未登录，以公众身份查询 (not signed in: you query as the public)';
    $('signin-user-label').hidden = Boolean(token);
    $('signin-password-label').hidden = Boolean(token);
    $('signin-submit').hidden = Boolean(token);
    $('signout').hidden = !token;
  }
  async function call(query, variables, bearer) {
    var headers = { 'content-type': 'application/json' };
    if (bearer) headers.Authorization = 'Bearer ' + bearer;
    var response = await fetch(url, {
      method: 'POST', headers: headers,
      body: JSON.stringify({ query: query, variables: variables })
    });
    return response.json();
  }
  $('signin').addEventListener('submit', async function (event) {
    event.preventDefault();
    $('signin-error').textContent = '';
    var input = { username: $('signin-user').value, password: $('signin-password').value };
    try {
      var answer = await call(
        'mutation SignIn($input: LoginInput!) { login(input: $input) { token user { username role } userErrors { message } } }',
        { input: input });
      var login = answer.data && answer.data.login;
      if (login && login.token) {
        token = login.token;
        who = login.user.username + ' (' + login.user.role + ')';
        window.sessionStorage.setItem(KEY, token);
        window.sessionStorage.setItem(KEY + '-user', who);
        $('signin-password').value = '';
        render();
      } else {
        var errors = (login && login.userErrors) || answer.errors || [];
        $('signin-error').textContent = errors.length ? errors[0].message : '登录失败 (sign-in failed)';
      }
    } catch (e) {
      $('signin-error').textContent = '网络连接失败 (network error)';
    }
  });
  $('signout').addEventListener('click', async function () {
    try { await call('mutation SignOut { logout { userErrors { message } } }', {}, token); } catch (e) { }
    token = null;
    window.sessionStorage.removeItem(KEY);
    window.sessionStorage.removeItem(KEY + '-user');
    render();
  });
  render();
})();
"#;

/// `start.js`, with the default document in it.
fn start_js() -> String {
    let query = serde_json::to_string(DEFAULT_QUERY).unwrap_or_else(|_| "''".to_owned());
    START.replacen(
        "(function () {",
        &format!("(function () {{\n  var DEFAULT_QUERY = {query};"),
        1,
    )
}

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
        "start.js" => {
            return HttpResponse::Ok()
                .content_type("text/javascript; charset=utf-8")
                .insert_header(CacheControl(vec![CacheDirective::NoCache]))
                .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                .body(start_js())
        }
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
