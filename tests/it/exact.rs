//! A hand-made mailbox and calendar whose hours are known exactly, checked under two profiles.

use std::path::Path;

use crate::helpers::{analyze, copy_tree, ingest, person, query_csv, wecon};

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text.replace('\n', "\r\n")).unwrap();
}

fn mail(id: u32, date: &str, from: &str, to: &str, subject: &str, attachment: bool) -> String {
    let head = format!(
        "Message-ID: <{id}@ex.org>\nDate: {date}\nFrom: {from}\nTo: {to}\nSubject: {subject}\nMIME-Version: 1.0\n"
    );
    if attachment {
        format!(
            "{head}Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nsecret body {id}\n--b\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=\"a.pdf\"\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--b--\n"
        )
    } else {
        format!("{head}Content-Type: text/plain\n\nsecret body {id}\n")
    }
}

/// Writes alice's mailbox and calendar; returns the export folder.
pub fn fixture(dir: &Path) -> std::path::PathBuf {
    let ex = dir.join("exports");
    let mb = ex.join("mail/alice");
    let a = "Alice <alice@ex.org>";
    // Two sends two minutes apart: the first is cut to 2 minutes, the second counts 5.
    write(
        &mb.join(".Sent/cur/1:2,S"),
        &mail(
            1,
            "Mon, 15 Jan 2024 10:00:00 +0000",
            a,
            "bob@ex.org",
            "Hello there",
            false,
        ),
    );
    write(
        &mb.join(".Sent/cur/2:2,S"),
        &mail(
            2,
            "Mon, 15 Jan 2024 11:02:00 +0100",
            a,
            "bob@ex.org",
            "Second thought",
            false,
        ),
    );
    // Read: 2.5 minutes communicate.
    write(
        &mb.join("cur/3:2,S"),
        &mail(
            3,
            "Mon, 15 Jan 2024 11:00:00 +0000",
            "bob@ex.org",
            "alice@ex.org",
            "Question",
            false,
        ),
    );
    // Unseen: not counted by the wecon profile, counted by myanalytics.
    write(
        &mb.join("new/4"),
        &mail(
            4,
            "Mon, 15 Jan 2024 12:00:00 +0000",
            "carol@ex.org",
            "alice@ex.org",
            "Unread news",
            false,
        ),
    );
    // Deleted unseen: counted by neither (MyAnalytics did not count mail deleted unread).
    write(
        &mb.join(".Trash/cur/14:2,"),
        &mail(
            14,
            "Mon, 15 Jan 2024 12:30:00 +0000",
            "dave@ex.org",
            "alice@ex.org",
            "Offer you cannot refuse",
            false,
        ),
    );
    // With an attachment: share.
    write(
        &mb.join("cur/5:2,S"),
        &mail(
            5,
            "Mon, 15 Jan 2024 13:00:00 +0000",
            "bob@ex.org",
            "alice@ex.org",
            "Figures",
            true,
        ),
    );
    // Transactional subject: transact. The same message filed twice counts once; the copy
    // is rejected with a reason.
    let invoice = mail(
        6,
        "Mon, 15 Jan 2024 14:00:00 +0000",
        "bob@ex.org",
        "alice@ex.org",
        "Invoice 77 approval",
        false,
    );
    write(&mb.join("cur/6:2,S"), &invoice);
    write(&mb.join("archive/cur/6:2,S"), &invoice);
    // Drafts (flagged `D`, or filed in Drafts) were never sent, and spam was not worked
    // on: no hours, each an exclusion in the ingest log.
    let draft = mail(
        8,
        "Tue, 16 Jan 2024 14:00:00 +0000",
        a,
        "bob@ex.org",
        "Draft",
        false,
    );
    write(&mb.join("cur/8:2,DS"), &draft);
    write(&mb.join(".Drafts/cur/9:2,S"), &draft.replace("<8@", "<9@"));
    write(
        &mb.join(".Junk/cur/10:2,S"),
        &mail(
            10,
            "Tue, 16 Jan 2024 15:00:00 +0000",
            "win@spam.example",
            "alice@ex.org",
            "You won",
            false,
        ),
    );
    // No Date: rejected with a reason.
    write(
        &mb.join("cur/7:2,S"),
        "Message-ID: <7@ex.org>\nFrom: bob@ex.org\nTo: alice@ex.org\nSubject: Undated\n\nbody\n",
    );

    let ev = |uid: &str, start: &str, end: &str, extra: &str| {
        format!(
            "BEGIN:VEVENT\nUID:{uid}\nDTSTART:{start}\nDTEND:{end}\nSUMMARY:Confidential title {uid}\n{extra}END:VEVENT\n"
        )
    };
    let att = |who: &str, stat: &str| format!("ATTENDEE;PARTSTAT={stat}:mailto:{who}\n");
    let org = "ORGANIZER:mailto:alice@ex.org\n";
    let mut ics = String::from("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n");
    // A 3-person meeting alice organises: 1 h meet.
    ics += &ev(
        "m1",
        "20240116T090000Z",
        "20240116T100000Z",
        &format!(
            "{org}{}{}{}",
            att("alice@ex.org", "ACCEPTED"),
            att("bob@ex.org", "ACCEPTED"),
            att("carol@ex.org", "ACCEPTED")
        ),
    );
    // A weekly 1:1 she accepted, twice, in Berlin time: 0.5 h consult in each week.
    ics += &format!(
        "BEGIN:VEVENT\nUID:o1\nDTSTART;TZID=Europe/Berlin:20240117T150000\nDTEND;TZID=Europe/Berlin:20240117T153000\nRRULE:FREQ=WEEKLY;COUNT=2\nORGANIZER:mailto:bob@ex.org\n{}{}SUMMARY:Confidential 1:1\nEND:VEVENT\n",
        att("alice@ex.org", "ACCEPTED"),
        att("bob@ex.org", "ACCEPTED")
    );
    // Declined, cancelled, and a solo block: no hours.
    ics += &ev(
        "d1",
        "20240118T090000Z",
        "20240118T100000Z",
        &format!(
            "ORGANIZER:mailto:bob@ex.org\n{}{}",
            att("alice@ex.org", "DECLINED"),
            att("bob@ex.org", "ACCEPTED")
        ),
    );
    ics += &ev(
        "c1",
        "20240118T110000Z",
        "20240118T120000Z",
        &format!(
            "STATUS:CANCELLED\n{org}{}{}",
            att("alice@ex.org", "ACCEPTED"),
            att("bob@ex.org", "ACCEPTED")
        ),
    );
    ics += &ev("s1", "20240119T090000Z", "20240119T110000Z", "");
    // No DTSTART: rejected with a reason.
    ics += "BEGIN:VEVENT\nUID:bad\nSUMMARY:Broken\nEND:VEVENT\n";
    ics += "END:VCALENDAR\n";
    write(&ex.join("calendar/alice@ex.org.ics"), &ics);
    ex
}

