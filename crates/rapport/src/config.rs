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
//!
//! [email]                   # optional: the SMTP relay for alert and report e-mail
//! host = "smtp.example.org" # or RAPPORT_SMTP_HOST
//! port = 587                # or RAPPORT_SMTP_PORT (default: 587, 465 for tls, 25 for plain)
//! security = "starttls"     # or RAPPORT_SMTP_SECURITY: starttls, tls, plain (this machine only)
//! username = "alerts"       # or RAPPORT_SMTP_USERNAME; the password only from RAPPORT_SMTP_PASSWORD
//! from = "rapport <alerts@example.org>"   # or RAPPORT_SMTP_FROM
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
    /// The SMTP relay for alert and report e-mail (`[email]`).
    #[serde(default)]
    pub email: EmailConfig,
}

/// `[email]`: where alert and report e-mail goes out. Every field can be set (or
/// overridden) by its `RAPPORT_SMTP_*` variable; the password can only come from
/// `RAPPORT_SMTP_PASSWORD`, so it is never in a file and never printed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// The relay's host (`RAPPORT_SMTP_HOST`); without one, no e-mail is sent.
    pub host: Option<String>,
    /// Its port (`RAPPORT_SMTP_PORT`); default by `security`.
    pub port: Option<u16>,
    /// `starttls` (default), `tls` or `plain` (`RAPPORT_SMTP_SECURITY`).
    pub security: Option<String>,
    /// The login (`RAPPORT_SMTP_USERNAME`).
    pub username: Option<String>,
    /// The sender address (`RAPPORT_SMTP_FROM`), e.g. `rapport <alerts@example.org>`.
    pub from: Option<String>,
    /// The name given in EHLO (`RAPPORT_SMTP_HELO`), default `localhost`.
    pub hello_name: Option<String>,
    /// Longest one SMTP conversation may take, in seconds (default 30).
    pub timeout_secs: Option<u64>,
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

    /// The SMTP settings from `[email]` and the `RAPPORT_SMTP_*` variables (read through
    /// `env`), or `None` when no host is set.
    pub fn smtp_settings(
        &self,
        env: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Option<rapport_engine::alerts::email::SmtpSettings>> {
        use rapport_engine::alerts::email::{SmtpSecurity, SmtpSettings};
        let pick = |var: &str, file: &Option<String>| {
            env(var).filter(|v| !v.trim().is_empty()).or(file.clone())
        };
        let e = &self.email;
        let Some(host) = pick("RAPPORT_SMTP_HOST", &e.host) else {
            return Ok(None);
        };
        let security: SmtpSecurity = pick("RAPPORT_SMTP_SECURITY", &e.security)
            .as_deref()
            .unwrap_or("starttls")
            .parse()
            .map_err(anyhow::Error::msg)?;
        let port = match env("RAPPORT_SMTP_PORT") {
            Some(raw) => Some(
                raw.trim()
                    .parse::<u16>()
                    .with_context(|| format!("RAPPORT_SMTP_PORT {raw:?} is not a port"))?,
            ),
            None => e.port,
        };
        let from = pick("RAPPORT_SMTP_FROM", &e.from).context(
            "an SMTP host is set but no sender: set `from` in [email] or RAPPORT_SMTP_FROM",
        )?;
        Ok(Some(SmtpSettings {
            host,
            port,
            security,
            username: pick("RAPPORT_SMTP_USERNAME", &e.username),
            password: env("RAPPORT_SMTP_PASSWORD").map(rapport_store::Secret::new),
            from,
            hello_name: pick("RAPPORT_SMTP_HELO", &e.hello_name),
            timeout: Duration::from_secs(e.timeout_secs.unwrap_or(30).max(1)),
        }))
    }

    /// The mailer for [`Config::smtp_settings`] from the process environment, or `None`
    /// when no relay is configured.
    pub fn mailer(&self) -> anyhow::Result<Option<rapport_engine::alerts::email::Mailer>> {
        let Some(settings) = self.smtp_settings(|var| std::env::var(var).ok())? else {
            return Ok(None);
        };
        let mailer = rapport_engine::alerts::email::Mailer::new(
            &settings,
            rapport_engine::alerts::notify::NotifierConfig::default(),
        )?;
        Ok(Some(mailer))
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

    #[test]
    fn smtp_settings_come_from_the_file_and_the_environment_and_the_password_only_from_env() {
        use rapport_engine::alerts::email::SmtpSecurity;
        let config: Config = toml::from_str(
            "[email]\nhost = 'smtp.example.org'\nusername = 'alerts'\nfrom = 'rapport <a@example.org>'",
        )
        .unwrap();
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let s = config.smtp_settings(env(&[])).unwrap().unwrap();
        assert_eq!(s.host, "smtp.example.org");
        assert_eq!(s.security, SmtpSecurity::StartTls);
        assert_eq!(s.port, None);
        assert!(s.password.is_none());
        let s = config
            .smtp_settings(env(&[
                ("RAPPORT_SMTP_PASSWORD", "pw-from-env"),
                ("RAPPORT_SMTP_PORT", "2525"),
                ("RAPPORT_SMTP_SECURITY", "tls"),
            ]))
            .unwrap()
            .unwrap();
        assert_eq!(s.password.as_ref().unwrap().expose(), "pw-from-env");
        assert_eq!(s.port, Some(2525));
        assert_eq!(s.security, SmtpSecurity::Tls);
        assert!(!format!("{s:?}").contains("pw-from-env"));
        // A password in the file is refused: unknown key.
        assert!(toml::from_str::<Config>("[email]\npassword = 'x'").is_err());
        assert!(Config::default().smtp_settings(env(&[])).unwrap().is_none());
        assert!(config
            .smtp_settings(env(&[("RAPPORT_SMTP_PORT", "nope")]))
            .is_err());
    }
}
