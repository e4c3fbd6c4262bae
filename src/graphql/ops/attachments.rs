//! 附件: uploading a file to a record (the GraphQL multipart request; see `http::upload`)
//! and deleting one's own upload while the record is open.

use std::sync::Arc;

use async_graphql::{Context, InputObject, Object, Result, ID};
use entity::enums::AttachmentOwner;

use super::payload;
use crate::domain::UserError;
use crate::graphql::access::{self, Allow, CASEWORK};
use crate::graphql::enums;
use crate::graphql::error::for_payload;
use crate::graphql::idempotency::{stored, Idempotent};
use crate::graphql::ids::{self, Kind};
use crate::graphql::objects::Attachment;
use crate::graphql::scalars::Upload;
use crate::graphql::state;
use crate::service::{self, attachment::StagedFile};

/// The files of a multipart request, staged by the HTTP layer (an `Upload` value is an
/// index into them).
pub struct StagedUploads(pub Vec<Arc<StagedFile>>);

payload!(UploadAttachmentPayload, attachment: Attachment);
payload!(DeleteAttachmentPayload { deleted_attachment_id: Option<ID> });

#[derive(InputObject)]
pub struct UploadAttachmentInput {
    /// The record: a Suggestion, a Reply, a ContactRecord, a CoOpinion, or an Assignment
    /// for the letter of the reply being prepared (REPLY_LETTER, REPLY_LETTER_FOR_PUBLICATION;
    /// `submitReply` moves them onto the reply it makes).
    pub owner_id: ID,
    pub kind: enums::AttachmentKind,
    /// The file, sent as the GraphQL multipart request spec says (a `multipart/form-data`
    /// POST with the `Apollo-Require-Preflight` header).
    pub file: Upload,
    /// What the file is, in a line (at most 500 characters).
    pub description: Option<String>,
    /// Makes a retry safe: the same key with the same input and the same file answers
    /// with the attachment the first request made.
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct DeleteAttachmentInput {
    pub id: ID,
}

#[derive(Default)]
pub struct AttachmentMutation;

/// The owner an ID names; NOT_FOUND at `input.ownerId` for anything else.
fn owner_of(id: &ID) -> Result<service::attachment::Owner, UserError> {
    let field = &["input", "ownerId"];
    let kind = match ids::decode(id.as_str()) {
        Some((Kind::Suggestion, key)) => (AttachmentOwner::Suggestion, key),
        Some((Kind::Reply, key)) => (AttachmentOwner::Reply, key),
        Some((Kind::ContactRecord, key)) => (AttachmentOwner::ContactRecord, key),
        Some((Kind::CoOpinion, key)) => (AttachmentOwner::CoOpinion, key),
        Some((Kind::Assignment, key)) => (AttachmentOwner::Assignment, key),
        _ => return Err(UserError::missing(field, "记录", "record")),
    };
    Ok(service::attachment::Owner {
        kind: kind.0,
        id: kind.1,
    })
}

/// The staged file an `Upload` stands for.
fn staged<'a>(ctx: &'a Context<'_>, file: &Upload) -> Result<&'a Arc<StagedFile>, UserError> {
    ctx.data_opt::<StagedUploads>()
        .and_then(|files| files.0.get(file.0))
        .ok_or_else(|| {
            UserError::invalid(
                &["input", "file"],
                "未收到文件，请按 GraphQL multipart 规范上传 (no file received; send it as a \
                 GraphQL multipart request)",
            )
        })
}

#[Object]
impl AttachmentMutation {
    /// 上传附件: attach a file to a suggestion (its deputy or the office), or to a reply,
    /// contact record or co-handler opinion (its unit or the office). PDF, OFD, JPEG, PNG,
    /// DOC, DOCX, XLS, XLSX, judged by their bytes; anything else is INVALID at
    /// `input.file`. A record that is closed (a suggestion closed or withdrawn, a reply
    /// rated or superseded, a case no longer with the unit) takes files from the office
    /// only (INVALID_STATE otherwise).
    #[graphql(guard = "Allow(CASEWORK)")]
    async fn upload_attachment(
        &self,
        ctx: &Context<'_>,
        input: UploadAttachmentInput,
    ) -> Result<UploadAttachmentPayload> {
        let st = state(ctx)?;
        let principal = access::signed_in(ctx)?.clone();
        let file = staged(ctx, &input.file).ok().cloned();
        let sha = file.as_ref().map(|f| f.sha256.clone()).unwrap_or_default();
        let canonical = || {
            serde_json::json!([
                input.owner_id.as_str(),
                entity::enums::AttachmentKind::from(input.kind),
                sha,
                input.description
            ])
            .to_string()
        };
        let idempotent =
            Idempotent::fingerprinted(ctx, input.idempotency_key.as_deref(), canonical);
        let result = async {
            let owner = owner_of(&input.owner_id)?;
            let file = staged(ctx, &input.file)?;
            let new = service::attachment::NewAttachment {
                owner,
                kind: input.kind.into(),
                description: input.description.clone(),
            };
            idempotent
                .run(
                    &st.db,
                    |id| stored::<entity::attachment::Entity>(&st.db, id),
                    service::attachment::upload(
                        &st.db,
                        &st.files,
                        &principal,
                        access::scope(ctx),
                        new,
                        file,
                        st.clock.now(),
                    ),
                )
                .await
        }
        .await;
        let (attachment, user_errors) = for_payload(ctx, result)?;
        Ok(UploadAttachmentPayload {
            attachment: attachment.map(Attachment),
            user_errors,
        })
    }

    /// 删除附件: only its uploader, only while its record is open (INVALID_STATE
    /// otherwise); afterwards an attachment is part of the record.
    #[graphql(guard = "Allow(CASEWORK)")]
    async fn delete_attachment(
        &self,
        ctx: &Context<'_>,
        input: DeleteAttachmentInput,
    ) -> Result<DeleteAttachmentPayload> {
        let st = state(ctx)?;
        let principal = access::signed_in(ctx)?.clone();
        let result = async {
            let id = ids::expect(&input.id, Kind::Attachment, &["input", "id"])?;
            service::attachment::delete(&st.db, &principal, access::scope(ctx), id, st.clock.now())
                .await
        }
        .await;
        let (deleted, user_errors) = for_payload(ctx, result)?;
        Ok(DeleteAttachmentPayload {
            deleted_attachment_id: deleted.map(|row| ids::encode(Kind::Attachment, row.id)),
            user_errors,
        })
    }
}
