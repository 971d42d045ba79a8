//! Charts drawn with plotters into SVG strings that the HTML report inlines.

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::{Labels, ReportData, ReportError};

/// One colour per process, in `Process::ALL` order (colour-blind-safe Okabe–Ito palette).
pub(crate) const COLOURS: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(213, 94, 0),
    RGBColor(120, 120, 120),
];

fn chart_error(e: impl std::fmt::Display) -> ReportError {
    ReportError::Chart(e.to_string())
}

/// An axis tick in the language's way: up to two decimals, trailing zeros dropped.
pub(crate) fn tick(l: &Labels, v: f64) -> String {
    let s = l.num(v, 2);
    if s.contains(['.', ',']) {
        s.trim_end_matches('0')
            .trim_end_matches(['.', ','])
            .to_string()
    } else {
        s
    }
}

/// The axes of a weekly chart: the weeks along (at most `most` labels), hours per person up.
fn week_mesh(
    chart: &mut ChartContext<'_, SVGBackend<'_>, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    weeks: &[String],
    most: usize,
    l: &Labels,
) -> Result<(), ReportError> {
    chart
        .configure_mesh()
        .x_labels(weeks.len().clamp(2, most))
        .x_label_formatter(&|x| {
            let i = x.round() as usize;
            if (x - i as f64).abs() < 1e-6 {
                weeks.get(i).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|y| tick(l, *y))
        .x_desc(l.get("chart.week_axis"))
        .y_desc(l.get("chart.hours_per_person"))
        .draw()
        .map_err(chart_error)
}

/// Hours per person per week, stacked by process.
pub(crate) fn weekly_svg(data: &ReportData, l: &Labels) -> Result<String, ReportError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (860, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let (plot, legend) = root.split_horizontally(720);
        let n = data.weeks.len();
        let stacked: Vec<Vec<f64>> = data
            .weeks
            .iter()
            .map(|w| {
                w.hours
                    .iter()
                    .scan(0.0, |acc, h| {
                        *acc += h;
                        Some(*acc)
                    })
                    .collect()
            })
            .collect();
        let top = stacked
            .iter()
            .filter_map(|s| s.last().copied())
            .fold(0.0, f64::max)
            .max(1.0)
            * 1.1;
        let x_max = (n.max(2) - 1) as f64;
        let labels: Vec<String> = data.weeks.iter().map(|w| w.week.clone()).collect();
        let mut chart = ChartBuilder::on(&plot)
            .caption(l.get("chart.trend"), ("sans-serif", 18))
            .margin(12)
            .margin_right(28)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..x_max, 0.0..top)
            .map_err(chart_error)?;
        week_mesh(&mut chart, &labels, 12, l)?;
        // Draw from the top layer down so each lower layer covers the one above it.
        for k in (0..COLOURS.len()).rev() {
            let points: Vec<(f64, f64)> = stacked
                .iter()
                .enumerate()
                .map(|(i, s)| (i as f64, s[k]))
                .collect();
            if data.weeks.iter().all(|w| w.hours[k] == 0.0) {
                continue;
            }
            let colour = COLOURS[k];
            chart
                .draw_series(AreaSeries::new(points, 0.0, colour.mix(0.85)).border_style(colour))
                .map_err(chart_error)?;
        }
        // The legend beside the plot, in stacking order (top layer first).
        let mut y = 60;
        for k in (0..COLOURS.len()).rev() {
            if data.weeks.iter().all(|w| w.hours[k] == 0.0) {
                continue;
            }
            legend
                .draw(&Rectangle::new(
                    [(8, y), (22, y + 14)],
                    COLOURS[k].mix(0.85).filled(),
                ))
                .map_err(chart_error)?;
            let name = l.name("process", wecon_model::Process::ALL[k].as_str());
            legend
                .draw(&Text::new(name, (30, y + 1), ("sans-serif", 14)))
                .map_err(chart_error)?;
            y += 24;
        }
        root.present().map_err(chart_error)?;
    }
    Ok(svg)
}

