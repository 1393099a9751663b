//! Post templates per language, and the slot filling that turns them into text.
//!
//! A template is text with `{slot}`s. Slots (all optional in a template):
//!
//! | slot | value |
//! |---|---|
//! | `{thing}` | the subject: a product name (`Vantelo`, sometimes `Orvella Vantelo`) or, in maker templates, the maker's name |
//! | `{product}` | the product's bare name (after `{maker}`) |
//! | `{maker}` / `{at}` | the subject's maker: its name / its mention on this network (`@orvella`, or the name where there are no mentions) |
//! | `{kind}` | the product's category noun in the language (`espresso machine`, `cafetera`, `Mühle`) |
//! | `{my}` `{the}` `{a}` | determiners agreeing with the category's gender (`ma`, `la`, `une`; English `a`/`an` follows the next word) |
//! | `{my_acc}` `{the_acc}` `{a_acc}` `{my_dat}` `{the_dat}` | German accusative / dative forms (nominative elsewhere) |
//! | `{of_the}` `{in_the}` | contracted prepositions (`del`, `du`, `do`, `im`, …) |
//! | `{other}` / `{other_maker}` | a rival product for comparisons / its maker |
//! | `{issue}` / `{strength}` | a verb phrase for what goes wrong / what is great (`keeps leaking`, `pulls gorgeous shots`) |
//! | `{pos}` `{neg}` `{so}` | feelings and intensifiers (`thrilled`, `fed up`, `soooo`) |
//! | `{epos}` `{eneg}` `{eneu}` | an emoji of that tone |
//! | `{n}` | a small number (2–9) |
//! | `{price}` | the product's price in the language's currency |
//! | `{url}` / `{article}` / `{spamurl}` | a link to the maker's site / to a blog post / a junk link |
//! | `{user}` | a mention of another account on the network |
//! | `{campaign}` | the brand's campaign hashtag |
//! | `{tag}` | the subject's hashtag |
//! | `{topic}` / `{topictag}` | an incident's topic / its hashtag |
//! | `{order}` | an order number |
//! | `{agent}` | a support agent's signature (`^MK`) |

mod de;
mod en;
mod es;
mod fr;
mod pt;

use crate::dice::Dice;
use crate::lang::Lang;
use crate::truth::{Intent, Sentiment};
use crate::world::{Brand, Gender, Product, World};
use rapport_model::Network;

pub(crate) use en::{HN_COMMENTS, HN_STORIES, REDDIT_TITLES};

/// A template: its intent and sentiment, and its text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct T(pub Intent, pub Sentiment, pub &'static str);

/// A feed item template: intent, sentiment, title, body.
#[derive(Debug, Clone, Copy)]
pub(crate) struct F(
    pub Intent,
    pub Sentiment,
    pub &'static str,
    pub &'static str,
);

/// Everything the simulator writes in one language.
pub(crate) struct Lexicon {
    pub(crate) complaint_product: &'static [T],
    pub(crate) complaint_maker: &'static [T],
    pub(crate) question_product: &'static [T],
    pub(crate) question_maker: &'static [T],
    pub(crate) praise_product: &'static [T],
    pub(crate) praise_maker: &'static [T],
    pub(crate) purchase: &'static [T],
    pub(crate) compare: &'static [T],
    pub(crate) other_product: &'static [T],
    pub(crate) other_maker: &'static [T],
    pub(crate) campaign: &'static [T],
    pub(crate) brand_promo: &'static [T],
    pub(crate) incident: &'static [T],
    pub(crate) incident_question: &'static [T],
    pub(crate) spam: &'static [T],
    pub(crate) noise: &'static [T],
    pub(crate) reply_complaint: &'static [T],
    pub(crate) reply_question: &'static [T],
    pub(crate) reply_praise: &'static [T],
    pub(crate) reply_purchase: &'static [T],
    pub(crate) reply_chat: &'static [T],
    pub(crate) reply_spam: &'static [T],
    pub(crate) brand_reply_complaint: &'static [T],
    pub(crate) brand_reply_question: &'static [T],
    pub(crate) brand_reply_praise: &'static [T],
    pub(crate) feed: &'static [F],
    pub(crate) incident_feed: &'static [F],
    pub(crate) issues: &'static [&'static str],
    pub(crate) strengths: &'static [&'static str],
    pub(crate) pos: &'static [&'static str],
    pub(crate) neg: &'static [&'static str],
    pub(crate) so: &'static [&'static str],
    /// Category noun for makers without products.
    pub(crate) fallback_kind: (&'static str, Gender),
}

