//! iCalendar (`.ics`) calendars: events expanded into occurrences of the calendar owner.
//!
//! Parsing is done by the `icalendar` crate (line unfolding, parameters); recurrences by the
//! `rrule` crate, bounded by the ingest window. Titles and descriptions are never stored;
//! only their keyword category is.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use icalendar::parser::{Component, Property, read_calendar_simple};
use rrule::{RRule, RRuleSet, Unvalidated};
use serde::{Deserialize, Serialize};
use wecon_model::Pseudonymiser;
use wecon_model::schema::{Activity, IngestLogEntry, Names};

use crate::Window;
use crate::category::category_of;
use crate::identity::Identities;
use crate::mail::normalise_address;

/// Most occurrences expanded from one series; a longer series is cut and logged.
pub(crate) const MAX_OCCURRENCES: u16 = 10_000;

/// A point in time as a calendar wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub(crate) enum When {
    Utc(NaiveDateTime),
    Zoned(NaiveDateTime, chrono_tz::Tz),
    Floating(NaiveDateTime),
    Date(NaiveDate),
}

impl When {
    fn zone(&self, floating: chrono_tz::Tz) -> chrono_tz::Tz {
        match self {
            When::Zoned(_, tz) => *tz,
            When::Utc(_) => chrono_tz::UTC,
            When::Floating(_) | When::Date(_) => floating,
        }
    }

    fn naive(&self) -> NaiveDateTime {
        match self {
            When::Utc(n) | When::Zoned(n, _) | When::Floating(n) => *n,
            When::Date(d) => d.and_hms_opt(0, 0, 0).unwrap_or_default(),
        }
    }

    /// Microseconds since the epoch; floating times and dates are read in `floating`. A
    /// time that falls twice (the hour clocks go back) is the first; one that does not exist
    /// (the hour clocks skip) is read with the offset before the gap, as RFC 5545 §3.3.5
    /// says: 02:30 on a spring-forward night is 03:30.
    fn to_utc_micros(self, floating: chrono_tz::Tz) -> Option<i64> {
        let tz = self.zone(floating);
        let naive = self.naive();
        let local = match tz.from_local_datetime(&naive).earliest() {
            Some(t) => t,
            None => {
                // In a gap: take the offset in force just before it.
                let before = tz
                    .from_local_datetime(&(naive - chrono::Duration::hours(3)))
                    .earliest()?;
                let offset = chrono::Offset::fix(before.offset());
                let utc = naive - chrono::Duration::seconds(i64::from(offset.local_minus_utc()));
                return Some(utc.and_utc().timestamp_micros());
            }
        };
        Some(local.with_timezone(&Utc).timestamp_micros())
    }
}

/// What a VEVENT says of itself: its times as written and the facts that do not depend on
/// whose calendar it is in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct EventFacts {
    pub start: When,
    pub duration_us: i64,
    pub rrule: Option<String>,
    pub exdates: Vec<When>,
    pub rdates: Vec<When>,
    pub recurrence_id: Option<When>,
    /// The override is `RECURRENCE-ID;RANGE=THISANDFUTURE`: it changes every later
    /// instance of the series too.
    pub this_and_future: bool,
    pub cancelled: bool,
    /// When the event was created (CREATED), µs UTC: the notice a meeting was given.
    pub created_us: Option<i64>,
    /// An online meeting (Teams, Zoom, Meet, Webex, ... markers or links).
    pub online: bool,
    /// CLASS: `PRIVATE` or `CONFIDENTIAL` (true), `PUBLIC` (false); `None` when absent or
    /// another value.
    pub private: Option<bool>,
    pub show_as: Option<String>,
    pub category: Option<String>,
}

/// The facts of one VEVENT.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub record: String,
    pub uid: String,
    pub facts: EventFacts,
    pub organizer: Option<String>,
    /// Attendee address → (PARTSTAT lower-cased, is one of the meeting's people: not a
    /// room, resource or shared calendar, nor copied for information only).
    pub attendees: BTreeMap<String, (String, bool)>,
    /// Attendee address → ROLE lower-cased (`req-participant`, `opt-participant`, `chair`,
    /// `non-participant`), where given.
    pub roles: BTreeMap<String, String>,
}

/// A parsed calendar file, before expansion.
#[derive(Debug)]
pub(crate) struct ParsedCalendar {
    pub file: String,
    pub events: Vec<Event>,
    pub floating: chrono_tz::Tz,
    pub calname: Option<String>,
    /// The iTIP method of a calendar sent by mail (`REQUEST`, `CANCEL`, `REPLY`, ...).
    pub method: Option<String>,
}

impl ParsedCalendar {
    /// A calendar with no events, for a file that could not be read.
    pub(crate) fn empty(file: &str) -> Self {
        ParsedCalendar {
            file: file.to_string(),
            events: Vec::new(),
            floating: chrono_tz::UTC,
            calname: None,
            method: None,
        }
    }
}

/// A calendar made one person's: its owner decided, and each event's facts about the other
/// people (who they are, how many are inside the organisation, the owner's response and
/// role) worked out and pseudonymised. It names nobody and holds no title, so a dataset can
/// keep it (see `units`) and expand it again in another window without reading the export.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct OwnedCalendar {
    pub file: String,
    #[serde(with = "tz_name")]
    pub floating: chrono_tz::Tz,
    pub person_id: String,
    pub events: Vec<OwnedEvent>,
}

/// One VEVENT of an [`OwnedCalendar`]: its times as written, and what it is to the owner.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct OwnedEvent {
    pub record: String,
    /// The UID's pseudonym (`thread_id` of its occurrences).
    pub series: String,
    pub facts: EventFacts,
    pub is_organizer: bool,
    pub response: String,
    pub role: String,
    pub participants: i32,
    pub internal_participants: Option<i32>,
    /// Of `participants`, those who accepted (see `Activity::accepted_participants`).
    #[serde(default)]
    pub accepted_participants: i32,
    pub parties: Option<Names>,
    pub external_parties: Option<Names>,
}

