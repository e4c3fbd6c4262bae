//! The deputy's rating (满意度测评) and the re-handling an UNSATISFIED rating opens.

use super::*;
use crate::domain::deadline::DeadlineRules;

#[derive(Debug, Clone)]
pub struct RatingInput {
    pub reply_id: i64,
    /// The rating deputy; default the lead deputy.
    pub deputy_id: Option<i64>,
    pub satisfaction: Satisfaction,
    pub work_satisfaction: Option<Satisfaction>,
    pub result_satisfaction: Option<Satisfaction>,
    pub comment: Option<String>,
    pub rated_on: Option<NaiveDate>,
}

/// A row made by a workflow step, with its assignment as they are now (what a retried
/// step answers).
pub async fn with_its_assignment<E>(
    db: &Db,
    id: i64,
    assignment_of: impl FnOnce(&E::Model) -> i64,
) -> ServiceResult<(E::Model, assignment::Model)>
where
    E: EntityTrait,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<i64>,
{
    let row = E::find_by_id(id)
        .one(db.conn())
        .await
        .during("loading the row of a workflow step")?
        .ok_or_else(|| anyhow::anyhow!("row {id} of a workflow step is gone"))?;
    let assignment_id = assignment_of(&row);
    let assignment = assignment::Entity::find_by_id(assignment_id)
        .one(db.conn())
        .await
        .during("loading the assignment")?
        .ok_or_else(|| anyhow::anyhow!("assignment {assignment_id} is gone"))?;
    Ok((row, assignment))
}

/// A rating with its reply's assignment as they are now (what a retried `rateReply`
/// answers).
pub async fn rating_with_assignment(
    db: &Db,
    rating_id: i64,
) -> ServiceResult<(rating::Model, assignment::Model)> {
    let rating = rating::Entity::find_by_id(rating_id)
        .one(db.conn())
        .await
        .during("loading a rating")?
        .ok_or_else(|| anyhow::anyhow!("rating {rating_id} is gone"))?;
    let (_, assignment) =
        with_its_assignment::<reply::Entity>(db, rating.reply_id, |r| r.assignment_id).await?;
    Ok((rating, assignment))
}

/// Where user errors about the rated reply point.
const REPLY: [&str; 2] = ["input", "replyId"];

/// 满意度测评. The lead deputy's UNSATISFIED opens a re-handling round for the same unit
/// with its own due date; co-signers' ratings are recorded alongside, without moving the
/// workflow.
pub async fn rate_reply(
    db: &Db,
    input: RatingInput,
    now: DateTime<Utc>,
) -> ServiceResult<(rating::Model, assignment::Model)> {
    let today = local_date(now);
    let mut errors = Errors::new();
    let comment = errors.check(text::optional(
        input.comment.as_deref(),
        &["input", "comment"],
        COMMENT_MAX,
        Lines::Multi,
    ));
    let rated_on = input.rated_on.unwrap_or(today);
    errors.check(not_future(rated_on, today, &["input", "ratedOn"]));
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let current = reply::Entity::find_by_id(input.reply_id)
        .one(&*txn)
        .await
        .during("loading the reply")?
        .ok_or_else(|| UserError::missing(&REPLY, "答复", "reply"))?;
    let mut step = Step::on(txn, current.assignment_id, None, &REPLY, now).await?;
    let deputy_id = input
        .deputy_id
        .unwrap_or(step.case.suggestion.lead_deputy_id);
    let by_lead = check_rater(&step, &current, deputy_id).await?;
    let unsatisfied = input.satisfaction == Satisfaction::Unsatisfied;
    if by_lead {
        step.transition(Transition::Rate { unsatisfied })?;
    }
    // The rating window opens when the deputy got the reply: the day it was sent (its
    // own date, without review before release).
    if rated_on < current.sent_on.unwrap_or(current.replied_on) {
        errors.push(UserError::invalid(
            &["input", "ratedOn"],
            "测评日期不能早于答复送达日期 (must not precede the day the reply was sent)",
        ));
    }
    errors.finish()?;
    check_first_rating(step.conn(), current.id, deputy_id).await?;
    let saved_rating = rating::ActiveModel {
        reply_id: Set(current.id),
        assignment_id: Set(step.case.assignment.id),
        round: Set(current.round),
        deputy_id: Set(deputy_id),
        by_lead_deputy: Set(by_lead),
        comment: Set(comment.flatten()),
        rated_on: Set(rated_on),
        created_at: Set(now),
        ..scores(&input)
    }
    .insert(step.conn())
    .await
    .during("inserting a rating")?;
    step.event(
        EventKind::Rated,
        ActorRole::Deputy,
        json!({"replyId": current.id, "round": current.round, "satisfaction": input.satisfaction, "byLeadDeputy": by_lead}),
    )
    .await?;
    let saved = if by_lead {
        let mut changes = <assignment::ActiveModel as Default>::default();
        if step.to == AssignmentStatus::Rehandling {
            rehandle(&step, &mut changes, rated_on, now).await?;
        }
        let saved = step.save(changes).await?;
        crate::service::statistics::refresh_facts(step.conn(), saved.id).await?;
        saved
    } else {
        step.case.assignment.clone()
    };
    suggestion_state::refresh(step.conn(), saved.suggestion_id, now).await?;
    step.audit_created("Rating", saved_rating.id);
    if rated_on < today {
        step.audit_backdated("ratedOn", rated_on);
    }
    step.commit("committing the rating").await?;
    Ok((saved_rating, saved))
}

