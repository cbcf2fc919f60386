//! The settings of a running daemon, changeable without a restart: `node set KEY VALUE` changes
//! one key, SIGHUP re-reads the config file (flags given at start still win over it). Each
//! change is re-resolved as a whole, so a value is refused exactly as it would be at start, and
//! the daemon's loops pick the new settings up by their generation number.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::Context;

use crate::config::{FileConfig, Settings};
use crate::setting;

/// Where the settings came from, kept for reloads.
#[derive(Debug, Clone)]
pub struct ConfigSource {
    /// The config file that applies (it may not exist).
    pub path: PathBuf,
    /// `--config` named it: it must exist.
    pub required: bool,
    /// The command line's flags, which win over the file.
    pub flags: FileConfig,
    pub lie_about_results: bool,
}

pub struct LiveSettings {
    source: ConfigSource,
    /// The file overlaid with the flags and with every `node set` since.
    effective: Mutex<FileConfig>,
    current: Mutex<Arc<Settings>>,
    generation: AtomicU64,
}

/// What a change did, for the reply and the log.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Applied {
    pub changed: Vec<String>,
    pub adjustments: Vec<String>,
    /// Keys changed in the file that only a restart applies.
    pub need_restart: Vec<String>,
}

impl LiveSettings {
    pub fn new(source: ConfigSource, effective: FileConfig, settings: Settings) -> LiveSettings {
        LiveSettings { source, effective: Mutex::new(effective), current: Mutex::new(Arc::new(settings)), generation: AtomicU64::new(0) }
    }

    pub fn get(&self) -> Arc<Settings> {
        self.current.lock().expect("settings lock").clone()
    }

    /// Bumped at every change.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub fn config_path(&self) -> &std::path::Path {
        &self.source.path
    }

    /// `node set KEY VALUE`.
    pub fn set(&self, key: &str, value: &str) -> anyhow::Result<Applied> {
        let mut effective = self.effective.lock().expect("settings lock");
        let mut next = effective.clone();
        setting::set(&mut next, key, value)?;
        let applied = self.install(&next, vec![key.to_string()], vec![])?;
        *effective = next;
        Ok(applied)
    }

    /// SIGHUP: the config file again, under the start's flags. `node set` values are replaced
    /// by the file's.
    pub fn reload(&self) -> anyhow::Result<Applied> {
        let file = FileConfig::load(&self.source.path, self.source.required)?;
        let mut next = file.overlay(self.source.flags.clone());
        let mut effective = self.effective.lock().expect("settings lock");
        let mut need_restart = Vec::new();
        // The network is set up once: keep what runs, and say that the file differs.
        if next.bootstrap != effective.bootstrap {
            need_restart.push("bootstrap".to_string());
            next.bootstrap = effective.bootstrap.clone();
        }
        if next.listen != effective.listen {
            need_restart.push("listen".to_string());
            next.listen = effective.listen.clone();
        }
        let changed = changed_keys(&effective, &next);
        let applied = self.install(&next, changed, need_restart)?;
        *effective = next;
        Ok(applied)
    }

    fn install(&self, config: &FileConfig, changed: Vec<String>, need_restart: Vec<String>) -> anyhow::Result<Applied> {
        let data_dir = self.get().data_dir.clone();
        let mut settings = Settings::resolve(data_dir, config.clone()).context("the new settings are not valid; nothing changed")?;
        settings.lie_about_results = self.source.lie_about_results;
        let adjustments = settings.adjustments.clone();
        *self.current.lock().expect("settings lock") = Arc::new(settings);
        self.generation.fetch_add(1, Ordering::AcqRel);
        Ok(Applied { changed, adjustments, need_restart })
    }
}

/// The config keys whose values differ (compared through their debug text: every field is a
/// plain option of a string, number, bool or list).
fn changed_keys(old: &FileConfig, new: &FileConfig) -> Vec<String> {
    let pairs: [(&str, String, String); 15] = [
        ("projects", format!("{:?}", old.projects), format!("{:?}", new.projects)),
        ("role", format!("{:?}", old.role), format!("{:?}", new.role)),
        ("threads", format!("{:?}", old.threads), format!("{:?}", new.threads)),
        ("cpu_percent", format!("{:?}", old.cpu_percent), format!("{:?}", new.cpu_percent)),
        ("busy_cpu_percent", format!("{:?}", old.busy_cpu_percent), format!("{:?}", new.busy_cpu_percent)),
        ("when", format!("{:?}", old.when), format!("{:?}", new.when)),
        ("idle_cpu", format!("{:?}", old.idle_cpu), format!("{:?}", new.idle_cpu)),
        ("busy_after", format!("{:?}", old.busy_after), format!("{:?}", new.busy_after)),
        ("idle_after", format!("{:?}", old.idle_after), format!("{:?}", new.idle_after)),
        ("hours", format!("{:?}", old.hours), format!("{:?}", new.hours)),
        ("pause_on_battery", format!("{:?}", old.pause_on_battery), format!("{:?}", new.pause_on_battery)),
        ("max_memory", format!("{:?}", old.max_memory), format!("{:?}", new.max_memory)),
        ("max_steps", format!("{:?}", old.max_steps), format!("{:?}", new.max_steps)),
        ("bootstrap", format!("{:?}", old.bootstrap), format!("{:?}", new.bootstrap)),
        ("listen", format!("{:?}", old.listen), format!("{:?}", new.listen)),
    ];
    pairs.into_iter().filter(|(_, a, b)| a != b).map(|(k, _, _)| k.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live(dir: &std::path::Path, flags: FileConfig) -> LiveSettings {
        let source = ConfigSource { path: dir.join("node.toml"), required: false, flags: flags.clone(), lie_about_results: false };
        let effective = FileConfig::load(&source.path, false).unwrap().overlay(flags);
        let settings = Settings::resolve(dir.to_path_buf(), effective.clone()).unwrap();
        LiveSettings::new(source, effective, settings)
    }

    #[test]
    fn set_checks_the_whole_and_keeps_the_old_on_error() {
        let dir = tempfile::tempdir().unwrap();
        let l = live(dir.path(), FileConfig::default());
        l.set("cpu_percent", "50").unwrap();
        assert_eq!((l.get().idle_share, l.generation()), (0.5, 1));
        let err = l.set("cpu_percent", "150").unwrap_err();
        assert!(format!("{err:#}").contains("outside 0..100"), "{err:#}");
        assert_eq!((l.get().idle_share, l.generation()), (0.5, 1));
    }

    #[test]
    fn reload_reads_the_file_under_the_flags_and_keeps_the_network() {
        let dir = tempfile::tempdir().unwrap();
        let l = live(dir.path(), FileConfig { threads: Some(1), ..Default::default() });
        std::fs::write(dir.path().join("node.toml"), "threads = 2\ncpu_percent = 40\nlisten = \"/ip4/127.0.0.1/tcp/9\"\n").unwrap();
        let applied = l.reload().unwrap();
        assert_eq!(applied.changed, vec!["cpu_percent"]);
        assert_eq!(applied.need_restart, vec!["listen"]);
        let s = l.get();
        assert_eq!((s.threads, s.idle_share), (1, 0.4), "the flag's threads win over the file's");
        assert_eq!(s.listen.to_string(), "/ip4/0.0.0.0/tcp/0");
    }
}