/// A blue for single-series charts.
const BAR: RGBColor = RGBColor(0, 114, 178);

/// The label of the category row a y value (its centre, `i + 0.5`) falls on, rows listed
/// top to bottom; empty between rows.
pub(crate) fn category(labels: &[String], y: f64) -> String {
    let k = y - 0.5;
    let i = k.round();
    if (k - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
        labels[labels.len() - 1 - i as usize].clone()
    } else {
        String::new()
    }
}

/// One row of a horizontal bar chart: its label and its segments (from, to, colour).
type Row = (String, Vec<(f64, f64, RGBColor)>);

/// Horizontal bars, a row per label (top to bottom), each of one or more segments; with a
/// legend of the segments' colours on the right when `legend` names them.
fn rows_svg(
    l: &Labels,
    title: &str,
    rows: &[Row],
    unit: &str,
    legend: &[(String, RGBColor)],
) -> Result<String, ReportError> {
    let mut svg = String::new();
    let n = rows.len().max(1);
    let height = (80 + 26 * n as u32).max(if legend.is_empty() {
        0
    } else {
        60 + 24 * legend.len() as u32
    });
    {
        let whole = SVGBackend::with_string(&mut svg, (860, height)).into_drawing_area();
        whole.fill(&WHITE).map_err(chart_error)?;
        let (root, key) = whole.split_horizontally(if legend.is_empty() { 860 } else { 720 });
        let mut y = 50;
        for (name, colour) in legend {
            key.draw(&Rectangle::new(
                [(8, y), (22, y + 14)],
                colour.mix(0.85).filled(),
            ))
            .map_err(chart_error)?;
            key.draw(&Text::new(name.as_str(), (30, y + 1), ("sans-serif", 14)))
                .map_err(chart_error)?;
            y += 24;
        }
        let top = rows
            .iter()
            .flat_map(|r| r.1.iter().map(|s| s.1))
            .fold(0.0, f64::max)
            .max(1e-9)
            * 1.15;
        let labels: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 17))
            .margin(10)
            .margin_right(30)
            .x_label_area_size(30)
            .y_label_area_size(200)
            .build_cartesian_2d(0.0..top, 0.0..n as f64)
            .map_err(chart_error)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n * 2 + 1)
            .y_label_formatter(&|y: &f64| category(&labels, *y))
            .x_label_formatter(&|x: &f64| tick(l, *x))
            .x_desc(unit)
            .draw()
            .map_err(chart_error)?;
        for (i, (_, segments)) in rows.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            chart
                .draw_series(segments.iter().filter(|s| s.1 > s.0).map(|(a, b, c)| {
                    Rectangle::new([(*a, y + 0.15), (*b, y + 0.85)], c.mix(0.85).filled())
                }))
                .map_err(chart_error)?;
        }
        whole.present().map_err(chart_error)?;
    }
    Ok(svg)
}

/// Horizontal bars, one per labelled value.
pub(crate) fn bars_svg(
    l: &Labels,
    title: &str,
    items: &[(String, f64)],
    unit: &str,
) -> Result<String, ReportError> {
    let rows: Vec<Row> = items
        .iter()
        .map(|(name, v)| (name.clone(), vec![(0.0, *v, BAR)]))
        .collect();
    rows_svg(l, title, &rows, unit, &[])
}

