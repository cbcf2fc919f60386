//! `org-tool status`: where each job stands.

use proofgrid_daemon::links::Link;

use super::{call, DataDir};
use crate::org::report::{self, JobReport};

/// Show each job's shards (open, leased, executed, proven), rejections, donors, throughput and
/// time to finish. Works while the org is serving (it reads the org's live status file); with
/// --live, asks the serving org itself, and also shows its peer id, addresses and bootstrap
/// connectivity.
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  org-tool status\n  org-tool status primes --data-dir ./org-data\n  org-tool status 3fa2c1 --json\n  \
org-tool status --live\n  org-tool status --live --json | jq .bootstrap\n\n\
Exit status with --live: 0 an org is serving the data dir, 3 none is, 1 an error.")]
pub struct StatusArgs {
    /// A job's name or id (or the first characters of its id); all jobs when omitted.
    pub job: Option<String>,
    #[command(flatten)]
    pub data: DataDir,
    /// Print JSON instead of text (an array of jobs, or one job when JOB is given; with --live,
    /// one object: {"running", "pid", "peer_id", "listen_addrs", "bootstrap", "jobs", ...}).
    #[arg(long)]
    pub json: bool,
    /// Ask the serving org (publish or serve) over its control socket; exit 3 if none serves.
    #[arg(long)]
    pub live: bool,
}

pub fn run(cli: StatusArgs) -> anyhow::Result<()> {
    if cli.live {
        return live(&cli);
    }
    let (jobs, note) = report::load(&cli.data.path()?, false)?;
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

fn live(cli: &StatusArgs) -> anyhow::Result<()> {
    let dir = cli.data.path()?;
    let mut v = match call(&dir, "status", serde_json::Value::Null) {
        Ok(v) => v,
        Err(e) => {
            if cli.json && e.downcast_ref::<super::NotServing>().is_some() {
                println!("{}", serde_json::json!({ "running": false }));
            }
            return Err(e);
        }
    };
    // The socket leaves each job's results out (they can be many): `results` reads them.
    let mut listed = v["jobs"].take();
    for job in listed.as_array_mut().into_iter().flatten() {
        job["results"] = serde_json::json!([]);
    }
    let jobs: Vec<JobReport> = serde_json::from_value(listed).map_err(|e| anyhow::anyhow!("the org's status is not what this org-tool reads: {e}"))?;
    let selected: Vec<&JobReport> = match &cli.job {
        Some(key) => vec![report::find(&jobs, key)?],
        None => jobs.iter().collect(),
    };
    if cli.json {
        v["running"] = serde_json::json!(true);
        let stripped: Vec<serde_json::Value> = selected
            .iter()
            .map(|j| {
                let mut job = serde_json::to_value(j).unwrap_or_default();
                job.as_object_mut().map(|o| o.remove("results"));
                job
            })
            .collect();
        v["jobs"] = serde_json::Value::Array(stripped);
        println!("{v}");
        return Ok(());
    }
    let since = crate::org::now().saturating_sub(v["started_at"].as_u64().unwrap_or(0));
    println!("org-tool {} serving for {}s, peer id {}", v["pid"], since, v["peer_id"].as_str().unwrap_or("?"));
    for a in v["listen_addrs"].as_array().into_iter().flatten() {
        println!("  listening    {}", a.as_str().unwrap_or_default());
    }
    let links: Vec<Link> = serde_json::from_value(v["bootstrap"].clone()).unwrap_or_default();
    if links.is_empty() {
        println!("  bootstrap    none (donors must dial this org themselves)");
    }
    for l in &links {
        let state = match (l.connected, &l.last_error) {
            (true, _) => "connected".to_string(),
            (false, Some(e)) if l.failures > 0 => format!("NOT REACHABLE: {e} ({} failures in a row)", l.failures),
            _ => "not connected yet".to_string(),
        };
        println!("  bootstrap    {} {state}", l.label);
    }
    println!("  data dir     {}", v["data_dir"].as_str().unwrap_or_default());
    let health: crate::org::Health = serde_json::from_value(v["health"].clone()).unwrap_or_default();
    println!("  verify queue {} submission(s)", health.verify_queue);
    if health.storage_errors > 0 {
        println!(
            "  STORAGE      {} write error(s), retried; the last: {} (check the disk: space, permissions)",
            health.storage_errors,
            health.last_storage_error.as_deref().unwrap_or("?")
        );
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
