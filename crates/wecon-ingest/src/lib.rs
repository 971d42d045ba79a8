//! wecon's ingest: finds exports on disk, reads each format into rows of the canonical
//! schema, pseudonymises identities and writes the dataset (Parquet, partitioned by source
//! and month) atomically.
//!
//! Every record read is either accepted or rejected with a reason in the ingest log; a bad
//! record or file never stops the run.

mod archive;
mod audit;
mod calendar;
mod category;
mod chat_json;
mod discover;
mod documents;
mod formats;
#[doc(hidden)]
pub mod fuzz;
mod google_chat;
mod identity;
#[doc(hidden)]
pub mod kernels;
mod key;
mod mail;
mod mbox;
mod pst;
mod records;
mod roster;
mod slack;
mod transactions;
mod units;
mod viva;
mod viva_person;
mod vtimezone;
mod writer;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use units::InputSum;
use wecon_model::Pseudonymiser;
use wecon_model::progress::{Progress, Unit};
use wecon_model::schema::{Activity, IngestLogEntry, Person};

pub use formats::{FORMATS, Format};
pub use key::{KeySource, default_key_path, resolve_key};
pub use writer::MANIFEST;

use discover::Input;

/// Errors that stop an ingest run (bad records never do).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("failed to write Parquet")]
    Parquet(#[from] datafusion::parquet::errors::ParquetError),
    #[error("failed to build Arrow data")]
    Arrow(#[from] datafusion::arrow::error::ArrowError),
    #[error("{0}")]
    Key(String),
    #[error("{0}")]
    Refuse(String),
}

/// The time window records must fall in, as microseconds since the epoch: `[since, until)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub since: i64,
    pub until: i64,
}

impl Window {
    /// No bounds.
    pub fn everything() -> Self {
        Window {
            since: i64::MIN / 4,
            until: i64::MAX / 4,
        }
    }

    pub fn contains(&self, t: i64) -> bool {
        self.since <= t && t < self.until
    }
}

/// What the user asked of an ingest run.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Keep records from this instant on (µs since the epoch).
    pub since: Option<i64>,
    /// Keep records before this instant (µs since the epoch).
    pub until: Option<i64>,
    pub key: KeySource,
    /// An HR roster CSV besides any found among the sources.
    pub roster: Option<PathBuf>,
    /// The owner of every mailbox and calendar read (one person's exports), overriding the
    /// rules that otherwise decide it.
    pub owner: Option<String>,
    /// Column renames for CSVs of document activity: column (lower case) → wecon field
    /// (`time`, `person`, `action`, `document`).
    pub map: HashMap<String, String>,
    /// Told of the reading as it goes.
    pub progress: Arc<dyn Progress>,
    /// Whether inputs unchanged since the dataset at the output was made are taken from it
    /// rather than read again (see `units`).
    pub reuse: bool,
    /// Other datasets (shards ingested elsewhere) whose unchanged inputs are taken likewise.
    pub reuse_from: Vec<PathBuf>,
    /// Read only this shard's share of the inputs read on their own (see `units`).
    pub shard: Option<Shard>,
}

/// One of `count` shards an ingest is split into (`index` from 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index + 1, self.count)
    }
}

/// What a dataset says about itself (`manifest.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub wecon_version: String,
    pub inputs: Vec<String>,
    /// Where the pseudonymisation key came from.
    pub key: String,
    /// The window calendars were expanded in (RFC 3339, UTC).
    pub calendar_window: Option<(String, String)>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub activities: usize,
    pub people: usize,
    pub records_read: i64,
    pub records_accepted: i64,
    pub records_rejected: i64,
    /// Accepted activities with a data-quality flag, by flag (see `activities.flags`).
    #[serde(default)]
    pub flagged: BTreeMap<String, i64>,
    /// With a roster: how many people the exports show that it does not list (their
    /// `people.found_in` lacks `roster`; they get the default attributes).
    #[serde(default)]
    pub people_not_in_roster: Option<usize>,
    /// Inputs not read again because they were unchanged since the dataset this one replaced
    /// was made: their rows were copied from it (see `units`).
    #[serde(default)]
    pub reused_inputs: usize,
    /// Why the dataset this one replaced could not be taken from (another wecon, or another
    /// key, roster, window, --owner or --map): every input was read.
    #[serde(default)]
    pub replaced_unusable: Option<String>,
    /// The shard this dataset is (`2/4`): a share of the inputs read on their own, for an
    /// ingest with `--reuse-from` to merge.
    #[serde(default)]
    pub shard: Option<String>,
    /// Every file of the dataset but this manifest, with its size and SHA-256, for
    /// `wecon verify`.
    #[serde(default)]
    pub files: BTreeMap<String, wecon_model::atomic::FileSum>,
}

/// The outcome of an ingest run.
#[derive(Debug, Clone)]
pub struct IngestSummary {
    pub manifest: Manifest,
    pub log: Vec<IngestLogEntry>,
}

impl IngestSummary {
    /// Files skipped as not being exports (documentation, ground truth).
    pub fn skipped_files(&self) -> usize {
        self.log.iter().filter(|l| l.format == "skipped").count()
    }

    /// Records rejected as faults of the input (unreadable, unparsable, incomplete), as
    /// opposed to those a rule excludes (see [`is_exclusion`]).
    pub fn faults(&self) -> i64 {
        self.rejections()
            .iter()
            .filter(|(reason, _)| !is_exclusion(reason))
            .map(|(_, n)| n)
            .sum()
    }

    /// Rejected records by reason, over all files.
    pub fn rejections(&self) -> BTreeMap<String, i64> {
        let mut out = BTreeMap::new();
        for l in &self.log {
            for (k, v) in &l.reasons {
                if *v > 0 {
                    *out.entry(k.clone()).or_default() += v;
                }
            }
        }
        out
    }
}

/// The rejection reasons that are rules at work rather than faults of the input: copies of
/// a message (in a mailbox, in another input, or in several members' Google Chat exports), drafts, spam and chat transcripts, records outside the window asked for, posts
/// by bots and system events, invitations the calendars already hold, calendars' tasks,
/// administrative, mailbox and calendar audit events, Teams meeting summaries, transaction
/// lifecycle events that are not steps. They are counted in the ingest log like every
/// rejection, but do not make a run fail (see [`IngestSummary::faults`]).
const EXCLUSIONS: &[&str] = &[
    records::OUTSIDE_WINDOW,
    mail::DUPLICATE,
    mail::DUPLICATE_COPY,
    COPY_OF_MESSAGE,
    COPY_OF_POST,
    COPY_OF_MEETING,
    COPY_OF_CALL,
    COPY_OF_EVENT,
    mail::DRAFT,
    mail::JUNK,
    mail::CHAT_TRANSCRIPT,
    calendar::NOT_AN_INVITATION,
    calendar::IN_CALENDAR_EXPORT,
    calendar::SUPERSEDED_INVITATION,
    calendar::NOT_A_MEETING,
    calendar::REPEATED_UID,
    slack::BOT,
    slack::SYSTEM,
    slack::NOT_A_MESSAGE,
    chat_json::SYSTEM,
    chat_json::APP,
    chat_json::DELETED,
    google_chat::COPY,
    audit::NOT_WORK,
    audit::CALENDAR_AUDIT,
    audit::MAIL_AUDIT,
    audit::MEETING_SUMMARY,
    audit::APP_NOTIFICATION,
    audit::SYSTEM_ACCOUNT,
    audit::MEET_GUEST,
    audit::MEET_ROOM,
    transactions::NOT_A_STEP,
];

