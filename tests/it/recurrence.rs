//! Recurrence expansion against expected instances published by others: the 194
//! `rust-rrule-vectors` (RFC 5545 examples and python-dateutil's suite, cross-checked with
//! dateutil) and libical's `icalrecur_test.txt` (`INSTANCES:` lines). Each case becomes one
//! VEVENT of a calendar that `wecon ingest` reads; the occurrences it writes are compared.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};

use crate::helpers::{TEST_KEY, ingest, query_csv, shared_data};

/// One case: its name, the DTSTART/RRULE/EXDATE lines, the expected starts (µs UTC), the
/// number of our occurrences to compare (a limit), and a start before which ours are ignored.
struct Case {
    name: String,
    lines: Vec<String>,
    expected: Vec<i64>,
    limit: Option<usize>,
    start_at: Option<i64>,
}

/// Writes every case as a VEVENT (UID `case-N`) of one calendar, ingests it over two
/// centuries, and returns each case's occurrences, in order.
fn expand_all(cases: &[Case]) -> Vec<Vec<i64>> {
    let mut ics = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//wecon//tests//EN\r\n");
    for (i, c) in cases.iter().enumerate() {
        ics.push_str(&format!("BEGIN:VEVENT\r\nUID:case-{i}\r\n"));
        for l in &c.lines {
            ics.push_str(l);
            ics.push_str("\r\n");
        }
        ics.push_str("END:VEVENT\r\n");
    }
    ics.push_str("END:VCALENDAR\r\n");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a@x.org.ics");
    std::fs::write(&file, ics).unwrap();
    let ds = dir.path().join("ds");
    ingest(
        &file,
        &ds,
        &["--since", "1900-01-01", "--until", "2200-01-01"],
    );
    let pseudo = wecon_model::Pseudonymiser::new(TEST_KEY.as_bytes()).unwrap();
    let series: BTreeMap<String, usize> = (0..cases.len())
        .map(|i| (pseudo.object("series", &format!("case-{i}")), i))
        .collect();
    let csv = query_csv(
        &ds,
        "select thread_id, arrow_cast(start_utc, 'Int64') us from activities order by thread_id, start_utc",
    );
    let mut out = vec![Vec::new(); cases.len()];
    for line in csv.lines().skip(1) {
        let (id, us) = line.split_once(',').unwrap();
        out[series[id]].push(us.parse().unwrap());
    }
    out
}

/// libical's instances that differ from what wecon (the `rrule` crate) expands, by block of
/// `icalrecur_test.txt`. In each, wecon agrees with python-dateutil (checked by hand with
/// dateutil 2.9): the two reference implementations read these rules differently, and the
/// rust-rrule vectors above hold dateutil's reading.
///
/// - YEARLY with BYWEEKNO but no BYDAY: libical takes the weekday from DTSTART; dateutil
///   (vector `rrule::yearly_by_weekno`) expands every day of the week. Blocks 54, 101–110.
/// - YEARLY with BYMONTHDAY but no BYMONTH: libical takes the month from DTSTART; dateutil
///   (vector `rrule::yearly_by_monthday`) expands every month. Blocks 76, 77.
/// - WEEKLY with BYSETPOS: libical counts positions in the calendar week of DTSTART, dateutil
///   from DTSTART on. Blocks 111, 122.
/// - BYWEEKNO=53 and ISO week-numbering years across a year end. Blocks 129, 141–143, 145.
const LIBICAL_DIFFERS: &[usize] = &[
    54, 76, 77, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 122, 129, 141, 142, 143, 145,
];

/// Compares each case; returns the names of those that differ, with what differs.
fn compare(cases: &[Case], got: &[Vec<i64>]) -> Vec<String> {
    let fmt = |v: &[i64]| -> Vec<String> {
        v.iter()
            .map(|us| {
                chrono::DateTime::from_timestamp_micros(*us)
                    .unwrap()
                    .format("%Y%m%dT%H%M%SZ")
                    .to_string()
            })
            .collect()
    };
    let mut failed = Vec::new();
    for (c, g) in cases.iter().zip(got) {
        let mut g: Vec<i64> = g
            .iter()
            .copied()
            .filter(|t| c.start_at.is_none_or(|s| *t >= s))
            .collect();
        if let Some(n) = c.limit {
            g.truncate(n);
        }
        if g != c.expected {
            failed.push(format!(
                "{}: expected {:?}, got {:?}",
                c.name,
                fmt(&c.expected),
                fmt(&g)
            ));
        }
    }
    failed
}

