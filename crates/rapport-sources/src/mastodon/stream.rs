//! A capture of Mastodon's streaming API: server-sent events
//! (https://docs.joinmastodon.org/methods/streaming/#events,
//! https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).

use super::{read_notification, status, MastodonCursor};
use crate::parse::{Cursor, Document, Page, ParseError};
use serde_json::value::RawValue;

/// One event of the stream: its name, its data lines joined, and the line it starts on.
struct Event {
    name: String,
    data: String,
    line: usize,
}

/// Reads the events: `update` and `status.update` (a status), `notification`, `delete`
/// (a status id). Other events (`filters_changed`, `announcement`...) and comments
/// (`:thump` heartbeats) are passed over.
pub(super) fn parse(bytes: &[u8]) -> Result<Page, ParseError> {
    let text = String::from_utf8_lossy(bytes);
    let mut page = Page::new(
        Document::MastodonStream,
        Cursor::Mastodon(MastodonCursor::default()),
    );
    let mut ids = MastodonCursor::default();
    for event in events(&text) {
        let at = format!("line {}", event.line);
        match event.name.as_str() {
            "update" | "status.update" => match RawValue::from_string(event.data) {
                Ok(raw) => status::read_status(&mut page, &mut ids, &raw, at),
                Err(e) => page.skip(
                    at,
                    None,
                    format!("the {} event's data is not JSON: {e}", event.name),
                ),
            },
            "notification" => match RawValue::from_string(event.data) {
                Ok(raw) => read_notification(&mut page, &mut ids, &raw, at),
                Err(e) => page.skip(
                    at,
                    None,
                    format!("the notification event's data is not JSON: {e}"),
                ),
            },
            "delete" => {
                let id = event.data.trim();
                if id.is_empty() {
                    page.skip(at, None, "a delete event without a status id");
                } else {
                    page.deleted.push(id.to_string());
                }
            }
            _ => {}
        }
    }
    page.cursor = Cursor::Mastodon(ids);
    Ok(page)
}

/// Splits the stream into events as the SSE rules say: fields up to a blank line, `data`
/// lines joined with newlines, `:` lines ignored. An event cut off at the end of the
/// capture is still returned (its data may then be incomplete and be skipped).
fn events(text: &str) -> Vec<Event> {
    let mut events = Vec::new();
    let mut name = String::new();
    let mut data: Option<String> = None;
    let mut start = 0;
    let mut dispatch = |name: &mut String, data: &mut Option<String>, start: usize| {
        if let Some(data) = data.take() {
            let event_name = if name.is_empty() {
                "message".to_string()
            } else {
                std::mem::take(name)
            };
            events.push(Event {
                name: event_name,
                data,
                line: start,
            });
        }
        name.clear();
    };
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            dispatch(&mut name, &mut data, start);
            continue;
        }
        if line.starts_with(':') {
            continue;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        if name.is_empty() && data.is_none() {
            start = i + 1;
        }
        match field {
            "event" => name = value.to_string(),
            "data" => match &mut data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => data = Some(value.to_string()),
            },
            _ => {}
        }
    }
    dispatch(&mut name, &mut data, start);
    events
}

#[cfg(test)]
mod tests {
    use super::events;

    #[test]
    fn events_follow_the_sse_rules() {
        let text = ":thump\n\nevent: delete\ndata: 12\n\nevent: update\r\ndata: {\"a\":\ndata: 1}\r\n\r\ndata: tail";
        let events = events(text);
        assert_eq!(events.len(), 3);
        assert_eq!(
            (
                events[0].name.as_str(),
                events[0].data.as_str(),
                events[0].line
            ),
            ("delete", "12", 3)
        );
        assert_eq!(
            (events[1].name.as_str(), events[1].data.as_str()),
            ("update", "{\"a\":\n1}")
        );
        assert_eq!(
            (events[2].name.as_str(), events[2].data.as_str()),
            ("message", "tail")
        );
    }
}
