//! The command line, declared with clap.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

/// rapport: listen to what people say about your brand, answer them, learn from it.
#[derive(Debug, Parser)]
#[command(name = "rapport", version, about, propagate_version = true)]
pub struct Cli {
    /// Where rapport keeps its data (the SQLite database and demo state).
    #[arg(
        long,
        global = true,
        env = "RAPPORT_DATA_DIR",
        default_value = "./rapport-data",
        value_name = "DIR"
    )]
    pub data_dir: PathBuf,

    /// Keep the data in this PostgreSQL database (postgres://user@host:5432/db) instead of
    /// the data directory's embedded SQLite file. `serve`, `user`, `token`, `import`,
    /// `rollup`, `worker` and `simulate --ingest` support it; the data directory still holds
    /// the secret key.
    #[arg(long, global = true, env = "RAPPORT_STORE", value_name = "URL")]
    pub store: Option<String>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a demo: a workspace with monitors, a week of simulated posts, live posts after
    /// that, and the dashboard at http://127.0.0.1:7878.
    Demo(DemoArgs),
    /// Serve the dashboard and API over the existing data directory.
    Serve(ServeArgs),
    /// Import posts from a CSV or JSONL file.
    Import(ImportArgs),
    /// Generate a realistic simulated stream of posts (JSONL to a file or stdout, or stored).
    Simulate(SimulateArgs),
    /// Check monitor queries.
    Query(QueryArgs),
    /// Match posts (JSONL) against monitors (JSONL); one output line per post.
    Match(MatchArgs),
    /// Analyse posts (CSV or JSONL): language, sentiment, intent, near-duplicate fingerprint;
    /// one JSON line per record.
    Analyze(AnalyzeArgs),
    /// Train a sentiment (or intent) classifier from labelled posts.
    Train(TrainArgs),
    /// Measure a hot path and compare it with its baseline in the same run.
    Bench(BenchArgs),
    /// Maintain the analytics rollups (hourly counts per monitor).
    Rollup(RollupArgs),
    /// Write a report (the weekly report as a standalone, printable HTML file).
    Report(ReportArgs),
    /// Read a document a network sent (an API response, a stream capture, a feed) and print
    /// its posts, one JSON line each; skipped items and the paging cursor go to stderr.
    Parse(ParseArgs),
    /// Manage user accounts (log in to the dashboard with them).
    User(UserArgs),
    /// Manage API tokens for the JSON API.
    Token(TokenArgs),
    /// Create or list workspaces (one brand or one agency client each).
    Workspace(WorkspaceArgs),
    /// List configured sources with their health, or add one.
    Sources(SourcesArgs),
    /// Poll every configured source (forever, or one round with --once).
    Ingest(IngestArgs),
    /// Alert rules (volume and negative spikes, delivered by webhook): add, list, and
    /// measure the detector against the simulator.
    Alerts(AlertsArgs),
    /// Take posts from the NATS JetStream ingest log (filled by `import --nats` or
    /// `simulate --nats`), analyse, match and store them (usually `--store postgres://...`),
    /// acknowledging each batch after it committed. Run as many as you like.
    Worker(WorkerArgs),
}

