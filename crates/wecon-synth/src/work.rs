//! Document, search and transaction activity of the synthetic organisation, written as the
//! exports wecon reads for them: the Microsoft 365 unified audit log as the compliance
//! portal exports it (`documents/audit.csv`, the record's JSON in `AuditData`) and one
//! transaction log per unit (`transactions/<unit>.csv`).
//!
//! Each person works on a pool of their team's documents: views (often re-finding the same
//! few documents), edits, uploads, copies (duplicates), shares and searches. Each unit
//! handles its own transaction types, and purchase orders are handled separately in every
//! unit: the shared-service candidate the transition is about. These activities add no
//! hours under the current profiles (METRICS.md gives them no time yet), so the ground truth
//! is unchanged by them.
//!
//! A generator of its own (seeded from the organisation's seed) keeps the mail and calendars
//! exactly what they were without these files.

use std::fmt::Write as _;

use chrono::{Duration, NaiveDate};

use crate::rng::Rng;
use crate::{SynthPerson, local};

/// Documents in each team's pool.
const TEAM_DOCUMENTS: usize = 12;

/// Document operations and how often each is drawn (per mille).
const OPERATIONS: &[(&str, u32)] = &[
    ("FileAccessed", 450),
    ("FileModified", 200),
    ("SearchQueryPerformed", 120),
    ("FileUploaded", 80),
    ("FilePreviewed", 60),
    ("FileCopied", 40),
    ("SharingSet", 30),
    ("FileDownloaded", 20),
];

/// Transaction types per unit, with their steps; `purchase_order` is in every unit.
fn transaction_types(unit: &str) -> &'static [(&'static str, &'static [&'static str])] {
    const PO: (&str, &[&str]) = (
        "purchase_order",
        &["request", "approve", "order", "receive"],
    );
    match unit {
        "finance" => &[("invoice", &["receive", "check", "approve", "pay"]), PO],
        "sales" => &[
            ("customer_order", &["enter", "confirm", "ship", "invoice"]),
            PO,
        ],
        "it" => &[("ticket", &["open", "assign", "resolve", "close"]), PO],
        _ => &[("delivery", &["plan", "pick", "ship", "confirm"]), PO],
    }
}

fn pick(rng: &mut Rng, table: &[(&'static str, u32)]) -> &'static str {
    let mut n = rng.below(1000) as u32;
    for (name, w) in table {
        if n < *w {
            return name;
        }
        n -= w;
    }
    table[0].0
}

/// Writes `documents/audit.csv`; returns the number of records.
pub(crate) fn audit_log(
    staff: &[SynthPerson],
    start: NaiveDate,
    weeks: u32,
    seed: u64,
) -> (String, usize) {
    let mut rng = Rng::new(seed ^ 0xD0C5_D0C5);
    let mut out = String::from("CreationDate,UserIds,Operations,AuditData\n");
    let mut n = 0;
    for week in 0..weeks {
        for weekday in 0..5 {
            let day = start + Duration::days(7 * i64::from(week) + weekday);
            for p in staff {
                let actions = 2 + rng.below(5);
                for k in 0..actions {
                    let op = pick(&mut rng, OPERATIONS);
                    // Re-finding: half the views go to one of the team's three most used.
                    let doc = if op == "FileAccessed" && rng.chance(0.5) {
                        rng.below(3)
                    } else {
                        rng.below(TEAM_DOCUMENTS)
                    };
                    let seconds = (30 + 70 * k as i64 + rng.below(60) as i64) * 60;
                    let at = local(p, day, seconds).naive_utc();
                    let when = at.format("%Y-%m-%dT%H:%M:%S");
                    let object = format!(
                        "https://northwind.sharepoint.com/sites/{}/team{}/doc{doc}.docx",
                        p.unit, p.team
                    );
                    let record = if op == "SearchQueryPerformed" {
                        format!(
                            r#"{{"CreationTime":"{when}","Operation":"{op}","Workload":"SharePoint","UserId":"{}"}}"#,
                            p.address
                        )
                    } else {
                        format!(
                            r#"{{"CreationTime":"{when}","Operation":"{op}","Workload":"SharePoint","UserId":"{}","ObjectId":"{object}"}}"#,
                            p.address
                        )
                    };
                    let _ = writeln!(
                        out,
                        "{when}.0000000Z,{},{op},\"{}\"",
                        p.address,
                        record.replace('"', "\"\"")
                    );
                    n += 1;
                }
            }
        }
    }
    (out, n)
}

/// One `transactions/<unit>.csv` per unit; returns (unit, text, steps).
pub(crate) fn transaction_logs(
    staff: &[SynthPerson],
    start: NaiveDate,
    weeks: u32,
    seed: u64,
) -> Vec<(&'static str, String, usize)> {
    let mut rng = Rng::new(seed ^ 0x7A5C_7A5C);
    let mut units: Vec<&'static str> = staff.iter().map(|p| p.unit).collect();
    units.sort();
    units.dedup();
    let mut out = Vec::new();
    for unit in units {
        let members: Vec<&SynthPerson> = staff.iter().filter(|p| p.unit == unit).collect();
        let mut text = String::from("case_id,type,step,person,time\n");
        let mut steps = 0;
        let mut case = 0;
        for week in 0..weeks {
            for weekday in 0..5 {
                let day = start + Duration::days(7 * i64::from(week) + weekday);
                for (kind, path) in transaction_types(unit) {
                    let cases = if *kind == "purchase_order" { 1 } else { 2 };
                    for _ in 0..cases {
                        case += 1;
                        let id = format!(
                            "{}-{}-{case}",
                            unit.to_ascii_uppercase(),
                            kind.to_ascii_uppercase()
                        );
                        // Each step a little later, by another member where there is one.
                        let mut minutes = (60 + rng.below(300)) as i64;
                        for step in *path {
                            let p = members[rng.below(members.len())];
                            let at = local(p, day, minutes * 60).naive_utc();
                            let _ = writeln!(
                                text,
                                "{id},{kind},{step},{},{}",
                                p.address,
                                at.format("%Y-%m-%dT%H:%M:%SZ")
                            );
                            steps += 1;
                            minutes += (90 + rng.below(60 * 24)) as i64;
                        }
                    }
                }
            }
        }
        out.push((unit, text, steps));
    }
    out
}
