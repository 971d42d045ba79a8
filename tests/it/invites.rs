//! Meeting invitations carried by mail (`text/calendar` parts) become meetings of the
//! mailbox's owner, unless the owner's calendar export holds the series or a later
//! invitation supersedes them.

use std::path::Path;

use crate::helpers::{ingest, query_csv, shared_data};

#[test]
fn a_real_exchange_invitation_becomes_its_meetings() {
    // An Exchange invitation from the notmuch corpus: a daily 30-minute meeting from
    // 2024-05-27 to 2024-08-27 at 14:00 "Atlantic Standard Time" (America/Halifax). The
    // message's own Date header is broken (no year); the test gives it one.
    let Some(path) = shared_data("notmuch-corpora/attachment/text-calendar.eml") else {
        return;
    };
    let text = std::fs::read_to_string(path).unwrap().replace(
        "Date: Thu Jan 01 00:00:10 +0000",
        "Date: Sun, 26 May 2024 18:24:10 +0000",
    );
    let dir = tempfile::tempdir().unwrap();
    let mail = dir.path().join("mail");
    std::fs::create_dir(&mail).unwrap();
    std::fs::write(mail.join("invite.eml"), text).unwrap();
    let ds = dir.path().join("ds");
    ingest(
        &mail,
        &ds,
        &["--owner", "david@tethera.net", "--until", "2024-09-01"],
    );
    assert_eq!(
        query_csv(
            &ds,
            "select count(*) n, min(start_utc) first, max(start_utc) last, min(tz) tz, \
             sum(extract(epoch from end_utc) - extract(epoch from start_utc)) / 3600.0 hours \
             from activities where source = 'calendar' and action = 'attend'"
        ),
        "n,first,last,tz,hours\n93,2024-05-27T17:00:00Z,2024-08-27T17:00:00Z,America/Halifax,46.5\n"
    );
}

fn message(dir: &Path, name: &str, date: &str, ics: &str) {
    let body = format!(
        "Date: {date}\r\nFrom: bob@x.org\r\nTo: alice@x.org\r\nSubject: meeting\r\nMessage-ID: <{name}@x.org>\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\n{ics}"
    );
    std::fs::write(dir.join(name), body).unwrap();
}

fn vevent(uid: &str, start: &str, extra: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART:{start}\r\nDURATION:PT1H\r\nORGANIZER:mailto:bob@x.org\r\nATTENDEE:mailto:alice@x.org\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

#[test]
fn updates_supersede_and_calendar_exports_win() {
    let dir = tempfile::tempdir().unwrap();
    let mail = dir.path().join("alice");
    std::fs::create_dir(&mail).unwrap();
    // Series A: invited weekly at 10:00, then moved to 11:00 by a later invitation.
    let weekly = "RRULE:FREQ=WEEKLY;COUNT=3\r\n";
    message(
        &mail,
        "1.eml",
        "Mon, 1 Jan 2024 08:00:00 +0000",
        &vevent("A", "20240108T100000Z", weekly),
    );
    message(
        &mail,
        "2.eml",
        "Tue, 2 Jan 2024 08:00:00 +0000",
        &vevent("A", "20240108T110000Z", weekly),
    );
    // B: invited by mail, and also in Alice's calendar export.
    message(
        &mail,
        "3.eml",
        "Wed, 3 Jan 2024 08:00:00 +0000",
        &vevent("B", "20240110T140000Z", ""),
    );
    // A reply is not a meeting.
    let reply = vevent("C", "20240111T090000Z", "").replace("METHOD:REQUEST", "METHOD:REPLY");
    message(&mail, "4.eml", "Thu, 4 Jan 2024 08:00:00 +0000", &reply);
    let cal = dir.path().join("alice@x.org.ics");
    std::fs::write(
        &cal,
        vevent("B", "20240110T140000Z", "").replace("METHOD:REQUEST\r\n", ""),
    )
    .unwrap();
    let ds = dir.path().join("ds");
    let (m, c, d) = (
        mail.to_string_lossy().into_owned(),
        cal.to_string_lossy().into_owned(),
        ds.to_string_lossy().into_owned(),
    );
    crate::helpers::wecon(&[
        "ingest",
        "--allow-rejects",
        &m,
        &c,
        "--out",
        &d,
        "--owner",
        "alice@x.org",
        "--until",
        "2024-02-01",
    ]);
    assert_eq!(
        query_csv(
            &ds,
            "select start_utc, source_file like '%.ics' from_calendar_file from activities \
             where source = 'calendar' order by start_utc"
        ),
        "start_utc,from_calendar_file\n\
         2024-01-08T11:00:00Z,false\n\
         2024-01-10T14:00:00Z,true\n\
         2024-01-15T11:00:00Z,false\n\
         2024-01-22T11:00:00Z,false\n"
    );
    let log = query_csv(
        &ds,
        "select records_read, records_accepted, records_rejected, reasons from ingest_log where format = 'ics_invite'",
    );
    assert!(
        log.starts_with("records_read,records_accepted,records_rejected,reasons\n4,1,3,"),
        "{log}"
    );
    for reason in [
        "superseded by a later one",
        "calendar export already holds",
        "not a meeting",
    ] {
        assert!(log.contains(reason), "{reason}: {log}");
    }
}

#[test]
fn a_meeting_in_two_calendars_of_one_person_counts_once() {
    // Alice's own calendar and her team's: both hold the weekly series S (the team's has
    // two occurrences more) and the one-off meeting E; the team's has T besides.
    let event = |uid: &str, start: &str, rule: &str| {
        format!(
            "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART:{start}\r\nDURATION:PT1H\r\n{rule}ORGANIZER:mailto:bob@x.org\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@x.org\r\nEND:VEVENT\r\n"
        )
    };
    let calendar =
        |events: &[String]| format!("BEGIN:VCALENDAR\r\n{}END:VCALENDAR\r\n", events.concat());
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("calendars");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(
        src.join("alice.ics"),
        calendar(&[
            event("S", "20240110T140000Z", "RRULE:FREQ=WEEKLY;COUNT=3\r\n"),
            event("E", "20240111T090000Z", ""),
        ]),
    )
    .unwrap();
    std::fs::write(
        src.join("team.ics"),
        calendar(&[
            event("S", "20240110T140000Z", "RRULE:FREQ=WEEKLY;COUNT=5\r\n"),
            event("E", "20240111T090000Z", ""),
            event("T", "20240112T090000Z", ""),
        ]),
    )
    .unwrap();
    let ds = dir.path().join("ds");
    ingest(&src, &ds, &["--owner", "alice@x.org"]);
    assert_eq!(
        query_csv(
            &ds,
            "select source_file like '%team.ics' team, count(*) n from activities \
             where source = 'calendar' group by 1 order by 1"
        ),
        // Alice's 3 + 1; the team's two later occurrences of S and T.
        "team,n\nfalse,4\ntrue,3\n"
    );
    // E is the team calendar's copy; S is not (two of its occurrences are its own).
    assert_eq!(
        query_csv(
            &ds,
            "select records_read r, records_accepted a, map_keys(reasons) why \
             from ingest_log where source_file like '%team.ics'"
        ),
        "r,a,why\n3,2,\"[copy of a meeting another calendar already gave (the same person, event and occurrences): a calendar exported twice, or a shared calendar beside its members' own]\"\n"
    );
}
