//! Custom scalars: `Date` (a China local date, YYYY-MM-DD) and `DateTime` (RFC 3339 with
//! offset, written in Asia/Shanghai time).

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{NaiveDate, Utc};

/// A calendar date in China (Asia/Shanghai), written `YYYY-MM-DD`, from 1900-01-01 to
/// 9999-12-31.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

/// The accepted form is exactly `YYYY-MM-DD` with a year from 1900 to 9999; anything else,
/// or a date that does not exist (2023-02-29), is refused.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|date| crate::domain::time::in_range(*date))
}

/// A China local date (Asia/Shanghai) written YYYY-MM-DD, years 1900 to 9999.
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => parse_date(text).map(Date).ok_or_else(|| {
                InputValueError::custom(
                    "日期须为 YYYY-MM-DD 格式、1900 至 9999 年间的有效日期 (expected a valid date as YYYY-MM-DD, years 1900 to 9999)",
                )
            }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// An instant, written in RFC 3339 with the China offset, e.g. `2022-09-19T14:52:00+08:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime(pub chrono::DateTime<Utc>);

/// An instant in RFC 3339 with its offset; banli writes it in China time (+08:00).
#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => chrono::DateTime::parse_from_rfc3339(text)
                .map(|t| DateTime(t.with_timezone(&Utc)))
                .map_err(|_| {
                    InputValueError::custom(
                        "时间须为带时区的 RFC 3339 格式 (expected RFC 3339 with offset)",
                    )
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(crate::domain::time::rfc3339_local(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strict() {
        let cases = [
            ("2022-09-16", true),
            ("2024-02-29", true),
            ("2023-02-29", false),
            ("2022-9-16", false),
            ("2022/09/16", false),
            ("20220916", false),
            ("2022-09-16T00:00:00", false),
            ("", false),
            ("1900-01-01", true),
            ("9999-12-31", true),
            ("1899-12-31", false),
            ("0000-01-01", false),
            ("+10000-06-30", false),
        ];
        for (text, ok) in cases {
            assert_eq!(parse_date(text).is_some(), ok, "{text}");
        }
    }

    #[test]
    fn instants_are_written_in_china_time() {
        let at = chrono::DateTime::parse_from_rfc3339("2022-09-19T06:52:00Z")
            .map(|t| DateTime(t.with_timezone(&Utc)));
        assert_eq!(
            at.map(|t| t.to_value()).ok(),
            Some(Value::String("2022-09-19T14:52:00+08:00".into()))
        );
    }
}

/// A file sent with the request (the GraphQL multipart request spec's `Upload`): in the
/// request's JSON it is `null`, and the `map` part names the file that takes its place.
/// banli's own scalar rather than async-graphql's, whose parser panics on a forged value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upload(pub usize);

impl Upload {
    /// How the HTTP layer writes the `index`th file of a request into its variables.
    pub const MARK: &'static str = "#__banli_file__:";

    pub fn marker(index: usize) -> String {
        format!("{}{index}", Self::MARK)
    }
}

/// A file of a multipart request; see the `uploadAttachment` mutation.
#[Scalar(name = "Upload")]
impl ScalarType for Upload {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => text
                .strip_prefix(Self::MARK)
                .and_then(|n| n.parse::<usize>().ok())
                .map(Upload)
                .ok_or_else(|| {
                    InputValueError::custom(
                        "文件须按 GraphQL multipart 规范随请求上传 (send the file as a GraphQL multipart request)",
                    )
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::Null
    }
}
