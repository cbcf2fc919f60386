//! What proofgrid's three long-running binaries (`node`, `org-tool`, `bootstrap`) share, so they
//! behave alike for the people and the service managers that run them for days:
//!
//! - [`logging`]: info for our crates by default, `-v`/`-q`, `--log-file`, no colour unless a
//!   terminal reads it, log lines that step around a progress bar;
//! - [`control`]: the local control interface, a versioned JSON-lines protocol over a Unix
//!   socket in the data dir (mode 0600), which `node status`, `node pause`, `org-tool stop` and a
//!   future dashboard use;
//! - [`links`]: whether the bootstrap and the other peers a daemon needs answer, and when to warn;
//! - [`dirs`]: the platform (XDG) data and config dirs, never relative to the working directory;
//! - [`signals`]: SIGINT/SIGTERM stop, SIGHUP reloads (never the default action, which kills);
//! - [`notify`]: systemd's readiness and status notification (`Type=notify` units).

pub mod control;
pub mod dirs;
pub mod errors;
pub mod links;
pub mod logging;
pub mod notify;
pub mod progress;
pub mod signals;

/// Exit status of a status or control command when no daemon runs on the data dir: 3, the LSB
/// convention `systemctl status` follows ("program is not running"), so a script can tell it
/// from a failure (1).
pub const EXIT_NOT_RUNNING: u8 = 3;