/// Where the NATS JetStream ingest log is (`import`, `simulate`, `worker`).
#[derive(Debug, Clone, Args)]
pub struct LogArgs {
    /// The NATS server holding the ingest log (nats://host:4222). With it, `import`,
    /// `simulate`, `ingest` and `serve` (sources and webhooks) append posts to the log
    /// instead of storing them.
    #[arg(long, env = "RAPPORT_NATS", value_name = "URL")]
    pub nats: Option<String>,
    /// Names of the log: stream PREFIX_POSTS, subject PREFIX.posts, consumer PREFIX-workers.
    #[arg(
        long,
        env = "RAPPORT_NATS_PREFIX",
        default_value = "rapport",
        value_name = "PREFIX"
    )]
    pub nats_prefix: String,
    /// Seconds a delivered post may stay unacknowledged before the log gives it to another
    /// worker (set when the consumer is created).
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    pub ack_wait_secs: u64,
    /// Most posts delivered and not yet acknowledged, over all workers (set when the
    /// consumer is created).
    #[arg(long, default_value_t = 20_000, value_name = "N")]
    pub max_ack_pending: i64,
    /// Copies of the stream on different servers of a JetStream cluster: 3 survives the
    /// loss of one server (set when the stream is created). Give `--nats` every server,
    /// comma-separated.
    #[arg(
        long,
        env = "RAPPORT_NATS_REPLICAS",
        default_value_t = 1,
        value_name = "N"
    )]
    pub nats_replicas: usize,
    /// Refuse a NATS connection that is not TLS (a `tls://` URL says the same).
    #[arg(long, env = "RAPPORT_NATS_REQUIRE_TLS")]
    pub nats_require_tls: bool,
    /// A PEM file of the CA that signed the NATS servers' certificates (beside the
    /// system's roots). User and password or a token go in the URL:
    /// tls://user:pass@host:4222.
    #[arg(long, env = "RAPPORT_NATS_CA", value_name = "FILE")]
    pub nats_ca: Option<std::path::PathBuf>,
    /// A PEM client certificate, for NATS servers that verify clients (with --nats-key).
    #[arg(
        long,
        env = "RAPPORT_NATS_CERT",
        value_name = "FILE",
        requires = "nats_key"
    )]
    pub nats_cert: Option<std::path::PathBuf>,
    /// The client certificate's PEM private key.
    #[arg(
        long,
        env = "RAPPORT_NATS_KEY",
        value_name = "FILE",
        requires = "nats_cert"
    )]
    pub nats_key: Option<std::path::PathBuf>,
    /// A NATS `.creds` file (user JWT and NKey seed, as `nsc` writes it).
    #[arg(long, env = "RAPPORT_NATS_CREDS", value_name = "FILE")]
    pub nats_creds: Option<std::path::PathBuf>,
}

/// Options of `rapport worker`.
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// The ingest log (`--nats` is required).
    #[command(flatten)]
    pub log: LogArgs,
    /// Most posts taken and stored per transaction.
    #[arg(long, default_value_t = 1_000)]
    pub batch: usize,
    /// Milliseconds to wait for posts when the log has none ready.
    #[arg(long, default_value_t = 1_000, value_name = "MS")]
    pub max_wait_ms: u64,
    /// Exit once the log is drained (nothing pending, nothing unacknowledged anywhere).
    #[arg(long)]
    pub exit_when_drained: bool,
    /// Re-read the monitors from the store this often (seconds), so monitors added
    /// elsewhere start matching.
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    pub reload_monitors_secs: u64,
    /// Print nothing per batch, only the final summary.
    #[arg(long)]
    pub quiet: bool,
    /// A sentiment model from `rapport train` for the stored posts' labels.
    #[arg(long, env = "RAPPORT_SENTIMENT_MODEL")]
    pub model: Option<PathBuf>,
}

/// Options of `rapport alerts`.
#[derive(Debug, Args)]
pub struct AlertsArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: AlertsAction,
}

/// The kinds of rule `rapport alerts add` creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlertKindArg {
    /// Mentions spike above their seasonal baseline.
    Volume,
    /// Negative mentions spike (and make up at least 30% of the hour).
    Negative,
    /// A mention by an author with at least `--followers` followers.
    Reach,
    /// A mention matching `--query` (the monitor query language).
    Query,
    /// A phrase emerging in at least `--min-posts` of the last day's mentions, against the
    /// six days before.
    Theme,
}

/// The `rapport alerts` subcommands.
#[derive(Debug, Subcommand)]
// Parsed once per run: the size of `Add` does not matter.
#[allow(clippy::large_enum_variant)]
pub enum AlertsAction {
    /// Add an alert rule (webhook, e-mail, or both).
    Add {
        /// The workspace (id or exact name).
        #[arg(long)]
        workspace: String,
        /// The monitor (id or exact name); every monitor of the workspace when left out.
        #[arg(long)]
        monitor: Option<String>,
        /// What to watch.
        #[arg(long, value_enum)]
        kind: AlertKindArg,
        /// For `--kind reach`: the follower count that fires.
        #[arg(long, required_if_eq("kind", "reach"))]
        followers: Option<u64>,
        /// For `--kind query`: the query a mention must match.
        #[arg(long, required_if_eq("kind", "query"))]
        query: Option<String>,
        /// For `--kind theme`: the fewest of the last day's mentions a phrase must appear in.
        #[arg(long, default_value_t = 10)]
        min_posts: u64,
        /// Where to POST alerts (public addresses only); may be left out with --email.
        #[arg(long, value_name = "URL", required_unless_present = "email")]
        webhook: Option<String>,
        /// E-mail alerts to this address too (repeat for more), through the SMTP relay
        /// `rapport serve` is configured with.
        #[arg(long, value_name = "TO")]
        email: Vec<String>,
        /// Send one digest per period (hourly or daily) instead of each alert at once.
        #[arg(long, value_name = "PERIOD")]
        digest: Option<String>,
        /// The body: generic (rapport's JSON), slack or mattermost.
        #[arg(long, default_value = "generic")]
        format: String,
        /// Sign deliveries with this secret (HMAC-SHA256); read from RAPPORT_ALERT_SECRET.
        #[arg(long, env = "RAPPORT_ALERT_SECRET", hide_env_values = true)]
        secret: Option<String>,
        /// No second delivery for the rule within this many minutes.
        #[arg(long, default_value_t = 60)]
        cooldown_minutes: u32,
    },
    /// List alert rules with their latest alerts.
    List,
    /// Replay simulated weeks with scheduled incidents through the detector and print
    /// false alarms per normal week and each incident's detection delay.
    Evaluate {
        /// The simulator's seed.
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Weeks simulated (the first two are warm-up).
        #[arg(long, default_value_t = 6)]
        weeks: u32,
    },
}

