//! VADER's rules one by one, on small hand-checked examples.
//!
//! Every expected value below was produced by the reference implementation, Python package
//! vaderSentiment 3.3.2 (`SentimentIntensityAnalyzer().polarity_scores(text)`, Python 3.11),
//! and must be matched exactly (the scores are rounded the same way, so equal floats).

use rapport_nlp::sentiment::{SentimentLabel, SentimentScores, Vader};

/// Asserts that each text scores exactly `[compound, pos, neu, neg]`.
fn check(cases: &[(&str, [f64; 4])]) {
    let vader = Vader::shared();
    for (text, [compound, pos, neu, neg]) in cases {
        let expected = SentimentScores {
            compound: *compound,
            pos: *pos,
            neu: *neu,
            neg: *neg,
        };
        assert_eq!(vader.polarity_scores(text), expected, "{text:?}");
    }
}

/// The lexicon's valences, normalized into compound; pos/neu/neg proportions.
#[test]
fn lexicon_words_and_proportions() {
    check(&[
        ("The book was good.", [0.4404, 0.492, 0.508, 0.0]),
        ("The book was bad.", [-0.5423, 0.0, 0.462, 0.538]),
        ("The plane left at noon.", [0.0, 0.0, 1.0, 0.0]),
        (
            "VADER is smart, handsome, and funny.",
            [0.8316, 0.746, 0.254, 0.0],
        ),
    ]);
}

/// No words: all four scores are 0 (not neu = 1).
#[test]
fn texts_without_words_score_zero() {
    check(&[
        ("", [0.0, 0.0, 0.0, 0.0]),
        ("   \t\n ", [0.0, 0.0, 0.0, 0.0]),
    ]);
}

/// `!` adds 0.292 each up to 4; 2-3 `?` add 0.18 each, more add 0.96.
#[test]
fn punctuation_emphasis() {
    check(&[
        ("The book was good!", [0.4926, 0.516, 0.484, 0.0]),
        ("The book was good!!!!!!!", [0.6209, 0.576, 0.424, 0.0]),
        ("The book was good??", [0.504, 0.521, 0.479, 0.0]),
        ("The book was good????", [0.594, 0.563, 0.437, 0.0]),
    ]);
}

/// A word in ALL CAPS among others gains 0.733; when every word is in caps, none does.
#[test]
fn all_caps_emphasis() {
    check(&[
        ("The book was GOOD.", [0.5622, 0.548, 0.452, 0.0]),
        ("THE BOOK WAS GOOD.", [0.4404, 0.492, 0.508, 0.0]),
        ("Today SUX!", [-0.5461, 0.0, 0.221, 0.779]),
        ("ÉTÉ GOOD day", [0.5622, 0.645, 0.355, 0.0]),
    ]);
}

/// Boosters add 0.293 (more in caps), damped by distance; dampeners subtract.
#[test]
fn boosters_and_dampeners() {
    check(&[
        ("The book was very good.", [0.4927, 0.444, 0.556, 0.0]),
        ("The book was VERY good.", [0.6028, 0.495, 0.505, 0.0]),
        ("The book was very very good.", [0.5379, 0.41, 0.59, 0.0]),
        ("The book was slightly good.", [0.3832, 0.395, 0.605, 0.0]),
        ("The book was kinda good.", [0.3832, 0.395, 0.605, 0.0]),
    ]);
}

/// A negation up to three words before flips and scales by -0.74; "n't" counts, a curly
/// apostrophe does not.
#[test]
fn negation() {
    check(&[
        ("The book was not good.", [-0.3412, 0.0, 0.624, 0.376]),
        ("The book isn't good.", [-0.3412, 0.0, 0.555, 0.445]),
        ("The book was not very good.", [-0.3865, 0.0, 0.656, 0.344]),
        ("Not the same good book.", [-0.3412, 0.0, 0.624, 0.376]),
        ("it isn’t good", [0.4404, 0.592, 0.408, 0.0]),
    ]);
}

/// "no" negates the next lexicon words (with or/nor); alone it is a negative word; quirk: an
/// ALL CAPS "NO" before a lexicon word gets -0.733.
#[test]
fn no_as_negation_and_as_word() {
    check(&[
        ("There is no good book.", [-0.3412, 0.0, 0.624, 0.376]),
        ("No.", [0.0, 0.0, 1.0, 0.0]),
        ("no no", [0.2235, 0.654, 0.346, 0.0]),
        ("NO GOOD book here", [-0.5956, 0.0, 0.291, 0.709]),
        ("no food or fun", [-0.5996, 0.0, 0.29, 0.71]),
    ]);
}

/// Before "but" ×0.5, after ×1.5; quirk: values are found by `list.index`, so a repeated
/// value scales its first copy.
#[test]
fn but_shifts_weight() {
    check(&[
        (
            "The book was good, but the movie was bad.",
            [-0.5859, 0.142, 0.511, 0.347],
        ),
        ("good but good and good", [0.8641, 0.828, 0.172, 0.0]),
        (
            "Today only kinda sux! But I'll get by, lol",
            [0.5249, 0.317, 0.556, 0.127],
        ),
    ]);
}

/// "kind of" is neutral; it dampens the next word only from the fourth word on (quirk).
#[test]
fn kind_of() {
    check(&[
        (
            "The book was only kind of good.",
            [0.3832, 0.303, 0.697, 0.0],
        ),
        ("kind of good", [0.4404, 0.592, 0.408, 0.0]),
    ]);
}

