//! Which column (CSV) or key (JSONL) feeds which field of a post: the `--map` option.

use std::{fmt, str::FromStr};

/// A field of [`rapport_model::Post`] that a file's column can feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// The post's text. Required in every row.
    Text,
    /// The network's id for the post. Without it, ids are derived from author, date and text.
    Id,
    /// The author's handle (a leading `@` is dropped).
    Author,
    /// The author's display name.
    AuthorName,
    /// The author's follower count.
    Followers,
    /// When the post was published.
    Created,
    /// A link to the original.
    Url,
    /// A title (feed items, link posts).
    Title,
    /// The language tag (`en`, `pt-BR`).
    Lang,
    /// The id of the post this one replies to.
    ReplyTo,
    /// The id of the conversation's root post.
    Conversation,
    /// The id of the post this one quotes.
    QuoteOf,
    /// Likes, favourites.
    Likes,
    /// Reposts, boosts, retweets.
    Reposts,
    /// Replies, comments.
    Replies,
    /// The row's network, overriding the import's default.
    Network,
}

impl Field {
    /// How many fields there are.
    pub const COUNT: usize = 16;

    /// Every field, in the order `--map` documents them.
    pub const ALL: [Field; Field::COUNT] = [
        Field::Text,
        Field::Id,
        Field::Author,
        Field::AuthorName,
        Field::Followers,
        Field::Created,
        Field::Url,
        Field::Title,
        Field::Lang,
        Field::ReplyTo,
        Field::Conversation,
        Field::QuoteOf,
        Field::Likes,
        Field::Reposts,
        Field::Replies,
        Field::Network,
    ];

    /// The name used in `--map` (`text`, `author_name`, `reply_to`...); also the column
    /// name the default map looks for.
    pub fn name(self) -> &'static str {
        match self {
            Field::Text => "text",
            Field::Id => "id",
            Field::Author => "author",
            Field::AuthorName => "author_name",
            Field::Followers => "followers",
            Field::Created => "created",
            Field::Url => "url",
            Field::Title => "title",
            Field::Lang => "lang",
            Field::ReplyTo => "reply_to",
            Field::Conversation => "conversation",
            Field::QuoteOf => "quote_of",
            Field::Likes => "likes",
            Field::Reposts => "reposts",
            Field::Replies => "replies",
            Field::Network => "network",
        }
    }

    /// Position in [`Field::ALL`], for per-field arrays.
    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Field {
    type Err = MapError;

    /// Parses a field name exactly as [`Field::name`] writes it (case-insensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        Field::ALL
            .into_iter()
            .find(|f| f.name() == lower)
            .ok_or_else(|| MapError::UnknownField {
                name: s.trim().to_string(),
                suggestion: suggest_field(&lower),
            })
    }
}

/// An error in a `--map` value. Each names the part that is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    /// `--map` was given but holds no entries.
    #[error("--map is empty (expected FIELD=COLUMN,..., e.g. text=tweet,created=date)")]
    Empty,
    /// An entry without `=`.
    #[error("'{entry}' in --map has no '=' (expected FIELD=COLUMN, e.g. text={entry})")]
    MissingEquals {
        /// The entry as given.
        entry: String,
    },
    /// An entry whose column name is empty (`text=`).
    #[error("empty column name for '{field}' in --map (expected {field}=COLUMN)")]
    EmptyColumn {
        /// The field whose column is missing.
        field: Field,
    },
    /// A field name that rapport does not know.
    #[error("unknown field '{name}' in --map ({})", match suggestion {
        Some(s) => format!("did you mean '{s}'?"),
        None => format!("valid fields: {}", field_names()),
    })]
    UnknownField {
        /// The name as given.
        name: String,
        /// The closest valid field name, when one is close enough.
        suggestion: Option<&'static str>,
    },
    /// The same field named twice.
    #[error("field '{field}' appears twice in --map")]
    Duplicate {
        /// The repeated field.
        field: Field,
    },
}

/// Which column or key feeds which [`Field`].
///
/// * The default map (no `--map` given) is the identity map: field `text` reads column
///   `text`, `id` reads `id`, `author_name` reads `author_name`, and so on, but only for the
///   columns the file has: a CSV without an `id` column simply has no id mapped, and a JSONL
///   row without a `created` key gets [`ImportOptions::default_created`](super::ImportOptions).
/// * A map parsed from `--map text=COL,id=COL,...` is explicit: it maps exactly the fields
///   it names, plus `text`, which reads column `text` unless named. Every column it names
///   must be in a CSV's header; a mapped `created` must be present in every row.
///
/// For JSONL a column is a key, and a dotted path (`user.screen_name`, `entities.urls.0.url`)
/// reaches into nested objects and arrays; a key that itself contains dots is used when the
/// nested path is absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldMap {
    columns: [Option<String>; Field::COUNT],
    explicit: bool,
}

impl Default for FieldMap {
    fn default() -> Self {
        FieldMap {
            columns: Field::ALL.map(|f| Some(f.name().to_string())),
            explicit: false,
        }
    }
}

impl FieldMap {
    /// The column or key that feeds `field`, if any.
    pub fn get(&self, field: Field) -> Option<&str> {
        self.columns[field.index()].as_deref()
    }

