//! `wecon verify`: checks that a dataset or results folder is whole and unaltered, and
//! that it agrees with itself.
//!
//! - every file the manifest (`manifest.json`, `run.json`) lists is there with its size and
//!   SHA-256, and no other file is;
//! - every table has the schema wecon writes (datasets: `activities`, `people`,
//!   `ingest_log`, `imported_metrics`; results: each table's Parquet and CSV are there);
//! - row counts agree: activities and people with the manifest; each ingest log entry's
//!   records read = accepted + rejected, its reasons add up to its rejections, and the log's
//!   sums equal the manifest's; each result table's rows equal `run.json`'s count.
//!
//! A `wecon run` output folder is checked as its dataset and its results.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use datafusion::arrow::array::{Array, Int64Array, MapArray, RecordBatch};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;
use wecon_model::atomic::{FileSum, file_sum, files_under};
use wecon_model::schema::{
    ACTIVITIES, IMPORTED_METRICS, INGEST_LOG, PEOPLE, activities_schema, imported_metrics_schema,
    ingest_log_schema, people_schema,
};

use crate::{DATASET_MANIFEST, EngineError, RUN_INFO, is_results};

/// What `verify` found in one folder.
#[derive(Debug)]
pub struct Verified {
    /// `dataset` or `results`.
    pub kind: &'static str,
    pub dir: PathBuf,
    /// Files checked against their checksums.
    pub files: usize,
    /// Rows counted (activities of a dataset; all tables' rows of a results folder).
    pub rows: u64,
    /// Everything wrong, one sentence each; empty when the folder is sound.
    pub problems: Vec<String>,
}

/// Checks a dataset, a results folder, or a `wecon run` output folder (both).
pub fn verify(dir: &Path) -> Result<Vec<Verified>, EngineError> {
    let mut out = Vec::new();
    // A folder with a manifest is checked as a dataset even when its tables are missing.
    if dir.join(DATASET_MANIFEST).is_file() {
        out.push(verify_dataset(dir)?);
    } else if is_results(dir) {
        out.push(verify_results(dir)?);
    } else {
        let (d, r) = (dir.join("dataset"), dir.join("results"));
        if d.join(DATASET_MANIFEST).is_file() {
            out.push(verify_dataset(&d)?);
        }
        if is_results(&r) {
            out.push(verify_results(&r)?);
        }
    }
    if out.is_empty() {
        return Err(EngineError::Layout(format!(
            "`{}` is neither a dataset (manifest.json), a results folder (run.json) nor a `wecon run` output folder",
            dir.display()
        )));
    }
    Ok(out)
}

/// Reads a JSON file that describes a folder.
fn read_json(path: &Path, problems: &mut Vec<String>) -> Option<Value> {
    let text = match fs_err::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            problems.push(format!("{e}"));
            return None;
        }
    };
    match serde_json::from_str(&text) {
        Ok(v) => Some(v),
        Err(e) => {
            problems.push(format!("`{}` is not valid JSON: {e}", path.display()));
            None
        }
    }
}

/// Compares the files of `dir` with the `files` listing of its manifest; returns how many
/// were checked.
fn check_files(dir: &Path, info: &Value, own: &str, problems: &mut Vec<String>) -> usize {
    let Some(listed) = info.get("files").filter(|f| f.is_object()) else {
        problems.push(format!(
            "`{own}` lists no files and checksums (written by a wecon before 0.1.0's checksums): \
             files not checked"
        ));
        return 0;
    };
    let listed: BTreeMap<String, FileSum> = match serde_json::from_value(listed.clone()) {
        Ok(l) => l,
        Err(e) => {
            problems.push(format!("`{own}`: the file listing cannot be read: {e}"));
            return 0;
        }
    };
    let present = match files_under(dir, &[own]) {
        Ok(p) => p,
        Err(e) => {
            problems.push(format!("the folder cannot be listed: {e}"));
            return 0;
        }
    };
    for f in &present {
        if !listed.contains_key(f) {
            problems.push(format!("`{f}` is not one of the files `{own}` lists"));
        }
    }
    for (f, sum) in &listed {
        match file_sum(&dir.join(f)) {
            Err(_) => problems.push(format!("`{f}` is missing")),
            Ok(actual) if actual.bytes != sum.bytes => problems.push(format!(
                "`{f}` has {} bytes where {} were written",
                actual.bytes, sum.bytes
            )),
            Ok(actual) if actual.sha256 != sum.sha256 => problems.push(format!(
                "`{f}` differs from what was written (SHA-256 {} instead of {})",
                actual.sha256, sum.sha256
            )),
            Ok(_) => {}
        }
    }
    listed.len()
}

