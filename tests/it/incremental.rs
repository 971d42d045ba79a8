//! Incremental ingest: ingesting into a dataset's folder again reads only the inputs that
//! are new or changed (by content hash), redoes every step that spans inputs, and gives
//! exactly what a full ingest of the same inputs gives; shards ingested apart merge into it.

use std::path::Path;

use crate::helpers::{
    TEST_KEY, copy_tree, files_under, query_csv, root, wecon, wecon_unchecked_env,
};

/// `wecon ingest SOURCE --out OUT EXTRA...` under `key`; returns the manifest's
/// `reused_inputs`.
fn ingest_with(key: &str, source: &Path, out: &Path, extra: &[&str]) -> u64 {
    let (s, o) = (source.to_string_lossy(), out.to_string_lossy());
    let mut args = vec!["ingest", &s, "--out", &o, "--allow-rejects", "-q"];
    args.extend_from_slice(extra);
    let run = wecon_unchecked_env(&args, &[("WECON_KEY", key)]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    manifest["reused_inputs"].as_u64().unwrap()
}

fn ingest(source: &Path, out: &Path, extra: &[&str]) -> u64 {
    ingest_with(TEST_KEY, source, out, extra)
}

/// Every row of the dataset's tables, in a fixed order.
fn tables(ds: &Path) -> String {
    [
        "select * from activities order by activity_id",
        "select * from people order by person_id",
        "select * from ingest_log order by source_file",
    ]
    .iter()
    .map(|sql| query_csv(ds, sql))
    .collect()
}

/// How many inputs the dataset recorded as read on their own.
fn recorded(ds: &Path) -> u64 {
    let units: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ds.join("units.json")).unwrap()).unwrap();
    units["units"].as_array().unwrap().len() as u64
}

#[test]
fn a_second_ingest_reads_only_new_and_changed_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("exports");
    copy_tree(&root().join("sample-data"), &src);
    // A mailbox and a transaction log arrive later.
    let later = dir.path().join("later");
    std::fs::create_dir(&later).unwrap();
    let mailbox = "mail/tara.silva@northwind.example";
    let log = "transactions/sales.csv";
    for (i, p) in [mailbox, log].iter().enumerate() {
        std::fs::rename(src.join(p), later.join(i.to_string())).unwrap();
    }
    let ds = dir.path().join("ds");
    assert_eq!(ingest(&src, &ds, &[]), 0);
    let first = recorded(&ds);
    assert!(first > 40, "{first} inputs recorded");
    // Nothing changed: nothing is read again, and nothing differs.
    let before = tables(&ds);
    assert_eq!(ingest(&src, &ds, &[]), first);
    assert_eq!(tables(&ds), before);

    // Two inputs added, one changed (its last record dropped).
    for (i, p) in [mailbox, log].iter().enumerate() {
        std::fs::rename(later.join(i.to_string()), src.join(p)).unwrap();
    }
    let changed = src.join("documents/operations-file-activity.csv");
    let text = std::fs::read_to_string(&changed).unwrap();
    let cut = text.trim_end().rfind('\n').unwrap();
    std::fs::write(&changed, &text[..=cut]).unwrap();
    assert_eq!(ingest(&src, &ds, &[]), first - 1);
    assert_eq!(recorded(&ds), first + 2);
    wecon(&["verify", &ds.to_string_lossy()]);

    // The same as reading everything.
    let full = dir.path().join("full");
    assert_eq!(ingest(&src, &full, &[]), 0);
    let expected = tables(&full);
    assert_eq!(tables(&ds), expected);
    // --rebuild reads everything again; another key reuses nothing.
    assert_eq!(ingest(&src, &ds, &["--rebuild"]), 0);
    assert_eq!(tables(&ds), expected);
    assert_eq!(
        ingest_with("another-key-0123456789abcdef", &src, &ds, &[]),
        0
    );
}

