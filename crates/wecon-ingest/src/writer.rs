//! The dataset on disk: Parquet files partitioned by source and month, written into a
//! temporary folder that replaces the target in one rename, so a reader never sees half a
//! dataset. `manifest.json` is written last; a folder without it is not a dataset.
//!
//! Activities are written as they are produced: they are gathered until [`FLUSH_ROWS`] are
//! waiting, then written as `part-N.parquet` files in each `activities/<source>/<YYYY-MM>/`
//! partition, so ingest holds a bounded number of activities however large the export is.
//! Once everything is written, each partition's parts are merged into one file, a row group
//! at a time ([`DatasetWriter::finish`]), so a dataset is one file per partition whatever
//! its size: queries open a file per partition, not one per flush.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Datelike};
use datafusion::arrow::array::BooleanArray;
use datafusion::arrow::array::TimestampMicrosecondArray;
use datafusion::arrow::array::{
    Array, ArrayRef, RecordBatch, RecordBatchReader, StringArray, StringBuilder,
};
use datafusion::arrow::compute::filter_record_batch;
use datafusion::parquet::arrow::ProjectionMask;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::parquet::errors::ParquetError;
use rayon::prelude::*;
use wecon_model::atomic::{
    partial_dir, replace_dir, write_file, write_parquet, write_parquet_stream,
};
use wecon_model::progress::{Progress, Unit};
use wecon_model::schema::{
    ACTIVITIES, Activity, IMPORTED_METRICS, INGEST_LOG, ImportedMetric, IngestLogEntry, Names,
    PEOPLE, Person, activities_batch, imported_metrics_batch, ingest_log_batch, people_batch,
};

use crate::units::{UNITS, UnitRecord, strings};
use crate::{IngestError, Manifest};

/// The file that marks a complete dataset.
pub const MANIFEST: &str = "manifest.json";

/// Activities gathered before they are written (about 1.4 KB each in memory) ...
const FLUSH_ROWS: usize = 250_000;
/// ... or fewer, once they take this much memory: an activity weighs more the more people
/// it names (`parties`), so a large organisation's all-staff mail would otherwise make the
/// buffer grow with the organisation.
const FLUSH_BYTES: usize = 256 << 20;

/// Rows of each Arrow batch a partition is written from (see `flush`).
const BATCH_ROWS: usize = 4 * 1024;

/// About what an activity takes in memory: itself and every text it owns, each with the
/// allocator's own bytes (about 16 a block), which for short names count as much as the text.
/// A list of parties shared with other activities is counted for each (an upper bound).
fn weight(a: &Activity) -> usize {
    const BLOCK: usize = 16;
    let heap = |s: &str| if s.is_empty() { 0 } else { s.len() + BLOCK };
    let text = |t: &Option<String>| t.as_deref().map_or(0, heap);
    let names = |n: &Option<Names>| {
        n.as_ref().map_or(0, |n| {
            BLOCK
                + n.iter()
                    .map(|p| heap(p) + size_of::<String>())
                    .sum::<usize>()
        })
    };
    size_of::<Activity>()
        + [
            &a.activity_id,
            &a.person_id,
            &a.source,
            &a.action,
            &a.source_file,
            &a.source_record,
        ]
        .into_iter()
        .map(|s| heap(s))
        .sum::<usize>()
        + [
            &a.tz,
            &a.thread_id,
            &a.object_id,
            &a.response,
            &a.show_as,
            &a.recipient_role,
            &a.category,
            &a.flags,
        ]
        .into_iter()
        .map(text)
        .sum::<usize>()
        + names(&a.parties)
        + names(&a.external_parties)
}

