//! How a shard's arguments reach a Cairo 0 program: one hint, registered with cairo-vm.
//!
//! A Cairo 0 job program reads its arguments with exactly this hint (two lines, as `%{ ... %}`
//! inside `main`, after `local args: felt*;` and `local n_args: felt;`):
//!
//! ```text
//! ids.args = segments.gen_arg(program_input['args'])
//! ids.n_args = len(program_input['args'])
//! ```
//!
//! proofgrid's runner executes it natively; the Python VM executes the same text with
//! `cairo-run --program_input input.json` where input.json is `{"args": [..]}`, so a job program
//! can be tried with StarkWare's tools too. The program also declares `const N_ARGS = k;` so the
//! runner can refuse a shard with the wrong number of arguments before running anything, and should
//! `assert n_args = N_ARGS;` so it refuses one itself. Hints are not part of the proof: the
//! arguments are bound to the proof only because the program echoes them to its output.

use std::collections::HashMap;
use std::rc::Rc;

use cairo_vm::hint_processor::builtin_hint_processor::builtin_hint_processor_definition::{
    BuiltinHintProcessor, HintFunc,
};
use cairo_vm::hint_processor::builtin_hint_processor::hint_utils::insert_value_from_var_name;
use cairo_vm::types::relocatable::MaybeRelocatable;
use cairo_vm::vm::runners::cairo_runner::RunResources;

use crate::Felt;

/// The hint's code as cairo-compile stores it in the compiled JSON.
pub const ARGS_HINT: &str =
    "ids.args = segments.gen_arg(program_input['args'])\nids.n_args = len(program_input['args'])";

/// The name of the constant a Cairo 0 job program declares its argument count in.
pub const N_ARGS_CONSTANT: &str = "__main__.N_ARGS";

/// A hint processor that knows cairo-lang's common-library hints plus the args hint for `args`.
pub(crate) fn hint_processor_with_args(args: &[Felt]) -> BuiltinHintProcessor {
    let values: Vec<MaybeRelocatable> = args.iter().map(|a| MaybeRelocatable::from(*a)).collect();
    let n_args = Felt::from(args.len());
    let hint = HintFunc(Box::new(move |vm, _scopes, ids, ap_tracking, _constants| {
        let base = vm.segments.gen_arg(&values)?;
        insert_value_from_var_name("args", base, vm, ids, ap_tracking)?;
        insert_value_from_var_name("n_args", n_args, vm, ids, ap_tracking)?;
        Ok(())
    }));
    let mut extra = HashMap::new();
    extra.insert(ARGS_HINT.to_string(), Rc::new(hint));
    BuiltinHintProcessor::new(extra, RunResources::default())
}
