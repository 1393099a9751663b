//! Tokenizer tests.

use crate::{TokenKind, Tokens};
use proptest::prelude::*;

fn toks(text: &str) -> Vec<(TokenKind, String)> {
    Tokens::of(text)
        .iter()
        .map(|t| (t.kind(), t.normalized().to_string()))
        .collect()
}

fn words(text: &str) -> Vec<String> {
    Tokens::of(text)
        .iter()
        .map(|t| t.normalized().to_string())
        .collect()
}

use TokenKind::{Emoji, Emoticon, Hashtag, Mention, Url, Word};

#[test]
fn words_are_folded_and_positioned() {
    let tokens = Tokens::of("Un CAFÉ, très   Naïve!");
    let got: Vec<_> = tokens
        .iter()
        .map(|t| (t.position(), t.normalized(), t.span()))
        .collect();
    assert_eq!(
        got,
        vec![
            (0, "un", 0..2),
            (1, "cafe", 3..8),
            (2, "tres", 10..15),
            (3, "naive", 18..24)
        ]
    );
}

#[test]
fn word_boundaries() {
    assert_eq!(words("acmetools acme"), ["acmetools", "acme"]);
    assert_eq!(words("Acme's coffee"), ["acme", "s", "coffee"]);
    assert_eq!(words("l’Acme"), ["l", "acme"]);
    assert_eq!(words("brew-day"), ["brew", "day"]);
    assert_eq!(words("visit acme.com."), ["visit", "acme.com"]);
    assert_eq!(words("price 1,000.50 now"), ["price", "1,000.50", "now"]);
    assert_eq!(words("🔥🔥 wow ☕"), ["wow"]);
    assert_eq!(symbols("🔥🔥 wow ☕").len(), 3);
    assert_eq!(words("東京タワー"), ["東", "京", "タワー"]);
    assert_eq!(words(""), Vec::<String>::new());
}

#[test]
fn hashtags() {
    assert_eq!(
        toks("#Acme rocks"),
        [(Hashtag, "acme".into()), (Word, "rocks".into())]
    );
    assert_eq!(
        toks("#Brew-day"),
        [(Hashtag, "brew".into()), (Word, "day".into())]
    );
    assert_eq!(toks("#CaféLife"), [(Hashtag, "cafelife".into())]);
    // Not hashtags: digits only, inside a word, HTML entities.
    assert_eq!(
        toks("#1 a#b &#39;"),
        [
            (Word, "1".into()),
            (Word, "a".into()),
            (Word, "b".into()),
            (Word, "39".into())
        ]
    );
    assert_eq!(Tokens::of("x #Acme").get(1).map(|t| t.span()), Some(2..7));
    // Folding must leave a body that still reads as a hashtag (a letter) or a handle.
    assert_eq!(toks("#1\u{345} @\u{345}.p"), []);
}

#[test]
fn mentions() {
    let tokens =
        Tokens::of("@Acme @acme@Mastodon.Social @acme.bsky.social. @VirginAmerica's joe@acme.com");
    let got: Vec<_> = tokens
        .iter()
        .map(|t| (t.kind(), t.normalized(), t.mention_name()))
        .collect();
    assert_eq!(
        got,
        vec![
            (Mention, "acme", Some("acme")),
            (Mention, "acme@mastodon.social", Some("acme")),
            (Mention, "acme.bsky.social", Some("acme")),
            (Mention, "virginamerica", Some("virginamerica")),
            (Word, "s", None),
            (Word, "joe", None),
            (Word, "acme.com", None),
        ]
    );
}

#[test]
fn urls() {
    let tokens =
        Tokens::of("go https://Shop.Acme.com/Deals?x=1, or www.acme.co.uk. (http://a.b/c)");
    let got: Vec<_> = tokens
        .iter()
        .map(|t| (t.kind(), t.normalized(), t.url_host()))
        .collect();
    assert_eq!(
        got,
        vec![
            (Word, "go", None),
            (
                Url,
                "https://shop.acme.com/deals?x=1",
                Some("shop.acme.com")
            ),
            (Word, "or", None),
            (Url, "www.acme.co.uk", Some("www.acme.co.uk")),
            (Url, "http://a.b/c", Some("a.b")),
        ]
    );
    assert_eq!(words("xhttp://a.b"), ["xhttp", "a.b"]);
}

fn symbols(text: &str) -> Vec<(TokenKind, String, usize)> {
    Tokens::of(text)
        .symbols()
        .map(|t| (t.kind(), t.normalized().to_string(), t.position()))
        .collect()
}

