//! The simulator: turns arrivals into posts, keeps conversations, copies and reposts
//! consistent, and emits them in time order.

use crate::authors::{AuthorPool, Persona, SimAuthor, PEOPLE_NETWORKS};
use crate::config::{SimConfig, SimError};
use crate::dice::{Dice, Weighted};
use crate::engagement::{engagement, Role};
use crate::ids::{self, IdMinter};
use crate::lang::Lang;
use crate::names;
use crate::rhythm::{incident_shape, Arrivals, Rhythm};
use crate::style;
use crate::templates::{self, lexicon, Ctx, Lexicon, F, T};
use crate::truth::{Intent, Sentiment, SimPost, Truth};
use crate::world::{Brand, Product, World};
use rapport_model::{Network, Post, Timestamp};
use std::collections::VecDeque;

mod choose;
mod drafts;
mod publish;

/// How many recent posts per network can be replied to, reposted or copied.
const HISTORY: usize = 256;

/// Share of each kind of post in the base stream.
const KINDS: [(Kind, f64); 9] = [
    (Kind::Original, 0.53),
    (Kind::Reply, 0.22),
    (Kind::Repost, 0.07),
    (Kind::NearDuplicate, 0.025),
    (Kind::Spam, 0.045),
    (Kind::Noise, 0.07),
    (Kind::Feed, 0.02),
    (Kind::HackerNews, 0.01),
    (Kind::BrandPost, 0.01),
];

/// Why people write original posts (campaign posts are about the brand).
const INTENTS: [(Why, f64); 6] = [
    (Why::Complaint, 0.20),
    (Why::Question, 0.17),
    (Why::Praise, 0.27),
    (Why::Purchase, 0.14),
    (Why::Other, 0.16),
    (Why::Campaign, 0.06),
];

/// What original posts are about: the brand itself, its products, a competitor itself,
/// a competitor's products.
const SUBJECTS: [f64; 4] = [0.22, 0.48, 0.10, 0.20];

/// Where replies happen (same order as [`PEOPLE_NETWORKS`]).
const REPLY_NETWORKS: [f64; 5] = [0.34, 0.22, 0.18, 0.23, 0.03];
/// Where reposts happen (X, Bluesky, Mastodon).
const REPOST_NETWORKS: [f64; 5] = [0.5, 0.25, 0.25, 0.0, 0.0];
/// Where copypasta happens.
const COPY_NETWORKS: [f64; 5] = [0.45, 0.2, 0.15, 0.2, 0.0];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Original,
    Reply,
    Repost,
    NearDuplicate,
    Spam,
    Noise,
    Feed,
    HackerNews,
    BrandPost,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Why {
    Complaint,
    Question,
    Praise,
    Purchase,
    Other,
    Campaign,
}

/// What a post is about: a maker (0 = the brand, `i` = competitor `i - 1`) and maybe one
/// of its products.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Subject {
    maker: usize,
    product: Option<usize>,
}

