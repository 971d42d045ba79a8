//! Rendering query results for the terminal and for files: a table, CSV or JSON; and
//! writing result tables as Parquet and CSV, on a thread of their own while later queries run.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;

use datafusion::arrow::array::{ArrayRef, RecordBatch, StringBuilder};
use datafusion::arrow::csv::WriterBuilder;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::json::ArrayWriter;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::arrow::util::pretty::pretty_format_batches;

use wecon_model::atomic::{write_file, write_parquet};

use crate::{EngineError, keys};

/// How `wecon query` prints a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// An aligned text table.
    #[default]
    Table,
    /// A header row, then one line per row.
    Csv,
    /// A JSON array of objects.
    Json,
}

/// Renders batches in the given format.
pub fn format_batches(
    batches: &[RecordBatch],
    format: OutputFormat,
) -> Result<String, EngineError> {
    match format {
        OutputFormat::Table => Ok(format!("{}\n", pretty_format_batches(batches)?)),
        OutputFormat::Csv => Ok(String::from_utf8(csv_bytes(batches)?)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())),
        OutputFormat::Json => {
            let mut w = ArrayWriter::new(Vec::new());
            for b in batches {
                w.write(b)?;
            }
            w.finish()?;
            let mut s = String::from_utf8_lossy(&w.into_inner()).into_owned();
            if s.is_empty() {
                s.push_str("[]");
            }
            s.push('\n');
            Ok(s)
        }
    }
}

/// Batches as CSV: a header row, then one line per row.
fn csv_bytes(batches: &[RecordBatch]) -> Result<Vec<u8>, EngineError> {
    let mut buf = Vec::new();
    {
        // The writer puts the header before the first batch only.
        let mut w = WriterBuilder::new().with_header(true).build(&mut buf);
        for b in batches {
            w.write(&flatten_nested(b)?)?;
        }
    }
    Ok(buf)
}

/// Writes a result table as `NAME.parquet` and `NAME.csv` in `dir` (made if missing), each
/// atomically, its person keys as pseudonyms and its activity keys as ids.
pub(crate) fn write_table(
    dir: &Path,
    name: &str,
    batches: &[RecordBatch],
) -> Result<(), EngineError> {
    fs_err::create_dir_all(dir)?;
    let batches = pseudonymised(batches)?;
    write_table_parquet(dir, name, &batches)?;
    write_table_csv(dir, name, &batches)
}

/// `NAME.parquet` in `dir`, an existing folder.
fn write_table_parquet(dir: &Path, name: &str, batches: &[RecordBatch]) -> Result<(), EngineError> {
    write_parquet(&dir.join(format!("{name}.parquet")), batches)?;
    Ok(())
}

/// `NAME.csv` in `dir`, an existing folder.
fn write_table_csv(dir: &Path, name: &str, batches: &[RecordBatch]) -> Result<(), EngineError> {
    write_file(&dir.join(format!("{name}.csv")), csv_bytes(batches)?)?;
    Ok(())
}

/// `batches` with their keys as text ([`keys::pseudonymise`]; the same batches
/// where there are none).
fn pseudonymised(batches: &[RecordBatch]) -> Result<Vec<RecordBatch>, EngineError> {
    Ok(batches
        .iter()
        .map(keys::pseudonymise)
        .collect::<Result<_, _>>()?)
}

/// A result table to write: its folder, name and rows.
type TableJob = (PathBuf, String, Vec<RecordBatch>);

/// Writes result tables ([`write_table`]) in the order given on a thread of its own, so that
/// encoding a table (CSV and Zstandard-compressed Parquet: most of the 1.8–1.9 s a 20 s,
/// 1,000-person run with `--individual` spent outside its queries, on one core) overlaps the
/// queries after it. The rows are shared with the session's kept copy, not copied.
pub(crate) struct TableWriter {
    /// Whether a table's Parquet file is written before [`TableWriter::write`] returns (for
    /// a session that reads the kept table from that file), leaving only the CSV to the
    /// thread.
    parquet_at_once: bool,
    jobs: Option<mpsc::Sender<TableJob>>,
    thread: Option<JoinHandle<Result<(), EngineError>>>,
}

impl TableWriter {
    /// A writer whose thread writes the tables while the caller goes on; the first failure
    /// stops it and is returned by the next [`TableWriter::write`] or by
    /// [`TableWriter::finish`]. With `parquet_at_once`, each table's Parquet file is there
    /// when `write` returns.
    pub(crate) fn spawn(parquet_at_once: bool) -> Result<Self, EngineError> {
        let (jobs, queue) = mpsc::channel::<TableJob>();
        let thread = std::thread::Builder::new()
            .name("wecon-write".into())
            .spawn(move || {
                for (dir, name, batches) in queue {
                    let batches = pseudonymised(&batches)?;
                    if !parquet_at_once {
                        write_table_parquet(&dir, &name, &batches)?;
                    }
                    write_table_csv(&dir, &name, &batches)?;
                }
                Ok(())
            })?;
        Ok(TableWriter {
            parquet_at_once,
            jobs: Some(jobs),
            thread: Some(thread),
        })
    }

    /// Writes `batches` as table `name` in `dir`: on the writer's thread, but for the
    /// Parquet file when it is wanted at once; all of it at once after [`TableWriter::finish`].
    /// The folder exists when it returns, so the caller may write beside the table.
    pub(crate) fn write(
        &mut self,
        dir: &Path,
        name: &str,
        batches: &[RecordBatch],
    ) -> Result<(), EngineError> {
        let Some(jobs) = &self.jobs else {
            return write_table(dir, name, batches);
        };
        fs_err::create_dir_all(dir)?;
        let batches = if self.parquet_at_once {
            let batches = pseudonymised(batches)?;
            write_table_parquet(dir, name, &batches)?;
            batches
        } else {
            batches.to_vec()
        };
        let job = (dir.to_path_buf(), name.to_string(), batches);
        if jobs.send(job).is_err() {
            // The thread has stopped: on an error, which finishing returns.
            return self.finish();
        }
        Ok(())
    }

