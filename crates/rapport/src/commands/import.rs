//! `rapport import FILE`: CSV or JSONL into the store, through the same ingestor as every
//! other source, reporting each rejected row with its line number. With `--nats`, the posts
//! go to the ingest log instead, for `rapport worker` to store.

use crate::cli::ImportArgs;
use crate::data_dir::DataDir;
use crate::progress::Progress;
use anyhow::{bail, Context};
use rapport_bus::PublishReport;
use rapport_engine::Ingestor;
use rapport_model::Network;
use rapport_sources::file::{FieldMap, FileFormat, FileReader, ImportOptions, RowError};
use rapport_store::{BatchOutcome, IngestItem};
use std::process::ExitCode;
use tokio::sync::mpsc;

/// What the reading thread tells the writing side.
enum Event {
    Batch {
        items: Vec<IngestItem>,
        bytes_read: u64,
    },
    Rejected(RowError),
}

/// Imports the file; exits 0 when the file was read to its end (rejected rows included).
pub async fn run(data_dir: DataDir, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let format = match &args.format {
        Some(name) => name.parse::<FileFormat>().map_err(anyhow::Error::msg)?,
        None => FileFormat::from_path(&args.file).with_context(|| {
            format!(
                "cannot tell the format of {} from its extension: pass --format csv or --format jsonl",
                args.file.display()
            )
        })?,
    };
    let network: Network = args.network.parse()?;
    let map = match &args.map {
        Some(spec) => spec.parse::<FieldMap>()?,
        None => FieldMap::default(),
    };
    if args.batch == 0 {
        bail!("--batch must be at least 1");
    }
    let mut options = ImportOptions::new(format);
    options.network = network;
    options.map = map;
    let reader = FileReader::open(&args.file, options)
        .with_context(|| format!("cannot import {}", args.file.display()))?;
    let total_bytes = reader.total_bytes();
    if let Some(log) = super::log::open(&args.log).await? {
        return publish(log, reader, &args).await;
    }

    let store = data_dir.open_backend().await?.store;
    let ingestor = Ingestor::new(store).await?;
    super::use_sentiment_model(&ingestor, args.model.as_deref())?;
    let progress = Progress::new(args.progress, total_bytes, true, "importing");

    let (sender, mut receiver) = mpsc::channel::<Event>(4);
    let batch_size = args.batch;
    let matcher = ingestor.clone();
    let reading = std::thread::spawn(move || read_file(reader, &matcher, batch_size, sender));

    let mut outcome = BatchOutcome::default();
    let mut read_ok: u64 = 0;
    let mut rejected: u64 = 0;
    while let Some(event) = receiver.recv().await {
        match event {
            Event::Batch { items, bytes_read } => {
                read_ok += items.len() as u64;
                let stored = ingestor.store_matched(items.into()).await?;
                outcome.add(stored);
                progress.update(bytes_read, || {
                    format!("{} new, {} updated", outcome.inserted, outcome.updated)
                });
                progress.plain_line(|| {
                    format!(
                        "committed {} rows ({} new, {} updated, {} unchanged)",
                        outcome.inserted + outcome.updated + outcome.unchanged,
                        outcome.inserted,
                        outcome.updated,
                        outcome.unchanged
                    )
                });
            }
            Event::Rejected(error) => {
                rejected += 1;
                if rejected <= args.max_errors_shown as u64 {
                    progress.line(&format!("rejected {error}"));
                }
            }
        }
    }
    progress.finish();
    let read_result = reading
        .join()
        .map_err(|_| anyhow::anyhow!("the file reader thread panicked"))?;
    read_result?;
    if rejected > args.max_errors_shown as u64 {
        eprintln!(
            "... and {} more rejected rows",
            rejected - args.max_errors_shown as u64
        );
    }
    println!(
        "read {} rows: {} imported, {} updated, {} unchanged, {} rejected, {} mentions",
        read_ok + rejected,
        outcome.inserted,
        outcome.updated,
        outcome.unchanged,
        rejected,
        outcome.new_mentions
    );
    Ok(ExitCode::SUCCESS)
}

