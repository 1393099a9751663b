//! Charts drawn by the server as SVG, from the rollups: no script, no chart library, and
//! every number also in a `<title>` so it can be read on hover and by screen readers.
//! Colours are SVG presentation attributes, which the Content-Security-Policy allows
//! (it forbids inline `style`).

use maud::{html, Markup};
use rapport_model::Timestamp;
use rapport_store::analytics::RollupCounts;

/// The drawing area, in SVG user units (the SVG scales to its container).
const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 200.0;
/// Room for labels left of and below the bars.
const LEFT: f64 = 44.0;
const BOTTOM: f64 = 22.0;

const NEGATIVE: &str = "#d64545";
const NEUTRAL: &str = "#9aa5b1";
const POSITIVE: &str = "#3f9c5a";
const UNKNOWN: &str = "#d9dee4";

/// Mentions per bucket, stacked by sentiment (negative at the bottom, where it is seen first).
pub fn sentiment_volume(buckets: &[(Timestamp, RollupCounts)], label_format: &str) -> Markup {
    let max = buckets
        .iter()
        .map(|(_, c)| c.mentions)
        .max()
        .unwrap_or(0)
        .max(1);
    let plot_w = WIDTH - LEFT;
    let plot_h = HEIGHT - BOTTOM;
    let slot = plot_w / buckets.len().max(1) as f64;
    let bar = (slot * 0.8).max(1.0);
    let scale = plot_h / max as f64;
    // Every label when few buckets, fewer when many.
    let label_every = (buckets.len() / 8).max(1);
    html! {
        svg.chart viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img"
            aria-label="Mentions per period, by sentiment" {
            line x1=(LEFT) y1=(plot_h) x2=(WIDTH) y2=(plot_h) stroke="currentColor" stroke-opacity="0.3" {}
            text x=(LEFT - 6.0) y="12" text-anchor="end" font-size="11" fill="currentColor" { (max) }
            text x=(LEFT - 6.0) y=(plot_h) text-anchor="end" font-size="11" fill="currentColor" { "0" }
            @for (i, (start, counts)) in buckets.iter().enumerate() {
                @let x = LEFT + i as f64 * slot + (slot - bar) / 2.0;
                @let unknown = counts.mentions.saturating_sub(counts.positive + counts.neutral + counts.negative);
                @let segments = [
                    (counts.negative, NEGATIVE),
                    (counts.neutral, NEUTRAL),
                    (counts.positive, POSITIVE),
                    (unknown, UNKNOWN),
                ];
                g {
                    title {
                        (start.format(label_format)) ": " (counts.mentions) " mentions, "
                        (counts.positive) " positive, " (counts.neutral) " neutral, "
                        (counts.negative) " negative"
                    }
                    @let mut y = plot_h;
                    @for (value, colour) in segments {
                        @if value > 0 {
                            @let h = value as f64 * scale;
                            @let top = { y -= h; y };
                            rect x=(fmt(x)) y=(fmt(top)) width=(fmt(bar)) height=(fmt(h)) fill=(colour) {}
                        }
                    }
                }
                @if i % label_every == 0 {
                    text x=(fmt(x + bar / 2.0)) y=(HEIGHT - 6.0) text-anchor="middle" font-size="11" fill="currentColor" {
                        (start.format(label_format))
                    }
                }
            }
        }
        p.legend {
            span.swatch-negative { "■" } " negative "
            span.swatch-neutral { "■" } " neutral "
            span.swatch-positive { "■" } " positive"
        }
    }
}

/// One monitor's part of the conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct Voice {
    /// The monitor's name.
    pub name: String,
    /// Whether it is one of ours (brand or product) rather than a competitor.
    pub ours: bool,
    /// Its mentions in the period.
    pub mentions: u64,
    /// Of those, positive.
    pub positive: u64,
}