#[test]
fn hours_match_the_profile_rules_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let ex = fixture(dir.path());
    let out = dir.path().join("run");
    // The series runs past the last one-off record, so the window is widened explicitly.
    wecon(&[
        "run",
        "--individual",
        "--allow-rejects",
        &ex.to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
        "--i-understand-small-groups",
        "--min-group-size",
        "1",
        "--until",
        "2024-02-01",
    ]);

    let sql = "select cast(week as varchar) as week, process, round(hours * 60, 3) as minutes, activities \
               from person_week_process order by week, process";
    assert_eq!(
        query_csv(&out, sql),
        "week,process,minutes,activities\n\
         2024-01-15,communicate,9.5,3\n\
         2024-01-15,consult,30.0,1\n\
         2024-01-15,meet,60.0,1\n\
         2024-01-15,share,2.5,1\n\
         2024-01-15,transact,2.5,1\n\
         2024-01-22,consult,30.0,1\n"
    );
    // Every record is accepted or rejected with its reason.
    assert_eq!(
        query_csv(
            &out,
            "select format, sum(records_read) r, sum(records_accepted) a, sum(records_rejected) x from ingest_log group by format order by format"
        ),
        "format,r,a,x\nics,6,5,1\nmaildir,12,7,5\n"
    );
    let reasons = query_csv(
        &out,
        "select reason, records from rejections order by reason",
    );
    assert!(
        reasons.contains("VEVENT without a valid DTSTART,1"),
        "{reasons}"
    );
    assert!(
        reasons.contains(
            "no usable Date header (missing or unreadable or not between 1970 and 2100),1"
        ),
        "{reasons}"
    );
    assert!(reasons.contains("(same Message-ID),1"), "{reasons}");
    assert_eq!(
        query_csv(&out, "select state, messages from received_mail_seen"),
        "state,messages\nseen,3\nunseen,2\n"
    );

    // The same dataset under MyAnalytics: the unseen mail counts too, but not the one
    // deleted unseen.
    let results = dir.path().join("ma");
    analyze(
        &out.join("dataset"),
        &results,
        &["--profile", "myanalytics"],
    );
    assert!(query_csv(&results, sql).contains("2024-01-15,communicate,12.0,4"));
    let info = std::fs::read_to_string(results.join("run.json")).unwrap();
    assert!(info.contains("\"name\": \"myanalytics\""));
}

#[test]
fn bounded_by_since_and_until() {
    let dir = tempfile::tempdir().unwrap();
    let ex = fixture(dir.path());
    let ds = dir.path().join("ds");
    ingest(
        &ex,
        &ds,
        &["--since", "2024-01-16", "--until", "2024-01-20"],
    );
    assert_eq!(
        query_csv(
            &ds,
            "select source, count(*) n from activities group by source order by source"
        ),
        "source,n\ncalendar,5\n"
    );
    let log = query_csv(
        &ds,
        "select format, sum(records_read) r, sum(records_rejected) x from ingest_log group by format order by format",
    );
    assert_eq!(log, "format,r,x\nics,6,1\nmaildir,12,12\n");
}

#[test]
fn owner_named_by_the_user_overrides_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    let ex = fixture(dir.path());
    let ds = dir.path().join("ds");
    let mailbox = ex.join("mail/alice");
    ingest(&mailbox, &ds, &["--owner", "Bob@ex.org"]);
    // Bob's three messages (the filed copy aside) are now sends, the others receipts.
    assert_eq!(
        query_csv(
            &ds,
            "select action, count(*) n from activities group by action order by action"
        ),
        "action,n\nreceive,4\nsend,3\n"
    );
    assert_eq!(
        query_csv(
            &ds,
            "select distinct owner_rule from ingest_log where format = 'maildir'"
        ),
        "owner_rule\n--owner\n"
    );
}

#[test]
fn aliases_from_the_roster_and_tags_resolve_to_one_person() {
    let dir = tempfile::tempdir().unwrap();
    let mb = dir.path().join("mail/alice");
    let date = "Mon, 15 Jan 2024 10:00:00 +0000";
    write(
        &mb.join(".Sent/cur/1:2,S"),
        &mail(1, date, "alice@ex.org", "bob@ex.org", "A", false),
    );
    write(
        &mb.join("cur/2:2,S"),
        &mail(2, date, "bob@ex.org", "A.Smith@ex.org", "B", false),
    );
    write(
        &mb.join("cur/3:2,S"),
        &mail(3, date, "bob@ex.org", "alice+lists@ex.org", "C", false),
    );
    let roster = dir.path().join("people.csv");
    std::fs::write(
        &roster,
        "email,unit,aliases\nalice@ex.org,finance,a.smith@ex.org;/O=EX/CN=ASMITH\n",
    )
    .unwrap();
    let roles = |with_roster: bool| {
        let ds = dir
            .path()
            .join(if with_roster { "with" } else { "without" });
        let r = roster.to_string_lossy();
        let extra: &[&str] = if with_roster { &["--roster", &r] } else { &[] };
        ingest(&mb, &ds, extra);
        query_csv(
            &ds,
            "select recipient_role, count(*) n from activities where action = 'receive' group by 1 order by 1",
        )
    };
    // Without the roster only the +tag resolves; with it the alias does too.
    assert_eq!(roles(false), "recipient_role,n\nother,1\nto,1\n");
    assert_eq!(roles(true), "recipient_role,n\nto,2\n");
}

