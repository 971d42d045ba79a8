//! Issue 11's guarantees seen from the command line: faulty input fails the run unless
//! allowed, small groups need consent, outputs are private, pseudonyms are keyed, re-runs
//! are identical, and an interrupted run leaves nothing a later run would take for a
//! dataset.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::exact::fixture;
use crate::helpers::{TEST_KEY, files_under, query_csv, wecon, wecon_unchecked_env};

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn faulty_input_exits_with_3_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let ex = fixture(dir.path());
    let ds = dir.path().join("ds");
    // The fixture holds a message without a date and a broken calendar: faults.
    let out = wecon_unchecked_env(&["ingest", &s(&ex), "--out", &s(&ds)], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("--allow-rejects"), "{stderr}");
    assert!(stderr.contains("fault"), "{stderr}");
    // The outputs are written all the same, and the log says what was rejected.
    assert!(ds.join("manifest.json").is_file());
    let faults = query_csv(
        &ds,
        "select sum(records_rejected) > 0 ok from ingest_log where format <> 'skipped'",
    );
    assert_eq!(faults, "ok\ntrue\n");
    let out = wecon_unchecked_env(
        &["ingest", &s(&ex), "--out", &s(&ds), "--allow-rejects"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0));
    // `run` writes the results and report first, then fails the same way.
    let run = dir.path().join("run");
    let out = wecon_unchecked_env(&["run", &s(&ex), "--out", &s(&run)], &[]);
    assert_eq!(out.status.code(), Some(3));
    assert!(run.join("report/index.html").is_file());
}

#[test]
fn small_groups_need_explicit_consent_and_are_stamped() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let refused = wecon_unchecked_env(
        &[
            "run",
            "sample-data",
            "--out",
            &s(&out),
            "--min-group-size",
            "2",
        ],
        &[],
    );
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("--i-understand-small-groups"), "{stderr}");
    assert!(!out.exists(), "refused before any work");
    wecon(&[
        "run",
        "sample-data",
        "--out",
        &s(&out),
        "--min-group-size",
        "2",
        "--i-understand-small-groups",
    ]);
    for page in ["index.html", "summary.md"] {
        let text = std::fs::read_to_string(out.join("report").join(page)).unwrap();
        assert!(
            text.contains("The minimum group size was lowered to 2"),
            "{page} does not say the minimum was lowered"
        );
    }
    // `report` asks for the same consent.
    let refused = wecon_unchecked_env(
        &[
            "report",
            &s(&out.join("results")),
            "--out",
            &s(&dir.path().join("r")),
            "--min-group-size",
            "3",
        ],
        &[],
    );
    assert!(!refused.status.success());
}

#[test]
fn outputs_are_private_and_the_key_stays_out_of_them() {
    let dir = tempfile::tempdir().unwrap();
    let ex = fixture(dir.path());
    let out = dir.path().join("new/run");
    // No key given: a random one is made beside the dataset.
    let done = wecon_unchecked_env(
        &["run", &s(&ex), "--out", &s(&out), "--allow-rejects"],
        &[("WECON_KEY", "")],
    );
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    for d in [
        "new",
        "new/run",
        "new/run/dataset",
        "new/run/results",
        "new/run/report",
    ] {
        assert_eq!(mode(&dir.path().join(d)), 0o700, "{d}");
    }
    let key_file = out.join("dataset.key");
    assert_eq!(mode(&key_file), 0o600);
    let key = std::fs::read_to_string(&key_file).unwrap();
    let key = key.trim();
    assert!(key.len() >= 16);
    for f in files_under(&out) {
        if f == key_file {
            continue;
        }
        let bytes = std::fs::read(&f).unwrap();
        assert!(
            !bytes.windows(key.len()).any(|w| w == key.as_bytes()),
            "the key is written in {}",
            f.display()
        );
    }
}

