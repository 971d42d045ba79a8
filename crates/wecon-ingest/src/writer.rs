//! The dataset on disk: Parquet files partitioned by source and month, written into a
//! temporary folder that replaces the target in one rename, so a reader never sees half a
//! dataset. `manifest.json` is written last; a folder without it is not a dataset.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::DateTime;
use rayon::prelude::*;
use wecon_model::atomic::{partial_dir, replace_dir, write_file, write_parquet};
use wecon_model::schema::{
    ACTIVITIES, Activity, IMPORTED_METRICS, INGEST_LOG, ImportedMetric, IngestLogEntry, PEOPLE,
    Person, activities_batch, imported_metrics_batch, ingest_log_batch, people_batch,
};

use crate::{IngestError, Manifest};

/// The file that marks a complete dataset.
pub const MANIFEST: &str = "manifest.json";

/// Writes a whole dataset atomically at `out`.
pub(crate) fn write_dataset(
    out: &Path,
    mut activities: Vec<Activity>,
    people: &[Person],
    log: &[IngestLogEntry],
    imported: &[ImportedMetric],
    manifest: &Manifest,
) -> Result<(), IngestError> {
    if out.exists() && !out.join(MANIFEST).exists() && fs_err::read_dir(out)?.next().is_some() {
        return Err(IngestError::Refuse(format!(
            "`{}` exists and is not a wecon dataset; choose an empty or new folder",
            out.display()
        )));
    }
    let partial = partial_dir(out)?;

    // Activity ids are unique, so the order is total and an unstable sort deterministic.
    activities.par_sort_unstable_by(|a, b| {
        (
            a.source.as_str(),
            a.person_id.as_str(),
            a.start_utc,
            a.activity_id.as_str(),
        )
            .cmp(&(
                b.source.as_str(),
                b.person_id.as_str(),
                b.start_utc,
                b.activity_id.as_str(),
            ))
    });
    let mut partitions: BTreeMap<(String, String), Vec<Activity>> = BTreeMap::new();
    for a in activities {
        let month = DateTime::from_timestamp_micros(a.start_utc)
            .map(|d| d.format("%Y-%m").to_string())
            .unwrap_or_else(|| "unknown".into());
        partitions
            .entry((a.source.clone(), month))
            .or_default()
            .push(a);
    }
    let act_dir = partial.join(ACTIVITIES);
    fs_err::create_dir_all(&act_dir)?;
    // Partitions are independent files: written in parallel.
    partitions
        .par_iter()
        .try_for_each(|((source, month), rows)| -> Result<(), IngestError> {
            let dir = act_dir.join(source).join(month);
            fs_err::create_dir_all(&dir)?;
            write_parquet(&dir.join("part-0.parquet"), &[activities_batch(rows)?])?;
            Ok(())
        })?;
    if partitions.is_empty() {
        // An empty table still needs a file so that its schema can be read.
        write_parquet(&act_dir.join("empty.parquet"), &[activities_batch(&[])?])?;
    }
    write_parquet(
        &partial.join(format!("{PEOPLE}.parquet")),
        &[people_batch(people)?],
    )?;
    write_parquet(
        &partial.join(format!("{INGEST_LOG}.parquet")),
        &[ingest_log_batch(log)?],
    )?;
    write_parquet(
        &partial.join(format!("{IMPORTED_METRICS}.parquet")),
        &[imported_metrics_batch(imported)?],
    )?;
    let json =
        serde_json::to_string_pretty(manifest).map_err(|e| IngestError::Refuse(e.to_string()))?;
    write_file(&partial.join(MANIFEST), json)?;

    replace_dir(&partial, out)?;
    Ok(())
}
