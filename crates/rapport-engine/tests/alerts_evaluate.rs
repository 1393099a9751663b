//! The detector replayed against the simulator's ground truth.

use rapport_engine::alerts::evaluate::{evaluate, EvalConfig};

#[test]
fn fires_on_every_incident_with_few_false_alarms() {
    let config = EvalConfig {
        seed: 7,
        weeks: 6,
        ..EvalConfig::default()
    };
    let report = evaluate(&config).unwrap();
    for outcome in &report.incidents {
        eprintln!(
            "incident {} {} at {}: {:?} {:?}",
            outcome.incident.product,
            outcome.incident.topic,
            outcome.incident.start,
            outcome.delay_hours,
            outcome
                .first_alarm
                .as_ref()
                .map(|a| (&a.series, a.rule, &a.verdict.sentence))
        );
    }
    for alarm in &report.false_alarms {
        eprintln!(
            "false alarm on {} ({}): {}",
            alarm.series, alarm.rule, alarm.verdict.sentence
        );
    }
    eprintln!(
        "{} posts, {:.2} normal weeks, {:.2} false alarms per week",
        report.posts,
        report.normal_weeks,
        report.false_alarms_per_week()
    );
    assert_eq!(report.incidents.len(), 4);
    assert!(report.all_detected(), "an incident went unnoticed");
    for outcome in &report.incidents {
        assert!(
            outcome.delay_hours.unwrap() <= 6,
            "slow: {:?}",
            outcome.delay_hours
        );
    }
    assert!(
        report.false_alarms_per_week() <= 1.0,
        "{} false alarms in {:.1} normal weeks",
        report.false_alarms.len(),
        report.normal_weeks
    );
}

/// Prints the figures for a grid of thresholds (`cargo nextest run --run-ignored only sweep`).
#[test]
#[ignore]
fn sweep() {
    for seed in [7, 11, 23] {
        for z in [4.0, 4.5, 5.0, 6.0] {
            for od in [0.25, 0.35] {
                {
                    let nb = 1;
                    let mut config = EvalConfig {
                        seed,
                        ..EvalConfig::default()
                    };
                    config.detector.min_z = z;
                    config.detector.overdispersion = od;
                    config.detector.neighbour_hours = nb;
                    let r = evaluate(&config).unwrap();
                    let delays: Vec<_> = r.incidents.iter().map(|i| i.delay_hours).collect();
                    println!(
                        "seed {seed} z {z} od {od} nb {nb}: fa/week {:.2} delays {delays:?}",
                        r.false_alarms_per_week()
                    );
                }
            }
        }
    }
}
