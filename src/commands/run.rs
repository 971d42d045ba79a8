//! `wecon run`: ingest, analyze and report in one go.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::analyze::ProfileFlag;
use super::report::{LangFlag, PrivacyFlags};
use super::{IngestFlags, ingest_and_tell};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Files or folders holding exports (as for `wecon ingest`).
    #[arg(required = true)]
    sources: Vec<PathBuf>,
    /// The output folder: DIR/dataset, DIR/results and DIR/report are written in it.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    flags: IngestFlags,
    #[command(flatten)]
    profile: ProfileFlag,
    #[command(flatten)]
    privacy: PrivacyFlags,
    #[command(flatten)]
    lang: LangFlag,
}

pub fn run(args: RunArgs) -> Result<()> {
    let dataset = args.out.join("dataset");
    let results = args.out.join("results");
    let report = args.out.join("report");
    // Refused before any work rather than after the ingest.
    args.privacy.min_group_size()?;
    if wecon_engine::stores::is_remote_path(&args.out) {
        anyhow::bail!(
            "`wecon run` writes a local folder; ingest to object storage with `wecon ingest \
             --out s3://...` and analyze from there"
        );
    }
    if args.flags.shard.is_some() {
        anyhow::bail!(
            "a shard is a share of a dataset: ingest each with `wecon ingest --shard I/N`, merge \
             them with `wecon ingest SOURCES --reuse-from SHARD...`, then analyze"
        );
    }
    let faults = ingest_and_tell(&args.sources, &dataset, &args.flags)?;
    super::analyze::analyze(&dataset, &results, &args.profile, &args.privacy)?;
    super::report::report(&results, &report, &args.privacy, args.lang.lang())?;
    args.flags.check_faults(faults)
}
