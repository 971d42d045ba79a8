//! wecon's hours against the synthetic organisation's ground truth, which the generator
//! computes from the simulation itself.

use std::collections::{BTreeMap, BTreeSet};

use wecon_model::Pseudonymiser;

use crate::helpers::{TEST_KEY, query_csv, wecon};

type Key = (String, String, String);

fn parse(csv: &str) -> BTreeMap<Key, f64> {
    csv.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                (f[0].to_string(), f[1].to_string(), f[2].to_string()),
                f[3].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn person_week_process_matches_the_ground_truth() {
    let dir = tempfile::tempdir().unwrap();
    let org = dir.path().join("s");
    let run = dir.path().join("r");
    let (o, r) = (org.to_string_lossy(), run.to_string_lossy());
    wecon(&[
        "synth", "--people", "200", "--weeks", "8", "--seed", "7", "--out", &o,
    ]);
    wecon(&["run", &o, "--out", &r]);

    let pseudo = Pseudonymiser::new(TEST_KEY.as_bytes()).unwrap();
    let truth: BTreeMap<Key, f64> =
        parse(&std::fs::read_to_string(org.join("truth/truth.csv")).unwrap())
            .into_iter()
            .map(|((p, w, pr), h)| ((pseudo.person(&p), w, pr), h))
            .collect();
    let ours = parse(&query_csv(
        &run,
        "select person_id, cast(week as varchar), process, hours from person_week_process",
    ));

    let keys: BTreeSet<&Key> = truth.keys().chain(ours.keys()).collect();
    let mut by_process: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    let mut errors: Vec<f64> = Vec::new();
    for k in &keys {
        let t = truth.get(*k).copied().unwrap_or(0.0);
        let w = ours.get(*k).copied().unwrap_or(0.0);
        let e = by_process.entry(k.2.as_str()).or_default();
        e.0 += t;
        e.1 += w;
        errors.push(if t > 0.0 {
            (w - t).abs() / t
        } else if w > 0.0 {
            1.0
        } else {
            0.0
        });
    }
    errors.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let q = |p: f64| errors[((errors.len() - 1) as f64 * p) as usize];
    eprintln!(
        "relative error per person-week-process ({} cells): median {:.4}, p90 {:.4}, p95 {:.4}, p99 {:.4}, max {:.4}",
        errors.len(),
        q(0.5),
        q(0.9),
        q(0.95),
        q(0.99),
        q(1.0)
    );
    for (process, (t, w)) in &by_process {
        eprintln!("{process:>12}: truth {t:9.3} h, wecon {w:9.3} h");
        assert!(
            (w - t).abs() <= 0.05 * t,
            "{process}: wecon {w} h vs truth {t} h"
        );
    }
    for p in ["communicate", "share", "transact", "consult", "meet"] {
        assert!(
            by_process.contains_key(p),
            "the organisation has no {p} time"
        );
    }
    let within = errors.iter().filter(|e| **e <= 0.05).count() as f64 / errors.len() as f64;
    assert!(
        within >= 0.95,
        "only {:.1}% of person-week-process cells within 5%",
        within * 100.0
    );
}

#[test]
fn mbox_mailboxes_measure_the_same_as_maildirs() {
    // `--mail-format mbox` writes each mailbox as one Takeout-style mbox; wecon must measure
    // exactly the same hours from it as from the maildirs of the same organisation.
    let dir = tempfile::tempdir().unwrap();
    let mut tables = Vec::new();
    for format in ["maildir", "mbox"] {
        let org = dir.path().join(format);
        let out = dir.path().join(format!("{format}-run"));
        crate::helpers::wecon(&[
            "synth",
            "--people",
            "12",
            "--weeks",
            "2",
            "--seed",
            "3",
            "--mail-format",
            format,
            "--out",
            &org.to_string_lossy(),
        ]);
        crate::helpers::wecon(&[
            "run",
            &org.to_string_lossy(),
            "--out",
            &out.to_string_lossy(),
        ]);
        tables.push(crate::helpers::query_csv(
            &out,
            "select person_id, week, process, round(hours, 6) h from person_week_process order by 1, 2, 3",
        ));
    }
    assert!(tables[0].lines().count() > 20);
    assert_eq!(tables[0], tables[1]);
}
