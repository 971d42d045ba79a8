//! The metric library on a Ballista cluster: a scheduler and two executors, each a separate
//! `wecon cluster` process on 127.0.0.1, give the same results as a local run.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{TEST_KEY, root, table_text, wecon};

/// The cluster's processes, stopped when the test ends, passed or not.
struct Nodes(Vec<Child>);

impl Drop for Nodes {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A port nobody listens on now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn node(args: &[String]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_wecon"))
        .arg("cluster")
        .args(args)
        .env("WECON_KEY", TEST_KEY)
        .current_dir(root())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("wecon cluster starts")
}

/// Waits until something listens on `port`.
fn listening(port: u16) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "nothing listens on {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_library_on_a_ballista_cluster_matches_the_local_run() {
    let dir = tempfile::tempdir().unwrap();
    let dataset = dir.path().join("dataset");
    wecon(&["ingest", "sample-data", "--out", &dataset.to_string_lossy()]);
    let local = dir.path().join("local");
    wecon(&[
        "analyze",
        &dataset.to_string_lossy(),
        "--out",
        &local.to_string_lossy(),
    ]);

    let scheduler = free_port();
    let mut nodes = Nodes(vec![node(&[
        "scheduler".into(),
        "--bind".into(),
        format!("127.0.0.1:{scheduler}"),
    ])]);
    listening(scheduler);
    let mut executor_ports = Vec::new();
    for i in 0..2 {
        let (flight, grpc) = (free_port(), free_port());
        nodes.0.push(node(&[
            "executor".into(),
            "--scheduler".into(),
            format!("127.0.0.1:{scheduler}"),
            "--bind-host".into(),
            "127.0.0.1".into(),
            "--port".into(),
            flight.to_string(),
            "--grpc-port".into(),
            grpc.to_string(),
            "--tasks".into(),
            "2".into(),
            "--work-dir".into(),
            dir.path()
                .join(format!("executor-{i}"))
                .display()
                .to_string(),
        ]));
        executor_ports.push(flight);
    }
    for p in executor_ports {
        listening(p);
    }
    // Executors register with the scheduler once they listen.
    std::thread::sleep(Duration::from_secs(2));

    let remote = dir.path().join("cluster");
    let out = wecon(&[
        "analyze",
        &dataset.to_string_lossy(),
        "--out",
        &remote.to_string_lossy(),
        "--cluster",
        &format!("df://127.0.0.1:{scheduler}"),
    ]);
    assert!(
        nodes.0.iter_mut().all(|c| c.try_wait().unwrap().is_none()),
        "a node stopped: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let info = |d: &std::path::Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(d.join("run.json")).unwrap()).unwrap()
    };
    let tables = info(&local)["tables"].clone();
    assert_eq!(info(&remote)["tables"], tables);
    assert!(!remote.join(".views").exists());
    for name in tables.as_array().unwrap() {
        let name = name.as_str().unwrap();
        assert_eq!(
            table_text(&remote, name),
            table_text(&local, name),
            "{name} differs on the cluster"
        );
    }
}

#[test]
fn a_memory_limit_gives_the_same_results() {
    // `--memory-limit`: a bounded pool whose operators spill, and the kept tables on disk.
    let dir = tempfile::tempdir().unwrap();
    let dataset = dir.path().join("dataset");
    wecon(&["ingest", "sample-data", "--out", &dataset.to_string_lossy()]);
    let (free, bounded) = (dir.path().join("free"), dir.path().join("bounded"));
    wecon(&[
        "analyze",
        &dataset.to_string_lossy(),
        "--out",
        &free.to_string_lossy(),
        "--individual",
    ]);
    wecon(&[
        "analyze",
        &dataset.to_string_lossy(),
        "--out",
        &bounded.to_string_lossy(),
        "--memory-limit",
        "64M",
        "--individual",
    ]);
    assert!(!bounded.join(".views").exists());
    let info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(free.join("run.json")).unwrap()).unwrap();
    let names: Vec<&str> = info["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(names.len() > 20, "{names:?}");
    for name in names {
        assert_eq!(
            table_text(&bounded, name),
            table_text(&free, name),
            "{name}"
        );
    }
}
