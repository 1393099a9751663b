//! When a source may be called again: `Retry-After`, each network's rate-limit headers, and
//! exponential backoff with full jitter after errors.
//!
//! Header shapes, from each network's documentation:
//! - `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date;
//! - Mastodon (<https://docs.joinmastodon.org/api/rate-limits/>): `X-RateLimit-Remaining` and
//!   `X-RateLimit-Reset`, an ISO 8601 timestamp;
//! - X (<https://docs.x.com/x-api/fundamentals/rate-limits>): `x-rate-limit-remaining` and
//!   `x-rate-limit-reset`, Unix epoch seconds;
//! - Reddit (<https://support.reddithelp.com/hc/en-us/articles/16160319875092-Reddit-Data-API-Wiki>):
//!   `X-Ratelimit-Remaining` (may be fractional, `598.0`) and `X-Ratelimit-Reset`, seconds
//!   until the window resets;
//! - Bluesky (<https://docs.bsky.app/docs/advanced-guides/rate-limits>): `ratelimit-remaining`
//!   and `ratelimit-reset`, Unix epoch seconds (the IETF draft's names), read when the
//!   others are absent.
//!
//! Mastodon's and Reddit's headers have the same (case-insensitive) name; the value's shape
//! tells them apart: a timestamp, a small number of seconds, or epoch seconds.

use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;
use std::time::Duration;

/// Longest wait any header can impose (a broken or hostile server cannot park a source
/// for a year).
pub const MAX_WAIT: Duration = Duration::from_secs(24 * 3600);

/// Numbers above this are Unix epoch seconds, below it seconds from now.
const EPOCH_THRESHOLD: f64 = 1_000_000_000.0;

/// What a response said about calling again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateLimit {
    /// Calls left in the current window, when the server says.
    pub remaining: Option<u64>,
    /// Time until the window resets, when the server says.
    pub reset_after: Option<Duration>,
    /// `Retry-After`, when present.
    pub retry_after: Option<Duration>,
}

impl RateLimit {
    /// Reads every known rate-limit header of a response received at `now`.
    pub fn from_headers(headers: &HeaderMap, now: DateTime<Utc>) -> RateLimit {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        let remaining = text("x-rate-limit-remaining")
            .or_else(|| text("x-ratelimit-remaining"))
            .or_else(|| text("ratelimit-remaining"))
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|n| n.is_finite() && *n >= 0.0)
            .map(|n| n.floor() as u64);
        let reset_after = text("x-rate-limit-reset")
            .or_else(|| text("x-ratelimit-reset"))
            .or_else(|| text("ratelimit-reset"))
            .and_then(|v| parse_reset(v, now));
        let retry_after = text("retry-after").and_then(|v| parse_retry_after(v, now));
        RateLimit {
            remaining,
            reset_after,
            retry_after,
        }
    }

    /// How long to wait before the next call: `Retry-After` if given, else the time to the
    /// window's reset when no calls are left; `None` when the caller may go on.
    pub fn wait(&self) -> Option<Duration> {
        self.retry_after.or(match self.remaining {
            Some(0) => Some(self.reset_after.unwrap_or(Duration::from_secs(60))),
            _ => None,
        })
    }
}

/// A `Retry-After` value: delay-seconds or an HTTP-date (IMF-fixdate, e.g.
/// `Wed, 21 Oct 2015 07:28:00 GMT`), capped at [`MAX_WAIT`]. A date in the past is zero.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds).min(MAX_WAIT));
    }
    let at = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some(until(at, now))
}

/// A rate-limit reset: an ISO 8601 time (Mastodon), epoch seconds (X), or seconds from now
/// (Reddit).
pub fn parse_reset(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(value) {
        return Some(until(at.with_timezone(&Utc), now));
    }
    let number = value
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n >= 0.0)?;
    if number >= EPOCH_THRESHOLD {
        let at = DateTime::from_timestamp(number as i64, 0)?;
        Some(until(at, now))
    } else {
        Some(Duration::from_secs_f64(number.ceil()).min(MAX_WAIT))
    }
}

fn until(at: DateTime<Utc>, now: DateTime<Utc>) -> Duration {
    (at - now).to_std().unwrap_or(Duration::ZERO).min(MAX_WAIT)
}

/// Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And
/// Jitter"): after the n-th consecutive failure wait a uniformly random time between zero and
/// `min(cap, base * 2^(n-1))`, so failing sources never poll in lockstep or hammer a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The ceiling after the first failure.
    pub base: Duration,
    /// The largest ceiling.
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_secs(5),
            cap: Duration::from_secs(15 * 60),
        }
    }
}

impl Backoff {
    /// The longest wait after `failures` consecutive failures (zero for none).
    pub fn ceiling(&self, failures: u32) -> Duration {
        if failures == 0 {
            return Duration::ZERO;
        }
        let doublings = (failures - 1).min(30);
        self.base.saturating_mul(1 << doublings).min(self.cap)
    }

