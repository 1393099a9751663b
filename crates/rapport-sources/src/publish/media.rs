//! Images attached to a post: what a file really is (sniffed from its bytes, never its
//! name), its size in pixels, and each network's limits.
//!
//! Limits, as the networks document them:
//! - Mastodon: 4 attachments; images up to `configuration.media_attachments.image_size_limit`
//!   of `GET /api/v2/instance` (16 MB on mastodon.social and by default;
//!   <https://docs.joinmastodon.org/entities/Instance/#image_size_limit>); alt text is the
//!   attachment's `description`, 1,500 characters
//!   (<https://docs.joinmastodon.org/methods/media/#v2>).
//! - Bluesky: `app.bsky.embed.images` holds at most 4 images, each a blob of at most
//!   1,000,000 bytes with a required `alt` string
//!   (<https://github.com/bluesky-social/atproto/blob/main/lexicons/app/bsky/embed/images.json>).
//! - X: 4 photos per post, images up to 5 MB (`tweet_image`), alt text up to 1,000
//!   characters (<https://docs.x.com/x-api/media/quickstart/best-practices>).
//! - Facebook: see [`super::facebook::MEDIA_LIMITS`].
//! - WordPress: the site's media library, up to the account's `max_upload_bytes` (PHP's
//!   2 MiB default otherwise); Micropub: the endpoint's media endpoint, 10 MiB unless the
//!   account says otherwise (see [`super::wordpress`] and [`super::micropub`]).
//! - A publisher without [`super::Publisher::media_limits`] refuses drafts with images when
//!   they are written (see [`media_refusal`]); every built publisher has limits.

use reqwest::{Method, Url};
use std::fmt;
use std::sync::Arc;

use super::{transport, PublishError};
use crate::http::{Auth, Fetcher, Posted, RequestBody};

/// The image formats rapport posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageKind {
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
    /// GIF.
    Gif,
    /// WebP.
    Webp,
}

impl ImageKind {
    /// All of them.
    pub const ALL: [ImageKind; 4] = [
        ImageKind::Png,
        ImageKind::Jpeg,
        ImageKind::Gif,
        ImageKind::Webp,
    ];

    /// Its media type (`image/png`, ...).
    pub fn mime(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Gif => "image/gif",
            ImageKind::Webp => "image/webp",
        }
    }

    /// The kind whose media type is `mime`.
    pub fn from_mime(mime: &str) -> Option<ImageKind> {
        ImageKind::ALL.into_iter().find(|k| k.mime() == mime)
    }

    /// A file name extension for it.
    pub fn extension(self) -> &'static str {
        match self {
            ImageKind::Png => "png",
            ImageKind::Jpeg => "jpg",
            ImageKind::Gif => "gif",
            ImageKind::Webp => "webp",
        }
    }

    /// What `bytes` are, by their signature: PNG's 8-byte signature, JPEG's SOI marker
    /// `FF D8 FF`, `GIF87a`/`GIF89a`, or a RIFF container of type `WEBP`.
    pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageKind::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageKind::Jpeg)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(ImageKind::Gif)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(ImageKind::Webp)
        } else {
            None
        }
    }
}

impl fmt::Display for ImageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ImageKind::Png => "PNG",
            ImageKind::Jpeg => "JPEG",
            ImageKind::Gif => "GIF",
            ImageKind::Webp => "WebP",
        })
    }
}

/// Why a file is not an image rapport can post.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    /// Not PNG, JPEG, GIF or WebP (whatever its name says).
    #[error("the file is not a PNG, JPEG, GIF or WebP image")]
    NotAnImage,
    /// The header does not give a size.
    #[error("the {0} image's size cannot be read: the file is damaged or cut short")]
    Unreadable(ImageKind),
}

/// What a file is: its kind and its size in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageInfo {
    /// Its format.
    pub kind: ImageKind,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Reads what `bytes` are: the kind from its signature, the size from its header.
pub fn inspect(bytes: &[u8]) -> Result<ImageInfo, MediaError> {
    let kind = ImageKind::sniff(bytes).ok_or(MediaError::NotAnImage)?;
    let size = imagesize::blob_size(bytes).map_err(|_| MediaError::Unreadable(kind))?;
    let dimension = |n: usize| u32::try_from(n).ok().filter(|n| *n > 0);
    match (dimension(size.width), dimension(size.height)) {
        (Some(width), Some(height)) => Ok(ImageInfo {
            kind,
            width,
            height,
        }),
        _ => Err(MediaError::Unreadable(kind)),
    }
}