/// Share of voice: each monitor's share of all the compared monitors' mentions, with its
/// positive share beside it.
pub fn share_of_voice(voices: &[Voice]) -> Markup {
    let total: u64 = voices.iter().map(|v| v.mentions).sum();
    let row_h = 26.0;
    let height = row_h * voices.len().max(1) as f64;
    let name_w = 150.0;
    let bar_w = WIDTH - name_w - 120.0;
    html! {
        svg.chart viewBox={ "0 0 " (WIDTH) " " (fmt(height)) } role="img"
            aria-label="Share of voice against competitors" {
            @for (i, voice) in voices.iter().enumerate() {
                @let share = if total == 0 { 0.0 } else { voice.mentions as f64 / total as f64 };
                @let positive = if voice.mentions == 0 { 0.0 } else { voice.positive as f64 / voice.mentions as f64 };
                @let y = i as f64 * row_h;
                g {
                    title {
                        (voice.name) ": " (voice.mentions) " mentions, "
                        (format!("{:.0}", share * 100.0)) "% of the conversation, "
                        (format!("{:.0}", positive * 100.0)) "% positive"
                    }
                    text x="0" y=(fmt(y + 17.0)) font-size="12" fill="currentColor" { (voice.name) }
                    rect x=(name_w) y=(fmt(y + 5.0)) width=(fmt((share * bar_w).max(1.0))) height="16"
                        fill=(if voice.ours { "#2f6fde" } else { "#a0a8b3" }) {}
                    text x=(fmt(name_w + share * bar_w + 6.0)) y=(fmt(y + 17.0)) font-size="12" fill="currentColor" {
                        (format!("{:.0}%", share * 100.0)) " · " (format!("{:.0}% positive", positive * 100.0))
                    }
                }
            }
        }
    }
}

/// Colours of the variants' lines, in order (A, B, C, ...), repeated when there are more.
const VARIANT_COLOURS: [(&str, &str); 6] = [
    ("#3b6fd8", "blue"),
    ("#d8823b", "orange"),
    ("#3f9c5a", "green"),
    ("#9c3f8f", "purple"),
    ("#d64545", "red"),
    ("#6b7280", "grey"),
];

/// One variant's line: its label and points (hours since each post was published, mean
/// engagements per post by then).
#[derive(Debug, Clone, PartialEq)]
pub struct VariantLine {
    /// The variant's label.
    pub label: String,
    /// `(hours since publication, mean engagements per post)`, by hours.
    pub points: Vec<(f64, f64)>,
}

/// Engagements per post over the hours since publication, one line per variant, so
/// variants published at different times are compared at the same age.
pub fn variant_lines(lines: &[VariantLine]) -> Markup {
    let max_x = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.0))
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let max_y = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let plot_w = WIDTH - LEFT;
    let plot_h = HEIGHT - BOTTOM;
    let x = |h: f64| LEFT + h / max_x * plot_w;
    let y = |v: f64| plot_h - v / max_y * plot_h;
    html! {
        svg.chart viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img"
            aria-label="Engagements per post by hours since publication, per variant" {
            line x1=(LEFT) y1=(plot_h) x2=(WIDTH) y2=(plot_h) stroke="currentColor" stroke-opacity="0.3" {}
            text x=(LEFT - 6.0) y="12" text-anchor="end" font-size="11" fill="currentColor" { (format!("{max_y:.1}")) }
            text x=(LEFT - 6.0) y=(plot_h) text-anchor="end" font-size="11" fill="currentColor" { "0" }
            text x=(LEFT) y=(HEIGHT - 6.0) font-size="11" fill="currentColor" { "0 h" }
            text x=(WIDTH) y=(HEIGHT - 6.0) text-anchor="end" font-size="11" fill="currentColor" { (format!("{max_x:.0} h after publication")) }
            @for (i, l) in lines.iter().enumerate() {
                @let colour = VARIANT_COLOURS[i % VARIANT_COLOURS.len()].0;
                @let points = l.points.iter().map(|(h, v)| format!("{},{}", fmt(x(*h)), fmt(y(*v)))).collect::<Vec<_>>().join(" ");
                g {
                    title {
                        "Variant " (l.label) ": "
                        @if let Some((h, v)) = l.points.last() { (format!("{v:.1}")) " engagements per post after " (format!("{h:.0}")) " h" }
                        @else { "no readings yet" }
                    }
                    polyline points=(points) fill="none" stroke=(colour) stroke-width="2" {}
                }
            }
        }
        p.legend {
            @for (i, l) in lines.iter().enumerate() {
                "variant " (l.label) ": " (VARIANT_COLOURS[i % VARIANT_COLOURS.len()].1) " line. "
            }
        }
    }
}

/// Two decimals are plenty for SVG coordinates and keep pages small.
fn fmt(v: f64) -> String {
    format!("{v:.2}")
}