/// A dataset being written; dropped unfinished, its temporary folder is removed.
pub(crate) struct DatasetWriter {
    /// Activities waiting, in the chunks they came in (never moved again until written).
    pending: Vec<Vec<Activity>>,
    /// How many activities `pending` holds, and what they weigh (see [`weight`]).
    pending_rows: usize,
    pending_bytes: usize,
    /// [`FLUSH_ROWS`], smaller in tests.
    flush_rows: usize,
    out: PathBuf,
    partial: PathBuf,
    /// Parts written per partition folder, for the next part's number.
    parts: HashMap<PathBuf, usize>,
    /// Every part written, with the earliest and latest start in it.
    written: Vec<Part>,
    /// `units.json` (the [`crate::units::Units`] of the run's context), written a record at
    /// a time as each input is done ([`DatasetWriter::record_unit`]), not held to the end;
    /// and whether a record was written yet.
    units: std::io::BufWriter<fs_err::File>,
    units_written: bool,
    /// Inputs whose records are left out of `units.json` when it is finished (see
    /// [`Self::forget_units`]).
    forgotten: std::collections::BTreeSet<String>,
    finished: bool,
}

impl DatasetWriter {
    /// Starts a dataset at `out` (refusing a folder that is something else), its record of
    /// inputs under the run's `context` (see `units`).
    pub(crate) fn create(out: &Path, context: &str) -> Result<Self, IngestError> {
        if out.exists() && !out.join(MANIFEST).exists() && fs_err::read_dir(out)?.next().is_some() {
            return Err(IngestError::Refuse(format!(
                "`{}` exists and is not a wecon dataset; choose an empty or new folder",
                out.display()
            )));
        }
        let partial = partial_dir(out)?;
        fs_err::create_dir_all(partial.join(ACTIVITIES))?;
        let mut units = std::io::BufWriter::new(fs_err::File::create(partial.join(UNITS))?);
        let header =
            crate::units::header(context).map_err(|e| IngestError::Refuse(e.to_string()))?;
        write!(units, "{header}")?;
        Ok(DatasetWriter {
            pending: Vec::new(),
            pending_rows: 0,
            pending_bytes: 0,
            flush_rows: FLUSH_ROWS,
            out: out.to_path_buf(),
            partial,
            parts: HashMap::new(),
            written: Vec::new(),
            units,
            units_written: false,
            forgotten: Default::default(),
            finished: false,
        })
    }

    /// Takes activities to write; writes what is waiting once there is enough of it (at
    /// [`FLUSH_ROWS`] activities or [`FLUSH_BYTES`] of them, wherever that falls in a chunk).
    pub(crate) fn write(&mut self, mut activities: Vec<Activity>) -> Result<(), IngestError> {
        while !activities.is_empty() {
            let mut full = None;
            for (i, a) in activities.iter().enumerate() {
                self.pending_bytes += weight(a);
                self.pending_rows += 1;
                if self.pending_rows >= self.flush_rows || self.pending_bytes >= FLUSH_BYTES {
                    full = Some(i + 1);
                    break;
                }
            }
            let rest = match full {
                Some(n) if n < activities.len() => activities.split_off(n),
                _ => Vec::new(),
            };
            self.pending.push(activities);
            if full.is_some() {
                self.flush()?;
            }
            activities = rest;
        }
        Ok(())
    }

    /// Writes one input's record into `units.json`.
    pub(crate) fn record_unit(&mut self, unit: &UnitRecord) -> Result<(), IngestError> {
        if self.units_written {
            self.units.write_all(b",")?;
        }
        serde_json::to_writer(&mut self.units, unit)
            .map_err(|e| IngestError::Refuse(e.to_string()))?;
        self.units_written = true;
        Ok(())
    }

    /// How many rows of `source` each of `records` (source file, source record) has in the
    /// files written, reading only those two columns.
    pub(crate) fn rows_of(
        &self,
        source: &str,
        records: &HashSet<(String, String)>,
    ) -> Result<HashMap<(String, String), usize>, IngestError> {
        let mut rows: HashMap<(String, String), usize> = HashMap::new();
        let dir = self.partial.join(ACTIVITIES).join(source);
        for (path, ..) in self.written.iter().filter(|p| p.0.starts_with(&dir)) {
            let file = fs_err::File::open(path)?;
            let builder = ParquetRecordBatchReaderBuilder::try_new(file.into_parts().0)?;
            let mask =
                ProjectionMask::columns(builder.parquet_schema(), ["source_file", "source_record"]);
            for batch in builder.with_projection(mask).build()? {
                let batch = batch?;
                let (file, record) = (
                    strings(&batch, "source_file")?,
                    strings(&batch, "source_record")?,
                );
                for r in 0..batch.num_rows() {
                    let key = (file.value(r).to_string(), record.value(r).to_string());
                    if records.contains(&key) {
                        *rows.entry(key).or_default() += 1;
                    }
                }
            }
        }
        Ok(rows)
    }

