//! The fictional market the simulator writes about: a brand, its products and its competitors.

use rapport_model::{MonitorKind, Network};
use serde::{Deserialize, Serialize};

/// Grammatical gender of a noun, for determiners in Spanish, French, German and Portuguese.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    /// Masculine (`el`, `le`, `der`, `o`).
    Masculine,
    /// Feminine (`la`, `la`, `die`, `a`).
    Feminine,
    /// Neuter (German `das`; treated as masculine elsewhere).
    Neuter,
}

/// A noun in one language, with its gender.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Noun {
    /// The noun, in the singular, without article (`cafetera`, `Mühle`).
    pub word: String,
    /// Its grammatical gender.
    pub gender: Gender,
}

impl Noun {
    /// A noun of the given gender.
    pub fn new(word: impl Into<String>, gender: Gender) -> Self {
        Noun {
            word: word.into(),
            gender,
        }
    }
}

/// What kind of product something is, in every language the simulator writes.
/// Templates use it for phrases such as "my espresso machine" / "ma machine".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    /// English (`espresso machine`).
    pub en: String,
    /// Spanish.
    pub es: Noun,
    /// French.
    pub fr: Noun,
    /// German.
    pub de: Noun,
    /// Brazilian Portuguese.
    pub pt: Noun,
}

/// A product of a brand or of a competitor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    /// Its name as people write it (`Vantelo`); a distinctive single word works best.
    pub name: String,
    /// Its hashtag, without `#`.
    pub hashtag: String,
    /// What kind of product it is.
    pub category: Category,
    /// Street price in US dollars (converted roughly for other currencies).
    pub price_usd: u32,
    /// Relative share of the conversation about its maker's products (any positive scale).
    pub popularity: f64,
    /// English verb phrases for what goes wrong with it (`keeps leaking from the drip tray`).
    pub issues: Vec<String>,
    /// English verb phrases for what people love about it (`pulls gorgeous shots`).
    pub strengths: Vec<String>,
}

/// A company: the monitored brand or one of its competitors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Brand {
    /// Display name (`Orvella`).
    pub name: String,
    /// Account name on X, also used to derive the other networks' handles (see [`Brand::handle_on`]).
    pub handle: String,
    /// Its hashtag, without `#`.
    pub hashtag: String,
    /// Its website's host name (fictional, under `.example`).
    pub website: String,
    /// Followers of its X account (other networks get a fraction).
    pub followers: u64,
    /// Its products.
    pub products: Vec<Product>,
}

impl Brand {
    /// The brand's account handle on a network (without `@`), or `None` where it has none.
    ///
    /// Mastodon: `handle@mastodon.social`; Bluesky: `handle.bsky.social`; X: `handle`;
    /// Reddit: `NameOfficial`. Hacker News and feeds have no brand account.
    pub fn handle_on(&self, network: Network) -> Option<String> {
        match network {
            Network::X => Some(self.handle.clone()),
            Network::Mastodon => Some(format!("{}@mastodon.social", self.handle)),
            Network::Bluesky => Some(format!(
                "{}.bsky.social",
                self.handle.to_ascii_lowercase().replace('_', "-")
            )),
            Network::Reddit => Some(format!(
                "{}Official",
                self.name.split_whitespace().collect::<String>()
            )),
            _ => None,
        }
    }

    /// How people mention the brand in a post on `network`: `@handle` where mentions exist,
    /// the plain name elsewhere.
    pub fn mention_on(&self, network: Network) -> String {
        match network {
            Network::X | Network::Mastodon | Network::Bluesky => {
                format!("@{}", self.handle_on(network).unwrap_or_default())
            }
            _ => self.name.clone(),
        }
    }
}

/// The fictional market: one brand (whose workspace the demo is) and its competitors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct World {
    /// The monitored brand.
    pub brand: Brand,
    /// Its competitors, for share of voice.
    pub competitors: Vec<Brand>,
    /// The brand's running campaign hashtag, without `#`.
    pub campaign_hashtag: String,
}

/// A monitor a demo workspace should have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuggestedMonitor {
    /// Display name; equal to [`crate::Truth::subject`] for posts about it
    /// (except the campaign monitor, whose posts are about the brand).
    pub name: String,
    /// What the monitor listens for.
    pub kind: MonitorKind,
    /// Keywords separated by ` OR ` (`orvella OR #orvella OR @orvella`), lower case.
    pub query: String,
}

fn category(en: &str, es: Noun, fr: Noun, de: Noun, pt: Noun) -> Category {
    Category {
        en: en.to_string(),
        es,
        fr,
        de,
        pt,
    }
}

fn espresso_machine() -> Category {
    use Gender::*;
    category(
        "espresso machine",
        Noun::new("cafetera", Feminine),
        Noun::new("machine", Feminine),
        Noun::new("Maschine", Feminine),
        Noun::new("máquina", Feminine),
    )
}

