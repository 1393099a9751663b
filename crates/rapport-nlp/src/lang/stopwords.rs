//! The fast path of language detection: votes of function words.
//!
//! Each folded word (lower case, no accents, as `rapport-text` writes it) that is a
//! function word of English, French, Spanish, German, Portuguese, Italian or Dutch votes
//! for those languages: 2 points when it belongs to one language only, 1 when it is
//! shared (`de`, `que`, `in`). The best language decides when it has at least
//! [`STOP_MIN`] points and leads the second by [`STOP_MARGIN`]; otherwise the slower
//! steps decide. Lists are short on purpose: only words that are frequent in posts and
//! rarely words of another language (`die` is German, but also English; it is left out).

use super::{STOP_MARGIN, STOP_MIN};

/// At least one word in this many must vote for the winner.
const STOP_SHARE: u32 = 5;
use whatlang::Lang;

const EN: u8 = 1;
const FR: u8 = 1 << 1;
const ES: u8 = 1 << 2;
const DE: u8 = 1 << 3;
const PT: u8 = 1 << 4;
const IT: u8 = 1 << 5;
const NL: u8 = 1 << 6;

/// The languages, in the order of the bits above.
const LANGS: [Lang; 7] = [
    Lang::Eng,
    Lang::Fra,
    Lang::Spa,
    Lang::Deu,
    Lang::Por,
    Lang::Ita,
    Lang::Nld,
];

/// The languages `word` is a function word of, as bits.
fn languages_of(word: &str) -> u8 {
    match word {
        // English.
        "the" | "and" | "you" | "your" | "my" | "this" | "that" | "with" | "have" | "has"
        | "for" | "not" | "but" | "it" | "i" | "to" | "of" | "what" | "why" | "how" | "we"
        | "they" | "be" | "been" | "just" | "was" | "were" | "are" | "does" | "did" | "from"
        | "at" | "will" | "would" | "there" | "about" | "get" | "got" | "when" | "can" | "our"
        | "an" | "if" | "or" | "all" | "any" | "its" | "thanks" | "please" | "don't" | "can't"
        | "i'm" | "it's" | "didn't" | "doesn't" | "won't" | "isn't" | "you're" | "i've"
        | "that's" | "flight" | "u" => EN,
        "is" => EN | NL,
        "in" => EN | DE | IT | NL,
        "on" => EN | FR,
        "me" => EN | FR | ES | PT | IT,
        "so" => EN | DE,
        "do" => EN | PT,
        "no" => EN | ES | PT | IT,
        "mais" => FR | PT,
        "je" => FR | NL,
        // French.
        "le" | "les" | "des" | "est" | "et" | "tu" | "nous" | "vous" | "une" | "pour" | "pas"
        | "avec" | "sur" | "dans" | "qui" | "ce" | "cette" | "j" | "ai" | "au" | "aux" | "du"
        | "ne" | "plus" | "tres" | "merci" | "mon" | "mes" | "sont" | "c" | "l" | "d" | "qu"
        | "ca" | "bien" | "votre" | "vos" | "leur" | "y'a" | "etre" | "avoir" | "fait" | "rien"
        | "toujours" => FR,
        "il" => FR | IT,
        "un" => FR | IT,
        "ma" => FR | IT,
        "ou" => FR | PT,
        "en" => FR | ES | NL,
        "la" => FR | ES | IT,
        "de" => FR | ES | PT | NL,
        "que" => FR | ES | PT,
        "se" => FR | ES | PT | IT,
        "a" => FR | ES | PT | IT,
        "te" => FR | ES | PT | IT | NL,
        // Spanish.
        "el" | "los" | "las" | "y" | "pero" | "muy" | "yo" | "gracias" | "hay" | "tengo"
        | "esta" | "este" | "estoy" | "porque" | "usted" | "ustedes" | "nos" | "sus" | "cuando"
        | "donde" | "nunca" | "otra" | "vez" | "ya" | "algo" | "mucho" | "hoy" => ES,
        "es" => ES | DE,
        "por" | "para" | "como" | "mas" | "nada" | "sem" => ES | PT,
        "con" | "una" | "del" | "mi" | "ha" => ES | IT,
        "lo" => ES | IT,
        "su" => ES,
        // German.
        "der" | "das" | "und" | "ist" | "nicht" | "ich" | "ein" | "eine" | "mit" | "auf"
        | "fur" | "zu" | "den" | "dem" | "sie" | "wir" | "auch" | "noch" | "mein" | "meine"
        | "aber" | "schon" | "wieder" | "kein" | "keine" | "sehr" | "danke" | "bei" | "von"
        | "im" | "dass" | "wie" | "war" | "hat" | "habe" | "nur" | "mal" | "jetzt" | "euch"
        | "ihr" | "uns" => DE,
        // Portuguese.
        "o" | "os" | "da" | "dos" | "em" | "um" | "uma" | "nao" | "com" | "meu" | "minha"
        | "voce" | "voces" | "muito" | "obrigado" | "obrigada" | "isso" | "esse" | "essa"
        | "pra" | "na" | "ao" | "foi" | "tem" | "estou" | "ate" | "seu" | "sua" | "vou" | "ja"
        | "aqui" => PT,
        "e" => PT | IT,
        // Italian.
        "gli" | "della" | "di" | "che" | "non" | "per" | "sono" | "questo" | "molto" | "grazie"
        | "ho" | "alla" | "ancora" | "anche" | "sempre" | "nel" | "perche" | "io" => IT,
        // Dutch.
        "het" | "een" | "van" | "niet" | "ik" | "dat" | "op" | "met" | "voor" | "zijn" | "maar"
        | "wel" | "ook" | "nog" | "naar" | "bij" | "mijn" | "jullie" | "heb" => NL,
        _ => 0,
    }
}