#[test]
fn overlapping_meetings_are_adjusted_and_conflicts_counted() {
    // METRICS.md §3's example: 2:00–3:00 and 2:30–3:30 are 1.5 adjusted hours and 0.5
    // conflicting hours (2 in the legacy variant, which counts every overlapping meeting
    // whole). Add a meeting inside the first (2:10–2:20) and a separate one (4:00–4:30):
    // scheduled 2 h 40, adjusted 2 h, conflicting 40 min, legacy conflicting 2 h 10.
    let dir = tempfile::tempdir().unwrap();
    let cal = dir.path().join("alice@ex.org.ics");
    let ev = |uid: &str, start: &str, end: &str| {
        format!(
            "BEGIN:VEVENT\nUID:{uid}\nDTSTART:2024011{start}Z\nDTEND:2024011{end}Z\nORGANIZER:mailto:alice@ex.org\nATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@ex.org\nEND:VEVENT\n"
        )
    };
    let mut ics = String::from("BEGIN:VCALENDAR\nVERSION:2.0\n");
    ics += &ev("a", "6T140000", "6T150000");
    ics += &ev("b", "6T143000", "6T153000");
    ics += &ev("c", "6T141000", "6T142000");
    ics += &ev("d", "6T160000", "6T163000");
    ics += "END:VCALENDAR\n";
    write(&cal, &ics);
    let out = dir.path().join("out");
    wecon(&[
        "run",
        "--individual",
        "--allow-rejects",
        &cal.to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
    ]);
    assert_eq!(
        query_csv(
            &out,
            "select meetings, round(scheduled_hours, 4) s, round(adjusted_hours, 4) a, \
             round(conflicting_hours, 4) c, round(legacy_conflicting_hours, 4) l \
             from person_week_meetings"
        ),
        "meetings,s,a,c,l\n4,2.6667,2.0,0.6667,2.1667\n"
    );
}

/// `wecon run SRC --owner alice@ex.org` into `DIR/out`; the output folder and her pseudonym.
fn run_as_alice(src: &Path, dir: &Path) -> (std::path::PathBuf, String) {
    let out = dir.join("out");
    run_as_alice_into(src, &out, &[]);
    (out, person("alice@ex.org"))
}

/// `wecon run SRC --out OUT --owner alice@ex.org EXTRA...`.
fn run_as_alice_into(src: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec![
        "run".to_string(),
        "--individual".to_string(),
        src.to_string_lossy().into_owned(),
        "--out".into(),
        out.to_string_lossy().into_owned(),
        "--owner".into(),
        "alice@ex.org".into(),
        "--allow-rejects".into(),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    wecon(&args.iter().map(String::as_str).collect::<Vec<_>>());
}

/// A Graph call record of Alice calling Bob on 16 January 2024, from `start` to `end`
/// (`HH:MM:SS`, UTC).
fn alice_calls_bob(id: &str, start: &str, end: &str) -> String {
    format!(
        r#"{{"id": "{id}", "type": "peerToPeer", "modalities": ["audio"],
            "sessions": [{{"caller": {{"identity": {{"user": {{"id": "A", "userPrincipalName": "alice@ex.org"}}}}}},
                           "callee": {{"identity": {{"user": {{"id": "B", "userPrincipalName": "bob@ex.org"}}}}}},
                           "startDateTime": "2024-01-16T{start}Z", "endDateTime": "2024-01-16T{end}Z"}}]}}"#
    )
}

/// A person's counted minutes per process, over all weeks: `process,minutes` rows.
fn minutes_by_process(out: &Path, person_id: &str) -> String {
    query_csv(
        out,
        &format!(
            "select process, round(sum(hours) * 60, 4) minutes from person_week_process \
             where person_id = '{person_id}' group by process order by process"
        ),
    )
}

#[test]
fn collaboration_hours_count_overlaps_once() {
    // Alice's meeting 10:00–11:00, a mail she sends at 10:30 (5 min), and a call 10:45–11:15:
    // raw 1 h + 5 min + 30 min, de-duplicated 10:00–11:15 = 1.25 h.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("alice");
    write(
        &src.join("mail/.Sent/cur/1:2,S"),
        &mail(
            1,
            "Tue, 16 Jan 2024 10:30:00 +0000",
            "alice@ex.org",
            "bob@ex.org",
            "Notes",
            false,
        ),
    );
    write(
        &src.join("calendar/alice@ex.org.ics"),
        "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:m\nDTSTART:20240116T100000Z\nDTEND:20240116T110000Z\nORGANIZER:mailto:alice@ex.org\nATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@ex.org\nEND:VEVENT\nEND:VCALENDAR\n",
    );
    write(
        &src.join("calls/call.json"),
        &alice_calls_bob("c1", "10:45:00", "11:15:00"),
    );
    let (out, alice) = run_as_alice(&src, dir.path());
    assert_eq!(
        query_csv(
            &out,
            &format!(
                "select round(raw_hours, 4) raw, round(collaboration_hours, 4) dedup, \
                 round(overlap_hours, 4) overlap from person_week_collaboration where person_id = '{alice}'"
            )
        ),
        "raw,dedup,overlap\n1.5833,1.25,0.3333\n"
    );
    // The mail she wrote during the meeting is multitasking: 5 minutes.
    assert_eq!(
        query_csv(
            &out,
            &format!(
                "select messages, round(multitasking_hours, 4) h from person_week_multitasking \
                 where person_id = '{alice}'"
            )
        ),
        "messages,h\n1,0.0833\n"
    );
}

/// A VEVENT Alice organises on 16 January 2024, from `hour`:00 to `hour`:30 UTC, with
/// `lines` (properties, each ending in a newline) besides.
fn alices_half_hour(uid: &str, hour: u32, lines: &str) -> String {
    format!(
        "BEGIN:VEVENT\nUID:{uid}\nDTSTART:20240116T{hour:02}0000Z\nDTEND:20240116T{hour:02}3000Z\nORGANIZER:mailto:alice@ex.org\n{lines}END:VEVENT\n"
    )
}

/// Runs the calendar `cal` (under the default profile, `wecon`), analyses its dataset under
/// each other profile named, and checks the meetings counted and their scheduled hours
/// (`meetings,h`) under each.
fn meetings_under(dir: &Path, cal: &Path, expected: &[(&str, &str)]) {
    let out = dir.join("out");
    wecon(&[
        "run",
        &cal.to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
        "--individual",
    ]);
    for (profile, expected) in expected {
        let results = if *profile == "wecon" {
            out.clone()
        } else {
            let results = dir.join(profile);
            analyze(&out.join("dataset"), &results, &["--profile", profile]);
            results
        };
        assert_eq!(
            query_csv(
                &results,
                "select meetings, round(scheduled_hours, 4) h from person_week_meetings",
            ),
            format!("meetings,h\n{expected}\n"),
            "{profile}"
        );
    }
}

