// A Pedersen Merkle tree: 2^depth leaves derived from a seed, hashed pairwise up to the root;
// then the authentication path of one leaf is read off the tree and checked against the root the
// way a verifier would (knowing only the leaf, its index, the path and the root), once with the
// right leaf and once with a wrong one.
//
// proofgrid job program (corpus). Args: seed depth index, with seed any field element,
// depth <= 12 and index < 2^depth.
// Output: [seed, depth, index, root, leaf, ok, bad, p_0, ..., p_{depth-1}] where, with
// H = pedersen_hash, leaf_j = H(seed, j) for j < 2^depth, a node is H(left child, right child),
// root is the tree's root, leaf = leaf_index, p_l is the sibling at level l (leaves are level 0)
// on the path from leaf_index to the root, ok = 1 if the path verifies leaf_index (it does) and
// bad = 1 if it verifies leaf_index + 1 instead (it does not: 0).
// Like every job program it echoes its arguments first: that is how a proof binds its shard.
// Covers: the pedersen builtin through hash2 (HashBuiltin structs, pedersen_ptr passed as
// hash_ptr), a heap-layout tree in one array, index bits from unsigned_div_rem, pow, a variable
// length output.
%builtins output pedersen range_check

from starkware.cairo.common.alloc import alloc
from starkware.cairo.common.cairo_builtins import HashBuiltin
from starkware.cairo.common.hash import hash2
from starkware.cairo.common.math import assert_lt, assert_nn_le, unsigned_div_rem
from starkware.cairo.common.pow import pow
from starkware.cairo.common.serialize import serialize_word

// proofgrid reads this constant to check a shard's argument count before running it.
const N_ARGS = 3;

func main{output_ptr: felt*, pedersen_ptr: HashBuiltin*, range_check_ptr}() {
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
    local depth = args[1];
    local index = args[2];
    assert_nn_le(depth, 12);
    let (local width) = pow(2, depth);
    assert_nn_le(0, index);
    assert_lt(index, width);

    // tree[0..width) are the leaves; tree[width + k] = H(tree[2k], tree[2k + 1]), so each level
    // follows the one below it and the root is tree[2 * width - 2].
    let (local tree: felt*) = alloc();
    with pedersen_ptr {
        make_leaves(tree, seed, 0, width);
        make_nodes(tree, width, 0, width - 1);
    }
    local root = tree[2 * width - 2];
    local leaf = tree[index];

    let (local path: felt*) = alloc();
    read_path(tree, width, index, path, depth);

    let (ok) = verify_path{hash_ptr=pedersen_ptr}(leaf, index, path, depth, root);
    local ok = ok;
    let (bad) = verify_path{hash_ptr=pedersen_ptr}(leaf + 1, index, path, depth, root);
    local bad = bad;

    serialize_word(seed);
    serialize_word(depth);
    serialize_word(index);
    serialize_word(root);
    serialize_word(leaf);
    serialize_word(ok);
    serialize_word(bad);
    write_path(path, depth);
    return ();
}

// tree[j] = H(seed, j) for j in [j, width).
func make_leaves{pedersen_ptr: HashBuiltin*}(tree: felt*, seed: felt, j: felt, width: felt) {
    if (j == width) {
        return ();
    }
    let (h) = hash2{hash_ptr=pedersen_ptr}(seed, j);
    assert tree[j] = h;
    return make_leaves(tree, seed, j + 1, width);
}

// tree[width + k] = H(tree[2k], tree[2k + 1]) for k in [k, count).
func make_nodes{pedersen_ptr: HashBuiltin*}(tree: felt*, width: felt, k: felt, count: felt) {
    if (k == count) {
        return ();
    }
    let (h) = hash2{hash_ptr=pedersen_ptr}(tree[2 * k], tree[2 * k + 1]);
    assert tree[width + k] = h;
    return make_nodes(tree, width, k + 1, count);
}

// path[l] = the sibling of the node at position pos of the level of `width` nodes that starts at
// `level` (for each of the `left` levels below the root).
func read_path{range_check_ptr}(level: felt*, width: felt, pos: felt, path: felt*, left: felt) {
    if (left == 0) {
        return ();
    }
    let (parent, bit) = unsigned_div_rem(pos, 2);
    // The sibling of an even position is the next node, of an odd one the previous.
    assert path[0] = level[pos + 1 - 2 * bit];
    return read_path(level + width, width / 2, parent, path + 1, left - 1);
}

// Returns 1 if hashing `leaf` at position `index` up the `depth` siblings in `path` gives `root`,
// else 0.
func verify_path{range_check_ptr, hash_ptr: HashBuiltin*}(
    leaf: felt, index: felt, path: felt*, depth: felt, root: felt
) -> (res: felt) {
    if (depth == 0) {
        assert index = 0;
        if (leaf == root) {
            return (res=1);
        }
        return (res=0);
    }
    let (parent, bit) = unsigned_div_rem(index, 2);
    if (bit == 0) {
        let (node) = hash2(leaf, path[0]);
        return verify_path(node, parent, path + 1, depth - 1, root);
    }
    let (node) = hash2(path[0], leaf);
    return verify_path(node, parent, path + 1, depth - 1, root);
}

func write_path{output_ptr: felt*}(path: felt*, left: felt) {
    if (left == 0) {
        return ();
    }
    serialize_word(path[0]);
    return write_path(path + 1, left - 1);
}
