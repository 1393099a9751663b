//! Posting to the networks: replies from the inbox and new posts (with polls) from the
//! publishing scheduler.
//!
//! A [`Publisher`] sends one post for an idempotency key the caller has stored *before*
//! the call (`InboxStore::begin_reply`, the scheduler's own table), so a retry after a crash
//! or a timeout reuses the key: Mastodon honours it in the `Idempotency-Key` header and
//! answers the first status again instead of posting twice; networks without such a header
//! are reconciled with [`Publisher::find_published`] before a retry. [`length`] holds each
//! network's length rule, which the pages show as you type and the server enforces.
//!
//! Built: Mastodon (`Idempotency-Key`), Bluesky (a record key derived from the idempotency
//! key, see [`bluesky::record_key`]), X (no idempotency: reconciliation by reading the
//! account's recent posts, see [`x`]), WordPress (a slug derived from the key, see
//! [`wordpress`]), Micropub (reconciliation through `q=source`, see [`micropub`]) and a
//! Facebook Page (posts with photos and comments, reconciled by reading the Page's recent
//! posts or the object's comments, see [`facebook`]).
//!
//! Replies from the inbox go through an account of one of [`reply_account_kinds`] that
//! [`Publisher::can_reply_to`] the post: a feed item (a blog post) is answered by a
//! WordPress comment when it is on that WordPress account's site, else by a Micropub reply
//! citing its URL.

pub mod bluesky;
pub mod facebook;
pub mod mastodon;
pub mod media;
pub mod micropub;
pub mod preview;
pub mod wordpress;
pub mod x;

/// Each network's length rule (moved to `rapport-text`, re-exported here).
pub use rapport_text::length;

use async_trait::async_trait;
use rapport_model::Network;
use std::sync::Arc;
use std::time::Duration;

use crate::http::{FetchError, Fetcher};

pub use bluesky::BlueskyPublisher;
pub use facebook::FacebookPublisher;
pub use length::LengthRule;
pub use mastodon::MastodonPublisher;
pub use media::{ImageKind, MediaFile, MediaLimits};
pub use micropub::MicropubPublisher;
pub use preview::LinkCard;
pub use wordpress::WordPressPublisher;
pub use x::XPublisher;

/// The post being answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyTarget {
    /// Its id on the network (on Mastodon: on the instance the reply is sent through).
    pub native_id: String,
    /// Its author's handle, mentioned at the start of the reply when the text does not.
    pub author_handle: String,
    /// Its public URL, when known: a Micropub reply cites it as `in-reply-to`, and a
    /// WordPress comment finds the site's post from it.
    pub url: Option<String>,
}

/// A reply the network accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The reply's id on the network.
    pub native_id: String,
    /// Its public URL, when the network gives one.
    pub url: Option<String>,
}

/// Why a reply was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    /// The network refused the reply itself (too long, deleted parent, ...): retrying the
    /// same text will not help. The message is the network's own.
    #[error("{network} refused the reply: {message}")]
    Rejected {
        /// The network.
        network: &'static str,
        /// Its message.
        message: String,
    },
    /// The account's token is missing, wrong or lacks the write scope.
    #[error("{network} did not accept the account's token: {message}")]
    Unauthorized {
        /// The network.
        network: &'static str,
        /// Its message.
        message: String,
    },
    /// Rate limited: try again after the wait.
    #[error("{network} asks to wait {}s before posting again", .retry_after.as_secs())]
    RateLimited {
        /// The network.
        network: &'static str,
        /// How long.
        retry_after: Duration,
    },
    /// The outcome is unknown or the network failed (timeout, 5xx): retry with the same
    /// idempotency key.
    #[error("sending to {network} failed, it may be retried: {message}")]
    Transient {
        /// The network.
        network: &'static str,
        /// What failed.
        message: String,
    },
    /// This network or operation cannot be posted to yet.
    #[error("{0}")]
    NotSupported(String),
}

impl PublishError {
    /// Whether sending again with the same key may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            PublishError::RateLimited { .. } | PublishError::Transient { .. }
        )
    }
}

/// A native poll attached to a new post (Mastodon and X have them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollSpec {
    /// The choices, in order (2 to 4 on both networks).
    pub options: Vec<String>,
    /// How long it stays open.
    pub duration: Duration,
}

/// What a network accepts in a native poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollLimits {
    /// The most options (the least is 2 everywhere).
    pub max_options: usize,
    /// The longest option, in characters.
    pub max_option_chars: usize,
    /// The shortest time open.
    pub min_duration: Duration,
    /// The longest time open.
    pub max_duration: Duration,
}

