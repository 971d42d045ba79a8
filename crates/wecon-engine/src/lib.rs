//! wecon's engine: DataFusion over a dataset, the assumption profiles exposed to SQL, and the
//! embedded SQL metric library of `queries/`.
//!
//! `analyze_in` runs the library over a dataset and writes its metrics to a results folder
//! (Parquet and CSV, atomically; person-level tables only when asked, see `individual`);
//! `open` registers a dataset, a results folder or a
//! `wecon run` output folder for ad-hoc SQL.

mod catalogue;
mod compact;
mod compare;
mod groups;
mod individual;
mod keys;
mod output;
mod profile;
pub mod stores;
mod udf;
mod verify;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use serde::{Deserialize, Serialize};
use wecon_model::atomic::{partial_dir, replace_dir, write_file, write_parquet};
use wecon_model::progress::{Progress, Unit};
use wecon_model::schema::{ACTIVITIES, IMPORTED_METRICS, INGEST_LOG, PEOPLE};

pub use catalogue::{Query, UserQuery, queries, query, query_names, user_queries};
pub use compare::{CompareInput, CompareOptions, CompareSummary, MEASURES, compare};
pub use groups::{DEFAULT_MIN_GROUP_SIZE, group_queries};
pub use individual::{
    DISTRIBUTIONS, INDIVIDUAL_DIR, VALIDATION_SUMMARY, WEEK_DISTRIBUTION, WEEK_SUMMARY,
};
pub use output::{OutputFormat, format_batches};
pub use profile::Profile;
pub use verify::{Verified, verify};

/// The file that marks a dataset (written last by ingest).
pub const DATASET_MANIFEST: &str = "manifest.json";
/// The file that marks a results folder (written by analyze).
pub const RUN_INFO: &str = "run.json";

/// Errors of the engine.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    DataFusion(#[from] datafusion::error::DataFusionError),
    #[error(transparent)]
    Arrow(#[from] datafusion::arrow::error::ArrowError),
    #[error(transparent)]
    Parquet(#[from] datafusion::parquet::errors::ParquetError),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Profile(String),
    #[error("{0}")]
    Layout(String),
    #[error("query `{name}` failed")]
    Query {
        name: String,
        #[source]
        source: datafusion::error::DataFusionError,
    },
}

/// What a results folder says about the run that made it (`run.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunInfo {
    pub wecon_version: String,
    pub dataset: String,
    pub profile: Profile,
    /// The metric tables written, in order.
    pub tables: Vec<String>,
    /// Rows of each table written.
    #[serde(default)]
    pub row_counts: BTreeMap<String, usize>,
    /// Wall-clock seconds each table took to compute and write, and each view (but
    /// `classified`) to compute once: where the time of a run goes.
    #[serde(default)]
    pub seconds: BTreeMap<String, f64>,
    /// The first and last activity start analysed (RFC 3339, UTC), if any.
    #[serde(default)]
    pub date_range: Option<(String, String)>,
    /// Each query's opening comment: its definition and source.
    pub definitions: Vec<(String, String)>,
    /// The dataset's manifest, as ingest wrote it.
    pub dataset_manifest: serde_json::Value,
    /// Every file of the results folder but `run.json`, with its size and SHA-256, for
    /// `wecon verify`.
    #[serde(default)]
    pub files: BTreeMap<String, wecon_model::atomic::FileSum>,
    /// Whether the person-level tables were written (`individual/`, with `--individual`).
    #[serde(default)]
    pub individual: bool,
}

/// What `analyze` writes, and where it keeps the tables later queries read.
#[derive(Debug, Clone, Copy)]
pub struct Outputs {
    pub keep: Keep,
    /// Write the person-level tables too, in `individual/` (see `individual`).
    pub individual: bool,
    /// Weeks with fewer people than this are left out of the week summaries.
    pub min_group_size: usize,
}

/// What kind of folder `open` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub dataset: Option<PathBuf>,
    pub results: Option<PathBuf>,
    pub tables: Vec<String>,
}

