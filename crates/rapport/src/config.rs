//! `rapport.toml`: the sources each workspace listens to, and what outgoing requests may
//! reach. Read from the data directory, or from `--config FILE` / `RAPPORT_CONFIG`.
//!
//! ```toml
//! [safety]                  # optional: private addresses are refused unless listed
//! allow = ["10.0.0.0/8", "feeds.lan"]
//!
//! [[source]]
//! workspace = "Orvella (demo)"
//! kind = "jsonfeed"
//! name = "partner export"
//! url = "https://partner.example/rapport/posts"
//! token_env = "PARTNER_TOKEN"   # read at start, stored encrypted
//! ```

use anyhow::Context;
use rapport_sources::http::{AllowRule, FetchLimits, SafetyPolicy};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The whole file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// What outgoing requests may reach and how big and slow they may be.
    #[serde(default)]
    pub safety: SafetyConfig,
    /// How often sources are polled.
    #[serde(default)]
    pub ingest: IngestConfig,
    /// The configured sources (`[[source]]` tables).
    #[serde(default, rename = "source")]
    pub sources: Vec<SourceConfig>,
}

/// `[safety]`: the SSRF guard and response bounds.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SafetyConfig {
    /// Allow every private, loopback and link-local address (a trusted home install only).
    #[serde(default)]
    pub allow_private: bool,
    /// Networks (`10.0.0.0/8`, `127.0.0.1`) and host names allowed although not public.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Largest response read, in bytes (default 8 MiB).
    pub max_response_bytes: Option<u64>,
    /// Longest one request may take, in seconds (default 30).
    pub timeout_secs: Option<u64>,
}

/// `[ingest]`: scheduling.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestConfig {
    /// Seconds between polls of a caught-up source (default 60).
    pub interval_secs: Option<u64>,
}

/// One `[[source]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// The workspace's name (created if it does not exist).
    pub workspace: String,
    /// The connector: `jsonfeed`, `feed`, `mastodon`, `bluesky_search`, `x_search`, `reddit`,
    /// `hackernews` (polled) or `webhook` (pushed to `/api/v1/hooks/{id}`).
    pub kind: String,
    /// A name unique within the workspace.
    pub name: String,
    /// The URL to poll (polled kinds).
    pub url: Option<String>,
    /// The environment variable holding the token or webhook secret; it is stored
    /// encrypted, never in this file.
    pub token_env: Option<String>,
    /// The connector's own settings (see its config type in `rapport_sources::connectors`),
    /// e.g. `settings = { instance = "https://mastodon.social", timeline = "hashtag", query = "rust" }`.
    #[serde(default)]
    pub settings: serde_json::Map<String, serde_json::Value>,
    /// Whether to poll it (default true).
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
}

fn enabled_by_default() -> bool {
    true
}

impl Config {
    /// Reads `explicit`, or `rapport.toml` in `data_dir` when it exists, or nothing.
    pub fn load(
        explicit: Option<&Path>,
        data_dir: &Path,
    ) -> anyhow::Result<(Config, Option<PathBuf>)> {
        let path = match explicit {
            Some(path) => path.to_path_buf(),
            None => {
                let default = data_dir.join("rapport.toml");
                if !default.exists() {
                    return Ok((Config::default(), None));
                }
                default
            }
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read the configuration {}", path.display()))?;
        let config: Config = toml::from_str(&text)
            .with_context(|| format!("invalid configuration in {}", path.display()))?;
        Ok((config, Some(path)))
    }

    /// The SSRF policy of `[safety]`.
    pub fn safety_policy(&self) -> SafetyPolicy {
        SafetyPolicy {
            allow_private: self.safety.allow_private,
            allow: self
                .safety
                .allow
                .iter()
                .map(|rule| match rule.parse::<AllowRule>() {
                    Ok(rule) => rule,
                    Err(never) => match never {},
                })
                .collect(),
        }
    }

    /// The response bounds of `[safety]`.
    pub fn fetch_limits(&self) -> FetchLimits {
        let mut limits = FetchLimits::default();
        if let Some(bytes) = self.safety.max_response_bytes {
            limits.max_bytes = bytes;
        }
        if let Some(secs) = self.safety.timeout_secs {
            limits.total_time = Duration::from_secs(secs.max(1));
        }
        limits
    }

    /// The usual wait between polls.
    pub fn interval(&self) -> Duration {
        Duration::from_secs(self.ingest.interval_secs.unwrap_or(60).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_documented_config_parses_and_unknown_keys_are_refused() {
        let text = r#"
            [safety]
            allow = ["10.0.0.0/8", "feeds.lan"]
            [ingest]
            interval_secs = 30
            [[source]]
            workspace = "Orvella (demo)"
            kind = "jsonfeed"
            name = "partner"
            url = "https://partner.example/posts"
            token_env = "PARTNER_TOKEN"
        "#;
        let config: Config = toml::from_str(text).unwrap();
        assert_eq!(config.sources.len(), 1);
        assert!(config.sources[0].enabled);
        assert_eq!(config.interval(), Duration::from_secs(30));
        assert_eq!(config.safety_policy().allow.len(), 2);
        assert!(toml::from_str::<Config>(
            "[[source]]\nworkspace='a'\nkind='b'\nname='c'\ntoken='x'"
        )
        .is_err());
    }
}