/// `floating` as its IANA name.
mod tz_name {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(tz: &chrono_tz::Tz, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(tz.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<chrono_tz::Tz, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// A [`When`] as text: `U20240108T100000`, `Z20240108T100000 Europe/Berlin`,
/// `F20240108T100000`, `D20240108`.
impl From<When> for String {
    fn from(w: When) -> String {
        const T: &str = "%Y%m%dT%H%M%S";
        match w {
            When::Utc(n) => format!("U{}", n.format(T)),
            When::Zoned(n, tz) => format!("Z{} {}", n.format(T), tz.name()),
            When::Floating(n) => format!("F{}", n.format(T)),
            When::Date(d) => format!("D{}", d.format("%Y%m%d")),
        }
    }
}

impl TryFrom<String> for When {
    type Error = String;

    fn try_from(s: String) -> Result<When, String> {
        let bad = || format!("not a stored calendar time: {s:?}");
        let time = |v: &str| NaiveDateTime::parse_from_str(v, "%Y%m%dT%H%M%S").map_err(|_| bad());
        match s.split_at_checked(1).ok_or_else(bad)? {
            ("U", v) => Ok(When::Utc(time(v)?)),
            ("F", v) => Ok(When::Floating(time(v)?)),
            ("D", v) => Ok(When::Date(
                NaiveDate::parse_from_str(v, "%Y%m%d").map_err(|_| bad())?,
            )),
            ("Z", v) => {
                let (t, tz) = v.split_once(' ').ok_or_else(bad)?;
                Ok(When::Zoned(time(t)?, tz.parse().map_err(|_| bad())?))
            }
            _ => Err(bad()),
        }
    }
}

/// The earliest start of any event and the latest start of a one-off event or override: what
/// the default expansion window is made of.
pub(crate) type Bounds = (Option<i64>, Option<i64>);

fn bounds<'a>(
    facts: impl Iterator<Item = &'a EventFacts> + Clone,
    floating: chrono_tz::Tz,
) -> Bounds {
    let start = |f: &EventFacts| f.start.to_utc_micros(floating);
    let earliest = facts.clone().filter_map(start).min();
    let latest_single = facts
        .filter(|f| f.rrule.is_none() && f.rdates.is_empty())
        .filter_map(start)
        .max();
    (earliest, latest_single)
}

impl ParsedCalendar {
    /// See [`Bounds`]: the same as the owned calendar's, without making it anyone's.
    pub(crate) fn bounds(&self) -> Bounds {
        bounds(self.events.iter().map(|e| &e.facts), self.floating)
    }
}

impl OwnedCalendar {
    /// See [`Bounds`].
    pub(crate) fn bounds(&self) -> Bounds {
        bounds(self.events.iter().map(|e| &e.facts), self.floating)
    }
}

/// Makes a calendar `owner`'s: what each event is to the owner is worked out and
/// pseudonymised. The owner and the calendar's addresses are resolved through the roster's
/// aliases first (see [`resolve_identities`]).
pub(crate) fn own(
    cal: ParsedCalendar,
    owner: &str,
    ids: &Identities,
    pseudo: &Pseudonymiser,
) -> OwnedCalendar {
    // Pseudonyms of the people named, each worked out once for the file (a team's members
    // are on most of its events).
    let mut names: HashMap<String, String> = HashMap::new();
    let mut person = |a: &str| -> String {
        if let Some(name) = names.get(a) {
            return name.clone();
        }
        let name = pseudo.person(a);
        names.insert(a.to_string(), name.clone());
        name
    };
    let events = cal
        .events
        .into_iter()
        .map(|e| {
            let is_organizer = e.organizer.as_deref() == Some(owner);
            let mut people: Vec<&str> = e
                .attendees
                .iter()
                .filter(|(_, (_, is_person))| *is_person)
                .map(|(a, _)| a.as_str())
                .collect();
            people.extend(e.organizer.as_deref());
            people.push(owner);
            people.sort();
            people.dedup();
            let internal_participants = ids.count_internal(people.iter().copied(), owner);
            // An attendee accepted when their PARTSTAT says so; the organiser unless their
            // own attendance says otherwise (an organiser's PARTSTAT is often left out).
            let accepted_participants = people
                .iter()
                .filter(|p| match e.attendees.get(**p) {
                    Some((partstat, _)) => {
                        partstat == "accepted"
                            || (e.organizer.as_deref() == Some(**p)
                                && !matches!(partstat.as_str(), "declined" | "tentative"))
                    }
                    None => e.organizer.as_deref() == Some(**p),
                })
                .count() as i32;
            let (parties, external_parties) =
                ids.party_pseudonyms_with(people.iter().copied(), owner, &mut person);
            let response = match e.attendees.get(owner) {
                Some((partstat, _)) => match partstat.as_str() {
                    "accepted" | "tentative" | "declined" => partstat.clone(),
                    _ if is_organizer => "accepted".to_string(),
                    _ => "none".to_string(),
                },
                None if is_organizer || e.attendees.is_empty() => "accepted".to_string(),
                None => "none".to_string(),
            };
            let role = if is_organizer {
                "organizer"
            } else {
                match e.roles.get(owner).map(String::as_str) {
                    Some("opt-participant") => "optional",
                    Some("non-participant") => "non-participant",
                    Some("chair") => "chair",
                    _ => "required",
                }
            };
            OwnedEvent {
                series: pseudo.object("series", &e.uid),
                participants: people.len() as i32,
                record: e.record,
                facts: e.facts,
                is_organizer,
                response,
                role: role.to_string(),
                internal_participants,
                accepted_participants,
                parties,
                external_parties,
            }
        })
        .collect();
    OwnedCalendar {
        file: cal.file,
        floating: cal.floating,
        person_id: pseudo.person(owner),
        events,
    }
}

pub(crate) const NOT_AN_INVITATION: &str =
    "reply or counter-proposal to a meeting invitation (iTIP REPLY/COUNTER), not a meeting";
pub(crate) const IN_CALENDAR_EXPORT: &str =
    "meeting invitation for a series the person's calendar export already holds";
pub(crate) const SUPERSEDED_INVITATION: &str =
    "meeting invitation superseded by a later one for the same meeting";
pub(crate) const UNPARSABLE_FILE: &str = "calendar file could not be parsed";
pub(crate) const REPEATED_UID: &str = "VEVENT repeating one earlier in the same calendar (the same UID and RECURRENCE-ID): the last stands";
pub(crate) const NOT_A_MEETING: &str =
    "VTODO, VJOURNAL or VFREEBUSY (a task, a journal entry, free/busy time): not a meeting";
const NO_START: &str = "VEVENT without a valid DTSTART";
const BAD_RRULE: &str = "invalid RRULE";
const RSCALE: &str =
    "RRULE in a non-Gregorian calendar scale or with SKIP (RFC 7529 RSCALE): not supported";

/// RFC 5545 line unfolding: every line break (CRLF or LF) followed by a space or a tab is
/// removed with that one character, as `icalendar::parser::unfold` does (the tests hold the
/// two to the same output); in one pass over the text, where the crate's four nested splits
/// by string patterns took 7% of calendar ingest's CPU (benches/README.md).
fn unfold(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for i in memchr::memchr_iter(b'\n', bytes) {
        if i < from || !matches!(bytes.get(i + 1), Some(b' ' | b'\t')) {
            continue;
        }
        let cut = if i > from && bytes[i - 1] == b'\r' {
            i - 1
        } else {
            i
        };
        // Both ends are at ASCII bytes, so on character boundaries.
        out.push_str(&text[from..cut]);
        from = i + 2;
    }
    out.push_str(&text[from..]);
    out
}

/// Parses a calendar file's text, logging each VEVENT that cannot be read.
pub(crate) fn parse_calendar(file: &str, text: &str, log: &mut IngestLogEntry) -> ParsedCalendar {
    let text = text.trim_start_matches('\u{feff}');
    // Blank lines are not allowed by RFC 5545 but common in real files; drop them.
    let cleaned: String = unfold(text)
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty())
        .flat_map(|l| [l, "\r\n"])
        .collect();
    let mut out = ParsedCalendar::empty(file);
    // Calendar-level properties, read line by line so that they survive a broken component.
    for (name, value) in top_level_properties(&cleaned) {
        if name.eq_ignore_ascii_case("X-WR-TIMEZONE") {
            if let Some(tz) = parse_tz(value) {
                out.floating = tz;
            }
        } else if name.eq_ignore_ascii_case("X-WR-CALNAME") {
            out.calname = Some(value.to_string());
        } else if name.eq_ignore_ascii_case("METHOD") {
            out.method = Some(value.trim().to_ascii_uppercase());
        }
    }
    let (roots, unparsable) = read_tolerant(&cleaned);
    for _ in 0..unparsable {
        log.reject(UNPARSABLE_FILE);
    }
    let mut vevents = Vec::new();
    let mut not_meetings = 0;
    for root in &roots {
        collect_vevents(root, &mut vevents, &mut not_meetings);
    }
    for _ in 0..not_meetings {
        log.reject(NOT_A_MEETING);
    }
    // VTIMEZONEs with names no zone database knows: matched to IANA zones over the year of
    // the calendar's first event.
    let year = vevents
        .iter()
        .find_map(|e| {
            let v = prop(e, "DTSTART")?.val.as_str().trim();
            v.get(0..4)?.parse::<i32>().ok()
        })
        .unwrap_or(2024);
    let defined = crate::vtimezone::zones(&roots, year);
    // Every TZID the events name, resolved once for the file (not once per date).
    let mut zones = Zones::new();
    for ev in &vevents {
        for p in &ev.properties {
            if let Some(tzid) = param(p, "TZID") {
                let t = tzid.trim().trim_matches('"');
                if !zones.contains_key(t)
                    && let Some(tz) = resolve_tz(t, &defined)
                {
                    zones.insert(t.to_string(), tz);
                }
            }
        }
    }
    for (i, ev) in vevents.into_iter().enumerate() {
        match parse_event(ev, i + 1, &zones) {
            Ok(e) => {
                log.accept();
                out.events.push(e);
            }
            Err(reason) => log.reject(reason),
        }
    }
    out
}

/// `NAME:value` lines directly inside a VCALENDAR (depth 1).
fn top_level_properties(text: &str) -> Vec<(&str, &str)> {
    let mut depth = 0usize;
    let mut out = Vec::new();
    for line in text.lines() {
        let t = line.trim().as_bytes();
        let starts = |tag: &[u8]| t.len() >= tag.len() && t[..tag.len()].eq_ignore_ascii_case(tag);
        if starts(b"BEGIN:") {
            depth += 1;
        } else if starts(b"END:") {
            depth = depth.saturating_sub(1);
        } else if depth == 1
            && let Some((name, value)) = line.split_once(':')
        {
            out.push((name.split(';').next().unwrap_or(name), value.trim()));
        }
    }
    out
}

/// Splits text into its blocks at one nesting depth: `(component name, block text)`.
fn blocks(text: &str, at_depth: usize) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start: Option<(usize, String)> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim().to_ascii_uppercase();
        if let Some(name) = t.strip_prefix("BEGIN:") {
            if depth == at_depth {
                start = Some((offset, name.to_string()));
            }
            depth += 1;
        } else if t.starts_with("END:") {
            depth = depth.saturating_sub(1);
            if depth == at_depth
                && let Some((s, name)) = start.take()
            {
                out.push((name, &text[s..offset + line.len()]));
            }
        }
        offset += line.len();
    }
    out
}