    /// Leaves the records of the inputs labelled `labels` out of `units.json`, so that the
    /// next ingest reads them again.
    pub(crate) fn forget_units(&mut self, labels: impl IntoIterator<Item = String>) {
        self.forgotten.extend(labels);
    }

    /// Writes the waiting activities into their partitions (a source's month each), each
    /// sorted by person, start and id. Partitions are independent files: sorted and written
    /// in parallel.
    fn flush(&mut self) -> Result<(), IngestError> {
        let activities = std::mem::take(&mut self.pending);
        (self.pending_rows, self.pending_bytes) = (0, 0);
        if activities.iter().all(Vec::is_empty) {
            return Ok(());
        }
        // A partition: the source, and the (year, month) of the start (None for a start
        // chrono cannot date).
        type Partition<'a> = (&'a str, Option<(i32, u32)>);
        let mut partitions: BTreeMap<Partition<'_>, Vec<&Activity>> = BTreeMap::new();
        for a in activities.iter().flatten() {
            let month = DateTime::from_timestamp_micros(a.start_utc).map(|d| (d.year(), d.month()));
            partitions
                .entry((a.source.as_str(), month))
                .or_default()
                .push(a);
        }
        let act_dir = self.partial.join(ACTIVITIES);
        let mut jobs: Vec<(PathBuf, Vec<&Activity>)> = Vec::new();
        for ((source, month), rows) in partitions {
            // The folder's name as chrono writes the month (`2001-05`).
            let month = match month {
                Some(_) => DateTime::from_timestamp_micros(rows[0].start_utc)
                    .map(|d| d.format("%Y-%m").to_string())
                    .unwrap_or_default(),
                None => "unknown".into(),
            };
            let dir = act_dir.join(source).join(month);
            let n = self.parts.entry(dir.clone()).or_default();
            let path = dir.join(format!("part-{n}.parquet"));
            *n += 1;
            jobs.push((path, rows));
        }
        // The largest first, so the last job to start is a small one.
        jobs.sort_by_key(|(_, rows)| std::cmp::Reverse(rows.len()));
        let written = jobs
            .into_par_iter()
            .map(|(path, mut rows)| -> Result<Part, IngestError> {
                // Activity ids are unique, so the order is total and an unstable sort
                // deterministic.
                rows.sort_unstable_by(|a, b| {
                    (a.person_id.as_str(), a.start_utc, a.activity_id.as_str()).cmp(&(
                        b.person_id.as_str(),
                        b.start_utc,
                        b.activity_id.as_str(),
                    ))
                });
                if let Some(dir) = path.parent() {
                    fs_err::create_dir_all(dir)?;
                }
                // Built a few thousand rows at a time: once sorted, the rows lie scattered
                // in memory, and each of the 33 columns reads every row again, so a block
                // that stays in the core's cache is read from memory once, not 33 times. A
                // multiple of the Parquet writer's mini-batch (1,024 rows), so the file is
                // the same as from one batch.
                let batches = rows
                    .chunks(BATCH_ROWS)
                    .map(activities_batch)
                    .collect::<Result<Vec<_>, _>>()?;
                write_parquet(&path, &batches)?;
                let min = rows.iter().map(|a| a.start_utc).min().unwrap_or(0);
                let max = rows.iter().map(|a| a.start_utc).max().unwrap_or(0);
                Ok((path, min, max, rows.len()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        // Their strings freed in parallel too.
        activities.into_par_iter().for_each(drop);
        self.written.extend(written);
        Ok(())
    }

    /// Writes rows that are already batches (copied from a previous dataset) as a part of
    /// the partition folder `partition` (`mail/2001-05`).
    pub(crate) fn write_batches(
        &mut self,
        partition: &Path,
        batches: &[RecordBatch],
        starts: (i64, i64),
    ) -> Result<(), IngestError> {
        let dir = self.partial.join(ACTIVITIES).join(partition);
        let n = self.parts.entry(dir.clone()).or_default();
        let path = dir.join(format!("part-{n}.parquet"));
        *n += 1;
        fs_err::create_dir_all(&dir)?;
        write_parquet(&path, batches)?;
        let rows = batches.iter().map(RecordBatch::num_rows).sum();
        self.written.push((path, starts.0, starts.1, rows));
        Ok(())
    }

    /// Adds `flag` to the activities whose start lies outside `[lo, hi]`: those still
    /// buffered in place, those written by rewriting only the parts that hold any (in
    /// parallel); returns how many were flagged.
    pub(crate) fn flag_outside(
        &mut self,
        lo: i64,
        hi: i64,
        flag: &str,
    ) -> Result<usize, IngestError> {
        let add = |old: Option<&str>| match old {
            Some(o) => format!("{o},{flag}"),
            None => flag.to_string(),
        };
        let mut flagged = 0;
        for a in self.pending.iter_mut().flatten() {
            if a.start_utc < lo || a.start_utc > hi {
                flagged += 1;
                a.flags = Some(add(a.flags.as_deref()));
            }
        }
        let rewritten = self
            .written
            .par_iter()
            .filter(|(_, min, max, _)| *min < lo || *max > hi)
            .map(|(path, ..)| -> Result<usize, IngestError> {
                let file = fs_err::File::open(path)?;
                let reader =
                    ParquetRecordBatchReaderBuilder::try_new(file.into_parts().0)?.build()?;
                let batches: Vec<RecordBatch> = reader.collect::<Result<_, _>>()?;
                let mut flagged = 0;
                let mut out = Vec::with_capacity(batches.len());
                for b in batches {
                    let schema = b.schema();
                    let (Ok(si), Ok(fi)) = (schema.index_of("start_utc"), schema.index_of("flags"))
                    else {
                        out.push(b);
                        continue;
                    };
                    let starts = b
                        .column(si)
                        .as_any()
                        .downcast_ref::<TimestampMicrosecondArray>();
                    let flags = b.column(fi).as_any().downcast_ref::<StringArray>();
                    let (Some(starts), Some(flags)) = (starts, flags) else {
                        out.push(b);
                        continue;
                    };
                    let mut new = StringBuilder::new();
                    for i in 0..b.num_rows() {
                        let t = starts.value(i);
                        let old = (!flags.is_null(i)).then(|| flags.value(i));
                        if t < lo || t > hi {
                            flagged += 1;
                            new.append_value(add(old));
                        } else {
                            new.append_option(old);
                        }
                    }
                    let mut columns: Vec<ArrayRef> = b.columns().to_vec();
                    columns[fi] = Arc::new(new.finish());
                    out.push(RecordBatch::try_new(schema, columns)?);
                }
                write_parquet(path, &out)?;
                Ok(flagged)
            })
            .collect::<Result<Vec<usize>, _>>()?;
        Ok(flagged + rewritten.iter().sum::<usize>())
    }

    /// Drops the rows that repeat another input's: the same thing done by the same person
    /// (source, person, action, `object_id` and start all equal: a mail message, a chat post,
    /// a meeting's occurrence, a call, a document's or a case's event at the same instant)
    /// read from two inputs, as two overlapping exports of one mailbox, Slack workspace or
    /// log give, or a person's calendar and a team calendar holding the same meeting.
    /// The input that comes first (the lowest `input_of`) keeps its rows; copies within one
    /// input are its reader's to judge (a mailbox drops its own) and are left. Every part is
    /// written first and merged (see [`Self::compact`]), so a partition is one file; a copy
    /// has its original's start and so its partition. Only the key columns are read; a file
    /// is rewritten only when it holds copies. Returns the rows dropped.
    pub(crate) fn drop_copies(
        &mut self,
        input_of: &(dyn Fn(&str, &str) -> Option<usize> + Sync),
        progress: &dyn Progress,
    ) -> Result<Vec<DroppedCopy>, IngestError> {
        self.flush()?;
        self.compact(progress)?;
        let results = self
            .written
            .par_iter_mut()
            .map(|part| drop_copies_in(part, input_of))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(results.into_iter().flatten().collect())
    }

    /// Merges the parts of every partition written in several into one `part-0.parquet`,
    /// rows in the order they were written, a row group at a time (see [`merge_parts`]).
    /// A flush writes a part into every month its activities touch, so without this a large
    /// organisation's month of mail is hundreds of small files, each of which costs the
    /// query engine a file of its own to open, plan and read.
    fn compact(&mut self, progress: &dyn Progress) -> Result<(), IngestError> {
        let mut partitions: BTreeMap<PathBuf, Vec<Part>> = BTreeMap::new();
        for part in self.written.drain(..) {
            let dir = part.0.parent().map(Path::to_path_buf).unwrap_or_default();
            partitions.entry(dir).or_default().push(part);
        }
        let several = partitions.values().filter(|p| p.len() > 1).count();
        if several > 0 {
            progress.phase(
                "merging parts",
                several as u64,
                Unit::Items("partitions"),
                "files",
            );
        }
        // Calls to `progress` one at a time, as it asks.
        let said = std::sync::Mutex::new(0u64);
        self.written = partitions
            .into_par_iter()
            .map(|(dir, parts)| {
                let several = parts.len() > 1;
                let merged = merge_parts(&dir, parts)?;
                if several && let Ok(mut said) = said.lock() {
                    *said += 1;
                    progress.advance(1, *said, &dir.display().to_string());
                }
                Ok(merged)
            })
            .collect::<Result<_, IngestError>>()?;
        if several > 0 {
            progress.finish();
        }
        Ok(())
    }

    /// Writes people, the ingest log, imported metrics, the record of inputs (see `units`)
    /// and, last, the manifest; then puts the dataset in place.
    pub(crate) fn finish(
        mut self,
        people: &[Person],
        log: &[IngestLogEntry],
        imported: &[ImportedMetric],
        manifest: &mut Manifest,
        progress: &dyn Progress,
    ) -> Result<(), IngestError> {
        self.flush()?;
        self.compact(progress)?;
        if self.written.is_empty() {
            // An empty table still needs a file so that its schema can be read.
            write_parquet(
                &self.partial.join(ACTIVITIES).join("empty.parquet"),
                &[activities_batch::<Activity>(&[])?],
            )?;
        }
        write_parquet(
            &self.partial.join(format!("{PEOPLE}.parquet")),
            &[people_batch(people)?],
        )?;
        write_parquet(
            &self.partial.join(format!("{INGEST_LOG}.parquet")),
            &[ingest_log_batch(log)?],
        )?;
        write_parquet(
            &self.partial.join(format!("{IMPORTED_METRICS}.parquet")),
            &[imported_metrics_batch(imported)?],
        )?;
        self.units.write_all(b"]}")?;
        self.units.flush()?;
        if !self.forgotten.is_empty() {
            let path = self.partial.join(UNITS);
            let mut units: crate::units::Units = serde_json::from_slice(&fs_err::read(&path)?)
                .map_err(|e| IngestError::Refuse(e.to_string()))?;
            units.units.retain(|u| !self.forgotten.contains(&u.label));
            let json =
                serde_json::to_vec(&units).map_err(|e| IngestError::Refuse(e.to_string()))?;
            write_file(&path, json)?;
        }
        manifest.files = wecon_model::atomic::checksums(&self.partial, &[MANIFEST])?;
        let json = serde_json::to_string_pretty(manifest)
            .map_err(|e| IngestError::Refuse(e.to_string()))?;
        write_file(&self.partial.join(MANIFEST), json)?;
        replace_dir(&self.partial, &self.out)?;
        self.finished = true;
        Ok(())
    }
}

/// A Parquet file written, with the earliest and latest start in it and its rows.
type Part = (PathBuf, i64, i64, usize);

/// A row [`DatasetWriter::drop_copies`] dropped: its input, source, file, record and flags.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DroppedCopy {
    pub input: usize,
    pub source: String,
    pub source_file: String,
    pub source_record: String,
    pub flags: Option<String>,
}

/// Finds the rows of one partition's file that repeat a row of an earlier input, and
/// rewrites the file without them.
fn drop_copies_in(
    part: &mut Part,
    input_of: &(dyn Fn(&str, &str) -> Option<usize> + Sync),
) -> Result<Vec<DroppedCopy>, IngestError> {
    const KEY: [&str; 5] = [
        "person_id",
        "action",
        "object_id",
        "start_utc",
        "source_file",
    ];
    // The partition's source: its folder's parent (`activities/<source>/<month>/`).
    let source = part
        .0
        .parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let open = || -> Result<_, IngestError> {
        let file = fs_err::File::open(&part.0)?;
        Ok(ParquetRecordBatchReaderBuilder::try_new(
            file.into_parts().0,
        )?)
    };
    let builder = open()?;
    let mask = ProjectionMask::columns(builder.parquet_schema(), KEY);
    let batches: Vec<RecordBatch> = builder
        .with_projection(mask)
        .build()?
        .collect::<Result<_, _>>()?;
    type Columns<'a> = (
        &'a StringArray,
        &'a StringArray,
        &'a StringArray,
        &'a TimestampMicrosecondArray,
        &'a StringArray,
    );
    let columns: Vec<Columns<'_>> = batches
        .iter()
        .map(|b| {
            let start = b
                .column_by_name("start_utc")
                .and_then(|c| c.as_any().downcast_ref::<TimestampMicrosecondArray>())
                .ok_or_else(|| IngestError::Refuse("activities without `start_utc`".into()))?;
            Ok((
                strings(b, "person_id")?,
                strings(b, "action")?,
                strings(b, "object_id")?,
                start,
                strings(b, "source_file")?,
            ))
        })
        .collect::<Result<_, IngestError>>()?;
    // Each key's first row, and every later row with a key seen before beside it.
    type At = (u32, u32);
    // Hashed with XXH3: with the default SipHash the scan took nearly twice as long.
    let mut first: HashMap<(&str, &str, &str, i64), At, xxhash_rust::xxh3::Xxh3Builder> =
        HashMap::default();
    let mut repeats: Vec<(At, At)> = Vec::new();
    // A message without a Message-ID is left (its mailbox judged its copies by their
    // headers); a search names no object: its person, action and instant are its identity.
    let need_object = source == "email";
    for (b, (person, action, object, start, _)) in columns.iter().enumerate() {
        for r in 0..person.len() {
            if need_object && object.is_null(r) {
                continue;
            }
            let key = (
                person.value(r),
                action.value(r),
                object.value(r),
                start.value(r),
            );
            let at = (b as u32, r as u32);
            if let Some(&f) = first.get(&key) {
                repeats.push((f, at));
            } else {
                first.insert(key, at);
            }
        }
    }
    drop(first);
    if repeats.is_empty() {
        return Ok(Vec::new());
    }
    // Each key's rows and their inputs: all but the first input's rows go.
    repeats.sort_unstable();
    let file_of = |(b, r): At| columns[b as usize].4.value(r as usize);
    let mut dropped: Vec<(At, usize)> = Vec::new();
    for group in repeats.chunk_by(|a, b| a.0 == b.0) {
        let rows: Vec<At> = std::iter::once(group[0].0)
            .chain(group.iter().map(|p| p.1))
            .collect();
        // Rows of no known input (none, in practice) keep the group as it is.
        let Some(inputs) = rows
            .iter()
            .map(|&at| input_of(&source, file_of(at)))
            .collect::<Option<Vec<usize>>>()
        else {
            continue;
        };
        let Some(&keeper) = inputs.iter().min() else {
            continue;
        };
        dropped.extend(
            rows.into_iter()
                .zip(inputs)
                .filter(|&(_, input)| input != keeper),
        );
    }
    if dropped.is_empty() {
        return Ok(Vec::new());
    }
    // The whole file read again, a batch at a time (in the batches the key columns came in),
    // and written without its dropped rows, so a partition is never held whole.
    dropped.sort_unstable();
    let rows: usize = columns.iter().map(|c| c.0.len()).sum();
    let left = rows - dropped.len();
    let reader = open()?.build()?;
    let schema = reader.schema();
    let mut next = dropped.iter().peekable();
    let mut found = Vec::with_capacity(dropped.len());
    let filtered = reader
        .enumerate()
        .map(|(b, batch)| -> Result<RecordBatch, ParquetError> {
            let batch = batch?;
            let text_at = |r: usize, name: &str| -> Option<String> {
                let text = strings(&batch, name).ok()?;
                crate::text_at(text, r).map(str::to_string)
            };
            let mut keep = vec![true; batch.num_rows()];
            while let Some(&&((db, r), input)) = next.peek() {
                if db as usize != b {
                    break;
                }
                keep[r as usize] = false;
                found.push(DroppedCopy {
                    input,
                    source: source.clone(),
                    source_file: file_of((db, r)).to_string(),
                    source_record: text_at(r as usize, "source_record").unwrap_or_default(),
                    flags: text_at(r as usize, "flags"),
                });
                next.next();
            }
            filter_record_batch(&batch, &BooleanArray::from(keep))
                .map_err(|e| ParquetError::General(e.to_string()))
        });
    // Never empty: each copy's original stays, in this partition (it starts when the copy does).
    write_parquet_stream(&part.0, schema, left, filtered)?;
    part.3 = left;
    Ok(found)
}

/// Merges a partition's parts (in the order written) into `dir/part-0.parquet`, read and
/// written a batch at a time, one part open at a time; a single part is left as it is.
fn merge_parts(dir: &Path, mut parts: Vec<Part>) -> Result<Part, IngestError> {
    if parts.len() == 1 {
        return Ok(parts.remove(0));
    }
    let open = |path: &Path| -> Result<_, IngestError> {
        let file = fs_err::File::open(path)?;
        Ok(ParquetRecordBatchReaderBuilder::try_new(file.into_parts().0)?.build()?)
    };
    // The first part gives the schema; the others are opened as their turn comes.
    let first = open(&parts[0].0)?;
    let schema = first.schema();
    let rows = parts.iter().map(|p| p.3).sum();
    let rest = parts[1..].iter().flat_map(|(path, ..)| {
        let (reader, failed) = match open(path) {
            Ok(r) => (Some(r), None),
            Err(e) => (None, Some(Err(ParquetError::General(e.to_string())))),
        };
        failed
            .into_iter()
            .chain(reader.into_iter().flatten().map(|b| Ok(b?)))
    });
    let batches = first.map(|b| Ok(b?)).chain(rest);
    let merged = dir.join("merged.parquet");
    write_parquet_stream(&merged, schema, rows, batches)?;
    for (path, ..) in &parts {
        fs_err::remove_file(path)?;
    }
    let path = dir.join("part-0.parquet");
    fs_err::rename(&merged, &path)?;
    let lo = parts.iter().map(|p| p.1).min().unwrap_or(0);
    let hi = parts.iter().map(|p| p.2).max().unwrap_or(0);
    Ok((path, lo, hi, rows))
}

impl Drop for DatasetWriter {
    fn drop(&mut self) {
        if !self.finished {
            let _ = std::fs::remove_dir_all(&self.partial);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wecon_model::progress::Silent;

    fn activity(n: usize, month: u32) -> Activity {
        let start = chrono::NaiveDate::from_ymd_opt(2026, month, 1 + (n % 28) as u32)
            .and_then(|d| d.and_hms_opt(9, 0, 0))
            .map(|t| t.and_utc().timestamp_micros())
            .unwrap_or_default();
        Activity {
            activity_id: format!("a{n:04}"),
            person_id: format!("p{}", n % 7),
            source: "email".into(),
            action: "send".into(),
            start_utc: start,
            ..Activity::default()
        }
    }

    /// The ids in a Parquet file, in order.
    fn ids(path: &Path) -> Vec<String> {
        let file = fs_err::File::open(path).unwrap().into_parts().0;
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap();
        let mut ids = Vec::new();
        for b in reader {
            let b = b.unwrap();
            let col = b.column_by_name("activity_id").unwrap();
            let col = col.as_any().downcast_ref::<StringArray>().unwrap();
            ids.extend(col.iter().map(|s| s.unwrap_or_default().to_string()));
        }
        ids
    }

    fn files_under(dir: &Path) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.path().to_path_buf())
            .collect();
        files.sort();
        files
    }