/// A local session for the metric library, reading local folders and object storage; with
/// `memory_limit` (bytes), its operators share a pool of that size and spill to the
/// system's temporary folder beyond it.
pub fn local_context(memory_limit: Option<u64>) -> Result<SessionContext, EngineError> {
    let mut config = configure(SessionConfig::new());
    // Text is read from Parquet as plain strings, not string views: the library ran faster
    // so (1,000 people × 52 weeks: 31.6 s against 36.9–39.5 s, peak 3.7 GB against 3.9 GB;
    // benches/README.md), and views share their buffers between batches, so with a memory
    // limit a sort counts each batch with every buffer it points into and the accounting,
    // not the data, outgrows the pool (apache/datafusion#12136).
    config
        .options_mut()
        .execution
        .parquet
        .schema_force_view_types = false;
    let ctx = SessionContext::new_with_config_rt(config, stores::runtime(memory_limit)?);
    for f in functions() {
        ctx.register_udf(f);
    }
    for f in window_functions() {
        ctx.register_udwf(f);
    }
    Ok(ctx)
}

/// wecon's settings on a session configuration (a local one, or a cluster client's).
pub fn configure(config: SessionConfig) -> SessionConfig {
    // Batches of 32,768 rows rather than DataFusion's 8,192: a quarter as many batches for
    // every operator to start, and sorts merging a quarter as many sorted runs. At 4,000
    // people × 52 weeks the library took 59.2 s against 61.5 s (six runs each, alternated),
    // with the same peak memory; at 1,000 people, the same time (benches/README.md).
    let mut config = config
        .with_information_schema(true)
        .with_batch_size(32 * 1024);
    // The dataset is partitioned in plain sub-folders (source/month), not Hive-style.
    config
        .options_mut()
        .execution
        .listing_table_ignore_subdirectory = false;
    config
}

/// The SQL functions the metric library needs beside DataFusion's own: a session, a
/// cluster's scheduler and its executors all register them.
pub fn functions() -> Vec<datafusion::logical_expr::ScalarUDF> {
    let mut all = udf::all();
    all.extend(keys::functions());
    all
}

/// The window functions the metric library needs beside DataFusion's own (`max_before`),
/// registered wherever [`functions`] are.
pub fn window_functions() -> Vec<datafusion::logical_expr::WindowUDF> {
    udf::windows()
}

/// Where `analyze` keeps the views and metrics that later queries read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// In the session's memory (a local run).
    Memory,
    /// As Parquet files in the results folder being written, registered by path: what a
    /// cluster's executors can read (the folder must be on storage they share).
    Files,
}

/// Whether `dir` is a dataset (its manifest written last by ingest).
pub fn is_dataset(dir: &Path) -> bool {
    dir.join(DATASET_MANIFEST).is_file() && dir.join(ACTIVITIES).is_dir()
}

/// Whether `dir` is a results folder (`run.json` written by analyze).
pub fn is_results(dir: &Path) -> bool {
    dir.join(RUN_INFO).is_file()
}

/// A file or folder of a dataset: a local path or an object-storage URL.
fn dataset_part(dir: &Path, name: &str) -> String {
    if stores::is_remote_path(dir) {
        stores::join(&dir.to_string_lossy(), name)
    } else {
        dir.join(name).to_string_lossy().into_owned()
    }
}

/// Whether a file of a dataset (local or on object storage) is there.
async fn part_exists(dir: &Path, name: &str) -> Result<bool, EngineError> {
    let part = dataset_part(dir, name);
    if stores::is_remote_path(dir) {
        stores::exists(&part).await
    } else {
        Ok(Path::new(&part).is_file())
    }
}

/// Whether a dataset (local or on object storage) is complete: its manifest is written last.
async fn dataset_exists(dir: &Path) -> Result<bool, EngineError> {
    if stores::is_remote_path(dir) {
        part_exists(dir, DATASET_MANIFEST).await
    } else {
        Ok(is_dataset(dir))
    }
}

/// A dataset's `manifest.json`, local or on object storage.
async fn read_manifest(dir: &Path) -> Result<String, EngineError> {
    if stores::is_remote_path(dir) {
        stores::read_text(&dataset_part(dir, DATASET_MANIFEST)).await
    } else {
        Ok(fs_err::read_to_string(dir.join(DATASET_MANIFEST))?)
    }
}

/// Registers a dataset's tables; with `keyed`, their person columns are read as keys (see
/// [`keys`]), as `analyze` reads them.
async fn register_dataset(
    ctx: &SessionContext,
    dir: &Path,
    tables: &mut Vec<String>,
    keyed: bool,
) -> Result<(), EngineError> {
    let act = format!("{}/", dataset_part(dir, ACTIVITIES));
    register_parquet(ctx, ACTIVITIES, &act, keyed).await?;
    tables.push(ACTIVITIES.to_string());
    for name in [PEOPLE, INGEST_LOG, IMPORTED_METRICS] {
        let file = dataset_part(dir, &format!("{name}.parquet"));
        // Datasets written before imported metrics existed have no such file.
        if name == IMPORTED_METRICS && !part_exists(dir, &format!("{name}.parquet")).await? {
            continue;
        }
        register_parquet(ctx, name, &file, keyed).await?;
        tables.push(name.to_string());
    }
    Ok(())
}

