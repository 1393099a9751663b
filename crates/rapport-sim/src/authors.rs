//! The people (and bots) who post: a seeded pool with home networks, languages, personas,
//! writing styles and a long-tailed follower distribution.

use crate::dice::{Dice, Weighted};
use crate::lang::Lang;
use crate::names::{self, fold};
use crate::world::Brand;
use rapport_model::{Author, Network};
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

/// How an author relates to the brand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Persona {
    /// Posts now and then, about anything.
    Regular,
    /// A fan: posts often, mostly praise.
    Advocate,
    /// A critic: posts often, mostly complaints.
    Detractor,
    /// A reviewer or creator with a large audience.
    Influencer,
    /// A junk account.
    Spammer,
    /// The brand's own account.
    Brand,
    /// A blog or news site (feeds).
    Publication,
}

/// How an author writes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    /// Chance of adding emoji to a post.
    pub(crate) emoji: f64,
    /// Chance of appending a hashtag.
    pub(crate) hashtags: f64,
    /// Writes everything in lower case.
    pub(crate) lowercase: bool,
    /// Chance of shouting (ALL CAPS) when angry.
    pub(crate) caps: f64,
}

/// One simulated account.
#[derive(Debug, Clone)]
pub(crate) struct SimAuthor {
    pub(crate) network: Network,
    pub(crate) lang: Lang,
    pub(crate) persona: Persona,
    /// Relative posting frequency.
    pub(crate) activity: f64,
    /// Handle, display name and followers, as written to posts.
    pub(crate) author: Author,
    /// Bluesky DID (`did:plc:...`).
    pub(crate) did: Option<String>,
    pub(crate) style: Style,
}

impl SimAuthor {
    /// Followers, or 0 where the network does not say.
    pub(crate) fn followers(&self) -> u64 {
        self.author.followers.unwrap_or(0)
    }
}

/// A weighted group of authors (indices into the pool).
#[derive(Debug, Clone, Default)]
pub(crate) struct Group {
    members: Vec<usize>,
    weights: Weighted,
}

impl Group {
    fn new(members: Vec<usize>, authors: &[SimAuthor]) -> Self {
        let weights = Weighted::new(members.iter().map(|&i| authors[i].activity));
        Group { members, weights }
    }

