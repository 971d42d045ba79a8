//! Charts drawn with plotters into SVG strings that the HTML report inlines.

use plotters::prelude::*;

use crate::{ReportData, ReportError};

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

/// Hours per person per week, stacked by process.
pub(crate) fn weekly_svg(data: &ReportData) -> Result<String, ReportError> {
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
            .caption(
                "Hours per person per week, by information process",
                ("sans-serif", 18),
            )
            .margin(12)
            .margin_right(28)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..x_max, 0.0..top)
            .map_err(chart_error)?;
        chart
            .configure_mesh()
            .x_labels(n.clamp(2, 12))
            .x_label_formatter(&|x| {
                let i = x.round() as usize;
                if (x - i as f64).abs() < 1e-6 {
                    labels.get(i).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .x_desc("week starting (UTC)")
            .y_desc("hours per person")
            .draw()
            .map_err(chart_error)?;
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
            let name = wecon_model::Process::ALL[k].as_str();
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

/// Horizontal bars, one per labelled value, largest scale first.
pub(crate) fn bars_svg(
    title: &str,
    items: &[(String, f64)],
    unit: &str,
) -> Result<String, ReportError> {
    let mut svg = String::new();
    let height = 70 + 26 * items.len().max(1) as u32;
    {
        let root = SVGBackend::with_string(&mut svg, (860, height)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let top = items.iter().map(|i| i.1).fold(0.0, f64::max).max(1e-9) * 1.15;
        let n = items.len().max(1);
        let labels: Vec<String> = items.iter().map(|i| i.0.clone()).collect();
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
            .y_label_formatter(&|y| {
                let k = y - 0.5;
                let i = k.round();
                if (k - i).abs() < 1e-6 && i >= 0.0 {
                    labels.get(n - 1 - i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .x_desc(unit)
            .draw()
            .map_err(chart_error)?;
        chart
            .draw_series(items.iter().enumerate().map(|(i, (_, v))| {
                let y = (n - 1 - i) as f64;
                Rectangle::new([(0.0, y + 0.15), (*v, y + 0.85)], BAR.mix(0.85).filled())
            }))
            .map_err(chart_error)?;
        root.present().map_err(chart_error)?;
    }
    Ok(svg)
}

/// One horizontal bar per group, stacked by process.
pub(crate) fn groups_svg(groups: &[crate::sections::GroupHours]) -> Result<String, ReportError> {
    let mut svg = String::new();
    let height = 90 + 30 * groups.len().max(1) as u32;
    {
        let root = SVGBackend::with_string(&mut svg, (860, height)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let n = groups.len().max(1);
        let top = groups
            .iter()
            .map(|g| g.hours.iter().sum::<f64>())
            .fold(0.0, f64::max)
            .max(1e-9)
            * 1.15;
        let labels: Vec<String> = groups.iter().map(|g| g.group.clone()).collect();
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Hours per person-week in each group, by process",
                ("sans-serif", 17),
            )
            .margin(10)
            .margin_right(30)
            .x_label_area_size(30)
            .y_label_area_size(160)
            .build_cartesian_2d(0.0..top, 0.0..n as f64)
            .map_err(chart_error)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n * 2 + 1)
            .y_label_formatter(&|y| {
                let k = y - 0.5;
                let i = k.round();
                if (k - i).abs() < 1e-6 && i >= 0.0 {
                    labels.get(n - 1 - i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .x_desc("hours per person-week")
            .draw()
            .map_err(chart_error)?;
        for (i, g) in groups.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let mut x = 0.0;
            for (k, h) in g.hours.iter().enumerate() {
                if *h <= 0.0 {
                    continue;
                }
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x, y + 0.15), (x + h, y + 0.85)],
                        COLOURS[k].mix(0.85).filled(),
                    )))
                    .map_err(chart_error)?;
                x += h;
            }
        }
        root.present().map_err(chart_error)?;
    }
    Ok(svg)
}

/// Weekday × hour heat map of hours per person-week; hidden cells hatched grey.
pub(crate) fn heatmap_svg(heat: &[Vec<Option<f64>>]) -> Result<String, ReportError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (860, 300)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let top = heat
            .iter()
            .flatten()
            .flatten()
            .copied()
            .fold(0.0, f64::max)
            .max(1e-9);
        const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "When counted time falls (people's own time zones), hours per person-week",
                ("sans-serif", 17),
            )
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..24.0, 0.0..7.0)
            .map_err(chart_error)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(13)
            .x_label_formatter(&|x: &f64| format!("{:02}", x.round() as i64))
            .y_labels(15)
            .y_label_formatter(&|y: &f64| {
                let k = y - 0.5;
                let i = k.round();
                if (k - i).abs() < 1e-6 && (0.0..7.0).contains(&i) {
                    DAYS[6 - i as usize].to_string()
                } else {
                    String::new()
                }
            })
            .x_desc("hour of the day")
            .draw()
            .map_err(chart_error)?;
        for (d, row) in heat.iter().enumerate().take(7) {
            let y = (6 - d) as f64;
            for (h, v) in row.iter().enumerate().take(24) {
                let x = h as f64;
                let style = match v {
                    Some(v) => {
                        let t = (v / top).clamp(0.0, 1.0);
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
            }
        }
        root.present().map_err(chart_error)?;
    }
    Ok(svg)
}

/// The surplus as a waterfall: each lever's hours added up, the time several levers counted
/// twice taken off, and what remains reclaimable.
pub(crate) fn waterfall_svg(s: &crate::sections::Surplus) -> Result<String, ReportError> {
    // (label, start, end, colour)
    let mut steps: Vec<(String, f64, f64, RGBColor)> = Vec::new();
    // Build it the readable way: from zero up, lever by lever, then the overlap back down.
    let mut at = 0.0;
    for l in &s.levers {
        steps.push((l.name.clone(), at, at + l.value, RGBColor(213, 94, 0)));
        at += l.value;
    }
    steps.push((
        "counted twice (removed)".into(),
        at - s.overlap_hours,
        at,
        RGBColor(150, 150, 150),
    ));
    steps.push((
        "reclaimable".into(),
        0.0,
        s.reclaimable_hours,
        RGBColor(0, 158, 115),
    ));
    let mut svg = String::new();
    let n = steps.len().max(1);
    let height = 80 + 26 * n as u32;
    {
        let root = SVGBackend::with_string(&mut svg, (860, height)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let top = steps.iter().map(|s| s.2).fold(0.0, f64::max).max(1e-9) * 1.1;
        let labels: Vec<String> = steps.iter().map(|s| s.0.clone()).collect();
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Reclaimable hours per person-week, lever by lever",
                ("sans-serif", 17),
            )
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
            .y_label_formatter(&|y| {
                let k = y - 0.5;
                let i = k.round();
                if (k - i).abs() < 1e-6 && i >= 0.0 {
                    labels.get(n - 1 - i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .x_desc("hours per person-week")
            .draw()
            .map_err(chart_error)?;
        chart
            .draw_series(steps.iter().enumerate().map(|(i, (_, a, b, c))| {
                let y = (n - 1 - i) as f64;
                Rectangle::new([(*a, y + 0.15), (*b, y + 0.85)], c.mix(0.85).filled())
            }))
            .map_err(chart_error)?;
        root.present().map_err(chart_error)?;
    }
    Ok(svg)
}
