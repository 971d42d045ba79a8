//! wecon's report: renders a results folder (never the raw dataset) into a self-contained
//! `index.html` with an SVG chart made by plotters, and a `summary.md`.
//!
//! Renderers return strings so they can be tested without touching the disk; [`write_report`]
//! writes them atomically.

mod chart;
mod compare;
mod labels;
pub mod png;
mod sections;
mod tables;
mod weeks;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use minijinja::{Environment, context};
use serde::Serialize;
use wecon_engine::{RunInfo, read_run_info};
use wecon_model::Process;
use wecon_model::atomic::{partial_dir, replace_dir, write_file};

pub use compare::{is_compare, write_compare_report};
pub use labels::{Labels, Lang};
pub use sections::{
    Collaboration, GroupHours, Measure, Meetings, Network, Patterns, Quality, Surplus,
};
pub use tables::{Table, read_table};

pub use wecon_model::DEFAULT_MIN_GROUP_SIZE;

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
    #[error("the label catalogue is broken: {0}")]
    Labels(String),
    #[error("{0}")]
    Missing(String),
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
    /// The language of the pages and charts (the CSV tables keep identifiers).
    pub lang: Lang,
}

impl Default for ReportOptions {
    fn default() -> Self {
        Self {
            min_group_size: DEFAULT_MIN_GROUP_SIZE,
            lang: Lang::En,
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
    pub lang: Lang,
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
    pub references: Vec<Reference>,
    pub groups: Vec<GroupHours>,
    pub collaboration: Collaboration,
    pub meetings: Meetings,
    pub patterns: Patterns,
    pub network: Network,
    pub surplus: Surplus,
    pub quality: Quality,
}

/// A published figure (METRICS.md §7) beside the organisation's own.
#[derive(Debug, Clone, Serialize)]
pub struct Reference {
    pub source: &'static str,
    pub figure: String,
    pub ours: String,
}

fn references(
    l: &Labels,
    summary: &[ProcessHours],
    total: f64,
    meetings: &Meetings,
    patterns: &Patterns,
) -> Vec<Reference> {
    let h = |names: &[&str]| -> f64 {
        summary
            .iter()
            .filter(|p| names.contains(&p.process.as_str()))
            .map(|p| p.hours)
            .sum()
    };
    let mix = |name: &str| {
        meetings
            .mix
            .iter()
            .find(|m| m.name == name)
            .map_or(0.0, |m| m.value)
    };
    let communicating = h(&["communicate", "consult", "meet", "share"]);
    let one = |v: f64| l.num(v, 1);
    let whole = |v: f64| l.num(v, 0);
    let reference = |source, key: &str, ours: Vec<String>| Reference {
        source,
        figure: l.get(&format!("ref.{key}")).to_string(),
        ours: l.fill(&format!("ref.{key}_ours"), &ours),
    };
    vec![
        reference(
            "McKinsey Global Institute, The social economy (2012)",
            "mckinsey",
            vec![one(h(&["communicate", "share"])), one(h(&["search"]))],
        ),
        reference(
            "IDC, The Hidden Costs of Information Work (2005)",
            "idc",
            vec![
                one(h(&["communicate", "share"])),
                one(h(&["store"])),
                one(h(&["search"])),
                one(h(&["transact"])),
            ],
        ),
        reference(
            "Microsoft Work Trend Index (2023)",
            "wti",
            vec![
                whole(if total > 0.0 {
                    100.0 * communicating / total
                } else {
                    0.0
                }),
                whole(patterns.no_focus_share * 100.0),
            ],
        ),
        reference(
            "Doodle, State of Meetings (2019)",
            "doodle",
            vec![
                one(mix("meeting_hours")),
                one(mix("large_attended_hours")),
                one(mix("long_hours")),
            ],
        ),
    ]
}

/// Reads a results folder and computes what the report shows.
pub fn load(results: &Path, opts: ReportOptions) -> Result<ReportData, ReportError> {
    let run = read_run_info(results)?;
    let weeks = weeks::Weeks::load(results)?;
    let people_by_week = weeks.people_by_week();
    let suppressed: BTreeSet<String> = people_by_week
        .iter()
        .filter(|(_, n)| *n < opts.min_group_size)
        .map(|(w, _)| w.clone())
        .collect();
    let shown: BTreeSet<String> = people_by_week
        .iter()
        .map(|(w, _)| w.clone())
        .filter(|w| !suppressed.contains(w))
        .collect();

    let mut week_sums: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut totals = vec![0.0; Process::ALL.len()];
    for (k, p) in Process::ALL.iter().enumerate() {
        for (w, h) in weeks.totals_by_week("person_week_process", p.as_str(), "hours") {
            if shown.contains(&w) {
                week_sums
                    .entry(w)
                    .or_insert_with(|| vec![0.0; Process::ALL.len()])[k] += h;
                totals[k] += h;
            }
        }
    }
    let person_weeks: usize = people_by_week
        .iter()
        .filter(|(w, _)| shown.contains(w))
        .map(|(_, n)| n)
        .sum();
    let n_pw = person_weeks.max(1) as f64;
    let total: f64 = totals.iter().sum();
    let summary: Vec<ProcessHours> = Process::ALL
        .iter()
        .zip(&totals)
        .map(|(p, h)| ProcessHours {
            process: p.as_str().to_string(),
            hours: h / n_pw,
            share: if total > 0.0 { 100.0 * h / total } else { 0.0 },
        })
        .collect();
    let people: BTreeMap<&str, usize> = people_by_week
        .iter()
        .map(|(w, n)| (w.as_str(), *n))
        .collect();
    let weeks_shown = week_sums
        .into_iter()
        .map(|(w, sums)| {
            let n = people.get(w.as_str()).copied().unwrap_or(0).max(1);
            WeekHours {
                hours: sums.iter().map(|h| h / n as f64).collect(),
                week: w,
                people: n,
            }
        })
        .collect();

    let constants = run.profile.constants();
    let meetings = sections::meetings(results, &weeks, &shown, person_weeks, opts.min_group_size)?;
    let patterns = sections::patterns(results, &weeks, &shown, opts.min_group_size)?;
    let summary: Vec<ProcessHours> = summary;
    let labels = Labels::new(opts.lang)?;
    let references = references(&labels, &summary, total / n_pw, &meetings, &patterns);
    let groups = sections::groups(results)?;
    Ok(ReportData {
        lang: opts.lang,
        references,
        collaboration: sections::collaboration(results, &groups)?,
        groups,
        meetings,
        patterns,
        network: sections::network(&weeks, &shown),
        surplus: sections::surplus(results, &weeks, &shown)?,
        quality: sections::quality(results, &weeks)?,
        min_group_size: opts.min_group_size,
        min_group_size_lowered: opts.min_group_size < DEFAULT_MIN_GROUP_SIZE,
        people: weeks.people(),
        person_weeks,
        summary,
        total_hours: total / n_pw,
        weeks: weeks_shown,
        suppressed_weeks: suppressed.into_iter().collect(),
        ingest: read_table(&results.join("ingest_summary.parquet"))?,
        rejections: read_table(&results.join("rejections.parquet"))?,
        seen: read_table(&results.join("received_mail_seen.parquet"))?,
        constants,
        run,
    })
}

pub(crate) const HTML: &str = include_str!("templates/index.html");
/// The pages' shared style sheet, included inline (the pages load nothing).
pub(crate) const CSS: &str = include_str!("templates/style.css");
pub(crate) const MARKDOWN: &str = include_str!("templates/summary.md");

/// Every page's templates, with the number and label filters of a language. A label the
/// catalogue lacks is an error, not an empty string.
pub(crate) fn environment(labels: &Labels) -> Result<Environment<'static>, ReportError> {
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::SemiStrict);
    env.add_template("style.css", CSS)?;
    env.add_template("index.html", HTML)?;
    env.add_template("summary.md", MARKDOWN)?;
    env.add_template("compare.html", compare::HTML)?;
    labels::add_filters(&mut env, labels);
    Ok(env)
}

