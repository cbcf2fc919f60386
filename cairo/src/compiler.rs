//! The Cairo 0 compiler: StarkWare's `cairo-compile` from PyPI `cairo-lang`, installed on first use
//! into a virtualenv that proofgrid owns, so nobody has to pip-install anything by hand.
//!
//! Where the virtualenv lives: `$PROOFGRID_CAIRO_VENV` if set, else
//! `<user data dir>/proofgrid/cairo-lang-0.14.0.1` (on Linux `~/.local/share/proofgrid/...`), or
//! under the temp dir when there is no home directory.
//! The Python that creates it: `$PROOFGRID_PYTHON` if set, else the first of `python3.11`,
//! `python3.10`, `python3.9`, `python3` on the PATH (cairo-lang 0.14 supports 3.9 to 3.11).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::Error;

/// The cairo-lang release proofgrid compiles Cairo 0 with.
pub const CAIRO_LANG_VERSION: &str = "0.14.0.1";

/// Environment variable overriding where the compiler's virtualenv lives.
pub const VENV_ENV: &str = "PROOFGRID_CAIRO_VENV";

/// Environment variable naming the Python used to create the virtualenv.
pub const PYTHON_ENV: &str = "PROOFGRID_PYTHON";

/// The directory of the compiler's virtualenv (it may not exist yet).
pub fn venv_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(VENV_ENV) {
        return PathBuf::from(dir);
    }
    let name = format!("cairo-lang-{CAIRO_LANG_VERSION}");
    match directories::ProjectDirs::from("", "", "proofgrid") {
        Some(dirs) => dirs.data_dir().join(name),
        // No home directory (a bare CI or service environment): the temp dir still works.
        None => std::env::temp_dir().join("proofgrid").join(name),
    }
}

/// Written into the virtualenv once cairo-lang is installed and runs.
const READY_MARKER: &str = ".proofgrid-ready";

/// Path of `cairo-compile`, installing cairo-lang first if it is not there yet.
pub fn ensure_installed() -> Result<PathBuf, Error> {
    let venv = venv_dir();
    let compiler = venv.join("bin").join("cairo-compile");
    if is_ready(&venv, &compiler) {
        return Ok(compiler);
    }
    let _lock = InstallLock::acquire(&venv)?;
    // Another process may have installed it while this one waited for the lock.
    if !is_ready(&venv, &compiler) {
        install(&venv)?;
    }
    Ok(compiler)
}

/// Whether the virtualenv holds a working compiler. A virtualenv someone made by hand (say, through
/// PROOFGRID_CAIRO_VENV) counts if its cairo-compile runs.
fn is_ready(venv: &Path, compiler: &Path) -> bool {
    if venv.join(READY_MARKER).is_file() {
        return true;
    }
    let runs = compiler.is_file()
        && Command::new(compiler)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    if runs {
        let _ = std::fs::write(venv.join(READY_MARKER), CAIRO_LANG_VERSION);
    }
    runs
}

/// A lock file beside the virtualenv, so that parallel tests or commands run one pip install, not
/// several at once on a small machine.
struct InstallLock(PathBuf);

impl InstallLock {
    /// An install takes a minute or two; a lock older than this was left by a killed process.
    const STALE: std::time::Duration = std::time::Duration::from_secs(15 * 60);

    fn acquire(venv: &Path) -> Result<InstallLock, Error> {
        let parent = venv.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| {
            Error::CompilerSetup(format!(
                "cannot create {}: {e}; set {VENV_ENV} to a writable directory",
                parent.display()
            ))
        })?;
        let path = venv.with_extension("lock");
        loop {
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(_) => return Ok(InstallLock(path)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let stale = std::fs::metadata(&path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|age| age > Self::STALE);
                    if stale {
                        let _ = std::fs::remove_file(&path);
                    } else {
                        std::thread::sleep(std::time::Duration::from_millis(500));
                    }
                }
                Err(e) => {
                    return Err(Error::CompilerSetup(format!(
                        "cannot create the lock file {}: {e}",
                        path.display()
                    )))
                }
            }
        }
    }
}

impl Drop for InstallLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Creates (or completes) the virtualenv in place: a virtualenv cannot be moved once made, since
/// its scripts name its own path. Both steps are idempotent, so an install that was interrupted is
/// finished by the next one; the ready marker is written last.
fn install(venv: &Path) -> Result<(), Error> {
    let python = find_python()?;
    tracing::info!(
        venv = %venv.display(),
        python = %python,
        "installing the Cairo 0 compiler (cairo-lang {CAIRO_LANG_VERSION}) on first use; this takes a minute or two"
    );
    run_setup(Command::new(&python).arg("-m").arg("venv").arg(venv), "create a virtualenv")?;
    run_setup(
        Command::new(venv.join("bin").join("pip"))
            .args(["install", "--quiet", &format!("cairo-lang=={CAIRO_LANG_VERSION}")]),
        "pip install cairo-lang",
    )?;
    std::fs::write(venv.join(READY_MARKER), CAIRO_LANG_VERSION).map_err(|e| {
        Error::CompilerSetup(format!("cannot write to {}: {e}", venv.display()))
    })
}

fn find_python() -> Result<String, Error> {
    if let Ok(python) = std::env::var(PYTHON_ENV) {
        return Ok(python);
    }
    for candidate in ["python3.11", "python3.10", "python3.9", "python3"] {
        let works = Command::new(candidate)
            .args(["-c", "import venv, ensurepip"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if works {
            return Ok(candidate.to_string());
        }
    }
    Err(Error::CompilerSetup(format!(
        "no Python 3.9-3.11 with the venv module found; install python3.11 (Debian: apt-get install \
         python3.11 python3.11-venv) or set {PYTHON_ENV} to one"
    )))
}

fn run_setup(command: &mut Command, what: &str) -> Result<(), Error> {
    let output = command
        .output()
        .map_err(|e| Error::CompilerSetup(format!("cannot {what}: {e}")))?;
    if output.status.success() {
        return Ok(());
    }
    Err(Error::CompilerSetup(format!(
        "could not {what} ({}):\n{}{}\nIf a C library is missing, install it (Debian: apt-get install \
         libgmp-dev python3.11-dev) and try again.",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )))
}

/// Compiles Cairo 0 `source` in proof mode to `output` (compiled JSON). Imports resolve against
/// the source's directory and cairo-lang's standard library. On a compile error the compiler's own
/// diagnostics are in the error.
pub fn compile(source: &Path, output: &Path) -> Result<(), Error> {
    if !source.is_file() {
        return Err(Error::io(
            source,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        ));
    }
    let compiler = ensure_installed()?;
    let source_dir = source
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    tracing::debug!(source = %source.display(), output = %output.display(), "cairo-compile --proof_mode");
    let result = Command::new(&compiler)
        .arg("--proof_mode")
        .arg("--cairo_path")
        .arg(source_dir)
        .arg(source)
        .arg("--output")
        .arg(output)
        .output()
        .map_err(|e| Error::CompilerSetup(format!("cannot run {}: {e}", compiler.display())))?;
    if result.status.success() {
        return Ok(());
    }
    let mut diagnostics = String::from_utf8_lossy(&result.stderr).trim().to_string();
    let stdout = String::from_utf8_lossy(&result.stdout);
    if !stdout.trim().is_empty() {
        diagnostics = format!("{}\n{diagnostics}", stdout.trim());
    }
    Err(Error::Compile {
        path: source.to_path_buf(),
        diagnostics,
    })
}
