//! `org-tool publish` and `org-tool serve`: store a job (publish only), then run the org peer
//! that leases its shards, receives and verifies proofs, until stopped.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
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
org-tool publish primes.json --shards s.jsonl --name primes --lease 5m --exit-when-done --addr-file org.addr\n\n\
The program is Cairo 0 source (.cairo, compiled now), compiled Cairo 0 JSON, or a Cairo 1 executable.\n\
Its output must begin with its arguments. Watch progress with `org-tool status`, read results with `org-tool results`.")]
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
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// Serve every job stored in the data dir again (after a stop), without publishing a new one.
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  org-tool serve --data-dir ./org-data --bootstrap /ip4/10.0.0.1/tcp/4001/p2p/12D3KooW...\n\n\
`org-tool publish` with the same arguments does the same and also re-checks the program.")]
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
    /// How often to re-announce open jobs on gossip.
    #[arg(long, default_value = "30s", value_parser = parse_duration, hide = true)]
    pub announce_every: Duration,
    /// With --exit-when-done: how long to keep answering verdict queries after the last proof.
    #[arg(long, default_value = "3s", value_parser = parse_duration, hide = true)]
    pub linger: Duration,
}

pub fn run_publish(cli: PublishArgs) -> anyhow::Result<()> {
    let dir = cli.serve.data.path();
    let store = Store::open(&dir)?;
    let me = identity::load_or_create(&dir)?.public().to_peer_id();
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
        "{} job {} \"{}\": {} shards, ~{} steps each; dry run output {}",
        if published.new { "published" } else { "resuming" },
        job.id,
        job.name,
        job.shards_total,
        job.est_steps,
        published.dry_run_output.join(" ")
    );
    start(store, me, cli.serve)
}

pub fn run_serve(cli: ServeOnlyArgs) -> anyhow::Result<()> {
    let dir = cli.serve.data.path();
    if !dir.exists() {
        bail!("no org data in {}; publish a job first (org-tool publish --help)", dir.display());
    }
    let store = Store::open(&dir)?;
    if store.all_jobs()?.is_empty() {
        bail!("no jobs in {}; publish one first (org-tool publish --help)", dir.display());
    }
    let me = identity::load_or_create(&dir)?.public().to_peer_id();
    start(store, me, cli.serve)
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

fn start(store: Store, me: proofgrid_protocol::PeerId, args: ServeArgs) -> anyhow::Result<()> {
    raise_open_file_limit();
    let policy = Policy {
        max_leases_per_peer: args.max_leases_per_peer.max(1),
        unproven_leases_per_prefix: args.unproven_leases_per_ip_prefix.max(1),
        verify_queue: args.verify_queue.max(1),
        ..Policy::default()
    };
    let org = Arc::new(Org::new(store, me, policy));
    let config = ServeConfig {
        data_dir: args.data.path(),
        listen: args.listen,
        bootstrap: args.bootstrap,
        addr_file: args.addr_file,
        announce_every: args.announce_every.max(Duration::from_secs(1)),
        exit_when_done: args.exit_when_done,
        linger: args.linger,
        verify_threads: args.verify_threads,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(org, config))
}
