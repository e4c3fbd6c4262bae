//! No request's size turns into work that grows without bound (issue 26, item 1): every
//! list an argument or input type takes has a documented maximum, refused before anything
//! runs; filter lists mean the same however often a value repeats; a payload's userErrors
//! do not grow with the input. Found by an attack run: 20,000 `deadlineStatus` entries
//! overflowed a worker's stack and aborted the whole process.

use std::collections::{HashMap, HashSet};

use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

const INTROSPECTION: &str = include_str!("graphiql_introspection.graphql");

/// The length of the attack that took the server down.
const ATTACK: usize = 20_000;

/// A list somewhere in a root field's arguments: the root field, the path of names from
/// the argument to the list, and the list's documented maximum.
#[derive(Debug)]
struct ListInput {
    operation: &'static str,
    field: String,
    path: Vec<String>,
    max: Option<usize>,
}

struct Schema {
    types: HashMap<String, Value>,
}

/// The named type under NON_NULL and LIST wrappers, and whether a LIST is among them.
fn unwrap(mut ty: &Value) -> (&str, bool) {
    let mut list = false;
    while ty["name"].is_null() {
        list |= ty["kind"] == "LIST";
        ty = &ty["ofType"];
    }
    (ty["name"].as_str().unwrap(), list)
}

