//! Benchmark support for `rapport bench match`: realistic monitors generated from word lists
//! with a seeded generator, synthetic posts for when no corpus is at hand, and single-thread
//! timing loops for the compiled engine and the reference evaluator.

use crate::{Document, MatcherSet, PreparedDocument, Query};
use rapport_model::{MonitorId, Network};
use std::time::Instant;

/// A small, fast, seeded generator (SplitMix64), so generated monitors are the same on
/// every run.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// One element of a non-empty slice (the first for an empty one would be a bug; an
    /// empty slice gives `""`).
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items.get(self.below(items.len())).copied().unwrap_or("")
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const SYLLABLES: &[&str] = &[
    "lu", "mo", "ra", "bre", "vix", "zen", "ka", "tor", "ne", "qua", "sil", "fen", "dor", "pix",
    "ly", "mar", "co", "ta", "vo", "ri", "sa", "ven", "tu", "gal", "nor", "bi", "xo", "pel",
];

/// Brands that occur in the airline tweets, so some monitors match often, as real ones do.
const AIRLINES: &[&str] = &[
    "united",
    "delta",
    "jetblue",
    "southwest",
    "southwestair",
    "americanair",
    "usairways",
    "virginamerica",
    "\"virgin america\"",
    "\"american airlines\"",
];

const PRODUCTS: &[&str] = &[
    "pro", "max", "mini", "one", "plus", "go", "air", "studio", "cloud", "app", "lite", "home",
];

const CONTEXT: &[&str] = &[
    "flight",
    "delay*",
    "cancel*",
    "refund*",
    "bag*",
    "luggage",
    "seat*",
    "crew",
    "service",
    "\"customer service\"",
    "help",
    "thanks",
    "late",
    "gate",
    "hold",
    "hours",
    "weather",
    "pilot",
    "wifi",
    "upgrade",
    "miles",
    "ticket*",
    "boarding",
    "love",
    "worst",
    "best",
    "price*",
    "launch*",
    "review*",
    "broken",
    "support",
    "order*",
    "shipping",
    "coupon*",
];

const EXCLUDED: &[&str] = &[
    "job*",
    "hiring",
    "giveaway",
    "promo*",
    "spam",
    "nsfw",
    "crypto",
    "bitcoin",
    "casino",
    "\"follow back\"",
    "career*",
];

/// A pseudo-brand name from syllables (`lumora`, `brevix`...), distinct for distinct `n`.
fn brand(n: usize) -> String {
    let mut name = String::new();
    let mut k = n;
    for _ in 0..3 {
        name.push_str(SYLLABLES[k % SYLLABLES.len()]);
        k /= SYLLABLES.len();
    }
    if k > 0 {
        name.push_str(&k.to_string());
    }
    name
}

/// `count` realistic monitor queries, deterministic for a seed: brand names and their
/// hashtags and mentions, product phrases, brand near context words, `NOT` exclusions,
/// wildcards, and filters (`lang:`, `network:`, `author:`, `site:`, `title:`). Monitors
/// come in workspaces of about eight that share a brand; about 3% watch an airline, whose
/// name occurs in the airline tweets.
pub fn monitor_queries(count: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(count);
    let mut workspace = 0;
    while out.len() < count {
        workspace += 1;
        let own = if rng.chance(3) {
            rng.pick(AIRLINES).to_string()
        } else {
            brand(workspace * 7 + rng.below(7))
        };
        // A competitor: often another workspace's brand, as in real deployments.
        let rival = brand(rng.below(SYLLABLES.len().pow(3)));
        let offset = rng.below(11);
        let bare = own.trim_matches('"').replace(' ', "");
        for template in 0..8 {
            if out.len() >= count {
                break;
            }
            let ctx = rng.pick(CONTEXT);
            let ctx2 = rng.pick(CONTEXT);
            let excl = rng.pick(EXCLUDED);
            let excl2 = rng.pick(EXCLUDED);
            let product = rng.pick(PRODUCTS);
            let q = match (template + offset) % 11 {
                0 => format!("{own} OR #{bare} OR @{bare}"),
                1 => format!("\"{bare} {product}\" OR #{bare}{product}"),
                2 => format!("{own} ({ctx} OR {ctx2}) NOT {excl}"),
                3 => format!("{own} NEAR/3 {ctx}"),
                4 => format!("(#{bare} OR @{bare}) lang:en"),
                5 => format!("\"{bare} {product}\" NOT ({excl} OR {excl2})"),
                6 => format!("{own} network:x NOT author:{bare}"),
                7 => format!("site:{bare}.com OR {bare}.com"),
                8 => format!("{bare}* NOT {excl}"),
                9 => format!("title:{bare} OR ({own} AND {ctx})"),
                _ => format!("{own} OR {rival} NOT {excl}"),
            };
            out.push(q);
        }
    }
    out
}