/// An mbox of `n` messages to alice, a day apart from `first` (`YYYY-MM-DD`).
fn mbox(path: &Path, n: usize, first: &str) {
    let start = chrono::NaiveDate::parse_from_str(first, "%Y-%m-%d").unwrap();
    let mut text = String::new();
    for i in 0..n {
        let d = (start + chrono::Duration::days(i as i64 % 28)).format("%a, %d %b %Y");
        text.push_str(&format!(
            "From bob@x.org Mon Jan  1 00:00:00 2024\nDate: {d} 09:{:02}:00 +0000\nFrom: bob@x.org\nTo: alice@x.org\nSubject: s\nMessage-ID: <{first}-{i}@x.org>\n\nhello\n\n",
            i % 60
        ));
    }
    std::fs::write(path, text).unwrap();
}

fn invitation(dir: &Path, name: &str, uid: &str) {
    std::fs::write(
        dir.join(name),
        format!(
            "Date: Mon, 1 Jan 2024 08:00:00 +0000\r\nFrom: bob@x.org\r\nTo: alice@x.org\r\nSubject: meeting\r\nMessage-ID: <{name}@x.org>\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\n{}",
            calendar(uid, true)
        ),
    )
    .unwrap();
}

fn calendar(uid: &str, request: bool) -> String {
    format!(
        "BEGIN:VCALENDAR\r\n{}BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART:20240110T140000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\nORGANIZER:mailto:bob@x.org\r\nATTENDEE:mailto:alice@x.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        if request { "METHOD:REQUEST\r\n" } else { "" }
    )
}

#[test]
fn steps_across_inputs_are_redone_over_reused_ones() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("alice");
    std::fs::create_dir_all(src.join("invites")).unwrap();
    // 200 messages in January 2024 and one in 1990: that one is far out.
    mbox(&src.join("recent.mbox"), 200, "2024-01-01");
    let mut text = std::fs::read_to_string(src.join("recent.mbox")).unwrap();
    text.push_str("From bob@x.org Mon Jan  1 00:00:00 1990\nDate: Mon, 1 Jan 1990 09:00:00 +0000\nFrom: bob@x.org\nTo: alice@x.org\nSubject: s\nMessage-ID: <old@x.org>\n\nhello\n\n");
    std::fs::write(src.join("recent.mbox"), text).unwrap();
    // An invitation to series S, which Alice's calendar export will hold later.
    invitation(&src.join("invites"), "1.eml", "S");
    let ds = dir.path().join("ds");
    let owner = ["--owner", "alice@x.org"];
    assert_eq!(ingest(&src, &ds, &owner), 0);
    let count = |ds: &Path, sql: &str| query_csv(ds, sql).lines().nth(1).unwrap().to_string();
    let far_out = "select count(*) from activities where flags like '%date_far_out%'";
    let invited = "select count(*) from activities where source = 'calendar'";
    assert_eq!(count(&ds, far_out), "1");
    assert_eq!(count(&ds, invited), "3");

    // 1990 becomes part of the data: the old message is no longer far out. The calendar
    // export holds S: the invitation's meetings give way to it.
    mbox(&src.join("older.mbox"), 200, "1990-01-01");
    std::fs::write(src.join("alice@x.org.ics"), calendar("S", false)).unwrap();
    assert_eq!(ingest(&src, &ds, &owner), 2);
    assert_eq!(count(&ds, far_out), "0");
    assert_eq!(
        count(
            &ds,
            "select count(*) from activities where source = 'calendar' and source_file like '%.ics'"
        ),
        "3"
    );
    assert_eq!(count(&ds, invited), "3");
    let full = dir.path().join("full");
    assert_eq!(ingest(&src, &full, &owner), 0);
    assert_eq!(tables(&ds), tables(&full));
    wecon(&["verify", &ds.to_string_lossy()]);
}

