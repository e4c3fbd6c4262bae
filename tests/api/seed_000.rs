//! Seed 000 end to end over HTTP: the published reply to suggestion 0255 of
//! 省人大十三届五次会议, exactly the shape of what banli serves.

use serde_json::json;

use crate::helpers::{codes, id_at, spawn_app};

#[actix_web::test]
async fn seed_000_from_registration_to_publication() {
    let app = spawn_app().await;

    // The office creates the session, the deputy and the city's units.
    let session = app.create_session(json!({"name": "省人大十三届五次会议", "level": "PROVINCIAL", "term": 13, "meeting": 5})).await;
    assert_eq!(codes(&session), Vec::<String>::new());
    let session_id = id_at(&session, "session.id");
    let deputy = app
        .create_deputy(
            json!({"name": "夏维奇", "delegation": "淮南代表团", "phone": "13805540001"}),
        )
        .await;
    let deputy_id = id_at(&deputy, "deputy.id");
    let city = app.unit("淮南市人民政府", "HN-GOV").await;
    let organisation = app.unit("中共淮南市委组织部", "HN-ZZB").await;

    // Registration of 0255 with its title.
    let title = "关于加强基层干部赴沪苏浙交流培养 提升乡镇(街道)工作能力和水平的建议";
    let registered = app
        .register(
            json!({"sessionId": session_id, "number": "0255", "title": title,
            "content": "建议加大基层干部赴沪苏浙交流培养力度。", "leadDeputyId": deputy_id,
            "topic": "组织人事", "submittedOn": "2022-01-18"}),
        )
        .await;
    assert_eq!(codes(&registered), Vec::<String>::new(), "{registered:#}");
    assert_eq!(registered["suggestion"]["status"], "REGISTERED");
    let suggestion_id = id_at(&registered, "suggestion.id");

    // Assignment to the city government (LEAD) with the organisation department (CO_HANDLER).
    let assigned = app
        .assign(
            json!({"suggestionId": suggestion_id, "assignedOn": "2022-06-16", "units": [
            {"unitId": city, "role": "LEAD"}, {"unitId": organisation, "role": "CO_HANDLER"}]}),
        )
        .await;
    assert_eq!(codes(&assigned), Vec::<String>::new(), "{assigned:#}");
    assert_eq!(assigned["suggestion"]["status"], "ASSIGNED");
    assert_eq!(
        assigned["assignments"][0]["dueOn"], "2022-09-16",
        "3 calendar months"
    );
    assert_eq!(
        assigned["assignments"][1]["dueOn"], "2022-07-18",
        "1 month for the co-handler ends on Saturday 16 July, so Monday"
    );
    let lead = id_at(&assigned, "assignments.0.id");
    app.sign_for(&lead).await;
    app.opinion(&id_at(&assigned, "assignments.1.id"), "2022-07-10")
        .await;

    // The reply: category A, contact 马友竹 / 0554-6678417, dated 2022-09-16.
    let replied = app
        .submit_reply(json!({"assignmentId": lead, "docNumber": "淮府办函〔2022〕56号", "addressee": "夏维奇代表",
            "category": "A", "body": "您在人大十三届五次会议上提出的第0255号建议收悉，现答复如下：……",
            "signedBy": "淮南市人民政府", "repliedOn": "2022-09-16",
            "contactName": "马友竹", "contactPhone": "0554-6678417"}))
        .await;
    assert_eq!(codes(&replied), Vec::<String>::new(), "{replied:#}");
    assert_eq!(replied["assignment"]["status"], "REPLIED");
    assert_eq!(replied["assignment"]["answeredOn"], "2022-09-16");
    assert_eq!(replied["assignment"]["suggestion"]["status"], "REPLIED");
    let reply_id = id_at(&replied, "reply.id");

    // Publication.
    let published = app
        .publish(json!({"replyId": reply_id, "publication": "FULL"}))
        .await;
    assert_eq!(codes(&published), Vec::<String>::new(), "{published:#}");
    assert_eq!(published["reply"]["publication"], "FULL");
    assert!(published["reply"]["publishedAt"]
        .as_str()
        .unwrap()
        .ends_with("+08:00"));

    // Read it back by number.
    let data = app
        .data(
            "query($s: ID!) { suggestionByNumber(sessionId: $s, number: \"0255\") {
                number title status session { name } leadDeputy { name }
                assignments { role unit { name } }
                replies { category contactName contactPhone repliedOn docNumber publication } } }",
            json!({"s": session_id}),
        )
        .await;
    let s = &data["suggestionByNumber"];
    assert_eq!(s["number"], "0255");
    assert_eq!(s["title"], title);
    assert_eq!(s["session"]["name"], "省人大十三届五次会议");
    assert_eq!(s["leadDeputy"]["name"], "夏维奇");
    assert_eq!(s["assignments"][0]["unit"]["name"], "淮南市人民政府");
    assert_eq!(s["replies"][0]["category"], "A");
    assert_eq!(s["replies"][0]["contactName"], "马友竹");
    assert_eq!(s["replies"][0]["contactPhone"], "0554-6678417");
    assert_eq!(s["replies"][0]["repliedOn"], "2022-09-16");
    assert_eq!(s["replies"][0]["publication"], "FULL");

    // The same object through node(id:).
    let node = app
        .data(
            "query($id: ID!) { node(id: $id) { id ... on Suggestion { number } } }",
            json!({"id": suggestion_id}),
        )
        .await;
    assert_eq!(node["node"]["number"], "0255");
}
