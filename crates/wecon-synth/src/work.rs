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

/// Writes the audit log (`documents/audit.csv`) as it goes; returns the number of records.
pub(crate) fn audit_log(
    path: &std::path::Path,
    staff: &[SynthPerson],
    start: NaiveDate,
    weeks: u32,
    seed: u64,
    lever: &mut dyn FnMut(usize, i64, &'static str),
) -> std::io::Result<usize> {
    use std::io::Write as _;
    let mut rng = Rng::new(seed ^ 0xD0C5_D0C5);
    let mut file = std::io::BufWriter::new(fs_err::File::create(path)?);
    // The sales unit works in Google Workspace: its Drive activity is in the Reports API
    // export beside the Microsoft 365 log.
    let mut google = std::io::BufWriter::new(fs_err::File::create(
        path.with_file_name("google-drive-activities.ndjson"),
    )?);
    // The operations unit keeps its documents on a self-hosted file server whose activity
    // log exports as a plain CSV (wecon's generic document CSV).
    let mut files = std::io::BufWriter::new(fs_err::File::create(
        path.with_file_name("operations-file-activity.csv"),
    )?);
    writeln!(files, "timestamp,user,action,file")?;
    let mut out = String::from("CreationDate,UserIds,Operations,AuditData\n");
    let mut n = 0;
    // Per person: when each of their team's documents was last viewed (µs UTC).
    let mut viewed: Vec<[Option<i64>; TEAM_DOCUMENTS]> = vec![[None; TEAM_DOCUMENTS]; staff.len()];
    // Per person and document: the last view that re-found it, until the person's next event
    // on the document tells whether it was a search (a re-finding) or opened the document
    // for an edit within the hour (storing: no re-finding).
    let mut refound: Vec<[Option<i64>; TEAM_DOCUMENTS]> = vec![[None; TEAM_DOCUMENTS]; staff.len()];
    for week in 0..weeks {
        for weekday in 0..5 {
            let day = start + Duration::days(7 * i64::from(week) + weekday);
            for (i, p) in staff.iter().enumerate() {
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
                    // Views, previews and downloads of a document viewed in the 28 days
                    // before: re-finding, unless the person's next event on the document is
                    // an edit or an upload within the hour.
                    let t = at.and_utc().timestamp_micros();
                    if op != "SearchQueryPerformed"
                        && let Some(v) = refound[i][doc].take()
                        && !(matches!(op, "FileModified" | "FileUploaded")
                            && t - v <= 3_600_000_000)
                    {
                        lever(i, v, "refinding_documents");
                    }
                    if matches!(op, "FileAccessed" | "FilePreviewed" | "FileDownloaded") {
                        if viewed[i][doc].is_some_and(|v| t - v <= 28 * 86_400_000_000) {
                            refound[i][doc] = Some(t);
                        }
                        viewed[i][doc] = Some(t);
                    }
                    // A copy beside the original: a duplicate stored document.
                    if op == "FileCopied" {
                        lever(i, at.and_utc().timestamp_micros(), "duplicate_documents");
                    }
                    let when = at.format("%Y-%m-%dT%H:%M:%S");
                    let object = format!(
                        "https://northwind.sharepoint.com/sites/{}/team{}/doc{doc}.docx",
                        p.unit, p.team
                    );
                    if p.unit == "sales" {
                        let name = match op {
                            "FileAccessed" => "view",
                            "FileModified" => "edit",
                            "SearchQueryPerformed" => "search",
                            "FileUploaded" => "upload",
                            "FilePreviewed" => "preview",
                            "FileCopied" => "copy",
                            "SharingSet" => "change_user_access",
                            _ => "download",
                        };
                        let line = serde_json::json!({
                            "kind": "admin#reports#activity",
                            "id": {"time": format!("{}Z", at.format("%Y-%m-%dT%H:%M:%S%.3f")),
                                   "applicationName": "drive", "customerId": "C0northwind"},
                            "actor": {"callerType": "USER", "email": p.address},
                            "events": [{"type": "access", "name": name, "parameters": [
                                {"name": "doc_id", "value": format!("{}-team{}-doc{doc}", p.unit, p.team)},
                                {"name": "doc_type", "value": "document"}
                            ]}],
                        });
                        let _ = writeln!(google, "{line}");
                        n += 1;
                        continue;
                    }
                    if p.unit == "operations" {
                        let (action, file) = match op {
                            "FileAccessed" => ("view", object.as_str()),
                            "FileModified" => ("edit", object.as_str()),
                            "SearchQueryPerformed" => ("search", ""),
                            "FileUploaded" => ("upload", object.as_str()),
                            "FilePreviewed" => ("preview", object.as_str()),
                            "FileCopied" => ("copy", object.as_str()),
                            "SharingSet" => ("share", object.as_str()),
                            _ => ("download", object.as_str()),
                        };
                        let file =
                            file.replace("https://northwind.sharepoint.com/sites/", "/srv/files/");
                        writeln!(files, "{when}Z,{},{action},{file}", p.address)?;
                        n += 1;
                        continue;
                    }
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
            file.write_all(out.as_bytes())?;
            out.clear();
        }
    }
    // Re-findings no later event turned into an edit.
    for (i, documents) in refound.iter().enumerate() {
        for v in documents.iter().flatten() {
            lever(i, *v, "refinding_documents");
        }
    }
    file.flush()?;
    google.flush()?;
    files.flush()?;
    Ok(n)
}

/// One transaction log per unit, returned as (file name, text, steps): a CSV
/// (`<unit>.csv`), except the operations unit, whose workflow tool exports OCEL 2.0 JSON
/// (`operations.jsonocel`: cases and employees as objects, each step an event related to
/// its case and its employee).
pub(crate) fn transaction_logs(
    staff: &[SynthPerson],
    start: NaiveDate,
    weeks: u32,
    seed: u64,
    handed_off: &mut dyn FnMut(usize, i64),
) -> Vec<(String, String, usize)> {
    let mut rng = Rng::new(seed ^ 0x7A5C_7A5C);
    let mut units: Vec<&'static str> = staff.iter().map(|p| p.unit).collect();
    units.sort();
    units.dedup();
    let mut out = Vec::new();
    for unit in units {
        let members: Vec<usize> = (0..staff.len())
            .filter(|&i| staff[i].unit == unit)
            .collect();
        // (case, type, step, person, time)
        let mut steps: Vec<(String, &str, &str, &str, String)> = Vec::new();
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
                        let mut before = None;
                        for step in *path {
                            let i = members[rng.below(members.len())];
                            let p = &staff[i];
                            let at = local(p, day, minutes * 60).naive_utc();
                            // A step taken by another person than the one before: a hand-off.
                            if before.is_some_and(|b| b != i) {
                                handed_off(i, at.and_utc().timestamp_micros());
                            }
                            before = Some(i);
                            steps.push((
                                id.clone(),
                                kind,
                                step,
                                p.address.as_str(),
                                at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                            ));
                            minutes += (90 + rng.below(60 * 24)) as i64;
                        }
                    }
                }
            }
        }
        let n = steps.len();
        if unit == "operations" {
            out.push((format!("{unit}.jsonocel"), ocel(&steps), n));
        } else {
            let mut text = String::from("case_id,type,step,person,time\n");
            for (id, kind, step, person, at) in &steps {
                let _ = writeln!(text, "{id},{kind},{step},{person},{at}");
            }
            out.push((format!("{unit}.csv"), text, n));
        }
    }
    out
}