/// One horizontal bar per group, stacked by process.
pub(crate) fn groups_svg(
    groups: &[crate::sections::GroupHours],
    l: &Labels,
) -> Result<String, ReportError> {
    let rows: Vec<Row> = groups
        .iter()
        .map(|g| {
            let mut at = 0.0;
            let segments = g
                .hours
                .iter()
                .zip(COLOURS)
                .map(|(h, c)| {
                    at += h;
                    (at - h, at, c)
                })
                .collect();
            (g.group.clone(), segments)
        })
        .collect();
    // The processes some group has hours in.
    let legend: Vec<(String, RGBColor)> = wecon_model::Process::ALL
        .iter()
        .zip(COLOURS)
        .enumerate()
        .filter(|(k, _)| {
            groups
                .iter()
                .any(|g| g.hours.get(*k).is_some_and(|h| *h > 0.0))
        })
        .map(|(_, (p, c))| (l.name("process", p.as_str()), c))
        .collect();
    rows_svg(
        l,
        l.get("chart.groups"),
        &rows,
        l.get("chart.hours_ppw"),
        &legend,
    )
}

/// Weekday × hour heat map of hours per person-week; hidden cells grey.
pub(crate) fn heatmap_svg(heat: &[Vec<Option<f64>>], l: &Labels) -> Result<String, ReportError> {
    let days: Vec<String> = l
        .get("chart.days")
        .split_whitespace()
        .map(String::from)
        .collect();
    let hours: Vec<String> = (0..24).map(|h| format!("{h:02}")).collect();
    matrix_svg(
        l,
        l.get("chart.heatmap"),
        &days,
        &hours,
        heat,
        l.get("chart.hour_of_day"),
        false,
    )
}

/// Interactions per person-week of each group (rows) with each group (columns).
pub(crate) fn collaboration_svg(
    c: &crate::sections::Collaboration,
    l: &Labels,
) -> Result<String, ReportError> {
    let cells: Vec<Vec<Option<f64>>> = c
        .interactions
        .iter()
        .map(|r| r.iter().map(|v| Some(*v)).collect())
        .collect();
    matrix_svg(
        l,
        &l.fill("chart.collaboration", std::slice::from_ref(&c.attribute)),
        &c.groups,
        &c.with,
        &cells,
        l.get("chart.with"),
        true,
    )
}

/// A matrix of shaded cells, rows top to bottom and columns left to right, darker for more;
/// `None` cells (hidden) grey. With `values`, each cell shows its number.
fn matrix_svg(
    l: &Labels,
    title: &str,
    rows: &[String],
    columns: &[String],
    cells: &[Vec<Option<f64>>],
    x_desc: &str,
    values: bool,
) -> Result<String, ReportError> {
    let mut svg = String::new();
    let (n_rows, n_cols) = (rows.len().max(1), columns.len().max(1));
    let label_width = rows
        .iter()
        .map(|r| r.chars().count() as u32 * 8 + 16)
        .max()
        .unwrap_or(50)
        .clamp(50, 220);
    let height = (110 + 32 * n_rows as u32).max(300);
    {
        let root = SVGBackend::with_string(&mut svg, (860, height)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let top = cells
            .iter()
            .flatten()
            .flatten()
            .copied()
            .fold(0.0, f64::max)
            .max(1e-9);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 17))
            .margin(10)
            .margin_right(20)
            .x_label_area_size(40)
            .y_label_area_size(label_width)
            .build_cartesian_2d(0.0..n_cols as f64, 0.0..n_rows as f64)
            .map_err(chart_error)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(n_cols * 2 + 1)
            .x_label_formatter(&|x: &f64| {
                let k = x - 0.5;
                let i = k.round();
                if (k - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < columns.len() {
                    columns[i as usize].clone()
                } else {
                    String::new()
                }
            })
            .y_labels(n_rows * 2 + 1)
            .y_label_formatter(&|y: &f64| category(rows, *y))
            .x_desc(x_desc)
            .draw()
            .map_err(chart_error)?;
        for (r, row) in cells.iter().enumerate().take(n_rows) {
            let y = (n_rows - 1 - r) as f64;
            for (c, v) in row.iter().enumerate().take(n_cols) {
                let x = c as f64;
                let t = v.map(|v| (v / top).clamp(0.0, 1.0));
                let style = match t {
                    Some(t) => {
                        let c = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
                        RGBColor(c(247.0, 8.0), c(251.0, 69.0), c(255.0, 148.0)).filled()
                    }
                    None => RGBColor(200, 200, 200).filled(),
                };
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x + 0.04, y + 0.06), (x + 0.96, y + 0.94)],
                        style,
                    )))
                    .map_err(chart_error)?;
                if let (true, Some(v), Some(t)) = (values, v, t) {
                    let ink = if t > 0.55 { WHITE } else { BLACK };
                    let text = l.num(*v, 1);
                    let style = ("sans-serif", 13)
                        .into_font()
                        .color(&ink)
                        .pos(Pos::new(HPos::Center, VPos::Center));
                    chart
                        .draw_series(std::iter::once(Text::new(text, (x + 0.5, y + 0.5), style)))
                        .map_err(chart_error)?;
                }
            }
        }
        root.present().map_err(chart_error)?;
    }
    Ok(svg)
}

