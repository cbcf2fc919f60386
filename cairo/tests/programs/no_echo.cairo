// Reads two arguments like a job program but outputs only their sum: it breaks the echo rule.
%builtins output

from starkware.cairo.common.serialize import serialize_word

const N_ARGS = 2;

func main{output_ptr: felt*}() {
    alloc_locals;
    local args: felt*;
    local n_args: felt;
    %{
        ids.args = segments.gen_arg(program_input['args'])
        ids.n_args = len(program_input['args'])
    %}
    assert n_args = N_ARGS;
    serialize_word(args[0] + args[1]);
    return ();
}