    /// An author index, weighted by activity; `None` for an empty group.
    pub(crate) fn pick(&self, dice: &mut Dice) -> Option<usize> {
        self.weights
            .sample(dice)
            .and_then(|i| self.members.get(i).copied())
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
}

/// Networks with a pool of people, in the order of [`NETWORK_SHARE`].
pub(crate) const PEOPLE_NETWORKS: [Network; 5] = [
    Network::X,
    Network::Bluesky,
    Network::Mastodon,
    Network::Reddit,
    Network::HackerNews,
];
const NETWORK_SHARE: [f64; 5] = [0.33, 0.21, 0.18, 0.25, 0.03];

/// Language mix per network (en, es, fr, de, pt).
fn language_mix(network: Network) -> [f64; 5] {
    match network {
        Network::X => [0.66, 0.13, 0.06, 0.05, 0.10],
        Network::Bluesky => [0.70, 0.06, 0.05, 0.05, 0.14],
        Network::Mastodon => [0.60, 0.05, 0.12, 0.20, 0.03],
        Network::Reddit => [0.92, 0.02, 0.02, 0.03, 0.01],
        _ => [1.0, 0.0, 0.0, 0.0, 0.0],
    }
}

fn network_slot(network: Network) -> usize {
    PEOPLE_NETWORKS
        .iter()
        .position(|&n| n == network)
        .unwrap_or(0)
}

/// Everyone who can post in a simulation.
pub(crate) struct AuthorPool {
    pub(crate) authors: Vec<SimAuthor>,
    /// People on X, Bluesky, Mastodon and Reddit (not spammers).
    pub(crate) general: Group,
    pub(crate) advocates: Group,
    pub(crate) detractors: Group,
    pub(crate) spammers: Group,
    /// Spammers by network slot.
    spammers_by_network: Vec<Group>,
    /// Non-spammers by network slot.
    by_network: Vec<Group>,
    /// Non-spammers by network slot and language.
    by_network_lang: Vec<Group>,
    /// Blogs and news sites (indices into `authors`).
    pub(crate) publications: Group,
    /// The brand's accounts by network slot (indices into `authors`).
    brand_accounts: Vec<Option<usize>>,
}

impl AuthorPool {
    /// A pool of `size` people plus publications and the brand's accounts.
    pub(crate) fn new(dice: &mut Dice, size: usize, brand: &Brand) -> Self {
        let mut taken = Taken::with_capacity(size + size / 4);
        let mut authors = Vec::with_capacity(size + names::BLOGS.len() + 4);
        for i in 0..size {
            let network = PEOPLE_NETWORKS[dice.index(&NETWORK_SHARE).unwrap_or(0)];
            authors.push(person(dice, i, network, &mut taken));
        }
        for &(name, host, lang) in names::BLOGS {
            authors.push(SimAuthor {
                network: Network::Feed,
                lang,
                persona: Persona::Publication,
                activity: dice.log_normal(0.0, 0.6),
                author: Author {
                    handle: host.to_string(),
                    display_name: Some(name.to_string()),
                    followers: None,
                },
                did: None,
                style: Style {
                    emoji: 0.0,
                    hashtags: 0.0,
                    lowercase: false,
                    caps: 0.0,
                },
            });
        }
        let mut brand_accounts = vec![None; PEOPLE_NETWORKS.len()];
        for (slot, &network) in PEOPLE_NETWORKS.iter().enumerate() {
            let Some(handle) = brand.handle_on(network) else {
                continue;
            };
            let followers = match network {
                Network::X => Some(brand.followers),
                Network::Bluesky => Some(brand.followers / 3),
                Network::Mastodon => Some(brand.followers / 7),
                _ => None,
            };
            brand_accounts[slot] = Some(authors.len());
            authors.push(SimAuthor {
                network,
                lang: Lang::En,
                persona: Persona::Brand,
                activity: 1.0,
                author: Author {
                    handle,
                    display_name: Some(brand.name.clone()),
                    followers,
                },
                did: (network == Network::Bluesky).then(|| did(dice)),
                style: Style {
                    emoji: 0.5,
                    hashtags: 0.3,
                    lowercase: false,
                    caps: 0.0,
                },
            });
        }

        // One pass sorts everyone into the groups the simulator draws from.
        let networks = PEOPLE_NETWORKS.len();
        let languages = Lang::ALL.len();
        let mut general = Vec::new();
        let (mut advocates, mut detractors, mut spammers, mut publications) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut by_network = vec![Vec::new(); networks];
        let mut spammers_by_network = vec![Vec::new(); networks];
        let mut by_network_lang = vec![Vec::new(); networks * languages];
        for (i, a) in authors.iter().enumerate() {
            let slot = PEOPLE_NETWORKS.iter().position(|&n| n == a.network);
            let talkative = a.network != Network::HackerNews;
            match a.persona {
                Persona::Brand => continue,
                Persona::Publication => {
                    publications.push(i);
                    continue;
                }
                Persona::Spammer => {
                    spammers.push(i);
                    if let Some(slot) = slot {
                        spammers_by_network[slot].push(i);
                    }
                    continue;
                }
                Persona::Advocate if talkative => advocates.push(i),
                Persona::Detractor if talkative => detractors.push(i),
                _ => {}
            }
            if talkative {
                general.push(i);
            }
            if let Some(slot) = slot {
                by_network[slot].push(i);
                by_network_lang[slot * languages + a.lang.index()].push(i);
            }
        }
        let group = |members: Vec<usize>| Group::new(members, &authors);
        let general = group(general);
        let advocates = group(advocates);
        let detractors = group(detractors);
        let spammers = group(spammers);
        let publications = group(publications);
        let by_network = by_network.into_iter().map(group).collect();
        let spammers_by_network = spammers_by_network.into_iter().map(group).collect();
        let by_network_lang = by_network_lang.into_iter().map(group).collect();
        AuthorPool {
            authors,
            general,
            advocates,
            detractors,
            spammers,
            spammers_by_network,
            by_network,
            by_network_lang,
            publications,
            brand_accounts,
        }
    }

