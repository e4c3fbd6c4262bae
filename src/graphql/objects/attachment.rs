//! Attachments (附件) of suggestions, replies, contact records and co-handler opinions.

use async_graphql::{Context, Object, Result, ID};
use entity::attachment;

use crate::graphql::enums;
use crate::graphql::ids::{encode, Kind};
use crate::graphql::loaders::{children, AttachmentsOf, PublishedCopiesOf};
use crate::graphql::scalars::DateTime;

/// A file attached to a record (附件): its content is downloaded from `downloadUrl`.
pub struct Attachment(pub attachment::Model);

#[Object]
impl Attachment {
    pub async fn id(&self) -> ID {
        encode(Kind::Attachment, self.0.id)
    }
    async fn kind(&self) -> enums::AttachmentKind {
        self.0.kind.into()
    }
    /// The name it was uploaded with (UTF-8; a download is offered under this name, with
    /// the extension of the type its bytes have).
    async fn filename(&self) -> &str {
        &self.0.filename
    }
    /// The type found in its bytes (not the name's or the uploader's word), e.g.
    /// `application/pdf`, `application/ofd`, `image/png`.
    async fn media_type(&self) -> &str {
        &self.0.media_type
    }
    /// Size in bytes.
    async fn byte_size(&self) -> i64 {
        self.0.byte_size
    }
    /// SHA-256 of the content, lower-case hex (also the download's ETag).
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn uploaded_at(&self) -> DateTime {
        DateTime(self.0.uploaded_at)
    }
    /// Where to download it (relative to the server): `GET` with the same
    /// `Authorization: Bearer` header as the API. Who may download it follows the record it
    /// belongs to; anyone else gets 404.
    async fn download_url(&self) -> String {
        crate::routes::file_url(encode(Kind::Attachment, self.0.id).as_str())
    }
    /// `downloadUrl` signed for the caller, for `<a href>` and `<img src>`, which cannot
    /// send the `Authorization` header: good for this user only, for
    /// `download_link_secs` (5 minutes by default); the download is checked and audited as
    /// theirs. Fetch a fresh one for each link shown.
    async fn signed_download_url(&self, ctx: &Context<'_>) -> Result<String> {
        let st = crate::graphql::state(ctx)?;
        let user = crate::graphql::access::signed_in(ctx)?.user_id;
        let query = st.links.sign(self.0.id, user, st.clock.now());
        Ok(format!(
            "{}?{query}",
            crate::routes::file_url(encode(Kind::Attachment, self.0.id).as_str())
        ))
    }
}

/// The attachments of one record, oldest first (the record is visible to the caller).
pub(crate) async fn attachments_of(
    ctx: &Context<'_>,
    owner: entity::enums::AttachmentOwner,
    id: i64,
) -> Result<Vec<Attachment>> {
    Ok(children(ctx, AttachmentsOf(owner, id))
        .await?
        .into_iter()
        .map(Attachment)
        .collect())
}

#[async_graphql::ComplexObject]
impl super::ContactRecord {
    /// Opaque ID (to attach files to the record).
    async fn id(&self) -> ID {
        encode(Kind::ContactRecord, self.row_id)
    }
    /// Files attached (photos or minutes of the meeting), oldest first.
    #[graphql(complexity = "crate::graphql::cost::few(child_complexity)")]
    async fn attachments(&self, ctx: &Context<'_>) -> Result<Vec<Attachment>> {
        attachments_of(
            ctx,
            entity::enums::AttachmentOwner::ContactRecord,
            self.row_id,
        )
        .await
    }
}

/// A published reply's letter copy for publication (答复函公开件), which anyone may
/// download from `downloadUrl` (no sign-in; cacheable).
pub struct PublishedAttachment(pub attachment::Model);

#[Object]
impl PublishedAttachment {
    async fn id(&self) -> ID {
        encode(Kind::Attachment, self.0.id)
    }
    async fn filename(&self) -> &str {
        &self.0.filename
    }
    /// e.g. `application/pdf`, `application/ofd`.
    async fn media_type(&self) -> &str {
        &self.0.media_type
    }
    /// Size in bytes.
    async fn byte_size(&self) -> i64 {
        self.0.byte_size
    }
    /// Where to download it (relative to the server); no sign-in needed.
    async fn download_url(&self) -> String {
        crate::routes::file_url(encode(Kind::Attachment, self.0.id).as_str())
    }
}

/// The published letter copies of a published reply.
pub(crate) async fn published_copies_of(
    ctx: &Context<'_>,
    reply_id: i64,
) -> Result<Vec<PublishedAttachment>> {
    Ok(children(ctx, PublishedCopiesOf(reply_id))
        .await?
        .into_iter()
        .map(PublishedAttachment)
        .collect())
}
