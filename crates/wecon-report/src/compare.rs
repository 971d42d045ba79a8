//! The before/after report of a `wecon compare` folder: the change in hours per
//! person-week per process with its interval, for the organisation and each group shown.

use std::path::Path;

use minijinja::context;
use plotters::prelude::*;
use serde::Serialize;

use crate::tables::read_table;
use crate::{Labels, Lang, ReportError};

/// One measure's change in one group.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub measure: String,
    pub baseline: f64,
    pub followup: f64,
    pub change: f64,
    pub low: f64,
    pub high: f64,
    pub matched: Option<(f64, f64, f64)>,
}

/// A group's changes.
#[derive(Debug, Clone, Serialize)]
pub struct GroupChange {
    pub group_by: String,
    pub group: String,
    pub baseline_people: i64,
    pub followup_people: i64,
    pub matched_people: i64,
    pub changes: Vec<Change>,
}

/// Whether `dir` holds a `wecon compare` result.
pub fn is_compare(dir: &Path) -> bool {
    dir.join("compare.json").is_file() && dir.join("change.parquet").is_file()
}

fn load(dir: &Path) -> Result<(Vec<GroupChange>, serde_json::Value), ReportError> {
    let t = read_table(&dir.join("change.parquet"))?;
    let name = "change";
    let s = |c: &str| t.column_strings(name, c);
    let f = |c: &str| t.column_f64(name, c);
    let (by, group, measure) = (s("group_by")?, s("group")?, s("measure")?);
    let (bp, fp, mp) = (
        f("baseline_people")?,
        f("followup_people")?,
        f("matched_people")?,
    );
    let (bh, fh, ch, lo, hi) = (
        f("baseline_hours")?,
        f("followup_hours")?,
        f("change")?,
        f("change_low")?,
        f("change_high")?,
    );
    // Matched figures are empty (null) when too few people are in both periods.
    let matched_text = s("matched_change")?;
    let (mc, ml, mh) = (f("matched_change")?, f("matched_low")?, f("matched_high")?);
    let mut groups: Vec<GroupChange> = Vec::new();
    for i in 0..by.len() {
        if groups
            .last()
            .is_none_or(|g| g.group_by != by[i] || g.group != group[i])
        {
            groups.push(GroupChange {
                group_by: by[i].clone(),
                group: group[i].clone(),
                baseline_people: bp[i] as i64,
                followup_people: fp[i] as i64,
                matched_people: mp[i] as i64,
                changes: Vec::new(),
            });
        }
        if let Some(g) = groups.last_mut() {
            g.changes.push(Change {
                measure: measure[i].clone(),
                baseline: bh[i],
                followup: fh[i],
                change: ch[i],
                low: lo[i],
                high: hi[i],
                matched: (!matched_text[i].is_empty()).then_some((mc[i], ml[i], mh[i])),
            });
        }
    }
    let info: serde_json::Value =
        serde_json::from_str(&fs_err::read_to_string(dir.join("compare.json"))?)
            .map_err(|e| ReportError::Chart(format!("compare.json: {e}")))?;
    Ok((groups, info))
}

/// The organisation's change per measure, a bar from zero with its interval as a whisker.
fn change_svg(g: &GroupChange, l: &Labels) -> Result<String, ReportError> {
    let err = |e: &dyn std::fmt::Display| ReportError::Chart(e.to_string());
    let rows = &g.changes;
    let n = rows.len().max(1);
    let lo = rows.iter().map(|c| c.low.min(c.change)).fold(0.0, f64::min);
    let hi = rows
        .iter()
        .map(|c| c.high.max(c.change))
        .fold(0.0, f64::max);
    let pad = ((hi - lo) * 0.1).max(0.01);
    let labels: Vec<String> = rows.iter().map(|c| l.name("process", &c.measure)).collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (860, 80 + 26 * n as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(l.get("chart.change"), ("sans-serif", 17))
            .margin(10)
            .margin_right(30)
            .x_label_area_size(30)
            .y_label_area_size(140)
            .build_cartesian_2d((lo - pad)..(hi + pad), 0.0..n as f64)
            .map_err(|e| err(&e))?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n * 2 + 1)
            .y_label_formatter(&|y: &f64| crate::chart::category(&labels, *y))
            .x_label_formatter(&|x: &f64| crate::chart::tick(l, *x))
            .x_desc(l.get("chart.change_axis"))
            .draw()
            .map_err(|e| err(&e))?;
        for (i, c) in rows.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let colour = if c.high < 0.0 || c.low > 0.0 {
                RGBColor(0, 114, 178)
            } else {
                RGBColor(160, 160, 160)
            };
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [
                        (0.0f64.min(c.change), y + 0.25),
                        (0.0f64.max(c.change), y + 0.75),
                    ],
                    colour.mix(0.85).filled(),
                )))
                .map_err(|e| err(&e))?;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(c.low, y + 0.5), (c.high, y + 0.5)],
                    BLACK.stroke_width(2),
                )))
                .map_err(|e| err(&e))?;
        }
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, 0.0), (0.0, n as f64)],
                BLACK,
            )))
            .map_err(|e| err(&e))?;
        root.present().map_err(|e| err(&e))?;
    }
    Ok(svg)
}

pub(crate) const HTML: &str = include_str!("templates/compare.html");

/// Renders a compare folder's before/after page into `out` (`index.html`, the chart as SVG
/// and PNG), atomically.
pub fn write_compare_report(dir: &Path, out: &Path, lang: Lang) -> Result<usize, ReportError> {
    let (groups, info) = load(dir)?;
    let labels = Labels::new(lang)?;
    let svg = match groups.first() {
        Some(g) => change_svg(g, &labels)?,
        None => String::new(),
    };
    let html = crate::environment(&labels)?
        .get_template("compare.html")?
        .render(context! {
            groups => groups,
            info => info,
            chart => svg,
            t => labels.tree(),
            lang => lang.code(),
        })?;
    let partial = wecon_model::atomic::partial_dir(out)?;
    wecon_model::atomic::write_file(&partial.join("index.html"), html)?;
    if !svg.is_empty() {
        fs_err::create_dir_all(partial.join("charts"))?;
        wecon_model::atomic::write_file(&partial.join("charts/change.svg"), &svg)?;
        wecon_model::atomic::write_file(
            &partial.join("charts/change.png"),
            crate::png::png_of(&svg)?,
        )?;
    }
    wecon_model::atomic::replace_dir(&partial, out)?;
    Ok(groups.len())
}
