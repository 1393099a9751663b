//! Link previews: the card a post's first link gets while it is composed, and on Bluesky
//! the `app.bsky.embed.external` sent with it (Mastodon and X build their own cards from
//! the URL).
//!
//! The page is fetched through the guarded [`Fetcher`] (private and loopback addresses
//! refused unless the safety policy allows them; size and time bounded by its limits) and
//! read with `scraper` (html5ever): the Open Graph protocol's `og:title`, `og:description`,
//! `og:image`, `og:site_name` (<https://ogp.me/>), else X's card tags `twitter:title`,
//! `twitter:description`, `twitter:image`
//! (<https://developer.x.com/en/docs/x-for-websites/cards/overview/markup>), else
//! `<title>` and `<meta name="description">`.

use reqwest::Url;
use scraper::{Html, Selector};

use super::length;
use super::media::{inspect, MediaFile};
use crate::http::{FetchError, FetchOutcome, FetchRequest, Fetcher};

/// The longest title kept, in characters (Bluesky's clients show about a line).
const MAX_TITLE: usize = 300;
/// The longest description kept, in characters.
const MAX_DESCRIPTION: usize = 1_000;

/// A link's preview card.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct LinkCard {
    /// The link as written in the post.
    pub url: String,
    /// The page's title (may be empty).
    pub title: String,
    /// Its description (may be empty).
    pub description: String,
    /// The image it names for previews (absolute URL), if any.
    pub image_url: Option<String>,
    /// The site's name, if it gives one.
    pub site_name: Option<String>,
    /// The image itself, when it was fetched and fits (Bluesky uploads it as the thumb).
    #[serde(skip)]
    pub thumb: Option<MediaFile>,
}

/// Why a link has no card.
#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    /// The text has no link.
    #[error("the text has no link")]
    NoLink,
    /// The link is not an http(s) URL.
    #[error("{0:?} is not an http or https link")]
    NotHttp(String),
    /// The page could not be fetched (refused by the guard, too large, too slow, an error
    /// status).
    #[error(transparent)]
    Fetch(#[from] FetchError),
}

/// The first link of `text`, as an http(s) URL (a bare `example.com/x` gets `https://`).
pub fn first_link(text: &str) -> Result<Url, PreviewError> {
    let span = length::url_spans(text)
        .into_iter()
        .next()
        .ok_or(PreviewError::NoLink)?;
    let raw = &text[span];
    let parsed = Url::parse(raw).or_else(|_| Url::parse(&format!("https://{raw}")));
    match parsed {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(url),
        _ => Err(PreviewError::NotHttp(raw.to_string())),
    }
}

fn clip(text: &str, max: usize) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= max {
        collapsed
    } else {
        let mut clipped: String = collapsed.chars().take(max - 1).collect();
        clipped.push('…');
        clipped
    }
}

/// Reads the card of the page `html` found at `url` (relative image URLs are resolved
/// against `base`, the address that answered).
pub fn parse_card(html: &str, url: &str, base: &Url) -> LinkCard {
    let document = Html::parse_document(html);
    let meta = |attribute: &str, names: &[&str]| -> Option<String> {
        names.iter().find_map(|name| {
            let selector = Selector::parse(&format!("meta[{attribute}=\"{name}\"]")).ok()?;
            document
                .select(&selector)
                .filter_map(|e| e.value().attr("content"))
                .map(str::trim)
                .find(|c| !c.is_empty())
                .map(str::to_string)
        })
    };
    // Open Graph uses `property`, but many pages write `name`; X's tags use `name`.
    let tag = |names: &[&str]| meta("property", names).or_else(|| meta("name", names));
    let title = tag(&["og:title", "twitter:title"]).or_else(|| {
        let selector = Selector::parse("title").ok()?;
        document
            .select(&selector)
            .next()
            .map(|t| t.text().collect::<String>())
    });
    let description =
        tag(&["og:description", "twitter:description"]).or_else(|| meta("name", &["description"]));
    let image_url = tag(&[
        "og:image:secure_url",
        "og:image:url",
        "og:image",
        "twitter:image",
        "twitter:image:src",
    ])
    .and_then(|raw| base.join(&raw).ok())
    .filter(|u| matches!(u.scheme(), "http" | "https"))
    .map(String::from);
    LinkCard {
        url: url.to_string(),
        title: clip(title.as_deref().unwrap_or(""), MAX_TITLE),
        description: clip(description.as_deref().unwrap_or(""), MAX_DESCRIPTION),
        image_url,
        site_name: tag(&["og:site_name"]).map(|s| clip(&s, MAX_TITLE)),
        thumb: None,
    }
}

