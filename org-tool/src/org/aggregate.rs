//! Aggregating proven results. A shard's result is its output after the echoed args, a list of
//! integers; reducers work column by column (the i-th result value of every shard), over exact
//! integers, since felts are up to 2^251 and a sum must not wrap modulo the field.

use num_bigint::BigUint;

use super::report::ShardResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Reduce {
    Sum,
    Min,
    Max,
    Concat,
}

/// The aggregate: one value per result column for sum/min/max, every value in shard order for
/// concat. Shards whose result has fewer columns simply do not contribute to the missing ones.
pub fn reduce(results: &[ShardResult], how: Reduce) -> Result<Vec<String>, String> {
    let mut sorted: Vec<&ShardResult> = results.iter().collect();
    sorted.sort_by_key(|r| r.shard);
    if how == Reduce::Concat {
        return Ok(sorted.iter().flat_map(|r| r.result.iter().cloned()).collect());
    }
    let width = sorted.iter().map(|r| r.result.len()).max().unwrap_or(0);
    let mut out: Vec<Option<BigUint>> = vec![None; width];
    for r in &sorted {
        for (i, v) in r.result.iter().enumerate() {
            let v: BigUint = v.parse().map_err(|_| format!("shard {} result {v:?} is not an integer", r.shard))?;
            out[i] = Some(match (out[i].take(), how) {
                (None, _) => v,
                (Some(a), Reduce::Sum) => a + v,
                (Some(a), Reduce::Min) => a.min(v),
                (Some(a), Reduce::Max) => a.max(v),
                (Some(_), Reduce::Concat) => unreachable!("handled above"),
            });
        }
    }
    Ok(out.into_iter().map(|v| v.map(|v| v.to_string()).unwrap_or_default()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(shard: u32, result: &[&str]) -> ShardResult {
        ShardResult {
            shard,
            args: vec![],
            output: vec![],
            result: result.iter().map(|s| s.to_string()).collect(),
            prover: String::new(),
            verified_at: 0,
        }
    }

    #[test]
    fn reducers_work_per_column_on_big_integers() {
        let big = "3618502788666131213697322783095070105623107215331596699973092056135872020480"; // P - 1
        let rs = [r(1, &["5", big]), r(0, &["7", "1"])];
        let sum = reduce(&rs, Reduce::Sum).unwrap();
        assert_eq!(sum[0], "12");
        assert_eq!(sum[1], "3618502788666131213697322783095070105623107215331596699973092056135872020481");
        assert_eq!(reduce(&rs, Reduce::Min).unwrap(), vec!["5", "1"]);
        assert_eq!(reduce(&rs, Reduce::Max).unwrap(), vec!["7", big]);
        assert_eq!(reduce(&rs, Reduce::Concat).unwrap(), vec!["7", "1", "5", big]);
        assert!(reduce(&[], Reduce::Sum).unwrap().is_empty());
    }
}
