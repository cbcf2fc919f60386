//! The serving org's commands on its control socket (protocol:
//! `proofgrid_daemon::control::wire`), what `org-tool status --live` and `org-tool stop` use:
//!
//! | cmd | result |
//! |---|---|
//! | `status` | `{"pid", "peer_id", "data_dir", "started_at", "listen_addrs", "bootstrap": [link], "exit_when_done", "snapshot_at", "health": {"storage_errors", "last_storage_error", "verify_queue"}, "jobs": [job report without results]}` |
//! | `stop` | `{"stopping": true, "pid"}`; the org then stops as on SIGTERM |

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use proofgrid_daemon::control::{Handler, Info, Request};
use proofgrid_daemon::links::Links;
use serde_json::{json, Value};
use tokio::sync::Notify;

use super::report::Snapshot;

pub const INFO: Info = Info { daemon: "org-tool", version: env!("CARGO_PKG_VERSION"), commands: &["status", "stop"] };

/// What the serving loop shares with the control socket.
pub struct Live {
    pub peer_id: String,
    pub data_dir: PathBuf,
    pub started_at: u64,
    pub exit_when_done: bool,
    pub listen_addrs: Mutex<Vec<String>>,
    pub links: Mutex<Links>,
    /// The latest status snapshot (refreshed about once a second while shards change).
    pub snapshot: Mutex<Option<Snapshot>>,
    /// `stop` was asked for.
    pub stop: Notify,
}

pub fn handler(live: Arc<Live>) -> Handler {
    Arc::new(move |request: &Request| match request.cmd.as_str() {
        "status" => Ok(status(&live)),
        "stop" => {
            tracing::info!("stopping at the request of `org-tool stop`");
            live.stop.notify_one();
            Ok(json!({ "stopping": true, "pid": std::process::id() }))
        }
        other => Err(format!("unknown command {other:?}")),
    })
}

fn status(live: &Live) -> Value {
    let snapshot = live.snapshot.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let jobs: Vec<Value> = snapshot
        .as_ref()
        .map(|s| {
            s.jobs
                .iter()
                .map(|j| {
                    let mut v = serde_json::to_value(j).unwrap_or(Value::Null);
                    if let Some(o) = v.as_object_mut() {
                        o.remove("results");
                    }
                    v
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "pid": std::process::id(),
        "peer_id": live.peer_id,
        "data_dir": live.data_dir.display().to_string(),
        "started_at": live.started_at,
        "listen_addrs": *live.listen_addrs.lock().unwrap_or_else(|p| p.into_inner()),
        "bootstrap": live.links.lock().unwrap_or_else(|p| p.into_inner()).bootstrap_links(),
        "exit_when_done": live.exit_when_done,
        "snapshot_at": snapshot.as_ref().map(|s| s.written_at),
        "health": snapshot.as_ref().map(|s| s.health.clone()).unwrap_or_default(),
        "jobs": jobs,
    })
}
