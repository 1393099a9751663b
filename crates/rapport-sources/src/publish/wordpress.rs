//! Posts on a WordPress site through its REST API with an application password.
//!
//! - Posting: `POST /wp-json/wp/v2/posts`
//!   (<https://developer.wordpress.org/rest-api/reference/posts/#create-a-post>) with
//!   `{"title", "content", "status": "publish", "slug"}`; 201 answers the post object, of
//!   which we read `id` and `link`.
//! - Authentication: an application password (WordPress 5.6+, Users → Profile →
//!   Application Passwords) sent as HTTP Basic credentials with the user name
//!   (<https://developer.wordpress.org/rest-api/using-the-rest-api/authentication/#basic-authentication-with-application-passwords>).
//! - Errors: `{"code", "message", "data": {"status"}}`
//!   (<https://developer.wordpress.org/rest-api/using-the-rest-api/global-parameters/#_envelope>
//!   shows the same envelope); 401/403 (`rest_cannot_create`, `incorrect_password`) →
//!   [`PublishError::Unauthorized`], 429 (WordPress itself does not rate-limit, hosts and
//!   security plugins do) → `RateLimited` after `Retry-After`, 408/5xx → `Transient`, any
//!   other refusal → `Rejected` with WordPress's message.
//! - Length: none worth enforcing ([`LengthRule::Unlimited`]).
//! - Idempotency: WordPress has no idempotency key. Each post is created with a slug derived
//!   from the idempotency key ([`slug_for`]), so [`Publisher::find_published`] finds an
//!   earlier attempt with `GET /wp-json/wp/v2/posts?slug=...&status=...` (any status, which
//!   needs the authenticated `edit` context). WordPress would not refuse a second post with
//!   the same slug (it appends `-2`), so the caller must ask before resending, as the
//!   scheduler does for every delivery left `sending`.
//! - The text is plain: it is HTML-escaped, blank lines become paragraphs and single line
//!   breaks `<br>`; the title is its first line (at most 80 characters).

use async_trait::async_trait;
use rapport_model::Network;
use reqwest::{Method, Url};
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

use super::length::LengthRule;
use super::{transport, Outgoing, PublishError, Published, Publisher};
use crate::http::{Auth, Fetcher, Posted, RequestBody};

const NETWORK: &str = "WordPress";
/// The statuses a reconciliation looks in (a post may have been held for review).
const ANY_STATUS: &str = "publish,future,draft,pending,private";
/// The longest title taken from the text's first line.
const TITLE_MAX: usize = 80;

/// Posts as one WordPress user, through the guarded [`Fetcher`].
pub struct WordPressPublisher {
    fetcher: Fetcher,
    site: Url,
    user: String,
    password: String,
}

impl std::fmt::Debug for WordPressPublisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The application password never appears in logs.
        f.debug_struct("WordPressPublisher")
            .field("site", &self.site.as_str())
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// The part of a post object we read.
#[derive(Debug, Deserialize)]
struct PostObject {
    id: serde_json::Value,
    #[serde(default)]
    link: Option<String>,
}

/// WordPress's error envelope.
#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// The slug a post sent with `idempotency_key` gets: `rapport-` and 16 hex digits of a hash
/// of the key, so the same key always names the same post.
pub fn slug_for(idempotency_key: &str) -> String {
    let hash = xxhash_rust::xxh3::xxh3_64(idempotency_key.as_bytes());
    format!("rapport-{hash:016x}")
}

/// The title taken from `text`: its first non-empty line, cut at a word before
/// [`TITLE_MAX`] characters.
pub fn title_of(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    if line.chars().count() <= TITLE_MAX {
        return line.to_string();
    }
    let cut: String = line.chars().take(TITLE_MAX - 1).collect();
    let cut = match cut.rfind(char::is_whitespace) {
        Some(at) if at > TITLE_MAX / 2 => cut[..at].trim_end().to_string(),
        _ => cut,
    };
    format!("{cut}…")
}