    /// A person on `network` writing `lang`, else any person on `network`.
    pub(crate) fn on(&self, dice: &mut Dice, network: Network, lang: Lang) -> Option<usize> {
        let slot = network_slot(network);
        self.by_network_lang
            .get(slot * Lang::ALL.len() + lang.index())
            .and_then(|g| g.pick(dice))
            .or_else(|| self.by_network.get(slot).and_then(|g| g.pick(dice)))
    }

    /// A spammer on `network`.
    pub(crate) fn spammer_on(&self, dice: &mut Dice, network: Network) -> Option<usize> {
        self.spammers_by_network
            .get(network_slot(network))
            .and_then(|g| g.pick(dice))
    }

    /// The brand's account on `network`, if it has one.
    pub(crate) fn brand_on(&self, network: Network) -> Option<usize> {
        if !PEOPLE_NETWORKS.contains(&network) {
            return None;
        }
        self.brand_accounts
            .get(network_slot(network))
            .copied()
            .flatten()
    }
}

fn person(dice: &mut Dice, index: usize, network: Network, taken: &mut Taken) -> SimAuthor {
    let lang = Lang::ALL[dice.index(&language_mix(network)).unwrap_or(0)];
    let social = matches!(network, Network::X | Network::Bluesky | Network::Mastodon);
    let roll = dice.unit();
    let persona = if social && roll < 0.04 {
        Persona::Spammer
    } else if roll < 0.08 {
        Persona::Advocate
    } else if roll < 0.115 {
        Persona::Detractor
    } else if social && roll < 0.13 {
        Persona::Influencer
    } else {
        Persona::Regular
    };
    let activity = match persona {
        Persona::Advocate | Persona::Detractor => 4.0 * dice.log_normal(0.0, 0.5),
        Persona::Influencer => 2.0 * dice.log_normal(0.0, 0.4),
        _ => dice.log_normal(-0.4, 0.9),
    };
    let followers = social.then(|| followers(dice, network, persona));
    let first = dice.word(names::first_names(lang));
    let last = dice.word(names::last_names(lang));
    let (handle, display_name) = if persona == Persona::Spammer {
        spam_identity(dice, network, lang)
    } else {
        identity(dice, network, lang, first, last)
    };
    let handle = unique(taken, network, handle, index);
    let lowercase_share = match network {
        Network::X | Network::Bluesky => 0.25,
        Network::Mastodon => 0.15,
        _ => 0.08,
    };
    let style = Style {
        emoji: match persona {
            Persona::Advocate | Persona::Spammer => 0.6,
            _ if network == Network::HackerNews => 0.0,
            _ if network == Network::Reddit => 0.06,
            _ => dice.unit().powi(2) * 0.7,
        },
        hashtags: match network {
            Network::Mastodon => 0.15 + dice.unit().powi(2) * 0.5,
            Network::X | Network::Bluesky => dice.unit().powi(3) * 0.5,
            _ => 0.0,
        },
        lowercase: dice.chance(lowercase_share),
        caps: match persona {
            Persona::Detractor => 0.22,
            _ => 0.05,
        },
    };
    SimAuthor {
        network,
        lang,
        persona,
        activity,
        author: Author {
            handle,
            display_name: (network != Network::HackerNews).then_some(display_name),
            followers,
        },
        did: (network == Network::Bluesky).then(|| did(dice)),
        style,
    }
}

/// Log-normal for most people, Pareto for influencers: a long tail with a few 100k+ accounts.
fn followers(dice: &mut Dice, network: Network, persona: Persona) -> u64 {
    let median: f64 = match network {
        Network::X => 180.0,
        Network::Bluesky => 140.0,
        _ => 90.0,
    };
    let x = match persona {
        Persona::Influencer => {
            // Pareto(scale 15k, alpha 1.05): about one in seven passes 100k.
            let u = 1.0 - dice.unit();
            15_000.0 / u.powf(1.0 / 1.05)
        }
        Persona::Spammer if dice.chance(0.1) => dice.log_normal(4_000f64.ln(), 0.8),
        Persona::Spammer => dice.log_normal(25f64.ln(), 1.2),
        Persona::Advocate | Persona::Detractor => dice.log_normal((median * 2.0).ln(), 1.4),
        _ => dice.log_normal(median.ln(), 1.5),
    };
    x.clamp(0.0, 5_000_000.0) as u64
}

fn identity(
    dice: &mut Dice,
    network: Network,
    lang: Lang,
    first: &str,
    last: &str,
) -> (String, String) {
    let f = fold(first);
    let l = fold(last);
    let word = dice.word(names::HANDLE_WORDS);
    let nn = dice.between(1, 99);
    let year = dice.between(70, 99);
    let base = match network {
        Network::Reddit if dice.chance(0.45) => {
            let adj = dice.word(names::REDDIT_ADJECTIVES);
            let noun = dice.word(names::REDDIT_NOUNS);
            format!("{adj}-{noun}-{}", dice.between(1000, 9999))
        }
        Network::Reddit => match dice.below(4) {
            0 => format!("{f}_{word}"),
            1 => format!("{}{}", capitalise(word), capitalise(&l)),
            2 => format!("throwaway_{}", dice.between(1000, 99999)),
            _ => format!("{f}{l}{nn}"),
        },
        Network::HackerNews => match dice.below(4) {
            0 => format!("{f}{}", l.chars().next().unwrap_or('x')),
            1 => format!("{word}{nn}"),
            2 => format!("{}{l}", f.chars().next().unwrap_or('x')),
            _ => format!("throwaway{}", dice.between(1000, 9999)),
        },
        _ => match dice.below(7) {
            0 => format!("{f}{l}"),
            1 => format!("{f}_{l}"),
            2 => format!("{f}{nn}"),
            3 => format!("{word}{f}"),
            4 => format!("{f}.{word}"),
            5 => format!("the{word}{f}"),
            _ => format!("{f}{l}{year}"),
        },
    };
    let handle = match network {
        Network::X => {
            let h: String = base
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .take(15)
                .collect();
            h
        }
        Network::Mastodon => {
            let user: String = base
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            format!("{user}@{}", dice.word(names::instances(lang)))
        }
        Network::Bluesky => {
            let user: String = base
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .take(18)
                .collect();
            format!("{}.bsky.social", user.trim_matches('-'))
        }
        _ => base,
    };
    let display = match dice.below(9) {
        0 => first.to_string(),
        1 => format!("{first} ☕"),
        2 => format!("{} {}", first, last.chars().next().unwrap_or('X')),
        3 => format!("{first} {last} ✨"),
        4 if lang == Lang::En => format!("{first} {last} (they/them)"),
        _ => format!("{first} {last}"),
    };
    (handle, display)
}

fn spam_identity(dice: &mut Dice, network: Network, lang: Lang) -> (String, String) {
    let word = dice.word(names::SPAM_WORDS);
    let suffix = dice.word(names::SPAM_SUFFIXES);
    let digits = dice.between(100, 99_999);
    let base = match dice.below(3) {
        0 => format!("{word}_{suffix}{digits}"),
        1 => format!("{word}{suffix}{digits}"),
        _ => format!("{suffix}{word}{digits}"),
    };
    let handle = match network {
        Network::Mastodon => format!("{base}@{}", dice.word(names::instances(lang))),
        Network::Bluesky => format!("{}.bsky.social", base.replace('_', "-")),
        _ => base.chars().take(15).collect(),
    };
    (handle, dice.word(names::SPAM_DISPLAY).to_string())
}

/// Makes a handle unique on its network by adding digits (before a Mastodon instance or a
/// Bluesky domain), falling back to the pool index, which is unique.
/// Handles already given, by a 64-bit hash of network and handle. A hash collision only
/// makes a handle look taken (and get a suffix); equal handles always collide, so handles
/// stay unique without storing them.
#[derive(Default)]
struct Taken(HashSet<u64, BuildHasherDefault<Prehashed>>);

/// A hasher for keys that are already hashes.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

impl Taken {
    fn with_capacity(n: usize) -> Self {
        Taken(HashSet::with_capacity_and_hasher(
            n,
            BuildHasherDefault::default(),
        ))
    }