#[test]
fn two_keys_give_unlinkable_pseudonyms() {
    let dir = tempfile::tempdir().unwrap();
    let ingest_with = |key: &str, name: &str| {
        let ds = dir.path().join(name);
        let done = wecon_unchecked_env(
            &["ingest", "sample-data", "--out", &s(&ds)],
            &[("WECON_KEY", key)],
        );
        assert!(done.status.success());
        let ids = |sql: &str| -> Vec<String> {
            query_csv(&ds, sql)
                .lines()
                .skip(1)
                .map(str::to_string)
                .collect()
        };
        (
            ids("select person_id from people order by 1"),
            ids("select activity_id from activities order by 1"),
        )
    };
    let (people_a, acts_a) = ingest_with(TEST_KEY, "a");
    let (people_b, acts_b) = ingest_with("another-key-of-at-least-16-bytes", "b");
    assert_eq!(people_a.len(), people_b.len());
    assert_eq!(acts_a.len(), acts_b.len());
    assert!(people_a.len() >= 20 && acts_a.len() > 1000);
    for (a, b) in [(&people_a, &people_b), (&acts_a, &acts_b)] {
        let common: Vec<_> = a.iter().filter(|x| b.contains(x)).collect();
        assert!(
            common.is_empty(),
            "the same pseudonyms under two keys: {common:?}"
        );
    }
    // Nor does any 8-character piece of a pseudonym recur under the other key.
    let pieces = |ids: &[String]| -> std::collections::HashSet<String> {
        ids.iter()
            .flat_map(|id| {
                let c: Vec<char> = id.chars().collect();
                c.windows(8)
                    .map(|w| w.iter().collect::<String>())
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let (pa, pb) = (pieces(&people_a), pieces(&people_b));
    assert!(pa.is_disjoint(&pb));
}

#[test]
fn reruns_on_the_same_inputs_are_identical() {
    let dir = tempfile::tempdir().unwrap();
    let ex = fixture(dir.path());
    let run = |name: &str| {
        let out = dir.path().join(name);
        wecon(&[
            "run",
            &s(&ex),
            "--out",
            &s(&out),
            "--allow-rejects",
            "--i-understand-small-groups",
            "--min-group-size",
            "1",
        ]);
        out
    };
    let (a, b) = (run("a"), run("b"));
    let rel = |root: &Path| -> Vec<String> {
        files_under(root)
            .iter()
            .map(|f| s(f.strip_prefix(root).unwrap()))
            .collect()
    };
    assert_eq!(rel(&a), rel(&b));
    for f in rel(&a) {
        // The run records where it read from and wrote to; everything else is equal.
        if f.ends_with("run.json") || f.ends_with("manifest.json") || f.ends_with(".html") {
            continue;
        }
        let (x, y) = (
            std::fs::read(a.join(&f)).unwrap(),
            std::fs::read(b.join(&f)).unwrap(),
        );
        assert!(x == y, "{f} differs between two runs on the same inputs");
    }
    // Apart from the output folder's name and the time each query took.
    for name in [
        "dataset/manifest.json",
        "results/run.json",
        "report/index.html",
    ] {
        let strip = |root: &Path| {
            let text = std::fs::read_to_string(root.join(name))
                .unwrap()
                .replace(&s(root), "OUT");
            match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(mut v) => {
                    if let Some(o) = v.as_object_mut() {
                        o.remove("seconds");
                    }
                    v.to_string()
                }
                Err(_) => text,
            }
        };
        assert_eq!(strip(&a), strip(&b), "{name}");
    }
}

/// Starts `wecon ingest` and interrupts it with `signal` once its dataset is being written.
fn interrupt_ingest(src: &Path, out: &Path, signal: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wecon"))
        .args(["ingest", &s(src), "--out", &s(out), "-q", "--allow-rejects"])
        .env("WECON_KEY", TEST_KEY)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let partial = out.with_file_name(format!(
        "{}.partial-{}",
        out.file_name().unwrap().to_string_lossy(),
        child.id()
    ));
    let start = std::time::Instant::now();
    while !partial.exists() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "ingest ended before it could be interrupted"
        );
        assert!(
            start.elapsed().as_secs() < 60,
            "ingest never started writing"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let killed = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(
        status.signal().is_some(),
        "ingest finished before the signal: {status:?}"
    );
}

#[test]
fn an_interrupted_ingest_leaves_no_dataset_behind() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("org");
    wecon(&[
        "synth",
        "--people",
        "30",
        "--weeks",
        "8",
        "--out",
        &s(&src),
        "-q",
    ]);
    let ds = dir.path().join("ds");
    // Killed on the first run: no dataset at all.
    interrupt_ingest(&src, &ds, "-KILL");
    assert!(!ds.exists(), "a killed first run left a dataset");
    let refused = wecon_unchecked_env(
        &["analyze", &s(&ds), "--out", &s(&dir.path().join("r"))],
        &[],
    );
    assert!(!refused.status.success());
    // A complete dataset, then an interrupted re-run: the complete one stays as it was.
    let ingest_whole = || {
        wecon(&[
            "ingest",
            &s(&src),
            "--out",
            &s(&ds),
            "-q",
            "--allow-rejects",
        ])
    };
    ingest_whole();
    let before = std::fs::read_to_string(ds.join("manifest.json")).unwrap();
    for signal in ["-INT", "-KILL"] {
        interrupt_ingest(&src, &ds, signal);
        assert_eq!(
            std::fs::read_to_string(ds.join("manifest.json")).unwrap(),
            before,
            "{signal}"
        );
    }
    let leftovers = |d: &Path| {
        std::fs::read_dir(d)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("ds.partial-"))
            .count()
    };
    assert!(
        leftovers(dir.path()) > 0,
        "the interrupted runs left their folders"
    );
    // The next run clears what the interrupted ones left; it reads nothing again (the
    // interrupted runs, incremental too, left the dataset they read from as it was).
    ingest_whole();
    assert_eq!(leftovers(dir.path()), 0);
    let manifest = |text: &str| -> serde_json::Value { serde_json::from_str(text).unwrap() };
    let (mut before, after) = (
        manifest(&before),
        manifest(&std::fs::read_to_string(ds.join("manifest.json")).unwrap()),
    );
    assert!(after["reused_inputs"].as_u64().unwrap() > 0);
    before["reused_inputs"] = after["reused_inputs"].clone();
    assert_eq!(after, before);
}

