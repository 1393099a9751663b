//! Matching semantics, checked on both the reference evaluator and the compiled engine.

use rapport_model::{Author, Engagement, MonitorId, Network, Post};
use rapport_query::{Document, MatcherSet, PreparedDocument, Query};

/// Whether `query` matches `doc`, asserting that both evaluators agree.
fn matches_doc(query: &str, doc: &Document<'_>) -> bool {
    let q = Query::parse(query).unwrap_or_else(|e| panic!("{e}"));
    let naive = q.matches(doc);
    let set = MatcherSet::compile([(MonitorId(7), &q)]);
    let compiled = set.matches(doc) == vec![MonitorId(7)];
    assert_eq!(naive, compiled, "naive and compiled disagree on {query:?}");
    naive
}

fn m(query: &str, text: &str) -> bool {
    matches_doc(query, &Document::new(text))
}

#[test]
fn bare_terms_fold_case_and_accents_on_word_boundaries() {
    assert!(m("acme", "I love ACME."));
    assert!(m("acme", "Acme's new roast"));
    assert!(!m("acme", "acmetools is great"));
    assert!(!m("acme", "superacme"));
    assert!(m("cafe", "Un Café, svp"));
    assert!(m("Café", "best cafe"));
    assert!(m("café", "cafe\u{301} au lait"));
    assert!(m("acme", "#Acme rocks"));
    assert!(m("acme", "thanks @acme"));
    assert!(m("acme", "thanks @acme@mastodon.social"));
    assert!(m("acme", "thanks @acme.bsky.social"));
    assert!(!m("acme", "visit https://acme.com/deals"));
    assert!(!m("acme", "#AcmeCoffee"));
}

#[test]
fn phrases() {
    assert!(m("\"big sale\"", "The BIG sale is on"));
    assert!(m("\"big sale\"", "big, sale!"));
    assert!(!m("\"big sale\"", "big summer sale"));
    assert!(!m("\"big sale\"", "sale big"));
    assert!(m("\"love acme\"", "I love #acme"));
    assert!(!m("\"love #acme\"", "I love acme"));
    assert!(m("brew-day", "brew day today"));
    assert!(m("\"don't stop\"", "Don’t stop"));
}

#[test]
fn emoji_and_emoticons_match_as_terms() {
    assert!(m("😡", "lost my bag 😡"));
    assert!(m("\"😡\" AND acme", "@acme lost my bag 😡😡"));
    assert!(!m("\"😡\" AND acme", "acme lost my bag"));
    assert!(m("👍", "great service 👍🏽"));
    assert!(m("👍🏿", "great service 👍"));
    assert!(m("😡😡😡", "so angry 😡"));
    assert!(!m("😡", "so happy 😀"));
    assert!(m("\":)\"", "thanks acme :-)))"));
    assert!(m("\":-)\"", "thanks acme :)"));
    assert!(m(":D", "haha xD"));
    assert!(m("<3", "acme <333"));
    assert!(!m("\":)\"", "see 10:30 or http://x.y/:)"));
    assert!(!m("title:😡", "x 😡"));
    let titled = Document::new("fine").with_title("bag lost 😡");
    assert!(matches_doc("title:\"😡\"", &titled));
}

#[test]
fn emoji_do_not_break_phrases_or_nearness() {
    assert!(m("\"lost bag\"", "lost 😡 bag"));
    assert!(m("\"lost bag\"", "lost :( bag"));
    assert!(m("lost NEAR/1 bag", "lost 😡😡 🔥 bag"));
    // In a phrase with words, an emoji is left out, as before emoji were tokens.
    assert!(m("\"lost 😡 bag\"", "lost bag"));
}

#[test]
fn contractions_and_elongations() {
    assert!(m("don't", "I DON’T like it"));
    assert!(m("don’t", "i don't like it"));
    assert!(!m("don", "I don't like it"));
    assert!(m("acme", "Acme's new roast"));
    assert!(m("sooo", "it is soooooo good"));
    assert!(m("\"so good\"", "it is so goooood"));
    assert!(!m("so", "it is soooo good"));
}

#[test]
fn wildcards() {
    for text in ["refund", "Refunds please", "they REFUNDED it", "#refundnow"] {
        assert!(m("refund*", text), "{text}");
    }
    assert!(!m("refund*", "prefund"));
    assert!(!m("refund*", "refun"));
    assert!(m("#acme*", "#AcmeCoffee"));
    assert!(!m("#acme*", "AcmeCoffee"));
    assert!(m("@acme*", "@acmesupport"));
    assert!(m("@acme@mast*", "@acme@mastodon.social"));
}

