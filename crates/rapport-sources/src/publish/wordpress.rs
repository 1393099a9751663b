//! Posts, images and comments on a WordPress site through its REST API with an application
//! password.
//!
//! - Posting: `POST /wp-json/wp/v2/posts`
//!   (<https://developer.wordpress.org/rest-api/reference/posts/#create-a-post>) with
//!   `{"title", "content", "status": "publish", "slug", "featured_media"}`; 201 answers the
//!   post object, of which we read `id` and `link`.
//! - Images (<https://developer.wordpress.org/rest-api/reference/media/#create-a-media-item>):
//!   each goes first to `POST /wp-json/wp/v2/media` as the raw file with its `Content-Type`
//!   and `Content-Disposition: attachment; filename=...`, its alt text in the `alt_text`
//!   argument (sent in the query string, since the body is the file); 201 answers the media
//!   item (`id`, `source_url`). The post then carries the images after its text, as
//!   `<figure class="wp-block-image"><img src alt class="wp-image-ID"></figure>` (the URL
//!   and the alt text escaped), and the first as its `featured_media`. The largest file a
//!   site takes is a PHP setting (`upload_max_filesize`, `post_max_size`; Media → Add New
//!   shows it): rapport assumes PHP's default, [`DEFAULT_MAX_UPLOAD_BYTES`] (2 MiB), unless
//!   the account's settings say `max_upload_bytes`.
//! - Comments, for replies from the inbox
//!   (<https://developer.wordpress.org/rest-api/reference/comments/#create-a-comment>):
//!   `POST /wp-json/wp/v2/comments` with `{"post", "content", "parent"}`. The post comes
//!   from the answered item's URL: a `?p=123` link (a WordPress guid), or a pretty
//!   permalink whose last path segment is the slug, looked up with
//!   `GET /wp-json/wp/v2/posts?slug=...`; a `#comment-45` fragment makes the comment an
//!   answer to that comment (`parent`). An account only answers its own site's posts
//!   ([`Publisher::can_reply_to`]).
//! - Authentication: an application password (WordPress 5.6+, Users → Profile →
//!   Application Passwords) sent as HTTP Basic credentials with the user name
//!   (<https://developer.wordpress.org/rest-api/using-the-rest-api/authentication/#basic-authentication-with-application-passwords>).
//! - Errors: `{"code", "message", "data": {"status"}}`
//!   (<https://developer.wordpress.org/rest-api/using-the-rest-api/global-parameters/#_envelope>
//!   shows the same envelope); 401/403 (`rest_cannot_create`, `incorrect_password`) →
//!   [`PublishError::Unauthorized`], except a comment refused on its own merits
//!   (`rest_comment_closed`, ...) → `Rejected`; 429 (WordPress itself does not rate-limit,
//!   hosts and security plugins do) → `RateLimited` after `Retry-After`, 408/5xx →
//!   `Transient`, any other refusal → `Rejected` with WordPress's message.
//! - Length: none worth enforcing ([`LengthRule::Unlimited`]).
//! - Idempotency: WordPress has no idempotency key. Each post is created with a slug derived
//!   from the idempotency key ([`slug_for`]), so [`Publisher::find_published`] finds an
//!   earlier attempt with `GET /wp-json/wp/v2/posts?slug=...&status=...` (any status, which
//!   needs the authenticated `edit` context). WordPress would not refuse a second post with
//!   the same slug (it appends `-2`), so the caller must ask before resending, as the
//!   scheduler does for every delivery left `sending`. Images are uploaded again by an
//!   attempt that is retried before its post was created: the earlier uploads stay in the
//!   media library, unattached.
//!
//!   A comment is looked for before it is sent (and again when WordPress answers 409
//!   `comment_duplicate`, its own refusal of the same text twice on a post): the account's
//!   user (`GET /wp-json/wp/v2/users/me`) and the post's comments by that user in any
//!   status (`GET /wp-json/wp/v2/comments?post=&author=&status=all&context=edit`), matched on
//!   the parent and the content. The `edit` context (the content as stored) needs the
//!   `moderate_comments` capability (editors, administrators); for other accounts the
//!   lookup reads the `view` context and compares the rendered text with tags removed,
//!   entities decoded and WordPress's typographic quotes and dashes folded, so a text that
//!   WordPress's typography changes otherwise is not recognised (WordPress's duplicate
//!   check still refuses a second copy). An account that may not filter comments by author
//!   (subscribers) skips the lookup and relies on that duplicate check alone.
//! - The text is plain: it is HTML-escaped, blank lines become paragraphs and single line
//!   breaks `<br>`; the title is its first line (at most 80 characters). A comment is the
//!   escaped text (WordPress adds the paragraphs when it shows it).

