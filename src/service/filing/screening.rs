//! The office's screening (审查) of a submitted filing: accept (registered as a suggestion with the co-signers who confirmed in time), return with comments, or reject on a ground; and the outcomes per session.

use super::*;

/// The office's decision on a submitted filing (审查).
#[derive(Debug, Clone)]
pub enum Decision {
    /// 立案: registered with this number (and the key-suggestion flag the office gives).
    Accept {
        number: String,
        is_key: bool,
        supervising_leader: Option<String>,
    },
    /// 退回修改, with comments for the filer.
    Return { comment: String },
    /// 不予立案, on a ground (with the reason written out; required for OTHER), optionally
    /// handled as a letter (转来信处理).
    Reject {
        ground: NotAcceptedGround,
        reason: Option<String>,
        as_letter: bool,
    },
}

#[derive(Debug, Clone)]
pub struct Screening {
    pub id: i64,
    pub expected_version: Option<i32>,
    pub decision: Decision,
}

/// The office screens a submitted filing; an accepted one becomes a registered,
/// numbered suggestion in the same transaction.
pub async fn screen(
    db: &Db,
    input: Screening,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> ServiceResult<(filing::Model, Option<suggestion::Model>)> {
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let current = filing::Entity::find_by_id(input.id)
        .one(&*txn)
        .await
        .during("loading the filing")?
        .filter(|f| state_of(f.state).visible_to_office())
        .ok_or_else(not_found)?;
    check_version("建议", input.expected_version, current.version)?;
    let step = match &input.decision {
        Decision::Accept { .. } => flow::FilingStep::Accept,
        Decision::Return { .. } => flow::FilingStep::Return,
        Decision::Reject { .. } => flow::FilingStep::Reject,
    };
    let to = flow::next(state_of(current.state), step, &["input", "id"])?;
    let mut changes = filing::ActiveModel {
        state: Set(stored(to)),
        screened_on: Set(Some(today)),
        ..Default::default()
    };
    let mut registered = None;
    match input.decision {
        Decision::Accept {
            number,
            is_key,
            supervising_leader,
        } => {
            let office = (number, is_key, supervising_leader);
            let saved = accept(&txn, &current, office, now, today).await?;
            changes.suggestion_id = Set(Some(saved.id));
            registered = Some(saved);
        }
        Decision::Return { comment } => {
            let comment =
                text::required(&comment, &["input", "comment"], COMMENT_MAX, Lines::Multi)?;
            changes.screening_comment = Set(Some(comment));
        }
        Decision::Reject {
            ground,
            reason,
            as_letter,
        } => {
            changes.screening_comment = Set(rejection_reason(ground, reason.as_deref())?);
            changes.not_accepted_ground = Set(Some(ground));
            changes.as_letter = Set(as_letter);
        }
    }
    let saved = save(&*txn, &current, changes, now).await?;
    txn.audit_created("Filing", saved.id);
    txn.commit().await.during("committing a screening")?;
    Ok((saved, registered))
}

/// 立案: registers the filing as a suggestion with the number and key flag the office
/// gives, the co-signers who confirmed in time, and the filer's delegation.
async fn accept(
    txn: &crate::db::WriteTxn,
    current: &filing::Model,
    (number, is_key, supervising_leader): (String, bool, Option<String>),
    now: DateTime<Utc>,
    today: NaiveDate,
) -> ServiceResult<suggestion::Model> {
    let session = session::Entity::find_by_id(current.session_id)
        .one(&**txn)
        .await
        .during("loading the session")?
        .ok_or_else(|| anyhow::anyhow!("a filing points at a missing session"))?;
    let deadline = co_sign_deadline(&session);
    let co_signer_ids: Vec<i64> = filing_invitation::Entity::find()
        .filter(filing_invitation::Column::FilingId.eq(current.id))
        .all(&**txn)
        .await
        .during("loading the invitations")?
        .iter()
        .filter(|i| co_signs(i, deadline, today))
        .map(|i| i.deputy_id)
        .collect();
    let saved = register_in(
        &**txn,
        NewSuggestion {
            session_id: current.session_id,
            kind: current.kind,
            number,
            title: current.title.clone(),
            content: current.content.clone(),
            period: current.period,
            lead_deputy_id: current.filer_deputy_id,
            co_signer_ids,
            topic: current.topic.clone(),
            is_key,
            supervising_leader,
            confidential: current.confidential,
            submitted_on: current.submitted_on,
        },
        now,
        today,
    )
    .await?;
    if current.delegation.is_none() {
        return Ok(saved);
    }
    suggestion::ActiveModel {
        id: Set(saved.id),
        delegation: Set(current.delegation.clone()),
        ..Default::default()
    }
    .update(&**txn)
    .await
    .during("recording the delegation")
}

/// The written reason of 不予立案, required for OTHER.
fn rejection_reason(
    ground: NotAcceptedGround,
    reason: Option<&str>,
) -> ServiceResult<Option<String>> {
    let reason = text::optional(reason, &["input", "reason"], COMMENT_MAX, Lines::Multi)?;
    if ground == NotAcceptedGround::Other && reason.is_none() {
        return Err(UserError::invalid(
            &["input", "reason"],
            "不予立案理由为“其他”时须写明理由 (write the reason out for OTHER)",
        )
        .into());
    }
    Ok(reason)
}

/// Screening outcomes of a session (审查情况), for the office's statistics: the filings
/// the office has seen, by state, and how many of those not accepted went on as letters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScreeningOutcomes {
    pub awaiting_screening: u64,
    pub returned_for_revision: u64,
    pub accepted: u64,
    pub not_accepted: u64,
    pub handled_as_letters: u64,
    /// Withdrawn by the filer after being submitted.
    pub withdrawn_after_submission: u64,
}

pub async fn outcomes(db: &Db, session_id: i64) -> ServiceResult<ScreeningOutcomes> {
    let rows: Vec<(FilingState, bool, i64)> = filing::Entity::find()
        .select_only()
        .column(filing::Column::State)
        .column(filing::Column::AsLetter)
        .column_as(filing::Column::Id.count(), "n")
        .filter(filing::Column::SessionId.eq(session_id))
        .filter(filing::Column::SubmittedOn.is_not_null())
        .group_by(filing::Column::State)
        .group_by(filing::Column::AsLetter)
        .into_tuple()
        .all(db.conn())
        .await
        .during("counting screening outcomes")?;
    let mut out = ScreeningOutcomes::default();
    for (state, as_letter, n) in rows {
        let n = u64::try_from(n).unwrap_or_default();
        match state {
            FilingState::Submitted => out.awaiting_screening += n,
            FilingState::ReturnedForRevision => out.returned_for_revision += n,
            FilingState::Accepted => out.accepted += n,
            FilingState::NotAccepted => {
                out.not_accepted += n;
                if as_letter {
                    out.handled_as_letters += n;
                }
            }
            FilingState::Withdrawn => out.withdrawn_after_submission += n,
            FilingState::Draft => {}
        }
    }
    Ok(out)
}
