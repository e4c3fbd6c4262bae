//! The rows of one run: suggestions, co-signers, assignments and replies, drawn from the
//! seeded RNG in a fixed order (so two runs make the same data).

use super::*;

/// The state one run carries from session to session: the seeded RNG (so two runs make the
/// same data), the calendar and rules, and the ids of the units and deputies.
pub(super) struct Generator {
    pub(super) rng: StdRng,
    pub(super) calendar: crate::domain::calendar::WorkCalendar,
    pub(super) rules: DeadlineRules,
    pub(super) today: NaiveDate,
    pub(super) now: DateTime<Utc>,
    pub(super) unit_ids: Vec<i64>,
    pub(super) unit_names: HashMap<i64, String>,
    pub(super) deputy_ids: Vec<i64>,
    pub(super) out: Generated,
}

/// What a suggestion row leaves for its assignments: assigned on, lead deputy, the units
/// and roles, and the topic.
type Plan = (NaiveDate, i64, Vec<(i64, AssignmentRole)>, &'static str);

impl Generator {
    /// One yearly session and its suggestions, in one transaction.
    pub(super) async fn session(
        &mut self,
        db: &Db,
        scale: Scale,
        s: usize,
        year: i32,
    ) -> anyhow::Result<()> {
        let txn = db.begin_write().await?;
        let opens =
            NaiveDate::from_ymd_opt(year, 1, 15).ok_or_else(|| anyhow::anyhow!("bad year"))?;
        let session_row = session::Entity::insert(session::ActiveModel {
            name: Set(format!("省人大第{}次会议（{year}年）", s + 1)),
            level: Set(SessionLevel::Provincial),
            term: Set(13 + (s as i32) / 5),
            meeting: Set(1 + (s as i32) % 5),
            opens_on: Set(Some(opens)),
            closes_on: Set(Some(opens + Duration::days(5))),
            category_scheme: Set(serde_json::to_value(CategoryScheme::preset(
                SchemePreset::ThreeClass,
            ))?),
            deadline_rules: Set(serde_json::to_value(self.rules)?),
            version: Set(1),
            created_at: Set(self.now),
            updated_at: Set(self.now),
            ..Default::default()
        })
        .exec(&*txn)
        .await?;
        let session_id = session_row.last_insert_id;
        self.out.sessions += 1;
        let n = scale.suggestions_per_session();
        for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
            self.chunk(&txn, session_id, opens, year, chunk).await?;
        }
        self.out.suggestions += n;
        txn.commit().await?;
        tracing::info!(
            year,
            suggestions = self.out.suggestions,
            assignments = self.out.assignments,
            "generated a session"
        );
        Ok(())
    }

    /// Up to 500 suggestions with their co-signers, assignments and replies.
    async fn chunk(
        &mut self,
        txn: &WriteTxn,
        session_id: i64,
        opens: NaiveDate,
        year: i32,
        chunk: &[usize],
    ) -> anyhow::Result<()> {
        use sea_orm::{ColumnTrait, QueryFilter};
        let mut suggestions = Vec::with_capacity(chunk.len());
        let mut plans = Vec::with_capacity(chunk.len());
        for &i in chunk {
            let (row, plan) = self.suggestion_row(session_id, opens, i);
            suggestions.push(row);
            plans.push(plan);
        }
        let numbers: Vec<String> = chunk.iter().map(|i| format!("{:04}", i + 1)).collect();
        suggestion::Entity::insert_many(suggestions)
            .exec(&**txn)
            .await?;
        let ids: HashMap<String, i64> = suggestion::Entity::find()
            .filter(suggestion::Column::SessionId.eq(session_id))
            .filter(suggestion::Column::Number.is_in(numbers.iter().cloned()))
            .all(&**txn)
            .await?
            .into_iter()
            .map(|s| (s.number, s.id))
            .collect();
        let mut chunk_ids = Vec::with_capacity(chunk.len());
        let mut topics = HashMap::with_capacity(chunk.len());
        let mut co_signers = Vec::new();
        let mut assignments = Vec::new();
        for (number, (assigned_on, lead, plan, topic)) in numbers.iter().zip(plans) {
            let suggestion_id = *ids
                .get(number)
                .ok_or_else(|| anyhow::anyhow!("suggestion {number} not stored"))?;
            chunk_ids.push(suggestion_id);
            topics.insert(suggestion_id, topic);
            self.co_signers(suggestion_id, lead, &mut co_signers);
            for (unit_id, role) in plan {
                let row = self.assignment_row(
                    (session_id, suggestion_id),
                    (unit_id, role),
                    assigned_on,
                    year,
                )?;
                assignments.push(row);
            }
        }
        self.out.assignments += assignments.len();
        for part in assignments.chunks(500) {
            assignment::Entity::insert_many(part.to_vec())
                .exec(&**txn)
                .await?;
        }
        if !co_signers.is_empty() {
            suggestion_co_signer::Entity::insert_many(co_signers.iter().map(|(s, d, p)| {
                suggestion_co_signer::ActiveModel {
                    suggestion_id: Set(*s),
                    deputy_id: Set(*d),
                    position: Set(*p),
                }
            }))
            .exec(&**txn)
            .await?;
        }
        self.replies(txn, &chunk_ids, &topics).await
    }

    /// The i-th suggestion of a session, and what its assignments need.
    fn suggestion_row(
        &mut self,
        session_id: i64,
        opens: NaiveDate,
        i: usize,
    ) -> (suggestion::ActiveModel, Plan) {
        let rng = &mut self.rng;
        let submitted_on = opens + Duration::days(rng.random_range(0..5));
        let topic = TOPICS[rng.random_range(0..TOPICS.len())];
        let lead = self.deputy_ids[rng.random_range(0..self.deputy_ids.len())];
        let assigned_on = submitted_on + Duration::days(rng.random_range(20..60));
        let plan = plan_assignments(rng, &self.unit_ids);
        let row = suggestion::ActiveModel {
            session_id: Set(session_id),
            kind: Set(SuggestionKind::NpcSuggestion),
            number: Set(format!("{:04}", i + 1)),
            title: Set(format!("关于加强{topic}工作的建议（第{}号）", i + 1)),
            content: Set(format!(
                "建议进一步加强{topic}方面的工作，完善相关制度，加大投入力度。"
            )),
            period: Set(FilingPeriod::DuringSession),
            lead_deputy_id: Set(lead),
            topic: Set(Some(topic.to_owned())),
            is_key: Set(rng.random_ratio(1, 50)),
            supervising_leader: Set(None),
            confidential: Set(rng.random_ratio(1, 100)),
            status: Set(SuggestionStatus::Assigned),
            submitted_on: Set(submitted_on),
            version: Set(1),
            registered_at: Set(self.now),
            updated_at: Set(self.now),
            ..Default::default()
        };
        (row, (assigned_on, lead, plan, topic))
    }

    /// Zero to two co-signers other than the lead deputy.
    fn co_signers(&mut self, suggestion_id: i64, lead: i64, into: &mut Vec<(i64, i64, i32)>) {
        for c in 0..self.rng.random_range(0..3) {
            let d = self.deputy_ids[self.rng.random_range(0..self.deputy_ids.len())];
            if d != lead && !into.iter().any(|(s, x, _)| *s == suggestion_id && *x == d) {
                into.push((suggestion_id, d, c + 1));
            }
        }
    }

    /// One assignment with its due date; past sessions are all answered (a tenth late),
    /// this year's partly open.
    fn assignment_row(
        &mut self,
        (session_id, suggestion_id): (i64, i64),
        (unit_id, role): (i64, AssignmentRole),
        assigned_on: NaiveDate,
        year: i32,
    ) -> anyhow::Result<assignment::ActiveModel> {
        let period = if role == AssignmentRole::CoHandler {
            DeadlinePeriod::CoHandlerOpinion
        } else {
            DeadlinePeriod::Reply
        };
        let due = compute_due(&self.rules, &self.calendar, assigned_on, period)
            .ok_or_else(|| anyhow::anyhow!("due date out of range"))?;
        let past = year < self.today.year();
        let answered_on = if past || self.rng.random_ratio(6, 10) {
            let offset = if self.rng.random_ratio(1, 10) {
                self.rng.random_range(1..40)
            } else {
                -self.rng.random_range(0..50)
            };
            Some(
                (due.due_on + Duration::days(offset))
                    .min(self.today)
                    .max(assigned_on + Duration::days(1)),
            )
        } else {
            None
        };
        let status = match (answered_on, role, past) {
            (None, _, _) => AssignmentStatus::SignedFor,
            (Some(_), _, true) => AssignmentStatus::Closed,
            (Some(_), AssignmentRole::CoHandler, false) => AssignmentStatus::OpinionSent,
            (Some(_), _, false) => AssignmentStatus::Replied,
        };
        Ok(assignment::ActiveModel {
            suggestion_id: Set(suggestion_id),
            session_id: Set(session_id),
            unit_id: Set(unit_id),
            role: Set(role),
            assigned_on: Set(assigned_on),
            due_on: Set(due.due_on),
            due_on_explicit: Set(false),
            original_due_on: Set(due.due_on),
            due_soon_from: Set(due_soon_from(due.due_on, self.rules.due_soon_days)),
            due_provisional: Set(due.provisional),
            round: Set(1),
            span_from: Set(assigned_on),
            signed_for_at: Set(Some(self.now)),
            status: Set(status),
            answered_on: Set(answered_on),
            contact_name: Set(Some("周敏".to_owned())),
            contact_phone: Set(Some("0551-62600000".to_owned())),
            version: Set(1),
            created_at: Set(self.now),
            updated_at: Set(self.now),
            ..Default::default()
        })
    }

    /// Replies of the chunk's answered, answering assignments.
    async fn replies(
        &mut self,
        txn: &WriteTxn,
        chunk_ids: &[i64],
        topics: &HashMap<i64, &'static str>,
    ) -> anyhow::Result<()> {
        use sea_orm::{ColumnTrait, QueryFilter};
        let answered_rows = assignment::Entity::find()
            .filter(assignment::Column::SuggestionId.is_in(chunk_ids.iter().copied()))
            .filter(assignment::Column::Role.ne(AssignmentRole::CoHandler))
            .filter(assignment::Column::AnsweredOn.is_not_null())
            .all(&**txn)
            .await?;
        let replies: Vec<reply::ActiveModel> = answered_rows
            .iter()
            .map(|a| {
                let topic = topics.get(&a.suggestion_id).copied().unwrap_or(TOPICS[0]);
                self.reply_row(a, topic)
            })
            .collect();
        self.out.replies += replies.len();
        for part in replies.chunks(500) {
            reply::Entity::insert_many(part.to_vec())
                .exec(&**txn)
                .await?;
        }
        Ok(())
    }

    /// A reply with a drawn category; half of them published as the publish service does
    /// (`service::reply::publish`): a fifth as SUMMARY, the rest FULL, the public text fixed
    /// at publication, some days after the letter. The publication form is drawn from the
    /// id, not the RNG, so the rest of the data set stays as it was.
    fn reply_row(&mut self, a: &assignment::Model, topic: &str) -> reply::ActiveModel {
        let category = match self.rng.random_range(0..10) {
            0..=5 => ReplyCategory::A,
            6..=8 => ReplyCategory::B,
            _ => ReplyCategory::C,
        };
        let published = self.rng.random_ratio(1, 2);
        let replied_on = a.answered_on.unwrap_or(a.due_on);
        let unit = self
            .unit_names
            .get(&a.unit_id)
            .map_or("承办单位", String::as_str);
        let body = reply_letter(topic, unit, a.id);
        let summary =
            format!("关于加强{topic}工作的建议已办理，所提问题已列入工作计划，将分步推进解决。");
        let publication = match (published, a.id % 5) {
            (false, _) => Publication::None,
            (true, 0) => Publication::Summary,
            (true, _) => Publication::Full,
        };
        let public_text = match publication {
            Publication::None => None,
            Publication::Summary => Some(summary.clone()),
            Publication::Full => Some(body.clone()),
        };
        let published_at = published.then(|| {
            let day = replied_on + Duration::days(5 + a.id % 25);
            (start_of_day(day) + Duration::hours(10)).min(self.now)
        });
        reply::ActiveModel {
            assignment_id: Set(a.id),
            unit_id: Set(a.unit_id),
            round: Set(1),
            doc_number: Set(Some(format!(
                "皖办函〔{}〕{}号",
                replied_on.year(),
                a.id % 1000
            ))),
            addressee: Set(None),
            category: Set(category),
            original_category: Set(None),
            reviewed_at: Set(None),
            body: Set(body),
            summary: Set(Some(summary)),
            signed_by: Set("承办单位".to_owned()),
            replied_on: Set(replied_on),
            contact_name: Set("周敏".to_owned()),
            contact_phone: Set("0551-62600000".to_owned()),
            copy_to: Set(None),
            publication: Set(publication),
            published_at: Set(published_at),
            public_text: Set(public_text),
            public_suggestion_text: Set(None),
            version: Set(1),
            created_at: Set(self.now),
            updated_at: Set(self.now),
            ..Default::default()
        }
    }
}

