//! `rapport bench pipeline`: simulated posts through the whole pipeline (bounded channel,
//! analysis with every enrichment, matching of 1,000 monitors, batched SQLite writes), with
//! the naive path (one transaction per post) measured in the same run.
//!
//! Latency from arrival to stored: posts leave the pipeline's store stage in the order they
//! were sent, so the k-th post is stored when the committed counter first exceeds k. A
//! sampler reads that counter every millisecond; latencies are therefore up to ~1 ms late.

use hdrhistogram::Histogram;
use rapport_engine::{Ingestor, Pipeline, PipelineConfig};
use rapport_model::{MonitorKind, NewMonitor, Post};
use rapport_sim::World;
use rapport_store::{SqliteOptions, SqliteStore, Store};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Words combined with the world's names into monitor queries.
const WORDS: &[&str] = &[
    "refund",
    "broken",
    "love",
    "delivery",
    "price",
    "support",
    "return",
    "warranty",
    "leak",
    "noise",
    "review",
    "unboxing",
    "deal",
    "sale",
    "recall",
    "crema",
    "descale",
    "grinder",
    "milk",
    "steam",
    "coffee",
    "espresso",
    "beans",
    "service",
    "shipping",
    "cheap",
    "expensive",
    "upgrade",
    "replacement",
    "manual",
];

/// A small deterministic generator (SplitMix64): the same monitors on every run.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

/// `count` plausible monitor queries: the world's suggested monitors, then its brand,
/// product and competitor names combined with random words and operators.
pub fn monitor_queries(world: &World, count: usize) -> Vec<(String, MonitorKind, String)> {
    let mut queries: Vec<(String, MonitorKind, String)> = world
        .suggested_monitors()
        .into_iter()
        .map(|m| (m.name, m.kind, m.query))
        .collect();
    let mut names: Vec<String> = Vec::new();
    for brand in world.makers() {
        names.push(brand.name.to_lowercase());
        names.push(format!("#{}", brand.hashtag.to_lowercase()));
        for product in &brand.products {
            names.push(product.name.to_lowercase());
        }
    }
    let mut rng = SplitMix(2026);
    while queries.len() < count {
        let name = rng.pick(&names).clone();
        let (a, b) = (rng.pick(WORDS), rng.pick(WORDS));
        let query = match rng.next() % 4 {
            0 => format!("{name} AND ({a} OR {b}*)"),
            1 => format!("{name} AND \"{a} {b}\""),
            2 => format!("({name} OR {a}) AND {b} NOT #ad"),
            _ => format!("{name} AND {a}"),
        };
        queries.push((
            format!("bench {}", queries.len()),
            MonitorKind::Campaign,
            query,
        ));
    }
    queries.truncate(count);
    queries
}

async fn fresh_store(
    dir: &tempfile::TempDir,
    monitors: usize,
) -> anyhow::Result<(Arc<dyn Store>, Ingestor)> {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(
        &dir.path().join("bench.db"),
        SqliteOptions::default(),
    )?);
    let workspace = store.create_workspace("bench").await?;
    for (name, kind, query) in monitor_queries(&World::demo(), monitors) {
        store
            .create_monitor(NewMonitor {
                workspace_id: workspace.id,
                name,
                kind,
                query,
            })
            .await?;
    }
    let ingestor = Ingestor::new(store.clone()).await?;
    Ok((store, ingestor))
}

/// What one pipeline run measured.
struct Run {
    rate: f64,
    latency: Histogram<u64>,
    mentions: u64,
    stored: u64,
}

