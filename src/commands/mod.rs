//! One module per subcommand, each exposing `run(args)`; shared argument types live here.

mod analyze;
mod cluster;
mod compare;
mod ingest;
mod query;
mod report;
mod run;
mod sources;
mod synth;
mod verify;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
use clap::{Args, Parser, Subcommand};
use wecon_ingest::KeySource;

/// wecon measures where information work goes: it reads mail and calendar exports, stores
/// their metadata as pseudonymised Parquet, runs the SQL metric library over it and reports
/// hours per person-week for the seven information processes (share, store, search,
/// communicate, consult, meet, transact).
#[derive(Debug, Parser)]
#[command(name = "wecon", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// No progress bars or log lines, and no summaries: only warnings and errors.
    #[arg(long, short, global = true)]
    quiet: bool,
}

/// Whether `--quiet` was given.
static QUIET: AtomicBool = AtomicBool::new(false);

pub(crate) fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Progress shown as the terminal and `--quiet` allow.
pub(crate) fn progress() -> crate::progress::Shown {
    crate::progress::Shown::new(quiet())
}

/// An informational line on stderr, unless `--quiet`.
macro_rules! note {
    ($($t:tt)*) => {
        if !$crate::commands::quiet() {
            eprintln!($($t)*);
        }
    };
}
pub(crate) use note;

#[derive(Debug, Subcommand)]
enum Command {
    /// Read exports (mail, calendars, chat, audit and transaction logs, rosters) into a
    /// dataset of pseudonymised Parquet; `wecon sources` lists the formats.
    Ingest(ingest::IngestArgs),
    /// Run the SQL metric library over a dataset and write the results folder.
    Analyze(analyze::AnalyzeArgs),
    /// Render a results folder into index.html and summary.md.
    Report(report::ReportArgs),
    /// Ingest, analyze and report in one go: writes DIR/dataset, DIR/results, DIR/report.
    Run(run::RunArgs),
    /// Compare two periods of one organisation (results folders, `wecon run` folders or
    /// datasets): the change in hours per person-week per process and group, with bootstrap
    /// confidence intervals and matched people.
    Compare(compare::CompareArgs),
    /// Run ad-hoc SQL over a dataset, a results folder, or a `wecon run` output folder.
    Query(query::QueryArgs),
    /// List every export format `wecon ingest` reads, how it is recognised, and an example.
    Sources,
    /// Write a small synthetic organisation in real export formats (maildir, .ics).
    Synth(synth::SynthArgs),
    /// Check a dataset or results folder: every file against its checksum, every table's
    /// schema, and row counts against the manifest and the ingest log.
    Verify(verify::VerifyArgs),
    /// Run a node of an Apache DataFusion Ballista cluster (a scheduler or an executor)
    /// with wecon's SQL functions, for `wecon analyze --cluster`.
    Cluster(cluster::ClusterArgs),
}

/// Runs the chosen subcommand.
pub fn dispatch(cli: Cli) -> Result<()> {
    QUIET.store(cli.quiet, Ordering::Relaxed);
    match cli.command {
        Command::Ingest(a) => ingest::run(a),
        Command::Analyze(a) => analyze::run(a),
        Command::Report(a) => report::run(a),
        Command::Run(a) => run::run(a),
        Command::Query(a) => query::run(a),
        Command::Compare(a) => compare::run(a),
        Command::Synth(a) => synth::run(a),
        Command::Cluster(a) => cluster::run(a),
        Command::Verify(a) => verify::run(a),
        Command::Sources => sources::run(),
    }
}