/// Reads and matches the whole file on a plain thread (CPU work that overlaps with the
/// store's writing), sending batches of matched posts and each rejected row as it is met.
fn read_file(
    mut reader: FileReader,
    matcher: &Ingestor,
    batch_size: usize,
    sender: mpsc::Sender<Event>,
) -> anyhow::Result<()> {
    let mut batch = Vec::with_capacity(batch_size);
    while let Some(row) = reader.next() {
        match row {
            Ok(post) => {
                batch.push(post);
                if batch.len() >= batch_size {
                    let posts = std::mem::replace(&mut batch, Vec::with_capacity(batch_size));
                    let event = Event::Batch {
                        items: matcher.match_posts(posts),
                        bytes_read: reader.bytes_read(),
                    };
                    if sender.blocking_send(event).is_err() {
                        return Ok(());
                    }
                }
            }
            Err(error) => {
                if sender.blocking_send(Event::Rejected(error)).is_err() {
                    return Ok(());
                }
            }
        }
    }
    if !batch.is_empty() {
        let bytes_read = reader.bytes_read();
        let _ = sender.blocking_send(Event::Batch {
            items: matcher.match_posts(batch),
            bytes_read,
        });
    }
    Ok(())
}

/// `import --nats`: publishes the file's posts to the ingest log (a re-run inside the log's
/// duplicate window publishes nothing twice); prints `published N rows` per chunk with
/// `--progress plain`.
async fn publish(
    log: rapport_bus::JetStreamLog,
    reader: FileReader,
    args: &ImportArgs,
) -> anyhow::Result<ExitCode> {
    let total_bytes = reader.total_bytes();
    let progress = Progress::new(args.progress, total_bytes, true, "publishing");
    let (sender, mut receiver) = mpsc::channel::<(Vec<rapport_model::Post>, u64)>(4);
    let (rejects_tx, rejects_rx) = std::sync::mpsc::channel::<RowError>();
    let batch_size = args.batch;
    let reading = std::thread::spawn(move || {
        let mut reader = reader;
        let mut batch = Vec::with_capacity(batch_size);
        while let Some(row) = reader.next() {
            match row {
                Ok(post) => {
                    batch.push(post);
                    if batch.len() >= batch_size {
                        let posts = std::mem::replace(&mut batch, Vec::with_capacity(batch_size));
                        if sender.blocking_send((posts, reader.bytes_read())).is_err() {
                            return;
                        }
                    }
                }
                Err(error) => {
                    let _ = rejects_tx.send(error);
                }
            }
        }
        if !batch.is_empty() {
            let _ = sender.blocking_send((batch, reader.bytes_read()));
        }
    });
    let mut total = PublishReport::default();
    let mut read_ok: u64 = 0;
    while let Some((posts, bytes_read)) = receiver.recv().await {
        read_ok += posts.len() as u64;
        total.add(rapport_bus::IngestLog::publish(&log, &posts).await?);
        progress.update(bytes_read, || format!("{} duplicates", total.duplicates));
        progress.plain_line(|| {
            format!(
                "published {} rows ({} new, {} duplicates)",
                total.accepted + total.duplicates,
                total.accepted,
                total.duplicates
            )
        });
    }
    progress.finish();
    reading
        .join()
        .map_err(|_| anyhow::anyhow!("the file reader thread panicked"))?;
    let rejected: Vec<RowError> = rejects_rx.try_iter().collect();
    for error in rejected.iter().take(args.max_errors_shown) {
        eprintln!("rejected {error}");
    }
    if rejected.len() > args.max_errors_shown {
        eprintln!(
            "... and {} more rejected rows",
            rejected.len() - args.max_errors_shown
        );
    }
    println!(
        "read {} rows: {} published to {}, {} duplicates dropped by the log, {} rejected",
        read_ok + rejected.len() as u64,
        total.accepted,
        log.config().stream,
        total.duplicates,
        rejected.len()
    );
    Ok(ExitCode::SUCCESS)
}
