//! Transaction logs (CSV and OCEL 2.0) from the command line: steps become `transact`
//! activities of their people, cases are kept as pseudonymised objects.

use crate::helpers::{ingest, query_csv, read_and_accepted};

#[test]
fn csv_and_ocel_steps_become_transact_activities() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(
        src.join("erp.csv"),
        "case_id,type,step,person,time,end_time\n\
         INV-1,invoice,Receive,ann@x.org,2024-01-15T09:00:00Z,2024-01-15T09:10:00Z\n\
         INV-1,invoice,Approve,bob@x.org,2024-01-17T10:00:00Z,\n\
         INV-1,invoice,Pay,ann@x.org,2024-01-19T11:00:00Z,\n\
         INV-2,invoice,Receive,,2024-01-15T09:00:00Z,\n\
         INV-3,invoice,Receive,ann@x.org,yesterday,\n",
    )
    .unwrap();
    std::fs::write(
        src.join("tickets.json"),
        r#"{"objectTypes": [{"name": "ticket", "attributes": []}, {"name": "employee", "attributes": []}],
            "eventTypes": [{"name": "open", "attributes": []}, {"name": "close", "attributes": []}],
            "objects": [{"id": "t1", "type": "ticket"},
                        {"id": "e1", "type": "employee", "attributes": [{"name": "email", "time": "1970-01-01T00:00:00Z", "value": "carol@x.org"}]}],
            "events": [{"id": "ev1", "type": "open", "time": "2024-01-16T08:00:00Z", "attributes": [], "relationships": [{"objectId": "t1", "qualifier": "ticket"}, {"objectId": "e1", "qualifier": "handler"}]},
                       {"id": "ev2", "type": "close", "time": "2024-01-18T08:00:00Z", "attributes": [{"name": "org:resource", "value": "dan@x.org"}], "relationships": [{"objectId": "t1", "qualifier": "ticket"}]}]}"#,
    )
    .unwrap();
    let ds = dir.path().join("ds");
    ingest(&src, &ds, &[]);
    assert_eq!(
        query_csv(
            &ds,
            "select format, records_read, records_accepted, records_rejected from ingest_log order by format"
        ),
        "format,records_read,records_accepted,records_rejected\nocel,2,2,0\ntransactions_csv,5,3,2\n"
    );
    // Lead time of a case: first to last step.
    assert_eq!(
        query_csv(
            &ds,
            "select category, count(*) steps, count(distinct person_id) people, \
             (extract(epoch from max(start_utc)) - extract(epoch from min(start_utc))) / 3600 lead_hours \
             from activities where source = 'transaction' group by object_id, category order by category"
        ),
        "category,steps,people,lead_hours\ninvoice,3,2,98.0\nticket,2,2,48.0\n"
    );
}

#[test]
fn sources_lists_every_format_the_log_can_name() {
    let out = crate::helpers::wecon(&["sources"]);
    let text = String::from_utf8(out.stdout).unwrap();
    for name in [
        "maildir",
        "mbox",
        "pst",
        "ics",
        "ics_invite",
        "slack",
        "m365_audit",
        "google_reports",
        "transactions_csv",
        "ocel",
        "viva_meetings",
        "roster",
        "archive",
    ] {
        assert!(
            text.lines().any(|l| l == name),
            "{name} missing from `wecon sources`"
        );
    }
}

#[test]
fn document_csvs_with_and_without_map() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    // Documented names: read as they are.
    std::fs::write(
        src.join("dms.csv"),
        "time,user,action,document\n\
         2024-01-15T09:00:00Z,ann@x.org,FileViewed,D1\n\
         2024-01-15T09:05:00Z,ann@x.org,FileModified,D1\n\
         2024-01-15T09:06:00Z,ann@x.org,Login,\n\
         2024-01-15T09:07:00Z,bob@x.org,Search performed,\n",
    )
    .unwrap();
    // Other names: read with --map.
    std::fs::write(
        src.join("wiki.csv"),
        "Zeit,Benutzer,Vorgang,Seite\n2024-01-16 10:00:00,carl@x.org,page shared,P9\n",
    )
    .unwrap();
    let ds = dir.path().join("ds");
    ingest(&src, &ds, &[]);
    assert_eq!(
        read_and_accepted(&ds),
        "format,records_read,records_accepted\ndocuments_csv,4,3\nunrecognised,1,0\n"
    );
    let ds2 = dir.path().join("ds2");
    ingest(
        &src,
        &ds2,
        &[
            "--map",
            "Zeit=time",
            "--map",
            "Benutzer=person",
            "--map",
            "Vorgang=action",
            "--map",
            "Seite=document",
        ],
    );
    assert_eq!(
        query_csv(
            &ds2,
            "select source, action, count(*) n from activities group by source, action order by source, action"
        ),
        "source,action,n\ndocument,edit,1\ndocument,share,1\ndocument,view,1\nsearch,query,1\n"
    );
}

#[test]
fn broken_files_of_every_new_reader_are_rejected_not_fatal() {
    // Files that each reader recognises by their first bytes but that break further on.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    let files: &[(&str, &str)] = &[
        (
            "teams.json",
            r#"{"@odata.context": "chatMessage", "value": [{"messageType": "message", "createdDateTime": "2024-01-15T09:00:00Z", "from": {"user": {"id": "A"}}}, "#,
        ),
        (
            "mm.jsonl",
            "{\"type\":\"version\",\"version\":1}\n{\"type\":\"post\",\"post\":{\"user\":\"a\"}}\n{\"type\":",
        ),
        (
            "ocel.json",
            "{\"objectTypes\": [], \"events\": [{\"id\": \"e\", \"type\": \"x\"",
        ),
        (
            "audit.json",
            "{\"CreationTime\": \"nope\", \"Operation\": \"FileAccessed\", \"UserId\": \"a@x.org\"}\n{broken",
        ),
        (
            "google.json",
            "{\"kind\": \"admin#reports#activity\", \"id\": {}, \"events\": [{\"name\": \"view\"}]}",
        ),
        ("tx.csv", "case_id,step,person,time\n\"unterminated,a,b,c\n"),
        (
            "viva.csv",
            "PersonId,Date,Collaboration_hours,Organization\nP1,13/13/2024,1.0,X\n,1/1/2024,2.0,X\n",
        ),
        (
            "docs.csv",
            "time,user,action,document\n2024-01-15T09:00:00Z,a@x.org,view,\n",
        ),
    ];
    for (name, text) in files {
        std::fs::write(src.join(name), text).unwrap();
    }
    let ds = dir.path().join("ds");
    ingest(&src, &ds, &[]);
    // Every file is in the log, balanced, and no record was taken from a broken one.
    let log = query_csv(
        &ds,
        "select count(*) files, sum(records_accepted) accepted, \
         sum(case when records_read <> records_accepted + records_rejected then 1 else 0 end) unbalanced \
         from ingest_log",
    );
    assert_eq!(
        log,
        format!("files,accepted,unbalanced\n{},0,0\n", files.len())
    );
}
