// The range_check96 builtin as the range check of 96-bit limbs: a 96-bit linear congruential
// generator whose squares are summed into a two-limb (192-bit) accumulator, every limb and carry
// produced by the math library with its range_check_ptr bound to range_check96_ptr (so each
// check is 0 <= v < 2^96), plus direct writes of the final limbs.
//
// proofgrid job program (corpus). Args: n, with n <= 1500.
// Output: [n, x_n, L, H, W] where x_0 = 1, x_{i+1} = (A * x_i + C) mod 2^96 with
// A = 0x5851f42d4c957f2d and C = 0x14057b7ef767814f, and H * 2^96 + L = (x_1^2 + ... + x_n^2)
// mod 2^192 with L, H < 2^96, W counting the additions that wrapped around 2^192.
// Like every job program it echoes its arguments first: that is how a proof binds its shard.
// Covers: range_check96 cells written by unsigned_div_rem and assert_nn_le called with
// range_check_ptr=range_check96_ptr, and by hand ([range_check96_ptr] = v); range_check (128-bit)
// for the argument bound alongside; limb splitting and carry propagation.
%builtins output range_check range_check96

from starkware.cairo.common.math import assert_nn_le, unsigned_div_rem
from starkware.cairo.common.serialize import serialize_word

// proofgrid reads this constant to check a shard's argument count before running it.
const N_ARGS = 1;

const BASE = 2 ** 96;
const A = 0x5851f42d4c957f2d;
const C = 0x14057b7ef767814f;

struct Acc {
    x: felt,
    low: felt,
    high: felt,
    wraps: felt,
}

func main{output_ptr: felt*, range_check_ptr, range_check96_ptr}() {
    alloc_locals;
    local args: felt*;
    local n_args: felt;
    // The proofgrid args hint: the same two lines run under cairo-run --program_input.
    %{
        ids.args = segments.gen_arg(program_input['args'])
        ids.n_args = len(program_input['args'])
    %}
    assert n_args = N_ARGS;
    local n = args[0];
    assert_nn_le(n, 1500);

    let acc = run{range_check_ptr=range_check96_ptr}(n, Acc(x=1, low=0, high=0, wraps=0));
    local acc: Acc = acc;
    // The result's limbs, range-checked by hand as a circuit's u96 inputs would be.
    assert [range_check96_ptr] = acc.low;
    assert [range_check96_ptr + 1] = acc.high;
    let range_check96_ptr = range_check96_ptr + 2;

    serialize_word(n);
    serialize_word(acc.x);
    serialize_word(acc.low);
    serialize_word(acc.high);
    serialize_word(acc.wraps);
    return ();
}

// `range_check_ptr` here is the range_check96 pointer: every check below is against 2^96.
func run{range_check_ptr}(left: felt, acc: Acc) -> Acc {
    alloc_locals;
    if (left == 0) {
        return acc;
    }
    // The next state: A * x + C < 2^161, so its quotient by 2^96 is below 2^65.
    let (_, x) = unsigned_div_rem(A * acc.x + C, BASE);
    local x = x;
    // x^2 < 2^192 as two 96-bit limbs.
    let (sq_high, sq_low) = unsigned_div_rem(x * x, BASE);
    local sq_high = sq_high;
    assert_nn_le(sq_high, BASE - 1);
    // Add limb by limb, carrying.
    let (carry, low) = unsigned_div_rem(acc.low + sq_low, BASE);
    local low = low;
    let (wrap, high) = unsigned_div_rem(acc.high + sq_high + carry, BASE);
    return run(left - 1, Acc(x=x, low=low, high=high, wraps=acc.wraps + wrap));
}
