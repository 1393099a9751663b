//! Posts from files: CSV and JSONL exports, data sets, other tools' archives.
//!
//! This is the library behind `rapport import FILE [--format csv|jsonl] [--network NAME]
//! [--map text=COL,id=COL,author=COL,created=COL,...]`:
//!
//! ```no_run
//! use rapport_sources::file::{FileFormat, FileReader, ImportOptions};
//! use std::path::Path;
//!
//! let path = Path::new("tweets.csv");
//! let mut options = ImportOptions::new(FileFormat::from_path(path).unwrap_or(FileFormat::Csv));
//! options.network = "x".parse()?;
//! options.map = "id=tweet_id,text=text,author=name,created=tweet_created".parse()?;
//! for row in FileReader::open(path, options)? {
//!     match row {
//!         Ok(post) => println!("{}: {}", post.native_id, post.text),
//!         Err(e) => eprintln!("skipped {e}"), // "line 42: missing text (column 'text' is empty)"
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! What is read, per row (see [`Field`] for the fields and [`FieldMap`] for `--map`):
//!
//! * `text` is required and kept exactly as in the file (no trimming, no HTML decoding);
//!   a row with no text, or only whitespace, is a [`RowError`].
//! * `id` is the network's id, kept as text (`5.70306e+17` stays `5.70306e+17`; JSON numbers
//!   keep every digit). Without one, the id is derived from author, date and text (see
//!   [`derived_id`]), so importing the same file again yields the same ids.
//! * `created` is read by [`parse_timestamp`]. When no column is mapped to it, every post
//!   gets [`ImportOptions::default_created`]; when one is, a row with an empty or unreadable
//!   date is a [`RowError`] (a post's date matters too much to guess).
//! * `author` is the handle, with a leading `@` dropped; missing, it is `unknown`.
//! * `likes`, `reposts`, `replies`, `followers` are whole numbers (`12`, `12.0`); anything
//!   else is a [`RowError`] naming the field. Missing, counts are 0 and followers unknown.
//! * `network`, a per-row column, overrides [`ImportOptions::network`]; an unknown name is a
//!   [`RowError`].
//! * `lang` `und` (undetermined) counts as no language.
//!
//! Rows come in file order; a bad row is reported with its physical line number and the
//! reading goes on. Nothing here panics on any input. Only errors that make the whole file
//! unreadable (missing file, empty file, a `--map` column the header lacks) are
//! [`FileError`]s; an I/O error in the middle of the file ends the rows with one last
//! [`RowError`] saying so.

mod csv;
mod dates;
mod jsonl;
mod map;
mod replay;
mod row;

pub use dates::{parse_timestamp, BadDate, ACCEPTED_DATE_FORMATS};
pub use map::{Field, FieldMap, MapError};
pub use row::{derived_id, DERIVED_ID_PREFIX, UNKNOWN_AUTHOR};

use chrono::Utc;
use rapport_model::{Network, Post, Timestamp};
use std::{
    fmt,
    fs::File,
    io::{self, Read},
    path::{Path, PathBuf},
    str::FromStr,
};

/// The longest record (CSV) or line (JSONL) read, in bytes: 16 MiB. A longer one is a
/// [`RowError`] and reading goes on after its first line, so that a quote that never
/// closes cannot make the reader hold the rest of a large file in memory.
pub const MAX_RECORD_BYTES: usize = 16 << 20;

/// The layout of an import file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileFormat {
    /// Comma-separated values with a header row (RFC 4180 quoting).
    Csv,
    /// JSON Lines / NDJSON: one JSON object per line.
    Jsonl,
}

impl FileFormat {
    /// Guesses the format from the file's extension: `.csv`; `.jsonl`, `.ndjson`,
    /// `.jsonlines`. Case is ignored. `None` for anything else, `.json` included (it may
    /// hold one array rather than lines).
    pub fn from_path(path: &Path) -> Option<FileFormat> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "csv" => Some(FileFormat::Csv),
            "jsonl" | "ndjson" | "jsonlines" => Some(FileFormat::Jsonl),
            _ => None,
        }
    }

    /// The name used by `--format`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileFormat::Csv => "csv",
            FileFormat::Jsonl => "jsonl",
        }
    }
}

impl fmt::Display for FileFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `--format` value that is not a known format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown format '{name}' (expected csv or jsonl)")]
pub struct UnknownFormat {
    /// The name as given.
    pub name: String,
}

impl FromStr for FileFormat {
    type Err = UnknownFormat;

    /// `csv`, or `jsonl` / `ndjson` / `jsonlines`; case-insensitive.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(FileFormat::Csv),
            "jsonl" | "ndjson" | "jsonlines" => Ok(FileFormat::Jsonl),
            _ => Err(UnknownFormat {
                name: s.to_string(),
            }),
        }
    }
}

/// How to read a file.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportOptions {
    /// CSV or JSONL.
    pub format: FileFormat,
    /// The network of rows that do not name one (default [`Network::Import`]).
    pub network: Network,
    /// Which column feeds which field (default: the identity map, see [`FieldMap`]).
    pub map: FieldMap,
    /// The date of posts whose row has no `created` column mapped. [`ImportOptions::new`]
    /// sets it to the time of the call; set it to a fixed time for reproducible imports.
    pub default_created: Timestamp,
}

impl ImportOptions {
    /// Options for `format` with the defaults: network `import`, the identity map, and
    /// the current time for posts without a date.
    pub fn new(format: FileFormat) -> Self {
        ImportOptions {
            format,
            network: Network::Import,
            map: FieldMap::default(),
            default_created: Utc::now(),
        }
    }
}

