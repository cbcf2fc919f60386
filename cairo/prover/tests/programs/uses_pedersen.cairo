// Hashes its argument with the Pedersen builtin, which the prover does not support: proving it
// must be refused before any work, naming the builtin.
%builtins output pedersen

from starkware.cairo.common.cairo_builtins import HashBuiltin
from starkware.cairo.common.hash import hash2
from starkware.cairo.common.serialize import serialize_word

const N_ARGS = 1;

func main{output_ptr: felt*, pedersen_ptr: HashBuiltin*}() {
    alloc_locals;
    local args: felt*;
    local n_args: felt;
    %{
        ids.args = segments.gen_arg(program_input['args'])
        ids.n_args = len(program_input['args'])
    %}
    assert n_args = N_ARGS;
    serialize_word(args[0]);
    let (h) = hash2{hash_ptr=pedersen_ptr}(args[0], 1);
    serialize_word(h);
    return ();
}
