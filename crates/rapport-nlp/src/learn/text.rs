//! The normalised token stream every module of this crate reads: `rapport-text` tokens with
//! HTML entities decoded first, elongations squeezed (`soooo` → `soo`), digits folded to `0`,
//! clause breaks noted and negation scopes marked.

use rapport_text::{TokenKind, Tokens};
use std::ops::Range;

/// One normalised token of an [`Analyzed`] text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tok {
    /// What the token is.
    pub kind: TokenKind,
    /// Its normalised form, a range of [`Analyzed::buf`].
    norm: (u32, u32),
    /// Its byte range in [`Analyzed::source`].
    pub span: (u32, u32),
    /// Inside the scope of a negation (`not`, `never`, `n't`...), up to the clause's end.
    pub negated: bool,
    /// The word was elongated (`soooo`): a run of three or more equal letters.
    pub elongated: bool,
    /// Written in capitals (two letters or more, none lower case).
    pub caps: bool,
    /// Punctuation that ends a clause (`.`, `,`, `!`, `?`, `;`, `:`, a line break) stands
    /// between the previous token and this one.
    pub break_before: bool,
}

/// A reusable analysis buffer: call [`Analyzed::analyze`] for each text.
#[derive(Debug, Default, Clone)]
pub struct Analyzed {
    tokens: Tokens,
    decoded: String,
    buf: String,
    toks: Vec<Tok>,
}

/// Words that open a negation scope.
const NEGATIONS: &[&str] = &[
    "not", "no", "never", "none", "nobody", "nothing", "nowhere", "neither", "nor", "cannot",
    "without", "dont", "cant", "wont", "isnt", "arent", "wasnt", "werent", "didnt", "doesnt",
    "couldnt", "shouldnt", "wouldnt", "havent", "hasnt", "hadnt", "aint", "nt",
];

/// How many tokens a negation scope reaches at most.
const NEGATION_REACH: usize = 4;

impl Analyzed {
    /// An empty buffer.
    pub fn new() -> Analyzed {
        Analyzed::default()
    }

    /// Analyzes `text`, replacing what the buffer held. Never panics.
    pub fn analyze(&mut self, text: &str) {
        self.decoded.clear();
        decode_entities(text, &mut self.decoded);
        self.tokens.tokenize(&self.decoded);
        self.buf.clear();
        self.toks.clear();
        let mut prev_end = 0usize;
        let mut scope_left = 0usize;
        for token in self.tokens.iter() {
            let span = token.span();
            let gap = self.decoded.get(prev_end..span.start).unwrap_or("");
            let break_before = gap
                .bytes()
                .any(|b| matches!(b, b'.' | b',' | b'!' | b'?' | b';' | b':' | b'\n'));
            prev_end = span.end;
            if break_before {
                scope_left = 0;
            }
            let raw = self.decoded.get(span.clone()).unwrap_or("");
            let start = self.buf.len();
            // The tokenizer has cut elongations already and says so; digits still fold here.
            let elongated = squeeze_into(token.normalized(), &mut self.buf) || token.is_elongated();
            let norm = &self.buf[start..];
            let caps = token.kind() == TokenKind::Word
                && raw.chars().filter(|c| c.is_alphabetic()).count() >= 2
                && !raw.chars().any(char::is_lowercase);
            let negated = scope_left > 0;
            scope_left = scope_left.saturating_sub(1);
            // Contractions are one token (`don't`); a lone `t` after an `n` is the same
            // negation written with another apostrophe.
            let is_cue = token.kind() == TokenKind::Word
                && (NEGATIONS.contains(&norm)
                    || norm.ends_with("n't")
                    || (norm == "t"
                        && self
                            .toks
                            .last()
                            .is_some_and(|p| self.buf[p.norm_range()].ends_with('n'))));
            if is_cue {
                scope_left = NEGATION_REACH;
            }
            self.toks.push(Tok {
                kind: token.kind(),
                norm: (offset(start), offset(self.buf.len())),
                span: (offset(span.start), offset(span.end)),
                negated,
                elongated,
                caps,
                break_before,
            });
        }
    }

    /// The text as tokenized: the input with its HTML entities decoded.
    pub fn source(&self) -> &str {
        &self.decoded
    }

    /// The tokens in order.
    pub fn toks(&self) -> &[Tok] {
        &self.toks
    }

    /// The normalised form of `tok`.
    pub fn norm(&self, tok: &Tok) -> &str {
        self.buf.get(tok.norm_range()).unwrap_or("")
    }
}

impl Tok {
    fn norm_range(&self) -> Range<usize> {
        self.norm.0 as usize..self.norm.1 as usize
    }
}

fn offset(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// Appends `word` with runs of three or more equal characters cut to two and ASCII digits
/// folded to `0`; returns whether a run was cut.
fn squeeze_into(word: &str, out: &mut String) -> bool {
    let mut prev = None;
    let mut run = 0;
    let mut squeezed = false;
    for c in word.chars() {
        let c = if c.is_ascii_digit() { '0' } else { c };
        if Some(c) == prev {
            run += 1;
        } else {
            prev = Some(c);
            run = 1;
        }
        if run >= 3 && c != '0' {
            squeezed = true;
            continue;
        }
        out.push(c);
    }
    squeezed
}

/// Appends `text` with the common HTML entities (`&amp;`, `&lt;`, `&gt;`, `&quot;`,
/// `&apos;`, `&#39;`, `&#NNN;`, `&#xHH;`) decoded; anything else is copied as it is.
pub fn decode_entities(text: &str, out: &mut String) {
    if !text.contains('&') {
        out.push_str(text);
        return;
    }
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let entity_end = rest
            .char_indices()
            .take(10)
            .find(|&(_, c)| c == ';')
            .map(|(i, _)| i);
        let decoded = entity_end.and_then(|end| decode_one(&rest[1..end]).map(|c| (c, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
}

fn decode_one(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some(' '),
        _ => {
            let num = name.strip_prefix('#')?;
            let value = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(value).filter(|c| *c != '\0')
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norms(text: &str) -> Vec<String> {
        let mut a = Analyzed::new();
        a.analyze(text);
        a.toks()
            .iter()
            .map(|t| {
                let mut s = a.norm(t).to_string();
                if t.negated {
                    s.insert(0, '!');
                }
                s
            })
            .collect()
    }

    #[test]
    fn decodes_entities() {
        let mut out = String::new();
        decode_entities("a &amp; b &lt;3 &#39;x&#x41; &bogus; & end&", &mut out);
        assert_eq!(out, "a & b <3 'xA &bogus; & end&");
    }

    #[test]
    fn squeezes_and_marks_negation() {
        assert_eq!(
            norms("Soooo GOOOD, I don't like the flight 123. ok"),
            ["soo", "good", "i", "don't", "!like", "!the", "!flight", "!000", "ok"]
        );
        assert_eq!(norms("never again"), ["never", "!again"]);
    }

    #[test]
    fn marks_caps_and_elongation() {
        let mut a = Analyzed::new();
        a.analyze("WORST flight evaaar I");
        let t = a.toks();
        assert!(t[0].caps && !t[1].caps && !t[3].caps);
        assert!(t[2].elongated && !t[0].elongated);
    }

    #[test]
    fn odd_input_does_not_panic() {
        let mut a = Analyzed::new();
        for s in [
            "",
            "&",
            "&#;",
            "&#xFFFFFFFF;",
            "&#0;",
            "@@@###",
            "\u{0}\u{301}",
        ] {
            a.analyze(s);
        }
    }
}
