//! Short links with UTM tags: the pure parts (finding a text's URLs, tagging a destination,
//! codes, telling link-preview bots from people). The scheduler replaces each `http(s)` URL
//! of a target's text by `{base}/l/{code}` before sending ([`crate::publishing::Scheduler::with_links`]);
//! `rapport-web` answers `/l/{code}` and validates a draft's length on the text with its
//! links already replaced ([`placeholder_text`]: codes have a fixed length).

use rapport_model::Timestamp;
use rapport_sources::publish::length::url_spans;
use reqwest::Url;

/// Characters in a short link's code (base 62: about 59 random bits).
pub const CODE_LEN: usize = 10;

const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A fresh random code of [`CODE_LEN`] characters, or `None` without randomness.
pub fn new_code() -> Option<String> {
    let mut bytes = [0u8; CODE_LEN];
    getrandom::fill(&mut bytes).ok()?;
    // 256 is 4 × 62 + 8: the 8 highest byte values are drawn again so every code is uniform.
    let mut code = String::with_capacity(CODE_LEN);
    for b in bytes {
        let mut b = b;
        while b >= 248 {
            let mut one = [0u8; 1];
            getrandom::fill(&mut one).ok()?;
            b = one[0];
        }
        code.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
    }
    Some(code)
}

/// Whether `code` has the shape of a code (so a lookup of anything else is skipped).
pub fn is_code(code: &str) -> bool {
    code.len() == CODE_LEN && code.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The public short URL of `code` under `base` (`https://go.example.com` → `.../l/{code}`).
pub fn short_url(base: &str, code: &str) -> String {
    format!("{}/l/{code}", base.trim_end_matches('/'))
}

/// The UTM tags of one target's links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UtmTags {
    /// `utm_source`: the network (`mastodon`, `x`, ...).
    pub source: String,
    /// `utm_medium` (`social` by default).
    pub medium: String,
    /// `utm_campaign`: the campaign's slug, if the draft is in one.
    pub campaign: Option<String>,
    /// `utm_content`: the draft's variant label, if it is in a campaign.
    pub content: Option<String>,
}

/// `url` if it is an `http` or `https` URL (never `javascript:`, `data:`, ...), parsed.
pub fn http_url(url: &str) -> Option<Url> {
    let parsed = Url::parse(url).ok()?;
    (matches!(parsed.scheme(), "http" | "https") && parsed.host_str().is_some()).then_some(parsed)
}

/// `destination` with the UTM tags added after its own query (a `utm_` parameter it already
/// has is kept and not added twice); `None` unless it is an http(s) URL.
pub fn with_utm(destination: &str, tags: &UtmTags) -> Option<String> {
    let mut url = http_url(destination)?;
    let existing: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
    let wanted = [
        ("utm_source", Some(tags.source.as_str())),
        ("utm_medium", Some(tags.medium.as_str())),
        ("utm_campaign", tags.campaign.as_deref()),
        ("utm_content", tags.content.as_deref()),
    ];
    let missing: Vec<(&str, &str)> = wanted
        .into_iter()
        .filter_map(|(k, v)| Some((k, v.filter(|v| !v.is_empty())?)))
        .filter(|(k, _)| !existing.iter().any(|e| e == k))
        .collect();
    if !missing.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (k, v) in missing {
            pairs.append_pair(k, v);
        }
    }
    Some(url.into())
}

