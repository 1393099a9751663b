//! Progress display for long commands: indicatif bars on a terminal, plain lines otherwise.

use crate::cli::ProgressMode;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// Shows progress in the way the user asked for.
pub struct Progress {
    bar: Option<ProgressBar>,
    plain: bool,
}

impl Progress {
    /// A progress display over `total` units (bytes, posts), labelled `what`.
    pub fn new(mode: ProgressMode, total: Option<u64>, bytes: bool, what: &str) -> Progress {
        let want_bar = match mode {
            ProgressMode::Auto => std::io::stderr().is_terminal(),
            ProgressMode::Bar => true,
            ProgressMode::Plain | ProgressMode::None => false,
        };
        let bar = want_bar.then(|| {
            let bar = match total {
                Some(total) => ProgressBar::new(total),
                None => ProgressBar::new_spinner(),
            };
            bar.set_draw_target(ProgressDrawTarget::stderr());
            let template = match (total.is_some(), bytes) {
                (true, true) => {
                    "{msg} [{bar:40.cyan/blue}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})"
                }
                (true, false) => {
                    "{msg} [{bar:40.cyan/blue}] {human_pos}/{human_len} ({per_sec}, {eta})"
                }
                (false, _) => "{spinner} {msg} {human_pos} ({per_sec})",
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(what.to_string());
            bar
        });
        Progress {
            bar,
            plain: mode == ProgressMode::Plain,
        }
    }

    /// Moves the bar to `position` and sets its message.
    pub fn update(&self, position: u64, message: impl FnOnce() -> String) {
        if let Some(bar) = &self.bar {
            bar.set_position(position);
            bar.set_message(message());
        }
    }

    /// Prints a line: above the bar on a terminal, as is in plain mode.
    pub fn line(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    /// A line only in plain mode (per-batch reports a bar already shows).
    pub fn plain_line(&self, line: impl FnOnce() -> String) {
        if self.plain {
            eprintln!("{}", line());
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
