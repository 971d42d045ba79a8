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
