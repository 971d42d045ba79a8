//! wecon's report: renders a results folder (never the raw dataset) into a self-contained
//! `index.html` with an SVG chart made by plotters, and a `summary.md`.
//!
//! Renderers return strings so they can be tested without touching the disk; [`write_report`]
//! writes them atomically.

mod chart;
mod tables;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use minijinja::{Environment, context};
use serde::Serialize;
use wecon_engine::{RunInfo, read_run_info};
use wecon_model::Process;
use wecon_model::atomic::{partial_dir, replace_dir, write_file};

pub use tables::{Table, read_table};

/// The smallest group shown unless the user explicitly lowers it (METRICS.md §4).
pub const DEFAULT_MIN_GROUP_SIZE: usize = 5;

/// Errors of the report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Engine(#[from] wecon_engine::EngineError),
    #[error(transparent)]
    Parquet(#[from] datafusion::parquet::errors::ParquetError),
    #[error(transparent)]
    Arrow(#[from] datafusion::arrow::error::ArrowError),
    #[error("failed to render the report template")]
    Template(#[from] minijinja::Error),
    #[error("failed to draw the chart: {0}")]
    Chart(String),
    #[error("results table `{table}` is missing column `{column}` of type {expected}")]
    Column {
        table: String,
        column: String,
        expected: &'static str,
    },
}

/// What the user asked of the report.
#[derive(Debug, Clone, Copy)]
pub struct ReportOptions {
    pub min_group_size: usize,
}

impl Default for ReportOptions {
    fn default() -> Self {
        Self {
            min_group_size: DEFAULT_MIN_GROUP_SIZE,
        }
    }
}

/// One process's line in the summary.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ProcessHours {
    pub process: String,
    /// Average hours per person-week.
    pub hours: f64,
    /// Share of all measured hours, 0–100.
    pub share: f64,
}

/// One week of the trend.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WeekHours {
    pub week: String,
    pub people: usize,
    /// Average hours per person in that week, per process, in [`Process::ALL`] order.
    pub hours: Vec<f64>,
}

/// Everything the report shows, computed from the results folder.
#[derive(Debug, Clone, Serialize)]
pub struct ReportData {
    pub run: RunInfo,
    pub min_group_size: usize,
    pub min_group_size_lowered: bool,
    pub people: usize,
    pub person_weeks: usize,
    pub summary: Vec<ProcessHours>,
    pub total_hours: f64,
    pub weeks: Vec<WeekHours>,
    pub suppressed_weeks: Vec<String>,
    pub ingest: Table,
    pub rejections: Table,
    pub seen: Table,
    pub constants: Vec<(String, String)>,
}

/// Reads a results folder and computes what the report shows.
pub fn load(results: &Path, opts: ReportOptions) -> Result<ReportData, ReportError> {
    let run = read_run_info(results)?;
    let pwp = read_table(&results.join("person_week_process.parquet"))?;
    let person = pwp.column_strings("person_week_process", "person_id")?;
    let week = pwp.column_strings("person_week_process", "week")?;
    let process = pwp.column_strings("person_week_process", "process")?;
    let hours = pwp.column_f64("person_week_process", "hours")?;

    let mut people_by_week: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (p, w) in person.iter().zip(&week) {
        people_by_week.entry(w).or_default().insert(p);
    }
    let suppressed: BTreeSet<&str> = people_by_week
        .iter()
        .filter(|(_, ps)| ps.len() < opts.min_group_size)
        .map(|(w, _)| *w)
        .collect();

    let index = |p: &str| Process::ALL.iter().position(|x| x.as_str() == p);
    let mut week_sums: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut totals = vec![0.0; Process::ALL.len()];
    let mut person_weeks: BTreeSet<(&str, &str)> = BTreeSet::new();
    let mut people: BTreeSet<&str> = BTreeSet::new();
    for i in 0..person.len() {
        if suppressed.contains(week[i].as_str()) {
            continue;
        }
        let Some(k) = index(&process[i]) else {
            continue;
        };
        week_sums
            .entry(&week[i])
            .or_insert_with(|| vec![0.0; Process::ALL.len()])[k] += hours[i];
        totals[k] += hours[i];
        person_weeks.insert((&person[i], &week[i]));
        people.insert(&person[i]);
    }
    let n_pw = person_weeks.len().max(1) as f64;
    let total: f64 = totals.iter().sum();
    let summary = Process::ALL
        .iter()
        .zip(&totals)
        .map(|(p, h)| ProcessHours {
            process: p.as_str().to_string(),
            hours: h / n_pw,
            share: if total > 0.0 { 100.0 * h / total } else { 0.0 },
        })
        .collect();
    let weeks = week_sums
        .into_iter()
        .map(|(w, sums)| {
            let n = people_by_week[w].len();
            WeekHours {
                week: w.to_string(),
                people: n,
                hours: sums.iter().map(|h| h / n as f64).collect(),
            }
        })
        .collect();

    let constants = run.profile.constants();
    Ok(ReportData {
        min_group_size: opts.min_group_size,
        min_group_size_lowered: opts.min_group_size < DEFAULT_MIN_GROUP_SIZE,
        people: people.len(),
        person_weeks: person_weeks.len(),
        summary,
        total_hours: total / n_pw,
        weeks,
        suppressed_weeks: suppressed.iter().map(|s| s.to_string()).collect(),
        ingest: read_table(&results.join("ingest_summary.parquet"))?,
        rejections: read_table(&results.join("rejections.parquet"))?,
        seen: read_table(&results.join("received_mail_seen.parquet"))?,
        constants,
        run,
    })
}

const HTML: &str = include_str!("templates/index.html");
const MARKDOWN: &str = include_str!("templates/summary.md");

fn environment() -> Result<Environment<'static>, ReportError> {
    let mut env = Environment::new();
    env.add_template("index.html", HTML)?;
    env.add_template("summary.md", MARKDOWN)?;
    // Rounded to a nanohour first: sums taken in another order (parallel aggregation, another
    // key's person order) differ in the last bits and must not flip the second decimal.
    env.add_filter("hours", |h: f64| format!("{:.2}", (h * 1e9).round() / 1e9));
    env.add_filter("pct", |h: f64| format!("{h:.1}%"));
    Ok(env)
}

/// The self-contained HTML report.
pub fn render_html(data: &ReportData) -> Result<String, ReportError> {
    let svg = chart::weekly_svg(data)?;
    let env = environment()?;
    Ok(env
        .get_template("index.html")?
        .render(context! { d => data, chart => svg, processes => process_names() })?)
}

/// The Markdown summary.
pub fn render_markdown(data: &ReportData) -> Result<String, ReportError> {
    let env = environment()?;
    Ok(env
        .get_template("summary.md")?
        .render(context! { d => data, processes => process_names() })?)
}

fn process_names() -> Vec<&'static str> {
    Process::ALL.iter().map(|p| p.as_str()).collect()
}

/// Renders the report of `results` into `out` (`index.html`, `summary.md`), atomically.
pub fn write_report(
    results: &Path,
    out: &Path,
    opts: ReportOptions,
) -> Result<ReportData, ReportError> {
    let data = load(results, opts)?;
    let partial = partial_dir(out)?;
    write_file(&partial.join("index.html"), render_html(&data)?)?;
    write_file(&partial.join("summary.md"), render_markdown(&data)?)?;
    replace_dir(&partial, out)?;
    Ok(data)
}
