//! A deputy's rating of a reply (满意度测评): by the lead deputy, optionally by co-signers.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rating")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub reply_id: i64,
    pub assignment_id: i64,
    pub round: i32,
    pub deputy_id: i64,
    /// True for the lead deputy, whose rating decides re-handling.
    pub by_lead_deputy: bool,
    pub satisfaction: crate::enums::Satisfaction,
    /// Optional separate rating of the handling work.
    pub work_satisfaction: Option<crate::enums::Satisfaction>,
    /// Optional separate rating of the result.
    pub result_satisfaction: Option<crate::enums::Satisfaction>,
    pub comment: Option<String>,
    pub rated_on: Date,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
