//! Slack exports (a folder, and a zip) against counts the test makes from the JSON itself.

use std::path::Path;

use serde_json::Value;

use crate::helpers::{
    copy_tree, ingest, person, query_csv, read_and_accepted, shared_data, sorted_rows,
};

/// (messages, posts by people, posts with files) of an export folder, read independently:
/// a post is a `message` with no subtype or a file share/comment, not from a bot, with an
/// author.
fn count(root: &Path) -> (usize, usize, usize) {
    let (mut messages, mut posts, mut with_files) = (0, 0, 0);
    for dir in std::fs::read_dir(root).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for day in std::fs::read_dir(&dir).unwrap() {
            let v: Value =
                serde_json::from_slice(&std::fs::read(day.unwrap().path()).unwrap()).unwrap();
            for m in v.as_array().unwrap() {
                messages += 1;
                let subtype = m["subtype"].as_str();
                let bot = m["bot_id"].is_string() || subtype == Some("bot_message");
                let author = m["user"].is_string() || m["comment"]["user"].is_string();
                let person_post = matches!(subtype, None | Some("file_share" | "file_comment"));
                if m["type"] == "message" && person_post && !bot && author {
                    posts += 1;
                    if m["file"].is_object() || m["files"].is_array() {
                        with_files += 1;
                    }
                }
            }
        }
    }
    (messages, posts, with_files)
}

fn check(source: &Path, expected: (usize, usize, usize)) {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    ingest(source, &ds, &[]);
    let (messages, posts, with_files) = expected;
    assert_eq!(
        query_csv(
            &ds,
            "select sum(records_read) r, sum(records_accepted) a, \
             sum(case when records_read <> records_accepted + records_rejected then 1 else 0 end) unbalanced \
             from ingest_log where format = 'slack'"
        ),
        format!("r,a,unbalanced\n{messages},{posts},0\n"),
        "{}",
        source.display()
    );
    assert_eq!(
        query_csv(
            &ds,
            "select count(*) n, sum(case when attachments > 0 then 1 else 0 end) f, \
             min(participants) >= 1 ok from activities where source = 'chat' and action = 'post'"
        ),
        format!("n,f,ok\n{posts},{with_files},true\n")
    );
}

#[test]
fn a_slack_export_folder_is_read_post_by_post() {
    let Some(root) = shared_data("slack-houstondatavis") else {
        return;
    };
    let expected = count(&root);
    assert!(expected.1 > 900, "{expected:?}");
    check(&root, expected);
    // channels.json lists each channel's members: posts name the other members as parties
    // (keyed pseudonyms), never more than the conversation's participants.
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    ingest(&root, &ds, &[]);
    assert_eq!(
        query_csv(
            &ds,
            "select sum(case when parties is not null then 1 else 0 end) > 800 named, \
             sum(case when cardinality(parties) > participants then 1 else 0 end) too_many, \
             sum(case when array_has(parties, person_id) then 1 else 0 end) self \
             from activities where source = 'chat'"
        ),
        "named,too_many,self\ntrue,0,0\n"
    );
    // The export's record for incremental ingest names its posters in the same order from
    // run to run (they were once listed in hash order).
    let again = dir.path().join("again");
    ingest(&root, &again, &[]);
    let units = |ds: &Path| std::fs::read(ds.join("units.json")).unwrap();
    assert!(
        units(&ds) == units(&again),
        "units.json differs between two runs"
    );
}

#[test]
fn a_slack_export_zip_is_read_like_its_folder() {
    let Some(zip_path) = shared_data("slack-export-viewer/testarchive.zip") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    zip.extract(dir.path()).unwrap();
    let expected = count(dir.path());
    check(&zip_path, expected);
}

