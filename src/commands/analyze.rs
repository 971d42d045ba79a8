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
    /// A folder of your own `.sql` queries, run after wecon's library: each file's result
    /// is written under its name; they can read the library's views (`classified`,
    /// `timed`, ...) and every metric computed before them.
    #[arg(long, value_name = "DIR")]
    queries: Option<PathBuf>,
}

pub fn run(args: AnalyzeArgs) -> Result<()> {
    analyze(&args.dataset, &args.out, &args.profile)
}

pub(super) fn analyze(dataset: &Path, out: &Path, flag: &ProfileFlag) -> Result<()> {
    let profile = Profile::load(&flag.profile)?;
    let extra = match &flag.queries {
        Some(dir) => wecon_engine::user_queries(dir).map_err(anyhow::Error::msg)?,
        None => Vec::new(),
    };
    let info = super::runtime()?
        .block_on(wecon_engine::analyze(dataset, out, &profile, &extra))
        .with_context(|| format!("failed to analyze `{}`", dataset.display()))?;
    eprintln!(
        "wrote {} result tables to `{}` under profile `{}`",
        info.tables.len(),
        out.display(),
        info.profile.name
    );
    Ok(())
}