/// Options shared by `ingest` and `run`.
#[derive(Debug, Args)]
pub struct IngestFlags {
    /// Read a CSV of document activity whose columns have other names: `COLUMN=FIELD`, with
    /// FIELD one of time, person, action, document (repeat the flag for each column).
    #[arg(long = "map", value_name = "COLUMN=FIELD", value_parser = parse_map)]
    map: Vec<(String, String)>,
    /// Keep records from this date or instant on (YYYY-MM-DD or RFC 3339; dates are UTC midnight).
    #[arg(long, value_parser = parse_instant)]
    since: Option<i64>,
    /// Keep records before this date or instant (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_parser = parse_instant)]
    until: Option<i64>,
    /// An HR roster CSV (email, unit, level, function, manager, fte, hourly_cost, tz,
    /// work_start, work_end, work_days). A roster among the sources is found by its header.
    #[arg(long, value_name = "FILE")]
    roster: Option<PathBuf>,
    /// The owner's address for every mailbox and calendar read: use it to ingest one
    /// person's exports. Without it each mailbox's owner is decided from its Sent folder,
    /// Delivered-To, or the most frequent recipient (logged in ingest_log.owner_rule).
    #[arg(long, value_name = "ADDRESS")]
    owner: Option<String>,
    /// The pseudonymisation key (at least 16 bytes). Without it, WECON_KEY is used, else a
    /// random key is made and kept beside the dataset (DATASET.key, mode 0600).
    #[arg(long, value_name = "FILE")]
    key_file: Option<PathBuf>,
    /// Exit with 0 even when records were rejected as faulty input (unreadable, unparsable,
    /// without a date or a person). Without it such a run still writes its outputs but exits
    /// with code 3. Records a rule excludes (copies, bots, system events, outside the
    /// window) never count as faults.
    #[arg(long)]
    allow_rejects: bool,
    /// Read every input again. Without it, when the output folder holds a dataset made with
    /// the same key and options, the mailboxes, logs and chat exports unchanged since (by
    /// content hash) are not read again: their rows are taken from it.
    #[arg(long)]
    rebuild: bool,
    /// Read only shard I of N (e.g. 2/4) of the mailboxes, logs and chat exports, split by
    /// size: run one shard per machine, each into its own folder, then merge them with an
    /// ingest of all the sources with --reuse-from each shard's folder.
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    pub(super) shard: Option<wecon_ingest::Shard>,
    /// A dataset (a shard, or an earlier ingest of some of the same sources with the same key
    /// and options) whose unchanged inputs are taken from it rather than read. Repeatable.
    #[arg(long, value_name = "DATASET")]
    reuse_from: Vec<PathBuf>,
}

/// `I/N` with 1 <= I <= N, as a shard numbered from 0.
fn parse_shard(s: &str) -> Result<wecon_ingest::Shard, String> {
    let bad = || format!("`{s}` is not a shard: give I/N with 1 <= I <= N, e.g. 2/4");
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let (i, n): (usize, usize) = (
        i.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if i == 0 || i > n {
        return Err(bad());
    }
    Ok(wecon_ingest::Shard {
        index: i - 1,
        count: n,
    })
}

/// The exit code of a run that wrote its outputs but rejected records as faulty input.
pub const EXIT_REJECTS: u8 = 3;

/// A run that rejected records as faulty input without `--allow-rejects`: its outputs are
/// written, and the process exits with [`EXIT_REJECTS`].
#[derive(Debug)]
pub struct RejectedRecords(pub i64);

impl std::fmt::Display for RejectedRecords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} records were rejected as faulty input (reasons above, and in the dataset's \
             ingest_log); the outputs are written. Fix the inputs, or pass --allow-rejects to \
             accept the loss (exit code 0)",
            self.0
        )
    }
}

impl std::error::Error for RejectedRecords {}

impl IngestFlags {
    /// Fails with [`RejectedRecords`] when `faults` records were rejected as faulty input,
    /// unless `--allow-rejects`.
    fn check_faults(&self, faults: i64) -> Result<()> {
        if faults > 0 && !self.allow_rejects {
            return Err(RejectedRecords(faults).into());
        }
        Ok(())
    }

    fn options(&self) -> wecon_ingest::IngestOptions {
        let key = match (&self.key_file, std::env::var("WECON_KEY")) {
            (Some(f), _) => KeySource::File(f.clone()),
            (None, Ok(v)) if !v.is_empty() => KeySource::Env(v),
            _ => KeySource::Beside,
        };
        wecon_ingest::IngestOptions {
            since: self.since,
            until: self.until,
            key,
            roster: self.roster.clone(),
            owner: self.owner.clone(),
            map: self
                .map
                .iter()
                .map(|(c, f)| (c.to_ascii_lowercase(), f.clone()))
                .collect(),
            progress: Arc::new(progress()),
            reuse: !self.rebuild,
            reuse_from: self.reuse_from.clone(),
            shard: self.shard,
        }
    }
}

/// `YYYY-MM-DD` (UTC midnight) or an RFC 3339 instant, as microseconds since the epoch.
fn parse_instant(s: &str) -> Result<i64, String> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let t: NaiveDateTime = d.and_hms_opt(0, 0, 0).unwrap_or_default();
        return Ok(Utc.from_utc_datetime(&t).timestamp_micros());
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|d| d.timestamp_micros())
        .map_err(|_| format!("`{s}` is not a date (YYYY-MM-DD) or an RFC 3339 instant"))
}

/// A size in bytes: a number with an optional unit (K, M, G, T; KB/KiB and so on, all
/// powers of 1024).
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: f64 = number
        .parse()
        .map_err(|_| format!("`{s}` is not a size (e.g. 512M, 4G)"))?;
    let unit = unit.trim().to_ascii_uppercase();
    let power = match unit.trim_end_matches("IB").trim_end_matches('B') {
        "" => 0,
        "K" => 1,
        "M" => 2,
        "G" => 3,
        "T" => 4,
        _ => return Err(format!("`{s}`: the unit is K, M, G or T")),
    };
    let bytes = n * 1024f64.powi(power);
    if !(1.0..=u64::MAX as f64).contains(&bytes) {
        return Err(format!("`{s}` is not a usable size"));
    }
    Ok(bytes as u64)
}

