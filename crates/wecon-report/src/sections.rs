//! The report's sections beyond the summary and trend: groups, meetings, working patterns,
//! network, surplus, and the data-quality counts, each computed from the results tables
//! (organisation-wide figures over the weeks the minimum group size lets through; group
//! figures only for groups the group queries kept).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use crate::ReportError;
use crate::tables::{Table, read_table};
use crate::weeks::Weeks;

/// A table if the results have it (older results folders, or queries not run).
pub(crate) fn optional(results: &Path, name: &str) -> Result<Option<Table>, ReportError> {
    let path = results.join(format!("{name}.parquet"));
    if path.is_file() {
        Ok(Some(read_table(&path)?))
    } else {
        Ok(None)
    }
}

/// A named figure per person-week.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Measure {
    pub name: String,
    pub value: f64,
}

fn measures(names: &[&str], values: Vec<f64>) -> Vec<Measure> {
    names
        .iter()
        .zip(values)
        .map(|(n, v)| Measure {
            name: n.to_string(),
            value: v,
        })
        .collect()
}

/// One group's average week.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GroupHours {
    pub attribute: String,
    pub group: String,
    /// Average active people over the weeks shown.
    pub people: f64,
    pub weeks: usize,
    /// Hours per person-week per process, in `Process::ALL` order.
    pub hours: Vec<f64>,
    /// Each shown week and the group's hours per person that week (all processes).
    pub trend: Vec<(String, f64)>,
}

/// Groups from `group_week_process`: its rows are only groups of at least the minimum size.
pub(crate) fn groups(results: &Path) -> Result<Vec<GroupHours>, ReportError> {
    let Some(t) = optional(results, "group_week_process")? else {
        return Ok(Vec::new());
    };
    let name = "group_week_process";
    let attributes: Vec<String> = t
        .columns
        .iter()
        .filter(|c| !["week", "process", "hours_per_person", "people"].contains(&c.as_str()))
        .cloned()
        .collect();
    let week = t.column_strings(name, "week")?;
    let process = t.column_strings(name, "process")?;
    let hours = t.column_f64(name, "hours_per_person")?;
    let people = t.column_f64(name, "people")?;
    let keys = group_keys(&t, name, &attributes)?;
    let attribute = attributes.join(", ");
    // (group) → week → (people, hours per process)
    let mut by: BTreeMap<String, BTreeMap<&str, (f64, Vec<f64>)>> = BTreeMap::new();
    for (i, group) in keys.into_iter().enumerate() {
        let Some(k) = wecon_model::Process::ALL
            .iter()
            .position(|p| p.as_str() == process[i])
        else {
            continue;
        };
        let e = by
            .entry(group)
            .or_default()
            .entry(&week[i])
            .or_insert_with(|| (people[i], vec![0.0; wecon_model::Process::ALL.len()]));
        e.1[k] += hours[i];
    }
    Ok(by
        .into_iter()
        .map(|(group, weeks)| {
            let n = weeks.len() as f64;
            let mut hours = vec![0.0; wecon_model::Process::ALL.len()];
            let mut people = 0.0;
            for (p, h) in weeks.values() {
                people += p;
                for (a, b) in hours.iter_mut().zip(h) {
                    *a += b;
                }
            }
            GroupHours {
                attribute: attribute.clone(),
                group,
                people: people / n,
                weeks: weeks.len(),
                hours: hours.iter().map(|h| h / n).collect(),
                trend: weeks
                    .iter()
                    .map(|(w, (_, h))| (w.to_string(), h.iter().sum()))
                    .collect(),
            }
        })
        .collect())
}

/// Meetings: the mix per person-week, the distribution of meeting hours, and how far ahead
/// meetings are planned.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Meetings {
    pub mix: Vec<Measure>,
    pub load: Vec<(String, usize)>,
    /// Notice bands in order: meeting hours per person-week, `None` where fewer people than
    /// the minimum group size have such meetings.
    pub notice: Vec<(String, Option<f64>)>,
}

pub(crate) fn meetings(
    results: &Path,
    w: &Weeks,
    weeks: &BTreeSet<String>,
    person_weeks: usize,
    min_group_size: usize,
) -> Result<Meetings, ReportError> {
    let mut out = Meetings::default();
    if let Some(t) = optional(results, "meeting_notice")? {
        let name = "meeting_notice";
        let band = t.column_strings(name, "notice")?;
        let hours = t.column_f64(name, "hours_per_person_week")?;
        let people = t.column_f64(name, "people")?;
        out.notice = (0..band.len())
            .map(|i| {
                let shown = people[i] as usize >= min_group_size;
                (band[i].clone(), shown.then_some(hours[i]))
            })
            .collect();
    }
    if w.has("person_week_meeting_quality") {
        let names = [
            "meeting_hours",
            "small_hours",
            "large_hours",
            "large_attended_hours",
            "long_hours",
            "recurring_hours",
            "short_notice_hours",
            "notice_unknown_hours",
            "organised_hours",
            "online_hours",
            "redundant_hours",
        ];
        out.mix = measures(
            &names,
            w.means("person_week_meeting_quality", &names, weeks),
        );
    }
    if w.has("person_week_meetings") {
        let names = ["adjusted_hours", "conflicting_hours"];
        out.mix.extend(measures(
            &names,
            w.means("person_week_meetings", &names, weeks),
        ));
        out.load = w.histogram("person_week_meetings", "adjusted_hours", weeks);
    }
    // Rows only where someone wrote during their meetings: over every person-week shown.
    if w.has("person_week_multitasking") {
        let s = w.sum("person_week_multitasking", "", "multitasking_hours", weeks);
        out.mix.push(Measure {
            name: "multitasking_hours".into(),
            value: s.total / person_weeks.max(1) as f64,
        });
    }
    Ok(out)
}

