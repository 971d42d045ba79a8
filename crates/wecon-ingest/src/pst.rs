//! Outlook `.pst` files, converted with `readpst` (Debian's `pst-utils`) into a private
//! temporary folder of `.eml` files, one sub-folder per Outlook folder, then read as one
//! mailbox whose records are attributed to `file.pst!/folder/N.eml`.
//!
//! `readpst` is found on the `PATH`, or named by `WECON_READPST`. Without it, each `.pst`
//! file is logged as rejected with a reason that says how to install it.

use std::path::Path;
use std::process::{Command, Stdio};

pub(crate) const NO_READPST: &str = "Outlook .pst file not read: readpst is not installed (Debian/Ubuntu: apt-get install pst-utils)";
pub(crate) const READPST_FAILED: &str =
    "readpst could not convert this .pst file (damaged, or a format it does not read)";

/// Whether a file name is an Outlook personal folders file.
pub(crate) fn is_pst(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".pst")
}

/// The `readpst` program to run.
fn readpst() -> std::ffi::OsString {
    std::env::var_os("WECON_READPST").unwrap_or_else(|| "readpst".into())
}

/// Converts a `.pst` file into a temporary folder of `.eml` files (mail only: contacts,
/// journal entries and RTF copies of bodies are left out). `-j 0` keeps readpst in one
/// process: with its default parallel jobs it can exit before a child has written its last
/// message (seen here: 70 of 71 messages once in a dozen runs under load).
pub(crate) fn convert(path: &Path) -> Result<tempfile::TempDir, &'static str> {
    let dir = tempfile::Builder::new()
        .prefix("wecon-pst-")
        .tempdir()
        .map_err(|_| READPST_FAILED)?;
    let status = Command::new(readpst())
        .args(["-j", "0", "-q", "-r", "-e", "-b", "-t", "e", "-o"])
        .arg(dir.path())
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match status {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(NO_READPST),
        Err(_) => Err(READPST_FAILED),
        Ok(s) if !s.success() => Err(READPST_FAILED),
        Ok(_) => Ok(dir),
    }
}
