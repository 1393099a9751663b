//! E-mail delivery over SMTP (lettre on tokio, rustls with ring): alerts, digests and the
//! weekly report.
//!
//! [`SmtpSettings`] say where the relay is and how to reach it: STARTTLS (port 587 by
//! default), implicit TLS (465) or, for a relay on this machine only, plain SMTP (25). The
//! password is a [`Secret`] (it prints `[redacted]` and is never logged). [`Mailer::send`]
//! retries a failed message with exponential backoff, like the webhooks, unless the server
//! refused it for good (a 5xx answer); [`Mailer::deliver`] adds the rule's cooldown and
//! records the outcome. Every text that came from outside (post text, handles, names) is
//! escaped in the HTML part.

use super::notify::{AlertMessage, NotifierConfig, SendOutcome};
use chrono::Utc;
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rapport_store::alerts::{AlertRecord, AlertRule, Delivery, DeliveryStatus};
use rapport_store::{AlertStore, Secret, StoreError};
use std::str::FromStr;
use std::time::Duration;

/// How the connection to the relay is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain SMTP, upgraded with STARTTLS, which is required (default port 587).
    StartTls,
    /// TLS from the first byte ("SMTPS", default port 465).
    Tls,
    /// No encryption at all (default port 25): only for a relay on this machine.
    Plain,
}

impl SmtpSecurity {
    /// The port used when none is given.
    pub fn default_port(self) -> u16 {
        match self {
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::Tls => 465,
            SmtpSecurity::Plain => 25,
        }
    }
}

impl FromStr for SmtpSecurity {
    type Err = String;

    fn from_str(s: &str) -> Result<SmtpSecurity, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "starttls" => Ok(SmtpSecurity::StartTls),
            "tls" | "smtps" => Ok(SmtpSecurity::Tls),
            "plain" | "none" => Ok(SmtpSecurity::Plain),
            other => Err(format!(
                "unknown SMTP security {other:?} (starttls, tls or plain)"
            )),
        }
    }
}

/// Where and how to send e-mail.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    /// The relay's host name (or address).
    pub host: String,
    /// Its port; `None`: the security mode's default.
    pub port: Option<u16>,
    /// How the connection is secured.
    pub security: SmtpSecurity,
    /// The account to log in with, if the relay wants one.
    pub username: Option<String>,
    /// Its password (from the environment only; never logged).
    pub password: Option<Secret>,
    /// The sender, e.g. `rapport <alerts@example.org>`.
    pub from: String,
    /// The name this machine gives in EHLO; `None`: `localhost`.
    pub hello_name: Option<String>,
    /// Longest one SMTP conversation may take.
    pub timeout: Duration,
}

/// Why e-mail cannot be sent with the given settings.
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    /// The settings are unusable; the message says which one.
    #[error("SMTP settings: {0}")]
    Settings(String),
    /// An address could not be read.
    #[error("invalid e-mail address {address:?}: {message}")]
    Address {
        /// The address as given.
        address: String,
        /// What is wrong with it.
        message: String,
    },
    /// The message could not be built.
    #[error("cannot build the e-mail: {0}")]
    Build(String),
}

/// Checks one address (`ana@example.org` or `Ana <ana@example.org>`).
pub fn parse_address(address: &str) -> Result<Mailbox, EmailError> {
    address
        .trim()
        .parse::<Mailbox>()
        .map_err(|e| EmailError::Address {
            address: address.to_string(),
            message: e.to_string(),
        })
}

/// Whether `host` names this machine (plain SMTP is allowed only there).
fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// One message: its recipients, subject, and a plain-text and an HTML part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// Recipients, each checked with [`parse_address`].
    pub to: Vec<String>,
    /// The subject line (control characters are replaced by spaces).
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part (already escaped by whoever built it).
    pub html: String,
}

