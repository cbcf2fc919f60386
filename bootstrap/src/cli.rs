//! Command-line options.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use proofgrid_protocol::Multiaddr;

const EXAMPLE: &str = "\
Examples:
  bootstrap
  bootstrap --listen /ip4/0.0.0.0/tcp/4001 --data-dir /var/lib/proofgrid/bootstrap \\
            --addr-file /run/proofgrid/bootstrap.addr --ttl 5m
  # prints e.g. /ip4/192.0.2.7/tcp/4001/p2p/12D3KooW...; give that address to every node and org.

The data dir (its identity key, so the peer id survives restarts) defaults to
~/.local/share/proofgrid/bootstrap. Stop it with Ctrl-C or SIGTERM; SIGHUP only reopens --log-file.
As a service: contrib/systemd/system/proofgrid-bootstrap.service in the repository.
Logs: info for proofgrid by default; -v, -q, --log-file FILE; RUST_LOG overrides.";

/// The proofgrid bootstrap node: a well-known meeting point. It runs a Kademlia server, relays
/// the jobs gossip topic, and keeps a directory of open jobs that orgs register and refresh.
/// It holds no results and has no authority.
#[derive(Debug, Parser)]
#[command(name = "bootstrap", version, after_help = EXAMPLE)]
pub struct Args {
    /// Multiaddr to listen on.
    #[arg(long, default_value = "/ip4/0.0.0.0/tcp/4001")]
    pub listen: Multiaddr,

    /// Also write the full /p2p/ address here (atomically: temp file + rename).
    #[arg(long)]
    pub addr_file: Option<PathBuf>,

    /// Directory holding the identity key (so the peer id survives restarts) [default: the
    /// platform's data dir, ~/.local/share/proofgrid/bootstrap].
    #[arg(long, value_name = "DIR", env = "PROOFGRID_BOOTSTRAP_DIR")]
    pub data_dir: Option<PathBuf>,

    /// How long a directory entry lives unless its org refreshes it: 90s, 5m, 1h, or seconds.
    #[arg(long, default_value = "5m", value_parser = parse_duration)]
    pub ttl: Duration,

    #[command(flatten)]
    pub log: proofgrid_daemon::logging::LogArgs,
}

pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration like 90s, 5m or 1h"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("unknown unit {unit:?} in {s:?}: use s, m or h")),
    };
    if secs == 0 {
        return Err("the TTL must be at least one second".into());
    }
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert!(parse_duration("5 minutes").is_err());
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("m").is_err());
    }
}
