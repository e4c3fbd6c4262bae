//! The statement that recomputes the per-assignment statistics facts (`reply_category`,
//! the lead deputy's first and final satisfaction, a face-to-face contact, open and
//! handled public feedback, how often it was urged) from their source rows; `service::statistics` runs it for the
//! one assignment a write touches, and for all after bulk loads.
//!
//! Migration m20261126_000001 keeps its own frozen copy, the statement it ran when it
//! added the columns, so changing the facts here never changes an applied migration; a
//! test checks the two agree wherever the rules since then do not differ. What differs:
//! `reply_category` is the category of the latest reply *sent* to the deputy (review
//! before release: a reply still with the office is not counted).

use sea_orm::DbBackend;

/// The UPDATE of every assignment's facts, or with `one_assignment` of the assignment
/// bound as its only parameter.
pub fn assignment_facts_sql(backend: DbBackend, one_assignment: bool) -> String {
    let placeholder = match backend {
        DbBackend::Postgres => "$1",
        _ => "?",
    };
    let lead_rating = |order: &str| {
        format!(
            "(SELECT g.satisfaction FROM rating g \
              WHERE g.assignment_id = assignment.id AND g.by_lead_deputy = TRUE \
              ORDER BY g.round {order}, g.id {order} LIMIT 1)"
        )
    };
    let feedback = |statuses: &str| {
        format!(
            "(SELECT COUNT(*) FROM public_feedback f \
              JOIN reply fr ON fr.id = f.reply_id \
              WHERE fr.assignment_id = assignment.id AND f.status IN ({statuses}))"
        )
    };
    let mut sql = format!(
        "UPDATE assignment SET \
           reply_category = (SELECT r.category FROM reply r \
              WHERE r.assignment_id = assignment.id AND r.release_state = 'SENT' \
              ORDER BY r.round DESC LIMIT 1), \
           first_satisfaction = {first}, \
           final_satisfaction = {last}, \
           met_face_to_face = EXISTS (SELECT 1 FROM contact_record c \
              WHERE c.assignment_id = assignment.id AND c.method = 'FACE_TO_FACE'), \
           feedback_open = {open}, \
           feedback_handled = {handled}, \
           urge_count = (SELECT COUNT(*) FROM workflow_event e \
              WHERE e.assignment_id = assignment.id AND e.kind = 'URGED')",
        first = lead_rating("ASC"),
        last = lead_rating("DESC"),
        open = feedback("'NEW', 'READ'"),
        handled = feedback("'HANDLED'"),
    );
    if one_assignment {
        sql.push_str(&format!(" WHERE assignment.id = {placeholder}"));
    }
    sql
}
