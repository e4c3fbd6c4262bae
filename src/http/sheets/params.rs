//! The query parameters of the spreadsheet routes, decoded as the API decodes its
//! arguments: global IDs of the right kind, API enum names (comma-separated or repeated),
//! `YYYY-MM-DD` dates, each parameter at most once, and no parameter the route does not
//! know (a typo must not silently widen an export). Errors name the parameter as `field`.

use actix_web::{web, HttpRequest};
use async_graphql::ID;
use chrono::NaiveDate;

use crate::domain::access::{Caller, Principal};
use crate::domain::UserError;
use crate::graphql::ids::{self, Kind};
use crate::service::statistics::{GroupBy, StatisticsFilter};
use crate::service::suggestion::SuggestionFilter;
use crate::service::ServiceError;

/// The query parameters as pairs; `None` when the query string is malformed.
pub(super) fn pairs(req: &HttpRequest) -> Option<Vec<(String, String)>> {
    web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .ok()
        .map(web::Query::into_inner)
}

pub(super) fn one<'a>(values: &[&'a str], name: &str) -> Result<Option<&'a str>, UserError> {
    match values {
        [] => Ok(None),
        [value] => Ok(Some(value)),
        _ => Err(UserError::invalid(
            &[name],
            format!("参数 {name} 只能出现一次 ({name} given more than once)"),
        )),
    }
}

pub(super) fn date_param(values: &[&str], name: &str) -> Result<Option<NaiveDate>, UserError> {
    one(values, name)?
        .map(|v| {
            crate::graphql::scalars::parse_date(v).ok_or_else(|| {
                UserError::invalid(
                    &[name],
                    format!("{name} 应为 YYYY-MM-DD 格式的日期 ({name} must be a date YYYY-MM-DD)"),
                )
            })
        })
        .transpose()
}

pub(super) fn id_param(values: &[&str], name: &str, kind: Kind) -> Result<Option<i64>, UserError> {
    one(values, name)?
        .map(|v| ids::expect(&ID(v.to_owned()), kind, &[name]))
        .transpose()
}

/// Enum values, comma-separated or repeated, by their API names.
pub(super) fn enum_list<T: serde::de::DeserializeOwned>(
    values: &[&str],
    name: &str,
) -> Result<Option<Vec<T>>, UserError> {
    if values.is_empty() {
        return Ok(None);
    }
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| {
            serde_json::from_value(serde_json::Value::String(v.to_owned())).map_err(|_| {
                UserError::invalid(
                    &[name],
                    format!("{name} 的取值 {v} 无效 (unknown value {v} of {name})"),
                )
            })
        })
        .collect::<Result<Vec<T>, _>>()
        .map(Some)
}

/// Errors for the parameters a route does not know (a typo must not silently widen an
/// export), to which the route adds its own.
pub(super) fn known_only(
    params: &[(String, String)],
    known: &[&str],
) -> crate::domain::error::Errors {
    let mut errors = crate::domain::error::Errors::new();
    for (key, _) in params {
        if !known.contains(&key.as_str()) {
            errors.push(UserError::invalid(
                &[key.as_str()],
                format!("未知参数 {key} (unknown parameter {key})"),
            ));
        }
    }
    errors
}

/// Every value given for the parameter `name`.
pub(super) fn values_of<'a>(params: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    params
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// For unit staff only their own unit exists as a filter value.
pub(super) fn check_unit(
    scope: crate::domain::access::Scope,
    unit: i64,
    errors: &mut crate::domain::error::Errors,
) {
    if let Err(ServiceError::User(found)) =
        crate::service::scope::check_unit_filter(scope, Some(unit), &["unitId"])
    {
        for e in found {
            errors.push(e);
        }
    }
}

