//! The person-level metrics as the report reads them: summed over each week's people by
//! `wecon analyze` (`week_summary`, `week_distribution`), so a results folder needs no
//! person-level table for its report.

use std::collections::BTreeSet;
use std::path::Path;

use wecon_engine::{DISTRIBUTIONS, WEEK_DISTRIBUTION, WEEK_SUMMARY};

use crate::ReportError;
use crate::sections::optional;

/// One row of `week_summary`.
struct Row {
    table: String,
    week: String,
    key: String,
    measure: String,
    person_weeks: f64,
    people: f64,
    total: f64,
    nonpositive: f64,
}

/// One row of `week_distribution`.
struct Band {
    table: String,
    measure: String,
    week: String,
    low: f64,
    person_weeks: f64,
}

/// A measure summed over some weeks.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Sums {
    pub person_weeks: f64,
    pub total: f64,
    pub nonpositive: f64,
    /// Weeks with any row.
    pub weeks: usize,
}

pub(crate) struct Weeks {
    rows: Vec<Row>,
    bands: Vec<Band>,
}

impl Weeks {
    pub(crate) fn load(results: &Path) -> Result<Self, ReportError> {
        let Some(t) = optional(results, WEEK_SUMMARY)? else {
            return Err(ReportError::Missing(format!(
                "`{}` has no `{WEEK_SUMMARY}` table: analyze the dataset again with this version of wecon",
                results.display()
            )));
        };
        let n = WEEK_SUMMARY;
        let (table, week, key, measure) = (
            t.column_strings(n, "source_table")?,
            t.column_strings(n, "week")?,
            t.column_strings(n, "key")?,
            t.column_strings(n, "measure")?,
        );
        let (person_weeks, people, total, nonpositive) = (
            t.column_f64(n, "person_weeks")?,
            t.column_f64(n, "people")?,
            t.column_f64(n, "total")?,
            t.column_f64(n, "nonpositive")?,
        );
        let rows = (0..table.len())
            .map(|i| Row {
                table: table[i].clone(),
                week: week[i].clone(),
                key: key[i].clone(),
                measure: measure[i].clone(),
                person_weeks: person_weeks[i],
                people: people[i],
                total: total[i],
                nonpositive: nonpositive[i],
            })
            .collect();
        let mut bands = Vec::new();
        if let Some(t) = optional(results, WEEK_DISTRIBUTION)? {
            let n = WEEK_DISTRIBUTION;
            let (table, measure, week) = (
                t.column_strings(n, "source_table")?,
                t.column_strings(n, "measure")?,
                t.column_strings(n, "week")?,
            );
            let (low, person_weeks) = (t.column_f64(n, "low")?, t.column_f64(n, "person_weeks")?);
            bands = (0..table.len())
                .map(|i| Band {
                    table: table[i].clone(),
                    measure: measure[i].clone(),
                    week: week[i].clone(),
                    low: low[i],
                    person_weeks: person_weeks[i],
                })
                .collect();
        }
        Ok(Weeks { rows, bands })
    }

    /// Whether the person-level table was computed.
    pub(crate) fn has(&self, table: &str) -> bool {
        self.rows.iter().any(|r| r.table == table)
    }

