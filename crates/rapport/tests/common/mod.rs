//! Helpers shared by the binary's integration tests: run the real `rapport` executable.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `rapport` binary cargo built for these tests.
pub fn rapport_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_rapport"))
}

/// A `rapport` command with `--data-dir` set to `data_dir`.
pub fn rapport(data_dir: &Path) -> Command {
    let mut command = Command::new(rapport_bin());
    command.arg("--data-dir").arg(data_dir);
    command.env_remove("RAPPORT_DATA_DIR");
    command
}

/// Runs to completion and returns (exit ok, stdout, stderr).
pub fn run(command: &mut Command) -> (bool, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().expect("the rapport binary runs");
    (
        status.success(),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// `../shared/data/NAME` from the project root, if this checkout has it.
pub fn shared_data(name: &str) -> Option<PathBuf> {
    let path = std::path::PathBuf::from(
        std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
    )
    .join("../../../shared/data")
    .join(name);
    if path.exists() {
        Some(path)
    } else {
        eprintln!(
            "skipping: {} not found (the shared data sets live at ../shared/data beside the project)",
            path.display()
        );
        None
    }
}

/// Opens the store a test's `rapport` wrote, to check what it holds.
pub fn open_store(data_dir: &Path) -> rapport_store::SqliteStore {
    rapport_store::SqliteStore::open(
        &data_dir.join("rapport.db"),
        rapport_store::SqliteOptions::default(),
    )
    .expect("the store opens")
}