/// Whether a rejection reason is a rule's exclusion rather than a fault of the input.
pub fn is_exclusion(reason: &str) -> bool {
    EXCLUSIONS.contains(&reason)
}

const DAY_US: i64 = 86_400_000_000;

/// How deep archives inside archives are unpacked.
const MAX_ARCHIVE_DEPTH: usize = 3;

/// Messages read and parsed at a time: bounds the raw mail held in memory.
const BATCH: usize = 2_048;

/// ... or fewer, once an mbox's batch holds this many bytes of raw mail: messages with large
/// attachments would otherwise make a batch of 2,048 hold gigabytes, and one batch the
/// whole of a smaller file, with nothing left to read while it is parsed.
const BATCH_BYTES: usize = 16 << 20;

/// Consecutive inputs read on their own are read in parallel while their sizes add up to at
/// most this many bytes; their activities are held until each one's turn to be written (an
/// estimate, not a measurement: about 1.5 KB an activity, so at worst, chat exports of
/// 300-byte posts, about 80 MB held).
const SMALL_INPUTS: u64 = 16 << 20;

fn rfc3339(us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(us)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// Reads every export under `sources` and writes the dataset to `out`.
pub fn ingest(
    sources: &[PathBuf],
    out: &Path,
    opts: &IngestOptions,
) -> Result<IngestSummary, IngestError> {
    let (pseudo, key_said) = resolve_key(&opts.key, out)?;
    let mut inputs = discover::discover(sources)?;
    let mut logs: HashMap<String, IngestLogEntry> = HashMap::new();
    // Archives are unpacked into temporary folders and searched like folders; what they
    // hold is named `archive!/entry` as it is read (`archive::name`). Archives in archives
    // are unpacked too, to a bounded depth. The folders are kept to the end of the run:
    // dropped, they are removed.
    let mut unpacked: Vec<archive::Unpacked> = Vec::new();
    for depth in 0..=MAX_ARCHIVE_DEPTH {
        let (archives, rest): (Vec<Input>, Vec<Input>) = inputs
            .into_iter()
            .partition(|i| matches!(i, Input::Archive(_)));
        inputs = rest;
        for a in archives {
            let Input::Archive(path) = a else { continue };
            let label = archive::name_of(&path);
            let entry = container_entry(&mut logs, &label, "archive", &path);
            if depth == MAX_ARCHIVE_DEPTH {
                entry.reject("archive nested too deep in other archives: not unpacked");
                continue;
            }
            match archive::unpack(&path) {
                Ok(u) => {
                    for reason in &u.skipped {
                        entry.reject(*reason);
                    }
                    if u.skipped.is_empty() {
                        entry
                            .reasons
                            .insert("unpacked; its files are logged as archive!/path".into(), 0);
                    }
                    inputs.extend(discover::discover(&[u.dir.path().to_path_buf()])?);
                    u.name_files(format!("{label}!"));
                    unpacked.push(u);
                }
                Err(reason) => entry.reject(reason),
            }
        }
    }
    // One Google Chat conversation in several members' Takeout exports is read once.
    let mut inputs = discover::gather_google_chat(inputs);
    // With `--map`, CSVs no reader recognised may be document activity under other names.
    if !opts.map.is_empty() {
        for input in &mut inputs {
            if let Input::Unrecognised(path, _) = input
                && path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
                && documents::looks_like(&discover::read_head(path), &opts.map)
            {
                *input = Input::DocumentCsv(path.clone());
            }
        }
    }
    // Outlook .pst files: converted by readpst into a temporary mail tree, one mailbox each.
    let (psts, rest): (Vec<Input>, Vec<Input>) =
        inputs.into_iter().partition(|i| matches!(i, Input::Pst(_)));
    inputs = rest;
    for p in psts {
        let Input::Pst(path) = p else { continue };
        let label = archive::name_of(&path);
        let entry = container_entry(&mut logs, &label, "pst", &path);
        match pst::convert(&path) {
            Ok(dir) => {
                entry.reasons.insert(
                    "converted with readpst; its messages are logged as file.pst!/folder".into(),
                    0,
                );
                let name = path
                    .file_stem()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let (tree, other) = discover::mail_tree_at(dir.path(), &name)?;
                inputs.push(tree);
                inputs.extend(other);
                let unpacked_dir = archive::Unpacked {
                    dir,
                    skipped: Vec::new(),
                };
                unpacked_dir.name_files(format!("{label}!"));
                unpacked.push(unpacked_dir);
            }
            Err(reason) => entry.reject(reason),
        }
    }
    let window = Window {
        since: opts.since.unwrap_or(Window::everything().since),
        until: opts.until.unwrap_or(Window::everything().until),
    };

    let mut people: BTreeMap<String, Person> = BTreeMap::new();
    let mut calendars = Vec::new();
    let mut invitations: Vec<units::Invitation> = Vec::new();
    let mut imported: Vec<wecon_model::schema::ImportedMetric> = Vec::new();

    // Rosters first: their aliases resolve the addresses of everything else.
    let mut rosters: Vec<PathBuf> = opts.roster.iter().cloned().collect();
    rosters.extend(inputs.iter().filter_map(|i| match i {
        Input::Roster(p) => Some(p.clone()),
        _ => None,
    }));
    let mut identities = identity::Identities::default();
    let mut roster_people = Vec::new();
    let mut listed = std::collections::HashSet::new();
    for path in &rosters {
        let file = archive::name_of(path);
        let mut entry = IngestLogEntry::new(&file, "roster");
        entry.bytes = std::fs::metadata(path).map(|m| m.len() as i64).unwrap_or(0);
        roster_people.extend(roster::read_roster(
            path,
            &pseudo,
            &mut entry,
            &mut identities,
            &mut listed,
        ));
        logs.insert(file, entry);
    }
    let roster_people = roster::people(roster_people, &identities, &pseudo);

    // Inputs read on their own and unchanged since the dataset at `out` was made are not
    // read again: their rows are copied from it (see `units`).
    let context = units::context(opts, &pseudo, &rosters);
    let mut activities = Collected {
        writer: writer::DatasetWriter::create(out, &context)?,
        count: 0,
        days: BTreeMap::new(),
        span: None,
        calendar_series: HashMap::new(),
        flagged: BTreeMap::new(),
    };
    let mut labels: Vec<String> = inputs
        .iter()
        .map(|i| archive::name_of(discover::input_path(i)))
        .collect();
    // Each input's size, looked up once (a mail tree's is every message file's).
    let mut sizes: Vec<u64> = inputs.par_iter().map(discover::input_bytes).collect();
    // A shard reads its share of the inputs read on their own and nothing else: the ingest
    // that merges the shards reads the rest and does what spans inputs.
    if let Some(shard) = opts.shard {
        let alone: Vec<bool> = inputs.iter().map(units::read_alone).collect();
        let mine = units::shard_share(&labels, &sizes, &alone, shard);
        let kept: Vec<(Input, String, u64)> = inputs
            .into_iter()
            .zip(labels)
            .zip(sizes)
            .zip(mine)
            .filter_map(|(((i, l), s), m)| m.then_some((i, l, s)))
            .collect();
        (inputs, labels, sizes) = (Vec::new(), Vec::new(), Vec::new());
        for (i, l, s) in kept {
            inputs.push(i);
            labels.push(l);
            sizes.push(s);
        }
    }
    // Content hashes: made before reading only for inputs a previous dataset has a record
    // of (their rows may be taken instead); the others are summed as they are read.
    let mut hashes: Vec<Option<String>> = vec![None; inputs.len()];
    // Inputs read on their own and unchanged since a previous dataset was made (the one at
    // `out`, or a shard's) are not read again: their rows are copied from it.
    let mut reused: Vec<Option<units::UnitRecord>> = vec![None; inputs.len()];
    let mut previous: Vec<(&Path, bool)> = Vec::new();
    if opts.reuse {
        previous.push((out, false));
    }
    previous.extend(opts.reuse_from.iter().map(|d| (d.as_path(), true)));
    // Why the dataset being replaced could not be taken from, when it has a record.
    let mut replaced_unusable = None;
    for (dir, asked) in previous {
        let units = match units::previous(dir) {
            Some(u) if u.context == context => u,
            // The dataset being replaced may be anything: then everything is read.
            Some(u) if !asked => {
                replaced_unusable = Some(u.unusable_because());
                continue;
            }
            _ if !asked => continue,
            Some(u) => {
                return Err(IngestError::Refuse(format!(
                    "`{}` was {}: its inputs cannot be taken into this dataset",
                    dir.display(),
                    u.unusable_because()
                )));
            }
            None => {
                return Err(IngestError::Refuse(format!(
                    "`{}` is not a dataset made by this version of wecon (no units.json)",
                    dir.display()
                )));
            }
        };
        let mut recorded: HashMap<String, units::UnitRecord> = units
            .units
            .into_iter()
            .map(|u| (u.label.clone(), u))
            .collect();
        let unhashed: Vec<usize> = (0..inputs.len())
            .filter(|&i| reused[i].is_none() && hashes[i].is_none())
            .filter(|&i| recorded.contains_key(&labels[i]))
            .collect();
        let made: Vec<Option<String>> = unhashed
            .par_iter()
            .map(|&i| units::content_hash(&inputs[i]))
            .collect();
        for (i, h) in unhashed.into_iter().zip(made) {
            hashes[i] = h;
        }
        let candidates: Vec<(usize, units::UnitRecord)> = hashes
            .iter()
            .enumerate()
            .filter(|(i, _)| reused[*i].is_none())
            .filter_map(|(i, h)| {
                let u = recorded.remove(&labels[i])?;
                (Some(&u.hash) == h.as_ref()).then_some((i, u))
            })
            .collect();
        let records: Vec<&units::UnitRecord> = candidates.iter().map(|(_, u)| u).collect();
        // A previous dataset that cannot be read is no reason to fail: its inputs are read.
        let confirmed = units::confirmed(dir, &records).unwrap_or_default();
        let chosen: Vec<(usize, units::UnitRecord)> = candidates
            .into_iter()
            .zip(confirmed)
            .filter_map(|(c, ok)| ok.then_some(c))
            .collect();
        let records: Vec<&units::UnitRecord> = chosen.iter().map(|(_, u)| u).collect();
        units::copy_rows(dir, &records, FLAG_DATE_FAR_OUT, |partition, batch| {
            activities.add_copied(partition, batch)
        })?;
        for (i, u) in chosen {
            reused[i] = Some(u);
        }
    }
    let reused_inputs = reused.iter().flatten().count();
    // Each input's record goes to the dataset's units.json as soon as it is made.
    let record = |w: &mut writer::DatasetWriter, u: units::UnitRecord| w.record_unit(&u);

    let progress = &opts.progress;
    progress.phase(
        "reading exports",
        sizes.iter().sum(),
        Unit::Bytes,
        "activities",
    );
    let reader = Reader {
        opts,
        window: &window,
        pseudo: &pseudo,
        identities: &identities,
    };
    let mut i = 0;
    while i < inputs.len() {
        let input = &inputs[i];
        let end = if let Some(unit) = reused[i].take() {
            unit.apply(&mut logs, &mut people, &mut invitations);
            record(&mut activities.writer, unit)?;
            i + 1
        } else if units::read_alone(input) {
            // A run of small inputs read on their own is read in parallel, each one's activities
            // held until its turn; a larger input is read alone, its activities written as they
            // come (the first failure to write ends the run once the input is read).
            let mut end = i + 1;
            let mut bytes = sizes[i];
            while end < inputs.len()
                && reused[end].is_none()
                && units::read_alone(&inputs[end])
                && bytes + sizes[end] <= SMALL_INPUTS
            {
                bytes += sizes[end];
                end += 1;
            }
            let read: Vec<(units::UnitRecord, HashMap<PathBuf, InputSum>)> = if end > i + 1 {
                let group: Vec<_> = inputs[i..end]
                    .par_iter()
                    .map(|input| {
                        let mut acts = Vec::new();
                        let (unit, sums) = read_unit(input, &reader, &mut |a| acts.extend(a));
                        (unit, sums, acts)
                    })
                    .collect();
                let mut read = Vec::with_capacity(group.len());
                for (unit, sums, acts) in group {
                    activities.add(acts)?;
                    read.push((unit, sums));
                }
                read
            } else {
                let mut failed = None;
                let read = read_unit(input, &reader, &mut |acts| {
                    if failed.is_none()
                        && let Err(e) = activities.add(acts)
                    {
                        failed = Some(e);
                    }
                });
                if let Some(e) = failed {
                    return Err(e);
                }
                vec![read]
            };
            for (j, (mut unit, sums)) in (i..end).zip(read) {
                unit.label = labels[j].clone();
                unit.apply(&mut logs, &mut people, &mut invitations);
                // Files the reader did not sum are summed now; an input that could not be hashed
                // is read again next time.
                let hash = hashes[j].take().or_else(|| {
                    units::hash_with(&inputs[j], |path| {
                        sums.get(path)
                            .cloned()
                            .or_else(|| units::input_sum(path).ok())
                    })
                });
                if let Some(hash) = hash {
                    unit.hash = hash;
                    record(&mut activities.writer, unit)?;
                }
            }
            end
        } else {
            match input {
                Input::Calendar(path) => calendars.push((path.clone(), sizes[i])),
                Input::VivaPersons(path) => {
                    let (metrics, persons, entry) = viva_person::read_person_query(path, &pseudo);
                    for p in persons {
                        people.entry(p.person_id.clone()).or_insert(p);
                    }
                    imported.extend(metrics);
                    logs.insert(entry.source_file.clone(), entry);
                }
                Input::VivaMeetings(path) => {
                    let file = archive::name_of(path);
                    let mut entry = IngestLogEntry::new(&file, "viva_meetings");
                    entry.bytes = std::fs::metadata(path).map(|m| m.len() as i64).unwrap_or(0);
                    let (acts, organisers) =
                        viva::read_meeting_query(path, &window, &pseudo, &mut entry);
                    for p in organisers {
                        people.entry(p.person_id.clone()).or_insert(p);
                    }
                    activities.add(acts)?;
                    logs.insert(file, entry);
                }
                Input::Skipped(path, reason) => {
                    let file = archive::name_of(path);
                    let mut entry = IngestLogEntry::new(&file, "skipped");
                    entry.bytes = std::fs::symlink_metadata(path)
                        .map(|m| m.len() as i64)
                        .unwrap_or(0);
                    entry.reasons.insert(reason.to_string(), 0);
                    logs.insert(file, entry);
                }
                Input::Unrecognised(path, reason) => {
                    let file = archive::name_of(path);
                    let entry = logs
                        .entry(file.clone())
                        .or_insert_with(|| IngestLogEntry::new(&file, "unrecognised"));
                    entry.bytes = std::fs::symlink_metadata(path)
                        .map(|m| m.len() as i64)
                        .unwrap_or(0);
                    entry.reject(*reason);
                }
                // Read before: rosters, containers.
                _ => {}
            }
            i + 1
        };
        // Calendars count when they are read.
        for (input, &size) in inputs[i..end].iter().zip(&sizes[i..end]) {
            if !matches!(input, Input::Calendar(_)) {
                let item = discover::input_name(input);
                progress.advance(size, activities.count as u64, &item);
            }
        }
        i = end;
    }

    // Calendars: each parsed and made its owner's, then expanded within the window the other
    // data spans. The window needs every calendar's earliest start and latest one-off start
    // before any is expanded, so every file is parsed first for those two times; files are
    // kept parsed, in order, while they fit in [`CALENDAR_KEPT_BYTES`], the others parsed
    // again when their batch comes. Then a batch at a time is made its owner's and
    // expanded, so memory holds that budget and one batch of calendars whatever their
    // number. Meeting invitations from mail (each a small calendar of its mailbox's owner)
    // come after the files.
    let parse = |path: &PathBuf| -> (calendar::ParsedCalendar, IngestLogEntry) {
        let file = archive::name_of(path);
        let mut log = IngestLogEntry::new(&file, "ics");
        let cal = match std::fs::read(path) {
            Ok(bytes) => {
                log.bytes = bytes.len() as i64;
                // Validated as UTF-8 first: the lossy reading's own check is slower, and
                // nearly every calendar is valid.
                let text = match std::str::from_utf8(&bytes) {
                    Ok(text) => std::borrow::Cow::Borrowed(text),
                    Err(_) => String::from_utf8_lossy(&bytes),
                };
                calendar::parse_calendar(&file, &text, &mut log)
            }
            Err(_) => {
                log.reject(records::UNREADABLE);
                calendar::ParsedCalendar::empty(&file)
            }
        };
        (cal, log)
    };
    let read_calendar = |path: &PathBuf, parsed: Option<_>| -> CalendarInput {
        let (mut cal, mut log) = parsed.unwrap_or_else(|| parse(path));
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        calendar::resolve_identities(&mut cal, &identities);
        let (owner, rule) = match opts.owner.as_deref() {
            Some(o) => (o.to_string(), "--owner".to_string()),
            None => calendar::decide_owner(&cal, &stem),
        };
        log.owner_rule = Some(rule);
        let owner = identities.resolve(&owner);
        CalendarInput {
            cal: calendar::own(cal, &owner, &identities, &pseudo),
            log,
            invite: None,
        }
    };
    let mut budget = CALENDAR_KEPT_BYTES;
    let keep: Vec<bool> = calendars
        .iter()
        .map(|(_, size)| {
            let kept = *size <= budget;
            if kept {
                budget -= size;
            }
            kept
        })
        .collect();
    let (mut bounds, mut parsed): (Vec<calendar::Bounds>, Vec<_>) = calendars
        .par_iter()
        .zip(&keep)
        .map(|((path, _), &keep)| {
            let parsed = parse(path);
            (parsed.0.bounds(), keep.then_some(parsed))
        })
        .unzip();
    bounds.extend(invitations.iter().map(|i| i.cal.bounds()));
    let cal_window = calendar_window(activities.span, &bounds, opts);
    let mut files = calendars
        .chunks(CALENDAR_BATCH)
        .zip(parsed.chunks_mut(CALENDAR_BATCH));
    let mut invites = invitations.into_iter().map(|i| CalendarInput {
        cal: i.cal,
        log: i.log,
        invite: Some(i.sent_utc),
    });
    // Expanded a batch of calendars at a time, so their occurrences are written as they come;
    // the next batch is read and expanded while one is written.
    let mut from_invites: Vec<(Activity, i64, String)> = Vec::new();
    // Invitations come after every calendar file, so by then the series the exports hold
    // are known: an invitation's occurrences of those are dropped as they come rather than
    // held to the end (one rejection per invitation VEVENT, however many occurrences).
    let mut dropped: HashMap<(String, String), &'static str> = HashMap::new();
    type Expanded = Vec<(Vec<Activity>, IngestLogEntry, Option<i64>)>;
    let expand = |mut c: CalendarInput| {
        let acts = calendar::calendar_activities(&c.cal, &cal_window, &pseudo, &mut c.log);
        (acts, c.log, c.invite)
    };
    let mut expand_next = || -> Option<Expanded> {
        let batch: Expanded = match files.next() {
            Some((paths, parsed)) => paths
                .par_iter()
                .zip(parsed)
                .map(|((path, _), parsed)| expand(read_calendar(path, parsed.take())))
                .collect(),
            None => invites
                .by_ref()
                .take(CALENDAR_BATCH)
                .collect::<Vec<_>>()
                .into_par_iter()
                .map(expand)
                .collect(),
        };
        (!batch.is_empty()).then_some(batch)
    };
    let mut write = |expanded: Expanded| -> Result<(), IngestError> {
        let batch_bytes: i64 = expanded
            .iter()
            .filter(|(_, _, invite)| invite.is_none())
            .map(|(_, log, _)| log.bytes)
            .sum();
        for (acts, log, invite_sent) in expanded {
            add_people(&mut people, &acts, "calendar");
            match invite_sent {
                Some(sent) => {
                    for a in acts {
                        let in_export = a.thread_id.as_ref().is_some_and(|t| {
                            (activities.calendar_series)
                                .get(&a.person_id)
                                .is_some_and(|series| series.contains(t))
                        });
                        if in_export {
                            let key = (log.source_file.clone(), a.source_record);
                            dropped.insert(key, calendar::IN_CALENDAR_EXPORT);
                        } else {
                            from_invites.push((a, sent, log.source_file.clone()));
                        }
                    }
                }
                None => activities.add(acts)?,
            }
            match logs.get_mut(&log.source_file) {
                Some(entry) => entry.merge(&log),
                None => {
                    logs.insert(log.source_file.clone(), log);
                }
            }
        }
        progress.advance(
            batch_bytes.max(0) as u64,
            activities.count as u64,
            "calendars",
        );
        Ok(())
    };
    let mut pending = expand_next();
    while let Some(expanded) = pending {
        let (next, written) = rayon::join(&mut expand_next, || write(expanded));
        written?;
        pending = next;
    }
    progress.finish();
    let kept = keep_invited_meetings(from_invites, dropped, &mut logs);
    activities.add(kept)?;
    activities.flag_far_out()?;
    activities.drop_copies(&labels, &mut logs, &**progress)?;

    // The roster describes people; those the exports show keep where they were found.
    let had_roster = !roster_people.is_empty();
    let on_roster: std::collections::HashSet<String> =
        roster_people.iter().map(|p| p.person_id.clone()).collect();
    let people_not_in_roster =
        had_roster.then(|| people.keys().filter(|id| !on_roster.contains(*id)).count());
    for mut p in roster_people {
        if let Some(existing) = people.get(&p.person_id) {
            p.found_in = format!("{}, roster", existing.found_in);
        }
        people.insert(p.person_id.clone(), p);
    }

    let Collected {
        writer,
        count,
        flagged,
        ..
    } = activities;
    let mut log: Vec<IngestLogEntry> = logs.into_values().collect();
    log.sort_by(|a, b| a.source_file.cmp(&b.source_file));
    let people: Vec<Person> = people.into_values().collect();
    let mut manifest = Manifest {
        wecon_version: env!("CARGO_PKG_VERSION").to_string(),
        inputs: sources.iter().map(|s| s.display().to_string()).collect(),
        key: key_said,
        calendar_window: (cal_window != Window::everything())
            .then(|| (rfc3339(cal_window.since), rfc3339(cal_window.until))),
        since: opts.since.map(rfc3339),
        until: opts.until.map(rfc3339),
        activities: count,
        people: people.len(),
        records_read: log.iter().map(|l| l.records_read).sum(),
        records_accepted: log.iter().map(|l| l.records_accepted).sum(),
        records_rejected: log.iter().map(|l| l.records_rejected).sum(),
        flagged,
        people_not_in_roster,
        reused_inputs,
        replaced_unusable,
        shard: opts.shard.map(|s| s.to_string()),
        // Listed by the writer once every file is written.
        files: BTreeMap::new(),
    };
    writer.finish(&people, &log, &imported, &mut manifest, &**progress)?;
    Ok(IngestSummary { manifest, log })
}

/// What reading an input needs besides the input.
struct Reader<'a> {
    opts: &'a IngestOptions,
    window: &'a Window,
    pseudo: &'a Pseudonymiser,
    identities: &'a identity::Identities,
}