#[test]
fn hashtags_and_mentions_are_specific() {
    assert!(m("#acme", "#ACME"));
    assert!(!m("#acme", "acme"));
    assert!(!m("#acme", "@acme"));
    assert!(m("@acme", "@Acme"));
    assert!(m("@acme", "cc @acme@mastodon.social"));
    assert!(!m("@acme", "acme"));
    assert!(!m("@acme", "#acme"));
    assert!(m("@acme@mastodon.social", "cc @acme@Mastodon.Social"));
    assert!(!m("@acme@mastodon.social", "cc @acme"));
    assert!(!m("@acme@mastodon.social", "cc @acme@other.social"));
}

#[test]
fn boolean_operators() {
    assert!(m("acme coffee", "coffee by acme"));
    assert!(!m("acme coffee", "acme tea"));
    assert!(m("a OR b c", "a"));
    assert!(!m("a OR b c", "b"));
    assert!(m("a OR b c", "c b"));
    assert!(m("acme NOT job*", "acme coffee"));
    assert!(!m("acme NOT job*", "acme jobs"));
    assert!(m("acme NOT (jobs OR hiring)", "acme beans"));
    assert!(!m("acme NOT (jobs OR hiring)", "acme is hiring"));
    assert!(m("acme NOT NOT coffee", "acme coffee"));
}

#[test]
fn near() {
    assert!(m("acme NEAR/2 coffee", "acme great coffee"));
    assert!(m("acme NEAR/2 coffee", "coffee at acme"));
    assert!(m("acme NEAR/1 coffee", "acme coffee"));
    assert!(!m("acme NEAR/1 coffee", "acme good coffee"));
    assert!(!m("acme NEAR/2 coffee", "acme is really good coffee"));
    assert!(m("acme NEAR/2 coffee", "acme is bad. acme coffee"));
    assert!(m("\"big sale\" NEAR/1 acme", "acme big sale"));
    assert!(m("\"big sale\" NEAR/1 acme", "big sale acme"));
    assert!(!m("\"big sale\" NEAR/2 acme", "big sale today at acme"));
    assert!(m("\"big sale\" NEAR/3 acme", "big sale today at acme"));
    assert!(m(
        "\"big sale\" NEAR/2 \"best roast\"",
        "best roast, big sale"
    ));
    assert!(m("acme NEAR/4 refund*", "#acme gave me a refund"));
    assert!(!m("acme NEAR/3 refund*", "#acme gave me a refund"));
    // Two different places are needed: a word is not near itself.
    assert!(!m("acme NEAR/3 acme", "acme"));
    assert!(m("acme NEAR/3 acme", "acme and acme"));
    // Punctuation and emoji take no position; links, hashtags and mentions take one.
    assert!(m("acme NEAR/1 coffee", "acme!!! 🔥 coffee"));
    assert!(!m("acme NEAR/1 coffee", "acme https://x.org coffee"));
    // The text and the title are separate.
    let doc = Document::new("coffee").with_title("acme");
    assert!(!matches_doc("acme NEAR/5 coffee", &doc));
}

#[test]
fn fields() {
    let doc = Document::new("hello")
        .with_author("@Acme@Mastodon.social")
        .with_lang("en-US")
        .with_network(Network::Mastodon)
        .with_title("Acme Launches Its Roaster");
    assert!(matches_doc("author:acme", &doc));
    assert!(matches_doc("author:@acme@mastodon.social", &doc));
    assert!(!matches_doc("author:acme@other.social", &doc));
    assert!(!matches_doc("author:bob", &doc));
    assert!(matches_doc("lang:en", &doc));
    assert!(matches_doc("lang:en-us", &doc));
    assert!(!matches_doc("lang:en-gb", &doc));
    assert!(!matches_doc("lang:fr", &doc));
    assert!(matches_doc("network:mastodon", &doc));
    assert!(!matches_doc("network:x", &doc));
    assert!(matches_doc("title:launch*", &doc));
    assert!(matches_doc("title:\"launches its\"", &doc));
    assert!(!matches_doc("title:hello", &doc));
    assert!(
        matches_doc("roaster", &doc),
        "a bare term also looks at the title"
    );
    assert!(matches_doc("lang:en AND network:mastodon", &doc));
    assert!(matches_doc("hello lang:en NOT network:x", &doc));
    assert!(!m("lang:en", "no language known"));
    assert!(!m("author:acme", "no author known"));
    let eng = Document::new("x").with_lang("eng");
    assert!(!matches_doc("lang:en", &eng));
}

