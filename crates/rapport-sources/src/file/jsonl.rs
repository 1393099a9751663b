//! JSONL rows: one JSON object per line.
//!
//! Each line is walked once: only the keys the [`FieldMap`](super::FieldMap) names are
//! captured, as raw JSON text (so ids keep every digit), and everything else is skipped
//! without being built.

use super::{
    map::Field,
    row::{Cell, Cells, RowBuilder},
    FileError, ImportOptions, RowError, Tuning,
};
use rapport_model::Post;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::{
    borrow::Cow,
    fmt,
    io::{self, BufRead, BufReader, Read},
};

pub(crate) struct JsonlRows {
    input: BufReader<Box<dyn Read + Send>>,
    /// The current line, without its line break; `line_state` says what it holds.
    line: Vec<u8>,
    line_state: LineState,
    /// Physical lines read so far (the number of the line in `line`).
    line_no: u64,
    bytes_read: u64,
    paths: Node,
    rows: RowBuilder,
    max_line: usize,
    done: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineState {
    /// Nothing read yet, or the line was used.
    Used,
    /// A line read ahead by the constructor, not used yet.
    Pending,
    /// A line read ahead by the constructor that was longer than the limit.
    PendingTooLong,
}

enum ReadLine {
    Line,
    TooLong,
    End,
}

impl JsonlRows {
    pub(crate) fn new(
        input: Box<dyn Read + Send>,
        options: &ImportOptions,
        tuning: Tuning,
        name: &str,
    ) -> Result<Self, FileError> {
        let mut paths = Node::default();
        let mut sources: [Option<String>; Field::COUNT] = Default::default();
        for (field, key) in options.map.iter() {
            paths.add_path(key, field.index());
            sources[field.index()] = Some(format!("key '{key}'"));
        }
        let mut rows = JsonlRows {
            input: BufReader::with_capacity(tuning.buffer, input),
            line: Vec::new(),
            line_state: LineState::Used,
            line_no: 0,
            bytes_read: 0,
            paths,
            rows: RowBuilder::new(options, sources),
            max_line: tuning.max_record,
            done: false,
        };
        // Read ahead to the first line with content, so that an empty input is an error
        // here rather than an import of nothing.
        loop {
            match rows.read_line()? {
                ReadLine::End => {
                    return Err(FileError::Empty {
                        name: name.to_string(),
                    })
                }
                ReadLine::TooLong => {
                    rows.line_state = LineState::PendingTooLong;
                    break;
                }
                ReadLine::Line => {
                    if rows.line_no == 1 && rows.line.starts_with(b"\xEF\xBB\xBF") {
                        rows.line.drain(..3);
                    }
                    if !rows.line.iter().all(u8::is_ascii_whitespace) {
                        rows.line_state = LineState::Pending;
                        break;
                    }
                }
            }
        }
        Ok(rows)
    }

    pub(crate) fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// Reads the next physical line into `self.line`, without its line break.
    fn read_line(&mut self) -> io::Result<ReadLine> {
        self.line.clear();
        let mut too_long = false;
        let mut any = false;
        loop {
            let available = match self.input.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                break;
            }
            any = true;
            let (chunk, used, ended) = match available.iter().position(|&b| b == b'\n') {
                Some(i) => (&available[..i], i + 1, true),
                None => (available, available.len(), false),
            };
            if !too_long && self.line.len() + chunk.len() <= self.max_line {
                self.line.extend_from_slice(chunk);
            } else if !too_long {
                too_long = true;
                self.line.clear();
            }
            self.input.consume(used);
            self.bytes_read += used as u64;
            if ended {
                break;
            }
        }
        if !any {
            return Ok(ReadLine::End);
        }
        self.line_no += 1;
        if self.line.last() == Some(&b'\r') {
            self.line.pop();
        }
        Ok(if too_long {
            ReadLine::TooLong
        } else {
            ReadLine::Line
        })
    }