/// Reads an input that is read on its own (see [`units::read_alone`]): its activities go to
/// `send` (a log a chunk at a time, as it is read), and what else reading it gave is
/// returned as its record (its label and hash are filled in by the caller), with the sums of
/// the files it read whole (mail, Slack day files), for the input's content hash.
fn read_unit(
    input: &Input,
    r: &Reader<'_>,
    send: &mut dyn FnMut(Vec<Activity>),
) -> (units::UnitRecord, HashMap<PathBuf, InputSum>) {
    let mut sums = HashMap::new();
    let mut logs: HashMap<String, IngestLogEntry> = HashMap::new();
    let mut unit = units::UnitRecord::default();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut send = |acts: Vec<Activity>| {
        for a in &acts {
            match counts.get_mut(a.source.as_str()) {
                Some(n) => *n += 1,
                None => {
                    counts.insert(a.source.clone(), 1);
                }
            }
        }
        send(acts);
    };
    match input {
        Input::MailTree { root, name, files } => {
            // Message files go by their names (`archive.zip!/...` in an archive), and so
            // does the tree's root their folders are keyed under.
            let root = PathBuf::from(archive::name_of(root));
            let key = |file: &str| folder_key(&root, file);
            let mailbox = r.mailbox(name, "maildir", &key);
            let mut facts = mail::MailboxFacts::new(&mailbox, r.pseudo);
            // Each file is read and parsed by the same task, so reading one overlaps parsing
            // another and no raw message outlives its parse; a batch of files at a time, so
            // parsed messages are held only until they are taken.
            for batch in files.chunks(BATCH) {
                let parsed: Vec<(mail::Parsed, Option<InputSum>)> = batch
                    .par_iter()
                    .map(|f| {
                        let (bytes, truncated) = match read_capped(&f.path, f.bytes) {
                            Ok((b, t)) => (Ok(b), t),
                            Err(e) => (Err(e), false),
                        };
                        let sum = match &bytes {
                            Ok(b) if !truncated => Some(InputSum::of(b)),
                            _ => None,
                        };
                        let raw = mail::RawMessage {
                            file: archive::name_of(&f.path),
                            record: f
                                .path
                                .file_name()
                                .map(|n| n.to_string_lossy().into_owned())
                                .unwrap_or_default(),
                            folder: f.folder.clone(),
                            seen: f.seen,
                            draft: f.draft,
                            trashed: f.trashed,
                            envelope: None,
                            truncated,
                            bytes,
                        };
                        let (k, size, fact) = mail::parse_raw(raw, &key);
                        let fact = fact.map(|f| mail::ready(f, r.identities, r.pseudo));
                        ((k, size, fact), sum)
                    })
                    .collect();
                for ((p, sum), f) in parsed.into_iter().zip(batch) {
                    if let Some(sum) = sum {
                        sums.insert(f.path.clone(), sum);
                    }
                    facts.add(p, &mut logs, r.window);
                }
            }
            finish_mailbox(facts, r, &mut logs, &mut unit, &mut send);
        }
        Input::Mbox(path) => {
            let file = archive::name_of(path);
            let key = |_: &str| file.clone();
            let name = path
                .file_stem()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mailbox = r.mailbox(&name, "mbox", &key);
            let mut facts = mail::MailboxFacts::new(&mailbox, r.pseudo);
            logs.insert(file.clone(), IngestLogEntry::new(&file, "mbox"));
            let ready = |f| mail::ready(f, r.identities, r.pseudo);
            match parse_mbox(path, &key, &ready, &mut |p| {
                facts.add(p, &mut logs, r.window)
            }) {
                Ok((bytes, sum)) => {
                    if let Some(entry) = logs.get_mut(&file) {
                        entry.bytes = bytes;
                    }
                    if let Some(sum) = sum {
                        sums.insert(path.clone(), sum);
                    }
                    finish_mailbox(facts, r, &mut logs, &mut unit, &mut send);
                }
                Err(_) => {
                    if let Some(entry) = logs.get_mut(&file) {
                        entry.reject(records::UNREADABLE);
                    }
                }
            }
        }
        Input::Slack(root) => {
            let mut out = records::Emit::new(&mut send);
            unit.people = slack::read_export(
                root,
                r.window,
                r.pseudo,
                r.identities,
                &mut logs,
                &mut sums,
                &mut out,
            );
            out.finish();
        }
        // Logs of many people's records: each reader returns its activities and the file's
        // log entry; everybody they name is a person found in that kind of log.
        input => {
            let (w, p, ids) = (r.window, r.pseudo, r.identities);
            let mut people = std::collections::BTreeSet::new();
            let mut see = |acts: Vec<Activity>| {
                people.extend(acts.iter().map(|a| a.person_id.clone()));
                send(acts);
            };
            let mut out = records::Emit::new(&mut see);
            let (entries, kind) = match input {
                Input::DocumentCsv(path) => (
                    vec![documents::read(path, &r.opts.map, w, p, ids, &mut out)],
                    "document log",
                ),
                Input::Chat(path, k) => (
                    vec![chat_json::read(path, *k, w, p, ids, &mut out)],
                    "chat export",
                ),
                Input::Transactions(path, true) => (
                    vec![transactions::read_csv(path, w, p, ids, &mut out)],
                    "transaction log",
                ),
                Input::Transactions(path, false) => (
                    vec![transactions::read_ocel(path, w, p, ids, &mut out)],
                    "transaction log",
                ),
                Input::Audit(path, k) => (
                    vec![audit::read_audit(path, *k, w, p, ids, &mut out)],
                    "audit log",
                ),
                Input::GoogleChat(copies) => (
                    google_chat::read(copies, w, p, ids, &mut out),
                    "chat export",
                ),
                _ => unreachable!("read_unit is given only inputs read on their own"),
            };
            out.finish();
            unit.people = people
                .into_iter()
                .map(|id| Person::with_defaults(id, kind))
                .collect();
            for entry in entries {
                logs.insert(entry.source_file.clone(), entry);
            }
        }
    }
    let mut logs: Vec<IngestLogEntry> = logs.into_values().collect();
    logs.sort_by(|a, b| a.source_file.cmp(&b.source_file));
    unit.logs = logs;
    unit.activities = counts;
    (unit, sums)
}