/// Each group's hours per person per week (all processes), a line per group.
pub(crate) fn group_trend_svg(
    groups: &[crate::sections::GroupHours],
    l: &Labels,
) -> Result<String, ReportError> {
    let weeks: Vec<String> = groups
        .iter()
        .flat_map(|g| g.trend.iter().map(|(w, _)| w.clone()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (860, 360)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let (plot, legend) = root.split_horizontally(700);
        let top = groups
            .iter()
            .flat_map(|g| g.trend.iter().map(|t| t.1))
            .fold(0.0, f64::max)
            .max(1.0)
            * 1.1;
        let n = weeks.len();
        let mut chart = ChartBuilder::on(&plot)
            .caption(
                l.fill(
                    "chart.group_trend",
                    &[groups
                        .first()
                        .map(|g| g.attribute.clone())
                        .unwrap_or_default()],
                ),
                ("sans-serif", 17),
            )
            .margin(12)
            .margin_right(28)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..(n.max(2) - 1) as f64, 0.0..top)
            .map_err(chart_error)?;
        week_mesh(&mut chart, &weeks, 10, l)?;
        let mut y = 50;
        for (k, g) in groups.iter().enumerate() {
            let colour = COLOURS[k % COLOURS.len()];
            let points: Vec<(f64, f64)> = g
                .trend
                .iter()
                .filter_map(|(w, h)| weeks.iter().position(|x| x == w).map(|i| (i as f64, *h)))
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))
                .map_err(chart_error)?;
            chart
                .draw_series(points.iter().map(|p| Circle::new(*p, 3, colour.filled())))
                .map_err(chart_error)?;
            legend
                .draw(&Rectangle::new([(8, y + 5), (22, y + 9)], colour.filled()))
                .map_err(chart_error)?;
            legend
                .draw(&Text::new(g.group.clone(), (30, y), ("sans-serif", 14)))
                .map_err(chart_error)?;
            y += 22;
        }
        root.present().map_err(chart_error)?;
    }
    Ok(svg)
}

/// The surplus as a waterfall: each lever's hours added up, the time several levers counted
/// twice taken off, and what remains reclaimable.
pub(crate) fn waterfall_svg(
    s: &crate::sections::Surplus,
    l: &Labels,
) -> Result<String, ReportError> {
    let mut rows: Vec<Row> = Vec::new();
    let mut at = 0.0;
    for lever in &s.levers {
        rows.push((
            l.name("lever", &lever.name),
            vec![(at, at + lever.value, RGBColor(213, 94, 0))],
        ));
        at += lever.value;
    }
    rows.push((
        l.get("chart.counted_twice").to_string(),
        vec![(at - s.overlap_hours, at, RGBColor(150, 150, 150))],
    ));
    rows.push((
        l.get("chart.reclaimable").to_string(),
        vec![(0.0, s.reclaimable_hours, RGBColor(0, 158, 115))],
    ));
    rows_svg(
        l,
        l.get("chart.waterfall"),
        &rows,
        l.get("chart.hours_ppw"),
        &[],
    )
}