/// Refuses a dataset whose tables lack columns this wecon writes (one ingested by an older
/// version): the library would fail on the first query naming one, with a message about SQL
/// rather than the dataset.
async fn columns_complete(ctx: &SessionContext, dataset: &Path) -> Result<(), EngineError> {
    use wecon_model::schema::{activities_schema, ingest_log_schema, people_schema};
    let mut missing = Vec::new();
    for (name, expected) in [
        (ACTIVITIES, activities_schema()),
        (PEOPLE, people_schema()),
        (INGEST_LOG, ingest_log_schema()),
    ] {
        let table = ctx.table(name).await?;
        let has = table.schema();
        missing.extend(
            expected
                .fields()
                .iter()
                .filter(|f| has.field_with_unqualified_name(f.name()).is_err())
                .map(|f| format!("{name}.{}", f.name())),
        );
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(EngineError::Layout(format!(
        "`{}` was ingested by an older wecon: it has no {}. Ingest the exports into it again \
         (`wecon ingest SOURCES... --out {}`: inputs a different wecon recorded are read anew)",
        dataset.display(),
        missing.join(", "),
        dataset.display()
    )))
}

/// Registers the Parquet file or folder `path` as table `name`; with `keyed`, its person
/// columns of text are read as keys.
async fn register_parquet(
    ctx: &SessionContext,
    name: &str,
    path: &str,
    keyed: bool,
) -> Result<(), EngineError> {
    ctx.register_parquet(name, path, ParquetReadOptions::default())
        .await?;
    if keyed {
        let table = ctx.deregister_table(name)?.ok_or_else(|| {
            EngineError::Layout(format!("table `{name}` vanished as it was registered"))
        })?;
        ctx.register_table(name, keys::keyed(name, table)?)?;
    }
    Ok(())
}

async fn register_results(
    ctx: &SessionContext,
    dir: &Path,
    tables: &mut Vec<String>,
) -> Result<(), EngineError> {
    let parquet_in = |d: &Path| -> Result<Vec<PathBuf>, EngineError> {
        let mut files: Vec<PathBuf> = fs_err::read_dir(d)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
            .collect();
        files.sort();
        Ok(files)
    };
    let mut files = parquet_in(dir)?;
    // Person-level tables, where the run wrote them (`--individual`).
    let individual = dir.join(INDIVIDUAL_DIR);
    if individual.is_dir() {
        files.extend(parquet_in(&individual)?);
    }
    for f in files {
        let name = f
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if tables.contains(&name) {
            continue;
        }
        ctx.register_parquet(
            &name,
            f.to_string_lossy().as_ref(),
            ParquetReadOptions::default(),
        )
        .await?;
        tables.push(name);
    }
    Ok(())
}

/// A SQL session over a dataset, a results folder, or a `wecon run` folder (both), with
/// every table registered under its name.
pub async fn open(dir: &Path) -> Result<(SessionContext, Opened), EngineError> {
    let ctx = local_context(None)?;
    let mut opened = Opened {
        dataset: None,
        results: None,
        tables: Vec::new(),
    };
    let (dataset, results) = if dataset_exists(dir).await? {
        (Some(dir.to_path_buf()), None)
    } else if is_results(dir) {
        (None, Some(dir.to_path_buf()))
    } else {
        let d = dir.join("dataset");
        let r = dir.join("results");
        (is_dataset(&d).then_some(d), is_results(&r).then_some(r))
    };
    if dataset.is_none() && results.is_none() {
        return Err(EngineError::Layout(format!(
            "`{}` is neither a dataset (manifest.json), a results folder (run.json) nor a `wecon run` output folder",
            dir.display()
        )));
    }
    if let Some(d) = &dataset {
        register_dataset(&ctx, d, &mut opened.tables, false).await?;
    }
    if let Some(r) = &results {
        register_results(&ctx, r, &mut opened.tables).await?;
    }
    opened.dataset = dataset;
    opened.results = results;
    Ok((ctx, opened))
}

/// Runs one SQL statement and collects its result.
pub async fn sql(ctx: &SessionContext, statement: &str) -> Result<Vec<RecordBatch>, EngineError> {
    let df = ctx.sql(statement).await?;
    let schema = Arc::new(df.schema().as_arrow().clone());
    let mut batches = df.collect().await?;
    // An empty result still has its columns (a CSV of no rows is its header).
    if batches.is_empty() {
        batches.push(RecordBatch::new_empty(schema));
    }
    Ok(batches)
}

/// Registers `batches` as table `name`: in memory (repeated text held as dictionaries, read
/// as text: `compact`), or written to `dir` as Parquet and registered from there.
async fn keep(
    ctx: &SessionContext,
    how: Keep,
    dir: &Path,
    name: &str,
    batches: Vec<RecordBatch>,
) -> Result<(), EngineError> {
    let _ = ctx.deregister_table(name)?;
    match how {
        Keep::Memory => {
            ctx.register_table(name, compact::memory_table(schema_of(&batches), batches)?)?;
        }
        Keep::Files => {
            let file = dir.join(format!("{name}.parquet"));
            if !file.is_file() {
                write_parquet(&file, &batches)?;
            }
            // A result table's file holds pseudonyms and ids, as written: read back as keys.
            register_parquet(ctx, name, file.to_string_lossy().as_ref(), true).await?;
        }
    }
    Ok(())
}

/// Runs the metric library over `dataset` under `profile` in a session (a local one, or a
/// cluster client's) and writes the results folder as `outputs` says, telling `progress` of
/// each query as it is done.
pub async fn analyze_in(
    ctx: SessionContext,
    outputs: Outputs,
    dataset: &Path,
    out: &Path,
    profile: &Profile,
    extra: &[UserQuery],
    progress: &dyn Progress,
) -> Result<RunInfo, EngineError> {
    if !dataset_exists(dataset).await? {
        return Err(EngineError::Layout(format!(
            "`{}` is not a wecon dataset (no manifest.json): run `wecon ingest` first",
            dataset.display()
        )));
    }
    register_dataset(&ctx, dataset, &mut Vec::new(), true).await?;
    columns_complete(&ctx, dataset).await?;
    let how = outputs.keep;
    let partial = partial_dir(out)?;
    // Views computed once, when kept as files: beside the results, removed at the end.
    let views_dir = partial.join(".views");
    if how == Keep::Files {
        fs_err::create_dir_all(&views_dir)?;
    }
    keep(&ctx, how, &views_dir, "profile", vec![profile.to_batch()?]).await?;
    keep(
        &ctx,
        how,
        &views_dir,
        "levers",
        vec![profile.levers_batch()?],
    )
    .await?;

    // Tables are written while the next queries run; kept as files, a table is registered
    // from the Parquet file its writing leaves, so that file is written at once.
    let mut writer = output::TableWriter::spawn(how == Keep::Files)?;
    let mut tables = Vec::new();
    let mut individual_tables = Vec::new();
    let mut row_counts = BTreeMap::new();
    let mut seconds = BTreeMap::new();
    let mut definitions = Vec::new();
    // The library, then the user's queries; each metric is registered once computed, so a
    // later query can read it.
    let all: Vec<(String, String, bool, String)> = queries()
        .into_iter()
        .map(|q| (q.name.to_string(), q.sql.to_string(), q.is_view(), q.doc()))
        .chain(
            extra
                .iter()
                .map(|q| (q.name.clone(), q.sql.clone(), q.is_view(), q.doc())),
        )
        .collect();
    progress.phase(
        "running the metric library",
        all.len() as u64,
        Unit::Items("queries"),
        "result rows",
    );
    let mut rows = 0u64;
    for (name, sql, is_view, doc) in all {
        progress.advance(0, rows, &name);
        definitions.push((name.clone(), doc));
        let fail = |source| EngineError::Query {
            name: name.clone(),
            source,
        };
        let started = std::time::Instant::now();
        let df = ctx.sql(&sql).await.map_err(fail)?;
        if is_view {
            // A view is computed once and kept in memory, so the metrics that read it do not
            // each compute it again (`timed` feeds most of them). `classified` is the
            // activities themselves plus a column: it stays a view.
            if let Some(view) = catalogue::view_name(&sql).filter(|v| v != "classified") {
                let table = ctx.table(view.as_str()).await.map_err(fail)?;
                let schema = Arc::new(table.schema().as_arrow().clone());
                let mut batches = table.collect().await.map_err(fail)?;
                if batches.is_empty() {
                    batches.push(RecordBatch::new_empty(schema));
                }
                keep(&ctx, how, &views_dir, view.as_str(), batches).await?;
                seconds.insert(name.clone(), started.elapsed().as_secs_f64());
            }
            progress.advance(1, rows, &name);
            continue;
        }
        let schema = Arc::new(df.schema().as_arrow().clone());
        let mut batches = df.collect().await.map_err(fail)?;
        batches.retain(|b| b.num_rows() > 0);
        if batches.is_empty() {
            batches.push(RecordBatch::new_empty(schema.clone()));
        }
        let n: usize = batches.iter().map(|b| b.num_rows()).sum();
        rows += n as u64;
        progress.advance(1, rows, &name);
        seconds.insert(name.clone(), started.elapsed().as_secs_f64());
        let person_level = individual::is_individual(&name, &schema);
        if person_level {
            individual_tables.push((name.clone(), schema));
            if !outputs.individual {
                // Kept for the queries after it and the week summaries; not written.
                keep(&ctx, how, &views_dir, name.as_str(), batches).await?;
                continue;
            }
        }
        let (dir, table) = if person_level {
            (
                partial.join(INDIVIDUAL_DIR),
                format!("{INDIVIDUAL_DIR}/{name}"),
            )
        } else {
            (partial.clone(), name.clone())
        };
        writer.write(&dir, &name, &batches)?;
        row_counts.insert(table.clone(), n);
        keep(&ctx, how, &dir, name.as_str(), batches).await?;
        tables.push(table);
    }
    progress.finish();
    if outputs.individual {
        write_file(
            &partial.join(INDIVIDUAL_DIR).join("README.md"),
            individual::README,
        )?;
    }
    // What the report draws from the person-level tables, summed over each week's people.
    for (name, batches) in individual::summaries(
        &ctx,
        &individual_tables,
        outputs.min_group_size,
        profile.active_requires_sent,
    )
    .await?
    {
        row_counts.insert(name.to_string(), batches.iter().map(|b| b.num_rows()).sum());
        writer.write(&partial, name, &batches)?;
        tables.push(name.to_string());
    }
    writer.finish()?;
    let date_range = date_range(&ctx).await?;
    let manifest_text = read_manifest(dataset).await?;
    if views_dir.exists() {
        fs_err::remove_dir_all(&views_dir)?;
    }
    let info = RunInfo {
        wecon_version: env!("CARGO_PKG_VERSION").to_string(),
        dataset: dataset.display().to_string(),
        profile: profile.clone(),
        tables,
        row_counts,
        seconds,
        date_range,
        definitions,
        dataset_manifest: serde_json::from_str(&manifest_text)?,
        files: wecon_model::atomic::checksums(&partial, &[RUN_INFO])?,
        individual: outputs.individual,
    };
    write_file(
        &partial.join(RUN_INFO),
        serde_json::to_string_pretty(&info)?,
    )?;
    replace_dir(&partial, out)?;
    Ok(info)
}

/// The first and last activity start of the dataset, as RFC 3339 UTC text.
async fn date_range(ctx: &SessionContext) -> Result<Option<(String, String)>, EngineError> {
    let batches = sql(
        ctx,
        "SELECT CAST(MIN(start_utc) AS BIGINT) AS first, CAST(MAX(start_utc) AS BIGINT) AS last FROM activities",
    )
    .await?;
    let text = |us: i64| {
        chrono::DateTime::from_timestamp_micros(us)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    };
    let Some(b) = batches.first().filter(|b| b.num_rows() > 0) else {
        return Ok(None);
    };
    let column = |i: usize| {
        b.column(i)
            .as_any()
            .downcast_ref::<datafusion::arrow::array::Int64Array>()
            .filter(|a| datafusion::arrow::array::Array::is_valid(*a, 0))
            .map(|a| a.value(0))
    };
    Ok(column(0).zip(column(1)).map(|(f, l)| (text(f), text(l))))
}

fn schema_of(batches: &[RecordBatch]) -> datafusion::arrow::datatypes::SchemaRef {
    batches
        .first()
        .map(|b| b.schema())
        .unwrap_or_else(|| Arc::new(datafusion::arrow::datatypes::Schema::empty()))
}

/// Reads a results folder's `run.json`.
pub fn read_run_info(results: &Path) -> Result<RunInfo, EngineError> {
    let text = fs_err::read_to_string(results.join(RUN_INFO))?;
    Ok(serde_json::from_str(&text)?)
}
