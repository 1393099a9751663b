//! What to simulate: the window, the volume, the world and the scheduled incidents.

use crate::World;
use rapport_model::Timestamp;
use serde::{Deserialize, Serialize};

/// The default size of the author pool.
pub const DEFAULT_AUTHORS: usize = 3_000;

/// The largest author pool [`SimConfig::validate`] accepts.
pub const MAX_AUTHORS: usize = 1_000_000;

/// A burst of complaints about one product: a bad batch, an outage, a broken update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// When complaints start to rise.
    pub start: Timestamp,
    /// How long it lasts (serialised as seconds). Complaints ramp up over the first fifth,
    /// then decay.
    #[serde(with = "seconds")]
    pub duration: chrono::Duration,
    /// The product's name (any maker's, matched case-insensitively).
    pub product: String,
    /// At its peak, complaints about the product are this many times their usual volume
    /// (values up to 1 add nothing).
    pub intensity: f64,
    /// What goes wrong, as an English noun phrase that fits "dealing with … on my Vantelo"
    /// (`water tank leaks`, `battery overheating`).
    pub topic: String,
}

/// Everything the simulator needs; the same config always yields the same stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimConfig {
    /// The seed of every random choice.
    pub seed: u64,
    /// The first instant of the window.
    pub start: Timestamp,
    /// The window's length (serialised as seconds); posts are in `[start, start + duration)`.
    #[serde(with = "seconds")]
    pub duration: chrono::Duration,
    /// Mean posts per day, before incidents; the daily and weekly rhythm moves volume
    /// around this mean.
    pub posts_per_day: f64,
    /// Scheduled incidents (they may reach outside the window; only the inside counts).
    #[serde(default)]
    pub incidents: Vec<Incident>,
    /// The brand and competitors posts are about ([`World::demo`] when absent).
    #[serde(default = "World::demo")]
    pub world: World,
    /// How many distinct authors write (besides brand accounts and feeds).
    #[serde(default = "default_authors")]
    pub authors: usize,
}

fn default_authors() -> usize {
    DEFAULT_AUTHORS
}

/// Why a [`SimConfig`] cannot be simulated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    /// The window is empty or negative.
    #[error("the simulation window must be longer than zero (got {seconds} s)")]
    NonPositiveDuration {
        /// The duration given, in seconds.
        seconds: f64,
    },
    /// `posts_per_day` is negative, NaN or infinite.
    #[error("posts_per_day must be a finite number of at least 0 (got {rate})")]
    InvalidRate {
        /// The rate given.
        rate: f64,
    },
    /// `start + duration` is not a representable time.
    #[error("the simulation window ends beyond the representable time range")]
    WindowOutOfRange,
    /// The author pool is empty or absurdly large.
    #[error("authors must be between 1 and {max} (got {authors})")]
    InvalidAuthors {
        /// The number given.
        authors: usize,
        /// The largest accepted.
        max: usize,
    },
    /// The world lacks something the simulator needs.
    #[error("invalid world: {reason}")]
    InvalidWorld {
        /// What is wrong.
        reason: String,
    },
    /// An incident cannot be simulated.
    #[error("incident {index}: {reason}")]
    InvalidIncident {
        /// Its position in [`SimConfig::incidents`].
        index: usize,
        /// What is wrong.
        reason: String,
    },
}

impl SimConfig {
    /// The demo configuration: [`World::demo`], 2,000 posts a day, 3,000 authors, and two
    /// incidents scaled to the window: water tank leaks on the Vantelo from 40% of the
    /// window (intensity 8, lasting a quarter of the window, at most 36 hours), and app
    /// pairing failures on the Kettio from 75% (intensity 6, a tenth, at most 12 hours).
    /// In windows of two days or more, incidents start at 09:00 UTC so that they peak in
    /// the afternoon. A non-positive `duration` is kept as is (and rejected by
    /// [`SimConfig::validate`]).
    pub fn demo(seed: u64, start: Timestamp, duration: chrono::Duration) -> SimConfig {
        let total_ms = duration.num_milliseconds().max(0) as f64;
        let at = |fraction: f64| {
            let offset = chrono::Duration::milliseconds((total_ms * fraction) as i64);
            start.checked_add_signed(offset).unwrap_or(start)
        };
        let span = |fraction: f64, cap_hours: i64| {
            let ms = ((total_ms * fraction) as i64).clamp(1, cap_hours * 3_600_000);
            chrono::Duration::milliseconds(ms)
        };
        let end = start.checked_add_signed(duration);
        // Morning starts, in windows long enough to have mornings to choose from.
        let morning = |t: Timestamp, length: chrono::Duration| -> Timestamp {
            if duration < chrono::Duration::days(2) {
                return t;
            }
            let next_day = t.checked_add_signed(chrono::Duration::days(1));
            [Some(t), next_day]
                .into_iter()
                .flatten()
                .filter_map(|day| day.date_naive().and_hms_opt(9, 0, 0))
                .map(|naive| naive.and_utc())
                .find(|&s| {
                    s >= start
                        && s.checked_add_signed(length)
                            .zip(end)
                            .is_some_and(|(finish, end)| finish <= end)
                })
                .unwrap_or(t)
        };
        let (first_len, second_len) = (span(0.25, 36), span(0.10, 12));
        SimConfig {
            seed,
            start,
            duration,
            posts_per_day: 2_000.0,
            incidents: vec![
                Incident {
                    start: morning(at(0.40), first_len),
                    duration: first_len,
                    product: "Vantelo".into(),
                    intensity: 8.0,
                    topic: "water tank leaks".into(),
                },
                Incident {
                    start: morning(at(0.75), second_len),
                    duration: second_len,
                    product: "Kettio".into(),
                    intensity: 6.0,
                    topic: "app pairing failures".into(),
                },
            ],
            world: World::demo(),
            authors: DEFAULT_AUTHORS,
        }
    }