    /// Marks a handle as taken; false if it (or its hash) already was.
    fn insert(&mut self, network: Network, handle: &str) -> bool {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in network.as_str().bytes().chain([0]).chain(handle.bytes()) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0.insert(h)
    }
}

fn unique(taken: &mut Taken, network: Network, handle: String, index: usize) -> String {
    let with_suffix = |suffix: &str| -> String {
        match network {
            Network::Mastodon => match handle.split_once('@') {
                Some((user, host)) => format!("{user}{suffix}@{host}"),
                None => format!("{handle}{suffix}"),
            },
            Network::Bluesky => match handle.strip_suffix(".bsky.social") {
                Some(user) => format!("{user}{suffix}.bsky.social"),
                None => format!("{handle}{suffix}"),
            },
            Network::X => {
                let keep = 15usize.saturating_sub(suffix.len());
                format!("{}{suffix}", handle.chars().take(keep).collect::<String>())
            }
            _ => format!("{handle}{suffix}"),
        }
    };
    if taken.insert(network, &handle) {
        return handle;
    }
    let candidates = [
        with_suffix(&(index % 89 + 10).to_string()),
        with_suffix(&format!("_{index}")),
    ];
    for candidate in candidates {
        if taken.insert(network, &candidate) {
            return candidate;
        }
    }
    // Only reachable with absurd collisions; the index keeps it unique.
    let fallback = format!("user{index}x");
    taken.insert(network, &fallback);
    fallback
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A Bluesky DID: `did:plc:` and 24 base32 characters.
fn did(dice: &mut Dice) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut s = String::from("did:plc:");
    let mut bits = dice.bits();
    for k in 0..24 {
        if k == 12 {
            bits = dice.bits();
        }
        s.push(ALPHABET[(bits & 31) as usize] as char);
        bits >>= 5;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::World;

    #[test]
    fn pool_has_unique_handles_per_network_and_a_long_tail() {
        let mut dice = Dice::new(3, 1);
        let pool = AuthorPool::new(&mut dice, 3000, &World::demo().brand);
        let mut seen = HashSet::new();
        for a in &pool.authors {
            assert!(
                seen.insert((a.network, a.author.handle.clone())),
                "{}",
                a.author.handle
            );
            if a.network == Network::X {
                assert!(a.author.handle.len() <= 15, "{}", a.author.handle);
            }
            if a.network == Network::Mastodon {
                assert!(a.author.handle.contains('@'));
            }
            if a.network == Network::Bluesky {
                assert!(a.author.handle.ends_with(".bsky.social"));
                assert!(a.did.as_deref().unwrap().starts_with("did:plc:"));
            }
        }
        let big = pool
            .authors
            .iter()
            .filter(|a| a.persona != Persona::Brand && a.followers() >= 100_000)
            .count();
        assert!(big >= 1, "no 100k+ accounts");
        assert!(pool.brand_on(Network::X).is_some());
        assert!(pool.brand_on(Network::HackerNews).is_none());
        assert!(!pool.spammers.is_empty() && !pool.advocates.is_empty());
    }
}