impl PollLimits {
    /// Mastodon's defaults (`configuration.polls` of `GET /api/v2/instance`,
    /// <https://docs.joinmastodon.org/entities/Instance/#polls>): 4 options of 50
    /// characters, open 5 minutes to 30 days; instances may change them.
    pub const MASTODON_DEFAULT: PollLimits = PollLimits {
        max_options: 4,
        max_option_chars: 50,
        min_duration: Duration::from_secs(300),
        max_duration: Duration::from_secs(2_629_746),
    };

    /// X's (<https://docs.x.com/x-api/posts/creation-of-a-post>): 2 to 4 options of 25
    /// characters, open 5 to 10,080 minutes.
    pub const X: PollLimits = PollLimits {
        max_options: 4,
        max_option_chars: 25,
        min_duration: Duration::from_secs(5 * 60),
        max_duration: Duration::from_secs(10_080 * 60),
    };

    /// Why `poll` does not fit, naming `network`, or `None` when it does.
    pub fn check(&self, network: &str, poll: &PollSpec) -> Option<String> {
        let n = poll.options.len();
        if n < 2 || n > self.max_options {
            return Some(format!(
                "a poll on {network} has 2 to {} options, not {n}",
                self.max_options
            ));
        }
        if let Some(long) = poll
            .options
            .iter()
            .find(|o| o.chars().count() > self.max_option_chars)
        {
            return Some(format!(
                "the option {long:?} is {} characters; {network} allows {}",
                long.chars().count(),
                self.max_option_chars
            ));
        }
        if poll.duration < self.min_duration || poll.duration > self.max_duration {
            return Some(format!(
                "a poll on {network} stays open {} to {} minutes, not {}",
                self.min_duration.as_secs() / 60,
                self.max_duration.as_secs() / 60,
                poll.duration.as_secs() / 60
            ));
        }
        None
    }
}

/// One option of a poll read back, with its votes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PollOptionResult {
    /// The option.
    pub label: String,
    /// Its votes (`None` where the network hides them until the poll ends).
    pub votes: Option<u64>,
}

/// A native poll read back from the network.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PollResults {
    /// The options, in order.
    pub options: Vec<PollOptionResult>,
    /// Whether it still takes votes.
    pub open: bool,
    /// All votes cast (on Mastodon a multiple-choice poll counts each choice).
    pub total_votes: Option<u64>,
}

/// A published post's public counts as its network reports them. A count the network does
/// not have is `None` (Mastodon has no quotes, only X reports impressions), never zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct EngagementCounts {
    /// Likes (Mastodon favourites, Facebook reactions of every kind).
    pub likes: Option<u64>,
    /// Reposts (Mastodon boosts, X retweets, Facebook shares).
    pub reposts: Option<u64>,
    /// Replies (Facebook comments).
    pub replies: Option<u64>,
    /// Quotes (Bluesky, X).
    pub quotes: Option<u64>,
    /// Times shown (X's `impression_count`, when the API gives it).
    pub impressions: Option<u64>,
}

impl EngagementCounts {
    /// Likes + reposts + replies + quotes, the counts that exist.
    pub fn total(&self) -> u64 {
        [self.likes, self.reposts, self.replies, self.quotes]
            .into_iter()
            .flatten()
            .sum()
    }
}

/// What [`Publisher::engagement`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngagementAnswer {
    /// The post's counts now.
    Counts(EngagementCounts),
    /// The post is gone (deleted, or hidden from the account): stop asking.
    Deleted,
    /// This network or site does not report counts (WordPress, Micropub): "not available",
    /// which is not the same as zero.
    Unsupported(String),
}

/// A new post to publish: text, optionally a poll, optionally in reply to a post.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outgoing {
    /// The text exactly as it is sent.
    pub text: String,
    /// A native poll, where the network has them.
    pub poll: Option<PollSpec>,
    /// The post answered, if this is a reply (the text is sent as given: no mention added).
    pub in_reply_to: Option<String>,
    /// Images, in order (only to publishers whose [`Publisher::media_limits`] is `Some`).
    pub media: Vec<MediaFile>,
    /// A preview card of the first link, sent where the network takes one from the client
    /// (Bluesky's `app.bsky.embed.external`, when the post has no images); networks that
    /// build their own cards from the URL ignore it.
    pub link_card: Option<LinkCard>,
}

/// One network account that can post.
#[async_trait]
pub trait Publisher: Send + Sync {
    /// The network it posts to (WordPress and Micropub sites are [`Network::Feed`]: rapport
    /// reads them back as feeds).
    fn network(&self) -> Network;