/// A row that could not be read as a post. The reading goes on with the next row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct RowError {
    /// The physical line (1-based; a CSV header is line 1) where the row starts.
    pub line: u64,
    /// What is wrong, e.g. `missing text (column 'text' is empty)`.
    pub reason: String,
}

/// A file that cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The path does not exist.
    #[error("{}: file not found", path.display())]
    NotFound {
        /// The path as given.
        path: PathBuf,
    },
    /// The path is a directory (or something else that is not a file).
    #[error("{}: not a file", path.display())]
    NotAFile {
        /// The path as given.
        path: PathBuf,
    },
    /// The file exists but cannot be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Open {
        /// The path as given.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// Reading failed before the first row.
    #[error("read error: {0}")]
    Io(#[from] io::Error),
    /// No header row (CSV) or no line with content (JSONL).
    #[error("{name} is empty")]
    Empty {
        /// The file's path, or `the input`.
        name: String,
    },
    /// The CSV header row cannot be used.
    #[error("bad header: {reason}")]
    BadHeader {
        /// Why.
        reason: String,
    },
    /// A column named in `--map` is not in the CSV header.
    #[error(
        "column '{column}' named in --map {field}={column} is not in the header; \
         the header has: {header}{}",
        suggestion.as_ref().map(|s| format!(" (did you mean '{s}'?)")).unwrap_or_default()
    )]
    MissingColumn {
        /// The field it was to feed.
        field: Field,
        /// The column as named.
        column: String,
        /// The header's column names, comma-separated.
        header: String,
        /// The header's closest name, if close enough to be a typo.
        suggestion: Option<String>,
    },
    /// The CSV has no `text` column and `--map` names none.
    #[error(
        "the header has no 'text' column; say which column holds the text with \
         --map text=COLUMN (the header has: {header})"
    )]
    NoTextColumn {
        /// The header's column names, comma-separated.
        header: String,
    },
}

/// Internal knobs, small in tests to exercise buffer boundaries.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tuning {
    /// Read buffer size.
    pub(crate) buffer: usize,
    /// See [`MAX_RECORD_BYTES`].
    pub(crate) max_record: usize,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            buffer: 64 * 1024,
            max_record: MAX_RECORD_BYTES,
        }
    }
}

/// Reads posts from a CSV or JSONL file, one row at a time.
///
/// Iterating yields each row in file order: a [`Post`], or a [`RowError`] for a row that
/// cannot be one. [`bytes_read`](FileReader::bytes_read) and
/// [`total_bytes`](FileReader::total_bytes) drive a progress bar.
pub struct FileReader {
    rows: Rows,
    format: FileFormat,
    total_bytes: Option<u64>,
}

enum Rows {
    Csv(Box<csv::CsvRows>),
    Jsonl(Box<jsonl::JsonlRows>),
}

impl FileReader {
    /// Opens `path` and, for CSV, reads its header, checking it against the map.
    pub fn open(path: &Path, options: ImportOptions) -> Result<FileReader, FileError> {
        let file = File::open(path).map_err(|source| match source.kind() {
            io::ErrorKind::NotFound => FileError::NotFound {
                path: path.to_path_buf(),
            },
            _ => FileError::Open {
                path: path.to_path_buf(),
                source,
            },
        })?;
        let metadata = file.metadata().map_err(|source| FileError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        if !metadata.is_file() {
            return Err(FileError::NotAFile {
                path: path.to_path_buf(),
            });
        }
        let mut reader = Self::build(
            Box::new(file),
            options,
            Tuning::default(),
            &path.display().to_string(),
        )?;
        reader.total_bytes = Some(metadata.len());
        Ok(reader)
    }

    /// Reads from any byte source (a test's bytes, standard input); the total size is
    /// unknown.
    pub fn from_reader<R: Read + Send + 'static>(
        reader: R,
        options: ImportOptions,
    ) -> Result<FileReader, FileError> {
        Self::build(Box::new(reader), options, Tuning::default(), "the input")
    }

    pub(crate) fn build(
        input: Box<dyn Read + Send>,
        options: ImportOptions,
        tuning: Tuning,
        name: &str,
    ) -> Result<FileReader, FileError> {
        let rows = match options.format {
            FileFormat::Csv => {
                Rows::Csv(Box::new(csv::CsvRows::new(input, &options, tuning, name)?))
            }
            FileFormat::Jsonl => Rows::Jsonl(Box::new(jsonl::JsonlRows::new(
                input, &options, tuning, name,
            )?)),
        };
        Ok(FileReader {
            rows,
            format: options.format,
            total_bytes: None,
        })
    }

    /// Bytes of the input consumed so far (the header included).
    pub fn bytes_read(&self) -> u64 {
        match &self.rows {
            Rows::Csv(rows) => rows.bytes_read(),
            Rows::Jsonl(rows) => rows.bytes_read(),
        }
    }

    /// The input's size, when known (a file opened with [`FileReader::open`]).
    pub fn total_bytes(&self) -> Option<u64> {
        self.total_bytes
    }

    /// The format being read.
    pub fn format(&self) -> FileFormat {
        self.format
    }

    /// The CSV header's column names (`None` for JSONL).
    pub fn columns(&self) -> Option<&[String]> {
        match &self.rows {
            Rows::Csv(rows) => Some(rows.header()),
            Rows::Jsonl(_) => None,
        }
    }
}

impl Iterator for FileReader {
    type Item = Result<Post, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.rows {
            Rows::Csv(rows) => rows.next_row(),
            Rows::Jsonl(rows) => rows.next_row(),
        }
    }
}

impl std::iter::FusedIterator for FileReader {}

impl fmt::Debug for FileReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileReader")
            .field("format", &self.format)
            .field("bytes_read", &self.bytes_read())
            .field("total_bytes", &self.total_bytes)
            .finish_non_exhaustive()
    }
}
