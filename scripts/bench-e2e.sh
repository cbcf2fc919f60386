#!/usr/bin/env bash
# The testnet as a benchmark: how close the network comes to splitting the work perfectly.
#
#   scripts/bench-e2e.sh          # or: make bench-e2e
#
# 1. Runs the local testnet (scripts/testnet.sh: 3 donors, 1 worker thread each) on its job and
#    takes the makespan from the org's own records: the job's publication to its last verification.
# 2. Then, on the same machine with nothing else of ours running, proves every shard of that job
#    once more, one after the other, with `node prove --threads 1` (the donors' setting): the sum
#    of these execute+prove times is the work, and work / donors is the ideal makespan.
# 3. Prints the ratio makespan / (work / donors); 1.0 would be a perfect split with no overhead.
#    Also work / min(donors, cores): with 3 donors on a 2-core machine, 3 workers share 2 cores.
#
# Environment: BENCH_DIR (default target/bench-e2e), and TESTNET_SHARDS as for the testnet.
set -euo pipefail

cd "$(dirname "$0")/.."
DIR=${BENCH_DIR:-target/bench-e2e}
BIN=target/release
DONORS=3

TESTNET_DIR=$DIR scripts/testnet.sh >"$DIR.testnet.out" 2>&1 || {
    tail -n 40 "$DIR.testnet.out" >&2
    echo "bench-e2e: the testnet run failed (output above, whole in $DIR.testnet.out)" >&2
    exit 1
}
grep -E '^verified ' "$DIR.testnet.out"

STATUS=$DIR/status.json
"$BIN/org-tool" status primes --json --data-dir "$DIR/org" >"$STATUS"
RESULTS=$DIR/results.json
"$BIN/org-tool" results primes --format json --data-dir "$DIR/org" >"$RESULTS"

echo "proving every shard again, one at a time, 1 thread: the baseline"
BASE=$DIR/baseline.jsonl
: >"$BASE"
python3 -c '
import json, sys
for r in sorted(json.load(open(sys.argv[1]))["results"], key=lambda r: r["shard"]):
    print(" ".join(r["args"]))
' "$RESULTS" | while read -r lo hi; do
    "$BIN/node" prove cairo/programs/primes.json --args "$lo" "$hi" -o "$DIR/baseline.proof" --threads 1 --json >>"$BASE"
    echo >>"$BASE"
done

python3 - "$STATUS" "$RESULTS" "$BASE" "$DONORS" "$(nproc)" "$DIR" <<'EOF'
import glob, json, os, sys
status_file, results_file, base_file = sys.argv[1:4]
donors, cores, d = int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
job = json.load(open(status_file))
job = job[0] if isinstance(job, list) else job
results = json.load(open(results_file))["results"]
makespan = max(r["verified_at"] for r in results) - job["created_at"]
runs = [json.loads(l) for l in open(base_file) if l.strip()]
work = sum(r["execute_ms"] + r["prove_ms"] for r in runs) / 1000
steps = sum(r["steps"] for r in runs)
# What the donors' workers spent, from their own status files (CPU seconds, execute + prove).
cpu = 0.0
for f in glob.glob(os.path.join(d, "donor*", "status.json")):
    for p in json.load(open(f)).get("projects", []):
        cpu += p["stats"]["cpu_secs"]
ideal = work / donors
ideal_cores = work / min(donors, cores)
print()
print(f"| shards | steps | donors | cores | makespan s | work s (serial, 1 thread) | work/donors s | makespan ÷ (work/donors) | makespan ÷ (work/min(donors,cores)) | donors' worker CPU s |")
print(f"|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
print(f"| {len(results)} | {steps} | {donors} | {cores} | {makespan} | {work:.1f} | {ideal:.1f} | {makespan / ideal:.2f} | {makespan / ideal_cores:.2f} | {cpu:.1f} |")
# Who did what: shards proven, and proofs or traces produced, per donor.
proofs = {}
for r in results:
    proofs[r["prover"]] = proofs.get(r["prover"], 0) + 1
print()
print("| donor | role | shards proven | proofs or traces produced | worker CPU s |")
print("|---|---|---:|---:|---:|")
for f in sorted(glob.glob(os.path.join(d, "donor*", "status.json"))):
    s = json.load(open(f))
    produced = sum(p["stats"]["produced"] for p in s.get("projects", []))
    secs = sum(p["stats"]["cpu_secs"] for p in s.get("projects", []))
    print(f"| {os.path.basename(os.path.dirname(f))} | {s['role']} | {proofs.get(s['peer_id'], 0)} | {produced} | {secs:.1f} |")
EOF
