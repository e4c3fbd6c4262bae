//! Notifications (通知, docs/domain.md §10): which timeline events tell whom, and the Chinese text
//! of each notice. Pure: the services find the recipients and store the rows.
//!
//! A notice names the suggestion's number and title, the unit, the due date and the days
//! left; it never carries the suggestion's text, a deputy's phone or a feedback submitter's
//! data. [`Facts`] has no field for any of them, so no template can leak them.

use chrono::NaiveDate;

use super::workflow::EventKind;
use super::UserError;

/// What a notice is about. Stored and shown as SCREAMING_SNAKE_CASE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumIter)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum NoticeKind {
    /// 交办: a new case for the unit.
    Assigned,
    /// 退回申请: a unit asks to return a case (to the office).
    ReturnRequested,
    ReturnApproved,
    ReturnRejected,
    /// 会办意见: a co-handler's opinion reached the lead unit.
    CoOpinionArrived,
    /// 延期申请: a unit asks for more time (to the office).
    ExtensionRequested,
    ExtensionApproved,
    ExtensionRejected,
    /// 答复审核: a reply waits for the office's review.
    ReplyForReview,
    /// A reply the office returned for revision (to the unit).
    ReplyReturned,
    /// 答复: the deputy has the reply and is asked to rate it.
    ReplyReceived,
    /// 不满意: a new round of handling (to the unit and the office).
    Rehandling,
    /// 公开: the deputy's reply was published.
    ReplyPublished,
    /// 督办: the office asks the unit for a progress report.
    ProgressReportRequested,
    /// 催办: the office presses the unit on a case.
    Urged,
    /// 办理提醒: the day's digest of cases due soon, overdue or not signed for.
    DailyReminder,
    /// 测评提醒: the day's digest for a deputy of replies whose rating window ends soon.
    RatingDue,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(name: &str) -> Option<Self> {
        use strum::IntoEnumIterator as _;
        Self::iter().find(|k| k.as_str() == name)
    }
}

/// Who is told of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The staff of the event's assignment's unit.
    Unit,
    /// The staff of the suggestion's lead unit.
    LeadUnit,
    /// The congress office's staff.
    Office,
    /// The suggestion's lead deputy.
    Deputy,
}

/// The notices a timeline event gives, and to whom (docs/domain.md §10's table, for the events
/// that happen in a transition; the scheduled reminders are not events).
pub fn notices_for(event: EventKind) -> &'static [(NoticeKind, Audience)] {
    use Audience::*;
    use NoticeKind as N;
    match event {
        EventKind::Assigned => &[(N::Assigned, Unit)],
        EventKind::ReturnRequested => &[(N::ReturnRequested, Office)],
        EventKind::ReturnApproved => &[(N::ReturnApproved, Unit)],
        EventKind::ReturnRejected => &[(N::ReturnRejected, Unit)],
        EventKind::OpinionSent => &[(N::CoOpinionArrived, LeadUnit)],
        EventKind::ExtensionRequested => &[(N::ExtensionRequested, Office)],
        EventKind::ExtensionApproved => &[(N::ExtensionApproved, Unit)],
        EventKind::ExtensionRejected => &[(N::ExtensionRejected, Unit)],
        EventKind::ReplySubmittedForReview | EventKind::ReplyRevised => {
            &[(N::ReplyForReview, Office)]
        }
        EventKind::ReleaseReturned => &[(N::ReplyReturned, Unit)],
        EventKind::ReplySubmitted => &[(N::ReplyReceived, Deputy)],
        EventKind::RehandlingStarted => &[(N::Rehandling, Unit), (N::Rehandling, Office)],
        EventKind::ReplyPublished => &[(N::ReplyPublished, Deputy)],
        EventKind::ProgressReportRequested => &[(N::ProgressReportRequested, Unit)],
        EventKind::Urged => &[(N::Urged, Unit)],
        _ => &[],
    }
}

/// What a notice may say about its case.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The suggestion's number (第0255号).
    pub number: &'a str,
    /// The suggestion's title (never its text).
    pub title: &'a str,
    /// The unit the case is with (the sender, for a co-handler's opinion).
    pub unit: Option<&'a str>,
    /// The due date in force, and the day the notice is written (China dates).
    pub due_on: Option<NaiveDate>,
    pub today: NaiveDate,
    /// The office's message of a 催办.
    pub message: Option<&'a str>,
}

/// A notice's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub title: String,
    pub body: String,
}

/// The longest title shown of a suggestion, in characters.
pub const TITLE_CHARS: usize = 30;
/// The longest 催办 message kept in a notice, in characters.
pub const MESSAGE_CHARS: usize = 200;

/// `text` cut to `chars` characters, the last one an ellipsis.
pub fn cut(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(chars - 1).collect();
    short.push('…');
    short
}

