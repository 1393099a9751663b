//! Native ids and URLs that look like each network's: X and Mastodon snowflakes, Bluesky
//! AT URIs with TID record keys, Reddit base-36 ids, Hacker News item numbers, feed guids.
//!
//! Every generator is strictly increasing, so ids are unique per network without keeping
//! a set of the ids already given (memory stays flat on long runs), and sort like the
//! networks' own ids do.

use crate::dice::Dice;
use crate::names::fold;

/// Twitter's snowflake epoch (2010-11-04), in Unix milliseconds.
const X_EPOCH_MS: i128 = 1_288_834_974_657;
/// 2025-01-01T00:00:00Z, the anchor of the sequential ids below.
const ANCHOR_UNIX: i128 = 1_735_689_600;

/// Mints native ids; one per simulation.
#[derive(Debug, Default)]
pub(crate) struct IdMinter {
    x: u128,
    mastodon: u128,
    bluesky: u128,
    reddit_post: u128,
    reddit_comment: u128,
    hacker_news: u128,
    feed: u128,
}

fn next_after(last: &mut u128, candidate: u128) -> u128 {
    let id = candidate.max(*last + 1);
    *last = id;
    id
}

fn non_negative(x: i128) -> u128 {
    x.max(0) as u128
}

impl IdMinter {
    /// An X status id: milliseconds since the X epoch, then worker and sequence bits.
    pub(crate) fn x(&mut self, unix_ms: i64, dice: &mut Dice) -> String {
        let ms = non_negative(unix_ms as i128 - X_EPOCH_MS);
        let candidate = (ms << 22) | (dice.bits() as u128 & 0x3F_FFFF);
        next_after(&mut self.x, candidate).to_string()
    }

    /// A Mastodon status id: Unix milliseconds, then 16 random bits.
    pub(crate) fn mastodon(&mut self, unix_ms: i64, dice: &mut Dice) -> String {
        let ms = non_negative(unix_ms as i128);
        let candidate = (ms << 16) | (dice.bits() as u128 & 0xFFFF);
        next_after(&mut self.mastodon, candidate).to_string()
    }

    /// A Bluesky record key (TID): microseconds and a clock id in base32-sortable.
    pub(crate) fn bluesky_rkey(&mut self, unix_ms: i64, dice: &mut Dice) -> String {
        let us = non_negative(unix_ms as i128) * 1000 + (dice.bits() % 1000) as u128;
        let candidate = (us << 10) | (dice.bits() as u128 & 0x3FF);
        base32_sortable(next_after(&mut self.bluesky, candidate))
    }

    /// A Reddit submission id (base 36, without the `t3_` prefix).
    pub(crate) fn reddit_post(&mut self, unix_ms: i64, dice: &mut Dice) -> String {
        let secs = unix_ms as i128 / 1000 - ANCHOR_UNIX;
        let candidate = non_negative(2_500_000_000 + secs * 9) + dice.between(0, 40) as u128;
        base36(next_after(&mut self.reddit_post, candidate))
    }

    /// A Reddit comment id (base 36, without the `t1_` prefix).
    pub(crate) fn reddit_comment(&mut self, unix_ms: i64, dice: &mut Dice) -> String {
        let secs = unix_ms as i128 / 1000 - ANCHOR_UNIX;
        let candidate = non_negative(48_000_000_000 + secs * 110) + dice.between(0, 400) as u128;
        base36(next_after(&mut self.reddit_comment, candidate))
    }

    /// A Hacker News item number (stories and comments share the sequence).
    pub(crate) fn hacker_news(&mut self, unix_ms: i64, dice: &mut Dice) -> u128 {
        let secs = unix_ms as i128 / 1000 - ANCHOR_UNIX;
        let candidate = non_negative(42_600_000 + secs / 7) + dice.between(0, 30) as u128;
        next_after(&mut self.hacker_news, candidate)
    }

    /// A feed item number (a WordPress-style `?p=` guid).
    pub(crate) fn feed(&mut self, dice: &mut Dice) -> u128 {
        let base = if self.feed == 0 { 10_000 } else { self.feed };
        let candidate = base + dice.between(1, 60) as u128;
        next_after(&mut self.feed, candidate)
    }
}

/// Lower-case base 36 (`0-9a-z`).
pub(crate) fn base36(mut n: u128) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// The AT Protocol's base32-sortable alphabet, 13 characters at least.
fn base32_sortable(mut n: u128) -> String {
    const DIGITS: &[u8] = b"234567abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    while n > 0 || out.len() < 13 {
        out.push(DIGITS[(n & 31) as usize]);
        n >>= 5;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// A URL slug of at most eight words: `orvella-vantelo-review`.
pub(crate) fn slug(title: &str) -> String {
    let words: Vec<String> = title
        .split(|c: char| !c.is_alphanumeric())
        .map(fold)
        .filter(|w| !w.is_empty())
        .take(8)
        .collect();
    if words.is_empty() {
        "post".to_string()
    } else {
        words.join("-")
    }
}

/// Splits a Mastodon handle `user@instance`; a bare user is on mastodon.social.
pub(crate) fn mastodon_parts(handle: &str) -> (&str, &str) {
    handle
        .split_once('@')
        .unwrap_or((handle, "mastodon.social"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_increase_and_look_right() {
        let mut d = Dice::new(1, 1);
        let mut m = IdMinter::default();
        let ms = 1_767_225_600_000; // 2026-01-01
        let a: u128 = m.x(ms, &mut d).parse().unwrap();
        let b: u128 = m.x(ms, &mut d).parse().unwrap();
        assert!(b > a && a > 1_000_000_000_000_000_000);
        let r1 = m.bluesky_rkey(ms, &mut d);
        let r2 = m.bluesky_rkey(ms, &mut d);
        assert_eq!(r1.len(), 13);
        assert!(r2 > r1);
        let p = m.reddit_post(ms, &mut d);
        assert_eq!(p.len(), 7, "{p}");
        assert_eq!(m.reddit_comment(ms, &mut d).len(), 7);
        assert!(m.hacker_news(ms, &mut d) > 40_000_000);
        // Times before the epochs do not panic and still give unique ids.
        let c = m.x(-5_000_000_000_000, &mut d);
        assert!(c.parse::<u128>().unwrap() > b);
        assert_eq!(base36(0), "0");
        assert_eq!(
            slug("Orvella Vantelo review: great!"),
            "orvella-vantelo-review-great"
        );
        assert_eq!(mastodon_parts("ana@chaos.social"), ("ana", "chaos.social"));
    }
}