/// Every chart of the report, as SVG, by name.
pub fn render_charts(data: &ReportData) -> Result<BTreeMap<&'static str, String>, ReportError> {
    let l = &Labels::new(data.lang)?;
    let names = |group: &str, items: Vec<(String, f64)>| -> Vec<(String, f64)> {
        items
            .into_iter()
            .map(|(id, v)| (l.name(group, &id), v))
            .collect()
    };
    let pairs = |m: &[Measure]| -> Vec<(String, f64)> {
        m.iter().map(|x| (x.name.clone(), x.value)).collect()
    };
    let counts = |b: &[(String, usize)]| -> Vec<(String, f64)> {
        b.iter().map(|(l, n)| (l.clone(), *n as f64)).collect()
    };
    let mut charts = BTreeMap::new();
    charts.insert("trend", chart::weekly_svg(data, l)?);
    charts.insert(
        "summary",
        chart::bars_svg(
            l,
            l.get("chart.summary"),
            &names(
                "process",
                data.summary
                    .iter()
                    .map(|p| (p.process.clone(), p.hours))
                    .collect(),
            ),
            l.get("chart.hours_ppw"),
        )?,
    );
    if !data.groups.is_empty() {
        charts.insert("groups", chart::groups_svg(&data.groups, l)?);
        charts.insert("group_trend", chart::group_trend_svg(&data.groups, l)?);
    }
    if !data.collaboration.groups.is_empty() {
        charts.insert(
            "collaboration",
            chart::collaboration_svg(&data.collaboration, l)?,
        );
    }
    if !data.meetings.mix.is_empty() {
        charts.insert(
            "meetings",
            chart::bars_svg(
                l,
                l.get("chart.meetings"),
                &names("measure", pairs(&data.meetings.mix)),
                l.get("chart.hours_ppw"),
            )?,
        );
    }
    if !data.meetings.load.is_empty() {
        charts.insert(
            "meeting_load",
            chart::bars_svg(
                l,
                l.get("chart.meeting_load"),
                &counts(&data.meetings.load),
                l.get("chart.person_weeks"),
            )?,
        );
    }
    if data.meetings.notice.iter().any(|n| n.1.is_some()) {
        charts.insert(
            "meeting_notice",
            chart::bars_svg(
                l,
                l.get("chart.meeting_notice"),
                &names(
                    "notice",
                    data.meetings
                        .notice
                        .iter()
                        .filter_map(|(b, h)| h.map(|h| (b.clone(), h)))
                        .collect(),
                ),
                l.get("chart.hours_ppw"),
            )?,
        );
    }
    if !data.patterns.heat.is_empty() {
        charts.insert("heatmap", chart::heatmap_svg(&data.patterns.heat, l)?);
    }
    if !data.network.internal.is_empty() {
        charts.insert(
            "network",
            chart::bars_svg(
                l,
                l.get("chart.network"),
                &counts(&data.network.internal),
                l.get("chart.person_weeks"),
            )?,
        );
        charts.insert(
            "network_external",
            chart::bars_svg(
                l,
                l.get("chart.network_external"),
                &counts(&data.network.external),
                l.get("chart.person_weeks"),
            )?,
        );
    }
    if !data.surplus.levers.is_empty() {
        charts.insert("waterfall", chart::waterfall_svg(&data.surplus, l)?);
    }
    Ok(charts)
}

