//! Property tests: the compiled engine agrees with the reference evaluator on random
//! queries and posts; nothing panics on any input; canonical forms parse back.

use proptest::prelude::*;
use rapport_model::{MonitorId, Network};
use rapport_query::{Document, MatcherSet, PreparedDocument, Query};

const WORDS: &[&str] = &[
    "acme", "Acme", "café", "cafe", "coffee", "big", "sale", "refund", "the", "jobs", "brew",
];
const PREFIXES: &[&str] = &["ref", "acm", "caf", "job", "big", "cof"];

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(WORDS).prop_map(str::to_string)
}

fn leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => word(),
        1 => prop::sample::select(PREFIXES).prop_map(|p| format!("{p}*")),
        1 => word().prop_map(|w| format!("#{w}")),
        1 => word().prop_map(|w| format!("@{w}")),
        1 => Just("@acme@mastodon.social".to_string()),
        2 => (word(), word()).prop_map(|(a, b)| format!("\"{a} {b}\"")),
        1 => (word(), word(), 1u32..4).prop_map(|(a, b, n)| format!("{a} NEAR/{n} {b}")),
        1 => (word(), word(), word(), 1u32..3)
            .prop_map(|(a, b, c, n)| format!("\"{a} {b}\" NEAR/{n} {c}")),
        1 => prop::sample::select(&[
            "author:acme", "author:bob", "lang:en", "lang:fr", "network:x",
            "network:mastodon", "site:acme.com", "site:shop.acme.com",
        ][..]).prop_map(str::to_string),
        1 => word().prop_map(|w| format!("title:{w}")),
        1 => prop::sample::select(&[
            "😡", "\"😡\"", "👍🏽", "\":)\"", ":P", "<3", "xD", "\"lost 😡 bag\"", "sooooo",
            "don't", "\"don’t\"",
        ][..]).prop_map(str::to_string),
    ]
}

fn query() -> impl Strategy<Value = String> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} AND {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} OR {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) NOT ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} OR NOT {b}) {a}")),
            inner.clone().prop_map(|a| format!("({a})")),
        ]
    })
}

const PIECES: &[&str] = &[
    "acme",
    "Acme",
    "ACME's",
    "café",
    "Cafe",
    "coffee",
    "big",
    "sale",
    "refund",
    "Refunded",
    "the",
    "jobs",
    "brew",
    "acmetools",
    "#acme",
    "#Coffee",
    "#refundnow",
    "@acme",
    "@acme@mastodon.social",
    "@bob",
    "https://shop.acme.com/x",
    "www.other.org",
    "big-sale",
    ".",
    "!",
    "🔥",
    "😡",
    "👍🏽",
    "👍",
    ":)",
    ":-)))",
    "<3",
    "lost",
    "bag",
    "soooo",
    "Soo",
    "don't",
    "DON’T",
];

#[derive(Debug, Clone)]
struct Post {
    text: String,
    title: Option<String>,
    author: Option<&'static str>,
    lang: Option<&'static str>,
    network: Option<Network>,
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..14).prop_map(|v| v.join(" "))
}

fn post() -> impl Strategy<Value = Post> {
    (
        text(),
        prop::option::of(text()),
        prop::option::of(prop::sample::select(
            &["acme", "@Acme@mastodon.social", "bob"][..],
        )),
        prop::option::of(prop::sample::select(&["en", "en-US", "fr", "pt-BR"][..])),
        prop::option::of(prop::sample::select(&Network::ALL[..])),
    )
        .prop_map(|(text, title, author, lang, network)| Post {
            text,
            title,
            author,
            lang,
            network,
        })
}

fn document(post: &Post) -> Document<'_> {
    let mut doc = Document::new(&post.text);
    if let Some(title) = &post.title {
        doc = doc.with_title(title);
    }
    if let Some(author) = post.author {
        doc = doc.with_author(author);
    }
    if let Some(lang) = post.lang {
        doc = doc.with_lang(lang);
    }
    if let Some(network) = post.network {
        doc = doc.with_network(network);
    }
    doc
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn compiled_agrees_with_naive(
        queries in prop::collection::vec(query(), 1..12),
        posts in prop::collection::vec(post(), 1..8),
    ) {
        let parsed: Vec<(MonitorId, Query)> = queries
            .iter()
            .enumerate()
            .filter_map(|(i, q)| Query::parse(q).ok().map(|q| (MonitorId(i as i64), q)))
            .collect();
        let set = MatcherSet::compile(parsed.iter().map(|(id, q)| (*id, q)));
        for post in &posts {
            let doc = document(post);
            let prepared = PreparedDocument::of(&doc);
            let naive: Vec<MonitorId> = parsed
                .iter()
                .filter(|(_, q)| q.matches_prepared(&prepared))
                .map(|(id, _)| *id)
                .collect();
            prop_assert_eq!(set.matches(&doc), naive, "post {:?}", post);
        }
    }

    #[test]
    fn generated_queries_round_trip(q in query()) {
        if let Ok(parsed) = Query::parse(&q) {
            let canonical = parsed.to_string();
            let again = Query::parse(&canonical);
            prop_assert_eq!(again.as_ref().ok(), Some(&parsed), "{} -> {}", q, canonical);
        }
    }

    #[test]
    fn parsing_arbitrary_strings_never_panics(s in "\\PC{0,80}") {
        match Query::parse(&s) {
            Ok(q) => {
                prop_assert_eq!(Query::parse(&q.to_string()).ok(), Some(q.clone()));
                let _ = q.matches(&Document::new(&s));
            }
            Err(e) => {
                prop_assert!(e.column() >= 1 && e.column() <= s.chars().count() + 1);
                let _ = e.to_string();
            }
        }
    }

    #[test]
    fn parsing_query_like_strings_never_panics(
        s in "([a-cé#@*:\"()\\\\/ _.-]|AND |OR |NOT |NEAR/[0-9] |title:|site:|lang:|author:){0,30}"
    ) {
        match Query::parse(&s) {
            Ok(q) => {
                let canonical = q.to_string();
                prop_assert_eq!(Query::parse(&canonical).ok(), Some(q.clone()), "{}", canonical);
                let set = MatcherSet::compile([(MonitorId(1), &q)]);
                let doc = Document::new(&s);
                prop_assert_eq!(set.matches(&doc).len() == 1, q.matches(&doc));
            }
            Err(e) => prop_assert!(e.column() >= 1 && e.column() <= s.chars().count() + 1),
        }
    }

    #[test]
    fn matching_arbitrary_text_never_panics(s in "\\PC{0,120}") {
        let set = MatcherSet::compile([
            (MonitorId(1), Query::parse("acme OR #acme* OR @acme").unwrap()),
            (MonitorId(2), Query::parse("\"big sale\" NEAR/3 acme").unwrap()),
            (MonitorId(3), Query::parse("site:acme.com").unwrap()),
        ]);
        let doc = Document::new(&s).with_title(&s).with_author(&s).with_lang(&s);
        let _ = set.matches(&doc);
    }
}
