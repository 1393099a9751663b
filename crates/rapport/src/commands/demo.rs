//! `rapport demo`: a complete product on a fresh machine with no configuration and no
//! network. A demo workspace with brand, product and competitor monitors; a week of
//! simulated history fed through the real pipeline; then live posts as they "happen"; and
//! the dashboard served while it runs.

use crate::cli::{DemoArgs, ProgressMode};
use crate::data_dir::DataDir;
use crate::progress::Progress;
use anyhow::Context;
use chrono::{DurationRound, Utc};
use rapport_engine::{Ingestor, Pipeline, PipelineConfig, PipelineHandle};
use rapport_model::{Membership, NewMonitor, Role, Timestamp, Workspace};
use rapport_sim::{SimConfig, Simulator, World};
use rapport_store::{AccountStore, NewUser, Store};
use rapport_web::auth::{generate_password, hash_password, Secret};
use rapport_web::AppState;
use serde::{Deserialize, Serialize};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::watch;

/// A demo timeline older than this is replaced by a fresh one.
const MAX_TIMELINE_DAYS: i64 = 30;
/// How far ahead of its start the simulated stream runs (it is lazy; this is only a bound).
const STREAM_DAYS: i64 = 3650;

/// The demo's timeline, kept in the data directory so that a restarted demo continues the
/// same stream (already-stored posts dedupe) instead of starting a second one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct DemoState {
    seed: u64,
    rate: f64,
    start: Timestamp,
}

impl DemoState {
    fn load_or_create(data_dir: &DataDir, args: &DemoArgs) -> anyhow::Result<DemoState> {
        let path = data_dir.root().join("demo.json");
        let now = Utc::now();
        let stored: Option<DemoState> = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok());
        if let Some(state) = stored {
            let same_stream = state.seed == args.seed && state.rate == args.rate;
            if same_stream && now - state.start < chrono::Duration::days(MAX_TIMELINE_DAYS) {
                return Ok(state);
            }
        }
        let start = (now - chrono::Duration::days(i64::from(args.backfill_days)))
            .duration_trunc(chrono::Duration::hours(1))
            .unwrap_or(now);
        let state = DemoState {
            seed: args.seed,
            rate: args.rate,
            start,
        };
        std::fs::write(&path, serde_json::to_string_pretty(&state)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(state)
    }
}

/// Finds the demo workspace, or creates it with the world's suggested monitors.
async fn ensure_workspace(store: &Arc<dyn Store>, world: &World) -> anyhow::Result<Workspace> {
    let name = format!("{} (demo)", world.brand.name);
    if let Some(existing) = store
        .workspaces()
        .await?
        .into_iter()
        .find(|w| w.name == name)
    {
        return Ok(existing);
    }
    create_workspace_with_monitors(store, &name, world).await
}

/// Creates a workspace named `name` with `world`'s suggested brand, product, competitor and
/// campaign monitors (the demo's, and the benchmarks').
pub async fn create_workspace_with_monitors(
    store: &Arc<dyn Store>,
    name: &str,
    world: &World,
) -> anyhow::Result<Workspace> {
    let workspace = store.create_workspace(name).await?;
    for suggested in world.suggested_monitors() {
        store
            .create_monitor(NewMonitor {
                workspace_id: workspace.id,
                name: suggested.name,
                kind: suggested.kind,
                query: suggested.query,
            })
            .await?;
    }
    Ok(workspace)
}

/// The demo's instance admin.
pub const DEMO_ADMIN: &str = "admin@demo.local";

/// Creates (once) the demo admin and one member of the demo workspace per role
/// (`viewer@`, `agent@`, `manager@`, `workspace-admin@demo.local`), returning the logins created now with their generated
/// passwords. Existing accounts are left alone: their passwords are not printed again.
async fn ensure_demo_users(
    accounts: &dyn AccountStore,
    workspace: &Workspace,
) -> anyhow::Result<Vec<(String, Secret)>> {
    let mut created = Vec::new();
    let mut wanted = vec![(DEMO_ADMIN.to_string(), None)];
    for role in Role::ALL {
        // admin@demo.local is the instance admin; the workspace's own admin is another user.
        let login = match role {
            Role::Admin => "workspace-admin@demo.local".to_string(),
            role => format!("{role}@demo.local"),
        };
        wanted.push((login, Some(role)));
    }
    for (email, role) in wanted {
        if accounts.user_credentials(&email).await?.is_some() {
            continue;
        }
        let password = generate_password().map_err(|e| anyhow::anyhow!("{e}"))?;
        let user = accounts
            .create_user(NewUser {
                email: email.clone(),
                display_name: match role {
                    Some(role) => format!("Demo {role}"),
                    None => "Demo admin".to_string(),
                },
                password_hash: hash_password(password.expose())
                    .map_err(|e| anyhow::anyhow!("{e}"))?,
                is_admin: role.is_none(),
            })
            .await?;
        if let Some(role) = role {
            accounts
                .set_membership(Membership {
                    user: user.id,
                    workspace: workspace.id,
                    role,
                })
                .await?;
        }
        created.push((email, password));
    }
    Ok(created)
}

