//! Decoding what another machine sent never allocates more than a small multiple of the bytes
//! received: measured with a counting allocator on honest proofs and executions and on the
//! shapes a hostile sender would pick (rows of one element, empty lists, holes, a trace of
//! one-byte registers). One test, run alone in its binary, so the peak is this test's own.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use proofgrid_cairo::{DecodeLimits, Execution, RegisterState};
use proofgrid_prover::{prove, CairoProof, ProofOptions};
use proofgrid_stark::field::fe;

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Bytes allocated at the peak of `f` beyond what was allocated before it.
fn peak_of<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let r = f();
    (r, PEAK.load(Ordering::Relaxed) - base)
}

fn ratio(peak: usize, input: usize) -> f64 {
    peak as f64 / input as f64
}

#[test]
fn decoding_allocates_a_small_multiple_of_its_input() {
    // An honest proof and its execution.
    let exec = common::run("primes.json", &["2", "200"]);
    let proof = prove(&exec, &ProofOptions::TEST, 1).unwrap();
    let bytes = proof.to_bytes();
    let (decoded, peak) = peak_of(|| CairoProof::from_bytes(&bytes));
    let honest = decoded.unwrap();
    eprintln!("honest proof: {} bytes, decode peak {:.2}x", bytes.len(), ratio(peak, bytes.len()));
    assert!(ratio(peak, bytes.len()) < 3.0);

    let encoded = exec.encode();
    let (decoded, peak) = peak_of(|| Execution::decode(&encoded, &DecodeLimits::bytes(1 << 30)));
    assert_eq!(decoded.unwrap(), exec);
    eprintln!("honest execution: {} bytes, decode peak {:.2}x", encoded.len(), ratio(peak, encoded.len()));
    assert!(ratio(peak, encoded.len()) < 8.0);

    // Rows of one element: the smallest a row can be, the most row overhead per byte.
    let mut thin = honest.clone();
    thin.stark.openings[0].main = vec![vec![fe(1)]; 1 << 16];
    let bytes = thin.to_bytes();
    let (_, peak) = peak_of(|| CairoProof::from_bytes(&bytes));
    eprintln!("one-element rows: {} bytes, decode peak {:.2}x", bytes.len(), ratio(peak, bytes.len()));
    assert!(ratio(peak, bytes.len()) < 3.0);

    // Lists whose elements decode to far more than they encode to are bounded in length.
    let mut many = honest.clone();
    let component = many.stark.components[0].clone();
    many.stark.components = vec![component; 10_000];
    let bytes = many.to_bytes();
    let (decoded, peak) = peak_of(|| CairoProof::from_bytes(&bytes));
    let err = decoded.unwrap_err().to_string();
    assert!(err.contains("more than 64 components"), "{err}");
    assert!(ratio(peak, bytes.len()) < 3.0, "{:.2}x", ratio(peak, bytes.len()));

    // A trace of registers that are one byte each: refused by the step cap before it is
    // allocated; without a cap, it costs what an honest trace of that length costs.
    let mut long = exec.clone();
    long.trace = vec![RegisterState { pc: 1, ap: 1, fp: 1 }; 1 << 20];
    long.steps = long.trace.len();
    let encoded = long.encode();
    let capped = DecodeLimits { max_bytes: 1 << 30, max_steps: 1 << 16, bytecode_len: None };
    let (decoded, peak) = peak_of(|| Execution::decode(&encoded, &capped));
    assert!(decoded.unwrap_err().contains("over the cap"));
    eprintln!("2^20 one-byte steps over a 2^16 cap: {} bytes, decode peak {peak} bytes", encoded.len());
    assert!(peak < 64 << 10, "refused with {peak} bytes allocated");
    let (decoded, peak) = peak_of(|| Execution::decode(&encoded, &DecodeLimits::bytes(1 << 30)));
    assert!(decoded.is_ok());
    // 24 bytes per step in memory for 3 on the wire, and a growing vector's slack: the worst
    // case of any field, and no more than an honest trace of the cap's length costs.
    eprintln!("the same without a cap: decode peak {:.2}x", ratio(peak, encoded.len()));
    assert!(ratio(peak, encoded.len()) < 16.0);

    // Holes: free to encode, refused.
    let mut holes = exec.clone();
    holes.memory.resize(holes.memory.len() + (8 << 20), None);
    holes.memory.push(Some(proofgrid_cairo::Felt::ONE));
    let encoded = holes.encode();
    drop(holes);
    let (decoded, peak) = peak_of(|| Execution::decode(&encoded, &DecodeLimits::bytes(1 << 30)));
    assert!(decoded.unwrap_err().contains("holes"));
    eprintln!("8M holes: {} bytes, decode peak {:.2}x", encoded.len(), ratio(peak, encoded.len()));
    assert!(ratio(peak, encoded.len()) < 8.0);
}
