//! Users and their roles.

use async_graphql::{Context, Enum, Object, Result, ID};
use entity::app_user;

use crate::domain::access::Role;
use crate::graphql::ids::{self, Kind};
use crate::graphql::loaders::{DeputyKey, UnitKey};
use crate::graphql::objects::{Deputy, HandlingUnit};
use crate::graphql::scalars::DateTime;
use crate::graphql::state;

/// The role of a user.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::access::Role")]
pub enum UserRole {
    /// 代表工作机构管理员: manages users, sessions and rules.
    OfficeAdmin,
    /// 代表工作机构工作人员: registers, assigns, reviews, supervises.
    OfficeStaff,
    /// 承办单位工作人员, bound to one unit.
    UnitStaff,
    /// 人大代表, bound to one deputy.
    Deputy,
    /// 审计员: reads the audit log.
    Auditor,
    /// 督查室 (the coordinating office): reads every case, its deadlines and the
    /// statistics, and urges units (催办); changes nothing else.
    Coordinator,
}

/// A user account. Passwords and tokens are never readable.
pub struct User(pub app_user::Model);

impl User {
    /// The user's kept contacts, for the office or the user themself.
    async fn contacts(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<entity::notification_settings::Model>> {
        let caller = crate::graphql::access::caller(ctx);
        let own = caller.principal().map(|p| p.user_id) == Some(self.0.id);
        if !own && !caller.role().is_some_and(Role::is_office) {
            return Err(crate::graphql::access::forbidden());
        }
        crate::graphql::loaders::visible(ctx, crate::graphql::loaders::ContactsOfUser(self.0.id))
            .await
    }
}

#[Object]
impl User {
    /// 用户的 ID (the account's global ID).
    pub async fn id(&self) -> ID {
        ids::encode(Kind::User, self.0.id)
    }
    /// Sign-in name.
    async fn username(&self) -> &str {
        &self.0.username
    }
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    async fn role(&self) -> Option<UserRole> {
        Role::parse(&self.0.role).map(Into::into)
    }
    /// The unit of a UNIT_STAFF user.
    async fn unit(&self, ctx: &Context<'_>) -> Result<Option<HandlingUnit>> {
        match self.0.unit_id {
            Some(id) => Ok(Some(HandlingUnit(
                crate::graphql::loaders::must(ctx, UnitKey(id), "unit").await?,
            ))),
            None => Ok(None),
        }
    }
    /// The deputy a DEPUTY user is.
    async fn deputy(&self, ctx: &Context<'_>) -> Result<Option<Deputy>> {
        match self.0.deputy_id {
            Some(id) => Ok(Some(Deputy(
                crate::graphql::loaders::must(ctx, DeputyKey(id), "deputy").await?,
            ))),
            None => Ok(None),
        }
    }
    async fn disabled(&self) -> bool {
        self.0.disabled
    }
    /// The e-mail address notices go to. Personal data: the office and the user themself
    /// read it (FORBIDDEN for anyone else); null when none is kept.
    async fn email(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(self.contacts(ctx).await?.and_then(|c| c.email))
    }
    /// The mobile number SMS notices go to; personal data, as `email`.
    async fn mobile(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(self.contacts(ctx).await?.and_then(|c| c.mobile))
    }
    /// Until when repeated wrong passwords keep the account locked.
    async fn locked_until(&self, ctx: &Context<'_>) -> Result<Option<DateTime>> {
        let now = state(ctx)?.clock.now();
        Ok(self.0.locked_until.filter(|t| *t > now).map(DateTime))
    }
    async fn last_login_at(&self) -> Option<DateTime> {
        self.0.last_login_at.map(DateTime)
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
}
