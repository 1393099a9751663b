//! Connections that stay open: HTTP streams (Mastodon's server-sent events, X's filtered
//! stream, one JSON object per line) and WebSockets (Bluesky's Jetstream).
//!
//! Both go through the same guarded client as every other request (the SSRF guard checks
//! the resolved addresses and every redirect), without the whole-request time bound but with
//! an idle bound ([`super::FetchLimits::stream_idle_time`]): a stream that sends nothing, not
//! even its heartbeat, for that long is treated as dead. A connector keeps its stream between
//! polls and reads it in windows ([`LiveStream::read_records`], [`WebSocket::read_texts`]),
//! so the runner can store each window with its checkpoint; data that arrives while the
//! runner stores waits in the socket and is read by the next window.
//!
//! The WebSocket handshake is done here on reqwest's HTTP/1.1 upgrade (RFC 6455 §4.1): the
//! connection is the guarded one, and `tokio-tungstenite` only frames messages on it.

use super::{redact_url, request_headers, FetchError, FetchRequest, Fetcher, RateLimit};
use chrono::Utc;
use futures_util::{SinkExt, StreamExt};
use reqwest::header::{self, HeaderValue};
use reqwest::StatusCode;
use std::fmt;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// What one window of a stream gave.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct StreamRead {
    /// Complete records received in the window, each ending with the delimiter (an
    /// incomplete last record stays buffered for the next window).
    pub bytes: Vec<u8>,
    /// The server closed the stream: open a new one.
    pub ended: bool,
}

/// An open HTTP stream.
pub struct LiveStream {
    response: reqwest::Response,
    buffer: Vec<u8>,
    url: String,
    max_record: u64,
    rate_limit: RateLimit,
}

impl fmt::Debug for LiveStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LiveStream")
            .field("url", &self.url)
            .field("buffered", &self.buffer.len())
            .finish()
    }
}

impl LiveStream {
    /// The rate-limit hints the server sent when the stream opened.
    pub fn rate_limit(&self) -> &RateLimit {
        &self.rate_limit
    }

    /// Reads until `until`, the stream's end, or an error, and returns the complete
    /// records received: everything up to the last `delimiter` (`b"\n\n"` ends a
    /// server-sent event, `b"\n"` a JSON line). A record longer than the fetcher's
    /// `max_bytes` is an error, so a stream without delimiters cannot fill the memory.
    pub async fn read_records(
        &mut self,
        until: Instant,
        delimiter: &[u8],
    ) -> Result<StreamRead, FetchError> {
        let mut ended = false;
        loop {
            let chunk = match tokio::time::timeout_at(until, self.response.chunk()).await {
                Err(_) => break,
                Ok(Ok(Some(chunk))) => chunk,
                Ok(Ok(None)) => {
                    ended = true;
                    break;
                }
                Ok(Err(e)) => {
                    return Err(FetchError::Network {
                        url: self.url.clone(),
                        message: format!("the stream broke: {}", error_chain(&e)),
                    })
                }
            };
            self.buffer.extend_from_slice(&chunk);
            let complete = last_end(&self.buffer, delimiter).unwrap_or(0);
            if (self.buffer.len() - complete) as u64 > self.max_record {
                return Err(FetchError::TooLarge {
                    url: self.url.clone(),
                    limit: self.max_record,
                });
            }
        }
        let complete = last_end(&self.buffer, delimiter).unwrap_or(0);
        let rest = self.buffer.split_off(complete);
        let bytes = std::mem::replace(&mut self.buffer, rest);
        Ok(StreamRead { bytes, ended })
    }
}

/// The index just past the last `delimiter` in `bytes`.
fn last_end(bytes: &[u8], delimiter: &[u8]) -> Option<usize> {
    if delimiter.is_empty() || bytes.len() < delimiter.len() {
        return None;
    }
    (0..=bytes.len() - delimiter.len())
        .rev()
        .find(|&at| &bytes[at..at + delimiter.len()] == delimiter)
        .map(|at| at + delimiter.len())
}

fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        message.push_str(": ");
        message.push_str(&e.to_string());
        cause = e.source();
    }
    message
}

/// An open WebSocket (client side).
pub struct WebSocket {
    socket: WebSocketStream<reqwest::Upgraded>,
    url: String,
}

impl fmt::Debug for WebSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSocket").field("url", &self.url).finish()
    }
}

impl WebSocket {
    /// Reads text messages until `until`, the socket's close, or an error; each message
    /// comes back as one line (newlines inside a message are escaped JSON already, so a
    /// message per line is lossless for JSON). Pings are answered by the framing layer.
    pub async fn read_texts(&mut self, until: Instant) -> Result<StreamRead, FetchError> {
        let mut read = StreamRead::default();
        loop {
            let next = match tokio::time::timeout_at(until, self.socket.next()).await {
                Err(_) => break,
                Ok(next) => next,
            };
            match next {
                None | Some(Ok(Message::Close(_))) => {
                    read.ended = true;
                    break;
                }
                Some(Ok(Message::Text(text))) => {
                    read.bytes.extend_from_slice(text.as_bytes());
                    read.bytes.push(b'\n');
                }
                Some(Ok(Message::Binary(_))) => {
                    return Err(FetchError::Network {
                        url: self.url.clone(),
                        message: "the WebSocket sent a binary message where text was expected \
                                  (is compression on? it is not asked for)"
                            .into(),
                    })
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    return Err(FetchError::Network {
                        url: self.url.clone(),
                        message: format!("the WebSocket broke: {e}"),
                    })
                }
            }
        }
        Ok(read)
    }

