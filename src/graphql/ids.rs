//! Opaque global IDs (Relay): base64url of `Type:id`. Clients must not parse them.

use async_graphql::ID;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use crate::domain::UserError;

/// The object types that have global IDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Session,
    Deputy,
    HandlingUnit,
    Suggestion,
    Assignment,
    Reply,
    ReturnRequest,
    ExtensionRequest,
    User,
    PublicFeedback,
    Filing,
    ProgressReport,
    Notification,
    NotificationDelivery,
    Attachment,
    ContactRecord,
    CoOpinion,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Session => "Session",
            Kind::Deputy => "Deputy",
            Kind::HandlingUnit => "HandlingUnit",
            Kind::Suggestion => "Suggestion",
            Kind::Assignment => "Assignment",
            Kind::Reply => "Reply",
            Kind::ReturnRequest => "ReturnRequest",
            Kind::ExtensionRequest => "ExtensionRequest",
            Kind::User => "User",
            Kind::PublicFeedback => "PublicFeedback",
            Kind::Filing => "Filing",
            Kind::ProgressReport => "ProgressReport",
            Kind::Notification => "Notification",
            Kind::NotificationDelivery => "NotificationDelivery",
            Kind::Attachment => "Attachment",
            Kind::ContactRecord => "ContactRecord",
            Kind::CoOpinion => "CoOpinion",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "Session" => Kind::Session,
            "Deputy" => Kind::Deputy,
            "HandlingUnit" => Kind::HandlingUnit,
            "Suggestion" => Kind::Suggestion,
            "Assignment" => Kind::Assignment,
            "Reply" => Kind::Reply,
            "ReturnRequest" => Kind::ReturnRequest,
            "ExtensionRequest" => Kind::ExtensionRequest,
            "User" => Kind::User,
            "PublicFeedback" => Kind::PublicFeedback,
            "Filing" => Kind::Filing,
            "ProgressReport" => Kind::ProgressReport,
            "Notification" => Kind::Notification,
            "NotificationDelivery" => Kind::NotificationDelivery,
            "Attachment" => Kind::Attachment,
            "ContactRecord" => Kind::ContactRecord,
            "CoOpinion" => Kind::CoOpinion,
            _ => return None,
        })
    }
}

pub fn encode(kind: Kind, id: i64) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name())))
}

/// `Type:id` of a global ID (what the audit log records), if it is one of banli's.
pub fn readable(id: &str) -> Option<String> {
    decode(id).map(|(kind, key)| format!("{}:{key}", kind.name()))
}

pub fn decode(id: &str) -> Option<(Kind, i64)> {
    if id.len() > 64 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(id.as_bytes()).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let (kind, number) = text.split_once(':')?;
    let number: i64 = number.parse().ok()?;
    (number > 0).then_some((Kind::from_name(kind)?, number))
}

/// Decodes an ID that must be of `kind`; anything else is NOT_FOUND at `field`.
pub fn expect(id: &ID, kind: Kind, field: &[&str]) -> Result<i64, UserError> {
    match decode(id.as_str()) {
        Some((k, number)) if k == kind => Ok(number),
        _ => Err(UserError::not_found(
            field,
            format!(
                "找不到该{} (no {} with this id)",
                kind_label(kind),
                kind.name()
            ),
        )),
    }
}

/// [`expect`] for an ID that may be left out.
pub fn expect_opt(id: Option<&ID>, kind: Kind, field: &[&str]) -> Result<Option<i64>, UserError> {
    id.map(|id| expect(id, kind, field)).transpose()
}

/// Decodes an optional filter ID; a wrong or forged ID is a NOT_FOUND error.
pub(crate) fn filter_id(
    id: Option<&ID>,
    kind: Kind,
    field: &str,
) -> async_graphql::Result<Option<i64>> {
    id.map(|id| expect(id, kind, &["filter", field]))
        .transpose()
        .map_err(super::error::user_error)
}

/// Decodes the IDs of one input, collecting every bad one, so that the payload reports
/// them all at once; [`Decoder::finish`] says whether any was bad.
#[derive(Debug, Default)]
pub struct Decoder {
    errors: Vec<UserError>,
}

impl Decoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of `id`; a bad one is collected and stands as 0, which is never used since
    /// [`Decoder::finish`] then fails.
    pub fn id(&mut self, id: &ID, kind: Kind, field: &[&str]) -> i64 {
        expect(id, kind, field).unwrap_or_else(|e| {
            self.errors.push(e);
            0
        })
    }

    /// The ids of the list input `name` (`["input", name, "2"]` for a bad third one).
    pub fn list(&mut self, ids: &[ID], kind: Kind, name: &str) -> Vec<i64> {
        ids.iter()
            .enumerate()
            .map(|(i, id)| self.id(id, kind, &["input", name, &i.to_string()]))
            .collect()
    }

    /// `Err` with every error collected, if any: the input's IDs are not all usable.
    pub fn finish(self) -> Result<(), crate::service::ServiceError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors.into())
        }
    }
}

fn kind_label(kind: Kind) -> &'static str {
    match kind {
        Kind::Session => "会议",
        Kind::Deputy => "代表",
        Kind::HandlingUnit => "承办单位",
        Kind::Suggestion => "建议",
        Kind::Assignment => "交办记录",
        Kind::Reply => "答复",
        Kind::ReturnRequest => "退回申请",
        Kind::ExtensionRequest => "延期申请",
        Kind::User => "用户",
        Kind::PublicFeedback => "意见",
        Kind::Filing => "建议草稿",
        Kind::ProgressReport => "办理进展",
        Kind::Notification => "通知",
        Kind::NotificationDelivery => "通知发送记录",
        Kind::Attachment => "附件",
        Kind::ContactRecord => "沟通记录",
        Kind::CoOpinion => "会办意见",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_refuse_forgeries() {
        let id = encode(Kind::Suggestion, 255);
        assert_eq!(decode(&id), Some((Kind::Suggestion, 255)));
        assert!(expect(&id, Kind::Reply, &["id"]).is_err());
        for forged in [
            "",
            "U3VnZ2VzdGlvbjo",
            "U3VnZ2VzdGlvbjotMQ",
            "Zm9vOjE",
            "not base64!",
            "U2Vzc2lvbjoxOjI",
        ] {
            assert_eq!(decode(forged), None, "{forged}");
        }
    }
}
