//! The rule-based intent classifier: cue phrases, question marks and openers, and VADER's
//! compound score when the caller has it.
//!
//! Cues are matched on the normalised words of the post (lower case, accents folded,
//! elongations squeezed, mentions and links left out; the tokenizer keeps a contraction
//! one word, `don't`, which the cues read `don t`). Each intent gets a score; the decision, in order:
//!
//! 1. a purchase cue (`thinking of buying`, `where can I buy`, `which is better`, `how much
//!    is`...) and no strong complaint → [`Intent::PurchaseIntent`];
//! 2. complaint evidence of 2 or more that outweighs praise → [`Intent::Complaint`]
//!    (a strong cue such as `worst`, `still waiting`, `lost my` counts 2, a weak one such as
//!    `delayed` or `hours` 1; a negative compound adds 1, or 2 at -0.5 and below; a praise
//!    word under negation, `not happy`, counts as a complaint cue);
//! 3. a question (a `?` outside links, or a question opener: `how do I`, `can you`,
//!    `is there`...) → [`Intent::Question`];
//! 4. praise evidence that outweighs complaint → [`Intent::Praise`];
//! 5. some complaint evidence with a negative compound → [`Intent::Complaint`];
//! 6. otherwise [`Intent::Other`].

use super::Intent;
use crate::learn::text::Analyzed;
use crate::sentiment::SentimentScores;
use aho_corasick::AhoCorasick;
use rapport_text::TokenKind;
use std::cell::RefCell;
use std::sync::LazyLock;

thread_local! {
    static SCRATCH: RefCell<(Analyzed, String)> = RefCell::new((Analyzed::new(), String::new()));
}

/// The intent of `text` by rules (see the [module](self)); `sentiment` is VADER's scores of
/// the same text when the caller has them (they sharpen complaint and praise). Fast (a few
/// microseconds a post), never panics.
///
/// ```
/// use rapport_nlp::intent::{classify_intent, Intent};
/// assert_eq!(classify_intent("@acme where can I buy the new grinder?", None), Intent::PurchaseIntent);
/// assert_eq!(classify_intent("@united lost my bag AGAIN, worst airline ever", None), Intent::Complaint);
/// assert_eq!(classify_intent("@united do you allow pets in the cabin?", None), Intent::Question);
/// assert_eq!(classify_intent("@JetBlue thanks, the crew was amazing!", None), Intent::Praise);
/// assert_eq!(classify_intent("Flying to Denver tomorrow", None), Intent::Other);
/// ```
pub fn classify_intent(text: &str, sentiment: Option<SentimentScores>) -> Intent {
    SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
        Ok(mut scratch) => {
            let (analyzed, words) = &mut *scratch;
            analyzed.analyze(text);
            classify_analyzed(analyzed, words, sentiment)
        }
        Err(_) => {
            let mut analyzed = Analyzed::new();
            analyzed.analyze(text);
            classify_analyzed(&analyzed, &mut String::new(), sentiment)
        }
    })
}

/// Strong complaint cues (count 2).
const COMPLAINT_STRONG: &[&str] = &[
    "worst",
    "terrible",
    "horrible",
    "awful",
    "ridiculous",
    "unacceptable",
    "disappointed",
    "disappointing",
    "disappointment",
    "frustrated",
    "frustrating",
    "annoyed",
    "angry",
    "furious",
    "rude",
    "sucks",
    "suck",
    "pathetic",
    "disgusting",
    "useless",
    "incompetent",
    "never again",
    "never fly",
    "still waiting",
    "still no",
    "still haven t",
    "still not",
    "on hold",
    "lost my",
    "lost our",
    "lost luggage",
    "lost bag",
    "lost baggage",
    "stranded",
    "stuck",
    "broken",
    "damaged",
    "refund",
    "no one",
    "nobody",
    "no response",
    "no answer",
    "no help",
    "not working",
    "doesn t work",
    "don t work",
    "isn t working",
    "won t let",
    "can t get",
    "cannot get",
    "complaint",
    "complain",
    "fail",
    "failed",
    "fails",
    "#fail",
    "poor",
    "worse",
    "waste",
    "wasted",
    "scam",
    "hate",
    "lied",
    "lie",
    "joke",
    "shame",
    "shameful",
    "nightmare",
    "mess",
    "screwed",
    "unhelpful",
    "unprofessional",
    "missed my",
    "missed our",
    "cancelled flightled",
    "canceled",
    "cancelled",
    "not happy",
    "not good",
    "not ok",
    "not okay",
    "thanks for nothing",
];

