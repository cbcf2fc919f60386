//! Every way loading, compiling or running a program can fail, each with what to do about it.

use std::path::PathBuf;

/// An error from this crate. Messages name the input that was wrong and say how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    // The cause is in the message, not the error chain: printed with its chain (`{:#}`), the
    // message would otherwise end in the cause twice ("no such file: no such file").
    #[error("cannot read {path}: {cause}")]
    Io { path: PathBuf, cause: std::io::Error },

    #[error("{path} is not a program proofgrid can run: {reason}")]
    BadProgram { path: PathBuf, reason: String },

    #[error("the Cairo 0 compiler rejected {path}:\n{diagnostics}")]
    Compile { path: PathBuf, diagnostics: String },

    #[error("cannot set up the Cairo 0 compiler: {0}")]
    CompilerSetup(String),

    #[error("argument {arg:?} is invalid: {reason}")]
    BadArg { arg: String, reason: String },

    #[error("the program expects {expected} argument(s) but {given} were given")]
    ArgCount { expected: usize, given: usize },

    #[error("the program rejected its arguments: {0}")]
    ArgsRejected(String),

    #[error(
        "step limit exceeded: the program did not finish within {limit} steps; \
         give it a smaller shard or raise the step limit"
    )]
    StepLimit { limit: usize },

    #[error(
        "memory limit exceeded: the program used {used} memory cells, more than the limit of \
         {limit}; give it a smaller shard or raise the memory limit"
    )]
    MemoryLimit { limit: usize, used: usize },

    #[error("the program failed in the Cairo VM: {0}")]
    Vm(String),

    #[error(
        "the program does not echo its arguments: a job program's output must begin with its \
         arguments verbatim ({args}), but it begins with ({output_prefix}); make the program \
         write each argument to the output before its results"
    )]
    NoArgsEcho {
        args: String,
        output_prefix: String,
    },

    #[error("{path}, line {line}, column {column}: {reason}")]
    BadShards {
        path: PathBuf,
        line: usize,
        column: usize,
        reason: String,
    },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            cause: source,
        }
    }
}
