//! The demo's sign-in accounts, one per role, with their passwords (printed by `banli demo`).

use super::*;

/// Username, password, role, index into `UNITS`, index into `DEPUTIES`.
pub type DemoAccount = (
    &'static str,
    &'static str,
    Role,
    Option<usize>,
    Option<usize>,
);

/// One account per role, with fixed passwords documented in the README. Created only by
/// `banli demo`, never by the server itself. The two unit accounts work for the lead
/// (民政局) and the co-handler (财政局) of one suggestion, to try out what each may see.
pub const DEMO_ACCOUNTS: [DemoAccount; 7] = [
    (
        "demo-admin",
        "banli:admin:2026",
        Role::OfficeAdmin,
        None,
        None,
    ),
    (
        "demo-office",
        "banli:office:2026",
        Role::OfficeStaff,
        None,
        None,
    ),
    (
        "demo-unit-a",
        "banli:unit-a:2026",
        Role::UnitStaff,
        Some(10),
        None,
    ),
    (
        "demo-unit-b",
        "banli:unit-b:2026",
        Role::UnitStaff,
        Some(3),
        None,
    ),
    (
        "demo-deputy",
        "banli:deputy:2026",
        Role::Deputy,
        None,
        Some(0),
    ),
    (
        "demo-auditor",
        "banli:auditor:2026",
        Role::Auditor,
        None,
        None,
    ),
    (
        "demo-coordinator",
        "banli:coordinator:2026",
        Role::Coordinator,
        None,
        None,
    ),
];

pub(super) async fn load_accounts(
    db: &Db,
    units: &[entity::handling_unit::Model],
    deputies: &[entity::deputy::Model],
    now: DateTime<Utc>,
) -> anyhow::Result<String> {
    let mut lines = String::new();
    for (username, password, role, unit, deputy) in DEMO_ACCOUNTS {
        let unit_id = unit.and_then(|i| units.get(i)).map(|u| u.id);
        let deputy_id = deputy.and_then(|i| deputies.get(i)).map(|d| d.id);
        let bound = unit
            .and_then(|i| units.get(i))
            .map(|u| format!(" ({})", u.name))
            .or_else(|| {
                deputy
                    .and_then(|i| deputies.get(i))
                    .map(|d| format!(" ({})", d.name))
            })
            .unwrap_or_default();
        let input = service::account::NewUser {
            username: username.into(),
            display_name: format!("演示账户 {username}"),
            role,
            unit_id,
            deputy_id,
            password: password.into(),
        };
        ok(
            service::account::create_user(db, input, now).await,
            "account",
        )?;
        lines.push_str(&format!("  {username} / {password} / {role}{bound}\n"));
    }
    Ok(lines)
}
