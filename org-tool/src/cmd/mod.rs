//! One module per subcommand, plus the options several of them share.

pub mod compile;
pub mod keygen;
pub mod publish;
pub mod results;
pub mod run;
pub mod status;
pub mod stop;
pub mod verify;

use std::path::PathBuf;
use std::time::Duration;

/// `--data-dir`, shared by every command that reads or writes the org's state.
#[derive(clap::Args, Clone, Debug)]
pub struct DataDir {
    /// Where the org keeps its key and database [default: the platform's data dir,
    /// ~/.local/share/proofgrid/org].
    #[arg(long, env = "PROOFGRID_ORG_DIR")]
    pub data_dir: Option<PathBuf>,
}

impl DataDir {
    /// The flag (or `PROOFGRID_ORG_DIR`, or the older `PROOFGRID_ORG_DATA_DIR`) made absolute,
    /// else the default.
    pub fn path(&self) -> anyhow::Result<PathBuf> {
        let flag = self.data_dir.clone().or_else(|| std::env::var_os("PROOFGRID_ORG_DATA_DIR").map(PathBuf::from));
        proofgrid_daemon::dirs::data_dir(proofgrid_daemon::dirs::Role::Org, flag.as_deref())
    }
}

/// No org serves the data dir: `main` exits with status 3 (`proofgrid_daemon::EXIT_NOT_RUNNING`).
#[derive(Debug, thiserror::Error)]
#[error("no org is serving data dir {} (start one with `org-tool publish` or `org-tool serve`)", data_dir.display())]
pub struct NotServing {
    pub data_dir: PathBuf,
}

/// End with this exit status (and message, if any) instead of 1: a command whose status is
/// another program's (`results --pipe`).
#[derive(Debug, thiserror::Error)]
#[error("exit status {code}")]
pub struct ExitWith {
    pub code: u8,
    pub message: Option<String>,
}

/// Sends one control request to the org serving `data_dir`; none is [`NotServing`].
pub fn call(data_dir: &std::path::Path, cmd: &str, fields: serde_json::Value) -> anyhow::Result<serde_json::Value> {
    use proofgrid_daemon::control::{call, ClientError};
    match call(data_dir, cmd, fields, Duration::from_secs(10)) {
        Ok(v) => Ok(v),
        Err(ClientError::NotRunning { .. }) => Err(NotServing { data_dir: data_dir.to_path_buf() }.into()),
        Err(ClientError::Refused(message)) => anyhow::bail!("{message}"),
        Err(e) => Err(e.into()),
    }
}

/// A program hash as every command prints it: `0x` and 64 hex digits (the 32 bytes the
/// protocol carries), so the same hash reads the same in `run`, `compile` and `status`.
pub fn hash_hex(hash: &proofgrid_cairo::Felt) -> String {
    format!("0x{}", hex::encode(hash.to_bytes_be()))
}

/// Parses "90s", "10m", "2h", "1d" or plain seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (digits, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u64 = digits.parse().map_err(|_| format!("{text:?} is not a duration; write e.g. 90s, 10m or 2h"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86400,
        _ => return Err(format!("{text:?}: unknown unit {unit:?}; use s, m, h or d")),
    };
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_duration("45").unwrap(), Duration::from_secs(45));
        assert!(parse_duration("10 minutes").is_err());
        assert!(parse_duration("m").is_err());
    }
}