fn parse_map(s: &str) -> Result<(String, String), String> {
    let (column, field) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}` is not COLUMN=FIELD"))?;
    let field = field.trim().to_ascii_lowercase();
    if !["time", "person", "action", "document"].contains(&field.as_str()) {
        return Err(format!(
            "`{field}` is not a field: use time, person, action or document"
        ));
    }
    Ok((column.trim().to_string(), field))
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("failed to start the query runtime")
}

/// Ingests and says what happened; returns how many records were rejected as faulty input.
fn ingest_and_tell(sources: &[PathBuf], out: &std::path::Path, flags: &IngestFlags) -> Result<i64> {
    let remote = wecon_engine::stores::is_remote_path(out);
    let options = flags.options();
    if remote && matches!(options.key, KeySource::Beside) {
        anyhow::bail!(
            "writing a dataset to object storage needs --key-file or WECON_KEY: a key kept \
             beside a dataset in a bucket would travel with it"
        );
    }
    // A dataset for object storage is written locally first, then uploaded with its
    // manifest last.
    let staging = if remote {
        Some(tempfile::Builder::new().prefix("wecon-upload-").tempdir()?)
    } else {
        None
    };
    let local = staging
        .as_ref()
        .map_or_else(|| out.to_path_buf(), |d| d.path().join("dataset"));
    let summary = wecon_ingest::ingest(sources, &local, &options)
        .with_context(|| format!("failed to ingest into `{}`", out.display()))?;
    if remote {
        let files = runtime()?
            .block_on(wecon_engine::stores::upload_dir(
                &local,
                &out.to_string_lossy(),
                wecon_ingest::MANIFEST,
            ))
            .with_context(|| format!("failed to upload the dataset to `{}`", out.display()))?;
        note!("uploaded {files} files to `{}`", out.display());
    }
    let m = &summary.manifest;
    note!(
        "ingested {} activities of {} people into `{}`: {} records read, {} accepted, {} rejected",
        m.activities,
        m.people,
        out.display(),
        m.records_read,
        m.records_accepted,
        m.records_rejected
    );
    note!("pseudonymisation key: {}", m.key);
    if let Some(shard) = &m.shard {
        note!(
            "this dataset is shard {shard}: merge the shards with an ingest of all the sources and --reuse-from each shard's folder"
        );
    }
    if m.reused_inputs > 0 {
        note!(
            "{} inputs unchanged since the dataset this one replaces were not read again: their rows were taken from it (--rebuild reads everything)",
            m.reused_inputs
        );
    }
    if let Some(why) = &m.replaced_unusable {
        note!("the dataset this one replaces was {why}: every input was read again");
    }
    let skipped = summary.skipped_files();
    if skipped > 0 {
        note!(
            "skipped {skipped} files that are not exports (documentation, ground truth, descriptions read with their export); listed in the ingest_log"
        );
    }
    if let Some(n) = summary.manifest.people_not_in_roster.filter(|n| *n > 0) {
        eprintln!(
            "{n} people in the exports are not in the roster: they get default attributes \
             (people.found_in without `roster`)"
        );
    }
    if !summary.manifest.flagged.is_empty() && !quiet() {
        eprintln!("accepted with a data-quality flag (column `flags` of activities):");
        for (flag, n) in &summary.manifest.flagged {
            eprintln!("  {n:>8}  {flag}");
        }
    }
    let rejections = summary.rejections();
    if !rejections.is_empty() {
        eprintln!("rejected records by reason (details in the dataset's ingest_log):");
        for (reason, n) in &rejections {
            let kind = if wecon_ingest::is_exclusion(reason) {
                "excluded"
            } else {
                "fault"
            };
            eprintln!("  {n:>8}  {kind:<8}  {reason}");
        }
    }
    Ok(summary.faults())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("4G"), Ok(4 << 30));
        assert_eq!(parse_size("1.5GiB"), Ok(3 << 29));
        assert_eq!(parse_size("2048"), Ok(2048));
        assert_eq!(parse_size("10 kb"), Ok(10 << 10));
        assert!(parse_size("4X").is_err());
        assert!(parse_size("G").is_err());
    }

    #[test]
    fn shards() {
        let s = parse_shard("2/4").unwrap();
        assert_eq!((s.index, s.count, s.to_string()), (1, 4, "2/4".to_string()));
        for bad in ["0/4", "5/4", "2", "a/b", "1/0"] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
        assert!(parse_size("0").is_err());
    }
}
