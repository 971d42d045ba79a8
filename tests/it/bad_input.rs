//! The bad-input corpus (`tests/fixtures/bad/`, written by `tests/fixtures/make_bad.py`)
//! plus hostile files too large to commit, made here: nothing crashes, every record read is
//! accepted or rejected with a reason, every file is in the ingest log, and memory stays
//! bounded.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::helpers::{TEST_KEY, files_under, query_csv, root};

fn copy_dir(from: &Path, to: &Path) {
    for f in files_under(from) {
        let target = to.join(f.strip_prefix(from).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&f, &target).unwrap();
    }
}

const GOOD: &str = "From: Ann <ann@ex.org>\r\nTo: bob@ex.org\r\nDate: Mon, 15 Jan 2024 10:00:00 +0000\r\nMessage-ID: <big@ex.org>\r\nSubject: hello\r\n\r\nbody\r\n";

/// The hostile files too large to keep in the repository.
fn make_large(dir: &Path) {
    let mail = dir.join("mail");
    std::fs::create_dir_all(&mail).unwrap();
    // A 100 MB header line before the real headers.
    let mut f = std::fs::File::create(mail.join("huge-header.eml")).unwrap();
    f.write_all(b"X-Long: ").unwrap();
    f.write_all(&vec![b'a'; 100 << 20]).unwrap();
    f.write_all(b"\r\n").unwrap();
    f.write_all(GOOD.as_bytes()).unwrap();
    // Good headers before a 70 MB body: read, cut at 64 MiB and flagged.
    let mut f = std::fs::File::create(mail.join("huge-body.eml")).unwrap();
    f.write_all(GOOD.replace("<big@", "<body@").as_bytes())
        .unwrap();
    f.write_all(&vec![b'b'; 70 << 20]).unwrap();
    // A million recipients.
    let to: Vec<String> = (0..1_000_000).map(|i| format!("p{i}@ex.org")).collect();
    std::fs::write(
        mail.join("million-recipients.eml"),
        GOOD.replace("<big@", "<many@")
            .replace("To: bob@ex.org", &format!("To: {}", to.join(", "))),
    )
    .unwrap();
    // A zip bomb: 300 MB of zeros in a few hundred kilobytes.
    let zip = std::fs::File::create(dir.join("bomb.zip")).unwrap();
    let mut z = zip::ZipWriter::new(zip);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let zeros = vec![0u8; 1 << 20];
    for i in 0..3 {
        z.start_file(format!("zeros-{i}.eml"), opts).unwrap();
        for _ in 0..100 {
            z.write_all(&zeros).unwrap();
        }
    }
    z.finish().unwrap();
    // A tar that says it unpacks to 17 GiB (and holds nothing).
    let mut header = tar::Header::new_gnu();
    header.set_path("huge.eml").unwrap();
    header.set_size(17 << 30);
    header.set_mode(0o644);
    header.set_cksum();
    let gz = std::fs::File::create(dir.join("claims-17-gib.tar.gz")).unwrap();
    let mut enc = flate2::write::GzEncoder::new(gz, flate2::Compression::fast());
    enc.write_all(header.as_bytes()).unwrap();
    enc.finish().unwrap();
    // Links out of the input folder: a file and a folder.
    std::os::unix::fs::symlink("/etc/passwd", dir.join("link-to-passwd.eml")).unwrap();
    std::os::unix::fs::symlink("/usr", dir.join("link-to-usr")).unwrap();
}

