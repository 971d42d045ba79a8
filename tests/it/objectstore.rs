//! A dataset on object storage: ingest writes it to an S3-compatible server (moto, installed
//! by `scripts/test-deps`), analyze and query read it from there, and the results equal those
//! of the same dataset on local disk.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use crate::helpers::{TEST_KEY, query_csv, table_text, wecon};

/// moto's S3 server: `WECON_MOTO_SERVER`, else where `scripts/test-deps` installs it.
fn moto_server() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("WECON_MOTO_SERVER") {
        return Some(p.into());
    }
    let cache = std::env::var_os("WECON_TEST_DATA")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/wecon-test-data"))
        })?;
    let p = cache.join("moto-venv/bin/moto_server");
    p.is_file().then_some(p)
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wecon_s3(args: &[&str], env: &[(&str, String)]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_wecon"))
        .args(args)
        .env("WECON_KEY", TEST_KEY)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .current_dir(crate::helpers::root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "wecon {args:?}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn a_dataset_on_s3_analyses_as_it_does_on_disk() {
    let Some(server) = moto_server() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "moto is missing under CI: scripts/test-deps installs it"
        );
        eprintln!("skipping: moto is not installed (scripts/test-deps installs it)");
        return;
    };
    let port = free_port();
    let _server = Server(
        Command::new(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let start = std::time::Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed().as_secs() < 60, "moto did not start");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let endpoint = format!("http://127.0.0.1:{port}");
    let env = [
        ("AWS_ENDPOINT", endpoint.clone()),
        ("AWS_ALLOW_HTTP", "true".to_string()),
        ("AWS_ACCESS_KEY_ID", "testing".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "testing".to_string()),
        ("AWS_REGION", "us-east-1".to_string()),
    ];
    // A bucket (path-style, as S3-compatible servers take it).
    let mut http = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        http,
        "PUT /wecon HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    http.read_to_string(&mut reply).unwrap();
    assert!(
        reply.starts_with("HTTP/1.1 200"),
        "the bucket could not be created: {reply}"
    );

    let dir = tempfile::tempdir().unwrap();
    let url = "s3://wecon/exports/sample";
    wecon_s3(&["ingest", "sample-data", "--out", url, "-q"], &env);
    // A key beside a dataset in a bucket is refused.
    let keyless = Command::new(env!("CARGO_BIN_EXE_wecon"))
        .args(["ingest", "sample-data", "--out", "s3://wecon/other", "-q"])
        .env("WECON_KEY", "")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .current_dir(crate::helpers::root())
        .output()
        .unwrap();
    assert!(!keyless.status.success());

    let remote = dir.path().join("remote");
    wecon_s3(
        &["analyze", url, "--out", &remote.to_string_lossy(), "-q"],
        &env,
    );
    let local_ds = dir.path().join("ds");
    wecon(&[
        "ingest",
        "sample-data",
        "--out",
        &local_ds.to_string_lossy(),
        "-q",
    ]);
    let local = dir.path().join("local");
    wecon(&[
        "analyze",
        &local_ds.to_string_lossy(),
        "--out",
        &local.to_string_lossy(),
        "-q",
    ]);
    for table in [
        "week_summary",
        "week_distribution",
        "validation_summary",
        "group_week_process",
        "ingest_summary",
    ] {
        assert_eq!(
            table_text(&remote, table),
            table_text(&local, table),
            "{table}"
        );
    }
    let count = "select count(*) n, count(distinct person_id) p from activities";
    let from_s3 = wecon_s3(&["query", url, count, "--format", "csv"], &env);
    assert_eq!(
        String::from_utf8_lossy(&from_s3.stdout),
        query_csv(&local_ds, count)
    );
    // A re-upload replaces the dataset whole: no file of the first remains.
    wecon_s3(
        &[
            "ingest",
            "sample-data/mail",
            "--out",
            url,
            "-q",
            "--allow-rejects",
        ],
        &env,
    );
    let smaller = wecon_s3(
        &[
            "query",
            url,
            "select count(distinct source) n from activities",
            "--format",
            "csv",
        ],
        &env,
    );
    assert_eq!(String::from_utf8_lossy(&smaller.stdout), "n\n1\n");
}
