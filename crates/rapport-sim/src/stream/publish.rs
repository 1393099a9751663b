//! Publishing a draft: time, native id, URL, writing style, engagement, memory.

use super::*;

impl Simulator {
    /// Gives a draft its time, id, URL and engagement, remembers it, and returns the post.
    pub(super) fn finish(&mut self, mut draft: Draft, t: f64) -> SimPost {
        let offset_ms = ((t * 1000.0).floor() as i64).clamp(0, (self.duration_ms - 1).max(0));
        let created_at: Timestamp = self
            .config
            .start
            .checked_add_signed(chrono::Duration::milliseconds(offset_ms))
            .unwrap_or(self.config.start);
        let unix_ms = created_at.timestamp_millis();
        if draft.styled {
            draft.text = self.style(&mut draft);
        }
        let index = draft.author.min(self.pool.authors.len() - 1);
        let author = &self.pool.authors[index];
        let network = draft.network;
        let (native_id, url, root, reddit) = mint(
            &mut self.ids,
            &mut self.dice,
            &draft,
            author,
            unix_ms,
            created_at,
        );
        let post_author = author.author.clone();
        let engagement = engagement(
            &mut self.dice,
            network,
            author.followers(),
            draft.role,
            draft.truth.sentiment,
        );
        let (reply_to, conversation_id, depth) = match &draft.parent {
            Some(p) => (
                Some(p.native_id.clone()),
                Some(p.root.clone()),
                p.depth.saturating_add(1),
            ),
            None => (None, None, 0),
        };
        if draft.remember && network != Network::Feed {
            let slot = slot_of(network);
            let buffer = &mut self.history[slot];
            if buffer.len() == HISTORY {
                buffer.pop_front();
            }
            buffer.push_back(Entry {
                meta: Meta {
                    author: draft.author,
                    lang: draft.lang,
                    intent: draft.truth.intent,
                    sentiment: draft.truth.sentiment,
                    subject: draft.subject,
                    incident: draft.truth.incident,
                    spam: draft.truth.spam,
                    depth,
                },
                native_id: native_id.clone(),
                root,
                text: draft.text.clone(),
                reddit,
            });
        }
        self.emitted += 1;
        SimPost {
            post: Post {
                network,
                native_id,
                url: Some(url),
                author: post_author,
                title: draft.title,
                text: draft.text,
                language: declares_language(network).then(|| draft.lang.code().to_string()),
                created_at,
                reply_to,
                conversation_id,
                quote_of: None,
                engagement,
            },
            truth: Truth {
                lang: draft.lang.code().to_string(),
                ..draft.truth
            },
        }
    }

    /// The author's way of typing, applied to a draft's text.
    pub(super) fn style(&mut self, draft: &mut Draft) -> String {
        let author = &self.pool.authors[draft.author];
        let s = author.style;
        let dice = &mut self.dice;
        let truth = &draft.truth;
        let mut text = std::mem::take(&mut draft.text);
        let angry = truth.intent == Intent::Complaint && truth.sentiment == Sentiment::Negative;
        let shouted = angry && dice.chance(s.caps);
        if shouted {
            text = style::shout(&text);
        } else if truth.sentiment != Sentiment::Neutral && dice.chance(0.08) {
            text = style::elongate(&text, dice);
        }
        if truth.sentiment == Sentiment::Negative && dice.chance(0.12) {
            text = style::exclaim(&text, dice);
        }
        if dice.chance(s.emoji * 0.5) {
            text.push(' ');
            text.push_str(style::emoji(truth.sentiment, dice));
        }
        let social = matches!(
            draft.network,
            Network::X | Network::Bluesky | Network::Mastodon
        );
        if social && truth.intent != Intent::Spam && dice.chance(s.hashtags) {
            if let Some(subject) = draft.subject {
                let world = &self.config.world;
                let maker = maker_of(world, subject.maker);
                let tag = subject
                    .product
                    .and_then(|p| maker.products.get(p))
                    .map_or(maker.hashtag.as_str(), |p| p.hashtag.as_str());
                if !tag.is_empty()
                    && !text
                        .to_lowercase()
                        .contains(&format!("#{}", tag.to_lowercase()))
                {
                    text.push_str(" #");
                    text.push_str(tag);
                }
            }
        }
        if s.lowercase && !shouted {
            text = style::lower(&text);
        }
        text
    }
}

/// Native id, URL, conversation root and Reddit context of a new post.
#[allow(clippy::type_complexity)]
/// Whether `network`'s API says which language a post is in: Mastodon (`language`), Bluesky
/// (`langs`) and X (`lang`) do; Reddit, Hacker News and most feeds do not.
fn declares_language(network: Network) -> bool {
    matches!(network, Network::Mastodon | Network::Bluesky | Network::X)
}

fn mint(
    minter: &mut IdMinter,
    dice: &mut Dice,
    draft: &Draft,
    author: &SimAuthor,
    unix_ms: i64,
    created_at: Timestamp,
) -> (String, String, String, Option<(&'static str, String)>) {
    let handle = author.author.handle.as_str();
    let root_of = |own: &str| -> String {
        draft
            .parent
            .as_ref()
            .map_or_else(|| own.to_string(), |p| p.root.clone())
    };
    match draft.network {
        Network::X => {
            let id = minter.x(unix_ms, dice);
            let url = format!("https://x.com/{handle}/status/{id}");
            let root = root_of(&id);
            (id, url, root, None)
        }
        Network::Mastodon => {
            let id = minter.mastodon(unix_ms, dice);
            let (user, instance) = ids::mastodon_parts(handle);
            let url = format!("https://{instance}/@{user}/{id}");
            let root = root_of(&id);
            (id, url, root, None)
        }
        Network::Bluesky => {
            let rkey = minter.bluesky_rkey(unix_ms, dice);
            let did = author.did.as_deref().unwrap_or("did:plc:unknown");
            let id = format!("at://{did}/app.bsky.feed.post/{rkey}");
            let url = format!("https://bsky.app/profile/{handle}/post/{rkey}");
            let root = root_of(&id);
            (id, url, root, None)
        }
        Network::Reddit => match draft.parent.as_ref().and_then(|p| p.reddit.clone()) {
            Some((sub, post36)) => {
                let c36 = minter.reddit_comment(unix_ms, dice);
                let url =
                    format!("https://www.reddit.com/r/{sub}/comments/{post36}/comment/{c36}/");
                let id = format!("t1_{c36}");
                let root = root_of(&id);
                (id, url, root, Some((sub, post36)))
            }
            None => {
                let sub = draft.subreddit.unwrap_or("Coffee");
                let p36 = minter.reddit_post(unix_ms, dice);
                let slug = ids::slug(draft.title.as_deref().unwrap_or(&draft.text));
                let url = format!("https://www.reddit.com/r/{sub}/comments/{p36}/{slug}/");
                let id = format!("t3_{p36}");
                (id.clone(), url, id, Some((sub, p36)))
            }
        },
        Network::HackerNews => {
            let n = minter.hacker_news(unix_ms, dice);
            let id = n.to_string();
            let url = format!("https://news.ycombinator.com/item?id={n}");
            let root = root_of(&id);
            (id, url, root, None)
        }
        _ => {
            let n = minter.feed(dice);
            let slug = ids::slug(draft.title.as_deref().unwrap_or(&draft.text));
            let url = format!("https://{handle}/{}/{slug}/", created_at.format("%Y/%m"));
            let id = format!("https://{handle}/?p={n}");
            (id.clone(), url, id, None)
        }
    }
}
