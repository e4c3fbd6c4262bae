//! Sessions, deputies and handling units: creation and its user errors.

use serde_json::{json, Value};

use banli::graphql::ids::Kind;

use crate::helpers::{codes, fields, id_at, missing, spawn_app};

#[actix_web::test]
async fn create_session_with_defaults_and_custom_rules() {
    let app = spawn_app().await;
    let p = app
        .create_session(
            json!({"name": "全国人大十四届二次会议", "level": "NATIONAL", "term": 14, "meeting": 2,
            "opensOn": "2024-03-05", "closesOn": "2024-03-11", "categoryScheme": "FOUR_CLASS",
            "deadlineRules": {"replyMonths": 2}}),
        )
        .await;
    assert_eq!(codes(&p), Vec::<String>::new());
    let s = &p["session"];
    assert_eq!(s["level"], "NATIONAL");
    assert_eq!(s["opensOn"], "2024-03-05");
    assert_eq!(s["categoryScheme"].as_array().unwrap().len(), 4);
    assert_eq!(s["deadlineRules"]["replyMonths"], 2);
    assert_eq!(s["deadlineRules"]["hardCapMonths"], 6);
    assert_eq!(s["deadlineRules"]["dueSoonDays"], 15);

    let listed = app
        .data(
            "{ sessions(first: 10) { totalCount edges { node { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["sessions"]["totalCount"], 1);
}

#[actix_web::test]
async fn create_session_user_errors() {
    let app = spawn_app().await;
    app.session("省人大十三届五次会议").await;
    let dup = app
        .create_session(json!({"name": " 省人大十三届五次会议 ", "level": "PROVINCIAL", "term": 13, "meeting": 5}))
        .await;
    assert_eq!(codes(&dup), ["DUPLICATE"]);
    assert_eq!(fields(&dup), ["input.name"]);
    assert!(dup["session"].is_null());

    let bad = app
        .create_session(
            json!({"name": "  ", "level": "CITY", "term": 0, "meeting": 1,
            "opensOn": "2024-03-05", "closesOn": "2024-03-01",
            "deadlineRules": {"replyMonths": 7, "hardCapMonths": 6}}),
        )
        .await;
    assert_eq!(codes(&bad), ["INVALID", "INVALID", "INVALID", "INVALID"]);
    assert_eq!(
        fields(&bad),
        [
            "input.name",
            "input.term",
            "input.closesOn",
            "input.deadlineRules.hardCapMonths"
        ]
    );
    assert!(bad["userErrors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("不能为空"));
}

#[actix_web::test]
async fn create_deputy_normalises_phone_and_refuses_bad_input() {
    let app = spawn_app().await;
    let p = app
        .create_deputy(json!({"name": "夏维奇", "delegation": "淮南代表团", "phone": "+86 138 0554 0001", "address": "淮南市"}))
        .await;
    assert_eq!(codes(&p), Vec::<String>::new());
    assert_eq!(p["deputy"]["phone"], "13805540001");

    let bad = app
        .create_deputy(json!({"name": "", "phone": "12345"}))
        .await;
    assert_eq!(codes(&bad), ["INVALID", "INVALID"]);
    assert_eq!(fields(&bad), ["input.name", "input.phone"]);
}

#[actix_web::test]
async fn create_unit_with_parent_and_its_user_errors() {
    let app = spawn_app().await;
    let parent = app.unit("淮南市人民政府", "HN-GOV").await;
    let child = app
        .create_unit(json!({"name": "淮南市人民政府办公室", "code": "HN-GOV-BGS", "parentId": parent, "officePhone": "(0554)6678417"}))
        .await;
    assert_eq!(codes(&child), Vec::<String>::new());
    assert_eq!(child["handlingUnit"]["parent"]["name"], "淮南市人民政府");
    assert_eq!(child["handlingUnit"]["officePhone"], "0554-6678417");

    let dup_code = app
        .create_unit(json!({"name": "另一个单位", "code": "HN-GOV"}))
        .await;
    assert_eq!(codes(&dup_code), ["DUPLICATE"]);
    assert_eq!(fields(&dup_code), ["input.code"]);
    let dup_name = app
        .create_unit(json!({"name": "淮南市人民政府", "code": "OTHER"}))
        .await;
    assert_eq!(codes(&dup_name), ["DUPLICATE"]);
    assert_eq!(fields(&dup_name), ["input.name"]);

    let missing_parent = app
        .create_unit(json!({"name": "某局", "code": "X1", "parentId": missing(Kind::HandlingUnit)}))
        .await;
    assert_eq!(codes(&missing_parent), ["NOT_FOUND"]);

    let bad = app
        .create_unit(json!({"name": "某局", "code": "有 空格", "officePhone": "6678417"}))
        .await;
    assert_eq!(codes(&bad), ["INVALID", "INVALID"]);
    assert_eq!(fields(&bad), ["input.code", "input.officePhone"]);

    let list = app
        .data(
            "{ handlingUnits(keyword: \"办公室\") { totalCount edges { node { code } } } }",
            json!({}),
        )
        .await;
    assert_eq!(list["handlingUnits"]["totalCount"], 1);
    assert_eq!(
        list["handlingUnits"]["edges"][0]["node"]["code"],
        "HN-GOV-BGS"
    );
}

#[actix_web::test]
async fn deputies_list_filters_by_keyword_with_wildcards_escaped() {
    let app = spawn_app().await;
    app.deputy("夏维奇").await;
    app.create_deputy(json!({"name": "李明华", "delegation": "合肥代表团"}))
        .await;
    let by_name = app
        .data("{ deputies(keyword: \"维\") { totalCount } }", json!({}))
        .await;
    assert_eq!(by_name["deputies"]["totalCount"], 1);
    let by_delegation = app
        .data(
            "{ deputies(keyword: \"代表团\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(by_delegation["deputies"]["totalCount"], 2);
    let wildcard = app
        .data("{ deputies(keyword: \"%\") { totalCount } }", json!({}))
        .await;
    assert_eq!(
        wildcard["deputies"]["totalCount"], 0,
        "% is a literal, not a wildcard"
    );
}

/// `nodes(ids:)` fetches up to 100 objects in the order asked, null where the caller may
/// not see one; accounts are nodes to their owner and the administrators, feedback to the
/// office and the unit whose reply it is about.
#[actix_web::test]
async fn nodes_fetches_many_by_id_within_the_callers_scope() {
    let app = spawn_app().await;
    let (reply_a, unit_a) = app.published_reply("0901").await;
    let (reply_b, _) = app.published_reply("0902").await;
    for reply in [&reply_a, &reply_b] {
        let p = app
            .submit_feedback(reply, json!({"contact": "13800000009"}))
            .await;
        assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    }
    let feedback = app
        .data(
            "{ publicFeedback { nodes { id reply { id } } } }",
            json!({}),
        )
        .await["publicFeedback"]["nodes"]
        .clone();
    let on = |reply: &str| -> String {
        feedback
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["reply"]["id"] == reply)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (feedback_a, feedback_b) = (on(&reply_a), on(&reply_b));
    let clerk = app
        .user("nodes-unit-a", "UNIT_STAFF", Some(&unit_a), None)
        .await;
    let me = id_at(&clerk.data("{ me { id } }", json!({})).await, "me.id");
    let admin = id_at(&app.data("{ me { id } }", json!({})).await, "me.id");

    let query = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }";
    let ids = json!([reply_a, feedback_a, feedback_b, me, admin, "not-an-id"]);
    let typenames = |data: Value| -> Vec<Value> {
        data["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["__typename"].clone())
            .collect()
    };
    assert_eq!(
        typenames(app.data(query, json!({"ids": ids})).await),
        [
            json!("Reply"),
            json!("PublicFeedback"),
            json!("PublicFeedback"),
            json!("User"),
            json!("User"),
            Value::Null
        ],
        "the administrator sees every one"
    );
    assert_eq!(
        typenames(clerk.data(query, json!({"ids": ids})).await),
        [
            json!("Reply"),
            json!("PublicFeedback"),
            Value::Null,
            json!("User"),
            Value::Null,
            Value::Null
        ],
        "unit A's clerk: its own reply and feedback, and itself"
    );

    let many: Vec<String> = (0..101).map(|_| reply_a.clone()).collect();
    let refused = app.graphql(query, json!({"ids": many})).await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{refused}"
    );
    assert_eq!(
        refused["errors"][0]["extensions"]["limit"], 100,
        "{refused}"
    );
}
