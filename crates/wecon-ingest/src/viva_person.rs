//! Viva Insights / Workplace Analytics person query exports: one CSV row per person and
//! week, one column per metric Viva computed (`Collaboration_hours`, `Meeting_hours`,
//! `Email_hours`, ...), then the person's HR attributes.
//!
//! Organisations that already have Viva can bring its figures into wecon: each numeric
//! metric becomes a row of the dataset's `imported_metrics` table (person, week, metric,
//! value), beside wecon's own; the HR columns become the person's `people` row
//! (`Organization` as unit, `LevelDesignation`, `FunctionType`, `TimeZone`, `HourlyRate`;
//! the others as attributes). Column-name variants are read alike: `Date` or `MetricDate`,
//! `_hrs` or `_hours`, any case; dates as `M/D/YYYY`, `D/M/YYYY`, `YYYY-MM-DD` or
//! `D.M.YYYY`, whichever reads every row of the file.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::NaiveDate;
use wecon_model::Pseudonymiser;
use wecon_model::schema::{ImportedMetric, IngestLogEntry, Person};

use crate::calendar::parse_tz;

const DATE_COLUMNS: &[&str] = &["date", "metricdate", "week", "metric_date"];

/// HR columns: attributes of the person, never metrics, even when numeric.
const HR: &[&str] = &[
    "domain",
    "functiontype",
    "leveldesignation",
    "layer",
    "region",
    "organization",
    "zid",
    "attainment",
    "timezone",
    "hourlyrate",
    "isinternal",
    "isactive",
    "supervisorindicator",
    "workweek_span",
];

const NO_PERSON: &str = "Viva person query row without PersonId";
const NO_DATE: &str = "Viva person query row without a readable date";
const BAD_ROW: &str = "Viva person query row could not be read (bad quoting or encoding)";

pub(crate) fn looks_like_person_query(head: &[u8]) -> bool {
    let cols = crate::records::csv_header(head);
    let has = |name: &str| cols.iter().any(|c| c == name);
    has("personid")
        && cols.iter().any(|c| DATE_COLUMNS.contains(&c.as_str()))
        && !has("meetingid")
        && cols.len() >= 4
}

/// `Collaboration_hrs` and `Collaboration_hours` alike: lower case, `_hrs` → `_hours`.
fn metric_name(column: &str) -> String {
    let c = column.trim().to_ascii_lowercase().replace([' ', '-'], "_");
    match c.strip_suffix("_hrs") {
        Some(stem) => format!("{stem}_hours"),
        None => c,
    }
}

/// The date format that reads every value.
fn date_format(values: &[&str]) -> Option<&'static str> {
    ["%m/%d/%Y", "%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y"]
        .into_iter()
        .find(|f| {
            values
                .iter()
                .filter(|v| !v.trim().is_empty())
                .all(|v| NaiveDate::parse_from_str(v.trim(), f).is_ok())
        })
}

pub(crate) fn read_person_query(
    path: &Path,
    pseudo: &Pseudonymiser,
) -> (Vec<ImportedMetric>, Vec<Person>, IngestLogEntry) {
    let file = crate::archive::name_of(path);
    let mut log = IngestLogEntry::new(&file, "viva_person_query");
    log.bytes = std::fs::metadata(path).map(|m| m.len() as i64).unwrap_or(0);
    let Some((mut reader, header)) = crate::records::open_csv(path, &mut log, BAD_ROW) else {
        return (Vec::new(), Vec::new(), log);
    };
    let lower: Vec<String> = header
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let col = |names: &[&str]| lower.iter().position(|h| names.contains(&h.as_str()));
    let (Some(c_person), Some(c_date)) = (col(&["personid"]), col(DATE_COLUMNS)) else {
        log.reject(BAD_ROW);
        return (Vec::new(), Vec::new(), log);
    };
    let rows: Vec<Result<csv::StringRecord, csv::Error>> = reader.records().collect();
    let dates: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.as_ref().ok()?.get(c_date))
        .collect();
    let format = date_format(&dates);
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let mut metrics = Vec::new();
    let mut people: BTreeMap<String, Person> = BTreeMap::new();
    for row in &rows {
        let Ok(row) = row else {
            log.reject(BAD_ROW);
            continue;
        };
        let Some(person) = row.get(c_person).filter(|p| !p.is_empty()) else {
            log.reject(NO_PERSON);
            continue;
        };
        let Some(date) =
            format.and_then(|f| NaiveDate::parse_from_str(row.get(c_date)?.trim(), f).ok())
        else {
            log.reject(NO_DATE);
            continue;
        };
        log.accept();
        let person_id = pseudo.person(&format!("viva:{}", person.to_ascii_lowercase()));
        let week = (date - epoch).num_days() as i32;
        let mut hr: HashMap<&str, &str> = HashMap::new();
        for (i, name) in lower.iter().enumerate() {
            if i == c_person || i == c_date {
                continue;
            }
            let value = row.get(i).unwrap_or_default();
            if HR.contains(&name.as_str()) {
                hr.insert(name.as_str(), value);
                continue;
            }
            if let Ok(v) = value.parse::<f64>()
                && v.is_finite()
            {
                metrics.push(ImportedMetric {
                    person_id: person_id.clone(),
                    week,
                    metric: metric_name(&header[i]),
                    value: v,
                    source: "viva".into(),
                    source_file: file.clone(),
                });
            }
        }
        people.entry(person_id.clone()).or_insert_with(|| {
            let get = |k: &str| hr.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
            let mut p = Person::with_defaults(person_id.clone(), "viva");
            p.unit = get("organization").map(str::to_string);
            p.level = get("leveldesignation").map(str::to_string);
            p.function = get("functiontype").map(str::to_string);
            p.hourly_cost = get("hourlyrate").and_then(|r| r.parse().ok());
            if let Some(tz) = get("timezone").and_then(parse_tz) {
                p.tz = tz.name().to_string();
            }
            if let Some(internal) = get("isinternal") {
                p.is_internal = !internal.eq_ignore_ascii_case("false");
            }
            for k in ["region", "layer", "domain", "attainment"] {
                if let Some(v) = get(k) {
                    p.attributes.insert(k.to_string(), v.to_string());
                }
            }
            p
        });
    }
    (metrics, people.into_values().collect(), log)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_and_dates() {
        assert_eq!(metric_name("Collaboration_hrs"), "collaboration_hours");
        assert_eq!(metric_name("Collaboration_hours"), "collaboration_hours");
        assert_eq!(date_format(&["12/15/2019", "1/5/2020"]), Some("%m/%d/%Y"));
        assert_eq!(date_format(&["15/12/2019", "5/1/2020"]), Some("%d/%m/%Y"));
        assert_eq!(date_format(&["15.12.2019"]), Some("%d.%m.%Y"));
        assert!(looks_like_person_query(
            b"PersonId,MetricDate,Collaboration_hrs,Organization\n"
        ));
        assert!(!looks_like_person_query(b"MeetingId,PersonId,Date,x\n"));
    }
}
