//! Running one shard in cairo-vm 3.2's proof mode, within a step and a memory budget.
//!
//! The run follows `cairo_vm::cairo_run::cairo_run_program` (initialize, run to the end loop, one
//! more step so the end loop is the last step, end the run, finalize segments, relocate) with two
//! differences: the trace is not padded (the prover pads to its own power of two), and the run
//! proceeds in slices of at most `SLICE_STEPS` steps so the memory budget is checked while it runs,
//! not only after a runaway program has already taken the machine's memory.

use std::any::Any;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use cairo_lang_runner::{Arg, CairoHintProcessor};
use cairo_vm::hint_processor::hint_processor_definition::{HintProcessor, HintProcessorLogic, HintReference};
use cairo_vm::serde::deserialize_program::ApTracking;
use cairo_vm::air_private_input::PrivateInput;
use cairo_vm::types::builtin_name::BuiltinName;
use cairo_vm::types::exec_scope::ExecutionScopes;
use cairo_vm::types::layout_name::LayoutName;
use cairo_vm::types::program::Program as VmProgram;
use cairo_vm::vm::errors::hint_errors::HintError;
use cairo_vm::vm::errors::vm_errors::VirtualMachineError;
use cairo_vm::vm::errors::vm_exception::VmException;
use cairo_vm::vm::runners::cairo_runner::{CairoRunner, ResourceTracker, RunResources};
use cairo_vm::vm::vm_core::VirtualMachine;

use crate::args_hint::hint_processor_with_args;
use crate::builtin::Builtin;
use crate::error::Error;
use crate::execution::{Execution, RegisterState, SegmentBounds, Segments, SignatureWitness};
use crate::program::{standalone_entrypoint, Body, Program};
use crate::statement::Statement;
use crate::{hash, Felt};

/// The layout the VM runs with: it has every builtin, so any program's builtins exist; which of
/// them the prover supports is the prover's decision.
const LAYOUT: LayoutName = LayoutName::all_cairo;

/// Largest number of steps between two memory checks.
const SLICE_STEPS: usize = 1 << 16;

/// Smallest slice, however close the run is to its memory budget.
const MIN_SLICE_STEPS: usize = 1 << 10;

/// A cell-count upper bound on what one step can add to memory (three operands), used to size
/// slices so the memory budget cannot be overrun by more than what hints allocate.
const CELLS_PER_STEP: usize = 3;

/// Resource caps for one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest number of steps, counting the final step at the end loop.
    pub max_steps: usize,
    /// Largest number of memory cells (over all segments) the run may hold.
    pub max_memory_cells: usize,
}

impl Default for Limits {
    /// 2^23 steps and 2^25 cells: a few GiB at most, well above the 2^14..2^18-step shards jobs use.
    fn default() -> Self {
        Limits {
            max_steps: 1 << 23,
            max_memory_cells: 1 << 25,
        }
    }
}

/// Runs `program` on one shard's `args` in proof mode and returns the relocated execution.
///
/// Fails with a specific [`Error`] for a wrong argument count, a program that rejects its
/// arguments, the step or memory limit, or any VM error; a panic inside the VM is caught and
/// returned as an error too.
pub fn execute(program: &Program, args: &[Felt], limits: &Limits) -> Result<Execution, Error> {
    if let Some(expected) = program.expected_args() {
        if expected != args.len() {
            return Err(Error::ArgCount {
                expected,
                given: args.len(),
            });
        }
    }
    let started = std::time::Instant::now();
    let result = catch_unwind(AssertUnwindSafe(|| match &program.body {
        Body::Cairo0 { vm, .. } => {
            let mut hints = hint_processor_with_args(args);
            run(vm, &mut hints, limits, |_| {})
        }
        Body::Cairo1 { executable } => run_cairo1(executable, args, limits),
    }))
    .unwrap_or_else(|panic| Err(Error::Vm(format!("the Cairo VM panicked: {}", panic_message(&*panic)))));
    let runner = result?;
    let execution = collect(&runner, program, args)?;
    tracing::debug!(
        steps = execution.steps,
        cells = execution.memory_cells(),
        elapsed = ?started.elapsed(),
        "executed"
    );
    Ok(execution)
}

/// [`execute`], then the args-echo check: the dry run an organization does before publishing a
/// job, and what `org-tool run` does.
pub fn dry_run(program: &Program, args: &[Felt], limits: &Limits) -> Result<Execution, Error> {
    let execution = execute(program, args, limits)?;
    Statement::from_execution(&execution).check_args_echo()?;
    Ok(execution)
}

