//! `rapport sources`: the configured sources with their health; `rapport sources add`.
//! Also what `rapport ingest` shares: bringing `rapport.toml` into the store and turning
//! stored sources into connectors.

use crate::cli::{SourcesAction, SourcesArgs};
use crate::config::{Config, SourceConfig};
use crate::data_dir::{Backend, DataDir};
use anyhow::{bail, Context};
use rapport_engine::sources::SourceRunner;
use rapport_model::{Timestamp, Workspace, WorkspaceId};
use rapport_sources::connectors;
use rapport_sources::http::{FetchLimits, Fetcher, SafetyPolicy};
use rapport_sources::source::{JsonFeedConfig, Source};
use rapport_store::{NewSource, Secret, SecretKey, SourceRecord};
use std::process::ExitCode;

/// Source kinds that are pushed to the webhook rather than polled.
pub const WEBHOOK_KIND: &str = "webhook";

/// Lists sources (after bringing the configuration file in), or adds one.
pub async fn run(data_dir: DataDir, args: SourcesArgs) -> anyhow::Result<ExitCode> {
    let store = data_dir.open_backend().await?;
    let key = SecretKey::load_or_create(data_dir.root())?;
    let (config, _) = Config::load(args.config.as_deref(), data_dir.root())?;
    sync_config(&store, &key, &config).await?;
    if let Some(SourcesAction::Add {
        workspace,
        kind,
        name,
        url,
        settings,
        token_env,
    }) = args.action
    {
        let mut parsed = serde_json::Map::new();
        for setting in settings {
            let Some((key, value)) = setting.split_once('=') else {
                bail!("--set takes KEY=VALUE, not '{setting}'");
            };
            // `true` and `false` are booleans; anything else is text.
            let value = match value {
                "true" => serde_json::Value::Bool(true),
                "false" => serde_json::Value::Bool(false),
                _ => value.to_string().into(),
            };
            parsed.insert(key.trim().to_string(), value);
        }
        let wanted = SourceConfig {
            workspace,
            kind,
            name,
            url,
            token_env,
            settings: parsed,
            enabled: true,
        };
        let saved = save_source(&store, &key, &wanted).await?;
        println!(
            "source {} saved: {} ({}) in workspace {}",
            saved.id, saved.name, saved.kind, wanted.workspace
        );
        if saved.kind == WEBHOOK_KIND {
            println!("posts can be sent to POST /api/v1/hooks/{}", saved.id);
        }
        return Ok(ExitCode::SUCCESS);
    }
    print_table(&store).await?;
    Ok(ExitCode::SUCCESS)
}

/// Saves every `[[source]]` of the configuration into the store (by workspace and name).
pub async fn sync_config(store: &Backend, key: &SecretKey, config: &Config) -> anyhow::Result<()> {
    for source in &config.sources {
        save_source(store, key, source)
            .await
            .with_context(|| format!("configured source '{}'", source.name))?;
    }
    Ok(())
}

async fn workspace_named(store: &Backend, name: &str) -> anyhow::Result<Workspace> {
    let existing = store.store.workspaces().await?;
    if let Some(found) = existing.into_iter().find(|w| w.name == name) {
        return Ok(found);
    }
    let created = store.store.create_workspace(name).await?;
    eprintln!("created workspace {} ({})", created.name, created.id);
    Ok(created)
}

async fn save_source(
    store: &Backend,
    key: &SecretKey,
    source: &SourceConfig,
) -> anyhow::Result<SourceRecord> {
    let config = match source.kind.as_str() {
        "jsonfeed" => {
            let Some(url) = &source.url else {
                bail!("a jsonfeed source needs a url");
            };
            serde_json::to_string(&JsonFeedConfig { url: url.clone() })?
        }
        WEBHOOK_KIND => {
            if source.token_env.is_none() {
                bail!("a webhook source needs token_env: the secret its callers authenticate with");
            }
            "{}".to_string()
        }
        kind if connectors::POLLED_KINDS.contains(&kind) => {
            let mut settings = source.settings.clone();
            if let Some(url) = &source.url {
                settings.insert("url".into(), url.clone().into());
            }
            serde_json::to_string(&settings)?
        }
        other => bail!(
            "unknown source kind '{other}' (known: {}, {WEBHOOK_KIND})",
            connectors::POLLED_KINDS.join(", ")
        ),
    };
    let credentials = match &source.token_env {
        None => None,
        Some(var) => match std::env::var(var) {
            Ok(token) if !token.is_empty() => Some(Secret::new(token)),
            _ => bail!("the environment variable {var} (token_env) is not set"),
        },
    };
    let workspace = workspace_named(store, &source.workspace).await?;
    if source.kind != WEBHOOK_KIND {
        // Refuse a config the connector cannot use now rather than at the first poll.
        let fetcher = Fetcher::new(SafetyPolicy::default(), FetchLimits::default())?;
        let token = credentials.as_ref().map(|s| s.expose().to_string());
        let ready = with_monitor_rules(&source.kind, &config, workspace.id, store).await?;
        connectors::build(&source.kind, &source.name, &ready, token, fetcher)?;
    }
    Ok(store
        .sources
        .upsert_source(
            NewSource {
                workspace_id: workspace.id,
                kind: source.kind.clone(),
                name: source.name.clone(),
                config,
                credentials,
                enabled: source.enabled,
            },
            key,
        )
        .await?)
}

