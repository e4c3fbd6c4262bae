//! Which units may be assigned together, and with which roles (docs/domain.md §2.4).
//!
//! - at most one LEAD (主办);
//! - SOLE (独办) is the only unit of the suggestion;
//! - CO_HANDLER (协办) needs a LEAD to send its opinion to;
//! - SEPARATE (分办) units each reply on their own, so they do not mix with LEAD,
//!   CO_HANDLER or SOLE;
//! - a unit is assigned to a suggestion once.

use std::collections::HashSet;

use entity::enums::AssignmentRole::{self, CoHandler, Lead, Separate, Sole};

use super::error::UserError;

/// A unit and role already on the suggestion, or asked for now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    pub unit_id: i64,
    pub role: AssignmentRole,
}

/// Checks the assignments `new` against those the suggestion already has. Errors point
/// at `["input", "units", i, …]` of the offending new entry.
pub fn check_roles(existing: &[Placement], new: &[Placement]) -> Result<(), Vec<UserError>> {
    let mut errors = Vec::new();
    if new.is_empty() {
        errors.push(UserError::invalid(
            &["input", "units"],
            "至少指定一个承办单位 (at least one unit is required)",
        ));
        return Err(errors);
    }
    let mut units: HashSet<i64> = existing.iter().map(|p| p.unit_id).collect();
    let all: Vec<Placement> = existing.iter().chain(new.iter()).copied().collect();
    let count = |role| all.iter().filter(|p| p.role == role).count();
    for (i, placement) in new.iter().enumerate() {
        let leads_before = existing
            .iter()
            .chain(new[..i].iter())
            .filter(|p| p.role == Lead)
            .count();
        let index = i.to_string();
        let at = |leaf: &'static str| ["input", "units", index.as_str(), leaf];
        if !units.insert(placement.unit_id) {
            errors.push(UserError::duplicate(
                &at("unitId"),
                "该单位已承办此建议 (this unit is already assigned to the suggestion)",
            ));
            continue;
        }
        let problem = match placement.role {
            Lead if leads_before > 0 => Some("只能有一个主办单位 (at most one LEAD unit)"),
            Sole if all.len() > 1 => Some("独办单位不能与其他单位同时承办 (a SOLE unit excludes all others)"),
            CoHandler if count(Lead) == 0 => {
                Some("协办单位须有主办单位 (a CO_HANDLER needs a LEAD unit)")
            }
            Separate if count(Lead) + count(CoHandler) + count(Sole) > 0 => Some(
                "分办不能与主办、协办或独办混用 (SEPARATE does not mix with LEAD, CO_HANDLER or SOLE)",
            ),
            Lead | CoHandler if count(Sole) > 0 => {
                Some("已有独办单位 (a SOLE unit excludes all others)")
            }
            Lead | CoHandler if count(Separate) > 0 => Some(
                "分办不能与主办、协办或独办混用 (SEPARATE does not mix with LEAD, CO_HANDLER or SOLE)",
            ),
            _ => None,
        };
        if let Some(message) = problem {
            errors.push(UserError::invalid(&at("role"), message));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ErrorCode;

    fn p(unit_id: i64, role: AssignmentRole) -> Placement {
        Placement { unit_id, role }
    }

    #[test]
    fn role_combinations() {
        // (existing, new, expected error codes with the index of the new entry)
        type Case = (
            Vec<Placement>,
            Vec<Placement>,
            Vec<(ErrorCode, &'static str)>,
        );
        let cases: Vec<Case> = vec![
            (vec![], vec![p(1, Lead)], vec![]),
            (vec![], vec![p(1, Sole)], vec![]),
            (
                vec![],
                vec![p(1, Lead), p(2, CoHandler), p(3, CoHandler)],
                vec![],
            ),
            (vec![], vec![p(1, Separate), p(2, Separate)], vec![]),
            (vec![p(1, Lead)], vec![p(2, CoHandler)], vec![]),
            (
                vec![],
                vec![p(1, Lead), p(2, Lead)],
                vec![(ErrorCode::Invalid, "1")],
            ),
            (
                vec![p(1, Lead)],
                vec![p(2, Lead)],
                vec![(ErrorCode::Invalid, "0")],
            ),
            (
                vec![],
                vec![p(1, Sole), p(2, CoHandler)],
                vec![(ErrorCode::Invalid, "0"), (ErrorCode::Invalid, "1")],
            ),
            (
                vec![p(1, Sole)],
                vec![p(2, Separate)],
                vec![(ErrorCode::Invalid, "0")],
            ),
            (
                vec![],
                vec![p(1, CoHandler)],
                vec![(ErrorCode::Invalid, "0")],
            ),
            (
                vec![],
                vec![p(1, Lead), p(2, Separate)],
                vec![(ErrorCode::Invalid, "0"), (ErrorCode::Invalid, "1")],
            ),
            (
                vec![],
                vec![p(1, Lead), p(1, CoHandler)],
                vec![(ErrorCode::Duplicate, "1")],
            ),
            (
                vec![p(1, Lead)],
                vec![p(1, CoHandler)],
                vec![(ErrorCode::Duplicate, "0")],
            ),
            (vec![], vec![], vec![(ErrorCode::Invalid, "units")]),
        ];
        for (existing, new, expected) in cases {
            let got: Vec<(ErrorCode, String)> = match check_roles(&existing, &new) {
                Ok(()) => vec![],
                Err(errors) => errors
                    .into_iter()
                    .map(|e| {
                        (
                            e.code,
                            e.field
                                .get(2)
                                .cloned()
                                .unwrap_or_else(|| e.field[1].clone()),
                        )
                    })
                    .collect(),
            };
            let expected: Vec<(ErrorCode, String)> = expected
                .into_iter()
                .map(|(c, i)| (c, i.to_owned()))
                .collect();
            assert_eq!(got, expected, "existing {existing:?} new {new:?}");
        }
    }
}