use async_trait::async_trait;
use rapport_model::Network;
use reqwest::{Method, Url};
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

use super::length::LengthRule;
use super::media::{MediaFile, MediaLimits};
use super::{transport, Outgoing, PublishError, Published, Publisher, ReplyTarget};
use crate::http::{Auth, Fetcher, Posted, RequestBody};

const NETWORK: &str = "WordPress";
/// The statuses a reconciliation looks in (a post may have been held for review).
const ANY_STATUS: &str = "publish,future,draft,pending,private";
/// The longest title taken from the text's first line.
const TITLE_MAX: usize = 80;
/// The largest upload assumed when the account's settings do not say: PHP's default
/// `upload_max_filesize` (`2M`, <https://www.php.net/manual/en/ini.core.php#ini.upload-max-filesize>),
/// which WordPress's `wp_max_upload_size()` does not exceed.
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 2 * 1024 * 1024;
/// The most images rapport puts in one post (WordPress itself has no limit).
pub const MAX_IMAGES: usize = 10;
/// The longest alt text rapport sends (WordPress stores any length).
pub const MAX_ALT_CHARS: usize = 1_000;
/// How many of the post's comments by the account a reconciliation reads.
const COMMENT_LOOKBACK: usize = 100;

/// Posts as one WordPress user, through the guarded [`Fetcher`].
pub struct WordPressPublisher {
    fetcher: Fetcher,
    site: Url,
    user: String,
    password: String,
    max_upload_bytes: u64,
}

impl std::fmt::Debug for WordPressPublisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The application password never appears in logs.
        f.debug_struct("WordPressPublisher")
            .field("site", &self.site.as_str())
            .field("user", &self.user)
            .field("max_upload_bytes", &self.max_upload_bytes)
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

/// The part of a media item we read
/// (<https://developer.wordpress.org/rest-api/reference/media/#schema>).
#[derive(Debug, Deserialize)]
struct MediaObject {
    id: u64,
    source_url: String,
}

/// The part of a user we read (`GET /wp/v2/users/me`,
/// <https://developer.wordpress.org/rest-api/reference/users/#retrieve-a-user-2>).
#[derive(Debug, Deserialize)]
struct UserObject {
    id: u64,
}

/// The part of a comment we read
/// (<https://developer.wordpress.org/rest-api/reference/comments/#schema>).
#[derive(Debug, Deserialize)]
struct CommentObject {
    id: u64,
    #[serde(default)]
    parent: u64,
    #[serde(default)]
    link: Option<String>,
    #[serde(default)]
    content: CommentContent,
}

/// `content`: `raw` in the `edit` context only, `rendered` always.
#[derive(Debug, Default, Deserialize)]
struct CommentContent {
    #[serde(default)]
    raw: Option<String>,
    #[serde(default)]
    rendered: Option<String>,
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

/// An uploaded image as the post shows it: a figure with the image, its URL and alt text
/// escaped, and the `wp-image-ID` class WordPress's own editor gives it.
pub fn figure_html(media_id: u64, source_url: &str, alt: &str) -> String {
    format!(
        "<figure class=\"wp-block-image\"><img src=\"{}\" alt=\"{}\" class=\"wp-image-{media_id}\"/></figure>",
        html_escape::encode_double_quoted_attribute(source_url),
        html_escape::encode_double_quoted_attribute(alt.trim()),
    )
}

/// A comment's content: the text, escaped, with its line breaks (WordPress adds the
/// paragraphs when it shows a comment).
pub fn comment_html(text: &str) -> String {
    html_escape::encode_text(text.replace("\r\n", "\n").trim()).into_owned()
}

/// `html` as comparable text: tags removed, entities decoded, WordPress's typographic
/// quotes, dashes and ellipsis folded to ASCII, white space collapsed.
fn comparable(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let decoded = html_escape::decode_html_entities(&text);
    let folded: String = decoded
        .chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{2032}' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{2033}' => '"',
            '\u{2013}' | '\u{2014}' => '-',
            '\u{00A0}' => ' ',
            other => other,
        })
        .collect();
    folded
        .replace('\u{2026}', "...")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The file name an image is uploaded as: the post's slug, its position and its extension.
