//! Microsoft Viva Insights (Workplace Analytics) meeting query exports: one CSV row per
//! meeting, with the organiser's attributes and the attendee counts Viva computed.
//!
//! Recognised by its header (`MeetingId`, `StartTimeUTC`, `Organizer_PersonId`). Each row
//! becomes the organiser's `organize` activity in the `calendar` source (Viva does not export
//! who attended, only how many: `participants` is its `Attendees` count, the organiser
//! included). The organiser's `Organizer_*` attributes become a `people` row: unit
//! (`Organizer_Organization`), level, function, time zone (Windows names mapped to IANA)
//! and hourly rate. Viva's person ids are already pseudonyms; wecon keys them again. The
//! subject only gives the keyword category, and is dropped.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::{NaiveDate, NaiveTime};
use wecon_model::Pseudonymiser;
use wecon_model::schema::{Activity, IngestLogEntry, Person};

use crate::Window;
use crate::calendar::parse_tz;
use crate::category::category_of;

/// The columns a meeting query export must have.
const REQUIRED: &[&str] = &[
    "meetingid",
    "startdate",
    "starttimeutc",
    "enddate",
    "endtimeutc",
    "organizer_personid",
];

pub(crate) fn looks_like_meeting_query(head: &[u8]) -> bool {
    let cols = crate::records::csv_header(head);
    REQUIRED.iter().all(|r| cols.iter().any(|c| c == r))
}

/// A Viva Insights group-to-group query (`TimeInvestors_Organization`,
/// `Collaborators_Organization`, ...): totals between groups, with no person in them.
pub(crate) fn looks_like_group_to_group_query(head: &[u8]) -> bool {
    let cols = crate::records::csv_header(head);
    let has = |prefix: &str| cols.iter().any(|c| c.starts_with(prefix));
    has("timeinvestor") && has("collaborator")
}

const BAD_TIME: &str = "meeting row without a readable StartDate/StartTimeUTC or end";
const NO_ORGANIZER: &str = "meeting row without Organizer_PersonId";
const BAD_ROW: &str = "meeting row could not be read (bad quoting or encoding)";

