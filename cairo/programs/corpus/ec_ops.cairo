// Repeated elliptic-curve operations on the STARK curve: Q = k * G with the ec_op builtin, then n
// steps that each add a scalar multiple of Q to an accumulator with the builtin (acc += m * Q) and
// add the accumulator into a running sum with the library's ec_add (plain Cairo field arithmetic).
//
// proofgrid job program (corpus). Args: k n, with 1 <= k < 2^250 and n <= 2000.
// Output: [k, n, Q.x, Q.y, A.x, A.y, T.x, T.y] where G is the curve's generator
// (StarkCurve.GEN_X, GEN_Y), Q = k * G, A_0 = G, A_{i+1} = A_i + (k + i) * Q for i in 0..n,
// A = A_n and T = A_1 + ... + A_n ((0, 0), the point at infinity, when n = 0).
// Like every job program it echoes its arguments first: that is how a proof binds its shard.
// Covers: the ec_op builtin through starkware.cairo.common.ec (ec_mul, ec_op with its random point
// hint, EcOpBuiltin structs), ec_add/ec_double (field divisions), assert_on_curve, EcPoint structs.
%builtins output range_check ec_op

from starkware.cairo.common.cairo_builtins import EcOpBuiltin
from starkware.cairo.common.ec import StarkCurve, assert_on_curve, ec_add, ec_mul, ec_op
from starkware.cairo.common.ec_point import EcPoint
from starkware.cairo.common.math import assert_250_bit, assert_nn_le, assert_not_zero
from starkware.cairo.common.serialize import serialize_word

// proofgrid reads this constant to check a shard's argument count before running it.
const N_ARGS = 2;

func main{output_ptr: felt*, range_check_ptr, ec_op_ptr: EcOpBuiltin*}() {
    alloc_locals;
    local args: felt*;
    local n_args: felt;
    // The proofgrid args hint: the same two lines run under cairo-run --program_input.
    %{
        ids.args = segments.gen_arg(program_input['args'])
        ids.n_args = len(program_input['args'])
    %}
    assert n_args = N_ARGS;
    local k = args[0];
    local n = args[1];
    assert_250_bit(k);
    assert_not_zero(k);
    assert_nn_le(n, 2000);

    let g = EcPoint(x=StarkCurve.GEN_X, y=StarkCurve.GEN_Y);
    let (local q: EcPoint) = ec_mul(k, g);
    let (a: EcPoint, t: EcPoint) = accumulate(q, k, 0, n, g, EcPoint(x=0, y=0));
    local a: EcPoint = a;
    local t: EcPoint = t;
    assert_on_curve(a);
    assert_on_curve(t);

    serialize_word(k);
    serialize_word(n);
    serialize_word(q.x);
    serialize_word(q.y);
    serialize_word(a.x);
    serialize_word(a.y);
    serialize_word(t.x);
    serialize_word(t.y);
    return ();
}

func accumulate{ec_op_ptr: EcOpBuiltin*}(
    q: EcPoint, k: felt, i: felt, n: felt, a: EcPoint, t: EcPoint
) -> (a: EcPoint, t: EcPoint) {
    alloc_locals;
    if (i == n) {
        return (a, t);
    }
    let (local a: EcPoint) = ec_op(a, k + i, q);
    let (t) = ec_add(t, a);
    return accumulate(q, k, i + 1, n, a, t);
}
