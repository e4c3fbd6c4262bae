//! Taking an archived suggestion through what its row says happened (assigned, signed for, answered, published), inside the import's transaction, and noting the dates given in the past for the audit row.

use super::*;

/// Takes a registered suggestion through what the archive row says happened, inside the
/// import's transaction and through the very services (and checks) of `assignSuggestion`,
/// `signFor`, `submitReply` and `publishReply`: assigned to the lead unit, signed for on
/// the day it was assigned, answered, published.
pub(super) async fn archive_in<C: sea_orm::ConnectionTrait>(
    conn: &C,
    registered: &entity::suggestion::Model,
    archive: &Archive,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> ServiceResult<()> {
    let Some(unit_id) = archive.unit_id else {
        return Ok(());
    };
    let (_, made) = Box::pin(assign_in(
        conn,
        AssignInput {
            suggestion_id: registered.id,
            expected_version: None,
            assigned_on: archive.assigned_on,
            units: vec![UnitAssignment {
                unit_id,
                role: AssignmentRole::Lead,
                due_on: None,
            }],
        },
        now,
        today,
    ))
    .await?;
    let Some(reply) = &archive.reply else {
        return Ok(());
    };
    let Some(assignment) = made.first() else {
        return Err(anyhow::anyhow!("an import's assignment made no row").into());
    };
    let signed = sign_for_in(
        conn,
        assignment.id,
        None,
        crate::domain::time::start_of_day(assignment.assigned_on).min(now),
        now,
    )
    .await?;
    let (saved, _) = Box::pin(submit_in(
        conn,
        NewReply {
            assignment_id: signed.id,
            expected_version: None,
            doc_number: reply.doc_number.clone(),
            addressee: None,
            category: reply.category,
            body: reply.body.clone(),
            summary: None,
            signed_by: reply.signed_by.clone(),
            replied_on: reply.replied_on,
            contact_name: reply.contact_name.clone(),
            contact_phone: reply.contact_phone.clone(),
            copy_to: None,
            archived: true,
        },
        now,
        today,
    ))
    .await?;
    if let Some(at) = archive.published_at {
        publish_in(
            conn,
            PublishInput {
                reply_id: saved.id,
                expected_version: None,
                publication: Publication::Full,
                summary: None,
                redact: Vec::new(),
                with_suggestion_text: false,
                with_letter: false,
                published_at: Some(at),
            },
            now,
        )
        .await?;
    }
    Ok(())
}

impl Backdated {
    pub(super) fn add(&mut self, field: &'static str, value: String) {
        let entry = self.0.entry(field).or_insert((0, value.clone()));
        entry.0 += 1;
        if value < entry.1 {
            entry.1 = value;
        }
    }

    pub(super) fn count(&mut self, parsed: &Parsed, today: NaiveDate, now: DateTime<Utc>) {
        let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
        if let Some(on) = parsed.input.submitted_on.filter(|d| *d < today) {
            self.add("submittedOn", day(on));
        }
        if let Some(on) = parsed.archive.assigned_on.filter(|d| *d < today) {
            self.add("assignedOn", day(on));
        }
        if let Some(on) = parsed
            .archive
            .reply
            .as_ref()
            .and_then(|r| r.replied_on)
            .filter(|d| *d < today)
        {
            self.add("repliedOn", day(on));
        }
        if let Some(at) = parsed.archive.published_at.filter(|at| *at < now) {
            self.add("publishedAt", crate::domain::time::rfc3339_local(at));
        }
    }

    pub(super) fn note(&self, txn: &crate::db::WriteTxn) {
        for (field, (rows, earliest)) in &self.0 {
            txn.audit_backdated(
                field,
                serde_json::json!({"rows": rows, "earliest": earliest}),
            );
        }
    }
}
