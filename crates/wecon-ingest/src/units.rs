//! Incremental ingest: a dataset remembers each input it read on its own, so that ingesting
//! into the same folder again reads only what changed.
//!
//! An input is read *on its own* when what reading it gives depends on nothing but its
//! content and the run's options: a mailbox (mail tree or mbox), a chat, audit, document or
//! transaction log, a Slack export. Each is recorded in the dataset's `units.json` with the
//! content hash of its files (BLAKE3) and what reading it gave besides its rows: its
//! ingest-log entries, the people it showed, and the meeting invitations its mail held,
//! already made its owner's and pseudonymised ([`OwnedCalendar`]). The next ingest into the
//! same folder, with the same key, rosters, window, `--owner` and `--map` (the record's
//! `context`), does not read an input whose hash is unchanged: its rows are copied from the
//! previous dataset and its record stands in for the reading. The rows are checked against
//! the record first (by source, under the input's path): an input whose rows are not all
//! there is read again.
//!
//! What depends on several inputs is redone on every run from all of them: calendars are
//! expanded in the window the whole data spans, invitations are checked against the
//! calendars, dates far outside the data's span are flagged (the flag is taken off copied
//! rows and decided again), mail and chat rows that repeat another input's are dropped (an
//! input that lost any keeps no record: what it gives depends on the others, so the next
//! ingest reads it again), people are merged with the roster. Calendar files, rosters,
//! Viva exports and containers are read every time.
//!
//! The same record splits an ingest across machines: with `--shard i/n` an ingest reads only
//! its share of the inputs read on their own ([`shard_share`]); an ingest of all the inputs
//! with `--reuse-from` each shard's dataset then takes their rows and records as it would
//! a previous dataset's, and reads the rest itself.
//!
//! The record names no one and holds no content: addresses appear only as keyed pseudonyms,
//! files by the paths the ingest log already shows.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, BooleanArray, RecordBatch, StringArray, StringBuilder,
};
use datafusion::arrow::compute::filter_record_batch;
use datafusion::parquet::arrow::ProjectionMask;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use wecon_model::Pseudonymiser;
use wecon_model::atomic::{files_under, read_in_pieces};
use wecon_model::schema::{ACTIVITIES, IngestLogEntry, Person};

use crate::calendar::OwnedCalendar;
use crate::discover::Input;
use crate::writer::MANIFEST;
use crate::{IngestError, IngestOptions};

/// The file in a dataset that records its inputs.
pub(crate) const UNITS: &str = "units.json";

/// Raised when what a record holds, or how an input is read or hashed, changes: older
/// records are then not used (2: BLAKE3 content hashes where SHA-256 ones were; 3 to 6: the
/// activities' `is_private`, `in_channel`, `is_deleted` and `accepted_participants` columns,
/// which older rows lack; 7: a Slack huddle's `object_id` and `thread_id` are its room's, not
/// its file's; 8: Google Chat dates in languages other than English, a French Takeout's
/// unread and sent labels, and Microsoft Forms and Stream audit records are read where they
/// were rejected or passed over).
const RECORD_VERSION: u32 = 8;

/// The inputs a dataset read on their own.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Units {
    /// What besides an input's content decides what reading it gives (a keyed hash).
    pub context: String,
    /// The wecon and [`RECORD_VERSION`] that wrote the record (both are in `context` too;
    /// kept plain to say why a record cannot be used). Records of version 1 lack them.
    #[serde(default)]
    pub wecon_version: String,
    #[serde(default)]
    pub record_version: u32,
    pub units: Vec<UnitRecord>,
}

impl Units {
    /// Why this record, made under another context than `context`, cannot be used.
    pub(crate) fn unusable_because(&self) -> String {
        let wecon = env!("CARGO_PKG_VERSION");
        if self.record_version != RECORD_VERSION || self.wecon_version != wecon {
            let made = match self.record_version {
                0 | 1 => "an earlier version of wecon".to_string(),
                v => format!("wecon {} (input record {v})", self.wecon_version),
            };
            format!("made by {made}, not wecon {wecon} (input record {RECORD_VERSION})")
        } else {
            "made with another key, roster, window, --owner or --map".to_string()
        }
    }
}

