//! Who is calling and what they may see (DOMAIN.md §1 and §7). Pure rules: the services
//! and the GraphQL layer ask these functions, so the policy lives in one place and is
//! tested as a table.

use std::fmt;

/// The roles of signed-in users. Anonymous callers are the public and have no role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The congress office's administrators: manage users, sessions and rules.
    OfficeAdmin,
    /// The congress office's staff: register, assign, review, supervise.
    OfficeStaff,
    /// Staff of one handling unit (承办单位).
    UnitStaff,
    /// One deputy (人大代表).
    Deputy,
    /// Reads the audit log; changes nothing.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::OfficeAdmin,
        Role::OfficeStaff,
        Role::UnitStaff,
        Role::Deputy,
        Role::Auditor,
    ];

    /// The stable name stored in the database and shown in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::OfficeAdmin => "OFFICE_ADMIN",
            Role::OfficeStaff => "OFFICE_STAFF",
            Role::UnitStaff => "UNIT_STAFF",
            Role::Deputy => "DEPUTY",
            Role::Auditor => "AUDITOR",
        }
    }

    /// Parses the stored name, and the kebab-case spelling of the command line
    /// (`office-admin`).
    pub fn parse(name: &str) -> Option<Self> {
        let canonical = name.trim().to_ascii_uppercase().replace('-', "_");
        Role::ALL.into_iter().find(|r| r.as_str() == canonical)
    }

    /// The congress office: sees everything that is not the audit log.
    pub fn is_office(self) -> bool {
        matches!(self, Role::OfficeAdmin | Role::OfficeStaff)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A signed-in user as one request sees them (loaded fresh for every request, so a
/// disabled user or a moved unit takes effect at once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    /// The unit a UNIT_STAFF user works for.
    pub unit_id: Option<i64>,
    /// The deputy a DEPUTY user is.
    pub deputy_id: Option<i64>,
}

/// The caller of one request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Caller {
    /// The public: no token, or none that is valid.
    #[default]
    Anonymous,
    User(Principal),
}

impl Caller {
    pub fn principal(&self) -> Option<&Principal> {
        match self {
            Caller::Anonymous => None,
            Caller::User(p) => Some(p),
        }
    }

    pub fn role(&self) -> Option<Role> {
        self.principal().map(|p| p.role)
    }

    pub fn is_anonymous(&self) -> bool {
        matches!(self, Caller::Anonymous)
    }

    /// The name recorded in the audit log for the role (`ANONYMOUS` for the public).
    pub fn role_name(&self) -> &'static str {
        self.role().map_or("ANONYMOUS", Role::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_round_trip_in_both_spellings() {
        let cases = [
            ("OFFICE_ADMIN", Some(Role::OfficeAdmin)),
            ("office-admin", Some(Role::OfficeAdmin)),
            ("office-staff", Some(Role::OfficeStaff)),
            ("unit-staff", Some(Role::UnitStaff)),
            ("deputy", Some(Role::Deputy)),
            (" AUDITOR ", Some(Role::Auditor)),
            ("admin", None),
            ("", None),
        ];
        for (name, expected) in cases {
            assert_eq!(Role::parse(name), expected, "{name:?}");
        }
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
    }

    #[test]
    fn anonymous_has_no_role() {
        let caller = Caller::default();
        assert!(caller.is_anonymous());
        assert_eq!(caller.role_name(), "ANONYMOUS");
    }
}
