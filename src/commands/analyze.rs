//! `wecon analyze`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use wecon_engine::Profile;

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// A dataset written by `wecon ingest`.
    dataset: PathBuf,
    /// The results folder to write (replaced atomically).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    profile: ProfileFlag,
}

#[derive(Debug, Args)]
pub struct ProfileFlag {
    /// The assumption profile: wecon, myanalytics, viva, or the path of a TOML file.
    #[arg(long, default_value = "wecon")]
    profile: String,
}

pub fn run(args: AnalyzeArgs) -> Result<()> {
    analyze(&args.dataset, &args.out, &args.profile)
}

pub(super) fn analyze(dataset: &Path, out: &Path, flag: &ProfileFlag) -> Result<()> {
    let profile = Profile::load(&flag.profile)?;
    let info = super::runtime()?
        .block_on(wecon_engine::analyze(dataset, out, &profile))
        .with_context(|| format!("failed to analyze `{}`", dataset.display()))?;
    eprintln!(
        "wrote {} result tables to `{}` under profile `{}`",
        info.tables.len(),
        out.display(),
        info.profile.name
    );
    Ok(())
}