/// Sends e-mail through one SMTP relay.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    retry: NotifierConfig,
    relay: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("relay", &self.relay)
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// A mailer for `settings`, retrying as `retry` says (attempts and first backoff; the
    /// timeout is the settings' own).
    pub fn new(settings: &SmtpSettings, retry: NotifierConfig) -> Result<Mailer, EmailError> {
        let host = settings.host.trim();
        if host.is_empty() {
            return Err(EmailError::Settings("the SMTP host is empty".into()));
        }
        if settings.security == SmtpSecurity::Plain && !is_loopback(host) {
            return Err(EmailError::Settings(format!(
                "plain SMTP (no TLS) is only allowed to a relay on this machine, not {host}; \
                 use starttls or tls"
            )));
        }
        let from = parse_address(&settings.from)?;
        let port = settings.port.unwrap_or(settings.security.default_port());
        let tls = |host: &str| {
            TlsParameters::new(host.to_string())
                .map_err(|e| EmailError::Settings(format!("TLS for {host}: {e}")))
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .timeout(Some(settings.timeout));
        builder = match settings.security {
            SmtpSecurity::StartTls => builder.tls(Tls::Required(tls(host)?)),
            SmtpSecurity::Tls => builder.tls(Tls::Wrapper(tls(host)?)),
            SmtpSecurity::Plain => builder.tls(Tls::None),
        };
        builder = builder.hello_name(ClientId::Domain(
            settings
                .hello_name
                .clone()
                .unwrap_or_else(|| "localhost".to_string()),
        ));
        match (&settings.username, &settings.password) {
            (Some(user), Some(password)) => {
                builder = builder.credentials(Credentials::new(
                    user.clone(),
                    password.expose().to_string(),
                ));
            }
            (Some(_), None) => {
                return Err(EmailError::Settings(
                    "an SMTP username is set but no password (RAPPORT_SMTP_PASSWORD)".into(),
                ))
            }
            (None, _) => {}
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
            retry,
            relay: format!("{host}:{port}"),
        })
    }

    /// The relay, as `host:port` (for messages; no credentials).
    pub fn relay(&self) -> &str {
        &self.relay
    }

    /// Builds the MIME message for `email`: multipart/alternative, text then HTML.
    pub fn build(&self, email: &Email) -> Result<Message, EmailError> {
        if email.to.is_empty() {
            return Err(EmailError::Build("no recipients".into()));
        }
        let subject: String = email
            .subject
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(subject)
            .date_now();
        for to in &email.to {
            builder = builder.to(parse_address(to)?);
        }
        builder
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(email.text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(email.html.clone()),
                    ),
            )
            .map_err(|e| EmailError::Build(e.to_string()))
    }

    /// Sends `email`, retrying with exponential backoff after a failure that may pass (the
    /// relay unreachable, a 4xx answer, a timeout); a permanent refusal (5xx) or a message
    /// that cannot be built is not retried.
    pub async fn send(&self, email: &Email) -> SendOutcome {
        let message = match self.build(email) {
            Ok(message) => message,
            Err(e) => {
                let error = e.to_string();
                return SendOutcome {
                    attempts: 0,
                    error: Some(error.clone()),
                    last_error: Some(error),
                };
            }
        };
        let attempts = self.retry.attempts.max(1);
        let mut backoff = self.retry.first_backoff;
        let mut last_error = None;
        for attempt in 1..=attempts {
            match self.transport.send(message.clone()).await {
                Ok(_) => {
                    return SendOutcome {
                        attempts: attempt,
                        error: None,
                        last_error,
                    }
                }
                Err(e) => {
                    // lettre's errors carry the server's answer, never the credentials.
                    let error = format!("SMTP {}: {e}", self.relay);
                    tracing::debug!(attempt, "e-mail failed: {error}");
                    let permanent = e.is_permanent() || e.is_client();
                    last_error = Some(error);
                    if permanent || attempt == attempts {
                        return SendOutcome {
                            attempts: attempt,
                            error: last_error.clone(),
                            last_error,
                        };
                    }
                    tokio::time::sleep(backoff).await;
                    backoff = backoff.saturating_mul(2);
                }
            }
        }
        SendOutcome {
            attempts,
            error: last_error.clone(),
            last_error,
        }
    }

    /// E-mails a recorded alert to the rule's recipients unless the rule e-mailed one less
    /// than its cooldown ago, and records what happened.
    pub async fn deliver(
        &self,
        store: &dyn AlertStore,
        rule: &AlertRule,
        alert: &AlertRecord,
        message: &AlertMessage,
    ) -> Result<Delivery, StoreError> {
        let now = Utc::now();
        let cooldown = chrono::Duration::minutes(i64::from(rule.cooldown_minutes));
        let recent = store
            .last_emailed_at(rule.id)
            .await?
            .is_some_and(|last| now - last < cooldown);
        let delivery = if recent {
            Delivery {
                status: DeliveryStatus::Suppressed,
                attempts: 0,
                last_error: None,
                finished_at: now,
            }
        } else {
            let outcome = self.send(&alert_email(&rule.email_to, message)).await;
            outcome_delivery(outcome)
        };
        store
            .record_email_delivery(alert.id, delivery.clone())
            .await?;
        Ok(delivery)
    }
}

/// A send's outcome as a stored delivery.
pub fn outcome_delivery(outcome: SendOutcome) -> Delivery {
    Delivery {
        status: if outcome.error.is_none() {
            DeliveryStatus::Delivered
        } else {
            DeliveryStatus::Failed
        },
        attempts: outcome.attempts,
        last_error: outcome.last_error,
        finished_at: Utc::now(),
    }
}

/// Escapes text for an HTML element's content.
pub fn escape(text: &str) -> String {
    html_escape::encode_text(text).into_owned()
}

