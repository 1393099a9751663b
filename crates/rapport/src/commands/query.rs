//! `rapport query check`: what a query means, or exactly where it is wrong.

use crate::cli::{QueryAction, QueryArgs};
use rapport_query::Query;
use std::process::ExitCode;

/// Exit code for a query that does not parse (2, like other usage errors).
const INVALID: u8 = 2;

/// Prints the canonical parsed form, or the positioned error with a caret (exit code 2).
pub fn run(args: QueryArgs) -> anyhow::Result<ExitCode> {
    match args.action {
        QueryAction::Check { query } => match Query::parse(&query) {
            Ok(parsed) => {
                println!("{parsed}");
                Ok(ExitCode::SUCCESS)
            }
            Err(error) => {
                eprintln!("error: {error}");
                Ok(ExitCode::from(INVALID))
            }
        },
    }
}