/// The list's filters and `asOf` from the query parameters, decoded as the API does.
pub fn export_filter(
    params: &[(String, String)],
    principal: &Principal,
    today: NaiveDate,
) -> Result<(SuggestionFilter, NaiveDate), Vec<UserError>> {
    const KNOWN: [&str; 10] = [
        "sessionId",
        "unitId",
        "deputyId",
        "status",
        "category",
        "isKey",
        "keyword",
        "submittedFrom",
        "submittedTo",
        "asOf",
    ];
    let mut errors = known_only(params, &KNOWN);
    let values = |name: &str| values_of(params, name);
    let scope = Caller::User(principal.clone()).scope();
    let session_id = errors.check(id_param(&values("sessionId"), "sessionId", Kind::Session));
    let unit_id = errors.check(id_param(&values("unitId"), "unitId", Kind::HandlingUnit));
    let deputy_id = errors.check(id_param(&values("deputyId"), "deputyId", Kind::Deputy));
    let status = errors.check(enum_list(&values("status"), "status"));
    let category = errors.check(enum_list(&values("category"), "category"));
    let is_key = errors.check(one(&values("isKey"), "isKey").and_then(|v| match v {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(_) => Err(UserError::invalid(
            &["isKey"],
            "isKey 应为 true 或 false (isKey must be true or false)",
        )),
    }));
    let keyword = errors.check(one(&values("keyword"), "keyword").and_then(|k| match k {
        Some(k) if k.chars().count() > 100 => Err(UserError::invalid(
            &["keyword"],
            "关键词不能超过 100 个字符 (keyword at most 100 characters)",
        )),
        k => Ok(k.map(str::to_owned)),
    }));
    let submitted_from = errors.check(date_param(&values("submittedFrom"), "submittedFrom"));
    let submitted_to = errors.check(date_param(&values("submittedTo"), "submittedTo"));
    let as_of = errors.check(date_param(&values("asOf"), "asOf"));
    if let Some(Some(unit)) = unit_id {
        check_unit(scope, unit, &mut errors);
    }
    errors.finish()?;
    let filter = SuggestionFilter {
        scope,
        session_id: session_id.flatten(),
        unit_id: unit_id.flatten(),
        deputy_id: deputy_id.flatten(),
        status: status.flatten(),
        category: category.flatten(),
        is_key: is_key.flatten(),
        keyword: keyword.flatten(),
        submitted_from: submitted_from.flatten(),
        submitted_to: submitted_to.flatten(),
        keyword_plan: None,
    };
    Ok((filter, as_of.flatten().unwrap_or(today)))
}

/// The groups of `groupBy` (comma-separated or repeated), each once, in the order given.
fn groups(values: &[&str], errors: &mut crate::domain::error::Errors) -> Vec<GroupBy> {
    let mut group_by = Vec::new();
    for name in values.iter().flat_map(|v| v.split(',')) {
        let group = match name.trim() {
            "SESSION" => GroupBy::Session,
            "UNIT" => GroupBy::Unit,
            "TOPIC" => GroupBy::Topic,
            "CATEGORY" => GroupBy::Category,
            "MONTH" => GroupBy::Month,
            other => {
                errors.push(UserError::invalid(
                    &["groupBy"],
                    format!(
                        "未知分组 {other} (groupBy takes SESSION, UNIT, TOPIC, CATEGORY, MONTH)"
                    ),
                ));
                continue;
            }
        };
        if !group_by.contains(&group) {
            group_by.push(group);
        }
    }
    group_by
}

/// The parameters of a statistics export: the `statistics` query's filter, `groupBy`
/// (comma-separated: SESSION, UNIT, TOPIC, CATEGORY, MONTH) and `asOf`.
pub(super) fn statistics_filter(
    params: &[(String, String)],
    principal: &Principal,
    today: NaiveDate,
) -> Result<(StatisticsFilter, Vec<GroupBy>, NaiveDate), Vec<UserError>> {
    const KNOWN: [&str; 8] = [
        "sessionId",
        "unitId",
        "topic",
        "kind",
        "from",
        "to",
        "groupBy",
        "asOf",
    ];
    let mut errors = known_only(params, &KNOWN);
    let values = |name: &str| values_of(params, name);
    let scope = Caller::User(principal.clone()).scope();
    let session_id = errors.check(id_param(&values("sessionId"), "sessionId", Kind::Session));
    let unit_id = errors.check(id_param(&values("unitId"), "unitId", Kind::HandlingUnit));
    let topic = errors.check(one(&values("topic"), "topic")).flatten();
    let kind = errors
        .check(enum_list::<entity::enums::SuggestionKind>(
            &values("kind"),
            "kind",
        ))
        .flatten();
    let from = errors.check(date_param(&values("from"), "from")).flatten();
    let to = errors.check(date_param(&values("to"), "to")).flatten();
    let as_of = errors.check(date_param(&values("asOf"), "asOf")).flatten();
    let group_by = groups(&values("groupBy"), &mut errors);
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            errors.push(UserError::invalid(
                &["to"],
                "结束日期不能早于开始日期 (to must not precede from)",
            ));
        }
    }
    let kind = match kind.as_deref() {
        None | Some([]) => None,
        Some([one]) => Some(*one),
        Some(_) => {
            errors.push(UserError::invalid(&["kind"], "kind 只能有一个 (one kind)"));
            None
        }
    };
    if let Some(Some(unit)) = unit_id {
        check_unit(scope, unit, &mut errors);
    }
    errors.finish()?;
    let filter = StatisticsFilter {
        scope,
        session_id: session_id.flatten(),
        unit_id: unit_id.flatten(),
        topic: topic
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned),
        kind,
        from,
        to,
    };
    Ok((filter, group_by, as_of.unwrap_or(today)))
}

