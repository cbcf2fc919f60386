//! `org-tool results`: every proven shard's args and output, and the aggregate.

use std::io::Write;
use std::process::{Command, Stdio};

use anyhow::Context;

use super::DataDir;
use crate::org::aggregate::{reduce, Reduce};
use crate::org::report;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

/// Print every proven shard's arguments and result (the output after the echoed arguments), and
/// an aggregate. Only outputs read from verified proofs are shown.
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  org-tool results primes --reduce sum\n  org-tool results primes --format csv > primes.csv\n  \
org-tool results primes --format json --reduce max\n  org-tool results primes --plot primes.svg\n  org-tool results primes --pipe 'jq -s \"map(.result[0] | tonumber) | add\"'\n\n\
--pipe runs the command with sh -c and writes one JSON object per proven shard to its stdin\n\
({\"shard\", \"args\", \"output\", \"result\", \"prover\"}); its output is passed through and its exit status returned.")]
pub struct ResultsArgs {
    /// A job's name or id (or the first characters of its id).
    pub job: String,
    #[command(flatten)]
    pub data: DataDir,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Combine the results column by column (concat: all values in shard order).
    #[arg(long, value_enum)]
    pub reduce: Option<Reduce>,
    /// Feed the results as JSON lines to this shell command instead of printing them.
    #[arg(long)]
    pub pipe: Option<String>,
    /// Also draw the results and progress over time to this SVG file.
    #[arg(long)]
    pub plot: Option<std::path::PathBuf>,
}

pub fn run(cli: ResultsArgs) -> anyhow::Result<()> {
    let (jobs, _) = report::load(&cli.data.path()?, true)?;
    let job = report::find(&jobs, &cli.job)?;
    let mut results = job.results.clone();
    results.sort_by_key(|r| r.shard);
    let aggregate = match cli.reduce {
        Some(how) => Some(reduce(&results, how).map_err(anyhow::Error::msg)?),
        None => None,
    };
    if let Some(path) = &cli.plot {
        crate::org::plot::plot(path, job)?;
        eprintln!("plot written to {}", path.display());
    }
    if let Some(cmd) = &cli.pipe {
        return pipe(cmd, &results);
    }
    match cli.format {
        Format::Json => {
            let mut v = serde_json::json!({
                "job": job.job, "name": job.name, "shards_total": job.shards_total,
                "proven": results.len(), "results": results, "failed": job.failed,
            });
            if let (Some(how), Some(agg)) = (cli.reduce, &aggregate) {
                v["aggregate"] = serde_json::json!({ "reduce": format!("{how:?}").to_lowercase(), "value": agg });
            }
            println!("{v}");
        }
        Format::Csv => {
            let width = results.iter().map(|r| r.result.len()).max().unwrap_or(0);
            let args_width = results.iter().map(|r| r.args.len()).max().unwrap_or(0);
            let mut header = vec!["shard".to_string()];
            header.extend((0..args_width).map(|i| format!("arg{i}")));
            header.extend((0..width).map(|i| format!("result{i}")));
            println!("{}", header.join(","));
            for r in &results {
                let mut row = vec![r.shard.to_string()];
                row.extend((0..args_width).map(|i| r.args.get(i).cloned().unwrap_or_default()));
                row.extend((0..width).map(|i| r.result.get(i).cloned().unwrap_or_default()));
                println!("{}", row.join(","));
            }
            if let Some(agg) = &aggregate {
                let mut row = vec!["aggregate".to_string()];
                row.extend((0..args_width).map(|_| String::new()));
                row.extend(agg.iter().cloned());
                println!("{}", row.join(","));
            }
        }
        Format::Table => {
            println!("{} ({}): {}/{} shards proven", job.name, &job.job[..12], results.len(), job.shards_total);
            println!("{:>6}  {:<30}  result", "shard", "args");
            for r in &results {
                println!("{:>6}  {:<30}  {}", r.shard, r.args.join(" "), r.result.join(" "));
            }
            if let (Some(how), Some(agg)) = (cli.reduce, &aggregate) {
                println!("{:>6}  {:<30}  {}", format!("{how:?}").to_lowercase(), "", agg.join(" "));
            }
            for f in &job.failed {
                println!("{:>6}  {:<30}  failed: {}", f.shard, f.args.join(" "), f.reason);
            }
            let unproven = job.shards_total - results.len() as u32;
            if unproven > 0 {
                let failed = job.failed.len() as u32;
                let open = unproven.saturating_sub(failed);
                println!("({open} shards not proven yet, {failed} failed: the aggregate covers proven shards only)");
            }
        }
    }
    Ok(())
}

fn pipe(cmd: &str, results: &[report::ShardResult]) -> anyhow::Result<()> {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {cmd:?}"))?;
    {
        let mut stdin = child.stdin.take().expect("piped");
        for r in results {
            let line = serde_json::json!({
                "shard": r.shard, "args": r.args, "output": r.output, "result": r.result, "prover": r.prover,
            });
            // A command that stops reading early (head) is not an error of ours.
            if writeln!(stdin, "{line}").is_err() {
                break;
            }
        }
    }
    let status = child.wait().with_context(|| format!("waiting for {cmd:?}"))?;
    match exit_code(&status) {
        0 => Ok(()),
        code => Err(super::ExitWith { code, message: Some(format!("--pipe command {cmd:?} failed: {status}")) }.into()),
    }
}

/// The shell's exit status for how a command ended: its code, or 128 + the signal that ended it.
fn exit_code(status: &std::process::ExitStatus) -> u8 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => code.clamp(0, 255) as u8,
        (None, Some(sig)) => (128 + sig).clamp(0, 255) as u8,
        (None, None) => 1,
    }
}
