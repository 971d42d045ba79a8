//! A small synthetic organisation written in real export formats: one maildir per mailbox
//! (with `.Sent`, seen flags, threads, attachments, links, newsletters) and one `.ics`
//! calendar per person (recurring series with moved and excluded instances, 1:1s, an
//! all-hands, declined and cancelled meetings, rooms, personal blocks), in two time zones.
//!
//! Deterministic for a given seed. It feeds the README's main command (`sample-data/`);
//! the full organisation with ground truth grows from here.

mod ics;
mod rng;
mod truth;
mod viva;
mod work;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use crate::rng::Rng;

/// Errors while writing the organisation.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Invalid(String),
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct SynthOptions {
    pub people: usize,
    pub weeks: u32,
    pub seed: u64,
    /// The first day; moved back to its Monday.
    pub start: NaiveDate,
    /// How mailboxes are written.
    pub mail_format: MailFormat,
    /// Changes to the organisation's behaviour (a follow-up period after a change).
    pub behaviour: Behaviour,
    /// What the change is, for the output's README.
    pub scenario: Option<String>,
    /// Also write the organisation as Viva Insights exports it (`viva/`).
    pub viva: bool,
}

/// A change in behaviour, for a follow-up with a known effect: each figure is the share of
/// a habit that remains (1 = as in the baseline, 0.5 = halved, 0 = gone). Read from the
/// `[behaviour]` table of a scenario TOML file (`wecon synth --scenario FILE`).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Behaviour {
    /// Large (9+ people) project meetings still held.
    pub large_meetings: f64,
    /// Replies that still go to everybody on the message.
    pub reply_all: f64,
    /// Attachments still sent as files (the others become links to a shared document).
    pub attachments: f64,
    /// New messages that still copy someone in.
    pub cc: f64,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            large_meetings: 1.0,
            reply_all: 1.0,
            attachments: 1.0,
            cc: 1.0,
        }
    }
}

/// A scenario file: a description and a `[behaviour]` table.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub description: Option<String>,
    #[serde(default)]
    pub behaviour: Behaviour,
}

impl Scenario {
    /// Parses and checks a scenario (every share between 0 and 1).
    pub fn parse(text: &str) -> Result<Self, SynthError> {
        let s: Scenario =
            toml::from_str(text).map_err(|e| SynthError::Invalid(format!("scenario: {e}")))?;
        let b = &s.behaviour;
        for (name, v) in [
            ("large_meetings", b.large_meetings),
            ("reply_all", b.reply_all),
            ("attachments", b.attachments),
            ("cc", b.cc),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(SynthError::Invalid(format!(
                    "scenario: behaviour.{name} is {v}; a share between 0 and 1 is needed"
                )));
            }
        }
        Ok(s)
    }
}

/// How the synthetic mailboxes are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MailFormat {
    /// One maildir per mailbox (`cur/`, `new/`, `.Sent/`): a file per message.
    #[default]
    Maildir,
    /// One mbox per mailbox, as Google Takeout writes it: sent mail labelled
    /// `X-Gmail-Labels: Sent`, the read flag in `Status:`. For large organisations: a
    /// thousand people for a year are a million files as maildirs.
    Mbox,
}

