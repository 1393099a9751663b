//! The login rate limit, kept in memory (per process: a restart forgets it, and several
//! replicas would each count on their own; the durable store is not worth a write per
//! failed guess).
//!
//! Failed logins are counted per account (5 per 15 minutes) and per client IP (10 per
//! minute) in sliding windows. Successful logins are not counted. Behind a reverse proxy
//! every client shares the proxy's IP, so the per-IP rule then limits everyone together.

use std::{
    collections::{HashMap, VecDeque},
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

/// One sliding-window rule: at most `failures` within `window`.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Failures allowed in the window.
    pub failures: usize,
    /// The window.
    pub window: Duration,
}

/// Failures per account.
pub const PER_ACCOUNT: Rule = Rule {
    failures: 5,
    window: Duration::from_secs(15 * 60),
};
/// Failures per client IP.
pub const PER_IP: Rule = Rule {
    failures: 10,
    window: Duration::from_secs(60),
};
/// Keys remembered before expired ones are swept.
const SWEEP_ABOVE: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Account(String),
    Ip(IpAddr),
}

/// Why a login attempt is refused before its password is even checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    /// Which limit: `account` or `address`.
    pub by: &'static str,
    /// How long until one more attempt is allowed.
    pub retry_after: Duration,
}

/// Counts failed logins per account and per IP.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<Key, VecDeque<Instant>>>,
}

impl LoginLimiter {
    /// Whether an attempt on `account` from `ip` may go ahead at `now`.
    pub fn check(&self, ip: IpAddr, account: &str, now: Instant) -> Result<(), Blocked> {
        let Ok(mut map) = self.failures.lock() else {
            return Ok(());
        };
        for (key, rule, by) in keys(ip, account) {
            if let Some(times) = map.get_mut(&key) {
                prune(times, rule, now);
                if times.len() >= rule.failures {
                    let oldest = times.front().copied().unwrap_or(now);
                    let retry_after = (oldest + rule.window).saturating_duration_since(now);
                    return Err(Blocked { by, retry_after });
                }
            }
        }
        Ok(())
    }

    /// Counts a failed attempt on `account` from `ip`.
    pub fn record_failure(&self, ip: IpAddr, account: &str, now: Instant) {
        let Ok(mut map) = self.failures.lock() else {
            return;
        };
        if map.len() > SWEEP_ABOVE {
            map.retain(|key, times| {
                let rule = match key {
                    Key::Account(_) => PER_ACCOUNT,
                    Key::Ip(_) => PER_IP,
                };
                prune(times, rule, now);
                !times.is_empty()
            });
        }
        for (key, rule, _) in keys(ip, account) {
            let times = map.entry(key).or_default();
            prune(times, rule, now);
            times.push_back(now);
        }
    }

    /// Forgets an account's failures after it logged in.
    pub fn clear_account(&self, account: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&Key::Account(normalise(account)));
        }
    }
}

fn normalise(account: &str) -> String {
    account.trim().to_lowercase()
}

fn keys(ip: IpAddr, account: &str) -> [(Key, Rule, &'static str); 2] {
    [
        (Key::Account(normalise(account)), PER_ACCOUNT, "account"),
        (Key::Ip(ip), PER_IP, "address"),
    ]
}

fn prune(times: &mut VecDeque<Instant>, rule: Rule, now: Instant) {
    while times
        .front()
        .is_some_and(|t| now.saturating_duration_since(*t) >= rule.window)
    {
        times.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));

    #[test]
    fn five_failures_lock_an_account_for_fifteen_minutes() {
        let limiter = LoginLimiter::default();
        let start = Instant::now();
        for minute in 0..5 {
            let at = start + Duration::from_secs(minute * 60);
            assert!(limiter.check(HOME, "Ann@x", at).is_ok());
            limiter.record_failure(HOME, "ann@x", at);
        }
        let blocked = limiter
            .check(HOME, "ann@x ", start + Duration::from_secs(5 * 60))
            .unwrap_err();
        assert_eq!(blocked.by, "account");
        assert_eq!(blocked.retry_after, Duration::from_secs(10 * 60));
        // Other accounts from the same address are not locked by this rule.
        assert!(limiter
            .check(HOME, "bob@x", start + Duration::from_secs(300))
            .is_ok());
        // The oldest failure leaves the window after 15 minutes.
        assert!(limiter
            .check(HOME, "ann@x", start + Duration::from_secs(15 * 60))
            .is_ok());
        limiter.record_failure(HOME, "ann@x", start + Duration::from_secs(900));
        limiter.clear_account("ann@x");
        assert!(limiter
            .check(HOME, "ann@x", start + Duration::from_secs(901))
            .is_ok());
    }

    #[test]
    fn ten_failures_a_minute_lock_an_address() {
        let limiter = LoginLimiter::default();
        let start = Instant::now();
        for i in 0..10 {
            limiter.record_failure(HOME, &format!("user{i}@x"), start);
        }
        let blocked = limiter.check(HOME, "new@x", start).unwrap_err();
        assert_eq!(blocked.by, "address");
        let elsewhere: IpAddr = "10.0.0.2".parse().unwrap();
        assert!(limiter.check(elsewhere, "new@x", start).is_ok());
        assert!(limiter
            .check(HOME, "new@x", start + Duration::from_secs(60))
            .is_ok());
    }
}
