//! VTIMEZONE definitions whose TZID names no zone wecon knows (`US-Eastern`,
//! `custom_America/New_York`, `GMT +0100 (Standard) / GMT +0200 (Daylight)`, ...): the
//! definition's own rules (STANDARD/DAYLIGHT observances with their onsets, RRULEs, RDATEs and
//! offsets) give its UTC offset at any instant, and the IANA zone with the same offsets over
//! the year the calendar's events fall in stands for it. Occurrences are then stored in UTC
//! with that zone's name, and recurrences expand across DST changes as the definition says.
//!
//! Matching against IANA zones rather than carrying a private zone keeps one time-zone model
//! in the code (chrono-tz). A definition no IANA zone matches (a fictitious zone) falls back to
//! a fixed `Etc/GMT±N` zone when its offset never changes and is whole hours; otherwise its
//! events are read as floating times, as before.

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use icalendar::parser::Component;
use rrule::RRuleSet;

/// One STANDARD or DAYLIGHT block: from each onset (local time before the change) on, the
/// offset is `to` seconds east of UTC.
#[derive(Debug, Clone)]
struct Observance {
    start: NaiveDateTime,
    from: i32,
    to: i32,
    rrule: Option<String>,
    rdates: Vec<NaiveDateTime>,
}

/// `+0100`, `-0530`, `+013045` as seconds east of UTC.
fn parse_offset(s: &str) -> Option<i32> {
    let s = s.trim();
    let (sign, digits) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => (1, s),
    };
    if digits.len() < 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: i32 = digits[0..2].parse().ok()?;
    let m: i32 = digits[2..4].parse().ok()?;
    let sec: i32 = digits.get(4..6).and_then(|x| x.parse().ok()).unwrap_or(0);
    Some(sign * (h * 3600 + m * 60 + sec))
}

fn parse_local(v: &str) -> Option<NaiveDateTime> {
    let v = v.trim().trim_end_matches(['Z', 'z']);
    NaiveDateTime::parse_from_str(v, "%Y%m%dT%H%M%S")
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(v, "%Y%m%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
}

fn value<'a>(c: &'a Component<'a>, name: &str) -> Option<&'a str> {
    c.properties
        .iter()
        .find(|p| p.name.as_str().eq_ignore_ascii_case(name))
        .map(|p| p.val.as_str())
}

fn observances(vtz: &Component<'_>) -> Vec<Observance> {
    vtz.components
        .iter()
        .filter(|c| {
            let n = c.name.as_str();
            n.eq_ignore_ascii_case("STANDARD") || n.eq_ignore_ascii_case("DAYLIGHT")
        })
        .filter_map(|c| {
            let to = parse_offset(value(c, "TZOFFSETTO")?)?;
            Some(Observance {
                start: parse_local(value(c, "DTSTART")?)?,
                from: value(c, "TZOFFSETFROM")
                    .and_then(parse_offset)
                    .unwrap_or(to),
                to,
                rrule: value(c, "RRULE").map(|r| r.trim().to_string()),
                rdates: c
                    .properties
                    .iter()
                    .filter(|p| p.name.as_str().eq_ignore_ascii_case("RDATE"))
                    .flat_map(|p| {
                        p.val
                            .as_str()
                            .split(',')
                            .filter_map(parse_local)
                            .collect::<Vec<_>>()
                    })
                    .collect(),
            })
        })
        .collect()
}

/// The onsets (as UTC instants) of an observance within `[lo, hi]` years.
fn onsets(o: &Observance, lo: i32, hi: i32) -> Vec<i64> {
    let mut local: Vec<NaiveDateTime> = o.rdates.clone();
    local.push(o.start);
    if let Some(rule) = &o.rrule {
        // Expanded on local wall-clock time, written as if it were UTC.
        let start = o.start.and_utc().with_timezone(&rrule::Tz::UTC);
        let parsed = crate::calendar::parse_rrule(rule).and_then(|r| r.validate(start).ok());
        if let Some(r) = parsed {
            let mut set = RRuleSet::new(start).rrule(r);
            if let Some(a) = NaiveDate::from_ymd_opt(lo, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0))
            {
                set = set.after(a.and_utc().with_timezone(&rrule::Tz::UTC));
            }
            if let Some(b) =
                NaiveDate::from_ymd_opt(hi, 12, 31).and_then(|d| d.and_hms_opt(23, 59, 59))
            {
                set = set.before(b.and_utc().with_timezone(&rrule::Tz::UTC));
            }
            local.extend(set.all(400).dates.iter().map(|d| d.naive_utc()));
        }
    }
    local
        .into_iter()
        .filter(|d| (lo..=hi).contains(&d.year()))
        .map(|d| d.and_utc().timestamp() - i64::from(o.from))
        .collect()
}

