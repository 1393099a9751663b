//! VADER, ported from the reference Python package `vaderSentiment` 3.3.2.
//!
//! The pipeline of one text, as in the reference's `polarity_scores`:
//! 1. [`tokens::translate_emoji`]: emoji become their descriptions;
//! 2. [`tokens::tokenize`]: the reference's own tokenization; each word is looked up once,
//!    and ALL CAPS words and `!`/`?` are counted in the same pass;
//! 3. [`rules::valences`]: each word's valence, adjusted by its neighbours;
//! 4. [`rules::but_check`]: the contrastive "but";
//! 5. [`score::score_valence`]: punctuation emphasis, normalization, proportions, rounding.

mod lexicon;
mod rules;
mod score;
mod tokens;

use std::cell::RefCell;
use std::sync::OnceLock;

use super::SentimentScores;
use lexicon::Lexicon;
use tokens::Token;

/// VADER sentiment scoring, equal to the reference Python package `vaderSentiment` 3.3.2.
///
/// Holds the parsed lexicons (about 1 MB); build it once ([`Vader::shared`]) and share it:
/// scoring takes `&self` and is safe to call from many threads.
///
/// VADER parity requires the reference's own tokenization (Python's `str.split()`, its
/// punctuation stripping, `isupper()`, emoji replaced by descriptions), so this does not use
/// `rapport-text`'s social-text tokenizer: the lexicon's valences were fitted to, and the
/// reference's scores depend on, exactly those tokens.
#[derive(Clone)]
pub struct Vader {
    lexicon: Lexicon,
}

impl std::fmt::Debug for Vader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vader")
            .field("lexicon", &"vaderSentiment 3.3.2")
            .finish()
    }
}

impl Default for Vader {
    fn default() -> Self {
        Vader::new()
    }
}

/// Per-thread buffers reused from one text to the next, so that scoring does not allocate
/// (except to translate a text that holds emoji).
#[derive(Default)]
struct Scratch {
    tokens: Vec<Token>,
    sentiments: Vec<f64>,
    lower: String,
}

impl Scratch {
    /// Above this many words, buffers are released after use rather than kept.
    const KEEP_WORDS: usize = 1 << 14;
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl Vader {
    /// Parses the embedded lexicons (`data/vader/`); takes about a millisecond.
    pub fn new() -> Vader {
        Vader {
            lexicon: Lexicon::embedded(),
        }
    }

    /// The process-wide instance, built on first use.
    pub fn shared() -> &'static Vader {
        static SHARED: OnceLock<Vader> = OnceLock::new();
        SHARED.get_or_init(Vader::new)
    }

    /// The sentiment of `text`: the reference's `polarity_scores`, to the last bit of its
    /// rounded outputs. Any string is accepted (empty, huge, any script); a text without words
    /// scores all zeros.
    pub fn polarity_scores(&self, text: &str) -> SentimentScores {
        let run = |scratch: &mut Scratch| self.polarity_scores_with(text, scratch);
        SCRATCH
            .try_with(|cell| match cell.try_borrow_mut() {
                Ok(mut scratch) => run(&mut scratch),
                Err(_) => run(&mut Scratch::default()),
            })
            .unwrap_or_else(|_| run(&mut Scratch::default()))
    }

    fn polarity_scores_with(&self, text: &str, scratch: &mut Scratch) -> SentimentScores {
        let text = tokens::translate_emoji(text, &self.lexicon);
        let Scratch {
            tokens,
            sentiments,
            lower,
        } = scratch;
        let facts = tokens::tokenize(&text, &self.lexicon, tokens, lower);
        // allcap_differential: some, but not all, words are ALL CAPS.
        let is_cap_diff = facts.upper_words > 0 && facts.upper_words < tokens.len();
        rules::valences(tokens, is_cap_diff, sentiments);
        rules::but_check(tokens, sentiments);
        let punctuation = score::Punctuation {
            exclamations: facts.exclamations,
            questions: facts.questions,
        };
        let scores = score::score_valence(sentiments, punctuation);
        if tokens.capacity() > Scratch::KEEP_WORDS {
            *scratch = Scratch::default();
        }
        scores
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vader_is_shareable_across_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Vader>();
        let scores = std::thread::scope(|s| {
            let handles: Vec<_> = (0..2)
                .map(|_| s.spawn(|| Vader::shared().polarity_scores("The book was good.")))
                .collect();
            handles
                .into_iter()
                .filter_map(|h| h.join().ok())
                .collect::<Vec<_>>()
        });
        assert_eq!(scores.len(), 2);
        assert!(scores.iter().all(|s| s.compound == 0.4404));
    }
}