/// Parses the whole text; where that fails, each top-level component on its own, and within
/// a calendar that fails, each of its components on its own. Returns the components read and
/// the number of VEVENTs that could not be read.
///
/// `read_calendar_simple`, not `read_components`: the two run the same parser, but the latter
/// collects nom's verbose errors, and the parser fails and backtracks at the end of every
/// list of parameters and properties, so each line built and dropped an error trace (8% of
/// calendar ingest). Only whether a text parses is used here, not the error.
fn read_tolerant(text: &str) -> (Vec<Component<'_>>, usize) {
    if let Ok(c) = read_calendar_simple(text) {
        return (c, 0);
    }
    let count_events = |t: &str| {
        t.lines()
            .filter(|l| l.trim().eq_ignore_ascii_case("BEGIN:VEVENT"))
            .count()
    };
    let mut parsed = Vec::new();
    let mut unparsable = 0;
    let top = blocks(text, 0);
    if top.is_empty() {
        return (parsed, count_events(text).max(1));
    }
    for (name, block) in top {
        if let Ok(c) = read_calendar_simple(block) {
            parsed.extend(c);
            continue;
        }
        if name != "VCALENDAR" {
            unparsable += count_events(block);
            continue;
        }
        for (child, inner) in blocks(block, 1) {
            match read_calendar_simple(inner) {
                Ok(c) => parsed.extend(c),
                Err(_) if child == "VEVENT" => unparsable += 1,
                // Other broken components (time zones, to-dos) hold no meetings.
                Err(_) => unparsable += count_events(inner),
            }
        }
    }
    (parsed, unparsable)
}

/// Gathers a calendar's VEVENTs, and counts its tasks, journal entries and free/busy
/// components (records of the file that are not meetings) in `others`.
fn collect_vevents<'a>(c: &'a Component<'a>, out: &mut Vec<&'a Component<'a>>, others: &mut usize) {
    let name = c.name.as_str();
    if name.eq_ignore_ascii_case("VEVENT") {
        out.push(c);
        return;
    }
    if ["VTODO", "VJOURNAL", "VFREEBUSY"]
        .iter()
        .any(|n| name.eq_ignore_ascii_case(n))
    {
        *others += 1;
        return;
    }
    for child in &c.components {
        collect_vevents(child, out, others);
    }
}

fn prop<'a>(c: &'a Component<'a>, name: &str) -> Option<&'a Property<'a>> {
    c.properties
        .iter()
        .find(|p| p.name.as_str().eq_ignore_ascii_case(name))
}

fn props<'a>(c: &'a Component<'a>, name: &'a str) -> impl Iterator<Item = &'a Property<'a>> {
    c.properties
        .iter()
        .filter(move |p| p.name.as_str().eq_ignore_ascii_case(name))
}

fn param<'a>(p: &'a Property<'a>, key: &str) -> Option<&'a str> {
    p.params
        .iter()
        .find(|x| x.key.as_str().eq_ignore_ascii_case(key))
        .and_then(|x| x.val.as_ref())
        .map(|v| v.as_str().trim_matches('"'))
}

/// An IANA zone name, also when wrapped in a vendor prefix (`/mozilla.org/.../Europe/Berlin`),
/// or a Windows zone name as Outlook and Exchange write it (`W. Europe Standard Time`), read
/// as CLDR's world-wide default zone for it.
pub(crate) fn parse_tz(tzid: &str) -> Option<chrono_tz::Tz> {
    known_tz(tzid).or_else(|| zone_of_cities(tzid.trim().trim_matches('"')))
}

/// TZID → zone: a calendar's own VTIMEZONE definitions (each as the IANA zone it matches),
/// or every TZID its events name, resolved once.
pub(crate) type Zones = HashMap<String, chrono_tz::Tz>;

/// A TZID as an IANA or Windows name, else the file's VTIMEZONE of that name, else the cities
/// of an Outlook display name.
fn resolve_tz(tzid: &str, zones: &Zones) -> Option<chrono_tz::Tz> {
    let t = tzid.trim().trim_matches('"');
    known_tz(t)
        .or_else(|| zones.get(t).copied())
        .or_else(|| zone_of_cities(t))
}

/// An IANA name (also inside a vendor prefix) or a Windows zone name.
fn known_tz(tzid: &str) -> Option<chrono_tz::Tz> {
    let t = tzid.trim().trim_matches('"');
    if let Ok(tz) = chrono_tz::Tz::from_str(t) {
        return Some(tz);
    }
    if let Some(iana) = localzone::win_zone_to_iana(t, Some("001")) {
        return chrono_tz::Tz::from_str(iana).ok();
    }
    let parts: Vec<&str> = t.split('/').filter(|s| !s.is_empty()).collect();
    for n in [3, 2, 1] {
        if parts.len() >= n
            && let Ok(tz) = chrono_tz::Tz::from_str(&parts[parts.len() - n..].join("/"))
        {
            return Some(tz);
        }
    }
    None
}

/// Outlook's display names list cities: `(UTC+01:00) Amsterdam, Berlin, Bern, Rome`,
/// `Canberra, Melbourne, Sydney`. The first city that names an IANA zone (`*/Amsterdam`)
/// gives the zone.
fn zone_of_cities(name: &str) -> Option<chrono_tz::Tz> {
    let cities = match name.trim_start().strip_prefix('(') {
        Some(rest) => rest.split_once(')')?.1,
        None => name,
    };
    cities.split(',').find_map(|city| {
        let city = city.trim().replace(' ', "_");
        if city.len() < 3 {
            return None;
        }
        chrono_tz::TZ_VARIANTS
            .iter()
            .find(|tz| {
                tz.name()
                    .rsplit_once('/')
                    .is_some_and(|(_, c)| c.eq_ignore_ascii_case(&city))
            })
            .copied()
    })
}

