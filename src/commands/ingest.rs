//! `wecon ingest`.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::{IngestFlags, ingest_and_tell};

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Files or folders holding exports: mail (maildir, mbox, .eml, .pst), calendars (.ics),
    /// chat (Slack, Teams, Mattermost), audit, document and transaction logs, Viva exports,
    /// rosters, and archives of them. Folders are searched recursively; `wecon sources`
    /// lists every format.
    #[arg(required = true)]
    sources: Vec<PathBuf>,
    /// The dataset folder to write (replaced atomically).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    flags: IngestFlags,
}

pub fn run(args: IngestArgs) -> Result<()> {
    let faults = ingest_and_tell(&args.sources, &args.out, &args.flags)?;
    args.flags.check_faults(faults)
}
