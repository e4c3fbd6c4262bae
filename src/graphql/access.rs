//! Guards: which roles may call an operation or read a field. A refused call is a
//! GraphQL error with `extensions.code` UNAUTHENTICATED (no valid token) or FORBIDDEN
//! (signed in, but the role may not); objects outside the caller's scope are handled by
//! the services and look exactly like missing ones (NOT_FOUND / null).

use async_graphql::{Context, ErrorExtensions, Guard, Result};

use crate::domain::access::{Caller, Principal, Role, Scope};

/// The congress office.
pub const OFFICE: &[Role] = &[Role::OfficeAdmin, Role::OfficeStaff];
/// Who reads every case, its deadlines and the statistics: the office and the
/// coordinating office (督查室).
pub const OVERSIGHT: &[Role] = &[Role::OfficeAdmin, Role::OfficeStaff, Role::Coordinator];
/// Who urges units (催办): the same.
pub const URGERS: &[Role] = OVERSIGHT;
/// Office administrators only.
pub const ADMIN: &[Role] = &[Role::OfficeAdmin];
/// Who works with suggestions: the office, the units and the deputies, each in scope.
pub const CASEWORK: &[Role] = &[
    Role::OfficeAdmin,
    Role::OfficeStaff,
    Role::UnitStaff,
    Role::Deputy,
];
/// Who reads cases: the office, the units and the deputies, each in scope, and the
/// coordinating office (督查室), which sees every case and changes none.
pub const CASE_READERS: &[Role] = &[
    Role::OfficeAdmin,
    Role::OfficeStaff,
    Role::UnitStaff,
    Role::Deputy,
    Role::Coordinator,
];
/// Who reads deadline and statistics figures: the office, units for their own, and the
/// coordinating office.
pub const DESK_READERS: &[Role] = &[
    Role::OfficeAdmin,
    Role::OfficeStaff,
    Role::UnitStaff,
    Role::Coordinator,
];
/// Who acts for a handling unit: its staff, or the office on its behalf (recording what
/// a unit sent on paper).
pub const UNIT_WORK: &[Role] = &[Role::OfficeAdmin, Role::OfficeStaff, Role::UnitStaff];
/// Who acts for a deputy: the deputy, or the office entering a paper rating form.
pub const DEPUTY_WORK: &[Role] = &[Role::OfficeAdmin, Role::OfficeStaff, Role::Deputy];
/// Every signed-in role.
pub const SIGNED_IN: &[Role] = &Role::ALL;
/// Who reads the audit log.
pub const AUDIT_READERS: &[Role] = &[Role::OfficeAdmin, Role::Auditor];

static ANONYMOUS: Caller = Caller::Anonymous;

/// The caller of this request (anonymous when the request carries none).
pub fn caller<'a>(ctx: &'a Context<'_>) -> &'a Caller {
    ctx.data_opt::<Caller>().unwrap_or(&ANONYMOUS)
}

pub fn unauthenticated() -> async_graphql::Error {
    async_graphql::Error::new("请先登录 (sign in first)").extend_with(|_, e| {
        e.set("code", "UNAUTHENTICATED");
    })
}

pub fn forbidden() -> async_graphql::Error {
    async_graphql::Error::new("无权执行此操作 (your role may not do this)").extend_with(|_, e| {
        e.set("code", "FORBIDDEN");
    })
}

/// The signed-in caller, whose role is one of `roles`.
pub fn require<'a>(ctx: &'a Context<'_>, roles: &[Role]) -> Result<&'a Principal> {
    match caller(ctx) {
        Caller::Anonymous => Err(unauthenticated()),
        Caller::User(p) if roles.contains(&p.role) => Ok(p),
        Caller::User(_) => Err(forbidden()),
    }
}

/// What the caller may see of suggestions and assignments.
pub fn scope(ctx: &Context<'_>) -> Scope {
    caller(ctx).scope()
}

/// The signed-in caller, any role.
pub fn signed_in<'a>(ctx: &'a Context<'_>) -> Result<&'a Principal> {
    require(ctx, &Role::ALL)
}

/// `#[graphql(guard = "Allow(OFFICE)")]`: only these roles may resolve the field.
pub struct Allow(pub &'static [Role]);

impl Guard for Allow {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        require(ctx, self.0).map(|_| ())
    }
}
