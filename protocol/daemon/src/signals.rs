//! The signals a daemon acts on. SIGINT and SIGTERM stop it (after its bookkeeping); SIGHUP,
//! whose default action would kill it when its terminal closes, asks it to reload instead
//! (each daemon says what it reloads: the node its config file, all of them the log file).

use anyhow::Context;
use tokio::signal::unix::{signal, Signal, SignalKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    Interrupt,
    Terminate,
    Hangup,
}

impl Received {
    pub fn name(self) -> &'static str {
        match self {
            Received::Interrupt => "SIGINT",
            Received::Terminate => "SIGTERM",
            Received::Hangup => "SIGHUP",
        }
    }
}

/// The three streams, installed together. Install them before telling anyone the daemon is up
/// (an address file, systemd's READY): from then on a signal must reach the daemon's loop.
pub struct Signals {
    interrupt: Signal,
    terminate: Signal,
    hangup: Signal,
}

impl Signals {
    /// Must run inside a tokio runtime.
    pub fn install() -> anyhow::Result<Signals> {
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt()).context("cannot install the SIGINT handler")?,
            terminate: signal(SignalKind::terminate()).context("cannot install the SIGTERM handler")?,
            hangup: signal(SignalKind::hangup()).context("cannot install the SIGHUP handler")?,
        })
    }

    /// The next signal. Cancel-safe: a signal arriving while the caller is elsewhere waits for
    /// the next call.
    pub async fn recv(&mut self) -> Received {
        tokio::select! {
            _ = self.interrupt.recv() => Received::Interrupt,
            _ = self.terminate.recv() => Received::Terminate,
            _ = self.hangup.recv() => Received::Hangup,
        }
    }
}
