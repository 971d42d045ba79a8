//! Before and after: the change in hours per person-week between two results folders of the
//! same organisation (a baseline and a follow-up), per process and per group, with bootstrap
//! confidence intervals over people, and the change within the people found in both
//! (matched by pseudonym, so both runs must use the same key). It reads people's figures,
//! so both results folders must hold the person-level tables (`--individual`).
//!
//! Each person's figure in a period is their hours per week: their hours in
//! `person_week_process` (and reclaimable hours in `surplus_person_week`) over the weeks
//! they were active, after the person-weeks `validation_exclusions` lists are left out
//! (unless kept). Every person weighs the same, as in the group figures (METRICS.md §4).
//!
//! - **change**: the follow-up's mean minus the baseline's, each over its own people (people
//!   who joined or left count in their period); the interval resamples each period's people
//!   independently.
//! - **matched change**: the mean of the differences of the people in both periods; the
//!   interval resamples them. It removes differences between people, so it is narrower when
//!   the same people stay.
//!
//! Intervals are bootstrap percentile intervals (Efron & Tibshirani 1993, ch. 13). A group
//! with fewer than the minimum group size in either period is not shown (`suppressed`);
//! matched figures need that many matched people.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use wecon_model::atomic::{write_file, write_parquet};

use crate::{EngineError, OutputFormat, Profile, format_batches, open, read_run_info, sql};

/// The figures compared, in the order rows are written: the seven processes, their sum and
/// the reclaimable hours (double counting removed).
pub const MEASURES: [&str; 9] = [
    "share",
    "store",
    "search",
    "communicate",
    "consult",
    "meet",
    "transact",
    "all",
    "reclaimable",
];
/// The index of `all` in [`MEASURES`].
const ALL: usize = 7;

/// How to compare.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// People attributes to compare groups by (as `--by` of analyze).
    pub by: Vec<String>,
    pub min_group_size: usize,
    /// Bootstrap resamples.
    pub resamples: usize,
    /// The interval's coverage, e.g. 0.95.
    pub confidence: f64,
    pub seed: u64,
    /// Keep the person-weeks validation excludes.
    pub keep_excluded: bool,
}

impl Default for CompareOptions {
    fn default() -> Self {
        Self {
            by: Vec::new(),
            min_group_size: crate::DEFAULT_MIN_GROUP_SIZE,
            resamples: 2000,
            confidence: 0.95,
            seed: 1,
            keep_excluded: false,
        }
    }
}

/// One period: a results folder or a `wecon run` output folder, and the dataset it was
/// analysed from when that is elsewhere (groups need its `people` table).
#[derive(Debug, Clone)]
pub struct CompareInput {
    pub dir: std::path::PathBuf,
    pub dataset: Option<std::path::PathBuf>,
}

/// What a comparison found, for the command's summary line (`compare.json` holds it too).
#[derive(Debug, Clone, Serialize)]
pub struct CompareSummary {
    pub baseline_people: usize,
    pub followup_people: usize,
    pub matched_people: usize,
    pub baseline_profile: String,
    pub followup_profile: String,
    /// The assumptions (profile constants and lever fractions) in which the two periods'
    /// runs differ, as `name: baseline → follow-up`: a custom profile edited between them,
    /// a scenario, or a profile a later wecon changed. Each shows as a change.
    pub profile_differences: Vec<String>,
    pub groups_shown: usize,
    pub groups_suppressed: usize,
    pub resamples: usize,
    pub confidence: f64,
    pub seed: u64,
    /// The organisation's change in all hours per person-week, and its interval.
    pub all_change: Option<(f64, f64, f64)>,
}

struct Person {
    groups: Vec<String>,
    values: [f64; 9],
}

type Period = BTreeMap<String, Person>;

fn strings(batch: &RecordBatch, i: usize) -> Result<Vec<Option<String>>, EngineError> {
    let a = cast(batch.column(i), &DataType::Utf8)?;
    let a = a
        .as_any()
        .downcast_ref::<StringArray>()
        .ok_or_else(|| EngineError::Layout("expected text".into()))?;
    Ok((0..a.len())
        .map(|r| a.is_valid(r).then(|| a.value(r).to_string()))
        .collect())
}

