//! One daemon per data dir: an exclusive `flock` on `node.lock`, which holds the owner's pid so
//! a second process can say who has it. The kernel drops the lock when the process dies, even
//! by kill -9, so a stale file never blocks a restart.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use nix::fcntl::{Flock, FlockArg};

pub const LOCK_FILE: &str = "node.lock";

pub struct DirLock {
    _lock: Flock<File>,
}

impl DirLock {
    pub fn acquire(data_dir: &Path) -> anyhow::Result<DirLock> {
        std::fs::create_dir_all(data_dir).with_context(|| format!("cannot create data dir {}", data_dir.display()))?;
        let path = data_dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(mut lock) => {
                lock.set_len(0)?;
                lock.rewind()?;
                write!(lock, "{}", std::process::id())?;
                lock.sync_all()?;
                Ok(DirLock { _lock: lock })
            }
            Err((_, nix::errno::Errno::EWOULDBLOCK)) => {
                let pid = holder(&path).map(|p| format!(" (pid {p})")).unwrap_or_default();
                bail!(
                    "data dir {} is in use by another node process{pid}; stop it (node status shows what it is doing) \
                     or pass a different --data-dir",
                    data_dir.display()
                )
            }
            Err((_, e)) => bail!("cannot lock {}: {e}", path.display()),
        }
    }
}

/// The pid written in a data dir's lock file, if any.
pub fn holder(path: &Path) -> Option<u32> {
    let mut s = String::new();
    File::open(path).ok()?.read_to_string(&mut s).ok()?;
    s.trim().parse().ok()
}

/// Whether some process holds the data dir's lock right now (without taking it for long).
pub fn is_held(data_dir: &Path) -> Option<u32> {
    let path: PathBuf = data_dir.join(LOCK_FILE);
    let file = File::open(&path).ok()?;
    match Flock::lock(file, FlockArg::LockSharedNonblock) {
        Ok(_) => None,
        Err(_) => holder(&path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let _first = DirLock::acquire(dir.path()).unwrap();
        let err = DirLock::acquire(dir.path()).err().unwrap().to_string();
        assert!(err.contains(&format!("pid {}", std::process::id())), "{err}");
        assert_eq!(is_held(dir.path()), Some(std::process::id()));
    }
}
