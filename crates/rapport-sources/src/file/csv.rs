//! CSV rows: a header row, then one post per record.
//!
//! Parsing is the `csv` crate's, on byte records, so a bad byte spoils one row and not the
//! file. Around it this module adds what the crate does not do:
//!
//! * physical line numbers for each record (the crate counts newlines inside quoted fields
//!   too, so a record's start line is right even after multi-line records);
//! * recovery from broken quoting: a quote that opens and never closes properly makes the
//!   crate swallow the following lines into one field, up to the next quote, which is then
//!   read as a closing one. A record that spans several lines is taken as broken when its
//!   quoted field never closes, or is closed by a quote that looks like an opening one
//!   (right after a comma or a line break, with text after it), or is malformed and the
//!   record has the wrong number of fields. Its first line is then reported and parsing
//!   starts again on the next line, so the rows after it are still imported;
//! * a bound on a record's size ([`MAX_RECORD_BYTES`](super::MAX_RECORD_BYTES)).

use super::{
    map::{closest, Field},
    replay::Replay,
    row::{Cell, Cells, RowBuilder},
    FileError, ImportOptions, RowError, Tuning,
};
use ::csv::{ByteRecord, Reader, ReaderBuilder};
use rapport_model::Post;
use std::{borrow::Cow, io::Read};

type Input = Replay<Box<dyn Read + Send>>;

pub(crate) struct CsvRows {
    reader: Reader<Input>,
    config: ReaderBuilder,
    /// Absolute byte offset and line at which `reader` started reading.
    base_byte: u64,
    base_line: u64,
    header: Vec<String>,
    /// For each field, the header index of its column, when mapped.
    columns: [Option<usize>; Field::COUNT],
    rows: RowBuilder,
    record: ByteRecord,
    max_record: u64,
    done: bool,
}