/// Options of `rapport rollup`.
#[derive(Debug, Args)]
pub struct RollupArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: RollupAction,
}

/// `rapport rollup` actions.
#[derive(Debug, Subcommand)]
pub enum RollupAction {
    /// Recount every rollup from the stored mentions.
    Rebuild,
    /// Compare the rollups with a recount; exit code 1 when they differ.
    Verify,
}

/// Options of `rapport report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Which report.
    #[command(subcommand)]
    pub action: ReportAction,
}

/// `rapport report` reports.
#[derive(Debug, Subcommand)]
pub enum ReportAction {
    /// The weekly report of one workspace: volume, sentiment, share of voice, themes,
    /// advocates and detractors, response times.
    Weekly {
        /// The workspace, by name or id.
        #[arg(long)]
        workspace: String,
        /// The ISO week, e.g. 2026-W10 (default: the last complete week).
        #[arg(long)]
        week: Option<String>,
        /// Where to write the HTML file (default `report.html`, or no file with --email or
        /// --pdf).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        /// Also (or only) write the report as PDF to this file, printed by headless
        /// Chromium (`/usr/bin/chromium`, or `RAPPORT_CHROMIUM`).
        #[arg(long, value_name = "FILE")]
        pdf: Option<std::path::PathBuf>,
        /// E-mail the report now to this address (repeat for more), through the SMTP relay
        /// of `[email]` in rapport.toml / `RAPPORT_SMTP_*`.
        #[arg(long, value_name = "TO")]
        email: Vec<String>,
        /// The configuration file (default: rapport.toml in the data directory).
        #[arg(long, env = "RAPPORT_CONFIG")]
        config: Option<std::path::PathBuf>,
    },
}

/// Options of `rapport parse`.
#[derive(Debug, Args)]
pub struct ParseArgs {
    /// Whose document it is: mastodon, bluesky, x, reddit, hn (or hackernews), rss (or atom,
    /// feed).
    #[arg(long, value_name = "NETWORK")]
    pub network: String,
    /// The document: a file, or `-` for standard input.
    #[arg(value_name = "FILE")]
    pub input: PathBuf,
    /// When the document was fetched (RFC 3339, default now): feed items with no date, an
    /// unreadable one or one after it are dated then.
    #[arg(long, value_name = "RFC3339")]
    pub fetched_at: Option<String>,
}

/// Options of `rapport user`.
#[derive(Debug, Args)]
pub struct UserArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: UserAction,
}

/// The `rapport user` subcommands.
#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Create a user; prints a generated password unless one comes on standard input.
    Add {
        /// Login name (an e-mail address).
        email: String,
        /// Make them an instance administrator (every role in every workspace).
        #[arg(long)]
        admin: bool,
        /// A workspace (name or id) to give them a role in.
        #[arg(long, requires = "role", value_name = "NAME_OR_ID")]
        workspace: Option<String>,
        /// Their role there: viewer, agent, manager or admin.
        #[arg(long, requires = "workspace")]
        role: Option<String>,
        /// How they are shown (default: the login name).
        #[arg(long)]
        name: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users and their roles.
    List,
    /// Set a new password (generated and printed unless one comes on standard input); ends
    /// the user's sessions.
    Passwd {
        /// Login name.
        email: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

/// Options of `rapport workspace`.
#[derive(Debug, Args)]
pub struct WorkspaceArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: WorkspaceAction,
}

/// The `rapport workspace` subcommands.
#[derive(Debug, Subcommand)]
pub enum WorkspaceAction {
    /// Create a workspace; prints its id.
    Add {
        /// Its name, unique on the instance.
        name: String,
    },
    /// List the workspaces with their ids.
    List,
}

/// Options of `rapport token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: TokenAction,
}

