//! Programs in: Cairo 0 compiled JSON (cairo-compile --proof_mode), Cairo 1 executables (Scarb's
//! `executable` target), or Cairo 0 source compiled on the fly.

use std::path::{Path, PathBuf};

use cairo_lang_executable::executable::{EntryPointKind, Executable, ExecutableEntryPoint};
use cairo_vm::types::program::Program as VmProgram;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::args_hint::{ARGS_HINT, N_ARGS_CONSTANT};
use crate::builtin::Builtin;
use crate::error::Error;
use crate::{compiler, hash, Felt};

/// What the verifier takes from the job, never from a proof: the program's hash (over its builtin
/// list and bytecode) and its builtin list, names and order, as the program declares them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramIdentity {
    #[serde(with = "crate::felt::single")]
    pub hash: Felt,
    pub builtins: Vec<Builtin>,
    /// Words of bytecode: a statement of another length is refused before it is hashed.
    pub bytecode_len: usize,
}

/// Which language a program was compiled from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgramKind {
    Cairo0,
    Cairo1,
}

/// A loaded program, ready to execute any number of shards.
#[derive(Clone)]
pub struct Program {
    path: PathBuf,
    bytecode: Vec<Felt>,
    builtins: Vec<Builtin>,
    pub(crate) body: Body,
}

#[derive(Clone)]
pub(crate) enum Body {
    /// `n_args`: how many arguments the program reads (0 if it has no args hint).
    Cairo0 { vm: VmProgram, n_args: usize },
    /// Cairo 1 parameters are checked by the program's own deserialisation when it runs.
    Cairo1 { executable: Box<Executable> },
}

impl Program {
    /// Loads a program from a file: `.cairo` source (Cairo 0, compiled now) or compiled JSON of
    /// either format.
    pub fn load(path: &Path) -> Result<Program, Error> {
        if !path.exists() {
            return Err(Error::io(
                path,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
            ));
        }
        if path.extension().is_some_and(|e| e == "cairo") {
            return Program::compile(path);
        }
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Program::from_json(&bytes, path)
    }

    /// Compiles Cairo 0 source and loads the result.
    pub fn compile(source: &Path) -> Result<Program, Error> {
        let dir = tempfile::tempdir().map_err(|e| Error::io(std::env::temp_dir(), e))?;
        let compiled = dir.path().join("program.json");
        compiler::compile(source, &compiled)?;
        let bytes = std::fs::read(&compiled).map_err(|e| Error::io(&compiled, e))?;
        let mut program = Program::from_json(&bytes, source)?;
        program.path = source.to_path_buf();
        Ok(program)
    }

    /// Loads compiled JSON of either format; `origin` names it in errors.
    pub fn from_json(bytes: &[u8], origin: &Path) -> Result<Program, Error> {
        let bad = |reason: String| Error::BadProgram {
            path: origin.to_path_buf(),
            reason,
        };
        let json: Value = serde_json::from_slice(bytes)
            .map_err(|e| bad(format!("it is not JSON ({e}); pass Cairo 0 source, compiled JSON or a Cairo 1 executable")))?;
        if json.get("entrypoints").is_some() && json.get("program").is_some() {
            let executable: Executable = serde_json::from_value(json)
                .map_err(|e| bad(format!("it looks like a Cairo 1 executable but does not parse: {e}")))?;
            Program::from_cairo1(executable, origin)
        } else if json.get("data").is_some() && json.get("identifiers").is_some() {
            Program::from_cairo0(bytes, &json, origin)
        } else {
            Err(bad(
                "it is neither Cairo 0 compiled JSON (from cairo-compile) nor a Cairo 1 executable \
                 (from scarb build with an [executable] target)"
                    .to_string(),
            ))
        }
    }