    /// Whether this map came from `--map` (every named column must exist) rather than
    /// being the default identity map (applied only where the column exists).
    pub fn is_explicit(&self) -> bool {
        self.explicit
    }

    /// The mapped fields and their columns, in [`Field::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Field, &str)> + '_ {
        Field::ALL
            .into_iter()
            .filter_map(|f| self.get(f).map(|column| (f, column)))
    }
}

impl fmt::Display for FieldMap {
    /// Writes the map in `--map` syntax (`text=text,id=tweet_id`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (field, column)) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{field}={column}")?;
        }
        Ok(())
    }
}

impl FromStr for FieldMap {
    type Err = MapError;

    /// Parses `text=COL,id=COL,...`. Whitespace around names is ignored and so are empty
    /// entries (a trailing comma); a column name may contain `=` after the first one.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut columns: [Option<String>; Field::COUNT] = Default::default();
        let mut any = false;
        for entry in s.split(',') {
            let entry = entry.trim();
            if entry.is_empty() {
                continue;
            }
            let Some((name, column)) = entry.split_once('=') else {
                return Err(MapError::MissingEquals {
                    entry: entry.to_string(),
                });
            };
            let field: Field = name.parse()?;
            let column = column.trim();
            if column.is_empty() {
                return Err(MapError::EmptyColumn { field });
            }
            let slot = &mut columns[field.index()];
            if slot.is_some() {
                return Err(MapError::Duplicate { field });
            }
            *slot = Some(column.to_string());
            any = true;
        }
        if !any {
            return Err(MapError::Empty);
        }
        columns[Field::Text.index()].get_or_insert_with(|| Field::Text.name().to_string());
        Ok(FieldMap {
            columns,
            explicit: true,
        })
    }
}

fn field_names() -> String {
    Field::ALL.map(Field::name).join(", ")
}

/// Names people reach for that are far from ours by spelling.
const SYNONYMS: &[(&str, Field)] = &[
    ("body", Field::Text),
    ("content", Field::Text),
    ("message", Field::Text),
    ("tweet", Field::Text),
    ("post", Field::Text),
    ("native_id", Field::Id),
    ("tweet_id", Field::Id),
    ("handle", Field::Author),
    ("user", Field::Author),
    ("username", Field::Author),
    ("screen_name", Field::Author),
    ("display_name", Field::AuthorName),
    ("name", Field::AuthorName),
    ("followers_count", Field::Followers),
    ("created_at", Field::Created),
    ("date", Field::Created),
    ("time", Field::Created),
    ("timestamp", Field::Created),
    ("link", Field::Url),
    ("subject", Field::Title),
    ("language", Field::Lang),
    ("in_reply_to", Field::ReplyTo),
    ("parent", Field::ReplyTo),
    ("conversation_id", Field::Conversation),
    ("thread", Field::Conversation),
    ("quoted_status_id", Field::QuoteOf),
    ("favorites", Field::Likes),
    ("favourites", Field::Likes),
    ("favorite_count", Field::Likes),
    ("retweets", Field::Reposts),
    ("retweet_count", Field::Reposts),
    ("shares", Field::Reposts),
    ("boosts", Field::Reposts),
    ("comments", Field::Replies),
    ("reply_count", Field::Replies),
    ("source", Field::Network),
    ("platform", Field::Network),
];

/// The field a mistyped name most likely meant: a known synonym, or the closest name
/// within a small edit distance.
fn suggest_field(lower: &str) -> Option<&'static str> {
    if let Some((_, field)) = SYNONYMS.iter().find(|(s, _)| *s == lower) {
        return Some(field.name());
    }
    closest(lower, Field::ALL.iter().map(|f| f.name()))
}

/// The candidate closest to `wanted` by edit distance (case-insensitive), if close enough
/// to be a typo: at most 2 edits, and at most a third of the longer name (at least 1).
pub(crate) fn closest<'a>(
    wanted: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let wanted_lower = wanted.to_lowercase();
    candidates
        .map(|c| (edit_distance(&wanted_lower, &c.to_lowercase()), c))
        .filter(|&(d, c)| {
            let longest = wanted_lower.chars().count().max(c.chars().count());
            d <= 2 && d <= (longest / 3).max(1)
        })
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// Edit distance over characters, counting a swap of neighbours as one edit
/// (optimal string alignment), so `lnag` is one edit from `lang`.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 0..a.len() {
        cur[0] = i + 1;
        for j in 0..b.len() {
            let mut d = (prev[j] + usize::from(a[i] != b[j]))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
            if i > 0 && j > 0 && a[i] == b[j - 1] && a[i - 1] == b[j] {
                d = d.min(before[j - 1] + 1);
            }
            cur[j + 1] = d;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_round_trip_and_indices_match() {
        for (i, f) in Field::ALL.into_iter().enumerate() {
            assert_eq!(f.index(), i);
            assert_eq!(f.name().parse::<Field>().unwrap(), f);
        }
    }

    #[test]
    fn edit_distance_basics() {
        assert_eq!(edit_distance("txt", "text"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("lnag", "lang"), 1);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(closest("txt", ["text", "id"].into_iter()), Some("text"));
        assert_eq!(closest("zzz", ["text", "id"].into_iter()), None);
    }
}
