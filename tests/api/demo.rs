//! `banli demo`: loads through the services into a fresh database, once, and shows what
//! each desk has to try out (issue 27: online filing, screening, 督办).

use banli::config::Settings;
use banli::housekeeping;
use chrono::Utc;
use entity::enums::{FilingState, InvitationAnswer, ReportState};
use entity::{filing, filing_invitation, leader_instruction, progress_report, public_feedback};
use sea_orm::{ColumnTrait, EntityTrait, ExprTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use crate::helpers::{spawn_app, FixedClock};

#[actix_web::test]
async fn the_demo_loads_once_with_every_desk_populated() {
    let app = spawn_app().await;
    let said = banli::demo::load(&app.db).await.expect("the demo loads");
    assert!(said.starts_with("demo data loaded"), "{said}");
    let again = banli::demo::load(&app.db).await.expect("a second run");
    assert!(again.contains("nothing changed"), "{again}");

    let conn = app.db.conn();
    // A draft with a pending co-signer invitation.
    let drafts = filing::Entity::find()
        .filter(filing::Column::State.eq(FilingState::Draft))
        .all(conn)
        .await
        .unwrap();
    assert_eq!(drafts.len(), 1);
    let pending = filing_invitation::Entity::find()
        .filter(filing_invitation::Column::FilingId.eq(drafts[0].id))
        .filter(filing_invitation::Column::Answer.eq(InvitationAnswer::Invited))
        .count(conn)
        .await
        .unwrap();
    assert_eq!(pending, 1);
    // A submitted suggestion awaiting screening, on the office's desk.
    let desk = app
        .data(
            "{ filings(filter: {states: [SUBMITTED]}) { nodes { title filer { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        desk["filings"]["nodes"],
        json!([{"title": "关于推进城乡学校共同体建设的建议", "filer": {"name": "王秀英"}}])
    );
    // A supervised key suggestion with an instruction and a filed progress report.
    assert_eq!(
        leader_instruction::Entity::find()
            .count(conn)
            .await
            .unwrap(),
        1
    );
    let filed = progress_report::Entity::find()
        .filter(progress_report::Column::State.eq(ReportState::Filed))
        .count(conn)
        .await
        .unwrap();
    assert_eq!(filed, 1);
    // A reply under review, on the office's desk and not yet the deputy's.
    let in_review = entity::reply::Entity::find()
        .filter(
            entity::reply::Column::ReleaseState.eq(entity::enums::ReleaseState::SubmittedForReview),
        )
        .count(conn)
        .await
        .unwrap();
    assert_eq!(in_review, 1);
    // The demo accounts were told as the cases moved: the lead unit of the key suggestion
    // of its assignment and of the office's 催办, the deputy of the reply and its publication.
    let notices = "{ notifications(first: 20) { nodes { kind title } } }";
    let kinds = |data: serde_json::Value| -> Vec<String> {
        data["notifications"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["kind"].as_str().unwrap().to_owned())
            .collect()
    };
    let unit_a = app.login("demo-unit-a", "banli:unit-a:2026").await;
    let seen = kinds(app.with_token(&unit_a).data(notices, json!({})).await);
    assert!(seen.contains(&"ASSIGNED".to_owned()), "{seen:?}");
    assert!(seen.contains(&"URGED".to_owned()), "{seen:?}");
    let deputy = app.login("demo-deputy", "banli:deputy:2026").await;
    let seen = kinds(app.with_token(&deputy).data(notices, json!({})).await);
    assert!(seen.contains(&"REPLY_RECEIVED".to_owned()), "{seen:?}");
    assert!(seen.contains(&"REPLY_PUBLISHED".to_owned()), "{seen:?}");
}

/// The demo's public feedback is dated in the days before it was loaded, so the first
/// housekeeping pass keeps its names and contacts; the purge still erases them once they
/// are past the retention period.
#[actix_web::test]
async fn the_demo_feedback_keeps_its_names_until_the_retention_period_ends() {
    let app = spawn_app().await;
    banli::demo::load(&app.db).await.expect("the demo loads");
    let retention = Settings::default().feedback_retention_days;
    let named = || async {
        public_feedback::Entity::find()
            .filter(public_feedback::Column::ContactErasedAt.is_null())
            .filter(
                public_feedback::Column::Name
                    .is_not_null()
                    .or(public_feedback::Column::Contact.is_not_null()),
            )
            .count(app.db.conn())
            .await
            .unwrap()
    };
    assert_eq!(
        named().await,
        3,
        "the seed reply's three pieces of feedback"
    );

    let now = FixedClock::new(Utc::now());
    let report = housekeeping::run_once(&app.db, &app.audit, &now, retention)
        .await
        .unwrap();
    assert_eq!(report.contacts_erased, 0, "a pass right after `banli demo`");
    assert_eq!(named().await, 3);

    now.advance(chrono::Duration::days(i64::from(retention) + 1));
    let report = housekeeping::run_once(&app.db, &app.audit, &now, retention)
        .await
        .unwrap();
    assert_eq!(report.contacts_erased, 3, "past the retention period");
    assert_eq!(named().await, 0);
}
