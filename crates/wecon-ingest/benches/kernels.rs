//! Kernel benchmarks of mail ingest (divan): the cost of each inner step per message, on
//! real mail, so a whole-run benchmark's time can be split between them.
//!
//!   cargo bench -p wecon-ingest --bench kernels
//!
//! Input: the first `WECON_KERNEL_MESSAGES` (default 2,000) message files of the Enron mail
//! trees under `../shared/data` (`WECON_ENRON` to point elsewhere), and an mboxrd file of
//! them built in memory. Each benchmark reports time per iteration over all of them and the
//! throughput (messages or bytes per second); divide by the count for the cost of one.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use divan::Bencher;
use divan::counter::{BytesCount, ItemsCount};
use wecon_ingest::kernels;
use wecon_model::Pseudonymiser;
use wecon_model::schema::{Activity, activities_batch};

fn main() {
    divan::main();
}

/// The sample: raw messages, as read from their files.
fn messages() -> &'static [Vec<u8>] {
    static SAMPLE: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SAMPLE.get_or_init(|| {
        let root = std::env::var_os("WECON_ENRON").map_or_else(
            || {
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../../../shared/data/enron-maildir-fullfolders/maildir")
            },
            PathBuf::from,
        );
        let n: usize = std::env::var("WECON_KERNEL_MESSAGES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(2_000);
        let files: Vec<PathBuf> = walkdir::WalkDir::new(&root)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .take(n)
            .collect();
        let sample: Vec<Vec<u8>> = files.iter().filter_map(|f| std::fs::read(f).ok()).collect();
        assert!(
            !sample.is_empty(),
            "no message files under {} (set WECON_ENRON)",
            root.display()
        );
        sample
    })
}

/// The sample as one mboxrd file: a `From ` line before each message, `>`-quoting of lines
/// that start with `From ` or quoted ones.
fn mbox() -> &'static [u8] {
    static MBOX: OnceLock<Vec<u8>> = OnceLock::new();
    MBOX.get_or_init(|| {
        let mut out = Vec::new();
        for m in messages() {
            out.extend_from_slice(b"From bench@example.com Mon Jan  1 00:00:00 2001\n");
            for line in m.split_inclusive(|&b| b == b'\n') {
                let quoted = line.iter().skip_while(|&&b| b == b'>').take(5).eq(b"From ");
                if quoted {
                    out.push(b'>');
                }
                out.extend_from_slice(line);
            }
            if !m.ends_with(b"\n") {
                out.push(b'\n');
            }
            out.push(b'\n');
        }
        out
    })
}

fn sample_bytes() -> usize {
    messages().iter().map(Vec::len).sum()
}

/// Splitting an mbox into messages (the serial part of reading one).
#[divan::bench]
fn split_mbox(b: Bencher) {
    let mbox = mbox();
    let expected = messages().len();
    b.counter(BytesCount::new(mbox.len())).bench(|| {
        let (n, _) = kernels::split_mbox(divan::black_box(mbox));
        assert_eq!(n, expected);
    });
}

/// Parsing each message into the facts ingest keeps (mail-parser: headers, and the MIME
/// structure where attachments must be counted).
#[divan::bench]
fn parse_mail(b: Bencher) {
    let sample = messages();
    b.counter(ItemsCount::new(sample.len())).bench(|| {
        sample
            .iter()
            .filter(|m| kernels::parse_mail(divan::black_box(m)))
            .count()
    });
}

/// Scanning each whole message for links to document stores.
#[divan::bench]
fn document_links(b: Bencher) {
    let sample = messages();
    b.counter(BytesCount::new(sample_bytes())).bench(|| {
        sample
            .iter()
            .map(|m| kernels::document_links(divan::black_box(m)))
            .sum::<i32>()
    });
}

/// The keyword category of each message's subject.
#[divan::bench]
fn subject_category(b: Bencher) {
    let subjects: Vec<String> = messages()
        .iter()
        .filter_map(|m| {
            m.split(|&b| b == b'\n')
                .find(|l| l.starts_with(b"Subject:"))
                .map(|l| String::from_utf8_lossy(&l[8..]).trim().to_string())
        })
        .collect();
    b.counter(ItemsCount::new(subjects.len())).bench(|| {
        subjects
            .iter()
            .filter(|s| kernels::category(divan::black_box(s)).is_some())
            .count()
    });
}

/// The keyed hash that pseudonymises an identity (HMAC-SHA-256, 96 bits in hex).
#[divan::bench]
fn pseudonym(b: Bencher) {
    let pseudo = Pseudonymiser::new(b"wecon-bench-key-0123456789").expect("a valid key");
    let addresses: Vec<String> = (0..1_000)
        .map(|i| format!("Person.{i}@Example.COM"))
        .collect();
    b.counter(ItemsCount::new(addresses.len())).bench(|| {
        addresses
            .iter()
            .map(|a| pseudo.person(divan::black_box(a)).len())
            .sum::<usize>()
    });
}

/// Encoding activities into Arrow and writing them as one Parquet file (Zstandard), as the
/// dataset writer does for each partition.
#[divan::bench]
fn write_activities(b: Bencher) {
    let pseudo = Pseudonymiser::new(b"wecon-bench-key-0123456789").expect("a valid key");
    let rows: Vec<Activity> = (0..50_000i64)
        .map(|i| Activity {
            activity_id: pseudo.object("activity", &i.to_string()),
            person_id: pseudo.person(&format!("p{}@example.com", i % 500)),
            source: "email".into(),
            action: if i % 3 == 0 { "send" } else { "receive" }.into(),
            start_utc: 1_700_000_000_000_000 + i * 60_000_000,
            thread_id: Some(pseudo.object("thread", &(i / 4).to_string())),
            participants: (i % 7 + 2) as i32,
            parties: Some(
                (0..i % 4)
                    .map(|j| pseudo.person(&format!("p{}@example.com", (i + j) % 500)))
                    .collect(),
            ),
            bytes: Some(2_000 + i % 5_000),
            recipient_role: Some("to".into()),
            source_file: format!("mail/p{}.mbox", i % 500),
            source_record: format!("message {i}"),
            ..Activity::default()
        })
        .collect();
    let dir = tempfile::tempdir().expect("a scratch folder");
    let path = dir.path().join("part-0.parquet");
    b.counter(ItemsCount::new(rows.len())).bench_local(|| {
        let batch = activities_batch(&rows).expect("a batch");
        wecon_model::atomic::write_parquet(&path, &[batch]).expect("written");
    });
}
