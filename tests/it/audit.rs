//! Microsoft 365 and Google Workspace audit logs (Sekoia's intake test inputs) against counts
//! the test makes from the files itself.

use serde_json::Value;

use crate::helpers::{ingest, person, query_csv, read_and_accepted, shared_data, sorted_rows};

fn lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn m365_audit_records_are_documents_searches_and_chats() {
    let Some(path) = shared_data("sekoia-intake-tests/o365_auditdata_inputs.ndjson") else {
        return;
    };
    let records = lines(&path);
    // What the test counts as information work: file, list and sharing operations of
    // SharePoint/OneDrive/Yammer, Teams messages, Power BI reports viewed or exported and
    // Microsoft Forms' forms made, read or shared, except malware detections.
    let work = records
        .iter()
        .filter(|r| {
            let op = r["Operation"].as_str().unwrap_or_default();
            let workload = r["Workload"].as_str().unwrap_or_default();
            let files = matches!(workload, "SharePoint" | "OneDrive" | "Yammer")
                && (op.starts_with("File")
                    || op.starts_with("List")
                    || op.contains("Link")
                    || op.starts_with("AccessRequest"))
                && !op.contains("Malware");
            let teams = workload == "MicrosoftTeams" && op.starts_with("Message");
            let reports =
                workload == "PowerBI" && (op.starts_with("View") || op.starts_with("Export"));
            let forms = workload == "MicrosoftForms" && op.contains("Form");
            files || teams || reports || forms
        })
        .count();
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    ingest(&path, &ds, &[]);
    assert_eq!(
        read_and_accepted(&ds),
        format!(
            "format,records_read,records_accepted\nm365_audit,{},{work}\n",
            records.len()
        )
    );
    assert_eq!(
        query_csv(
            &ds,
            "select count(*) n from activities where source not in ('document', 'search', 'chat')"
        ),
        "n\n0\n"
    );
}