fn floats(batch: &RecordBatch, i: usize) -> Result<Vec<f64>, EngineError> {
    let a = cast(batch.column(i), &DataType::Float64)?;
    let a = a
        .as_any()
        .downcast_ref::<Float64Array>()
        .ok_or_else(|| EngineError::Layout("expected numbers".into()))?;
    Ok((0..a.len())
        .map(|r| if a.is_valid(r) { a.value(r) } else { 0.0 })
        .collect())
}

/// Each person's hours per week in one period, and their groups.
async fn read_period(
    input: &CompareInput,
    columns: &[(String, String)],
    keep_excluded: bool,
) -> Result<(Period, Profile), EngineError> {
    let dir = input.dir.as_path();
    let (ctx, mut opened) = open(dir).await?;
    if let Some(d) = input
        .dataset
        .as_deref()
        .filter(|_| opened.dataset.is_none())
    {
        crate::register_dataset(&ctx, d, &mut opened.tables, false).await?;
    }
    let Some(results) = &opened.results else {
        return Err(EngineError::Layout(format!(
            "`{}` holds no results: run `wecon analyze` (or `wecon run`) on it first",
            dir.display()
        )));
    };
    let info = read_run_info(results)?;
    if !info.individual {
        return Err(EngineError::Layout(format!(
            "`{}` holds no person-level tables, which a comparison matches people by: analyze \
             (or run) both periods with --individual",
            dir.display()
        )));
    }
    let requires_sent = info.profile.active_requires_sent;
    let profile = info.profile;
    // `person_week` (who was active) only where the profile makes it a condition of counting.
    let tables = [
        "person_week_process",
        "surplus_person_week",
        "validation_exclusions",
        "person_week",
    ];
    let needed = &tables[..if requires_sent { 4 } else { 3 }];
    for t in needed {
        if !opened.tables.iter().any(|n| n == t) {
            return Err(EngineError::Layout(format!(
                "`{}` has no `{t}` table: analyze it again with this version of wecon",
                dir.display()
            )));
        }
    }
    if !columns.is_empty() && !opened.tables.iter().any(|n| n == "people") {
        return Err(EngineError::Layout(format!(
            "`{}` has no dataset beside its results: groups need the `people` table (give a `wecon run` output folder)",
            dir.display()
        )));
    }
    // The person-weeks the group figures count: the same exclusions, and the same rule for
    // who is active as the run's profile.
    let counted = format!(
        "WITH counted AS (
            {}
        )",
        crate::groups::counted(!keep_excluded, requires_sent).0
    );
    let group_select: String = columns
        .iter()
        .map(|(expr, name)| format!(", {expr} AS {name}"))
        .collect();
    // Persons matched by key: results and dataset agree whatever length of pseudonym each
    // was written with (16 digits, or 24 before 2026-12-05; `keys.rs`).
    let join = if columns.is_empty() {
        ""
    } else {
        "LEFT JOIN people p ON person_key(p.person_id) = person_key(w.person_id)"
    };
    let people = sql(
        &ctx,
        &format!(
            "{counted}, weeks AS (
                SELECT person_id, COUNT(DISTINCT week) AS weeks FROM counted GROUP BY person_id
            )
            SELECT w.person_id, w.weeks{group_select} FROM weeks w {join} ORDER BY w.person_id"
        ),
    )
    .await?;
    let mut period: Period = BTreeMap::new();
    let mut weeks: BTreeMap<String, f64> = BTreeMap::new();
    for b in &people {
        let ids = strings(b, 0)?;
        let n = floats(b, 1)?;
        let groups: Vec<Vec<Option<String>>> = (0..columns.len())
            .map(|i| strings(b, 2 + i))
            .collect::<Result<_, _>>()?;
        for (r, id) in ids.into_iter().enumerate() {
            let Some(id) = id else { continue };
            weeks.insert(id.clone(), n[r]);
            period.insert(
                id,
                Person {
                    groups: groups
                        .iter()
                        .map(|g| g[r].clone().unwrap_or_else(|| "(none)".into()))
                        .collect(),
                    values: [0.0; 9],
                },
            );
        }
    }
    let hours = sql(
        &ctx,
        &format!(
            "{counted}, active AS (SELECT DISTINCT person_id, week FROM counted)
            SELECT person_id, process AS measure, SUM(hours) AS hours
            FROM counted GROUP BY person_id, process
            UNION ALL
            SELECT s.person_id, 'reclaimable', SUM(s.reclaimable_hours)
            FROM surplus_person_week s
            JOIN active a ON a.person_id = s.person_id AND a.week = s.week
            GROUP BY s.person_id"
        ),
    )
    .await?;
    for b in &hours {
        let ids = strings(b, 0)?;
        let measures = strings(b, 1)?;
        let h = floats(b, 2)?;
        for r in 0..b.num_rows() {
            let (Some(id), Some(m)) = (&ids[r], &measures[r]) else {
                continue;
            };
            let (Some(p), Some(w)) = (period.get_mut(id), weeks.get(id)) else {
                continue;
            };
            if let Some(i) = MEASURES.iter().position(|x| x == m) {
                p.values[i] += h[r] / w;
                if i < ALL {
                    p.values[ALL] += h[r] / w;
                }
            }
        }
    }
    Ok((period, profile))
}