    /// The name shown in messages (`WordPress` rather than the network's `Feed`).
    fn name(&self) -> &'static str {
        self.network().label()
    }

    /// The network's whole length rule ([`LengthRule::check`] also applies Bluesky's byte
    /// limit, which [`Publisher::length`] does not count).
    fn length_rule(&self) -> LengthRule;

    /// The network's native poll limits, or `None` where it has no native polls (a draft
    /// with a poll then links a survey page there instead).
    fn poll_limits(&self) -> Option<PollLimits> {
        None
    }

    /// What the network takes as images on one post, or `None` where rapport sends none
    /// (a draft with images is then refused for this account when it is written).
    fn media_limits(&self) -> Option<MediaLimits> {
        None
    }

    /// The results of the native poll attached to the published post `native_id`; `None`
    /// when the post has no poll or the network has none.
    async fn poll_results(&self, native_id: &str) -> Result<Option<PollResults>, PublishError> {
        let _ = native_id;
        Ok(None)
    }

    /// The public counts of the published post `native_id` (likes, reposts, replies, quotes
    /// where the network has them). A rate limit is `Err(RateLimited)`; a deleted post is
    /// [`EngagementAnswer::Deleted`]; networks without counts answer
    /// [`EngagementAnswer::Unsupported`].
    async fn engagement(&self, native_id: &str) -> Result<EngagementAnswer, PublishError> {
        let _ = native_id;
        Ok(EngagementAnswer::Unsupported(format!(
            "{} does not report likes or reposts: engagement is not available",
            self.name()
        )))
    }

    /// How many followers the account has now (Mastodon `followers_count`, Bluesky
    /// `followersCount`, X `public_metrics.followers_count`, a Facebook Page's
    /// `followers_count`), stored when a post is sent so engagement can be read per 1,000
    /// followers; `None` where the network has no such count (blogs).
    async fn followers(&self) -> Result<Option<u64>, PublishError> {
        Ok(None)
    }

    /// Whether this account can answer `target` (a WordPress site comments only on its own
    /// posts); the inbox tries the workspace's accounts for the post's network in turn.
    fn can_reply_to(&self, target: &ReplyTarget) -> bool {
        let _ = target;
        true
    }

    /// The longest text accepted, in the network's own unit (see [`Publisher::length`]).
    fn max_length(&self) -> usize {
        self.length_rule().max()
    }

    /// `text`'s length as the network counts it.
    fn length(&self, text: &str) -> usize {
        self.length_rule().count(text)
    }

    /// The text actually sent for a reply to `target`: as written where the network threads
    /// by reference (Bluesky, X); Mastodon mentions the author first.
    fn reply_text(&self, target: &ReplyTarget, text: &str) -> String {
        let _ = target;
        text.to_string()
    }

    /// Replies to `target` with `text`, once per `idempotency_key`: a new post in reply to
    /// it, with [`Publisher::reply_text`].
    async fn reply(
        &self,
        target: &ReplyTarget,
        text: &str,
        idempotency_key: &str,
    ) -> Result<Published, PublishError> {
        let post = Outgoing {
            text: self.reply_text(target, text),
            poll: None,
            in_reply_to: Some(target.native_id.clone()),
            ..Outgoing::default()
        };
        self.publish(&post, idempotency_key).await
    }

    /// Publishes `post`, once per `idempotency_key`.
    async fn publish(
        &self,
        post: &Outgoing,
        idempotency_key: &str,
    ) -> Result<Published, PublishError> {
        let _ = (post, idempotency_key);
        Err(PublishError::NotSupported(format!(
            "publishing new posts on {} is not built yet",
            self.network().label()
        )))
    }

    /// After a crash between the network call and recording its outcome: the post that an
    /// earlier call with `idempotency_key` and `post` created, if the network has it. `None`
    /// means it was not published and sending again is safe. Networks whose API makes the
    /// key itself idempotent (Mastodon) answer `None`: a retry returns the first post.
    async fn find_published(
        &self,
        post: &Outgoing,
        idempotency_key: &str,
    ) -> Result<Option<Published>, PublishError> {
        let _ = (post, idempotency_key);
        Ok(None)
    }
}

/// Why no publisher can answer posts on `network`, or `None` when some account kind can
/// ([`reply_account_kinds`] is not empty).
pub fn no_publisher_reason(network: Network) -> Option<String> {
    if !reply_account_kinds(network).is_empty() {
        return None;
    }
    Some(format!(
        "answering {} posts is not built: rapport answers Mastodon, Bluesky and X posts, \
         comments on a Facebook Page, and feed items through a WordPress (comments) or \
         Micropub account; answer on {} directly",
        network.label(),
        network.label()
    ))
}

