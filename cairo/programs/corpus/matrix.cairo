// Matrix multiplication: three nested loops over row-major arrays, index arithmetic i * n + j.
//
// proofgrid job program (corpus). Args: n, with n >= 1 (the matrices are n x n; small).
// Output: [n, trace of C, sum of C's entries, C[n - 1][0], sum of C[i][j] * (i - j)] for C = A B,
// A[i][j] = i + 2j + 1, B[i][j] = i j + 1; the last sum may be negative (as a field element).
// Like every job program it echoes its arguments first: that is how a proof binds its shard.
// Covers: nested loops (three levels of tail recursion), reads at computed addresses
// [[ap - k]] and [[fp - k] + m], products of two memory operands, an explicit ap-based loop.
%builtins output

from starkware.cairo.common.alloc import alloc
from starkware.cairo.common.serialize import serialize_word

// proofgrid reads this constant to check a shard's argument count before running it.
const N_ARGS = 1;

func main{output_ptr: felt*}() {
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

    let (a) = alloc();
    let (b) = alloc();
    let (c) = alloc();
    fill(a, b, n, 0, 0);
    multiply(a, b, c, n, 0, 0);
    let trace = diagonal_sum(c, n, 0);
    local trace = trace;
    let total = entry_sum(c, n * n);
    local total = total;
    let skew = skew_sum(c, n, 0, 0, 0);
    local skew = skew;

    serialize_word(n);
    serialize_word(trace);
    serialize_word(total);
    serialize_word(c[(n - 1) * n]);
    serialize_word(skew);
    return ();
}

// Fills A and B from entry (i, j) on.
func fill(a: felt*, b: felt*, n: felt, i: felt, j: felt) {
    if (i == n) {
        return ();
    }
    if (j == n) {
        return fill(a, b, n, i + 1, 0);
    }
    assert a[i * n + j] = i + 2 * j + 1;
    assert b[i * n + j] = i * j + 1;
    return fill(a, b, n, i, j + 1);
}

// Writes C from entry (i, j) on.
func multiply(a: felt*, b: felt*, c: felt*, n: felt, i: felt, j: felt) {
    if (i == n) {
        return ();
    }
    if (j == n) {
        return multiply(a, b, c, n, i + 1, 0);
    }
    let dot = row_col(a + i * n, b + j, n, n, 0);
    assert c[i * n + j] = dot;
    return multiply(a, b, c, n, i, j + 1);
}

// acc + sum of row[k] * col[k * stride] for k in 0..left.
func row_col(row: felt*, col: felt*, stride: felt, left: felt, acc: felt) -> felt {
    if (left == 0) {
        return acc;
    }
    return row_col(row + 1, col + stride, stride, left - 1, acc + row[0] * col[0]);
}

func diagonal_sum(c: felt*, n: felt, i: felt) -> felt {
    if (i == n) {
        return 0;
    }
    let rest = diagonal_sum(c, n, i + 1);
    return c[i * n + i] + rest;
}

// Sum of p[0..len] by an explicit loop: [ap - 3] = sum, [ap - 2] = pointer, [ap - 1] = left.
func entry_sum(p: felt*, len: felt) -> felt {
    [ap] = 0, ap++;
    [ap] = [fp - 4], ap++;
    [ap] = [fp - 3], ap++;
    jmp loop if [ap - 1] != 0;
    [ap] = 0, ap++;
    ret;

    loop:
    [ap] = [[ap - 2]], ap++;  // the entry the pointer points to
    [ap] = [ap - 4] + [ap - 1], ap++;  // sum + entry
    [ap] = [ap - 4] + 1, ap++;  // pointer + 1
    [ap] = [ap - 4] + (-1), ap++;  // left - 1
    jmp loop if [ap - 1] != 0;
    [ap] = [ap - 3], ap++;
    ret;
}

func skew_sum(c: felt*, n: felt, i: felt, j: felt, acc: felt) -> felt {
    if (i == n) {
        return acc;
    }
    if (j == n) {
        return skew_sum(c, n, i + 1, 0, acc);
    }
    return skew_sum(c, n, i, j + 1, acc + c[i * n + j] * (i - j));
}