/// The constants and levers in which two profiles differ, as `name: a → b` (`(none)` for one
/// a profile lacks).
fn profile_differences(a: &Profile, b: &Profile) -> Vec<String> {
    let (a, b): (BTreeMap<_, _>, BTreeMap<_, _>) = (
        a.constants().into_iter().collect(),
        b.constants().into_iter().collect(),
    );
    let none = "(none)".to_string();
    a.keys()
        .chain(b.keys())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter_map(|k| {
            let (x, y) = (a.get(k).unwrap_or(&none), b.get(k).unwrap_or(&none));
            (x != y).then(|| format!("{k}: {x} → {y}"))
        })
        .collect()
}

fn means(rows: &[&[f64; 9]]) -> [f64; 9] {
    let mut m = [0.0; 9];
    for r in rows {
        for (a, v) in m.iter_mut().zip(r.iter()) {
            *a += v;
        }
    }
    let n = rows.len().max(1) as f64;
    m.map(|a| a / n)
}

/// The `q` quantile of sorted values, interpolated linearly.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Percentile intervals per measure of a statistic computed on `resamples` bootstrap draws.
fn interval(
    resamples: usize,
    confidence: f64,
    mut draw: impl FnMut() -> [f64; 9],
) -> [(f64, f64); 9] {
    let mut per: Vec<Vec<f64>> = (0..9).map(|_| Vec::with_capacity(resamples)).collect();
    for _ in 0..resamples {
        for (v, x) in per.iter_mut().zip(draw()) {
            v.push(x);
        }
    }
    let tail = (1.0 - confidence) / 2.0;
    let mut out = [(0.0, 0.0); 9];
    for (o, mut v) in out.iter_mut().zip(per) {
        v.sort_by(f64::total_cmp);
        *o = (quantile(&v, tail), quantile(&v, 1.0 - tail));
    }
    out
}

fn resample<'a>(rng: &mut StdRng, rows: &[&'a [f64; 9]]) -> Vec<&'a [f64; 9]> {
    (0..rows.len())
        .map(|_| rows[rng.random_range(0..rows.len())])
        .collect()
}

#[derive(Default)]
struct Columns {
    group_by: Vec<String>,
    group: Vec<String>,
    measure: Vec<&'static str>,
    baseline_people: Vec<i64>,
    followup_people: Vec<i64>,
    matched_people: Vec<i64>,
    baseline_hours: Vec<f64>,
    followup_hours: Vec<f64>,
    change: Vec<f64>,
    change_low: Vec<f64>,
    change_high: Vec<f64>,
    matched_change: Vec<Option<f64>>,
    matched_low: Vec<Option<f64>>,
    matched_high: Vec<Option<f64>>,
}