/// The definition's offset (seconds east of UTC) at each instant, from its observances.
fn offsets_at(obs: &[Observance], before_all: i32, instants: &[i64], year: i32) -> Vec<i32> {
    let mut changes: Vec<(i64, i32)> = obs
        .iter()
        .flat_map(|o| onsets(o, year - 2, year + 1).into_iter().map(|t| (t, o.to)))
        .collect();
    changes.sort();
    instants
        .iter()
        .map(|t| {
            changes
                .iter()
                .rev()
                .find(|(at, _)| at <= t)
                .map_or(before_all, |(_, to)| *to)
        })
        .collect()
}

/// Twice a month over the year, noon UTC.
fn sample_instants(year: i32) -> Vec<i64> {
    (1..=12)
        .flat_map(|m| [1, 15].map(move |d| (m, d)))
        .filter_map(|(m, d)| NaiveDate::from_ymd_opt(year, m, d)?.and_hms_opt(12, 0, 0))
        .map(|t| t.and_utc().timestamp())
        .collect()
}

/// Zones tried first, in this order, when several IANA zones share the offsets: the ones most
/// calendars mean.
const PREFERRED: &[&str] = &[
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Halifax",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Helsinki",
    "Europe/Moscow",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Australia/Brisbane",
    "Pacific/Auckland",
];

/// The IANA zone whose offsets equal the definition's at every sample instant of `year`;
/// one whose city appears in the TZID wins, then the preferred ones, then the first by name.
fn matching_zone(tzid: &str, obs: &[Observance], year: i32) -> Option<chrono_tz::Tz> {
    // Before the first onset, the earliest observance's `from` offset holds.
    let before_all = obs.iter().min_by_key(|o| o.start)?.from;
    let instants = sample_instants(year);
    // The definition's offsets, worked out only when a zone must be checked against them:
    // expanding its yearly rules from their first onset (often 1970 or 1601) is most of the
    // cost, and a TZID that names a zone does not need them.
    let offsets = std::cell::OnceCell::new();
    let wanted = || offsets.get_or_init(|| offsets_at(obs, before_all, &instants, year));
    let matches = |tz: &chrono_tz::Tz| {
        instants.iter().zip(wanted()).all(|(t, w)| {
            DateTime::<Utc>::from_timestamp(*t, 0).map(|d| {
                tz.offset_from_utc_datetime(&d.naive_utc())
                    .fix()
                    .local_minus_utc()
            }) == Some(*w)
        })
    };
    let id = tzid.to_ascii_lowercase().replace(['-', ' ', '/'], "_");
    let named = |part: &str| id.contains(&part.to_ascii_lowercase().replace('/', "_"));
    // The whole zone name in the TZID (`US-Eastern`, `custom_America/New_York`) is taken at
    // its word, even when the definition disagrees (old files carry inconsistent ones); a
    // city in it only when the offsets agree.
    let by_name = chrono_tz::TZ_VARIANTS
        .iter()
        .filter(|tz| tz.name().contains('/'))
        .find(|tz| named(tz.name()))
        .or_else(|| {
            chrono_tz::TZ_VARIANTS.iter().find(|tz| {
                tz.name()
                    .rsplit_once('/')
                    .is_some_and(|(_, city)| named(city))
                    && matches(tz)
            })
        });
    if let Some(tz) = by_name {
        return Some(*tz);
    }
    let preferred = PREFERRED
        .iter()
        .filter_map(|n| chrono_tz::Tz::from_str(n).ok())
        .find(|tz| matches(tz));
    if preferred.is_some() {
        return preferred;
    }
    // Canonical zones only (`America/Regina`, not its alias `Canada/Saskatchewan`).
    const AREAS: &[&str] = &[
        "Africa/",
        "America/",
        "Asia/",
        "Atlantic/",
        "Australia/",
        "Europe/",
        "Indian/",
        "Pacific/",
    ];
    if let Some(tz) = chrono_tz::TZ_VARIANTS
        .iter()
        .filter(|tz| AREAS.iter().any(|a| tz.name().starts_with(a)))
        .find(|tz| matches(tz))
    {
        return Some(*tz);
    }
    // A fixed offset of whole hours: `Etc/GMT-1` is UTC+1 (POSIX signs).
    let wanted = wanted();
    let first = *wanted.first()?;
    if wanted.iter().all(|w| *w == first) && first % 3600 == 0 {
        let h = -first / 3600;
        let name = match h {
            0 => "Etc/GMT".to_string(),
            h if h > 0 => format!("Etc/GMT+{h}"),
            h => format!("Etc/GMT{h}"),
        };
        return chrono_tz::Tz::from_str(&name).ok();
    }
    None
}

