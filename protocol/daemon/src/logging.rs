//! Logging for the three binaries, set up the same way in each:
//!
//! - **Default**: info for proofgrid's own crates (every target starting `proofgrid`, which is
//!   how `proofgrid_node`, `proofgrid_org_tool`, `proofgrid_protocol`... log, and the binary's
//!   own crate, which logs under the binary's name: `bootstrap`, `node`), warnings for
//!   libraries. `-v` adds debug for ours, `-vv` trace for ours and debug for libraries; `-q`
//!   keeps warnings and errors, `-qq` errors only. `RUST_LOG`, when set, replaces all of this.
//! - **Where**: stderr, or with `--log-file FILE` appended to FILE (reopened by
//!   [`LogHandle::reopen`], which the daemons call on SIGHUP so logrotate can move the file).
//! - **Colour** only when the destination is a terminal and `NO_COLOR` is unset: a log file, a
//!   pipe or the journal gets plain text.

use std::fs::{File, OpenOptions};
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// The logging flags every binary takes (global: they go before or after the subcommand).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct LogArgs {
    /// More log detail: -v debug for proofgrid, -vv also trace, and debug for libraries.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Less log: -q warnings and errors only, -qq errors only.
    #[arg(short, long, action = clap::ArgAction::Count, global = true, conflicts_with = "verbose")]
    pub quiet: u8,
    /// Append log lines to FILE instead of stderr (plain text; reopened on SIGHUP, for logrotate).
    #[arg(long, value_name = "FILE", global = true)]
    pub log_file: Option<PathBuf>,
}

/// The filter for `-v`/`-q` when `RUST_LOG` is not set. Directive targets match by prefix, so
/// `proofgrid` covers every crate of ours. Kademlia's "no known peers" warning is the normal
/// state of a bootstrap with no DHT peers of its own, hence silenced.
pub fn default_filter(verbose: u8, quiet: u8, bin: &str) -> String {
    let (ours, libraries) = match (verbose, quiet) {
        (0, 0) => ("info", "warn"),
        (1, _) => ("debug", "warn"),
        (v, _) if v >= 2 => ("trace", "debug"),
        (_, 1) => ("warn", "warn"),
        _ => ("error", "error"),
    };
    format!("{libraries},libp2p_kad=error,proofgrid={ours},{bin}={ours}")
}

/// Keeps the log file reopenable; dropping it changes nothing.
#[derive(Clone)]
pub struct LogHandle {
    file: Option<Arc<LogFile>>,
}

impl LogHandle {
    /// Reopens the log file by its path (after logrotate renamed it); a no-op on stderr.
    pub fn reopen(&self) -> anyhow::Result<()> {
        match &self.file {
            Some(f) => f.reopen(),
            None => Ok(()),
        }
    }

    pub fn file(&self) -> Option<&Path> {
        self.file.as_ref().map(|f| f.path.as_path())
    }
}

/// Installs the global subscriber. Call once, first thing in `main`, with the binary's crate
/// name (`env!("CARGO_CRATE_NAME")`).
pub fn init(args: &LogArgs, bin: &str) -> anyhow::Result<LogHandle> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(text) if !text.trim().is_empty() => EnvFilter::try_new(&text)
            .with_context(|| format!("RUST_LOG={text:?} is not a log filter (like info or warn,proofgrid=debug)"))?,
        _ => EnvFilter::new(default_filter(args.verbose, args.quiet, bin)),
    };
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match &args.log_file {
        Some(path) => {
            let file = Arc::new(LogFile::open(path)?);
            builder.with_ansi(false).with_writer(FileWriter(file.clone())).init();
            Ok(LogHandle { file: Some(file) })
        }
        None => {
            let ansi = !no_color && io::stderr().is_terminal();
            builder.with_ansi(ansi).with_writer(|| crate::progress::StderrWriter).init();
            Ok(LogHandle { file: None })
        }
    }
}

struct LogFile {
    path: PathBuf,
    file: Mutex<File>,
}

impl LogFile {
    fn open(path: &Path) -> anyhow::Result<LogFile> {
        Ok(LogFile { path: path.to_path_buf(), file: Mutex::new(open_append(path)?) })
    }

    fn reopen(&self) -> anyhow::Result<()> {
        let fresh = open_append(&self.path)?;
        *self.file.lock().unwrap_or_else(|p| p.into_inner()) = fresh;
        Ok(())
    }
}

fn open_append(path: &Path) -> anyhow::Result<File> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create the log file's folder {}", parent.display()))?;
    }
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open the log file {} for appending", path.display()))
}

#[derive(Clone)]
struct FileWriter(Arc<LogFile>);

/// One event is formatted into a buffer, then written whole under the lock, so lines from
/// different threads never interleave.
struct Line {
    file: Arc<LogFile>,
    buf: Vec<u8>,
}

impl Write for Line {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        let mut f = self.file.file.lock().unwrap_or_else(|p| p.into_inner());
        // Nowhere to report a failed log write; the next line tries again.
        let _ = f.write_all(&self.buf);
    }
}

impl<'a> MakeWriter<'a> for FileWriter {
    type Writer = Line;

    fn make_writer(&'a self) -> Line {
        Line { file: self.0.clone(), buf: Vec::with_capacity(256) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_filter_names_our_crates_by_prefix() {
        let f = default_filter(0, 0, "bootstrap");
        assert!(f.contains("proofgrid=info") && f.contains("bootstrap=info") && f.starts_with("warn"), "{f}");
        assert!(default_filter(1, 0, "node").contains("proofgrid=debug"));
        assert!(default_filter(2, 0, "node").starts_with("debug") && default_filter(2, 0, "node").contains("proofgrid=trace"));
        assert!(default_filter(0, 1, "node").contains("proofgrid=warn"));
        assert!(default_filter(0, 2, "node").contains("node=error"));
        for f in [default_filter(0, 0, "node"), default_filter(3, 0, "node"), default_filter(0, 5, "node")] {
            EnvFilter::try_new(&f).unwrap_or_else(|e| panic!("{f}: {e}"));
        }
    }

    #[test]
    fn reopen_follows_a_rotated_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logs/x.log");
        let file = Arc::new(LogFile::open(&path).unwrap());
        let writer = FileWriter(file.clone());
        write!(writer.make_writer(), "one\n").unwrap();
        std::fs::rename(&path, dir.path().join("logs/x.log.1")).unwrap();
        file.reopen().unwrap();
        write!(writer.make_writer(), "two\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two\n");
        assert_eq!(std::fs::read_to_string(dir.path().join("logs/x.log.1")).unwrap(), "one\n");
    }
}
