mod common;

use proofgrid_prover::{prove, verify, ProofOptions};

#[test]
fn primes_small_proves_and_verifies() {
    let exec = common::run("primes.json", &["2", "30"]);
    eprintln!("steps {} memory {} builtins {:?}", exec.steps, exec.memory.len(), exec.used_builtins());
    let fa = exec.final_registers().ap;
    let k = exec.segments.builtins.len() as u64;
    for i in 0..k {
        eprintln!("final cell {}: {:?} vs {:?}", fa - k + i, exec.memory[(fa - k + i) as usize], exec.segments.builtins[i as usize]);
    }
    let proof = prove(&exec, &ProofOptions::TEST, 2).expect("proves");
    let out = verify(&proof, 0).expect("verifies");
    assert_eq!(out, exec.output);
}
