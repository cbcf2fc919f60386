//! Log lines and the progress bar share stderr: while a bar is shown, each log line is written
//! with the bar cleared and redrawn after it, instead of the two garbling each other.

use std::io::{self, Write};
use std::sync::OnceLock;

use indicatif::ProgressBar;

static BAR: OnceLock<ProgressBar> = OnceLock::new();

/// Makes `bar` the one log lines step around (the first call wins; one org peer per process).
pub fn show(bar: &ProgressBar) {
    let _ = BAR.set(bar.clone());
}

/// stderr for `tracing_subscriber::fmt().with_writer(|| LogWriter)`.
pub struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match BAR.get() {
            Some(bar) if !bar.is_hidden() => bar.suspend(|| io::stderr().write(buf)),
            _ => io::stderr().write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}
