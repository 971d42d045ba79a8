//! `wecon synth`: a synthetic organisation in real export formats.

use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::Args;
use wecon_synth::{MailFormat, SynthOptions};

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// The folder to write (mail/, calendar/, README.md).
    #[arg(long)]
    out: PathBuf,
    /// Number of people.
    #[arg(long, default_value_t = 20)]
    people: usize,
    /// Number of weeks.
    #[arg(long, default_value_t = 3)]
    weeks: u32,
    /// Random seed: the same seed writes the same files.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// First day (moved back to its Monday), YYYY-MM-DD.
    #[arg(long, default_value = "2026-03-02")]
    start: NaiveDate,
    /// Mailboxes as maildirs (a file per message) or as one mbox each (Google Takeout
    /// style; for large organisations).
    #[arg(long, value_enum, default_value_t = Mail::Maildir)]
    mail_format: Mail,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Mail {
    Maildir,
    Mbox,
}

pub fn run(args: SynthArgs) -> Result<()> {
    let opts = SynthOptions {
        people: args.people,
        weeks: args.weeks,
        seed: args.seed,
        start: args.start,
        mail_format: match args.mail_format {
            Mail::Maildir => MailFormat::Maildir,
            Mail::Mbox => MailFormat::Mbox,
        },
    };
    let s = wecon_synth::write_organisation(&args.out, &opts).with_context(|| {
        format!(
            "failed to write the organisation to `{}`",
            args.out.display()
        )
    })?;
    eprintln!(
        "wrote {} people, {} messages ({} message files), {} meetings, {} chat posts, {} calls, {} document events and {} transaction steps to `{}`",
        s.people,
        s.messages,
        s.message_files,
        s.meetings,
        s.chat_posts,
        s.calls,
        s.document_events,
        s.transaction_steps,
        args.out.display()
    );
    Ok(())
}
