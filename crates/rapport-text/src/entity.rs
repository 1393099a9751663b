//! Social entities found before word segmentation: hashtags, mentions and links.

/// An entity starting at a given byte of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Entity {
    /// `#` then the body `body_start..end`.
    Hashtag { body_start: usize, end: usize },
    /// `@` then the handle `body_start..end`.
    Mention { body_start: usize, end: usize },
    /// A link ending at `end`.
    Url { end: usize },
}

/// Whether a link can start at byte `i`: not right after an ASCII letter, digit or `_`
/// (which word segmentation would join with it).
pub(crate) fn at_link_boundary(bytes: &[u8], i: usize) -> bool {
    i == 0 || !crate::segment::is_word_byte(bytes[i - 1])
}

/// Whether a `#` or `@` at byte `i` starts an entity: it must not continue a word (`a#b`,
/// `joe@acme.com`) nor an HTML entity (`&#39;`).
pub(crate) fn at_boundary(text: &str, i: usize) -> bool {
    match text[..i].chars().next_back() {
        None => true,
        Some(prev) => !(prev.is_alphanumeric() || prev == '_' || prev == '&'),
    }
}

/// The entity starting at byte `i` (a `#`, `@`, `h`, `H`, `w` or `W`), if any.
pub(crate) fn detect(text: &str, i: usize) -> Option<Entity> {
    match text.as_bytes()[i] {
        b'#' => hashtag(text, i),
        b'@' => mention(text, i),
        _ => url(text, i),
    }
}

/// A character of a hashtag's body.
fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric()
        || c == '_'
        || unicode_normalization::char::is_combining_mark(c)
        || c == '\u{200C}'
        || c == '\u{200D}'
}

fn hashtag(text: &str, i: usize) -> Option<Entity> {
    let body_start = i + 1;
    let mut end = body_start;
    let mut has_letter = false;
    for (at, c) in text[body_start..].char_indices() {
        if !is_tag_char(c) {
            break;
        }
        has_letter |= c.is_alphabetic();
        end = body_start + at + c.len_utf8();
    }
    has_letter.then_some(Entity::Hashtag { body_start, end })
}

fn is_handle_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn mention(text: &str, i: usize) -> Option<Entity> {
    let body_start = i + 1;
    let rest = &text[body_start..];
    let mut chars = rest.char_indices().peekable();
    let mut end = body_start;
    while let Some((at, c)) = chars.next() {
        if is_handle_char(c) {
            end = body_start + at + c.len_utf8();
        } else if matches!(c, '.' | '-' | '@')
            && at > 0
            && chars.peek().is_some_and(|&(_, next)| is_handle_char(next))
        {
            // A separator inside a handle (`acme.bsky.social`, `acme@mastodon.social`);
            // the character after it is taken on the next turn.
        } else {
            break;
        }
    }
    (end > body_start).then_some(Entity::Mention { body_start, end })
}

/// Whether a folded hashtag body still reads as one: tag characters with a letter.
pub(crate) fn is_tag_body(body: &str) -> bool {
    body.chars().all(is_tag_char) && body.chars().any(char::is_alphabetic)
}

/// Whether a folded handle still reads as one, whole: it starts with a letter, digit or
/// `_`, and each `.`, `-` or `@` in it is followed by one.
pub(crate) fn is_handle(handle: &str) -> bool {
    let mut chars = handle.chars().peekable();
    let mut first = true;
    while let Some(c) = chars.next() {
        let ok = if is_handle_char(c) {
            true
        } else {
            !first
                && matches!(c, '.' | '-' | '@')
                && chars.peek().is_some_and(|&next| is_handle_char(next))
        };
        if !ok {
            return false;
        }
        first = false;
    }
    !first
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.len() >= prefix.len()
        && text.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

fn url(text: &str, i: usize) -> Option<Entity> {
    let rest = &text[i..];
    let prefix_len = if starts_with_ignore_case(rest, "https://") {
        8
    } else if starts_with_ignore_case(rest, "http://") {
        7
    } else if starts_with_ignore_case(rest, "www.") {
        4
    } else {
        return None;
    };
    // A link is a link as soon as its prefix is followed by a letter or digit, whatever
    // comes after: this keeps a word like `www.acme` from ever being cut out of a longer,
    // broken link and then reading as a link on its own.
    if !rest[prefix_len..]
        .chars()
        .next()
        .is_some_and(char::is_alphanumeric)
    {
        return None;
    }
    let mut len = rest
        .char_indices()
        .find(|&(_, c)| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"'))
        .map_or(rest.len(), |(at, _)| at);
    while let Some(last) = rest[..len].chars().next_back() {
        let unbalanced = || {
            let s = &rest[..len];
            s.matches(')').count() > s.matches('(').count()
        };
        let trailing = matches!(
            last,
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | ']' | '}' | '…' | '’' | '”'
        ) || (last == ')' && unbalanced());
        if !trailing || len <= prefix_len + 1 {
            break;
        }
        len -= last.len_utf8();
    }
    Some(Entity::Url { end: i + len })
}

/// The host of a link: `https://user@Shop.Acme.com:8080/x?y` gives `Shop.Acme.com`.
///
/// Accepts links with any scheme (`scheme://`) or none (`www.acme.com/x`, `acme.com`). The
/// host is returned as written; lower-case it to compare. `None` when there is no host.
pub fn host_of(url: &str) -> Option<&str> {
    let url = url.trim();
    let after_scheme = match url.find("://") {
        Some(at)
            if at > 0
                && url[..at]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) =>
        {
            &url[at + 3..]
        }
        _ => url,
    };
    let authority_end = after_scheme
        .find(['/', '?', '#', '\\'])
        .unwrap_or(after_scheme.len());
    let authority = &after_scheme[..authority_end];
    let host_port = match authority.rsplit_once('@') {
        Some((_, host)) if !host.is_empty() => host,
        Some((before, _)) => before,
        None => authority,
    };
    let host = if let Some(bracketed) = host_port.strip_prefix('[') {
        bracketed.split_once(']').map_or(bracketed, |(h, _)| h)
    } else {
        match host_port.rsplit_once(':') {
            Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
            _ => host_port,
        }
    };
    let host = host.trim_end_matches('.');
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(
            host_of("https://user@Shop.Acme.com:8080/x?y"),
            Some("Shop.Acme.com")
        );
        assert_eq!(host_of("www.acme.com/x"), Some("www.acme.com"));
        assert_eq!(host_of("acme.com."), Some("acme.com"));
        assert_eq!(host_of("http://[::1]:80/"), Some("::1"));
        assert_eq!(host_of("https:///x"), None);
        assert_eq!(host_of(""), None);
    }

    #[test]
    fn urls_trim_trailing_punctuation() {
        let t = "see https://acme.com/a). ok";
        assert_eq!(detect(t, 4), Some(Entity::Url { end: 22 }));
        let t = "(https://en.wikipedia.org/wiki/A_(b))";
        assert_eq!(detect(t, 1), Some(Entity::Url { end: 36 }));
        assert_eq!(detect("http:// x", 0), None);
        assert_eq!(detect("www. x", 0), None);
        assert_eq!(detect("www.w\0x", 0), Some(Entity::Url { end: 5 }));
        assert_eq!(detect("www.w@-", 0), Some(Entity::Url { end: 7 }));
        assert_eq!(host_of("www.w@"), Some("www.w"));
    }
}
