//! Transaction logs: who handled which step of which case, when.
//!
//! - **CSV** with a header row. Columns (case-insensitive; process-mining names accepted):
//!
//!   | field | column names | required |
//!   |---|---|---|
//!   | case id | `case_id`, `case`, `case:concept:name` | yes |
//!   | step | `step`, `activity`, `concept:name`, `event` | yes |
//!   | person | `person`, `email`, `resource`, `org:resource`, `user` | yes |
//!   | time | `time`, `timestamp`, `time:timestamp`, `start_time` | yes |
//!   | end | `end_time`, `complete_time` | no |
//!   | case type | `type`, `case_type`, `case:type`, `process` | no |
//!   | lifecycle | `lifecycle:transition`, `lifecycle`, `transition` | no |
//!
//!   Times are RFC 3339, or `YYYY-MM-DD HH:MM[:SS]` read as UTC. Where a lifecycle column
//!   is given (XES logs write a `start` and a `complete` event for one step), a `start` row
//!   and the next `complete` row of the same case, step and person are one step, from the
//!   one's time to the other's; a start never completed is a step of its own, as is a
//!   complete row with no start; rows of other transitions (`schedule`, `assign`,
//!   `suspend`, `resume`, `withdraw`, ...) are counted as rejected: they are not steps.
//! - **OCEL 2.0 JSON** event logs (object-centric process mining): each event is a step of
//!   the person it names (an `org:resource`/`resource`/`person`/`user` attribute, or a
//!   related object of a person-like type: employee, person, user, resource, clerk, agent)
//!   on the case of its first other related object, whose type is the case type.
//!
//! Each step is a `transact` activity (`source = transaction`, `action` = the step), the case
//! pseudonymised as object, the case type as category; lead times are computed at analysis
//! from the steps of a case.

use std::collections::{HashMap, VecDeque};
use std::path::Path;

use serde_json::Value;
use wecon_model::Pseudonymiser;
use wecon_model::schema::{Activity, IngestLogEntry};

use crate::Window;
use crate::identity::Identities;
use crate::records::Emit;

const CASE: &[&str] = &["case_id", "case", "case:concept:name", "caseid"];
const STEP: &[&str] = &["step", "activity", "concept:name", "event"];
const PERSON: &[&str] = &["person", "email", "resource", "org:resource", "user"];
const TIME: &[&str] = &["time", "timestamp", "time:timestamp", "start_time"];
const END: &[&str] = &["end_time", "complete_time"];
const TYPE: &[&str] = &["type", "case_type", "case:type", "process"];
const LIFECYCLE: &[&str] = &["lifecycle:transition", "lifecycle", "transition"];

/// Person-like OCEL object types.
const PERSON_TYPES: &[&str] = &[
    "employee", "person", "user", "resource", "clerk", "agent", "staff",
];
const PERSON_ATTRIBUTES: &[&str] = &["org:resource", "resource", "person", "user", "employee"];

const NO_CASE: &str = "transaction step without a case id";
const NO_STEP: &str = "transaction step without a step name";
const NO_PERSON: &str = "transaction step without a person";
const NO_TIME: &str = "transaction step without a readable time";
const BAD_ROW: &str = "transaction row could not be read (bad quoting or encoding)";
pub(crate) const NOT_A_STEP: &str = "transaction lifecycle event that neither starts nor \
     completes a step (schedule, assign, suspend, resume, withdraw, ...): not a step";

/// A step's lifecycle transition, as an XES log names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Start,
    Complete,
    Other,
}

fn phase(transition: Option<&str>) -> Phase {
    match transition.map(str::to_ascii_lowercase).as_deref() {
        None | Some("complete" | "completed" | "end" | "finish") => Phase::Complete,
        Some("start" | "started" | "begin") => Phase::Start,
        Some(_) => Phase::Other,
    }
}

fn header_index(header: &csv::StringRecord, names: &[&str]) -> Option<usize> {
    header
        .iter()
        .position(|h| names.contains(&h.trim().to_ascii_lowercase().as_str()))
}