/// A Parquet file's schema and row count.
fn parquet_meta(path: &Path) -> Result<(SchemaRef, u64), String> {
    let file = std::fs::File::open(path).map_err(|e| format!("`{}`: {e}", path.display()))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| format!("`{}` is not a readable Parquet file: {e}", path.display()))?;
    let rows = builder.metadata().file_metadata().num_rows().max(0) as u64;
    Ok((builder.schema().clone(), rows))
}

/// Every column of `expected`, by name, type and nullability, in order.
fn schema_problem(name: &str, actual: &SchemaRef, expected: &SchemaRef) -> Option<String> {
    let a: Vec<_> = actual
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().clone(), f.is_nullable()))
        .collect();
    let e: Vec<_> = expected
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().clone(), f.is_nullable()))
        .collect();
    if a == e {
        return None;
    }
    let missing: Vec<_> = e
        .iter()
        .filter(|x| !a.iter().any(|y| y.0 == x.0))
        .map(|x| x.0.as_str())
        .collect();
    let differ: Vec<_> = e
        .iter()
        .filter(|x| a.iter().any(|y| y.0 == x.0 && y != *x))
        .map(|x| x.0.as_str())
        .collect();
    Some(format!(
        "`{name}` does not have wecon's schema (missing: [{}]; of another type: [{}]; {} columns where {} are expected)",
        missing.join(", "),
        differ.join(", "),
        a.len(),
        e.len()
    ))
}

fn verify_dataset(dir: &Path) -> Result<Verified, EngineError> {
    let mut problems = Vec::new();
    let manifest = read_json(&dir.join(DATASET_MANIFEST), &mut problems);
    let files = manifest
        .as_ref()
        .map_or(0, |m| check_files(dir, m, DATASET_MANIFEST, &mut problems));
    let num = |key: &str| manifest.as_ref().and_then(|m| m.get(key)?.as_i64());

    // Activities: every part has the schema; the rows add up to the manifest's count.
    let parts: Vec<String> = files_under(&dir.join(ACTIVITIES), &[])
        .unwrap_or_default()
        .into_iter()
        .filter(|f| f.ends_with(".parquet"))
        .collect();
    if parts.is_empty() {
        problems.push("`activities/` holds no Parquet file".into());
    }
    let mut activities = 0u64;
    for part in &parts {
        let name = format!("{ACTIVITIES}/{part}");
        match parquet_meta(&dir.join(ACTIVITIES).join(part)) {
            Ok((schema, rows)) => {
                activities += rows;
                problems.extend(schema_problem(&name, &schema, &activities_schema()));
            }
            Err(e) => problems.push(e),
        }
    }
    if let Some(n) = num("activities")
        && n as u64 != activities
    {
        problems.push(format!(
            "`activities` holds {activities} rows where the manifest says {n}"
        ));
    }

    // The other tables: schema, and rows where the manifest counts them.
    for (table, expected) in [
        (PEOPLE, people_schema()),
        (INGEST_LOG, ingest_log_schema()),
        (IMPORTED_METRICS, imported_metrics_schema()),
    ] {
        let path = dir.join(format!("{table}.parquet"));
        match parquet_meta(&path) {
            Ok((schema, rows)) => {
                problems.extend(schema_problem(table, &schema, &expected));
                if table == PEOPLE
                    && let Some(n) = num("people")
                    && n as u64 != rows
                {
                    problems.push(format!(
                        "`people` holds {rows} rows where the manifest says {n}"
                    ));
                }
            }
            Err(e) => problems.push(e),
        }
    }
    check_ingest_log(dir, &manifest, &mut problems);
    Ok(Verified {
        kind: "dataset",
        dir: dir.to_path_buf(),
        files,
        rows: activities,
        problems,
    })
}