/// Compares two results folders (or `wecon run` output folders) and writes `change` (Parquet
/// and CSV), `suppressed`, `summary.md` and `compare.json` into `out`, each atomically.
pub async fn compare(
    baseline: &CompareInput,
    followup: &CompareInput,
    out: &Path,
    opts: &CompareOptions,
) -> Result<CompareSummary, EngineError> {
    if opts.resamples < 100 || !(0.5..1.0).contains(&opts.confidence) {
        return Err(EngineError::Layout(
            "the bootstrap needs at least 100 resamples and a confidence between 0.5 and 1".into(),
        ));
    }
    let columns: Vec<(String, String)> = opts
        .by
        .iter()
        .map(|b| crate::groups::column(b))
        .collect::<Result<_, _>>()
        .map_err(EngineError::Layout)?;
    let (base, base_profile) = read_period(baseline, &columns, opts.keep_excluded).await?;
    let (follow, follow_profile) = read_period(followup, &columns, opts.keep_excluded).await?;
    let mut rng = StdRng::seed_from_u64(opts.seed);

    // Groups: everybody, then each attribute's values in either period. Matched people are
    // grouped as they were at the baseline.
    let mut groups: Vec<(String, Option<usize>, String)> = vec![("all".into(), None, "all".into())];
    for (i, (_, name)) in columns.iter().enumerate() {
        let values: BTreeSet<&String> = base
            .values()
            .chain(follow.values())
            .map(|p| &p.groups[i])
            .collect();
        groups.extend(
            values
                .into_iter()
                .map(|v| (name.clone(), Some(i), v.clone())),
        );
    }
    let mut c = Columns::default();
    let mut suppressed: Vec<(String, String, i64, i64)> = Vec::new();
    let mut all_change = None;
    let mut shown = 0;
    for (group_by, index, group) in &groups {
        let member = |p: &&Person| index.is_none_or(|i| &p.groups[i] == group);
        let b: Vec<&[f64; 9]> = base.values().filter(member).map(|p| &p.values).collect();
        let f: Vec<&[f64; 9]> = follow.values().filter(member).map(|p| &p.values).collect();
        if b.len() < opts.min_group_size || f.len() < opts.min_group_size {
            suppressed.push((
                group_by.clone(),
                group.clone(),
                b.len() as i64,
                f.len() as i64,
            ));
            continue;
        }
        shown += 1;
        let diffs: Vec<[f64; 9]> = base
            .iter()
            .filter(|(_, p)| member(p))
            .filter_map(|(id, p)| {
                follow
                    .get(id)
                    .map(|q| std::array::from_fn(|m| q.values[m] - p.values[m]))
            })
            .collect();
        let (mb, mf) = (means(&b), means(&f));
        let ci = interval(opts.resamples, opts.confidence, || {
            let (rb, rf) = (resample(&mut rng, &b), resample(&mut rng, &f));
            let (x, y) = (means(&rb), means(&rf));
            std::array::from_fn(|m| y[m] - x[m])
        });
        let matched = (diffs.len() >= opts.min_group_size).then(|| {
            let rows: Vec<&[f64; 9]> = diffs.iter().collect();
            let ci = interval(opts.resamples, opts.confidence, || {
                means(&resample(&mut rng, &rows))
            });
            (means(&rows), ci)
        });
        if index.is_none() {
            all_change = Some((mf[ALL] - mb[ALL], ci[ALL].0, ci[ALL].1));
        }
        for (m, measure) in MEASURES.iter().enumerate() {
            c.group_by.push(group_by.clone());
            c.group.push(group.clone());
            c.measure.push(measure);
            c.baseline_people.push(b.len() as i64);
            c.followup_people.push(f.len() as i64);
            c.matched_people.push(diffs.len() as i64);
            c.baseline_hours.push(mb[m]);
            c.followup_hours.push(mf[m]);
            c.change.push(mf[m] - mb[m]);
            c.change_low.push(ci[m].0);
            c.change_high.push(ci[m].1);
            c.matched_change.push(matched.as_ref().map(|(d, _)| d[m]));
            c.matched_low.push(matched.as_ref().map(|(_, ci)| ci[m].0));
            c.matched_high.push(matched.as_ref().map(|(_, ci)| ci[m].1));
        }
    }

    let matched_people = base.keys().filter(|k| follow.contains_key(*k)).count();
    let summary = CompareSummary {
        baseline_people: base.len(),
        followup_people: follow.len(),
        matched_people,
        profile_differences: profile_differences(&base_profile, &follow_profile),
        baseline_profile: base_profile.name,
        followup_profile: follow_profile.name,
        groups_shown: shown,
        groups_suppressed: suppressed.len(),
        resamples: opts.resamples,
        confidence: opts.confidence,
        seed: opts.seed,
        all_change,
    };
    write(
        out,
        &baseline.dir,
        &followup.dir,
        opts,
        &c,
        &suppressed,
        &summary,
    )?;
    Ok(summary)
}