/// A transaction CSV: its header names a case, a step, a person and a time column.
pub(crate) fn looks_like_transaction_csv(head: &[u8]) -> bool {
    let record = csv::StringRecord::from(crate::records::csv_header(head));
    [CASE, STEP, PERSON, TIME]
        .iter()
        .all(|names| header_index(&record, names).is_some())
}

/// An OCEL 2.0 JSON log: top-level `objectTypes`/`eventTypes` and `events`.
pub(crate) fn looks_like_ocel(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    text.trim_start().starts_with('{')
        && (text.contains("\"objectTypes\"") || text.contains("\"eventTypes\""))
}

struct Step {
    case: String,
    step: String,
    person: String,
    start: i64,
    end: Option<i64>,
    case_type: Option<String>,
}

fn activity(s: Step, file: &str, record: String, pseudo: &Pseudonymiser) -> Activity {
    Activity {
        activity_id: pseudo.object("activity", &format!("{file}\0{record}")),
        person_id: pseudo.person(&s.person),
        source: "transaction".into(),
        action: s.step.trim().to_ascii_lowercase(),
        start_utc: s.start,
        end_utc: s.end.filter(|e| *e >= s.start),
        object_id: Some(pseudo.object("case", &s.case)),
        participants: 1,
        category: s.case_type.map(|t| t.trim().to_ascii_lowercase()),
        source_file: file.to_string(),
        source_record: record,
        ..Activity::default()
    }
}

/// Reads a transaction CSV.
pub(crate) fn read_csv(
    path: &Path,
    window: &Window,
    pseudo: &Pseudonymiser,
    ids: &Identities,
    out: &mut Emit<'_>,
) -> IngestLogEntry {
    let file = crate::archive::name_of(path);
    let mut log = IngestLogEntry::new(&file, "transactions_csv");
    log.bytes = std::fs::metadata(path).map(|m| m.len() as i64).unwrap_or(0);
    let Some((mut reader, header)) = crate::records::open_csv(path, &mut log, BAD_ROW) else {
        return log;
    };
    let col = |names: &[&str]| header_index(&header, names);
    let (c_case, c_step, c_person, c_time, c_end, c_type, c_phase) = (
        col(CASE),
        col(STEP),
        col(PERSON),
        col(TIME),
        col(END),
        col(TYPE),
        col(LIFECYCLE),
    );
    // Started steps waiting for their completion: (case, step, person) → (row, step), in
    // the order they started.
    let mut started: HashMap<(String, String, String), VecDeque<(usize, Step)>> = HashMap::new();
    let mut take = |log: &mut IngestLogEntry, rows: usize, s: Step, record: String| {
        if window.contains(s.start) {
            (0..rows).for_each(|_| log.accept());
            out.push(activity(s, &file, record, pseudo));
        } else {
            (0..rows).for_each(|_| log.reject(crate::records::OUTSIDE_WINDOW));
        }
    };
    for (i, row) in reader.records().enumerate() {
        let Ok(row) = row else {
            log.reject(BAD_ROW);
            continue;
        };
        let get = |c: Option<usize>| {
            c.and_then(|c| row.get(c))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let transition = phase(get(c_phase));
        if transition == Phase::Other {
            log.reject(NOT_A_STEP);
            continue;
        }
        let step = (|| -> Result<Step, &'static str> {
            Ok(Step {
                case: get(c_case).ok_or(NO_CASE)?.to_string(),
                step: get(c_step).ok_or(NO_STEP)?.to_string(),
                person: ids.resolve(get(c_person).ok_or(NO_PERSON)?),
                start: get(c_time)
                    .and_then(crate::records::parse_instant)
                    .ok_or(NO_TIME)?,
                end: get(c_end).and_then(crate::records::parse_instant),
                case_type: get(c_type).map(str::to_string),
            })
        })();
        let s = match step {
            Ok(s) => s,
            Err(reason) => {
                log.reject(reason);
                continue;
            }
        };
        // Without a lifecycle column every row is a whole step: nothing to pair.
        if c_phase.is_none() {
            take(&mut log, 1, s, format!("row {}", i + 1));
            continue;
        }
        let key = (s.case.clone(), s.step.to_lowercase(), s.person.clone());
        match transition {
            Phase::Start => started.entry(key).or_default().push_back((i + 1, s)),
            _ => match started.get_mut(&key).and_then(VecDeque::pop_front) {
                // The first waiting start of the step is completed by this row.
                Some((from, mut begun)) => {
                    begun.end = s.end.or(Some(s.start));
                    begun.case_type = begun.case_type.or(s.case_type);
                    take(
                        &mut log,
                        2,
                        begun,
                        format!("row {} (started row {from})", i + 1),
                    );
                }
                None => take(&mut log, 1, s, format!("row {}", i + 1)),
            },
        }
    }
    // Steps started and never completed in the log: each a step of its own.
    let mut open: Vec<(usize, Step)> = started.into_values().flatten().collect();
    open.sort_by_key(|(row, _)| *row);
    for (row, s) in open {
        take(&mut log, 1, s, format!("row {row}"));
    }
    log
}

