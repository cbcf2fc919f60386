//! The local control interface of a daemon: a Unix socket in its data dir, `control.sock`, mode
//! 0600 (only its owner, and root, can connect), speaking [`wire`]'s versioned JSON lines.
//! [`server`] runs inside the daemon; [`client`] is what `node status`, `node pause`,
//! `org-tool stop`... use, and what a dashboard would use.
//!
//! One socket per data dir, like the data-dir lock: the daemon holding the lock owns the socket,
//! so it may replace a stale one left by a daemon that was killed.

pub mod client;
pub mod server;
pub mod wire;

pub use client::{call, ClientError};
pub use server::{Handler, Info, Server};
pub use wire::{Request, SOCKET_FILE, VERSION};

use std::path::{Path, PathBuf};

/// The control socket of the daemon on `data_dir`.
pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SOCKET_FILE)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;
    use std::sync::Arc;
    use std::time::Duration;

    use serde_json::json;

    use super::*;

    const INFO: Info = Info { daemon: "test", version: "0", commands: &["echo", "fail"] };

    #[tokio::test]
    async fn requests_are_answered_on_a_private_socket() {
        let dir = tempfile::tempdir().unwrap();
        // A dead daemon's socket is replaced.
        std::fs::write(socket_path(dir.path()), b"stale").unwrap();
        let handler: Handler = Arc::new(|r: &Request| match r.cmd.as_str() {
            "echo" => Ok(json!({ "said": r.str("text")? })),
            _ => Err("it failed".into()),
        });
        let server = Server::start(dir.path(), INFO, handler).unwrap();
        let mode = std::fs::metadata(server.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let d = dir.path().to_path_buf();
        let results = tokio::task::spawn_blocking(move || {
            let t = Duration::from_secs(5);
            (
                call(&d, "echo", json!({"text": "hi"}), t).unwrap(),
                call(&d, "fail", json!(null), t).unwrap_err().to_string(),
                call(&d, "nope", json!(null), t).unwrap_err().to_string(),
                call(&d, "hello", json!(null), t).unwrap(),
            )
        })
        .await
        .unwrap();
        assert_eq!(results.0, json!({"said": "hi"}));
        assert_eq!(results.1, "it failed");
        assert!(results.2.contains("no command \"nope\"") && results.2.contains("echo, fail"), "{}", results.2);
        assert_eq!(results.3["protocol"], json!(VERSION));
        let path = server.path().to_path_buf();
        server.close();
        assert!(!path.exists(), "closing removes the socket");
        let d = dir.path().to_path_buf();
        let gone = tokio::task::spawn_blocking(move || call(&d, "echo", json!(null), Duration::from_secs(1))).await.unwrap();
        assert!(matches!(gone, Err(ClientError::NotRunning { .. })), "{gone:?}");
    }
}
