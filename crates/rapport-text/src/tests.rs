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

use TokenKind::{Hashtag, Mention, Url, Word};

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
    fn ascii_fast_path_equals_general_path(text in "([a-ch_.:,&'#@/ 1-]|https?://|www\\.|http){0,24}") {
        let mut fast = Tokens::new();
        fast.tokenize_ascii(&text);
        let mut general = Tokens::new();
        general.tokenize_general(&text);
        let view = |t: &Tokens| t.iter().map(|t| (t.kind(), t.span(), t.normalized().to_string(), t.url_host().map(str::to_string), t.mention_name().map(str::to_string))).collect::<Vec<_>>();
        prop_assert_eq!(view(&fast), view(&general));
    }

    #[test]
    fn a_word_alone_tokenizes_to_itself(word in "[a-zA-Zé]{1,8}") {
        let tokens = Tokens::of(&word);
        let folded = crate::fold(&word);
        prop_assert_eq!(tokens.len(), 1);
        prop_assert_eq!(tokens.get(0).map(|t| t.normalized()), Some(folded.as_str()));
    }
}