fn grinder() -> Category {
    use Gender::*;
    category(
        "grinder",
        Noun::new("molinillo", Masculine),
        Noun::new("moulin", Masculine),
        Noun::new("Mühle", Feminine),
        Noun::new("moedor", Masculine),
    )
}

fn kettle() -> Category {
    use Gender::*;
    category(
        "kettle",
        Noun::new("hervidor", Masculine),
        Noun::new("bouilloire", Feminine),
        Noun::new("Wasserkocher", Masculine),
        Noun::new("chaleira", Feminine),
    )
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn product(
    name: &str,
    category: Category,
    price_usd: u32,
    popularity: f64,
    issues: &[&str],
    strengths: &[&str],
) -> Product {
    Product {
        name: name.to_string(),
        hashtag: name.to_lowercase(),
        category,
        price_usd,
        popularity,
        issues: strings(issues),
        strengths: strings(strengths),
    }
}

impl World {
    /// The demo world: Orvella, a (fictional) home-coffee equipment brand with an espresso
    /// machine (Vantelo), a grinder (Grindra) and a smart kettle (Kettio), competing with
    /// Brasswick, Kaffelund and Tamperly. Websites live under the reserved `.example` domain.
    pub fn demo() -> World {
        let brand = Brand {
            name: "Orvella".into(),
            handle: "orvella".into(),
            hashtag: "orvella".into(),
            website: "orvella.example".into(),
            followers: 48_300,
            products: vec![
                product(
                    "Vantelo",
                    espresso_machine(),
                    649,
                    0.45,
                    &[
                        "keeps leaking from the drip tray",
                        "takes forever to heat up",
                        "shows error E4 every single morning",
                        "started tripping the breaker",
                        "barely froths milk anymore",
                        "sounds like a jet engine when the pump kicks in",
                        "has a wobbly portafilter",
                    ],
                    &[
                        "pulls gorgeous shots",
                        "heats up in under a minute",
                        "steams milk like a café machine",
                        "looks stunning on the counter",
                        "is dead simple to dial in",
                        "makes better espresso than my local café",
                    ],
                ),
                product(
                    "Grindra",
                    grinder(),
                    229,
                    0.35,
                    &[
                        "retains way too much coffee",
                        "clumps like crazy",
                        "jammed on a light roast",
                        "came with misaligned burrs",
                        "makes a horrible squeal",
                        "spits grounds all over the counter",
                    ],
                    &[
                        "grinds super consistently",
                        "is whisper quiet",
                        "has basically zero retention",
                        "nails both espresso and filter",
                        "was worth every penny",
                    ],
                ),
                product(
                    "Kettio",
                    kettle(),
                    129,
                    0.20,
                    &[
                        "won't pair with the app",
                        "keeps dropping off the wifi",
                        "has a dead display",
                        "squeaks every time I open the lid",
                        "overshoots the temperature",
                        "lost all my presets after the update",
                    ],
                    &[
                        "holds temperature perfectly",
                        "pours like a dream",
                        "boils in like two minutes",
                        "has a genuinely nice app",
                        "looks great next to the Vantelo",
                    ],
                ),
            ],
        };
        let competitors = vec![
            Brand {
                name: "Brasswick".into(),
                handle: "brasswick".into(),
                hashtag: "brasswick".into(),
                website: "brasswick.example".into(),
                followers: 71_200,
                products: vec![
                    product(
                        "Cremalta",
                        espresso_machine(),
                        599,
                        0.6,
                        &[
                            "keeps losing pressure",
                            "runs way too hot",
                            "has a flimsy drip tray",
                        ],
                        &[
                            "pulls a solid shot",
                            "is built like a tank",
                            "is great value",
                        ],
                    ),
                    product(
                        "Millrow",
                        grinder(),
                        199,
                        0.4,
                        &["is painfully loud", "clogs every other day"],
                        &["is a great budget grinder", "is easy to clean"],
                    ),
                ],
            },
            Brand {
                name: "Kaffelund".into(),
                handle: "kaffelund".into(),
                hashtag: "kaffelund".into(),
                website: "kaffelund.example".into(),
                followers: 22_900,
                products: vec![
                    product(
                        "Skarvik",
                        kettle(),
                        99,
                        0.55,
                        &["has a lid that sticks", "rusted after a few months"],
                        &["is gorgeous", "pours really precisely"],
                    ),
                    product(
                        "Lundgrind",
                        grinder(),
                        249,
                        0.45,
                        &["has a hopper that jams", "is a pain to adjust"],
                        &["grinds beautifully for pour-over", "is super quiet"],
                    ),
                ],
            },
            Brand {
                name: "Tamperly".into(),
                handle: "tamperly".into(),
                hashtag: "tamperly".into(),
                website: "tamperly.example".into(),
                followers: 9_800,
                products: vec![product(
                    "Ristrel",
                    espresso_machine(),
                    549,
                    1.0,
                    &["has an app that crashes constantly", "takes ages to steam"],
                    &["is tiny but mighty", "is perfect for small kitchens"],
                )],
            },
        ];
        World {
            brand,
            competitors,
            campaign_hashtag: "OrvellaMornings".into(),
        }
    }

    /// The brand followed by its competitors: the "makers" posts can be about.
    pub fn makers(&self) -> impl Iterator<Item = &Brand> {
        std::iter::once(&self.brand).chain(self.competitors.iter())
    }

    /// Monitors a demo workspace should have: one for the brand, one per product of the
    /// brand, one per competitor (its name, hashtag, handle and product names) and one for
    /// the campaign hashtag. Keywords are lower case and joined with ` OR `.
    pub fn suggested_monitors(&self) -> Vec<SuggestedMonitor> {
        let mut monitors = Vec::new();
        // What a company posts itself is not a mention of it: each monitor leaves out the
        // posts of the accounts of the brand it listens to.
        monitors.push(SuggestedMonitor {
            name: self.brand.name.clone(),
            kind: MonitorKind::Brand,
            query: without_own_posts(&self.brand, brand_query(&self.brand, false)),
        });
        for p in &self.brand.products {
            monitors.push(SuggestedMonitor {
                name: p.name.clone(),
                kind: MonitorKind::Product,
                query: without_own_posts(
                    &self.brand,
                    join_keywords([p.name.to_lowercase(), format!("#{}", p.hashtag)]),
                ),
            });
        }
        for c in &self.competitors {
            monitors.push(SuggestedMonitor {
                name: c.name.clone(),
                kind: MonitorKind::Competitor,
                query: without_own_posts(c, brand_query(c, true)),
            });
        }
        if !self.campaign_hashtag.trim().is_empty() {
            monitors.push(SuggestedMonitor {
                name: format!("#{}", self.campaign_hashtag),
                kind: MonitorKind::Campaign,
                query: join_keywords([format!("#{}", self.campaign_hashtag)]),
            });
        }
        monitors
    }
}

/// `(query) NOT (author:one OR author:two ...)` over the brand's accounts on every network.
fn without_own_posts(brand: &Brand, query: String) -> String {
    let accounts: Vec<String> = Network::ALL
        .iter()
        .filter_map(|n| brand.handle_on(*n))
        .map(|handle| format!("author:{handle}"))
        .collect();
    if accounts.is_empty() {
        return query;
    }
    format!("({query}) NOT ({})", accounts.join(" OR "))
}

fn brand_query(brand: &Brand, with_products: bool) -> String {
    let mut words = vec![
        brand.name.to_lowercase(),
        format!("#{}", brand.hashtag),
        format!("@{}", brand.handle),
    ];
    if with_products {
        words.extend(brand.products.iter().map(|p| p.name.to_lowercase()));
    }
    join_keywords(words)
}

/// Lower-cases, drops empty and repeated keywords, and joins the rest with ` OR `.
fn join_keywords(words: impl IntoIterator<Item = String>) -> String {
    let mut seen: Vec<String> = Vec::new();
    for w in words {
        let w = w.trim().to_lowercase();
        if w.is_empty() || w == "#" || w == "@" || seen.contains(&w) {
            continue;
        }
        seen.push(w);
    }
    seen.join(" OR ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_monitors_cover_brand_products_competitors_and_campaign() {
        let world = World::demo();
        let monitors = world.suggested_monitors();
        assert_eq!(
            monitors[0].query,
            "(orvella OR #orvella OR @orvella) NOT (author:orvella@mastodon.social OR \
             author:orvella.bsky.social OR author:orvella OR author:OrvellaOfficial)"
        );
        assert_eq!(monitors[0].kind, MonitorKind::Brand);
        let products = monitors
            .iter()
            .filter(|m| m.kind == MonitorKind::Product)
            .count();
        assert_eq!(products, 3);
        let competitors: Vec<_> = monitors
            .iter()
            .filter(|m| m.kind == MonitorKind::Competitor)
            .collect();
        assert_eq!(competitors.len(), 3);
        assert!(competitors[0].query.contains("cremalta"));
        let campaign = monitors.last().unwrap();
        assert_eq!(campaign.kind, MonitorKind::Campaign);
        assert_eq!(campaign.query, "#orvellamornings");
    }

    #[test]
    fn brand_handles_per_network() {
        let b = World::demo().brand;
        assert_eq!(
            b.handle_on(Network::Mastodon).unwrap(),
            "orvella@mastodon.social"
        );
        assert_eq!(
            b.handle_on(Network::Bluesky).unwrap(),
            "orvella.bsky.social"
        );
        assert_eq!(b.mention_on(Network::X), "@orvella");
        assert_eq!(b.mention_on(Network::Reddit), "Orvella");
        assert!(b.handle_on(Network::HackerNews).is_none());
    }
}
