//! systemd's service notification (`sd_notify`), so a `Type=notify` unit knows when the daemon
//! is really up, shows what it is doing in `systemctl status`, and sees it stopping. Without
//! `$NOTIFY_SOCKET` (not under systemd) every call does nothing.

use std::os::unix::net::UnixDatagram;

/// The daemon is up: listening, control socket ready.
pub fn ready() {
    send("READY=1");
}

/// A reload (SIGHUP) started; call [`ready`] when it is done.
pub fn reloading() {
    send("RELOADING=1");
}

pub fn stopping() {
    send("STOPPING=1");
}

/// One line for `systemctl status`, e.g. "proving shard 3 of primes".
pub fn status(text: &str) {
    let line: String = text.chars().filter(|c| *c != '\n').take(200).collect();
    send(&format!("STATUS={line}"));
}

fn send(message: &str) {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else { return };
    let Ok(socket) = UnixDatagram::unbound() else { return };
    let bytes = path.as_encoded_bytes();
    // A leading '@' names a socket in Linux's abstract namespace.
    let result = if let Some(name) = bytes.strip_prefix(b"@") {
        abstract_addr(name).and_then(|addr| socket.send_to_addr(message.as_bytes(), &addr))
    } else {
        socket.send_to(message.as_bytes(), std::path::Path::new(&path))
    };
    if let Err(e) = result {
        tracing::debug!(error = %e, "cannot notify systemd");
    }
}

#[cfg(target_os = "linux")]
fn abstract_addr(name: &[u8]) -> std::io::Result<std::os::unix::net::SocketAddr> {
    use std::os::linux::net::SocketAddrExt;
    std::os::unix::net::SocketAddr::from_abstract_name(name)
}

#[cfg(not(target_os = "linux"))]
fn abstract_addr(_: &[u8]) -> std::io::Result<std::os::unix::net::SocketAddr> {
    Err(std::io::Error::other("abstract sockets exist only on Linux"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn messages_reach_the_socket_systemd_names() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let listener = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
        // This test alone in this crate reads or writes NOTIFY_SOCKET.
        std::env::set_var("NOTIFY_SOCKET", &path);
        super::status("proving\nshard 3");
        super::ready();
        std::env::remove_var("NOTIFY_SOCKET");
        let mut buf = [0u8; 256];
        let n = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"STATUS=provingshard 3");
        let n = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1");
    }
}