#[test]
fn private_meetings_count_under_viva_not_under_myanalytics_or_wecon() {
    // A private 1:1 (CLASS:PRIVATE, as Outlook exports an event marked private) and a public
    // one: MyAnalytics left private meetings out (METRICS.md §2), and so do `myanalytics` and
    // `wecon`; `viva` counts both.
    let dir = tempfile::tempdir().unwrap();
    let cal = dir.path().join("alice@ex.org.ics");
    let bob = "ATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@ex.org\n";
    write(
        &cal,
        &format!(
            "BEGIN:VCALENDAR\nVERSION:2.0\n{}{}END:VCALENDAR\n",
            alices_half_hour("private", 10, &format!("CLASS:PRIVATE\n{bob}")),
            alices_half_hour("public", 14, bob)
        ),
    );
    meetings_under(
        dir.path(),
        &cal,
        &[
            ("wecon", "1,0.5"),
            ("myanalytics", "1,0.5"),
            ("viva", "2,1.0"),
        ],
    );
}

#[test]
fn workplace_analytics_counts_every_meeting_not_declined() {
    // Bob invites Alice to four half-hour meetings; she accepts one, answers one tentatively,
    // leaves one unanswered and declines one. MyAnalytics counted the accepted one;
    // Workplace Analytics every one not declined (METRICS.md §2).
    let dir = tempfile::tempdir().unwrap();
    let cal = dir.path().join("alice@ex.org.ics");
    let invite = |uid: &str, hour: u32, partstat: &str| {
        format!(
            "BEGIN:VEVENT\nUID:{uid}\nDTSTART:20240116T{hour:02}0000Z\nDTEND:20240116T{hour:02}3000Z\n\
             ORGANIZER:mailto:bob@ex.org\nATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@ex.org\n\
             ATTENDEE;PARTSTAT={partstat}:mailto:alice@ex.org\nEND:VEVENT\n"
        )
    };
    write(
        &cal,
        &format!(
            "BEGIN:VCALENDAR\nVERSION:2.0\n{}{}{}{}END:VCALENDAR\n",
            invite("accepted", 9, "ACCEPTED"),
            invite("tentative", 11, "TENTATIVE"),
            invite("unanswered", 13, "NEEDS-ACTION"),
            invite("declined", 15, "DECLINED")
        ),
    );
    meetings_under(
        dir.path(),
        &cal,
        &[
            ("wecon", "1,0.5"),
            ("myanalytics", "1,0.5"),
            ("workplace-analytics", "3,1.5"),
        ],
    );
}

#[test]
fn viva_counts_a_meeting_only_with_two_acceptances_by_its_best_informed_copy() {
    // Alice organises two half-hour meetings. Her export was made before Bob answered the
    // first (NEEDS-ACTION); Bob's own calendar holds his acceptance. Carol declined the
    // second. Viva counts a meeting with at least 2 accepted participants (METRICS.md §2):
    // the first has 2 by Bob's copy (Alice as organiser, Bob), the second 1. `myanalytics`
    // counts what the organiser holds: both.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("calendars");
    let ev = |uid: &str, hour: u32, attendee: &str| {
        alices_half_hour(
            uid,
            hour,
            &format!("ATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@ex.org\n{attendee}\n"),
        )
    };
    let cal = |events: &[String]| {
        format!(
            "BEGIN:VCALENDAR\nVERSION:2.0\n{}END:VCALENDAR\n",
            events.concat()
        )
    };
    write(
        &src.join("alice@ex.org.ics"),
        &cal(&[
            ev("m", 10, "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:bob@ex.org"),
            ev("n", 14, "ATTENDEE;PARTSTAT=DECLINED:mailto:carol@ex.org"),
        ]),
    );
    write(
        &src.join("bob@ex.org.ics"),
        &cal(&[ev("m", 10, "ATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@ex.org")]),
    );
    let out = dir.path().join("out");
    wecon(&[
        "run",
        &src.to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
        "--individual",
    ]);
    let (alice, bob) = (person("alice@ex.org"), person("bob@ex.org"));
    let meetings = |results: &Path| {
        query_csv(
            results,
            &format!(
                "select person_id = '{alice}' alice, meetings, round(scheduled_hours, 4) h \
                 from person_week_meetings where person_id in ('{alice}', '{bob}') order by 1"
            ),
        )
    };
    for (profile, expected) in [
        ("myanalytics", "false,1,0.5\ntrue,2,1.0"),
        ("viva", "false,1,0.5\ntrue,1,0.5"),
    ] {
        let results = dir.path().join(profile);
        analyze(&out.join("dataset"), &results, &["--profile", profile]);
        assert_eq!(
            meetings(&results),
            format!("alice,meetings,h\n{expected}\n"),
            "{profile}"
        );
    }
    // What each copy knows.
    assert_eq!(
        query_csv(
            &out.join("dataset"),
            "select source_file like '%alice%' alice, accepted_participants a from activities \
             order by 1, start_utc"
        ),
        "alice,a\nfalse,2\ntrue,1\ntrue,1\n"
    );
}

#[test]
fn a_meetings_own_call_counts_once() {
    // Alice's 1:1 with Bob, 10:00–11:00, and the call record of it (she joined at 9:58 and
    // left at 11:03): the meeting counts, the call does not (1 h, not 2 h 05). An ad-hoc
    // call with Bob at 14:00–14:30 counts its half hour.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("alice");
    write(
        &src.join("calendar/alice@ex.org.ics"),
        "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:m\nDTSTART:20240116T100000Z\nDTEND:20240116T110000Z\nORGANIZER:mailto:alice@ex.org\nATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@ex.org\nEND:VEVENT\nEND:VCALENDAR\n",
    );
    write(
        &src.join("calls/calls.json"),
        &format!(
            "[{}, {}]",
            alice_calls_bob("meeting", "09:58:00", "11:03:00"),
            alice_calls_bob("ad-hoc", "14:00:00", "14:30:00")
        ),
    );
    let (out, alice) = run_as_alice(&src, dir.path());
    assert_eq!(
        minutes_by_process(&out, &alice),
        "process,minutes\nconsult,90.0\n"
    );
    // Collaboration: the meeting and the ad-hoc call, nothing twice.
    assert_eq!(
        query_csv(
            &out,
            &format!(
                "select round(raw_hours * 60, 4) raw from person_week_collaboration \
                 where person_id = '{alice}'"
            )
        ),
        "raw\n90.0\n"
    );
}