/// The lexicon of a language.
pub(crate) fn lexicon(lang: Lang) -> &'static Lexicon {
    match lang {
        Lang::En => &en::LEXICON,
        Lang::Es => &es::LEXICON,
        Lang::Fr => &fr::LEXICON,
        Lang::De => &de::LEXICON,
        Lang::Pt => &pt::LEXICON,
    }
}

pub(crate) const EMOJI_POS: &[&str] = &[
    "😍", "☕", "🙌", "❤️", "✨", "🔥", "👌", "😊", "🥰", "💯", "🤩", "👏",
];
pub(crate) const EMOJI_NEG: &[&str] = &[
    "😡", "😤", "🤬", "😩", "🙄", "💀", "😞", "👎", "🤦", "😠", "😒", "😭",
];
pub(crate) const EMOJI_NEU: &[&str] = &["🤔", "👀", "☕", "🤷", "🧐", "📦", "😅"];

/// Everything a template's slots can draw on.
pub(crate) struct Ctx<'a> {
    pub(crate) world: &'a World,
    pub(crate) lang: Lang,
    pub(crate) network: Network,
    /// The subject's maker.
    pub(crate) maker: &'a Brand,
    /// The subject's product, or a stand-in product of the maker for maker-level posts.
    pub(crate) product: Option<&'a Product>,
    /// Whether `{thing}` is the product (else the maker).
    pub(crate) thing_is_product: bool,
    /// A rival product for comparisons.
    pub(crate) other: Option<(&'a Brand, &'a Product)>,
    pub(crate) topic: Option<&'a str>,
    /// Another account's mention, for `{user}`.
    pub(crate) friend: Option<&'a str>,
}

#[derive(Clone, Copy)]
enum Det {
    My,
    The,
    A,
}

#[derive(Clone, Copy)]
enum Case {
    Nom,
    Acc,
    Dat,
}

fn determiner(lang: Lang, gender: Gender, det: Det, case: Case) -> &'static str {
    use Gender::*;
    let fem = gender == Feminine;
    match lang {
        Lang::En => match det {
            Det::My => "my",
            Det::The => "the",
            Det::A => "\u{1}",
        },
        Lang::Es => match det {
            Det::My => "mi",
            Det::The if fem => "la",
            Det::The => "el",
            Det::A if fem => "una",
            Det::A => "un",
        },
        Lang::Fr => match det {
            Det::My if fem => "ma",
            Det::My => "mon",
            Det::The if fem => "la",
            Det::The => "le",
            Det::A if fem => "une",
            Det::A => "un",
        },
        Lang::Pt => match det {
            Det::My if fem => "minha",
            Det::My => "meu",
            Det::The if fem => "a",
            Det::The => "o",
            Det::A if fem => "uma",
            Det::A => "um",
        },
        Lang::De => match (det, case, gender) {
            (Det::My, Case::Nom, Feminine) | (Det::My, Case::Acc, Feminine) => "meine",
            (Det::My, Case::Nom, _) | (Det::My, Case::Acc, Neuter) => "mein",
            (Det::My, Case::Acc, Masculine) => "meinen",
            (Det::My, Case::Dat, Feminine) => "meiner",
            (Det::My, Case::Dat, _) => "meinem",
            (Det::The, Case::Nom, Masculine) => "der",
            (Det::The, Case::Nom | Case::Acc, Feminine) => "die",
            (Det::The, Case::Nom | Case::Acc, Neuter) => "das",
            (Det::The, Case::Acc, Masculine) => "den",
            (Det::The, Case::Dat, Feminine) => "der",
            (Det::The, Case::Dat, _) => "dem",
            (Det::A, Case::Nom | Case::Acc, Feminine) => "eine",
            (Det::A, Case::Nom, _) | (Det::A, Case::Acc, Neuter) => "ein",
            (Det::A, Case::Acc, Masculine) => "einen",
            (Det::A, Case::Dat, Feminine) => "einer",
            (Det::A, Case::Dat, _) => "einem",
        },
    }
}

