//! `wecon synth`: a synthetic organisation in real export formats.

use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::Args;
use wecon_synth::{MailFormat, Scenario, SynthOptions};

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
    /// A change in behaviour, for a follow-up period with a known effect: a TOML file with
    /// an optional `description` and a `[behaviour]` table of shares that remain
    /// (`large_meetings`, `reply_all`, `attachments`, `cc`; 1 = unchanged, 0.5 = halved).
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// Also write the organisation as Microsoft Viva Insights exports it, into `viva/`: a
    /// meeting query and a person query. Viva's ids do not link to addresses, so these
    /// describe the same people a second time: ingest `viva/` on its own.
    #[arg(long)]
    viva: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Mail {
    Maildir,
    Mbox,
}

pub fn run(args: SynthArgs) -> Result<()> {
    let scenario = match &args.scenario {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read `{}`", path.display()))?;
            Scenario::parse(&text).with_context(|| format!("in `{}`", path.display()))?
        }
        None => Scenario::default(),
    };
    let opts = SynthOptions {
        behaviour: scenario.behaviour,
        scenario: scenario.description,
        viva: args.viva,
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
    super::note!(
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