/// The calendar's VTIMEZONE definitions, each as the IANA zone it matches in `year`.
pub(crate) fn zones(roots: &[Component<'_>], year: i32) -> HashMap<String, chrono_tz::Tz> {
    fn collect<'a>(c: &'a Component<'a>, out: &mut Vec<&'a Component<'a>>) {
        if c.name.as_str().eq_ignore_ascii_case("VTIMEZONE") {
            out.push(c);
        }
        for child in &c.components {
            collect(child, out);
        }
    }
    let mut vtzs = Vec::new();
    for r in roots {
        collect(r, &mut vtzs);
    }
    // Exports repeat a definition (one per event, in some); the last of a TZID that matches
    // a zone stands, each matched once.
    let mut zones = HashMap::new();
    for v in vtzs.into_iter().rev() {
        let Some(tzid) = value(v, "TZID").map(|t| t.trim().trim_matches('"')) else {
            continue;
        };
        if zones.contains_key(tzid) {
            continue;
        }
        if let Some(tz) = matching_zone(tzid, &observances(v), year) {
            zones.insert(tzid.to_string(), tz);
        }
    }
    zones
}

#[cfg(test)]
mod tests {
    use super::*;
    use icalendar::parser::read_components;

    fn zones_of(ics: &str, year: i32) -> HashMap<String, chrono_tz::Tz> {
        let text = icalendar::parser::unfold(ics);
        let roots = read_components(&text).unwrap();
        zones(&roots, year)
    }

    #[test]
    fn definitions_match_their_iana_zones() {
        let ics = "BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:US-Eastern\r\nBEGIN:STANDARD\r\nDTSTART:19671029T020000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:19870405T020000\r\nRRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=4\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\nBEGIN:VTIMEZONE\r\nTZID:GMT +0100 (Standard) / GMT +0200 (Daylight)\r\nBEGIN:STANDARD\r\nDTSTART:16011028T030000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:16010325T020000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\nBEGIN:VTIMEZONE\r\nTZID:Fictitious\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0300\r\nTZOFFSETTO:+0300\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nEND:VCALENDAR\r\n";
        let z = zones_of(ics, 1997);
        assert_eq!(z["US-Eastern"], chrono_tz::US::Eastern);
        assert_eq!(
            z["GMT +0100 (Standard) / GMT +0200 (Daylight)"],
            chrono_tz::Europe::Berlin
        );
        // UTC+3 all year: no preferred zone has that in 1997 but Moscow did not then; some
        // IANA zone does (Africa/Addis_Ababa...), which is fine: the offsets are the same.
        let f = z["Fictitious"];
        let t = chrono::NaiveDate::from_ymd_opt(1997, 7, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        assert_eq!(
            f.offset_from_utc_datetime(&t).fix().local_minus_utc(),
            3 * 3600
        );
    }

    #[test]
    fn a_repeated_definition_is_taken_from_its_last_copy_that_matches() {
        let definition = |tzid: &str, offset: &str| {
            format!(
                "BEGIN:VTIMEZONE\r\nTZID:{tzid}\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n\
                 TZOFFSETFROM:{offset}\r\nTZOFFSETTO:{offset}\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
            )
        };
        let calendar =
            |parts: &[String]| format!("BEGIN:VCALENDAR\r\n{}END:VCALENDAR\r\n", parts.concat());
        let offset_in_july = |tz: chrono_tz::Tz| {
            let t = chrono::NaiveDate::from_ymd_opt(2024, 7, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap();
            tz.offset_from_utc_datetime(&t).fix().local_minus_utc()
        };
        let plus3 = definition("Office", "+0300");
        let minus5 = definition("Office", "-0500");
        // No observance: no zone, so an earlier copy stands.
        let empty = "BEGIN:VTIMEZONE\r\nTZID:Office\r\nEND:VTIMEZONE\r\n".to_string();
        let of = |parts: &[String]| offset_in_july(zones_of(&calendar(parts), 2024)["Office"]);
        assert_eq!(of(&[plus3.clone(), minus5.clone()]), -5 * 3600);
        assert_eq!(
            of(&[minus5.clone(), plus3.clone(), plus3.clone()]),
            3 * 3600
        );
        assert_eq!(of(&[minus5, empty]), -5 * 3600);
    }

    #[test]
    fn a_multi_byte_character_in_an_observance_rule_is_no_panic() {
        // Found by the calendar fuzz target: the rrule crate panicked on it.
        let ics = "BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:Odd\r\nBEGIN:STANDARD\r\nDTSTART:19671029T020000\r\nRRULE:FREQ=YEARLY;BYDAY=-1\u{fffd};BYMONTH=10\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nEND:VCALENDAR\r\n";
        let _ = zones_of(ics, 1997);
    }

    #[test]
    fn offsets_parse() {
        assert_eq!(parse_offset("+0100"), Some(3600));
        assert_eq!(parse_offset("-0530"), Some(-19800));
        assert_eq!(parse_offset("+013045"), Some(5445));
        assert_eq!(parse_offset("x"), None);
    }
}
