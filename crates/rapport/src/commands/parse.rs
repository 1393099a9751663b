//! `rapport parse`: what rapport reads from one network document, as JSON lines.

use crate::cli::ParseArgs;
use anyhow::Context;
use rapport_model::{Network, Post, Timestamp};
use serde::Serialize;
use std::io::{Read, Write};
use std::process::ExitCode;

/// One post as printed: the fields a reader checks first, flat.
#[derive(Serialize)]
struct PostLine<'a> {
    id: &'a str,
    network: Network,
    url: Option<&'a str>,
    author: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    author_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    followers: Option<u64>,
    text: &'a str,
    created: String,
    reply_to: Option<&'a str>,
    lang: Option<&'a str>,
    likes: u64,
    reposts: u64,
    replies: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    quote_of: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    conversation_id: Option<&'a str>,
}

impl<'a> From<&'a Post> for PostLine<'a> {
    fn from(post: &'a Post) -> Self {
        PostLine {
            id: &post.native_id,
            network: post.network,
            url: post.url.as_deref(),
            author: &post.author.handle,
            author_name: post.author.display_name.as_deref(),
            followers: post.author.followers,
            text: &post.text,
            created: post
                .created_at
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            reply_to: post.reply_to.as_deref(),
            lang: post.language.as_deref(),
            likes: post.engagement.likes,
            reposts: post.engagement.reposts,
            replies: post.engagement.replies,
            title: post.title.as_deref(),
            quote_of: post.quote_of.as_deref(),
            conversation_id: post.conversation_id.as_deref(),
        }
    }
}

/// Reads the document, prints its posts on stdout and the rest on stderr: `skipped ...`,
/// `date ...` (clamped feed dates), `deleted ...`, and last `cursor {json}`.
pub fn run(args: ParseArgs) -> anyhow::Result<ExitCode> {
    let network: Network = args.network.parse()?;
    if matches!(network, Network::Webhook | Network::Import) {
        anyhow::bail!(
            "rapport parse reads network documents (mastodon, bluesky, x, reddit, hn, rss); \
             for CSV or JSONL files use rapport import"
        );
    }
    let fetched_at: Timestamp = match &args.fetched_at {
        Some(text) => chrono::DateTime::parse_from_rfc3339(text)
            .with_context(|| format!("--fetched-at '{text}' is not an RFC 3339 date"))?
            .with_timezone(&chrono::Utc),
        None => chrono::Utc::now(),
    };
    let bytes = read_input(&args.input)?;
    let page = rapport_sources::parse_document(network, &bytes, fetched_at)?;

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for post in &page.posts {
        serde_json::to_writer(&mut out, &PostLine::from(post))?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    for skipped in &page.skipped {
        eprintln!("skipped {skipped}");
    }
    for clamped in &page.dates_clamped {
        eprintln!("date {clamped}");
    }
    for deleted in &page.deleted {
        eprintln!("deleted {deleted}");
    }
    eprintln!("cursor {}", serde_json::to_string(&page.cursor)?);
    Ok(ExitCode::SUCCESS)
}

fn read_input(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("cannot read standard input")?;
    } else {
        bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    }
    Ok(bytes)
}
