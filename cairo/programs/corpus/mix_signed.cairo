// Every builtin proofgrid proves, together in one loop: mix_all's step (a Poseidon chain link, its
// low 64 bits through the bitwise builtin into an xor, a range-checked division, a Pedersen chain
// and an ec_op scalar), plus one signature check with the ecdsa builtin per step.
//
// proofgrid job program (corpus). Args: seed n public_key message r s, with seed any field
// element, n <= 1000 and (r, s) a signature of message under public_key (as signatures.cairo).
// Output: [seed, n, public_key, message, r, s, h_n, d_n, X, S, P.x, P.y] with h, d, X, S, P as in
// mix_all.cairo.
// Like every job program it echoes its arguments first: that is how a proof binds its shard.
// Covers: output, pedersen, range_check, ecdsa, bitwise, ec_op and poseidon builtins in the same
// run (seven builtin segments, several pointers threaded through one recursive function).
%builtins output pedersen range_check ecdsa bitwise ec_op poseidon

from starkware.cairo.common.bitwise import bitwise_and, bitwise_xor
from starkware.cairo.common.builtin_poseidon.poseidon import poseidon_hash
from starkware.cairo.common.cairo_builtins import (
    BitwiseBuiltin,
    EcOpBuiltin,
    HashBuiltin,
    PoseidonBuiltin,
    SignatureBuiltin,
)
from starkware.cairo.common.ec import StarkCurve, ec_op
from starkware.cairo.common.ec_point import EcPoint
from starkware.cairo.common.hash import hash2
from starkware.cairo.common.math import assert_nn_le, unsigned_div_rem
from starkware.cairo.common.serialize import serialize_word
from starkware.cairo.common.signature import verify_ecdsa_signature

// proofgrid reads this constant to check a shard's argument count before running it.
const N_ARGS = 6;

struct Signed {
    public_key: felt,
    message: felt,
    r: felt,
    s: felt,
}

struct State {
    h: felt,
    d: felt,
    x: felt,
    s: felt,
    p: EcPoint,
}

func main{
    output_ptr: felt*,
    pedersen_ptr: HashBuiltin*,
    range_check_ptr,
    ecdsa_ptr: SignatureBuiltin*,
    bitwise_ptr: BitwiseBuiltin*,
    ec_op_ptr: EcOpBuiltin*,
    poseidon_ptr: PoseidonBuiltin*,
}() {
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
    local sig: Signed = Signed(public_key=args[2], message=args[3], r=args[4], s=args[5]);
    assert_nn_le(n, 1000);

    let g = EcPoint(x=StarkCurve.GEN_X, y=StarkCurve.GEN_Y);
    let st = mix(0, n, g, sig, State(h=seed, d=0, x=0, s=0, p=g));

    serialize_word(seed);
    serialize_word(n);
    serialize_word(sig.public_key);
    serialize_word(sig.message);
    serialize_word(sig.r);
    serialize_word(sig.s);
    serialize_word(st.h);
    serialize_word(st.d);
    serialize_word(st.x);
    serialize_word(st.s);
    serialize_word(st.p.x);
    serialize_word(st.p.y);
    return ();
}

func mix{
    pedersen_ptr: HashBuiltin*,
    range_check_ptr,
    ecdsa_ptr: SignatureBuiltin*,
    bitwise_ptr: BitwiseBuiltin*,
    ec_op_ptr: EcOpBuiltin*,
    poseidon_ptr: PoseidonBuiltin*,
}(i: felt, n: felt, g: EcPoint, sig: Signed, st: State) -> State {
    alloc_locals;
    if (i == n) {
        return st;
    }
    let (h) = poseidon_hash(st.h, i);
    local h = h;
    let (l) = bitwise_and(h, 2 ** 64 - 1);
    local l = l;
    let (x) = bitwise_xor(st.x, l);
    local x = x;
    let (_, r) = unsigned_div_rem(l, 1000);
    local r = r;
    let (d) = hash2{hash_ptr=pedersen_ptr}(st.d, l);
    local d = d;
    let (p) = ec_op(st.p, l, g);
    verify_ecdsa_signature(sig.message, sig.public_key, sig.r, sig.s);
    return mix(i + 1, n, g, sig, State(h=h, d=d, x=x, s=st.s + r, p=p));
}