    /// The next row, or `None` at the end of input.
    pub(crate) fn next_row(&mut self) -> Option<Result<Post, RowError>> {
        loop {
            if self.done {
                return None;
            }
            let state = std::mem::replace(&mut self.line_state, LineState::Used);
            let read = match state {
                LineState::Pending => ReadLine::Line,
                LineState::PendingTooLong => ReadLine::TooLong,
                LineState::Used => match self.read_line() {
                    Ok(read) => read,
                    Err(e) => {
                        self.done = true;
                        return Some(Err(RowError {
                            line: self.line_no + 1,
                            reason: format!("read error: {e}; stopped reading"),
                        }));
                    }
                },
            };
            let line = self.line_no;
            match read {
                ReadLine::End => {
                    self.done = true;
                    return None;
                }
                ReadLine::TooLong => {
                    return Some(Err(RowError {
                        line,
                        reason: format!(
                            "line is longer than {}",
                            super::csv::size(self.max_line as u64)
                        ),
                    }))
                }
                ReadLine::Line => {}
            }
            if self.line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Some(self.build().map_err(|reason| RowError { line, reason }));
        }
    }

    fn build(&self) -> Result<Post, String> {
        let text = std::str::from_utf8(&self.line)
            .map_err(|e| format!("invalid UTF-8 at column {}", e.valid_up_to() + 1))?;
        let mut found: Found<'_> = Default::default();
        let mut de = serde_json::Deserializer::from_str(text);
        let top = TopSeed {
            node: &self.paths,
            found: &mut found,
        }
        .deserialize(&mut de)
        .and_then(|top| de.end().map(|()| top))
        .map_err(json_error)?;
        if let Top::Other(kind) = top {
            return Err(format!("expected a JSON object, found {kind}"));
        }
        let mut cells: Cells<'_> = Default::default();
        for (cell, slot) in cells.iter_mut().zip(found.iter()) {
            if let Some((raw, _)) = slot {
                *cell = to_cell(raw.get());
            }
        }
        self.rows.build(&cells)
    }
}

/// serde_json's message, with its position given as the column only (a row is one line).
fn json_error(e: serde_json::Error) -> String {
    let message = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    let message = message.strip_suffix(&position).unwrap_or(&message);
    format!("invalid JSON at column {}: {message}", e.column())
}

/// A captured value as a cell: strings decoded, numbers and booleans as written.
fn to_cell(raw: &str) -> Cell<'_> {
    let raw = raw.trim();
    match raw.as_bytes().first() {
        Some(b'"') => {
            let inner = &raw[1..raw.len() - 1];
            if inner.contains('\\') {
                match serde_json::from_str::<String>(raw) {
                    Ok(s) => Cell::Text(Cow::Owned(s)),
                    Err(_) => Cell::Text(Cow::Borrowed(inner)),
                }
            } else {
                Cell::Text(Cow::Borrowed(inner))
            }
        }
        Some(b'n') => Cell::Null,
        Some(b'{') => Cell::Nested("an object"),
        Some(b'[') => Cell::Nested("an array"),
        Some(_) => Cell::Literal(raw),
        None => Cell::Absent,
    }
}

/// The captured raw value of each field, and whether it came through a literal dotted key
/// (which a nested path overrides).
type Found<'de> = [Option<(&'de RawValue, bool)>; Field::COUNT];

/// The keys a map's paths need, as a tree.
#[derive(Debug, Default)]
struct Node {
    /// Fields that take this node's value, and whether through a literal dotted key.
    targets: Vec<(usize, bool)>,
    /// Keys (or array indices) below this node that some path needs.
    children: Vec<(String, Node)>,
}

impl Node {
    /// Adds `path` for field `field`: `user.name` as the nested path and, as a fallback,
    /// as the literal key `"user.name"`.
    fn add_path(&mut self, path: &str, field: usize) {
        let segments: Vec<&str> = path.split('.').collect();
        if segments.len() > 1 && segments.iter().all(|s| !s.is_empty()) {
            self.insert(&segments, (field, false));
            self.insert(&[path], (field, true));
        } else {
            self.insert(&[path], (field, false));
        }
    }

    fn insert(&mut self, path: &[&str], target: (usize, bool)) {
        match path.split_first() {
            None => self.targets.push(target),
            Some((first, rest)) => {
                let index = match self.children.iter().position(|(k, _)| k == first) {
                    Some(i) => i,
                    None => {
                        self.children.push((first.to_string(), Node::default()));
                        self.children.len() - 1
                    }
                };
                self.children[index].1.insert(rest, target);
            }
        }
    }

    fn child(&self, key: &str) -> Option<&Node> {
        self.children.iter().find(|(k, _)| k == key).map(|(_, n)| n)
    }

