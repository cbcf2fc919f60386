//! One module per subcommand, plus what the control commands share.

pub mod control;
pub mod donate;
pub mod projects;
pub mod prove;
pub mod status;
pub mod worker;

use std::path::{Path, PathBuf};

/// No daemon runs on the data dir: `main` exits with status 3 (`proofgrid_daemon::EXIT_NOT_RUNNING`).
#[derive(Debug, thiserror::Error)]
#[error("no node is running with data dir {} (start one with `node donate`)", data_dir.display())]
pub struct NotRunning {
    pub data_dir: PathBuf,
}

/// `--data-dir` of the commands that talk to a running daemon.
#[derive(clap::Args, Clone, Debug)]
pub struct DaemonDir {
    /// The daemon's data dir [default: the platform's data dir, ~/.local/share/proofgrid/node].
    #[arg(long, value_name = "DIR", env = "PROOFGRID_NODE_DIR")]
    pub data_dir: Option<PathBuf>,
}

impl DaemonDir {
    pub fn path(&self) -> anyhow::Result<PathBuf> {
        proofgrid_node::config::data_dir(self.data_dir.clone())
    }
}

/// Sends one control request to the daemon on `data_dir`; no daemon is [`NotRunning`].
pub fn call(data_dir: &Path, cmd: &str, fields: serde_json::Value) -> anyhow::Result<serde_json::Value> {
    use proofgrid_daemon::control::{call, ClientError};
    match call(data_dir, cmd, fields, std::time::Duration::from_secs(10)) {
        Ok(v) => Ok(v),
        Err(ClientError::NotRunning { .. }) => match proofgrid_node::lock::is_held(data_dir) {
            // The lock is held but nothing answers: a daemon without its socket (an old
            // version, or the socket could not be made).
            Some(pid) => anyhow::bail!(
                "node {pid} runs on {} but does not answer on its control socket; see its log (stop it with kill {pid})",
                data_dir.display()
            ),
            None => Err(NotRunning { data_dir: data_dir.to_path_buf() }.into()),
        },
        Err(ClientError::Refused(message)) => anyhow::bail!("{message}"),
        Err(e) => Err(e.into()),
    }
}