    fn from_cairo0(bytes: &[u8], json: &Value, origin: &Path) -> Result<Program, Error> {
        let bad = |reason: String| Error::BadProgram {
            path: origin.to_path_buf(),
            reason,
        };
        if json.pointer("/identifiers/__main__.__start__").is_none() {
            return Err(bad(
                "it was compiled without --proof_mode; compile it with `org-tool compile` \
                 (or cairo-compile --proof_mode)"
                    .to_string(),
            ));
        }
        let vm = VmProgram::from_bytes(bytes, Some("main"))
            .map_err(|e| bad(format!("cairo-vm cannot load it: {e}")))?;
        let reads_args = json
            .get("hints")
            .and_then(Value::as_object)
            .is_some_and(|hints| {
                hints.values().filter_map(Value::as_array).flatten().any(|hint| {
                    hint.get("code").and_then(Value::as_str) == Some(ARGS_HINT)
                })
            });
        let declared = json
            .pointer(&format!("/identifiers/{}", N_ARGS_CONSTANT.replace('/', "~1")))
            .map(|ident| {
                ident
                    .get("value")
                    .and_then(Value::as_u64)
                    .ok_or_else(|| bad("its N_ARGS is not a small non-negative constant".to_string()))
            })
            .transpose()?;
        let n_args = match (reads_args, declared) {
            (true, Some(n)) => n as usize,
            (true, None) => {
                return Err(bad(
                    "it reads arguments but does not say how many: declare `const N_ARGS = k;` \
                     at the top level of the program"
                        .to_string(),
                ))
            }
            (false, None) | (false, Some(0)) => 0,
            (false, Some(n)) => {
                return Err(bad(format!(
                    "it declares N_ARGS = {n} but never reads its arguments; read them with the \
                     args hint `{}` (see proofgrid's README)",
                    ARGS_HINT.replace('\n', "; ")
                )))
            }
        };
        let builtins = vm
            .iter_builtins()
            .map(|b| Builtin::from_vm(*b))
            .collect();
        let bytecode = vm_bytecode(&vm).map_err(bad)?;
        Ok(Program {
            path: origin.to_path_buf(),
            bytecode,
            builtins,
            body: Body::Cairo0 { vm, n_args },
        })
    }

    fn from_cairo1(executable: Executable, origin: &Path) -> Result<Program, Error> {
        let bad = |reason: String| Error::BadProgram {
            path: origin.to_path_buf(),
            reason,
        };
        let entrypoint = standalone_entrypoint(&executable).map_err(bad)?;
        let (vm, _) = cairo_lang_execute_utils::program_and_hints_from_executable(&executable, entrypoint)
            .map_err(|e| bad(format!("cannot set it up for cairo-vm: {e:#}")))?;
        let builtins = vm.iter_builtins().map(|b| Builtin::from_vm(*b)).collect();
        let bytecode = vm_bytecode(&vm).map_err(bad)?;
        Ok(Program {
            path: origin.to_path_buf(),
            bytecode,
            builtins,
            body: Body::Cairo1 {
                executable: Box::new(executable),
            },
        })
    }

    /// Where the program came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn kind(&self) -> ProgramKind {
        match self.body {
            Body::Cairo0 { .. } => ProgramKind::Cairo0,
            Body::Cairo1 { .. } => ProgramKind::Cairo1,
        }
    }

    /// The program's words, as they are loaded into the program segment.
    pub fn bytecode(&self) -> &[Felt] {
        &self.bytecode
    }

    /// The program's hash, over its builtin list and bytecode ([`hash::program_hash`]).
    pub fn program_hash(&self) -> Felt {
        hash::program_hash(&self.builtins, &self.bytecode)
    }

    /// What a job fixes about this program and every proof of one of its shards must match.
    pub fn identity(&self) -> ProgramIdentity {
        ProgramIdentity { hash: self.program_hash(), builtins: self.builtins.clone(), bytecode_len: self.bytecode.len() }
    }

    /// The builtins the program declares, in order.
    pub fn builtins(&self) -> &[Builtin] {
        &self.builtins
    }

    /// How many arguments the program takes, when that is known before running it (Cairo 0);
    /// `None` for Cairo 1, whose parameters the program checks itself as it starts.
    pub fn expected_args(&self) -> Option<usize> {
        match &self.body {
            Body::Cairo0 { n_args, .. } => Some(*n_args),
            Body::Cairo1 { .. } => None,
        }
    }
}

impl std::fmt::Debug for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Program")
            .field("path", &self.path)
            .field("kind", &self.kind())
            .field("words", &self.bytecode.len())
            .field("builtins", &self.builtins)
            .field("expected_args", &self.expected_args())
            .finish()
    }
}

/// The Standalone entry point of a Cairo 1 executable: the one that runs as a whole program.
pub(crate) fn standalone_entrypoint(executable: &Executable) -> Result<&ExecutableEntryPoint, String> {
    executable
        .entrypoints
        .iter()
        .find(|e| e.kind == EntryPointKind::Standalone)
        .ok_or_else(|| {
            "the executable has no Standalone entry point; build it with Scarb's `executable` target"
                .to_string()
        })
}

fn vm_bytecode(vm: &VmProgram) -> Result<Vec<Felt>, String> {
    vm.iter_data()
        .map(|word| {
            word.get_int()
                .ok_or_else(|| "its bytecode holds a relocatable value, not a felt".to_string())
        })
        .collect()
}