fn parse_when_value(value: &str, tzid: Option<&str>, is_date: bool, zones: &Zones) -> Option<When> {
    let v = value.trim();
    if is_date || (v.len() == 8 && v.chars().all(|c| c.is_ascii_digit())) {
        return basic_date(v)
            .or_else(|| NaiveDate::parse_from_str(v, "%Y%m%d").ok())
            .map(When::Date);
    }
    let date_time = |v: &str| {
        basic_date_time(v).or_else(|| NaiveDateTime::parse_from_str(v, "%Y%m%dT%H%M%S").ok())
    };
    if let Some(stripped) = v.strip_suffix(['Z', 'z']) {
        return date_time(stripped).map(When::Utc);
    }
    let naive = date_time(v)?;
    Some(
        match tzid.and_then(|t| zones.get(t.trim().trim_matches('"')).copied()) {
            Some(tz) => When::Zoned(naive, tz),
            // An unknown TZID (a custom VTIMEZONE): read as floating time.
            None => When::Floating(naive),
        },
    )
}

/// `YYYYMMDD`, the form nearly every date takes, read without chrono's format parser (a
/// tenth of an event's reading); `None` for anything else, which chrono then reads.
fn basic_date(v: &str) -> Option<NaiveDate> {
    let b = v.as_bytes();
    if b.len() != 8 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    NaiveDate::from_ymd_opt(number(&b[0..4]) as i32, number(&b[4..6]), number(&b[6..8]))
}

/// `YYYYMMDDTHHMMSS` as [`basic_date`] reads dates; a leap second or an invalid time gives
/// `None`, for chrono to decide.
fn basic_date_time(v: &str) -> Option<NaiveDateTime> {
    let b = v.as_bytes();
    if b.len() != 15 || b[8] != b'T' || !b[9..].iter().all(u8::is_ascii_digit) {
        return None;
    }
    basic_date(&v[..8])?.and_hms_opt(number(&b[9..11]), number(&b[11..13]), number(&b[13..15]))
}

/// The number ASCII digits write.
fn number(digits: &[u8]) -> u32 {
    digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0'))
}

fn parse_when(p: &Property<'_>, zones: &Zones) -> Option<When> {
    let is_date = param(p, "VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE"));
    parse_when_value(p.val.as_str(), param(p, "TZID"), is_date, zones)
}

fn parse_when_list(p: &Property<'_>, zones: &Zones) -> Vec<When> {
    let is_date = param(p, "VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE"));
    p.val
        .as_str()
        .split(',')
        .filter_map(|v| parse_when_value(v, param(p, "TZID"), is_date, zones))
        .collect()
}

/// An RFC 5545 duration (`PT1H30M`, `P1D`, `-PT15M`) in microseconds.
pub(crate) fn parse_duration(s: &str) -> Option<i64> {
    let s = s.trim();
    let (sign, s) = match s.strip_prefix('-') {
        Some(r) => (-1, r),
        None => (1, s.strip_prefix('+').unwrap_or(s)),
    };
    let s = s.strip_prefix(['P', 'p'])?;
    let mut total: i64 = 0;
    let mut num = String::new();
    let mut in_time = false;
    for c in s.chars() {
        match c.to_ascii_uppercase() {
            'T' => in_time = true,
            d if d.is_ascii_digit() => num.push(d),
            unit => {
                let n: i64 = num.parse().ok()?;
                num.clear();
                let secs = match (unit, in_time) {
                    ('W', false) => 7 * 86_400,
                    ('D', false) => 86_400,
                    ('H', true) => 3_600,
                    ('M', true) => 60,
                    ('S', true) => 1,
                    _ => return None,
                };
                total = total.checked_add(n.checked_mul(secs)?)?;
            }
        }
    }
    if !num.is_empty() {
        return None;
    }
    total.checked_mul(1_000_000).map(|t| t * sign)
}

