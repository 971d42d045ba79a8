//! The roster: people the exports show but the roster does not list are reported, and the
//! roster's other columns are kept as attributes (identifying ones are not).

use crate::exact::fixture;
use crate::helpers::{person, query_csv, sorted_rows, wecon};

#[test]
fn people_missing_from_the_roster_are_reported_and_attributes_kept() {
    let dir = tempfile::tempdir().unwrap();
    let exports = fixture(dir.path());
    // The fixture's mailbox and calendar belong to alice@ex.org; the roster lists only bob.
    let roster = dir.path().join("people.csv");
    std::fs::write(
        &roster,
        "email,unit,site,display_name\nbob@ex.org,finance,Lyon,Bob Martin\n",
    )
    .unwrap();
    let ds = dir.path().join("ds");
    let (e, r, d) = (
        exports.to_string_lossy().into_owned(),
        roster.to_string_lossy().into_owned(),
        ds.to_string_lossy().into_owned(),
    );
    let out = wecon(&["ingest", "--allow-rejects", &e, "--roster", &r, "--out", &d]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("1 people in the exports are not in the roster"),
        "{stderr}"
    );
    let manifest = std::fs::read_to_string(ds.join("manifest.json")).unwrap();
    assert!(
        manifest.contains("\"people_not_in_roster\": 1"),
        "{manifest}"
    );
    assert_eq!(
        query_csv(
            &ds,
            "select unit, attributes from people where found_in like '%roster%'"
        ),
        "unit,attributes\nfinance,{site: Lyon}\n"
    );
}

#[test]
fn a_meeting_of_a_manager_and_their_manager_is_redundant() {
    // Dave reports to Bob, Bob to Alice. Alice's 1 h meeting with Bob (both calendars
    // exported) has two levels of management in it: redundant for both; Bob's 30 min with
    // Dave is not (Alice is not there).
    let dir = tempfile::tempdir().unwrap();
    let cal = |owner: &str, events: &[(&str, &str, &str, &str)]| {
        let mut s = String::from("BEGIN:VCALENDAR\nVERSION:2.0\n");
        for (uid, start, end, other) in events {
            s += &format!(
                "BEGIN:VEVENT\nUID:{uid}\nDTSTART:20240116T{start}Z\nDTEND:20240116T{end}Z\n\
                 ORGANIZER:mailto:{owner}\nATTENDEE;PARTSTAT=ACCEPTED:mailto:{other}\nEND:VEVENT\n"
            );
        }
        s + "END:VCALENDAR\n"
    };
    let exports = dir.path().join("calendars");
    std::fs::create_dir_all(&exports).unwrap();
    std::fs::write(
        exports.join("alice@ex.org.ics"),
        cal("alice@ex.org", &[("m1", "100000", "110000", "bob@ex.org")]),
    )
    .unwrap();
    // Bob's copy of Alice's meeting (he attends), and his own 1:1 with Dave.
    std::fs::write(
        exports.join("bob@ex.org.ics"),
        "BEGIN:VCALENDAR\nVERSION:2.0\n\
         BEGIN:VEVENT\nUID:m1\nDTSTART:20240116T100000Z\nDTEND:20240116T110000Z\nORGANIZER:mailto:alice@ex.org\n\
         ATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@ex.org\nEND:VEVENT\n\
         BEGIN:VEVENT\nUID:m2\nDTSTART:20240116T140000Z\nDTEND:20240116T143000Z\nORGANIZER:mailto:bob@ex.org\n\
         ATTENDEE;PARTSTAT=ACCEPTED:mailto:dave@ex.org\nEND:VEVENT\nEND:VCALENDAR\n",
    )
    .unwrap();
    let roster = dir.path().join("people.csv");
    std::fs::write(
        &roster,
        "email,unit,manager\nalice@ex.org,board,\nbob@ex.org,finance,alice@ex.org\ndave@ex.org,finance,bob@ex.org\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    wecon(&[
        "run",
        "--individual",
        "--allow-rejects",
        &exports.to_string_lossy(),
        "--roster",
        &roster.to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
    ]);
    let alice = crate::helpers::person("alice@ex.org");
    let bob = crate::helpers::person("bob@ex.org");
    assert_eq!(
        query_csv(
            &out,
            &format!(
                "select case person_id when '{alice}' then 'alice' when '{bob}' then 'bob' end who, \
                 meeting_hours, redundant_hours from person_week_meeting_quality order by 1"
            ),
        ),
        "who,meeting_hours,redundant_hours\nalice,1.0,1.0\nbob,1.5,1.0\n"
    );
}

#[test]
fn chat_people_named_without_an_address_are_the_rosters_people() {
    // Graph chat messages and Teams attendance records often give a user's Entra object id
    // and no address; the roster's `entra_object_id` column says whose it is, as its
    // aliases do for other chat identities.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(
        src.join("people.csv"),
        "email,unit,entra_object_id,aliases\nann@x.org,finance,6F1A-AB,\nbob@x.org,sales,,mattermost:Bob\n",
    )
    .unwrap();
    // Bob's Mattermost user has no e-mail address; the roster names it as his.
    std::fs::write(
        src.join("mattermost.jsonl"),
        "{\"type\":\"version\",\"version\":1}\n\
         {\"type\":\"user\",\"user\":{\"username\":\"bob\"}}\n\
         {\"type\":\"post\",\"post\":{\"team\":\"t\",\"channel\":\"town\",\"user\":\"bob\",\"message\":\"hi\",\"create_at\":1705309200000}}\n",
    )
    .unwrap();
    std::fs::write(
        src.join("chat.json"),
        r#"{"value": [
          {"id": "1", "chatId": "19:1", "messageType": "message", "createdDateTime": "2024-01-15T09:00:00Z", "from": {"user": {"id": "6f1a-ab", "displayName": "Ann"}}, "body": {"content": "hi"}},
          {"id": "2", "chatId": "19:1", "messageType": "message", "createdDateTime": "2024-01-15T09:01:00Z", "from": {"user": {"id": "77-CD", "displayName": "Cy"}}, "body": {"content": "hey"}}
        ]}"#,
    )
    .unwrap();
    let ds = dir.path().join("ds");
    let out = wecon(&[
        "ingest",
        &src.to_string_lossy(),
        "--out",
        &ds.to_string_lossy(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Cy is not in the roster; Ann's chat is Ann's.
    assert!(
        stderr.contains("1 people in the exports are not in the roster"),
        "{stderr}"
    );
    let mut expected = vec![
        format!("{},finance", person("ann@x.org")),
        format!("{},sales", person("bob@x.org")),
        format!("{},", person("teams:77-cd")),
    ];
    expected.sort();
    let got = sorted_rows(
        &ds,
        "select a.person_id, p.unit from activities a join people p using (person_id)",
    );
    assert_eq!(got, expected);
    // The object id is not kept as an attribute.
    assert_eq!(
        query_csv(
            &ds,
            "select count(*) n from people where cardinality(map_keys(attributes)) > 0"
        ),
        "n\n0\n"
    );
}