/// What `units.json` begins with, before its records: the run's context and who made it.
pub(crate) fn header(context: &str) -> Result<String, serde_json::Error> {
    Ok(format!(
        "{{\"context\":{},\"wecon_version\":{},\"record_version\":{RECORD_VERSION},\"units\":[",
        serde_json::to_string(context)?,
        serde_json::to_string(env!("CARGO_PKG_VERSION"))?,
    ))
}

/// One input read on its own, and what reading it gave besides its rows.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct UnitRecord {
    /// The input's path as the ingest log shows it (`archive.zip!/path` inside archives).
    pub label: String,
    /// The content hash (BLAKE3, hex) of its kind and of its files' names, sizes and contents.
    pub hash: String,
    /// Its rows in the dataset, by source.
    pub activities: BTreeMap<String, usize>,
    pub logs: Vec<IngestLogEntry>,
    pub people: Vec<Person>,
    pub invitations: Vec<Invitation>,
}

/// A meeting invitation found in mail: a small calendar of the mailbox's owner.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Invitation {
    pub cal: OwnedCalendar,
    pub log: IngestLogEntry,
    /// When the message was sent: the latest invitation for a meeting is the one that holds.
    pub sent_utc: i64,
}

impl UnitRecord {
    /// Adds what reading the input gave to the run's ingest log, people and invitations.
    pub(crate) fn apply(
        &self,
        logs: &mut HashMap<String, IngestLogEntry>,
        people: &mut BTreeMap<String, Person>,
        invitations: &mut Vec<Invitation>,
    ) {
        for l in &self.logs {
            match logs.get_mut(&l.source_file) {
                Some(entry) => entry.merge(l),
                None => {
                    logs.insert(l.source_file.clone(), l.clone());
                }
            }
        }
        for p in &self.people {
            if people.contains_key(&p.person_id) {
                for kind in p.found_in.split(", ") {
                    crate::found(people, &p.person_id, kind);
                }
            } else {
                people.insert(p.person_id.clone(), p.clone());
            }
        }
        invitations.extend(self.invitations.iter().cloned());
    }
}

/// The context of a run: the key (as a keyed hash of a constant), the rosters' contents,
/// the window, `--owner`, `--map` and the record's version.
pub(crate) fn context(opts: &IngestOptions, pseudo: &Pseudonymiser, rosters: &[PathBuf]) -> String {
    let mut h = blake3::Hasher::new();
    let mut add = |text: String| {
        h.update(text.as_bytes());
    };
    add(format!(
        "wecon {} units {RECORD_VERSION}\n",
        env!("CARGO_PKG_VERSION")
    ));
    add(pseudo.object("units", "context"));
    add(format!("\nsince {:?} until {:?}\n", opts.since, opts.until));
    add(format!("owner {:?}\n", opts.owner));
    let map: BTreeMap<_, _> = opts.map.iter().collect();
    add(format!("map {map:?}\n"));
    for r in rosters {
        let sum = input_sum(r)
            .map(|s| s.hash.to_hex().to_string())
            .unwrap_or_default();
        add(format!("roster {} {sum}\n", r.display()));
    }
    h.finalize().to_hex().to_string()
}

/// Whether an input is read on its own: what reading it gives depends on nothing but its
/// content and the run's options.
pub(crate) fn read_alone(input: &Input) -> bool {
    matches!(
        input,
        Input::MailTree { .. }
            | Input::Mbox(_)
            | Input::Slack(_)
            | Input::DocumentCsv(_)
            | Input::Transactions(..)
            | Input::Chat(..)
            | Input::GoogleChat(_)
            | Input::Audit(..)
    )
}