/// `M/D/YYYY` (as Viva writes) or `YYYY-MM-DD`, with `HH:MM:SS` in UTC.
fn instant(date: &str, time: &str) -> Option<i64> {
    let d = NaiveDate::parse_from_str(date.trim(), "%m/%d/%Y")
        .or_else(|_| NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d"))
        .ok()?;
    let t = NaiveTime::parse_from_str(time.trim(), "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(time.trim(), "%H:%M"))
        .ok()?;
    Some(d.and_time(t).and_utc().timestamp_micros())
}

fn truthy(v: Option<&str>) -> Option<bool> {
    match v?.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

/// Reads a meeting query export into activities and the organisers' people rows.
pub(crate) fn read_meeting_query(
    path: &Path,
    window: &Window,
    pseudo: &Pseudonymiser,
    log: &mut IngestLogEntry,
) -> (Vec<Activity>, Vec<Person>) {
    let file = crate::archive::name_of(path);
    let Some((mut reader, header)) = crate::records::open_csv(path, log, BAD_ROW) else {
        return (Vec::new(), Vec::new());
    };
    let columns: HashMap<String, usize> = header
        .iter()
        .enumerate()
        .map(|(i, c)| (c.trim().to_ascii_lowercase(), i))
        .collect();
    let mut activities = Vec::new();
    let mut people: BTreeMap<String, Person> = BTreeMap::new();
    for (i, record) in reader.byte_records().enumerate() {
        let Ok(record) = record else {
            log.reject(BAD_ROW);
            continue;
        };
        let get = |name: &str| {
            columns
                .get(name)
                .and_then(|&c| record.get(c))
                .map(|v| String::from_utf8_lossy(v).trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let Some(organizer) = get("organizer_personid") else {
            log.reject(NO_ORGANIZER);
            continue;
        };
        let start = get("startdate")
            .zip(get("starttimeutc"))
            .and_then(|(d, t)| instant(&d, &t));
        let end = get("enddate")
            .zip(get("endtimeutc"))
            .and_then(|(d, t)| instant(&d, &t));
        let (Some(start), Some(end)) = (start, end) else {
            log.reject(BAD_TIME);
            continue;
        };
        if !window.contains(start) {
            log.reject(crate::records::OUTSIDE_WINDOW);
            continue;
        }
        log.accept();
        let person_id = pseudo.person(&format!("viva:{}", organizer.to_ascii_lowercase()));
        let tz = get("organizer_timezone").and_then(|t| parse_tz(&t));
        people.entry(person_id.clone()).or_insert_with(|| {
            let mut p = Person::with_defaults(person_id.clone(), "viva");
            p.unit = get("organizer_organization");
            p.level = get("organizer_leveldesignation");
            p.function = get("organizer_functiontype");
            p.hourly_cost = get("organizer_hourlyrate").and_then(|r| r.parse().ok());
            if let Some(tz) = tz {
                p.tz = tz.name().to_string();
            }
            p.is_internal = truthy(get("organizer_isinternal").as_deref()).unwrap_or(true);
            p
        });
        let attendees: i32 = get("attendees")
            .and_then(|a| a.parse().ok())
            .unwrap_or(0)
            .max(1);
        let meeting = get("meetingid").unwrap_or_else(|| format!("row {}", i + 1));
        activities.push(Activity {
            activity_id: pseudo.object("activity", &format!("{file}\0{meeting}")),
            person_id,
            source: "calendar".into(),
            action: "organize".into(),
            start_utc: start,
            end_utc: Some(end.max(start)),
            tz: Some(tz.map_or("UTC", |t| t.name()).to_string()),
            thread_id: None,
            object_id: Some(pseudo.object("event", &meeting)),
            participants: attendees,
            is_organizer: Some(true),
            response: Some("accepted".into()),
            is_recurring: truthy(get("isrecurring").as_deref()),
            is_cancelled: truthy(get("iscancelled").as_deref()),
            is_all_day: Some(false),
            category: get("subject")
                .and_then(|s| category_of(&s))
                .map(str::to_string),
            source_file: file.clone(),
            source_record: format!("row {}", i + 1),
            ..Activity::default()
        });
    }
    (activities, people.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_organiser_activities() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mt.csv");
        std::fs::write(
            &path,
            "MeetingId,StartDate,StartTimeUTC,EndDate,EndTimeUTC,Attendees,Organizer_PersonId,Organizer_TimeZone,Organizer_Organization,Organizer_HourlyRate,IsCancelled,IsRecurring,Subject\n\
             m1,2/5/2021,23:00:00,2/5/2021,23:30:00,3,ABC,Pacific Standard Time,Sales,75,False,True,invoice approval\n\
             m2,2/5/2021,,2/5/2021,23:30:00,3,ABC,,,,False,False,x\n",
        )
        .unwrap();
        assert!(looks_like_meeting_query(&std::fs::read(&path).unwrap()));
        let pseudo = Pseudonymiser::new(b"0123456789abcdef").unwrap();
        let mut log = IngestLogEntry::new("mt.csv", "viva_meetings");
        let (acts, people) = read_meeting_query(&path, &Window::everything(), &pseudo, &mut log);
        assert_eq!((log.records_read, log.records_accepted), (2, 1));
        assert_eq!(acts.len(), 1);
        let a = &acts[0];
        assert_eq!(a.start_utc, 1_612_566_000_000_000);
        assert_eq!(a.end_utc, Some(1_612_567_800_000_000));
        assert_eq!(a.tz.as_deref(), Some("America/Los_Angeles"));
        assert_eq!((a.participants, a.is_recurring), (3, Some(true)));
        assert_eq!(a.category.as_deref(), Some("transactional"));
        assert_eq!(people[0].unit.as_deref(), Some("Sales"));
        assert_eq!(people[0].hourly_cost, Some(75.0));
    }
}
