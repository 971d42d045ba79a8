//! No subject, title or body text of the inputs appears anywhere in the outputs.

use std::path::Path;

use crate::exact::fixture;
use crate::helpers::{files_under, query_csv, wecon};

/// Every string that must never leave the exports: subjects, titles, body text.
const SECRETS: &[&str] = &[
    "Hello there",
    "Second thought",
    "Unread news",
    "Invoice 77",
    "secret body",
    "Confidential title",
    "Confidential 1:1",
    "Undated",
    "Broken",
];

/// All text an output folder holds: plain files as they are, Parquet tables through SQL.
fn all_output_text(run: &Path) -> String {
    let mut text = String::new();
    for f in files_under(run) {
        if f.extension().is_some_and(|e| e == "parquet") {
            continue;
        }
        text.push_str(&String::from_utf8_lossy(&std::fs::read(&f).unwrap()));
    }
    let tables = query_csv(
        run,
        "select table_name from information_schema.tables where table_schema = 'public'",
    );
    for t in tables.lines().skip(1) {
        let sql = if t == "ingest_log" {
            "select source_file, format, array_to_string(map_keys(reasons), ';'), owner_rule from ingest_log".to_string()
        } else {
            format!("select * from {t}")
        };
        text.push_str(&query_csv(run, &sql));
    }
    text
}

#[test]
fn no_subject_title_or_body_in_any_output() {
    let dir = tempfile::tempdir().unwrap();
    let ex = fixture(dir.path());
    let out = dir.path().join("run");
    wecon(&[
        "run",
        "--allow-rejects",
        &ex.to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
        "--i-understand-small-groups",
        "--min-group-size",
        "1",
    ]);
    let text = all_output_text(&out);
    assert!(text.contains("activity_id"), "the scan read the tables");
    for s in SECRETS {
        assert!(!text.contains(s), "`{s}` leaked into the output");
    }
    // Addresses are pseudonymised in every table (paths aside, which name the export files).
    let people = query_csv(
        &out,
        "select person_id from activities union select person_id from people",
    );
    assert!(!people.contains('@'), "{people}");
}
