//! The `wecon` command line: parses arguments, resolves settings, calls the library crates
//! and prints errors with their whole cause chain. No logic worth testing lives only here.

mod commands;
mod progress;

use std::process::ExitCode;

use clap::Parser;

/// jemalloc rather than the system's allocator: see `tikv-jemallocator` in Cargo.toml.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = commands::Cli::parse();
    match commands::dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            if let Some(r) = err.downcast_ref::<commands::RejectedRecords>() {
                eprintln!("error: {r}");
                return ExitCode::from(commands::EXIT_REJECTS);
            }
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