#[test]
fn emoji_are_one_token_per_cluster_without_skin_tones() {
    let text = "ok 👍🏽👍 👩🏽‍💻 🇫🇷 1️⃣ ❤️ #️⃣ ©️ © 2024 Acme™";
    let got = symbols(text);
    let norms: Vec<_> = got.iter().map(|(_, n, _)| n.as_str()).collect();
    assert_eq!(norms, ["👍", "👍", "👩‍💻", "🇫🇷", "1⃣", "❤", "#⃣", "©"]);
    assert!(got.iter().all(|(k, _, _)| *k == Emoji));
    assert_eq!(words(text), ["ok", "2024", "acme"]);
    let tokens = Tokens::of(text);
    let spans: Vec<_> = tokens.symbols().map(|t| &text[t.span()]).take(3).collect();
    assert_eq!(spans, ["👍🏽", "👍", "👩🏽‍💻"]);
}

#[test]
fn emoji_take_no_word_position() {
    // Words keep the positions they had before emoji were tokens; a symbol gets the
    // position of the word after it.
    let tokens = Tokens::of("😡 lost 😡😡 bag :( end 🔥");
    let words: Vec<_> = tokens
        .iter()
        .map(|t| (t.normalized(), t.position()))
        .collect();
    assert_eq!(words, [("lost", 0), ("bag", 1), ("end", 2)]);
    assert_eq!(
        symbols("😡 lost 😡😡 bag :( end 🔥"),
        [
            (Emoji, "😡".into(), 0),
            (Emoji, "😡".into(), 1),
            (Emoji, "😡".into(), 1),
            (Emoticon, ":(".into(), 2),
            (Emoji, "🔥".into(), 3),
        ]
    );
    let scan = tokens.scan_text();
    let emoji_at = scan.find('\u{5}').unwrap_or(usize::MAX);
    assert_eq!(tokens.token_at(emoji_at), Some(0));
    let bag_at = scan.find("\u{1}bag").unwrap_or(usize::MAX);
    assert_eq!(tokens.token_at(bag_at), Some(1));
}

#[test]
fn emoticons_stand_alone() {
    assert_eq!(
        symbols(":) great :-))) xD <3 T_T ;) :'( :P, ok ^_^"),
        [
            (Emoticon, ":)".into(), 0),
            (Emoticon, ":)".into(), 1),
            (Emoticon, ":D".into(), 1),
            (Emoticon, "<3".into(), 1),
            (Emoticon, ":'(".into(), 1),
            (Emoticon, ";)".into(), 1),
            (Emoticon, ":'(".into(), 1),
            (Emoticon, ":P".into(), 1),
            (Emoticon, "^_^".into(), 2),
        ]
    );
    // Not emoticons: times, links, fields, glued to words.
    for text in [
        "at 10:30 ok",
        "http://acme.com/x",
        "re:Deal",
        "a:) b",
        ":/path",
        "x<3",
        "xDx",
        "T_Tx",
    ] {
        assert_eq!(symbols(text), [], "{text}");
    }
    assert_eq!(
        words("see http://acme.com :) now"),
        ["see", "http://acme.com", "now"]
    );
    assert_eq!(words("T_T xd XDD"), ["xd"]);
}

#[test]
fn contractions_are_one_word_with_a_straight_apostrophe() {
    assert_eq!(
        words("I'm sure it’s fine, DON’T worry, can't won't y'all"),
        ["i'm", "sure", "it's", "fine", "don't", "worry", "can't", "won't", "y'all"]
    );
    // Possessives and elisions still split, so `acme` matches `Acme's` and `l'Acme`.
    assert_eq!(
        words("Acme's l'Acme d'accord o'clock"),
        ["acme", "s", "l", "acme", "d", "accord", "o", "clock"]
    );
    let tokens = Tokens::of("x don’t");
    assert_eq!(tokens.get(1).map(|t| t.span()), Some(2.."x don’t".len()));
    assert_eq!(crate::expand("don't"), Some(("do", "not")));
}

#[test]
fn elongations_are_cut_to_two_letters_and_flagged() {
    let tokens = Tokens::of("Soooo goooood, good 1000 trèèès");
    let got: Vec<_> = tokens
        .iter()
        .map(|t| (t.normalized(), t.is_elongated()))
        .collect();
    assert_eq!(
        got,
        [
            ("soo", true),
            ("good", true),
            ("good", false),
            ("1000", false),
            ("trees", true)
        ]
    );
    let text = "Soooo";
    assert_eq!(
        Tokens::of(text).get(0).map(|t| &text[t.span()]),
        Some("Soooo")
    );
}