#[test]
fn a_view_that_opened_a_document_for_its_edit_is_storing() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("alice");
    // Her SharePoint audit log: document a viewed at 11:30, viewed again at 12:00 and edited
    // at 12:20 (the second view opened it for the edit: storing); document b viewed at 12:30
    // and 13:00, edited at 15:00 (more than an hour later: both views are searches).
    let record = |at: &str, op: &str, doc: &str| {
        format!(
            r#"{{"CreationTime": "2024-01-16T{at}", "Operation": "{op}", "Workload": "SharePoint", "UserId": "alice@ex.org", "ObjectId": "https://ex.sharepoint.com/{doc}.docx"}}"#
        )
    };
    write(
        &src.join("audit/audit.json"),
        &[
            record("11:30:00", "FileAccessed", "a"),
            record("12:00:00", "FileAccessed", "a"),
            record("12:20:00", "FileModified", "a"),
            record("12:30:00", "FileAccessed", "b"),
            record("13:00:00", "FileAccessed", "b"),
            record("15:00:00", "FileModified", "b"),
        ]
        .join("\n"),
    );
    // A profile that times document events: a view 1 minute, a store event 2.
    let base = std::fs::read_to_string(crate::helpers::root().join("queries/profiles/wecon.toml"))
        .unwrap();
    let profile = dir.path().join("documents.toml");
    std::fs::write(
        &profile,
        base.replace("name = \"wecon\"", "name = \"documents\"")
            .replace("document_view_minutes = 0.0", "document_view_minutes = 1.0")
            .replace(
                "document_store_minutes = 0.0",
                "document_store_minutes = 2.0",
            ),
    )
    .unwrap();
    let out = dir.path().join("out");
    run_as_alice_into(&src, &out, &["--profile", &profile.to_string_lossy()]);
    let alice = person("alice@ex.org");
    assert_eq!(
        minutes_by_process(&out, &alice),
        "process,minutes\nsearch,3.0\nstore,6.0\n"
    );
    // Re-finding: only b's second view; a's second view opened it for the edit.
    assert_eq!(
        query_csv(
            &out,
            &format!(
                "select events from surplus_person_week_lever \
                 where person_id = '{alice}' and lever = 'refinding_documents'"
            )
        ),
        "events\n1\n"
    );
}

#[test]
fn after_hours_follow_the_persons_zone_days_and_hours() {
    // Alice works Monday to Thursday, 08:30–16:30 in Berlin (roster). Her mail on Monday at
    // 08:00Z (09:00 in Berlin) is in hours; her mail on Friday and her meeting on Tuesday at
    // 15:30Z (16:30 in Berlin, her end of day) are after hours: 5 min + 1 h.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("alice");
    let sent = |n: u32, date: &str| mail(n, date, "alice@ex.org", "bob@ex.org", "Status", false);
    write(
        &src.join("mail/.Sent/cur/1:2,S"),
        &sent(1, "Mon, 15 Jan 2024 08:00:00 +0000"),
    );
    write(
        &src.join("mail/.Sent/cur/2:2,S"),
        &sent(2, "Fri, 19 Jan 2024 10:00:00 +0000"),
    );
    write(
        &src.join("calendar/alice@ex.org.ics"),
        "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:m\nDTSTART:20240116T153000Z\nDTEND:20240116T163000Z\nORGANIZER:mailto:alice@ex.org\nATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@ex.org\nEND:VEVENT\nEND:VCALENDAR\n",
    );
    write(
        &src.join("people.csv"),
        "email,unit,tz,work_start,work_end,work_days\nalice@ex.org,finance,Europe/Berlin,08:30,16:30,\"1,2,3,4\"\n",
    );
    let (out, alice) = run_as_alice(&src, dir.path());
    assert_eq!(
        query_csv(
            &out,
            &format!(
                "select round(after_hours, 4) a, round(after_hours_meetings, 4) m, \
                 round(after_hours_messages, 4) msg, round(timed_hours, 4) t \
                 from person_week_after_hours where person_id = '{alice}'"
            )
        ),
        "a,m,msg,t\n1.0833,1.0,0.0833,1.1667\n"
    );
}

#[test]
fn validation_lists_light_people_idle_roster_entries_and_odd_days() {
    let dir = tempfile::tempdir().unwrap();
    let exports = fixture(dir.path());
    // Dan is on the roster but in no export.
    write(
        &exports.join("people.csv"),
        "email,unit\nalice@ex.org,finance\ndan@ex.org,finance\n",
    );
    let out = dir.path().join("out");
    wecon(&[
        "run",
        "--individual",
        "--allow-rejects",
        &exports.to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
    ]);
    let (alice, dan) = (person("alice@ex.org"), person("dan@ex.org"));
    let found = |check: &str, subject: &str| {
        query_csv(
            &out,
            &format!(
                "select count(*) n from validation where \"check\" = '{check}' and subject = '{subject}'"
            ),
        )
    };
    // Alice's few hours over the fixture's weeks: well under 5 h a week.
    assert_eq!(found("non_knowledge_worker", &alice), "n\n1\n");
    assert_eq!(found("no_activity", &dan), "n\n1\n");
    // Two mails two minutes apart on one day: a working day of six minutes.
    let short = dir.path().join("short");
    for i in 1..=2 {
        write(
            &short.join(format!("mail/.Sent/cur/{i}:2,S")),
            &mail(
                i,
                &format!("Mon, 15 Jan 2024 10:0{i}:00 +0000"),
                "erin@ex.org",
                "bob@ex.org",
                "Hi",
                false,
            ),
        );
    }
    let out2 = dir.path().join("out2");
    wecon(&[
        "run",
        "--individual",
        "--allow-rejects",
        &short.to_string_lossy(),
        "--out",
        &out2.to_string_lossy(),
    ]);
    let erin = person("erin@ex.org");
    assert_eq!(
        query_csv(
            &out2,
            &format!(
                "select cast(period as varchar) day, round(value, 4) hours from validation where \"check\" = 'implausible_day' and subject = '{erin}'"
            ),
        ),
        "day,hours\n2024-01-15,0.1\n"
    );
}

