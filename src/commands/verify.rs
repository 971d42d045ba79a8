//! `wecon verify`.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A dataset, a results folder, or a `wecon run` output folder (both are checked).
    dir: PathBuf,
}

pub fn run(args: VerifyArgs) -> Result<()> {
    let found = wecon_engine::verify(&args.dir)
        .with_context(|| format!("failed to verify `{}`", args.dir.display()))?;
    let mut problems = 0;
    for v in &found {
        if v.problems.is_empty() {
            println!(
                "{} `{}`: sound ({} files match their checksums, {} rows agree with the {})",
                v.kind,
                v.dir.display(),
                v.files,
                v.rows,
                if v.kind == "dataset" {
                    "manifest and the ingest log"
                } else {
                    "run's counts"
                }
            );
        } else {
            println!(
                "{} `{}`: {}",
                v.kind,
                v.dir.display(),
                count(v.problems.len())
            );
            for p in &v.problems {
                println!("  - {p}");
            }
        }
        problems += v.problems.len();
    }
    if problems > 0 {
        bail!("{} found", count(problems));
    }
    Ok(())
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 problem".into()
    } else {
        format!("{n} problems")
    }
}