/// The labels of the inputs a dataset recorded.
fn labels(ds: &Path) -> Vec<String> {
    let units: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ds.join("units.json")).unwrap()).unwrap();
    let mut v: Vec<String> = units["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["label"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn shards_ingested_apart_merge_into_the_full_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let src = root().join("sample-data");
    let (s1, s2) = (dir.path().join("s1"), dir.path().join("s2"));
    assert_eq!(ingest(&src, &s1, &["--shard", "1/2"]), 0);
    assert_eq!(ingest(&src, &s2, &["--shard", "2/2"]), 0);
    let full = dir.path().join("full");
    ingest(&src, &full, &[]);
    // The shards split the inputs read on their own between them, by size.
    let (a, b, all) = (labels(&s1), labels(&s2), labels(&full));
    assert!(!a.is_empty() && !b.is_empty());
    assert!(a.iter().all(|l| !b.contains(l)));
    let mut both = [a.clone(), b.clone()].concat();
    both.sort();
    assert_eq!(both, all);
    let bytes = |ds: &Path| -> u64 {
        let q = query_csv(
            ds,
            "select sum(bytes) from ingest_log where format <> 'roster'",
        );
        q.lines().nth(1).unwrap().parse().unwrap()
    };
    let (b1, b2) = (bytes(&s1), bytes(&s2));
    assert!(
        b1.max(b2) < 2 * b1.min(b2),
        "uneven shards: {b1} and {b2} bytes"
    );
    let manifest = std::fs::read_to_string(s2.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"shard\": \"2/2\""), "{manifest}");
    // Merged: every input read on its own comes from a shard; calendars, rosters and what
    // spans inputs are done by the merge; the dataset is the full ingest's.
    let merged = dir.path().join("merged");
    let (f1, f2) = (s1.to_string_lossy(), s2.to_string_lossy());
    let reused = ingest(&src, &merged, &["--reuse-from", &f1, "--reuse-from", &f2]);
    assert_eq!(reused, all.len() as u64);
    assert_eq!(tables(&merged), tables(&full));
    wecon(&["verify", &merged.to_string_lossy()]);
    // A shard made under another key cannot be merged.
    let other = dir.path().join("other");
    let (s, o) = (src.to_string_lossy(), other.to_string_lossy());
    let refused = wecon_unchecked_env(
        &["ingest", &s, "--out", &o, "--reuse-from", &f1],
        &[("WECON_KEY", "another-key-0123456789abcdef")],
    );
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("another key"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

#[test]
fn a_record_made_by_an_earlier_wecon_is_not_used_and_the_run_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let src = root().join("sample-data");
    let ds = dir.path().join("ds");
    ingest(&src, &ds, &[]);
    // As an earlier wecon wrote it: another context, no versions.
    let path = ds.join("units.json");
    let mut units: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(units["wecon_version"], env!("CARGO_PKG_VERSION"));
    assert!(units["record_version"].as_u64().unwrap() >= 2);
    let record = units.as_object_mut().unwrap();
    record.remove("wecon_version");
    record.remove("record_version");
    record.insert("context".into(), "0123".into());
    std::fs::write(&path, units.to_string()).unwrap();
    // Its activities lack a column this wecon writes: analysis says what to do, not which
    // query failed.
    drop_column(&ds.join("activities"), "accepted_participants");
    let results = dir.path().join("results");
    let r = results.to_string_lossy();
    let refused = wecon_unchecked_env(
        &["analyze", &ds.to_string_lossy(), "--out", &r],
        &[("WECON_KEY", TEST_KEY)],
    );
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        stderr
            .contains("was ingested by an older wecon: it has no activities.accepted_participants")
            && stderr.contains("Ingest the exports into it again"),
        "{stderr}"
    );
    assert!(!results.exists());

    let (s, d) = (src.to_string_lossy(), ds.to_string_lossy());
    let other = dir.path().join("other");
    let o = other.to_string_lossy();
    let refused = wecon_unchecked_env(
        &["ingest", &s, "--out", &o, "--reuse-from", &d],
        &[("WECON_KEY", TEST_KEY)],
    );
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        stderr.contains("made by an earlier version of wecon"),
        "{stderr}"
    );

    let again = wecon_unchecked_env(
        &["ingest", &s, "--out", &d, "--allow-rejects"],
        &[("WECON_KEY", TEST_KEY)],
    );
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(again.status.success(), "{stderr}");
    assert!(
        stderr.contains("the dataset this one replaces was made by an earlier version of wecon"),
        "{stderr}"
    );
    assert_eq!(ingest(&src, &ds, &[]), recorded(&ds));
    wecon(&["analyze", &d, "--out", &r, "-q"]);
}

