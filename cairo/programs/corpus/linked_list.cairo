// A linked list of structs: built with `new`, walked by high-level recursion and by a hand-written
// loop that reads every field through a pointer, and copied in reverse.
//
// proofgrid job program (corpus). Args: n (the list's length, small).
// Output: [n, sum of v_i, sum of (j + 1) * r_j, node 3's value or 0] where v_i = i * i + 1 for i in
// 0..n is the list in order and r_j = v_{n - 1 - j} the reversed list.
// Like every job program it echoes its arguments first: that is how a proof binds its shard.
// Covers: double dereference with op0 ap-based ([[ap - 1]], [[ap - 3] + 1]) and fp-based
// ([[fp - 3] + 1]), structs and `new`, null pointers, jnz on a pointer.
%builtins output

from starkware.cairo.common.serialize import serialize_word

// proofgrid reads this constant to check a shard's argument count before running it.
const N_ARGS = 1;

struct Node {
    value: felt,
    next: Node*,
}

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

    let list = build(n, cast(0, Node*));
    local list: Node* = list;
    let sum = sum_rec(list);
    // The same sum by the hand-written loop.
    let walked = walk_sum(list);
    assert walked = sum;
    local sum = sum;
    let reversed = reverse(list, cast(0, Node*));
    let weighted = weighted_sum(reversed, 1);
    local weighted = weighted;
    let third = nth_or_zero(list, 3);
    local third = third;

    serialize_word(n);
    serialize_word(sum);
    serialize_word(weighted);
    serialize_word(third);
    return ();
}

// The list v_0, ..., v_{i - 1} followed by tail.
func build(i: felt, tail: Node*) -> Node* {
    if (i == 0) {
        return tail;
    }
    let v = (i - 1) * (i - 1) + 1;
    return build(i - 1, new Node(value=v, next=tail));
}

func sum_rec(node: Node*) -> felt {
    if (node == 0) {
        return 0;
    }
    let rest = sum_rec(node.next);
    return node.value + rest;
}

// Sum of the values, by a loop over [ap - 2] = sum, [ap - 1] = node.
func walk_sum(node: Node*) -> felt {
    [ap] = 0, ap++;
    [ap] = [fp - 3], ap++;
    jmp loop if [ap - 1] != 0;
    [ap] = 0, ap++;
    ret;

    loop:
    [ap] = [[ap - 1]], ap++;  // node.value
    [ap] = [ap - 3] + [ap - 1], ap++;  // sum + node.value
    [ap] = [[ap - 3] + 1], ap++;  // node.next
    jmp loop if [ap - 1] != 0;
    [ap] = [ap - 2], ap++;
    ret;
}

// node's list reversed, followed by acc.
func reverse(node: Node*, acc: Node*) -> Node* {
    if (node == 0) {
        return acc;
    }
    return reverse(node.next, new Node(value=node.value, next=acc));
}

// Sum of (weight + j) * value_j.
func weighted_sum(node: Node*, weight: felt) -> felt {
    if (node == 0) {
        return 0;
    }
    let rest = weighted_sum(node.next, weight + 1);
    return weight * node.value + rest;
}

func nth_or_zero(node: Node*, k: felt) -> felt {
    if (node == 0) {
        return 0;
    }
    if (k == 0) {
        return node.value;
    }
    return nth_or_zero(node.next, k - 1);
}