impl Default for SynthOptions {
    fn default() -> Self {
        Self {
            people: 20,
            weeks: 3,
            seed: 42,
            mail_format: MailFormat::Maildir,
            behaviour: Behaviour::default(),
            scenario: None,
            viva: false,
            start: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default(),
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SynthSummary {
    pub people: usize,
    /// Messages sent (each is one file in the sender's `.Sent` and one per recipient).
    pub messages: usize,
    /// Message files written across all mailboxes.
    pub message_files: usize,
    /// Meetings (series count once) written across all calendars.
    pub meetings: usize,
    /// People's posts in the Slack export.
    pub chat_posts: usize,
    /// Ad-hoc Teams calls (IT unit).
    pub calls: usize,
    /// Records of the document audit log (views, edits, uploads, copies, shares, searches).
    pub document_events: usize,
    /// Steps of the transaction logs.
    pub transaction_steps: usize,
}

pub const DOMAIN: &str = "northwind.example";
/// People per team: each team has a manager, a weekly team meeting and 1:1s.
pub const TEAM_SIZE: usize = 8;
/// The folder of the ground truth in a synth output (`truth.csv`, `truth.parquet`).
pub const TRUTH_DIR: &str = "truth";
const UNITS: &[(&str, &str)] = &[
    ("finance", "Europe/Berlin"),
    ("sales", "America/New_York"),
    ("it", "Europe/Berlin"),
    ("operations", "America/New_York"),
];
const FIRST: &[&str] = &[
    "ada", "ben", "chloe", "dev", "emma", "farid", "grace", "hugo", "ines", "jonas", "kemal",
    "lena", "mona", "nils", "olga", "pavel", "quinn", "rosa", "sami", "tara",
];
const LAST: &[&str] = &[
    "lind", "okafor", "meyer", "silva", "novak", "haddad", "berg", "ito",
];

/// One simulated person.
#[derive(Debug, Clone)]
pub struct SynthPerson {
    pub address: String,
    pub unit: &'static str,
    pub tz: Tz,
    /// The team within the unit; each team of up to [`TEAM_SIZE`] has one manager.
    pub team: usize,
    pub manager: Option<usize>,
}

fn people(n: usize) -> Vec<SynthPerson> {
    let mut out: Vec<SynthPerson> = Vec::with_capacity(n);
    let mut first_of_team: BTreeMap<(&str, usize), usize> = BTreeMap::new();
    for i in 0..n {
        let (unit, tz) = UNITS[i % UNITS.len()];
        let address = format!(
            "{}.{}{}@{DOMAIN}",
            FIRST[i % FIRST.len()],
            LAST[(i / FIRST.len() + i) % LAST.len()],
            if i >= FIRST.len() {
                (i / FIRST.len()).to_string()
            } else {
                String::new()
            }
        );
        let team = (i / UNITS.len()) / TEAM_SIZE;
        let manager = first_of_team.get(&(unit, team)).copied();
        first_of_team.entry((unit, team)).or_insert(i);
        out.push(SynthPerson {
            address,
            unit,
            team,
            tz: tz.parse().unwrap_or(chrono_tz::UTC),
            manager,
        });
    }
    out
}

/// Subjects, and whether the simulated mail is a transaction (an approval, order, invoice).
const SUBJECTS: &[(&str, bool)] = &[
    ("Quarterly budget", false),
    ("Customer visit next week", false),
    ("Project status", false),
    ("Invoice {n} approval", true),
    ("Purchase order {n}", true),
    ("Slides for the board", false),
    ("Hiring plan", false),
    ("Travel expenses {n}", true),
    ("Contract draft", true),
    ("Lunch on Friday?", false),
];

fn local(p: &SynthPerson, day: NaiveDate, seconds_after_nine: i64) -> chrono::DateTime<Tz> {
    let naive = day.and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default())
        + Duration::seconds(seconds_after_nine);
    p.tz.from_local_datetime(&naive)
        .earliest()
        .unwrap_or_else(|| p.tz.from_utc_datetime(&naive))
}

struct Mailboxes {
    root: PathBuf,
    counter: u64,
    files: usize,
    format: MailFormat,
    /// mbox: each mailbox's messages not yet appended to its file.
    pending: BTreeMap<String, String>,
}

impl Mailboxes {
    fn deliver(
        &mut self,
        owner: &str,
        folder: &str,
        seen: bool,
        raw: &str,
    ) -> Result<(), SynthError> {
        if self.format == MailFormat::Mbox {
            self.counter += 1;
            let buf = self.pending.entry(owner.to_string()).or_default();
            buf.push_str("From synth@northwind.example Mon Jan  1 00:00:00 2001\n");
            if folder == ".Sent" {
                buf.push_str("X-Gmail-Labels: Sent\n");
            }
            buf.push_str(if seen { "Status: RO\n" } else { "Status: O\n" });
            for line in raw.replace("\r\n", "\n").lines() {
                // mboxrd: a `From ` line, quoted or not, gets one more `>`.
                if line.trim_start_matches('>').starts_with("From ") {
                    buf.push('>');
                }
                buf.push_str(line);
                buf.push('\n');
            }
            buf.push('\n');
            return Ok(());
        }
        self.counter += 1;
        let base = self.root.join(owner);
        let (dir, name) = if seen {
            (
                base.join(folder).join("cur"),
                format!(
                    "{}.synth.{}:2,S",
                    1_700_000_000 + self.counter,
                    self.counter
                ),
            )
        } else {
            (
                base.join(folder).join("new"),
                format!("{}.synth.{}", 1_700_000_000 + self.counter, self.counter),
            )
        };
        fs_err::create_dir_all(&dir)?;
        for sub in ["cur", "new", "tmp"] {
            fs_err::create_dir_all(base.join(folder).join(sub))?;
        }
        fs_err::write(dir.join(name), raw)?;
        self.files += 1;
        Ok(())
    }

    /// mbox: appends what was delivered since the last flush to each mailbox's file.
    fn flush(&mut self) -> Result<(), SynthError> {
        use std::io::Write as _;
        if self.pending.is_empty() {
            return Ok(());
        }
        fs_err::create_dir_all(&self.root)?;
        for (owner, text) in std::mem::take(&mut self.pending) {
            let path = self.root.join(format!("{owner}.mbox"));
            let new = !path.exists();
            let mut f = fs_err::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)?;
            f.write_all(text.as_bytes())?;
            if new {
                self.files += 1;
            }
        }
        Ok(())
    }
}

/// Writes the organisation's exports under `out` (`mail/`, `calendar/`, `README.md`).
pub fn write_organisation(out: &Path, opts: &SynthOptions) -> Result<SynthSummary, SynthError> {
    if opts.people < 2 || opts.weeks == 0 {
        return Err(SynthError::Invalid(
            "an organisation needs at least 2 people and 1 week".into(),
        ));
    }
    let start = opts.start - Duration::days(opts.start.weekday().num_days_from_monday() as i64);
    let staff = people(opts.people);
    let b = &opts.behaviour;
    let mut rng = Rng::new(opts.seed);
    for sub in [
        "mail",
        "calendar",
        "chat",
        "documents",
        "transactions",
        "viva",
        TRUTH_DIR,
    ] {
        let d = out.join(sub);
        if d.exists() {
            fs_err::remove_dir_all(&d)?;
        }
    }
    let mut boxes = Mailboxes {
        root: out.join("mail"),
        counter: 0,
        files: 0,
        format: opts.mail_format,
        pending: BTreeMap::new(),
    };
    let mut summary = SynthSummary {
        people: staff.len(),
        ..Default::default()
    };

    let mut slack = work::SlackExport::new(&out.join("chat/slack"), &staff, opts.seed)?;
    let mut call_rng = Rng::new(opts.seed ^ 0xCA11_CA11);

    // Mail: each person sends a few messages each working day (managers more: 4 to 10, staff
    // 2 to 8).
    // The last message each person received, which they may answer.
    let mut last_received: Vec<Option<Received>> = vec![None; staff.len()];
    let mut truth = truth::Ledger::new(staff.len());
    for week in 0..opts.weeks {
        for weekday in 0..5 {
            let day = start + Duration::days(7 * week as i64 + weekday);
            for (s, sender) in staff.iter().enumerate() {
                // Role profiles: managers write more mail than their staff.
                let base = if sender.manager.is_none() { 4 } else { 2 };
                let n = base + rng.below(7);
                let mut minute = rng.below(60) as i64;
                for _ in 0..n {
                    minute += 20 + rng.below(90) as i64;
                    // Now and then a message in the evening, outside working hours.
                    let seconds = if rng.chance(0.05) {
                        (10 * 60 + rng.below(120) as i64) * 60
                    } else if minute < 8 * 60 {
                        minute * 60
                    } else {
                        // The working day is over.
                        break;
                    };
                    let at = local(sender, day, seconds + rng.below(60) as i64);
                    // A reply answers a message that arrived before it.
                    let reply = if rng.chance(0.3) {
                        last_received[s]
                            .clone()
                            .filter(|r| r.at_us < at.timestamp_micros())
                    } else {
                        None
                    };
                    let (mut to, mut cc) = (Vec::new(), Vec::new());
                    let (subject, transactional) = match &reply {
                        Some(r) => {
                            to.push(r.from);
                            // Reply-all now and then: everybody else on the message in Cc.
                            if rng.chance(0.3 * b.reply_all) {
                                cc.extend(
                                    r.others.iter().copied().filter(|&o| o != s && o != r.from),
                                );
                            }
                            (format!("Re: {}", r.subject), r.transactional)
                        }
                        None => {
                            to.push(pick_other(&mut rng, s, staff.len()));
                            if rng.chance(0.3) {
                                let extra = pick_other(&mut rng, s, staff.len());
                                if !to.contains(&extra) {
                                    to.push(extra);
                                }
                            }
                            if rng.chance(0.25 * b.cc) {
                                let c = pick_other(&mut rng, s, staff.len());
                                if !to.contains(&c) {
                                    cc.push(c);
                                }
                            }
                            let (template, t) = SUBJECTS[rng.below(SUBJECTS.len())];
                            (
                                template.replace("{n}", &(1000 + rng.below(9000)).to_string()),
                                t,
                            )
                        }
                    };
                    let bcc = if rng.chance(0.05) {
                        let b = pick_other(&mut rng, s, staff.len());
                        (!to.contains(&b) && !cc.contains(&b)).then_some(b)
                    } else {
                        None
                    };
                    summary.messages += 1;
                    let id = format!("<{}.{}@{DOMAIN}>", summary.messages, opts.seed);
                    // Attachments no longer sent become links to a shared document.
                    let attachment = rng.chance(0.15 * b.attachments);
                    let link = rng.chance(0.1 + 0.15 * (1.0 - b.attachments));
                    let process = truth::mail_process(transactional, attachment || link);
                    let spec = MessageSpec {
                        id: &id,
                        reply_to: reply.as_ref().map(|r| r.id.as_str()),
                        root: reply.as_ref().map(|r| r.root.as_str()),
                        date: at,
                        from: &sender.address,
                        to: to.iter().map(|&i| staff[i].address.as_str()).collect(),
                        cc: cc.iter().map(|&i| staff[i].address.as_str()).collect(),
                        bcc: bcc.iter().map(|&i| staff[i].address.as_str()).collect(),
                        delivered_to: None,
                        subject: &subject,
                        attachment,
                        link,
                        list: None,
                    };
                    // Only the sender's copy shows Bcc; the Bcc'd copy carries Delivered-To.
                    boxes.deliver(&sender.address, ".Sent", true, &message(&spec))?;
                    let received = message(&MessageSpec {
                        bcc: Vec::new(),
                        ..spec.clone()
                    });
                    let t = at.timestamp_micros();
                    let attached = if attachment {
                        truth::flag::ATTACHMENT
                    } else {
                        0
                    };
                    truth.mail(
                        s,
                        t,
                        truth::SENT_SECONDS,
                        process,
                        truth::flag::SENT | attached,
                    );
                    // A reply read by 4 or more people: the reply-all lever.
                    let reply_all = if reply.is_some() && 1 + to.len() + cc.len() >= 4 {
                        truth::flag::REPLY_ALL
                    } else {
                        0
                    };
                    let everyone: Vec<usize> = std::iter::once(s)
                        .chain(to.iter().copied())
                        .chain(cc.iter().copied())
                        .collect();
                    for (&r, on_to_or_cc) in to
                        .iter()
                        .chain(&cc)
                        .map(|r| (r, true))
                        .chain(bcc.iter().map(|r| (r, false)))
                    {
                        let seen = rng.chance(0.8);
                        let raw = if on_to_or_cc {
                            received.clone()
                        } else {
                            message(&MessageSpec {
                                bcc: Vec::new(),
                                delivered_to: Some(&staff[r].address),
                                ..spec.clone()
                            })
                        };
                        boxes.deliver(&staff[r].address, "", seen, &raw)?;
                        // Mail read on To or Cc counts; a Bcc copy does not (METRICS.md §2).
                        if seen && on_to_or_cc {
                            let cc_only = if cc.contains(&r) {
                                truth::flag::CC_ONLY
                            } else {
                                0
                            };
                            let flags = attached | reply_all | cc_only;
                            truth.mail(r, t, truth::READ_SECONDS, process, flags);
                        }
                        last_received[r] = Some(Received {
                            id: id.clone(),
                            root: reply
                                .as_ref()
                                .map_or_else(|| id.clone(), |r| r.root.clone()),
                            at_us: t,
                            subject: subject.trim_start_matches("Re: ").to_string(),
                            transactional,
                            from: s,
                            others: everyone.iter().copied().filter(|&o| o != r).collect(),
                        });
                    }
                }
            }
        }
        // Chat: each team's channel, a day at a time.
        for weekday in 0..5 {
            let day = start + Duration::days(7 * week as i64 + weekday);
            let first = week == 0 && weekday == 0;
            slack.day(day, first, &staff, &mut |p, t, process| {
                truth.mail(
                    p,
                    t,
                    truth::CHAT_SECONDS,
                    process,
                    truth::flag::SENT | truth::flag::CHAT,
                )
            })?;
            summary.calls += work::teams_calls(
                &out.join("chat/teams-calls"),
                day,
                &staff,
                &mut call_rng,
                &mut |people, t, seconds| truth.call(people, t, seconds),
            )?;
        }
        // A weekly newsletter from outside to everybody.
        summary.messages += 1;
        let day = start + Duration::days(7 * week as i64 + 1);
        let at = Utc
            .from_utc_datetime(&day.and_hms_opt(6, 30, 0).unwrap_or_default())
            .with_timezone(&chrono_tz::UTC);
        let id = format!("<digest.{week}.{}@vendor.example>", opts.seed);
        let all: Vec<&str> = staff.iter().map(|p| p.address.as_str()).collect();
        let raw = message(&MessageSpec {
            id: &id,
            reply_to: None,
            root: None,
            date: at,
            from: "digest@vendor.example",
            to: all.clone(),
            cc: vec![],
            bcc: vec![],
            delivered_to: None,
            subject: "Weekly industry digest",
            attachment: false,
            link: false,
            list: Some("<digest.vendor.example>"),
        });
        for (i, p) in all.iter().enumerate() {
            let seen = rng.chance(0.5);
            boxes.deliver(p, "", seen, &raw)?;
            if seen {
                truth.mail(
                    i,
                    at.timestamp_micros(),
                    truth::READ_SECONDS,
                    "communicate",
                    truth::flag::BULK,
                );
            }
        }
        // A week's mail is all recorded: settle it, so memory stays bounded.
        truth.settle();
        boxes.flush()?;
    }
    summary.message_files = boxes.files;
    summary.chat_posts = slack.posts;

    // Calendars.
    let meetings = ics::plan_meetings(&staff, start, opts.weeks, b, &mut rng);
    summary.meetings = meetings.len();
    let cal_dir = out.join("calendar");
    fs_err::create_dir_all(&cal_dir)?;
    for (i, p) in staff.iter().enumerate() {
        let text = ics::calendar_for(i, &staff, &meetings);
        fs_err::write(cal_dir.join(format!("{}.ics", p.address)), text)?;
    }
    for m in &meetings {
        truth.meeting(m, opts.weeks);
    }
    // Documents, searches and transactions.
    fs_err::create_dir_all(out.join("documents"))?;
    summary.document_events = work::audit_log(
        &out.join("documents/audit.csv"),
        &staff,
        start,
        opts.weeks,
        opts.seed,
        &mut |p, t, lever| truth.event(p, t, lever),
    )?;
    fs_err::create_dir_all(out.join("transactions"))?;
    let logs = work::transaction_logs(&staff, start, opts.weeks, opts.seed, &mut |p, t| {
        truth.event(p, t, "transaction_handoffs")
    });
    for (name, text, steps) in logs {
        summary.transaction_steps += steps;
        fs_err::write(out.join("transactions").join(name), text)?;
    }
    let rows = roster(&staff, opts.seed);
    fs_err::write(out.join("roster.csv"), roster_csv(&staff, &rows))?;
    let patterns: Vec<WorkPattern> = rows.iter().map(|r| r.work.clone()).collect();
    let channels = truth.write(&out.join(TRUTH_DIR), &staff, &patterns)?;
    if opts.viva {
        let dir = out.join("viva");
        fs_err::create_dir_all(&dir)?;
        fs_err::write(
            dir.join("meeting-query.csv"),
            viva::meeting_query(&staff, &rows, &meetings, opts.weeks),
        )?;
        fs_err::write(
            dir.join("person-query.csv"),
            viva::person_query(&staff, &rows, &channels),
        )?;
    }

    let mut readme = String::new();
    let _ = writeln!(
        readme,
        "# Sample organisation (synthetic)\n\nWritten by `wecon synth --out {} --people {} --weeks {} --seed {} --start {}`; do not edit by hand.\n\n\
         - `mail/<address>/`: one maildir per mailbox (`cur/`, `new/` for unseen mail, `.Sent/`).\n\
         - `calendar/<address>.ics`: one iCalendar export per person.\n\
         - `chat/slack/`: the Slack workspace export (one channel per team, direct messages between teammates; joins and a bot's reminders included).\n\
         - `chat/teams/`: the IT unit's Teams channel messages as Microsoft Graph returns them, a page per day.\n\
         - `chat/mattermost/export.jsonl`: the operations unit's Mattermost bulk export.\n\
         - `chat/teams-calls/<day>.json`: the IT unit's ad-hoc Teams calls as Graph call records.\n\
         - `documents/google-drive-activities.ndjson`: the sales unit's Google Drive activity (Reports API).\n\
         - `documents/audit.csv`: SharePoint document and search activity as the Microsoft 365 audit log (portal CSV export).\n\
         - `documents/operations-file-activity.csv`: the operations unit's file server activity as a plain CSV (timestamp, user, action, file).\n\
         - `transactions/<unit>.csv`: each unit's transaction log (case, type, step, person, time); operations' as OCEL 2.0 JSON (`operations.jsonocel`); purchase orders are handled in every unit.\n\
         - `roster.csv`: the HR roster (unit, level, manager, FTE, hourly cost, time zone, working hours).\n\
         - `truth/truth.csv`, `truth/truth.parquet`: the ground truth, hours per person, week and process.\n\n\
         {} people in {} units, {} messages sent ({} message files), {} meetings and series, \
         {} chat posts, {} calls, {} document events, {} transaction steps. Every name and address is invented (`{DOMAIN}`).",
        out.display(),
        opts.people,
        opts.weeks,
        opts.seed,
        start,
        summary.people,
        UNITS.len().min(opts.people),
        summary.messages,
        summary.message_files,
        summary.meetings,
        summary.chat_posts,
        summary.calls,
        summary.document_events,
        summary.transaction_steps
    );
    if opts.behaviour != Behaviour::default() {
        let _ = writeln!(
            readme,
            "\n\nScenario{}: {:?}.",
            opts.scenario
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default(),
            opts.behaviour
        );
    }
    fs_err::write(out.join("README.md"), readme)?;
    Ok(summary)
}

/// A person's working days and hours, as the roster gives them (in their own zone).
#[derive(Debug, Clone)]
pub(crate) struct WorkPattern {
    /// Minutes after midnight.
    pub start_minute: i64,
    pub end_minute: i64,
    /// ISO weekdays, Monday = 1.
    pub days: Vec<u32>,
}

/// One roster line.
struct RosterRow {
    level: &'static str,
    part_time: bool,
    cost: f64,
    work: WorkPattern,
}

/// The HR roster's facts: level, FTE, hourly cost and working pattern.
fn roster(staff: &[SynthPerson], seed: u64) -> Vec<RosterRow> {
    // A stream of its own, so the roster does not shift the simulated behaviour.
    let mut rng = Rng::new(seed ^ 0x726f_7374_6572);
    let mut out = Vec::with_capacity(staff.len());
    for (i, p) in staff.iter().enumerate() {
        let head = !staff[..i].iter().any(|o| o.unit == p.unit);
        let level = if head {
            "head"
        } else if p.manager.is_none() {
            "manager"
        } else {
            "staff"
        };
        let part_time = level == "staff" && rng.chance(0.2);
        let base = match level {
            "head" => 95.0,
            "manager" => 75.0,
            _ => 55.0,
        };
        let cost = base + rng.below(11) as f64;
        let start_hour = if rng.chance(0.3) { 8 } else { 9 };
        out.push(RosterRow {
            level,
            part_time,
            cost,
            work: WorkPattern {
                start_minute: start_hour * 60,
                end_minute: (start_hour + 8) * 60,
                days: if part_time {
                    vec![1, 2, 3, 4]
                } else {
                    vec![1, 2, 3, 4, 5]
                },
            },
        });
    }
    out
}

/// The HR roster as CSV: unit, level, manager, FTE, hourly cost, time zone, working pattern.
fn roster_csv(staff: &[SynthPerson], rows: &[RosterRow]) -> String {
    let mut csv = String::from(
        "email,unit,level,function,manager,fte,hourly_cost,tz,work_start,work_end,work_days\n",
    );
    let hhmm = |m: i64| format!("{:02}:{:02}", m / 60, m % 60);
    for (p, r) in staff.iter().zip(rows) {
        let days: Vec<String> = r.work.days.iter().map(u32::to_string).collect();
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{:.0},{},{},{},\"{}\"",
            p.address,
            p.unit,
            r.level,
            p.unit,
            p.manager.map(|m| staff[m].address.as_str()).unwrap_or(""),
            if r.part_time { "0.8" } else { "1.0" },
            r.cost,
            p.tz.name(),
            hhmm(r.work.start_minute),
            hhmm(r.work.end_minute),
            days.join(","),
        );
    }
    csv
}

