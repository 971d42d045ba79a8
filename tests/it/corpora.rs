//! Real public exports nobody on this project wrote (`../shared/data`): mbox archives with
//! odd dates and encodings, broken MIME, maildir corpora, and calendar test suites. wecon must
//! read them all without failing, and account for every record.

use crate::helpers::{ingest, query_csv, read_and_accepted, shared_data, wecon};

#[test]
fn every_record_of_the_public_corpora_is_accounted_for() {
    // Every folder of the shared data, whatever it holds: each record read is accepted or
    // rejected with a reason, each entry's reasons add up to its rejections.
    let Some(data) = shared_data("") else {
        return;
    };
    let mut corpora: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .flatten()
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    corpora.sort();
    assert!(corpora.len() >= 10, "{corpora:?}");
    for corpus in &corpora {
        let dir = tempfile::tempdir().unwrap();
        let ds = dir.path().join("ds");
        ingest(&data.join(corpus), &ds, &[]);
        let unbalanced = query_csv(
            &ds,
            "select count(*) n from ingest_log where records_read <> records_accepted + records_rejected",
        );
        assert_eq!(unbalanced, "n\n0\n", "{corpus}");
        // And `verify` finds the dataset whole: reasons add up to rejections, sums to the
        // manifest's.
        wecon(&["verify", &ds.to_string_lossy()]);
        // Test vectors of a library are no export; everything else yields records.
        if corpus != "rust-rrule-vectors" {
            let read = query_csv(&ds, "select sum(records_accepted) > 0 ok from ingest_log");
            assert_eq!(read, "ok\ntrue\n", "{corpus}: nothing was ingested");
        }
    }
}

#[test]
fn mbox_without_date_headers_falls_back_to_the_envelope() {
    // PonyMail's maven-dev archive has 36 messages without a Date header; the mbox `From `
    // line dates them. Three messages are stored twice in this archive variant (the
    // mailarchive variant of the same month holds 317).
    let Some(path) = shared_data("ponymail-apache-mbox/corpus/maven-dev-2017-11-listsao.mbox")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    ingest(&path, &ds, &[]);
    assert_eq!(
        query_csv(&ds, "select records_read, records_accepted from ingest_log"),
        "records_read,records_accepted\n320,317\n"
    );
    let duplicates = query_csv(
        &ds,
        "select map_extract(reasons, 'duplicate of a message already read in this mailbox (same Message-ID)')[1] n from ingest_log",
    );
    assert_eq!(duplicates, "n\n3\n");
}

#[test]
fn message_ids_match_ponymail_expected_output() {
    // PonyMail ships, per archive, the Message-ID of every message it parsed (yaml/).
    let (Some(mbox), Some(yaml)) = (
        shared_data("ponymail-apache-mbox/corpus/maven-dev-2017-11-listsao.mbox"),
        shared_data("ponymail-apache-mbox/yaml/gen-maven-dev-2017-11-listsao.yaml"),
    ) else {
        return;
    };
    let text = std::fs::read_to_string(yaml).unwrap();
    // The first generator's cluster lists all 320 messages in order.
    let ids: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("message-id: "))
        .take(320)
        .collect();
    assert_eq!(ids.len(), 320);
    let pseudo = wecon_model::Pseudonymiser::new(crate::helpers::TEST_KEY.as_bytes()).unwrap();
    let expected: std::collections::BTreeSet<String> = ids
        .iter()
        .filter(|id| **id != "''")
        .map(|id| pseudo.object("message", id.trim_start_matches('<').trim_end_matches('>')))
        .collect();

    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    ingest(&mbox, &ds, &[]);
    let ours: std::collections::BTreeSet<String> =
        query_csv(&ds, "select object_id from activities")
            .lines()
            .skip(1)
            .map(str::to_string)
            .collect();
    // Every distinct Message-ID PonyMail saw is ingested once; the one message without a
    // Message-ID is ingested too (under a key of its date, sender and recipients).
    assert_eq!(expected.len(), 316);
    assert!(
        expected.is_subset(&ours),
        "{} Message-IDs missing",
        expected.difference(&ours).count()
    );
    assert_eq!(ours.len(), 317);
}