/// Builds a connector for every enabled, polled source in the store; sources that cannot
/// be built are reported and left out.
pub async fn add_polled_sources(
    runner: &mut SourceRunner,
    store: &Backend,
    key: &SecretKey,
    fetcher: &Fetcher,
) -> anyhow::Result<usize> {
    let mut added = 0;
    for record in store.sources.sources().await? {
        if !record.enabled || record.kind == WEBHOOK_KIND {
            continue;
        }
        match connector(&record, store, key, fetcher).await {
            Ok(source) => {
                runner.add(record.id, source);
                added += 1;
            }
            Err(e) => eprintln!("source {} ({}) is skipped: {e:#}", record.id, record.name),
        }
    }
    Ok(added)
}

async fn connector(
    record: &SourceRecord,
    store: &Backend,
    key: &SecretKey,
    fetcher: &Fetcher,
) -> anyhow::Result<Box<dyn Source>> {
    let token = store
        .sources
        .source_credentials(record.id, key)
        .await?
        .map(|secret| secret.expose().to_string());
    let config =
        with_monitor_rules(&record.kind, &record.config, record.workspace_id, store).await?;
    Ok(connectors::build(
        &record.kind,
        &record.name,
        &config,
        token,
        fetcher.clone(),
    )?)
}

/// An `x_stream` config with `"monitors": true` gets one stream rule per monitor of its
/// workspace (see `rapport_engine::x_rules`); monitors X cannot narrow by are reported.
async fn with_monitor_rules(
    kind: &str,
    config: &str,
    workspace: WorkspaceId,
    store: &Backend,
) -> anyhow::Result<String> {
    if kind != "x_stream" {
        return Ok(config.to_string());
    }
    let monitors = store.store.monitors(Some(workspace)).await?;
    let (config, left_out) = rapport_engine::x_rules::with_monitor_rules(kind, config, &monitors);
    for (name, why) in left_out {
        eprintln!(
            "monitor {:?} is not pushed to X's stream: {why}",
            printable(&name, 60)
        );
    }
    Ok(config)
}

/// Control characters (terminal escapes) in names and errors print as `?`.
fn printable(text: &str, max: usize) -> String {
    let mut shown: String = text
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .take(max)
        .collect();
    if text.chars().count() > max {
        shown.push('…');
    }
    shown
}

fn when(t: Option<Timestamp>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| "-".into())
}

async fn print_table(store: &Backend) -> anyhow::Result<()> {
    let sources = store.sources.sources().await?;
    if sources.is_empty() {
        println!(
            "no sources: declare [[source]] tables in rapport.toml or run `rapport sources add`"
        );
        return Ok(());
    }
    let workspaces = store.store.workspaces().await?;
    println!(
        "{:>4}  {:<18} {:<9} {:<20} {:<19} {:<19} {:<40} {:>5} {:>8}  backlog",
        "id",
        "workspace",
        "kind",
        "name",
        "last success",
        "next poll",
        "last error",
        "fails",
        "posts"
    );
    for s in sources {
        let workspace = workspaces
            .iter()
            .find(|w| w.id == s.workspace_id)
            .map(|w| w.name.as_str())
            .unwrap_or("?");
        let error = match (&s.health.last_error, s.health.last_error_at) {
            (Some(e), Some(at)) => format!("{} {}", at.format("%m-%d %H:%M"), e),
            (Some(e), None) => e.clone(),
            _ => "-".into(),
        };
        let name = if s.enabled {
            s.name.clone()
        } else {
            format!("{} (off)", s.name)
        };
        let backlog = if s.health.catching_up {
            "catching up"
        } else if s.health.last_success.is_some() {
            "none"
        } else {
            "-"
        };
        println!(
            "{:>4}  {:<18} {:<9} {:<20} {:<19} {:<19} {:<40} {:>5} {:>8}  {backlog}",
            s.id.0,
            printable(workspace, 18),
            printable(&s.kind, 9),
            printable(&name, 20),
            when(s.health.last_success),
            when(s.health.next_poll_at),
            printable(&error, 39),
            s.health.consecutive_failures,
            s.health.posts_seen
        );
    }
    Ok(())
}
