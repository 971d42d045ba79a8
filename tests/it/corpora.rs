//! Real public exports nobody on this project wrote (`../shared/data`): mbox archives with
//! odd dates and encodings, broken MIME, maildir corpora, and calendar test suites. wecon must
//! read them all without failing, and account for every record.

use crate::helpers::{query_csv, shared_data, wecon};

#[test]
fn every_record_of_the_public_corpora_is_accounted_for() {
    for corpus in [
        "ponymail-apache-mbox",
        "mimekit",
        "perceval-testdata",
        "notmuch-corpora",
        "icalendar-py",
        "icaljs",
        "libical",
        "ical4j-samples",
    ] {
        let Some(path) = shared_data(corpus) else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let ds = dir.path().join("ds");
        wecon(&[
            "ingest",
            &path.to_string_lossy(),
            "--out",
            &ds.to_string_lossy(),
        ]);
        let unbalanced = query_csv(
            &ds,
            "select count(*) n from ingest_log where records_read <> records_accepted + records_rejected",
        );
        assert_eq!(unbalanced, "n\n0\n", "{corpus}");
        let read = query_csv(&ds, "select sum(records_accepted) > 0 ok from ingest_log");
        assert_eq!(read, "ok\ntrue\n", "{corpus}: nothing was ingested");
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
    wecon(&[
        "ingest",
        &path.to_string_lossy(),
        "--out",
        &ds.to_string_lossy(),
    ]);
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