fn run_cairo1(
    executable: &cairo_lang_executable::executable::Executable,
    args: &[Felt],
    limits: &Limits,
) -> Result<CairoRunner, Error> {
    let entrypoint = standalone_entrypoint(executable).map_err(Error::Vm)?;
    let (vm_program, string_to_hint) =
        cairo_lang_execute_utils::program_and_hints_from_executable(executable, entrypoint)
            .map_err(|e| Error::Vm(format!("{e:#}")))?;
    let mut hints = CairoHintProcessor {
        runner: None,
        // The Standalone entry point takes one parameter, a span of felts, which the program's
        // generated wrapper deserialises into main's declared parameters.
        user_args: vec![vec![Arg::Array(args.iter().map(|a| Arg::Value(*a)).collect())]],
        string_to_hint,
        starknet_state: Default::default(),
        run_resources: RunResources::default(),
        syscalls_used_resources: Default::default(),
        no_temporary_segments: true,
        markers: Vec::new(),
        panic_traceback: Vec::new(),
    };
    let result = run(&vm_program, &mut hints, limits, |_| {});
    match result {
        Err(Error::Vm(vm_message)) if !hints.markers.is_empty() => {
            // A Cairo 1 program reports a panic by a marker holding its panic data.
            let panic = hints
                .markers
                .iter()
                .map(|marker| marker.iter().map(felt_as_text).collect::<Vec<_>>().join(", "))
                .collect::<Vec<_>>()
                .join("; ");
            if panic.contains("Failed to deserialize param") || panic.contains("Input too long for params") {
                Err(Error::ArgsRejected(format!(
                    "{panic} (the arguments do not match the parameters of its main function)"
                )))
            } else {
                Err(Error::Vm(format!("the program panicked with [{panic}] ({vm_message})")))
            }
        }
        other => other,
    }
}

/// A felt as its Cairo short string when it is one, else in hex.
fn felt_as_text(felt: &Felt) -> String {
    cairo_lang_runner::short_string::as_cairo_short_string(felt)
        .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_graphic() || c == ' '))
        .map(|s| format!("'{s}'"))
        .unwrap_or_else(|| format!("{felt:#x}"))
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "no message".to_string())
}

/// Runs to the end loop in slices, checking the step and memory budgets between slices.
/// `prepare` sees the runner once it is initialised, before the first step (the product passes a
/// no-op; the `forge` module switches the builtins' own validation off there).
pub(crate) fn run(
    program: &VmProgram,
    hints: &mut dyn HintProcessor,
    limits: &Limits,
    prepare: impl FnOnce(&mut CairoRunner),
) -> Result<CairoRunner, Error> {
    let vm_error = |e: &dyn std::fmt::Display| Error::Vm(e.to_string());
    let mut runner = CairoRunner::new(program, LAYOUT, None, true, true, true).map_err(|e| vm_error(&e))?;
    // Proof mode allows builtins the layout lacks; all_cairo lacks none.
    let end = runner.initialize(true).map_err(|e| vm_error(&e))?;
    prepare(&mut runner);

    // The final step at the end loop is one of the max_steps.
    let step_budget = limits.max_steps.saturating_sub(1);
    loop {
        let steps = runner.vm.get_current_step();
        let cells = memory_cells(&mut runner.vm);
        if cells > limits.max_memory_cells {
            return Err(Error::MemoryLimit {
                limit: limits.max_memory_cells,
                used: cells,
            });
        }
        if steps >= step_budget {
            return Err(Error::StepLimit {
                limit: limits.max_steps,
            });
        }
        // Near the memory cap slices shrink, but not below MIN_SLICE_STEPS: every slice recompiles
        // the program's hints, and a program idling near the cap must still reach the step limit
        // in reasonable time. Memory never shrinks, so an overshoot found here is final.
        let headroom = (limits.max_memory_cells - cells) / CELLS_PER_STEP;
        let slice = SLICE_STEPS
            .min(headroom.max(MIN_SLICE_STEPS))
            .min(step_budget - steps);
        let mut metered = Metered {
            inner: &mut *hints,
            remaining: slice,
        };
        match runner.run_until_pc(end, &mut metered) {
            Ok(()) => break,
            Err(VirtualMachineError::UnfinishedExecution) => continue,
            Err(e) => {
                return Err(Error::Vm(VmException::from_vm_error(&runner, e).to_string()));
            }
        }
    }
    let finish = |runner: &mut CairoRunner, hints: &mut dyn HintProcessor| -> Result<(), String> {
        runner.run_for_steps(1, hints).map_err(|e| e.to_string())?;
        runner.end_run(true, false, hints, false).map_err(|e| e.to_string())?;
        runner.read_return_values(true).map_err(|e| e.to_string())?;
        runner.finalize_segments().map_err(|e| e.to_string())?;
        runner.relocate(true, true).map_err(|e| e.to_string())?;
        Ok(())
    };
    finish(&mut runner, hints).map_err(Error::Vm)?;
    let cells = runner.relocated_memory.iter().filter(|c| c.is_some()).count();
    if cells > limits.max_memory_cells {
        return Err(Error::MemoryLimit {
            limit: limits.max_memory_cells,
            used: cells,
        });
    }
    Ok(runner)
}