/// Each log entry balances, and the log's sums are the manifest's.
fn check_ingest_log(dir: &Path, manifest: &Option<Value>, problems: &mut Vec<String>) {
    let path = dir.join(format!("{INGEST_LOG}.parquet"));
    let Ok(file) = std::fs::File::open(&path) else {
        return;
    };
    let Ok(reader) = ParquetRecordBatchReaderBuilder::try_new(file).and_then(|b| b.build()) else {
        return;
    };
    let batches: Vec<RecordBatch> = match reader.collect::<Result<_, _>>() {
        Ok(b) => b,
        Err(e) => {
            problems.push(format!("`{INGEST_LOG}` cannot be read: {e}"));
            return;
        }
    };
    let mut sums = [0i64; 3];
    for b in &batches {
        let int = |name: &str| {
            b.column_by_name(name)
                .and_then(|c| c.as_any().downcast_ref::<Int64Array>())
        };
        let files = b.column_by_name("source_file").and_then(|c| {
            c.as_any()
                .downcast_ref::<datafusion::arrow::array::StringArray>()
        });
        let reasons = b
            .column_by_name("reasons")
            .and_then(|c| c.as_any().downcast_ref::<MapArray>());
        let (Some(read), Some(acc), Some(rej), Some(files), Some(reasons)) = (
            int("records_read"),
            int("records_accepted"),
            int("records_rejected"),
            files,
            reasons,
        ) else {
            return; // the schema check says what is wrong
        };
        for i in 0..b.num_rows() {
            let (r, a, j) = (read.value(i), acc.value(i), rej.value(i));
            sums[0] += r;
            sums[1] += a;
            sums[2] += j;
            let file = files.value(i);
            if r != a + j || a < 0 || j < 0 {
                problems.push(format!(
                    "ingest_log: `{file}` read {r} records but accepted {a} and rejected {j}"
                ));
            }
            let counts = reasons.value(i);
            let by_reason: i64 = counts
                .column(1)
                .as_any()
                .downcast_ref::<Int64Array>()
                .map_or(0, |c| c.iter().flatten().sum());
            if by_reason != j {
                problems.push(format!(
                    "ingest_log: `{file}` rejected {j} records but its reasons count {by_reason}"
                ));
            }
        }
    }
    if let Some(m) = manifest {
        for (key, sum) in ["records_read", "records_accepted", "records_rejected"]
            .iter()
            .zip(sums)
        {
            if let Some(n) = m.get(*key).and_then(Value::as_i64)
                && n != sum
            {
                problems.push(format!(
                    "the ingest log's {key} add up to {sum} where the manifest says {n}"
                ));
            }
        }
    }
}

fn verify_results(dir: &Path) -> Result<Verified, EngineError> {
    let mut problems = Vec::new();
    let info = read_json(&dir.join(RUN_INFO), &mut problems);
    let files = info
        .as_ref()
        .map_or(0, |i| check_files(dir, i, RUN_INFO, &mut problems));
    let tables: Vec<String> = info
        .as_ref()
        .and_then(|i| i.get("tables")?.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|t| t.as_str().map(str::to_string))
        .collect();
    if info.is_some() && tables.is_empty() {
        problems.push(format!("`{RUN_INFO}` lists no tables"));
    }
    let mut rows = 0u64;
    for t in &tables {
        if !dir.join(format!("{t}.csv")).is_file() {
            problems.push(format!("`{t}.csv` is missing"));
        }
        match parquet_meta(&dir.join(format!("{t}.parquet"))) {
            Ok((_, n)) => {
                rows += n;
                let said = info
                    .as_ref()
                    .and_then(|i| i.get("row_counts")?.get(t)?.as_u64());
                if let Some(said) = said
                    && said != n
                {
                    problems.push(format!(
                        "`{t}` holds {n} rows where `{RUN_INFO}` says {said}"
                    ));
                }
            }
            Err(e) => problems.push(e),
        }
    }
    Ok(Verified {
        kind: "results",
        dir: dir.to_path_buf(),
        files,
        rows,
        problems,
    })
}
