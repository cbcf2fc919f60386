//! Adversarial executions, for soundness tests only (feature `forge`; nothing in the product uses
//! it).
//!
//! A cheating prover is not bound by cairo-vm: it can answer hints however it likes, skip the
//! checks the VM's builtin runners make, and state the run it proves however it likes. The
//! verifier must refuse every such run that proves something false. This module builds them, so
//! that each change to the AIR or the statement can be attacked the same way, by the tests in
//! `cairo/prover/tests/forgery.rs`:
//!
//! - [`execute_lying`] runs a Cairo 0 program in cairo-vm with some hints replaced by [`Lie`]s and
//!   with every builtin's validation rule switched off (a range_check cell may then hold any
//!   felt, as it may in a trace nobody checks);
//! - [`restate_builtins`] restates a run as declaring another builtin list (one left out, the
//!   order permuted), reading the builtin pointers from the cells where the program keeps them,
//!   as a prover that states that list must;
//! - [`substitute`] replaces a value everywhere in memory and in the output: a run in which a
//!   value the VM computed (a builtin's hash, say) came out as another.

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

use cairo_vm::hint_processor::builtin_hint_processor::builtin_hint_processor_definition::BuiltinHintProcessor;
use cairo_vm::hint_processor::hint_processor_definition::{HintProcessorLogic, HintReference};
use cairo_vm::serde::deserialize_program::ApTracking;
use cairo_vm::types::exec_scope::ExecutionScopes;
use cairo_vm::types::relocatable::MaybeRelocatable;
use cairo_vm::vm::errors::hint_errors::HintError;
use cairo_vm::vm::errors::vm_errors::VirtualMachineError;
use cairo_vm::vm::runners::cairo_runner::ResourceTracker;
use cairo_vm::vm::vm_core::VirtualMachine;
use cairo_vm::vm::vm_memory::memory::ValidationRule;

use crate::args_hint::hint_processor_with_args;
use crate::builtin::Builtin;
use crate::error::Error;
use crate::execute::{collect, run, Limits};
use crate::execution::{Execution, SegmentBounds};
use crate::program::{Body, Program};
use crate::{hash, Felt};

/// What a lie does in place of its hint.
pub type LieAct = Box<dyn Fn(&mut VirtualMachine) -> Result<(), HintError>>;

/// A hint whose honest effect is replaced: whenever the program reaches a hint with this code,
/// the lie runs instead.
pub struct Lie {
    code: String,
    act: LieAct,
}

impl Lie {
    pub fn new(code: &str, act: LieAct) -> Lie {
        Lie { code: code.to_string(), act }
    }

    /// Writes `value` at `[ap]` instead of running the hint (how `is_nn`-style answers are faked).
    pub fn write_ap(code: &str, value: Felt) -> Lie {
        Lie::new(
            code,
            Box::new(move |vm| {
                vm.insert_value(vm.get_ap(), MaybeRelocatable::from(value)).map_err(HintError::Memory)
            }),
        )
    }
}

/// cairo-lang's `is_nn` hint: "is `a` in [0, 2^128)?", answered at `[ap]` (0 for yes).
pub const IS_NN: &str = "memory[ap] = 0 if 0 <= (ids.a % PRIME) < range_check_builtin.bound else 1";
/// `is_nn`'s second hint: "is `-a - 1` in [0, 2^128)?".
pub const IS_NN_OUT_OF_RANGE: &str =
    "memory[ap] = 0 if 0 <= ((-ids.a - 1) % PRIME) < range_check_builtin.bound else 1";

/// `is_nn(a)` answers 0 ("a is negative") for every `a`: the first hint says `a` is out of range,
/// the second that `-a - 1` is in range, so the program range-checks `-a - 1`, a huge felt for a
/// small `a`. `is_le(x, y)` then says `x > y` for every `x`, `y`.
pub fn is_nn_always_negative() -> Vec<Lie> {
    vec![Lie::write_ap(IS_NN, Felt::ONE), Lie::write_ap(IS_NN_OUT_OF_RANGE, Felt::ZERO)]
}