/// "least" negates, except after "at" or "very".
#[test]
fn least() {
    check(&[
        ("This is the least good book.", [-0.3412, 0.0, 0.675, 0.325]),
        (
            "At least it isn't a horrible book.",
            [0.431, 0.322, 0.678, 0.0],
        ),
        ("the very least good", [0.4902, 0.514, 0.486, 0.0]),
        ("least good", [-0.3412, 0.0, 0.294, 0.706]),
    ]);
}

/// "never so/this" boosts ×1.25 instead of negating; quirk: three words away, any "so" or
/// "this" just before the word boosts.
#[test]
fn never_so_this() {
    check(&[
        (
            "Sentiment analysis has never been so good!",
            [0.6166, 0.402, 0.598, 0.0],
        ),
        (
            "Sentiment analysis has never been this good!",
            [0.5672, 0.379, 0.621, 0.0],
        ),
        ("it is so good", [0.5777, 0.555, 0.445, 0.0]),
        ("well it was really so good", [0.7343, 0.607, 0.393, 0.0]),
    ]);
}

/// "without a doubt" does not negate.
#[test]
fn without_doubt() {
    check(&[
        (
            "Without a doubt, an excellent idea.",
            [0.7013, 0.592, 0.408, 0.0],
        ),
        ("without doubt excellent", [0.7013, 0.853, 0.147, 0.0]),
    ]);
}

/// Idioms replace the valence of the word they end or start at.
#[test]
fn special_case_idioms() {
    check(&[
        (
            "With VADER, sentiment analysis is the shit!",
            [0.6476, 0.417, 0.583, 0.0],
        ),
        (
            "On the other hand, VADER is quite bad ass",
            [0.802, 0.577, 0.423, 0.0],
        ),
        (
            "this is the kiss of death for us",
            [-0.6124, 0.0, 0.545, 0.455],
        ),
        ("oh yeah right sure great", [0.5106, 0.558, 0.177, 0.265]),
        ("the cake here is to die for", [-0.5994, 0.0, 0.606, 0.394]),
        ("we waited at the bus stop today", [0.0, 0.0, 1.0, 0.0]),
    ]);
}

/// Emoticons are lexicon words; punctuation is not stripped from a piece it would leave with
/// 2 characters or fewer.
#[test]
fn emoticons() {
    check(&[
        ("Make sure you :) or :D today!", [0.8633, 0.706, 0.294, 0.0]),
        ("ok :-)", [0.5423, 1.0, 0.0, 0.0]),
        ("ok!! :(", [-0.5399, 0.0, 0.223, 0.777]),
    ]);
}

/// One-code-point emoji become their descriptions, glued to the next character (quirk);
/// multi-code-point sequences do not match.
#[test]
fn emoji() {
    check(&[
        (
            "Catch utf-8 emoji such as 💘 and 💋 and 😁",
            [0.875, 0.417, 0.583, 0.0],
        ),
        ("flight😡delayed", [0.0, 0.0, 1.0, 0.0]),
        ("🔛 it", [0.0, 0.0, 1.0, 0.0]),
        ("👍🏽 🇺🇸", [0.0, 0.0, 1.0, 0.0]),
    ]);
}

/// Words split on Python's whitespace, which includes U+001C..U+001F.
#[test]
fn python_whitespace() {
    check(&[
        ("good\u{a0}book\u{3000}great", [0.7906, 0.875, 0.125, 0.0]),
        ("good\u{1c}bad", [-0.1531, 0.453, 0.0, 0.547]),
    ]);
}

/// A paragraph: many rules at once.
#[test]
fn long_text() {
    check(&[
        ("It was one of the worst movies I've seen, despite good reviews. Unbelievably bad acting!! Poor direction. VERY poor production. The movie was bad. Very bad movie. VERY BAD movie!", [-0.9864, 0.0, 0.413, 0.587]),
    ]);
}

/// Any input is accepted: control characters, lone combining marks, huge texts, many "but"s
/// with repeated values (the indexed path of the "but" check).
#[test]
fn never_panics() {
    let vader = Vader::new();
    let huge_but = "good but good bad good ".repeat(5_000);
    let huge_words = "a ".repeat(200_000);
    let texts = [
        "\0\u{1}\u{7f}",
        "\u{301}\u{301}",
        "\u{feff}!!!???",
        "'''''''''",
        "n't n't n't",
        "\u{10ffff}\u{e000}",
        "🏽🏽🏽",
        huge_but.as_str(),
        huge_words.as_str(),
    ];
    for text in texts {
        let s = vader.polarity_scores(text);
        for v in [s.compound, s.pos, s.neu, s.neg] {
            assert!(
                v.is_finite() && (-1.0..=1.0).contains(&v),
                "{v} for {text:.40?}"
            );
        }
    }
    // Buffers are reset after a huge text, not left stale.
    assert_eq!(vader.polarity_scores("The book was good.").compound, 0.4404);
}

/// The usual thresholds on compound: >= 0.05 positive, <= -0.05 negative.
#[test]
fn labels() {
    let vader = Vader::shared();
    let label = |t: &str| vader.polarity_scores(t).label();
    assert_eq!(label("The book was good."), SentimentLabel::Positive);
    assert_eq!(label("The book was bad."), SentimentLabel::Negative);
    assert_eq!(label("The plane left at noon."), SentimentLabel::Neutral);
}