/// An image to post, with its alt text.
#[derive(Clone, PartialEq, Eq)]
pub struct MediaFile {
    /// Its format (sniffed when it was uploaded).
    pub kind: ImageKind,
    /// The file.
    pub bytes: Arc<[u8]>,
    /// Its alt text (may be empty where a network allows it).
    pub alt: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl fmt::Debug for MediaFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediaFile")
            .field("kind", &self.kind)
            .field("bytes", &self.bytes.len())
            .field("alt", &self.alt)
            .field("width", &self.width)
            .field("height", &self.height)
            .finish()
    }
}

/// What a network accepts as images on one post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct MediaLimits {
    /// The most images.
    pub max_images: usize,
    /// The largest image, in bytes.
    pub max_bytes: u64,
    /// The longest alt text, in characters.
    pub max_alt_chars: usize,
    /// Whether a missing alt text is refused (otherwise it is only warned about).
    pub alt_required: bool,
}

impl MediaLimits {
    /// Mastodon's default (16 MB images, 4 attachments, 1,500-character descriptions);
    /// an instance may say otherwise in `configuration.media_attachments`.
    pub const MASTODON_DEFAULT: MediaLimits = MediaLimits {
        max_images: 4,
        max_bytes: 16 * 1024 * 1024,
        max_alt_chars: 1_500,
        alt_required: false,
    };

    /// Bluesky's lexicon: 4 images of at most 1,000,000 bytes; `alt` is a required
    /// string, which rapport requires to be written.
    pub const BLUESKY: MediaLimits = MediaLimits {
        max_images: 4,
        max_bytes: 1_000_000,
        max_alt_chars: 2_000,
        alt_required: true,
    };

    /// X: 4 photos of at most 5 MB, alt text up to 1,000 characters.
    pub const X: MediaLimits = MediaLimits {
        max_images: 4,
        max_bytes: 5 * 1024 * 1024,
        max_alt_chars: 1_000,
        alt_required: false,
    };

    /// What is wrong with posting `images` (size in bytes, alt text) on `network`: errors
    /// that refuse the post, and warnings (a missing alt text where it is not required).
    pub fn check(&self, network: &str, images: &[(u64, &str)]) -> MediaCheck {
        let mut check = MediaCheck::default();
        if images.len() > self.max_images {
            check.errors.push(format!(
                "{network} takes at most {} images on a post, not {}",
                self.max_images,
                images.len()
            ));
        }
        for (i, (size, alt)) in images.iter().enumerate() {
            let n = i + 1;
            if *size > self.max_bytes {
                check.errors.push(format!(
                    "image {n} is {} bytes; {network} takes images up to {} bytes",
                    size, self.max_bytes
                ));
            }
            let alt_chars = alt.chars().count();
            if alt.trim().is_empty() {
                if self.alt_required {
                    check
                        .errors
                        .push(format!("image {n} needs an alt text on {network}"));
                } else {
                    check.warnings.push(format!(
                        "image {n} has no alt text: people using screen readers on {network} \
                         will not know what it shows"
                    ));
                }
            } else if alt_chars > self.max_alt_chars {
                check.errors.push(format!(
                    "image {n}'s alt text is {alt_chars} characters; {network} takes {}",
                    self.max_alt_chars
                ));
            }
        }
        check
    }
}

/// The outcome of [`MediaLimits::check`].
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct MediaCheck {
    /// What refuses the post.
    pub errors: Vec<String>,
    /// What is worth fixing but does not refuse it.
    pub warnings: Vec<String>,
}

/// Why a post with images cannot go to a publisher of `kind` that sends none (its
/// [`super::Publisher::media_limits`] is `None`).
pub fn media_refusal(name: &str) -> String {
    format!("rapport does not send images to {name}: remove the images or this account")
}

/// Posts `file` to `url` as `multipart/form-data`: `form.0`'s text fields, then the file as
/// the part named `form.1`, through the guarded fetcher. Answers a 2xx reply; otherwise the
/// network's own error (`error_of`), or what a transport failure means for `network`.
pub(crate) async fn upload_multipart(
    fetcher: &Fetcher,
    network: &'static str,
    url: &Url,
    auth: Auth<'_>,
    form: (&[(&str, &str)], &str),
    file: &MediaFile,
    error_of: fn(&Posted) -> PublishError,
) -> Result<Posted, PublishError> {
    let (content_type, body) = multipart(form.0, form.1, file);
    let answer = fetcher
        .send(
            Method::POST,
            url,
            auth,
            &[],
            RequestBody::Raw {
                content_type: &content_type,
                bytes: &body,
            },
        )
        .await
        .map_err(|e| transport(network, e))?;
    if !(200..300).contains(&answer.status) {
        return Err(error_of(&answer));
    }
    Ok(answer)
}

