//! `rapport analyze [FILE|-] [--format jsonl|csv] [--text-field text] [--id-field id]
//! [--model MODEL]`: what rapport understands of each post, one JSON line per input record,
//! in input order:
//!
//! ```text
//! {"id":"42","lang":"en","sentiment":{"label":"negative","compound":-0.6249,"pos":0.0,"neu":0.62,"neg":0.38},"intent":"complaint","fingerprint":"8f3a00c41b2e9d07"}
//! ```
//!
//! `lang` is the ISO 639-1 code, or `null` when the post is too short or ambiguous to tell;
//! `sentiment` holds VADER's scores and a label, from VADER's ±0.05 thresholds or, with
//! `--model`, from the learned model (VADER's scores stay beside it); `fingerprint` is the
//! near-duplicate SimHash as 16 hex digits. The id is copied as given (a JSON string or
//! number; a CSV cell as a string; `null` when the record has none).
//!
//! A bad record (unreadable line, invalid JSON, no text) is reported on stderr with its line
//! number and skipped; the exit code is 0 unless the input or the model cannot be opened.

use anyhow::{bail, Context};
use rapport_nlp::fingerprint::{fingerprint, to_hex};
use rapport_nlp::intent::{classify_intent, Intent};
use rapport_nlp::lang::detect_language;
use rapport_nlp::learn::Model;
use rapport_nlp::sentiment::{SentimentScores, Vader};
use serde::Serialize;
use serde_json::Value;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::process::ExitCode;

/// The longest JSONL line read, in bytes; a longer one is a bad record.
const MAX_LINE_BYTES: usize = 16 << 20;

/// The layout of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
}

impl Format {
    /// `jsonl` (or `ndjson`, `json`) or `csv`.
    pub fn parse(name: &str) -> anyhow::Result<Format> {
        match name.trim().to_ascii_lowercase().as_str() {
            "jsonl" | "ndjson" | "json" => Ok(Format::Jsonl),
            "csv" => Ok(Format::Csv),
            other => bail!("unknown format '{other}' (expected jsonl or csv)"),
        }
    }
}

/// One input record: its line number (the first line of a CSV record), id and fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The 1-based line number where the record starts.
    pub line: u64,
    /// The id as given, `null` when absent.
    pub id: Value,
    /// The text field.
    pub text: String,
    /// The extra field asked for (the label, for `rapport train`), when present.
    pub extra: Option<String>,
}

/// A record that could not be read: its line number and why.
#[derive(Debug, Clone, PartialEq)]
pub struct BadRecord {
    /// The 1-based line number.
    pub line: u64,
    /// What is wrong.
    pub reason: String,
}

/// Reads `input` record by record, calling `each` with every good record or bad one, in
/// order. `extra_field` names one more field to read as text (a missing or empty one gives
/// `None`). Errors only when the whole input is unusable (a CSV without the text column).
pub fn read_records(
    input: impl Read,
    format: Format,
    text_field: &str,
    id_field: &str,
    extra_field: Option<&str>,
    each: &mut dyn FnMut(Result<Record, BadRecord>) -> io::Result<bool>,
) -> anyhow::Result<()> {
    match format {
        Format::Jsonl => read_jsonl(input, text_field, id_field, extra_field, each),
        Format::Csv => read_csv(input, text_field, id_field, extra_field, each),
    }
}

fn read_jsonl(
    input: impl Read,
    text_field: &str,
    id_field: &str,
    extra_field: Option<&str>,
    each: &mut dyn FnMut(Result<Record, BadRecord>) -> io::Result<bool>,
) -> anyhow::Result<()> {
    let mut reader = BufReader::new(input);
    let mut buf = Vec::new();
    let mut line = 0u64;
    loop {
        buf.clear();
        line += 1;
        let (read, too_long) = read_line_capped(&mut reader, &mut buf, MAX_LINE_BYTES)?;
        if read == 0 {
            return Ok(());
        }
        let result = if too_long {
            Err(format!("line longer than {MAX_LINE_BYTES} bytes"))
        } else {
            parse_json_record(&buf, text_field, id_field, extra_field)
        };
        let go_on = match result {
            Ok(None) => true,
            Ok(Some((id, text, extra))) => each(Ok(Record {
                line,
                id,
                text,
                extra,
            }))?,
            Err(reason) => each(Err(BadRecord { line, reason }))?,
        };
        if !go_on {
            return Ok(());
        }
    }
}

