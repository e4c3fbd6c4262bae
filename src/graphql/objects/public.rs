//! What the public sees: published replies (redacted), their sessions and units, CAPTCHAs, and the answer to a feedback submission.

use async_graphql::{Object, SimpleObject, ID};

use crate::domain::category::CategoryScheme;
use crate::graphql::enums;
use crate::graphql::error::UserErrorObject;
use crate::graphql::ids::{encode, Kind};
use crate::graphql::scalars::{Date, DateTime};
use crate::service::public::PublishedReplyRow;

/// A session as a published reply names it.
#[derive(SimpleObject)]
pub struct PublishedSession {
    pub id: ID,
    /// e.g. 省人大十三届五次会议
    pub name: String,
}

/// The handling unit that answered.
#[derive(SimpleObject)]
pub struct PublishedUnit {
    pub id: ID,
    pub name: String,
}

/// A published reply (公开的答复), as the public page shows it (seed 000): only public
/// fields. With SUMMARY publication `text` is the summary; redacted passages read
/// ［不予公开］.
pub struct PublishedReply(pub(crate) PublishedReplyRow);

#[Object]
impl PublishedReply {
    /// The published reply's ID: its own, not the staff `Reply`'s (arguments that name a
    /// reply take either).
    async fn id(&self) -> ID {
        encode(Kind::PublishedReply, self.0.id)
    }
    /// The heading: 关于省人大十三届五次会议第0255号建议办理情况的答复函.
    async fn title(&self) -> String {
        crate::domain::publication::reply_title(&self.0.session_name, &self.0.number, self.0.kind)
    }
    /// 编号, e.g. 0255.
    async fn suggestion_number(&self) -> &str {
        &self.0.number
    }
    async fn suggestion_title(&self) -> &str {
        &self.0.title
    }
    async fn kind(&self) -> enums::SuggestionKind {
        self.0.kind.into()
    }
    async fn session(&self) -> PublishedSession {
        PublishedSession {
            id: encode(Kind::PublishedSession, self.0.session_id),
            name: self.0.session_name.clone(),
        }
    }
    async fn unit(&self) -> PublishedUnit {
        PublishedUnit {
            id: encode(Kind::PublishedUnit, self.0.unit_id),
            name: self.0.unit_name.clone(),
        }
    }
    /// The lead deputy's name (领衔代表).
    async fn deputy_name(&self) -> &str {
        &self.0.deputy_name
    }
    /// 称呼, e.g. 夏维奇代表.
    async fn addressee(&self) -> Option<&str> {
        self.0.addressee.as_deref()
    }
    /// FULL or SUMMARY.
    async fn publication(&self) -> enums::Publication {
        self.0.publication.into()
    }
    /// The published text: the letter's body, or its summary.
    async fn text(&self) -> &str {
        self.0.public_text.as_deref().unwrap_or_default()
    }
    /// The suggestion's text, when it was published with the reply.
    async fn suggestion_text(&self) -> Option<&str> {
        self.0.public_suggestion_text.as_deref()
    }
    async fn category(&self) -> enums::ReplyCategory {
        self.0.category.into()
    }
    /// The category as the session's scheme names it, e.g. A类.
    async fn category_label(&self) -> String {
        CategoryScheme::stored(&self.0.category_scheme)
            .0
            .into_iter()
            .find(|d| d.code == self.0.category)
            .map_or_else(|| format!("{:?}类", self.0.category), |d| d.label)
    }
    /// 联系人 of the handling unit.
    async fn contact_name(&self) -> &str {
        &self.0.contact_name
    }
    /// 联系电话: the handling unit's office phone.
    async fn contact_phone(&self) -> &str {
        &self.0.contact_phone
    }
    /// The date of the letter.
    async fn replied_on(&self) -> Date {
        Date(self.0.replied_on)
    }
    /// 发布时间
    async fn published_at(&self) -> Option<DateTime> {
        self.0.published_at.map(DateTime)
    }
    /// Handling round: above 1 for a reply after re-handling.
    async fn round(&self) -> i32 {
        self.0.round
    }
    /// The letter's copy for publication (答复函公开件), when the office published it with
    /// the reply; anyone may download it. The signed original is never here.
    #[graphql(complexity = "crate::graphql::cost::few(child_complexity)")]
    async fn attachments(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> async_graphql::Result<Vec<crate::graphql::objects::PublishedAttachment>> {
        crate::graphql::objects::published_copies_of(ctx, self.0.id).await
    }
}

/// A CAPTCHA image to show with a form.
#[derive(SimpleObject)]
pub struct Captcha {
    /// Send back as `captchaId` with the answer.
    pub id: String,
    /// The image as a `data:image/png;base64,…` URL.
    pub image_png: String,
    /// The same challenge spoken, letter by letter, as a `data:audio/wav;base64,…` URL
    /// (about 150 kB): for people who cannot see the image. Null unless asked for with
    /// `createCaptcha(audio: true)`.
    pub audio_wav: Option<String>,
    /// After this the CAPTCHA is refused; fetch a new one.
    pub expires_at: DateTime,
}

/// A feedback as its submitter sees it through the lookup code: its status and any
/// answer, nothing else.
#[derive(SimpleObject)]
pub struct SubmittedFeedback {
    pub status: enums::FeedbackStatus,
    /// The unit's or office's answer, once given.
    pub answer: Option<String>,
    pub submitted_at: DateTime,
    pub answered_at: Option<DateTime>,
}

/// What `lookUpPublicFeedback` answers.
#[derive(SimpleObject)]
pub struct FeedbackLookupResult {
    pub feedback: Option<SubmittedFeedback>,
    pub user_errors: Vec<UserErrorObject>,
}