/// The ecdsa builtin's signatures (from cairo-vm's private input: r and w = s⁻¹ mod n), at
/// their instances' relocated addresses. cairo-vm numbers a signature by its offset in whatever
/// segment the hint named, so only those whose public key and message are the cells of the
/// instance they number are kept (a hint naming another segment adds nothing), one per instance.
fn signatures(runner: &CairoRunner, segment: Option<SegmentBounds>) -> Vec<SignatureWitness> {
    let Some(segment) = segment else { return Vec::new() };
    let memory = &runner.relocated_memory;
    let cell = |a: u64| memory.get(a as usize).copied().flatten();
    let private = runner.get_air_private_input();
    let mut out: Vec<SignatureWitness> = private
        .0
        .get(&BuiltinName::ecdsa)
        .into_iter()
        .flatten()
        .filter_map(|input| match input {
            PrivateInput::Signature(sig) => {
                let address = segment.begin.checked_add(2 * sig.index as u64)?;
                let ours = address < segment.stop && cell(address) == Some(sig.pubkey) && cell(address + 1) == Some(sig.msg);
                ours.then_some(SignatureWitness { address, r: sig.signature_input.r, w: sig.signature_input.w })
            }
            _ => None,
        })
        .collect();
    out.sort_by_key(|g| g.address);
    out.dedup_by_key(|g| g.address);
    out
}

/// Cells currently in the VM's memory (holes included up to each segment's last written cell).
fn memory_cells(vm: &mut VirtualMachine) -> usize {
    // compute_effective_sizes caches its answer, and the run must not see a stale cache: compute
    // from scratch and put back whatever was there.
    let saved = vm.segments.segment_used_sizes.take();
    let total = vm.segments.compute_effective_sizes().iter().sum();
    vm.segments.segment_used_sizes = saved;
    total
}

/// Delegates hints to `inner` and reports the step budget as consumed after `remaining` steps, so
/// that `run_until_pc` returns control between slices.
struct Metered<'a> {
    inner: &'a mut dyn HintProcessor,
    remaining: usize,
}

impl HintProcessorLogic for Metered<'_> {
    fn execute_hint(
        &mut self,
        vm: &mut VirtualMachine,
        exec_scopes: &mut ExecutionScopes,
        hint_data: &Box<dyn Any>,
    ) -> Result<(), HintError> {
        self.inner.execute_hint(vm, exec_scopes, hint_data)
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
        self.inner.compile_hint(
            hint_code,
            ap_tracking_data,
            reference_ids,
            references,
            accessible_scopes,
            constants,
        )
    }
}

impl ResourceTracker for Metered<'_> {
    fn consumed(&self) -> bool {
        self.remaining == 0
    }

    fn consume_step(&mut self) {
        self.remaining = self.remaining.saturating_sub(1);
    }

    fn get_n_steps(&self) -> Option<usize> {
        Some(self.remaining)
    }
}

/// Reads the relocated run into an `Execution`.
pub(crate) fn collect(runner: &CairoRunner, program: &Program, args: &[Felt]) -> Result<Execution, Error> {
    let broken = |what: &str| Error::Vm(format!("cairo-vm's relocated run is missing {what}"));
    let public = runner
        .get_air_public_input()
        .map_err(|e| Error::Vm(format!("cannot read the public input: {e}")))?;
    let bounds = |name: &str| {
        public
            .memory_segments
            .get(name)
            .map(|s| SegmentBounds {
                begin: s.begin_addr as u64,
                stop: s.stop_ptr as u64,
            })
            .ok_or_else(|| broken(&format!("the {name} segment")))
    };
    let builtins: Vec<Builtin> = program.builtins().to_vec();
    let segments = Segments {
        program: bounds("program")?,
        execution: bounds("execution")?,
        builtins: builtins
            .iter()
            .map(|b| Ok((*b, bounds(b.name())?)))
            .collect::<Result<_, Error>>()?,
    };
    let memory = runner.relocated_memory.clone();
    let read = |address: u64| {
        memory
            .get(address as usize)
            .copied()
            .flatten()
            .ok_or_else(|| broken(&format!("a value at address {address}")))
    };
    let output = match segments.builtin(Builtin::Output) {
        Some(out) => (out.begin..out.stop).map(read).collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    // The program is loaded at the first relocated address.
    let bytecode = (1..=program.bytecode().len() as u64)
        .map(read)
        .collect::<Result<Vec<_>, _>>()?;
    let public_memory = public
        .public_memory
        .iter()
        .map(|entry| {
            entry
                .value
                .map(|v| (entry.address as u64, v))
                .ok_or_else(|| broken(&format!("the public cell at address {}", entry.address)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let trace: Vec<RegisterState> = runner
        .relocated_trace
        .as_ref()
        .ok_or_else(|| broken("the trace"))?
        .iter()
        .map(|t| RegisterState {
            pc: t.pc as u64,
            ap: t.ap as u64,
            fp: t.fp as u64,
        })
        .collect();
    let signatures = signatures(runner, segments.builtin(Builtin::Ecdsa));
    Ok(Execution {
        signatures,
        program_hash: hash::program_hash(&builtins, &bytecode),
        bytecode,
        args: args.to_vec(),
        output,
        steps: trace.len(),
        trace,
        memory,
        public_memory,
        segments,
        builtins,
    })
}