/// Runs the demo until Ctrl-C (or, with `--backfill-only`, until the history is stored).
pub async fn run(data_dir: DataDir, args: DemoArgs) -> anyhow::Result<ExitCode> {
    data_dir.embedded_only("demo")?;
    anyhow::ensure!(
        args.rate.is_finite() && args.rate > 0.0,
        "--rate must be a positive number of posts per day"
    );
    let sqlite = data_dir.open_sqlite()?;
    super::require_user_beyond_loopback(&sqlite, args.addr).await?;
    let accounts: Arc<dyn AccountStore> = Arc::new(sqlite.clone());
    let store: Arc<dyn Store> = Arc::new(sqlite.clone());
    let world = World::demo();
    let workspace = ensure_workspace(&store, &world).await?;
    let created_users = ensure_demo_users(accounts.as_ref(), &workspace).await?;
    for (email, password) in &created_users {
        println!("  login {email} password {}", password.expose());
    }
    if created_users.is_empty() {
        println!("  log in as {DEMO_ADMIN} (or viewer@, agent@, manager@, workspace-admin@demo.local) with the password printed on the first run");
    } else {
        println!("  (passwords are shown only now)");
    }
    println!("  forgot it? `rapport user passwd {DEMO_ADMIN}` sets a new one");
    let state = DemoState::load_or_create(&data_dir, &args)?;

    let ingestor = Ingestor::new(store.clone()).await?;
    super::use_sentiment_model(&ingestor, args.model.as_deref())?;
    let web_ingestor = ingestor.clone();
    let (pipeline, handle) = Pipeline::spawn(ingestor, PipelineConfig::default());
    let (stop_tx, stop_rx) = watch::channel(false);

    let server = if args.backfill_only {
        None
    } else {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("cannot listen on {} (is a demo already running? pass --addr to use another port)", args.addr))?;
        let addr = listener.local_addr()?;
        let key = rapport_store::SecretKey::load_or_create(data_dir.root())?;
        tokio::spawn(
            super::publishing_scheduler(
                Arc::new(sqlite.clone()),
                key.clone(),
                rapport_sources::http::SafetyPolicy::public_only(),
            )
            .with_links(Arc::new(sqlite.clone()))
            .with_media(Arc::new(sqlite.clone()))
            .run_forever(),
        );
        // Engagement of the posts published through accounts connected in the demo, read
        // from their networks (the demo simulates none: see /w/{id}/campaigns).
        tokio::spawn(
            super::engagement_sampler(
                Arc::new(sqlite.clone()),
                Arc::new(sqlite.clone()),
                key.clone(),
                rapport_sources::http::SafetyPolicy::public_only(),
            )
            .run_forever(),
        );
        let app = AppState::new(
            store.clone(),
            accounts.clone(),
            Arc::new(sqlite.clone()),
            Arc::new(sqlite.clone()),
        )
        .with_cookies(super::cookie_policy(addr))
        .with_read_cache()
        .with_ingestor(web_ingestor.clone())
        .with_changes(sqlite.watch_changes(rapport_web::CHANGE_POLL)?)
        // Replies go out through an account an admin connects on the publish page, which
        // the demo has none of: the item page says how to connect one.
        .with_replies(
            rapport_web::routes::replies::ReplySender::new(
                Arc::new(sqlite.clone()),
                key.clone(),
                rapport_sources::http::SafetyPolicy::public_only(),
            )
            .with_accounts(Arc::new(sqlite.clone())),
        )
        // Publishing: drafts go out through accounts an admin connects on /w/{id}/publish.
        // Campaigns, short links (/l/<code>) and engagement, made on /w/{id}/campaigns.
        .with_engagement(Arc::new(sqlite.clone()))
        .with_publishing(
            super::publishing(
                Arc::new(sqlite.clone()),
                key.clone(),
                rapport_sources::http::SafetyPolicy::public_only(),
            )
            .with_media(Arc::new(sqlite.clone())),
        )
        // Survey pages at /s/<code>, made on /w/{id}/surveys.
        .with_surveys(rapport_web::routes::surveys::Surveys::new(Arc::new(
            sqlite.clone(),
        )))
        .with_notice(format!(
            "Demo data: simulated posts about {} and its competitors (fictional brands), seed {}.",
            world.brand.name, state.seed
        ));
        let mut stop = stop_rx.clone();
        let shutdown = async move {
            let _ = stop.wait_for(|stopped| *stopped).await;
        };
        println!(
            "rapport demo: workspace \"{}\" in {}",
            workspace.name,
            data_dir.root().display()
        );
        println!("  open http://{addr}/ in a browser");
        println!("  Ctrl-C stops it; run it again to continue the same stream");
        super::resend_pending_replies(app.clone());
        super::warm_overview(app.clone());
        Some(tokio::spawn(rapport_web::serve(listener, app, shutdown)))
    };

    tokio::spawn(async move {
        super::shutdown_signal().await;
        let _ = stop_tx.send(true);
    });

    let mut config = SimConfig::demo(state.seed, state.start, chrono::Duration::days(STREAM_DAYS));
    config.posts_per_day = state.rate;
    let simulator = Simulator::new(config).context("the demo simulation settings are invalid")?;
    let fed = feed(simulator, &handle, stop_rx, args.backfill_only).await;
    drop(handle);
    let stats = pipeline.finish().await;
    println!(
        "stored {} posts ({} new, {} mentions)",
        stats.stored, stats.inserted, stats.new_mentions
    );
    fed?;
    if let Some(server) = server {
        server.await.context("the web server task failed")??;
    }
    Ok(ExitCode::SUCCESS)
}

