//! Where the binaries keep their state and look for their config, the same way for all three:
//!
//! | | data dir (default) | env override |
//! |---|---|---|
//! | `node` | `$XDG_DATA_HOME/proofgrid/node` (`~/.local/share/proofgrid/node`) | `PROOFGRID_NODE_DIR` |
//! | `org-tool` | `$XDG_DATA_HOME/proofgrid/org` | `PROOFGRID_ORG_DIR` |
//! | `bootstrap` | `$XDG_DATA_HOME/proofgrid/bootstrap` | `PROOFGRID_BOOTSTRAP_DIR` |
//!
//! and config files in `$XDG_CONFIG_HOME/proofgrid/` (`~/.config/proofgrid/node.toml`). On macOS
//! the platform's equivalents (`~/Library/Application Support/proofgrid/...`). A default is never
//! relative to the working directory: a key created there ends up in whatever folder the daemon
//! was started from (and once, in git). Paths given on the command line are made absolute, so
//! logs, status and the control socket name one place whatever the working directory.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// Which binary's data dir.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Node,
    Org,
    Bootstrap,
}

impl Role {
    pub fn dir_name(self) -> &'static str {
        match self {
            Role::Node => "node",
            Role::Org => "org",
            Role::Bootstrap => "bootstrap",
        }
    }

    /// Where earlier builds kept this role's data (`~/.local/share/proofgrid-node`,
    /// `~/.local/share/org-tool`): still used when it exists and the new one does not.
    fn legacy(self) -> Option<PathBuf> {
        let (qualifier, app) = match self {
            Role::Node => ("org", "proofgrid-node"),
            Role::Org => ("", "org-tool"),
            Role::Bootstrap => return None,
        };
        directories::ProjectDirs::from(qualifier, "proofgrid", app).map(|d| d.data_dir().to_path_buf())
    }
}

fn project() -> anyhow::Result<directories::ProjectDirs> {
    // The same project as the Cairo compiler's virtualenv (`proofgrid-cairo`), so everything of
    // proofgrid's lives under one folder.
    directories::ProjectDirs::from("", "", "proofgrid").context(
        "cannot find this user's home directory for the default data dir (is $HOME set?); pass --data-dir",
    )
}

/// The role's default data dir.
pub fn default_data_dir(role: Role) -> anyhow::Result<PathBuf> {
    let dir = project()?.data_dir().join(role.dir_name());
    if !dir.exists() {
        if let Some(old) = role.legacy().filter(|old| old.join("identity.key").exists()) {
            tracing::warn!(
                "using the data dir of an earlier version, {}; move it to {} to follow the new layout",
                old.display(),
                dir.display()
            );
            return Ok(old);
        }
    }
    Ok(dir)
}

/// proofgrid's config dir (`~/.config/proofgrid`).
pub fn config_dir() -> anyhow::Result<PathBuf> {
    Ok(project()?.config_dir().to_path_buf())
}

/// `flag` made absolute, else the role's default.
pub fn data_dir(role: Role, flag: Option<&Path>) -> anyhow::Result<PathBuf> {
    match flag {
        Some(p) => absolute(p),
        None => default_data_dir(role),
    }
}

/// `path` against the working directory, without touching the file system (the path need not
/// exist yet).
pub fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("cannot make {} an absolute path", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_absolute_and_distinct() {
        let dirs: Vec<PathBuf> = [Role::Node, Role::Org, Role::Bootstrap].iter().map(|r| project().unwrap().data_dir().join(r.dir_name())).collect();
        assert!(dirs.iter().all(|d| d.is_absolute()), "{dirs:?}");
        assert!(dirs[0] != dirs[1] && dirs[1] != dirs[2]);
        assert_eq!(dirs[0].parent(), dirs[2].parent());
        assert!(absolute(Path::new("x/y")).unwrap().is_absolute());
    }
}