fn contraction(lang: Lang, gender: Gender, of: bool) -> &'static str {
    let fem = gender == Gender::Feminine;
    match (lang, of) {
        (Lang::En, true) => "of the",
        (Lang::En, false) => "in the",
        (Lang::Es, true) => {
            if fem {
                "de la"
            } else {
                "del"
            }
        }
        (Lang::Es, false) => {
            if fem {
                "en la"
            } else {
                "en el"
            }
        }
        (Lang::Fr, true) => {
            if fem {
                "de la"
            } else {
                "du"
            }
        }
        (Lang::Fr, false) => {
            if fem {
                "dans la"
            } else {
                "dans le"
            }
        }
        (Lang::Pt, true) => {
            if fem {
                "da"
            } else {
                "do"
            }
        }
        (Lang::Pt, false) => {
            if fem {
                "na"
            } else {
                "no"
            }
        }
        (Lang::De, true) => {
            if fem {
                "der"
            } else {
                "des"
            }
        }
        (Lang::De, false) => {
            if fem {
                "in der"
            } else {
                "im"
            }
        }
    }
}

impl Ctx<'_> {
    fn noun(&self) -> (&str, Gender) {
        let lex = lexicon(self.lang);
        match self.product {
            Some(p) => {
                let c = &p.category;
                match self.lang {
                    Lang::En => (c.en.as_str(), Gender::Neuter),
                    Lang::Es => (c.es.word.as_str(), c.es.gender),
                    Lang::Fr => (c.fr.word.as_str(), c.fr.gender),
                    Lang::De => (c.de.word.as_str(), c.de.gender),
                    Lang::Pt => (c.pt.word.as_str(), c.pt.gender),
                }
            }
            None => lex.fallback_kind,
        }
    }

    fn gender(&self) -> Gender {
        self.noun().1
    }
}

/// Fills a template's slots. Unknown slots are left as written.
pub(crate) fn render(template: &str, ctx: &Ctx<'_>, dice: &mut Dice) -> String {
    let mut out = String::with_capacity(template.len() + 48);
    // "Orvella Vantelo" only where the maker is not named anyway.
    let maker_named = has_slot(template, &["maker", "at"]);
    fill(
        template,
        ctx,
        dice,
        &mut out,
        if maker_named { NAMED } else { 0 },
    );
    if ctx.lang == Lang::En && out.contains('\u{1}') {
        out = english_articles(&out);
    }
    out
}

/// Flag in `fill`'s `state`: the template names the maker.
const NAMED: u8 = 0x10;