/// A reply letter of about 300 characters (real ones run longer), varied by `id` so the
/// published texts are not all alike.
fn reply_letter(topic: &str, unit: &str, id: i64) -> String {
    let situation = match id % 3 {
        0 => format!(
            "一、关于工作现状。近年来，{unit}围绕{topic}领域群众反映集中的问题，持续完善政策措施，加大投入力度，相关工作取得了阶段性成效，群众满意度逐年提升。"
        ),
        1 => format!(
            "一、关于基本情况。{unit}始终把{topic}工作摆在突出位置，建立了定期会商、分级负责、跟踪督办的工作机制，并将其纳入年度目标考核，确保各项任务落地见效。"
        ),
        _ => format!(
            "一、关于您反映的问题。经实地调研和部门会商，您反映的{topic}方面的问题确实存在，主要原因是配套制度不够健全、基层力量较为薄弱，我们已逐项研究提出解决办法。"
        ),
    };
    let next = match id % 2 {
        0 => "二、关于下一步工作。我们将认真吸纳您的意见建议：一是进一步健全制度，细化责任分工；二是加大资金保障力度，优先支持基层薄弱环节；三是加强监督检查，定期通报工作进展，及时回应群众关切。",
        _ => "二、关于您提出的具体建议。相关事项已列入今年重点工作计划，其中部分事项已经办结，其余事项将结合财力状况分步推进，力争在明年年底前全部完成，届时将另行向您通报。",
    };
    format!(
        "您提出的关于加强{topic}工作的建议收悉。我单位高度重视，由主要负责同志牵头，组织相关处室认真研究办理，现将办理情况答复如下：\n{situation}\n{next}\n衷心感谢您对{topic}工作的关心和支持，欢迎继续提出宝贵意见。\n{unit}"
    )
}

