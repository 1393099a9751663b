//! Helpers shared by the integration tests.
#![allow(dead_code)]

use rapport_model::{Post, Timestamp};
use rapport_sources::file::{FileError, FileFormat, FileReader, ImportOptions, RowError};

/// A fixed "now" for rows without a date.
pub fn fixed_now() -> Timestamp {
    chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap()
}

pub fn options(format: FileFormat, map: Option<&str>) -> ImportOptions {
    let mut options = ImportOptions::new(format);
    options.default_created = fixed_now();
    if let Some(map) = map {
        options.map = map.parse().unwrap();
    }
    options
}

pub fn open(
    format: FileFormat,
    input: impl AsRef<[u8]>,
    map: Option<&str>,
) -> Result<FileReader, FileError> {
    FileReader::from_reader(
        std::io::Cursor::new(input.as_ref().to_vec()),
        options(format, map),
    )
}

/// Every row of `input`.
pub fn rows(
    format: FileFormat,
    input: impl AsRef<[u8]>,
    map: Option<&str>,
) -> Vec<Result<Post, RowError>> {
    open(format, input, map).unwrap().collect()
}

/// The posts, panicking on any row error.
pub fn posts(format: FileFormat, input: impl AsRef<[u8]>, map: Option<&str>) -> Vec<Post> {
    rows(format, input, map)
        .into_iter()
        .map(|r| r.unwrap_or_else(|e| panic!("unexpected row error: {e}")))
        .collect()
}

/// Each row as `Ok(text)` or `Err("line N: reason")`, for compact assertions.
pub fn summary(rows: &[Result<Post, RowError>]) -> Vec<Result<String, String>> {
    rows.iter()
        .map(|r| match r {
            Ok(p) => Ok(p.text.clone()),
            Err(e) => Err(e.to_string()),
        })
        .collect()
}

pub fn utc(s: &str) -> Timestamp {
    chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

/// The bytes of `tests/fixtures/<network>/<name>`.
pub fn fixture(network: &str, name: &str) -> Vec<u8> {
    let path = std::path::PathBuf::from(
        std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
    )
    .join("tests/fixtures")
    .join(network)
    .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// A UTC date from RFC 3339.
pub fn at(rfc3339: &str) -> Timestamp {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&chrono::Utc)
}