#[test]
fn broken_slack_files_are_rejected_not_fatal() {
    let Some(zip_path) = shared_data("slack-export-viewer/testarchive.zip") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    zip.extract(&export).unwrap();
    std::fs::write(export.join("enrique/2016-04-01.json"), "[{\"type\": \"mess").unwrap();
    std::fs::write(
        export.join("enrique/2016-04-02.json"),
        r#"[{"type": "message", "user": "U1", "text": "no time"}, {"type": "message", "text": "no author", "ts": "1459555200.000001"}]"#,
    )
    .unwrap();
    let ds = dir.path().join("ds");
    ingest(&export, &ds, &[]);
    let reasons = query_csv(
        &ds,
        "select reasons from ingest_log where source_file like '%2016-04-0%' order by source_file",
    );
    assert!(
        reasons.contains("not a JSON array of messages: 1"),
        "{reasons}"
    );
    assert!(
        reasons.contains("without a readable timestamp: 1"),
        "{reasons}"
    );
    assert!(reasons.contains("without an author: 1"), "{reasons}");
}

#[test]
fn slack_huddles_are_calls_of_everyone_in_them_and_slackbot_is_no_one() {
    // Slackbot writes a huddle's message; its `room` holds the huddle. `users.json` here
    // does not list Slackbot (exports that do list it with `is_bot: false`).
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    std::fs::create_dir_all(export.join("general")).unwrap();
    std::fs::write(
        export.join("users.json"),
        r#"[{"id": "U1", "team_id": "T1", "profile": {"email": "Ann@x.org"}, "tz": "Europe/Amsterdam"},
            {"id": "U2", "team_id": "T1", "profile": {"email": "bob@x.org"}},
            {"id": "B1", "team_id": "T1", "is_bot": true, "profile": {}},
            {"id": "A1", "team_id": "T1", "is_app_user": true, "profile": {"email": "app@x.org"}}]"#,
    )
    .unwrap();
    std::fs::write(
        export.join("channels.json"),
        r#"[{"id": "C1", "name": "general", "members": ["U1", "U2", "U3"]}]"#,
    )
    .unwrap();
    let start = 1_705_309_200; // 2024-01-15 09:00 UTC
    let room = |id: &str, by: &str, end: i64, history: &str| {
        format!(
            r#"{{"type": "message", "subtype": "huddle_thread", "user": "USLACKBOT", "text": "", "ts": "{start}.000100",
                "room": {{"id": "{id}", "created_by": "{by}", "date_start": {start}, "date_end": {end},
                          "participants": [], "participant_history": [{history}], "call_family": "huddle"}}}}"#
        )
    };
    let day = [
        format!(
            r#"{{"type": "message", "user": "U1", "text": "call?", "ts": "{}.000001"}}"#,
            start - 60
        ),
        room("R1", "U1", start + 1800, r#""U1", "U2", "U3", "B1", "U2""#),
        // Not ended (or its end not known): a call of unknown length.
        room("R2", "U2", 0, r#""U2""#),
        room("R3", "", 0, ""),
        format!(
            r#"{{"type": "message", "user": "USLACKBOT", "text": "Reminder: timesheets", "ts": "{start}.000200"}}"#
        ),
        format!(
            r#"{{"type": "message", "user": "A1", "text": "Build passed", "ts": "{start}.000300"}}"#
        ),
    ];
    std::fs::write(
        export.join("general/2024-01-15.json"),
        format!("[{}]", day.join(",")),
    )
    .unwrap();
    let ds = dir.path().join("ds");
    ingest(&export, &ds, &[]);
    let (ann, bob, u3) = (person("ann@x.org"), person("bob@x.org"), person("slack:u3"));
    let mut expected = vec![
        format!("{ann},chat,post,,3,"),
        format!("{ann},call,organize,1800,3,2"),
        format!("{bob},call,attend,1800,3,2"),
        format!("{u3},call,attend,1800,3,2"),
        format!("{bob},call,organize,,1,0"),
    ];
    expected.sort();
    let got = sorted_rows(
        &ds,
        "select person_id, source, action, \
         cast(date_part('epoch', end_utc) - date_part('epoch', start_utc) as bigint) seconds, \
         participants, case when source = 'call' then cardinality(parties) end parties \
         from activities",
    );
    assert_eq!(got, expected);
    // Each person in a huddle is a record; Slackbot's reminder, an app's post and a huddle of
    // no one are not posts.
    let log = query_csv(
        &ds,
        "select records_read, records_accepted, reasons from ingest_log where format = 'slack'",
    );
    assert!(log.contains("\n8,5,"), "{log}");
    assert!(
        log.contains("bot or integration message: not a person's post: 2"),
        "{log}"
    );
    assert!(
        log.contains("huddle or call naming no one who took part: 1"),
        "{log}"
    );
    // Ann's time zone comes with her huddle.
    assert_eq!(
        query_csv(
            &ds,
            "select distinct tz from activities where source = 'call' and action = 'organize' and end_utc is not null"
        ),
        "tz\nEurope/Amsterdam\n"
    );
    // The workspace exported twice over the same day: each post and each person's huddle
    // counts once, the second export's copies logged as such.
    let both = dir.path().join("both");
    copy_tree(&export, &both.join("first"));
    copy_tree(&export, &both.join("second"));
    let twice = dir.path().join("twice");
    ingest(&both, &twice, &[]);
    let rows = "select person_id, source, action, \
         cast(date_part('epoch', end_utc) - date_part('epoch', start_utc) as bigint) seconds, \
         participants, case when source = 'call' then cardinality(parties) end parties \
         from activities";
    assert_eq!(sorted_rows(&twice, rows), expected);
    let copies = |what: &str| format!("sum(coalesce(reasons['{what}'], 0))");
    assert_eq!(
        query_csv(
            &twice,
            &format!(
                "select sum(records_read) r, sum(records_accepted) a, {} calls, {} posts \
                 from ingest_log where format = 'slack'",
                copies(
                    "copy of a call another input already gave (the same person, call and time): overlapping exports of one call log or chat"
                ),
                copies(
                    "copy of a post another input already gave (the same author, conversation, message and time): overlapping exports of one chat"
                ),
            )
        ),
        "r,a,calls,posts\n16,5,4,1\n"
    );
}

#[test]
fn channel_posts_count_as_chat_but_not_under_myanalytics() {
    // Ann posts once in #general and once to Bob directly, an hour apart: 30 s each under
    // `wecon`; MyAnalytics counted chats, not channel posts (METRICS.md §2), so `myanalytics`
    // counts the direct message only.
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("slack");
    let file = |name: &str, text: &str| {
        let path = export.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    file(
        "users.json",
        r#"[{"id": "U1", "team_id": "T1", "name": "ann", "profile": {"email": "ann@x.org"}},
            {"id": "U2", "team_id": "T1", "name": "bob", "profile": {"email": "bob@x.org"}}]"#,
    );
    file(
        "channels.json",
        r#"[{"id": "C1", "name": "general", "members": ["U1", "U2"]}]"#,
    );
    file("dms.json", r#"[{"id": "D1", "members": ["U1", "U2"]}]"#);
    file(
        "general/2024-01-15.json",
        r#"[{"type": "message", "user": "U1", "text": "hello all", "ts": "1705309200.000100"}]"#,
    );
    file(
        "D1/2024-01-15.json",
        r#"[{"type": "message", "user": "U1", "text": "hi Bob", "ts": "1705312800.000100"}]"#,
    );
    let out = dir.path().join("out");
    crate::helpers::wecon(&[
        "run",
        "--individual",
        &export.to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
    ]);
    assert_eq!(
        query_csv(
            &out,
            "select in_channel, count(*) n from activities where source = 'chat' \
             group by in_channel order by in_channel"
        ),
        "in_channel,n\nfalse,1\ntrue,1\n"
    );
    let ann = person("ann@x.org");
    let minutes = |results: &Path| {
        query_csv(
            results,
            &format!(
                "select round(sum(hours) * 60, 4) minutes from person_week_process \
                 where person_id = '{ann}'"
            ),
        )
    };
    assert_eq!(minutes(&out), "minutes\n1.0\n");
    let myanalytics = dir.path().join("myanalytics");
    crate::helpers::analyze(
        &out.join("dataset"),
        &myanalytics,
        &["--profile", "myanalytics"],
    );
    assert_eq!(minutes(&myanalytics), "minutes\n0.5\n");
}

#[test]
fn teams_graph_and_mattermost_exports_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(
        src.join("teams-chat.json"),
        r#"{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#chats('19%3A1')/messages", "value": [
          {"id": "1", "chatId": "19:1", "messageType": "message", "createdDateTime": "2024-01-15T09:00:00Z", "from": {"user": {"id": "AAA", "userPrincipalName": "ann@x.org"}}, "body": {"content": "hello"}, "attachments": []},
          {"id": "2", "chatId": "19:1", "messageType": "systemEventMessage", "createdDateTime": "2024-01-15T09:02:00Z", "from": null}
        ]}"#,
    )
    .unwrap();
    std::fs::write(
        src.join("call.json"),
        r#"{"id": "c1", "type": "peerToPeer", "modalities": ["audio"],
            "startDateTime": "2024-01-15T09:00:00Z", "endDateTime": "2024-01-15T09:20:00Z",
            "organizer": {"user": {"id": "A", "userPrincipalName": "ann@x.org"}},
            "sessions": [{"caller": {"identity": {"user": {"id": "A", "userPrincipalName": "ann@x.org"}}},
                          "callee": {"identity": {"user": {"id": "B", "userPrincipalName": "bob@x.org"}}},
                          "startDateTime": "2024-01-15T09:00:00Z", "endDateTime": "2024-01-15T09:20:00Z"}]}"#,
    )
    .unwrap();
    std::fs::write(
        src.join("mattermost.jsonl"),
        "{\"type\":\"version\",\"version\":1}\n\
         {\"type\":\"post\",\"post\":{\"team\":\"t\",\"channel\":\"town\",\"user\":\"ann\",\"message\":\"hi\",\"create_at\":1705309200000}}\n",
    )
    .unwrap();
    let ds = dir.path().join("ds");
    ingest(&src, &ds, &[]);
    assert_eq!(
        read_and_accepted(&ds),
        "format,records_read,records_accepted\nmattermost,1,1\nteams,2,1\nteams_calls,2,2\n"
    );
    // The Teams chat's message is not in a channel; the Mattermost post is.
    assert_eq!(
        query_csv(
            &ds,
            "select in_channel, count(*) n from activities where source = 'chat' \
             group by in_channel order by in_channel"
        ),
        "in_channel,n\nfalse,1\ntrue,1\n"
    );
    // A 1:1 call is consulting time: 20 minutes for each of the two.
    let run = dir.path().join("run");
    crate::helpers::wecon(&[
        "run",
        "--individual",
        "--allow-rejects",
        &src.to_string_lossy(),
        "--out",
        &run.to_string_lossy(),
    ]);
    assert_eq!(
        query_csv(
            &run,
            "select process, round(sum(hours), 3) h from person_week_process where process = 'consult' group by process"
        ),
        "process,h\nconsult,0.667\n"
    );
}