/// The `From ` line offsets MimeKit's parser finds in an mbox (its `*-offsets.json`).
fn mimekit_offsets(name: &str, variant: &str) -> Option<Vec<u64>> {
    let path = shared_data(&format!(
        "mimekit/UnitTests/TestData/mbox/{name}.{variant}-offsets.json"
    ))?;
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    Some(
        json.as_array()
            .unwrap()
            .iter()
            .map(|m| m["mboxMarkerOffset"].as_u64().unwrap())
            .collect(),
    )
}

/// The byte offsets of the records wecon accepted, from `source_record` (`message N at byte O`).
fn accepted_offsets(ds: &std::path::Path) -> Vec<u64> {
    let csv = query_csv(
        ds,
        "select source_record from activities order by start_utc",
    );
    let mut out: Vec<u64> = csv
        .lines()
        .skip(1)
        .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
        .collect();
    out.sort();
    out
}

#[test]
fn mbox_messages_start_where_mimekit_says() {
    // MimeKit ships, for its Content-Length and issue-1189 mboxes, the offset of every
    // message's `From ` line, for the file as it is (LF) and with CRLF line ends.
    for name in ["content-length", "issue1189"] {
        let (Some(mbox), Some(unix), Some(dos)) = (
            shared_data(&format!("mimekit/UnitTests/TestData/mbox/{name}.mbox.txt")),
            mimekit_offsets(name, "unix"),
            mimekit_offsets(name, "dos"),
        ) else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let crlf = dir.path().join(format!("{name}-crlf.mbox"));
        let raw = std::fs::read(&mbox).unwrap();
        let mut converted = Vec::with_capacity(raw.len() * 11 / 10);
        for &b in &raw {
            if b == b'\n' {
                converted.push(b'\r');
            }
            converted.push(b);
        }
        std::fs::write(&crlf, converted).unwrap();
        for (file, expected) in [(mbox.as_path(), unix), (crlf.as_path(), dos)] {
            let ds = dir.path().join("ds");
            ingest(file, &ds, &[]);
            assert_eq!(
                query_csv(&ds, "select records_read, records_rejected from ingest_log"),
                format!("records_read,records_rejected\n{},0\n", expected.len()),
                "{}",
                file.display()
            );
            assert_eq!(accepted_offsets(&ds), expected, "{}", file.display());
        }
    }
}

#[test]
fn unescaped_from_lines_split_as_mimekit_does() {
    // A byte-order mark, then two messages whose bodies hold an unescaped `From ` line:
    // MimeKit, Python's mailbox and wecon all read four records.
    let Some(mbox) = shared_data("mimekit/UnitTests/TestData/mbox/unmunged.mbox.txt") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    ingest(&mbox, &ds, &[]);
    let log = query_csv(
        &ds,
        "select format, records_read, records_read = records_accepted + records_rejected balanced from ingest_log",
    );
    assert_eq!(log, "format,records_read,balanced\nmbox,4,true\n");
}

#[test]
fn outlook_zone_names_are_read_as_their_iana_zones() {
    // Exchange writes Windows zone names (`Eastern Standard Time`) and Outlook display names
    // (`Canberra, Melbourne, Sydney`) as TZIDs.
    for (file, zone, first) in [
        (
            "icalendar-py/tests/calendars/issue_836_do_not_quote_tzid.ics",
            "America/New_York",
            "2024-10-28T21:00:00Z",
        ),
        (
            "ical4j-samples/valid/Standup.ics",
            "Australia/Canberra",
            "2009-03-09T22:30:00Z",
        ),
    ] {
        let Some(path) = shared_data(file) else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let ds = dir.path().join("ds");
        ingest(&path, &ds, &["--owner", "a@x.org"]);
        assert_eq!(
            query_csv(
                &ds,
                "select tz, min(start_utc) first from activities group by tz"
            ),
            format!("tz,first\n{zone},{first}\n"),
            "{file}"
        );
    }
}