impl Reader<'_> {
    /// What ingest knows of a mailbox before reading it.
    fn mailbox<'m>(
        &'m self,
        name: &'m str,
        format: &'static str,
        key: &'m (dyn Fn(&str) -> String + Sync),
    ) -> mail::Mailbox<'m> {
        mail::Mailbox {
            name,
            format,
            count_bytes: format == "maildir",
            owner: self.opts.owner.as_deref(),
            log_key: key,
            identities: self.identities,
        }
    }
}

/// A mailbox's messages made its owner's activities (handed to `send` a chunk at a time);
/// its owner is a person found in a mailbox, and its meeting invitations are made small
/// calendars of the owner's.
fn finish_mailbox(
    facts: mail::MailboxFacts<'_>,
    r: &Reader<'_>,
    logs: &mut HashMap<String, IngestLogEntry>,
    unit: &mut units::UnitRecord,
    send: &mut dyn FnMut(Vec<Activity>),
) {
    let mut out = records::Emit::new(send);
    let read = facts.finish(logs, &mut out);
    out.finish();
    unit.people = read
        .person_id
        .map(|id| Person::with_defaults(id, "mailbox"))
        .into_iter()
        .collect();
    unit.invitations =
        read.invites
            .into_par_iter()
            .map(|inv| {
                let mut log = IngestLogEntry::new(&inv.log_key, "ics_invite");
                let mut cal = calendar::parse_calendar(&inv.file, &inv.text, &mut log);
                for e in &mut cal.events {
                    e.record = format!("{}, {}", inv.record, e.record);
                }
                if cal.method.as_deref().is_some_and(|m| {
                    matches!(m, "REPLY" | "COUNTER" | "REFRESH" | "DECLINECOUNTER")
                }) {
                    for _ in cal.events.drain(..) {
                        log.reclassify_as_rejected(calendar::NOT_AN_INVITATION);
                    }
                }
                calendar::resolve_identities(&mut cal, r.identities);
                log.owner_rule = Some("the mailbox's owner".into());
                let owner = r.identities.resolve(&inv.owner);
                units::Invitation {
                    cal: calendar::own(cal, &owner, r.identities, r.pseudo),
                    log,
                    sent_utc: inv.sent_utc,
                }
            })
            .collect();
}