/// "还有 5 天", "今天到期", "已逾期 3 天".
pub fn days_left(due_on: NaiveDate, today: NaiveDate) -> String {
    match (due_on - today).num_days() {
        0 => "今天到期".to_owned(),
        n if n > 0 => format!("还有 {n} 天"),
        n => format!("已逾期 {} 天", -n),
    }
}

/// A channel a notice goes on besides the app (in the app it always goes).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, strum::IntoStaticStr, strum::EnumIter,
)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Channel {
    /// 短信, to the user's mobile number, through the provider's gateway.
    Sms,
    /// 电子邮件, to the user's address (scheduled reminders as one digest a day).
    Email,
    /// OA 推送: a signed JSON POST to the office's OA system, for the kinds the office
    /// chooses (never a user's choice).
    Webhook,
}

impl Channel {
    /// Whether a user may choose it for themselves (the webhook is the office's).
    pub fn personal(self) -> bool {
        self != Channel::Webhook
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(name: &str) -> Option<Self> {
        use strum::IntoEnumIterator as _;
        Self::iter().find(|c| c.as_str() == name)
    }
}

/// The channels besides the app a kind goes on unless its recipient chose otherwise
/// (docs/domain.md §10's defaults).
pub fn default_channels(kind: NoticeKind) -> &'static [Channel] {
    use NoticeKind as N;
    match kind {
        N::Assigned | N::Rehandling | N::Urged | N::ReplyReceived | N::RatingDue => &[Channel::Sms],
        N::DailyReminder => &[Channel::Sms, Channel::Email],
        _ => &[],
    }
}

/// An e-mail address as users type it: trimmed, at most 254 characters, one `@` between a
/// local part and a domain with a dot, and nothing a mail header could be bent with.
pub fn parse_email(value: &str, field: &[&str]) -> Result<String, UserError> {
    let email = value.trim();
    let refuse = || {
        UserError::invalid(
            field,
            "电子邮件地址格式不正确，例如 zhou.min@example.gov.cn (not an e-mail address)",
        )
    };
    let (local, domain) = email.split_once('@').ok_or_else(refuse)?;
    let plain = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && !"<>()[],;:\"\\@".contains(c))
    };
    let ok = email.chars().count() <= 254
        && local.chars().count() <= 64
        && plain(local)
        && plain(domain)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.');
    if ok {
        Ok(email.to_owned())
    } else {
        Err(refuse())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn days_left_reads_as_offices_say_it() {
        let today = day(2026, 12, 15);
        for (due, said) in [
            (day(2026, 12, 20), "还有 5 天"),
            (day(2026, 12, 15), "今天到期"),
            (day(2026, 12, 12), "已逾期 3 天"),
        ] {
            assert_eq!(days_left(due, today), said);
        }
    }

    #[test]
    fn events_tell_the_right_people() {
        use Audience::*;
        let table = [
            (EventKind::Assigned, vec![(NoticeKind::Assigned, Unit)]),
            (
                EventKind::ReturnRequested,
                vec![(NoticeKind::ReturnRequested, Office)],
            ),
            (
                EventKind::OpinionSent,
                vec![(NoticeKind::CoOpinionArrived, LeadUnit)],
            ),
            (
                EventKind::ExtensionApproved,
                vec![(NoticeKind::ExtensionApproved, Unit)],
            ),
            (
                EventKind::ReplySubmitted,
                vec![(NoticeKind::ReplyReceived, Deputy)],
            ),
            (
                EventKind::RehandlingStarted,
                vec![
                    (NoticeKind::Rehandling, Unit),
                    (NoticeKind::Rehandling, Office),
                ],
            ),
            (EventKind::Urged, vec![(NoticeKind::Urged, Unit)]),
            (EventKind::Registered, vec![]),
            (EventKind::SignedFor, vec![]),
            (EventKind::ContactLogged, vec![]),
        ];
        for (event, expected) in table {
            assert_eq!(notices_for(event).to_vec(), expected, "{event:?}");
        }
    }

    #[test]
    fn e_mail_addresses_are_checked_as_users_type_them() {
        for good in ["zhou.min@example.gov.cn", " mz-staff@hn.gov.cn ", "a@b.cn"] {
            assert_eq!(parse_email(good, &["email"]).unwrap(), good.trim());
        }
        for bad in [
            "",
            "zhou",
            "zhou@",
            "@example.cn",
            "zhou@example",
            "zhou min@example.cn",
            "zhou@exa\nmple.cn",
            "a@b@c.cn",
            "zhou@.cn",
            "<zhou@example.cn>",
        ] {
            assert!(parse_email(bad, &["email"]).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn channels_default_as_the_offices_use_them() {
        assert_eq!(default_channels(NoticeKind::Assigned), [Channel::Sms]);
        assert_eq!(
            default_channels(NoticeKind::DailyReminder),
            [Channel::Sms, Channel::Email]
        );
        assert!(default_channels(NoticeKind::ReturnRequested).is_empty());
        for channel in [Channel::Sms, Channel::Email] {
            assert_eq!(Channel::parse(channel.as_str()), Some(channel));
        }
    }
}
