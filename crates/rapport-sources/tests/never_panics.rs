//! Fuzz-ish: whatever the bytes, both readers end without panicking, yield at most one
//! row per record, and report errors in line order, within the input's lines.

use proptest::prelude::*;
use rapport_sources::file::{FileFormat, FileReader, ImportOptions};
use std::io::Cursor;

const MAPS: [Option<&str>; 2] = [
    None,
    Some("text=text,id=id,created=created,likes=likes,network=network,author=user.name,followers=user.n.0"),
];

fn check(format: FileFormat, input: &[u8], map: Option<&str>) -> Result<(), TestCaseError> {
    let mut options = ImportOptions::new(format);
    if let Some(map) = map {
        options.map = map.parse().unwrap();
    }
    let Ok(reader) = FileReader::from_reader(Cursor::new(input.to_vec()), options) else {
        return Ok(());
    };
    let lines = input.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    // A lone `\r` ends a CSV record too, but not a line.
    let records = lines + input.iter().filter(|&&b| b == b'\r').count() as u64;
    let mut rows = 0u64;
    let mut last_error_line = 0;
    for row in reader {
        rows += 1;
        prop_assert!(
            rows <= records,
            "{rows} rows from {records} records at most"
        );
        if let Err(e) = row {
            prop_assert!(
                e.line >= last_error_line.max(1) && e.line <= lines,
                "error line {} after {last_error_line}, input has {lines} lines: {e}",
                e.line
            );
            last_error_line = e.line;
        }
    }
    Ok(())
}

/// Bytes made of pieces that matter to a CSV parser, after a usable header.
fn csvish() -> impl Strategy<Value = Vec<u8>> {
    let pieces: Vec<&'static [u8]> = vec![
        b",",
        b"\"",
        b"\"\"",
        b"\n",
        b"\r\n",
        b"\r",
        b"a",
        b"1",
        b" ",
        "é".as_bytes(),
        b"\xff",
        b"2015-02-24",
        b"x",
        b"-3",
        b"mastodon",
        b"\xef\xbb\xbf",
    ];
    proptest::collection::vec(proptest::sample::select(pieces), 0..80).prop_map(|parts| {
        let mut input = b"id,text,created,likes,network\n".to_vec();
        for part in parts {
            input.extend_from_slice(part);
        }
        input
    })
}

/// Bytes made of pieces of JSON.
fn jsonish() -> impl Strategy<Value = Vec<u8>> {
    let pieces: Vec<&'static [u8]> = vec![
        b"{",
        b"}",
        b"[",
        b"]",
        b"\"text\"",
        b"\"id\"",
        b"\"user\"",
        b"\"name\"",
        b"\"n\"",
        b"\"created\"",
        b":",
        b",",
        b"\"a\"",
        b"1",
        b"1e999",
        b"-0",
        b"12345678901234567890123",
        b"null",
        b"true",
        b"\n",
        b"\\",
        b"\"",
        b"\xff",
        b" ",
        b"\"\\u00e9\"",
        b"\"\\ud800\"",
        b"\"2015-02-24\"",
        b"{\"text\":\"t\",\"user\":{\"name\":",
    ];
    proptest::collection::vec(proptest::sample::select(pieces), 0..80)
        .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_bytes(input in proptest::collection::vec(any::<u8>(), 0..400), map in 0usize..2) {
        check(FileFormat::Csv, &input, MAPS[map])?;
        check(FileFormat::Jsonl, &input, MAPS[map])?;
    }

    #[test]
    fn csv_like_bytes(input in csvish(), map in 0usize..2) {
        check(FileFormat::Csv, &input, MAPS[map])?;
    }

    #[test]
    fn json_like_bytes(input in jsonish(), map in 0usize..2) {
        check(FileFormat::Jsonl, &input, MAPS[map])?;
    }
}
