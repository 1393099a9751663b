//! The date formats that exports use, all read into UTC.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use rapport_model::Timestamp;

/// The accepted formats, briefly, for error messages.
pub const ACCEPTED_DATE_FORMATS: &str = "RFC 3339, RFC 2822, '2015-02-24 11:35:52 -0800', \
     '2015-02-24 11:35:52' (UTC), '2015-02-24', 'Wed Oct 10 20:19:24 +0000 2018', \
     Unix seconds or milliseconds";

/// A date that none of the accepted formats reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unrecognised date '{value}' (accepted: {ACCEPTED_DATE_FORMATS})")]
pub struct BadDate {
    /// The value as given (shortened when very long).
    pub value: String,
}

/// Offset-carrying formats tried after RFC 3339, in order.
const WITH_OFFSET: &[&str] = &[
    // The airline data set and many SQL exports.
    "%Y-%m-%d %H:%M:%S%.f %z",
    // ISO 8601 with a colon-less offset (`+0000`), which RFC 3339 rejects.
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M:%S%.f%z",
];

/// Formats without an offset, read as UTC.
const NAIVE: &[&str] = &[
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
];

/// Twitter's API v1.1 `created_at`.
const TWITTER_V1: &str = "%a %b %d %H:%M:%S %z %Y";

/// Parses a timestamp in any of the formats exports commonly use:
///
/// * RFC 3339 / ISO 8601 with an offset or `Z` (`2015-02-24T19:35:52Z`, `...+01:00`,
///   `...+0100`, fractional seconds allowed, `T` or a space between date and time);
/// * `2015-02-24 11:35:52 -0800` (the airline data set's format);
/// * `2015-02-24 11:35:52` and `2015-02-24T11:35:52` (seconds optional): taken as UTC;
/// * `2015-02-24`: midnight UTC;
/// * RFC 2822 (`Tue, 24 Feb 2015 11:35:52 -0800`);
/// * Twitter v1 (`Wed Oct 10 20:19:24 +0000 2018`);
/// * a Unix timestamp, told apart by magnitude: below 10^11 seconds (up to the year 5138),
///   below 10^14 milliseconds, below 10^17 microseconds, else nanoseconds; a fraction is
///   allowed (`1424806552.5`).
///
/// Surrounding whitespace is ignored.
pub fn parse_timestamp(value: &str) -> Result<Timestamp, BadDate> {
    let s = value.trim();
    parse_inner(s).ok_or_else(|| BadDate {
        value: super::row::excerpt(s),
    })
}

fn parse_inner(s: &str) -> Option<Timestamp> {
    let first = *s.as_bytes().first()?;
    if first.is_ascii_alphabetic() {
        return DateTime::parse_from_rfc2822(s)
            .or_else(|_| DateTime::parse_from_str(s, TWITTER_V1))
            .ok()
            .map(|t| t.with_timezone(&Utc));
    }
    if let Some(t) = parse_epoch(s) {
        return Some(t);
    }
    if !first.is_ascii_digit() {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if s.len() == 10 {
        return NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| Utc.from_utc_datetime(&t));
    }
    if let Some(t) = WITH_OFFSET
        .iter()
        .find_map(|f| DateTime::parse_from_str(s, f).ok())
    {
        return Some(t.with_timezone(&Utc));
    }
    NAIVE
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .map(|t| Utc.from_utc_datetime(&t))
}

/// A Unix timestamp: optional sign, digits, optional fraction.
fn parse_epoch(s: &str) -> Option<Timestamp> {
    let (negative, unsigned) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int_part, frac_part) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    if int_part.is_empty()
        || int_part.len() > 20
        || !int_part.bytes().all(|b| b.is_ascii_digit())
        || frac_part.is_some_and(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let whole: u64 = int_part.parse().ok()?;
    // Nanoseconds per unit of the integer part, chosen by magnitude.
    let unit_nanos: i128 = match whole {
        0..100_000_000_000 => 1_000_000_000,
        100_000_000_000..100_000_000_000_000 => 1_000_000,
        100_000_000_000_000..100_000_000_000_000_000 => 1_000,
        _ => 1,
    };
    let mut nanos = i128::from(whole) * unit_nanos;
    if let Some(frac) = frac_part {
        // Only the digits that can matter at nanosecond precision.
        let digits = &frac[..frac.len().min(9)];
        let scale = 10i128.pow(u32::try_from(digits.len()).ok()?);
        let frac_value: i128 = digits.parse().ok()?;
        nanos += frac_value * unit_nanos / scale;
    }
    if negative {
        nanos = -nanos;
    }
    let secs = i64::try_from(nanos.div_euclid(1_000_000_000)).ok()?;
    let sub = u32::try_from(nanos.rem_euclid(1_000_000_000)).ok()?;
    DateTime::from_timestamp(secs, sub)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> Timestamp {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn accepted_formats() {
        let t = utc("2015-02-24T19:35:52Z");
        for s in [
            "2015-02-24T19:35:52Z",
            "2015-02-24T19:35:52.000Z",
            "2015-02-24T11:35:52-08:00",
            "2015-02-24 19:35:52+00:00",
            "2015-02-24T19:35:52+0000",
            "2015-02-24 11:35:52 -0800",
            "2015-02-24 19:35:52",
            "2015-02-24T19:35:52",
            "Tue, 24 Feb 2015 11:35:52 -0800",
            "Tue Feb 24 19:35:52 +0000 2015",
            "1424806552",
            "1424806552000",
            "1424806552000000",
            "1424806552000000000",
            "  1424806552 ",
        ] {
            assert_eq!(parse_timestamp(s), Ok(t), "{s}");
        }
        assert_eq!(
            parse_timestamp("2015-02-24"),
            Ok(utc("2015-02-24T00:00:00Z"))
        );
        assert_eq!(
            parse_timestamp("2015-02-24 19:35"),
            Ok(utc("2015-02-24T19:35:00Z"))
        );
        assert_eq!(
            parse_timestamp("1424806552.25"),
            Ok(utc("2015-02-24T19:35:52.25Z"))
        );
        assert_eq!(
            parse_timestamp("2015-02-24 19:35:52.123"),
            Ok(utc("2015-02-24T19:35:52.123Z"))
        );
        assert_eq!(parse_timestamp("0"), Ok(utc("1970-01-01T00:00:00Z")));
        assert_eq!(parse_timestamp("-86400"), Ok(utc("1969-12-31T00:00:00Z")));
    }

    #[test]
    fn rejected_values() {
        for s in [
            "",
            "yesterday",
            "2015-02-30",
            "24/02/2015",
            "2015-02-24 25:00:00",
            "1.2.3",
            "-",
            ".5",
            "99999999999999999999999",
            "5.70306e+17",
        ] {
            let err = parse_timestamp(s).unwrap_err();
            assert!(err.to_string().contains("accepted: RFC 3339"), "{err}");
        }
    }
}