#[test]
fn verify_finds_damaged_altered_and_inconsistent_outputs() {
    use wecon_model::atomic::{file_sum, write_parquet};
    use wecon_model::schema::{IngestLogEntry, ingest_log_batch, people_batch};

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    wecon(&[
        "run",
        "sample-data",
        "--out",
        &s(&out),
        "-q",
        "--individual",
    ]);
    let ok = wecon(&["verify", &s(&out)]);
    let said = String::from_utf8_lossy(&ok.stdout);
    assert!(
        said.contains("dataset") && said.contains("results"),
        "{said}"
    );
    assert_eq!(said.matches(": sound").count(), 2, "{said}");

    let verify = |d: &Path| {
        let o = wecon_unchecked_env(&["verify", &s(d)], &[]);
        assert!(!o.status.success(), "verify passed a broken folder");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let ds = out.join("dataset");
    let manifest_path = ds.join("manifest.json");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    // Rewrites a file of the dataset and lists its new checksum, as a tool that altered it
    // on purpose would: only the content checks can tell.
    let relist = |rel: &str, m: &mut serde_json::Value| {
        let sum = file_sum(&ds.join(rel)).unwrap();
        m["files"][rel] = serde_json::json!({"bytes": sum.bytes, "sha256": sum.sha256});
        std::fs::write(&manifest_path, serde_json::to_string_pretty(m).unwrap()).unwrap();
    };

    // One byte changed in an activities file.
    let part = files_under(&ds.join("activities"))
        .into_iter()
        .find(|f| f.extension().is_some_and(|e| e == "parquet"))
        .unwrap();
    let original = std::fs::read(&part).unwrap();
    let mut changed = original.clone();
    changed[original.len() / 2] ^= 0xff;
    std::fs::write(&part, &changed).unwrap();
    assert!(verify(&ds).contains("differs from what was written"));
    std::fs::write(&part, &original).unwrap();

    // A file missing, and one that was never written.
    let people = std::fs::read(ds.join("people.parquet")).unwrap();
    std::fs::remove_file(ds.join("people.parquet")).unwrap();
    std::fs::write(ds.join("notes.txt"), "x").unwrap();
    let found = verify(&ds);
    assert!(found.contains("`people.parquet` is missing"), "{found}");
    assert!(
        found.contains("`notes.txt` is not one of the files"),
        "{found}"
    );
    std::fs::remove_file(ds.join("notes.txt")).unwrap();
    std::fs::write(ds.join("people.parquet"), &people).unwrap();
    wecon(&["verify", &s(&ds)]);

    // An ingest log that does not balance, and people with another schema.
    let mut m = manifest.clone();
    let mut entry = IngestLogEntry::new("x.mbox", "mbox");
    entry.accept();
    entry.reject("broken");
    entry.records_read = 5;
    write_parquet(
        &ds.join("ingest_log.parquet"),
        &[ingest_log_batch(&[entry]).unwrap()],
    )
    .unwrap();
    relist("ingest_log.parquet", &mut m);
    write_parquet(
        &ds.join("activities_as_people.parquet"),
        &[people_batch(&[]).unwrap()],
    )
    .unwrap();
    std::fs::rename(
        ds.join("activities_as_people.parquet"),
        ds.join("activities/extra.parquet"),
    )
    .unwrap();
    relist("activities/extra.parquet", &mut m);
    m["people"] = serde_json::json!(999);
    relist("people.parquet", &mut m);
    let found = verify(&ds);
    for expected in [
        "`x.mbox` read 5 records but accepted 1 and rejected 1",
        "the ingest log's records_read add up to 5",
        "`activities/extra.parquet` does not have wecon's schema",
        "`people` holds 20 rows where the manifest says 999",
    ] {
        assert!(found.contains(expected), "{expected}\n{found}");
    }

    // A results table whose rows are not those the run counted.
    let results = out.join("results");
    let info_path = results.join("run.json");
    let mut info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&info_path).unwrap()).unwrap();
    info["row_counts"]["individual/person_week"] = serde_json::json!(1);
    std::fs::write(&info_path, info.to_string()).unwrap();
    let found = verify(&results);
    assert!(
        found.contains("`individual/person_week` holds 60 rows where `run.json` says 1"),
        "{found}"
    );
}
