//! Where a reply stands in review before release.

use async_graphql::Enum;

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ReleaseState")]
/// Where a reply stands on its way to the deputy.
pub enum ReleaseState {
    /// 草稿
    Draft,
    /// 待审核: with the office (sessions with review before release).
    SubmittedForReview,
    /// 退回修改: see `reviewComment`.
    ReturnedForRevision,
    /// 审核通过: the unit may send it.
    Approved,
    /// 已答复: sent to the deputy; only a sent reply is seen by the deputy, rated and
    /// counted.
    Sent,
}
