//! Running the real binary in a temp folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fixed pseudonymisation key, so pseudonyms (and snapshots) are stable.
pub const TEST_KEY: &str = "wecon-test-key-0123456789abcdef";

/// The project root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `wecon ARGS` with the test key; panics with its output when it fails.
pub fn wecon(args: &[&str]) -> Output {
    let out = wecon_unchecked(args);
    assert!(
        out.status.success(),
        "wecon {args:?} failed:\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs `wecon ARGS` with the test key, whatever its exit status.
pub fn wecon_unchecked(args: &[&str]) -> Output {
    wecon_unchecked_env(args, &[])
}

/// Runs `wecon ARGS` with the test key and extra environment, whatever its exit status.
pub fn wecon_unchecked_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wecon"))
        .args(args)
        .env("WECON_KEY", TEST_KEY)
        .envs(env.iter().copied())
        .current_dir(root())
        .output()
        .expect("the wecon binary runs")
}

/// `wecon query DIR SQL --format csv`, as text.
pub fn query_csv(dir: &Path, sql: &str) -> String {
    let out = wecon(&["query", &dir.to_string_lossy(), sql, "--format", "csv"]);
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// The rows of `wecon query DIR SQL --format csv`, without the header, sorted: for
/// comparing with rows a test lists in any order.
pub fn sorted_rows(dir: &Path, sql: &str) -> Vec<String> {
    let mut rows: Vec<String> = query_csv(dir, sql)
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect();
    rows.sort();
    rows
}

/// Every file under a folder.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            // Links are listed, not followed.
            if e.file_type().unwrap().is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The shared real-data folder, or `None` (with a message) when it is absent.
pub fn shared_data(sub: &str) -> Option<PathBuf> {
    let p = root().join("../shared/data").join(sub);
    if p.exists() {
        Some(p)
    } else {
        eprintln!(
            "skipping: `{}` is absent (the shared real-data folder is not part of a clone)",
            p.display()
        );
        None
    }
}

/// `wecon ingest SOURCE --out OUT --allow-rejects EXTRA...` (the tests' inputs are broken on
/// purpose; `exit_codes` tests the flag).
pub fn ingest(source: &Path, out: &Path, extra: &[&str]) {
    let (s, o) = (source.to_string_lossy(), out.to_string_lossy());
    let mut args = vec!["ingest", &s, "--out", &o, "--allow-rejects"];
    args.extend_from_slice(extra);
    wecon(&args);
}

/// `wecon analyze DATASET --out OUT --individual EXTRA...`: with the person-level tables the
/// tests check.
pub fn analyze(dataset: &Path, out: &Path, extra: &[&str]) {
    let (d, o) = (dataset.to_string_lossy(), out.to_string_lossy());
    let mut args = vec!["analyze", &d, "--out", &o, "--individual"];
    args.extend_from_slice(extra);
    wecon(&args);
}

/// A person's pseudonym under the tests' key.
pub fn person(address: &str) -> String {
    wecon_model::Pseudonymiser::new(TEST_KEY.as_bytes())
        .unwrap()
        .person(address)
}

/// Each log format's records read and accepted, one line per format.
pub fn read_and_accepted(ds: &Path) -> String {
    query_csv(
        ds,
        "select format, sum(records_read) records_read, sum(records_accepted) records_accepted \
         from ingest_log group by format order by format",
    )
}

/// A results table as stable text: every column, floats rounded to 6 places, dates as text,
/// rows in the order of all columns.
pub fn table_text(results: &Path, name: &str) -> String {
    // A person-level table (`individual/NAME`) is registered by its name.
    let name = name.trim_start_matches("individual/");
    let columns = query_csv(
        results,
        &format!(
            "select column_name, data_type from information_schema.columns \
             where table_name = '{name}' order by ordinal_position"
        ),
    );
    let select: Vec<String> = columns
        .lines()
        .skip(1)
        .map(|l| {
            let (c, t) = l.split_once(',').unwrap();
            match t {
                "Float64" => format!("round({c}, 6) as {c}"),
                "Date32" => format!("cast({c} as varchar) as {c}"),
                _ => format!("\"{c}\""),
            }
        })
        .collect();
    let order: Vec<String> = (1..=select.len()).map(|i| i.to_string()).collect();
    query_csv(
        results,
        &format!(
            "select {} from {name} order by {}",
            select.join(", "),
            order.join(", ")
        ),
    )
}

/// Copies the folder `from` to `to`, recursively.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}