/// Rewrites every Parquet file under `dir` without `column`.
fn drop_column(dir: &Path, column: &str) {
    use datafusion::parquet::arrow::ArrowWriter;
    use datafusion::prelude::{ParquetReadOptions, SessionContext};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for file in files_under(dir) {
        if file.extension().is_none_or(|e| e != "parquet") {
            continue;
        }
        let batches = runtime.block_on(async {
            let ctx = SessionContext::new();
            let df = ctx
                .read_parquet(
                    file.to_string_lossy().as_ref(),
                    ParquetReadOptions::default(),
                )
                .await
                .unwrap();
            df.drop_columns(&[column]).unwrap().collect().await.unwrap()
        });
        let tmp = file.with_extension("tmp");
        let mut writer = ArrowWriter::try_new(
            std::fs::File::create(&tmp).unwrap(),
            batches[0].schema(),
            None,
        )
        .unwrap();
        for b in &batches {
            writer.write(b).unwrap();
        }
        writer.close().unwrap();
        std::fs::rename(&tmp, &file).unwrap();
    }
}

#[test]
fn overlapping_exports_of_one_mailbox_count_each_message_once() {
    // Two exports of Alice's mailbox: January's 40 messages, then the same 40 and 20 more.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("alice");
    std::fs::create_dir_all(&src).unwrap();
    mbox(&src.join("a.mbox"), 40, "2024-01-01");
    mbox(&src.join("b.mbox"), 60, "2024-01-01");
    let ds = dir.path().join("ds");
    let owner = ["--owner", "alice@x.org"];
    assert_eq!(ingest(&src, &ds, &owner), 0);
    let per_file = "select source_file, records_read, records_accepted, records_rejected \
                    from ingest_log order by source_file";
    let log = query_csv(&ds, per_file);
    let (a, b) = (src.join("a.mbox"), src.join("b.mbox"));
    assert_eq!(
        log,
        format!(
            "source_file,records_read,records_accepted,records_rejected\n{},40,40,0\n{},60,20,40\n",
            a.display(),
            b.display()
        )
    );
    let reasons = query_csv(
        &ds,
        "select map_keys(reasons) r from ingest_log where records_rejected > 0",
    );
    assert!(
        reasons.contains("copy of a message another input already gave"),
        "{reasons}"
    );
    let email =
        "select count(*) n, count(distinct object_id) ids from activities where source = 'email'";
    assert_eq!(query_csv(&ds, email), "n,ids\n60,60\n");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ds.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["activities"], 60);
    assert_eq!(manifest["records_rejected"], 40);
    // The export that lost its copies keeps no record: it is read again, and gives the same.
    assert_eq!(labels(&ds), vec![a.display().to_string()]);
    let before = tables(&ds);
    assert_eq!(ingest(&src, &ds, &owner), 1);
    assert_eq!(tables(&ds), before);
    wecon(&["verify", &ds.to_string_lossy()]);
    // Without the first export, the second gives all its messages.
    std::fs::remove_file(&a).unwrap();
    assert_eq!(ingest(&src, &ds, &owner), 0);
    assert_eq!(query_csv(&ds, email), "n,ids\n60,60\n");
    assert_eq!(
        query_csv(&ds, per_file),
        format!(
            "source_file,records_read,records_accepted,records_rejected\n{},60,60,0\n",
            b.display()
        )
    );
}