/// The files of an input read on its own, by name relative to the input, with the kind of
/// reading; `None` for other inputs.
fn unit_files(input: &Input) -> Option<(String, Vec<(String, PathBuf)>)> {
    let single = |kind: String, p: &Path| {
        let name = p.file_name()?.to_string_lossy().into_owned();
        Some((kind, vec![(name, p.to_path_buf())]))
    };
    match input {
        Input::MailTree { root, name, files } => Some((
            format!("mail tree {name}"),
            files
                .iter()
                .map(|f| {
                    let rel = f.path.strip_prefix(root).unwrap_or(&f.path);
                    (rel.display().to_string(), f.path.clone())
                })
                .collect(),
        )),
        Input::Slack(root) => {
            let files = files_under(root, &[]).ok()?;
            Some((
                "slack".into(),
                files
                    .into_iter()
                    .map(|rel| (rel.clone(), root.join(rel)))
                    .collect(),
            ))
        }
        Input::Mbox(p) => single("mbox".into(), p),
        Input::DocumentCsv(p) => single("documents".into(), p),
        Input::Transactions(p, csv) => single(format!("transactions csv={csv}"), p),
        Input::Chat(p, kind) => single(format!("chat {kind:?}"), p),
        // Every copy's messages and members, each named as the log names it (the copies are
        // in different exports, or archives: `alice.zip!/Takeout/Google Chat/...`).
        Input::GoogleChat(copies) => Some((
            "google chat".into(),
            crate::google_chat::files_of(copies)
                .into_iter()
                .map(|f| (crate::archive::name_of(&f), f))
                .collect(),
        )),
        Input::Audit(p, kind) => single(format!("audit {kind:?}"), p),
        _ => None,
    }
}

/// The content hash of an input read on its own; `None` for other inputs and for one whose
/// files cannot all be read (it is then read, and not recorded).
pub(crate) fn content_hash(input: &Input) -> Option<String> {
    hash_with(input, |path| input_sum(path).ok())
}

/// The content hash of an input from its files' sums, as [`content_hash`] makes it: readers
/// that read every byte of a file anyway sum it as they read (`sum` then looks it up), so
/// an input is read once, not once to hash and once to read.
pub(crate) fn hash_with(
    input: &Input,
    sum: impl Fn(&Path) -> Option<InputSum> + Sync,
) -> Option<String> {
    let (kind, mut files) = unit_files(input)?;
    files.sort();
    let sums: Vec<String> = files
        .par_iter()
        .map(|(rel, path)| {
            let s = sum(path)?;
            Some(format!("{rel}\0{}\0{}\n", s.bytes, s.hash.to_hex()))
        })
        .collect::<Option<_>>()?;
    let mut h = blake3::Hasher::new();
    h.update(kind.as_bytes());
    h.update(b"\n");
    for s in sums {
        h.update(s.as_bytes());
    }
    Some(h.finalize().to_hex().to_string())
}

/// An input file's size and content hash. BLAKE3, not the SHA-256 the manifest gives each
/// output file (which anyone can check with `sha256sum`): an input's hash only decides
/// whether it is read again, and every input byte is hashed, so the faster hash is used
/// (SHA-256, even with the CPU's SHA instructions, was 9% of the CPU of a large mbox's
/// ingest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InputSum {
    pub bytes: u64,
    pub hash: blake3::Hash,
}

impl InputSum {
    /// The sum of a file's bytes read whole.
    pub(crate) fn of(data: &[u8]) -> Self {
        InputSum {
            bytes: data.len() as u64,
            hash: blake3::hash(data),
        }
    }
}

/// The sum of a file.
pub(crate) fn input_sum(path: &Path) -> std::io::Result<InputSum> {
    let mut hasher = blake3::Hasher::new();
    let bytes = read_in_pieces(path, |piece| {
        hasher.update(piece);
    })?;
    Ok(InputSum {
        bytes,
        hash: hasher.finalize(),
    })
}