fn parse_event(c: &Component<'_>, index: usize, zones: &Zones) -> Result<Event, &'static str> {
    let parse_when = |p: &Property<'_>| parse_when(p, zones);
    let parse_when_list = |p: &Property<'_>| parse_when_list(p, zones);
    let start = prop(c, "DTSTART").and_then(parse_when).ok_or(NO_START)?;
    let start_us = start.to_utc_micros(chrono_tz::UTC).ok_or(NO_START)?;
    let duration_us = if let Some(end) = prop(c, "DTEND").and_then(parse_when) {
        let end_us = end
            .to_utc_micros(start.zone(chrono_tz::UTC))
            .ok_or(NO_START)?;
        (end_us - start_us).max(0)
    } else if let Some(d) = prop(c, "DURATION").and_then(|p| parse_duration(p.val.as_str())) {
        d.max(0)
    } else if matches!(start, When::Date(_)) {
        86_400_000_000
    } else {
        0
    };
    let uid = prop(c, "UID")
        .map(|p| p.val.as_str().trim().to_string())
        .unwrap_or_else(|| format!("no-uid-{index}"));
    let mut attendees = BTreeMap::new();
    let mut roles = BTreeMap::new();
    for a in props(c, "ATTENDEE") {
        let addr = normalise_address(without_mailto(a.val.as_str()));
        if addr.is_empty() {
            continue;
        }
        let partstat = param(a, "PARTSTAT")
            .unwrap_or("NEEDS-ACTION")
            .to_ascii_lowercase();
        let role = param(a, "ROLE").map(str::to_ascii_lowercase);
        // Google names rooms, resources and shared calendars by addresses of its own
        // (`c_1f…@resource.calendar.google.com`, `…@group.calendar.google.com`), with or
        // without a CUTYPE: they are not people. Nor is an attendee with
        // `ROLE=NON-PARTICIPANT` one of the meeting's people: RFC 5545 gives that role to
        // people copied for information only, and Outlook and Exchange to a meeting's
        // resources (rooms, equipment: [MS-OXCICAL] 2.1.3.1.1.20.2.4), with or without
        // their `CUTYPE=RESOURCE`.
        let is_person = param(a, "CUTYPE").is_none_or(|t| {
            t.eq_ignore_ascii_case("INDIVIDUAL")
                || t.eq_ignore_ascii_case("GROUP")
                || t.eq_ignore_ascii_case("UNKNOWN")
        }) && !addr.ends_with(".calendar.google.com")
            && role.as_deref() != Some("non-participant");
        if let Some(role) = role {
            roles.insert(addr.clone(), role);
        }
        attendees.insert(addr, (partstat, is_person));
    }
    let organizer = prop(c, "ORGANIZER").map(|p| normalise_address(without_mailto(p.val.as_str())));
    let transp_free = prop(c, "TRANSP")
        .is_some_and(|p| p.val.as_str().trim().eq_ignore_ascii_case("TRANSPARENT"));
    let show_as = prop(c, "X-MICROSOFT-CDO-BUSYSTATUS")
        .map(|p| p.val.as_str().trim().to_ascii_lowercase())
        .or_else(|| Some(if transp_free { "free" } else { "busy" }.to_string()));
    let facts = EventFacts {
        start,
        duration_us,
        rrule: prop(c, "RRULE").map(|p| p.val.as_str().trim().to_string()),
        exdates: props(c, "EXDATE").flat_map(&parse_when_list).collect(),
        rdates: props(c, "RDATE").flat_map(&parse_when_list).collect(),
        recurrence_id: prop(c, "RECURRENCE-ID").and_then(parse_when),
        this_and_future: prop(c, "RECURRENCE-ID")
            .and_then(|p| param(p, "RANGE"))
            .is_some_and(|r| r.eq_ignore_ascii_case("THISANDFUTURE")),
        created_us: prop(c, "CREATED")
            .and_then(parse_when)
            .and_then(|w| w.to_utc_micros(chrono_tz::UTC)),
        online: is_online(c),
        private: prop(c, "CLASS").and_then(|p| {
            let class = p.val.as_str().trim();
            if class.eq_ignore_ascii_case("PRIVATE") || class.eq_ignore_ascii_case("CONFIDENTIAL") {
                Some(true)
            } else {
                class.eq_ignore_ascii_case("PUBLIC").then_some(false)
            }
        }),
        cancelled: prop(c, "STATUS")
            .is_some_and(|p| p.val.as_str().trim().eq_ignore_ascii_case("CANCELLED")),
        show_as,
        category: prop(c, "SUMMARY")
            .and_then(|p| category_of(p.val.as_str()))
            .map(str::to_string),
    };
    Ok(Event {
        record: format!("VEVENT #{index}"),
        uid,
        facts,
        organizer,
        attendees,
        roles,
    })
}

/// An address without its leading `mailto:`s, in any letter case: a URI's scheme is
/// case-insensitive, and exports write `MAILTO:` (Outlook), `Mailto:` and `MailTo:` as well.
fn without_mailto(mut a: &str) -> &str {
    const MAILTO: &str = "mailto:";
    while a
        .get(..MAILTO.len())
        .is_some_and(|s| s.eq_ignore_ascii_case(MAILTO))
    {
        a = &a[MAILTO.len()..];
    }
    a
}

/// Properties that mark an online meeting (Teams, Skype for Business, Google Meet, RFC 7986).
const ONLINE_PROPERTIES: &[&str] = &[
    "X-MICROSOFT-SKYPETEAMSMEETINGURL",
    "X-MICROSOFT-ONLINEMEETINGCONFLINK",
    "X-MICROSOFT-ONLINEMEETINGINFORMATION",
    "X-MICROSOFT-ISONLINEMEETING",
    "X-GOOGLE-CONFERENCE",
    "CONFERENCE",
];

/// Hosts of meeting links in a location, description or URL.
const MEETING_HOSTS: &[&str] = &[
    "teams.microsoft.com/l/meetup-join",
    "teams.live.com/meet",
    "zoom.us/j/",
    "zoom.us/my/",
    "meet.google.com/",
    "webex.com/",
    "gotomeeting.com/",
    "gotomeet.me/",
    "whereby.com/",
    "bluejeans.com/",
    "chime.aws/",
    "meet.jit.si/",
];

/// Whether an event is an online meeting. The links are looked for, not kept.
fn is_online(c: &Component<'_>) -> bool {
    c.properties.iter().any(|p| {
        let name = p.name.as_str();
        if ONLINE_PROPERTIES
            .iter()
            .any(|n| name.eq_ignore_ascii_case(n))
        {
            return !p.val.as_str().trim().eq_ignore_ascii_case("FALSE");
        }
        ["LOCATION", "DESCRIPTION", "URL", "X-ALT-DESC"]
            .iter()
            .any(|n| name.eq_ignore_ascii_case(n))
            && {
                let v = p.val.as_str().to_ascii_lowercase();
                MEETING_HOSTS.iter().any(|h| v.contains(h))
            }
    })
}

/// Resolves every address of a calendar's events to its main address. Each address is
/// resolved once for the file (a team's members are on most of its events), and an event's
/// maps are rebuilt only when one of their addresses resolves to another.
pub(crate) fn resolve_identities(cal: &mut ParsedCalendar, ids: &Identities) {
    // Each address's main address where it is another one, else `None`.
    let mut memo: HashMap<String, Option<String>> = HashMap::new();
    let mut other = |a: &str| -> Option<String> {
        if let Some(m) = memo.get(a) {
            return m.clone();
        }
        let m = Some(ids.resolve(a)).filter(|m| m != a);
        memo.insert(a.to_string(), m.clone());
        m
    };
    fn rebuild<V>(map: &mut BTreeMap<String, V>, other: &mut impl FnMut(&str) -> Option<String>) {
        if map.keys().all(|a| other(a).is_none()) {
            return;
        }
        // Collected in the old order, so where two addresses resolve to one the later
        // address's entry stands, as before.
        *map = std::mem::take(map)
            .into_iter()
            .map(|(a, v)| (other(&a).unwrap_or(a), v))
            .collect();
    }
    for e in &mut cal.events {
        if let Some(m) = e.organizer.as_deref().and_then(&mut other) {
            e.organizer = Some(m);
        }
        rebuild(&mut e.attendees, &mut other);
        rebuild(&mut e.roles, &mut other);
    }
}

/// Decides whose calendar this is: the file name when it is an address, the calendar's name
/// when it is one, else the address on most events.
pub(crate) fn decide_owner(cal: &ParsedCalendar, file_stem: &str) -> (String, String) {
    if file_stem.contains('@') {
        return (
            normalise_address(file_stem),
            "file name is an address".into(),
        );
    }
    if let Some(name) = cal.calname.as_deref().filter(|n| n.contains('@')) {
        return (normalise_address(name), "X-WR-CALNAME is an address".into());
    }
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for e in &cal.events {
        let mut on_event: Vec<&str> = e.attendees.keys().map(String::as_str).collect();
        on_event.extend(e.organizer.as_deref());
        on_event.sort();
        on_event.dedup();
        for a in on_event {
            *counts.entry(a).or_default() += 1;
        }
    }
    match counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
    {
        Some((a, _)) => (a.to_string(), "address on most events".into()),
        None => (file_stem.to_string(), "file name (no address found)".into()),
    }
}

/// One expanded occurrence.
struct Occurrence<'a> {
    event: &'a OwnedEvent,
    start_us: i64,
    recurring: bool,
    /// Its series had more than [`MAX_OCCURRENCES`] in the window and was cut there.
    capped: bool,
}

/// The flag of an occurrence of a series cut at [`MAX_OCCURRENCES`] (an endless rule on a
/// minutely or hourly frequency, say): the rest of the series is not in the dataset.
pub(crate) const FLAG_SERIES_CAPPED: &str = "series_capped";

/// Expands a calendar's events within the window into activities of its owner.
pub(crate) fn calendar_activities(
    cal: &OwnedCalendar,
    window: &Window,
    pseudo: &Pseudonymiser,
    log: &mut IngestLogEntry,
) -> Vec<Activity> {
    let mut by_uid: BTreeMap<&str, Vec<&OwnedEvent>> = BTreeMap::new();
    for e in &cal.events {
        by_uid.entry(e.series.as_str()).or_default().push(e);
    }
    let mut occurrences = Vec::new();
    for (_, events) in by_uid {
        // A UID names one event (RFC 5545 §3.8.4.7), a RECURRENCE-ID one occurrence of it: a
        // calendar that holds either twice holds copies (or an update written after the
        // original), and the last of each stands.
        let mut last: HashMap<(bool, Option<i64>), usize> = HashMap::new();
        for (i, e) in events.iter().enumerate() {
            let rid = e.facts.recurrence_id;
            let key = (
                rid.is_some(),
                rid.and_then(|r| r.to_utc_micros(cal.floating)),
            );
            if last.insert(key, i).is_some() {
                log.reclassify_as_rejected(REPEATED_UID);
            }
        }
        let standing: std::collections::HashSet<usize> = last.into_values().collect();
        let events: Vec<&OwnedEvent> = events
            .iter()
            .enumerate()
            .filter(|(i, _)| standing.contains(i))
            .map(|(_, e)| *e)
            .collect();
        let overrides: Vec<&OwnedEvent> = events
            .iter()
            .copied()
            .filter(|e| e.facts.recurrence_id.is_some())
            .collect();
        let overridden: Vec<i64> = overrides
            .iter()
            .filter_map(|e| {
                e.facts
                    .recurrence_id
                    .and_then(|r| r.to_utc_micros(cal.floating))
            })
            .collect();
        for master in events
            .iter()
            .copied()
            .filter(|e| e.facts.recurrence_id.is_none())
        {
            if master.facts.rrule.is_none() && master.facts.rdates.is_empty() {
                if let Some(s) = master.facts.start.to_utc_micros(cal.floating) {
                    occurrences.push(Occurrence {
                        event: master,
                        start_us: s,
                        recurring: false,
                        capped: false,
                    });
                }
                continue;
            }
            // RANGE=THISANDFUTURE overrides, by their recurrence id: each moves and changes
            // every later instance by its own shift, until a later one takes over.
            let mut ranges: Vec<(i64, i64, &OwnedEvent)> = overrides
                .iter()
                .filter(|o| o.facts.this_and_future)
                .filter_map(|o| {
                    let rid = o.facts.recurrence_id?.to_utc_micros(cal.floating)?;
                    let start = o.facts.start.to_utc_micros(cal.floating)?;
                    Some((rid, start - rid, *o))
                })
                .collect();
            ranges.sort_by_key(|r| r.0);
            match expand(master, cal.floating, window) {
                Ok((starts, capped)) => {
                    occurrences.extend(starts.into_iter().filter(|s| !overridden.contains(s)).map(
                        |s| match ranges.iter().rev().find(|r| r.0 <= s) {
                            Some((_, shift, o)) => Occurrence {
                                event: o,
                                start_us: s + shift,
                                recurring: true,
                                capped,
                            },
                            None => Occurrence {
                                event: master,
                                start_us: s,
                                recurring: true,
                                capped,
                            },
                        },
                    ));
                }
                Err(reason) => log.reclassify_as_rejected(reason),
            }
        }
        for o in overrides {
            if let Some(s) = o.facts.start.to_utc_micros(cal.floating) {
                occurrences.push(Occurrence {
                    event: o,
                    start_us: s,
                    recurring: true,
                    capped: false,
                });
            }
        }
    }
    occurrences
        .into_iter()
        .filter(|o| window.contains(o.start_us))
        .map(|o| occurrence_activity(cal, &o, pseudo))
        .collect()
}