/// Weak complaint cues (count 1).
const COMPLAINT_WEAK: &[&str] = &[
    "delayed",
    "delay",
    "delays",
    "late",
    "hours",
    "hour",
    "hrs",
    "wait",
    "waiting",
    "hold",
    "missed",
    "lost",
    "problem",
    "issue",
    "issues",
    "wrong",
    "bad",
    "again",
    "why",
    "seriously",
    "really",
    "charged",
    "fee",
    "fees",
    "dirty",
    "cold",
    "smh",
    "ugh",
    "wtf",
    "omg",
    "bag",
    "luggage",
    "baggage",
];

/// Praise cues (count 1 each; 2 for the strongest).
const PRAISE: &[&str] = &[
    "thank",
    "thanks",
    "thx",
    "ty",
    "tysm",
    "love",
    "loved",
    "loving",
    "great",
    "awesome",
    "amazing",
    "excellent",
    "best",
    "kudos",
    "shoutout",
    "shout out",
    "appreciate",
    "appreciated",
    "wonderful",
    "fantastic",
    "perfect",
    "nice",
    "good job",
    "great job",
    "well done",
    "impressed",
    "happy",
    "glad",
    "beautiful",
    "brilliant",
    "superb",
    "cool",
    "helpful",
    "friendly",
    "pleasant",
    "smooth",
    "enjoyed",
    "enjoy",
    "favorite",
    "favourite",
    "rock",
    "rocks",
    "the best",
    "5 stars",
    "#love",
    "yay",
    "woohoo",
];

/// Purchase-intent cues.
const PURCHASE: &[&str] = &[
    "thinking of buying",
    "thinking about buying",
    "thinking of getting",
    "want to buy",
    "wanna buy",
    "going to buy",
    "gonna buy",
    "planning to buy",
    "plan to buy",
    "looking to buy",
    "looking for a",
    "where can i buy",
    "where to buy",
    "where do i buy",
    "where can i get",
    "where can i order",
    "which is better",
    "which one should",
    "which one is better",
    "should i buy",
    "should i get",
    "worth buying",
    "is it worth",
    "recommend a",
    "any recommendations",
    "can anyone recommend",
    "how much is",
    "how much does",
    "how much for",
    "how much are",
    "price of",
    "price for",
    "in stock",
    "pre order",
    "preorder",
    "want to order",
    "ready to buy",
    "considering buying",
    "deciding between",
];

/// Question openers, as the first words of a sentence.
const QUESTION_OPENERS: &[&str] = &[
    "what",
    "where",
    "when",
    "why",
    "how",
    "who",
    "which",
    "whats",
    "hows",
    "is there",
    "are there",
    "are you",
    "can you",
    "can i",
    "could you",
    "could i",
    "do you",
    "do i",
    "does",
    "did you",
    "will you",
    "will i",
    "would you",
    "should i",
    "any update",
    "any idea",
    "anyone know",
    "does anyone",
    "is it",
    "is my",
    "has my",
    "have you",
];

/// Phrases that ask anywhere in a sentence.
const QUESTION_ANYWHERE: &[&str] = &["i was wondering", "wondering if", "any update on"];

/// The evidence found in one post.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Cues {
    complaint: u32,
    praise: u32,
    purchase: bool,
    question: bool,
}

pub(crate) fn classify_analyzed(
    analyzed: &Analyzed,
    words: &mut String,
    sentiment: Option<SentimentScores>,
) -> Intent {
    let cues = find_cues(analyzed, words, sentiment);
    decide(cues, sentiment.map(|s| s.compound))
}

fn decide(cues: Cues, compound: Option<f64>) -> Intent {
    let negative = compound.is_some_and(|c| c <= -0.05);
    if cues.purchase && cues.complaint < 2 {
        Intent::PurchaseIntent
    } else if cues.complaint >= 2 && cues.complaint > cues.praise {
        Intent::Complaint
    } else if cues.question {
        Intent::Question
    } else if cues.praise >= 1 && cues.praise > cues.complaint {
        Intent::Praise
    } else if cues.complaint >= 1 && negative {
        Intent::Complaint
    } else {
        Intent::Other
    }
}

