//! HTML to plain text, for Mastodon statuses, Hacker News comments and feed descriptions.
//!
//! A small scanner rather than a full HTML parser: the HTML these networks send is a
//! fragment of paragraphs, line breaks, links and inline markup, and all we want back is
//! its text. Tags are dropped (their attributes never reach the text), `<p>`, headings and
//! `<blockquote>` end a paragraph (a blank line), `<br>`, `<div>`, `<li>` and table rows end
//! a line, the contents of `<script>`, `<style>` and comments are dropped, runs of spaces
//! collapse to one as a browser shows them, and every HTML5 named and numeric entity is
//! decoded. A `<` that cannot start a tag (`a < b`, `<3`) is kept as text.

/// What a tag does to the text around it.
enum Break {
    /// Inline markup: nothing.
    None,
    /// A new line.
    Line,
    /// A new paragraph: a blank line.
    Paragraph,
}

fn break_of(tag: &str) -> Break {
    match tag {
        "p" | "blockquote" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "pre" | "ul" | "ol"
        | "table" | "hr" => Break::Paragraph,
        "br" | "div" | "li" | "tr" | "dd" | "dt" | "section" | "article" | "header" | "footer"
        | "figure" | "figcaption" => Break::Line,
        _ => Break::None,
    }
}

/// Converts an HTML fragment to plain text (see the module documentation for the rules).
///
/// ```
/// use rapport_sources::html_to_text;
/// let text = html_to_text("<p>Fish &amp; chips<br>at <a href=\"https://x.example\">#lunch</a></p><p>&#x1F41F;</p>");
/// assert_eq!(text, "Fish & chips\nat #lunch\n\n🐟");
/// ```
pub fn html_to_text(html: &str) -> String {
    let mut out = Text::default();
    let mut rest = html;
    // The closing tag whose content is being dropped (`script`, `style`).
    let mut dropping: Option<&'static str> = None;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            if dropping.is_none() {
                out.push_text(rest);
            }
            break;
        };
        if dropping.is_none() {
            out.push_text(&rest[..lt]);
        }
        rest = &rest[lt..];
        let after = &rest[1..];
        if let Some(comment) = after.strip_prefix("!--") {
            rest = match comment.find("-->") {
                Some(end) => &comment[end + 3..],
                None => "",
            };
            continue;
        }
        let starts_tag = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!' || c == '?');
        if !starts_tag {
            if dropping.is_none() {
                out.push_text("<");
            }
            rest = after;
            continue;
        }
        // A tag runs to the next `>` (an unterminated tag at the end is dropped, as a
        // browser does).
        let Some(gt) = after.find('>') else {
            break;
        };
        let tag = &after[..gt];
        rest = &after[gt + 1..];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if let Some(until) = dropping {
            if closing && name == until {
                dropping = None;
            }
            continue;
        }
        match name.as_str() {
            "script" if !closing && !tag.ends_with('/') => dropping = Some("script"),
            "style" if !closing && !tag.ends_with('/') => dropping = Some("style"),
            _ => match break_of(&name) {
                Break::None => {}
                Break::Line => out.push_break(1),
                Break::Paragraph => out.push_break(2),
            },
        }
    }
    out.finish()
}

/// The text being built: collapses spaces and pending line breaks.
#[derive(Default)]
struct Text {
    out: String,
    /// A space is owed before the next word.
    space: bool,
    /// Line breaks owed before the next word.
    breaks: usize,
}

impl Text {
    fn push_text(&mut self, html: &str) {
        if html.is_empty() {
            return;
        }
        let decoded = html_escape::decode_html_entities(html);
        for c in decoded.chars() {
            if c.is_ascii_whitespace() {
                self.space = true;
                continue;
            }
            if !self.out.is_empty() {
                if self.breaks > 0 {
                    for _ in 0..self.breaks {
                        self.out.push('\n');
                    }
                } else if self.space {
                    self.out.push(' ');
                }
            }
            self.breaks = 0;
            self.space = false;
            self.out.push(c);
        }
    }

    fn push_break(&mut self, lines: usize) {
        self.breaks = self.breaks.max(lines);
        self.space = false;
    }

    fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::html_to_text;

    #[test]
    fn mastodon_markup_becomes_lines_and_paragraphs() {
        let html = "<p>Hello <span class=\"h-card\"><a href=\"https://m.example/@bob\" class=\"u-url mention\">@<span>bob</span></a></span> &lt;3</p><p>line one<br />line two<br>\n<a href=\"https://example.com/a/long/path\"><span class=\"invisible\">https://</span><span class=\"ellipsis\">example.com/a/lon</span><span class=\"invisible\">g/path</span></a></p>";
        assert_eq!(
            html_to_text(html),
            "Hello @bob <3\n\nline one\nline two\nhttps://example.com/a/long/path"
        );
    }

    #[test]
    fn entities_scripts_comments_and_stray_angles() {
        assert_eq!(
            html_to_text("caf&eacute; &#233; &#xE9; &hellip; &bogus;"),
            "café é é … &bogus;"
        );
        assert_eq!(
            html_to_text("a<script>alert(1)</script>b<style>p{}</style>c"),
            "abc"
        );
        assert_eq!(html_to_text("x<!-- hidden -->y"), "xy");
        assert_eq!(html_to_text("a < b and 1<2 <3"), "a < b and 1<2 <3");
        assert_eq!(html_to_text("  spaced \n\t out  "), "spaced out");
        assert_eq!(html_to_text("unterminated <a href="), "unterminated");
        assert_eq!(html_to_text("<p></p><p>only</p><br><br>"), "only");
        assert_eq!(html_to_text(""), "");
    }
}
