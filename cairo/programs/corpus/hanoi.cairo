// Towers of Hanoi: the moves of the recursive solution recorded in an array of structs, replayed
// to check that each move is legal, and summarised.
//
// proofgrid job program (corpus). Args: n, with n <= 20 (the number of disks).
// Output: [n, number of moves, sum of (k + 1) * (3 * from_k + to_k) over the moves k, disks on
// peg 2 after replaying the moves]; pegs are 0, 1, 2 and the disks start on peg 0.
// Like every job program it echoes its arguments first: that is how a proof binds its shard.
// Covers: recursion with four arguments and an output pointer threaded through (implicit
// arguments), an array of structs written by pointer, a replay with per-peg counters in a struct
// updated through a jump-free select, range_check via assert_nn_le.
%builtins output range_check

from starkware.cairo.common.alloc import alloc
from starkware.cairo.common.math import assert_nn_le
from starkware.cairo.common.serialize import serialize_word

// proofgrid reads this constant to check a shard's argument count before running it.
const N_ARGS = 1;

struct Move {
    from_peg: felt,
    to_peg: felt,
}

struct Pegs {
    p0: felt,
    p1: felt,
    p2: felt,
}

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
    local n = args[0];
    assert_nn_le(n, 20);

    let (local moves: Move*) = alloc();
    let moves_ptr = moves;
    with moves_ptr {
        solve(n, 0, 2, 1);
    }
    local count = (moves_ptr - moves) / Move.SIZE;
    let checksum = weighted(moves, count, 1, 0);
    local checksum = checksum;
    let pegs = replay(moves, count, Pegs(p0=n, p1=0, p2=0));

    serialize_word(n);
    serialize_word(count);
    serialize_word(checksum);
    serialize_word(pegs.p2);
    return ();
}

// Appends the moves taking `disks` disks from peg `src` to peg `dst` through `via`.
func solve{moves_ptr: Move*}(disks: felt, src: felt, dst: felt, via: felt) {
    if (disks == 0) {
        return ();
    }
    solve(disks - 1, src, via, dst);
    assert moves_ptr.from_peg = src;
    assert moves_ptr.to_peg = dst;
    let moves_ptr = moves_ptr + Move.SIZE;
    return solve(disks - 1, via, dst, src);
}

func weighted(moves: Move*, left: felt, k: felt, acc: felt) -> felt {
    if (left == 0) {
        return acc;
    }
    return weighted(
        moves + Move.SIZE, left - 1, k + 1, acc + k * (3 * moves.from_peg + moves.to_peg)
    );
}

// The disk counts after the moves; each source peg must hold a disk.
func replay{range_check_ptr}(moves: Move*, left: felt, pegs: Pegs) -> Pegs {
    if (left == 0) {
        return pegs;
    }
    let src = moves.from_peg;
    let dst = moves.to_peg;
    // Indicator polynomials: (x - 1)(x - 2)/2 is 1 at 0, x(2 - x) is 1 at 1, x(x - 1)/2 at 2.
    tempvar s0 = (src - 1) * (src - 2) / 2;
    tempvar s1 = src * (2 - src);
    tempvar s2 = src * (src - 1) / 2;
    tempvar d0 = (dst - 1) * (dst - 2) / 2;
    tempvar d1 = dst * (2 - dst);
    tempvar d2 = dst * (dst - 1) / 2;
    tempvar next = Pegs(p0=pegs.p0 - s0 + d0, p1=pegs.p1 - s1 + d1, p2=pegs.p2 - s2 + d2);
    assert_nn_le(next.p0, 20);
    assert_nn_le(next.p1, 20);
    assert_nn_le(next.p2, 20);
    return replay(moves + Move.SIZE, left - 1, next);
}
