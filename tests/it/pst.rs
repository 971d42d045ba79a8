//! Outlook `.pst` files, converted by `readpst`: a real one (pst-extractor's `enron.pst`,
//! fetched by `scripts/test-deps`) against that package's own listing of it, and the clear
//! rejection when readpst is missing or fails.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::helpers::{ingest, query_csv, wecon_unchecked_env};

/// Where `scripts/test-deps` keeps optional test inputs.
fn test_data() -> PathBuf {
    std::env::var_os("WECON_TEST_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/wecon-test-data")
        })
}

fn readpst_installed() -> bool {
    std::process::Command::new("readpst")
        .arg("-V")
        .output()
        .is_ok()
}

/// Messages per leaf folder of `enron.pst`, from pst-extractor's listing (`|- Sender: ...`
/// lines under `|- Folder` lines, indented by depth).
fn expected_folders(listing: &str) -> BTreeMap<String, usize> {
    let section = listing
        .split("./testdata/enron.pst\n")
        .nth(1)
        .and_then(|s| s.split(" processed in ").next())
        .expect("the listing has an enron.pst section");
    let mut path: Vec<String> = Vec::new();
    let mut out = BTreeMap::new();
    for line in section.lines() {
        let Some(at) = line.find("|- ") else { continue };
        let depth = at / 3;
        let text = &line[at + 3..];
        if text.starts_with("Sender: ") {
            *out.entry(path[..depth].join("/")).or_default() += 1;
        } else {
            path.truncate(depth);
            path.push(text.to_string());
        }
    }
    out
}

#[test]
fn a_real_pst_reads_as_its_own_listing_says() {
    let (pst, listing) = (
        test_data().join("enron.pst"),
        test_data().join("enron.pst.expected.txt"),
    );
    if !readpst_installed() || !pst.exists() || !listing.exists() {
        eprintln!("skipping: readpst or enron.pst is absent (scripts/test-deps installs both)");
        return;
    }
    let listing = std::fs::read_to_string(listing)
        .unwrap()
        .replace("\r\n", "\n");
    let expected = expected_folders(&listing);
    assert_eq!(expected.values().sum::<usize>(), 71);
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    ingest(&pst, &ds, &[]);
    let csv = query_csv(
        &ds,
        "select source_file, records_read, records_rejected from ingest_log where format = 'maildir' order by source_file",
    );
    let mut got = BTreeMap::new();
    for line in csv.lines().skip(1) {
        let (file, counts) = line.split_once(",").unwrap();
        let (read, rejected) = counts.split_once(',').unwrap();
        assert_eq!(rejected, "0", "{line}");
        // `.../enron.pst!/Personal folders/lokay-m/...`, where the listing says
        // `Top of Personal Folders/lokay-m/...`.
        let folder = file.split_once(".pst!/Personal folders/").unwrap().1;
        got.insert(
            format!("Top of Personal Folders/{folder}"),
            read.parse::<usize>().unwrap(),
        );
    }
    assert_eq!(got, expected);
    // Mail in the .pst's `Sent Items` is the owner's; attachments are measured.
    assert_eq!(
        query_csv(
            &ds,
            "select count(*) n, count(distinct object_id) ids, sum(attachments) > 0 att, sum(attachment_bytes) > 1000000 big from activities",
        ),
        "n,ids,att,big\n71,71,true,true\n"
    );
}

#[test]
fn a_pst_without_readpst_is_rejected_with_how_to_install() {
    let dir = tempfile::tempdir().unwrap();
    let pst = dir.path().join("mailbox.pst");
    std::fs::write(&pst, b"!BDN not really a pst").unwrap();
    let ds = dir.path().join("ds");
    let (p, d) = (pst.to_string_lossy(), ds.to_string_lossy());
    let args = ["ingest", "--allow-rejects", &*p, "--out", &*d];
    let out = wecon_unchecked_env(&args, &[("WECON_READPST", "/nonexistent/readpst")]);
    assert!(out.status.success());
    let reasons = query_csv(
        &ds,
        "select format, records_rejected, reasons from ingest_log",
    );
    assert!(
        reasons.contains("pst,1,")
            && reasons
                .contains("readpst is not installed (Debian/Ubuntu: apt-get install pst-utils)"),
        "{reasons}"
    );
    if readpst_installed() {
        let out = wecon_unchecked_env(&args, &[]);
        assert!(out.status.success());
        let reasons = query_csv(&ds, "select reasons from ingest_log");
        assert!(reasons.contains("readpst could not convert"), "{reasons}");
    }
}
