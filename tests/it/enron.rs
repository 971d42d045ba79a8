//! The real Enron mail trees from `../shared/data`: every message ingested or rejected with a
//! reason, and queryable.

use crate::helpers::{ingest, query_csv, shared_data, wecon};

#[test]
fn enron_every_message_accounted_for() {
    let Some(maildir) = shared_data("enron-maildir-fullfolders/maildir") else {
        return;
    };
    let files = crate::helpers::files_under(&maildir).len();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("e");
    // Two messages of delainey-d are dated in year 0001 (a corrupt Date header, and no
    // Received header to fall back on): faults, so the run exits 3 unless they are allowed.
    let refused = crate::helpers::wecon_unchecked(&[
        "ingest",
        &maildir.to_string_lossy(),
        "--out",
        &dir.path().join("ds").to_string_lossy(),
    ]);
    assert_eq!(refused.status.code(), Some(3));
    wecon(&[
        "run",
        &maildir.to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
        "--allow-rejects",
    ]);
    let delainey = query_csv(
        &out,
        "select reasons from ingest_log where source_file like '%delainey-d/inbox'",
    );
    assert!(
        delainey.contains(
            "no usable Date header (missing or unreadable or not between 1970 and 2100): 2"
        ),
        "the year-0001 messages are rejected as faults: {delainey}"
    );
    let log = query_csv(
        &out,
        "select sum(records_read) r, sum(records_accepted) a, sum(records_rejected) x from ingest_log",
    );
    let nums: Vec<i64> = log
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(nums[0] as usize, files, "every file is a record read");
    assert_eq!(nums[0], nums[1] + nums[2]);
    let n = query_csv(&out, "select count(*) n from activities");
    assert_eq!(n, format!("n\n{}\n", nums[1]));
    // Thirteen mailboxes, thirteen owners, each decided from their Sent folders.
    assert_eq!(query_csv(&out, "select count(*) n from people"), "n\n13\n");
}

#[test]
fn far_out_dates_are_flagged_not_dropped() {
    // Three Enron messages carry a 1980 date (a mail client with its clock reset): kept,
    // flagged `date_far_out`, and counted in the manifest.
    let Some(path) = shared_data("enron-maildir-fullfolders/maildir") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    ingest(&path, &ds, &[]);
    assert_eq!(
        query_csv(
            &ds,
            "select count(*) n, min(extract(year from start_utc)) y from activities where flags = 'date_far_out'"
        ),
        "n,y\n3,1980\n"
    );
    let manifest = std::fs::read_to_string(ds.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"date_far_out\": 3"), "{manifest}");
}