    fn record<'de>(&self, raw: &'de RawValue, found: &mut Found<'de>) {
        for &(field, literal) in &self.targets {
            let slot = &mut found[field];
            if !(literal && slot.is_some_and(|(_, was_literal)| !was_literal)) {
                *slot = Some((raw, literal));
            }
        }
    }
}

/// What a line held at the top level.
enum Top {
    Object,
    Other(&'static str),
}

struct TopSeed<'n, 'f, 'de> {
    node: &'n Node,
    found: &'f mut Found<'de>,
}

impl<'de> DeserializeSeed<'de> for TopSeed<'_, '_, 'de> {
    type Value = Top;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Top, D::Error> {
        deserializer.deserialize_any(Walker {
            node: self.node,
            found: self.found,
        })
    }
}

/// Walks one JSON value, capturing what `node` asks for; reports what kind of value it was.
struct Walker<'n, 'f, 'de> {
    node: &'n Node,
    found: &'f mut Found<'de>,
}

impl<'de> Visitor<'de> for Walker<'_, '_, 'de> {
    type Value = Top;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top, A::Error> {
        while let Some(child) = map.next_key_seed(KeySeed { node: self.node })? {
            match child {
                Some(node) => map.next_value_seed(ValueSeed {
                    node,
                    found: &mut *self.found,
                })?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Top::Object)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Top, A::Error> {
        let mut index = 0usize;
        loop {
            let child = if self.node.children.is_empty() {
                None
            } else {
                self.node.child(&index.to_string())
            };
            let more = match child {
                Some(node) => seq
                    .next_element_seed(ValueSeed {
                        node,
                        found: &mut *self.found,
                    })?
                    .is_some(),
                None => seq.next_element::<IgnoredAny>()?.is_some(),
            };
            if !more {
                return Ok(Top::Other("an array"));
            }
            index += 1;
        }
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Top, E> {
        Ok(Top::Other("a string"))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Top, E> {
        Ok(Top::Other("a boolean"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Top, E> {
        Ok(Top::Other("a number"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Top, E> {
        Ok(Top::Other("a number"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Top, E> {
        Ok(Top::Other("a number"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Top, E> {
        Ok(Top::Other("null"))
    }
}

/// Matches an object key against a node's children, without allocating.
struct KeySeed<'n> {
    node: &'n Node,
}

impl<'de, 'n> DeserializeSeed<'de> for KeySeed<'n> {
    type Value = Option<&'n Node>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de, 'n> Visitor<'de> for KeySeed<'n> {
    type Value = Option<&'n Node>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.node.child(key))
    }
}

/// A value some path needs: captured raw when a field takes it, walked when paths go deeper.
struct ValueSeed<'n, 'f, 'de> {
    node: &'n Node,
    found: &'f mut Found<'de>,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, '_, 'de> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        if self.node.targets.is_empty() {
            deserializer.deserialize_any(Walker {
                node: self.node,
                found: self.found,
            })?;
            return Ok(());
        }
        let raw: &'de RawValue = serde::Deserialize::deserialize(deserializer)?;
        self.node.record(raw, self.found);
        if !self.node.children.is_empty() {
            let mut inner = serde_json::Deserializer::from_str(raw.get());
            TopSeed {
                node: self.node,
                found: self.found,
            }
            .deserialize(&mut inner)
            .map_err(de::Error::custom)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file::{FileFormat, FileReader};
    use proptest::prelude::*;
    use std::io::Cursor;

    fn read(input: &[u8], buffer: usize, max_record: usize) -> Vec<Result<String, String>> {
        FileReader::build(
            Box::new(Cursor::new(input.to_vec())),
            ImportOptions::new(FileFormat::Jsonl),
            Tuning { buffer, max_record },
            "test",
        )
        .unwrap()
        .map(|r| r.map(|p| p.text).map_err(|e| e.to_string()))
        .collect()
    }

    proptest! {
        /// Whatever the buffer size, texts come back exactly, with the right line numbers.
        #[test]
        fn round_trips_with_any_buffer_size(
            texts in proptest::collection::vec(proptest::option::of("[a-z \"\\\n\r\té]{0,12}"), 1..20),
            buffer in 1usize..40,
        ) {
            let mut input = Vec::new();
            let mut expected = Vec::new();
            for (i, text) in texts.iter().enumerate() {
                match text {
                    Some(text) => {
                        let text = format!("t{text}");
                        let line = serde_json::json!({ "id": i, "text": text }).to_string();
                        input.extend_from_slice(line.as_bytes());
                        expected.push(Ok(text));
                    }
                    None => {
                        input.extend_from_slice(b"{bad");
                        expected.push(Err(format!(
                            "line {}: invalid JSON at column 2: key must be a string",
                            i + 1
                        )));
                    }
                }
                input.extend_from_slice(if i % 2 == 0 { b"\n" } else { b"\r\n" });
            }
            prop_assert_eq!(read(&input, buffer, 1 << 20), expected);
        }
    }

    #[test]
    fn overlong_lines_are_row_errors() {
        let long = format!("{{\"text\": \"{}\"}}", "x".repeat(100));
        let input = format!("{long}\n{{\"text\": \"short\"}}\n{long}");
        assert_eq!(
            read(input.as_bytes(), 7, 50),
            [
                Err("line 1: line is longer than 50 bytes".to_string()),
                Ok("short".to_string()),
                Err("line 3: line is longer than 50 bytes".to_string()),
            ]
        );
    }

    fn capture(line: &str, paths: &[(&str, usize)]) -> Result<Vec<Option<String>>, String> {
        let mut node = Node::default();
        for &(p, f) in paths {
            node.add_path(p, f);
        }
        let mut found: Found<'_> = Default::default();
        let mut de = serde_json::Deserializer::from_str(line);
        TopSeed {
            node: &node,
            found: &mut found,
        }
        .deserialize(&mut de)
        .and_then(|_| de.end())
        .map_err(json_error)?;
        Ok(found
            .iter()
            .map(|s| s.map(|(raw, _)| raw.get().to_string()))
            .collect())
    }

    #[test]
    fn captures_nested_paths_and_indices() {
        let line = r#"{"id": 1234567890123456789012, "user": {"screen_name": "acme", "n": [1]},
            "entities": {"urls": [{"url": "a"}, {"url": "b"}]}, "skip": {"deep": [1, {"x": 2}]}}"#
            .replace('\n', " ");
        let got = capture(
            &line,
            &[
                ("id", 0),
                ("user.screen_name", 1),
                ("entities.urls.1.url", 2),
                ("user", 3),
                ("missing.path", 4),
            ],
        )
        .unwrap();
        assert_eq!(got[0].as_deref(), Some("1234567890123456789012"));
        assert_eq!(got[1].as_deref(), Some(r#""acme""#));
        assert_eq!(got[2].as_deref(), Some(r#""b""#));
        assert!(got[3].as_deref().unwrap().starts_with('{'));
        assert_eq!(got[4], None);
    }

    #[test]
    fn literal_dotted_keys_are_a_fallback() {
        let got = capture(r#"{"user.name": "flat"}"#, &[("user.name", 0)]).unwrap();
        assert_eq!(got[0].as_deref(), Some(r#""flat""#));
        let got = capture(
            r#"{"user": {"name": "nested"}, "user.name": "flat"}"#,
            &[("user.name", 0)],
        )
        .unwrap();
        assert_eq!(got[0].as_deref(), Some(r#""nested""#));
        let got = capture(
            r#"{"user.name": "flat", "user": {"name": "nested"}}"#,
            &[("user.name", 0)],
        )
        .unwrap();
        assert_eq!(got[0].as_deref(), Some(r#""nested""#));
    }

    #[test]
    fn errors_name_the_column() {
        let err = capture(r#"{"a": 1,}"#, &[("a", 0)]).unwrap_err();
        assert!(err.starts_with("invalid JSON at column 9: "), "{err}");
        assert!(!err.contains("line 1"), "{err}");
    }

    #[test]
    fn cells_from_raw_values() {
        assert!(matches!(to_cell(r#""a\"b""#), Cell::Text(Cow::Owned(s)) if s == "a\"b"));
        assert!(matches!(
            to_cell(r#""plain""#),
            Cell::Text(Cow::Borrowed("plain"))
        ));
        assert!(matches!(to_cell("null"), Cell::Null));
        assert!(matches!(to_cell("12.50"), Cell::Literal("12.50")));
        assert!(matches!(to_cell("[]"), Cell::Nested("an array")));
    }
}
