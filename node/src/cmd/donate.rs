//! `node donate`: start the donor daemon in the foreground.

use std::path::PathBuf;

use anyhow::Context;
use proofgrid_daemon::logging::LogHandle;
use proofgrid_node::config::{self, FileConfig, Settings};
use proofgrid_node::daemon::live::ConfigSource;

/// Donate this machine's spare CPU to proofgrid jobs: claim shards, run and prove them in a
/// capped, throttled worker process, and deliver the proofs.
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  \
node donate --bootstrap /ip4/203.0.113.7/tcp/4001/p2p/12D3KooW... --threads 2 --cpu-percent 50\n  \
node donate --project primes --when idle --idle-cpu 20% --idle-after 3m --hours 22-07\n  \
node donate --role execute --max-memory 1G --data-dir /var/lib/proofgrid/node\n\n\
Every flag can live in the config file (default: ~/.config/proofgrid/node.toml, or node.toml in\n\
the --data-dir), for example:\n  \
threads = 2\n  cpu_percent = 100\n  busy_cpu_percent = 25\n  when = \"always\"\n  idle_cpu = \"20%\"\n  \
idle_after = \"3m\"\n  hours = \"22-07\"\n  max_memory = \"2G\"\n  bootstrap = [\"/ip4/203.0.113.7/tcp/4001/p2p/12D3KooW...\"]\n\n\
Check on it with `node status`; `node pause`, `node resume`, `node set KEY VALUE` change it live;\n\
stop it with `node stop`, Ctrl-C or SIGTERM: work resumes where it was. SIGHUP re-reads the config\n\
file (and reopens --log-file). To run it as a service, see contrib/systemd/ in the repository.")]
pub struct DonateArgs {
    /// Help only these projects: a job id (or a prefix of 16+ hex digits), NAME@ORG-PEER-ID, or a
    /// name only one org uses (two orgs using a name make it ambiguous: neither is taken); repeatable.
    /// Default: every open job.
    #[arg(long = "project", value_name = "JOB|NAME@ORG|NAME")]
    pub projects: Vec<String>,
    /// Worker threads, at most the machine's cores [default: 1].
    #[arg(long)]
    pub threads: Option<usize>,
    /// Share of the worker threads' CPU to use while the machine is idle, percent [default: 100].
    #[arg(long, value_name = "P")]
    pub cpu_percent: Option<f64>,
    /// Share while you use the machine (with --when always), percent; 0 pauses [default: 25].
    #[arg(long, value_name = "P")]
    pub busy_cpu_percent: Option<f64>,
    /// Worker memory cap (address space); shards declared larger are refused [default: 2G].
    #[arg(long, value_name = "SIZE")]
    pub max_memory: Option<String>,
    /// Cairo steps per shard at most; larger shards are refused [default: 4194304].
    #[arg(long, value_name = "N")]
    pub max_steps: Option<u64>,
    /// always: run all the time (at the busy share while you use the machine); idle: only when
    /// the machine is idle [default: always].
    #[arg(long, value_parser = ["always", "idle"])]
    pub when: Option<String>,
    /// Other processes' CPU above this means you are using the machine [default: 20%].
    #[arg(long, value_name = "PERCENT")]
    pub idle_cpu: Option<String>,
    /// ... once it stayed above that long [default: 10s].
    #[arg(long, value_name = "DURATION")]
    pub busy_after: Option<String>,
    /// Idle again only after the load stayed below that long [default: 3m].
    #[arg(long, value_name = "DURATION")]
    pub idle_after: Option<String>,
    /// Only run in this local time window, START-END in hours (wraps midnight).
    #[arg(long, value_name = "START-END")]
    pub hours: Option<String>,
    /// Keep running on battery power (default: pause on battery).
    #[arg(long)]
    pub on_battery: bool,
    /// full: execute and prove; execute: run the VM and send traces; prove: prove others' traces.
    #[arg(long, value_parser = ["full", "execute", "prove"])]
    pub role: Option<String>,
    /// Bootstrap peer, ending in /p2p/<peer id>; repeatable.
    #[arg(long, value_name = "MULTIADDR")]
    pub bootstrap: Vec<String>,
    /// Address to listen on [default: /ip4/0.0.0.0/tcp/0].
    #[arg(long, value_name = "MULTIADDR")]
    pub listen: Option<String>,
    /// State, identity and status directory [default: the platform's, ~/.local/share/proofgrid/node].
    #[arg(long, value_name = "DIR", env = "PROOFGRID_NODE_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Config file [default: ~/.config/proofgrid/node.toml, or node.toml in --data-dir].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Fault injection for proofgrid's own end-to-end tests: submit proofs whose claimed result
    /// is one more than the proven one, so the org's rejection path meets a real donor.
    #[arg(long, hide = true)]
    pub fault_lie_about_results: bool,
}

impl DonateArgs {
    fn overrides(&self) -> FileConfig {
        let list = |v: &Vec<String>| (!v.is_empty()).then(|| v.clone());
        FileConfig {
            projects: list(&self.projects),
            role: self.role.clone(),
            threads: self.threads,
            cpu_percent: self.cpu_percent,
            busy_cpu_percent: self.busy_cpu_percent,
            when: self.when.clone(),
            idle_cpu: self.idle_cpu.clone(),
            busy_after: self.busy_after.clone(),
            idle_after: self.idle_after.clone(),
            hours: self.hours.clone(),
            pause_on_battery: self.on_battery.then_some(false),
            max_memory: self.max_memory.clone(),
            max_steps: self.max_steps,
            bootstrap: list(&self.bootstrap),
            listen: self.listen.clone(),
        }
    }

    /// The settings, and what a reload needs: the effective config (file under flags) and
    /// where it came from.
    pub fn settings(&self) -> anyhow::Result<(Settings, FileConfig, ConfigSource)> {
        let data_dir = config::data_dir(self.data_dir.clone())?;
        let (path, required) = config::config_path(&data_dir, self.config.as_deref())?;
        let file = FileConfig::load(&path, required)?;
        let flags = self.overrides();
        let effective = file.overlay(flags.clone());
        let mut settings = Settings::resolve(data_dir, effective.clone())?;
        settings.lie_about_results = self.fault_lie_about_results;
        if settings.lie_about_results {
            tracing::warn!("fault injection on: every proof this node submits claims a wrong result");
        }
        let source = ConfigSource { path, required, flags, lie_about_results: settings.lie_about_results };
        Ok((settings, effective, source))
    }
}

pub fn run(args: DonateArgs, log: LogHandle) -> anyhow::Result<()> {
    let (settings, effective, source) = args.settings()?;
    if settings.bootstrap.is_empty() {
        tracing::warn!("no bootstrap peer configured (--bootstrap or `bootstrap` in the config): this node will only hear of jobs announced by peers that reach it");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(proofgrid_node::daemon::run(settings, effective, source, log))
}