#[test]
fn viva_meeting_query_rows_are_organiser_meetings() {
    // Microsoft's public Workplace Analytics demo data: 2,001 meetings. wecon's meeting hours
    // must add up to Viva's own DurationHours column, and each organiser must be one person.
    let Some(path) = shared_data("wpa/mt_data.csv") else {
        return;
    };
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (duration, organizer) = (col("DurationHours"), col("Organizer_PersonId"));
    let (mut rows, mut hours) = (0, 0.0);
    let mut organizers = std::collections::BTreeSet::new();
    for r in reader.records() {
        let r = r.unwrap();
        rows += 1;
        hours += r[duration].parse::<f64>().unwrap();
        organizers.insert(r[organizer].to_string());
    }
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    ingest(&path, &ds, &[]);
    let got = query_csv(
        &ds,
        "select count(*) n, count(distinct person_id) organisers, \
         round(sum(extract(epoch from end_utc) - extract(epoch from start_utc)) / 3600.0, 2) hours \
         from activities where source = 'calendar' and action = 'organize'",
    );
    assert_eq!(
        got,
        format!(
            "n,organisers,hours\n{rows},{},{}\n",
            organizers.len(),
            (hours * 100.0).round() / 100.0
        )
    );
    assert_eq!(
        query_csv(&ds, "select format, records_rejected from ingest_log"),
        "format,records_rejected\nviva_meetings,0\n"
    );
}

#[test]
fn custom_vtimezones_are_read_as_the_zone_they_define() {
    // libical's large.ics defines `America-Chicago` and `US-Eastern` in VTIMEZONEs of its own;
    // their events must land on the UTC instants those definitions give, not float in UTC.
    // The file repeats a few UIDs hundreds of times, in different zones; a calendar keeps
    // the last VEVENT of a UID, so each is given a UID of its own here.
    let Some(source) = shared_data("libical/test-data/large.ics") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    let text: String = std::fs::read_to_string(&source)
        .unwrap()
        .split_inclusive('\n')
        .map(|line| match line.strip_prefix("UID:") {
            Some(uid) => {
                n += 1;
                format!("UID:{n}-{uid}")
            }
            None => line.to_string(),
        })
        .collect();
    let path = dir.path().join("large.ics");
    std::fs::write(&path, text).unwrap();
    let ds = dir.path().join("ds");
    ingest(
        &path,
        &ds,
        &[
            "--owner",
            "a@x.org",
            "--since",
            "1997-01-01",
            "--until",
            "1999-01-01",
        ],
    );
    let zones = query_csv(&ds, "select distinct tz from activities order by tz");
    for zone in ["America/Chicago", "US/Eastern"] {
        assert!(zones.contains(zone), "{zone} missing: {zones}");
    }
    assert!(!zones.contains("Anguilla"), "{zones}");
}

#[test]
fn viva_person_query_rows_become_imported_metrics() {
    // Microsoft's public Workplace Analytics demo person query: one row per person and week.
    let Some(path) = shared_data("wpa/sq_data.csv") else {
        return;
    };
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (person, collab) = (col("PersonId"), col("Collaboration_hours"));
    let (mut rows, mut sum) = (0usize, 0.0);
    let mut persons = std::collections::BTreeSet::new();
    for r in reader.records() {
        let r = r.unwrap();
        rows += 1;
        sum += r[collab].parse::<f64>().unwrap();
        persons.insert(r[person].to_string());
    }
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    ingest(&path, &ds, &[]);
    assert_eq!(
        read_and_accepted(&ds),
        format!("format,records_read,records_accepted\nviva_person_query,{rows},{rows}\n")
    );
    assert_eq!(
        query_csv(
            &ds,
            "select count(*) n, count(distinct person_id) people, round(sum(value), 3) total \
             from imported_metrics where metric = 'collaboration_hours'"
        ),
        format!(
            "n,people,total\n{rows},{},{}\n",
            persons.len(),
            (sum * 1000.0).round() / 1000.0
        )
    );
    // A dataset with imported metrics but no activities still analyses and reports.
    let out = dir.path().join("run");
    crate::helpers::wecon(&[
        "run",
        "--allow-rejects",
        &path.to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
    ]);
    assert!(out.join("report/index.html").is_file());
}

#[test]
fn a_viva_group_to_group_query_is_named_and_skipped_not_a_fault() {
    // Microsoft's demo group-to-group query: totals between organisations, no person.
    let Some(path) = shared_data("wpa/g2g_data.csv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let out = crate::helpers::wecon_unchecked(&[
        "ingest",
        &path.to_string_lossy(),
        "--out",
        &ds.to_string_lossy(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        query_csv(&ds, "select format, records_read, reasons from ingest_log"),
        "format,records_read,reasons\nskipped,0,\"{Viva Insights group-to-group query: collaboration totals between groups, not people's activity (not read): 0}\"\n"
    );
}