/// Wraps an HTML fragment in a minimal document (no scripts, no external resources).
pub fn html_document(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body style=\"font-family: sans-serif\">{body}</body></html>\n",
        escape(title)
    )
}

/// The e-mail for one alert.
pub fn alert_email(to: &[String], message: &AlertMessage) -> Email {
    let about = message
        .monitor
        .as_deref()
        .map(|m| format!(" on {m}"))
        .unwrap_or_default();
    let subject = format!(
        "[rapport] {} alert{about} in {}",
        message.kind, message.workspace
    );
    let hour = message.hour.format("%Y-%m-%d %H:00 UTC").to_string();
    let mut text = format!(
        "{}\n\nHour: {hour}\nObserved: {}\nExpected: {:.1}\n",
        message.sentence, message.observed, message.expected
    );
    let mut html = format!(
        "<h1>{}</h1><p>{}</p><table><tr><th align=\"left\">Hour</th><td>{}</td></tr>\
         <tr><th align=\"left\">Observed</th><td>{}</td></tr>\
         <tr><th align=\"left\">Expected</th><td>{:.1}</td></tr></table>",
        escape(&subject),
        escape(&message.sentence),
        escape(&hour),
        message.observed,
        message.expected
    );
    if let Some(link) = &message.link {
        text.push_str(&format!("\n{link}\n"));
        html.push_str(&format!(
            "<p><a href=\"{}\">Open in rapport</a></p>",
            html_escape::encode_double_quoted_attribute(link)
        ));
    }
    Email {
        to: to.to_vec(),
        html: html_document(&subject, &html),
        subject,
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(host: &str, security: SmtpSecurity) -> SmtpSettings {
        SmtpSettings {
            host: host.into(),
            port: None,
            security,
            username: None,
            password: None,
            from: "rapport <alerts@example.org>".into(),
            hello_name: None,
            timeout: Duration::from_secs(5),
        }
    }

    #[test]
    fn plain_smtp_only_to_this_machine() {
        assert!(Mailer::new(
            &settings("127.0.0.1", SmtpSecurity::Plain),
            NotifierConfig::default()
        )
        .is_ok());
        assert!(Mailer::new(
            &settings("localhost", SmtpSecurity::Plain),
            NotifierConfig::default()
        )
        .is_ok());
        let err = Mailer::new(
            &settings("smtp.example.org", SmtpSecurity::Plain),
            NotifierConfig::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("starttls"), "{err}");
        let mut bad = settings("smtp.example.org", SmtpSecurity::StartTls);
        bad.from = "not an address".into();
        assert!(Mailer::new(&bad, NotifierConfig::default()).is_err());
        let mut half = settings("smtp.example.org", SmtpSecurity::StartTls);
        half.username = Some("ana".into());
        let err = Mailer::new(&half, NotifierConfig::default()).unwrap_err();
        assert!(err.to_string().contains("RAPPORT_SMTP_PASSWORD"), "{err}");
        assert_eq!("STARTTLS".parse(), Ok(SmtpSecurity::StartTls));
        assert!("ssl3".parse::<SmtpSecurity>().is_err());
    }

    #[test]
    fn the_password_never_prints() {
        let mut s = settings("smtp.example.org", SmtpSecurity::Tls);
        s.username = Some("ana".into());
        s.password = Some(Secret::new("hunter2-smtp"));
        assert!(!format!("{s:?}").contains("hunter2-smtp"));
        let mailer = Mailer::new(&s, NotifierConfig::default()).unwrap();
        assert!(!format!("{mailer:?}").contains("hunter2-smtp"));
        assert_eq!(mailer.relay(), "smtp.example.org:465");
    }

    #[test]
    fn ingested_text_is_escaped_in_the_html_part() {
        let message = AlertMessage {
            rule: 1,
            kind: "reach".into(),
            workspace: "A&B".into(),
            monitor: Some("<b>brand</b>".into()),
            hour: chrono::DateTime::from_timestamp(1_774_000_800, 0).unwrap(),
            sentence: "@x<script>alert(1)</script> posted".into(),
            expected: 0.0,
            observed: 1,
            z: 0.0,
            p: 1.0,
            link: Some("https://rapport.example/w/1/alerts?a=1&b=\"2\"".into()),
        };
        let email = alert_email(&["ops@example.org".into()], &message);
        assert!(!email.html.contains("<script>"), "{}", email.html);
        assert!(email.html.contains("&lt;script&gt;"), "{}", email.html);
        assert!(email.html.contains("&lt;b&gt;brand"), "{}", email.html);
        assert!(email.html.contains("A&amp;B"), "{}", email.html);
        assert!(email.html.contains("b=&quot;2&quot;"), "{}", email.html);
        assert_eq!(
            email.subject,
            "[rapport] reach alert on <b>brand</b> in A&B"
        );
        assert!(
            email.text.contains("<script>"),
            "the text part is plain text"
        );
    }
}
