//! `rapport match --monitors M.jsonl --posts P.jsonl`: the matching engine on files, for
//! trying queries out and for scripting. One output line per post, in input order:
//! `{"id": "...", "monitors": ["...", ...]}` with the matching monitor ids sorted.

use crate::cli::MatchArgs;
use anyhow::{bail, Context};
use rapport_model::{MonitorId, Network};
use rapport_query::{Document, MatcherSet, Query};
use serde::Deserialize;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

/// Exit code when a monitor is invalid.
const INVALID_MONITOR: u8 = 2;

#[derive(Deserialize)]
struct MonitorLine {
    id: serde_json::Value,
    query: String,
}

#[derive(Deserialize)]
struct PostLine {
    id: serde_json::Value,
    text: String,
    #[serde(default)]
    author: Option<String>,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    network: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    urls: Option<Vec<String>>,
}

/// An id as given: a JSON string as is, a number as its digits.
fn id_text(id: &serde_json::Value) -> Option<String> {
    match id {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn open(path: &Path) -> anyhow::Result<BufReader<std::fs::File>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    Ok(BufReader::new(file))
}

/// Runs the match; a bad monitor stops it (exit 2), a bad post line is reported and skipped.
pub fn run(args: MatchArgs) -> anyhow::Result<ExitCode> {
    let mut ids: Vec<String> = Vec::new();
    let mut compiled = Vec::new();
    for (index, line) in open(&args.monitors)?.lines().enumerate() {
        let number = index + 1;
        let line = line
            .with_context(|| format!("{} line {number}: cannot read", args.monitors.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let monitor: MonitorLine = serde_json::from_str(&line).with_context(|| {
            format!(
                "{} line {number}: not a monitor ({{\"id\": ..., \"query\": ...}})",
                args.monitors.display()
            )
        })?;
        let Some(id) = id_text(&monitor.id) else {
            bail!(
                "{} line {number}: the id must be a string or a number",
                args.monitors.display()
            );
        };
        match Query::parse(&monitor.query) {
            Ok(query) => {
                compiled.push((MonitorId(ids.len() as i64), query));
                ids.push(id);
            }
            Err(error) => {
                eprintln!(
                    "error: monitor '{id}' ({} line {number}): {error}",
                    args.monitors.display()
                );
                return Ok(ExitCode::from(INVALID_MONITOR));
            }
        }
    }
    let matcher = MatcherSet::compile(compiled);

    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut skipped = 0usize;
    for (index, line) in open(&args.posts)?.lines().enumerate() {
        let number = index + 1;
        let line = match line {
            Ok(line) => line,
            Err(e) => {
                eprintln!("{} line {number}: skipped: {e}", args.posts.display());
                skipped += 1;
                continue;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let post = match parse_post(&line) {
            Ok(post) => post,
            Err(reason) => {
                eprintln!("{} line {number}: skipped: {reason}", args.posts.display());
                skipped += 1;
                continue;
            }
        };
        let (id, network, post) = post;
        let mut doc = Document::new(&post.text);
        if let Some(author) = &post.author {
            doc = doc.with_author(author);
        }
        if let Some(lang) = &post.lang {
            doc = doc.with_lang(lang);
        }
        if let Some(network) = network {
            doc = doc.with_network(network);
        }
        if let Some(title) = &post.title {
            doc = doc.with_title(title);
        }
        if let Some(urls) = &post.urls {
            doc = doc.with_urls(urls);
        }
        let mut matched: Vec<&str> = matcher
            .matches(&doc)
            .into_iter()
            .filter_map(|m| ids.get(m.0 as usize).map(String::as_str))
            .collect();
        matched.sort_unstable();
        matched.dedup();
        let written = serde_json::to_writer(
            &mut out,
            &serde_json::json!({"id": id, "monitors": matched}),
        )
        .map_err(std::io::Error::from)
        .and_then(|()| out.write_all(b"\n"));
        if let Err(e) = written {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                return Ok(ExitCode::SUCCESS);
            }
            return Err(e.into());
        }
    }
    out.flush()?;
    if skipped > 0 {
        eprintln!("{skipped} post lines skipped");
    }
    Ok(ExitCode::SUCCESS)
}

/// A post line with its id and network parsed, or why it cannot be used.
fn parse_post(line: &str) -> Result<(String, Option<Network>, PostLine), String> {
    let post: PostLine = serde_json::from_str(line).map_err(|e| format!("not a post: {e}"))?;
    let id = id_text(&post.id).ok_or("the id must be a string or a number")?;
    let network = match &post.network {
        Some(name) => Some(name.parse::<Network>().map_err(|e| e.to_string())?),
        None => None,
    };
    Ok((id, network, post))
}