#[test]
fn viva_counts_a_person_in_groups_only_in_weeks_they_sent_mail_or_chat() {
    // Alice sends mail in the week of 15 January; in the week of 22 January she only sits in
    // her weekly 1:1. Both weeks have counted time. METRICS.md §3's active person-week
    // (at least one mail or chat sent), which the viva profile applies to group and
    // organisation figures, counts the first only; wecon and myanalytics count both.
    let dir = tempfile::tempdir().unwrap();
    let ex = fixture(dir.path());
    let weeks = |results: &Path| {
        [
            "select distinct cast(week as varchar) w, people from group_week_process order by w",
            "select cast(week as varchar) w, people from surplus_redistribution order by w",
            "select cast(week as varchar) w, active from person_week order by w",
            // What the report reads: the organisation's weeks and people.
            "select distinct cast(week as varchar) w, people from week_summary \
             where source_table = 'person_week_process' and key = '' and week is not null \
             order by w",
        ]
        .map(|sql| query_csv(results, sql))
    };
    let both = "w,people\n2024-01-15,1\n2024-01-22,1\n";
    let active = "w,active\n2024-01-15,true\n2024-01-22,false\n";
    let small = [
        "--keep-excluded",
        "--i-understand-small-groups",
        "--min-group-size",
        "1",
    ];
    // The series runs past the last one-off record: the window is widened.
    let until = ["--until", "2024-02-01"];
    for (profile, expected) in [
        ("wecon", both),
        ("myanalytics", both),
        ("viva", "w,people\n2024-01-15,1\n"),
    ] {
        let out = dir.path().join(profile);
        run_as_alice_into(
            &ex,
            &out,
            &[&small[..], &until, &["--profile", profile]].concat(),
        );
        assert_eq!(
            weeks(&out),
            [expected, expected, active, expected],
            "{profile}"
        );
        // The report says whose weeks it shows.
        let summary = std::fs::read_to_string(out.join("report/summary.md")).unwrap();
        assert_eq!(
            summary.contains("a person counts only in the weeks they sent"),
            profile == "viva",
            "{profile}: {summary}"
        );
    }
    // A comparison counts each period's people by its run's rule: under viva, Alice's mean
    // hours are those of her one active week.
    let viva = dir.path().join("viva");
    let compared = dir.path().join("compared");
    let mut args = vec![
        "compare".to_string(),
        viva.to_string_lossy().into_owned(),
        viva.to_string_lossy().into_owned(),
        "--out".into(),
        compared.to_string_lossy().into_owned(),
    ];
    args.extend(small.iter().map(|a| a.to_string()));
    wecon(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let change = std::fs::read_to_string(compared.join("change.csv")).unwrap();
    let baseline = change
        .lines()
        .find_map(|l| l.strip_prefix("all,all,communicate,"))
        .unwrap_or_else(|| panic!("{change}"))
        .split(',')
        .nth(3)
        .unwrap()
        .parse::<f64>()
        .unwrap();
    let week = query_csv(
        &viva,
        "select hours_per_person from group_week_process \
         where process = 'communicate' and week = DATE '2024-01-15'",
    );
    let week: f64 = week.lines().nth(1).unwrap().parse().unwrap();
    assert!((baseline - week).abs() < 1e-9, "{baseline} {week}");
    let summary = std::fs::read_to_string(compared.join("summary.md")).unwrap();
    assert!(!summary.contains("different assumptions"), "{summary}");

    // A baseline analysed under viva before the rule existed (its run.json's profile lacks
    // it, so it was off) is compared with today's: the comparison says the rule differs.
    let before = dir.path().join("viva-before");
    copy_tree(&viva, &before);
    let run_json = before.join("results/run.json");
    let mut info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&run_json).unwrap()).unwrap();
    info["profile"]
        .as_object_mut()
        .unwrap()
        .remove("active_requires_sent");
    std::fs::write(&run_json, info.to_string()).unwrap();
    args[1] = before.to_string_lossy().into_owned();
    args[4] = dir
        .path()
        .join("compared-before")
        .to_string_lossy()
        .into_owned();
    let run = wecon(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("the periods' assumptions differ")
            && stderr.contains("active_requires_sent: false → true"),
        "{stderr}"
    );
    let summary = std::fs::read_to_string(dir.path().join("compared-before/summary.md")).unwrap();
    assert!(
        summary.contains("They differ in: active_requires_sent: false → true."),
        "{summary}"
    );
}

#[test]
fn user_queries_run_after_the_library_and_read_it() {
    let dir = tempfile::tempdir().unwrap();
    let exports = fixture(dir.path());
    let queries = dir.path().join("queries");
    write(
        &queries.join("my_meet.sql"),
        "-- my_meet: the meet view of my own.\nCREATE OR REPLACE VIEW my_meet AS SELECT * FROM timed WHERE process = 'meet'",
    );
    write(
        &queries.join("weekly_total.sql"),
        "-- weekly_total: all hours per week, from the library's result and my view.\n\
         SELECT (SELECT round(SUM(hours), 4) FROM person_week_process) AS hours, \
                (SELECT round(SUM(seconds) / 3600.0, 4) FROM my_meet) AS meet_hours",
    );
    let out = dir.path().join("out");
    let (e, o, q) = (
        exports.to_string_lossy().into_owned(),
        out.to_string_lossy().into_owned(),
        queries.to_string_lossy().into_owned(),
    );
    let run = [
        "run",
        "--individual",
        "--allow-rejects",
        &e,
        "--out",
        &o,
        "--queries",
        &q,
    ];
    wecon(&run);
    let total = query_csv(
        &out,
        "select round(sum(hours), 4) h from person_week_process",
    );
    let h = total.lines().nth(1).unwrap();
    assert_eq!(
        query_csv(&out, "select * from weekly_total"),
        format!("hours,meet_hours\n{h},1.0\n")
    );
    // A name of the library's own is refused.
    write(&queries.join("timed.sql"), "SELECT 1");
    let failed = crate::helpers::wecon_unchecked(&run);
    assert!(!failed.status.success());
    assert!(String::from_utf8_lossy(&failed.stderr).contains("is a query of wecon's library"));
}

