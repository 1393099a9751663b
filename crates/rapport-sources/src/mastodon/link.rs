//! The `Link` header Mastodon pages with
//! (https://docs.joinmastodon.org/api/guidelines/#pagination).

use serde::{Deserialize, Serialize};

/// One link of a `Link` header, with the paging ids of its query.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PageLink {
    /// The URL as given.
    pub url: String,
    /// `max_id`: older than this (the next page back in time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_id: Option<String>,
    /// `min_id`: just newer than this (the previous page, oldest first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_id: Option<String>,
    /// `since_id`: newer than this (newest first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since_id: Option<String>,
}

/// The paging links of a `Link` header.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LinkPaging {
    /// `rel="next"`: older posts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<PageLink>,
    /// `rel="prev"`: newer posts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev: Option<PageLink>,
}

/// Reads a `Link` header value such as
/// `<https://m.example/api/v1/timelines/tag/acme?max_id=1>; rel="next", <https://m.example/api/v1/timelines/tag/acme?min_id=9>; rel="prev"`.
/// Links with other relations and malformed parts are ignored; nothing panics.
///
/// ```
/// use rapport_sources::mastodon::parse_link_header;
/// let paging = parse_link_header(r#"<https://m.example/api/v1/timelines/public?max_id=108>; rel="next""#);
/// assert_eq!(paging.next.unwrap().max_id.as_deref(), Some("108"));
/// assert!(paging.prev.is_none());
/// ```
pub fn parse_link_header(value: &str) -> LinkPaging {
    let mut paging = LinkPaging::default();
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else { break };
        let url = after[..close].trim();
        let params_end = after[close + 1..]
            .find('<')
            .map_or(after.len(), |i| close + 1 + i);
        let params = &after[close + 1..params_end];
        rest = &after[params_end..];
        let link = page_link(url);
        for rel in relations(params) {
            match rel.as_str() {
                "next" if paging.next.is_none() => paging.next = Some(link.clone()),
                "prev" | "previous" if paging.prev.is_none() => paging.prev = Some(link.clone()),
                _ => {}
            }
        }
    }
    paging
}

/// The values of the `rel` parameter (`rel="next prev"` names two).
fn relations(params: &str) -> Vec<String> {
    params
        .split(';')
        .filter_map(|param| {
            let (name, value) = param.split_once('=')?;
            name.trim().eq_ignore_ascii_case("rel").then(|| {
                value
                    .trim()
                    .trim_matches(',')
                    .trim()
                    .trim_matches('"')
                    .to_string()
            })
        })
        .flat_map(|value| {
            value
                .split_ascii_whitespace()
                .map(|r| r.to_ascii_lowercase())
                .collect::<Vec<_>>()
        })
        .collect()
}

fn page_link(url: &str) -> PageLink {
    let mut link = PageLink {
        url: url.to_string(),
        ..PageLink::default()
    };
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let query = query.split('#').next().unwrap_or_default();
    for pair in query.split('&') {
        let Some((key, value)) = pair.split_once('=') else {
            continue;
        };
        let value = Some(value.to_string()).filter(|v| !v.is_empty());
        match key {
            "max_id" => link.max_id = value,
            "min_id" => link.min_id = value,
            "since_id" => link.since_id = value,
            _ => {}
        }
    }
    link
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_next_and_prev_as_mastodon_sends_them() {
        let header = "<https://mastodon.example/api/v1/timelines/tag/acme?max_id=111478539913540911>; rel=\"next\", <https://mastodon.example/api/v1/timelines/tag/acme?min_id=111478566591213712>; rel=\"prev\"";
        let paging = parse_link_header(header);
        let next = paging.next.unwrap();
        assert_eq!(next.max_id.as_deref(), Some("111478539913540911"));
        assert_eq!(
            next.url,
            "https://mastodon.example/api/v1/timelines/tag/acme?max_id=111478539913540911"
        );
        let prev = paging.prev.unwrap();
        assert_eq!(prev.min_id.as_deref(), Some("111478566591213712"));
        assert_eq!(prev.max_id, None);
    }

    #[test]
    fn odd_headers_give_what_they_can() {
        assert_eq!(parse_link_header(""), LinkPaging::default());
        assert_eq!(parse_link_header("<unterminated"), LinkPaging::default());
        let p = parse_link_header("<https://a.example/x?since_id=5&limit=2>;rel=prev;title=\"t\"");
        assert_eq!(p.prev.unwrap().since_id.as_deref(), Some("5"));
        let p = parse_link_header("<https://a.example/?max_id=1>; rel=\"alternate\"");
        assert_eq!(p, LinkPaging::default());
    }
}
