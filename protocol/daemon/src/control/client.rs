//! The client's side, synchronous (the commands that use it have no runtime): connect, send one
//! request line, read one response line, within a timeout.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use super::wire::{self, Request};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Nothing listens on the socket: no daemon runs on this data dir (or it is still starting).
    #[error("no daemon is answering on {}", path.display())]
    NotRunning { path: PathBuf },
    #[error("cannot talk to the daemon on {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    /// The daemon understood and refused: its message.
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Protocol(String),
}

/// Sends `cmd` with `fields` to the daemon on `data_dir` and returns its result.
pub fn call(data_dir: &Path, cmd: &str, fields: Value, timeout: Duration) -> Result<Value, ClientError> {
    let path = super::socket_path(data_dir);
    let io = |source: std::io::Error| ClientError::Io { path: path.clone(), source };
    let stream = match UnixStream::connect(&path) {
        Ok(s) => s,
        // No socket, or a socket nobody listens on (a daemon killed with -9 leaves one).
        Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused) => {
            return Err(ClientError::NotRunning { path });
        }
        Err(e) => return Err(io(e)),
    };
    stream.set_read_timeout(Some(timeout)).map_err(io)?;
    stream.set_write_timeout(Some(timeout)).map_err(io)?;
    let mut writer = &stream;
    writer.write_all(format!("{}\n", Request::line(cmd, fields)).as_bytes()).map_err(io)?;
    let mut line = String::new();
    let n = BufReader::new(&stream).read_line(&mut line).map_err(|e| match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
            ClientError::Protocol(format!("the daemon did not answer {cmd:?} within {timeout:?}"))
        }
        _ => io(e),
    })?;
    if n == 0 {
        return Err(ClientError::Protocol(format!("the daemon closed the connection without answering {cmd:?}")));
    }
    match wire::parse_response(line.trim()) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(message)) => Err(ClientError::Refused(message)),
        Err(e) => Err(ClientError::Protocol(e)),
    }
}
