//! The weekly report as PDF, printed by headless Chromium.
//!
//! No crate turns our HTML and inline SVG into a faithful PDF: `printpdf`'s HTML mode lays
//! out a subset of CSS with its own engine (azul) and `headless_chrome` drives Chrome over
//! the DevTools protocol, which needs the same browser plus a WebSocket client. So
//! [`html_to_pdf`] runs the browser itself once per document: the self-contained report
//! ([`crate::routes::reports::report_document`]: stylesheet and SVG inline, nothing to
//! fetch) is written to a private temporary directory and printed with
//! `chromium --headless --print-to-pdf`, with a throwaway profile, no network
//! (`--proxy-server` to a closed port, so a link in a post can never be fetched), and a
//! time limit. Where no browser is installed the error names what to install.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where a browser is looked for when `RAPPORT_CHROMIUM` is not set.
pub const CHROMIUM_PATHS: [&str; 4] = [
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
];

/// How long one print may take.
pub const PRINT_TIMEOUT: Duration = Duration::from_secs(90);

/// Why no PDF came out.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// No browser to print with.
    #[error(
        "PDF needs headless Chromium, and none was found (looked for {searched}): install it \
         (Debian: `apt-get install chromium`) or set RAPPORT_CHROMIUM to its path"
    )]
    NoChromium {
        /// The paths tried.
        searched: String,
    },
    /// A file could not be written or read.
    #[error("PDF: {context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        source: std::io::Error,
    },
    /// The browser failed or produced no PDF.
    #[error("Chromium ({browser}) did not print the report: {message}")]
    Failed {
        /// The browser run.
        browser: String,
        /// Its exit status and the end of what it said.
        message: String,
    },
}

/// The browser to print with: `RAPPORT_CHROMIUM` when set (it must exist), else the first
/// of [`CHROMIUM_PATHS`] that exists.
pub fn find_chromium() -> Result<PathBuf, PdfError> {
    find_chromium_in(
        std::env::var_os("RAPPORT_CHROMIUM").as_deref(),
        &CHROMIUM_PATHS,
    )
}

/// [`find_chromium`] with the override and the candidates given.
fn find_chromium_in(
    chosen: Option<&std::ffi::OsStr>,
    candidates: &[&str],
) -> Result<PathBuf, PdfError> {
    if let Some(path) = chosen.filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(PdfError::NoChromium {
                searched: format!("RAPPORT_CHROMIUM={}", path.display()),
            })
        };
    }
    candidates
        .iter()
        .map(Path::new)
        .find(|p| p.is_file())
        .map(Path::to_path_buf)
        .ok_or_else(|| PdfError::NoChromium {
            searched: candidates.join(", "),
        })
}

/// Prints a self-contained HTML document to PDF with headless Chromium; the bytes start
/// with `%PDF`.
pub async fn html_to_pdf(html: &str) -> Result<Vec<u8>, PdfError> {
    let browser = find_chromium()?;
    let io = |context: &str| {
        let context = context.to_string();
        move |source: std::io::Error| PdfError::Io { context, source }
    };
    let dir = tempfile::tempdir().map_err(io("create a temporary directory"))?;
    let page = dir.path().join("report.html");
    let out = dir.path().join("report.pdf");
    tokio::fs::write(&page, html)
        .await
        .map_err(io("write the report"))?;
    let mut command = tokio::process::Command::new(&browser);
    command
        .arg("--headless")
        .arg("--no-sandbox")
        .arg("--disable-gpu")
        .arg("--disable-dev-shm-usage")
        .arg("--disable-extensions")
        .arg("--no-first-run")
        .arg("--no-pdf-header-footer")
        .arg("--proxy-server=127.0.0.1:9")
        .arg("--proxy-bypass-list=<-loopback>")
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("--print-to-pdf={}", out.display()))
        .arg(format!("file://{}", page.display()))
        .env("HOME", dir.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let failed = |message: String| PdfError::Failed {
        browser: browser.display().to_string(),
        message,
    };
    let child = command.spawn().map_err(io("start Chromium"))?;
    let output = tokio::time::timeout(PRINT_TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| failed(format!("no answer within {} s", PRINT_TIMEOUT.as_secs())))?
        .map_err(io("run Chromium"))?;
    let pdf = match tokio::fs::read(&out).await {
        Ok(pdf) => pdf,
        Err(_) => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let tail: String = stderr
                .chars()
                .rev()
                .take(400)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            return Err(failed(format!("{}; {}", output.status, tail.trim())));
        }
    };
    if !pdf.starts_with(b"%PDF") {
        return Err(failed("its output is not a PDF".into()));
    }
    Ok(pdf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_browser_is_named_with_what_to_install() {
        let err = find_chromium_in(None, &["/nonexistent/chromium"]).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("/nonexistent/chromium"), "{message}");
        assert!(message.contains("apt-get install chromium"), "{message}");
        assert!(message.contains("RAPPORT_CHROMIUM"), "{message}");
        let err =
            find_chromium_in(Some("/nonexistent/chrome".as_ref()), &CHROMIUM_PATHS).unwrap_err();
        assert!(err
            .to_string()
            .contains("RAPPORT_CHROMIUM=/nonexistent/chrome"));
        // An existing file is taken as it is.
        let file = tempfile::NamedTempFile::new().unwrap();
        assert_eq!(
            find_chromium_in(Some(file.path().as_os_str()), &[]).unwrap(),
            file.path()
        );
    }
}
