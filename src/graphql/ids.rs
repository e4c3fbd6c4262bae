//! Opaque global IDs (Relay): base64url of `Type:id`. Clients must not parse them.
//!
//! Every object type has its own ID space, so a normalized client cache (Relay, Apollo)
//! keyed by ID never mixes two objects: the public's `PublishedReply`, `PublishedSession`
//! and `PublishedUnit` are not the staff's `Reply`, `Session` and `HandlingUnit`, although
//! they show the same rows. An argument that names such a row takes either ID (the public
//! ones carried the staff types' IDs before 0.2, and clients may have stored them).

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
    PublishedReply,
    PublishedSession,
    PublishedUnit,
}

impl Kind {
    /// Every kind, for the tests that each has an ID space of its own.
    pub const ALL: [Kind; 20] = [
        Kind::Session,
        Kind::Deputy,
        Kind::HandlingUnit,
        Kind::Suggestion,
        Kind::Assignment,
        Kind::Reply,
        Kind::ReturnRequest,
        Kind::ExtensionRequest,
        Kind::User,
        Kind::PublicFeedback,
        Kind::Filing,
        Kind::ProgressReport,
        Kind::Notification,
        Kind::NotificationDelivery,
        Kind::Attachment,
        Kind::ContactRecord,
        Kind::CoOpinion,
        Kind::PublishedReply,
        Kind::PublishedSession,
        Kind::PublishedUnit,
    ];

    /// The kind whose rows an ID of this kind names: a public view's, the staff type's.
    pub fn record(self) -> Kind {
        match self {
            Kind::PublishedReply => Kind::Reply,
            Kind::PublishedSession => Kind::Session,
            Kind::PublishedUnit => Kind::HandlingUnit,
            other => other,
        }
    }

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
            Kind::PublishedReply => "PublishedReply",
            Kind::PublishedSession => "PublishedSession",
            Kind::PublishedUnit => "PublishedUnit",
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
            "PublishedReply" => Kind::PublishedReply,
            "PublishedSession" => Kind::PublishedSession,
            "PublishedUnit" => Kind::PublishedUnit,
            _ => return None,
        })
    }
}

pub fn encode(kind: Kind, id: i64) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name())))
}

/// `Type:id` of a global ID (what the audit log records), if it is one of banli's.
pub fn readable(id: &str) -> Option<String> {
    decode_exact(id).map(|(kind, key)| format!("{}:{key}", kind.name()))
}

/// The rows a global ID names: its kind's [`Kind::record`] and the key. What arguments
/// decode, so a public ID names its row too.
pub fn decode(id: &str) -> Option<(Kind, i64)> {
    decode_exact(id).map(|(kind, key)| (kind.record(), key))
}

/// The kind and key a global ID was made of.
pub fn decode_exact(id: &str) -> Option<(Kind, i64)> {
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
        Some((k, number)) if k == kind.record() => Ok(number),
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
        Kind::PublishedReply => "公开的答复",
        Kind::PublishedSession => "会议",
        Kind::PublishedUnit => "承办单位",
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

    #[test]
    fn no_two_kinds_share_an_id_space() {
        let mut seen = std::collections::HashSet::new();
        for kind in Kind::ALL {
            let id = encode(kind, 1);
            assert!(seen.insert(id.0.clone()), "{kind:?} shares {}", id.0);
            assert_eq!(decode_exact(&id), Some((kind, 1)));
            assert_eq!(Kind::from_name(kind.name()), Some(kind));
        }
    }

    #[test]
    fn a_public_id_names_the_row_of_its_staff_type() {
        let public = encode(Kind::PublishedReply, 7);
        assert_ne!(public, encode(Kind::Reply, 7));
        assert_eq!(decode(&public), Some((Kind::Reply, 7)));
        assert_eq!(expect(&public, Kind::Reply, &["id"]), Ok(7));
        assert_eq!(
            expect(&encode(Kind::Reply, 7), Kind::PublishedReply, &["id"]),
            Ok(7)
        );
        assert!(expect(&public, Kind::Session, &["id"]).is_err());
        assert_eq!(
            decode(&encode(Kind::PublishedUnit, 3)),
            Some((Kind::HandlingUnit, 3))
        );
        assert_eq!(readable(&public).as_deref(), Some("PublishedReply:7"));
    }
}
