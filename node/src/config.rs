//! The owner's settings: a TOML file (every key optional, defaults below), overridden by flags.
//!
//! Where the file is: `--config FILE`; else, with the default data dir, `~/.config/proofgrid/node.toml`
//! (the platform's config dir), or `node.toml` in the data dir when only that exists (earlier
//! versions kept it there); with `--data-dir DIR`, `DIR/node.toml`, so several nodes on one
//! machine each have their own.
//!
//! ```toml
//! # ~/.config/proofgrid/node.toml (or: node donate --config FILE)
//! projects = []               # job ids (16+ hex digits), name@org-peer-id, or names; empty: every open job
//! role = "full"               # full (execute + prove), execute (send traces), prove (prove traces)
//! threads = 1                 # worker threads
//! cpu_percent = 100           # CPU share of those threads while the machine is idle
//! busy_cpu_percent = 25       # ... while you use it (when = "always"); 0 pauses
//! when = "always"             # or "idle": only run while the machine is idle
//! idle_cpu = "20%"            # other processes' CPU above this means you are using the machine
//! busy_after = "10s"          # ... once it stays above for this long
//! idle_after = "3m"           # idle again only after it stays below for this long
//! hours = "22-07"             # optional: only run in this local time window
//! pause_on_battery = true
//! max_memory = "2G"           # worker address-space cap (RLIMIT_AS); larger shards are refused
//! max_steps = 4194304         # Cairo steps per shard; larger shards are refused
//! bootstrap = ["/ip4/203.0.113.7/tcp/4001/p2p/12D3Koo..."]
//! listen = "/ip4/0.0.0.0/tcp/0"
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use proofgrid_protocol::{Multiaddr, Role};
use serde::Deserialize;

use crate::governor::{Hours, Policy};
use crate::units::{parse_duration, parse_percent, parse_size, show_size};

/// The config file name looked for in the data dir when `--config` is not given.
pub const CONFIG_FILE: &str = "node.toml";

/// The file's shape; flags fill the same struct, and flags win.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub projects: Option<Vec<String>>,
    pub role: Option<String>,
    pub threads: Option<usize>,
    pub cpu_percent: Option<f64>,
    pub busy_cpu_percent: Option<f64>,
    pub when: Option<String>,
    pub idle_cpu: Option<String>,
    pub busy_after: Option<String>,
    pub idle_after: Option<String>,
    pub hours: Option<String>,
    pub pause_on_battery: Option<bool>,
    pub max_memory: Option<String>,
    pub max_steps: Option<u64>,
    pub bootstrap: Option<Vec<String>>,
    pub listen: Option<String>,
}

macro_rules! overlay {
    ($base:ident, $top:ident, $($field:ident),*) => { $( if $top.$field.is_some() { $base.$field = $top.$field; } )* };
}

impl FileConfig {
    /// Reads `path`; a missing default file is an empty config, a missing `--config` is an error.
    pub fn load(path: &Path, required: bool) -> anyhow::Result<FileConfig> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => return Ok(FileConfig::default()),
            Err(e) => return Err(e).with_context(|| format!("cannot read config file {}", path.display())),
        };
        toml::from_str(&text).with_context(|| format!("config file {} is not valid (see `node donate --help` for the keys)", path.display()))
    }

    /// `self` with every field `top` sets replaced.
    pub fn overlay(mut self, top: FileConfig) -> FileConfig {
        overlay!(self, top, projects, role, threads, cpu_percent, busy_cpu_percent, when, idle_cpu, busy_after,
            idle_after, hours, pause_on_battery, max_memory, max_steps, bootstrap, listen);
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Always,
    Idle,
}