fn pick_other(rng: &mut Rng, me: usize, n: usize) -> usize {
    let k = rng.below(n - 1);
    if k >= me { k + 1 } else { k }
}

/// A message a person received, as far as a reply needs it.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    /// The thread's first message.
    root: String,
    /// When it was sent, µs UTC.
    at_us: i64,
    subject: String,
    transactional: bool,
    from: usize,
    /// Everybody else on the message, for a reply-all.
    others: Vec<usize>,
}

#[derive(Debug, Clone)]
struct MessageSpec<'a> {
    id: &'a str,
    reply_to: Option<&'a str>,
    /// The thread's first message, first in References.
    root: Option<&'a str>,
    date: chrono::DateTime<Tz>,
    from: &'a str,
    to: Vec<&'a str>,
    cc: Vec<&'a str>,
    bcc: Vec<&'a str>,
    delivered_to: Option<&'a str>,
    subject: &'a str,
    attachment: bool,
    link: bool,
    list: Option<&'a str>,
}

fn message(m: &MessageSpec<'_>) -> String {
    let mut s = String::new();
    if let Some(d) = m.delivered_to {
        let _ = write!(s, "Delivered-To: {d}\r\n");
    }
    let _ = write!(s, "Message-ID: {}\r\n", m.id);
    if let Some(r) = m.reply_to {
        let _ = write!(s, "In-Reply-To: {r}\r\nReferences: ");
        match m.root.filter(|&root| root != r) {
            Some(root) => {
                let _ = write!(s, "{root} {r}\r\n");
            }
            None => {
                let _ = write!(s, "{r}\r\n");
            }
        }
    }
    let _ = write!(s, "Date: {}\r\n", m.date.format("%a, %d %b %Y %H:%M:%S %z"));
    let _ = write!(s, "From: {}\r\nTo: {}\r\n", m.from, m.to.join(", "));
    if !m.cc.is_empty() {
        let _ = write!(s, "Cc: {}\r\n", m.cc.join(", "));
    }
    if !m.bcc.is_empty() {
        let _ = write!(s, "Bcc: {}\r\n", m.bcc.join(", "));
    }
    if let Some(l) = m.list {
        let _ = write!(s, "List-Id: {l}\r\nPrecedence: bulk\r\n");
    }
    let _ = write!(s, "Subject: {}\r\nMIME-Version: 1.0\r\n", m.subject);
    let body = if m.link {
        format!(
            "The latest version is at https://{}.sharepoint.com/sites/team/doc{}.docx\r\n",
            "northwind",
            m.id.len()
        )
    } else {
        "Please see below and let me know what you think.\r\n".to_string()
    };
    if m.attachment {
        let _ = write!(
            s,
            "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n--b1\r\n\
             Content-Type: application/pdf; name=\"figures.pdf\"\r\nContent-Disposition: attachment; filename=\"figures.pdf\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoK\r\n--b1--\r\n"
        );
    } else {
        let _ = write!(s, "Content-Type: text/plain; charset=utf-8\r\n\r\n{body}");
    }
    s
}