/// Units and roles for one suggestion: half SOLE, 30% LEAD with one or two co-handlers,
/// 20% two SEPARATE units.
fn plan_assignments(rng: &mut StdRng, unit_ids: &[i64]) -> Vec<(i64, AssignmentRole)> {
    let shape = pick_shape(rng);
    let mut pick = |taken: &[(i64, AssignmentRole)]| loop {
        let unit = unit_ids[rng.random_range(0..unit_ids.len())];
        if !taken.iter().any(|(u, _)| *u == unit) {
            break unit;
        }
    };
    let mut plan = Vec::new();
    match shape {
        0 => {
            let u = pick(&plan);
            plan.push((u, AssignmentRole::Sole));
        }
        1 | 2 => {
            let u = pick(&plan);
            plan.push((u, AssignmentRole::Lead));
            for _ in 0..shape {
                let u = pick(&plan);
                plan.push((u, AssignmentRole::CoHandler));
            }
        }
        _ => {
            for _ in 0..2 {
                let u = pick(&plan);
                plan.push((u, AssignmentRole::Separate));
            }
        }
    }
    plan
}

fn pick_shape(rng: &mut StdRng) -> u8 {
    match rng.random_range(0..10) {
        0..=4 => 0,
        5..=6 => 1,
        7 => 2,
        _ => 3,
    }
}