/// Sums a file as it is read; [`SummingReader::sum`] is the file's only when it was read
/// to its end without an error. Going back (the mbox reader rewinds when a `Content-Length`
/// proves wrong) and reading again is fine: bytes already summed are not summed twice.
pub(crate) struct SummingReader<R> {
    inner: R,
    hasher: blake3::Hasher,
    /// Where the next byte read comes from, and how far the file is summed.
    pos: u64,
    summed: u64,
    failed: bool,
    ended: bool,
}

impl<R> SummingReader<R> {
    pub(crate) fn new(inner: R) -> Self {
        SummingReader {
            inner,
            hasher: blake3::Hasher::new(),
            pos: 0,
            summed: 0,
            failed: false,
            ended: false,
        }
    }

    pub(crate) fn sum(self) -> Option<InputSum> {
        (self.ended && !self.failed).then(|| InputSum {
            bytes: self.summed,
            hash: self.hasher.finalize(),
        })
    }
}

impl<R: std::io::Read> std::io::Read for SummingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.inner.read(buf) {
            Ok(0) if !buf.is_empty() => {
                self.ended = self.pos == self.summed;
                Ok(0)
            }
            Ok(n) => {
                let end = self.pos + n as u64;
                // After a gap (a seek past what was summed) the sum has failed already.
                if self.pos <= self.summed && end > self.summed {
                    let new = usize::try_from(self.summed - self.pos).unwrap_or(n);
                    self.hasher.update(&buf[new..n]);
                    self.summed = end;
                }
                self.pos = end;
                Ok(n)
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => Err(e),
            Err(e) => {
                self.failed = true;
                Err(e)
            }
        }
    }
}

impl<R: std::io::Seek> std::io::Seek for SummingReader<R> {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        let pos = self.inner.seek(to).inspect_err(|_| self.failed = true)?;
        // Skipping bytes not yet summed leaves the sum without them.
        self.failed |= pos > self.summed;
        self.pos = pos;
        Ok(pos)
    }
}

/// The record of the dataset at `dir`, if it is one with a record.
pub(crate) fn previous(dir: &Path) -> Option<Units> {
    if !dir.join(MANIFEST).is_file() {
        return None;
    }
    let text = std::fs::read_to_string(dir.join(UNITS)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Which inputs are shard `shard`'s: the inputs read on their own, largest first, each to
/// the shard with the fewest bytes so far (ties to the lower shard, equal sizes by label),
/// so every shard given the same inputs makes the same split and the shards' loads are
/// close. Other inputs are no shard's.
pub(crate) fn shard_share(
    labels: &[String],
    sizes: &[u64],
    alone: &[bool],
    shard: crate::Shard,
) -> Vec<bool> {
    let mut order: Vec<usize> = (0..labels.len()).filter(|i| alone[*i]).collect();
    order.sort_by(|a, b| {
        sizes[*b]
            .cmp(&sizes[*a])
            .then_with(|| labels[*a].cmp(&labels[*b]))
    });
    let mut load = vec![0u64; shard.count.max(1)];
    let mut mine = vec![false; labels.len()];
    for i in order {
        let lightest = (0..load.len()).min_by_key(|s| (load[*s], *s)).unwrap_or(0);
        load[lightest] += sizes[i].max(1);
        mine[i] = lightest == shard.index;
    }
    mine
}

/// Each record's index by its label.
fn by_label<'a>(records: &[&'a UnitRecord]) -> HashMap<&'a str, usize> {
    records
        .iter()
        .enumerate()
        .map(|(i, u)| (u.label.as_str(), i))
        .collect()
}

/// Which recorded input a row belongs to: the one whose label is its source file or the
/// nearest folder above it.
pub(crate) fn unit_of(labels: &HashMap<&str, usize>, source_file: &str) -> Option<usize> {
    nearest(source_file, |key| labels.get(key).copied())
}