#[test]
fn buffer_is_reused() {
    let mut tokens = Tokens::new();
    tokens.tokenize("one two three");
    assert_eq!(tokens.len(), 3);
    tokens.tokenize("four");
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens.get(0).map(|t| t.normalized()), Some("four"));
    tokens.clear();
    assert!(tokens.is_empty());
}

proptest! {
    #[test]
    fn never_panics_and_spans_are_sound(text in "\\PC{0,64}") {
        let tokens = Tokens::of(&text);
        for (i, t) in tokens.iter().enumerate() {
            prop_assert_eq!(t.position(), i);
            let span = t.span();
            prop_assert!(text.get(span.clone()).is_some());
            prop_assert!(!t.normalized().is_empty());
        }
    }

    #[test]
    fn social_mix_never_panics(text in "[a-cé#@:/.w h'’_-]{0,40}") {
        let tokens = Tokens::of(&text);
        prop_assert!(tokens.len() <= text.len());
    }

    #[test]
    fn ascii_fast_path_equals_general_path(text in "([a-ch_.:,&'#@/ 1-]|https?://|www\\.|http|:-?[()DPp/]|<3+|xD|T_T|\\^_\\^|o_O|don|t|it|s|\\t){0,24}") {
        let mut fast = Tokens::new();
        fast.tokenize_ascii(&text);
        let mut general = Tokens::new();
        general.tokenize_general(&text);
        let view = |t: &Tokens| t.iter().map(|t| (t.kind(), t.span(), t.normalized().to_string(), t.url_host().map(str::to_string), t.mention_name().map(str::to_string))).collect::<Vec<_>>();
        prop_assert_eq!(view(&fast), view(&general));
    }

    #[test]
    fn a_word_alone_tokenizes_to_itself(word in "[a-zA-Zé]{1,8}") {
        // A few letter-only spellings are emoticons on purpose (`xD`, `XD`): not words.
        prop_assume!(!crate::emoticon::spellings().any(|(spelling, _)| spelling == word));
        let tokens = Tokens::of(&word);
        let mut folded = crate::fold(&word);
        let elongated = crate::elongation::squeeze_tail(&mut folded, 0);
        prop_assert_eq!(tokens.len(), 1);
        prop_assert_eq!(tokens.get(0).map(|t| t.normalized()), Some(folded.as_str()));
        prop_assert_eq!(tokens.get(0).map(|t| t.is_elongated()), Some(elongated));
    }

    #[test]
    fn normalised_forms_tokenize_to_themselves(text in "\\PC{0,48}") {
        // A query written from a token's normalised form finds that token again.
        let tokens = Tokens::of(&text);
        for t in tokens.iter().filter(|t| t.kind() == Word).chain(tokens.symbols()) {
            let again = Tokens::of(t.normalized());
            let all: Vec<_> = again.iter().chain(again.symbols()).map(|u| (u.kind(), u.normalized().to_string())).collect();
            prop_assert_eq!(all, vec![(t.kind(), t.normalized().to_string())], "{:?}", t.normalized());
        }
    }

    #[test]
    fn symbols_are_sound(text in "([a-c ]|:-?[()DP/]|<3|xD|T_T|;\\)|'|’|don|t|😡|👍🏽|❤️|🇫🇷|1️⃣|‍){0,24}") {
        let tokens = Tokens::of(&text);
        let mut last_end = 0;
        let mut last_position = 0;
        for t in tokens.symbols() {
            prop_assert!(t.kind().is_symbol());
            prop_assert!(t.span().start >= last_end);
            prop_assert!(t.position() >= last_position && t.position() <= tokens.len());
            prop_assert!(!t.normalized().is_empty());
            last_end = t.span().end;
            last_position = t.position();
        }
        // Removing the symbols leaves the words and their positions as they were.
        let mut without = text.clone();
        for t in tokens.symbols().collect::<Vec<_>>().iter().rev() {
            without.replace_range(t.span(), " ");
        }
        let words = |t: &Tokens| t.iter().map(|t| (t.kind(), t.normalized().to_string())).collect::<Vec<_>>();
        prop_assert_eq!(words(&tokens), words(&Tokens::of(&without)));
    }
}
