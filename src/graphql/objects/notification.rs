//! Notifications (通知): what banli told the signed-in user, with the case it is about.

use async_graphql::{Context, Enum, Object, Result, SimpleObject, ID};
use entity::notification;

use crate::domain::notice::NoticeKind;
use crate::graphql::ids::{encode, Kind};
use crate::graphql::loaders::{visible, AssignmentKey, SuggestionKey};
use crate::graphql::objects::{Assignment, Node, Suggestion};
use crate::graphql::scalars::DateTime;

/// What a notification is about.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::notice::NoticeKind")]
pub enum NotificationKind {
    /// 新交办: a new case for the unit.
    Assigned,
    /// 退回申请: a unit asks to return a case (to the office).
    ReturnRequested,
    /// 退回申请已同意 (to the unit).
    ReturnApproved,
    /// 退回申请未同意 (to the unit).
    ReturnRejected,
    /// 会办意见已送达: a co-handler's opinion reached the lead unit.
    CoOpinionArrived,
    /// 延期申请: a unit asks for more time (to the office).
    ExtensionRequested,
    /// 延期申请已同意 (to the unit).
    ExtensionApproved,
    /// 延期申请未同意 (to the unit).
    ExtensionRejected,
    /// 答复待审核: a reply waits for the office's review.
    ReplyForReview,
    /// 答复退回修改: the office returned a reply for revision (to the unit).
    ReplyReturned,
    /// 答复已送达: the deputy has the reply and is asked to rate it.
    ReplyReceived,
    /// 重新办理: an UNSATISFIED rating opened a new round (to the unit and the office).
    Rehandling,
    /// 答复已公开 (to the deputy).
    ReplyPublished,
    /// 请报送办理进展: the office asks the unit for a progress report (督办).
    ProgressReportRequested,
    /// 催办: the office presses the unit on a case.
    Urged,
    /// 办理提醒: the day's digest (working days, at `reminder_hour`) of the cases due soon,
    /// overdue or not signed for; one per person per day, about no single record.
    DailyReminder,
    /// 测评提醒: the day's digest for a deputy (working days, at `reminder_hour`) of the
    /// replies they have not rated whose rating window ends within 5 working days; each
    /// reply once per round.
    RatingDue,
}

/// A notice to the signed-in user (通知): its kind, a Chinese title and text, and the case it
/// is about. Only its recipient sees it.
pub struct Notification(pub notification::Model);

#[Object]
impl Notification {
    pub async fn id(&self) -> ID {
        encode(Kind::Notification, self.0.id)
    }
    async fn kind(&self) -> Result<NotificationKind> {
        NoticeKind::parse(&self.0.kind)
            .map(Into::into)
            .ok_or_else(|| format!("unknown notification kind {}", self.0.kind).into())
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The notice in full (never the suggestion's text or anyone's phone number).
    async fn text(&self) -> &str {
        &self.0.body
    }
    /// The record it is about: the assignment, or the suggestion; null when the recipient
    /// may no longer see it.
    async fn subject(&self, ctx: &Context<'_>) -> Result<Option<Node>> {
        if let Some(id) = self.0.assignment_id {
            return Ok(visible(ctx, AssignmentKey(id))
                .await?
                .map(|a| Node::Assignment(Assignment(a))));
        }
        let Some(id) = self.0.suggestion_id else {
            return Ok(None);
        };
        Ok(visible(ctx, SuggestionKey(id))
            .await?
            .map(|s| Node::Suggestion(Suggestion(s))))
    }
    async fn suggestion(&self, ctx: &Context<'_>) -> Result<Option<Suggestion>> {
        let Some(id) = self.0.suggestion_id else {
            return Ok(None);
        };
        Ok(visible(ctx, SuggestionKey(id)).await?.map(Suggestion))
    }
    async fn assignment(&self, ctx: &Context<'_>) -> Result<Option<Assignment>> {
        let Some(id) = self.0.assignment_id else {
            return Ok(None);
        };
        Ok(visible(ctx, AssignmentKey(id)).await?.map(Assignment))
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// When its recipient marked it read; null while unread.
    async fn read_at(&self) -> Option<DateTime> {
        self.0.read_at.map(DateTime)
    }
}

/// A channel a notice goes on besides the app (in the app it always goes).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::notice::Channel")]
pub enum NotificationChannel {
    /// 短信, to the user's mobile number.
    Sms,
    /// 电子邮件, to the user's address (scheduled reminders as one digest a day).
    Email,
    /// OA 推送: a signed JSON POST to the office's OA system, for the kinds the office
    /// chooses in `updateNotificationDefaults` (not a user's choice).
    Webhook,
}

/// The channels of one kind of notice for the signed-in user.
#[derive(SimpleObject)]
pub struct NotificationKindSetting {
    pub kind: NotificationKind,
    /// Besides the app (empty: the app only).
    pub channels: Vec<NotificationChannel>,
    /// Whether the user chose them; otherwise they are the office's defaults.
    pub chosen: bool,
}

/// The signed-in user's notification settings. The e-mail address and mobile number are
/// personal data: only the user and the office see them.
#[derive(SimpleObject)]
pub struct NotificationSettings {
    pub email: Option<String>,
    pub mobile: Option<String>,
    /// Every kind of notice, with its channels.
    pub kinds: Vec<NotificationKindSetting>,
    /// 0 until the user first saves settings; pass it back as `expectedVersion`.
    pub version: i32,
}

fn kind_settings(
    kinds: Vec<crate::service::notification_settings::KindChannels>,
) -> Vec<NotificationKindSetting> {
    kinds
        .into_iter()
        .map(|k| NotificationKindSetting {
            kind: k.kind.into(),
            channels: k.channels.into_iter().map(Into::into).collect(),
            chosen: k.chosen,
        })
        .collect()
}

impl From<crate::service::notification_settings::Settings> for NotificationSettings {
    fn from(s: crate::service::notification_settings::Settings) -> Self {
        Self {
            email: s.email,
            mobile: s.mobile,
            kinds: kind_settings(s.kinds),
            version: s.version,
        }
    }
}

/// The office's defaults for notices: per kind, the channels a user who chose nothing gets,
/// and WEBHOOK for the kinds that go to the OA system.
#[derive(SimpleObject)]
pub struct NotificationDefaults {
    /// Every kind of notice; `chosen` says whether the office set it (otherwise banli's
    /// defaults).
    pub kinds: Vec<NotificationKindSetting>,
    /// 0 until the office first saves defaults; pass it back as `expectedVersion`.
    pub version: i32,
}

impl From<crate::service::notification_settings::OfficeDefaults> for NotificationDefaults {
    fn from(d: crate::service::notification_settings::OfficeDefaults) -> Self {
        Self {
            kinds: kind_settings(d.kinds()),
            version: d.version,
        }
    }
}
