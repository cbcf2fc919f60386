// Signature checks with the ecdsa builtin: one signed message, checked `reps` times (each check
// is its own builtin instance, as a program checking a batch of ballots or transactions makes).
//
// proofgrid job program (corpus). Args: public_key message r s reps, with (r, s) a STARK-curve
// ECDSA signature of `message` under the key whose x coordinate is `public_key`
// (starkware.crypto.signature.sign), message < 2^251 and 1 <= reps <= 1000.
// Output: [public_key, message, r, s, reps, checked] where checked = reps.
// Like every job program it echoes its arguments first: that is how a proof binds its shard.
// Covers: the ecdsa builtin through verify_ecdsa_signature (its add_signature hint, the
// SignatureBuiltin struct), a recursive loop that advances ecdsa_ptr.
%builtins output range_check ecdsa

from starkware.cairo.common.cairo_builtins import SignatureBuiltin
from starkware.cairo.common.math import assert_nn_le, assert_not_zero
from starkware.cairo.common.serialize import serialize_word
from starkware.cairo.common.signature import verify_ecdsa_signature

// proofgrid reads this constant to check a shard's argument count before running it.
const N_ARGS = 5;

func main{output_ptr: felt*, range_check_ptr, ecdsa_ptr: SignatureBuiltin*}() {
    alloc_locals;
    local args: felt*;
    local n_args: felt;
    // The proofgrid args hint: the same two lines run under cairo-run --program_input.
    %{
        ids.args = segments.gen_arg(program_input['args'])
        ids.n_args = len(program_input['args'])
    %}
    assert n_args = N_ARGS;
    local public_key = args[0];
    local message = args[1];
    local r = args[2];
    local s = args[3];
    local reps = args[4];
    assert_not_zero(reps);
    assert_nn_le(reps, 1000);

    let checked = check(public_key, message, r, s, reps, 0);

    serialize_word(public_key);
    serialize_word(message);
    serialize_word(r);
    serialize_word(s);
    serialize_word(reps);
    serialize_word(checked);
    return ();
}

func check{ecdsa_ptr: SignatureBuiltin*}(public_key, message, r, s, left, done) -> felt {
    if (left == 0) {
        return done;
    }
    verify_ecdsa_signature(message, public_key, r, s);
    return check(public_key, message, r, s, left - 1, done + 1);
}