/// [`monitor_queries`], parsed, with ids 1, 2, 3... Every generated query is valid.
pub fn monitors(count: usize, seed: u64) -> Vec<(MonitorId, Query)> {
    monitor_queries(count, seed)
        .iter()
        .filter_map(|q| Query::parse(q).ok())
        .enumerate()
        .map(|(i, q)| (MonitorId(i as i64 + 1), q))
        .collect()
}

/// One post of the benchmark: a text and its author's handle (in English, on X).
#[derive(Debug, Clone)]
pub struct BenchPost {
    /// The text.
    pub text: String,
    /// The author's handle.
    pub author: String,
}

impl BenchPost {
    /// Its matching view.
    pub fn document(&self) -> Document<'_> {
        Document::new(&self.text)
            .with_author(&self.author)
            .with_lang("en")
            .with_network(Network::X)
    }
}

/// `count` synthetic tweets about airlines and brands, for when the corpus is missing.
pub fn synthetic_posts(count: usize, seed: u64) -> Vec<BenchPost> {
    const OPENERS: &[&str] = &[
        "@united",
        "@JetBlue",
        "@SouthwestAir",
        "@AmericanAir",
        "@USAirways",
        "@VirginAmerica",
        "Wow",
        "Ugh",
        "Thanks",
    ];
    const WORDS: &[&str] = &[
        "my",
        "flight",
        "was",
        "delayed",
        "again",
        "and",
        "the",
        "crew",
        "is",
        "great",
        "lost",
        "bag",
        "refund",
        "please",
        "Cancelled",
        "Flightled",
        "hours",
        "on",
        "hold",
        "customer",
        "service",
        "seat",
        "upgrade",
        "thank",
        "you",
        "worst",
        "airline",
        "ever",
        "#fail",
        "love",
        "it",
        "http://t.co/xYz12",
        "😡",
        "!",
        "✈️",
        "café",
        "lumora",
    ];
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|_| {
            let mut text = rng.pick(OPENERS).to_string();
            for _ in 0..8 + rng.below(14) {
                text.push(' ');
                text.push_str(rng.pick(WORDS));
            }
            BenchPost {
                text,
                author: format!("user{}", rng.below(5000)),
            }
        })
        .collect()
}

/// What a timing loop measured.
#[derive(Debug, Clone, Copy)]
pub struct Throughput {
    /// Posts matched.
    pub posts: usize,
    /// Wall-clock seconds taken.
    pub seconds: f64,
    /// Seconds this thread spent on a CPU meanwhile (Linux), if known: unlike wall-clock
    /// time, not inflated when other processes share the cores.
    pub cpu_seconds: Option<f64>,
    /// Monitor matches found, in all.
    pub matches: usize,
}

impl Throughput {
    /// Posts per wall-clock second.
    pub fn per_second(&self) -> f64 {
        self.posts as f64 / self.seconds.max(1e-9)
    }

    /// Posts per second of this thread's CPU time (one core), falling back to wall-clock.
    pub fn per_cpu_second(&self) -> f64 {
        self.posts as f64 / self.cpu_seconds.unwrap_or(self.seconds).max(1e-9)
    }
}

