//! `rapport rollup rebuild|verify`: the analytics rollups against a recount of the mentions.

use crate::cli::{RollupAction, RollupArgs};
use crate::data_dir::DataDir;
use std::process::ExitCode;
use std::time::Instant;

/// Mismatches printed by `verify` before it stops listing.
const SHOWN: usize = 20;

/// Rebuilds or verifies the rollups of the data directory's store.
pub async fn run(data_dir: DataDir, args: RollupArgs) -> anyhow::Result<ExitCode> {
    let store = data_dir.open_backend().await?.analytics;
    let started = Instant::now();
    match args.action {
        RollupAction::Rebuild => {
            let cells = store.rebuild_rollups().await?;
            println!(
                "rebuilt {cells} hourly rollup cells in {:.2} s",
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        RollupAction::Verify => {
            let mismatches = store.verify_rollups(SHOWN).await?;
            if mismatches.is_empty() {
                println!(
                    "rollups agree with a recount of the mentions ({:.2} s)",
                    started.elapsed().as_secs_f64()
                );
                return Ok(ExitCode::SUCCESS);
            }
            for m in &mismatches {
                println!(
                    "monitor {} hour {}: stored {:?}, recounted {:?}",
                    m.monitor_id, m.hour, m.stored, m.recounted
                );
            }
            println!(
                "rollups differ from a recount{}: run `rapport rollup rebuild`",
                if mismatches.len() == SHOWN {
                    " (first 20 cells shown)"
                } else {
                    ""
                }
            );
            Ok(ExitCode::from(1))
        }
    }
}
