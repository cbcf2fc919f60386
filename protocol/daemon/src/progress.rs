//! Log lines and a progress bar share stderr: while a bar is shown, each log line is written with
//! the bar cleared and redrawn after it, instead of the two garbling each other. Bars draw only
//! on a terminal (indicatif hides them otherwise), so a piped or journald stderr gets log lines
//! alone.

use std::io::{self, Write};
use std::sync::Mutex;

use indicatif::ProgressBar;

static BAR: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Makes `bar` the one log lines step around, until [`done`].
pub fn show(bar: &ProgressBar) {
    *BAR.lock().unwrap_or_else(|p| p.into_inner()) = Some(bar.clone());
}

/// The bar is finished: log lines go straight to stderr again.
pub fn done() {
    *BAR.lock().unwrap_or_else(|p| p.into_inner()) = None;
}

/// stderr for `tracing_subscriber::fmt().with_writer(|| StderrWriter)`.
pub struct StderrWriter;

impl Write for StderrWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let bar = BAR.lock().unwrap_or_else(|p| p.into_inner()).clone();
        match bar {
            Some(bar) if !bar.is_hidden() => bar.suspend(|| io::stderr().write(buf)),
            _ => io::stderr().write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}
