//! What a post offers to matching, and its prepared (tokenized, folded) form.

use rapport_model::{Network, Post};
use rapport_text::{fold_into, host_of, TokenKind, Tokens};

/// What a post offers to matching: its text and, when known, its title, author handle,
/// language, network and links. Borrowed, cheap to build.
///
/// Links: when [`Document::with_urls`] gives them (the `urls` of `rapport match`), `site:`
/// looks at those; otherwise at the links found in the text and the title. A
/// [`Document::with_link`] (a feed item's article) counts in both cases.
#[derive(Debug, Clone, Copy, Default)]
pub struct Document<'a> {
    text: &'a str,
    title: Option<&'a str>,
    author: Option<&'a str>,
    lang: Option<&'a str>,
    network: Option<Network>,
    urls: Option<&'a [String]>,
    link: Option<&'a str>,
}

impl<'a> Document<'a> {
    /// A document with only a text.
    pub fn new(text: &'a str) -> Document<'a> {
        Document {
            text,
            ..Document::default()
        }
    }

    /// The matching view of a stored post: its text, title, author handle, language and
    /// network. Its own link (`post.url`) counts for `site:` only for feed items, where it
    /// is the article's address; for other networks it points at the post itself.
    pub fn from_post(post: &'a Post) -> Document<'a> {
        let mut doc = Document::new(&post.text)
            .with_author(&post.author.handle)
            .with_network(post.network);
        doc.title = post.title.as_deref();
        doc.lang = post.language.as_deref();
        if post.network == Network::Feed {
            doc.link = post.url.as_deref();
        }
        doc
    }

    /// Sets the title (feed items, link posts).
    pub fn with_title(mut self, title: &'a str) -> Document<'a> {
        self.title = Some(title);
        self
    }

    /// Sets the author's handle (a leading `@` is ignored).
    pub fn with_author(mut self, handle: &'a str) -> Document<'a> {
        self.author = Some(handle);
        self
    }

    /// Sets the language tag (`en`, `pt-BR`).
    pub fn with_lang(mut self, lang: &'a str) -> Document<'a> {
        self.lang = Some(lang);
        self
    }

    /// Sets the network.
    pub fn with_network(mut self, network: Network) -> Document<'a> {
        self.network = Some(network);
        self
    }

    /// Gives the post's links explicitly; the text is then not searched for links.
    pub fn with_urls(mut self, urls: &'a [String]) -> Document<'a> {
        self.urls = Some(urls);
        self
    }

    /// Adds one link that always counts for `site:` (a feed item's article).
    pub fn with_link(mut self, link: &'a str) -> Document<'a> {
        self.link = Some(link);
        self
    }

    /// The text.
    pub fn text(&self) -> &'a str {
        self.text
    }
}

/// A [`Document`] tokenized and folded once, ready to be matched against any number of
/// queries (with [`crate::Query::matches_prepared`]). Reusable: [`PreparedDocument::prepare`]
/// refills it, keeping its allocations.
#[derive(Debug, Clone, Default)]
pub struct PreparedDocument {
    pub(crate) text: Tokens,
    pub(crate) title: Tokens,
    author: String,
    author_name_len: usize,
    lang: String,
    pub(crate) network: Option<Network>,
    hosts: String,
    host_ends: Vec<usize>,
}

impl PreparedDocument {
    /// An empty one, to fill with [`PreparedDocument::prepare`].
    pub fn new() -> PreparedDocument {
        PreparedDocument::default()
    }

    /// `doc`, prepared.
    pub fn of(doc: &Document<'_>) -> PreparedDocument {
        let mut prepared = PreparedDocument::new();
        prepared.prepare(doc);
        prepared
    }

    /// Replaces the contents with `doc`, prepared.
    pub fn prepare(&mut self, doc: &Document<'_>) {
        self.text.tokenize(doc.text);
        match doc.title {
            Some(title) => self.title.tokenize(title),
            None => self.title.clear(),
        }
        self.author.clear();
        if let Some(handle) = doc.author {
            fold_into(handle.trim().trim_start_matches('@'), &mut self.author);
        }
        self.author_name_len = self.author.find(['@', '.']).unwrap_or(self.author.len());
        self.lang.clear();
        if let Some(lang) = doc.lang {
            self.lang
                .extend(lang.trim().chars().map(|c| match c.to_ascii_lowercase() {
                    '_' => '-',
                    c => c,
                }));
        }
        self.network = doc.network;
        self.hosts.clear();
        self.host_ends.clear();
        match doc.urls {
            Some(urls) => {
                for url in urls {
                    self.push_host(host_of(url));
                }
            }
            None => {
                for tokens in [&self.text, &self.title] {
                    for token in tokens.iter().filter(|t| t.kind() == TokenKind::Url) {
                        if let Some(host) = token.url_host() {
                            self.hosts.push_str(host);
                            self.host_ends.push(self.hosts.len());
                        }
                    }
                }
            }
        }
        if let Some(link) = doc.link {
            self.push_host(host_of(link));
        }
    }

    fn push_host(&mut self, host: Option<&str>) {
        if let Some(host) = host {
            self.hosts.extend(host.chars().flat_map(char::to_lowercase));
            self.host_ends.push(self.hosts.len());
        }
    }

    /// The text's tokens.
    pub fn text_tokens(&self) -> &Tokens {
        &self.text
    }

    /// The title's tokens (empty without a title).
    pub fn title_tokens(&self) -> &Tokens {
        &self.title
    }

    /// The hosts of the post's links, lower-cased.
    pub fn hosts(&self) -> impl Iterator<Item = &str> + '_ {
        let mut start = 0;
        self.host_ends.iter().map(move |&end| {
            let host = self.hosts.get(start..end).unwrap_or("");
            start = end;
            host
        })
    }

    /// The folded author handle, if any.
    pub(crate) fn author(&self) -> Option<&str> {
        (!self.author.is_empty()).then_some(self.author.as_str())
    }

    /// The author handle's name: up to its first `@` or `.`.
    pub(crate) fn author_name(&self) -> Option<&str> {
        self.author()
            .map(|a| a.get(..self.author_name_len).unwrap_or(a))
    }

    /// The language tag, lower case, if any.
    pub(crate) fn lang(&self) -> Option<&str> {
        (!self.lang.is_empty()).then_some(self.lang.as_str())
    }

    /// `author:value`: the whole handle, or (for a value without `@` or `.`) its name.
    pub(crate) fn author_matches(&self, value: &str) -> bool {
        self.author().is_some_and(|a| a == value)
            || (!value.contains(['@', '.']) && self.author_name().is_some_and(|n| n == value))
    }

    /// `lang:value`: the same tag, or a more specific one (`lang:en` matches `en-GB`).
    pub(crate) fn lang_matches(&self, value: &str) -> bool {
        self.lang().is_some_and(|lang| {
            lang == value
                || (lang.len() > value.len()
                    && lang.starts_with(value)
                    && lang.as_bytes()[value.len()] == b'-')
        })
    }

    /// `site:domain`: a link to the domain or to one of its subdomains.
    pub(crate) fn site_matches(&self, domain: &str) -> bool {
        self.hosts().any(|host| {
            host == domain
                || (host.len() > domain.len()
                    && host.ends_with(domain)
                    && host.as_bytes()[host.len() - domain.len() - 1] == b'.')
        })
    }
}
