//! wecon's hours against the synthetic organisation's ground truth, which the generator
//! computes from the simulation itself.

use std::collections::{BTreeMap, BTreeSet};

use wecon_model::Pseudonymiser;

use crate::helpers::{TEST_KEY, query_csv, wecon};

type Key = (String, String, String);

/// Rows `person, week, key, value...` of a CSV, keyed by the first three columns; the value
/// is column `col`.
fn parse(csv: &str, col: usize) -> BTreeMap<Key, f64> {
    csv.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                (f[0].to_string(), f[1].to_string(), f[2].to_string()),
                f[col].parse().unwrap(),
            )
        })
        .collect()
}

/// Compares wecon's figures with the truth's, cell by cell (person, week, key): prints the
/// distribution of relative errors and the totals per key, and returns the totals (truth,
/// wecon) per key and the share of cells within 5%.
fn compare(
    what: &str,
    truth: &BTreeMap<Key, f64>,
    ours: &BTreeMap<Key, f64>,
) -> (BTreeMap<String, (f64, f64)>, f64) {
    let keys: BTreeSet<&Key> = truth.keys().chain(ours.keys()).collect();
    let mut totals: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    let mut errors: Vec<f64> = Vec::new();
    for k in &keys {
        let t = truth.get(*k).copied().unwrap_or(0.0);
        let w = ours.get(*k).copied().unwrap_or(0.0);
        let e = totals.entry(k.2.clone()).or_default();
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
        "{what}: relative error per cell ({} cells): median {:.4}, p90 {:.4}, p95 {:.4}, p99 {:.4}, max {:.4}",
        errors.len(),
        q(0.5),
        q(0.9),
        q(0.95),
        q(0.99),
        q(1.0)
    );
    for (key, (t, w)) in &totals {
        eprintln!("{key:>24}: truth {t:11.3}, wecon {w:11.3}");
    }
    let within = errors.iter().filter(|e| **e <= 0.05).count() as f64 / errors.len() as f64;
    (totals, within)
}

#[test]
fn person_week_process_and_levers_match_the_ground_truth() {
    let dir = tempfile::tempdir().unwrap();
    let org = dir.path().join("s");
    let run = dir.path().join("r");
    let (o, r) = (org.to_string_lossy(), run.to_string_lossy());
    wecon(&[
        "synth", "--people", "200", "--weeks", "8", "--seed", "7", "--out", &o,
    ]);
    wecon(&["run", &o, "--out", &r, "--individual"]);

    let pseudo = Pseudonymiser::new(TEST_KEY.as_bytes()).unwrap();
    let truth = |file: &str, col: usize| -> BTreeMap<Key, f64> {
        parse(
            &std::fs::read_to_string(org.join("truth").join(file)).unwrap(),
            col,
        )
        .into_iter()
        .map(|((p, w, k), v)| ((pseudo.person(&p), w, k), v))
        .collect()
    };

    // Hours per person, week and process.
    let ours = parse(
        &query_csv(
            &run,
            "select person_id, cast(week as varchar), process, hours from person_week_process",
        ),
        3,
    );
    let (by_process, within) = compare("hours per process", &truth("truth.csv", 3), &ours);
    for (process, (t, w)) in &by_process {
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
    assert!(
        within >= 0.95,
        "only {:.1}% of person-week-process cells within 5%",
        within * 100.0
    );

    // What each surplus lever applies to: measured hours, and activities (for the levers
    // the built-in profiles give no time: re-found and copied documents, transaction hand-offs).
    let lever_sql = |col: &str| {
        format!(
            "select person_id, cast(week as varchar), lever, {col} from surplus_person_week_lever"
        )
    };
    let (hours, hours_within) = compare(
        "lever base hours",
        &truth("levers.csv", 3),
        &parse(&query_csv(&run, &lever_sql("base_hours")), 3),
    );
    let (events, events_within) = compare(
        "lever events",
        &truth("levers.csv", 4),
        &parse(&query_csv(&run, &lever_sql("events")), 3),
    );
    assert_eq!(
        hours.len(),
        13,
        "every lever has something to find: {hours:?}"
    );
    for (lever, (t, w)) in hours.iter().chain(&events) {
        assert!((w - t).abs() <= 0.05 * t, "{lever}: wecon {w} vs truth {t}");
    }
    for (lever, (t, _)) in &events {
        assert!(*t > 0.0, "the truth has no {lever}");
    }
    assert!(
        hours_within >= 0.95 && events_within >= 0.95,
        "only {:.1}% (hours) and {:.1}% (events) of person-week-lever cells within 5%",
        hours_within * 100.0,
        events_within * 100.0
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
            "--individual",
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

#[test]
fn viva_exports_of_the_organisation_read_back() {
    // `--viva` writes the organisation as Viva Insights exports it; read on its own, every row
    // is accepted, the person query's hours are the ground truth's, and the meeting query's
    // occurrences keep their lengths.
    let dir = tempfile::tempdir().unwrap();
    let org = dir.path().join("s");
    let ds = dir.path().join("ds");
    let o = org.to_string_lossy();
    wecon(&[
        "synth", "--people", "24", "--weeks", "2", "--seed", "5", "--viva", "--out", &o,
    ]);
    crate::helpers::ingest(&org.join("viva"), &ds, &[]);
    let rows = |f: &str| {
        std::fs::read_to_string(org.join("viva").join(f))
            .unwrap()
            .lines()
            .count()
            - 1
    };
    let (meetings, persons) = (rows("meeting-query.csv"), rows("person-query.csv"));
    assert!(meetings > 50 && persons == 48, "{meetings} {persons}");
    assert_eq!(
        query_csv(
            &ds,
            "select sum(records_read) r, sum(records_accepted) a from ingest_log"
        ),
        format!("r,a\n{},{}\n", meetings + persons, meetings + persons)
    );
    let truth: f64 = parse(
        &std::fs::read_to_string(org.join("truth/truth.csv")).unwrap(),
        3,
    )
    .values()
    .sum();
    let viva: f64 = query_csv(
        &ds,
        "select sum(value) from imported_metrics where metric = 'collaboration_hours'",
    )
    .lines()
    .nth(1)
    .unwrap()
    .parse()
    .unwrap();
    assert!((viva - truth).abs() < 1e-6, "{viva} vs {truth}");
    let duration: f64 = std::fs::read_to_string(org.join("viva/meeting-query.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(6).unwrap().parse::<f64>().unwrap())
        .sum();
    let ours: f64 = query_csv(
        &ds,
        "select sum(date_part('epoch', end_utc) - date_part('epoch', start_utc)) / 3600.0 \
         from activities where source = 'calendar'",
    )
    .lines()
    .nth(1)
    .unwrap()
    .parse()
    .unwrap();
    assert!((ours - duration).abs() < 1e-6, "{ours} vs {duration}");
    assert_eq!(
        query_csv(&ds, "select count(distinct person_id) n from people"),
        "n\n24\n"
    );
}