    /// The Parquet file of `rows` built into Arrow `block` rows at a time.
    fn written_in_blocks(rows: &[Activity], block: usize, path: &Path) -> Vec<u8> {
        let batches = rows
            .chunks(block)
            .map(activities_batch)
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        write_parquet(path, &batches).unwrap();
        std::fs::read(path).unwrap()
    }

    #[test]
    fn a_partition_built_in_blocks_is_the_file_one_batch_makes() {
        let tmp = tempfile::tempdir().unwrap();
        // Long unique texts, so that the writer's pages fill and its dictionaries give up
        // inside the file, and lists of parties of every length.
        let rows: Vec<Activity> = (0..3 * BATCH_ROWS + 123)
            .map(|n| Activity {
                source_record: format!("{n:0>300}"),
                parties: (n % 5 != 0).then(|| (0..n % 4).map(|k| format!("q{}", n + k)).collect()),
                category: (n % 3 == 0).then(|| "transactional".to_string()),
                ..activity(n, 3)
            })
            .collect();
        let whole = written_in_blocks(&rows, rows.len(), &tmp.path().join("whole.parquet"));
        let blocks = written_in_blocks(&rows, BATCH_ROWS, &tmp.path().join("blocks.parquet"));
        assert!(whole == blocks, "the files differ");
    }