/// `state`: nesting depth (issue and strength phrases have slots too) and [`NAMED`].
fn fill(template: &str, ctx: &Ctx<'_>, dice: &mut Dice, out: &mut String, state: u8) {
    let depth = state & 0x0F;
    let lex = lexicon(ctx.lang);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return;
        };
        let written = &after[..close];
        rest = &after[close + 1..];
        // `{The}`, `{My}`...: the same slot, capitalised (sentence starts).
        let capitalise = written.starts_with(|c: char| c.is_ascii_uppercase());
        let lowered;
        let slot = if capitalise {
            lowered = written.to_ascii_lowercase();
            lowered.as_str()
        } else {
            written
        };
        let gender = ctx.gender();
        let at = out.len();
        match slot {
            "thing" => push_thing(ctx, dice, out, state & NAMED != 0),
            "product" => match ctx.product.filter(|_| ctx.thing_is_product) {
                Some(p) => out.push_str(&p.name),
                None => out.push_str(&ctx.maker.name),
            },
            "maker" => out.push_str(&ctx.maker.name),
            "at" => out.push_str(&ctx.maker.mention_on(ctx.network)),
            "kind" => out.push_str(ctx.noun().0),
            "my" => out.push_str(determiner(ctx.lang, gender, Det::My, Case::Nom)),
            "the" => out.push_str(determiner(ctx.lang, gender, Det::The, Case::Nom)),
            "a" => out.push_str(determiner(ctx.lang, gender, Det::A, Case::Nom)),
            "my_acc" => out.push_str(determiner(ctx.lang, gender, Det::My, Case::Acc)),
            "the_acc" => out.push_str(determiner(ctx.lang, gender, Det::The, Case::Acc)),
            "a_acc" => out.push_str(determiner(ctx.lang, gender, Det::A, Case::Acc)),
            "my_dat" => out.push_str(determiner(ctx.lang, gender, Det::My, Case::Dat)),
            "the_dat" => out.push_str(determiner(ctx.lang, gender, Det::The, Case::Dat)),
            "of_the" => out.push_str(contraction(ctx.lang, gender, true)),
            "in_the" => out.push_str(contraction(ctx.lang, gender, false)),
            "other" => match ctx.other {
                Some((_, p)) => out.push_str(&p.name),
                None => out.push_str(&ctx.maker.name),
            },
            "other_maker" => match ctx.other {
                Some((m, _)) => out.push_str(&m.name),
                None => out.push_str(&ctx.world.brand.name),
            },
            "issue" | "strength" if depth < 2 => {
                let own = ctx.product.filter(|_| ctx.lang == Lang::En).map(|p| {
                    if slot == "issue" {
                        &p.issues
                    } else {
                        &p.strengths
                    }
                });
                let generic = if slot == "issue" {
                    lex.issues
                } else {
                    lex.strengths
                };
                let phrase: &str = match own {
                    Some(list) if !list.is_empty() && dice.chance(0.7) => list
                        .get(dice.below(list.len()))
                        .map(String::as_str)
                        .unwrap_or(""),
                    _ => dice.word(generic),
                };
                fill(phrase, ctx, dice, out, state + 1);
            }
            "pos" => out.push_str(dice.word(lex.pos)),
            "neg" => out.push_str(dice.word(lex.neg)),
            "so" => out.push_str(dice.word(lex.so)),
            "epos" => out.push_str(dice.word(EMOJI_POS)),
            "eneg" => out.push_str(dice.word(EMOJI_NEG)),
            "eneu" => out.push_str(dice.word(EMOJI_NEU)),
            "n" => push_display(out, dice.between(2, 9)),
            "price" => out.push_str(&price(ctx.lang, ctx.product.map_or(199, |p| p.price_usd))),
            "url" => push_url(ctx, dice, out),
            "article" => {
                let (_, host, _) = crate::names::BLOGS[dice.below(crate::names::BLOGS.len())];
                out.push_str("https://");
                out.push_str(host);
                out.push_str("/?p=");
                push_display(out, dice.between(1_000, 20_000));
            }
            "spamurl" => push_spam_url(ctx, dice, out),
            "user" => out.push_str(ctx.friend.unwrap_or("")),
            "campaign" => {
                out.push('#');
                out.push_str(&ctx.world.campaign_hashtag);
            }
            "tag" => {
                out.push('#');
                match ctx.product.filter(|_| ctx.thing_is_product) {
                    Some(p) => out.push_str(&p.hashtag),
                    None => out.push_str(&ctx.maker.hashtag),
                }
            }
            "topic" => out.push_str(ctx.topic.unwrap_or("problems")),
            "topictag" => {
                out.push('#');
                if let Some(p) = ctx.product {
                    out.push_str(&p.name);
                }
                for word in ctx.topic.unwrap_or("fail").split_whitespace().take(3) {
                    let mut chars = word.chars();
                    if let Some(c) = chars.next() {
                        out.extend(c.to_uppercase());
                        out.push_str(chars.as_str());
                    }
                }
            }
            "order" => {
                let prefix: String = ctx
                    .maker
                    .name
                    .chars()
                    .filter(|c| c.is_alphabetic())
                    .take(2)
                    .flat_map(char::to_uppercase)
                    .collect();
                out.push('#');
                out.push_str(&prefix);
                out.push('-');
                push_display(out, dice.between(10_000, 99_999));
            }
            "agent" => {
                out.push('^');
                for _ in 0..2 {
                    out.push((b'A' + dice.below(26) as u8) as char);
                }
            }
            _ => {
                out.push('{');
                out.push_str(written);
                out.push('}');
            }
        }
        if capitalise {
            capitalise_at(out, at);
        }
    }
    out.push_str(rest);
}

/// Upper-cases the character starting at byte `at` (nothing if it has no upper case).
fn capitalise_at(out: &mut String, at: usize) {
    let Some(c) = out[at..].chars().next() else {
        return;
    };
    if c.is_lowercase() {
        let upper: String = c.to_uppercase().collect();
        out.replace_range(at..at + c.len_utf8(), &upper);
    }
}