/// Sends the backfill at full speed, then each later post when its time comes.
async fn feed(
    simulator: Simulator,
    handle: &PipelineHandle,
    mut stop: watch::Receiver<bool>,
    backfill_only: bool,
) -> anyhow::Result<()> {
    let progress = Progress::new(
        ProgressMode::Auto,
        None,
        false,
        "backfilling a week of posts",
    );
    let started = Instant::now();
    let mut backfilled: u64 = 0;
    let mut live = false;
    for simulated in simulator {
        if *stop.borrow() {
            break;
        }
        let post = simulated.post;
        let wait = (post.created_at - Utc::now()).to_std().ok();
        if let Some(wait) = wait {
            if !live {
                live = true;
                progress.finish();
                println!(
                    "backfilled {backfilled} posts in {:.1}s; now live",
                    started.elapsed().as_secs_f64()
                );
                if backfill_only {
                    return Ok(());
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = stop.wait_for(|stopped| *stopped) => break,
            }
        } else {
            backfilled += 1;
            if backfilled.is_multiple_of(1000) {
                progress.update(backfilled, String::new);
            }
        }
        handle.send(post).await?;
    }
    progress.finish();
    Ok(())
}

#[cfg(test)]
mod tests {
    use rapport_engine::MonitorMatcher;
    use rapport_model::{Monitor, MonitorId, Network, Post, WorkspaceId};

    #[test]
    fn the_demo_monitors_leave_out_the_brands_own_posts() {
        let world = rapport_sim::World::demo();
        let monitors: Vec<Monitor> = world
            .suggested_monitors()
            .into_iter()
            .enumerate()
            .map(|(i, m)| Monitor {
                id: MonitorId(i as i64 + 1),
                workspace_id: WorkspaceId(1),
                name: m.name,
                kind: m.kind,
                query: m.query,
                created_at: chrono::Utc::now(),
            })
            .collect();
        let (matcher, invalid) = rapport_engine::compile_monitors(&monitors);
        assert!(invalid.is_empty());
        let post = |network: Network, author: &str| -> Post {
            serde_json::from_value(serde_json::json!({
                "network": network, "native_id": "1", "author": {"handle": author},
                "text": "Something wrong with your Orvella Kettio? Tell us", "created_at": "2026-05-01T10:00:00Z"
            }))
            .expect("post")
        };
        let brand = MonitorId(1);
        for (network, own) in [
            (Network::X, "orvella"),
            (Network::Bluesky, "orvella.bsky.social"),
            (Network::Mastodon, "orvella@mastodon.social"),
        ] {
            let own_post = MonitorMatcher::matches(&matcher, &post(network, own));
            assert!(!own_post.contains(&brand), "{own}");
            let customer = MonitorMatcher::matches(&matcher, &post(network, "a_customer"));
            assert!(customer.contains(&brand));
        }
    }
}
