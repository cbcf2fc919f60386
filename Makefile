# proofgrid: build, test, try it out. Every build uses the release profile.
CARGO ?= cargo
ORG_TOOL := target/release/org-tool
NODE := target/release/node
PROGRAMS := cairo/programs

.PHONY: build test testnet testnet-clean demo programs corpus bench bench-e2e bench-scale

build:
	$(CARGO) build --release --workspace

# The Cairo 0 compiler (PyPI cairo-lang, in a virtualenv) installs itself on first use.
# The workspace binaries are built first: org-tool's end-to-end test (org-tool/tests/e2e.rs)
# runs the real bootstrap and node binaries, which cargo does not build for another crate's tests.
test:
	$(CARGO) build --release --workspace && $(CARGO) test --release --workspace

# The local testnet: bootstrap, an org publishing primes, three donors (execute, prove, full) on
# 127.0.0.1 until every shard is verified; state and logs in testnet/ (scripts/testnet.sh).
testnet:
	CARGO=$(CARGO) scripts/testnet.sh

testnet-clean:
	rm -rf testnet

# The quick offline check: dry-run each example program on a shard, as a donor would, then
# prove one shard as a donor and verify the proof as the organization.
demo: build
	$(ORG_TOOL) run $(PROGRAMS)/primes.json --args 10000 10100
	$(ORG_TOOL) run $(PROGRAMS)/collatz.json --args 1 33
	$(ORG_TOOL) run $(PROGRAMS)/cairo1/primes.executable.json --args 2 100
	$(ORG_TOOL) run $(PROGRAMS)/cairo1/collatz.executable.json --args 1 30
	mkdir -p target/demo
	$(NODE) prove $(PROGRAMS)/primes.json --args 10000 10100 -o target/demo/primes.proof
	$(ORG_TOOL) verify $(PROGRAMS)/primes.json --args 10000 10100 --proof target/demo/primes.proof

# Rebuild the committed compiled JSON of the Cairo 0 examples from their source.
programs: build corpus
	$(ORG_TOOL) compile $(PROGRAMS)/primes.cairo -o $(PROGRAMS)/primes.json
	$(ORG_TOOL) compile $(PROGRAMS)/collatz.cairo -o $(PROGRAMS)/collatz.json

# The prover's test corpus (cairo/prover/tests/corpus.rs): every corpus/NAME.cairo to NAME.json.
corpus: build
	for f in $(PROGRAMS)/corpus/*.cairo; do $(ORG_TOOL) compile $$f -o $${f%.cairo}.json || exit 1; done

# Execution speed of the examples, the prover's table and the builtins' table (all in
# BENCHMARKS.md).
bench:
	$(CARGO) bench -p proofgrid-cairo --bench execute
	$(CARGO) bench -p proofgrid-prover --bench prove
	$(CARGO) bench -p proofgrid-prover --bench builtins

# One org with 10^3..10^6 shards under 10, 100 and 1000 simulated donors (BENCHMARKS.md).
bench-scale: build
	$(CARGO) bench -p proofgrid-org-tool --bench scale

# The testnet's makespan against the same shards proven one by one (work / donors); the
# ratio goes in BENCHMARKS.md (scripts/bench-e2e.sh).
bench-e2e: build
	scripts/bench-e2e.sh