/// The session a template or an import is for, from `?sessionId=`.
pub(super) fn session_param(req: &HttpRequest) -> Result<i64, UserError> {
    session_of(&pairs(req).unwrap_or_default())
}

/// The required `sessionId` among `params`.
fn session_of(params: &[(String, String)]) -> Result<i64, UserError> {
    id_param(&values_of(params, "sessionId"), "sessionId", Kind::Session)?.ok_or_else(|| {
        UserError::invalid(
            &["sessionId"],
            "请指定会议 sessionId (sessionId is required)",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::{Role, Scope};
    use crate::domain::ErrorCode;
    use entity::enums::{ReplyCategory, SuggestionKind, SuggestionStatus};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    const TODAY: (i32, u32, u32) = (2026, 11, 22);

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn staff(role: Role, unit_id: Option<i64>) -> Principal {
        Principal {
            user_id: 1,
            username: "clerk".to_owned(),
            role,
            unit_id,
            deputy_id: None,
        }
    }

    fn office() -> Principal {
        staff(Role::OfficeStaff, None)
    }

    fn id(kind: Kind, n: i64) -> String {
        ids::encode(kind, n).0
    }

    /// (field, code) of each error, in order.
    fn found(errors: &[UserError]) -> Vec<(String, ErrorCode)> {
        errors.iter().map(|e| (e.field.join("."), e.code)).collect()
    }

    #[test]
    fn single_values_dates_and_ids_decode_or_name_their_parameter() {
        assert_eq!(one(&[], "a").ok(), Some(None));
        assert_eq!(one(&["x"], "a").ok(), Some(Some("x")));
        let twice = one(&["x", "y"], "a").err().map(|e| (e.field, e.code));
        assert_eq!(twice, Some((vec!["a".to_owned()], ErrorCode::Invalid)));

        assert_eq!(
            date_param(&["2026-02-28"], "asOf").ok(),
            Some(Some(day(2026, 2, 28)))
        );
        for bad in ["2026-02-29", "2026/02/28", "", "明天"] {
            let error = date_param(&[bad], "asOf").err().map(|e| e.code);
            assert_eq!(error, Some(ErrorCode::Invalid), "{bad:?}");
        }

        let session = id(Kind::Session, 7);
        assert_eq!(
            id_param(&[&session], "sessionId", Kind::Session).ok(),
            Some(Some(7))
        );
        let unit = id(Kind::HandlingUnit, 7);
        for wrong in [unit.as_str(), "7", "not base64!"] {
            let error = id_param(&[wrong], "sessionId", Kind::Session)
                .err()
                .map(|e| e.code);
            assert_eq!(error, Some(ErrorCode::NotFound), "{wrong:?}");
        }
    }

    #[test]
    fn enum_lists_are_comma_separated_or_repeated_by_api_names() {
        let both: Option<Vec<SuggestionStatus>> =
            enum_list(&["ASSIGNED, REPLIED", "CLOSED"], "status")
                .ok()
                .flatten();
        assert_eq!(
            both,
            Some(vec![
                SuggestionStatus::Assigned,
                SuggestionStatus::Replied,
                SuggestionStatus::Closed
            ])
        );
        assert_eq!(enum_list::<ReplyCategory>(&[], "category").ok(), Some(None));
        let error = enum_list::<ReplyCategory>(&["A,assigned"], "category")
            .err()
            .map(|e| (e.field, e.code, e.message.contains("assigned")));
        assert_eq!(
            error,
            Some((vec!["category".to_owned()], ErrorCode::Invalid, true))
        );
    }

    #[test]
    fn the_list_export_takes_the_suggestions_filters() {
        let session = id(Kind::Session, 3);
        let (filter, as_of) = export_filter(
            &params(&[
                ("sessionId", &session),
                ("status", "ASSIGNED"),
                ("category", "A,B"),
                ("isKey", "true"),
                ("keyword", "干部培训"),
                ("submittedFrom", "2026-01-01"),
                ("asOf", "2026-10-01"),
            ]),
            &office(),
            day(TODAY.0, TODAY.1, TODAY.2),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(filter.scope, Scope::All);
        assert_eq!(filter.session_id, Some(3));
        assert_eq!(filter.status, Some(vec![SuggestionStatus::Assigned]));
        assert_eq!(
            filter.category,
            Some(vec![ReplyCategory::A, ReplyCategory::B])
        );
        assert_eq!(filter.is_key, Some(true));
        assert_eq!(filter.keyword.as_deref(), Some("干部培训"));
        assert_eq!(filter.submitted_from, Some(day(2026, 1, 1)));
        assert_eq!(filter.submitted_to, None);
        assert_eq!(as_of, day(2026, 10, 1));

        let (_, as_of) =
            export_filter(&[], &office(), day(2026, 11, 22)).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(as_of, day(2026, 11, 22), "asOf defaults to today");
    }

    #[test]
    fn every_bad_list_parameter_is_reported_and_nothing_is_exported() {
        let other_unit = id(Kind::HandlingUnit, 9);
        let errors = export_filter(
            &params(&[
                ("sessoinId", "x"),
                ("isKey", "yes"),
                ("keyword", &"长".repeat(101)),
                ("submittedTo", "2026-13-01"),
                ("unitId", &other_unit),
            ]),
            &staff(Role::UnitStaff, Some(4)),
            day(2026, 11, 22),
        )
        .err()
        .unwrap_or_default();
        assert_eq!(
            found(&errors),
            vec![
                ("sessoinId".to_owned(), ErrorCode::Invalid),
                ("isKey".to_owned(), ErrorCode::Invalid),
                ("keyword".to_owned(), ErrorCode::Invalid),
                ("submittedTo".to_owned(), ErrorCode::Invalid),
                ("unitId".to_owned(), ErrorCode::NotFound),
            ]
        );
    }

    #[test]
    fn unit_staff_filter_by_their_own_unit_only() {
        let own = id(Kind::HandlingUnit, 4);
        let (filter, _) = export_filter(
            &params(&[("unitId", &own)]),
            &staff(Role::UnitStaff, Some(4)),
            day(2026, 11, 22),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(filter.scope, Scope::Unit(4));
        assert_eq!(filter.unit_id, Some(4));
    }

    #[test]
    fn the_statistics_export_takes_its_filter_and_groups() {
        let (filter, group_by, as_of) = statistics_filter(
            &params(&[
                ("groupBy", "UNIT,CATEGORY"),
                ("groupBy", "UNIT"),
                ("kind", "CPPCC_PROPOSAL"),
                ("topic", "  教育  "),
                ("from", "2026-01-01"),
                ("to", "2026-06-30"),
            ]),
            &office(),
            day(2026, 11, 22),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            group_by,
            vec![GroupBy::Unit, GroupBy::Category],
            "once each"
        );
        assert_eq!(filter.kind, Some(SuggestionKind::CppccProposal));
        assert_eq!(filter.topic.as_deref(), Some("教育"));
        assert_eq!(
            (filter.from, filter.to),
            (Some(day(2026, 1, 1)), Some(day(2026, 6, 30)))
        );
        assert_eq!(as_of, day(2026, 11, 22));

        let errors = statistics_filter(
            &params(&[
                ("groupBy", "UNIT,WEEK"),
                ("kind", "NPC_SUGGESTION,CPPCC_PROPOSAL"),
                ("from", "2026-07-01"),
                ("to", "2026-06-30"),
            ]),
            &office(),
            day(2026, 11, 22),
        )
        .err()
        .unwrap_or_default();
        assert_eq!(
            found(&errors),
            vec![
                ("groupBy".to_owned(), ErrorCode::Invalid),
                ("to".to_owned(), ErrorCode::Invalid),
                ("kind".to_owned(), ErrorCode::Invalid),
            ]
        );
    }

    #[test]
    fn templates_and_imports_need_a_session() {
        let session = id(Kind::Session, 12);
        assert_eq!(
            session_of(&params(&[("sessionId", &session)])).ok(),
            Some(12)
        );
        let missing = session_of(&[]).err().map(|e| (e.field, e.code));
        assert_eq!(
            missing,
            Some((vec!["sessionId".to_owned()], ErrorCode::Invalid))
        );
        let twice = session_of(&params(&[("sessionId", &session), ("sessionId", &session)]))
            .err()
            .map(|e| e.code);
        assert_eq!(twice, Some(ErrorCode::Invalid));
    }
}