/// Whether a template has one of the named slots (in one pass; `{The}` counts as `{the}`).
pub(crate) fn has_slot(template: &str, names: &[&str]) -> bool {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        let Some(close) = rest.find('}') else {
            return false;
        };
        let slot = &rest[..close];
        if names.iter().any(|n| slot.eq_ignore_ascii_case(n)) {
            return true;
        }
        rest = &rest[close + 1..];
    }
    false
}

fn push_display(out: &mut String, n: u64) {
    use std::fmt::Write;
    let _ = write!(out, "{n}");
}

fn push_thing(ctx: &Ctx<'_>, dice: &mut Dice, out: &mut String, maker_named: bool) {
    match ctx.product.filter(|_| ctx.thing_is_product) {
        Some(p) => {
            // "Orvella Vantelo": only in English, where no article has to agree or elide.
            if ctx.lang == Lang::En && !maker_named && dice.chance(0.15) {
                out.push_str(&ctx.maker.name);
                out.push(' ');
            }
            out.push_str(&p.name);
        }
        None => out.push_str(&ctx.maker.name),
    }
}

fn push_url(ctx: &Ctx<'_>, dice: &mut Dice, out: &mut String) {
    out.push_str("https://");
    out.push_str(&ctx.maker.website);
    match (dice.below(3), ctx.product) {
        (0, Some(p)) => {
            out.push_str("/products/");
            out.push_str(&crate::ids::slug(&p.name));
        }
        (1, _) => out.push_str("/support"),
        _ => {
            out.push_str("/help/articles/");
            push_display(out, dice.between(1_000, 9_999));
        }
    }
}

fn push_spam_url(ctx: &Ctx<'_>, dice: &mut Dice, out: &mut String) {
    let name = crate::ids::slug(&ctx.maker.name);
    match dice.below(4) {
        0 => {
            out.push_str("https://");
            out.push_str(&name);
            out.push_str("-giveaway.example/claim?id=");
            push_display(out, dice.between(10_000, 99_999));
        }
        1 => {
            out.push_str("https://free-");
            out.push_str(&name);
            out.push_str(".example/win");
        }
        2 => {
            out.push_str("https://cryptoboost.example/ref/");
            push_display(out, dice.between(100_000, 999_999));
        }
        _ => {
            out.push_str("https://deals-");
            push_display(out, dice.between(10, 99));
            out.push_str(".example/");
            out.push_str(&name);
        }
    }
}

/// A price in the language's currency: `$649`, `619 €`, `R$ 3.569`.
pub(crate) fn price(lang: Lang, usd: u32) -> String {
    let usd = u64::from(usd);
    match lang {
        Lang::En => format!("${}", group(usd, ',')),
        Lang::Pt => {
            let brl = (usd * 55 / 10 / 10) * 10 + 9;
            format!("R$ {}", group(brl, '.'))
        }
        Lang::Fr => format!("{} €", group(euro(usd), '\u{202f}')),
        Lang::Es | Lang::De => format!("{} €", group(euro(usd), '.')),
    }
}

fn euro(usd: u64) -> u64 {
    ((usd * 95 / 100 + 5) / 10 * 10).saturating_sub(1).max(9)
}