/// Working patterns: focus and fragmentation, after-hours time, and the week's heat map.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Patterns {
    pub focus: Vec<Measure>,
    pub after_hours: Vec<Measure>,
    /// `heat[weekday 0..7][hour 0..24]`: hours per person-week, `None` where fewer people
    /// than the minimum group size have time in the slot.
    pub heat: Vec<Vec<Option<f64>>>,
    pub heat_hidden: usize,
    /// Share (0–1) of person-weeks without a 2-hour block free of meetings (legacy focus).
    pub no_focus_share: f64,
}

pub(crate) fn patterns(
    results: &Path,
    w: &Weeks,
    weeks: &BTreeSet<String>,
    min_group_size: usize,
) -> Result<Patterns, ReportError> {
    let mut out = Patterns::default();
    if w.has("person_week_focus") {
        let names = [
            "working_hours",
            "interrupted_hours",
            "focus_hours",
            "fragmented_hours",
            "legacy_focus_hours",
        ];
        out.focus = measures(&names, w.means("person_week_focus", &names, weeks));
        let legacy = w.sum("person_week_focus", "", "legacy_focus_hours", weeks);
        out.no_focus_share = legacy.nonpositive / legacy.person_weeks.max(1.0);
    }
    if w.has("person_week_after_hours") {
        let names = [
            "after_hours",
            "after_hours_meetings",
            "after_hours_messages",
        ];
        out.after_hours = measures(&names, w.means("person_week_after_hours", &names, weeks));
    }
    if let Some(t) = optional(results, "activity_heatmap")? {
        let name = "activity_heatmap";
        let day = t.column_f64(name, "weekday")?;
        let hour = t.column_f64(name, "hour")?;
        let h = t.column_f64(name, "hours_per_person_week")?;
        let people = t.column_f64(name, "people")?;
        out.heat = vec![vec![Some(0.0); 24]; 7];
        for i in 0..day.len() {
            let (d, hr) = (day[i] as usize, hour[i] as usize);
            if !(1..=7).contains(&d) || hr > 23 {
                continue;
            }
            if (people[i] as usize) < min_group_size {
                out.heat[d - 1][hr] = None;
                out.heat_hidden += 1;
            } else {
                out.heat[d - 1][hr] = Some(h[i]);
            }
        }
    }
    Ok(out)
}

/// Interactions between groups: each shown group's meaningful interactions per person-week
/// with each other group (rows: the groups; columns: the same groups that have at least the
/// minimum size in the roster, then people outside the organisation and internal addresses
/// the roster lacks).
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct Collaboration {
    pub attribute: String,
    pub groups: Vec<String>,
    pub with: Vec<String>,
    /// `interactions[group][with]`, per person-week of the group, over the weeks it is shown.
    pub interactions: Vec<Vec<f64>>,
    /// Distinct people met, likewise.
    pub contacts: Vec<Vec<f64>>,
}