/// A recent post that others can reply to, repost or copy.
#[derive(Debug, Clone)]
struct Entry {
    meta: Meta,
    native_id: String,
    /// The conversation's root (its own id for a root).
    root: String,
    text: String,
    /// Reddit: the subreddit and the submission's base-36 id.
    reddit: Option<(&'static str, String)>,
}

/// The cheap-to-copy part of an [`Entry`].
#[derive(Debug, Clone, Copy)]
struct Meta {
    author: usize,
    lang: Lang,
    intent: Intent,
    sentiment: Sentiment,
    subject: Option<Subject>,
    incident: bool,
    spam: bool,
    depth: u8,
}

/// A post before it gets its id, URL, time and engagement.
struct Draft {
    network: Network,
    author: usize,
    lang: Lang,
    text: String,
    title: Option<String>,
    truth: Truth,
    subject: Option<Subject>,
    role: Role,
    /// Apply the author's writing style (not for copies, feeds, Hacker News, brands).
    styled: bool,
    parent: Option<Parent>,
    /// Reddit submissions: the subreddit.
    subreddit: Option<&'static str>,
    /// Keep it for replies and copies.
    remember: bool,
}

struct Parent {
    native_id: String,
    root: String,
    depth: u8,
    reddit: Option<(&'static str, String)>,
}

struct IncidentRun {
    arrivals: Arrivals,
    next: Option<f64>,
    subject: Subject,
    /// Window of the incident in seconds from the simulation's start (may reach outside).
    from: f64,
    len: f64,
    /// Extra complaints per second at the peak, before the rhythm.
    peak_rate: f64,
    topic: String,
}

/// A seeded, reproducible stream of simulated posts with their ground truth.
///
/// Posts come in non-decreasing `created_at` order (millisecond precision), all within
/// `[config.start, config.start + config.duration)`; the iterator then ends (and stays
/// ended). The same [`SimConfig`] always gives exactly the same stream.
///
/// - Volume is a non-homogeneous Poisson process averaging `posts_per_day`, shaped by a
///   UTC daily rhythm (quiet nights, busy afternoons), quieter weekends and a seeded
///   per-day factor; incidents add complaints on top.
/// - Native ids are unique per network and increase with time. Reposts and copies get
///   their own ids and point to the original through [`crate::Truth::repost_of`] and
///   [`crate::Truth::near_duplicate_of`].
/// - Replies set `reply_to` to an earlier post on the same network and `conversation_id`
///   to that conversation's root; posts that start a conversation have neither.
/// - Memory is bounded (a few hundred recent posts per network), whatever the duration.
pub struct Simulator {
    config: SimConfig,
    pool: AuthorPool,
    rhythm: Rhythm,
    dice: Dice,
    ids: IdMinter,
    base: Arrivals,
    base_next: Option<f64>,
    /// Posts per second, before the rhythm.
    base_rate: f64,
    incidents: Vec<IncidentRun>,
    history: Vec<VecDeque<Entry>>,
    kinds: Weighted,
    intents: Weighted,
    subjects: Weighted,
    competitors: Weighted,
    /// Per maker, its products by popularity.
    products: Vec<Weighted>,
    /// Per maker and product, rival products (same category first).
    rivals: Vec<Vec<Vec<(usize, usize)>>>,
    duration_ms: i64,
    emitted: u64,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("seed", &self.config.seed)
            .field("start", &self.config.start)
            .field("duration", &self.config.duration)
            .field("emitted", &self.emitted)
            .finish_non_exhaustive()
    }
}

fn maker_of(world: &World, maker: usize) -> &Brand {
    if maker == 0 {
        &world.brand
    } else {
        world.competitors.get(maker - 1).unwrap_or(&world.brand)
    }
}

fn product_of(world: &World, maker: usize, product: usize) -> Option<&Product> {
    maker_of(world, maker).products.get(product)
}

/// The name analytics know the subject by: a product of the brand by its own name,
/// the brand and competitors (and competitors' products) by the maker's name.
fn subject_name(world: &World, subject: Subject) -> String {
    match (subject.maker, subject.product) {
        (0, Some(p)) => product_of(world, 0, p)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| world.brand.name.clone()),
        (m, _) => maker_of(world, m).name.clone(),
    }
}

fn slot_of(network: Network) -> usize {
    PEOPLE_NETWORKS
        .iter()
        .position(|&n| n == network)
        .unwrap_or(0)
}