/// Fetches `url` through `fetcher` and reads its card.
pub async fn fetch_card(fetcher: &Fetcher, url: &Url) -> Result<LinkCard, PreviewError> {
    let request =
        FetchRequest::get(url.clone()).accept("text/html,application/xhtml+xml;q=0.9,*/*;q=0.1");
    let fetched = match fetcher.get(request).await? {
        FetchOutcome::Fresh(fetched) => fetched,
        FetchOutcome::NotModified { .. } => {
            return Ok(LinkCard {
                url: url.to_string(),
                ..LinkCard::default()
            })
        }
    };
    let base = Url::parse(&fetched.url).unwrap_or_else(|_| url.clone());
    Ok(parse_card(
        &String::from_utf8_lossy(&fetched.body),
        url.as_str(),
        &base,
    ))
}

/// Fetches the card's image through `fetcher` and keeps it as the thumb when it is a
/// PNG, JPEG, GIF or WebP of at most `max_bytes`; anything else leaves no thumb.
pub async fn fetch_thumb(fetcher: &Fetcher, card: &mut LinkCard, max_bytes: u64) {
    let Some(url) = card.image_url.as_deref().and_then(|u| Url::parse(u).ok()) else {
        return;
    };
    let request = FetchRequest::get(url).accept("image/*");
    let Ok(FetchOutcome::Fresh(fetched)) = fetcher.get(request).await else {
        return;
    };
    if fetched.body.len() as u64 > max_bytes {
        return;
    }
    if let Ok(info) = inspect(&fetched.body) {
        card.thumb = Some(MediaFile {
            kind: info.kind,
            bytes: fetched.body.into(),
            alt: String::new(),
            width: info.width,
            height: info.height,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_links_are_found_and_must_be_web_links() {
        assert_eq!(
            first_link("New kettle! https://acme.example/k?x=1 and https://b.example")
                .unwrap()
                .as_str(),
            "https://acme.example/k?x=1"
        );
        assert!(matches!(
            first_link("no link here"),
            Err(PreviewError::NoLink)
        ));
    }

    #[test]
    fn cards_prefer_open_graph_then_twitter_then_title() {
        let base = Url::parse("https://acme.example/blog/post").unwrap();
        let html = r#"<!doctype html><html><head>
            <title>Fallback title</title>
            <meta name="description" content="Plain description">
            <meta name="twitter:title" content="Card title">
            <meta property="og:title" content="  The   kettle
               that sings ">
            <meta property="og:image" content="/img/kettle.png">
            <meta property="og:site_name" content="Acme">
            </head><body><h1>x</h1></body></html>"#;
        let card = parse_card(html, "https://acme.example/blog/post", &base);
        assert_eq!(card.title, "The kettle that sings");
        assert_eq!(card.description, "Plain description");
        assert_eq!(
            card.image_url.as_deref(),
            Some("https://acme.example/img/kettle.png")
        );
        assert_eq!(card.site_name.as_deref(), Some("Acme"));

        let bare = parse_card(
            "<html><head><title>Only &amp; title</title></head></html>",
            "https://a.example",
            &base,
        );
        assert_eq!(bare.title, "Only & title");
        assert_eq!(bare.description, "");
        assert_eq!(bare.image_url, None);
        // A javascript: image is dropped.
        let sneaky = parse_card(
            r#"<meta property="og:image" content="javascript:alert(1)">"#,
            "https://a.example",
            &base,
        );
        assert_eq!(sneaky.image_url, None);
    }

    #[test]
    fn long_texts_are_clipped() {
        let base = Url::parse("https://a.example/").unwrap();
        let html = format!(
            r#"<meta property="og:description" content="{}">"#,
            "word ".repeat(400)
        );
        let card = parse_card(&html, "https://a.example/", &base);
        assert_eq!(card.description.chars().count(), MAX_DESCRIPTION);
        assert!(card.description.ends_with('…'));
    }
}