/// The account kinds (for [`build`]) that can answer posts on `network`, in the order they
/// are tried: a feed item (a blog post) is answered by a connected WordPress account whose
/// site it is on (a comment), else by a Micropub account (a reply post on the account's own
/// site citing it), see [`Publisher::can_reply_to`].
pub fn reply_account_kinds(network: Network) -> &'static [&'static str] {
    match network {
        Network::Mastodon => &["mastodon"],
        Network::Bluesky => &["bluesky"],
        Network::X => &["x"],
        Network::Feed => &["wordpress", "micropub"],
        Network::Facebook => &["facebook"],
        _ => &[],
    }
}

/// The kinds of account [`build`] knows, in the order a page lists them.
pub const ACCOUNT_KINDS: &[&str] = &[
    "mastodon",
    "bluesky",
    "x",
    "wordpress",
    "micropub",
    "facebook",
];

/// What a transport failure means for a post: a refused or malformed address is a
/// setting to fix, anything else (timeout, connection lost) leaves the outcome unknown.
pub(crate) fn transport(network: &'static str, error: FetchError) -> PublishError {
    match error {
        FetchError::BadUrl { .. } | FetchError::Refused { .. } => {
            PublishError::NotSupported(error.to_string())
        }
        other => PublishError::Transient {
            network,
            message: other.to_string(),
        },
    }
}

/// Settings of a `mastodon` account: the instance it posts through.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MastodonAccount {
    /// `https://mastodon.social`.
    instance: String,
    /// The instance's own length limit, when it is not 500.
    #[serde(default)]
    max_characters: Option<usize>,
    /// The instance's poll limits (`configuration.polls.max_options`), when not 4.
    #[serde(default)]
    max_poll_options: Option<usize>,
    /// `configuration.polls.max_characters_per_option`, when not 50.
    #[serde(default)]
    max_poll_option_characters: Option<usize>,
    /// `configuration.media_attachments.image_size_limit` (bytes), when not 16 MB.
    #[serde(default)]
    image_size_limit: Option<u64>,
    /// `configuration.statuses.max_media_attachments`, when not 4.
    #[serde(default)]
    max_media_attachments: Option<usize>,
}

/// Settings of a `bluesky` account: its PDS and its handle; the secret is an app password
/// (<https://bsky.app/settings/app-passwords>).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct BlueskyAccount {
    /// The PDS it logs in to (`https://bsky.social` unless it is hosted elsewhere).
    #[serde(default = "default_bluesky_service")]
    service: String,
    /// Its handle (`acme.bsky.social`) or DID.
    identifier: String,
}

fn default_bluesky_service() -> String {
    "https://bsky.social".into()
}

/// Settings of an `x` account; the secret is an OAuth 2.0 user access token with
/// `tweet.read tweet.write users.read`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct XAccount {
    /// The API's base URL.
    #[serde(default = "default_x_api")]
    api: String,
}

fn default_x_api() -> String {
    "https://api.x.com".into()
}

/// Settings of a `wordpress` account; the secret is an application password of `username`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct WordPressAccount {
    /// The site's address (`https://blog.example.com`); the REST API is under `wp-json/`.
    site: String,
    /// The WordPress user the application password belongs to.
    username: String,
    /// The largest file the site takes (PHP's `upload_max_filesize` and `post_max_size`;
    /// Media → Add New shows it), when not [`wordpress::DEFAULT_MAX_UPLOAD_BYTES`].
    #[serde(default)]
    max_upload_bytes: Option<u64>,
}

/// Settings of a `micropub` account; the secret is an IndieAuth access token with the
/// `create` scope.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MicropubAccount {
    /// The Micropub endpoint (the site's `rel="micropub"` link).
    endpoint: String,
    /// The largest file its media endpoint takes, when not
    /// [`micropub::DEFAULT_MAX_UPLOAD_BYTES`].
    #[serde(default)]
    max_upload_bytes: Option<u64>,
}

/// Settings of a `facebook` account; the secret is a Page access token with
/// `pages_manage_posts` (and `pages_manage_engagement` to answer comments,
/// `pages_read_engagement` to read them back).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FacebookAccount {
    /// The Page's id.
    page_id: String,
    /// The Graph API with its version.
    #[serde(default = "default_facebook_api")]
    api: String,
}

