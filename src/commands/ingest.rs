//! `wecon ingest`.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::{IngestFlags, ingest_and_tell};

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Files or folders holding exports: mbox files, maildir or Enron-style mail trees,
    /// .eml files, .ics calendars. Folders are searched recursively.
    #[arg(required = true)]
    sources: Vec<PathBuf>,
    /// The dataset folder to write (replaced atomically).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    flags: IngestFlags,
}

pub fn run(args: IngestArgs) -> Result<()> {
    ingest_and_tell(&args.sources, &args.out, &args.flags)
}