/// A calendar to expand: a file, or a meeting invitation found in mail (with the time the
/// message was sent).
struct CalendarInput {
    cal: calendar::OwnedCalendar,
    log: IngestLogEntry,
    invite: Option<i64>,
}

/// Meetings read from invitations in mail count only where the person's calendar export does
/// not hold the same series (those are `dropped` already, by invitation VEVENT), and only as
/// the latest invitation for it says (an update moves the meeting, a cancellation cancels
/// it). The others are logged as rejected.
fn keep_invited_meetings(
    from_invites: Vec<(Activity, i64, String)>,
    mut dropped: HashMap<(String, String), &'static str>,
    logs: &mut HashMap<String, IngestLogEntry>,
) -> Vec<Activity> {
    use std::collections::HashSet;
    // The latest invitation per person and series, by send time, then by provenance.
    let mut latest: HashMap<(&str, &str), (i64, String)> = HashMap::new();
    for (a, sent, _) in &from_invites {
        let Some(series) = a.thread_id.as_deref() else {
            continue;
        };
        let candidate = (
            *sent,
            format!("{}\0{}", a.source_file, invite_of(&a.source_record)),
        );
        let slot = latest
            .entry((a.person_id.as_str(), series))
            .or_insert_with(|| candidate.clone());
        if candidate > *slot {
            *slot = candidate;
        }
    }
    let mut kept_ids = Vec::new();
    for (i, (a, _, log_key)) in from_invites.iter().enumerate() {
        let series = a.thread_id.as_deref().unwrap_or_default();
        let this = format!("{}\0{}", a.source_file, invite_of(&a.source_record));
        let reason = if latest
            .get(&(a.person_id.as_str(), series))
            .is_some_and(|(_, newest)| *newest != this)
        {
            Some(calendar::SUPERSEDED_INVITATION)
        } else {
            None
        };
        match reason {
            // One rejection per invitation VEVENT, however many occurrences it has.
            Some(r) => {
                dropped.insert((log_key.clone(), a.source_record.clone()), r);
            }
            None => kept_ids.push(i),
        }
    }
    for ((log_key, _), reason) in dropped {
        if let Some(entry) = logs.get_mut(&log_key) {
            entry.reclassify_as_rejected(reason);
        }
    }
    let keep: HashSet<usize> = kept_ids.into_iter().collect();
    from_invites
        .into_iter()
        .enumerate()
        .filter(|(i, _)| keep.contains(i))
        .map(|(_, (a, _, _))| a)
        .collect()
}