/// A local wall-clock time on a day (the zone is the meeting's, written as its TZID).
pub(crate) fn at_local(day: NaiveDate, h: u32, m: u32) -> NaiveDateTime {
    day.and_hms_opt(h, m, 0).unwrap_or_default()
}

pub(crate) fn weekday_in_week(start: NaiveDate, week: u32, wd: Weekday) -> NaiveDate {
    start + Duration::days(7 * week as i64 + wd.num_days_from_monday() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_for_a_seed() {
        let a = tempfile_dir("a");
        let b = tempfile_dir("b");
        let opts = SynthOptions {
            people: 6,
            weeks: 2,
            ..Default::default()
        };
        let sa = write_organisation(&a, &opts).unwrap();
        let sb = write_organisation(&b, &opts).unwrap();
        assert_eq!(sa, sb);
        let read = |d: &Path, f: &str| std::fs::read_to_string(d.join("calendar").join(f)).unwrap();
        let first = format!("{}.ics", people(6)[0].address);
        assert_eq!(read(&a, &first), read(&b, &first));
        assert!(sa.messages > 6 * 10);
        std::fs::remove_dir_all(&a).unwrap();
        std::fs::remove_dir_all(&b).unwrap();
    }

    fn tempfile_dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("wecon-synth-test-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }
}