fn write(
    out: &Path,
    baseline: &Path,
    followup: &Path,
    opts: &CompareOptions,
    c: &Columns,
    suppressed: &[(String, String, i64, i64)],
    summary: &CompareSummary,
) -> Result<(), EngineError> {
    // Built beside `out` and swapped in whole, like every output.
    let target = out;
    let partial = wecon_model::atomic::partial_dir(target)?;
    let out = partial.as_path();
    let text = |v: &[String]| Arc::new(StringArray::from_iter_values(v)) as ArrayRef;
    let ints = |v: &[i64]| Arc::new(Int64Array::from(v.to_vec())) as ArrayRef;
    let nums = |v: &[f64]| Arc::new(Float64Array::from(v.to_vec())) as ArrayRef;
    let opt = |v: &[Option<f64>]| Arc::new(Float64Array::from(v.to_vec())) as ArrayRef;
    let change = RecordBatch::try_from_iter(vec![
        ("group_by", text(&c.group_by)),
        ("group", text(&c.group)),
        (
            "measure",
            Arc::new(StringArray::from_iter_values(c.measure.iter())) as ArrayRef,
        ),
        ("baseline_people", ints(&c.baseline_people)),
        ("followup_people", ints(&c.followup_people)),
        ("matched_people", ints(&c.matched_people)),
        ("baseline_hours", nums(&c.baseline_hours)),
        ("followup_hours", nums(&c.followup_hours)),
        ("change", nums(&c.change)),
        ("change_low", nums(&c.change_low)),
        ("change_high", nums(&c.change_high)),
        ("matched_change", opt(&c.matched_change)),
        ("matched_low", opt(&c.matched_low)),
        ("matched_high", opt(&c.matched_high)),
    ])?;
    let (sg, sv): (Vec<String>, Vec<String>) = suppressed
        .iter()
        .map(|s| (s.0.clone(), s.1.clone()))
        .unzip();
    let small = RecordBatch::try_from_iter(vec![
        ("group_by", text(&sg)),
        ("group", text(&sv)),
        (
            "baseline_people",
            ints(&suppressed.iter().map(|s| s.2).collect::<Vec<_>>()),
        ),
        (
            "followup_people",
            ints(&suppressed.iter().map(|s| s.3).collect::<Vec<_>>()),
        ),
    ])?;
    for (name, batch) in [("change", &change), ("suppressed", &small)] {
        let batches = std::slice::from_ref(batch);
        write_parquet(&out.join(format!("{name}.parquet")), batches)?;
        write_file(
            &out.join(format!("{name}.csv")),
            format_batches(batches, OutputFormat::Csv)?,
        )?;
    }
    let info = serde_json::json!({
        "wecon": env!("CARGO_PKG_VERSION"),
        "baseline": baseline.display().to_string(),
        "followup": followup.display().to_string(),
        "by": opts.by,
        "min_group_size": opts.min_group_size,
        "keep_excluded": opts.keep_excluded,
        "summary": summary,
    });
    write_file(
        &out.join("compare.json"),
        serde_json::to_string_pretty(&info)?,
    )?;
    write_file(
        &out.join("summary.md"),
        markdown(c, suppressed, summary, opts.min_group_size),
    )?;
    // The periods analysed into the output folder first (`OUT/baseline`, `OUT/followup`)
    // move along with the new comparison.
    for period in ["baseline", "followup"] {
        let analysed = target.join(period);
        if analysed.is_dir() {
            fs_err::rename(&analysed, out.join(period))?;
        }
    }
    wecon_model::atomic::replace_dir(&partial, target)?;
    Ok(())
}

