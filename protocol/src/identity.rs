//! The peer's keypair, persisted in its data dir so its peer id (and an org's signature on its
//! announcements) survives restarts.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use libp2p::identity::Keypair;

/// File name of the key inside a data dir.
pub const KEY_FILE: &str = "identity.key";

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("cannot read identity key file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "identity key file {path} is corrupt ({detail}). It holds this peer's identity: restore it \
         from a backup, or move it away to start with a new identity (other peers will see a new \
         peer id)"
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error("cannot create identity key file {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Loads the keypair from `data_dir/identity.key`, or creates the dir and a new ed25519 key
/// (mode 0600) on first use. A key file that exists but does not decode is an error, never
/// silently replaced: replacing it would change the peer's identity.
pub fn load_or_create(data_dir: &Path) -> Result<Keypair, IdentityError> {
    let path = data_dir.join(KEY_FILE);
    match fs::read(&path) {
        Ok(bytes) => {
            warn_if_readable_by_others(&path);
            Keypair::from_protobuf_encoding(&bytes).map_err(|e| IdentityError::Corrupt {
                path,
                detail: e.to_string(),
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(data_dir, &path),
        Err(source) => Err(IdentityError::Read { path, source }),
    }
}

fn create(data_dir: &Path, path: &Path) -> Result<Keypair, IdentityError> {
    let werr = |source| IdentityError::Write {
        path: path.to_owned(),
        source,
    };
    fs::create_dir_all(data_dir).map_err(werr)?;
    let key = Keypair::generate_ed25519();
    let bytes = key
        .to_protobuf_encoding()
        .map_err(|e| werr(std::io::Error::other(e.to_string())))?;
    // Write to a temp file created 0600 and rename it in, so a crash never leaves a truncated
    // key behind (which the next start would rightly call corrupt).
    let tmp = data_dir.join(format!("{KEY_FILE}.tmp"));
    let _ = fs::remove_file(&tmp);
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(werr)?;
    f.write_all(&bytes)
        .and_then(|_| f.sync_all())
        .map_err(werr)?;
    fs::rename(&tmp, path).map_err(werr)?;
    tracing::info!(path = %path.display(), peer_id = %key.public().to_peer_id(), "created new identity");
    Ok(key)
}

fn warn_if_readable_by_others(path: &Path) {
    if let Ok(meta) = fs::metadata(path) {
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            tracing::warn!(path = %path.display(), mode = format!("{mode:o}"), "identity key file is readable by other users; chmod 600 it");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_with_mode_0600_then_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("nested/data");
        let a = load_or_create(&data).unwrap();
        let mode = fs::metadata(data.join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
        let b = load_or_create(&data).unwrap();
        assert_eq!(a.public().to_peer_id(), b.public().to_peer_id());
    }

    #[test]
    fn corrupt_file_is_an_error_naming_it_and_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(KEY_FILE);
        fs::write(&path, b"not a key").unwrap();
        let err = load_or_create(dir.path()).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains(&path.display().to_string()) && msg.contains("corrupt"),
            "{msg}"
        );
        assert_eq!(fs::read(&path).unwrap(), b"not a key");
    }
}