fn default_facebook_api() -> String {
    "https://graph.facebook.com/v21.0".into()
}

fn url_setting(network: &str, field: &str, raw: &str) -> Result<reqwest::Url, PublishError> {
    reqwest::Url::parse(raw).map_err(|e| {
        PublishError::NotSupported(format!(
            "the {network} account's {field} {raw:?} is not a URL: {e}"
        ))
    })
}

/// Builds the publisher for an account of `kind` from its stored settings (`config`, JSON)
/// and its unsealed secret (a token or an app password), posting through `fetcher`.
pub fn build(
    kind: &str,
    config: &serde_json::Value,
    secret: &str,
    fetcher: Fetcher,
) -> Result<Arc<dyn Publisher>, PublishError> {
    fn settings(network: &'static str) -> impl Fn(serde_json::Error) -> PublishError {
        move |e| PublishError::NotSupported(format!("the {network} account's settings: {e}"))
    }
    match kind {
        "wordpress" => {
            let account: WordPressAccount =
                serde_json::from_value(config.clone()).map_err(settings("WordPress"))?;
            let site = url_setting("WordPress", "site", &account.site)?;
            if account.username.trim().is_empty() {
                return Err(PublishError::NotSupported(
                    "the WordPress account's settings: username is empty".into(),
                ));
            }
            let mut publisher =
                WordPressPublisher::new(fetcher, site, account.username, secret.to_string());
            if let Some(bytes) = account.max_upload_bytes {
                publisher = publisher.with_max_upload_bytes(bytes);
            }
            Ok(Arc::new(publisher))
        }
        "micropub" => {
            let account: MicropubAccount =
                serde_json::from_value(config.clone()).map_err(settings("Micropub"))?;
            let endpoint = url_setting("Micropub", "endpoint", &account.endpoint)?;
            let mut publisher = MicropubPublisher::new(fetcher, endpoint, secret.to_string());
            if let Some(bytes) = account.max_upload_bytes {
                publisher = publisher.with_max_upload_bytes(bytes);
            }
            Ok(Arc::new(publisher))
        }
        "facebook" => {
            let account: FacebookAccount =
                serde_json::from_value(config.clone()).map_err(settings("Facebook"))?;
            let api = url_setting("Facebook", "api", &account.api)?;
            let page_id = account.page_id.trim().to_string();
            if page_id.is_empty() || !page_id.chars().all(|c| c.is_ascii_digit()) {
                return Err(PublishError::NotSupported(format!(
                    "the Facebook account's settings: page_id {:?} is not a Page id (digits)",
                    account.page_id
                )));
            }
            Ok(Arc::new(FacebookPublisher::new(
                fetcher,
                api,
                page_id,
                secret.to_string(),
            )))
        }
        "mastodon" => {
            let account: MastodonAccount =
                serde_json::from_value(config.clone()).map_err(settings("Mastodon"))?;
            let instance = url_setting("Mastodon", "instance", &account.instance)?;
            let mut publisher = MastodonPublisher::new(fetcher, instance, secret.to_string());
            if let Some(max) = account.max_characters {
                publisher = publisher.with_max_length(max);
            }
            let mut polls = PollLimits::MASTODON_DEFAULT;
            if let Some(max) = account.max_poll_options {
                polls.max_options = max.max(2);
            }
            if let Some(max) = account.max_poll_option_characters {
                polls.max_option_chars = max.max(1);
            }
            publisher = publisher.with_poll_limits(polls);
            if let Some(bytes) = account.image_size_limit {
                publisher = publisher.with_image_size_limit(bytes);
            }
            if let Some(max) = account.max_media_attachments {
                publisher = publisher.with_max_media_attachments(max);
            }
            Ok(Arc::new(publisher))
        }
        "bluesky" => {
            let account: BlueskyAccount =
                serde_json::from_value(config.clone()).map_err(settings("Bluesky"))?;
            let service = url_setting("Bluesky", "service", &account.service)?;
            Ok(Arc::new(BlueskyPublisher::new(
                fetcher,
                service,
                account.identifier,
                secret.to_string(),
            )))
        }
        "x" => {
            let account: XAccount =
                serde_json::from_value(config.clone()).map_err(settings("X"))?;
            let api = url_setting("X", "api", &account.api)?;
            Ok(Arc::new(XPublisher::new(fetcher, api, secret.to_string())))
        }
        other => Err(PublishError::NotSupported(format!(
            "posting through a {other:?} account is not built yet (known: {})",
            ACCOUNT_KINDS.join(", ")
        ))),
    }
}
