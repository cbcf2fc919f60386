//! `org-tool status`: where each job stands.

use super::DataDir;
use crate::org::report::{self, JobReport};

/// Show each job's shards (open, leased, executed, proven), rejections, donors, throughput and
/// time to finish. Works while the org is serving (it reads the org's live status file).
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  org-tool status\n  org-tool status primes --data-dir ./org-data\n  org-tool status 3fa2c1 --json")]
pub struct StatusArgs {
    /// A job's name or id (or the first characters of its id); all jobs when omitted.
    pub job: Option<String>,
    #[command(flatten)]
    pub data: DataDir,
    /// Print JSON instead of text (an array of jobs, or one job when JOB is given).
    #[arg(long)]
    pub json: bool,
}

pub fn run(cli: StatusArgs) -> anyhow::Result<()> {
    let (jobs, note) = report::load(&cli.data.path(), false)?;
    let selected: Vec<&JobReport> = match &cli.job {
        Some(key) => vec![report::find(&jobs, key)?],
        None => jobs.iter().collect(),
    };
    if cli.json {
        let strip = |j: &JobReport| {
            let mut v = serde_json::to_value(j).expect("reports serialise");
            v.as_object_mut().expect("an object").remove("results");
            v
        };
        let value = match cli.job {
            Some(_) => strip(selected[0]),
            None => serde_json::Value::Array(selected.into_iter().map(strip).collect()),
        };
        println!("{value}");
        return Ok(());
    }
    if let Some(note) = note {
        println!("({note})");
    }
    if selected.is_empty() {
        println!("no jobs yet; publish one with org-tool publish");
    }
    for j in selected {
        print_job(j);
    }
    Ok(())
}

fn print_job(j: &JobReport) {
    let c = &j.counts;
    println!("{}  {}", j.name, j.job);
    if !j.description.is_empty() {
        println!("  {}", j.description);
    }
    println!("  program      {} ({})", j.program, &j.program_hash);
    println!(
        "  shards       {} total: {} proven, {} leased, {} executed (awaiting a prover), {} open{}",
        j.shards_total,
        c.proven,
        c.leased,
        c.executed,
        c.open,
        if c.failed > 0 { format!(", {} failed", c.failed) } else { String::new() }
    );
    for f in &j.failed {
        println!("    shard {} ({}) failed: {}", f.shard, f.args.join(" "), f.reason);
    }
    println!(
        "  submissions  {} awaiting verification, {} proofs rejected, {} bad traces",
        j.pending_verification, j.rejected_proofs, j.bad_traces
    );
    println!("  donors       {} seen", j.donors.len());
    for d in &j.donors {
        println!(
            "    {}  {} leases, {} verified, {} rejected, {} traces ({} bad)",
            d.peer, d.leases, d.proofs_verified, d.proofs_rejected, d.traces_accepted + d.traces_bad, d.traces_bad
        );
        for why in d.last_rejections.iter().rev().take(3) {
            println!("      {why}");
        }
    }
    match (j.shards_per_minute, j.eta_secs) {
        (_, Some(0)) => println!("  done         every shard is proven"),
        _ if c.open + c.leased + c.executed == 0 => println!("  done         every shard is proven or failed"),
        (Some(rate), Some(eta)) => println!("  throughput   {rate:.2} shards/min; about {} left", human(eta)),
        _ => println!("  throughput   no proofs yet"),
    }
}

fn human(secs: u64) -> String {
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s => format!("{:.1}h", s as f64 / 3600.0),
    }
}