/// Runs `wecon ARGS`, reading its peak resident set (`VmHWM`) from `/proc` until it exits.
fn run_measuring_memory(args: &[&str]) -> (Output, u64) {
    let child = Command::new(env!("CARGO_BIN_EXE_wecon"))
        .args(args)
        .env("WECON_KEY", TEST_KEY)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    let mut child = child;
    while child.try_wait().unwrap().is_none() {
        if let Ok(text) = std::fs::read_to_string(&status)
            && let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak = peak.max(kb * 1024);
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    (child.wait_with_output().unwrap(), peak)
}

#[test]
fn every_bad_input_is_accounted_for_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    copy_dir(&root().join("tests/fixtures/bad"), &input.join("corpus"));
    // A Slack day "file" that cannot be read: a folder under a day file's name.
    std::fs::create_dir_all(input.join("corpus/chat/slack/general/2024-01-17.json")).unwrap();
    make_large(&input.join("large"));
    let ds = dir.path().join("ds");
    let (out, peak) = run_measuring_memory(&[
        "ingest",
        &input.to_string_lossy(),
        "--out",
        &ds.to_string_lossy(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // Bounded by the 64 MiB cap on a message and the batch sizes, not by the 400 MB of
    // input or the 17 GiB an archive claims.
    eprintln!("peak RSS of the ingest: {} MiB", peak >> 20);
    assert!(peak > 0 && peak < 1 << 30, "peak RSS {} MiB", peak >> 20);

    crate::helpers::wecon(&["verify", &ds.to_string_lossy()]);
    let unbalanced = query_csv(
        &ds,
        "select count(*) n from ingest_log where records_read <> records_accepted + records_rejected",
    );
    assert_eq!(unbalanced, "n\n0\n");
    let log = query_csv(
        &ds,
        "select source_file, format, records_read, records_accepted, records_rejected, \
         array_to_string(map_keys(reasons), '; ') reasons from ingest_log order by 1",
    );
    let rel = |line: &str| line.replace(&format!("{}/", input.display()), "");
    let log: Vec<String> = log.lines().skip(1).map(rel).collect();
    let entry = |file: &str| -> &str {
        log.iter()
            .find(|l| l.starts_with(&format!("{file},")))
            .unwrap_or_else(|| panic!("`{file}` is not in the ingest log:\n{}", log.join("\n")))
    };
    for (file, expected) in [
        ("corpus/archives/climbs-out.zip", "path outside the archive"),
        (
            "corpus/archives/climbs-out.tar.gz",
            "path outside the archive",
        ),
        ("corpus/archives/not-really.zip", "could not be read"),
        ("corpus/archives/truncated.tar.gz", "could not be read"),
        ("corpus/calendar/bad-rrule.ics", "invalid RRULE"),
        ("corpus/calendar/truncated.ics", "could not be parsed"),
        ("corpus/calendar/nul-bytes.ics", "could not be parsed"),
        (
            "corpus/chat/slack/general/2024-01-16.json",
            "not a JSON array",
        ),
        (
            "corpus/chat/slack/general/2024-01-17.json",
            "could not be read",
        ),
        ("corpus/logs/m365-audit.json", "not valid JSON"),
        ("corpus/logs/transactions.csv", "without a readable time"),
        ("corpus/mail", "no usable Date header"),
        ("corpus/mail", "not a mail message"),
        ("corpus/mail", "no sender and no recipients"),
        ("corpus/mbox/envelope-only.mbox", "not a mail message"),
        ("corpus/wrong-extension/image.ics", "could not be parsed"),
        (
            "corpus/wrong-extension/empty.json",
            "not a recognised export",
        ),
        ("large/bomb.zip!", "larger than 64 MiB"),
        ("large/mail", "larger than 64 MiB"),
        ("large/claims-17-gib.tar.gz", "more than 16 GiB"),
        ("large/link-to-passwd.eml", "symbolic link"),
        ("large/link-to-usr", "symbolic link"),
    ] {
        let line = entry(file);
        assert!(
            line.contains(expected),
            "{file}: `{expected}` expected in\n{line}"
        );
    }
    let nested = log
        .iter()
        .find(|l| l.contains("nested-deep.zip") && l.contains("nested too deep"));
    assert!(nested.is_some(), "{}", log.join("\n"));
    // Every file of the corpus has its entry: itself, or the mail folder or archive it is in.
    for f in files_under(&input) {
        let name = rel(&f.to_string_lossy());
        let folder = rel(&f.parent().unwrap().to_string_lossy());
        let logged = log
            .iter()
            .any(|l| l.starts_with(&format!("{name},")) || l.starts_with(&format!("{folder},")));
        assert!(logged, "`{name}` is in no ingest log entry");
    }

    // What was accepted is what a reader of these files would take from them.
    let accepted = query_csv(
        &ds,
        "select source_record, flags from activities where source = 'email' order by 1",
    );
    for expected in [
        "huge-body.eml,truncated",
        "invalid-utf8.eml,",
        "million-recipients.eml,",
        "message 2 at byte 169,date_from_envelope",
        "mail.json,",
    ] {
        assert!(accepted.contains(expected), "{expected}\n{accepted}");
    }
    assert!(
        !accepted.contains("year-1.eml"),
        "a year-1 date was misread\n{accepted}"
    );
    let capped = query_csv(
        &ds,
        "select count(*) n from activities where flags like '%series_capped%'",
    );
    assert_eq!(
        capped, "n\n10000\n",
        "the endless minutely rule is cut and flagged"
    );
    let million = query_csv(
        &ds,
        "select participants from activities where source_record = 'million-recipients.eml'",
    );
    // The sender, the million, and the mailbox's owner where the message does not name them.
    let n: u64 = million.lines().nth(1).unwrap().parse().unwrap();
    assert!((1_000_001..=1_000_002).contains(&n), "{million}");
}
