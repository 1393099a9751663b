//! Turning one row's cells, from either format, into a [`Post`].

use super::{dates::parse_timestamp, map::Field, ImportOptions};
use chrono::SecondsFormat;
use rapport_model::{Author, Engagement, Network, Post, Timestamp, UnknownNetwork};
use std::borrow::Cow;

/// The handle used when a row names no author.
pub const UNKNOWN_AUTHOR: &str = "unknown";

/// The prefix of ids derived from a row's content (see [`derived_id`]).
pub const DERIVED_ID_PREFIX: &str = "h:";

/// One field's value in one row.
#[derive(Debug, Clone, Default)]
pub(crate) enum Cell<'a> {
    /// Not mapped, or (JSON) the key is absent.
    #[default]
    Absent,
    /// (JSON) `null`.
    Null,
    /// A string: a CSV cell, or a decoded JSON string.
    Text(Cow<'a, str>),
    /// (JSON) a number or boolean, as its exact source text.
    Literal(&'a str),
    /// (JSON) an object or array: `"an object"` / `"an array"`.
    Nested(&'static str),
}

/// The cells of one row, indexed by [`Field::index`].
pub(crate) type Cells<'a> = [Cell<'a>; Field::COUNT];

/// Everything a reader needs to build posts from cells; built once per file.
#[derive(Debug)]
pub(crate) struct RowBuilder {
    network: Network,
    default_created: Timestamp,
    /// Whether a mapped field must be present (explicit `--map`) or only applies where the
    /// file has it (default map).
    explicit: bool,
    /// How each mapped field's source is named in errors: `column 'tweet'` or `key 'user.id'`.
    sources: [Option<String>; Field::COUNT],
}

impl RowBuilder {
    /// `sources[i]` names the column or key that feeds field `i` in error messages
    /// (`None` where the field is not mapped at all).
    pub(crate) fn new(options: &ImportOptions, sources: [Option<String>; Field::COUNT]) -> Self {
        RowBuilder {
            network: options.network,
            default_created: options.default_created,
            explicit: options.map.is_explicit(),
            sources,
        }
    }

    fn source(&self, field: Field) -> &str {
        self.sources[field.index()].as_deref().unwrap_or("nothing")
    }

    /// Builds the post, or says what is wrong with the row.
    pub(crate) fn build(&self, cells: &Cells<'_>) -> Result<Post, String> {
        let cell = |f: Field| &cells[f.index()];

        let text = match string(cell(Field::Text), self.source(Field::Text), Field::Text)? {
            Some(t) if !t.trim().is_empty() => t.into_owned(),
            _ => {
                return Err(format!(
                    "missing text ({} {})",
                    self.source(Field::Text),
                    emptiness(cell(Field::Text))
                ))
            }
        };

        let network = match self.trimmed(cell(Field::Network), Field::Network)? {
            Some(name) => name.parse::<Network>().map_err(|e| {
                let shortened = UnknownNetwork {
                    name: excerpt(&e.name),
                };
                format!("{shortened} in {}", self.source(Field::Network))
            })?,
            None => self.network,
        };

        let created_cell = cell(Field::Created);
        let created = match self.trimmed(created_cell, Field::Created)? {
            Some(value) => Some(
                parse_timestamp(&value)
                    .map_err(|e| format!("bad created in {}: {e}", self.source(Field::Created)))?,
            ),
            None => {
                let mapped_here = !matches!(created_cell, Cell::Absent | Cell::Null);
                if self.sources[Field::Created.index()].is_some() && (self.explicit || mapped_here)
                {
                    return Err(format!(
                        "missing created ({} {})",
                        self.source(Field::Created),
                        emptiness(created_cell)
                    ));
                }
                None
            }
        };

        let handle = self
            .trimmed(cell(Field::Author), Field::Author)?
            .map(|h| h.strip_prefix('@').unwrap_or(&h).trim().to_string())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| UNKNOWN_AUTHOR.to_string());
        let author = Author {
            display_name: self
                .trimmed(cell(Field::AuthorName), Field::AuthorName)?
                .map(Cow::into_owned),
            followers: self.count(cell(Field::Followers), Field::Followers)?,
            handle,
        };

        let native_id = match self.trimmed(cell(Field::Id), Field::Id)? {
            Some(id) => id.into_owned(),
            None => derived_id(&author.handle, created, &text),
        };

        let language = self
            .trimmed(cell(Field::Lang), Field::Lang)?
            .filter(|l| !l.eq_ignore_ascii_case("und"))
            .map(Cow::into_owned);

        let title = string(cell(Field::Title), self.source(Field::Title), Field::Title)?
            .filter(|t| !t.trim().is_empty())
            .map(Cow::into_owned);

        Ok(Post {
            network,
            native_id,
            url: self.owned(cell(Field::Url), Field::Url)?,
            author,
            title,
            text,
            language,
            created_at: created.unwrap_or(self.default_created),
            reply_to: self.owned(cell(Field::ReplyTo), Field::ReplyTo)?,
            conversation_id: self.owned(cell(Field::Conversation), Field::Conversation)?,
            quote_of: self.owned(cell(Field::QuoteOf), Field::QuoteOf)?,
            engagement: Engagement {
                likes: self.count(cell(Field::Likes), Field::Likes)?.unwrap_or(0),
                reposts: self
                    .count(cell(Field::Reposts), Field::Reposts)?
                    .unwrap_or(0),
                replies: self
                    .count(cell(Field::Replies), Field::Replies)?
                    .unwrap_or(0),
            },
        })
    }

    /// The cell as trimmed text; `None` when absent, null or blank.
    fn trimmed<'c>(
        &self,
        cell: &'c Cell<'_>,
        field: Field,
    ) -> Result<Option<Cow<'c, str>>, String> {
        Ok(
            string(cell, self.source(field), field)?.and_then(|s| match s {
                Cow::Borrowed(b) => Some(Cow::Borrowed(b.trim())).filter(|t| !t.is_empty()),
                Cow::Owned(o) => {
                    let t = o.trim();
                    (!t.is_empty()).then(|| Cow::Owned(t.to_string()))
                }
            }),
        )
    }

    fn owned(&self, cell: &Cell<'_>, field: Field) -> Result<Option<String>, String> {
        Ok(self.trimmed(cell, field)?.map(Cow::into_owned))
    }

    /// A non-negative whole number; `None` when absent or blank.
    fn count(&self, cell: &Cell<'_>, field: Field) -> Result<Option<u64>, String> {
        let Some(value) = self.trimmed(cell, field)? else {
            return Ok(None);
        };
        parse_count(&value).map(Some).ok_or_else(|| {
            format!(
                "bad {field} '{}' in {} (expected a whole number, 0 or more)",
                excerpt(&value),
                self.source(field)
            )
        })
    }
}