/// The points of each language so far.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Votes {
    points: [u32; 7],
    /// Per language, how many words voted for it.
    hits: [u32; 7],
    /// Every word seen.
    words: u32,
}

impl Votes {
    /// Counts a folded word.
    #[inline]
    pub(super) fn add(&mut self, word: &str) {
        self.words += 1;
        if word.len() > 8 {
            return;
        }
        let bits = languages_of(word);
        if bits == 0 {
            return;
        }
        let weight = if bits.count_ones() == 1 { 2 } else { 1 };
        for i in 0..LANGS.len() {
            if bits & (1 << i) != 0 {
                self.points[i] += weight;
                self.hits[i] += 1;
            }
        }
    }

    /// The language that wins clearly, if one does.
    pub(super) fn winner(&self) -> Option<Lang> {
        let mut best = (0, 0);
        let mut second = 0;
        for (i, &points) in self.points.iter().enumerate() {
            if points > best.1 {
                second = best.1;
                best = (i, points);
            } else if points > second {
                second = points;
            }
        }
        // Function words are a good share of any sentence: a few chance hits among many
        // words (Czech `a`, `o`, `na` look Portuguese) decide nothing.
        let share = self.hits[best.0] * STOP_SHARE >= self.words;
        (best.1 >= STOP_MIN && best.1 >= second + STOP_MARGIN && share).then(|| LANGS[best.0])
    }
}

/// Whether `text` is written like the stop-word languages: its letters are ASCII or
/// Latin-1 letters (`é`, `ñ`, `ß`, `ã`...) or `œ`, with at most one in ten of another
/// script. A letter of Latin Extended (`č`, `ł`, `ő`, `ş`...) belongs to none of these
/// languages: such a post is left to the trigrams.
pub(super) fn written_like_stop_languages(text: &str) -> bool {
    let (mut latin, mut other) = (0usize, 0usize);
    for c in text.chars() {
        if c.is_ascii_alphabetic() || matches!(c, '\u{C0}'..='\u{FF}' | 'œ' | 'Œ') {
            latin += 1;
        } else if matches!(c, '\u{100}'..='\u{24F}' | '\u{1E00}'..='\u{1EFF}') {
            return false;
        } else if c.is_alphabetic() {
            other += 1;
        }
    }
    other * 10 <= latin
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vote(words: &str) -> Option<Lang> {
        let mut v = Votes::default();
        for w in words.split(' ') {
            v.add(w);
        }
        v.winner()
    }

    #[test]
    fn clear_winners_only() {
        assert_eq!(vote("my flight was cancelled and the"), Some(Lang::Eng));
        assert_eq!(
            vote("mi vuelo se ha retrasado otra vez y nadie me dice nada"),
            Some(Lang::Spa)
        );
        assert_eq!(
            vote("mein koffer ist schon wieder verloren"),
            Some(Lang::Deu)
        );
        assert_eq!(vote("merci pour votre aide"), Some(Lang::Fra));
        assert_eq!(
            vote("meu voo foi cancelado e ninguem me ajuda"),
            Some(Lang::Por)
        );
        assert_eq!(vote("de la"), None);
        assert_eq!(vote("acme rocks"), None);
    }
}