/// This thread's CPU time so far in seconds (Linux `/proc/thread-self/schedstat`).
pub fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(nanos as f64 / 1e9)
}

/// Times `work`, in wall-clock and thread CPU seconds.
fn timed(work: impl FnOnce() -> usize) -> (usize, f64, Option<f64>) {
    let cpu_before = thread_cpu_seconds();
    let started = Instant::now();
    let result = work();
    let seconds = started.elapsed().as_secs_f64();
    let cpu = match (cpu_before, thread_cpu_seconds()) {
        (Some(a), Some(b)) if b > a => Some(b - a),
        _ => None,
    };
    (result, seconds, cpu)
}

/// Matches `total` posts, cycling through `posts`, with the compiled engine on this thread.
pub fn time_compiled(set: &MatcherSet, posts: &[BenchPost], total: usize) -> Throughput {
    let mut scratch = crate::Scratch::new();
    let mut out = Vec::new();
    let total = if posts.is_empty() { 0 } else { total };
    let (matches, seconds, cpu_seconds) = timed(|| {
        let mut matches = 0;
        for post in posts.iter().cycle().take(total) {
            set.matches_with(&post.document(), &mut scratch, &mut out);
            matches += out.len();
        }
        matches
    });
    Throughput {
        posts: total,
        seconds,
        cpu_seconds,
        matches,
    }
}

/// Matches `total` posts, cycling through `posts`, with the reference evaluator: each post
/// is tokenized once, then every monitor is evaluated on it, one after the other.
pub fn time_naive(
    monitors: &[(MonitorId, Query)],
    posts: &[BenchPost],
    total: usize,
) -> Throughput {
    let mut prepared = PreparedDocument::new();
    let total = if posts.is_empty() { 0 } else { total };
    let (matches, seconds, cpu_seconds) = timed(|| {
        let mut matches = 0;
        for post in posts.iter().cycle().take(total) {
            prepared.prepare(&post.document());
            matches += monitors
                .iter()
                .filter(|(_, q)| q.matches_prepared(&prepared))
                .count();
        }
        matches
    });
    Throughput {
        posts: total,
        seconds,
        cpu_seconds,
        matches,
    }
}

/// The first post (index) of `posts[..limit]` on which the compiled engine and the
/// reference evaluator disagree, if any.
pub fn first_disagreement(
    set: &MatcherSet,
    monitors: &[(MonitorId, Query)],
    posts: &[BenchPost],
    limit: usize,
) -> Option<usize> {
    let mut prepared = PreparedDocument::new();
    posts.iter().take(limit).position(|post| {
        let doc = post.document();
        prepared.prepare(&doc);
        let mut naive: Vec<MonitorId> = monitors
            .iter()
            .filter(|(_, q)| q.matches_prepared(&prepared))
            .map(|(id, _)| *id)
            .collect();
        naive.sort_unstable();
        naive.dedup();
        set.matches(&doc) != naive
    })
}

/// This process's resident memory in bytes (Linux `/proc/self/status`), if readable.
pub fn resident_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_monitors_are_valid_deterministic_and_agree() {
        let queries = monitor_queries(500, 7);
        assert_eq!(queries, monitor_queries(500, 7));
        for q in &queries {
            assert!(Query::parse(q).is_ok(), "{q}: {:?}", Query::parse(q).err());
        }
        let monitors = monitors(500, 7);
        assert_eq!(monitors.len(), 500);
        let set = MatcherSet::compile(monitors.iter().map(|(id, q)| (*id, q)));
        let posts = synthetic_posts(300, 1);
        assert_eq!(first_disagreement(&set, &monitors, &posts, 300), None);
        let t = time_compiled(&set, &posts, 600);
        assert_eq!(t.posts, 600);
        assert!(t.matches > 0);
        assert_eq!(time_naive(&monitors, &posts, 600).matches, t.matches);
        assert_eq!(time_compiled(&set, &[], 10).posts, 0);
    }
}