/// The `rapport token` subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Create an API token for one workspace and role; prints it once.
    Create {
        /// The workspace (name or id).
        #[arg(long, value_name = "NAME_OR_ID")]
        workspace: String,
        /// The role it acts with: viewer, agent, manager or admin.
        #[arg(long)]
        role: String,
        /// A label to recognise it by.
        #[arg(long)]
        name: String,
    },
}

/// Options of `rapport sources`.
#[derive(Debug, Args)]
pub struct SourcesArgs {
    /// The configuration file (default: rapport.toml in the data directory).
    #[arg(long, env = "RAPPORT_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Add a source instead of listing them.
    #[command(subcommand)]
    pub action: Option<SourcesAction>,
}

/// The `rapport sources` subcommands.
#[derive(Debug, Subcommand)]
pub enum SourcesAction {
    /// Add (or update, by workspace and name) a source in the store.
    Add {
        /// The workspace's name (created if missing).
        #[arg(long)]
        workspace: String,
        /// The connector: jsonfeed, feed, mastodon, bluesky_search, x_search, reddit,
        /// hackernews, facebook_comments or webhook.
        #[arg(long)]
        kind: String,
        /// A name unique within the workspace.
        #[arg(long)]
        name: String,
        /// The URL to poll (jsonfeed, feed).
        #[arg(long)]
        url: Option<String>,
        /// A connector setting, repeatable: `--set instance=https://mastodon.social
        /// --set timeline=hashtag --set query=rust` (see the connector's config).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        settings: Vec<String>,
        /// The environment variable holding its token or webhook secret (stored encrypted).
        #[arg(long, value_name = "VAR")]
        token_env: Option<String>,
    },
}

/// Options of `rapport ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Run every source one round (each until caught up) and exit.
    #[arg(long)]
    pub once: bool,
    /// The configuration file (default: rapport.toml in the data directory).
    #[arg(long, env = "RAPPORT_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A sentiment model from `rapport train` for the stored posts' labels.
    #[arg(long, env = "RAPPORT_SENTIMENT_MODEL")]
    pub model: Option<PathBuf>,
    /// With `--nats`: append the sources' posts to the ingest log for `rapport worker`s to
    /// store, instead of storing them here.
    #[command(flatten)]
    pub log: LogArgs,
}

/// Options of `rapport analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// The file to read; `-` or nothing for standard input.
    pub input: Option<PathBuf>,
    /// Input format.
    #[arg(long, default_value = "jsonl", value_name = "jsonl|csv")]
    pub format: String,
    /// The field (JSON key or CSV column) holding the text.
    #[arg(long, default_value = "text")]
    pub text_field: String,
    /// The field holding the record's id.
    #[arg(long, default_value = "id")]
    pub id_field: String,
    /// A model from `rapport train`: the label then comes from it (VADER scores stay beside).
    #[arg(long)]
    pub model: Option<PathBuf>,
}

/// Options of `rapport train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Labelled posts.
    #[arg(long)]
    pub input: PathBuf,
    /// Input format.
    #[arg(long, default_value = "csv", value_name = "csv|jsonl")]
    pub format: String,
    /// The field holding the text.
    #[arg(long, default_value = "text")]
    pub text_field: String,
    /// The field holding the label (e.g. positive / neutral / negative).
    #[arg(long)]
    pub label_field: String,
    /// Where to write the model.
    #[arg(long, default_value = "rapport-model.bin")]
    pub out: PathBuf,
    /// Also report K-fold cross-validation (e.g. 5).
    #[arg(long, value_name = "K")]
    pub cv: Option<usize>,
    /// Add the corrections agents made in this workspace's inbox (name or id) to the
    /// examples: a model that learns the workspace's own language.
    #[arg(long, value_name = "WORKSPACE")]
    pub corrections: Option<String>,
    /// Which corrections: `sentiment` or `intent` (match the labels of --input).
    #[arg(long, default_value = "sentiment", value_name = "sentiment|intent")]
    pub correction_field: String,
    /// How many times each correction counts (they are few and deliberate).
    #[arg(long, default_value_t = 5)]
    pub correction_weight: usize,
}