    /// The window's end (exclusive), when representable.
    pub fn end(&self) -> Option<Timestamp> {
        self.start.checked_add_signed(self.duration)
    }

    /// Checks that the config can be simulated. [`crate::Simulator::new`] calls it; a config
    /// it rejects yields a [`SimError`], never a panic. A rate of 0 is valid (an empty stream).
    pub fn validate(&self) -> Result<(), SimError> {
        if self.duration <= chrono::Duration::zero() {
            return Err(SimError::NonPositiveDuration {
                seconds: self.duration.num_milliseconds() as f64 / 1000.0,
            });
        }
        if self.end().is_none() {
            return Err(SimError::WindowOutOfRange);
        }
        if !self.posts_per_day.is_finite() || self.posts_per_day < 0.0 {
            return Err(SimError::InvalidRate {
                rate: self.posts_per_day,
            });
        }
        if self.authors == 0 || self.authors > MAX_AUTHORS {
            return Err(SimError::InvalidAuthors {
                authors: self.authors,
                max: MAX_AUTHORS,
            });
        }
        let brand = &self.world.brand;
        if brand.name.trim().is_empty() || brand.handle.trim().is_empty() {
            return Err(SimError::InvalidWorld {
                reason: "the brand needs a name and a handle".into(),
            });
        }
        for (index, incident) in self.incidents.iter().enumerate() {
            let fail = |reason: String| Err(SimError::InvalidIncident { index, reason });
            if incident.duration <= chrono::Duration::zero() {
                return fail("its duration must be longer than zero".into());
            }
            if incident
                .start
                .checked_add_signed(incident.duration)
                .is_none()
            {
                return fail("it ends beyond the representable time range".into());
            }
            if !incident.intensity.is_finite() || incident.intensity < 0.0 {
                return fail(format!(
                    "intensity must be a finite number of at least 0 (got {})",
                    incident.intensity
                ));
            }
            if self.find_product(&incident.product).is_none() {
                return fail(format!(
                    "'{}' is not a product of the brand or of a competitor",
                    incident.product
                ));
            }
        }
        Ok(())
    }

    /// `(maker index, product index)` of a product name (case-insensitive); maker 0 is the
    /// brand, maker `i` is competitor `i - 1`.
    pub(crate) fn find_product(&self, name: &str) -> Option<(usize, usize)> {
        let name = name.trim();
        self.world.makers().enumerate().find_map(|(m, maker)| {
            maker
                .products
                .iter()
                .position(|p| p.name.eq_ignore_ascii_case(name))
                .map(|p| (m, p))
        })
    }
}

/// Serde for `chrono::Duration` as a number of seconds (fractions kept to the millisecond).
mod seconds {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &chrono::Duration, s: S) -> Result<S::Ok, S::Error> {
        let ms = d.num_milliseconds();
        if ms % 1000 == 0 {
            s.serialize_i64(ms / 1000)
        } else {
            s.serialize_f64(ms as f64 / 1000.0)
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<chrono::Duration, D::Error> {
        let secs = f64::deserialize(d)?;
        let ms = secs * 1000.0;
        if !ms.is_finite() || ms.abs() > i64::MAX as f64 / 2.0 {
            return Err(serde::de::Error::custom(format!(
                "duration out of range: {secs} s"
            )));
        }
        chrono::Duration::try_milliseconds(ms.round() as i64)
            .ok_or_else(|| serde::de::Error::custom(format!("duration out of range: {secs} s")))
    }
}
