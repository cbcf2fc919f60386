//! The daemon's side: accepts connections on the control socket and answers each request line
//! with its handler, on the daemon's tokio runtime. Handlers are synchronous and quick (they
//! read or change shared state; anything slow, like stopping, happens after they answer).

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::task::JoinHandle;

use super::wire::{self, Request, MAX_LINE};

/// Answers one request; `Err` is a message for the client ("unknown key ...").
pub type Handler = Arc<dyn Fn(&Request) -> Result<Value, String> + Send + Sync>;

/// What `hello` says about the daemon.
#[derive(Debug, Clone)]
pub struct Info {
    /// "node", "org-tool".
    pub daemon: &'static str,
    pub version: &'static str,
    /// The commands the handler knows, for `hello` and for the "unknown command" error.
    pub commands: &'static [&'static str],
}

/// The running server; closing it (or dropping it) removes the socket.
pub struct Server {
    path: PathBuf,
    task: JoinHandle<()>,
}

impl Server {
    /// Binds `<data_dir>/control.sock` and serves it. Call from inside a tokio runtime, holding
    /// the data dir's lock (a socket already there is a dead daemon's and is replaced).
    pub fn start(data_dir: &Path, info: Info, handler: Handler) -> anyhow::Result<Server> {
        let path = super::socket_path(data_dir);
        let listener = bind_private(&path)?;
        let task = tokio::spawn(accept_loop(listener, Arc::new(info), handler));
        Ok(Server { path, task })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn close(self) {}
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Binds the socket in a fresh mode-0700 folder beside it, makes it 0600, then renames it into
/// place: no other user can connect in the moment between bind and chmod.
fn bind_private(path: &Path) -> anyhow::Result<UnixListener> {
    let dir = path.parent().context("the control socket path has no folder")?;
    // sockaddr_un holds 108 bytes; say so rather than let bind fail obscurely.
    if path.as_os_str().len() >= 100 {
        anyhow::bail!(
            "the control socket path {} is too long for a Unix socket (at most 100 bytes here); use a shorter --data-dir",
            path.display()
        );
    }
    let staging = dir.join(format!(".control-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&staging)
        .with_context(|| format!("cannot create {}", staging.display()))?;
    let result = (|| {
        let temp = staging.join("s");
        let std_listener = std::os::unix::net::UnixListener::bind(&temp)
            .with_context(|| format!("cannot create the control socket {}", temp.display()))?;
        std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(0o600))?;
        std::fs::rename(&temp, path).with_context(|| format!("cannot put the control socket at {}", path.display()))?;
        std_listener.set_nonblocking(true)?;
        UnixListener::from_std(std_listener).context("cannot serve the control socket")
    })();
    let _ = std::fs::remove_dir_all(&staging);
    result
}

async fn accept_loop(listener: UnixListener, info: Arc<Info>, handler: Handler) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(serve_connection(stream, info.clone(), handler.clone()));
            }
            Err(e) => {
                tracing::warn!(error = %e, "the control socket cannot accept connections");
                // A persistent accept error (out of file descriptors) must not spin a core.
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
        }
    }
}

async fn serve_connection(stream: UnixStream, info: Arc<Info>, handler: Handler) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let mut line = String::new();
    loop {
        line.clear();
        // Bounded: a client that sends no newline cannot make us buffer without end.
        let mut limited = (&mut lines).take(MAX_LINE as u64 + 1);
        match limited.read_line(&mut line).await {
            Ok(0) => return,
            Ok(_) if line.len() > MAX_LINE => {
                let _ = write.write_all(format!("{}\n", wire::response(Err("request line too long".into()))).as_bytes()).await;
                return;
            }
            Ok(_) => {}
            Err(e) => {
                tracing::debug!(error = %e, "control connection failed");
                return;
            }
        }
        if line.trim().is_empty() {
            continue;
        }
        let answer = match Request::parse(line.trim()) {
            Ok(request) => answer(&info, &handler, &request),
            Err(e) => Err(e),
        };
        if write.write_all(format!("{}\n", wire::response(answer)).as_bytes()).await.is_err() {
            return;
        }
    }
}

fn answer(info: &Info, handler: &Handler, request: &Request) -> Result<Value, String> {
    if request.cmd == "hello" {
        return Ok(json!({
            "daemon": info.daemon,
            "version": info.version,
            "pid": std::process::id(),
            "protocol": wire::VERSION,
            "commands": info.commands,
        }));
    }
    if !info.commands.contains(&request.cmd.as_str()) {
        return Err(format!("{} has no command {:?}; it knows: hello, {}", info.daemon, request.cmd, info.commands.join(", ")));
    }
    tracing::debug!(cmd = %request.cmd, "control request");
    handler(request)
}
