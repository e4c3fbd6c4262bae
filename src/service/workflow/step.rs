//! One transition of an assignment, the way every transition goes: a write transaction,
//! the case loaded at the version the caller read, the next state asked of the pure state
//! machine, the versioned save, the timeline event and the commit.
//!
//! ```ignore
//! let step = Step::begin(db, assignment_id, expected_version, Transition::SignFor, now).await?;
//! let saved = step.save(assignment::ActiveModel::default()).await?; // status: step.to
//! step.event(EventKind::SignedFor, ActorRole::Unit, json!({})).await?;
//! step.commit("committing the sign-for").await?;
//! ```
//!
//! A transition that needs more (its own rows, checks against the case) does it between
//! `begin` and `commit` on `step.conn()`; user errors found there return early, and the
//! transaction rolls back when the step is dropped.
//!
//! A decision on a request or a rating of a reply starts from that row instead: it opens
//! the transaction, loads and checks the row, then takes the case with [`Step::on`] (errors
//! pointing at the row's field) and asks for the next state with [`Step::transition`] once
//! it knows which transition it is.

use super::*;

/// Where a transition's user errors about the assignment point.
const FIELD: [&str; 2] = ["input", "assignmentId"];

pub(crate) struct Step {
    txn: crate::db::WriteTxn,
    /// The assignment, its suggestion and session, as loaded at the caller's version.
    pub case: Case,
    /// The state the transition leads to (the current one until [`Step::transition`]).
    pub to: AssignmentStatus,
    /// Where user errors about the case point.
    field: &'static [&'static str],
    now: DateTime<Utc>,
}

impl Step {
    /// Begins the transition: the write transaction, the case at `expected_version`
    /// (NOT_FOUND / CONFLICT at `input.assignmentId`), and the next state from
    /// `domain::workflow` (INVALID_STATE naming the current state).
    pub async fn begin(
        db: &Db,
        assignment_id: i64,
        expected_version: Option<i32>,
        transition: Transition,
        now: DateTime<Utc>,
    ) -> ServiceResult<Self> {
        let txn = db.begin_write().await.during("beginning a transaction")?;
        let mut step = Self::on(txn, assignment_id, expected_version, &FIELD, now).await?;
        step.transition(transition)?;
        Ok(step)
    }

    /// Takes up the case of `assignment_id` in `txn` (which loaded the request or reply
    /// that names it), at `expected_version` if given; user errors point at `field`. The
    /// state stays as it is until [`Step::transition`].
    pub async fn on(
        txn: crate::db::WriteTxn,
        assignment_id: i64,
        expected_version: Option<i32>,
        field: &'static [&'static str],
        now: DateTime<Utc>,
    ) -> ServiceResult<Self> {
        let case = load_case(&*txn, assignment_id, expected_version, field).await?;
        let to = case.assignment.status;
        Ok(Self {
            txn,
            case,
            to,
            field,
            now,
        })
    }

    /// The state `transition` leads to from the case's, from `domain::workflow`
    /// (INVALID_STATE naming the current state); [`Step::save`] stores it.
    pub fn transition(&mut self, transition: Transition) -> ServiceResult<AssignmentStatus> {
        self.to = flow::next(
            self.case.assignment.role,
            self.case.assignment.status,
            transition,
            self.field,
        )?;
        Ok(self.to)
    }

    /// Tells the unit of work that the caller gave `field` a date in the past.
    pub fn audit_backdated(&self, field: &str, value: impl serde::Serialize) {
        self.txn.audit_backdated(field, value);
    }

    /// Tells the unit of work that the transition created `kind:id` (a request, a record).
    pub fn audit_created(&self, kind: &str, id: i64) {
        self.txn.audit_created(kind, id);
    }

    /// The transaction, for a transition's own rows.
    pub fn conn(&self) -> &sea_orm::DatabaseTransaction {
        &self.txn
    }

    /// Saves the assignment with `changes` and the new state (unless `changes` sets one),
    /// if it is still at the version loaded (CONFLICT otherwise).
    pub async fn save(
        &self,
        mut changes: assignment::ActiveModel,
    ) -> ServiceResult<assignment::Model> {
        if changes.status.is_not_set() {
            changes.status = Set(self.to);
        }
        save_assignment(
            &*self.txn,
            &self.case.assignment,
            changes,
            self.now,
            self.field,
        )
        .await
    }

    /// Appends the transition's timeline event to the case.
    pub async fn event(
        &self,
        kind: EventKind,
        actor: ActorRole,
        details: Value,
    ) -> ServiceResult<()> {
        event(
            &*self.txn,
            self.case.suggestion.id,
            Some(self.case.assignment.id),
            kind,
            actor,
            self.now,
            details,
        )
        .await
    }

    /// Commits the transition (with the audit row of the mutation that made it).
    pub async fn commit(self, what: &'static str) -> ServiceResult<()> {
        self.txn.commit().await.during(what)?;
        Ok(())
    }
}