/// `message 3 at byte 120, invitation 1, VEVENT #0` → `message 3 at byte 120, invitation 1`.
fn invite_of(record: &str) -> &str {
    record
        .rsplit_once(", VEVENT")
        .map_or(record, |(inv, _)| inv)
}

/// The flag of a date far outside the span of the rest of the data.
const FLAG_DATE_FAR_OUT: &str = "date_far_out";

/// The log entry of a file that holds other exports (an archive, a `.pst`): its size, and
/// no records of its own (its contents are logged under `label!/...`).
fn container_entry<'a>(
    logs: &'a mut HashMap<String, IngestLogEntry>,
    label: &str,
    format: &str,
    path: &Path,
) -> &'a mut IngestLogEntry {
    let entry = logs
        .entry(label.to_string())
        .or_insert_with(|| IngestLogEntry::new(label, format));
    entry.bytes = std::fs::metadata(path).map(|m| m.len() as i64).unwrap_or(0);
    entry
}

/// Calendars expanded at a time.
const CALENDAR_BATCH: usize = 64;

/// The bytes of calendar files kept parsed between finding the calendars' window and
/// expanding them; files beyond it are parsed twice. Parsing every file again took a third
/// of the CPU of ingesting a folder of calendars (400 people's, 41.5 MB: 2.1 s of CPU
/// against 1.4 s now); keeping them parsed raised that run's peak memory by 37 MB.
const CALENDAR_KEPT_BYTES: u64 = 128 << 20;

