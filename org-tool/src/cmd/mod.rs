//! One module per subcommand, plus the options several of them share.

pub mod compile;
pub mod keygen;
pub mod publish;
pub mod results;
pub mod run;
pub mod status;
pub mod verify;

use std::path::PathBuf;
use std::time::Duration;

/// `--data-dir`, shared by every command that reads or writes the org's state.
#[derive(clap::Args, Clone, Debug)]
pub struct DataDir {
    /// Where the org keeps its key and database (default: the platform data dir, e.g.
    /// ~/.local/share/org-tool).
    #[arg(long, env = "PROOFGRID_ORG_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
}

impl DataDir {
    pub fn path(&self) -> PathBuf {
        self.data_dir.clone().unwrap_or_else(crate::org::default_data_dir)
    }
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