/// Writes a Google Chat conversation's folder of a Takeout export.
fn google_chat_folder(export: &Path, conversation: &str, members: Option<&str>, messages: &str) {
    let dir = export.join("Takeout/Google Chat/Groups").join(conversation);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("messages.json"), messages).unwrap();
    if let Some(members) = members {
        std::fs::write(dir.join("group_info.json"), members).unwrap();
    }
}

#[test]
fn google_chat_takeouts_of_several_members_count_each_message_once() {
    let dir = tempfile::tempdir().unwrap();
    let (alice, bob) = (dir.path().join("alice"), dir.path().join("bob"));
    let members = r#"{"name": "Project", "members": [
        {"name": "Alice", "email": "alice@x.org", "user_type": "Human"},
        {"name": "Bob", "email": "Bob@X.org", "user_type": "Human"},
        {"name": "Carol", "email": "carol@partner.com", "user_type": "Human"},
        {"name": "Helper", "email": "helper@bots.x.org", "user_type": "Bot"}]}"#;
    // Alice's export: three posts (one sharing a file and a Drive link, one dated in Dutch
    // as a Dutch export writes dates), a bot's message, a deleted one, one dated in a form
    // wecon does not read.
    let first = r#"{"creator": {"name": "Alice", "email": "alice@x.org", "user_type": "Human"},
        "created_date": "Monday, January 15, 2024 at 9:00:00 AM UTC", "text": "plan",
        "topic_id": "t1", "message_id": "AAAA/t1/m1"}"#;
    let second =
        "{\"creator\": {\"name\": \"Bob\", \"email\": \"bob@x.org\", \"user_type\": \"Human\"},
        \"created_date\": \"Monday, January 15, 2024 at 2:30:05\u{202f}PM UTC\",
        \"text\": \"see https://docs.google.com/document/d/1\", \"topic_id\": \"t1\",
        \"message_id\": \"AAAA/t1/m2\",
        \"attached_files\": [{\"original_name\": \"a.pdf\", \"export_name\": \"File-a.pdf\"}]}";
    google_chat_folder(
        &alice,
        "Space AAAA",
        Some(members),
        &format!(
            r#"{{"messages": [{first}, {second},
            {{"creator": {{"name": "Helper", "email": "helper@bots.x.org", "user_type": "Bot"}},
              "created_date": "Monday, January 15, 2024 at 9:01:00 AM UTC", "message_id": "AAAA/t1/b"}},
            {{"creator": {{"name": "Alice", "email": "alice@x.org", "user_type": "Human"}},
              "created_date": "Monday, January 15, 2024 at 9:02:00 AM UTC", "message_id": "AAAA/t1/d",
              "message_state": "DELETED", "deletion_metadata": {{"deletion_type": "CREATOR"}}}},
            {{"creator": {{"name": "Alice", "email": "alice@x.org", "user_type": "Human"}},
              "created_date": "maandag 15 januari 2024 om 09:03:00 UTC", "message_id": "AAAA/t1/nl"}},
            {{"creator": {{"name": "Alice", "email": "alice@x.org", "user_type": "Human"}},
              "created_date": "2024年1月15日月曜日 9:04:00 UTC", "message_id": "AAAA/t1/ja"}}]}}"#
        ),
    );
    let users = alice.join("Takeout/Google Chat/Users/User 1");
    std::fs::create_dir_all(&users).unwrap();
    std::fs::write(
        users.join("user_info.json"),
        r#"{"user": {"name": "Alice", "email": "alice@x.org", "user_type": "Human"},
            "membership_info": [{"group_id": "Space AAAA", "membership_state": "MEMBER_JOINED"}]}"#,
    )
    .unwrap();
    // Bob's export, zipped: the same space with a later message of his (British English
    // date), and a direct message without a group_info.json.
    let third = r#"{"creator": {"name": "Bob", "email": "bob@x.org", "user_type": "Human"},
        "created_date": "Tuesday, 16 January 2024 at 10:00:00 UTC", "text": "done",
        "topic_id": "t2", "message_id": "AAAA/t2/m3"}"#;
    google_chat_folder(
        &bob,
        "Space AAAA",
        Some(members),
        &format!(r#"{{"messages": [{first}, {second}, {third}]}}"#),
    );
    google_chat_folder(
        &bob,
        "DM BBBB",
        None,
        r#"{"messages": [{"creator": {"name": "Bob", "email": "bob@x.org", "user_type": "Human"},
            "created_date": "Wednesday, January 17, 2024 at 12:00:00 PM UTC", "message_id": "BBBB/x/1"}]}"#,
    );
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    copy_tree(&alice, &src.join("alice"));
    let mut zip = zip::ZipWriter::new(std::fs::File::create(src.join("bob.zip")).unwrap());
    for f in crate::helpers::files_under(&bob) {
        let name = f.strip_prefix(&bob).unwrap().to_string_lossy().into_owned();
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zip, &std::fs::read(&f).unwrap()).unwrap();
    }
    zip.finish().unwrap();

    let ds = dir.path().join("ds");
    ingest(&src, &ds, &[]);
    // Copies, bots' and deleted messages are exclusions, the message whose date is not read
    // the one fault: without --allow-rejects, the run exits 3 for it alone.
    let strict = crate::helpers::wecon_unchecked(&[
        "ingest",
        &src.to_string_lossy(),
        "--out",
        &dir.path().join("strict").to_string_lossy(),
    ]);
    assert_eq!(strict.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&strict.stderr);
    let faults: Vec<&str> = stderr
        .lines()
        .filter(|l| l.split_whitespace().nth(1) == Some("fault"))
        .collect();
    assert_eq!(faults.len(), 1, "{stderr}");
    assert!(faults[0].contains("form wecon does not read"), "{stderr}");
    let space = "Takeout/Google Chat/Groups/Space AAAA/messages.json";
    let dm = "Takeout/Google Chat/Groups/DM BBBB/messages.json";
    // Alice's copy: 6 messages, 3 posts; Bob's: 3 messages, the 2 Alice's copy holds
    // rejected as copies, his new one a post; his direct message a post.
    assert_eq!(
        sorted_rows(
            &ds,
            "select source_file, records_read, records_accepted, records_rejected \
             from ingest_log where format = 'google_chat'"
        ),
        vec![
            format!("{}/alice/{space},6,3,3", src.display()),
            format!("{}/bob.zip!/{dm},1,1,0", src.display()),
            format!("{}/bob.zip!/{space},3,1,2", src.display()),
        ]
    );
    let reasons = query_csv(
        &ds,
        "select reasons from ingest_log where format = 'google_chat' order by source_file",
    );
    for reason in [
        "another member's export",
        "application or bot",
        "deleted chat message",
        "form wecon does not read",
    ] {
        assert!(reasons.contains(reason), "{reason}: {reasons}");
    }
    // The descriptions are read with the messages, not faults.
    assert_eq!(
        query_csv(
            &ds,
            "select count(*) n from ingest_log where source_file like '%info.json' and records_rejected = 0"
        ),
        "n\n3\n"
    );
    // Each post: its author, time, thread, attachments and links; the space's four people
    // (the bot is no one) are its participants, the other three its parties, Carol outside.
    let (a, b) = (person("alice@x.org"), person("bob@x.org"));
    assert_eq!(
        sorted_rows(
            &ds,
            "select person_id, start_utc, participants, attachments, links, \
             cardinality(parties), external_parties is not null and cardinality(external_parties) = 1 \
             from activities where source = 'chat' order by start_utc"
        ),
        vec![
            format!("{a},2024-01-15T09:00:00Z,3,0,0,2,true"),
            format!("{a},2024-01-15T09:03:00Z,3,0,0,2,true"),
            format!("{b},2024-01-15T14:30:05Z,3,1,1,2,true"),
            format!("{b},2024-01-16T10:00:00Z,3,0,0,2,true"),
            format!("{b},2024-01-17T12:00:00Z,1,0,0,0,false"),
        ]
    );
    // The space's posts are in a channel, the direct message's not.
    assert_eq!(
        query_csv(
            &ds,
            "select in_channel, count(*) n from activities where source = 'chat' \
             group by in_channel order by in_channel"
        ),
        "in_channel,n\nfalse,1\ntrue,4\n"
    );
}

