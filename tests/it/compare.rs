//! `wecon compare` on a synthetic baseline and a follow-up with a known change: the
//! follow-up's organisation holds half its large project meetings (`wecon synth
//! --scenario`). The true effect comes from the two ground truths.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use wecon_model::Pseudonymiser;

use crate::helpers::{TEST_KEY, query_csv, wecon, wecon_unchecked};

/// Each person's hours per week in a process, from a synth ground truth, over the weeks
/// they have any hours, leaving out the person-weeks the run's validation excludes.
fn truth_per_person(org: &Path, run: &Path, process: &str) -> BTreeMap<String, f64> {
    let pseudo = Pseudonymiser::new(TEST_KEY.as_bytes()).unwrap();
    let excluded: BTreeSet<(String, String)> = query_csv(
        run,
        "select person_id, cast(week as varchar) from validation_exclusions",
    )
    .lines()
    .skip(1)
    .map(|l| {
        let (p, w) = l.split_once(',').unwrap();
        (p.to_string(), w.to_string())
    })
    .collect();
    let mut weeks: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut hours: BTreeMap<String, f64> = BTreeMap::new();
    let text = std::fs::read_to_string(org.join("truth/truth.csv")).unwrap();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let person = pseudo.person(f[0]);
        if excluded.contains(&(person.clone(), f[1].to_string())) {
            continue;
        }
        weeks
            .entry(person.clone())
            .or_default()
            .insert(f[1].to_string());
        if f[2] == process {
            *hours.entry(person).or_default() += f[3].parse::<f64>().unwrap();
        }
    }
    weeks
        .into_iter()
        .map(|(p, w)| {
            let h = hours.get(&p).copied().unwrap_or(0.0);
            (p, h / w.len() as f64)
        })
        .collect()
}

fn mean(v: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = v.fold((0.0, 0), |(s, n), x| (s + x, n + 1));
    s / n as f64
}

#[test]
fn a_halving_of_large_meetings_is_detected_with_an_interval_holding_the_true_effect() {
    let dir = tempfile::tempdir().unwrap();
    let d = |s: &str| dir.path().join(s);
    let scenario = d("halve.toml");
    std::fs::write(
        &scenario,
        "description = \"half the large project meetings\"\n[behaviour]\nlarge_meetings = 0.5\n",
    )
    .unwrap();
    let s = |p: &Path| p.to_string_lossy().into_owned();
    wecon(&[
        "synth",
        "--people",
        "100",
        "--weeks",
        "8",
        "--seed",
        "11",
        "--out",
        &s(&d("b")),
    ]);
    wecon(&[
        "synth",
        "--people",
        "100",
        "--weeks",
        "8",
        "--seed",
        "12",
        "--start",
        "2026-04-27",
        "--scenario",
        &s(&scenario),
        "--out",
        &s(&d("f")),
    ]);
    assert!(
        std::fs::read_to_string(d("f/README.md"))
            .unwrap()
            .contains("half the large project meetings")
    );
    wecon(&["run", &s(&d("b")), "--out", &s(&d("rb")), "--individual"]);
    wecon(&["run", &s(&d("f")), "--out", &s(&d("rf")), "--individual"]);
    // The follow-up's dataset is enough: compare analyses it first.
    wecon(&[
        "compare",
        &s(&d("rb")),
        &s(&d("rf/dataset")),
        "--out",
        &s(&d("c")),
        "--individual",
    ]);
    assert!(d("c/followup/run.json").is_file());

    let rows: BTreeMap<(String, String, String), Vec<String>> =
        std::fs::read_to_string(d("c/change.csv"))
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| {
                let f: Vec<String> = l.split(',').map(str::to_string).collect();
                ((f[0].clone(), f[1].clone(), f[2].clone()), f[3..].to_vec())
            })
            .collect();
    let get = |group_by: &str, group: &str, measure: &str| {
        rows.get(&(group_by.into(), group.into(), measure.into()))
            .unwrap_or_else(|| panic!("no row {group_by} {group} {measure}"))
            .clone()
    };
    let num = |v: &str| v.parse::<f64>().unwrap();

    for process in ["meet", "communicate"] {
        let tb = truth_per_person(&d("b"), &d("rb"), process);
        let tf = truth_per_person(&d("f"), &d("rf"), process);
        let truth = mean(tf.values().copied()) - mean(tb.values().copied());
        let matched: Vec<f64> = tb
            .iter()
            .filter_map(|(p, b)| tf.get(p).map(|f| f - b))
            .collect();
        let matched_truth = mean(matched.iter().copied());
        // baseline_people, followup_people, matched_people, baseline_hours, followup_hours,
        // change, change_low, change_high, matched_change, matched_low, matched_high
        let r = get("all", "all", process);
        eprintln!(
            "{process}: true change {truth:+.4} (matched {matched_truth:+.4}); wecon {} [{}, {}], matched {} [{}, {}]",
            r[5], r[6], r[7], r[8], r[9], r[10]
        );
        assert_eq!(num(&r[0]) as usize, tb.len());
        assert_eq!(num(&r[1]) as usize, tf.len());
        assert_eq!(num(&r[2]) as usize, matched.len());
        assert!((num(&r[5]) - truth).abs() < 1e-3, "{process}: {r:?}");
        assert!(
            num(&r[6]) <= truth && truth <= num(&r[7]),
            "{process}: {r:?}"
        );
        assert!(
            num(&r[9]) <= matched_truth && matched_truth <= num(&r[10]),
            "{process}: {r:?}"
        );
        if process == "meet" {
            // Detected: the whole interval is below zero.
            assert!(num(&r[7]) < 0.0 && num(&r[10]) < 0.0, "{r:?}");
        }
    }
    // Groups by unit, each of at least 5 people.
    for unit in ["finance", "it", "operations", "sales"] {
        let r = get("unit", unit, "meet");
        assert!(num(&r[0]) >= 5.0 && num(&r[1]) >= 5.0);
    }
    let summary = std::fs::read_to_string(d("c/summary.md")).unwrap();
    assert!(summary.contains("## unit = finance"), "{summary}");
    // `wecon report` on a compare folder renders the before/after page.
    wecon(&["report", &s(&d("c")), "--out", &s(&d("page"))]);
    let page = std::fs::read_to_string(d("page/index.html")).unwrap();
    assert!(
        page.contains("Before and after") && page.contains("<svg"),
        "{page}"
    );
    assert!(page.contains("unit = finance") && page.contains("<td>meet</td>"));
    assert!(
        std::fs::read(d("page/charts/change.png"))
            .unwrap()
            .starts_with(b"\x89PNG")
    );

    // A minimum group size above the units' sizes leaves them out, and says so.
    wecon(&[
        "compare",
        &s(&d("rb")),
        &s(&d("rf")),
        "--out",
        &s(&d("c2")),
        "--min-group-size",
        "30",
    ]);
    let change = std::fs::read_to_string(d("c2/change.csv")).unwrap();
    assert!(!change.contains(",finance,"), "{change}");
    let suppressed = std::fs::read_to_string(d("c2/suppressed.csv")).unwrap();
    assert!(suppressed.contains("unit,finance,"), "{suppressed}");

    // Something that is no run at all is refused with a clear message.
    let bad = wecon_unchecked(&["compare", &s(&d("b")), &s(&d("rf")), "--out", &s(&d("c3"))]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("neither a results folder"));
}