#[test]
fn focus_fragmented_and_meeting_quality_of_a_known_week() {
    // Alice has no roster entry: Mon–Fri 09:00–17:00 UTC. On Tuesday 2024-01-16 she has
    // 10:00–11:00 (hers, with Bob), 11:30–12:00 (a weekly series), 14:00–16:30 (Bob's, ten
    // people, created three hours ahead) and sends a mail at 12:50 (5 min). Free blocks on
    // Tuesday: 9:00–10:00 (focus), 11:00–11:30 (fragment), 12:00–12:50 (fragment),
    // 12:55–14:00 (focus), 16:30–17:00 (fragment); the four other working days are free.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("alice");
    write(
        &src.join("mail/.Sent/cur/1:2,S"),
        &mail(
            1,
            "Tue, 16 Jan 2024 12:50:00 +0000",
            "alice@ex.org",
            "bob@ex.org",
            "Notes",
            false,
        ),
    );
    let many: String = (0..8)
        .map(|i| format!("ATTENDEE;PARTSTAT=ACCEPTED:mailto:p{i}@ex.org\n"))
        .collect();
    write(
        &src.join("calendar/alice@ex.org.ics"),
        &format!(
            "BEGIN:VCALENDAR\nVERSION:2.0\n\
             BEGIN:VEVENT\nUID:a\nDTSTART:20240116T100000Z\nDTEND:20240116T110000Z\nORGANIZER:mailto:alice@ex.org\nATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@ex.org\nEND:VEVENT\n\
             BEGIN:VEVENT\nUID:b\nDTSTART:20240116T113000Z\nDTEND:20240116T120000Z\nRRULE:FREQ=WEEKLY;COUNT=1\nORGANIZER:mailto:alice@ex.org\nATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@ex.org\nEND:VEVENT\n\
             BEGIN:VEVENT\nUID:c\nCREATED:20240116T110000Z\nDTSTART:20240116T140000Z\nDTEND:20240116T163000Z\nORGANIZER:mailto:bob@ex.org\nATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@ex.org\n{many}END:VEVENT\n\
             END:VCALENDAR\n"
        ),
    );
    let (out, alice) = run_as_alice(&src, dir.path());
    let focus = query_csv(
        &out,
        &format!(
            "select cast(week as varchar) w, round(working_hours, 4) wh, round(interrupted_hours, 4) i, \
             round(focus_hours, 4) f, round(fragmented_hours, 4) fr, round(legacy_focus_hours, 4) l \
             from person_week_focus where person_id = '{alice}'"
        ),
    );
    // Focus 1 h + 65 min + 32 h; fragments 30 + 50 + 30 min; interrupted 4 h + 5 min; legacy
    // focus (2 h or more with no meeting, mail allowed): 12:00–14:00 and the four free days.
    assert_eq!(
        focus,
        "w,wh,i,f,fr,l\n2024-01-15,40.0,4.0833,34.0833,1.8333,34.0\n"
    );
    let quality = query_csv(
        &out,
        &format!(
            "select meetings, meeting_hours, small_hours, large_hours, large_attended_hours, long_hours, \
             recurring_hours, short_notice_hours, notice_unknown_hours, organised_hours, redundant_hours \
             from person_week_meeting_quality where person_id = '{alice}'"
        ),
    );
    assert_eq!(
        quality,
        "meetings,meeting_hours,small_hours,large_hours,large_attended_hours,long_hours,\
         recurring_hours,short_notice_hours,notice_unknown_hours,organised_hours,redundant_hours\n\
         3,4.0,1.5,2.5,2.5,2.5,0.5,2.5,1.5,1.5,0.0\n"
    );
    let person_week = query_csv(
        &out,
        &format!(
            "select active, round(meet_hours, 4) m, round(consult_hours, 4) c, round(focus_hours, 4) f \
             from person_week where person_id = '{alice}'"
        ),
    );
    assert_eq!(person_week, "active,m,c,f\ntrue,2.5,1.5,34.0833\n");
}

#[test]
fn network_counts_people_met_twice_in_four_weeks() {
    // Week of 2024-01-15: Alice mails Bob twice, Carol and Erin once, ext@other.org twice,
    // and Dave once besides a meeting with him. Week of 2024-01-29: Erin again. Week of
    // 2024-02-12: Erin once more. Her network is who she met twice in the four weeks up to a
    // week: Bob and Dave (and the outsider) in the first; Bob, Dave and Erin (and the
    // outsider) in the third; Erin alone in the fifth. (The query keeps each pair's weeks as
    // bits of blocks of 52 weeks, and 2024-02-05 starts one: the fifth week's window reaches
    // back into the block before.)
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("alice");
    let sends = [
        ("16 Jan 2024 09:00", "bob@ex.org"),
        ("16 Jan 2024 09:10", "bob@ex.org"),
        ("16 Jan 2024 09:20", "carol@ex.org"),
        ("16 Jan 2024 09:30", "erin@ex.org"),
        ("16 Jan 2024 09:40", "ext@other.org"),
        ("16 Jan 2024 09:50", "ext@other.org"),
        ("16 Jan 2024 11:00", "dave@ex.org"),
        ("30 Jan 2024 09:00", "erin@ex.org"),
        ("13 Feb 2024 09:00", "erin@ex.org"),
    ];
    for (i, (date, to)) in sends.iter().enumerate() {
        write(
            &src.join(format!("mail/.Sent/cur/{i}:2,S")),
            &mail(
                i as u32,
                &format!("Tue, {date}:00 +0000"),
                "alice@ex.org",
                to,
                "Hi",
                false,
            ),
        );
    }
    write(
        &src.join("calendar/alice@ex.org.ics"),
        "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:m\nDTSTART:20240116T100000Z\nDTEND:20240116T103000Z\nORGANIZER:mailto:alice@ex.org\nATTENDEE;PARTSTAT=ACCEPTED:mailto:dave@ex.org\nEND:VEVENT\nEND:VCALENDAR\n",
    );
    let (out, alice) = run_as_alice(&src, dir.path());
    assert_eq!(
        query_csv(
            &out,
            &format!(
                "select cast(week as varchar) w, internal_network i, external_network e, interactions n \
                 from person_week_network where person_id = '{alice}' order by week"
            ),
        ),
        "w,i,e,n\n2024-01-15,2,1,8\n2024-01-29,3,1,1\n2024-02-12,1,0,1\n"
    );

    // Between groups: Alice and Bob are unit a, Carol, Dave and Erin unit b. In the first
    // week Alice met Bob twice (a), Carol, Erin once and Dave twice (b: 4 interactions, 3
    // people) and the outsider twice; in the third and the fifth, Erin once. Alice is unit
    // a's only active person, so a minimum group size of 2 hides every row. (Her weeks are
    // too light to pass validation: they are kept here.)
    let roster = dir.path().join("people.csv");
    std::fs::write(
        &roster,
        "email,unit\nalice@ex.org,a\nbob@ex.org,a\ncarol@ex.org,b\ndave@ex.org,b\nerin@ex.org,b\n",
    )
    .unwrap();
    let groups = |min: &str| {
        let out = dir.path().join(format!("groups-{min}"));
        run_as_alice_into(
            &src,
            &out,
            &[
                "--roster",
                &roster.to_string_lossy(),
                "--by",
                "unit",
                "--keep-excluded",
                "--i-understand-small-groups",
                "--min-group-size",
                min,
            ],
        );
        query_csv(
            &out,
            "select cast(week as varchar) w, unit, with_unit, interactions_per_person i, \
             contacts_per_person c, people from group_collaboration order by w, with_unit",
        )
    };
    assert_eq!(
        groups("1"),
        "w,unit,with_unit,i,c,people\n\
         2024-01-15,a,(external),2.0,1.0,1\n\
         2024-01-15,a,a,2.0,1.0,1\n\
         2024-01-15,a,b,4.0,3.0,1\n\
         2024-01-29,a,b,1.0,1.0,1\n\
         2024-02-12,a,b,1.0,1.0,1\n"
    );
    assert_eq!(groups("2"), "w,unit,with_unit,i,c,people\n");
}