    /// The wait for `failures` failures and a jitter draw `unit` in `[0, 1]`.
    pub fn delay_with(&self, failures: u32, unit: f64) -> Duration {
        self.ceiling(failures).mul_f64(unit.clamp(0.0, 1.0))
    }

    /// The wait for `failures` failures, with a random draw.
    pub fn delay(&self, failures: u32) -> Duration {
        self.delay_with(failures, random_unit())
    }
}

/// A uniform draw in `[0, 1)` from the system's randomness (0.5 if it is unavailable).
fn random_unit() -> f64 {
    let mut bytes = [0u8; 8];
    match getrandom::fill(&mut bytes) {
        Ok(()) => (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64,
        Err(_) => 0.5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use reqwest::header::{HeaderName, HeaderValue};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        map
    }

    #[test]
    fn retry_after_takes_seconds_and_http_dates() {
        assert_eq!(
            parse_retry_after("120", now()),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Sun, 01 Mar 2026 12:01:30 GMT", now()),
            Some(Duration::from_secs(90))
        );
        assert_eq!(
            parse_retry_after("Sun, 01 Mar 2026 11:00:00 GMT", now()),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("99999999999", now()), Some(MAX_WAIT));
        assert_eq!(parse_retry_after("soon", now()), None);
        assert_eq!(parse_retry_after("-5", now()), None);
    }

    #[test]
    fn blueskys_draft_headers_are_understood() {
        // 2026-03-01T12:02:00Z as epoch seconds.
        let reset = Utc
            .with_ymd_and_hms(2026, 3, 1, 12, 2, 0)
            .unwrap()
            .timestamp();
        let bluesky = RateLimit::from_headers(
            &headers(&[
                ("ratelimit-limit", "3000"),
                ("ratelimit-remaining", "0"),
                ("ratelimit-reset", &reset.to_string()),
                ("ratelimit-policy", "3000;w=300"),
            ]),
            now(),
        );
        assert_eq!(bluesky.remaining, Some(0));
        assert_eq!(bluesky.wait(), Some(Duration::from_secs(120)));
    }

    #[test]
    fn each_networks_reset_header_is_understood() {
        // Mastodon: ISO 8601.
        let mastodon = RateLimit::from_headers(
            &headers(&[
                ("X-RateLimit-Limit", "300"),
                ("X-RateLimit-Remaining", "0"),
                ("X-RateLimit-Reset", "2026-03-01T12:05:00.000Z"),
            ]),
            now(),
        );
        assert_eq!(mastodon.remaining, Some(0));
        assert_eq!(mastodon.wait(), Some(Duration::from_secs(300)));
        // X: epoch seconds.
        let epoch = now().timestamp() + 900;
        let x = RateLimit::from_headers(
            &headers(&[
                ("x-rate-limit-limit", "450"),
                ("x-rate-limit-remaining", "0"),
                ("x-rate-limit-reset", &epoch.to_string()),
            ]),
            now(),
        );
        assert_eq!(x.wait(), Some(Duration::from_secs(900)));
        // Reddit: fractional remaining, seconds to reset.
        let reddit = RateLimit::from_headers(
            &headers(&[
                ("x-ratelimit-used", "600"),
                ("x-ratelimit-remaining", "0.0"),
                ("x-ratelimit-reset", "345"),
            ]),
            now(),
        );
        assert_eq!(reddit.wait(), Some(Duration::from_secs(345)));
        // Calls left: no wait; Retry-After wins over everything.
        let fine = RateLimit::from_headers(&headers(&[("x-ratelimit-remaining", "598.0")]), now());
        assert_eq!((fine.remaining, fine.wait()), (Some(598), None));
        let told = RateLimit::from_headers(
            &headers(&[("Retry-After", "7"), ("x-rate-limit-remaining", "10")]),
            now(),
        );
        assert_eq!(told.wait(), Some(Duration::from_secs(7)));
    }

    #[test]
    fn backoff_grows_to_its_cap_with_full_jitter() {
        let backoff = Backoff::default();
        assert_eq!(backoff.ceiling(0), Duration::ZERO);
        assert_eq!(backoff.ceiling(1), Duration::from_secs(5));
        assert_eq!(backoff.ceiling(3), Duration::from_secs(20));
        assert_eq!(backoff.ceiling(12), Duration::from_secs(900));
        assert_eq!(backoff.ceiling(u32::MAX), Duration::from_secs(900));
        assert_eq!(backoff.delay_with(3, 0.0), Duration::ZERO);
        assert_eq!(backoff.delay_with(3, 0.5), Duration::from_secs(10));
        assert_eq!(backoff.delay_with(3, 7.0), Duration::from_secs(20));
        let draws: Vec<Duration> = (0..64).map(|_| backoff.delay(4)).collect();
        assert!(draws.iter().all(|d| *d <= Duration::from_secs(40)));
        assert!(draws.iter().any(|d| *d != draws[0]), "no jitter");
    }
}