/// `text` with its i-th http(s) URL replaced by `replace(i, url)` (kept when it answers
/// `None`).
pub fn rewrite(text: &str, mut replace: impl FnMut(u32, &str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (i, span) in url_spans(text).into_iter().enumerate() {
        out.push_str(&text[last..span.start]);
        let url = &text[span.clone()];
        match replace(u32::try_from(i).unwrap_or(u32::MAX), url) {
            Some(new) => out.push_str(&new),
            None => out.push_str(url),
        }
        last = span.end;
    }
    out.push_str(&text[last..]);
    out
}

/// The http(s) URLs of `text`, in order.
pub fn urls(text: &str) -> Vec<&str> {
    url_spans(text).into_iter().map(|s| &text[s]).collect()
}

/// `text` as it will be sent with link tracking under `base`: each URL replaced by a short
/// link of the final length (the code is a placeholder), for length validation.
pub fn placeholder_text(text: &str, base: &str) -> String {
    let code = "x".repeat(CODE_LEN);
    rewrite(text, |_, url| http_url(url).map(|_| short_url(base, &code)))
}

/// User agents of the link-preview fetchers of the networks and chat apps: their visits are
/// counted as previews, not clicks.
const PREVIEW_BOTS: &[&str] = &[
    "facebookexternalhit",
    "facebookcatalog",
    "twitterbot",
    "slackbot",
    "slack-imgproxy",
    "mastodon",
    "bluesky",
    "cardyb",
    "linkedinbot",
    "discordbot",
    "telegrambot",
    "whatsapp",
    "skypeuripreview",
    "embedly",
    "redditbot",
    "pinterestbot",
    "googlebot",
    "bingbot",
];

/// Whether `user_agent` is a known link-preview bot (case-insensitive).
pub fn is_preview_bot(user_agent: &str) -> bool {
    let agent = user_agent.to_ascii_lowercase();
    PREVIEW_BOTS.iter().any(|bot| agent.contains(bot))
}

/// The start of the UTC hour holding `at` (clicks are counted per hour).
pub fn hour_of(at: Timestamp) -> Timestamp {
    let secs = at.timestamp();
    let start = secs - secs.rem_euclid(3600);
    chrono::DateTime::from_timestamp(start, 0).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags() -> UtmTags {
        UtmTags {
            source: "mastodon".into(),
            medium: "social".into(),
            campaign: Some("spring-launch".into()),
            content: Some("B".into()),
        }
    }

    #[test]
    fn utm_tags_are_added_after_the_existing_query_once() {
        assert_eq!(
            with_utm("https://acme.example/p?id=7", &tags()).unwrap(),
            "https://acme.example/p?id=7&utm_source=mastodon&utm_medium=social\
             &utm_campaign=spring-launch&utm_content=B"
        );
        // Already tagged parameters are kept as they are, not duplicated.
        assert_eq!(
            with_utm("https://acme.example/?utm_source=newsletter#top", &tags()).unwrap(),
            "https://acme.example/?utm_source=newsletter&utm_medium=social\
             &utm_campaign=spring-launch&utm_content=B#top"
        );
        let plain = UtmTags {
            campaign: None,
            content: None,
            ..tags()
        };
        assert_eq!(
            with_utm("http://acme.example", &plain).unwrap(),
            "http://acme.example/?utm_source=mastodon&utm_medium=social"
        );
        assert_eq!(with_utm("javascript:alert(1)", &tags()), None);
        assert_eq!(with_utm("data:text/html,hi", &tags()), None);
        assert_eq!(with_utm("ftp://acme.example/f", &tags()), None);
    }

    #[test]
    fn urls_are_replaced_in_place_and_placeholders_have_the_final_length() {
        let text = "New: https://acme.example/a, and (https://acme.example/b?x=1). Bye";
        let out = rewrite(text, |i, _| Some(format!("<{i}>")));
        assert_eq!(out, "New: <0>, and (<1>). Bye");
        assert_eq!(urls(text).len(), 2);
        let placeholder = placeholder_text(text, "https://go.acme.example/");
        assert_eq!(
            placeholder,
            "New: https://go.acme.example/l/xxxxxxxxxx, and (https://go.acme.example/l/xxxxxxxxxx). Bye"
        );
        assert_eq!(rewrite("no links", |_, _| Some("!".into())), "no links");
    }

    #[test]
    fn codes_are_random_and_checked() {
        let a = new_code().unwrap();
        let b = new_code().unwrap();
        assert_ne!(a, b);
        assert!(is_code(&a));
        assert!(!is_code("short"));
        assert!(!is_code("../../etc/p"));
    }

    #[test]
    fn preview_bots_are_told_from_people() {
        for bot in [
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            "Twitterbot/1.0",
            "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
            "http.rb/5.1.1 (Mastodon/4.2.0; +https://mastodon.social/)",
            "Mozilla/5.0 (compatible; Bluesky Cardyb/1.1; +mailto:support@bsky.app)",
        ] {
            assert!(is_preview_bot(bot), "{bot}");
        }
        assert!(!is_preview_bot(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
        ));
    }

    #[test]
    fn hours_start_on_the_hour() {
        // 1_800_000_000 is a whole hour (500,000 × 3600).
        let at = |s| chrono::DateTime::from_timestamp(s, 0).unwrap();
        assert_eq!(hour_of(at(1_800_003_599)).timestamp(), 1_800_000_000);
        assert_eq!(hour_of(at(1_800_003_600)).timestamp(), 1_800_003_600);
        assert_eq!(hour_of(at(1_800_000_000)).timestamp(), 1_800_000_000);
    }
}