/// Builds ` w1 w2 w3 ` from the words and hashtags (hashtags with their `#`), with `|`
/// standing for a clause break, and reads the cues off it.
fn find_cues(analyzed: &Analyzed, words: &mut String, sentiment: Option<SentimentScores>) -> Cues {
    words.clear();
    words.push(' ');
    let mut cues = Cues::default();
    let mut negated_praise = 0;
    for tok in analyzed.toks() {
        if tok.break_before && words.len() > 1 {
            words.push_str("| ");
        }
        match tok.kind {
            TokenKind::Word => {}
            TokenKind::Hashtag => words.push('#'),
            _ => continue,
        }
        let norm = analyzed.norm(tok);
        if tok.negated && PRAISE.contains(&norm) {
            negated_praise += 1;
        }
        // Cues are written with contractions split: `don't` reads `don t`.
        words.extend(norm.chars().map(|c| if c == '\'' { ' ' } else { c }));
        words.push(' ');
    }
    let found = CUES.find(words);
    cues.question = found.question_anywhere || question_mark(analyzed) || starts_question(words);
    cues.purchase = found.purchase > 0;
    cues.complaint = 2 * found.strong + found.weak + 2 * negated_praise;
    cues.praise = found.praise.saturating_sub(negated_praise);
    if let Some(s) = sentiment {
        if s.compound <= -0.5 {
            cues.complaint += 2;
        } else if s.compound <= -0.05 {
            cues.complaint += 1;
        } else if s.compound >= 0.5 {
            cues.praise += 1;
        }
    }
    cues
}

/// A `?` anywhere but inside a link.
fn question_mark(analyzed: &Analyzed) -> bool {
    let source = analyzed.source();
    let mut from = 0;
    for tok in analyzed.toks() {
        if tok.kind == TokenKind::Url {
            let start = tok.span.0 as usize;
            if source.get(from..start).is_some_and(|s| s.contains('?')) {
                return true;
            }
            from = tok.span.1 as usize;
        }
    }
    source.get(from..).is_some_and(|s| s.contains('?'))
}

/// A sentence that opens with a question opener.
fn starts_question(words: &str) -> bool {
    words.split('|').any(|sentence| {
        let sentence = sentence.trim_start();
        QUESTION_OPENERS.iter().any(|opener| {
            sentence
                .strip_prefix(opener)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
        })
    })
}

/// The kinds of cue phrases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Strong,
    Weak,
    Praise,
    Purchase,
    QuestionAnywhere,
}

/// How many distinct cue phrases of each kind a post holds.
#[derive(Debug, Default, Clone, Copy)]
struct Found {
    strong: u32,
    weak: u32,
    praise: u32,
    purchase: u32,
    question_anywhere: bool,
}

/// Every cue phrase in one automaton, each as ` phrase ` so that it matches whole words of
/// ` w1 w2 ... `.
struct CueSet {
    automaton: Option<AhoCorasick>,
    kinds: Vec<Kind>,
}

static CUES: LazyLock<CueSet> = LazyLock::new(CueSet::build);

impl CueSet {
    fn build() -> CueSet {
        let lists = [
            (Kind::Strong, COMPLAINT_STRONG),
            (Kind::Weak, COMPLAINT_WEAK),
            (Kind::Praise, PRAISE),
            (Kind::Purchase, PURCHASE),
            (Kind::QuestionAnywhere, QUESTION_ANYWHERE),
        ];
        let mut patterns = Vec::new();
        let mut kinds = Vec::new();
        for (kind, list) in lists {
            for phrase in list {
                patterns.push(format!(" {phrase} "));
                kinds.push(kind);
            }
        }
        CueSet {
            automaton: AhoCorasick::new(&patterns).ok(),
            kinds,
        }
    }

    /// The distinct cues of ` w1 w2 ... `, tallied by kind.
    fn find(&self, words: &str) -> Found {
        let mut found = Found::default();
        let Some(automaton) = &self.automaton else {
            return found;
        };
        let mut seen = [0u64; 8];
        for m in automaton.find_overlapping_iter(words) {
            let id = m.pattern().as_usize();
            let (word, bit) = (id / 64, id % 64);
            if word >= seen.len() || seen[word] >> bit & 1 == 1 {
                continue;
            }
            seen[word] |= 1 << bit;
            match self.kinds.get(id) {
                Some(Kind::Strong) => found.strong += 1,
                Some(Kind::Weak) => found.weak += 1,
                Some(Kind::Praise) => found.praise += 1,
                Some(Kind::Purchase) => found.purchase += 1,
                Some(Kind::QuestionAnywhere) => found.question_anywhere = true,
                None => {}
            }
        }
        found
    }
}

#[cfg(test)]
mod cue_tests {
    use super::*;

    #[test]
    fn every_cue_fits_the_seen_bitset() {
        assert!(CUES.kinds.len() <= 8 * 64);
        assert!(CUES.automaton.is_some());
    }

    #[test]
    fn cues_match_whole_words_once() {
        let found = CUES.find(" worst worst flight | lost my bag smh ");
        assert_eq!(found.strong, 2, "worst (once) and lost my");
        assert!(found.weak >= 3, "lost, bag, smh");
        let found = CUES.find(" unworsted thankful ");
        assert_eq!((found.strong, found.praise), (0, 0));
    }
}
