//! Fuzz-ish: whatever the bytes, every network parser returns (a page or an error) without
//! panicking, and every post it gives has an id.

use proptest::prelude::*;
use rapport_model::Network;
use rapport_sources::parse_document;

const NETWORKS: [Network; 6] = [
    Network::Mastodon,
    Network::Bluesky,
    Network::X,
    Network::Reddit,
    Network::HackerNews,
    Network::Feed,
];

fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    let now = chrono::DateTime::from_timestamp(1_772_360_000, 0).unwrap();
    for network in NETWORKS {
        if let Ok(page) = parse_document(network, bytes, now) {
            for post in &page.posts {
                prop_assert!(!post.native_id.is_empty());
                prop_assert_eq!(post.network, network);
            }
        }
    }
    Ok(())
}

/// Pieces of the documents the parsers read: JSON, SSE, XML, HTML.
fn documentish() -> impl Strategy<Value = Vec<u8>> {
    let pieces: Vec<&'static [u8]> = vec![
        b"{",
        b"}",
        b"[",
        b"]",
        b",",
        b":",
        b"\"",
        b"\n",
        b"\r\n",
        b" ",
        b"null",
        b"1",
        b"-1",
        b"1e400",
        b"\"id\"",
        b"\"data\"",
        b"\"posts\"",
        b"\"hits\"",
        b"\"statuses\"",
        b"\"content\"",
        b"\"account\"",
        b"\"acct\"",
        b"\"created_at\"",
        b"\"2026-03-01T10:00:00Z\"",
        b"\"reblog\"",
        b"\"type\"",
        b"\"mention\"",
        b"\"status\"",
        b"\"kind\"",
        b"\"did\"",
        b"\"time_us\"",
        b"\"commit\"",
        b"\"record\"",
        b"\"text\"",
        b"\"uri\"",
        b"\"at://d/app.bsky.feed.post/r\"",
        b"\"author\"",
        b"\"includes\"",
        b"\"users\"",
        b"\"tweets\"",
        b"\"referenced_tweets\"",
        b"\"retweeted\"",
        b"\"matching_rules\"",
        b"\"Listing\"",
        b"\"children\"",
        b"\"t3\"",
        b"\"t1\"",
        b"\"name\"",
        b"\"created_utc\"",
        b"\"objectID\"",
        b"\"created_at_i\"",
        b"event: update\n",
        b"data: ",
        b"event: delete\n",
        b":thump\n",
        b"<rss version=\"2.0\"><channel>",
        b"<item>",
        b"</item>",
        b"<title>",
        b"</title>",
        b"<feed xmlns=\"http://www.w3.org/2005/Atom\">",
        b"<entry>",
        b"</entry>",
        b"<pubDate>",
        b"&amp;",
        b"&#x1F41F;",
        b"<![CDATA[",
        b"]]>",
        b"<p>",
        b"<br>",
        "é🔥".as_bytes(),
        b"\xff",
        b"\xef\xbb\xbf",
    ];
    proptest::collection::vec(proptest::sample::select(pieces), 0..60)
        .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        check(&bytes)?;
    }

    #[test]
    fn document_pieces_never_panic(bytes in documentish()) {
        check(&bytes)?;
    }

    #[test]
    fn cut_fixtures_never_panic(cut in 0usize..20_000, which in 0usize..8) {
        let files = [
            ("mastodon", "statuses.json"), ("mastodon", "stream.sse"), ("bluesky", "search_posts.json"),
            ("bluesky", "jetstream.jsonl"), ("x", "search_recent.json"), ("x", "stream.jsonl"),
            ("reddit", "search.json"), ("feed", "rss2.xml"),
        ];
        let (network, name) = files[which];
        let path = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string())).join("tests/fixtures").join(network).join(name);
        let bytes = std::fs::read(path).unwrap();
        check(&bytes[..cut.min(bytes.len())])?;
    }
}

#[test]
fn html_to_text_never_panics_on_odd_markup() {
    for html in [
        "<",
        "<<",
        "<a",
        "<!--",
        "<!-- x",
        "&",
        "&#",
        "&#x;",
        "&#99999999;",
        "<script>",
        "</script",
        "<p",
        "\u{0}<br/>",
    ] {
        let _ = rapport_sources::html_to_text(html);
    }
}
