//! Helpers shared by the JSON parsers: whole documents with a path on error, items one at
//! a time so that one bad item does not lose the others, lenient ids and counts.

use super::{Document, Location, ParseError};
use chrono::{DateTime, Utc};
use rapport_model::{Network, Timestamp};
use serde::de::{self, DeserializeOwned, Deserializer};
use serde::Deserialize;
use serde_json::value::RawValue;

/// One item of an array, kept as its JSON text until it is read on its own.
pub(crate) type Raw = Box<RawValue>;

/// Reads a whole document; an error names the JSON path, line and column.
pub(crate) fn document<T: DeserializeOwned>(
    bytes: &[u8],
    network: Network,
    document: Document,
) -> Result<T, ParseError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = json_path("$", &e.path().to_string());
        let inner = e.into_inner();
        error_at(network, document, path, &inner)
    })?;
    deserializer
        .end()
        .map_err(|e| error_at(network, document, "$".to_string(), &e))?;
    Ok(value)
}

fn error_at(
    network: Network,
    document: Document,
    path: String,
    error: &serde_json::Error,
) -> ParseError {
    ParseError {
        network,
        document,
        location: Location::Json {
            path,
            line: error.line(),
            column: error.column(),
        },
        reason: reason_of(error),
    }
}

/// serde_json's message without its own " at line L column C" suffix (we say where).
fn reason_of(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    let message = message.strip_suffix(&suffix).unwrap_or(&message);
    if error.is_eof() {
        format!("the JSON ends too early ({message})")
    } else {
        message.to_string()
    }
}

/// `$` + serde_path_to_error's path (`.` for the root, `statuses[2].id` otherwise).
pub(crate) fn json_path(base: &str, inner: &str) -> String {
    match inner {
        "." | "" => base.to_string(),
        _ if inner.starts_with('[') => format!("{base}{inner}"),
        _ => format!("{base}.{inner}"),
    }
}

/// Reads one item; the error is a reason that says where inside the item.
pub(crate) fn item<T: DeserializeOwned>(raw: &RawValue) -> Result<T, String> {
    let mut deserializer = serde_json::Deserializer::from_str(raw.get());
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = reason_of(e.inner());
        if path == "." {
            inner
        } else {
            format!("{inner} (at .{path})")
        }
    })
}

/// The item's `key` as text, for naming a skipped item, when it can be read.
pub(crate) fn id_hint(raw: &RawValue, key: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(raw.get()).ok()?;
    match value.get(key)? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The first JSON value of the input, if the input starts with one (the rest is not read).
pub(crate) fn first_value(bytes: &[u8]) -> Option<serde_json::Value> {
    serde_json::Deserializer::from_slice(bytes)
        .into_iter::<serde_json::Value>()
        .next()?
        .ok()
}

/// The first byte that is not whitespace (or a UTF-8 byte-order mark).
pub(crate) fn first_byte(bytes: &[u8]) -> Option<u8> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    bytes.iter().copied().find(|b| !b.is_ascii_whitespace())
}

/// The non-blank lines of a JSON-lines document with their 1-based numbers. Invalid
/// UTF-8 is replaced, so that the JSON reader reports it on that line.
pub(crate) fn lines(bytes: &[u8]) -> impl Iterator<Item = (usize, std::borrow::Cow<'_, str>)> {
    bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .map(|(i, line)| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            (i + 1, String::from_utf8_lossy(line))
        })
        .filter(|(_, line)| !line.trim().is_empty())
}

/// An id that networks send as a string but that some send as a number.
pub(crate) fn id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    match IdOrNumber::deserialize(deserializer)? {
        IdOrNumber::Text(s) => Ok(s),
        IdOrNumber::Unsigned(n) => Ok(n.to_string()),
        IdOrNumber::Signed(n) => Ok(n.to_string()),
    }
}

/// Like [`id`], for an id that may be absent or null.
pub(crate) fn opt_id<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Ok(
        Option::<IdOrNumber>::deserialize(deserializer)?.map(|id| match id {
            IdOrNumber::Text(s) => s,
            IdOrNumber::Unsigned(n) => n.to_string(),
            IdOrNumber::Signed(n) => n.to_string(),
        }),
    )
}

#[derive(Deserialize)]
#[serde(untagged)]
enum IdOrNumber {
    Text(String),
    Unsigned(u64),
    Signed(i64),
}

/// A count: a whole number, a float, a numeric string or null (0); negative counts are 0.
pub(crate) fn count<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    match value {
        None | Some(serde_json::Value::Null) => Ok(0),
        Some(serde_json::Value::Number(n)) => {
            if let Some(n) = n.as_u64() {
                Ok(n)
            } else if let Some(n) = n.as_i64() {
                Ok(n.max(0).unsigned_abs())
            } else {
                let f = n.as_f64().unwrap_or(0.0);
                Ok(if f.is_finite() && f > 0.0 {
                    f as u64
                } else {
                    0
                })
            }
        }
        Some(serde_json::Value::String(s)) => s
            .trim()
            .parse::<u64>()
            .map_err(|_| de::Error::custom(format!("'{s}' is not a count"))),
        Some(other) => Err(de::Error::custom(format!("{other} is not a count"))),
    }
}

/// Like [`count`], keeping "absent" apart from 0.
pub(crate) fn opt_count<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u64>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(value) => count(value).map(Some).map_err(de::Error::custom),
    }
}

/// An RFC 3339 date (or any format [`crate::file::parse_timestamp`] reads).
pub(crate) fn timestamp(value: &str) -> Result<Timestamp, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value.trim()) {
        return Ok(t.with_timezone(&Utc));
    }
    crate::file::parse_timestamp(value).map_err(|e| e.to_string())
}

/// Unix seconds (possibly fractional, as Reddit sends them).
pub(crate) fn unix_seconds(seconds: f64) -> Result<Timestamp, String> {
    if !seconds.is_finite() {
        return Err(format!("{seconds} is not a date"));
    }
    let whole = seconds.floor();
    let nanos = ((seconds - whole) * 1e9).round().clamp(0.0, 999_999_999.0) as u32;
    if whole.abs() > 1e14 {
        return Err(format!("{seconds} is out of range for a date"));
    }
    DateTime::from_timestamp(whole as i64, nanos)
        .ok_or_else(|| format!("{seconds} is out of range for a date"))
}

/// A language tag worth keeping: not empty, not `und`.
pub(crate) fn language(tag: Option<&str>) -> Option<String> {
    let tag = tag?.trim();
    if tag.is_empty() || tag.eq_ignore_ascii_case("und") {
        None
    } else {
        Some(tag.to_string())
    }
}

/// Keeps the newer of two numeric-looking ids (longer is newer, then by text; ids stay
/// text, so ids past 2^64 compare right too).
pub(crate) fn keep_newest(current: &mut Option<String>, candidate: &str) {
    let newer = match current {
        None => true,
        Some(current) => (candidate.len(), candidate) > (current.len(), current.as_str()),
    };
    if newer {
        *current = Some(candidate.to_string());
    }
}

/// Keeps the older of two numeric-looking ids (see [`keep_newest`]).
pub(crate) fn keep_oldest(current: &mut Option<String>, candidate: &str) {
    let older = match current {
        None => true,
        Some(current) => (candidate.len(), candidate) < (current.len(), current.as_str()),
    };
    if older {
        *current = Some(candidate.to_string());
    }
}

/// The host of an `http(s)://host/...` URL, lower-cased.
pub(crate) fn host_of(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit('@').next()?;
    let host = host.split(':').next()?;
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}