/// "… (at most 20 values)" → 20.
fn documented_max(description: &Value) -> Option<usize> {
    let text = description.as_str()?.to_lowercase();
    let at = text.find("at most ")?;
    text[at + "at most ".len()..]
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

impl Schema {
    async fn load(app: &TestApp) -> Self {
        let data = app.data(INTROSPECTION, json!({})).await;
        let types = data["__schema"]["types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["name"].as_str().unwrap().to_owned(), t.clone()))
            .collect();
        Self { types }
    }

    /// Every list reachable from the root fields' arguments, through input objects.
    fn lists(&self) -> Vec<ListInput> {
        let mut out = Vec::new();
        for (operation, root) in [("query", "QueryRoot"), ("mutation", "MutationRoot")] {
            for field in self.types[root]["fields"].as_array().unwrap() {
                let name = field["name"].as_str().unwrap();
                for arg in field["args"].as_array().unwrap() {
                    let path = vec![arg["name"].as_str().unwrap().to_owned()];
                    self.walk(operation, name, arg, path, &mut HashSet::new(), &mut out);
                }
            }
        }
        out
    }

    fn walk(
        &self,
        operation: &'static str,
        field: &str,
        input: &Value,
        path: Vec<String>,
        seen: &mut HashSet<String>,
        out: &mut Vec<ListInput>,
    ) {
        let (name, list) = unwrap(&input["type"]);
        if list {
            out.push(ListInput {
                operation,
                field: field.to_owned(),
                path: path.clone(),
                max: documented_max(&input["description"]),
            });
        }
        let ty = &self.types[name];
        if ty["kind"] == "INPUT_OBJECT" && seen.insert(name.to_owned()) {
            for inner in ty["inputFields"].as_array().unwrap() {
                let mut path = path.clone();
                path.push(inner["name"].as_str().unwrap().to_owned());
                self.walk(operation, field, inner, path, seen, out);
            }
            seen.remove(name);
        }
    }

    /// A GraphQL literal of type `ty` with only what is required, except that the value at
    /// `path` (relative to this value) is a list of `len` items.
    fn literal(&self, ty: &Value, path: &[String], len: usize) -> String {
        let (name, list) = unwrap(ty);
        if list && path.is_empty() {
            let item = self.minimal(name);
            return format!("[{}]", vec![item; len].join(","));
        }
        let t = &self.types[name];
        if t["kind"] != "INPUT_OBJECT" {
            return self.minimal(name);
        }
        let mut fields = Vec::new();
        for inner in t["inputFields"].as_array().unwrap() {
            let inner_name = inner["name"].as_str().unwrap();
            let on_path = path.first().is_some_and(|p| p == inner_name);
            let required = inner["type"]["kind"] == "NON_NULL" && inner["defaultValue"].is_null();
            if on_path {
                let value = self.literal(&inner["type"], &path[1..], len);
                fields.push(format!("{inner_name}: {value}"));
            } else if required {
                let (inner_type, inner_list) = unwrap(&inner["type"]);
                let value = if inner_list {
                    "[]".to_owned()
                } else {
                    self.minimal(inner_type)
                };
                fields.push(format!("{inner_name}: {value}"));
            }
        }
        format!("{{{}}}", fields.join(", "))
    }

    /// The least value of a named type that parses.
    fn minimal(&self, name: &str) -> String {
        let t = &self.types[name];
        match (t["kind"].as_str().unwrap(), name) {
            ("ENUM", _) => t["enumValues"][0]["name"].as_str().unwrap().to_owned(),
            ("INPUT_OBJECT", _) => {
                self.literal(&json!({"kind": "INPUT_OBJECT", "name": name}), &[], 0)
            }
            (_, "Int") => "1".to_owned(),
            (_, "Float") => "1.0".to_owned(),
            (_, "Boolean") => "false".to_owned(),
            (_, "Date") => "\"2024-01-02\"".to_owned(),
            (_, "DateTime") => "\"2024-01-02T00:00:00Z\"".to_owned(),
            (_, "JSON") => "{}".to_owned(),
            _ => "\"x\"".to_owned(),
        }
    }

    /// The document calling `list.field` with the list `len` items long.
    fn document(&self, list: &ListInput, len: usize) -> String {
        let root = if list.operation == "query" {
            "QueryRoot"
        } else {
            "MutationRoot"
        };
        let field = self.types[root]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == list.field.as_str())
            .unwrap();
        let mut args = Vec::new();
        for arg in field["args"].as_array().unwrap() {
            let name = arg["name"].as_str().unwrap();
            let required = arg["type"]["kind"] == "NON_NULL" && arg["defaultValue"].is_null();
            if name == list.path[0] {
                args.push(format!(
                    "{name}: {}",
                    self.literal(&arg["type"], &list.path[1..], len)
                ));
            } else if required {
                args.push(format!("{name}: {}", self.literal(&arg["type"], &[], 0)));
            }
        }
        let (returns, _) = unwrap(&field["type"]);
        let selection = match self.types[returns]["kind"].as_str().unwrap() {
            "OBJECT" | "INTERFACE" | "UNION" => " { __typename }",
            _ => "",
        };
        format!(
            "{} {{ {}({}){selection} }}",
            list.operation,
            list.field,
            args.join(", ")
        )
    }
}

fn first_error(response: &Value) -> &Value {
    &response["errors"][0]
}

#[actix_web::test]
async fn every_list_argument_has_a_documented_limit_and_refuses_one_item_more() {
    let app = spawn_app().await;
    let schema = Schema::load(&app).await;
    let lists = schema.lists();
    assert!(
        lists.len() >= 12,
        "the schema's list inputs were found: {lists:#?}"
    );
    let undocumented: Vec<_> = lists.iter().filter(|l| l.max.is_none()).collect();
    assert!(
        undocumented.is_empty(),
        "every list input says its maximum (\"at most N\"): {undocumented:#?}"
    );

    for list in &lists {
        let max = list.max.unwrap();
        let label = format!("{}.{}", list.field, list.path.join("."));
        for len in [max + 1, ATTACK] {
            let document = schema.document(list, len);
            let (status, response) = app.post_graphql(&document, json!({})).await;
            assert_eq!(status, 200, "{label} × {len}: {response}");
            let error = first_error(&response);
            assert_eq!(
                error["extensions"]["code"], "BAD_USER_INPUT",
                "{label} × {len}: {response}"
            );
            assert_eq!(
                error["extensions"]["limit"], max,
                "{label} × {len}: {error}"
            );
            assert_eq!(
                error["extensions"]["field"],
                list.path.last().unwrap().as_str(),
                "{label} × {len}: {error}"
            );
            let message = error["message"].as_str().unwrap();
            assert!(
                message.contains(&format!("最多 {max} 项")),
                "{label}: {message}"
            );
            // Refused before any work: the mutation changed nothing, the query read nothing.
            assert!(
                response["data"].is_null() || response["data"][list.field.as_str()].is_null(),
                "{label} × {len}: {response}"
            );
        }
        // At the limit, the list itself is not what is refused.
        let (_, response) = app
            .post_graphql(&schema.document(list, max), json!({}))
            .await;
        let refused_for_length = response["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|e| e["extensions"]["limit"].is_number());
        assert!(!refused_for_length, "{label} × {max}: {response}");
    }

    // The server is alive and answers. (A list at its limit may be valid input: a session
    // created with `reminderDays` of ten entries is one.)
    let data = app.data("{ sessions { totalCount } }", json!({})).await;
    assert!(data["sessions"]["totalCount"].is_number(), "{data}");
}

#[actix_web::test]
async fn a_signed_in_unit_user_cannot_take_the_server_down_with_a_long_filter() {
    let app = spawn_app().await;
    let unit = app.unit("市委组织部", "ZZB").await;
    let staff = app.user("zzb-staff", "UNIT_STAFF", Some(&unit), None).await;
    let query =
        "query($s: [DeadlineStatus!]) { assignments(filter: {deadlineStatus: $s}) { totalCount } }";

    // The attack, as variables and as a literal: refused, coded, nothing run.
    let statuses = vec!["OVERDUE"; ATTACK];
    let (status, response) = staff.post_graphql(query, json!({"s": statuses})).await;
    assert_eq!(status, 200);
    assert_eq!(
        first_error(&response)["extensions"]["code"],
        "BAD_USER_INPUT",
        "{response}"
    );
    let literal = format!(
        "{{ assignments(filter: {{deadlineStatus: [{}]}}) {{ totalCount }} }}",
        vec!["DUE_SOON"; ATTACK].join(",")
    );
    let (status, response) = staff.post_graphql(&literal, json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(
        first_error(&response)["extensions"]["code"],
        "BAD_USER_INPUT",
        "{response}"
    );

    // A value nested deeper than any type: the parser and the JSON reader refuse it
    // without recursing once per level.
    let depth = 100_000;
    let nested = format!(
        "{{ assignments(filter: {{deadlineStatus: {}OVERDUE{}}}) {{ totalCount }} }}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let (status, response) = staff.post_graphql(&nested, json!({})).await;
    assert_eq!(status, 200);
    assert!(
        first_error(&response)["extensions"]["code"].is_string(),
        "{response}"
    );
    let body = format!(
        r#"{{"query": "query($s: [DeadlineStatus!]) {{ assignments(filter: {{deadlineStatus: $s}}) {{ totalCount }} }}", "variables": {{"s": {}1{}}}}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let (status, text) = staff.post_raw("/graphql", "application/json", body).await;
    assert_eq!(status, 400, "{text}");

    // Within the limit, repeats mean the status once.
    let all = [
        "NOT_DUE",
        "DUE_SOON",
        "OVERDUE",
        "ANSWERED_ON_TIME",
        "ANSWERED_LATE",
    ];
    let repeated: Vec<&str> = all.iter().cycle().take(20).copied().collect();
    let data = staff.data(query, json!({"s": repeated})).await;
    assert_eq!(data["assignments"]["totalCount"], 0);

    // Still up, for everyone.
    let data = app.data("{ sessions { totalCount } }", json!({})).await;
    assert_eq!(data["sessions"]["totalCount"], 0);
}

#[actix_web::test]
async fn one_co_signer_repeated_is_one_error_not_thousands() {
    let app = spawn_app().await;
    let session = app.session("省人大十三届五次会议").await;
    let lead = app.deputy("夏维奇").await;
    let other = app.deputy("李明").await;
    let missing = crate::helpers::missing(banli::graphql::ids::Kind::Deputy);
    // 200 is the limit: 100 × the same co-signer, 99 × an unknown one, and the lead: each
    // mistake once (a repeat at its second place, an unknown deputy at its first).
    let mut co_signers = vec![other.clone(); 100];
    co_signers.extend(vec![missing; 99]);
    co_signers.push(lead.clone());
    let data = app
        .register(json!({
            "sessionId": session, "number": "0001", "title": "关于联名代表的建议",
            "content": "正文", "leadDeputyId": lead, "coSignerIds": co_signers,
        }))
        .await;
    let errors = data["userErrors"].as_array().unwrap();
    let mut codes: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| (e["code"].as_str().unwrap(), e["field"][2].as_str().unwrap()))
        .collect();
    codes.sort_unstable();
    assert_eq!(
        codes,
        [
            ("DUPLICATE", "1"),
            ("DUPLICATE", "101"),
            ("INVALID", "199"),
            ("NOT_FOUND", "100")
        ],
        "{data}"
    );
}