/// Activities on their way to the dataset, and what later steps need to know of them.
struct Collected {
    writer: writer::DatasetWriter,
    count: usize,
    /// Starts per day (days since the epoch), for the far-out-date flag: memory that grows
    /// with the days the data spans, not with the activities.
    days: BTreeMap<i64, u64>,
    /// The earliest and latest start so far.
    span: Option<(i64, i64)>,
    /// The series of meetings read from calendar files, by person.
    calendar_series: HashMap<String, std::collections::HashSet<String>>,
    /// Activities with each data-quality flag.
    flagged: BTreeMap<String, i64>,
}

impl Collected {
    fn add(&mut self, acts: Vec<Activity>) -> Result<(), IngestError> {
        for a in &acts {
            self.note(
                a.start_utc,
                &a.source,
                &a.person_id,
                a.thread_id.as_deref(),
                a.flags.as_deref(),
            );
        }
        self.count += acts.len();
        self.writer.write(acts)
    }

    /// What later steps need to know of one activity: its day, the span, a calendar
    /// series, its flags.
    fn note(
        &mut self,
        start: i64,
        source: &str,
        person: &str,
        thread: Option<&str>,
        flags: Option<&str>,
    ) {
        *self.days.entry(start.div_euclid(DAY_US)).or_default() += 1;
        self.span = Some(match self.span {
            Some((lo, hi)) => (lo.min(start), hi.max(start)),
            None => (start, start),
        });
        if source == "calendar"
            && let Some(t) = thread
        {
            // Looked up before anything is copied: an occurrence's series is mostly known.
            let series = match self.calendar_series.get_mut(person) {
                Some(series) => series,
                None => self.calendar_series.entry(person.to_string()).or_default(),
            };
            if !series.contains(t) {
                series.insert(t.to_string());
            }
        }
        for flag in flags.iter().flat_map(|f| f.split(',')) {
            *self.flagged.entry(flag.to_string()).or_default() += 1;
        }
    }

    /// Takes rows copied from a previous dataset (see `units`) as a part of `partition`.
    fn add_copied(
        &mut self,
        partition: &Path,
        batches: Vec<RecordBatch>,
    ) -> Result<(), IngestError> {
        use datafusion::arrow::array::TimestampMicrosecondArray;
        let (mut lo, mut hi) = (i64::MAX, i64::MIN);
        for batch in &batches {
            let starts = batch
                .column_by_name("start_utc")
                .and_then(|c| c.as_any().downcast_ref::<TimestampMicrosecondArray>())
                .ok_or_else(|| {
                    IngestError::Refuse("activities without a `start_utc` time".into())
                })?;
            let [source, person, thread, flags] =
                ["source", "person_id", "thread_id", "flags"].map(|c| units::strings(batch, c));
            let (source, person, thread, flags) = (source?, person?, thread?, flags?);
            for r in 0..batch.num_rows() {
                let t = starts.value(r);
                (lo, hi) = (lo.min(t), hi.max(t));
                self.note(
                    t,
                    source.value(r),
                    person.value(r),
                    text_at(thread, r),
                    text_at(flags, r),
                );
            }
            self.count += batch.num_rows();
        }
        self.writer.write_batches(partition, &batches, (lo, hi))
    }

    /// Drops the rows that repeat another input's (see
    /// [`writer::DatasetWriter::drop_copies`]: the input listed first keeps them), counting
    /// each record (a calendar's event once all its occurrences went) as a rejection of its
    /// file or folder in the ingest log. The inputs that lost rows
    /// keep no record in `units.json`: what they give depends on the others now, so they are
    /// read again next time.
    fn drop_copies(
        &mut self,
        labels: &[String],
        logs: &mut HashMap<String, IngestLogEntry>,
        progress: &dyn Progress,
    ) -> Result<(), IngestError> {
        if labels.len() < 2 {
            return Ok(());
        }
        let by_label: HashMap<&str, usize> = labels
            .iter()
            .enumerate()
            .map(|(i, l)| (l.as_str(), i))
            .collect();
        // A row is of a known input only when the ingest log has its entry to count it in: a
        // calendar's rows their file's. (Meetings from mail invitations were set against the
        // calendars before, see `keep_invited_meetings`; they are left.)
        let input_of = |source: &str, file: &str| {
            if source == "calendar" {
                logs.contains_key(file).then_some(())?;
                by_label.get(file).copied()
            } else {
                log_key(logs, file)?;
                units::unit_of(&by_label, file)
            }
        };
        let dropped = self.writer.drop_copies(&input_of, progress)?;
        let mut losers = std::collections::BTreeSet::new();
        // A message or post is one record of the log. Other records may give several rows
        // (a calendar's event its occurrences): a record is a copy when all its rows went
        // (an event one export's series runs longer stays its own).
        let mut records: BTreeMap<&str, std::collections::HashSet<(String, String)>> =
            BTreeMap::new();
        for d in &dropped {
            if d.source != "email" && d.source != "chat" {
                records
                    .entry(d.source.as_str())
                    .or_default()
                    .insert((d.source_file.clone(), d.source_record.clone()));
            } else if let Some(key) = log_key(logs, &d.source_file).map(str::to_string)
                && let Some(log) = logs.get_mut(&key)
            {
                let reason = if d.source == "email" {
                    COPY_OF_MESSAGE
                } else {
                    COPY_OF_POST
                };
                log.reclassify_as_rejected(reason);
            }
            for flag in d.flags.iter().flat_map(|f| f.split(',')) {
                if let Some(n) = self.flagged.get_mut(flag) {
                    *n -= 1;
                }
            }
            losers.insert(labels[d.input].clone());
        }
        for (source, of_source) in records {
            let left = self.writer.rows_of(source, &of_source)?;
            for key in of_source.iter().filter(|k| !left.contains_key(*k)) {
                let entry = if source == "calendar" {
                    Some(key.0.clone())
                } else {
                    log_key(logs, &key.0).map(str::to_string)
                };
                let reason = match source {
                    "calendar" => COPY_OF_MEETING,
                    "call" => COPY_OF_CALL,
                    _ => COPY_OF_EVENT,
                };
                if let Some(log) = entry.and_then(|e| logs.get_mut(&e)) {
                    log.reclassify_as_rejected(reason);
                }
            }
        }
        self.flagged.retain(|_, n| *n > 0);
        self.count -= dropped.len();
        self.writer.forget_units(losers);
        Ok(())
    }

    /// Flags activities dated far outside the data's span: more than a year (or the span
    /// itself, when longer) before or after the central 98% of all dates. A mail server with
    /// its clock in 1980 or 2037 leaves such dates; they are kept, flagged, for the user to
    /// judge.
    /// The central 98% is taken to the day: its first day's start to its last day's end.
    fn flag_far_out(&mut self) -> Result<(), IngestError> {
        let days = std::mem::take(&mut self.days);
        let n: u64 = days.values().sum();
        if n < 20 {
            return Ok(());
        }
        let cut = n / 100;
        // The day of the start at `rank` (from 0) in the order of time.
        let day_at = |rank: u64| {
            let mut seen = 0;
            for (day, count) in &days {
                seen += count;
                if seen > rank {
                    return *day;
                }
            }
            0
        };
        let (lo, hi) = (day_at(cut) * DAY_US, (day_at(n - 1 - cut) + 1) * DAY_US - 1);
        let margin = (hi - lo).max(365 * DAY_US);
        let n = self
            .writer
            .flag_outside(lo - margin, hi + margin, FLAG_DATE_FAR_OUT)?;
        if n > 0 {
            *self
                .flagged
                .entry(FLAG_DATE_FAR_OUT.to_string())
                .or_default() += n as i64;
        }
        Ok(())
    }
}