#[test]
fn google_reports_events_are_documents_chats_and_calls() {
    let Some(path) = shared_data("sekoia-intake-tests/google_reports_activity_inputs.ndjson")
    else {
        return;
    };
    let activities = lines(&path);
    let mut events = 0;
    let mut drive_chat_meet = 0;
    for a in &activities {
        let app = a["id"]["applicationName"].as_str().unwrap_or_default();
        for e in a["events"].as_array().unwrap() {
            events += 1;
            let name = e["name"].as_str().unwrap_or_default();
            let person = a["actor"]["email"]
                .as_str()
                .is_some_and(|e| e.contains('@'))
                || e["parameters"].as_array().is_some_and(|ps| {
                    ps.iter().any(|p| {
                        p["name"] == "identifier"
                            && p["value"].as_str().is_some_and(|v| v.contains('@'))
                    })
                });
            let counted = match app {
                "drive" => matches!(
                    name,
                    "view" | "edit" | "change_user_access" | "sheets_import_range"
                ),
                "chat" => name == "message_posted",
                "meet" => name == "call_ended",
                _ => false,
            };
            if counted && person {
                drive_chat_meet += 1;
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    ingest(&path, &ds, &[]);
    assert_eq!(
        read_and_accepted(&ds),
        format!(
            "format,records_read,records_accepted\ngoogle_reports,{events},{drive_chat_meet}\n"
        )
    );
    // A Meet call lasts its duration_seconds.
    assert_eq!(
        query_csv(
            &ds,
            "select count(*) n, min(end_utc > start_utc) ok from activities where source = 'call'"
        ),
        "n,ok\n1,true\n"
    );
}

#[test]
fn m365_portal_csv_reads_the_audit_data_column() {
    // The compliance portal's export: one row per record, the record's JSON in `AuditData`.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("audit.csv");
    std::fs::write(
        &csv,
        "CreationDate,UserIds,Operations,AuditData\n\
         2024-01-15T10:00:00.0000000Z,ann@x.org,FileModified,\"{\"\"CreationTime\"\":\"\"2024-01-15T10:00:00\"\",\"\"Operation\"\":\"\"FileModified\"\",\"\"UserId\"\":\"\"ann@x.org\"\",\"\"ObjectId\"\":\"\"https://x.sharepoint.com/a.docx\"\"}\"\n\
         2024-01-15T10:05:00.0000000Z,ann@x.org,SearchQueryPerformed,\"{\"\"CreationTime\"\":\"\"2024-01-15T10:05:00\"\",\"\"Operation\"\":\"\"SearchQueryPerformed\"\",\"\"UserId\"\":\"\"ann@x.org\"\"}\"\n\
         2024-01-15T10:06:00.0000000Z,ann@x.org,UserLoggedIn,\"{\"\"CreationTime\"\":\"\"2024-01-15T10:06:00\"\",\"\"Operation\"\":\"\"UserLoggedIn\"\",\"\"UserId\"\":\"\"ann@x.org\"\"}\"\n\
         2024-01-15T10:07:00.0000000Z,ann@x.org,FileAccessed,not json\n",
    )
    .unwrap();
    let ds = dir.path().join("ds");
    ingest(&csv, &ds, &[]);
    assert_eq!(
        query_csv(
            &ds,
            "select source, action from activities order by start_utc"
        ),
        "source,action\ndocument,edit\nsearch,query\n"
    );
    let log = query_csv(
        &ds,
        "select records_read, records_rejected, reasons from ingest_log",
    );
    assert!(
        log.starts_with("records_read,records_rejected,reasons\n4,2,"),
        "{log}"
    );
    assert!(
        log.contains("not valid JSON: 1")
            && log.contains(
                "activities wecon reads (sign-ins, security, compliance, administration, ...): 1"
            ),
        "{log}"
    );
}

#[test]
fn m365_teams_attendance_is_calls_and_guests_are_their_own_address() {
    // Management API records of one Teams meeting (its summary and its participants' stays:
    // `UserId` is the organiser, the attendee is in `Attendees`), a guest's file access under
    // their Entra user name, and mailbox and administration events.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.json");
    let stay = |attendee: &str, join: &str, leave: &str| {
        format!(
            r#"{{"CreationTime": "2024-01-15T11:00:00", "Operation": "MeetingParticipantDetail", "Workload": "MicrosoftTeams", "RecordType": 25, "UserId": "ann@corp.com", "MeetingDetailId": "m1", "Attendees": [{attendee}], "JoinTime": "{join}", "LeaveTime": "{leave}"}}"#
        )
    };
    let records = [
        r#"{"CreationTime": "2024-01-15T11:00:00", "Operation": "MeetingDetail", "Workload": "MicrosoftTeams", "RecordType": 25, "UserId": "ann@corp.com", "StartTime": "2024-01-15T10:00:00Z", "EndTime": "2024-01-15T10:45:00Z"}"#.to_string(),
        stay(r#"{"UPN": "Ann@corp.com", "RecipientType": "User"}"#, "2024-01-15T10:00:00Z", "2024-01-15T10:45:00Z"),
        stay(r#"{"UPN": "jane_tailspin.com#EXT#@corp.onmicrosoft.com", "RecipientType": "Guest"}"#, "2024-01-15T10:05:00Z", "2024-01-15T10:35:00Z"),
        stay(r#"{"UserObjectId": "AB-12", "DisplayName": "Phone user"}"#, "2024-01-15T10:10:00Z", "2024-01-15T10:20:00Z"),
        // A stay without a leave time is a call of unknown length; one without an attendee
        // names no one.
        stay(r#"{"UPN": "bob@corp.com"}"#, "2024-01-15T10:00:00Z", ""),
        stay(r#"{"DisplayName": "Someone"}"#, "2024-01-15T10:00:00Z", "2024-01-15T10:01:00Z"),
        r#"{"CreationTime": "2024-01-15T12:00:00", "Operation": "FileAccessed", "Workload": "SharePoint", "UserId": "jane_tailspin.com#ext#@corp.onmicrosoft.com", "ObjectId": "https://corp.sharepoint.com/a.docx"}"#.to_string(),
        r#"{"CreationTime": "2024-01-15T12:01:00", "Operation": "MailItemsAccessed", "Workload": "Exchange", "RecordType": 50, "UserId": "ann@corp.com"}"#.to_string(),
        r#"{"CreationTime": "2024-01-15T12:02:00", "Operation": "Send", "Workload": "Exchange", "RecordType": 2, "UserId": "ann@corp.com"}"#.to_string(),
        r#"{"CreationTime": "2024-01-15T12:03:00", "Operation": "New-InboxRule", "Workload": "Exchange", "RecordType": 1, "UserId": "ann@corp.com"}"#.to_string(),
        // Programs, not people: SharePoint's own account, and an application's record.
        r#"{"CreationTime": "2024-01-15T12:04:00", "Operation": "FileAccessed", "Workload": "SharePoint", "UserType": 0, "UserId": "app@sharepoint", "ObjectId": "https://corp.sharepoint.com/a.docx"}"#.to_string(),
        r#"{"CreationTime": "2024-01-15T12:05:00", "Operation": "FileModified", "Workload": "OneDrive", "UserType": 5, "UserId": "ann@corp.com", "ObjectId": "https://corp.sharepoint.com/a.docx"}"#.to_string(),
    ];
    std::fs::write(&path, records.join("\n")).unwrap();
    let ds = dir.path().join("ds");
    ingest(&path, &ds, &[]);
    let (ann, jane, bob) = (
        person("ann@corp.com"),
        person("jane@tailspin.com"),
        person("bob@corp.com"),
    );
    let phone = person("teams:ab-12");
    let mut expected = vec![
        format!("{ann},call,attend,2700,4"),
        format!("{jane},call,attend,1800,4"),
        format!("{phone},call,attend,600,4"),
        format!("{bob},call,attend,,4"),
        format!("{jane},document,view,,1"),
    ];
    expected.sort();
    let got = sorted_rows(
        &ds,
        "select person_id, source, action, \
         cast(date_part('epoch', end_utc) - date_part('epoch', start_utc) as bigint) seconds, \
         participants from activities",
    );
    assert_eq!(got, expected);
    let log = query_csv(
        &ds,
        "select records_read, records_rejected, reasons from ingest_log",
    );
    assert!(
        log.starts_with("records_read,records_rejected,reasons\n12,7,"),
        "{log}"
    );
    for reason in [
        "Teams meeting summary: its attendance is read from its participants' records: 1",
        "without a person (user id or actor e-mail): 1",
        "mailbox audit event: mail is read from mail exports, not from its audit trail: 2",
        "activities wecon reads (sign-ins, security, compliance, administration, ...): 1",
        "application or system account (app@sharepoint, SHAREPOINT\\system, a Google service account or API key, ...): not a person's work: 2",
    ] {
        assert!(log.contains(reason), "{reason} in {log}");
    }
}

#[test]
fn an_audit_log_exported_twice_counts_each_event_once() {
    // The same log twice over: the whole of it, and its later two thirds (an export of a
    // later window that overlaps the first). Every event of the second is a copy.
    let Some(path) = shared_data("sekoia-intake-tests/o365_auditdata_inputs.ndjson") else {
        return;
    };
    let text = std::fs::read_to_string(&path).unwrap();
    let all: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("logs");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(src.join("a.ndjson"), all.join("\n")).unwrap();
    std::fs::write(src.join("b.ndjson"), all[all.len() / 3..].join("\n")).unwrap();
    let (once, twice) = (dir.path().join("once"), dir.path().join("twice"));
    ingest(&src.join("a.ndjson"), &once, &[]);
    ingest(&src, &twice, &[]);
    let rows = "select source, count(*) n from activities group by source order by source";
    assert_eq!(query_csv(&twice, rows), query_csv(&once, rows));
    let accepted = |ds: &std::path::Path| {
        query_csv(
            ds,
            "select sum(records_accepted) a from ingest_log where format = 'm365_audit'",
        )
    };
    assert_eq!(accepted(&twice), accepted(&once));
    assert_eq!(
        query_csv(
            &twice,
            "select records_accepted a, records_read = records_accepted + records_rejected balanced \
             from ingest_log where source_file like '%b.ndjson'"
        ),
        "a,balanced\n0,true\n"
    );
}
