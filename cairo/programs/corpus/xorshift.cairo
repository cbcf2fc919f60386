// A Monte Carlo estimate of pi with the xorshift64 pseudo-random generator: each step draws a
// 64-bit word, splits it into two 32-bit coordinates (u, v) and counts the points with
// u^2 + v^2 < 2^64, i.e. inside the quarter circle; 4 * inside / n approaches pi.
//
// proofgrid job program (corpus). Args: seed n, with 1 <= seed < 2^64 and n <= 2000.
// Output: [seed, n, inside, x_n] where x_0 = seed, x_{i+1} = xorshift64(x_i) (x ^= x << 13,
// x ^= x >> 7, x ^= x << 17, all mod 2^64), and inside counts the i in 1..n with
// (x_i mod 2^32)^2 + (x_i div 2^32)^2 < 2^64.
// Like every job program it echoes its arguments first: that is how a proof binds its shard.
// Covers: the bitwise builtin (bitwise_and, bitwise_xor; shifts left as a product and a 64-bit
// mask, shifts right as a mask and an exact field division), is_le through the range_check
// builtin, a loop carrying a bitwise pointer next to the range check pointer.
%builtins output range_check bitwise

from starkware.cairo.common.bitwise import bitwise_and, bitwise_xor
from starkware.cairo.common.cairo_builtins import BitwiseBuiltin
from starkware.cairo.common.math import assert_nn_le, assert_not_zero
from starkware.cairo.common.math_cmp import is_le
from starkware.cairo.common.serialize import serialize_word

// proofgrid reads this constant to check a shard's argument count before running it.
const N_ARGS = 2;

const MASK64 = 2 ** 64 - 1;
const MASK32 = 2 ** 32 - 1;

func main{output_ptr: felt*, range_check_ptr, bitwise_ptr: BitwiseBuiltin*}() {
    alloc_locals;
    local args: felt*;
    local n_args: felt;
    // The proofgrid args hint: the same two lines run under cairo-run --program_input.
    %{
        ids.args = segments.gen_arg(program_input['args'])
        ids.n_args = len(program_input['args'])
    %}
    assert n_args = N_ARGS;
    local seed = args[0];
    local n = args[1];
    assert_nn_le(seed, MASK64);
    assert_not_zero(seed);
    assert_nn_le(n, 2000);

    let (inside, x) = sample(n, seed, 0);

    serialize_word(seed);
    serialize_word(n);
    serialize_word(inside);
    serialize_word(x);
    return ();
}

// One xorshift64 step on a 64-bit word.
func xorshift64{bitwise_ptr: BitwiseBuiltin*}(x: felt) -> felt {
    // x ^= x << 13 (mod 2^64): the product is below 2^77, the mask drops the high bits.
    let (t) = bitwise_and(x * 2 ** 13, MASK64);
    let (x) = bitwise_xor(x, t);
    // x ^= x >> 7: clear the low 7 bits, then the division by 2^7 is exact.
    let (t) = bitwise_and(x, MASK64 - (2 ** 7 - 1));
    let (x) = bitwise_xor(x, t / 2 ** 7);
    // x ^= x << 17 (mod 2^64).
    let (t) = bitwise_and(x * 2 ** 17, MASK64);
    let (x) = bitwise_xor(x, t);
    return x;
}

// Draws `left` points from state x and adds those inside the quarter circle to `inside`.
func sample{range_check_ptr, bitwise_ptr: BitwiseBuiltin*}(left: felt, x: felt, inside: felt) -> (
    inside: felt, x: felt
) {
    alloc_locals;
    if (left == 0) {
        return (inside, x);
    }
    let x = xorshift64(x);
    local x = x;
    let (u) = bitwise_and(x, MASK32);
    // The high half: x - u has its low 32 bits clear, so the division is exact.
    local v = (x - u) / 2 ** 32;
    let hit = is_le(u * u + v * v, MASK64);
    return sample(left - 1, x, inside + hit);
}