/// Longest comment with a rating.
const COMMENT_MAX: usize = 5000;

/// The satisfaction figures of a rating.
fn scores(input: &RatingInput) -> rating::ActiveModel {
    rating::ActiveModel {
        satisfaction: Set(input.satisfaction),
        work_satisfaction: Set(input.work_satisfaction),
        result_satisfaction: Set(input.result_satisfaction),
        ..Default::default()
    }
}

/// DUPLICATE when `deputy_id` rated reply `reply_id` already.
async fn check_first_rating<C: ConnectionTrait>(
    conn: &C,
    reply_id: i64,
    deputy_id: i64,
) -> ServiceResult<()> {
    let taken = rating::Entity::find()
        .filter(rating::Column::ReplyId.eq(reply_id))
        .filter(rating::Column::DeputyId.eq(deputy_id))
        .one(conn)
        .await
        .during("checking earlier ratings")?;
    if taken.is_some() {
        return Err(UserError::duplicate(
            &["input", "deputyId"],
            "该代表已测评过此答复 (this deputy already rated the reply)",
        )
        .into());
    }
    Ok(())
}

/// Whether the reply may be rated now by `deputy_id` (sent, of the current round, by the
/// lead deputy or a co-signer); true for the lead deputy.
async fn check_rater(step: &Step, current: &reply::Model, deputy_id: i64) -> ServiceResult<bool> {
    let case = &step.case;
    if current.release_state != entity::enums::ReleaseState::Sent {
        return Err(UserError::invalid_state(
            &REPLY,
            "答复尚未发送给代表，不能测评 (only a reply sent to the deputy can be rated)",
        )
        .into());
    }
    let by_lead = deputy_id == case.suggestion.lead_deputy_id;
    if !by_lead {
        let co = co_signer::Entity::find()
            .filter(co_signer::Column::SuggestionId.eq(case.suggestion.id))
            .filter(co_signer::Column::DeputyId.eq(deputy_id))
            .one(step.conn())
            .await
            .during("checking the co-signer")?;
        if co.is_none() {
            return Err(UserError::invalid(
                &["input", "deputyId"],
                "只有领衔代表和联名代表可以测评 (only the lead deputy and co-signers rate)",
            )
            .into());
        }
    }
    if current.round != case.assignment.round {
        return Err(UserError::invalid_state(
            &REPLY,
            "只能测评本轮的答复 (only the current round's reply can be rated)",
        )
        .into());
    }
    Ok(by_lead)
}

/// Opens the re-handling round an UNSATISFIED rating on `rated_on` calls for: its row, its
/// due date in `changes`, and its timeline event.
async fn rehandle(
    step: &Step,
    changes: &mut assignment::ActiveModel,
    rated_on: NaiveDate,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let case = &step.case;
    let calendar = crate::service::calendar::load(step.conn()).await?;
    let next_round = case.assignment.round + 1;
    let due = due(
        &case.session,
        &calendar,
        rated_on,
        DeadlinePeriod::Rehandling,
        &REPLY,
    )?;
    let rules = DeadlineRules::stored(&case.session.deadline_rules);
    handling_round::ActiveModel {
        assignment_id: Set(case.assignment.id),
        round: Set(next_round),
        started_on: Set(rated_on),
        due_on: Set(due.due_on),
        original_due_on: Set(due.due_on),
        due_provisional: Set(due.provisional),
        answered_on: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(step.conn())
    .await
    .during("opening a re-handling round")?;
    changes.round = Set(next_round);
    // The answered round stays in force (answered) until the rating re-opens it.
    changes.span_from =
        Set(crate::service::deadline::end_span(step.conn(), &case.assignment, rated_on).await?);
    changes.due_on = Set(due.due_on);
    changes.original_due_on = Set(due.due_on);
    changes.due_on_explicit = Set(false);
    changes.due_provisional = Set(due.provisional);
    changes.due_soon_from = Set(due_soon_from(due.due_on, rules.due_soon_days));
    changes.answered_on = Set(None);
    step.event(
        EventKind::RehandlingStarted,
        ActorRole::System,
        json!({"round": next_round, "startedOn": rated_on, "dueOn": due.due_on}),
    )
    .await
}
