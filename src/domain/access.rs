//! Who is calling and what they may see (docs/domain.md §1 and §7). Pure rules: the services
//! and the GraphQL layer ask these functions, so the policy lives in one place and is
//! tested as a table.

use std::fmt;

use super::UserError;

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
    /// The coordinating office (督查室): reads every case, its deadlines and the
    /// statistics, and urges units (催办); changes nothing else.
    Coordinator,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::OfficeAdmin,
        Role::OfficeStaff,
        Role::UnitStaff,
        Role::Deputy,
        Role::Auditor,
        Role::Coordinator,
    ];

    /// The stable name stored in the database and shown in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::OfficeAdmin => "OFFICE_ADMIN",
            Role::OfficeStaff => "OFFICE_STAFF",
            Role::UnitStaff => "UNIT_STAFF",
            Role::Deputy => "DEPUTY",
            Role::Auditor => "AUDITOR",
            Role::Coordinator => "COORDINATOR",
        }
    }

    /// Parses the stored name, and the kebab-case spelling of the command line
    /// (`office-admin`).
    pub fn parse(name: &str) -> Option<Self> {
        let canonical = name.trim().to_ascii_uppercase().replace('-', "_");
        Role::ALL.into_iter().find(|r| r.as_str() == canonical)
    }

    /// The congress office: sees everything that is not the audit log. (The coordinating
    /// office sees every case too, through [`Caller::scope`], but is not the office.)
    pub fn is_office(self) -> bool {
        matches!(self, Role::OfficeAdmin | Role::OfficeStaff)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A signed-in user as one request sees them (a user change empties the token cache, so a
/// disabled user or a moved unit takes effect on the next request).
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

/// The rows a caller may see (docs/domain.md §7). Services turn it into SQL conditions, so
/// lists, counts, `node` and nested fields all apply the same rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// The congress office: every suggestion and assignment.
    All,
    /// Staff of this unit: its own assignments and the suggestions behind them.
    Unit(i64),
    /// This deputy: the suggestions they lead or co-signed, and their assignments.
    Deputy(i64),
    /// No private rows at all (the public, the auditor). The default, so a filter built
    /// without thinking about access shows nothing rather than everything.
    #[default]
    Nothing,
}

impl Caller {
    /// What this caller may see of suggestions and assignments.
    pub fn scope(&self) -> Scope {
        match self.principal() {
            Some(p) if p.role.is_office() || p.role == Role::Coordinator => Scope::All,
            Some(Principal {
                role: Role::UnitStaff,
                unit_id: Some(unit),
                ..
            }) => Scope::Unit(*unit),
            Some(Principal {
                role: Role::Deputy,
                deputy_id: Some(deputy),
                ..
            }) => Scope::Deputy(*deputy),
            _ => Scope::Nothing,
        }
    }
}

/// Shortest password accepted (OWASP ASVS 2.1.1 asks for at least 12 characters).
pub const PASSWORD_MIN_CHARS: usize = 12;
/// Longest password accepted, checked before hashing so a client cannot make the server
/// hash megabytes (OWASP allows at least 64; 128 leaves room for passphrases).
pub const PASSWORD_MAX_CHARS: usize = 128;

/// A sign-in name: 3–64 characters of `a-z 0-9 . _ -`, stored in lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str, field: &[&str]) -> Result<Self, UserError> {
        let name = raw.trim().to_ascii_lowercase();
        let len = name.chars().count();
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
        if !(3..=64).contains(&len) || !name.chars().all(allowed) {
            return Err(UserError::invalid(
                field,
                "用户名须为 3–64 位小写字母、数字或 . _ - (username: 3–64 of a-z 0-9 . _ -)",
            ));
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password that meets the policy. It is only ever hashed, never stored or logged;
/// `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// The characters of a password the strength estimate looks at: a longer passphrase is not
/// weaker for its tail, and the estimate's time grows with the length.
const ESTIMATED_CHARS: usize = 64;

/// zxcvbn's estimate of how many guesses the password takes (NIST SP 800-63B §5.1.1.2:
/// refuse passwords from lists of common ones, repetitive or sequential characters and
/// context-specific words): at least score 3, about 10^8 guesses, with the username as a
/// word an attacker would try first. Its bundled lists hold the most common passwords,
/// English words, names and keyboard patterns.
fn strong_enough(raw: &str, username: &Username) -> bool {
    let head: String = raw.chars().take(ESTIMATED_CHARS).collect();
    zxcvbn::zxcvbn(&head, &[username.as_str(), "banli"]).score() >= zxcvbn::Score::Three
}

impl NewPassword {
    /// Length 12–128 characters, not one character repeated, not containing the username,
    /// and not easy to guess (a common password, a keyboard run, a repeated or simple pattern:
    /// [`strong_enough`]). No composition rules (OWASP: length beats complexity rules).
    pub fn parse(raw: &str, username: &Username, field: &[&str]) -> Result<Self, UserError> {
        let len = raw.chars().count();
        if len > PASSWORD_MAX_CHARS {
            return Err(UserError::invalid(
                field,
                format!("密码不能超过 {PASSWORD_MAX_CHARS} 个字符 (password at most {PASSWORD_MAX_CHARS} characters)"),
            ));
        }
        if len < PASSWORD_MIN_CHARS {
            return Err(UserError::invalid(
                field,
                format!("密码至少 {PASSWORD_MIN_CHARS} 个字符 (password at least {PASSWORD_MIN_CHARS} characters)"),
            ));
        }
        let mut chars = raw.chars();
        let first = chars.next();
        if chars.all(|c| Some(c) == first) {
            return Err(UserError::invalid(
                field,
                "密码不能由同一个字符重复组成 (password must not repeat one character)",
            ));
        }
        if raw.to_lowercase().contains(username.as_str()) {
            return Err(UserError::invalid(
                field,
                "密码不能包含用户名 (password must not contain the username)",
            ));
        }
        if !strong_enough(raw, username) {
            return Err(UserError::invalid(
                field,
                "密码太容易被猜到（常见密码、键盘序列、重复或简单规律），请换用更长、不常见的词组 \
                 (password too easy to guess: a common password, a keyboard run, a repeat or a \
                 simple pattern; use a longer, less common phrase)",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Which binding a role needs: UNIT_STAFF exactly one unit, DEPUTY exactly one deputy,
/// every other role neither.
pub fn check_binding(
    role: Role,
    unit_id: Option<i64>,
    deputy_id: Option<i64>,
) -> Result<(), UserError> {
    match (role, unit_id, deputy_id) {
        (Role::UnitStaff, Some(_), None) | (Role::Deputy, None, Some(_)) => Ok(()),
        (Role::UnitStaff, _, _) => Err(UserError::invalid(
            &["unitId"],
            "承办单位工作人员须绑定一个承办单位，且不绑定代表 (UNIT_STAFF needs a unit and no deputy)",
        )),
        (Role::Deputy, _, _) => Err(UserError::invalid(
            &["deputyId"],
            "代表账户须绑定一名代表，且不绑定单位 (DEPUTY needs a deputy and no unit)",
        )),
        (_, Some(_), _) => Err(UserError::invalid(
            &["unitId"],
            "此角色不绑定承办单位 (this role has no unit)",
        )),
        (_, _, Some(_)) => Err(UserError::invalid(
            &["deputyId"],
            "此角色不绑定代表 (this role has no deputy)",
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        let cases = [
            ("zhang.san", Some("zhang.san")),
            ("  Unit_A-01 ", Some("unit_a-01")),
            ("ab", None),
            ("张三", None),
            ("a b c", None),
            (&"x".repeat(65), None),
        ];
        for (raw, expected) in cases {
            let parsed = Username::parse(raw, &["username"]).ok();
            assert_eq!(parsed.as_ref().map(Username::as_str), expected, "{raw:?}");
        }
    }

    #[test]
    fn password_policy() {
        let user = Username::parse("zhangsan", &[]).unwrap();
        let cases = [
            ("correct horse battery", true),
            ("办理建议答复密码很长啊啊啊", true),
            ("short", false),
            ("aaaaaaaaaaaaaaaa", false),
            ("my-ZhangSan-password", false),
            (&"x1".repeat(64), false),
            ("x1 办理 correct horse battery zxq 2026 staple", true),
            (&"x1".repeat(65), false),
            // Found by an attack run: long enough, but guessed at once.
            ("123456789012", false),
            ("password1234", false),
            ("qwertyuiop12", false),
            ("abcabcabcabc", false),
            ("zhangsan2026!", false),
            ("1qaz2wsx3edc", false),
            // The passphrases of the tests and the demo accounts.
            ("test admin password 2026", true),
            ("correct horse battery 2026", true),
            ("a brand new passphrase", true),
            ("a long passphrase for 办公室", true),
            ("banli:admin:2026", true),
            ("banli:unit-a:2026", true),
            ("bench unit-7 password 2026", true),
        ];
        for (raw, ok) in cases {
            assert_eq!(
                NewPassword::parse(raw, &user, &["password"]).is_ok(),
                ok,
                "{raw:?}"
            );
        }
        let secret = NewPassword::parse("correct horse battery", &user, &[]).unwrap();
        assert!(!format!("{secret:?}").contains("horse"));
    }

    #[test]
    fn role_bindings() {
        let cases = [
            (Role::UnitStaff, Some(1), None, true),
            (Role::UnitStaff, None, None, false),
            (Role::UnitStaff, Some(1), Some(2), false),
            (Role::Deputy, None, Some(2), true),
            (Role::Deputy, Some(1), None, false),
            (Role::OfficeAdmin, None, None, true),
            (Role::OfficeStaff, Some(1), None, false),
            (Role::Auditor, None, Some(1), false),
        ];
        for (role, unit, deputy, ok) in cases {
            assert_eq!(
                check_binding(role, unit, deputy).is_ok(),
                ok,
                "{role} {unit:?} {deputy:?}"
            );
        }
    }

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
    fn scopes_follow_role_and_binding() {
        let user = |role, unit_id, deputy_id| {
            Caller::User(Principal {
                user_id: 1,
                username: "u".into(),
                role,
                unit_id,
                deputy_id,
            })
        };
        let cases = [
            (Caller::Anonymous, Scope::Nothing),
            (user(Role::OfficeAdmin, None, None), Scope::All),
            (user(Role::OfficeStaff, None, None), Scope::All),
            (user(Role::UnitStaff, Some(7), None), Scope::Unit(7)),
            // A unit account without its unit sees nothing rather than everything.
            (user(Role::UnitStaff, None, None), Scope::Nothing),
            (user(Role::Deputy, None, Some(3)), Scope::Deputy(3)),
            (user(Role::Deputy, None, None), Scope::Nothing),
            (user(Role::Auditor, None, None), Scope::Nothing),
        ];
        for (caller, scope) in cases {
            assert_eq!(caller.scope(), scope, "{caller:?}");
        }
    }

    #[test]
    fn anonymous_has_no_role() {
        let caller = Caller::default();
        assert!(caller.is_anonymous());
        assert_eq!(caller.role_name(), "ANONYMOUS");
    }
}