    /// Each week's row of a table's measure for a key (`""`: all keys; measure `*`: the
    /// rows themselves).
    fn rows<'a>(
        &'a self,
        table: &'a str,
        key: &'a str,
        measure: &'a str,
    ) -> impl Iterator<Item = &'a Row> {
        self.rows
            .iter()
            .filter(move |r| r.table == table && r.key == key && r.measure == measure)
    }

    /// Each week (`YYYY-MM-DD`) with the people who have time in it.
    pub(crate) fn people_by_week(&self) -> Vec<(String, usize)> {
        self.rows("person_week_process", "", "*")
            .filter(|r| !r.week.is_empty())
            .map(|r| (r.week.clone(), r.people as usize))
            .collect()
    }

    /// The people with time in any week the analysis showed.
    pub(crate) fn people(&self) -> usize {
        self.rows("person_week_process", "", "*")
            .find(|r| r.week.is_empty())
            .map_or(0, |r| r.people as usize)
    }

    /// The person-weeks validation leaves out of group figures, over all weeks.
    pub(crate) fn excluded_person_weeks(&self) -> usize {
        self.rows("validation_exclusions", "", "*")
            .find(|r| r.week.is_empty())
            .map_or(0, |r| r.person_weeks as usize)
    }

    /// Each week's total of a table's measure for a key.
    pub(crate) fn totals_by_week(
        &self,
        table: &str,
        key: &str,
        measure: &str,
    ) -> Vec<(String, f64)> {
        self.rows(table, key, measure)
            .filter(|r| !r.week.is_empty())
            .map(|r| (r.week.clone(), r.total))
            .collect()
    }

    /// Keys of a keyed table (`person_week_process`: the processes).
    pub(crate) fn keys(&self, table: &str) -> BTreeSet<String> {
        self.rows
            .iter()
            .filter(|r| r.table == table && !r.key.is_empty())
            .map(|r| r.key.clone())
            .collect()
    }

    /// A measure summed over the weeks shown.
    pub(crate) fn sum(
        &self,
        table: &str,
        key: &str,
        measure: &str,
        shown: &BTreeSet<String>,
    ) -> Sums {
        let mut s = Sums::default();
        for r in self
            .rows(table, key, measure)
            .filter(|r| shown.contains(&r.week))
        {
            s.person_weeks += r.person_weeks;
            s.total += r.total;
            s.nonpositive += r.nonpositive;
            s.weeks += 1;
        }
        s
    }

    /// Means per person-week of some measures of a table, over the weeks shown.
    pub(crate) fn means(
        &self,
        table: &str,
        measures: &[&str],
        shown: &BTreeSet<String>,
    ) -> Vec<f64> {
        measures
            .iter()
            .map(|m| {
                let s = self.sum(table, "", m, shown);
                s.total / s.person_weeks.max(1.0)
            })
            .collect()
    }

    /// Person-weeks in each band of a measure's values over the weeks shown, labelled
    /// `lo–hi` (the last `lo+`).
    pub(crate) fn histogram(
        &self,
        table: &str,
        measure: &str,
        shown: &BTreeSet<String>,
    ) -> Vec<(String, usize)> {
        let Some((_, _, edges)) = DISTRIBUTIONS
            .iter()
            .find(|(t, m, _)| *t == table && *m == measure)
        else {
            return Vec::new();
        };
        edges
            .iter()
            .enumerate()
            .map(|(i, lo)| {
                let label = match edges.get(i + 1) {
                    Some(hi) => format!("{lo}–{hi}"),
                    None => format!("{lo}+"),
                };
                let n: f64 = self
                    .bands
                    .iter()
                    .filter(|b| {
                        b.table == table
                            && b.measure == measure
                            && b.low == *lo
                            && shown.contains(&b.week)
                    })
                    .map(|b| b.person_weeks)
                    .sum();
                (label, n as usize)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band(week: &str, low: f64, n: f64) -> Band {
        Band {
            table: "person_week_network".into(),
            measure: "internal_network".into(),
            week: week.into(),
            low,
            person_weeks: n,
        }
    }

    #[test]
    fn histograms_have_every_band_and_only_the_weeks_shown() {
        let w = Weeks {
            rows: Vec::new(),
            bands: vec![
                band("2024-01-01", 1.0, 3.0),
                band("2024-01-08", 1.0, 2.0),
                band("2024-01-08", 51.0, 1.0),
            ],
        };
        let shown: BTreeSet<String> = ["2024-01-08".to_string()].into();
        let h = w.histogram("person_week_network", "internal_network", &shown);
        let labels: Vec<&str> = h.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(labels, ["0–1", "1–6", "6–11", "11–21", "21–51", "51+"]);
        let counts: Vec<usize> = h.iter().map(|(_, n)| *n).collect();
        assert_eq!(counts, [0, 2, 0, 0, 0, 1]);
    }
}