/// An RRULE value read by the `rrule` crate, or none. Its grammar is ASCII, and the crate
/// slices weekdays by bytes and panics on a multi-byte character (found by fuzzing), so
/// anything else is refused first.
pub(crate) fn parse_rrule(rule: &str) -> Option<RRule<Unvalidated>> {
    if !rule.is_ascii() {
        return None;
    }
    rule.parse().ok()
}

/// Repairs what real calendars write but the `rrule` crate refuses or reads otherwise:
///
/// - `UNTIL` must have DTSTART's value type (RFC 5545 §3.3.10) and, for a zoned or UTC
///   DTSTART, be in UTC. Exporters write a date (`UNTIL=20250401`) after a date-time
///   DTSTART, or a floating `UNTIL` after a zoned one: the date is read as the end of that
///   day, the floating time in DTSTART's zone, and both are written in UTC.
/// - For an all-day DTSTART, BYHOUR, BYMINUTE and BYSECOND are ignored (as libical does): a
///   date has no time of day to expand.
/// - Empty parts (`FREQ=WEEKLY;;BYDAY=MO;`, seen from Google Calendar) are dropped.
/// - `RSCALE=GREGORIAN` with `SKIP=OMIT` (RFC 7529's defaults) is the plain rule; another
///   calendar scale or SKIP is refused with its own reason.
fn normalise_rule(
    rule: &str,
    start: &When,
    floating: chrono_tz::Tz,
) -> Result<String, &'static str> {
    let all_day = matches!(start, When::Date(_));
    let zone = start.zone(floating);
    let mut parts = Vec::new();
    for part in rule
        .trim()
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let (key, value) = part.split_once('=').unwrap_or((part, ""));
        let key = key.trim().to_ascii_uppercase();
        if all_day && matches!(key.as_str(), "BYHOUR" | "BYMINUTE" | "BYSECOND") {
            continue;
        }
        match (key.as_str(), value.trim().to_ascii_uppercase().as_str()) {
            ("RSCALE", "GREGORIAN") | ("SKIP", "OMIT") => continue,
            ("RSCALE" | "SKIP", _) => return Err(RSCALE),
            _ => {}
        }
        if key == "UNTIL"
            && let Some(until) = normalise_until(value.trim(), zone)
        {
            parts.push(format!("UNTIL={until}"));
            continue;
        }
        parts.push(format!("{key}={}", value.trim()));
    }
    Ok(parts.join(";"))
}

/// An `UNTIL` value as a UTC date-time (`YYYYMMDDTHHMMSSZ`); `None` leaves it as written.
fn normalise_until(value: &str, zone: chrono_tz::Tz) -> Option<String> {
    let local = match parse_when_value(value, None, false, &Zones::new())? {
        When::Utc(_) => return None,
        When::Date(d) => d.and_hms_opt(23, 59, 59)?,
        When::Floating(n) | When::Zoned(n, _) => n,
    };
    let utc = zone
        .from_local_datetime(&local)
        .earliest()?
        .with_timezone(&Utc);
    Some(utc.format("%Y%m%dT%H%M%SZ").to_string())
}

/// The UTC starts of a series within the window, at most [`MAX_OCCURRENCES`] of them, and
/// whether there were more.
fn expand(
    event: &OwnedEvent,
    floating: chrono_tz::Tz,
    window: &Window,
) -> Result<(Vec<i64>, bool), &'static str> {
    let tz = rrule::Tz::Tz(event.facts.start.zone(floating));
    let to_rrule_dt = |w: &When| -> Option<DateTime<rrule::Tz>> {
        let us = w.to_utc_micros(floating)?;
        Some(DateTime::from_timestamp_micros(us)?.with_timezone(&tz))
    };
    let dtstart = to_rrule_dt(&event.facts.start).ok_or(NO_START)?;
    let mut set = RRuleSet::new(dtstart);
    if let Some(rule) = &event.facts.rrule {
        let rule = normalise_rule(rule, &event.facts.start, floating)?;
        let parsed = parse_rrule(&rule).ok_or(BAD_RRULE)?;
        set = set.rrule(parsed.validate(dtstart).map_err(|_| BAD_RRULE)?);
    } else {
        // RDATE-only series: the first instance is DTSTART itself.
        set = set.rdate(dtstart);
    }
    for d in &event.facts.rdates {
        if let Some(dt) = to_rrule_dt(d) {
            set = set.rdate(dt);
        }
    }
    for d in &event.facts.exdates {
        if let Some(dt) = to_rrule_dt(d) {
            set = set.exdate(dt);
        }
    }
    let micros_to = |us: i64| DateTime::from_timestamp_micros(us).map(|d| d.with_timezone(&tz));
    if let Some(a) = micros_to(window.since - 1) {
        set = set.after(a);
    }
    if let Some(b) = micros_to(window.until) {
        set = set.before(b);
    }
    let result = set.all(MAX_OCCURRENCES);
    Ok((
        result.dates.iter().map(|d| d.timestamp_micros()).collect(),
        result.limited,
    ))
}

