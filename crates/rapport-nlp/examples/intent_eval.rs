//! Intent and complaint-reason figures on the airline tweets with the default training
//! configuration (see `tests/common/intent_eval.rs` for what is a real label).
//!
//! `cargo run --release -p rapport-nlp --example intent_eval`

#[path = "../tests/common/mod.rs"]
mod common;

use rapport_nlp::learn::TrainConfig;

fn main() {
    let Some(rows) = common::airline() else {
        return;
    };
    match common::intent_eval::run(&rows, &TrainConfig::default(), 5) {
        Some(report) => common::intent_eval::print(&report),
        None => println!("evaluation failed"),
    }
}