impl Simulator {
    /// A simulator for `config`, or why the config cannot be simulated (see
    /// [`SimConfig::validate`]: a negative or non-finite rate, an empty window, a broken
    /// incident). A rate of 0 is valid and yields an empty stream.
    pub fn new(config: SimConfig) -> Result<Simulator, SimError> {
        config.validate()?;
        let seed = config.seed;
        let world = &config.world;
        let pool = AuthorPool::new(&mut Dice::new(seed, 1), config.authors, &world.brand);
        let start_unix = config.start.timestamp() as f64
            + f64::from(config.start.timestamp_subsec_nanos()) / 1e9;
        let rhythm = Rhythm::new(seed, start_unix);
        let duration_ms = config.duration.num_milliseconds().max(0);
        let window = duration_ms as f64 / 1000.0;
        let base_rate = config.posts_per_day / 86_400.0;
        let mut base = Arrivals::new(
            Dice::new(seed, 2),
            0.0,
            window,
            base_rate * rhythm.max_factor(),
        );
        let base_next = {
            let rhythm = &rhythm;
            base.next(|t| base_rate * rhythm.factor(t))
        };

        let makers: Vec<&Brand> = world.makers().collect();
        let products: Vec<Weighted> = makers
            .iter()
            .map(|m| Weighted::new(m.products.iter().map(|p| p.popularity)))
            .collect();
        let competitors = Weighted::new(world.competitors.iter().map(|c| {
            (c.followers as f64 + 1_000.0).sqrt() * if c.products.is_empty() { 0.5 } else { 1.0 }
        }));
        let has_products = |m: usize| products[m].total() > 0.0;
        let any_competitor_products = (1..makers.len()).any(has_products);
        let subjects = Weighted::new([
            SUBJECTS[0],
            if has_products(0) { SUBJECTS[1] } else { 0.0 },
            if makers.len() > 1 { SUBJECTS[2] } else { 0.0 },
            if any_competitor_products {
                SUBJECTS[3]
            } else {
                0.0
            },
        ]);
        let rivals = makers
            .iter()
            .enumerate()
            .map(|(m, maker)| {
                maker
                    .products
                    .iter()
                    .map(|p| rivals_of(&makers, m, p))
                    .collect()
            })
            .collect();

        let mut sim = Simulator {
            pool,
            rhythm,
            dice: Dice::new(seed, 3),
            ids: IdMinter::default(),
            base,
            base_next,
            base_rate,
            incidents: Vec::new(),
            history: vec![VecDeque::with_capacity(HISTORY); PEOPLE_NETWORKS.len()],
            kinds: Weighted::new(KINDS.map(|(_, w)| w)),
            intents: Weighted::new(INTENTS.map(|(_, w)| w)),
            subjects,
            competitors,
            products,
            rivals,
            duration_ms,
            emitted: 0,
            config,
        };
        sim.schedule_incidents(window);
        Ok(sim)
    }

    /// The configuration being simulated.
    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// The world being simulated.
    pub fn world(&self) -> &World {
        &self.config.world
    }

    /// How many posts have been emitted so far.
    pub fn emitted(&self) -> u64 {
        self.emitted
    }

    fn schedule_incidents(&mut self, window: f64) {
        let seed = self.config.seed;
        for (k, incident) in self.config.incidents.iter().enumerate() {
            let Some((maker, product)) = self.config.find_product(&incident.product) else {
                continue;
            };
            let subject = Subject {
                maker,
                product: Some(product),
            };
            let from = incident
                .start
                .signed_duration_since(self.config.start)
                .num_milliseconds() as f64
                / 1000.0;
            let len = incident.duration.num_milliseconds() as f64 / 1000.0;
            let peak_rate = self.base_rate
                * self.complaint_share(subject)
                * (incident.intensity - 1.0).max(0.0);
            let lo = from.max(0.0);
            let hi = (from + len).min(window);
            let mut arrivals = Arrivals::new(
                Dice::new(seed, 100 + k as u64),
                lo,
                hi,
                peak_rate * self.rhythm.max_factor(),
            );
            let rhythm = &self.rhythm;
            let next =
                arrivals.next(|t| peak_rate * rhythm.factor(t) * incident_shape((t - from) / len));
            self.incidents.push(IncidentRun {
                arrivals,
                next,
                subject,
                from,
                len,
                peak_rate,
                topic: incident.topic.clone(),
            });
        }
    }