/// Options of `rapport query`.
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// What to do with the query.
    #[command(subcommand)]
    pub action: QueryAction,
}

/// The `rapport query` subcommands.
#[derive(Debug, Subcommand)]
pub enum QueryAction {
    /// Print the parsed form of a query, or its error and where it is (exit code 2).
    Check {
        /// The query, e.g. 'orvella AND (refund* OR "broken tank") NOT #ad'.
        query: String,
    },
}

/// Options of `rapport match`.
#[derive(Debug, Args)]
pub struct MatchArgs {
    /// Monitors, one JSON object per line: {"id": "...", "query": "..."}.
    #[arg(long, value_name = "MONITORS.jsonl")]
    pub monitors: PathBuf,
    /// Posts, one JSON object per line: {"id", "text", "author", "lang", "network", "title", "urls"}
    /// (all but id and text optional).
    #[arg(long, value_name = "POSTS.jsonl")]
    pub posts: PathBuf,
}

/// Options of `rapport demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Address to serve on.
    #[arg(long, default_value = "127.0.0.1:7878", env = "RAPPORT_ADDR")]
    pub addr: SocketAddr,
    /// Seed of the simulated stream (same seed, same posts).
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Simulated posts per day, on average.
    #[arg(long, default_value_t = 20_000.0)]
    pub rate: f64,
    /// Days of history to backfill before going live.
    #[arg(long, default_value_t = 7)]
    pub backfill_days: u32,
    /// Stop after the backfill instead of feeding live posts and serving (for scripts).
    #[arg(long)]
    pub backfill_only: bool,
    /// A sentiment model from `rapport train`: stored posts get its labels (VADER's scores
    /// are kept beside them).
    #[arg(long, env = "RAPPORT_SENTIMENT_MODEL")]
    pub model: Option<PathBuf>,
}

/// Options of `rapport serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to serve on.
    #[arg(long, default_value = "127.0.0.1:7878", env = "RAPPORT_ADDR")]
    pub addr: SocketAddr,
    /// The configuration file (default: rapport.toml in the data directory): its
    /// `[[source]]` tables are polled, its `[safety]` section governs every outgoing request.
    #[arg(long, env = "RAPPORT_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Do not poll sources here (when `rapport ingest` runs in another process).
    #[arg(long)]
    pub no_sources: bool,
    /// Seconds between the publishing scheduler's looks for due posts.
    #[arg(long, default_value_t = 5, value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub publish_interval: u64,
    /// How long this server's claim on a post it is sending holds, in seconds: another
    /// server sharing the store takes the post over (and reconciles it with the network)
    /// only after that. Longer than a network call.
    #[arg(long, default_value_t = 300, value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(2..=86400))]
    pub publish_claim_ttl: u64,
    /// With `--nats`: append the posts of sources and webhooks to the ingest log for
    /// `rapport worker`s to store, instead of storing them here.
    #[command(flatten)]
    pub log: LogArgs,
}

/// How to show progress of long work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressMode {
    /// A progress bar on a terminal, nothing otherwise.
    Auto,
    /// Always a progress bar.
    Bar,
    /// A plain line per committed batch ("committed N rows"), for scripts and logs.
    Plain,
    /// Nothing but the final summary.
    None,
}

/// Options of `rapport import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file to read.
    pub file: PathBuf,
    /// File format; guessed from the extension when absent.
    #[arg(long, value_name = "csv|jsonl")]
    pub format: Option<String>,
    /// The network the posts come from (mastodon, bluesky, x, reddit, hackernews, feed, ...).
    #[arg(long, default_value = "import")]
    pub network: String,
    /// Our fields to the file's columns or keys: `text=COL,id=COL,author=COL,created=COL,...`.
    #[arg(long, value_name = "FIELD=COL,...")]
    pub map: Option<String>,
    /// Rows written per transaction.
    #[arg(long, default_value_t = 5_000)]
    pub batch: usize,
    /// Progress display.
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
    /// Rejected rows to print before only counting them.
    #[arg(long, default_value_t = 50)]
    pub max_errors_shown: usize,
    /// A sentiment model from `rapport train`: stored posts get its labels (VADER's scores
    /// are kept beside them).
    #[arg(long, env = "RAPPORT_SENTIMENT_MODEL")]
    pub model: Option<PathBuf>,
    /// With `--nats`: publish the posts to the ingest log for `rapport worker` instead.
    #[command(flatten)]
    pub log: LogArgs,
}

