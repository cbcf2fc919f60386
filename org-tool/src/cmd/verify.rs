//! `org-tool verify`: checks one proof file of one shard (`verify PROGRAM --args .. --proof FILE`),
//! or audits a job (`verify JOB`): re-verifies every proof the org stored for it, offline.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use proofgrid_cairo::{args, Program};
use proofgrid_prover::{verify_for, CairoProof};

use super::DataDir;
use crate::org::encoding::args_from_bytes;
use crate::org::report;
use crate::org::store::{ProofRecord, Store, StoredVerdict};
use crate::org::verifier::verify_bytes;

/// Verify a proof file that PROGRAM ran on the given arguments (with --proof), or audit a
/// published job (without --proof): re-verify every stored proof and report any that fail.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  org-tool verify cairo/programs/primes.json --args 2 1000 --proof primes.proof\n  \
org-tool verify cairo/programs/primes.json --args 2 1000 --proof primes.proof --min-security 100 --json\n  \
org-tool verify primes --data-dir ./org-data          (audit the job named primes)\n  \
org-tool verify 3fa2c1 --json                        (audit by job id prefix)\n\n\
Exits non-zero and names the failed check when a proof is rejected. An audit needs the data dir\n\
to itself: run it when the org is not serving.",
    allow_negative_numbers = true
)]
pub struct VerifyArgs {
    /// With --proof: the job's program (.cairo, Cairo 0 JSON or Cairo 1 executable JSON).
    /// Without: a job's name or id, to audit.
    pub target: String,
    /// The shard's arguments the proof must be about (with --proof).
    #[arg(long, num_args = 1..)]
    pub args: Vec<String>,
    /// The proof file (from `node prove` or a donor).
    #[arg(long)]
    pub proof: Option<PathBuf>,
    /// Refuse proofs with fewer conjectured security bits (a proof file check; an audit uses
    /// the job's own minimum).
    #[arg(long, default_value_t = 100)]
    pub min_security: u32,
    #[command(flatten)]
    pub data: DataDir,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(cli: VerifyArgs) -> anyhow::Result<()> {
    match &cli.proof {
        Some(proof) => verify_file(&cli, proof),
        None if !cli.args.is_empty() => bail!("--args is for checking a proof file: add --proof FILE (or drop --args to audit a job)"),
        None => audit(&cli),
    }
}

fn verify_file(cli: &VerifyArgs, proof_path: &Path) -> anyhow::Result<()> {
    let program = Program::load(Path::new(&cli.target))?;
    let felts = args::parse(&cli.args)?;
    let bytes = std::fs::read(proof_path).with_context(|| format!("cannot read the proof {}", proof_path.display()))?;
    // A rejection is an answer, not a failure to answer: with --json it is a JSON object too.
    let reject = |reason: String| -> anyhow::Error {
        if cli.json {
            println!("{}", serde_json::json!({ "verified": false, "reason": reason, "proof": proof_path.display().to_string() }));
        }
        anyhow::anyhow!("proof REJECTED: {reason}")
    };
    let proof = CairoProof::from_bytes(&bytes).map_err(|e| reject(format!("{} is not a usable proof: {e}", proof_path.display())))?;
    let output = verify_for(&program.identity(), &felts, &proof, cli.min_security).map_err(|e| reject(e.to_string()))?;
    let output = args::to_decimal(&output);
    if cli.json {
        println!(
            "{}",
            serde_json::json!({
                "verified": true,
                "output": output,
                "result": &output[felts.len()..],
                "security_bits": proof.stark.options.security_bits(),
            })
        );
    } else {
        println!("verified       yes ({} bits)", proof.stark.options.security_bits());
        println!("output         {}", output.join(" "));
        println!("result         {}", output[felts.len()..].join(" "));
    }
    Ok(())
}

#[derive(serde::Serialize)]
struct Finding {
    shard: u32,
    peer: String,
    recorded: String,
    now: String,
}

fn audit(cli: &VerifyArgs) -> anyhow::Result<()> {
    let dir = cli.data.path()?;
    if !dir.exists() {
        bail!("{:?} is not a proof file check (no --proof) and {} holds no org data to audit", cli.target, dir.display());
    }
    let store = Store::open(&dir).context("an audit reads the org database")?;
    let mut jobs = Vec::new();
    for job in store.all_jobs()? {
        jobs.extend(report::job_report(&store, &job.id, crate::org::now(), true)?);
    }
    let found = report::find(&jobs, &cli.target)?;
    let job = store.job(&proofgrid_protocol::JobId::from_hex(&found.job)?)?.context("job vanished")?;
    let identity = job.program_identity();
    // The stored program must still be the one the job names.
    let program_ok = match store.programs.get(job.program_hash)? {
        Some(bytes) => Program::from_json(&bytes, Path::new("stored program"))?.identity() == identity,
        None => false,
    };
    let mut checked = 0;
    let mut bad = Vec::new();
    let mut proven_with_proof = std::collections::BTreeSet::new();
    for (shard, peer, p) in Store::per_peer::<ProofRecord>(&store.proofs, "proofs", &job.id)? {
        let shard_rec = store.shard(&job.id, shard)?.context("a proof names a shard that does not exist")?;
        let args = args_from_bytes(&shard_rec.args).map_err(anyhow::Error::msg)?;
        let outcome = verify_bytes(&p.bytes, &identity, &args, job.min_security as u32);
        checked += 1;
        let recorded = match &p.verdict {
            StoredVerdict::Verified => "verified".to_string(),
            StoredVerdict::Pending => "pending".to_string(),
            StoredVerdict::Rejected(w) => format!("rejected: {w}"),
            StoredVerdict::Abandoned(w) => format!("abandoned: {w}"),
        };
        match (&p.verdict, outcome) {
            (StoredVerdict::Verified, Ok(output)) => {
                let stored = found.results.iter().find(|r| r.shard == shard);
                if stored.is_some_and(|r| r.output == args::to_decimal(&output)) {
                    proven_with_proof.insert(shard);
                } else if stored.is_some() {
                    bad.push(Finding { shard, peer, recorded, now: "verifies, but the stored result differs from the proven output".into() });
                }
            }
            (StoredVerdict::Rejected(_), Err(_)) => {}
            (StoredVerdict::Pending, Ok(_)) => {}
            (_, Ok(_)) => bad.push(Finding { shard, peer, recorded, now: "verifies".into() }),
            (_, Err(why)) => bad.push(Finding { shard, peer, recorded, now: format!("FAILS: {why}") }),
        }
    }
    for r in &found.results {
        if !proven_with_proof.contains(&r.shard) {
            bad.push(Finding {
                shard: r.shard,
                peer: r.prover.clone(),
                recorded: "proven".into(),
                now: "no stored proof backs this result".into(),
            });
        }
    }
    if !program_ok {
        bad.push(Finding { shard: 0, peer: String::new(), recorded: "program".into(), now: "the stored program does not hash to the job's program hash".into() });
    }
    if cli.json {
        println!(
            "{}",
            serde_json::json!({ "job": found.job, "name": found.name, "proofs_checked": checked,
                "results": found.results.len(), "ok": bad.is_empty(), "problems": bad })
        );
    } else {
        println!("audit of {} ({}): {} stored proofs re-verified, {} results", found.name, &found.job[..12], checked, found.results.len());
        for f in &bad {
            println!("  shard {} from {}: recorded {}, now {}", f.shard, f.peer, f.recorded, f.now);
        }
        if bad.is_empty() {
            println!("  every verdict stands and every result is backed by a proof");
        }
    }
    if !bad.is_empty() {
        bail!("the audit found {} problem(s)", bad.len());
    }
    Ok(())
}
