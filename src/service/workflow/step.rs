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

use super::*;

/// Where a transition's user errors about the assignment point.
const FIELD: [&str; 2] = ["input", "assignmentId"];

pub(crate) struct Step {
    txn: crate::db::WriteTxn,
    /// The assignment, its suggestion and session, as loaded at the caller's version.
    pub case: Case,
    /// The state the transition leads to.
    pub to: AssignmentStatus,
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
        let case = load_case(&*txn, assignment_id, expected_version, &FIELD).await?;
        let to = flow::next(
            case.assignment.role,
            case.assignment.status,
            transition,
            &FIELD,
        )?;
        Ok(Self { txn, case, to, now })
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
        save_assignment(&*self.txn, &self.case.assignment, changes, self.now, &FIELD).await
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