fn markdown(
    c: &Columns,
    suppressed: &[(String, String, i64, i64)],
    s: &CompareSummary,
    min_group_size: usize,
) -> String {
    use std::fmt::Write as _;
    let pct = (s.confidence * 100.0).round();
    let mut md = String::from("# Before and after\n\n");
    if min_group_size < wecon_model::DEFAULT_MIN_GROUP_SIZE {
        let _ = writeln!(
            md,
            "**The minimum group size was lowered to {min_group_size} (below the default of {}) \
             on request: groups this small may identify individuals.**\n",
            wecon_model::DEFAULT_MIN_GROUP_SIZE
        );
    }
    let _ = writeln!(
        md,
        "Hours per person-week: baseline {} people (profile `{}`), follow-up {} people (profile `{}`), {} in both. \
         Intervals: {pct}% bootstrap percentile intervals over people ({} resamples, seed {}).\n",
        s.baseline_people,
        s.baseline_profile,
        s.followup_people,
        s.followup_profile,
        s.matched_people,
        s.resamples,
        s.seed
    );
    if s.baseline_profile != s.followup_profile || !s.profile_differences.is_empty() {
        let _ = writeln!(
            md,
            "**The two periods were analysed under different assumptions: differences in them show as changes.** \
             They differ in: {}.\n",
            if s.profile_differences.is_empty() {
                "the profile's name only".to_string()
            } else {
                s.profile_differences.join("; ")
            }
        );
    }
    if s.matched_people == 0 {
        md.push_str(
            "No person is in both periods: were both ingested with the same key? Only the unmatched change is shown.\n\n",
        );
    }
    let mut current = None;
    for r in 0..c.measure.len() {
        let key = (&c.group_by[r], &c.group[r]);
        if current != Some(key) {
            current = Some(key);
            let _ = writeln!(
                md,
                "\n## {} = {} ({} → {} people, {} matched)\n\n\
                 | measure | baseline | follow-up | change [{pct}% CI] | matched change [{pct}% CI] |\n|---|---:|---:|---:|---:|",
                c.group_by[r],
                c.group[r],
                c.baseline_people[r],
                c.followup_people[r],
                c.matched_people[r]
            );
        }
        let matched = match (c.matched_change[r], c.matched_low[r], c.matched_high[r]) {
            (Some(d), Some(l), Some(h)) => format!("{d:+.2} [{l:+.2}, {h:+.2}]"),
            _ => "too few matched people".into(),
        };
        let _ = writeln!(
            md,
            "| {} | {:.2} | {:.2} | {:+.2} [{:+.2}, {:+.2}] | {matched} |",
            c.measure[r],
            c.baseline_hours[r],
            c.followup_hours[r],
            c.change[r],
            c.change_low[r],
            c.change_high[r]
        );
    }
    if !suppressed.is_empty() {
        md.push_str("\n## Not shown (fewer people than the minimum group size in a period)\n\n");
        for (by, g, b, f) in suppressed {
            let _ = writeln!(md, "- {by} = {g}: {b} → {f} people");
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert_eq!(quantile(&v, 0.5), 3.0);
        assert_eq!(quantile(&v, 0.125), 1.5);
        assert!(quantile(&[], 0.5).is_nan());
    }

    #[test]
    fn bootstrap_intervals_hold_the_mean_and_shrink_with_agreement() {
        let mut rng = StdRng::seed_from_u64(7);
        let spread: Vec<[f64; 9]> = (0..50).map(|i| [f64::from(i); 9]).collect();
        let rows: Vec<&[f64; 9]> = spread.iter().collect();
        let ci = interval(1000, 0.95, || means(&resample(&mut rng, &rows)));
        let m = means(&rows)[0];
        assert!(ci[0].0 < m && m < ci[0].1, "{ci:?}");
        let same: Vec<[f64; 9]> = vec![[2.0; 9]; 50];
        let rows: Vec<&[f64; 9]> = same.iter().collect();
        let ci = interval(200, 0.95, || means(&resample(&mut rng, &rows)));
        assert_eq!(ci[3], (2.0, 2.0));
    }
}