fn file_name(idempotency_key: &str, n: usize, file: &MediaFile) -> String {
    format!(
        "{}-{n}.{}",
        slug_for(idempotency_key),
        file.kind.extension()
    )
}

/// Whether `segment` is WordPress's paged-comments part of a permalink (`comment-page-2`).
fn is_comment_page(segment: &str) -> bool {
    segment
        .strip_prefix("comment-page-")
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

/// The numeric id in `?p=123` (or `?page_id=123`), if `url` has one.
fn query_post_id(url: &Url) -> Option<u64> {
    url.query_pairs()
        .find(|(k, _)| k == "p" || k == "page_id")
        .and_then(|(_, v)| v.parse::<u64>().ok())
        .filter(|id| *id > 0)
}

/// The comment a `#comment-45` fragment names.
fn fragment_comment_id(url: &Url) -> Option<u64> {
    url.fragment()
        .and_then(|f| f.strip_prefix("comment-"))
        .and_then(|n| n.parse::<u64>().ok())
        .filter(|id| *id > 0)
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
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
        }
    }

    /// The same with the site's own upload limit (bytes).
    pub fn with_max_upload_bytes(mut self, bytes: u64) -> Self {
        self.max_upload_bytes = bytes;
        self
    }

    /// The site's address with a trailing `/`, so paths join below it.
    fn base(&self) -> Url {
        let mut base = self.site.clone();
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        base
    }

    /// `wp-json/wp/v2/{route}` on the site.
    fn api(&self, route: &str) -> Result<Url, PublishError> {
        self.base()
            .join(&format!("wp-json/wp/v2/{route}"))
            .map_err(|e| PublishError::NotSupported(format!("bad WordPress site URL: {e}")))
    }

    fn auth(&self) -> Auth<'_> {
        Auth::Basic {
            user: &self.user,
            password: &self.password,
        }
    }

    /// Sends one request to the site and answers the parsed body of a 2xx, or the error.
    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        url: &Url,
        headers: &[(&'static str, String)],
        body: RequestBody<'_>,
        what: &str,
    ) -> Result<T, PublishError> {
        let answer = self
            .fetcher
            .send(method, url, self.auth(), headers, body)
            .await
            .map_err(|e| transport(NETWORK, e))?;
        if !(200..300).contains(&answer.status) {
            return Err(error_of(&answer));
        }
        serde_json::from_slice(&answer.body).map_err(|e| PublishError::Transient {
            network: NETWORK,
            message: format!("{what} answered in an unexpected shape: {e}"),
        })
    }

    async fn lookup(&self, idempotency_key: &str) -> Result<Option<Published>, PublishError> {
        let mut url = self.api("posts")?;
        url.query_pairs_mut()
            .append_pair("slug", &slug_for(idempotency_key))
            .append_pair("status", ANY_STATUS)
            .append_pair("context", "edit");
        let posts: Vec<PostObject> = self
            .call(Method::GET, &url, &[], RequestBody::Empty, "the posts list")
            .await?;
        Ok(posts.into_iter().next().map(published))
    }

    /// Uploads image `n` of a post (`POST /wp/v2/media`) with its alt text, and answers its
    /// media id and URL.
    async fn upload(
        &self,
        file: &MediaFile,
        n: usize,
        idempotency_key: &str,
    ) -> Result<MediaObject, PublishError> {
        let mut url = self.api("media")?;
        if !file.alt.trim().is_empty() {
            url.query_pairs_mut()
                .append_pair("alt_text", file.alt.trim());
        }
        let disposition = format!(
            "attachment; filename=\"{}\"",
            file_name(idempotency_key, n, file)
        );
        let media: MediaObject = self
            .call(
                Method::POST,
                &url,
                &[("content-disposition", disposition)],
                RequestBody::Raw {
                    content_type: file.kind.mime(),
                    bytes: &file.bytes,
                },
                "POST /wp/v2/media",
            )
            .await?;
        let source = Url::parse(&media.source_url).ok();
        if !source.is_some_and(|u| matches!(u.scheme(), "http" | "https")) {
            return Err(PublishError::Transient {
                network: NETWORK,
                message: format!(
                    "the uploaded image {} has no usable address ({:?})",
                    media.id, media.source_url
                ),
            });
        }
        Ok(media)
    }

    /// Whether `url` is on this site: the same host and port, below the site's path.
    fn on_site(&self, url: &Url) -> bool {
        let base = self.base();
        url.host_str()
            .zip(base.host_str())
            .is_some_and(|(a, b)| a.eq_ignore_ascii_case(b))
            && url.port() == base.port()
            && (url.path().starts_with(base.path())
                || url.path() == base.path().trim_end_matches('/'))
    }

    /// The URLs naming `target` that are on this site: its URL, and its id when that is a
    /// URL (a feed item's guid, `https://blog.example.com/?p=123`).
    fn site_urls(&self, target: &ReplyTarget) -> Vec<Url> {
        target
            .url
            .iter()
            .chain(std::iter::once(&target.native_id))
            .filter_map(|raw| Url::parse(raw).ok())
            .filter(|url| self.on_site(url))
            .collect()
    }

    /// The post (and the comment, for a `#comment-45` URL) that a comment answering
    /// `target` goes under.
    async fn comment_target(
        &self,
        target: &ReplyTarget,
    ) -> Result<(u64, Option<u64>), PublishError> {
        let urls = self.site_urls(target);
        let Some(first) = urls.first() else {
            return Err(PublishError::NotSupported(match &target.url {
                None => "a WordPress comment answers a post of the site by its URL, and this \
                         item has none"
                    .into(),
                Some(url) => format!(
                    "{url} is not on the WordPress site {}: a comment only answers the site's \
                     own posts",
                    self.site
                ),
            }));
        };
        let parent = urls.iter().find_map(fragment_comment_id);
        if let Some(id) = urls.iter().find_map(query_post_id) {
            return Ok((id, parent));
        }
        let base_depth = self
            .base()
            .path_segments()
            .map_or(0, |s| s.filter(|s| !s.is_empty()).count());
        let slug = first
            .path_segments()
            .and_then(|segments| {
                segments
                    .filter(|s| !s.is_empty())
                    .skip(base_depth)
                    .filter(|s| !is_comment_page(s))
                    .last()
            })
            .map(str::to_string)
            .ok_or_else(|| {
                PublishError::NotSupported(format!(
                    "{first} names no post of the WordPress site (no ?p= id and no slug in \
                     its path)"
                ))
            })?;
        let mut url = self.api("posts")?;
        url.query_pairs_mut()
            .append_pair("slug", &slug)
            .append_pair("_fields", "id,link");
        let posts: Vec<PostObject> = self
            .call(Method::GET, &url, &[], RequestBody::Empty, "the posts list")
            .await?;
        let wanted = {
            let mut bare = first.clone();
            bare.set_fragment(None);
            bare.set_query(None);
            bare.to_string()
        };
        let chosen = posts
            .iter()
            .find(|p| p.link.as_deref() == Some(wanted.as_str()))
            .or(posts.first())
            .ok_or_else(|| PublishError::Rejected {
                network: NETWORK,
                message: format!(
                    "no post of {} has the slug {slug:?} (from {first}): it may be a page, \
                         private or deleted",
                    self.site
                ),
            })?;
        let id = match &chosen.id {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(s) => s.parse().ok(),
            _ => None,
        }
        .ok_or_else(|| PublishError::Transient {
            network: NETWORK,
            message: format!("the post id {} is not a number", chosen.id),
        })?;
        Ok((id, parent))
    }

    /// The account's comment on `post` under `parent` with `content`, if there is one (see
    /// the module's notes); `None` also when the account may not list its comments.
    async fn find_comment(
        &self,
        post: u64,
        parent: Option<u64>,
        content: &str,
    ) -> Result<Option<Published>, PublishError> {
        let me: UserObject = match self
            .call(
                Method::GET,
                &self.api("users/me")?,
                &[],
                RequestBody::Empty,
                "GET /wp/v2/users/me",
            )
            .await
        {
            Ok(me) => me,
            Err(PublishError::Unauthorized { message, .. }) => {
                tracing::warn!(
                    site = %crate::http::redact_url(&self.site),
                    "WordPress does not tell the account who it is ({message}): a comment \
                     whose answer was lost relies on WordPress's duplicate check"
                );
                return Ok(None);
            }
            Err(other) => return Err(other),
        };
        let list = |context: &str| -> Result<Url, PublishError> {
            let mut url = self.api("comments")?;
            url.query_pairs_mut()
                .append_pair("post", &post.to_string())
                .append_pair("author", &me.id.to_string())
                .append_pair("status", "all")
                .append_pair("per_page", &COMMENT_LOOKBACK.to_string())
                .append_pair("orderby", "date_gmt")
                .append_pair("order", "desc")
                .append_pair("context", context);
            Ok(url)
        };
        let mut comments: Result<Vec<CommentObject>, PublishError> = self
            .call(
                Method::GET,
                &list("edit")?,
                &[],
                RequestBody::Empty,
                "the comments list",
            )
            .await;
        if matches!(comments, Err(PublishError::Unauthorized { .. })) {
            // Without `moderate_comments`: the rendered content.
            comments = self
                .call(
                    Method::GET,
                    &list("view")?,
                    &[],
                    RequestBody::Empty,
                    "the comments list",
                )
                .await;
        }
        let comments = match comments {
            Ok(comments) => comments,
            Err(PublishError::Unauthorized { message, .. }) => {
                tracing::warn!(
                    site = %crate::http::redact_url(&self.site),
                    "the account may not list its comments ({message}): a comment whose answer \
                     was lost relies on WordPress's duplicate check"
                );
                return Ok(None);
            }
            Err(other) => return Err(other),
        };
        let wanted = comparable(content);
        Ok(comments
            .into_iter()
            .find(|c| {
                c.parent == parent.unwrap_or(0)
                    && c.content
                        .raw
                        .as_deref()
                        .or(c.content.rendered.as_deref())
                        .is_some_and(|html| comparable(html) == wanted)
            })
            .map(|c| Published {
                native_id: c.id.to_string(),
                url: c.link,
            }))
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

/// WordPress's error code in `posted`'s body, if any.
fn error_code(posted: &Posted) -> Option<String> {
    serde_json::from_slice::<ErrorBody>(&posted.body)
        .ok()
        .and_then(|b| b.code)
}

fn error_of(posted: &Posted) -> PublishError {
    let body: ErrorBody = serde_json::from_slice(&posted.body).unwrap_or_default();
    // A comment refused on its own merits is not a credentials problem.
    let refused_comment = matches!(
        body.code.as_deref(),
        Some(
            "rest_comment_closed"
                | "rest_comment_draft_post"
                | "rest_comment_trash_post"
                | "rest_comment_invalid_post_id"
        )
    );
    let message = match (body.message, body.code) {
        (Some(message), Some(code)) => format!("{message} ({code})"),
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => format!("HTTP {}", posted.status),
    };
    match posted.status {
        401 | 403 if !refused_comment => PublishError::Unauthorized {
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

    fn media_limits(&self) -> Option<MediaLimits> {
        Some(MediaLimits {
            max_images: MAX_IMAGES,
            max_bytes: self.max_upload_bytes,
            max_alt_chars: MAX_ALT_CHARS,
            alt_required: false,
        })
    }

    /// Only the site's own posts (a comment goes under one of them).
    fn can_reply_to(&self, target: &ReplyTarget) -> bool {
        !self.site_urls(target).is_empty()
    }

    /// A comment under the post `target` names (see the module's notes), once per text:
    /// an earlier copy by the account is answered instead of a second one.
    async fn reply(
        &self,
        target: &ReplyTarget,
        text: &str,
        _idempotency_key: &str,
    ) -> Result<Published, PublishError> {
        let (post, parent) = self.comment_target(target).await?;
        let content = comment_html(text);
        if content.is_empty() {
            return Err(PublishError::Rejected {
                network: NETWORK,
                message: "a comment needs some text".into(),
            });
        }
        if let Some(earlier) = self.find_comment(post, parent, &content).await? {
            return Ok(earlier);
        }
        let mut body = json!({"post": post, "content": content});
        if let Some(parent) = parent {
            body["parent"] = json!(parent);
        }
        let answer = self
            .fetcher
            .send(
                Method::POST,
                &self.api("comments")?,
                self.auth(),
                &[],
                RequestBody::Json(&body),
            )
            .await
            .map_err(|e| transport(NETWORK, e))?;
        if answer.status == 409 && error_code(&answer).as_deref() == Some("comment_duplicate") {
            // Sent before, its answer lost: the earlier comment is the reply.
            return match self.find_comment(post, parent, &content).await? {
                Some(earlier) => Ok(earlier),
                None => Err(error_of(&answer)),
            };
        }
        if !(200..300).contains(&answer.status) {
            return Err(error_of(&answer));
        }
        let created: CommentObject =
            serde_json::from_slice(&answer.body).map_err(|e| PublishError::Transient {
                network: NETWORK,
                message: format!("the answer is not a comment ({e}); it may have been posted"),
            })?;
        Ok(Published {
            native_id: created.id.to_string(),
            url: created.link,
        })
    }

    async fn publish(
        &self,
        post: &Outgoing,
        idempotency_key: &str,
    ) -> Result<Published, PublishError> {
        if post.in_reply_to.is_some() {
            return Err(PublishError::NotSupported(
                "a WordPress reply is a comment under the site's post: it is sent from the \
                 inbox, not as a new post"
                    .into(),
            ));
        }
        if post.poll.is_some() {
            return Err(PublishError::NotSupported(
                "WordPress has no native polls: link a survey page instead".into(),
            ));
        }
        let mut content = html_of(&post.text);
        let mut featured = None;
        for (i, file) in post.media.iter().enumerate() {
            let media = self.upload(file, i + 1, idempotency_key).await?;
            featured.get_or_insert(media.id);
            if !content.is_empty() {
                content.push('\n');
            }
            content.push_str(&figure_html(media.id, &media.source_url, &file.alt));
        }
        let mut body = json!({
            "title": html_escape::encode_text(&title_of(&post.text)),
            "content": content,
            "status": "publish",
            "slug": slug_for(idempotency_key),
        });
        if let Some(id) = featured {
            body["featured_media"] = json!(id);
        }
        let answer = self
            .fetcher
            .send(
                Method::POST,
                &self.api("posts")?,
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

    #[test]
    fn figures_escape_the_address_and_the_alt_text() {
        assert_eq!(
            figure_html(7, "https://b.example/a.png?x=1&y=\"2\"", " a \"cat\" <3 "),
            "<figure class=\"wp-block-image\"><img src=\"https://b.example/a.png?x=1&amp;y=&quot;2&quot;\" \
             alt=\"a &quot;cat&quot; &lt;3\" class=\"wp-image-7\"/></figure>"
        );
    }

    #[test]
    fn comments_compare_as_stored_or_as_rendered() {
        let sent = comment_html("It's <b>fixed</b> -- thanks & \"see you\"...\r\nBye");
        assert_eq!(
            sent,
            "It's &lt;b&gt;fixed&lt;/b&gt; -- thanks &amp; \"see you\"...\nBye"
        );
        // As stored (the edit context) and as WordPress shows it (wpautop, wptexturize).
        assert_eq!(
            comparable(&sent),
            "It's <b>fixed</b> -- thanks & \"see you\"... Bye"
        );
        let rendered = "<p>It&#8217;s &lt;b&gt;fixed&lt;/b&gt; -- thanks &amp; \
                        &#8220;see you&#8221;&#8230;<br />\nBye</p>\n";
        assert_eq!(comparable(rendered), comparable(&sent));
        assert_ne!(comparable("<p>Other text</p>"), comparable(&sent));
    }

    #[test]
    fn only_the_sites_own_urls_are_answered() {
        let fetcher = Fetcher::new(
            crate::http::SafetyPolicy::public_only(),
            crate::http::FetchLimits::default(),
        )
        .unwrap();
        let wp = WordPressPublisher::new(
            fetcher,
            Url::parse("https://Example.com/blog").unwrap(),
            "u".into(),
            "p".into(),
        );
        let on = |raw: &str| wp.on_site(&Url::parse(raw).unwrap());
        assert!(on("https://example.com/blog/2026/kettle/"));
        assert!(on("http://EXAMPLE.com/blog/?p=3"));
        assert!(on("https://example.com/blog"));
        assert!(!on("https://example.com/blogroll/kettle/"));
        assert!(!on("https://example.com/kettle/"));
        assert!(!on("https://example.com:8443/blog/kettle/"));
        assert!(!on("https://blog.example.org/blog/kettle/"));
    }

    #[test]
    fn post_ids_and_parents_come_from_the_url() {
        let url = Url::parse("https://b.example/?p=123#comment-45").unwrap();
        assert_eq!(query_post_id(&url), Some(123));
        assert_eq!(fragment_comment_id(&url), Some(45));
        let url = Url::parse("https://b.example/2026/12/03/kettle/#respond").unwrap();
        assert_eq!(query_post_id(&url), None);
        assert_eq!(fragment_comment_id(&url), None);
        assert!(is_comment_page("comment-page-2"));
        assert!(!is_comment_page("comment-page-"));
        assert!(!is_comment_page("kettle"));
    }
}