/// Net sentiment ((positive − negative) / mentions, −1 to +1) per bucket as a line over a
/// zero axis; buckets without mentions are gaps, not zeros.
pub fn net_sentiment_trend(buckets: &[(Timestamp, RollupCounts)], label_format: &str) -> Markup {
    let plot_w = WIDTH - LEFT;
    let plot_h = HEIGHT - BOTTOM;
    let slot = plot_w / buckets.len().max(1) as f64;
    let y_of = |net: f64| plot_h / 2.0 - net * (plot_h / 2.0 - 8.0);
    let points: Vec<(f64, f64, Timestamp, f64, u64)> = buckets
        .iter()
        .enumerate()
        .filter(|(_, (_, c))| c.mentions > 0)
        .map(|(i, (start, c))| {
            let net = (c.positive as f64 - c.negative as f64) / c.mentions as f64;
            (
                LEFT + i as f64 * slot + slot / 2.0,
                y_of(net),
                *start,
                net,
                c.mentions,
            )
        })
        .collect();
    let path: String = points
        .iter()
        .map(|(x, y, ..)| format!("{},{}", fmt(*x), fmt(*y)))
        .collect::<Vec<_>>()
        .join(" ");
    let label_every = (buckets.len() / 8).max(1);
    html! {
        svg.chart #net-sentiment-chart viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img"
            aria-label="Net sentiment per period, from -1 to +1" {
            line x1=(LEFT) y1=(fmt(y_of(0.0))) x2=(WIDTH) y2=(fmt(y_of(0.0))) stroke="currentColor" stroke-opacity="0.3" {}
            text x=(LEFT - 6.0) y=(fmt(y_of(1.0) + 4.0)) text-anchor="end" font-size="11" fill="currentColor" { "+1" }
            text x=(LEFT - 6.0) y=(fmt(y_of(0.0) + 4.0)) text-anchor="end" font-size="11" fill="currentColor" { "0" }
            text x=(LEFT - 6.0) y=(fmt(y_of(-1.0) + 4.0)) text-anchor="end" font-size="11" fill="currentColor" { "−1" }
            @if points.len() > 1 {
                polyline points=(path) fill="none" stroke=(POSITIVE) stroke-width="2" {}
            }
            @for (x, y, start, net, mentions) in &points {
                circle cx=(fmt(*x)) cy=(fmt(*y)) r="3" fill=(if *net < 0.0 { NEGATIVE } else { POSITIVE }) {
                    title { (start.format(label_format)) ": net " (format!("{net:+.2}")) " over " (mentions) " mentions" }
                }
            }
            @for (i, (start, _)) in buckets.iter().enumerate() {
                @if i % label_every == 0 {
                    text x=(fmt(LEFT + i as f64 * slot + slot / 2.0)) y=(HEIGHT - 6.0) text-anchor="middle" font-size="11" fill="currentColor" {
                        (start.format(label_format))
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn bars_stack_to_the_total_and_carry_their_numbers() {
        let day = Utc.with_ymd_and_hms(2026, 5, 4, 0, 0, 0).unwrap();
        let counts = RollupCounts {
            mentions: 10,
            positive: 5,
            neutral: 3,
            negative: 2,
            ..RollupCounts::default()
        };
        let svg = sentiment_volume(&[(day, counts)], "%a %e").into_string();
        assert!(
            svg.contains("10 mentions, 5 positive, 3 neutral, 2 negative"),
            "{svg}"
        );
        // Three segments, heights 2, 3 and 5 tenths of the plot height.
        let plot = HEIGHT - BOTTOM;
        for part in [2.0, 3.0, 5.0] {
            assert!(
                svg.contains(&format!("height=\"{}\"", fmt(plot * part / 10.0))),
                "{svg}"
            );
        }
        let empty = sentiment_volume(&[], "%a").into_string();
        assert!(empty.contains("<svg"));
    }

    #[test]
    fn variant_lines_carry_their_labels_escaped() {
        let svg = variant_lines(&[
            VariantLine {
                label: "A".into(),
                points: vec![(0.0, 0.0), (24.0, 3.0)],
            },
            VariantLine {
                label: "<B>".into(),
                points: vec![(0.0, 1.0), (24.0, 6.0)],
            },
        ])
        .into_string();
        assert!(
            svg.contains("Variant A: 3.0 engagements per post after 24 h"),
            "{svg}"
        );
        assert!(svg.contains("Variant &lt;B&gt;: 6.0"), "{svg}");
        assert_eq!(svg.matches("<polyline").count(), 2);
        // B's last point is the top of the plot.
        assert!(svg.contains(&format!("{},0.00", fmt(WIDTH))), "{svg}");
    }

    #[test]
    fn shares_add_up_and_names_are_escaped() {
        let voices = [
            Voice {
                name: "Us <b>".into(),
                ours: true,
                mentions: 30,
                positive: 15,
            },
            Voice {
                name: "Them".into(),
                ours: false,
                mentions: 10,
                positive: 0,
            },
        ];
        let svg = share_of_voice(&voices).into_string();
        assert!(svg.contains("Us &lt;b&gt;: 30 mentions, 75% of the conversation, 50% positive"));
        assert!(svg.contains("Them: 10 mentions, 25% of the conversation, 0% positive"));
        assert!(!svg.contains("<b>"));
    }
}