    #[test]
    fn a_partition_written_in_several_flushes_ends_as_one_file_holding_every_row_in_order() {
        let tmp = tempfile::tempdir().unwrap();
        let mut w = DatasetWriter::create(&tmp.path().join("ds"), "test").unwrap();
        w.flush_rows = 10;
        // 95 activities over two months, given ten at a time: ten flushes, each writing a
        // part into both months (the last flush's five rows, in one of them).
        let all: Vec<Activity> = (0..95).map(|n| activity(n, 3 + (n % 2) as u32)).collect();
        for chunk in all.chunks(10) {
            w.write(chunk.to_vec()).unwrap();
        }
        w.flush().unwrap();
        let act = w.partial.join(ACTIVITIES).join("email");
        assert_eq!(files_under(&act).len(), 20, "{:?}", files_under(&act));
        let before: Vec<Vec<String>> = ["2026-03", "2026-04"]
            .iter()
            .map(|m| {
                (0..10)
                    .flat_map(|n| {
                        let part = act.join(m).join(format!("part-{n}.parquet"));
                        if part.exists() {
                            ids(&part)
                        } else {
                            Vec::new()
                        }
                    })
                    .collect()
            })
            .collect();

        w.compact(&Silent).unwrap();

        let files = files_under(&act);
        assert_eq!(
            files,
            vec![
                act.join("2026-03").join("part-0.parquet"),
                act.join("2026-04").join("part-0.parquet"),
            ]
        );
        assert_eq!(ids(&files[0]), before[0]);
        assert_eq!(ids(&files[1]), before[1]);
        assert_eq!(before[0].len() + before[1].len(), 95);
        // What the writer knows of its files follows them, for `flag_outside`.
        let mut written = w.written.clone();
        written.sort();
        assert_eq!(written.len(), 2);
        assert_eq!(written[0].0, files[0]);
        let march = all.iter().filter(|a| a.start_utc < written[1].1);
        assert_eq!(
            written[0].1,
            march.clone().map(|a| a.start_utc).min().unwrap()
        );
        assert_eq!(written[0].2, march.map(|a| a.start_utc).max().unwrap());
        assert_eq!(
            w.flag_outside(written[0].1, written[1].1 - 1, "late")
                .unwrap(),
            47
        );
    }
}
