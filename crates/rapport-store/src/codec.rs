//! Conversions between domain values and stored columns (SQLite and PostgreSQL alike:
//! both keep Unix milliseconds and lower-case network names).

use crate::StoreError;
use chrono::{TimeZone, Utc};
use rapport_model::{Network, Timestamp};

/// Timestamps are stored as Unix milliseconds.
pub(crate) fn to_millis(t: Timestamp) -> i64 {
    t.timestamp_millis()
}

/// Reads a stored Unix-milliseconds value.
pub(crate) fn from_millis(
    ms: i64,
    table: &'static str,
    column: &'static str,
) -> Result<Timestamp, StoreError> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .ok_or_else(|| StoreError::Corrupt {
            table,
            column,
            message: format!("{ms} is not a valid time"),
        })
}

/// Reads a stored network name.
pub(crate) fn network(name: &str, table: &'static str) -> Result<Network, StoreError> {
    name.parse()
        .map_err(|e: rapport_model::UnknownNetwork| StoreError::Corrupt {
            table,
            column: "network",
            message: e.to_string(),
        })
}

/// Counts are u64 in the model and INTEGER (i64) in SQLite; saturate rather than wrap.
pub(crate) fn count_to_sql(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Reads a stored count; negative values (never written by us) read as zero.
pub(crate) fn count_from_sql(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}