fn attr<'a>(v: &'a Value, names: &[&str]) -> Option<&'a str> {
    v.get("attributes")?.as_array()?.iter().find_map(|a| {
        let name = a.get("name")?.as_str()?.to_ascii_lowercase();
        names
            .contains(&name.as_str())
            .then(|| a.get("value")?.as_str())
            .flatten()
    })
}

/// Reads an OCEL 2.0 JSON event log.
pub(crate) fn read_ocel(
    path: &Path,
    window: &Window,
    pseudo: &Pseudonymiser,
    ids: &Identities,
    out: &mut Emit<'_>,
) -> IngestLogEntry {
    let file = crate::archive::name_of(path);
    let mut log = IngestLogEntry::new(&file, "ocel");
    let bytes = std::fs::read(path).unwrap_or_default();
    log.bytes = bytes.len() as i64;
    let Ok(doc) = serde_json::from_slice::<Value>(&bytes) else {
        log.reject("OCEL file is not valid JSON");
        return log;
    };
    // Object id → (type, a person's address if the object is a person).
    let mut objects: HashMap<&str, (&str, Option<String>)> = HashMap::new();
    for o in doc
        .get("objects")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (Some(id), Some(t)) = (
            o.get("id").and_then(Value::as_str),
            o.get("type").and_then(Value::as_str),
        ) else {
            continue;
        };
        let is_person = PERSON_TYPES.contains(&t.to_ascii_lowercase().as_str());
        let address = is_person.then(|| {
            attr(o, &["email", "mail", "address", "name"])
                .map_or_else(|| format!("ocel:{id}"), str::to_string)
        });
        objects.insert(id, (t, address));
    }
    for (i, e) in doc
        .get("events")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let related: Vec<&str> = e
            .get("relationships")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|r| r.get("objectId").and_then(Value::as_str))
            .collect();
        let person = attr(e, PERSON_ATTRIBUTES).map(str::to_string).or_else(|| {
            related
                .iter()
                .find_map(|id| objects.get(id).and_then(|(_, p)| p.clone()))
        });
        let case = related
            .iter()
            .find(|id| objects.get(*id).is_none_or(|(_, p)| p.is_none()))
            .copied();
        let step = (|| -> Result<Step, &'static str> {
            Ok(Step {
                case: case.ok_or(NO_CASE)?.to_string(),
                step: e
                    .get("type")
                    .and_then(Value::as_str)
                    .ok_or(NO_STEP)?
                    .to_string(),
                person: ids.resolve(&person.ok_or(NO_PERSON)?),
                start: e
                    .get("time")
                    .and_then(Value::as_str)
                    .and_then(crate::records::parse_instant)
                    .ok_or(NO_TIME)?,
                end: None,
                case_type: case
                    .and_then(|c| objects.get(c))
                    .map(|(t, _)| t.to_string()),
            })
        })();
        match step {
            Ok(s) if !window.contains(s.start) => log.reject(crate::records::OUTSIDE_WINDOW),
            Ok(s) => {
                log.accept();
                let id = e.get("id").and_then(Value::as_str).unwrap_or_default();
                out.push(activity(
                    s,
                    &file,
                    format!("event {} ({id})", i + 1),
                    pseudo,
                ));
            }
            Err(reason) => log.reject(reason),
        }
    }
    log
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_ocel() {
        let dir = tempfile::tempdir().unwrap();
        let csv_path = dir.path().join("tx.csv");
        std::fs::write(
            &csv_path,
            "case_id,type,step,person,time\nPO-1,purchase_order,Create,ann@x.org,2024-01-15T09:00:00Z\nPO-1,purchase_order,Approve,bob@x.org,2024-01-16 10:00\nPO-2,purchase_order,Create,,2024-01-15T09:00:00Z\n",
        )
        .unwrap();
        assert!(looks_like_transaction_csv(
            &std::fs::read(&csv_path).unwrap()
        ));
        let pseudo = Pseudonymiser::new(b"0123456789abcdef").unwrap();
        let ids = Identities::default();
        let (acts, log) = crate::records::gathered(|out| {
            read_csv(&csv_path, &Window::everything(), &pseudo, &ids, out)
        });
        assert_eq!((log.records_read, log.records_accepted), (3, 2));
        assert_eq!(acts[1].action, "approve");
        assert_eq!(acts[0].object_id, acts[1].object_id);
        assert_eq!(acts[0].category.as_deref(), Some("purchase_order"));

        // An XES-style log: start and complete rows of one step are one step.
        std::fs::write(
            &csv_path,
            "case:concept:name,concept:name,lifecycle:transition,org:resource,time:timestamp\n\
             A1,Review,SCHEDULE,ann@x.org,2024-01-15T08:00:00Z\n\
             A1,Review,START,ann@x.org,2024-01-15T09:00:00Z\n\
             A1,Check,start,bob@x.org,2024-01-15T09:10:00Z\n\
             A1,Review,suspend,ann@x.org,2024-01-15T09:15:00Z\n\
             A1,review,COMPLETE,ann@x.org,2024-01-15T09:30:00Z\n\
             A1,Review,COMPLETE,ann@x.org,2024-01-15T10:00:00Z\n\
             A1,Review,start,ann@x.org,2024-01-16T09:00:00Z\n",
        )
        .unwrap();
        let (acts, log) = crate::records::gathered(|out| {
            read_csv(&csv_path, &Window::everything(), &pseudo, &ids, out)
        });
        assert_eq!((log.records_read, log.records_accepted), (7, 5));
        assert_eq!(log.reasons.get(NOT_A_STEP), Some(&2));
        let spans: Vec<(&str, &str, Option<i64>)> = acts
            .iter()
            .map(|a| {
                (
                    a.action.as_str(),
                    a.source_record.as_str(),
                    a.end_utc.map(|e| (e - a.start_utc) / 60_000_000),
                )
            })
            .collect();
        assert_eq!(
            spans,
            [
                ("review", "row 5 (started row 2)", Some(30)),
                ("review", "row 6", None),
                ("check", "row 3", None),
                ("review", "row 7", None),
            ]
        );

        let ocel = dir.path().join("log.json");
        std::fs::write(
            &ocel,
            r#"{"objectTypes": [{"name": "invoice"}, {"name": "employee"}], "eventTypes": [],
               "objects": [{"id": "i1", "type": "invoice"}, {"id": "e1", "type": "employee", "attributes": [{"name": "email", "value": "ann@x.org"}]}],
               "events": [{"id": "ev1", "type": "post invoice", "time": "2024-01-15T09:00:00Z", "relationships": [{"objectId": "i1"}, {"objectId": "e1"}]},
                          {"id": "ev2", "type": "pay", "time": "2024-01-20T09:00:00Z", "relationships": [{"objectId": "i1"}]}]}"#,
        )
        .unwrap();
        assert!(looks_like_ocel(&std::fs::read(&ocel).unwrap()));
        let (acts, log) = crate::records::gathered(|out| {
            read_ocel(&ocel, &Window::everything(), &pseudo, &ids, out)
        });
        assert_eq!((log.records_read, log.records_accepted), (2, 1));
        assert_eq!(acts[0].person_id, pseudo.person("ann@x.org"));
        assert_eq!(acts[0].category.as_deref(), Some("invoice"));
        assert_eq!(log.reasons.get(NO_PERSON), Some(&1));
    }
}
