// Modular exponentiation of 256-bit integers: base^exp modulo the secp256k1 field prime
// M = 2^256 - 2^32 - 977, by square-and-multiply over the bits of exp (least significant first),
// with two running checksums of the intermediate values.
//
// proofgrid job program (corpus). Args: base exp, both any field element (taken as integers
// below the field prime, so exp has at most 252 bits).
// Output: [base, exp, r_low, r_high, x_low, x_high, s_low, s_high, c] where r = base^exp mod M,
// and, with b_0 = base mod M, b_{j+1} = b_j^2 mod M and r_j the partial power after bit j, for the
// bits j = 0..L-1 of exp (L = its bit length): x = r_0 xor ... xor r_{L-1}, s = (b_1 + ... + b_L)
// mod 2^256 and c counts the additions that wrapped around 2^256. 256-bit values are given as
// low and high 128-bit limbs.
// Like every job program it echoes its arguments first: that is how a proof binds its shard.
// Covers: the uint256 library: felt_to_uint256, uint256_and and uint256_xor (bitwise builtin on
// 128-bit limbs), uint256_unsigned_div_rem, uint256_mul_div_mod (uint256_mul and a 512-bit
// quotient checked by range checks), uint256_add with carries, uint256_eq; Uint256 structs
// through a loop.
%builtins output range_check bitwise

from starkware.cairo.common.cairo_builtins import BitwiseBuiltin
from starkware.cairo.common.serialize import serialize_word
from starkware.cairo.common.uint256 import (
    Uint256,
    felt_to_uint256,
    uint256_add,
    uint256_and,
    uint256_eq,
    uint256_mul_div_mod,
    uint256_unsigned_div_rem,
    uint256_xor,
)

// proofgrid reads this constant to check a shard's argument count before running it.
const N_ARGS = 2;

// M = 2^256 - 2^32 - 977 in 128-bit limbs.
const M_LOW = 2 ** 128 - 2 ** 32 - 977;
const M_HIGH = 2 ** 128 - 1;

struct State {
    r: Uint256,
    b: Uint256,
    x: Uint256,
    s: Uint256,
    c: felt,
}

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
    local base = args[0];
    local exp = args[1];

    let modulus = Uint256(M_LOW, M_HIGH);
    let b = felt_to_uint256(base);
    let (_, b) = uint256_unsigned_div_rem(b, modulus);
    let e = felt_to_uint256(exp);
    let zero = Uint256(0, 0);
    let st = power(e, modulus, State(r=Uint256(1, 0), b=b, x=zero, s=zero, c=0));

    serialize_word(base);
    serialize_word(exp);
    serialize_word(st.r.low);
    serialize_word(st.r.high);
    serialize_word(st.x.low);
    serialize_word(st.x.high);
    serialize_word(st.s.low);
    serialize_word(st.s.high);
    serialize_word(st.c);
    return ();
}

func mul_mod{range_check_ptr}(a: Uint256, b: Uint256, modulus: Uint256) -> Uint256 {
    let (_, _, rem) = uint256_mul_div_mod(a, b, modulus);
    return rem;
}

// Multiplies r by b if bit is 1.
func maybe_mul{range_check_ptr}(r: Uint256, b: Uint256, bit: felt, modulus: Uint256) -> Uint256 {
    if (bit == 0) {
        return r;
    }
    return mul_mod(r, b, modulus);
}

// One square-and-multiply step per remaining bit of e.
func power{range_check_ptr, bitwise_ptr: BitwiseBuiltin*}(
    e: Uint256, modulus: Uint256, st: State
) -> State {
    alloc_locals;
    let (done) = uint256_eq(e, Uint256(0, 0));
    if (done != 0) {
        return st;
    }
    let (low_bit) = uint256_and(e, Uint256(1, 0));
    local bit = low_bit.low;
    let (e, rem) = uint256_unsigned_div_rem(e, Uint256(2, 0));
    local e: Uint256 = e;
    assert rem = low_bit;
    let r = maybe_mul(st.r, st.b, bit, modulus);
    local r: Uint256 = r;
    let b = mul_mod(st.b, st.b, modulus);
    local b: Uint256 = b;
    let (x) = uint256_xor(st.x, r);
    local x: Uint256 = x;
    let (s, carry) = uint256_add(st.s, b);
    return power(e, modulus, State(r=r, b=b, x=x, s=s, c=st.c + carry));
}