#[test]
fn site() {
    assert!(m("site:acme.com", "see https://acme.com/deals"));
    assert!(m("site:acme.com", "see https://Shop.ACME.com/deals"));
    assert!(m("site:acme.com", "see www.acme.com"));
    assert!(m("site:acme.com", "see http://user@acme.com:8080/x"));
    assert!(!m("site:acme.com", "see https://notacme.com/"));
    assert!(!m("site:acme.com", "see https://acme.com.evil.org/"));
    assert!(!m("site:acme.com", "acme.com without a scheme is a word"));
    assert!(m("site:shop.acme.com", "https://shop.acme.com"));
    assert!(!m("site:shop.acme.com", "https://acme.com"));
    let urls = vec!["https://blog.acme.com/post".to_string()];
    let doc = Document::new("no links here").with_urls(&urls);
    assert!(matches_doc("site:acme.com", &doc));
    let doc = Document::new("https://acme.com").with_urls(&[]);
    assert!(
        !matches_doc("site:acme.com", &doc),
        "given urls replace the text's"
    );
    let doc = Document::new("text").with_title("read https://acme.com/x");
    assert!(matches_doc("site:acme.com", &doc));
}

fn post(network: Network, text: &str) -> Post {
    Post {
        network,
        native_id: "1".into(),
        url: Some("https://news.acme.com/launch".into()),
        author: Author::new("@Acme"),
        title: Some("Launch day".into()),
        text: text.into(),
        language: Some("fr".into()),
        created_at: Default::default(),
        reply_to: None,
        conversation_id: None,
        quote_of: None,
        engagement: Engagement::default(),
    }
}

#[test]
fn posts() {
    let set = MatcherSet::compile([
        (MonitorId(3), Query::parse("site:acme.com").unwrap()),
        (MonitorId(1), Query::parse("author:acme lang:fr").unwrap()),
        (MonitorId(2), Query::parse("title:launch coffee").unwrap()),
        (MonitorId(4), Query::parse("network:feed").unwrap()),
    ]);
    let feed = post(Network::Feed, "new coffee");
    assert_eq!(
        set.matches_post(&feed),
        vec![MonitorId(1), MonitorId(2), MonitorId(3), MonitorId(4)]
    );
    let toot = post(Network::Mastodon, "new tea");
    assert_eq!(set.matches_post(&toot), vec![MonitorId(1)]);
}

#[test]
fn matcher_set_sorts_dedups_and_handles_edge_cases() {
    let empty = MatcherSet::compile(Vec::<(MonitorId, Query)>::new());
    assert!(empty.is_empty());
    assert_eq!(empty.matches(&Document::new("acme")), vec![]);
    let q = Query::parse("acme").unwrap();
    let set = MatcherSet::compile([
        (MonitorId(9), q.clone()),
        (MonitorId(2), q.clone()),
        (MonitorId(9), Query::parse("zzz").unwrap()),
        (MonitorId(5), Query::parse("lang:en").unwrap()),
    ]);
    assert_eq!(set.len(), 4);
    assert_eq!(
        set.matches(&Document::new("ACME")),
        vec![MonitorId(2), MonitorId(9)]
    );
    assert_eq!(set.matches(&Document::new("")), vec![]);
    assert!(set.heap_size() > 0);
    let mut scratch = rapport_query::Scratch::new();
    let mut out = vec![MonitorId(100)];
    set.matches_with(
        &Document::new("zzz").with_lang("en"),
        &mut scratch,
        &mut out,
    );
    assert_eq!(out, vec![MonitorId(5), MonitorId(9)]);
}

#[test]
fn prepared_documents_are_reusable() {
    let q = Query::parse("acme").unwrap();
    let mut prepared = PreparedDocument::new();
    prepared.prepare(&Document::new("acme"));
    assert!(q.matches_prepared(&prepared));
    prepared.prepare(&Document::new("other"));
    assert!(!q.matches_prepared(&prepared));
    assert_eq!(prepared.text_tokens().len(), 1);
}

fn _assert_send_sync() {
    fn is<T: Send + Sync>() {}
    is::<MatcherSet>();
    is::<Query>();
}
