//! The STARK curve (y² = x³ + α·x + β over the Cairo field, α = 1) and the Pedersen points, in
//! affine coordinates with the slopes the AIR's columns hold. Constants from cairo-lang's
//! `starkware.crypto.signature` (its `pedersen_params.json`); `curve_constants_match_cairo_lang`
//! in the prover's tests checks them against cairo-lang itself.

use proofgrid_stark::field::Fe;

pub const ALPHA: Fe = Fe::from_hex_unchecked("1");
pub const BETA: Fe = Fe::from_hex_unchecked("6f21413efbe40de150e596d72f7a8c5609ad26c15c915c1f4cdfcb99cee9e89");

/// An affine point.
pub type Point = (Fe, Fe);

/// Pedersen's shift point (cairo-lang's `CONSTANT_POINTS[0]`).
pub const SHIFT: Point = (
    Fe::from_hex_unchecked("49ee3eba8c1600700ee1b87eb599f16716b0b1022947733551fde4050ca6804"),
    Fe::from_hex_unchecked("3ca0cfe4b3bc6ddf346d49d06ea0ed34e621062c0e056c1d0405d266e10268a"),
);

/// The curve's generator G (cairo-lang's `EC_GEN`, `StarkCurve.GEN_X`/`GEN_Y`): ecdsa's base point.
pub const GENERATOR: Point = (
    Fe::from_hex_unchecked("1ef15c18599971b7beced415a40f0c7deacfd9b0d1819e03d723d8bc943cfca"),
    Fe::from_hex_unchecked("5668060aa49730b7be4801df46ec62de53ecd11abe43a32873000c36e8dc1f"),
);

/// Pedersen's P_0..P_3 (cairo-lang's `CONSTANT_POINTS[2]`, `[250]`, `[254]`, `[502]`): x's low 248
/// bits, x's high 4 bits, y's low 248 bits, y's high 4 bits.
pub const PEDERSEN: [Point; 4] = [
    (
        Fe::from_hex_unchecked("234287dcbaffe7f969c748655fca9e58fa8120b6d56eb0c1080d17957ebe47b"),
        Fe::from_hex_unchecked("3b056f100f96fb21e889527d41f4e39940135dd7a6c94cc6ed0268ee89e5615"),
    ),
    (
        Fe::from_hex_unchecked("4fa56f376c83db33f9dab2656558f3399099ec1de5e3018b7a6932dba8aa378"),
        Fe::from_hex_unchecked("3fa0984c931c9e38113e0c0e47e4401562761f92a7a23b45168f4e80ff5b54d"),
    ),
    (
        Fe::from_hex_unchecked("4ba4cc166be8dec764910f75b45f74b40c690c74709e90f3aa372f0bd2d6997"),
        Fe::from_hex_unchecked("40301cf5c1751f4b971e46c4ede85fcac5c59a5ce5ae7c48151f27b24b219c"),
    ),
    (
        Fe::from_hex_unchecked("54302dcb0e6cc1c6e44cca8f61a63bb2ca65048d53fb325d36ff12c49a58202"),
        Fe::from_hex_unchecked("1b77b3e37d13504b348046268d8ae25ce98ad783c25561a879dcc77e99c2426"),
    ),
];

/// Whether `p` is on the curve.
pub fn on_curve(p: &Point) -> bool {
    p.1 * p.1 == p.0 * p.0 * p.0 + ALPHA * p.0 + BETA
}

/// p + q for points with different x, and the slope; `None` when the x coordinates are equal.
pub fn add(p: &Point, q: &Point) -> Option<(Point, Fe)> {
    let slope = (q.1 - p.1) * (q.0 - p.0).inv().ok()?;
    let x = slope * slope - p.0 - q.0;
    Some(((x, slope * (p.0 - x) - p.1), slope))
}

/// 2p and the tangent's slope; `None` for y = 0.
pub fn double(p: &Point) -> Option<(Point, Fe)> {
    let slope = (Fe::from(3u64) * p.0 * p.0 + ALPHA) * p.1.double().inv().ok()?;
    let x = slope * slope - p.0.double();
    Some(((x, slope * (p.0 - x) - p.1), slope))
}

/// 2^k·p for k = 0..count.
pub fn doublings(p: &Point, count: usize) -> Vec<Point> {
    let mut out = vec![*p];
    for _ in 1..count {
        let last = *out.last().expect("non-empty");
        out.push(double(&last).expect("the curve has no point of order 2").0);
    }
    out
}