/// Runs a Cairo 0 program on `args` with each lie in place of its hint and with every builtin's
/// validation rule switched off, then collects the run as [`crate::execute`] does.
pub fn execute_lying(program: &Program, args: &[Felt], lies: Vec<Lie>) -> Result<Execution, Error> {
    let Body::Cairo0 { vm, .. } = &program.body else {
        return Err(Error::Vm("execute_lying runs Cairo 0 programs only".into()));
    };
    let mut liar = Liar { inner: hint_processor_with_args(args), lies };
    let runner = run(vm, &mut liar, &Limits::default(), |runner| {
        let bases: Vec<usize> = runner.vm.builtin_runners.iter().map(|b| b.base()).collect();
        for base in bases {
            runner.vm.segments.memory.add_validation_rule(base, ValidationRule(Box::new(|_, addr| Ok(vec![addr]))));
        }
    })?;
    collect(&runner, program, args)
}

/// Restates `exec` as a run of a program declaring `names`: each builtin's base is read from the
/// cell above the initial ap and its stop pointer from the cell below the final ap where the
/// program keeps the pointer at that position, the output is the memory of the output segment so
/// read (holes as 0), and the program hash is recomputed over the new list.
pub fn restate_builtins(exec: &Execution, names: &[Builtin]) -> Execution {
    let mut out = exec.clone();
    let ap0 = exec.initial_registers().ap;
    let final_ap = exec.final_registers().ap;
    let k = names.len() as u64;
    let read = |addr: u64| -> u64 {
        let felt = exec.memory.get(addr as usize).copied().flatten().unwrap_or(Felt::ZERO);
        u64::try_from(felt.to_biguint()).unwrap_or(u64::MAX)
    };
    out.segments.builtins = names
        .iter()
        .enumerate()
        .map(|(i, b)| (*b, SegmentBounds { begin: read(ap0 + i as u64), stop: read(final_ap - k + i as u64) }))
        .collect();
    out.builtins = names.to_vec();
    out.output.clear();
    if let Some(seg) = out.segments.builtin(Builtin::Output) {
        if out.memory.len() < seg.stop as usize {
            out.memory.resize(seg.stop as usize, None);
        }
        for addr in seg.begin..seg.stop {
            let cell = out.memory[addr as usize].get_or_insert(Felt::ZERO);
            out.output.push(*cell);
        }
    }
    out.program_hash = hash::program_hash(names, &out.bytecode);
    out
}

/// Replaces every memory cell and output word equal to `from` with `to`.
pub fn substitute(exec: &Execution, from: Felt, to: Felt) -> Execution {
    let mut out = exec.clone();
    for cell in out.memory.iter_mut().flatten() {
        if *cell == from {
            *cell = to;
        }
    }
    for word in &mut out.output {
        if *word == from {
            *word = to;
        }
    }
    out
}

/// Hands every hint to cairo-vm's processor except those a lie replaces.
struct Liar {
    inner: BuiltinHintProcessor,
    lies: Vec<Lie>,
}

/// What `compile_hint` returns for a lied-about hint: which lie.
struct LieIndex(usize);

impl HintProcessorLogic for Liar {
    fn execute_hint(
        &mut self,
        vm: &mut VirtualMachine,
        exec_scopes: &mut ExecutionScopes,
        hint_data: &Box<dyn Any>,
    ) -> Result<(), HintError> {
        match hint_data.downcast_ref::<LieIndex>() {
            Some(LieIndex(i)) => (self.lies[*i].act)(vm),
            None => self.inner.execute_hint(vm, exec_scopes, hint_data),
        }
    }

    fn compile_hint(
        &self,
        hint_code: &str,
        ap_tracking_data: &ApTracking,
        reference_ids: &HashMap<String, usize>,
        references: &[HintReference],
        accessible_scopes: &[String],
        constants: Arc<HashMap<String, Felt>>,
    ) -> Result<Box<dyn Any>, VirtualMachineError> {
        if let Some(i) = self.lies.iter().position(|l| l.code == hint_code) {
            return Ok(Box::new(LieIndex(i)));
        }
        self.inner.compile_hint(hint_code, ap_tracking_data, reference_ids, references, accessible_scopes, constants)
    }
}

impl ResourceTracker for Liar {}
