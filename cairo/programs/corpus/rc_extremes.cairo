// The range_check builtin on one argument: a tiny program (a few dozen steps) whose single
// range-checked value may have 16-bit limbs anywhere in [0, 2^16), including both ends.
//
// proofgrid job program (corpus). Args: x, with x < 2^128.
// Output: [x, 1]: the 1 says x passed assert_nn.
// Like every job program it echoes its arguments first: that is how a proof binds its shard.
// Covers: range-checked values at the limits of the 16-bit limb range (x = 2^16 - 1 puts the
// limbs at 0 and 65535), 2^128 - 1 (the largest value assert_nn accepts), few steps.
%builtins output range_check

from starkware.cairo.common.math import assert_nn
from starkware.cairo.common.serialize import serialize_word

// proofgrid reads this constant to check a shard's argument count before running it.
const N_ARGS = 1;

func main{output_ptr: felt*, range_check_ptr}() {
    alloc_locals;
    local args: felt*;
    local n_args: felt;
    // The proofgrid args hint: the same two lines run under cairo-run --program_input.
    %{
        ids.args = segments.gen_arg(program_input['args'])
        ids.n_args = len(program_input['args'])
    %}
    assert n_args = N_ARGS;
    local x = args[0];
    assert_nn(x);

    serialize_word(x);
    serialize_word(1);
    return ();
}