/// The ingest log entry of a row's file: the file's own, or the nearest folder's above it (a
/// mail tree logs each folder).
fn log_key<'a>(logs: &'a HashMap<String, IngestLogEntry>, file: &str) -> Option<&'a str> {
    units::nearest(file, |key| logs.get_key_value(key).map(|(k, _)| k.as_str()))
}

/// Rejection reasons of rows another input already gave (see [`Collected::drop_copies`]).
pub(crate) const COPY_OF_MESSAGE: &str = "copy of a message another input already gave (the same mailbox owner, Message-ID and date): overlapping exports of one mailbox";
pub(crate) const COPY_OF_MEETING: &str = "copy of a meeting another calendar already gave (the same person, event and occurrences): a calendar exported twice, or a shared calendar beside its members' own";
pub(crate) const COPY_OF_CALL: &str = "copy of a call another input already gave (the same person, call and time): overlapping exports of one call log or chat";
pub(crate) const COPY_OF_EVENT: &str = "copy of an event another input already gave (the same person, action, document or case and time): overlapping exports of one log";
pub(crate) const COPY_OF_POST: &str = "copy of a post another input already gave (the same author, conversation, message and time): overlapping exports of one chat";

/// The window calendars are expanded in: the user's bounds, else the span of the mail, else
/// the span of the calendars' own one-off events, at least one year from the first event.
fn calendar_window(
    span: Option<(i64, i64)>,
    calendars: &[calendar::Bounds],
    opts: &IngestOptions,
) -> Window {
    let mail_min = span.map(|s| s.0);
    let mail_max = span.map(|s| s.1);
    let cal_min = calendars.iter().filter_map(|c| c.0).min();
    let cal_max = calendars.iter().filter_map(|c| c.1).max();
    let since = opts.since.or(match (mail_min, cal_min) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    });
    let Some(since) = since else {
        return Window::everything();
    };
    let until = opts.until.unwrap_or_else(|| {
        let data_end = mail_max.into_iter().chain(cal_max).max().unwrap_or(since) + DAY_US;
        if mail_max.is_some() {
            data_end
        } else {
            data_end.max(since + 365 * DAY_US)
        }
    });
    Window { since, until }
}

/// The log entry of a message file in a mail tree: its folder (`root/inbox`).
fn folder_key(root: &Path, file: &str) -> String {
    let p = Path::new(file);
    let mut dir = p.parent().unwrap_or(root).to_path_buf();
    if dir.file_name().is_some_and(|n| n == "cur" || n == "new") && dir != root {
        dir.pop();
    }
    dir.display().to_string()
}

/// Reads an mbox file (see [`mbox`]) and parses it in batches, so only one batch of raw
/// messages is in memory at a time; each parsed message is made `ready` (in parallel) and
/// goes to `take`, in the file's order.
/// Returns the file's size, and its sum when it was read to the end.
pub(crate) fn parse_mbox(
    path: &Path,
    key: &(dyn Fn(&str) -> String + Sync),
    ready: &(dyn Fn(mail::MailFact) -> mail::MailFact + Sync),
    take: &mut (dyn FnMut(mail::Parsed) + Send),
) -> std::io::Result<(i64, Option<InputSum>)> {
    let file = fs_err::File::open(path)?;
    let bytes = file.metadata()?.len() as i64;
    let reader = std::io::BufReader::with_capacity(1 << 20, units::SummingReader::new(file));
    let name = archive::name_of(path);
    let folder = path
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // One thread splits the file into batches while the pool parses the previous ones; the
    // bounded channel keeps at most two batches of raw mail waiting.
    let sum = std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<mail::RawMessage>>(2);
        let splitter = scope.spawn(move || {
            let mut mbox = mbox::MboxReader::new(reader);
            let mut messages = mbox.by_ref().enumerate();
            loop {
                let mut raw: Vec<mail::RawMessage> = Vec::new();
                let mut held = 0;
                while raw.len() < BATCH && held < BATCH_BYTES {
                    let Some((i, m)) = messages.next() else {
                        break;
                    };
                    let (record, envelope, truncated, bytes) = match m {
                        Ok(m) => (
                            format!("message {} at byte {}", i + 1, m.offset),
                            m.envelope,
                            m.truncated,
                            Ok(m.bytes),
                        ),
                        Err(e) => (format!("message {}", i + 1), None, false, Err(e)),
                    };
                    held += bytes.as_ref().map_or(0, Vec::len);
                    raw.push(mail::RawMessage {
                        file: name.clone(),
                        record,
                        folder: folder.clone(),
                        seen: None,
                        draft: false,
                        trashed: false,
                        envelope,
                        truncated,
                        bytes,
                    });
                }
                // A read error ends the file: what was read is kept and the failure logged.
                let last = raw.is_empty() || raw.iter().any(|m| m.bytes.is_err());
                if !raw.is_empty() && tx.send(raw).is_err() {
                    break;
                }
                if last {
                    break;
                }
            }
            drop(messages);
            mbox.into_inner().into_inner().sum()
        });
        // The pool parses a batch while the one before is taken (in order, one at a time).
        let mut batches = rx.into_iter();
        let mut parse_next = || {
            batches
                .next()
                .map(|batch| mail::parse_messages(batch, key, ready))
        };
        let mut pending = parse_next();
        while let Some(parsed) = pending {
            let (next, ()) =
                rayon::join(&mut parse_next, || parsed.into_iter().for_each(&mut *take));
            pending = next;
        }
        splitter.join().ok().flatten()
    });
    Ok((bytes, sum))
}

/// Reads a message file, at most [`mbox::MAX_MESSAGE`] bytes of it; says whether it was cut.
/// `size` is what the file measured when found: room is made for that much, but the file is
/// read to its end (or one byte past the cap) whatever it holds now.
fn read_capped(path: &Path, size: u64) -> std::io::Result<(Vec<u8>, bool)> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let cap = mbox::MAX_MESSAGE;
    let mut bytes = Vec::with_capacity((size as usize).min(cap));
    file.take(cap as u64 + 1).read_to_end(&mut bytes)?;
    let cut = bytes.len() > cap;
    bytes.truncate(cap);
    Ok((bytes, cut))
}

/// The owner of a mailbox or calendar (all its activities are theirs).
fn add_people(people: &mut BTreeMap<String, Person>, acts: &[Activity], found_in: &str) {
    if let Some(a) = acts.first() {
        found(people, &a.person_id, found_in);
    }
}

/// Records that a person was found in a kind of export: `found_in` lists each kind once.
pub(crate) fn found(people: &mut BTreeMap<String, Person>, person_id: &str, kind: &str) {
    let p = people
        .entry(person_id.to_string())
        .or_insert_with(|| Person::with_defaults(person_id.to_string(), kind));
    if !p.found_in.split(", ").any(|k| k == kind) {
        p.found_in = format!("{}, {kind}", p.found_in);
    }
}

/// A text column's value, or none.
pub(crate) fn text_at(a: &datafusion::arrow::array::StringArray, r: usize) -> Option<&str> {
    use datafusion::arrow::array::Array;
    (!a.is_null(r)).then(|| a.value(r))
}
