//! Measures the detector against the simulator, whose ground truth knows every incident:
//! false alarms per normal week and the delay from each incident's start to its first alarm.
//!
//! Counts come straight from the simulated posts (no store, no NLP): per hour, the
//! mentions of each subject (the brand, each product, each competitor: what
//! [`rapport_sim::Truth::subject`] names), plus the brand's total (the brand and its
//! products), and the ground-truth negatives of each.

use super::detector::{DetectorConfig, HOURS_PER_WEEK};
use super::{judge_hour, HourCounts, RuleKind, Verdict};
use chrono::{DateTime, Duration, TimeZone, Utc};
use rapport_model::SentimentLabel;
use rapport_sim::{Incident, SimConfig, SimError, Simulator};
use std::collections::BTreeMap;

/// What to simulate and how to judge it.
#[derive(Debug, Clone)]
pub struct EvalConfig {
    /// The simulator's seed.
    pub seed: u64,
    /// Weeks simulated in all.
    pub weeks: u32,
    /// Weeks of warm-up at the start: no alarms are judged, no incidents scheduled.
    pub warmup_weeks: u32,
    /// Mean posts per day.
    pub posts_per_day: f64,
    /// The detector's thresholds.
    pub detector: DetectorConfig,
    /// Hours after an incident's end still treated as its aftermath (alarms there are
    /// neither false nor detections, and the hours do not count as normal).
    pub aftermath_hours: i64,
}

impl Default for EvalConfig {
    fn default() -> Self {
        EvalConfig {
            seed: 7,
            weeks: 6,
            warmup_weeks: 2,
            posts_per_day: 2_000.0,
            detector: DetectorConfig::default(),
            aftermath_hours: 24,
        }
    }
}

/// One alarm raised during the replay.
#[derive(Debug, Clone)]
pub struct Alarm {
    /// The series it was raised on (a subject's name, or `<brand> (all)`).
    pub series: String,
    /// `volume` or `negative`.
    pub rule: &'static str,
    /// The detector's judgement.
    pub verdict: Verdict,
}

/// How one incident was detected.
#[derive(Debug, Clone)]
pub struct IncidentOutcome {
    /// The incident as scheduled.
    pub incident: Incident,
    /// The first alarm from its start hour to its end, on a series carrying its posts.
    pub first_alarm: Option<Alarm>,
    /// Whole hours from the incident's start hour to that alarm's hour.
    pub delay_hours: Option<i64>,
}

/// What the replay found.
#[derive(Debug, Clone)]
pub struct EvalReport {
    /// The configuration replayed.
    pub config: EvalConfig,
    /// Posts simulated.
    pub posts: u64,
    /// Judged hours outside every incident and its aftermath, in weeks.
    pub normal_weeks: f64,
    /// Alarms in normal hours.
    pub false_alarms: Vec<Alarm>,
    /// Every incident with its first alarm.
    pub incidents: Vec<IncidentOutcome>,
}

impl EvalReport {
    /// False alarms per normal week.
    pub fn false_alarms_per_week(&self) -> f64 {
        if self.normal_weeks <= 0.0 {
            0.0
        } else {
            self.false_alarms.len() as f64 / self.normal_weeks
        }
    }

    /// Whether every incident raised an alarm.
    pub fn all_detected(&self) -> bool {
        self.incidents.iter().all(|i| i.first_alarm.is_some())
    }
}

/// The first simulated instant: a Monday, midnight UTC.
pub fn eval_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

/// One incident per week after the warm-up, on the brand's products in turn, at varied
/// days and hours, lasting 10 to 30 hours, at intensities 5 to 8.
pub fn schedule_incidents(config: &EvalConfig, products: &[String]) -> Vec<Incident> {
    const TOPICS: [&str; 4] = [
        "water tank leaks",
        "app pairing failures",
        "burr jams",
        "lid hinge cracks",
    ];
    let start = eval_start();
    (config.warmup_weeks..config.weeks)
        .enumerate()
        .filter(|_| !products.is_empty())
        .map(|(i, week)| {
            let day = (i as i64 * 3 + 1) % 7;
            let hour = [9, 13, 7, 16, 11][i % 5];
            let at =
                start + Duration::weeks(week as i64) + Duration::days(day) + Duration::hours(hour);
            Incident {
                start: at,
                duration: Duration::hours([24, 12, 30, 10, 18][i % 5]),
                product: products[i % products.len()].clone(),
                intensity: [8.0, 6.0, 5.0, 7.0, 6.0][i % 5],
                topic: TOPICS[i % TOPICS.len()].to_string(),
            }
        })
        .collect()
}