/// Options of `rapport simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Seed (same seed and options, same stream).
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Days of posts to generate.
    #[arg(long, default_value_t = 1.0)]
    pub days: f64,
    /// Posts per day, on average.
    #[arg(long, default_value_t = 20_000.0)]
    pub rate: f64,
    /// First post time (RFC 3339); default: `days` before now, rounded to the hour.
    #[arg(long)]
    pub start: Option<String>,
    /// Write JSONL here (`-` for stdout). Each line: {"post": ..., "truth": ...}.
    #[arg(long, short, default_value = "-")]
    pub out: String,
    /// Store the posts through the pipeline (matching the stored monitors) instead of writing
    /// JSONL (into `--store postgres://...` when given).
    #[arg(long)]
    pub ingest: bool,
    /// Stop after this many posts.
    #[arg(long, value_name = "N")]
    pub posts: Option<usize>,
    /// With `--nats`: publish the posts to the ingest log instead of writing JSONL.
    #[command(flatten)]
    pub log: LogArgs,
}

/// Options of `rapport bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Which benchmark.
    #[command(subcommand)]
    pub which: BenchWhich,
}

/// The benchmarks.
#[derive(Debug, Subcommand)]
pub enum BenchWhich {
    /// Batched import into SQLite, against one transaction per post; disk per stored post.
    Import {
        /// Posts to import.
        #[arg(long, default_value_t = 1_000_000)]
        posts: usize,
        /// Posts per transaction.
        #[arg(long, default_value_t = 5_000)]
        batch: usize,
        /// Posts for the one-transaction-per-post baseline.
        #[arg(long, default_value_t = 5_000)]
        baseline_posts: usize,
        /// Measure storing alone and stop (for profiling the store).
        #[arg(long)]
        store_only: bool,
    },
    /// The compiled monitor matcher against the naive evaluator, on one core, over the airline
    /// tweets (run from the project root so ../shared/data is found).
    Match {
        /// Posts for the compiled matcher.
        #[arg(long, default_value_t = 2_000_000)]
        posts: usize,
        /// Posts for the naive evaluator (it is slow).
        #[arg(long, default_value_t = 2_000)]
        naive_posts: usize,
        /// Monitor counts to build, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1000,10000")]
        monitors: Vec<usize>,
    },
    /// Per-post cost of the NLP steps (VADER, language, intent, fingerprint, model).
    Nlp {
        /// Posts to analyse.
        #[arg(long, default_value_t = 200_000)]
        posts: usize,
        /// A model from `rapport train`, to time its predictions too.
        #[arg(long)]
        model: Option<PathBuf>,
    },
    /// Simulated posts through the whole pipeline (analysis, 1,000 monitors, SQLite):
    /// sustained posts/s, arrival-to-stored latency, peak memory, against a naive path.
    Pipeline {
        /// Posts to push.
        #[arg(long, default_value_t = 200_000)]
        posts: usize,
        /// Monitors to match.
        #[arg(long, default_value_t = 1_000)]
        monitors: usize,
        /// Posts per transaction.
        #[arg(long, default_value_t = 2_000)]
        batch: usize,
        /// Posts for the naive baseline (one transaction per post).
        #[arg(long, default_value_t = 5_000)]
        baseline_posts: usize,
    },
    /// Scale-out throughput: simulated posts published to NATS JetStream, then stored into
    /// PostgreSQL (`--store`, a fresh schema per run) by 1, 2, 4 ... `rapport worker`
    /// processes; the single-process SQLite pipeline over the same posts is the baseline.
    Workers {
        /// Worker counts to run, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1,2,4")]
        workers: Vec<usize>,
        /// Posts per run.
        #[arg(long, default_value_t = 20_000)]
        posts: usize,
        /// Posts per transaction (workers and baseline alike).
        #[arg(long, default_value_t = 1_000)]
        batch: usize,
        /// The NATS server (or a cluster's servers, comma-separated).
        #[arg(long, env = "RAPPORT_NATS", default_value = "nats://127.0.0.1:4222")]
        nats: String,
        /// Copies of the stream on a JetStream cluster (3 for a three-server cluster).
        #[arg(long, default_value_t = 1)]
        nats_replicas: usize,
    },
    /// VADER-compatible sentiment on one core against the Python reference (vaderSentiment
    /// 3.3.2) in the same run, over the airline tweets.
    Sentiment {
        /// Texts to score.
        #[arg(long, default_value_t = 1_000_000)]
        texts: usize,
    },
}
