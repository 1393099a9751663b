//! A seeded, reproducible simulator of social posts about a fictional brand, its products
//! and its competitors, with the ground truth of every post.
//!
//! It feeds `rapport demo` (dashboards that look like a real brand's week), load tests and
//! development. The stream mixes complaints, questions, praise, purchase intent, spam,
//! reposts, copypasta, conversations and off-topic noise, in English, Spanish, French,
//! German and Brazilian Portuguese, on Mastodon, Bluesky, X, Reddit, Hacker News and feeds,
//! with network-shaped ids and URLs, a daily and weekly rhythm, long-tailed audiences, and
//! scheduled incidents.
//!
//! ```
//! use rapport_sim::{SimConfig, Simulator};
//! use chrono::TimeZone;
//!
//! let start = chrono::Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap();
//! let config = SimConfig::demo(7, start, chrono::Duration::hours(6));
//! let posts: Vec<_> = Simulator::new(config).unwrap().collect();
//! assert!(!posts.is_empty());
//! let line = serde_json::to_string(&posts[0]).unwrap(); // {"post":{...},"truth":{...}}
//! assert!(line.starts_with("{\"post\":"));
//! ```
//!
//! Everything random derives from [`SimConfig::seed`] (ChaCha8 streams; never the clock or
//! the thread RNG): the same config always yields the same posts, byte for byte.

mod authors;
mod config;
mod dice;
mod engagement;
mod ids;
mod lang;
mod names;
mod rhythm;
mod stream;
mod style;
mod templates;
mod truth;
mod world;

pub use config::{Incident, SimConfig, SimError, DEFAULT_AUTHORS, MAX_AUTHORS};
pub use stream::Simulator;
pub use truth::{Intent, Sentiment, SimPost, Truth};
pub use world::{Brand, Category, Gender, Noun, Product, SuggestedMonitor, World};