/// Settings after defaults and validation.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Things the resolver changed from what was asked, for the log and the status ("threads
    /// 1000 is more than this machine's 2 cores: using 2").
    pub adjustments: Vec<String>,
    pub data_dir: PathBuf,
    pub projects: Vec<String>,
    pub role: Role,
    pub threads: usize,
    pub idle_share: f64,
    pub busy_share: f64,
    pub when: When,
    pub idle_cpu: f64,
    pub busy_after: Duration,
    pub idle_after: Duration,
    pub hours: Option<Hours>,
    pub pause_on_battery: bool,
    pub max_memory: u64,
    pub max_steps: u64,
    pub bootstrap: Vec<Multiaddr>,
    pub listen: Multiaddr,
    /// Fault injection for the test suite only (hidden flag `--fault-lie-about-results`): every
    /// proof this node submits claims a result its STARK does not prove. Never set from a config file.
    pub lie_about_results: bool,
}

impl Settings {
    pub fn resolve(data_dir: PathBuf, c: FileConfig) -> anyhow::Result<Settings> {
        let role = match c.role.as_deref().unwrap_or("full") {
            "full" => Role::Full,
            "execute" => Role::Execute,
            "prove" => Role::Prove,
            other => bail!("role {other:?}: choose full, execute or prove"),
        };
        let when = match c.when.as_deref().unwrap_or("always") {
            "always" => When::Always,
            "idle" => When::Idle,
            other => bail!("when {other:?}: choose always or idle"),
        };
        let mut adjustments = Vec::new();
        let mut threads = c.threads.unwrap_or(1);
        if threads == 0 {
            bail!("threads must be at least 1");
        }
        let cores = cores();
        if threads > cores {
            adjustments.push(format!(
                "threads {threads} is more than this machine's {cores} cores: using {cores} (more threads than cores only slow the prover down)"
            ));
            threads = cores;
        }
        let percent = |v: Option<f64>, default: f64, name: &str| -> anyhow::Result<f64> {
            let p = v.unwrap_or(default);
            if !(0.0..=100.0).contains(&p) {
                bail!("{name} {p} is outside 0..100");
            }
            Ok(p / 100.0)
        };
        let idle_share = percent(c.cpu_percent, 100.0, "cpu_percent")?;
        if idle_share == 0.0 {
            bail!("cpu_percent 0 would never run anything; stop the daemon instead");
        }
        let busy_share = match when {
            When::Idle => 0.0,
            When::Always => percent(c.busy_cpu_percent, 25.0, "busy_cpu_percent")?.min(idle_share),
        };
        let bootstrap = c
            .bootstrap
            .unwrap_or_default()
            .iter()
            .map(|a| a.parse::<Multiaddr>().with_context(|| format!("bootstrap address {a:?} is not a multiaddr (like /ip4/1.2.3.4/tcp/4001/p2p/12D3Koo...)")))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let listen_text = c.listen.unwrap_or_else(|| "/ip4/0.0.0.0/tcp/0".into());
        let listen = listen_text.parse().with_context(|| format!("listen address {listen_text:?} is not a multiaddr"))?;
        Ok(Settings {
            data_dir,
            projects: c.projects.unwrap_or_default(),
            role,
            threads,
            idle_share,
            busy_share,
            when,
            idle_cpu: parse_percent(c.idle_cpu.as_deref().unwrap_or("20%")).map_err(anyhow::Error::msg)?,
            busy_after: parse_duration(c.busy_after.as_deref().unwrap_or("10s")).map_err(anyhow::Error::msg)?,
            idle_after: parse_duration(c.idle_after.as_deref().unwrap_or("3m")).map_err(anyhow::Error::msg)?,
            hours: c.hours.as_deref().map(Hours::parse).transpose().map_err(anyhow::Error::msg)?,
            pause_on_battery: c.pause_on_battery.unwrap_or(true),
            max_memory: match c.max_memory.as_deref() {
                Some(text) => memory_cap(text)?,
                None => proofgrid_protocol::limits::DEFAULT_DONOR_MAX_MEMORY,
            },
            max_steps: c.max_steps.unwrap_or(1 << 22),
            bootstrap,
            listen,
            lie_about_results: false,
            adjustments,
        })
    }

    pub fn policy(&self) -> Policy {
        Policy { busy_share: self.busy_share, idle_share: self.idle_share, hours: self.hours, pause_on_battery: self.pause_on_battery }
    }
}

