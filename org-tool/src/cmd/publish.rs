//! `org-tool publish` and `org-tool serve`: store a job (publish only), then run the org peer
//! that leases its shards, receives and verifies proofs, until stopped.

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use proofgrid_daemon::logging::LogHandle;
use proofgrid_protocol::limits::DEFAULT_DONOR_MAX_MEMORY;
use proofgrid_protocol::{identity, Multiaddr};

use super::{parse_duration, DataDir};
use crate::org::peer::{serve, ServeConfig};
use crate::org::publish::{publish, JobSpec};
use crate::org::store::Store;
use crate::org::{Org, Policy};

/// Publish a job: dry-run the program on the first shard, store the job and its shards, and serve
/// donors until stopped. Running it again with the same data dir resumes the job where it was.
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  org-tool publish cairo/programs/primes.cairo --shards cairo/programs/primes.shards.jsonl \\\n      \
--name primes --description \"count primes in ranges\" --bootstrap /ip4/10.0.0.1/tcp/4001/p2p/12D3KooW...\n  \
org-tool publish primes.json --shards s.jsonl --name primes --lease 5m --exit-when-done --addr-file org.addr\n  \
org-tool publish primes.json --shards s.jsonl --name primes --no-serve   (then: org-tool serve, e.g. as a service)\n\n\
The program is Cairo 0 source (.cairo, compiled now), compiled Cairo 0 JSON, or a Cairo 1 executable.\n\
Its output must begin with its arguments. Watch progress with `org-tool status` (or --live for the\n\
serving process), stop it with `org-tool stop` or Ctrl-C, read results with `org-tool results`.\n\
A publish that fails removes what it created (a new data dir, key or database).")]
pub struct PublishArgs {
    /// The program: .cairo source, compiled Cairo 0 JSON, or a Cairo 1 executable JSON.
    pub program: PathBuf,
    /// The shards: JSON Lines, one JSON array of arguments per line.
    #[arg(long)]
    pub shards: PathBuf,
    /// Project name shown to donors (at most 80 characters).
    #[arg(long)]
    pub name: String,
    /// What the computation is for, shown to donors.
    #[arg(long, default_value = "")]
    pub description: String,
    /// How long a donor holds a shard before it goes back to the pool: 90s, 10m, 1h.
    #[arg(long, default_value = "10m", value_parser = parse_duration)]
    pub lease: Duration,
    /// Step cap per shard, for the dry run and for donors.
    #[arg(long, default_value_t = 1 << 23)]
    pub max_steps: u64,
    /// Memory cap of the dry run, in Cairo memory cells.
    #[arg(long, default_value_t = 1 << 25)]
    pub max_memory_cells: u64,
    /// Refuse proofs with fewer conjectured security bits (0 accepts test-strength proofs).
    #[arg(long, default_value_t = 100)]
    pub min_security: u16,
    /// Which verified proofs to keep: all (for `org-tool verify JOB` audits), sample:N (one
    /// shard in N) or none (digests and outputs only). A proof is ~370 KB.
    #[arg(long, default_value = "all")]
    pub keep_proofs: crate::org::store::KeepProofs,
    /// Store the job and exit, without serving it (serve it later with `org-tool serve`).
    #[arg(long)]
    pub no_serve: bool,
    /// Internal: store the job and exit quietly (what a serving publish runs as a child).
    #[arg(long, hide = true)]
    pub store_only: bool,
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// Serve every job stored in the data dir again (after a stop), without publishing a new one.
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  org-tool serve --data-dir ./org-data --bootstrap /ip4/10.0.0.1/tcp/4001/p2p/12D3KooW...\n\n\
`org-tool publish` with the same arguments does the same and also re-checks the program.\n\
Stop it with `org-tool stop` (or Ctrl-C, SIGTERM); SIGHUP only reopens --log-file.")]
pub struct ServeOnlyArgs {
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub data: DataDir,
    /// Bootstrap peer(s), each ending in /p2p/<peer id>.
    #[arg(long)]
    pub bootstrap: Vec<Multiaddr>,
    /// Where the org peer listens.
    #[arg(long, default_value = "/ip4/0.0.0.0/tcp/0")]
    pub listen: Vec<Multiaddr>,
    /// Write the org's full /p2p/ address to this file once it listens.
    #[arg(long)]
    pub addr_file: Option<PathBuf>,
    /// Stop once every shard of every job here is verified (exit 0) or failed (exit 1 if any
    /// failed); a Ctrl-C or SIGTERM before that exits 130 or 143 (for scripts).
    #[arg(long)]
    pub exit_when_done: bool,
    /// Threads verifying proofs at once.
    #[arg(long, default_value_t = 1)]
    pub verify_threads: usize,
    /// Most shards one donor may hold leased at once per job, once a proof of it has verified
    /// (until then a donor holds one).
    #[arg(long, default_value_t = 4)]
    pub max_leases_per_peer: u64,
    /// Most shards the donors of one network (an IPv4 /24, an IPv6 /48) hold leased at once per
    /// job while none of them has a verified proof: a swarm of fresh peer ids from one place
    /// shares these. Raise it for many new donors behind one address (a lab, a local testnet).
    #[arg(long, default_value_t = 8)]
    pub unproven_leases_per_ip_prefix: u64,
    /// Submissions queued for verification at once; beyond it donors are asked to retry later.
    #[arg(long, default_value_t = 1024)]
    pub verify_queue: usize,
    /// MiB of proofs and traces being received at once, over all donors: the most that
    /// incoming submissions can make the org hold in memory before they are checked (each
    /// donor may send two at a time). Donors beyond it are told to retry. 64 to 65536.
    #[arg(long, default_value_t = 512, value_name = "MIB", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(64..=65536))]
    pub receive_budget_mib: usize,
    /// How often to re-announce open jobs on gossip.
    #[arg(long, default_value = "30s", value_parser = parse_duration, hide = true)]
    pub announce_every: Duration,
    /// With --exit-when-done: how long to keep answering verdict queries after the last proof.
    #[arg(long, default_value = "3s", value_parser = parse_duration, hide = true)]
    pub linger: Duration,
}

pub fn run_publish(cli: PublishArgs, log: LogHandle) -> anyhow::Result<()> {
    let dir = cli.serve.data.path()?;
    if !cli.no_serve && !cli.store_only {
        // Writing a million shards leaves sled and the allocator holding gigabytes that serving
        // never needs (measured: 5 GiB at 10^6 shards, where `serve` alone holds 30 MiB, and
        // closing the database in-process gives back only a third). So the storing runs in a
        // child process, whose memory ends with it, and this process serves.
        store_in_child()?;
        let store = Store::open(&dir)?;
        let key = identity::load_or_create(&dir)?;
        return start(store, key, cli.serve, log);
    }
    let before = entries(&dir);
    let result = publish_job(&cli, &dir);
    if let Err(e) = result {
        undo(&dir, before.as_ref());
        return Err(e);
    }
    if cli.no_serve {
        eprintln!("not serving (--no-serve): serve it with `org-tool serve --data-dir {}`", dir.display());
    }
    Ok(())
}

/// Runs this same command with `--store-only` and waits for it; its output (the dry run, the
/// progress bars, an error) goes where ours goes. A failure exits with its status, since the
/// child has said what went wrong.
fn store_in_child() -> anyhow::Result<()> {
    let exe = std::env::current_exe().context("cannot find this org-tool's own executable")?;
    let status = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .arg("--store-only")
        .status()
        .context("cannot run the storing step")?;
    if !status.success() {
        std::process::exit(status.code().unwrap_or(1));
    }
    Ok(())
}

/// Stores the job (or finds it stored); says what it published and warns about shards too big
/// for most donors.
fn publish_job(cli: &PublishArgs, dir: &Path) -> anyhow::Result<(Store, proofgrid_protocol::Keypair)> {
    let store = Store::open(dir)?;
    let key = identity::load_or_create(dir)?;
    let me = key.public().to_peer_id();
    let spec = JobSpec {
        program: &cli.program,
        shards: &cli.shards,
        name: &cli.name,
        description: &cli.description,
        lease_secs: cli.lease.as_secs(),
        max_steps: cli.max_steps,
        max_memory_cells: cli.max_memory_cells,
        min_security: cli.min_security,
        keep_proofs: cli.keep_proofs,
    };
    let published = publish(&store, &me, &spec)?;
    let job = &published.job;
    eprintln!(
        "{} job {} \"{}\": {} shards, ~{} steps and about {} of memory each (an estimate); dry run output {}",
        if published.new { "published" } else { "resuming" },
        job.id,
        job.name,
        job.shards_total,
        job.est_steps,
        show_size(job.est_memory),
        published.dry_run_output.join(" ")
    );
    if job.est_memory > DEFAULT_DONOR_MAX_MEMORY {
        tracing::warn!(
            "each shard needs about {} to prove (an estimate, from the first shard), more than the {} donors allow by default: \
             only donors who raised their max_memory will take them; smaller shards (fewer steps each) reach every donor",
            show_size(job.est_memory),
            show_size(DEFAULT_DONOR_MAX_MEMORY)
        );
    }
    Ok((store, key))
}

/// The names in `dir`, or `None` if it does not exist.
fn entries(dir: &Path) -> Option<HashSet<OsString>> {
    std::fs::read_dir(dir).ok().map(|r| r.flatten().map(|e| e.file_name()).collect())
}

/// A publish failed: remove what it created (the data dir itself if it was new; else the key,
/// database and other files that were not there), so a retry starts as clean as the first try.
fn undo(dir: &Path, before: Option<&HashSet<OsString>>) {
    let removed = match before {
        None => std::fs::remove_dir_all(dir).map(|_| vec![dir.display().to_string()]),
        Some(before) => {
            let mut gone = Vec::new();
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                if !before.contains(&entry.file_name()) {
                    let path = entry.path();
                    let r = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
                    if r.is_ok() {
                        gone.push(path.display().to_string());
                    }
                }
            }
            Ok(gone)
        }
    };
    match removed {
        Ok(gone) if !gone.is_empty() => tracing::info!("removed what this publish created: {}", gone.join(", ")),
        Ok(_) => {}
        Err(e) => tracing::warn!("could not remove what this publish created in {}: {e}", dir.display()),
    }
}