/// Sends `posts` (at `pace` posts/s, or as fast as the pipeline takes them) and measures.
async fn pipeline_run(
    posts: &[Post],
    monitors: usize,
    batch: usize,
    pace: Option<f64>,
) -> anyhow::Result<Run> {
    let dir = tempfile::tempdir()?;
    let (store, ingestor) = fresh_store(&dir, monitors).await?;
    let config = PipelineConfig {
        capacity: batch * 4,
        max_batch: batch,
        max_delay: Duration::from_millis(20),
    };
    let count = posts.len();
    let mut arrivals: Vec<Instant> = Vec::with_capacity(count);
    let (pipeline, handle) = Pipeline::spawn(ingestor, config);
    let stats = handle.stats();
    let done = Arc::new(AtomicBool::new(false));
    // Sampler: when the committed counter passes each value.
    let sampler = {
        let stats = stats.clone();
        let done = done.clone();
        std::thread::spawn(move || {
            let mut stored_at: Vec<(u64, Instant)> = Vec::new();
            let mut last = 0;
            loop {
                let now = stats.snapshot().stored;
                if now != last {
                    stored_at.push((now, Instant::now()));
                    last = now;
                }
                if done.load(Ordering::Relaxed) && now as usize >= count {
                    return stored_at;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        })
    };
    let started = Instant::now();
    for (i, post) in posts.iter().enumerate() {
        if let Some(rate) = pace {
            let due = started + Duration::from_secs_f64(i as f64 / rate);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                tokio::time::sleep(wait).await;
            }
        }
        arrivals.push(Instant::now());
        handle.send(post.clone()).await?;
    }
    drop(handle);
    let snapshot = pipeline.finish().await;
    let elapsed = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let stored_at = sampler
        .join()
        .map_err(|_| anyhow::anyhow!("the latency sampler panicked"))?;
    let mut latency = Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 3)?;
    let mut step = 0;
    for (k, arrived) in arrivals.iter().enumerate() {
        while step < stored_at.len() && stored_at[step].0 as usize <= k {
            step += 1;
        }
        if let Some((_, at)) = stored_at.get(step) {
            let micros = at.saturating_duration_since(*arrived).as_micros() as u64;
            latency.record(micros.max(1))?;
        }
    }
    Ok(Run {
        rate: count as f64 / elapsed.as_secs_f64(),
        latency,
        mentions: snapshot.new_mentions,
        stored: store.post_count().await?,
    })
}

/// Peak resident memory of this process (VmHWM), in bytes.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn ms(h: &Histogram<u64>, q: f64) -> f64 {
    h.value_at_quantile(q) as f64 / 1000.0
}

/// Runs the benchmark and prints its figures.
pub async fn run(
    count: usize,
    monitors: usize,
    batch: usize,
    baseline_count: usize,
) -> anyhow::Result<()> {
    println!(
        "bench pipeline: {count} simulated posts, {monitors} monitors, analysis on (VADER, language, intent, fingerprint), {batch}/transaction"
    );
    let posts = super::bench::simulated_posts(count.max(baseline_count).max(1))?;

    let saturated = pipeline_run(&posts[..count], monitors, batch, None).await?;
    let pace = (saturated.rate * 0.5).max(1.0);
    let paced_count = ((pace * 5.0) as usize).clamp(1, count);
    let paced = pipeline_run(&posts[..paced_count], monitors, batch, Some(pace)).await?;

    let dir = tempfile::tempdir()?;
    let (_, naive) = fresh_store(&dir, monitors).await?;
    let started = Instant::now();
    for post in &posts[..baseline_count] {
        naive.ingest(vec![post.clone()]).await?;
    }
    let baseline_rate = baseline_count as f64 / started.elapsed().as_secs_f64();

    println!();
    println!(
        "{:<46} {:>10} {:>12} {:>12}",
        "", "posts/s", "p50 latency", "p99 latency"
    );
    println!(
        "{:<46} {:>10.0} {:>10.1}ms {:>10.1}ms",
        "pipeline, as fast as it takes them",
        saturated.rate,
        ms(&saturated.latency, 0.5),
        ms(&saturated.latency, 0.99)
    );
    println!(
        "{:<46} {:>10.0} {:>10.1}ms {:>10.1}ms",
        format!("pipeline, paced at half that ({paced_count} posts)"),
        paced.rate,
        ms(&paced.latency, 0.5),
        ms(&paced.latency, 0.99)
    );
    println!(
        "{:<46} {:>10.0}",
        format!("baseline: 1 post/transaction ({baseline_count} posts)"),
        baseline_rate
    );
    println!(
        "speed-up: {:.1}x",
        saturated.rate / baseline_rate.max(f64::MIN_POSITIVE)
    );
    println!(
        "stored {} posts, {} new mentions; peak RSS {} (includes the {} generated posts held in memory)",
        saturated.stored,
        saturated.mentions,
        peak_rss()
            .map(|b| format!("{:.0} MiB", b as f64 / 1_048_576.0))
            .unwrap_or_else(|| "n/a".into()),
        posts.len()
    );
    println!("(latency: arrival in the channel to batch committed; sampled every 1 ms)");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_monitor_queries_parse_and_are_as_many_as_asked() {
        let queries = monitor_queries(&World::demo(), 1_000);
        assert_eq!(queries.len(), 1_000);
        for (_, _, query) in &queries {
            assert!(rapport_query::Query::parse(query).is_ok(), "{query}");
        }
        assert_eq!(queries, monitor_queries(&World::demo(), 1_000));
    }
}