type Parsed = (Value, String, Option<String>);

/// A JSONL line's record; `Ok(None)` for a blank line.
fn parse_json_record(
    bytes: &[u8],
    text_field: &str,
    id_field: &str,
    extra_field: Option<&str>,
) -> Result<Option<Parsed>, String> {
    let line = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    if line.trim().is_empty() {
        return Ok(None);
    }
    let value: Value = serde_json::from_str(line).map_err(|e| format!("invalid JSON: {e}"))?;
    let Value::Object(mut object) = value else {
        return Err("not a JSON object".into());
    };
    let text = match object.remove(text_field) {
        Some(Value::String(text)) => text,
        Some(_) => return Err(format!("field '{text_field}' is not a string")),
        None => return Err(format!("no field '{text_field}'")),
    };
    let id = object.remove(id_field).unwrap_or(Value::Null);
    let extra = extra_field.and_then(|f| match object.remove(f) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        _ => None,
    });
    Ok(Some((id, text, extra)))
}

/// Reads one line (up to and including `\n`) into `buf`, keeping at most `cap` bytes and
/// skipping the rest; returns the bytes consumed and whether the line was cut.
fn read_line_capped(
    reader: &mut impl BufRead,
    buf: &mut Vec<u8>,
    cap: usize,
) -> io::Result<(usize, bool)> {
    let mut consumed = 0;
    let mut too_long = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok((consumed, too_long));
        }
        let (chunk, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (&available[..=i], true),
            None => (available, false),
        };
        let room = cap.saturating_sub(buf.len());
        if chunk.len() > room {
            too_long = true;
        }
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let n = chunk.len();
        reader.consume(n);
        consumed += n;
        if done {
            return Ok((consumed, too_long));
        }
    }
}

fn read_csv(
    input: impl Read,
    text_field: &str,
    id_field: &str,
    extra_field: Option<&str>,
    each: &mut dyn FnMut(Result<Record, BadRecord>) -> io::Result<bool>,
) -> anyhow::Result<()> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let headers = reader
        .headers()
        .context("cannot read the CSV header")?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    let Some(text_col) = column(text_field) else {
        bail!(
            "the CSV header has no column '{text_field}' (columns: {})",
            headers.iter().collect::<Vec<_>>().join(", ")
        );
    };
    let id_col = column(id_field);
    if id_col.is_none() {
        eprintln!(
            "warning: the CSV header has no column '{id_field}'; ids are null (see --id-field)"
        );
    }
    let extra_col = extra_field.and_then(column);
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line() + 1;
        let result = match reader.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                let line = record.position().map_or(line, |p| p.line());
                match record.get(text_col) {
                    Some(text) => Ok(Record {
                        line,
                        id: id_col
                            .and_then(|c| record.get(c))
                            .map_or(Value::Null, |s| Value::String(s.to_string())),
                        text: text.to_string(),
                        extra: extra_col
                            .and_then(|c| record.get(c))
                            .filter(|s| !s.trim().is_empty())
                            .map(str::to_string),
                    }),
                    None => Err(BadRecord {
                        line,
                        reason: format!("no '{text_field}' cell (the row is short)"),
                    }),
                }
            }
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line());
                let fatal = matches!(e.kind(), csv::ErrorKind::Io(_));
                let bad = BadRecord {
                    line,
                    reason: e.to_string(),
                };
                if fatal {
                    each(Err(bad))?;
                    return Ok(());
                }
                Err(bad)
            }
        };
        if !each(result)? {
            return Ok(());
        }
    }
}

/// The sentiment part of an output line.
#[derive(Debug, Serialize)]
struct SentimentOut<'a> {
    label: &'a str,
    compound: f64,
    pos: f64,
    neu: f64,
    neg: f64,
}

/// One output line.
#[derive(Debug, Serialize)]
struct Output<'a> {
    id: &'a Value,
    lang: Option<&'static str>,
    sentiment: SentimentOut<'a>,
    intent: Intent,
    fingerprint: String,
}