/// Simulates, counts per hour, judges every hour after the warm-up and scores the alarms.
pub fn evaluate(config: &EvalConfig) -> Result<EvalReport, SimError> {
    let start = eval_start();
    let hours = config.weeks as usize * HOURS_PER_WEEK;
    let mut sim = SimConfig::demo(config.seed, start, Duration::hours(hours as i64));
    sim.posts_per_day = config.posts_per_day;
    let products: Vec<String> = sim
        .world
        .brand
        .products
        .iter()
        .map(|p| p.name.clone())
        .collect();
    sim.incidents = schedule_incidents(config, &products);
    let brand = sim.world.brand.name.clone();
    let brand_total = format!("{brand} (all)");
    let incidents = sim.incidents.clone();

    // Per series: counts per hour, and incident posts per hour.
    let mut series: BTreeMap<String, Vec<HourCounts>> = BTreeMap::new();
    let mut incident_posts: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let mut posts = 0u64;
    for simulated in Simulator::new(sim)? {
        posts += 1;
        let Some(subject) = simulated.truth.subject.clone() else {
            continue;
        };
        let offset = (simulated.post.created_at - start).num_hours();
        if offset < 0 || offset as usize >= hours {
            continue;
        }
        let h = offset as usize;
        let negative = simulated.truth.sentiment == SentimentLabel::Negative;
        let mut names = vec![subject.clone()];
        if subject == brand || products.contains(&subject) {
            names.push(brand_total.clone());
        }
        for name in names {
            let cell = &mut series
                .entry(name.clone())
                .or_insert_with(|| vec![HourCounts::default(); hours])[h];
            cell.mentions += 1;
            cell.negative += u64::from(negative);
            if simulated.truth.incident {
                incident_posts.entry(name).or_insert_with(|| vec![0; hours])[h] += 1;
            }
        }
    }

    let hour_of = |t: DateTime<Utc>| (t - start).num_hours();
    let windows: Vec<(i64, i64)> = incidents
        .iter()
        .map(|i| {
            let from = hour_of(i.start);
            let to = hour_of(i.start + i.duration);
            (from, to)
        })
        .collect();
    let rules = [
        RuleKind::VolumeSpike,
        RuleKind::NegativeSpike { min_share: 0.3 },
    ];
    let first = config.warmup_weeks as usize * HOURS_PER_WEEK;
    let mut false_alarms = Vec::new();
    let mut outcomes: Vec<IncidentOutcome> = incidents
        .iter()
        .map(|i| IncidentOutcome {
            incident: i.clone(),
            first_alarm: None,
            delay_hours: None,
        })
        .collect();
    let mut normal_hours = 0usize;
    for h in first..hours {
        let hi = h as i64;
        let abnormal = windows
            .iter()
            .any(|&(from, to)| hi >= from && hi <= to + config.aftermath_hours);
        if !abnormal {
            normal_hours += 1;
        }
        let hour = start + Duration::hours(hi);
        for (name, counts) in &series {
            for rule in &rules {
                let Some(verdict) = judge_hour(rule, &counts[..=h], hour, &config.detector) else {
                    continue;
                };
                if !verdict.fired {
                    continue;
                }
                let alarm = Alarm {
                    series: name.clone(),
                    rule: rule.name(),
                    verdict,
                };
                if !abnormal {
                    false_alarms.push(alarm);
                    continue;
                }
                let carries = incident_posts.get(name).is_some_and(|v| v[h] > 0);
                for (outcome, &(from, to)) in outcomes.iter_mut().zip(&windows) {
                    if carries && hi >= from && hi <= to && outcome.first_alarm.is_none() {
                        outcome.delay_hours = Some(hi - from);
                        outcome.first_alarm = Some(alarm.clone());
                    }
                }
            }
        }
    }
    Ok(EvalReport {
        config: config.clone(),
        posts,
        normal_weeks: normal_hours as f64 / HOURS_PER_WEEK as f64,
        false_alarms,
        incidents: outcomes,
    })
}