/// A `multipart/form-data` body (RFC 7578): text fields, then one file part.
pub(crate) fn multipart(
    fields: &[(&str, &str)],
    file_field: &str,
    file: &MediaFile,
) -> (String, Vec<u8>) {
    let boundary = format!("rapport-{:016x}", xxhash_rust::xxh3::xxh3_64(&file.bytes));
    let mut body = Vec::with_capacity(file.bytes.len() + 512);
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; \
             filename=\"image.{}\"\r\nContent-Type: {}\r\n\r\n",
            file.kind.extension(),
            file.kind.mime()
        )
        .as_bytes(),
    );
    body.extend_from_slice(&file.bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A valid 3×2 PNG (signature, IHDR, IDAT, IEND).
    pub(crate) fn png_3x2() -> Vec<u8> {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend_from_slice(&[0, 0, 0, 13]);
        png.extend_from_slice(b"IHDR");
        png.extend_from_slice(&3u32.to_be_bytes());
        png.extend_from_slice(&2u32.to_be_bytes());
        png.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        png
    }

    #[test]
    fn kinds_are_sniffed_from_the_bytes() {
        assert_eq!(ImageKind::sniff(&png_3x2()), Some(ImageKind::Png));
        assert_eq!(
            ImageKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(ImageKind::Jpeg)
        );
        assert_eq!(ImageKind::sniff(b"GIF89a...."), Some(ImageKind::Gif));
        assert_eq!(
            ImageKind::sniff(b"RIFF\x10\0\0\0WEBPVP8 "),
            Some(ImageKind::Webp)
        );
        assert_eq!(ImageKind::sniff(b"RIFF\x10\0\0\0WAVEfmt "), None);
        assert_eq!(ImageKind::sniff(b"<svg xmlns=..."), None);
        assert_eq!(ImageKind::sniff(b""), None);
        assert_eq!(
            inspect(b"<html>not a png</html>"),
            Err(MediaError::NotAnImage)
        );
    }

    #[test]
    fn sizes_come_from_the_header() {
        let info = inspect(&png_3x2()).unwrap();
        assert_eq!((info.kind, info.width, info.height), (ImageKind::Png, 3, 2));
        // GIF: logical screen width and height, little-endian.
        let gif = b"GIF89a\x40\x01\xf0\x00\x80\x00\x00";
        let info = inspect(gif).unwrap();
        assert_eq!((info.width, info.height), (320, 240));
        // A PNG cut after its signature has no size.
        assert_eq!(
            inspect(b"\x89PNG\r\n\x1a\n"),
            Err(MediaError::Unreadable(ImageKind::Png))
        );
    }

    #[test]
    fn limits_refuse_and_warn_per_network() {
        let big = MediaLimits::BLUESKY.max_bytes + 1;
        let check = MediaLimits::BLUESKY.check("Bluesky", &[(big, "a cat"), (10, "")]);
        assert_eq!(check.errors.len(), 2, "{check:?}");
        assert!(check.errors[0].contains("1000001 bytes"));
        assert!(check.errors[1].contains("needs an alt text"));
        let check = MediaLimits::MASTODON_DEFAULT.check("Mastodon", &[(big, "")]);
        assert!(check.errors.is_empty(), "{check:?}");
        assert_eq!(check.warnings.len(), 1);
        let five = vec![(1, "x"); 5];
        assert!(MediaLimits::X.check("X", &five).errors[0].contains("at most 4"));
        let long = "é".repeat(1_001);
        assert!(MediaLimits::X.check("X", &[(1, &long)]).errors[0].contains("1001 characters"));
    }

    #[test]
    fn multipart_bodies_carry_the_fields_and_the_file() {
        let file = MediaFile {
            kind: ImageKind::Png,
            bytes: png_3x2().into(),
            alt: String::new(),
            width: 3,
            height: 2,
        };
        let (content_type, body) = multipart(&[("description", "a cat")], "file", &file);
        let boundary = content_type.split("boundary=").nth(1).unwrap();
        let text = String::from_utf8_lossy(&body);
        assert!(text.starts_with(&format!("--{boundary}\r\n")));
        assert!(text.contains("name=\"description\"\r\n\r\na cat\r\n"));
        assert!(text.contains("name=\"file\"; filename=\"image.png\"\r\nContent-Type: image/png"));
        assert!(text.ends_with(&format!("--{boundary}--\r\n")));
        assert!(body.windows(file.bytes.len()).any(|w| w == &*file.bytes));
    }
}