/// The cores this process may use (affinity and cgroup quotas included).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The least address space a worker needs at all: the program's own code, its thread stacks and
/// the smallest shard's proof (measured: see `proofgrid_prover::cost`). A cap below it would
/// only crash every worker, so it is refused when the settings are read.
pub const MIN_MAX_MEMORY: u64 = proofgrid_prover::cost::MIN_ADDRESS_SPACE;

fn memory_cap(text: &str) -> anyhow::Result<u64> {
    let bytes = parse_size(text).map_err(anyhow::Error::msg)?;
    if bytes < MIN_MAX_MEMORY {
        bail!(
            "max_memory {} is below the {} any worker needs (even the smallest shard's proof); use at least {}",
            show_size(bytes),
            show_size(MIN_MAX_MEMORY),
            show_size(MIN_MAX_MEMORY)
        );
    }
    Ok(bytes)
}

/// The data dir: `--data-dir` (or `PROOFGRID_NODE_DIR`) made absolute, else the platform's
/// (`~/.local/share/proofgrid/node` on Linux).
pub fn data_dir(flag: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    proofgrid_daemon::dirs::data_dir(proofgrid_daemon::dirs::Role::Node, flag.as_deref())
}

/// Which config file applies: `--config`, else the first of the candidates that exists (else
/// the first candidate, which then is simply absent). See the module doc.
pub fn config_path(data_dir: &Path, flag: Option<&Path>) -> anyhow::Result<(PathBuf, bool)> {
    if let Some(p) = flag {
        return Ok((proofgrid_daemon::dirs::absolute(p)?, true));
    }
    let mut candidates = Vec::new();
    let default_dir = proofgrid_daemon::dirs::default_data_dir(proofgrid_daemon::dirs::Role::Node).ok();
    if default_dir.as_deref() == Some(data_dir) {
        candidates.push(proofgrid_daemon::dirs::config_dir()?.join(CONFIG_FILE));
    }
    candidates.push(data_dir.join(CONFIG_FILE));
    let found = candidates.iter().find(|c| c.exists()).unwrap_or(&candidates[0]).clone();
    Ok((found, false))
}

/// The config file that applies (see [`config_path`]); a missing default file is no error.
pub fn load_file(data_dir: &Path, flag: Option<&Path>) -> anyhow::Result<FileConfig> {
    let (path, required) = config_path(data_dir, flag)?;
    FileConfig::load(&path, required)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_then_file_then_flags() {
        let file: FileConfig = toml::from_str("threads = 4\ncpu_percent = 50\nwhen = \"idle\"\nhours = \"22-07\"").unwrap();
        let flags = FileConfig { threads: Some(2), ..Default::default() };
        let s = Settings::resolve("/d".into(), file.overlay(flags)).unwrap();
        assert_eq!((s.threads, s.idle_share, s.busy_share, s.when), (2, 0.5, 0.0, When::Idle));
        assert_eq!(s.hours, Some(Hours::new(22, 7).unwrap()));
        assert_eq!(s.max_memory, 2 << 30);
        assert_eq!(s.idle_after, Duration::from_secs(180));
    }

    #[test]
    fn absurd_settings_are_capped_or_refused() {
        let s = Settings::resolve("/d".into(), FileConfig { threads: Some(100_000), ..Default::default() }).unwrap();
        assert_eq!(s.threads, cores());
        assert!(s.adjustments[0].contains("threads 100000"), "{:?}", s.adjustments);
        let err = Settings::resolve("/d".into(), FileConfig { max_memory: Some("80M".into()), ..Default::default() }).unwrap_err();
        assert!(err.to_string().contains("max_memory 80.0 MiB is below"), "{err}");
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        let err = toml::from_str::<FileConfig>("thread = 4").unwrap_err().to_string();
        assert!(err.contains("thread"), "{err}");
        let err = Settings::resolve("/d".into(), FileConfig { role: Some("boss".into()), ..Default::default() }).unwrap_err();
        assert!(err.to_string().contains("full, execute or prove"));
    }
}
