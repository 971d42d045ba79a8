//! No subject, title or body text of the inputs appears anywhere in the outputs, and no
//! person-level table unless asked for.

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

/// The text of every file under `dir`, Parquet tables through SQL over `results`.
fn results_text(results: &Path, dir: &Path) -> String {
    let mut text = String::new();
    for f in files_under(dir) {
        if f.extension().is_some_and(|e| e == "parquet") {
            let name = f.file_stem().unwrap().to_string_lossy().into_owned();
            text.push_str(&query_csv(results, &format!("select * from {name}")));
        } else {
            text.push_str(&String::from_utf8_lossy(&std::fs::read(&f).unwrap()));
        }
    }
    text
}

#[test]
fn person_level_tables_only_with_individual_and_marked() {
    let dir = tempfile::tempdir().unwrap();
    let s = |p: &Path| p.to_string_lossy().into_owned();
    let plain = dir.path().join("plain");
    wecon(&["run", "sample-data", "--out", &s(&plain), "-q"]);
    let people = query_csv(&plain.join("dataset"), "select person_id from people");
    let ids: Vec<&str> = people.lines().skip(1).collect();
    assert_eq!(ids.len(), 20);
    // No table of the results has a row per person, and no pseudonym is in any of them or
    // in the report.
    let results = plain.join("results");
    assert!(!results.join("individual").exists());
    assert_eq!(
        query_csv(
            &results,
            "select table_name from information_schema.columns where column_name = 'person_id'"
        ),
        "table_name\n"
    );
    let text = results_text(&results, &results) + &results_text(&results, &plain.join("report"));
    assert!(text.contains("week_summary"), "the scan read the results");
    for id in &ids {
        assert!(!text.contains(id), "`{id}` is in the results or report");
    }
    // Comparing periods matches people: it needs them.
    let refused = crate::helpers::wecon_unchecked(&[
        "compare",
        &s(&plain),
        &s(&plain),
        "--out",
        &s(&dir.path().join("c")),
    ]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("--individual"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    // Asked for: in `individual/`, said so by the folder, run.json and the report.
    let asked = dir.path().join("asked");
    wecon(&[
        "run",
        "sample-data",
        "--out",
        &s(&asked),
        "-q",
        "--individual",
    ]);
    let individual = asked.join("results/individual");
    assert!(individual.join("person_week_process.parquet").is_file());
    assert!(individual.join("README.md").is_file());
    let info = std::fs::read_to_string(asked.join("results/run.json")).unwrap();
    assert!(info.contains("\"individual\": true"), "{info}");
    let page = std::fs::read_to_string(asked.join("report/index.html")).unwrap();
    assert!(page.contains("person-level tables"), "the report says so");
    let text = results_text(&asked.join("results"), &individual);
    assert!(ids.iter().all(|id| text.contains(id)));
    // The group and organisation tables are the same either way.
    for table in ["week_summary", "group_week_process", "validation_summary"] {
        assert_eq!(
            crate::helpers::table_text(&results, table),
            crate::helpers::table_text(&asked.join("results"), table),
            "{table}"
        );
    }
}
