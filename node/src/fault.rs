//! Fault injection, so the end-to-end tests can make a real `node` process misbehave the way a
//! dishonest donor would, rather than standing in for the node with test code. Reached only
//! through the hidden `node donate --fault-lie-about-results` flag.

use anyhow::Context;
use proofgrid_cairo::Felt;
use proofgrid_prover::CairoProof;

/// Rewrites a proof so that it claims a result one larger in its last output word than the one
/// the STARK was made for: a well-formed proof of a statement that is false, which the org must
/// reject.
pub fn claim_wrong_result(proof: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut proof = CairoProof::from_bytes(proof).context("fault injection: cannot decode our own proof")?;
    let last = proof.statement.output.last_mut().context("fault injection: the proof has no output to lie about")?;
    *last += Felt::ONE;
    Ok(proof.to_bytes())
}