/// The group of each row of a group table: its attribute columns' values joined.
fn group_keys(t: &Table, table: &str, attributes: &[String]) -> Result<Vec<String>, ReportError> {
    let values: Vec<Vec<String>> = attributes
        .iter()
        .map(|a| t.column_strings(table, a))
        .collect::<Result<_, _>>()?;
    Ok((0..t.rows.len())
        .map(|i| {
            values
                .iter()
                .map(|v| v[i].as_str())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect())
}

/// From `group_collaboration`, averaged over each group's shown weeks (`groups`: a group
/// with no interaction in a shown week counts that week as zero).
pub(crate) fn collaboration(
    results: &Path,
    groups: &[GroupHours],
) -> Result<Collaboration, ReportError> {
    let name = "group_collaboration";
    let Some(t) = optional(results, name)? else {
        return Ok(Collaboration::default());
    };
    let attributes: Vec<String> = t
        .columns
        .iter()
        .filter(|c| {
            !c.starts_with("with_")
                && ![
                    "week",
                    "interactions_per_person",
                    "contacts_per_person",
                    "people",
                ]
                .contains(&c.as_str())
        })
        .cloned()
        .collect();
    let with_attributes: Vec<String> = attributes.iter().map(|a| format!("with_{a}")).collect();
    let group = group_keys(&t, name, &attributes)?;
    let with = group_keys(&t, name, &with_attributes)?;
    let interactions = t.column_f64(name, "interactions_per_person")?;
    let contacts = t.column_f64(name, "contacts_per_person")?;
    let weeks: BTreeMap<&str, usize> = groups.iter().map(|g| (g.group.as_str(), g.weeks)).collect();
    let rows: Vec<String> = groups.iter().map(|g| g.group.clone()).collect();
    // Groups first, in the rows' order, then the outside columns.
    let mut columns: Vec<String> = rows.iter().filter(|g| with.contains(g)).cloned().collect();
    for w in &with {
        if !columns.contains(w) {
            columns.push(w.clone());
        }
    }
    let mut out = Collaboration {
        attribute: attributes.join(", "),
        interactions: vec![vec![0.0; columns.len()]; rows.len()],
        contacts: vec![vec![0.0; columns.len()]; rows.len()],
        groups: rows,
        with: columns,
    };
    for i in 0..group.len() {
        let (Some(r), Some(c)) = (
            out.groups.iter().position(|g| *g == group[i]),
            out.with.iter().position(|g| *g == with[i]),
        ) else {
            continue;
        };
        let n = weeks[group[i].as_str()].max(1) as f64;
        out.interactions[r][c] += interactions[i] / n;
        out.contacts[r][c] += contacts[i] / n;
    }
    Ok(out)
}

/// Network sizes: means and the distribution of internal network sizes.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Network {
    pub means: Vec<Measure>,
    pub internal: Vec<(String, usize)>,
    pub external: Vec<(String, usize)>,
}

pub(crate) fn network(w: &Weeks, weeks: &BTreeSet<String>) -> Network {
    let name = "person_week_network";
    if !w.has(name) {
        return Network::default();
    }
    let names = ["internal_network", "external_network", "interactions"];
    Network {
        means: measures(&names, w.means(name, &names, weeks)),
        internal: w.histogram(name, "internal_network", weeks),
        external: w.histogram(name, "external_network", weeks),
    }
}

/// The surplus: each lever's hours per person-week, the overlap between them, the
/// reclaimable total, and what that is as FTE, cost and care.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Surplus {
    pub timed_hours: f64,
    pub levers: Vec<Measure>,
    pub lever_hours: f64,
    pub overlap_hours: f64,
    pub reclaimable_hours: f64,
    pub focus_regained_hours: f64,
    /// Per week, averaged over the weeks shown: the organisation's totals.
    pub fte: f64,
    pub cost: f64,
    pub candidates: Option<Table>,
    pub redistribution: Option<Table>,
}

pub(crate) fn surplus(
    results: &Path,
    w: &Weeks,
    weeks: &BTreeSet<String>,
) -> Result<Surplus, ReportError> {
    let mut out = Surplus::default();
    let name = "surplus_person_week";
    if !w.has(name) {
        return Ok(out);
    }
    let m = w.means(
        name,
        &[
            "timed_hours",
            "lever_hours",
            "reclaimable_hours",
            "focus_regained_hours",
        ],
        weeks,
    );
    (
        out.timed_hours,
        out.lever_hours,
        out.reclaimable_hours,
        out.focus_regained_hours,
    ) = (m[0], m[1], m[2], m[3]);
    out.overlap_hours = (out.lever_hours - out.reclaimable_hours).max(0.0);
    let rows = w.sum(name, "", "*", weeks);
    let n_weeks = rows.weeks.max(1) as f64;
    for (col, target) in [("fte", &mut out.fte), ("cost", &mut out.cost)] {
        *target = w.sum(name, "", col, weeks).total / n_weeks;
    }
    let person_weeks = rows.person_weeks.max(1.0);
    let lever_table = "surplus_person_week_lever";
    let mut levers: Vec<Measure> = w
        .keys(lever_table)
        .into_iter()
        .filter_map(|lever| {
            let s = w.sum(lever_table, &lever, "hours", weeks);
            (s.weeks > 0).then(|| Measure {
                value: s.total / person_weeks,
                name: lever,
            })
        })
        .collect();
    levers.sort_by(|a, b| b.value.total_cmp(&a.value).then(a.name.cmp(&b.name)));
    out.levers = levers;
    out.candidates = optional(results, "shared_service_candidates")?;
    out.redistribution = optional(results, "surplus_redistribution")?;
    Ok(out)
}

/// Validation: the checks that found something, how many, and the person-weeks left out of
/// group figures (counts only: the subjects are people).
#[derive(Debug, Clone, Serialize, Default)]
pub struct Quality {
    pub checks: Vec<(String, usize)>,
    pub excluded_person_weeks: usize,
}

pub(crate) fn quality(results: &Path, w: &Weeks) -> Result<Quality, ReportError> {
    let mut out = Quality::default();
    let name = wecon_engine::VALIDATION_SUMMARY;
    if let Some(t) = optional(results, name)? {
        let checks = t.column_strings(name, "check")?;
        let findings = t.column_f64(name, "findings")?;
        out.checks = checks
            .into_iter()
            .zip(findings)
            .map(|(c, n)| (c, n as usize))
            .collect();
    }
    out.excluded_person_weeks = w.excluded_person_weeks();
    Ok(out)
}