    /// Closes the socket politely.
    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }

    /// Sends a text message (Jetstream's `options_update`, say).
    pub async fn send_text(&mut self, text: &str) -> Result<(), FetchError> {
        self.socket
            .send(Message::text(text))
            .await
            .map_err(|e| FetchError::Network {
                url: self.url.clone(),
                message: format!("cannot send on the WebSocket: {e}"),
            })
    }
}

impl Fetcher {
    /// Opens an HTTP stream: the request is guarded and its answer must come within the
    /// usual time bound; a non-2xx answer is [`FetchError::Status`] with the server's wait.
    pub async fn open_stream(&self, request: FetchRequest) -> Result<LiveStream, FetchError> {
        let shown = redact_url(&request.url);
        self.check(&request.url, &shown)?;
        let headers = request_headers(&request, &shown)?;
        let response = self.send_streaming(&request, headers, &shown).await?;
        let status = response.status();
        let rate_limit = RateLimit::from_headers(response.headers(), Utc::now());
        if !status.is_success() {
            return Err(FetchError::Status {
                url: redact_url(response.url()),
                status: status.as_u16(),
                retry_after: rate_limit.wait(),
            });
        }
        Ok(LiveStream {
            url: redact_url(response.url()),
            response,
            buffer: Vec::new(),
            max_record: self.limits.max_bytes,
            rate_limit,
        })
    }

    /// Sends a streaming GET on the client without the whole-request bound: only the
    /// answer's head must come within the usual time.
    async fn send_streaming(
        &self,
        request: &FetchRequest,
        headers: reqwest::header::HeaderMap,
        shown: &str,
    ) -> Result<reqwest::Response, FetchError> {
        let send = self
            .stream_client
            .get(request.url.clone())
            .headers(headers)
            .send();
        match tokio::time::timeout(self.limits.total_time, send).await {
            Ok(response) => response.map_err(|e| self.classify(e, shown)),
            Err(_) => Err(FetchError::Timeout {
                url: shown.to_string(),
                after: self.limits.total_time,
            }),
        }
    }

    /// Opens a WebSocket to `request.url` (`wss://` or `ws://`; `https`/`http` also
    /// accepted), through the guard, with messages bounded by the fetcher's `max_bytes`.
    pub async fn open_websocket(&self, request: FetchRequest) -> Result<WebSocket, FetchError> {
        let mut request = request;
        let scheme = match request.url.scheme() {
            "wss" | "https" => "https",
            "ws" | "http" => "http",
            other => {
                return Err(FetchError::BadUrl {
                    url: redact_url(&request.url),
                    reason: format!("a WebSocket URL must be wss:// or ws://, not {other}://"),
                })
            }
        };
        // `Url::set_scheme` refuses to turn a special scheme into another kind; ws(s) and
        // http(s) are all special, so this cannot fail, but say so if it ever does.
        if request.url.set_scheme(scheme).is_err() {
            return Err(FetchError::BadUrl {
                url: redact_url(&request.url),
                reason: "cannot use this URL for a WebSocket".into(),
            });
        }
        let shown = redact_url(&request.url);
        self.check(&request.url, &shown)?;
        let mut headers = request_headers(&request, &shown)?;
        let key = tokio_tungstenite::tungstenite::handshake::client::generate_key();
        headers.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
        headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        headers.insert(
            header::SEC_WEBSOCKET_VERSION,
            HeaderValue::from_static("13"),
        );
        headers.insert(
            header::SEC_WEBSOCKET_KEY,
            HeaderValue::from_str(&key).expect("base64 is a valid header"),
        );
        let response = self.send_streaming(&request, headers, &shown).await?;
        let status = response.status();
        if status != StatusCode::SWITCHING_PROTOCOLS {
            let rate_limit = RateLimit::from_headers(response.headers(), Utc::now());
            return Err(FetchError::Status {
                url: shown,
                status: status.as_u16(),
                retry_after: rate_limit.wait(),
            });
        }
        let accept = response
            .headers()
            .get(header::SEC_WEBSOCKET_ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if accept != derive_accept_key(key.as_bytes()) {
            return Err(FetchError::Network {
                url: shown,
                message: "the server's Sec-WebSocket-Accept does not match the key sent".into(),
            });
        }
        let upgraded = response.upgrade().await.map_err(|e| FetchError::Network {
            url: shown.clone(),
            message: format!("the WebSocket upgrade failed: {}", error_chain(&e)),
        })?;
        let max = usize::try_from(self.limits.max_bytes).unwrap_or(usize::MAX);
        let config = WebSocketConfig::default()
            .max_message_size(Some(max))
            .max_frame_size(Some(max));
        let socket = WebSocketStream::from_raw_socket(upgraded, Role::Client, Some(config)).await;
        Ok(WebSocket { socket, url: shown })
    }
}

#[cfg(test)]
mod tests {
    use super::last_end;

    #[test]
    fn the_last_complete_record_ends_after_the_last_delimiter() {
        assert_eq!(last_end(b"a\n\nb\n\nc", b"\n\n"), Some(6));
        assert_eq!(last_end(b"abc", b"\n"), None);
        assert_eq!(last_end(b"\n", b"\n"), Some(1));
        assert_eq!(last_end(b"", b"\n"), None);
    }
}