/// Steps as an OCEL 2.0 JSON log.
fn ocel(steps: &[(String, &str, &str, &str, String)]) -> String {
    use serde_json::json;
    let mut cases: Vec<(&str, &str)> = steps.iter().map(|s| (s.0.as_str(), s.1)).collect();
    cases.sort();
    cases.dedup();
    let mut people: Vec<&str> = steps.iter().map(|s| s.3).collect();
    people.sort();
    people.dedup();
    let mut kinds: Vec<&str> = cases.iter().map(|c| c.1).collect();
    kinds.sort();
    kinds.dedup();
    let mut step_names: Vec<&str> = steps.iter().map(|s| s.2).collect();
    step_names.sort();
    step_names.dedup();
    let objects: Vec<serde_json::Value> = cases
        .iter()
        .map(|(id, kind)| json!({"id": id, "type": kind, "attributes": []}))
        .chain(people.iter().map(|p| {
            json!({"id": p, "type": "employee",
                   "attributes": [{"name": "email", "time": "1970-01-01T00:00:00Z", "value": p}]})
        }))
        .collect();
    let events: Vec<serde_json::Value> = steps
        .iter()
        .enumerate()
        .map(|(i, (case, _, step, person, at))| {
            json!({"id": format!("e{}", i + 1), "type": step, "time": at, "attributes": [],
                   "relationships": [{"objectId": case, "qualifier": "case"},
                                     {"objectId": person, "qualifier": "handled by"}]})
        })
        .collect();
    let doc = json!({
        "objectTypes": kinds.iter().map(|k| json!({"name": k, "attributes": []}))
            .chain(std::iter::once(json!({"name": "employee", "attributes": [{"name": "email", "type": "string"}]})))
            .collect::<Vec<_>>(),
        "eventTypes": step_names.iter().map(|s| json!({"name": s, "attributes": []})).collect::<Vec<_>>(),
        "objects": objects,
        "events": events,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// What a chat post says, and whether its keyword category is transactional.
const CHAT_LINES: &[(&str, bool)] = &[
    ("morning! anyone free for a quick question?", false),
    ("I pushed the numbers to the shared sheet", false),
    ("can you approve invoice {n} today?", true),
    ("purchase order {n} is waiting for you", true),
    ("thanks, looks good", false),
    ("see you at the review", false),
    ("the customer called again", false),
    ("contract draft is in the folder", true),
];

/// The synthetic organisation's Slack workspace export (`chat/slack/`): one channel per
/// team, written a day at a time.
pub(crate) struct SlackExport {
    root: std::path::PathBuf,
    rng: Rng,
    /// Per channel (by team key): the channel's name and its members (indices into staff).
    channels: Vec<(String, Vec<usize>)>,
    pub posts: usize,
}

fn slack_user_id(i: usize) -> String {
    format!("U{:08}", i + 1)
}

impl SlackExport {
    /// Writes `users.json` and `channels.json`; day files follow with [`SlackExport::day`].
    pub(crate) fn new(
        root: &std::path::Path,
        staff: &[SynthPerson],
        seed: u64,
    ) -> std::io::Result<Self> {
        fs_err::create_dir_all(root)?;
        let mut teams: std::collections::BTreeMap<(&str, usize), Vec<usize>> = Default::default();
        for (i, p) in staff.iter().enumerate() {
            teams.entry((p.unit, p.team)).or_default().push(i);
        }
        let channels: Vec<(String, Vec<usize>)> = teams
            .into_iter()
            .map(|((unit, team), members)| (format!("{unit}-team{team}"), members))
            .collect();
        let users: Vec<serde_json::Value> = staff
            .iter()
            .enumerate()
            .map(|(i, p)| {
                serde_json::json!({
                    "id": slack_user_id(i),
                    "team_id": "T0NORTHW",
                    "name": p.address.split('@').next().unwrap_or_default(),
                    "deleted": false,
                    "is_bot": false,
                    "tz": p.tz.name(),
                    "profile": {"email": p.address},
                })
            })
            .chain(std::iter::once(serde_json::json!({
                "id": "B00000001", "team_id": "T0NORTHW", "name": "standup-bot", "is_bot": true,
                "profile": {}
            })))
            .collect();
        // The IT unit chats in Microsoft Teams: its channels are not in the Slack export.
        let list: Vec<serde_json::Value> = channels
            .iter()
            .filter(|(name, _)| !is_teams(name) && !is_mattermost(name))
            .enumerate()
            .map(|(k, (name, members))| {
                serde_json::json!({
                    "id": format!("C{:08}", k + 1),
                    "name": name,
                    "is_archived": false,
                    "members": members.iter().map(|&i| slack_user_id(i)).collect::<Vec<_>>(),
                })
            })
            .collect();
        let pretty =
            |v: &Vec<serde_json::Value>| serde_json::to_string_pretty(v).unwrap_or_default();
        fs_err::write(root.join("users.json"), pretty(&users))?;
        fs_err::write(root.join("channels.json"), pretty(&list))?;
        // Direct messages between teammates of the Slack teams: every pair a DM.
        let dms: Vec<serde_json::Value> = channels
            .iter()
            .filter(|(name, _)| !is_teams(name) && !is_mattermost(name))
            .flat_map(|(_, members)| {
                members.iter().flat_map(move |&a| {
                    members.iter().filter(move |&&b| a < b).map(move |&b| {
                        serde_json::json!({
                            "id": dm_id(a, b),
                            "created": 1_700_000_000,
                            "members": [slack_user_id(a), slack_user_id(b)],
                        })
                    })
                })
            })
            .collect();
        fs_err::write(root.join("dms.json"), pretty(&dms))?;
        // The operations unit chats in a self-hosted Mattermost: its bulk export starts with
        // the version, team, channels and users, then posts follow day by day.
        let mm_dir = root.with_file_name("mattermost");
        fs_err::create_dir_all(&mm_dir)?;
        let mut head = vec![
            serde_json::json!({"type": "version", "version": 1}),
            serde_json::json!({"type": "team", "team": {"name": "northwind", "display_name": "Northwind", "type": "I"}}),
        ];
        for (name, _) in channels.iter().filter(|(n, _)| is_mattermost(n)) {
            head.push(serde_json::json!({"type": "channel", "channel": {"team": "northwind", "name": name, "display_name": name, "type": "P"}}));
        }
        for (name, members) in channels.iter().filter(|(n, _)| is_mattermost(n)) {
            for &m in members {
                head.push(serde_json::json!({"type": "user", "user": {
                    "username": slack_user_id(m).to_ascii_lowercase(),
                    "email": staff[m].address,
                    "teams": [{"name": "northwind", "channels": [{"name": name}]}],
                }}));
            }
        }
        let text: String = head.iter().map(|v| format!("{v}\n")).collect();
        fs_err::write(mm_dir.join("export.jsonl"), text)?;
        Ok(SlackExport {
            root: root.to_path_buf(),
            rng: Rng::new(seed ^ 0x51AC_51AC),
            channels,
            posts: 0,
        })
    }

    /// Writes one working day's messages; each person's post is recorded in the ground truth
    /// (30 s, cut short like mail) through `record(person, start µs, process)`.
    pub(crate) fn day(
        &mut self,
        day: NaiveDate,
        first_day: bool,
        staff: &[SynthPerson],
        record: &mut dyn FnMut(usize, i64, &'static str),
    ) -> std::io::Result<()> {
        for (name, members) in &self.channels {
            let mut messages: Vec<(i64, serde_json::Value)> = Vec::new();
            if first_day {
                for &m in members {
                    let at = local(&staff[m], day, 0).timestamp_micros() - 3_600_000_000;
                    messages.push((
                        at,
                        serde_json::json!({
                            "type": "message", "subtype": "channel_join", "user": slack_user_id(m),
                            "text": format!("<@{}> has joined the channel", slack_user_id(m)),
                            "ts": ts(at),
                        }),
                    ));
                }
            }
            // A bot posts the stand-up reminder.
            let bot_at = local(&staff[members[0]], day, 15 * 60).timestamp_micros() + 7;
            messages.push((
                bot_at,
                serde_json::json!({
                    "type": "message", "subtype": "bot_message", "bot_id": "B00000001",
                    "username": "standup-bot", "text": "Stand-up in 15 minutes", "ts": ts(bot_at),
                }),
            ));
            let mut thread_root: Option<String> = None;
            for &m in members {
                let n = self.rng.below(4);
                for _ in 0..n {
                    // Seconds ending in 37 keep posts off the mail's exact instants.
                    let seconds = (self.rng.below(8 * 60) as i64) * 60 + 37;
                    let at = local(&staff[m], day, seconds).timestamp_micros() + 100 + m as i64;
                    let (line, transactional) = CHAT_LINES[self.rng.below(CHAT_LINES.len())];
                    let mut text = line.replace("{n}", &(1000 + self.rng.below(9000)).to_string());
                    let link = self.rng.chance(0.1);
                    if link {
                        text.push_str(
                            " <https://northwind.sharepoint.com/sites/shared/doc.docx|doc>",
                        );
                    }
                    let mut msg = serde_json::json!({
                        "type": "message", "user": slack_user_id(m), "text": text, "ts": ts(at),
                    });
                    match &thread_root {
                        Some(root) if self.rng.chance(0.3) => {
                            msg["thread_ts"] = serde_json::Value::String(root.clone());
                        }
                        _ => thread_root = Some(ts(at)),
                    }
                    let process = crate::truth::mail_process(transactional, link);
                    record(m, at, process);
                    self.posts += 1;
                    messages.push((at, msg));
                }
            }
            if messages.is_empty() {
                continue;
            }
            messages.sort_by_key(|(t, _)| *t);
            let list: Vec<serde_json::Value> = messages.into_iter().map(|(_, m)| m).collect();
            if is_mattermost(name) {
                use std::io::Write as _;
                let path = self.root.with_file_name("mattermost").join("export.jsonl");
                let mut f = fs_err::OpenOptions::new().append(true).open(path)?;
                for line in mattermost_posts(&list, name) {
                    writeln!(f, "{line}")?;
                }
                continue;
            }
            if is_teams(name) {
                let dir = self.root.with_file_name("teams").join(name);
                fs_err::create_dir_all(&dir)?;
                let page = serde_json::json!({
                    "@odata.context": format!(
                        "https://graph.microsoft.com/v1.0/$metadata#teams('northwind')/channels('{name}')/messages"
                    ),
                    "value": list.iter().map(|m| graph_message(m, name, staff)).collect::<Vec<_>>(),
                });
                fs_err::write(
                    dir.join(format!("{day}.json")),
                    serde_json::to_string_pretty(&page).unwrap_or_default(),
                )?;
                continue;
            }
            let dir = self.root.join(name);
            fs_err::create_dir_all(&dir)?;
            fs_err::write(
                dir.join(format!("{day}.json")),
                serde_json::to_string_pretty(&list).unwrap_or_default(),
            )?;
        }
        self.direct_messages(day, staff, record)
    }

    /// A day's direct messages: now and then a person writes to a teammate, who answers;
    /// each conversation's posts go to its folder (named by the DM's id).
    fn direct_messages(
        &mut self,
        day: NaiveDate,
        staff: &[SynthPerson],
        record: &mut dyn FnMut(usize, i64, &'static str),
    ) -> std::io::Result<()> {
        let mut conversations: std::collections::BTreeMap<String, Vec<(i64, serde_json::Value)>> =
            Default::default();
        for (name, members) in &self.channels {
            if is_teams(name) || is_mattermost(name) || members.len() < 2 {
                continue;
            }
            for &a in members {
                if !self.rng.chance(0.3) {
                    continue;
                }
                let b = members[self.rng.below(members.len())];
                if b == a {
                    continue;
                }
                let posts = 1 + self.rng.below(3);
                // Seconds ending in 41, two minutes apart.
                let first = (self.rng.below(8 * 60) as i64) * 60 + 41;
                for k in 0..posts {
                    let who = if k % 2 == 0 { a } else { b };
                    let at = local(&staff[who], day, first + 120 * k as i64).timestamp_micros()
                        + 200
                        + who as i64;
                    let (line, transactional) = CHAT_LINES[self.rng.below(CHAT_LINES.len())];
                    let text = line.replace("{n}", &(1000 + self.rng.below(9000)).to_string());
                    record(who, at, crate::truth::mail_process(transactional, false));
                    self.posts += 1;
                    conversations.entry(dm_id(a.min(b), a.max(b))).or_default().push((
                        at,
                        serde_json::json!({
                            "type": "message", "user": slack_user_id(who), "text": text, "ts": ts(at),
                        }),
                    ));
                }
            }
        }
        for (id, mut messages) in conversations {
            messages.sort_by_key(|(t, _)| *t);
            let list: Vec<serde_json::Value> = messages.into_iter().map(|(_, m)| m).collect();
            let dir = self.root.join(id);
            fs_err::create_dir_all(&dir)?;
            fs_err::write(
                dir.join(format!("{day}.json")),
                serde_json::to_string_pretty(&list).unwrap_or_default(),
            )?;
        }
        Ok(())
    }
}

/// The id of the DM between people `a < b` (its folder's name in the export).
fn dm_id(a: usize, b: usize) -> String {
    format!("D{:05}{:05}", a + 1, b + 1)
}

/// Channels of the operations unit are in Mattermost.
fn is_mattermost(channel: &str) -> bool {
    channel.starts_with("operations-")
}

/// A day's Slack messages as Mattermost bulk-export `post` lines: people's posts only (joins
/// and bots are not in such exports), replies nested under their thread's first post.
fn mattermost_posts(messages: &[serde_json::Value], channel: &str) -> Vec<serde_json::Value> {
    use serde_json::json;
    let str_of =
        |m: &serde_json::Value, k: &str| m.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let ms = |ts: &str| -> i64 {
        let (s, f) = ts.split_once('.').unwrap_or((ts, "0"));
        s.parse::<i64>().unwrap_or(0) * 1000 + f.parse::<i64>().unwrap_or(0) / 1000
    };
    let mut roots: Vec<(String, serde_json::Value)> = Vec::new();
    for m in messages {
        if m.get("subtype").is_some() {
            continue;
        }
        let (Some(ts), Some(user), text) = (str_of(m, "ts"), str_of(m, "user"), str_of(m, "text"))
        else {
            continue;
        };
        let post = json!({"user": user.to_ascii_lowercase(), "message": text.unwrap_or_default(), "create_at": ms(&ts)});
        match str_of(m, "thread_ts").and_then(|root| roots.iter_mut().find(|(t, _)| *t == root)) {
            Some((_, root)) => {
                if let Some(r) = root["replies"].as_array_mut() {
                    r.push(post);
                }
            }
            None => {
                let mut p = post;
                p["team"] = json!("northwind");
                p["channel"] = json!(channel);
                p["replies"] = json!([]);
                roots.push((ts, p));
            }
        }
    }
    roots
        .into_iter()
        .map(|(_, p)| json!({"type": "post", "post": p}))
        .collect()
}

/// Channels of the IT unit are Teams channels.
fn is_teams(channel: &str) -> bool {
    channel.starts_with("it-")
}

/// A Slack message as Microsoft Graph writes the same message in a Teams channel.
fn graph_message(m: &serde_json::Value, channel: &str, staff: &[SynthPerson]) -> serde_json::Value {
    use serde_json::json;
    let ts_of = |k: &str| {
        m.get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let us = |t: &str| -> i64 {
        let (s, f) = t.split_once('.').unwrap_or((t, "0"));
        s.parse::<i64>().unwrap_or(0) * 1_000_000 + f.parse::<i64>().unwrap_or(0)
    };
    let when = chrono::DateTime::from_timestamp_micros(us(&ts_of("ts")))
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
        .unwrap_or_default();
    let id = ts_of("ts").replace('.', "");
    let identity = json!({"teamId": "northwind", "channelId": channel});
    match m.get("subtype").and_then(|v| v.as_str()) {
        Some("channel_join") => json!({
            "id": id, "messageType": "systemEventMessage", "createdDateTime": when,
            "from": null, "channelIdentity": identity,
            "body": {"contentType": "html", "content": "<systemEventMessage/>"},
        }),
        Some("bot_message") => json!({
            "id": id, "messageType": "message", "createdDateTime": when,
            "from": {"application": {"id": "standup-bot", "displayName": "Stand-up bot"}},
            "channelIdentity": identity,
            "body": {"contentType": "text", "content": ts_of("text")},
        }),
        _ => {
            let user = ts_of("user");
            let index = user
                .trim_start_matches('U')
                .parse::<usize>()
                .unwrap_or(1)
                .saturating_sub(1);
            let address = staff
                .get(index)
                .map(|p| p.address.as_str())
                .unwrap_or_default();
            let mut msg = json!({
                "id": id, "messageType": "message", "createdDateTime": when,
                "from": {"user": {"id": user, "userPrincipalName": address}},
                "channelIdentity": identity,
                "body": {"contentType": "text", "content": ts_of("text")},
                "attachments": [],
            });
            if let Some(root) = m.get("thread_ts").and_then(|v| v.as_str()) {
                msg["replyToId"] = json!(root.replace('.', ""));
            }
            msg
        }
    }
}

/// A Slack `ts`: seconds and microseconds.
fn ts(us: i64) -> String {
    format!(
        "{}.{:06}",
        us.div_euclid(1_000_000),
        us.rem_euclid(1_000_000)
    )
}

/// Ad-hoc Teams calls in the IT unit (`chat/teams-calls/<day>.json`, Graph `callRecord`s): a
/// few a day between two or three colleagues, 10 to 40 minutes, each recorded in the ground
/// truth for its participants. Returns the number of calls written.
pub(crate) fn teams_calls(
    dir: &std::path::Path,
    day: NaiveDate,
    staff: &[SynthPerson],
    rng: &mut Rng,
    record: &mut dyn FnMut(&[usize], i64, f64),
) -> std::io::Result<usize> {
    use serde_json::json;
    let it: Vec<usize> = (0..staff.len())
        .filter(|&i| staff[i].unit == "it")
        .collect();
    if it.len() < 2 {
        return Ok(0);
    }
    let calls = rng.below(3);
    let mut records = Vec::new();
    for c in 0..calls {
        let mut people = vec![it[rng.below(it.len())]];
        let size = 2 + usize::from(rng.chance(0.3));
        while people.len() < size.min(it.len()) {
            let p = it[rng.below(it.len())];
            if !people.contains(&p) {
                people.push(p);
            }
        }
        // Mid-morning, on the quarter hour plus 17 s, off the mail's and meetings' instants.
        let seconds_after_nine = (60 + 15 * rng.below(12) as i64) * 60 + 17;
        let start = local(&staff[people[0]], day, seconds_after_nine).timestamp_micros();
        let length = (10 + rng.below(31)) as i64 * 60;
        let end = start + length * 1_000_000;
        let when = |us: i64| {
            chrono::DateTime::from_timestamp_micros(us)
                .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default()
        };
        let identity = |p: usize| json!({"user": {"id": format!("U{:08}", p + 1), "userPrincipalName": staff[p].address}});
        let sessions: Vec<serde_json::Value> = people[1..]
            .iter()
            .map(|&p| {
                json!({"caller": {"identity": identity(people[0])}, "callee": {"identity": identity(p)},
                       "startDateTime": when(start), "endDateTime": when(end), "modalities": ["audio"]})
            })
            .collect();
        records.push(json!({
            "id": format!("{day}-call-{c}"),
            "type": if people.len() == 2 { "peerToPeer" } else { "groupCall" },
            "modalities": ["audio"],
            "startDateTime": when(start), "endDateTime": when(end),
            "organizer": identity(people[0]),
            "participants": people.iter().map(|&p| identity(p)).collect::<Vec<_>>(),
            "sessions": sessions,
        }));
        record(&people, start, length as f64);
    }
    if records.is_empty() {
        return Ok(0);
    }
    fs_err::create_dir_all(dir)?;
    let page = json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#communications/callRecords",
        "value": records,
    });
    fs_err::write(
        dir.join(format!("{day}.json")),
        serde_json::to_string_pretty(&page).unwrap_or_default(),
    )?;
    Ok(calls)
}
