//! The node's commands on its control socket (protocol: `proofgrid_daemon::control::wire`):
//!
//! | cmd | fields | result |
//! |---|---|---|
//! | `status` | | the [`Status`](crate::status::Status) object |
//! | `pause` | `reason` (optional text) | `{"paused": true, "already": bool}` |
//! | `resume` | | `{"paused": false, "was_paused": bool}` |
//! | `set` | `key`, `value` (text, as on the command line) | `{"key", "value", "applies", "adjustments"}` |
//! | `stop` | | `{"stopping": true, "pid"}`; the daemon then finishes its bookkeeping and exits 0 |
//!
//! A pause is kept in `<data-dir>/paused.json`, so it holds across restarts (a reboot, systemd
//! restarting the service) until `node resume`.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use proofgrid_daemon::control::{Handler, Info, Request};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::Ctx;

pub const INFO: Info = Info { daemon: "node", version: env!("CARGO_PKG_VERSION"), commands: &["status", "pause", "resume", "set", "stop"] };

pub const PAUSE_FILE: &str = "paused.json";

/// The owner's pause, as kept on disk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnerPause {
    /// Unix seconds.
    pub since: u64,
    pub reason: Option<String>,
}

pub fn pause_file(data_dir: &Path) -> PathBuf {
    data_dir.join(PAUSE_FILE)
}

/// The pause in force at start, if any (an unreadable file counts as paused: the owner asked).
pub fn load_pause(data_dir: &Path) -> Option<OwnerPause> {
    let bytes = std::fs::read(pause_file(data_dir)).ok()?;
    Some(serde_json::from_slice(&bytes).unwrap_or(OwnerPause { since: 0, reason: None }))
}

pub fn handler(ctx: Ctx) -> Handler {
    Arc::new(move |request: &Request| match request.cmd.as_str() {
        "status" => serde_json::to_value(super::fresh_status(&ctx)).map_err(|e| e.to_string()),
        "pause" => pause(&ctx, request.opt_str("reason")),
        "resume" => resume(&ctx),
        "set" => set(&ctx, request.str("key")?, request.str("value")?),
        "stop" => {
            tracing::info!("stopping at the request of `node stop`");
            ctx.request_stop();
            Ok(json!({ "stopping": true, "pid": std::process::id() }))
        }
        other => Err(format!("unknown command {other:?}")),
    })
}

fn pause(ctx: &Ctx, reason: Option<&str>) -> Result<Value, String> {
    let already = ctx.owner_paused.swap(true, Ordering::AcqRel);
    let pause = OwnerPause { since: crate::status::unix_now(), reason: reason.map(str::to_string) };
    let path = pause_file(&ctx.data_dir);
    if !already {
        // The pause must outlive a restart; if it cannot be kept, it still holds until then.
        if let Err(e) = crate::store::write_atomic(&path, &serde_json::to_vec(&pause).unwrap_or_default()) {
            ctx.error(format!("paused, but cannot record the pause in {} (it will not survive a restart): {e:#}", path.display()));
        }
        *ctx.pause_note.lock().expect("pause lock") = Some(pause);
        tracing::info!(reason = reason.unwrap_or(""), "paused by the owner (node pause)");
        ctx.new_jobs.notify_one();
    }
    Ok(json!({ "paused": true, "already": already }))
}

fn resume(ctx: &Ctx) -> Result<Value, String> {
    let was = ctx.owner_paused.swap(false, Ordering::AcqRel);
    let path = pause_file(&ctx.data_dir);
    if let Err(e) = std::fs::remove_file(&path) {
        if e.kind() != std::io::ErrorKind::NotFound {
            return Err(format!("resumed, but cannot remove {} (a restart would pause again): {e}", path.display()));
        }
    }
    *ctx.pause_note.lock().expect("pause lock") = None;
    if was {
        tracing::info!("resumed by the owner (node resume)");
        ctx.new_jobs.notify_one();
    }
    Ok(json!({ "paused": false, "was_paused": was }))
}

fn set(ctx: &Ctx, key: &str, value: &str) -> Result<Value, String> {
    let applied = ctx.live.set(key, value).map_err(|e| format!("{e:#}"))?;
    let applies = crate::setting::when_applied(key);
    tracing::info!(key, value, "setting changed by `node set`; applies {applies}");
    for a in &applied.adjustments {
        tracing::warn!("{a}");
    }
    ctx.settings_changed();
    Ok(json!({ "key": key, "value": value, "applies": applies, "adjustments": applied.adjustments }))
}