/// The self-contained HTML report.
pub fn render_html(data: &ReportData) -> Result<String, ReportError> {
    let charts = render_charts(data)?;
    let labels = Labels::new(data.lang)?;
    let env = environment(&labels)?;
    Ok(env.get_template("index.html")?.render(context! {
        d => data,
        charts => charts,
        processes => process_names(),
        t => labels.tree(),
        lang => data.lang.code(),
    })?)
}

/// CSV text of a header and rows (fields quoted where they need it).
fn csv(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let field = |f: &str| {
        if f.contains([',', '"', '\n']) {
            format!("\"{}\"", f.replace('"', "\"\""))
        } else {
            f.to_string()
        }
    };
    let mut out = header.join(",");
    out.push('\n');
    for r in rows {
        out.push_str(&r.iter().map(|f| field(f)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

/// The figures the report shows, each as a CSV table (`tables/NAME.csv`).
pub fn figure_tables(data: &ReportData) -> Vec<(&'static str, String)> {
    // Rounded to a nanounit: sums taken in another order differ in the last bits.
    let num = |v: f64| format!("{:.6}", (v * 1e9).round() / 1e9);
    let measure_rows = |m: &[Measure]| {
        m.iter()
            .map(|x| vec![x.name.clone(), num(x.value)])
            .collect::<Vec<_>>()
    };
    let mut header = vec!["week", "people"];
    header.extend(process_names());
    let mut group_header = vec!["attribute", "group", "people", "weeks"];
    group_header.extend(process_names());
    vec![
        (
            "summary",
            csv(
                &["process", "hours_per_person_week", "share_percent"],
                data.summary
                    .iter()
                    .map(|p| vec![p.process.clone(), num(p.hours), num(p.share)]),
            ),
        ),
        (
            "references",
            csv(
                &["source", "figure", "this_organisation"],
                data.references
                    .iter()
                    .map(|r| vec![r.source.into(), r.figure.clone(), r.ours.clone()]),
            ),
        ),
        (
            "trend",
            csv(
                &header,
                data.weeks.iter().map(|w| {
                    let mut r = vec![w.week.clone(), w.people.to_string()];
                    r.extend(w.hours.iter().map(|h| num(*h)));
                    r
                }),
            ),
        ),
        (
            "groups",
            csv(
                &group_header,
                data.groups.iter().map(|g| {
                    let mut r = vec![
                        g.attribute.clone(),
                        g.group.clone(),
                        num(g.people),
                        g.weeks.to_string(),
                    ];
                    r.extend(g.hours.iter().map(|h| num(*h)));
                    r
                }),
            ),
        ),
        (
            "group_trend",
            csv(
                &["attribute", "group", "week", "hours_per_person"],
                data.groups.iter().flat_map(|g| {
                    g.trend.iter().map(|(w, h)| {
                        vec![g.attribute.clone(), g.group.clone(), w.clone(), num(*h)]
                    })
                }),
            ),
        ),
        (
            "collaboration",
            csv(
                &[
                    "attribute",
                    "group",
                    "with",
                    "interactions_per_person_week",
                    "contacts_per_person_week",
                ],
                data.collaboration
                    .groups
                    .iter()
                    .enumerate()
                    .flat_map(|(r, g)| {
                        let c = &data.collaboration;
                        c.with.iter().enumerate().map(move |(k, w)| {
                            vec![
                                c.attribute.clone(),
                                g.clone(),
                                w.clone(),
                                num(c.interactions[r][k]),
                                num(c.contacts[r][k]),
                            ]
                        })
                    }),
            ),
        ),
        (
            "meetings",
            csv(
                &["measure", "hours_per_person_week"],
                measure_rows(&data.meetings.mix),
            ),
        ),
        (
            "meeting_load",
            csv(
                &["meeting_hours", "person_weeks"],
                data.meetings
                    .load
                    .iter()
                    .map(|(l, n)| vec![l.clone(), n.to_string()]),
            ),
        ),
        (
            "meeting_notice",
            csv(
                &["notice", "hours_per_person_week"],
                data.meetings
                    .notice
                    .iter()
                    .map(|(b, h)| vec![b.clone(), h.map(num).unwrap_or_else(|| "hidden".into())]),
            ),
        ),
        (
            "heatmap",
            csv(
                &["weekday", "hour", "hours_per_person_week"],
                data.patterns.heat.iter().enumerate().flat_map(|(d, row)| {
                    row.iter().enumerate().map(move |(h, v)| {
                        vec![
                            (d + 1).to_string(),
                            h.to_string(),
                            v.map(num).unwrap_or_else(|| "hidden".into()),
                        ]
                    })
                }),
            ),
        ),
        (
            "working_patterns",
            csv(
                &["measure", "hours_per_person_week"],
                measure_rows(&data.patterns.after_hours)
                    .into_iter()
                    .chain(measure_rows(&data.patterns.focus)),
            ),
        ),
        (
            "network",
            csv(
                &["measure", "average_per_person_week"],
                measure_rows(&data.network.means),
            ),
        ),
        (
            "network_sizes",
            csv(
                &[
                    "network_size",
                    "internal_person_weeks",
                    "external_person_weeks",
                ],
                data.network
                    .internal
                    .iter()
                    .zip(&data.network.external)
                    .map(|((l, n), (_, e))| vec![l.clone(), n.to_string(), e.to_string()]),
            ),
        ),
        (
            "surplus_levers",
            csv(
                &["lever", "hours_per_person_week"],
                measure_rows(&data.surplus.levers).into_iter().chain([
                    vec!["counted_twice".into(), num(-data.surplus.overlap_hours)],
                    vec!["reclaimable".into(), num(data.surplus.reclaimable_hours)],
                ]),
            ),
        ),
        (
            "surplus_totals",
            csv(
                &["measure", "value"],
                [
                    ("timed_hours_per_person_week", data.surplus.timed_hours),
                    ("lever_hours_per_person_week", data.surplus.lever_hours),
                    (
                        "reclaimable_hours_per_person_week",
                        data.surplus.reclaimable_hours,
                    ),
                    (
                        "focus_regained_hours_per_person_week",
                        data.surplus.focus_regained_hours,
                    ),
                    ("fte_per_week", data.surplus.fte),
                    ("cost_per_week", data.surplus.cost),
                ]
                .into_iter()
                .map(|(n, v)| vec![n.to_string(), num(v)]),
            ),
        ),
    ]
}

/// The Markdown summary.
pub fn render_markdown(data: &ReportData) -> Result<String, ReportError> {
    let labels = Labels::new(data.lang)?;
    let env = environment(&labels)?;
    Ok(env.get_template("summary.md")?.render(context! {
        d => data,
        processes => process_names(),
        t => labels.tree(),
    })?)
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
    fs_err::create_dir_all(partial.join("tables"))?;
    fs_err::create_dir_all(partial.join("charts"))?;
    for (name, text) in figure_tables(&data) {
        write_file(&partial.join("tables").join(format!("{name}.csv")), text)?;
    }
    for (name, svg) in render_charts(&data)? {
        write_file(
            &partial.join("charts").join(format!("{name}.png")),
            png::png_of(&svg)?,
        )?;
        write_file(&partial.join("charts").join(format!("{name}.svg")), svg)?;
    }
    replace_dir(&partial, out)?;
    Ok(data)
}