#[test]
fn expansion_matches_the_rrule_vectors() {
    let Some(path) = shared_data("rust-rrule-vectors/rrule_vectors.json") else {
        return;
    };
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let cases: Vec<Case> = json["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| Case {
            name: v["id"].as_str().unwrap().to_string(),
            lines: v["input"]
                .as_str()
                .unwrap()
                .lines()
                .map(str::to_string)
                .collect(),
            expected: v["expected"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    chrono::DateTime::parse_from_rfc3339(e.as_str().unwrap())
                        .unwrap()
                        .timestamp_micros()
                })
                .collect(),
            limit: v["limit"].as_u64().map(|n| n as usize),
            start_at: None,
        })
        .collect();
    assert_eq!(cases.len(), 194);
    let got = expand_all(&cases);
    let failed = compare(&cases, &got);
    assert!(
        failed.is_empty(),
        "{} of 194 differ:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

/// A libical time (`19970902T090000`, `...Z` or a date `19970902`) as µs UTC; floating times
/// are read in UTC, as wecon reads them without a calendar time zone.
fn libical_time(s: &str) -> i64 {
    let s = s.trim().trim_end_matches('Z');
    let t = if s.len() == 8 {
        NaiveDate::parse_from_str(s, "%Y%m%d")
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
    } else {
        NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%S").unwrap()
    };
    t.and_utc().timestamp_micros()
}

/// The cases of one of libical's `icalrecur_test*.txt` files, and the names of those whose
/// INSTANCES say libical itself does not implement them.
fn libical_cases(text: &str) -> (Vec<Case>, Vec<String>) {
    let mut cases = Vec::new();
    let mut unimplemented = Vec::new();
    for (n, block) in text.split("\n\n").enumerate() {
        let mut case = Case {
            name: format!("block {n}:"),
            lines: Vec::new(),
            expected: Vec::new(),
            limit: None,
            start_at: None,
        };
        for line in block.lines() {
            if let Some(c) = line.strip_prefix('#') {
                case.name = format!("block {n}:{c}");
            } else if line.starts_with("RRULE") || line.starts_with("DTSTART") {
                case.lines.push(line.to_string());
            } else if let Some(i) = line.strip_prefix("INSTANCES:") {
                if i.contains("UNIMPLEMENTED") {
                    // libical's own answer is that it cannot expand this rule.
                    unimplemented.push(case.name.clone());
                    case.lines.clear();
                    break;
                }
                case.expected = i
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(libical_time)
                    .collect();
            }
            // `START-AT:` only moves where libical's test starts iterating; its INSTANCES
            // still list the series from DTSTART.
        }
        if !case.lines.is_empty() {
            cases.push(case);
        }
    }
    (cases, unimplemented)
}

#[test]
fn rscale_gregorian_rules_expand_and_other_scales_are_named() {
    // RFC 7529: RSCALE=GREGORIAN with SKIP=OMIT is the plain rule; other calendar scales
    // (Chinese, Hebrew, Islamic, ...) and SKIP=BACKWARD/FORWARD are not supported, and their
    // events are rejected with a reason of their own.
    let mut supported = Vec::new();
    let mut unsupported = Vec::new();
    for file in [
        "icalrecur_test_rscale.txt",
        "icalrecur_test_rscale_withicu.txt",
        "icalrecur_test_rscale_withicu_dangi.txt",
    ] {
        let Some(path) = shared_data(&format!("libical/src/test/{file}")) else {
            return;
        };
        let (cases, _) = libical_cases(&std::fs::read_to_string(path).unwrap());
        for mut c in cases {
            let rule = c
                .lines
                .iter()
                .find(|l| l.starts_with("RRULE"))
                .unwrap()
                .to_uppercase();
            c.name = format!("{file} {}", c.name);
            if rule.contains("RSCALE=GREGORIAN") && !rule.contains("SKIP=") {
                supported.push(c);
            } else {
                unsupported.push(c);
            }
        }
    }
    eprintln!(
        "RSCALE: {} Gregorian case(s) compared; {} not supported: {:?}",
        supported.len(),
        unsupported.len(),
        unsupported
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
    );
    assert!(!supported.is_empty());
    let got = expand_all(&supported);
    let failed = compare(&supported, &got);
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    // The unsupported ones are rejected, each with the RSCALE reason.
    let dir = tempfile::tempdir().unwrap();
    let mut ics = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");
    for (i, c) in unsupported.iter().enumerate() {
        ics.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:u-{i}\r\n{}\r\nEND:VEVENT\r\n",
            c.lines.join("\r\n")
        ));
    }
    ics.push_str("END:VCALENDAR\r\n");
    let file = dir.path().join("a@x.org.ics");
    std::fs::write(&file, ics).unwrap();
    let ds = dir.path().join("ds");
    ingest(&file, &ds, &[]);
    let log = query_csv(
        &ds,
        "select records_read, records_rejected, reasons from ingest_log",
    );
    let n = unsupported.len();
    assert!(
        log.starts_with(&format!("records_read,records_rejected,reasons\n{n},{n},")),
        "{log}"
    );
    assert!(log.contains("RSCALE"), "{log}");
}

#[test]
fn expansion_matches_libical_instances() {
    let Some(path) = shared_data("libical/src/test/icalrecur_test.txt") else {
        return;
    };
    let text = std::fs::read_to_string(path).unwrap();
    let (cases, unimplemented) = libical_cases(&text);
    eprintln!(
        "skipped {} case(s) libical itself does not expand: {unimplemented:?}",
        unimplemented.len()
    );
    assert_eq!(cases.len() + unimplemented.len(), 146);
    let got = expand_all(&cases);
    let failed = compare(&cases, &got);
    let known: Vec<String> = LIBICAL_DIFFERS
        .iter()
        .map(|b| format!("block {b}:"))
        .collect();
    let (expected_differences, unexpected): (Vec<&String>, Vec<&String>) = failed
        .iter()
        .partition(|f| known.iter().any(|k| f.starts_with(k.as_str())));
    eprintln!(
        "{} of {} libical cases match; {} differ as dateutil does (named in LIBICAL_DIFFERS)",
        cases.len() - failed.len(),
        cases.len(),
        expected_differences.len()
    );
    assert!(
        unexpected.is_empty(),
        "{} of {} differ unexpectedly:\n{}",
        unexpected.len(),
        cases.len(),
        unexpected
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    // A case that starts to match must leave the list of known differences.
    assert_eq!(
        expected_differences.len(),
        LIBICAL_DIFFERS.len(),
        "{failed:#?}"
    );
}