#[test]
fn two_exports_of_one_slack_workspace_count_each_post_once() {
    // The same export twice, the second without one channel: as a workspace exported twice
    // over overlapping months gives.
    let Some(root) = shared_data("slack-houstondatavis") else {
        return;
    };
    let (messages, posts, _) = count(&root);
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (dir.path().join("src/first"), dir.path().join("src/second"));
    copy_tree(&root, &first);
    copy_tree(&root, &second);
    let channel = std::fs::read_dir(&second)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .min()
        .unwrap();
    std::fs::remove_dir_all(&channel).unwrap();
    let (second_messages, second_posts, _) = count(&second);
    assert!(second_posts < posts && second_posts > 0);
    let ds = dir.path().join("ds");
    ingest(&dir.path().join("src"), &ds, &[]);
    let copies = "copy of a post another input already gave (the same author, conversation, \
                  message and time): overlapping exports of one chat";
    assert_eq!(
        query_csv(
            &ds,
            &format!(
                "select sum(records_read) r, sum(records_accepted) a, \
                 sum(case when records_read <> records_accepted + records_rejected then 1 else 0 end) unbalanced, \
                 sum(coalesce(reasons['{copies}'], 0)) copies \
                 from ingest_log where format = 'slack'"
            )
        ),
        format!(
            "r,a,unbalanced,copies\n{},{posts},0,{second_posts}\n",
            messages + second_messages
        )
    );
    assert_eq!(
        query_csv(
            &ds,
            "select count(*) n, count(distinct object_id) ids, \
             sum(case when source_file like '%/second/%' then 1 else 0 end) second \
             from activities where source = 'chat' and action = 'post'"
        ),
        format!("n,ids,second\n{posts},{posts},0\n")
    );
}