    /// The share of all base posts that are original complaints about `subject`'s product.
    fn complaint_share(&self, subject: Subject) -> f64 {
        let kind_total: f64 = KINDS.iter().map(|(_, w)| w).sum();
        let original = KINDS[0].1 / kind_total;
        let intent_total: f64 = INTENTS.iter().map(|(_, w)| w).sum();
        let complaint = INTENTS[0].1 / intent_total;
        let subjects = self.subjects.total().max(f64::MIN_POSITIVE);
        let Some(product) = subject.product else {
            return 0.0;
        };
        let products = &self.products[subject.maker];
        let popularity = product_of(&self.config.world, subject.maker, product)
            .map_or(0.0, |p| p.popularity.max(0.0))
            / products.total().max(f64::MIN_POSITIVE);
        let (kind_weight, maker_share) = if subject.maker == 0 {
            (SUBJECTS[1], 1.0)
        } else {
            // Competitor products: the competitor's share among competitors with products.
            let weights: Vec<f64> = self
                .config
                .world
                .competitors
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if self.products[i + 1].total() > 0.0 {
                        (c.followers as f64 + 1_000.0).sqrt()
                    } else {
                        0.0
                    }
                })
                .collect();
            let total: f64 = weights.iter().sum();
            (
                SUBJECTS[3],
                weights.get(subject.maker - 1).copied().unwrap_or(0.0)
                    / total.max(f64::MIN_POSITIVE),
            )
        };
        original * complaint * kind_weight / subjects * maker_share * popularity
    }
}

impl Iterator for Simulator {
    type Item = SimPost;

    fn next(&mut self) -> Option<SimPost> {
        let mut best: Option<(f64, Option<usize>)> = self.base_next.map(|t| (t, None));
        for (i, run) in self.incidents.iter().enumerate() {
            if let Some(t) = run.next {
                if best.is_none_or(|(b, _)| t < b) {
                    best = Some((t, Some(i)));
                }
            }
        }
        let (t, source) = best?;
        match source {
            None => {
                let rate = self.base_rate;
                let rhythm = &self.rhythm;
                self.base_next = self.base.next(|x| rate * rhythm.factor(x));
                Some(self.base_post(t))
            }
            Some(i) => {
                let rhythm = &self.rhythm;
                let run = &mut self.incidents[i];
                let (from, len, peak) = (run.from, run.len, run.peak_rate);
                run.next = run
                    .arrivals
                    .next(|x| peak * rhythm.factor(x) * incident_shape((x - from) / len));
                Some(self.incident_post(i, t))
            }
        }
    }
}

impl std::iter::FusedIterator for Simulator {}

/// Used only if a template list is empty (tests make sure none is).
const FALLBACK: T = T(Intent::Other, Sentiment::Neutral, "{thing}");

/// Whether a template names a product (as opposed to only the maker).
fn mentions_product(template: &str) -> bool {
    templates::has_slot(template, &["thing", "product", "tag"])
}

/// How to address an author in a post on `network`.
fn mention(author: &SimAuthor, network: Network) -> String {
    match network {
        Network::X | Network::Bluesky | Network::Mastodon => format!("@{}", author.author.handle),
        Network::Reddit => format!("u/{}", author.author.handle),
        _ => author.author.handle.clone(),
    }
}

/// Products of other makers in the same category, else any other maker's products, else
/// the maker's other products.
fn rivals_of(makers: &[&Brand], maker: usize, product: &Product) -> Vec<(usize, usize)> {
    let others = |same_category: bool| -> Vec<(usize, usize)> {
        makers
            .iter()
            .enumerate()
            .filter(|&(m, _)| m != maker)
            .flat_map(|(m, b)| {
                b.products
                    .iter()
                    .enumerate()
                    .filter(move |(_, p)| !same_category || p.category.en == product.category.en)
                    .map(move |(i, _)| (m, i))
            })
            .collect()
    };
    let same = others(true);
    if !same.is_empty() {
        return same;
    }
    let any = others(false);
    if !any.is_empty() {
        return any;
    }
    makers
        .get(maker)
        .map(|b| {
            b.products
                .iter()
                .enumerate()
                .filter(|(_, p)| p.name != product.name)
                .map(|(i, _)| (maker, i))
                .collect()
        })
        .unwrap_or_default()
}
