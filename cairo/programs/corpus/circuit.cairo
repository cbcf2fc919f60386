// A modular arithmetic circuit over the BLS12-381 base field (a 381-bit prime p, as four 96-bit
// limbs) run by the add_mod and mul_mod builtins: n rounds of v -> v^2 + 5, then a subtraction
// and an inversion expressed as gates whose unknown is an input (the builtins deduce it). The
// program only lays out the values table and the gate offsets; run_mod_p_circuit fills the
// first instance of each builtin and its hint fills the rest and the unknown values.
//
// proofgrid job program (corpus). Args: x n, with x < 2^128 and n <= 10000.
// Output: [x, n, v_0..v_3, t_0..t_3, w_0..w_3] (each value as four 96-bit limbs, low first)
// where v_0 = x, v_{i+1} = v_i^2 + 5 mod p for i in 0..n, v = v_n, t = v - x mod p and
// w = (x + 1)^-1 mod p.
// Like every job program it echoes its arguments first: that is how a proof binds its shard.
// Covers: the add_mod and mul_mod builtins (ModBuiltin instances, UInt384 values, offsets
// tables, batch size 1, values deduced for a gate's output and for its inputs) through
// starkware.cairo.common.modulo.run_mod_p_circuit; range_check96 for the input's 96-bit limbs
// (unsigned_div_rem with range_check_ptr bound to range_check96_ptr).
%builtins output range_check range_check96 add_mod mul_mod

from starkware.cairo.common.alloc import alloc
from starkware.cairo.common.cairo_builtins import ModBuiltin, UInt384
from starkware.cairo.common.math import assert_nn, assert_nn_le, unsigned_div_rem
from starkware.cairo.common.modulo import run_mod_p_circuit
from starkware.cairo.common.serialize import serialize_word

// proofgrid reads this constant to check a shard's argument count before running it.
const N_ARGS = 2;

// p = 0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab.
const P0 = 0xb153ffffb9feffffffffaaab;
const P1 = 0x6730d2a0f6b0f6241eabfffe;
const P2 = 0x434bacd764774b84f38512bf;
const P3 = 0x1a0111ea397fe69a4b1ba7b6;

// Offsets count felts: value j of the table is at offset 4 * j (UInt384.SIZE = 4).
const X = 0;
const C = 4;
const ONE = 8;

func main{
    output_ptr: felt*,
    range_check_ptr,
    range_check96_ptr,
    add_mod_ptr: ModBuiltin*,
    mul_mod_ptr: ModBuiltin*,
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
    local x = args[0];
    local n = args[1];
    assert_nn(x);
    assert_nn_le(n, 10000);
    let (x1, x0) = unsigned_div_rem{range_check_ptr=range_check96_ptr}(x, 2 ** 96);

    // The values table: x, 5, 1, then per round i the square at 3 + 2i and v_{i+1} at 4 + 2i,
    // then t, x + 1 and w. Only the first three are written here.
    let (local values: UInt384*) = alloc();
    assert values[0] = UInt384(x0, x1, 0, 0);
    assert values[1] = UInt384(5, 0, 0, 0);
    assert values[2] = UInt384(1, 0, 0, 0);

    // Gate i of a builtin reads offsets[3i] and offsets[3i + 1] and writes offsets[3i + 2]
    // (add: a + b = c, mul: a * b = c, mod p; any one of a, b, c may be the unknown).
    let (local add_offsets: felt*) = alloc();
    let (local mul_offsets: felt*) = alloc();
    let v = rounds(add_offsets, mul_offsets, X, 0, n);
    // The tail, after the rounds' 2n values: t = v - x as x + t = v (t unknown); y = x + 1;
    // w = 1 / y as y * w = 1 (w unknown).
    local t = (3 + 2 * n) * 4;
    local y = t + 4;
    local w = y + 4;
    let add_tail = add_offsets + 3 * n;
    assert add_tail[0] = X;
    assert add_tail[1] = t;
    assert add_tail[2] = v;
    assert add_tail[3] = X;
    assert add_tail[4] = ONE;
    assert add_tail[5] = y;
    let mul_tail = mul_offsets + 3 * n;
    assert mul_tail[0] = y;
    assert mul_tail[1] = w;
    assert mul_tail[2] = ONE;

    run_mod_p_circuit(
        p=UInt384(P0, P1, P2, P3),
        values_ptr=values,
        add_mod_offsets_ptr=add_offsets,
        add_mod_n=n + 2,
        mul_mod_offsets_ptr=mul_offsets,
        mul_mod_n=n + 1,
    );

    serialize_word(x);
    serialize_word(n);
    let table = cast(values, felt*);
    write_value(table + v);
    write_value(table + t);
    write_value(table + w);
    return ();
}

// Lays out rounds i..n: square the value at offset v into 3 + 2i, add 5 into 4 + 2i. Each
// round has one add gate and one mul gate. Returns the offset of v_n.
func rounds(add_offsets: felt*, mul_offsets: felt*, v: felt, i: felt, n: felt) -> felt {
    if (i == n) {
        return v;
    }
    tempvar square = (3 + 2 * i) * 4;
    tempvar next = square + 4;
    assert mul_offsets[0] = v;
    assert mul_offsets[1] = v;
    assert mul_offsets[2] = square;
    assert add_offsets[0] = square;
    assert add_offsets[1] = C;
    assert add_offsets[2] = next;
    return rounds(add_offsets + 3, mul_offsets + 3, next, i + 1, n);
}

func write_value{output_ptr: felt*}(value: felt*) {
    serialize_word(value[0]);
    serialize_word(value[1]);
    serialize_word(value[2]);
    serialize_word(value[3]);
    return ();
}