/// Bytes as `1.5 GiB`.
pub fn show_size(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= (1u64 << 30) as f64 {
        format!("{:.1} GiB", b / (1u64 << 30) as f64)
    } else {
        format!("{:.0} MiB", b / (1u64 << 20) as f64)
    }
}

pub fn run_serve(cli: ServeOnlyArgs, log: LogHandle) -> anyhow::Result<()> {
    let dir = cli.serve.data.path()?;
    if !dir.exists() {
        bail!("no org data in {}; publish a job first (org-tool publish --help)", dir.display());
    }
    let store = Store::open(&dir)?;
    if store.all_jobs()?.is_empty() {
        bail!("no jobs in {}; publish one first (org-tool publish --help)", dir.display());
    }
    let key = identity::load_or_create(&dir)?;
    start(store, key, cli.serve, log)
}

/// A thousand donors are a thousand connections: lift the soft open-file limit to the hard one
/// (Linux defaults to 1024 soft), as servers do.
fn raise_open_file_limit() {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: plain syscalls on a local struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

fn start(store: Store, key: proofgrid_protocol::Keypair, args: ServeArgs, log: LogHandle) -> anyhow::Result<()> {
    raise_open_file_limit();
    let policy = Policy {
        max_leases_per_peer: args.max_leases_per_peer.max(1),
        unproven_leases_per_prefix: args.unproven_leases_per_ip_prefix.max(1),
        verify_queue: args.verify_queue.max(1),
        ..Policy::default()
    };
    let org = Arc::new(Org::new(store, key, policy));
    let config = ServeConfig {
        data_dir: args.data.path()?,
        log,
        listen: args.listen,
        bootstrap: args.bootstrap,
        addr_file: args.addr_file,
        announce_every: args.announce_every.max(Duration::from_secs(1)),
        exit_when_done: args.exit_when_done,
        linger: args.linger,
        verify_threads: args.verify_threads,
        receive_budget: args.receive_budget_mib << 20,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(org, config))
}