/// Writes the analysis of `text` as one JSON line.
pub fn write_analysis(
    out: &mut impl Write,
    id: &Value,
    text: &str,
    model: Option<&Model>,
) -> io::Result<()> {
    let scores: SentimentScores = Vader::shared().polarity_scores(text);
    let label = match model {
        Some(model) => model.predict_with(text, Some(&scores)).0.as_str(),
        None => scores.label().as_str(),
    };
    let line = Output {
        id,
        lang: detect_language(text).map(|l| l.code()),
        sentiment: SentimentOut {
            label,
            compound: scores.compound,
            pos: scores.pos,
            neu: scores.neu,
            neg: scores.neg,
        },
        intent: classify_intent(text, Some(scores)),
        fingerprint: to_hex(fingerprint(text)),
    };
    serde_json::to_writer(&mut *out, &line).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

/// The fields to read from each record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fields<'a> {
    /// The post's text.
    pub text: &'a str,
    /// Its id.
    pub id: &'a str,
}

/// What [`analyze`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Records analyzed and written.
    pub written: u64,
    /// Bad records skipped.
    pub skipped: u64,
}

/// Analyzes every record of `input` into `out`, reporting bad records on `errors` with
/// `source` (the file name) and their line number. Stops quietly when `out` is closed (a
/// broken pipe, `rapport analyze | head`).
pub fn analyze(
    input: impl Read,
    source: &str,
    format: Format,
    fields: Fields<'_>,
    model: Option<&Model>,
    out: &mut impl Write,
    errors: &mut impl Write,
) -> anyhow::Result<Summary> {
    let mut summary = Summary::default();
    let mut closed = false;
    read_records(
        input,
        format,
        fields.text,
        fields.id,
        None,
        &mut |record| match record {
            Ok(record) => match write_analysis(out, &record.id, &record.text, model) {
                Ok(()) => {
                    summary.written += 1;
                    Ok(true)
                }
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                    closed = true;
                    Ok(false)
                }
                Err(e) => Err(e),
            },
            Err(bad) => {
                summary.skipped += 1;
                writeln!(
                    errors,
                    "{source} line {}: skipped: {}",
                    bad.line, bad.reason
                )?;
                Ok(true)
            }
        },
    )?;
    if !closed {
        match out.flush() {
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => return Err(e.into()),
            _ => {}
        }
    }
    Ok(summary)
}

