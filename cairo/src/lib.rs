//! Cairo programs in, executions out: loading Cairo 0 and Cairo 1 programs, running a shard in
//! cairo-vm's proof mode, and the statement a proof is about.
//!
//! ```no_run
//! use proofgrid_cairo::{args, execute, Limits, Program, Statement};
//! let program = Program::load("cairo/programs/primes.json".as_ref())?;
//! let args = args::parse(&["2", "100"])?;
//! let execution = execute(&program, &args, &Limits::default())?;
//! let statement = Statement::from_execution(&execution);
//! statement.check_args_echo()?;
//! # Ok::<(), proofgrid_cairo::Error>(())
//! ```

pub mod args;
pub mod args_hint;
pub mod bounded;
pub mod builtin;
pub mod compiler;
pub mod error;
pub mod execute;
pub mod execution;
pub mod felt;
#[cfg(feature = "forge")]
pub mod forge;
pub mod hash;
pub mod program;
pub mod shards;
pub mod statement;

pub use cairo_vm::Felt252 as Felt;

pub use builtin::Builtin;
pub use error::Error;
pub use execute::{dry_run, execute, Limits};
pub use execution::{DecodeLimits, Execution, RegisterState, SegmentBounds, Segments, SignatureWitness};
pub use program::{Program, ProgramIdentity, ProgramKind};
pub use statement::Statement;