#[test]
fn surplus_levers_combine_without_counting_twice() {
    // Tuesday 2024-01-16, Alice (no roster: Mon–Fri 09:00–17:00 UTC): her own meeting A
    // 10:00–11:00 with Bob; Bob's meeting B 10:30–11:30 of ten people, created at 08:00
    // (short notice), which she accepted; and a mail she read at 11:45 on Cc (2.5 min).
    // Levers: conflicting 0.5 h of B × 1.0; large B 1 h × 0.5; short-notice B 1 h × 0.25;
    // Cc 2.5 min × 0.5; fragmented time 11:30–11:45 (0.25 h) × 0.1. On B together:
    // 1 − (1 − 0.5)(1 − 0.5)(1 − 0.25) = 0.8125 of its hour.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("alice");
    write(
        &src.join("mail/cur/1:2,S"),
        "Message-ID: <cc1@ex.org>\nDate: Tue, 16 Jan 2024 11:45:00 +0000\nFrom: bob@ex.org\n\
         To: carol@ex.org\nCc: alice@ex.org\nSubject: FYI\n\nbody\n",
    );
    let many: String = (0..8)
        .map(|i| format!("ATTENDEE;PARTSTAT=ACCEPTED:mailto:p{i}@ex.org\n"))
        .collect();
    write(
        &src.join("calendar/alice@ex.org.ics"),
        &format!(
            "BEGIN:VCALENDAR\nVERSION:2.0\n\
             BEGIN:VEVENT\nUID:a\nDTSTART:20240116T100000Z\nDTEND:20240116T110000Z\nORGANIZER:mailto:alice@ex.org\nATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@ex.org\nEND:VEVENT\n\
             BEGIN:VEVENT\nUID:b\nCREATED:20240116T080000Z\nDTSTART:20240116T103000Z\nDTEND:20240116T113000Z\nORGANIZER:mailto:bob@ex.org\nATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@ex.org\n{many}END:VEVENT\n\
             END:VCALENDAR\n"
        ),
    );
    let (out, alice) = run_as_alice(&src, dir.path());
    let levers = query_csv(
        &out,
        &format!(
            "select lever, round(base_hours, 6) b, fraction f, round(hours, 6) h \
             from surplus_person_week_lever where person_id = '{alice}' order by lever"
        ),
    );
    assert_eq!(
        levers,
        "lever,b,f,h\n\
         cc_only_mail,0.041667,0.5,0.020833\n\
         conflicting_meetings,0.5,1.0,0.5\n\
         fragmented_time,0.25,0.1,0.025\n\
         large_meetings,1.0,0.5,0.5\n\
         short_notice_meetings,1.0,0.25,0.25\n"
    );
    let total = |dir: &Path| {
        query_csv(
            dir,
            &format!(
                "select round(timed_hours, 6) t, round(lever_hours, 6) l, round(reclaimable_hours, 6) r, \
                 round(focus_regained_hours, 6) f, round(fte, 6) fte, cost \
                 from surplus_person_week where person_id = '{alice}'"
            ),
        )
    };
    assert_eq!(
        total(&out.join("results")),
        "t,l,r,f,fte,cost\n2.041667,1.295833,0.858333,0.025,0.021458,\n"
    );
    // As time for care: none shown for one person (below the minimum group size, and a
    // light week validation excludes), unless
    // asked: 0.858333 h is 1.144444 school runs of 45 min, and over 46 weeks 4.935417 of her
    // 8-hour days.
    let care = |dir: &Path| {
        query_csv(
            dir,
            "select people, round(hours_per_person, 6) h, round(school_runs_per_person, 6) s, \
             round(care_days_per_person_per_year, 6) d, round(fte, 6) fte from surplus_redistribution",
        )
    };
    assert_eq!(care(&out.join("results")), "people,h,s,d,fte\n");
    let small = dir.path().join("small");
    analyze(
        &out.join("dataset"),
        &small,
        &[
            "--i-understand-small-groups",
            "--min-group-size",
            "1",
            "--keep-excluded",
        ],
    );
    assert_eq!(
        care(&small),
        "people,h,s,d,fte\n1,0.858333,1.144444,4.935417,0.021458\n"
    );
    // A scenario without the large-meeting lever: B keeps 1 − 0.5 × 0.75 = 0.625 of its hour.
    let scenario = dir.path().join("fewer.toml");
    std::fs::write(
        &scenario,
        "description = \"no large meetings\"\n[levers]\nlarge_meetings = 0.0\n",
    )
    .unwrap();
    let results = dir.path().join("scenario");
    analyze(
        &out.join("dataset"),
        &results,
        &["--scenario", &scenario.to_string_lossy()],
    );
    assert_eq!(
        total(&results),
        "t,l,r,f,fte,cost\n2.041667,0.795833,0.670833,0.025,0.016771,\n"
    );
    let info = std::fs::read_to_string(results.join("run.json")).unwrap();
    assert!(info.contains("fewer.toml`: no large meetings"), "{info}");
    // A fraction outside 0..1 is refused.
    std::fs::write(&scenario, "[levers]\nlarge_meetings = 1.5\n").unwrap();
    let bad = crate::helpers::wecon_unchecked(&[
        "analyze",
        &out.join("dataset").to_string_lossy(),
        "--out",
        &dir.path().join("bad").to_string_lossy(),
        "--scenario",
        &scenario.to_string_lossy(),
    ]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("between 0 and 1"));
}