/// `text` as escaped HTML: paragraphs at blank lines, `<br>` at single line breaks.
pub fn html_of(text: &str) -> String {
    let normal = text.replace("\r\n", "\n");
    normal
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|paragraph| {
            let lines: Vec<String> = paragraph
                .lines()
                .map(|l| html_escape::encode_text(l.trim()).into_owned())
                .collect();
            format!("<p>{}</p>", lines.join("<br>\n"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

impl WordPressPublisher {
    /// A publisher for `user` on the site at `site` (`https://blog.example.com`), with an
    /// application password.
    pub fn new(fetcher: Fetcher, site: Url, user: String, password: String) -> Self {
        WordPressPublisher {
            fetcher,
            site,
            user,
            password,
        }
    }

    fn endpoint(&self) -> Result<Url, PublishError> {
        let mut base = self.site.clone();
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        base.join("wp-json/wp/v2/posts")
            .map_err(|e| PublishError::NotSupported(format!("bad WordPress site URL: {e}")))
    }

    fn auth(&self) -> Auth<'_> {
        Auth::Basic {
            user: &self.user,
            password: &self.password,
        }
    }

    async fn lookup(&self, idempotency_key: &str) -> Result<Option<Published>, PublishError> {
        let mut url = self.endpoint()?;
        url.query_pairs_mut()
            .append_pair("slug", &slug_for(idempotency_key))
            .append_pair("status", ANY_STATUS)
            .append_pair("context", "edit");
        let answer = self
            .fetcher
            .send(Method::GET, &url, self.auth(), &[], RequestBody::Empty)
            .await
            .map_err(|e| transport(NETWORK, e))?;
        if !(200..300).contains(&answer.status) {
            return Err(error_of(&answer));
        }
        let posts: Vec<PostObject> =
            serde_json::from_slice(&answer.body).map_err(|e| PublishError::Transient {
                network: NETWORK,
                message: format!("the posts list answered in an unexpected shape: {e}"),
            })?;
        Ok(posts.into_iter().next().map(published))
    }
}

fn published(post: PostObject) -> Published {
    let native_id = match post.id {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    };
    Published {
        native_id,
        url: post.link,
    }
}

fn error_of(posted: &Posted) -> PublishError {
    let body: ErrorBody = serde_json::from_slice(&posted.body).unwrap_or_default();
    let message = match (body.message, body.code) {
        (Some(message), Some(code)) => format!("{message} ({code})"),
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => format!("HTTP {}", posted.status),
    };
    match posted.status {
        401 | 403 => PublishError::Unauthorized {
            network: NETWORK,
            message,
        },
        429 => PublishError::RateLimited {
            network: NETWORK,
            retry_after: posted.rate_limit.wait().unwrap_or(Duration::from_secs(60)),
        },
        408 | 500..=599 => PublishError::Transient {
            network: NETWORK,
            message,
        },
        _ => PublishError::Rejected {
            network: NETWORK,
            message,
        },
    }
}

#[async_trait]
impl Publisher for WordPressPublisher {
    fn network(&self) -> Network {
        // A blog: rapport reads it back as a feed.
        Network::Feed
    }

    fn name(&self) -> &'static str {
        NETWORK
    }

    fn length_rule(&self) -> LengthRule {
        LengthRule::Unlimited { network: NETWORK }
    }

    async fn publish(
        &self,
        post: &Outgoing,
        idempotency_key: &str,
    ) -> Result<Published, PublishError> {
        if post.in_reply_to.is_some() {
            return Err(PublishError::NotSupported(
                "replying on WordPress (comments) is not built".into(),
            ));
        }
        if post.poll.is_some() {
            return Err(PublishError::NotSupported(
                "WordPress has no native polls: link a survey page instead".into(),
            ));
        }
        let body = json!({
            "title": html_escape::encode_text(&title_of(&post.text)),
            "content": html_of(&post.text),
            "status": "publish",
            "slug": slug_for(idempotency_key),
        });
        let answer = self
            .fetcher
            .send(
                Method::POST,
                &self.endpoint()?,
                self.auth(),
                &[],
                RequestBody::Json(&body),
            )
            .await
            .map_err(|e| transport(NETWORK, e))?;
        if !(200..300).contains(&answer.status) {
            return Err(error_of(&answer));
        }
        let created: PostObject =
            serde_json::from_slice(&answer.body).map_err(|e| PublishError::Transient {
                network: NETWORK,
                message: format!("the answer is not a post ({e}); it may have been posted"),
            })?;
        Ok(published(created))
    }

    async fn find_published(
        &self,
        _post: &Outgoing,
        idempotency_key: &str,
    ) -> Result<Option<Published>, PublishError> {
        self.lookup(idempotency_key).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_becomes_escaped_paragraphs_and_a_title() {
        assert_eq!(
            html_of("Hello <b>world</b> & co\nsecond line\n\n\nNew paragraph"),
            "<p>Hello &lt;b&gt;world&lt;/b&gt; &amp; co<br>\nsecond line</p>\n<p>New paragraph</p>"
        );
        assert_eq!(title_of("\n  First line  \nrest"), "First line");
        let long = "word ".repeat(40);
        let title = title_of(&long);
        assert!(title.chars().count() <= TITLE_MAX, "{title}");
        assert!(title.ends_with("word…"), "{title}");
        assert_eq!(slug_for("k1"), slug_for("k1"));
        assert_ne!(slug_for("k1"), slug_for("k2"));
        assert!(slug_for("k1").starts_with("rapport-"));
    }
}