/// Runs `rapport analyze`: reads `input` (stdin when `None` or `-`), writes JSON lines to
/// stdout; see the [module](self).
pub fn run(
    input: Option<&Path>,
    format: &str,
    text_field: &str,
    id_field: &str,
    model: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let format = Format::parse(format)?;
    let model = match model {
        Some(path) => Some(
            Model::load(path)
                .with_context(|| format!("cannot load the model {}", path.display()))?,
        ),
        None => None,
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut errors = io::stderr();
    let input = input.filter(|p| p.as_os_str() != "-");
    let fields = Fields {
        text: text_field,
        id: id_field,
    };
    let summary = match input {
        Some(path) => {
            let file = std::fs::File::open(path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            let name = path.display().to_string();
            analyze(
                file,
                &name,
                format,
                fields,
                model.as_ref(),
                &mut out,
                &mut errors,
            )?
        }
        None => analyze(
            io::stdin().lock(),
            "stdin",
            format,
            fields,
            model.as_ref(),
            &mut out,
            &mut errors,
        )?,
    };
    if summary.skipped > 0 {
        eprintln!("{} records skipped", summary.skipped);
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_on(input: &str, format: Format, text: &str, id: &str) -> (Vec<Value>, String, Summary) {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let fields = Fields { text, id };
        let summary = analyze(
            input.as_bytes(),
            "in",
            format,
            fields,
            None,
            &mut out,
            &mut err,
        )
        .expect("analyzes");
        let lines = String::from_utf8_lossy(&out)
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON line"))
            .collect();
        (lines, String::from_utf8_lossy(&err).into_owned(), summary)
    }

    #[test]
    fn jsonl_in_order_with_bad_lines_reported() {
        let input = concat!(
            "{\"id\": 7, \"text\": \"@united lost my bag again and nobody at the desk can tell me where it is, worst airline ever\"}\n",
            "not json\n",
            "\n",
            "{\"id\": \"b\", \"body\": \"no text field\"}\n",
            "{\"id\": \"c\", \"text\": \"Thank you so much, the crew was wonderful!\"}\n",
        );
        let (lines, err, summary) = run_on(input, Format::Jsonl, "text", "id");
        assert_eq!(
            summary,
            Summary {
                written: 2,
                skipped: 2
            }
        );
        assert_eq!(lines[0]["id"], 7);
        assert_eq!(lines[0]["lang"], "en");
        assert_eq!(lines[0]["sentiment"]["label"], "negative");
        assert_eq!(lines[0]["intent"], "complaint");
        assert_eq!(lines[0]["fingerprint"].as_str().map(str::len), Some(16));
        assert_eq!(lines[1]["id"], "c");
        assert_eq!(lines[1]["sentiment"]["label"], "positive");
        assert!(err.contains("in line 2: skipped: invalid JSON"), "{err}");
        assert!(err.contains("in line 4: skipped: no field 'text'"), "{err}");
        // Fields in the documented order.
        let mut out = Vec::new();
        write_analysis(&mut out, &Value::from(1), "hello there", None).expect("writes");
        let raw = String::from_utf8_lossy(&out);
        let at = |key: &str| raw.find(&format!("\"{key}\":")).unwrap_or(usize::MAX);
        let order = ["id", "lang", "sentiment", "intent", "fingerprint"].map(at);
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{raw}");
    }

    #[test]
    fn csv_with_multiline_records() {
        let input =
            "tweet_id,text\n1,\"first line\nsecond line, still the same tweet\"\n2,short\n3\n";
        let (lines, err, summary) = run_on(input, Format::Csv, "text", "tweet_id");
        assert_eq!(
            summary,
            Summary {
                written: 2,
                skipped: 1
            }
        );
        assert_eq!(lines[0]["id"], "1");
        assert_eq!(lines[1]["id"], "2");
        assert_eq!(lines[1]["lang"], Value::Null);
        assert!(err.contains("in line 5: skipped"), "{err}");
    }

    #[test]
    fn csv_without_the_text_column_is_an_error() {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let fields = Fields {
            text: "text",
            id: "id",
        };
        let result = analyze(
            "a,b\n1,2\n".as_bytes(),
            "in",
            Format::Csv,
            fields,
            None,
            &mut out,
            &mut err,
        );
        assert!(result.is_err());
    }

    #[test]
    fn model_label_with_vader_scores_beside_it() {
        use rapport_nlp::learn::{Label, TrainConfig};
        let examples: Vec<(String, Label)> = [
            ("flight on time", "fine"),
            ("seat 12A", "fine"),
            ("great flight", "fine"),
            ("terrible delay", "bad"),
            ("lost bag", "bad"),
            ("rude staff", "bad"),
        ]
        .iter()
        .map(|(t, l)| (t.to_string(), Label::new(l)))
        .collect();
        let model = Model::train(&examples, &TrainConfig::default()).expect("trains");
        let mut out = Vec::new();
        write_analysis(
            &mut out,
            &Value::from(1),
            "terrible delay, lost bag",
            Some(&model),
        )
        .expect("writes");
        let line: Value = serde_json::from_slice(&out).expect("JSON");
        assert_eq!(line["sentiment"]["label"], "bad");
        assert!(line["sentiment"]["compound"]
            .as_f64()
            .is_some_and(|c| c < 0.0));
    }

    #[test]
    fn long_lines_and_odd_bytes_are_skipped() {
        let mut reader = BufReader::new(&b"abcdef\nxy\n"[..]);
        let mut buf = Vec::new();
        assert_eq!(
            read_line_capped(&mut reader, &mut buf, 3).ok(),
            Some((7, true))
        );
        assert_eq!(buf, b"abc");
        buf.clear();
        assert_eq!(
            read_line_capped(&mut reader, &mut buf, 3).ok(),
            Some((3, false))
        );
        let (lines, err, summary) =
            run_on("\u{0}\u{1}\n{\"text\": 5}\n", Format::Jsonl, "text", "id");
        assert!(lines.is_empty());
        assert_eq!(summary.skipped, 2);
        assert!(err.contains("not a string"), "{err}");
    }

    #[test]
    fn formats() {
        assert_eq!(Format::parse("JSONL").ok(), Some(Format::Jsonl));
        assert_eq!(Format::parse("csv").ok(), Some(Format::Csv));
        assert!(Format::parse("xml").is_err());
    }
}