/// The cell as text (numbers and booleans as written); an object or array is an error.
fn string<'c>(
    cell: &'c Cell<'_>,
    source: &str,
    field: Field,
) -> Result<Option<Cow<'c, str>>, String> {
    match cell {
        Cell::Absent | Cell::Null => Ok(None),
        Cell::Text(s) => Ok(Some(Cow::Borrowed(s.as_ref()))),
        Cell::Literal(s) => Ok(Some(Cow::Borrowed(s))),
        Cell::Nested(kind) => Err(format!(
            "bad {field} in {source}: expected a string or number, found {kind}"
        )),
    }
}

/// Why a required cell gave nothing: "is empty", "is blank", "is null", "is absent".
fn emptiness(cell: &Cell<'_>) -> &'static str {
    match cell {
        Cell::Absent => "is absent",
        Cell::Null => "is null",
        Cell::Text(s) if !s.is_empty() => "is blank",
        _ => "is empty",
    }
}

/// `12`, `12.0`, `1e3`: a whole number that fits in u64.
fn parse_count(s: &str) -> Option<u64> {
    if let Ok(n) = s.parse::<u64>() {
        return Some(n);
    }
    let f: f64 = s.parse().ok()?;
    // 2^64 as f64; anything at or above does not fit.
    (f.is_finite() && f >= 0.0 && f.fract() == 0.0 && f < 18_446_744_073_709_551_616.0)
        .then_some(f as u64)
}

/// The id of a post whose file gives none: `h:` and the xxh3-128 of author handle,
/// `created` (RFC 3339, empty when the file gives no date) and text, in hex. The same
/// row therefore gets the same id on every import.
pub fn derived_id(handle: &str, created: Option<Timestamp>, text: &str) -> String {
    let created = created
        .map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
        .unwrap_or_default();
    let mut input = Vec::with_capacity(handle.len() + created.len() + text.len() + 16);
    for part in [handle, created.as_str()] {
        input.extend_from_slice(&(part.len() as u64).to_le_bytes());
        input.extend_from_slice(part.as_bytes());
    }
    input.extend_from_slice(text.as_bytes());
    format!(
        "{DERIVED_ID_PREFIX}{:032x}",
        xxhash_rust::xxh3::xxh3_128(&input)
    )
}

/// A value short enough to quote in an error message.
pub(crate) fn excerpt(s: &str) -> String {
    const MAX_CHARS: usize = 60;
    match s.char_indices().nth(MAX_CHARS) {
        Some((end, _)) => format!("{}…", &s[..end]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        assert_eq!(parse_count("0"), Some(0));
        assert_eq!(parse_count("12"), Some(12));
        assert_eq!(parse_count("12.0"), Some(12));
        assert_eq!(parse_count("1e3"), Some(1000));
        assert_eq!(parse_count("18446744073709551615"), Some(u64::MAX));
        for bad in ["-1", "1.5", "x", "NaN", "inf", "1e30", ""] {
            assert_eq!(parse_count(bad), None, "{bad}");
        }
    }

    #[test]
    fn derived_ids_are_stable_and_distinct() {
        let t = chrono::DateTime::from_timestamp(1_424_806_552, 0);
        let a = derived_id("acme", t, "hello");
        assert_eq!(a, derived_id("acme", t, "hello"));
        assert!(a.starts_with("h:") && a.len() == 2 + 32, "{a}");
        assert_ne!(a, derived_id("acme", None, "hello"));
        assert_ne!(a, derived_id("acm", t, "ehello"));
        assert_ne!(derived_id("ab", None, "c"), derived_id("a", None, "bc"));
    }

    #[test]
    fn excerpts_are_short() {
        assert_eq!(excerpt("abc"), "abc");
        let long = "é".repeat(100);
        assert_eq!(excerpt(&long).chars().count(), 61);
    }
}