/// What `find` gives for `file` or, failing that, for the nearest folder above it
/// (`a/b/c`, then `a/b`, then `a`): an input's label, an ingest log entry.
pub(crate) fn nearest<T>(file: &str, mut find: impl FnMut(&str) -> Option<T>) -> Option<T> {
    let mut key = file;
    loop {
        if let Some(found) = find(key) {
            return Some(found);
        }
        key = &key[..key.rfind('/')?];
    }
}

/// Every part of the activities of the dataset at `dir`, with its partition folder
/// (`mail/2001-05`).
fn parts(dir: &Path) -> Result<Vec<(PathBuf, PathBuf)>, IngestError> {
    let root = dir.join(ACTIVITIES);
    Ok(files_under(&root, &[])?
        .into_iter()
        .filter(|f| f.ends_with(".parquet"))
        .map(|f| {
            let rel = PathBuf::from(&f);
            let partition = rel.parent().map(Path::to_path_buf).unwrap_or_default();
            (root.join(rel), partition)
        })
        .collect())
}

/// A text column of a batch of activities.
pub(crate) fn strings<'a>(
    batch: &'a RecordBatch,
    name: &str,
) -> Result<&'a StringArray, IngestError> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<StringArray>())
        .ok_or_else(|| IngestError::Refuse(format!("activities without a text `{name}` column")))
}

/// Reads the parts of a dataset's activities one at a time, only `columns` of them when
/// given.
fn scan(
    dir: &Path,
    columns: Option<&[&str]>,
    mut each: impl FnMut(&Path, Vec<RecordBatch>) -> Result<(), IngestError>,
) -> Result<(), IngestError> {
    for (path, partition) in parts(dir)? {
        let file = fs_err::File::open(&path)?;
        let mut builder = ParquetRecordBatchReaderBuilder::try_new(file.into_parts().0)?;
        if let Some(columns) = columns {
            let mask = ProjectionMask::columns(builder.parquet_schema(), columns.iter().copied());
            builder = builder.with_projection(mask);
        }
        let batches = builder.build()?.collect::<Result<Vec<_>, _>>()?;
        each(&partition, batches)?;
    }
    Ok(())
}

/// The rows of the previous dataset at `dir` that belong to `candidates` (recorded inputs
/// whose content is unchanged), by source: a candidate is reused only when they are all
/// there, as its record counts them.
pub(crate) fn confirmed(dir: &Path, candidates: &[&UnitRecord]) -> Result<Vec<bool>, IngestError> {
    let labels = by_label(candidates);
    let mut found: Vec<BTreeMap<String, usize>> = vec![BTreeMap::new(); candidates.len()];
    scan(dir, Some(&["source", "source_file"]), |_, batches| {
        for batch in batches {
            let (source, file) = (strings(&batch, "source")?, strings(&batch, "source_file")?);
            for r in 0..batch.num_rows() {
                if let Some(i) = unit_of(&labels, file.value(r))
                    && candidates[i].activities.contains_key(source.value(r))
                {
                    *found[i].entry(source.value(r).to_string()).or_default() += 1;
                }
            }
        }
        Ok(())
    })?;
    Ok(candidates
        .iter()
        .zip(found)
        .map(|(u, f)| {
            u.activities
                .iter()
                .filter(|(_, n)| **n > 0)
                .all(|(s, n)| f.get(s) == Some(n))
        })
        .collect())
}

/// Copies the rows of `reused` inputs from the previous dataset at `dir`, a part at a time,
/// with the far-out-date flag taken off (it is decided again over all the data).
pub(crate) fn copy_rows(
    dir: &Path,
    reused: &[&UnitRecord],
    far_out: &str,
    mut each: impl FnMut(&Path, Vec<RecordBatch>) -> Result<(), IngestError>,
) -> Result<(), IngestError> {
    let labels = by_label(reused);
    scan(dir, None, |partition, batches| {
        let mut kept = Vec::new();
        for batch in batches {
            let (source, file) = (strings(&batch, "source")?, strings(&batch, "source_file")?);
            let keep: BooleanArray = (0..batch.num_rows())
                .map(|r| {
                    Some(
                        unit_of(&labels, file.value(r))
                            .is_some_and(|i| reused[i].activities.contains_key(source.value(r))),
                    )
                })
                .collect();
            let batch = filter_record_batch(&batch, &keep)?;
            if batch.num_rows() > 0 {
                kept.push(without_flag(batch, far_out)?);
            }
        }
        if kept.is_empty() {
            return Ok(());
        }
        each(partition, kept)
    })
}