fn occurrence_activity(
    cal: &OwnedCalendar,
    o: &Occurrence<'_>,
    pseudo: &Pseudonymiser,
) -> Activity {
    let e = o.event;
    let occurrence_key = format!("{}\0{}", e.series, o.start_us);
    Activity {
        activity_id: pseudo.object(
            "activity",
            &format!("{}\0{}\0{occurrence_key}", cal.file, cal.person_id),
        ),
        person_id: cal.person_id.clone(),
        source: "calendar".into(),
        action: if e.is_organizer { "organize" } else { "attend" }.into(),
        start_utc: o.start_us,
        end_utc: Some(o.start_us + e.facts.duration_us),
        tz: Some(e.facts.start.zone(cal.floating).name().to_string()),
        thread_id: Some(e.series.clone()),
        object_id: Some(pseudo.object("event", &occurrence_key)),
        participants: e.participants,
        internal_participants: e.internal_participants,
        accepted_participants: Some(e.accepted_participants),
        parties: e.parties.clone(),
        external_parties: e.external_parties.clone(),
        is_organizer: Some(e.is_organizer),
        response: Some(e.response.clone()),
        show_as: e.facts.show_as.clone(),
        is_recurring: Some(o.recurring),
        is_cancelled: Some(e.facts.cancelled),
        is_all_day: Some(matches!(e.facts.start, When::Date(_))),
        is_online: Some(e.facts.online),
        is_private: e.facts.private,
        recipient_role: Some(e.role.clone()),
        created_utc: e.facts.created_us,
        category: e.facts.category.clone(),
        flags: o.capped.then(|| FLAG_SERIES_CAPPED.to_string()),
        source_file: cal.file.clone(),
        source_record: e.record.clone(),
        ..Activity::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unfolds_as_the_icalendar_crate_does() {
        let cases = [
            "1 hello world\r\n2 hello \r\n   world\r\n3 hello \r\n world\r\n4 hello world",
            "a\r\n\tb\n c\n\td",
            "x\n\r\n  y",
            "x\r\n\r\n y",
            "\n \n \r\n\t",
            "no folds\r\nat all\r\n",
            "é\r\n ü\n\tß",
            "",
        ];
        for case in cases {
            assert_eq!(
                super::unfold(case),
                icalendar::parser::unfold(case),
                "{case:?}"
            );
        }
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../sample-data/calendar");
        let mut files = 0;
        for entry in std::fs::read_dir(dir)
            .expect("the sample calendars")
            .flatten()
        {
            let text = std::fs::read_to_string(entry.path()).expect("a calendar");
            assert_eq!(super::unfold(&text), icalendar::parser::unfold(&text));
            files += 1;
        }
        assert!(files > 0);
    }

    const ICS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:s1\r\nDTSTART;TZID=Europe/Berlin:20240108T100000\r\nDTEND;TZID=Europe/Berlin:20240108T110000\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\nEXDATE;TZID=Europe/Berlin:20240115T100000\r\nORGANIZER:mailto:a@x.org\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:a@x.org\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:b@x.org\r\nATTENDEE;CUTYPE=ROOM:mailto:room@x.org\r\nATTENDEE;PARTSTAT=ACCEPTED;CN=Room 4:mailto:c_188f@resource.calendar.google.com\r\nATTENDEE:mailto:x.org_team@group.calendar.google.com\r\nATTENDEE;CN=Room 5;ROLE=NON-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:room5@x.org\r\nATTENDEE;ROLE=NON-PARTICIPANT;RSVP=FALSE:mailto:fyi@x.org\r\nSUMMARY:Team meeting\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:s1\r\nRECURRENCE-ID;TZID=Europe/Berlin:20240122T100000\r\nDTSTART;TZID=Europe/Berlin:20240122T140000\r\nDURATION:PT30M\r\nORGANIZER:mailto:a@x.org\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:no start\r\nEND:VEVENT\r\nBEGIN:VTODO\r\nUID:t1\r\nDUE:20240110T170000Z\r\nSUMMARY:a task\r\nEND:VTODO\r\nEND:VCALENDAR\r\n";

    /// A calendar read and expanded (without bounds) as `a@x.org`'s, with its log.
    fn expand_as_alice(ics: &str) -> (Vec<Activity>, IngestLogEntry) {
        let mut log = IngestLogEntry::new("c.ics", "ics");
        let cal = parse_calendar("c.ics", ics, &mut log);
        let pseudo = Pseudonymiser::new(b"0123456789abcdef").unwrap();
        let cal = own(cal, "a@x.org", &Identities::default(), &pseudo);
        let acts = calendar_activities(&cal, &Window::everything(), &pseudo, &mut log);
        (acts, log)
    }

    #[test]
    fn dates_read_by_hand_as_chrono_reads_them() {
        let chrono_date_time = |v: &str| NaiveDateTime::parse_from_str(v, "%Y%m%dT%H%M%S").ok();
        let chrono_date = |v: &str| NaiveDate::parse_from_str(v, "%Y%m%d").ok();
        for v in [
            "20240108T100000",
            "19700101T000000",
            "99991231T235959",
            "00010101T000000",
            "20240229T120000",
            "20230229T120000",
            "20241301T000000",
            "20240100T000000",
            "20240108T240000",
            "20240108T236000",
            "20240630T235960",
            "2024010T1000000",
            "20240108 100000",
            "20240108T10000",
            "2024-01-08T10:00",
            "٢٠٢٤0108T100000",
            "",
        ] {
            let by_hand = basic_date_time(v);
            assert_eq!(
                by_hand.or_else(|| chrono_date_time(v)),
                chrono_date_time(v),
                "{v}"
            );
            let date = v.get(..8).unwrap_or(v);
            assert_eq!(
                basic_date(date).or_else(|| chrono_date(date)),
                chrono_date(date),
                "{date}"
            );
        }
        // The common forms are read by hand, not left to chrono.
        assert!(basic_date_time("20240108T100000").is_some());
        assert!(basic_date("20240229").is_some());
    }

    #[test]
    fn addresses_resolve_to_main_addresses_once_per_file() {
        // `mailto:` in any case (as Outlook, ical4j's and libical's samples write it).
        let ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:20240108T100000Z\r\nORGANIZER:MAILTO:/O=X/CN=ASMITH\r\nATTENDEE;PARTSTAT=DECLINED;ROLE=CHAIR:Mailto:A.Smith@x.org\r\nATTENDEE;PARTSTAT=ACCEPTED:MailTo:alice@x.org\r\nATTENDEE;PARTSTAT=TENTATIVE:mailto:bob+cal@x.org\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:b\r\nDTSTART:20240109T100000Z\r\nORGANIZER:mailto:bob@x.org\r\nATTENDEE;ROLE=OPT-PARTICIPANT:mailto:alice@x.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let mut log = IngestLogEntry::new("c.ics", "ics");
        let mut cal = parse_calendar("c.ics", ics, &mut log);
        let mut ids = Identities::default();
        ids.add_alias("alice@x.org", "a.smith@x.org");
        ids.add_alias("alice@x.org", "/O=X/CN=ASMITH");
        resolve_identities(&mut cal, &ids);
        type People<'a> = (
            Option<&'a str>,
            Vec<(&'a str, &'a str)>,
            Vec<(&'a str, &'a str)>,
        );
        fn people(e: &Event) -> People<'_> {
            let attendees: Vec<(&str, &str)> = e
                .attendees
                .iter()
                .map(|(a, (partstat, _))| (a.as_str(), partstat.as_str()))
                .collect();
            let roles: Vec<(&str, &str)> = e
                .roles
                .iter()
                .map(|(a, r)| (a.as_str(), r.as_str()))
                .collect();
            (e.organizer.as_deref(), attendees, roles)
        }
        // Two addresses of one person: the entry of the later address (in address order)
        // stands, as when every event was rebuilt.
        assert_eq!(
            people(&cal.events[0]),
            (
                Some("alice@x.org"),
                vec![("alice@x.org", "accepted"), ("bob@x.org", "tentative")],
                vec![("alice@x.org", "chair")]
            )
        );
        assert_eq!(
            people(&cal.events[1]),
            (
                Some("bob@x.org"),
                vec![("alice@x.org", "needs-action")],
                vec![("alice@x.org", "opt-participant")]
            )
        );
    }

    #[test]
    fn a_rule_with_a_multi_byte_character_is_rejected_not_a_panic() {
        // Found by the calendar fuzz target: the rrule crate panicked on `BYDAY=1\u{fffd}`.
        let ics = ICS.replace(
            "RRULE:FREQ=WEEKLY;COUNT=4",
            "RRULE:FREQ=WEEKLY;BYDAY=1\u{fffd}",
        );
        let (_, log) = expand_as_alice(&ics);
        assert_eq!(log.reasons.get(BAD_RRULE), Some(&1), "{log:?}");
        assert_eq!(
            log.records_read,
            log.records_accepted + log.records_rejected
        );
    }

    #[test]
    fn expands_series_with_exdate_and_override() {
        let mut log = IngestLogEntry::new("c.ics", "ics");
        parse_calendar("c.ics", ICS, &mut log);
        // Two events read, one without a start, and a task: not a meeting, but counted.
        assert_eq!(
            (log.records_read, log.records_accepted, log.records_rejected),
            (4, 2, 2)
        );
        assert_eq!(log.reasons.get(NOT_A_MEETING), Some(&1));
        let (acts, _) = expand_as_alice(ICS);
        // 4 weekly instances, one excluded, one moved: 3 occurrences.
        assert_eq!(acts.len(), 3);
        let mut starts: Vec<(i64, i64)> = acts
            .iter()
            .map(|a| (a.start_utc, a.end_utc.unwrap() - a.start_utc))
            .collect();
        starts.sort();
        // 2024-01-08 09:00Z (CET), the moved one 2024-01-22 13:00Z for 30 minutes.
        assert_eq!(starts[0], (1_704_704_400_000_000, 3_600_000_000));
        assert_eq!(starts[1], (1_705_928_400_000_000, 1_800_000_000));
        assert_eq!(starts[2].0, 1_706_518_800_000_000);
        assert_eq!(
            acts[0].participants, 2,
            "the rooms, the shared calendar, Outlook's resource (`ROLE=NON-PARTICIPANT`, no \
             CUTYPE) and the person copied for information are not the meeting's people"
        );
        assert!(acts.iter().all(|a| a.action == "organize"));
    }

    #[test]
    fn an_event_repeated_in_one_calendar_counts_once() {
        // Series s twice (the second ending a week sooner: an update written after it), its
        // moved occurrence twice, and the one-off o twice.
        let ev = |uid: &str, rid: &str, start: &str, rule: &str| {
            format!(
                "BEGIN:VEVENT\r\nUID:{uid}\r\n{rid}DTSTART:{start}\r\nDURATION:PT1H\r\n{rule}END:VEVENT\r\n"
            )
        };
        let series = ev("s", "", "20240101T100000Z", "RRULE:FREQ=WEEKLY;COUNT=3\r\n");
        let moved = ev(
            "s",
            "RECURRENCE-ID:20240108T100000Z\r\n",
            "20240108T150000Z",
            "",
        );
        let one_off = ev("o", "", "20240102T090000Z", "");
        let ics = format!(
            "BEGIN:VCALENDAR\r\n{series}{one_off}{moved}{}{moved}{one_off}END:VCALENDAR\r\n",
            ev("s", "", "20240101T100000Z", "RRULE:FREQ=WEEKLY;COUNT=2\r\n"),
        );
        let (acts, log) = expand_as_alice(&ics);
        let mut starts: Vec<i64> = acts.iter().map(|a| a.start_utc / 3_600_000_000).collect();
        starts.sort();
        // Hours since 1970: the series at 10:00 on 1 January and moved to 15:00 on the 8th,
        // no more; the one-off on the 2nd at 09:00.
        assert_eq!(starts, vec![473_362, 473_385, 473_535]);
        assert_eq!(
            (
                log.records_read,
                log.records_accepted,
                log.reasons.get(REPEATED_UID)
            ),
            (6, 3, Some(&3))
        );
    }

    #[test]
    fn this_and_future_overrides_move_later_instances() {
        let ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:s\r\nCREATED:20231220T120000Z\r\nDTSTART:20240101T100000Z\r\nDTEND:20240101T110000Z\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\nCLASS:CONFIDENTIAL\r\nLOCATION:https://teams.microsoft.com/l/meetup-join/abc\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:s\r\nRECURRENCE-ID;RANGE=THISANDFUTURE:20240108T100000Z\r\nCLASS:PUBLIC\r\nDTSTART:20240108T113000Z\r\nDTEND:20240108T120000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let mut log = IngestLogEntry::new("c.ics", "ics");
        let cal = parse_calendar("c.ics", ics, &mut log);
        let pseudo = Pseudonymiser::new(b"0123456789abcdef").unwrap();
        let cal = own(cal, "a@x.org", &Identities::default(), &pseudo);
        let acts = calendar_activities(&cal, &Window::everything(), &pseudo, &mut log);
        let mut got: Vec<(i64, i64)> = acts
            .iter()
            .map(|a| (a.start_utc, a.end_utc.unwrap() - a.start_utc))
            .collect();
        got.sort();
        let jan1 = 1_704_103_200_000_000; // 2024-01-01 10:00Z
        let (week, hour, half) = (7 * 86_400_000_000, 3_600_000_000, 1_800_000_000);
        assert_eq!(
            got,
            vec![
                (jan1, hour),
                (jan1 + week + hour + half, half),
                (jan1 + 2 * week + hour + half, half),
                (jan1 + 3 * week + hour + half, half),
            ]
        );
        let first = acts.iter().find(|a| a.start_utc == jan1).unwrap();
        assert_eq!(first.is_online, Some(true));
        assert_eq!(first.created_utc, Some(1_703_073_600_000_000));
        assert_eq!(first.recipient_role.as_deref(), Some("required"));
        // CLASS: the series is confidential, the moved instances say they are public.
        assert_eq!(first.is_private, Some(true));
        assert!(
            acts.iter()
                .filter(|a| a.start_utc != jan1)
                .all(|a| a.is_private == Some(false))
        );
    }

    #[test]
    fn one_broken_event_does_not_lose_the_file() {
        let text = "BEGIN:VCALENDAR\r\nX-WR-TIMEZONE:Europe/Berlin\r\n\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:20240101T100000\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:b\r\nDTSTART\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n\r\nBEGIN:VEVENT\r\nUID:c\r\nDTSTART:20240102T100000Z\r\nEND:VEVENT\r\n";
        let mut log = IngestLogEntry::new("c.ics", "ics");
        let cal = parse_calendar("c.ics", text, &mut log);
        assert_eq!(log.records_read, 3, "{log:?}");
        assert_eq!(log.records_accepted, 2, "{log:?}");
        assert_eq!(cal.floating, chrono_tz::Europe::Berlin);
    }

    #[test]
    fn windows_zone_names() {
        assert_eq!(
            parse_tz("W. Europe Standard Time"),
            Some(chrono_tz::Europe::Berlin)
        );
        assert_eq!(
            parse_tz("\"Eastern Standard Time\""),
            Some(chrono_tz::America::New_York)
        );
        assert_eq!(
            parse_tz("/mozilla.org/20050126_1/Europe/Paris"),
            Some(chrono_tz::Europe::Paris)
        );
        assert_eq!(
            parse_tz("Canberra, Melbourne, Sydney"),
            Some(chrono_tz::Australia::Canberra)
        );
        assert_eq!(
            parse_tz("(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna"),
            Some(chrono_tz::Europe::Amsterdam)
        );
        assert_eq!(parse_tz("Not a zone"), None);
    }

    #[test]
    fn times_in_dst_gaps_and_overlaps() {
        let berlin = chrono_tz::Europe::Berlin;
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%S").unwrap();
        // 2024-03-31 02:30 does not exist in Berlin: read with +01:00, i.e. 01:30Z.
        let gap = When::Zoned(at("20240331T023000"), berlin).to_utc_micros(berlin);
        assert_eq!(gap, Some(1_711_848_600_000_000));
        // 2024-10-27 02:30 happens twice: the first, +02:00, i.e. 00:30Z.
        let overlap = When::Zoned(at("20241027T023000"), berlin).to_utc_micros(berlin);
        assert_eq!(overlap, Some(1_729_989_000_000_000));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("PT1H30M"), Some(5_400_000_000));
        assert_eq!(parse_duration("P1D"), Some(86_400_000_000));
        assert_eq!(parse_duration("P1W"), Some(604_800_000_000));
        assert_eq!(parse_duration("PX"), None);
        assert_eq!(
            parse_tz("/mozilla.org/20050126_1/Europe/Berlin"),
            Some(chrono_tz::Europe::Berlin)
        );
    }
}