fn group(n: u64, sep: char) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// Replaces the article marker with `a` or `an` by the next word's first letter.
fn english_articles(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    let mut parts = text.split('\u{1}');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for part in parts {
        let next = part.trim_start().chars().next().unwrap_or('x');
        let vowel = matches!(next.to_ascii_lowercase(), 'a' | 'e' | 'i' | 'o' | 'u');
        let capital = out.ends_with(". ") || out.is_empty();
        out.push_str(match (vowel, capital) {
            (true, true) => "An",
            (true, false) => "an",
            (false, true) => "A",
            (false, false) => "a",
        });
        out.push_str(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_templates(lex: &Lexicon) -> Vec<&'static str> {
        let lists = [
            lex.complaint_product,
            lex.complaint_maker,
            lex.question_product,
            lex.question_maker,
            lex.praise_product,
            lex.praise_maker,
            lex.purchase,
            lex.compare,
            lex.other_product,
            lex.other_maker,
            lex.campaign,
            lex.brand_promo,
            lex.incident,
            lex.incident_question,
            lex.spam,
            lex.noise,
            lex.reply_complaint,
            lex.reply_question,
            lex.reply_praise,
            lex.reply_purchase,
            lex.reply_chat,
            lex.reply_spam,
            lex.brand_reply_complaint,
            lex.brand_reply_question,
            lex.brand_reply_praise,
        ];
        for list in lists {
            assert!(!list.is_empty(), "an empty template list");
        }
        assert!(!lex.feed.is_empty() && !lex.incident_feed.is_empty());
        assert!(!lex.issues.is_empty() && !lex.strengths.is_empty());
        let mut all: Vec<&'static str> = lists.iter().flat_map(|l| l.iter().map(|t| t.2)).collect();
        all.extend(
            lex.feed
                .iter()
                .chain(lex.incident_feed)
                .flat_map(|f| [f.2, f.3]),
        );
        all.extend(lex.issues.iter().chain(lex.strengths));
        all
    }

    #[test]
    fn every_template_renders_without_leftover_slots() {
        let world = World::demo();
        let mut dice = Dice::new(9, 9);
        let mut extra: Vec<&'static str> = Vec::new();
        extra.extend(REDDIT_TITLES.iter().map(|t| t.2));
        extra.extend(HN_STORIES.iter().flat_map(|f| [f.2, f.3]));
        extra.extend(HN_COMMENTS.iter().map(|t| t.2));
        for lang in Lang::ALL {
            let mut templates = all_templates(lexicon(lang));
            if lang == Lang::En {
                templates.extend(extra.iter());
            }
            for (pi, product) in world.brand.products.iter().enumerate() {
                let ctx = Ctx {
                    world: &world,
                    lang,
                    network: Network::X,
                    maker: &world.brand,
                    product: Some(product),
                    thing_is_product: pi != 1,
                    other: Some((&world.competitors[0], &world.competitors[0].products[0])),
                    topic: Some("water tank leaks"),
                    friend: Some("@friend"),
                };
                for t in &templates {
                    let text = render(t, &ctx, &mut dice);
                    assert!(
                        !text.contains('{') && !text.contains('}'),
                        "{lang:?}: {t} -> {text}"
                    );
                    assert!(!text.contains('\u{1}'), "{text}");
                    assert!(!text.contains("  "), "double space in {lang:?}: {text}");
                }
            }
        }
    }

    #[test]
    fn determiners_agree() {
        let world = World::demo();
        let mut dice = Dice::new(1, 1);
        let ctx = |lang, product: usize| Ctx {
            world: &world,
            lang,
            network: Network::Mastodon,
            maker: &world.brand,
            product: world.brand.products.get(product),
            thing_is_product: true,
            other: None,
            topic: None,
            friend: None,
        };
        assert_eq!(
            render("{my} {kind}", &ctx(Lang::Fr, 1), &mut dice),
            "mon moulin"
        );
        assert_eq!(
            render("{my} {kind}", &ctx(Lang::Fr, 0), &mut dice),
            "ma machine"
        );
        assert_eq!(
            render("{a_acc} {kind}", &ctx(Lang::De, 2), &mut dice),
            "einen Wasserkocher"
        );
        assert_eq!(
            render("{my} {kind}", &ctx(Lang::Pt, 2), &mut dice),
            "minha chaleira"
        );
        assert_eq!(
            render("{of_the} {kind}", &ctx(Lang::Es, 1), &mut dice),
            "del molinillo"
        );
        assert_eq!(
            render("{a} {kind}", &ctx(Lang::En, 0), &mut dice),
            "An espresso machine"
        );
        assert_eq!(
            render("get {a} {kind}", &ctx(Lang::En, 1), &mut dice),
            "get a grinder"
        );
        assert_eq!(
            render("{at} {campaign}", &ctx(Lang::En, 1), &mut dice),
            "@orvella@mastodon.social #OrvellaMornings"
        );
        assert_eq!(price(Lang::En, 1049), "$1,049");
        assert_eq!(price(Lang::De, 649), "619 €");
        assert_eq!(price(Lang::Pt, 649), "R$ 3.569");
    }
}