/// `batch` with `flag` taken out of its `flags` column.
fn without_flag(batch: RecordBatch, flag: &str) -> Result<RecordBatch, IngestError> {
    let schema = batch.schema();
    let Ok(fi) = schema.index_of("flags") else {
        return Ok(batch);
    };
    let flags = strings(&batch, "flags")?;
    let mut new = StringBuilder::new();
    for i in 0..flags.len() {
        if flags.is_null(i) {
            new.append_null();
            continue;
        }
        let kept: Vec<&str> = flags.value(i).split(',').filter(|f| *f != flag).collect();
        if kept.is_empty() {
            new.append_null();
        } else {
            new.append_value(kept.join(","));
        }
    }
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    columns[fi] = Arc::new(new.finish());
    Ok(RecordBatch::try_new(schema, columns)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_summed_while_read_has_the_sum_of_its_bytes() {
        use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
        // A Content-Length that proves wrong makes the mbox reader go back and read again.
        let data =
            b"From x\nContent-Length: 3\n\nab\nFrom y\n\nc\nFrom z\nContent-Length: 2\n\nok\n"
                .to_vec();
        for capacity in [1, 4, 64, 1 << 20] {
            let reader = BufReader::with_capacity(capacity, SummingReader::new(Cursor::new(&data)));
            let mut mbox = crate::mbox::MboxReader::new(reader);
            assert_eq!(mbox.by_ref().count(), 3);
            assert_eq!(
                mbox.into_inner().into_inner().sum(),
                Some(InputSum::of(&data))
            );
        }
        // Not read to the end, or with bytes skipped: no sum.
        let mut part = SummingReader::new(Cursor::new(&data));
        part.read_exact(&mut [0; 5]).unwrap();
        assert_eq!(part.sum(), None);
        let mut skipped = SummingReader::new(Cursor::new(&data));
        skipped.seek(SeekFrom::Start(5)).unwrap();
        skipped.read_to_end(&mut Vec::new()).unwrap();
        assert_eq!(skipped.sum(), None);
    }

    #[test]
    fn shards_split_the_inputs_read_alone_by_size() {
        let labels: Vec<String> = ["a", "b", "c", "d", "cal"].map(String::from).into();
        let sizes = [100, 60, 50, 10, 5];
        let alone = [true, true, true, true, false];
        let share = |index| shard_share(&labels, &sizes, &alone, crate::Shard { index, count: 2 });
        // 100 to the first; 60, then 50 to the second (110); 10 to the first (110).
        assert_eq!(share(0), [true, false, false, true, false]);
        assert_eq!(share(1), [false, true, true, false, false]);
    }

    #[test]
    fn rows_belong_to_the_nearest_recorded_folder() {
        let labels: HashMap<&str, usize> = [
            ("data/maildir/allen-p", 0),
            ("data/maildir/allen-p/x.mbox", 1),
            ("a.zip!/m", 2),
        ]
        .into_iter()
        .collect();
        assert_eq!(unit_of(&labels, "data/maildir/allen-p/inbox/1."), Some(0));
        assert_eq!(unit_of(&labels, "data/maildir/allen-p/x.mbox"), Some(1));
        assert_eq!(unit_of(&labels, "data/maildir/allen-p2/inbox/1."), None);
        assert_eq!(unit_of(&labels, "a.zip!/m/cur/1"), Some(2));
        assert_eq!(unit_of(&labels, "other"), None);
    }
}
