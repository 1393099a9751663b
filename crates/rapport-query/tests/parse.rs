//! The language: every construct's canonical form and every error, with exact messages.

use rapport_query::Query;

fn canon(query: &str) -> String {
    match Query::parse(query) {
        Ok(q) => q.to_string(),
        Err(e) => panic!("{query:?} did not parse:\n{e}"),
    }
}

fn error(query: &str) -> String {
    match Query::parse(query) {
        Ok(q) => panic!("{query:?} parsed as {q}"),
        Err(e) => e.headline(),
    }
}

#[test]
fn terms_phrases_wildcards_tags() {
    assert_eq!(canon("acme"), "acme");
    assert_eq!(canon("Café"), "cafe");
    assert_eq!(canon("ACME's"), "\"acme s\"");
    assert_eq!(canon("brew-day"), "\"brew day\"");
    assert_eq!(canon("\"Big  Sale\""), "\"big sale\"");
    assert_eq!(canon(r#""say \"hi\" now""#), "\"say hi now\"");
    assert_eq!(canon("\"acme\""), "acme");
    assert_eq!(canon("\"re:invent\""), "\"re:invent\"");
    assert_eq!(canon("refund*"), "refund*");
    assert_eq!(canon("Café*"), "cafe*");
    assert_eq!(canon("#Acme"), "#acme");
    assert_eq!(canon("#acme*"), "#acme*");
    assert_eq!(canon("@Acme"), "@acme");
    assert_eq!(canon("@acme@Mastodon.social"), "@acme@mastodon.social");
    assert_eq!(canon("\"love #acme\""), "\"love #acme\"");
    assert_eq!(canon("acme.com"), "acme.com");
    assert_eq!(canon("and or not"), "and AND or AND not");
}

#[test]
fn operators_and_precedence() {
    assert_eq!(canon("acme coffee"), "acme AND coffee");
    assert_eq!(canon("a b OR c"), "(a AND b) OR c");
    assert_eq!(canon("a OR b c"), "a OR (b AND c)");
    assert_eq!(canon("a AND (b OR c)"), "a AND (b OR c)");
    assert_eq!(canon("a NOT b"), "a AND NOT b");
    assert_eq!(canon("a OR b NOT c"), "a OR (b AND NOT c)");
    assert_eq!(canon("NOT a b"), "NOT a AND b");
    assert_eq!(canon("a NOT (b OR c)"), "a AND NOT (b OR c)");
    assert_eq!(canon("(a OR b) (c OR d)"), "(a OR b) AND (c OR d)");
    assert_eq!(canon("a AND (b AND c)"), "a AND b AND c");
    assert_eq!(canon("(a OR (b OR c))"), "a OR b OR c");
    assert_eq!(canon("a NOT NOT b"), "a AND NOT NOT b");
    assert_eq!(canon("x NEAR/3 \"big sale\""), "x NEAR/3 \"big sale\"");
    assert_eq!(canon("a NOT x NEAR/2 y"), "a AND NOT (x NEAR/2 y)");
    assert_eq!(canon("a NEAR/1 b c"), "(a NEAR/1 b) AND c");
}

#[test]
fn fields() {
    assert_eq!(
        canon("author:@Acme lang:EN_us network:twitter site:https://Shop.Acme.com/x title:\"Big Launch\""),
        "author:acme AND lang:en-us AND network:x AND site:shop.acme.com AND title:\"big launch\""
    );
    assert_eq!(canon("Title:launch*"), "title:launch*");
    assert_eq!(
        canon("lang:en network:mastodon"),
        "lang:en AND network:mastodon"
    );
    assert_eq!(
        canon("author:acme@mastodon.social"),
        "author:acme@mastodon.social"
    );
}

#[test]
fn canonical_form_parses_back_to_the_same_query() {
    for q in [
        "a b OR c NOT (d OR eef*)",
        "\"re:invent\" OR #x @y",
        "title:\"a b\" NOT lang:fr",
        "x NEAR/3 \"big sale\" OR site:acme.com",
        "a NOT x NEAR/2 y",
        "\"😡\" AND acme",
        "😡 OR \":-)\" OR <3 OR xD OR \"*️⃣\"",
        "\":'(\" NOT \"lost 😡 bag\"",
    ] {
        let parsed = Query::parse(q).unwrap();
        assert_eq!(Query::parse(&parsed.to_string()).unwrap(), parsed, "{q}");
    }
}

#[test]
fn errors_from_the_issue() {
    assert_eq!(
        error("acme AND NOT \"big sale"),
        "unclosed quote at column 14"
    );
    assert_eq!(error("acme OR "), "expected a term after OR at column 9");
    assert_eq!(
        error("autor:acme"),
        "unknown field 'autor' at column 1 (did you mean 'author'?)"
    );
}

#[test]
fn error_display_echoes_the_query_with_a_caret() {
    let e = Query::parse("acme AND NOT \"big sale").unwrap_err();
    assert_eq!(
        e.to_string(),
        "unclosed quote at column 14\n  acme AND NOT \"big sale\n               ^"
    );
    assert_eq!(e.message(), "unclosed quote");
    assert_eq!(e.column(), 14);
    assert_eq!(e.hint(), None);
    assert_eq!(e.query(), "acme AND NOT \"big sale");
    let e = Query::parse("café\tOR").unwrap_err();
    assert_eq!(
        e.to_string(),
        "expected a term after OR at column 8\n  café OR\n         ^"
    );
}

#[test]
fn wildcard_errors() {
    assert_eq!(
        error("re*"),
        "a wildcard needs at least 3 letters before '*' at column 1 ('re*' would match too many words)"
    );
    assert_eq!(
        error("acme #ab*"),
        "a wildcard needs at least 3 letters before '*' at column 6 ('#ab*' would match too many words)"
    );
    assert_eq!(
        error("re*und"),
        "a wildcard '*' can only end a word at column 3"
    );
    assert_eq!(
        error("refund**"),
        "a wildcard '*' can only end a word at column 7"
    );
    assert_eq!(
        error("brew-da*"),
        "a wildcard applies to a single word at column 1"
    );
    assert_eq!(
        error("\"refund* now\""),
        "a wildcard '*' can't be used inside quotes at column 1"
    );
}

#[test]
fn absence_only_queries_are_refused() {
    assert_eq!(
        error("NOT acme"),
        "'NOT acme' can match only by the absence of something at column 1 \
         (add something to look for, as in 'coffee NOT acme')"
    );
    assert_eq!(
        error("acme OR NOT spam"),
        "'NOT spam' can match only by the absence of something at column 9 \
         (add something to look for, as in 'coffee NOT spam')"
    );
    assert_eq!(
        error("NOT a NOT b").split(" at ").next(),
        Some("'NOT a' can match only by the absence of something")
    );
    assert_eq!(
        error("(NOT a) OR b")
            .split(" at column")
            .nth(1)
            .map(|s| &s[..2]),
        Some(" 2")
    );
    // A filter is something to look for.
    assert_eq!(canon("lang:en NOT acme"), "lang:en AND NOT acme");
}

#[test]
fn operator_errors() {
    assert_eq!(error("acme AND"), "expected a term after AND at column 9");
    assert_eq!(
        error("acme OR AND x"),
        "expected a term after OR at column 9"
    );
    assert_eq!(error("acme NOT"), "expected a term after NOT at column 9");
    assert_eq!(
        error("acme NOT )"),
        "expected a term after NOT at column 10"
    );
    assert_eq!(error("OR acme"), "expected a term before OR at column 1");
    assert_eq!(error("(AND a)"), "expected a term before AND at column 2");
    assert_eq!(
        error("NEAR/2 a"),
        "expected a term before NEAR/2 at column 1"
    );
    assert_eq!(error("(acme"), "unclosed parenthesis at column 1");
    assert_eq!(error("a (b (c)"), "unclosed parenthesis at column 3");
    assert_eq!(
        error("acme)"),
        "unexpected ')' at column 5 (there is no '(' for it to close)"
    );
    assert_eq!(error("a ()"), "empty parentheses at column 3");
    assert_eq!(
        error(""),
        "empty query at column 1 (write a term to look for, like acme)"
    );
    assert_eq!(error("   ").split(" at ").next(), Some("empty query"));
    assert_eq!(
        error("-acme"),
        "to leave a term out, put NOT before it at column 1 (NOT acme)"
    );
    assert_eq!(
        error("a && b"),
        "'&&' has nothing to match at column 3 (write AND)"
    );
    assert_eq!(
        error("!!!"),
        "'!!!' has nothing to match at column 1 (a term needs letters or digits)"
    );
    assert_eq!(
        error("\"\""),
        "the phrase has nothing to match at column 1 (a phrase needs letters or digits)"
    );
    let deep = format!("{}a{}", "(".repeat(100), ")".repeat(100));
    assert_eq!(
        error(&deep),
        "the query nests too deeply (more than 64 levels) at column 65"
    );
    let nots = format!("a {}b", "NOT ".repeat(100));
    assert!(error(&nots).starts_with("the query nests too deeply"));
}

#[test]
fn near_errors() {
    assert_eq!(
        error("a NEAR b"),
        "NEAR needs a distance in words at column 3 (write it like NEAR/3)"
    );
    assert_eq!(
        error("a NEAR/x b"),
        "NEAR needs a distance in words at column 3 (write it like NEAR/3)"
    );
    assert_eq!(
        error("a NEAR/0 b"),
        "the NEAR distance must be between 1 and 10000 at column 3"
    );
    assert_eq!(
        error("a NEAR/2"),
        "expected a term after NEAR/2 at column 9"
    );
    assert_eq!(
        error("(a OR b) NEAR/2 c"),
        "NEAR/2 works between two terms or two phrases at column 10 (combine larger groups with AND)"
    );
    assert_eq!(
        error("a NEAR/2 (b)"),
        "NEAR/2 works between two terms or two phrases at column 10 (combine larger groups with AND)"
    );
    assert_eq!(
        error("a NEAR/2 lang:en"),
        "NEAR/2 works between two terms or two phrases at column 10 (combine larger groups with AND)"
    );
    assert_eq!(
        error("title:a NEAR/2 b"),
        "NEAR/2 works between two terms or two phrases at column 9 (combine larger groups with AND)"
    );
    assert_eq!(
        error("a NEAR/2 b NEAR/2 c"),
        "NEAR/2 joins exactly two terms or phrases at column 12 (combine several NEARs with AND)"
    );
}

#[test]
fn field_errors() {
    assert_eq!(
        error("acme language:en"),
        "unknown field 'language' at column 6 (did you mean 'lang'?)"
    );
    assert_eq!(
        error("re:invent"),
        "unknown field 're' at column 1 (fields are author, lang, network, site, title; \
         to match the text, put it in quotes)"
    );
    assert_eq!(
        error("author:"),
        "expected a value after 'author:' at column 8"
    );
    assert_eq!(
        error("a title: b"),
        "expected a value after 'title:' at column 9"
    );
    assert_eq!(
        error("lang:english"),
        "'english' is not a language code at column 6 (write it like lang:en)"
    );
    assert_eq!(
        error("network:myspace"),
        "unknown network 'myspace' at column 9 \
         (expected one of: mastodon, bluesky, x, reddit, hackernews, feed, webhook, import, facebook)"
    );
    assert_eq!(
        error("author:\"a b\""),
        "'a b' is not a handle at column 8 (write it like author:acme)"
    );
    assert_eq!(
        error("site:@"),
        "'@' is not a domain at column 6 (write it like site:example.com)"
    );
    assert_eq!(
        error("https://acme.com"),
        "a link can't be matched as text at column 1 (use site:acme.com to match posts that link there)"
    );
    assert_eq!(error("title:\"x"), "unclosed quote at column 7");
}

#[test]
fn emoji_and_emoticons() {
    assert_eq!(canon("😡 acme"), "\"😡\" AND acme");
    assert_eq!(canon("👍🏽"), "\"👍\"");
    assert_eq!(canon("\":-)))\" OR xD OR :P"), "\":)\" OR \":D\" OR \":P\"");
    // A parenthesis ends a bare term: emoticons with one are written in quotes.
    assert_eq!(
        error(":-)"),
        "':-' has nothing to match at column 1 (a term needs letters or digits)"
    );
    assert_eq!(canon("😡😡😡"), "\"😡\"");
    assert_eq!(canon("\"lost 😡 bag\""), "\"lost bag\"");
    assert_eq!(
        error("😡🔥"),
        "one emoji or emoticon per term: they have no word order to match at column 1 (write them as separate terms: \"😡\" AND \"🔥\")"
    );
    assert_eq!(
        error("😡 NEAR/3 acme"),
        "NEAR/3 measures words: an emoji or emoticon has no word position at column 1 (combine it with AND)"
    );
    assert_eq!(
        error("acme NEAR/3 \":)\""),
        "NEAR/3 measures words: an emoji or emoticon has no word position at column 13 (combine it with AND)"
    );
    assert_eq!(
        error("😡*"),
        "a wildcard applies to a word, not to an emoji or emoticon at column 1"
    );
}