    /// Waits until every table given is written; the first failure, if any.
    pub(crate) fn finish(&mut self) -> Result<(), EngineError> {
        self.jobs = None;
        match self.thread.take().map(JoinHandle::join) {
            None => Ok(()),
            Some(Ok(written)) => written,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
        }
    }
}

impl Drop for TableWriter {
    /// A run that fails before finishing still waits for the tables being written, so no
    /// thread writes into a results folder after the run has given up on it.
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// CSV has no nested values: maps, lists and structs (the ingest log's `reasons`) are written
/// as the text the table format shows (`{reason: 3}`).
fn flatten_nested(batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    let nested = |t: &DataType| t.is_nested() || matches!(t, DataType::Map(..));
    if !batch
        .schema()
        .fields()
        .iter()
        .any(|f| nested(f.data_type()))
    {
        return Ok(batch.clone());
    }
    let options = FormatOptions::default();
    let mut fields = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        if nested(field.data_type()) {
            let formatter = ArrayFormatter::try_new(column.as_ref(), &options)?;
            let mut b = StringBuilder::new();
            for i in 0..column.len() {
                if column.is_null(i) {
                    b.append_null();
                } else {
                    b.append_value(formatter.value(i).to_string());
                }
            }
            fields.push(Field::new(field.name(), DataType::Utf8, true));
            columns.push(Arc::new(b.finish()));
        } else {
            fields.push(field.as_ref().clone());
            columns.push(column.clone());
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int64Builder, MapBuilder};

    fn table(n: i64) -> RecordBatch {
        let ids: ArrayRef = Arc::new(datafusion::arrow::array::Int64Array::from_iter_values(0..n));
        let names: ArrayRef = Arc::new(datafusion::arrow::array::StringArray::from_iter_values(
            (0..n).map(|i| format!("p{i}")),
        ));
        // A person key (`keys.rs`), which the written files hold as a pseudonym.
        let people: ArrayRef = Arc::new(datafusion::arrow::array::Int64Array::from_iter_values(
            (0..n).map(|i| i64::MIN + i),
        ));
        // An activity key, which they hold as the activity id's 24 digits.
        let activities: ArrayRef = Arc::new(
            datafusion::arrow::array::Decimal128Array::from_iter_values(
                (0..n).map(|i| 255 + i128::from(i)),
            )
            .with_data_type(crate::keys::ACTIVITY_KEY),
        );
        RecordBatch::try_from_iter([
            ("id", ids),
            ("name", names),
            ("person_id", people),
            ("activity_id", activities),
        ])
        .unwrap()
    }

    #[test]
    fn the_writers_thread_writes_what_writing_at_once_does() {
        let dir = tempfile::tempdir().unwrap();
        let now = dir.path().join("now");
        for parquet_at_once in [false, true] {
            let later = dir.path().join(format!("later-{parquet_at_once}"));
            let mut writer = TableWriter::spawn(parquet_at_once).unwrap();
            for (i, name) in ["a", "b", "c"].into_iter().enumerate() {
                let batches = vec![table(10 * i as i64 + 1), table(3)];
                write_table(&now, name, &batches).unwrap();
                writer.write(&later, name, &batches).unwrap();
                if parquet_at_once {
                    // What the session reads the kept table from is there already.
                    assert!(later.join(format!("{name}.parquet")).is_file());
                }
            }
            writer.finish().unwrap();
            for name in [
                "a.csv",
                "a.parquet",
                "b.csv",
                "b.parquet",
                "c.csv",
                "c.parquet",
            ] {
                let written = std::fs::read(later.join(name)).unwrap();
                assert!(!written.is_empty(), "{name}");
                assert_eq!(written, std::fs::read(now.join(name)).unwrap(), "{name}");
            }
            let csv = std::fs::read_to_string(later.join("c.csv")).unwrap();
            assert!(
                csv.starts_with(
                    "id,name,person_id,activity_id\n\
                     0,p0,p_0000000000000000,0000000000000000000000ff\n\
                     1,p1,p_0000000000000001,000000000000000000000100\n"
                ),
                "{csv}"
            );
        }
    }

    #[test]
    fn the_writers_thread_reports_a_failed_write() {
        let dir = tempfile::tempdir().unwrap();
        // The thread cannot create the Parquet file's temporary where a folder stands.
        std::fs::create_dir(dir.path().join("t.parquet.tmp")).unwrap();
        let mut writer = TableWriter::spawn(false).unwrap();
        writer.write(dir.path(), "t", &[table(2)]).unwrap();
        assert!(writer.finish().is_err());
        assert!(!dir.path().join("t.parquet").exists());
        // The failure is reported once.
        assert!(writer.finish().is_ok());
    }

    #[test]
    fn csv_writes_maps_as_text() {
        let mut m = MapBuilder::new(None, StringBuilder::new(), Int64Builder::new());
        m.keys().append_value("bad date");
        m.values().append_value(2);
        m.append(true).unwrap();
        let map: ArrayRef = Arc::new(m.finish());
        let batch = RecordBatch::try_from_iter([("reasons", map)]).unwrap();
        let csv = format_batches(&[batch], OutputFormat::Csv).unwrap();
        assert_eq!(csv, "reasons\n{bad date: 2}\n");
    }
}