impl CsvRows {
    pub(crate) fn new(
        input: Box<dyn Read + Send>,
        options: &ImportOptions,
        tuning: Tuning,
        name: &str,
    ) -> Result<Self, FileError> {
        let mut config = ReaderBuilder::new();
        config
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(tuning.buffer);
        let mut reader = config.from_reader(Replay::new(input));
        let max_record = tuning.max_record as u64;

        let mut record = ByteRecord::new();
        reader.get_mut().set_limit(max_record);
        let found = reader.read_byte_record(&mut record).map_err(io_error)?;
        if reader.get_ref().hit_limit() {
            return Err(FileError::BadHeader {
                reason: format!(
                    "the header row is longer than {} (a quote that never closes?)",
                    size(max_record)
                ),
            });
        }
        if !found {
            return Err(FileError::Empty {
                name: name.to_string(),
            });
        }
        let header = record
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                let cell = if i == 0 {
                    cell.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(cell)
                } else {
                    cell
                };
                String::from_utf8(cell.to_vec()).map_err(|_| FileError::BadHeader {
                    reason: format!("column {} of the header is not valid UTF-8", i + 1),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;

        let map = &options.map;
        let mut columns = [None; Field::COUNT];
        let mut sources: [Option<String>; Field::COUNT] = Default::default();
        for (field, column) in map.iter() {
            let Some(index) = find_column(&header, column) else {
                if field == Field::Text && column == Field::Text.name() {
                    return Err(FileError::NoTextColumn {
                        header: header_list(&header),
                    });
                }
                if !map.is_explicit() {
                    continue;
                }
                return Err(FileError::MissingColumn {
                    field,
                    column: column.to_string(),
                    header: header_list(&header),
                    suggestion: closest(column, header.iter().map(String::as_str))
                        .map(str::to_string),
                });
            };
            columns[field.index()] = Some(index);
            sources[field.index()] = Some(format!("column '{}'", header[index]));
        }

        let base_line = 1;
        Ok(CsvRows {
            reader,
            config,
            base_byte: 0,
            base_line,
            header,
            columns,
            rows: RowBuilder::new(options, sources),
            record,
            max_record,
            done: false,
        })
    }

    pub(crate) fn header(&self) -> &[String] {
        &self.header
    }

    /// Absolute offset of the next unread byte.
    pub(crate) fn bytes_read(&self) -> u64 {
        self.base_byte + self.reader.position().byte()
    }

    fn line_now(&self) -> u64 {
        self.base_line + self.reader.position().line() - 1
    }

    /// Starts a fresh CSV reader at `byte`, which is the start of physical line `line`.
    fn restart(&mut self, byte: u64, line: u64) {
        let placeholder: Box<dyn Read + Send> = Box::new(std::io::empty());
        let old = std::mem::replace(
            &mut self.reader,
            self.config.from_reader(Replay::new(placeholder)),
        );
        let mut input = old.into_inner();
        input.rewind(byte);
        self.reader = self.config.from_reader(input);
        self.base_byte = byte;
        self.base_line = line;
    }

    /// The next row, or `None` at the end of input.
    pub(crate) fn next_row(&mut self) -> Option<Result<Post, RowError>> {
        loop {
            if self.done {
                return None;
            }
            let start = self.bytes_read();
            let input = self.reader.get_mut();
            input.forget_before(start);
            input.set_limit(start.saturating_add(self.max_record));

            let found = match self.reader.read_byte_record(&mut self.record) {
                Ok(found) => found,
                Err(e) => {
                    self.done = true;
                    return Some(Err(RowError {
                        line: self.line_now(),
                        reason: format!("read error: {}; stopped reading", io_error(e)),
                    }));
                }
            };
            let hit_limit = self.reader.get_ref().hit_limit();
            if !found && !hit_limit {
                self.done = true;
                return None;
            }

            let (rel_byte, rel_line) = self
                .record
                .position()
                .map_or((0, 1), |p| (p.byte(), p.line()));
            let rec_byte = self.base_byte + rel_byte;
            let rec_line = self.base_line + rel_line - 1;
            let end_byte = self.bytes_read();
            let end_line = self.line_now();

            let mut line = rec_line;
            let first = self.reader.get_ref().kept_bytes(rec_byte, rec_byte + 1);
            let leading_terminator = matches!(first, [b'\r' | b'\n']);
            let wrong_count = self.record.len() != self.header.len();
            if hit_limit || leading_terminator || wrong_count || end_line > rec_line + 1 {
                let raw = self.reader.get_ref().kept_bytes(rec_byte, end_byte);
                let shape = Shape::of(raw);
                line = rec_line + shape.leading_lines;
                let record_byte = rec_byte + shape.start as u64;

                if hit_limit {
                    let reason = format!(
                        "record is longer than {} (a quote that never closes?); \
                         skipped this line",
                        size(self.max_record)
                    );
                    let restart_at = match shape.first_line_end {
                        Some(end) => Some(rec_byte + end as u64),
                        None => match self.reader.get_mut().skip_past_newline(record_byte) {
                            Ok(at) => at,
                            Err(e) => {
                                self.done = true;
                                return Some(Err(RowError {
                                    line,
                                    reason: format!("read error: {e}; stopped reading"),
                                }));
                            }
                        },
                    };
                    match restart_at {
                        Some(at) => self.restart(at, line + 1),
                        None => self.done = true,
                    }
                    return Some(Err(RowError { line, reason }));
                }

                if shape.spans_lines
                    && (shape.unterminated || shape.flipped || (shape.bad_quotes && wrong_count))
                {
                    if let Some(end) = shape.first_line_end {
                        self.restart(rec_byte + end as u64, line + 1);
                    }
                    return Some(Err(RowError {
                        line,
                        reason: "broken quoting: a quoted field opened on this line does not \
                                 close properly; skipped this line and read on from the next"
                            .to_string(),
                    }));
                }
            }

            if self.record.len() == 1 && self.record[0].iter().all(u8::is_ascii_whitespace) {
                // A line of spaces: nothing to import, nothing worth reporting.
                continue;
            }
            return Some(self.build(line));
        }
    }

    fn build(&self, line: u64) -> Result<Post, RowError> {
        let error = |reason: String| RowError { line, reason };
        if self.record.len() != self.header.len() {
            return Err(error(format!(
                "wrong number of fields (expected {}, found {}); broken quoting?",
                self.header.len(),
                self.record.len()
            )));
        }
        let mut cells: Cells<'_> = Default::default();
        for field in Field::ALL {
            let Some(index) = self.columns[field.index()] else {
                continue;
            };
            let bytes = self.record.get(index).unwrap_or_default();
            let text = std::str::from_utf8(bytes)
                .map_err(|_| error(format!("invalid UTF-8 in column '{}'", self.header[index])))?;
            cells[field.index()] = Cell::Text(Cow::Borrowed(text));
        }
        self.rows.build(&cells).map_err(error)
    }
}

/// What a raw record looks like, quote-wise, following the `csv` crate's rules.
#[derive(Debug, Default, PartialEq, Eq)]
struct Shape {
    /// Blank lines before the record (the crate skips them).
    leading_lines: u64,
    /// Offset of the record's first byte.
    start: usize,
    /// Offset just past the first `\n` of the record, if any.
    first_line_end: Option<usize>,
    /// A quoted field holds a line break.
    spans_lines: bool,
    /// Text follows a closing quote, or a quoted field never closes.
    bad_quotes: bool,
    /// A quoted field is still open at the end of the bytes.
    unterminated: bool,
    /// A quoted field was closed by a quote that follows a comma or line break and is
    /// followed by text: most likely the opening quote of a later field, read out of phase.
    flipped: bool,
}

impl Shape {
    fn of(raw: &[u8]) -> Shape {
        #[derive(PartialEq)]
        enum State {
            FieldStart,
            Unquoted,
            Quoted,
            QuoteInQuoted,
        }
        let start = raw
            .iter()
            .position(|&b| b != b'\r' && b != b'\n')
            .unwrap_or(raw.len());
        let mut shape = Shape {
            leading_lines: raw[..start].iter().filter(|&&b| b == b'\n').count() as u64,
            start,
            first_line_end: raw[start..]
                .iter()
                .position(|&b| b == b'\n')
                .map(|i| start + i + 1),
            ..Shape::default()
        };
        let mut state = State::FieldStart;
        let mut previous = 0u8;
        // Whether the quote that moved us to `QuoteInQuoted` came right after a break.
        let mut quote_after_break = false;
        for &b in &raw[start..] {
            let after_break = matches!(previous, b',' | b'\n' | b'\r');
            previous = b;
            state = match (state, b) {
                (State::FieldStart, b'"') => State::Quoted,
                (State::FieldStart | State::Unquoted | State::QuoteInQuoted, b',') => {
                    State::FieldStart
                }
                (State::FieldStart | State::Unquoted | State::QuoteInQuoted, b'\r' | b'\n') => {
                    return shape;
                }
                (State::FieldStart | State::Unquoted, _) => State::Unquoted,
                (State::Quoted, b'"') => {
                    quote_after_break = after_break;
                    State::QuoteInQuoted
                }
                (State::Quoted, b) => {
                    shape.spans_lines |= b == b'\n' || b == b'\r';
                    State::Quoted
                }
                (State::QuoteInQuoted, b'"') => State::Quoted,
                (State::QuoteInQuoted, _) => {
                    shape.bad_quotes = true;
                    shape.flipped |= quote_after_break;
                    State::Unquoted
                }
            };
        }
        if state == State::Quoted {
            shape.unterminated = true;
            shape.bad_quotes = true;
        }
        shape
    }
}

/// Where `wanted` is in the header: exactly, else ignoring case and surrounding spaces.
fn find_column(header: &[String], wanted: &str) -> Option<usize> {
    header.iter().position(|h| h == wanted).or_else(|| {
        let wanted = wanted.trim();
        header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(wanted))
    })
}

/// The header's names for an error message, shortened when there are very many.
fn header_list(header: &[String]) -> String {
    const MAX: usize = 40;
    let mut list = header
        .iter()
        .take(MAX)
        .map(|h| super::row::excerpt(h))
        .collect::<Vec<_>>()
        .join(", ");
    if header.len() > MAX {
        list.push_str(&format!(" … and {} more", header.len() - MAX));
    }
    list
}

/// `16 MiB`, or bytes below 1 MiB.
pub(crate) fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

fn io_error(e: ::csv::Error) -> std::io::Error {
    match e.into_kind() {
        ::csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file::{FieldMap, FileFormat, FileReader};
    use proptest::prelude::*;
    use std::io::Cursor;

    /// Rows as `Ok("id:text")` or `Err("line N: reason")`.
    fn read(input: &[u8], tuning: Tuning) -> Vec<Result<String, String>> {
        let mut options = ImportOptions::new(FileFormat::Csv);
        options.map = "id=id,text=text,likes=likes".parse().unwrap();
        FileReader::build(
            Box::new(Cursor::new(input.to_vec())),
            options,
            tuning,
            "test",
        )
        .unwrap()
        .map(|r| {
            r.map(|p| format!("{}:{}", p.native_id, p.text))
                .map_err(|e| e.to_string())
        })
        .collect()
    }

    fn tuning(buffer: usize, max_record: usize) -> Tuning {
        Tuning { buffer, max_record }
    }

    fn csv_line(fields: &[&str]) -> Vec<u8> {
        let mut writer = ::csv::Writer::from_writer(Vec::new());
        writer.write_record(fields).unwrap();
        writer.into_inner().unwrap()
    }

    proptest! {
        /// Whatever the buffer size, records written by the csv crate read back exactly,
        /// and errors carry the physical line where their record starts.
        #[test]
        fn round_trips_with_any_buffer_size(
            records in proptest::collection::vec(("[a-z ,\"\n\r]{0,12}", any::<bool>()), 0..25),
            buffer in 1usize..48,
        ) {
            let mut input = b"id,text,likes\n".to_vec();
            let mut expected = Vec::new();
            let mut line = 2;
            for (i, (text, bad)) in records.iter().enumerate() {
                let text = format!("t{text}");
                let bytes = csv_line(&[&i.to_string(), &text, if *bad { "x" } else { "1" }]);
                expected.push(if *bad {
                    Err(format!(
                        "line {line}: bad likes 'x' in column 'likes' (expected a whole number, 0 or more)"
                    ))
                } else {
                    Ok(format!("{i}:{text}"))
                });
                line += bytes.iter().filter(|&&b| b == b'\n').count();
                input.extend_from_slice(&bytes);
            }
            prop_assert_eq!(read(&input, tuning(buffer, 1 << 20)), expected);
        }

        /// A line whose text opens a quote that never closes is the only row lost.
        #[test]
        fn one_broken_line_spoils_only_itself(
            texts in proptest::collection::vec("[a-z ,\"]{0,12}", 1..20),
            broken in any::<proptest::sample::Index>(),
            buffer in 1usize..48,
        ) {
            let broken = broken.index(texts.len());
            let mut input = b"id,text,likes\n".to_vec();
            let mut expected = Vec::new();
            for (i, text) in texts.iter().enumerate() {
                let text = format!("t{text}");
                if i == broken {
                    input.extend_from_slice(format!("{i},\"{},1\n", text.replace('"', "")).as_bytes());
                    expected.push(Err(format!(
                        "line {}: broken quoting: a quoted field opened on this line does not \
                         close properly; skipped this line and read on from the next",
                        i + 2
                    )));
                } else {
                    input.extend_from_slice(&csv_line(&[&i.to_string(), &text, "1"]));
                    expected.push(Ok(format!("{i}:{text}")));
                }
            }
            prop_assert_eq!(read(&input, tuning(buffer, 1 << 20)), expected);
        }
    }

    #[test]
    fn overlong_records_are_skipped_a_line_at_a_time() {
        // An unclosed quote swallowing more than the limit.
        let mut input = b"id,text,likes\n1,a,1\n2,\"open,1\n".to_vec();
        for i in 3..40 {
            input.extend_from_slice(format!("{i},b,1\n").as_bytes());
        }
        let got = read(&input, tuning(7, 64));
        assert_eq!(got[0], Ok("1:a".to_string()));
        assert_eq!(
            got[1],
            Err(
                "line 3: record is longer than 64 bytes (a quote that never closes?); \
                 skipped this line"
                    .to_string()
            )
        );
        assert_eq!(got.len(), 39);
        assert!(got[2..].iter().all(Result::is_ok), "{got:?}");
        assert_eq!(got[38], Ok("39:b".to_string()));

        // One line longer than the limit, with no line break within it.
        let mut input = b"id,text,likes\n1,".to_vec();
        input.extend(std::iter::repeat_n(b'x', 300_000));
        input.extend_from_slice(b",1\n2,after,1\n");
        let got = read(&input, tuning(1024, 1000));
        assert_eq!(
            got,
            [
                Err(
                    "line 2: record is longer than 1000 bytes (a quote that never closes?); \
                     skipped this line"
                        .to_string()
                ),
                Ok("2:after".to_string()),
            ]
        );
        // ... even at the very end.
        let got = read(&input[..input.len() - 14], tuning(1024, 1000));
        assert_eq!(got.len(), 1);
    }

    #[test]
    fn overlong_header_is_a_file_error() {
        let input = b"id,\"text\nmore\nmore\n";
        let mut options = ImportOptions::new(FileFormat::Csv);
        options.map = FieldMap::default();
        let err = FileReader::build(
            Box::new(Cursor::new(input.to_vec())),
            options,
            tuning(4, 8),
            "t",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "bad header: the header row is longer than 8 bytes (a quote that never closes?)"
        );
    }

    #[test]
    fn shapes() {
        assert_eq!(
            Shape::of(b"a,b\n"),
            Shape {
                first_line_end: Some(4),
                ..Shape::default()
            }
        );
        let s = Shape::of(b"\n\r\n1,\"x\ny\",z\n");
        assert_eq!(s.leading_lines, 2);
        assert_eq!(s.start, 3);
        assert_eq!(s.first_line_end, Some(8));
        assert!(s.spans_lines && !s.bad_quotes && !s.unterminated);
        let s = Shape::of(b"1,\"x\n2,\"y\",z\n");
        assert!(s.spans_lines && s.bad_quotes && s.flipped && !s.unterminated);
        let s = Shape::of(b"1,\"x\nsaid \"hi\" there\",z\n");
        assert!(s.spans_lines && s.bad_quotes && !s.flipped && !s.unterminated);
        let s = Shape::of(b"1,\"x\n\"y\",z\n");
        assert!(s.flipped);
        let s = Shape::of(b"1,\"x\n2,y");
        assert!(s.spans_lines && s.bad_quotes && s.unterminated);
        let s = Shape::of(b"1,\"say \"\"hi\"\"\",2\r\n");
        assert!(!s.spans_lines && !s.bad_quotes);
    }
}
