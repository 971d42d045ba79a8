//! Ground truth: the hours each simulated person spent per week and process, computed from
//! the simulation itself (what was sent, read and attended), not by running wecon's code,
//! under the rules METRICS.md sets for the default profile:
//!
//! - a sent mail takes 5 minutes, a received mail on To or Cc that was read 2.5 minutes
//!   (unread mail none), a chat post 30 seconds, each cut short when the person's next
//!   counted mail or post starts earlier (at the same instant, the shorter comes first);
//! - a meeting takes its scheduled time when the person organised or accepted it, it is not
//!   cancelled and at least one other person attends (rooms are not people);
//! - processes: a transaction mail or post is `transact`, other mail or posts with an
//!   attachment or a link `share`, the rest `communicate`; a meeting of two people `consult`, of more `meet`;
//! - a call (Teams call record) takes its length, join to leave, for each participant:
//!   `consult` between two people, `meet` for more; but a call more than half within one of
//!   the person's counted meetings is the meeting's own, and takes no time of its own;
//! - the week is the ISO week (Monday, UTC) the activity starts in.
//!
//! It also records what each surplus lever of METRICS.md §6 should find (`levers.csv`): per
//! person, week and lever, the measured hours the lever applies to (`base_hours`, before the
//! profile's fraction) and the number of activities it applies to (`events`):
//!
//! - `conflicting_meetings`: the part of each counted meeting that overlaps an earlier one
//!   of the same person; `large_meetings`: meetings of 9 or more people not organised;
//!   `long_recurring_meetings`: occurrences of a series longer than an hour;
//!   `short_notice_meetings`: occurrences less than 24 h after the invitation was sent;
//! - `multitasked_meetings`: the counted time of the mail sent and chat posted while a
//!   meeting or call ran (up to its end, at most its length);
//! - `cc_only_mail`, `bulk_mail`, `reply_all_mail` (a reply read, with 4 or more people on
//!   it), `attachments` (mail with an attachment sent or read): their counted time;
//! - `fragmented_time`: free time in blocks under an hour within the roster's working hours,
//!   on the working days of every week the person was busy at all (in their own zone, each
//!   activity clipped to the working window of the day it starts on);
//! - `refinding_documents`: views of a document the person viewed in the 28 days before
//!   (but for those the person's next event on the document, an edit or an upload within the
//!   hour, shows they opened it to work on), `duplicate_documents`: copies of a document, and `transaction_handoffs`: case steps taken by another person than the step before
//!   (events only: the built-in profiles give documents and transactions no time).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Offset, TimeZone};
use datafusion::arrow::array::{ArrayRef, Float64Array, RecordBatch, StringArray, UInt64Array};
use datafusion::arrow::datatypes::{Field, Schema};

use crate::ics::Meeting;
use crate::{SynthError, SynthPerson, WorkPattern};

pub(crate) const SENT_SECONDS: f64 = 300.0;
pub(crate) const READ_SECONDS: f64 = 150.0;
pub(crate) const CHAT_SECONDS: f64 = 30.0;

/// What a counted message is, as far as the surplus levers ask.
pub(crate) mod flag {
    /// Sent by the person (a mail sent or a chat post).
    pub const SENT: u8 = 1;
    /// Received on Cc only.
    pub const CC_ONLY: u8 = 2;
    /// Automated or bulk mail.
    pub const BULK: u8 = 4;
    /// A reply, received, with 4 or more people on it.
    pub const REPLY_ALL: u8 = 8;
    /// Mail with an attachment.
    pub const ATTACHMENT: u8 = 16;
    /// A chat post, not a mail.
    pub const CHAT: u8 = 32;
}

/// Hours per person, week and channel (`email`, `chat`, `meeting`, `call`, and
/// `call_in_meeting` for a counted meeting's own call), as the generator's Viva person query
/// reports them.
pub(crate) type ChannelSeconds = BTreeMap<(usize, NaiveDate, &'static str), f64>;

const MAIL_LEVERS: [(u8, &str); 4] = [
    (flag::CC_ONLY, "cc_only_mail"),
    (flag::BULK, "bulk_mail"),
    (flag::REPLY_ALL, "reply_all_mail"),
    (flag::ATTACHMENT, "attachments"),
];

/// The process of a simulated mail.
pub(crate) fn mail_process(transactional: bool, attachment_or_link: bool) -> &'static str {
    if transactional {
        "transact"
    } else if attachment_or_link {
        "share"
    } else {
        "communicate"
    }
}

#[derive(Debug, Clone, Copy)]
struct Message {
    start_us: i64,
    nominal: f64,
    process: &'static str,
    flags: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Message {
        sent: bool,
    },
    Meeting,
    /// A call, and the process its time belongs to.
    Call {
        process: &'static str,
    },
}

/// A span of a person's counted time, µs UTC.
#[derive(Debug, Clone, Copy)]
struct Busy {
    start_us: i64,
    end_us: i64,
    kind: Kind,
}

/// Everything the simulation did that takes time.
pub(crate) struct Ledger {
    /// Per person: counted mail and chat not yet settled.
    mail: Vec<Vec<Message>>,
    /// (person, week, process) → seconds.
    seconds: BTreeMap<(usize, NaiveDate, &'static str), f64>,
    /// (person, week, lever) → (seconds, events).
    levers: BTreeMap<(usize, NaiveDate, &'static str), (f64, u64)>,
    /// Per person: every span of counted time (for overlaps, multitasking and focus).
    busy: Vec<Vec<Busy>>,
    channels: ChannelSeconds,
}

fn week_of(us: i64) -> NaiveDate {
    let d = DateTime::from_timestamp_micros(us)
        .unwrap_or_default()
        .date_naive();
    d - Duration::days(d.weekday().num_days_from_monday() as i64)
}

const DAY_US: i64 = 86_400_000_000;

impl Ledger {
    pub(crate) fn new(people: usize) -> Self {
        Self {
            mail: vec![Vec::new(); people],
            seconds: BTreeMap::new(),
            levers: BTreeMap::new(),
            busy: vec![Vec::new(); people],
            channels: BTreeMap::new(),
        }
    }

    /// Records a counted mail or chat post; `flags` from [`flag`].
    pub(crate) fn mail(
        &mut self,
        person: usize,
        start_us: i64,
        seconds: f64,
        process: &'static str,
        flags: u8,
    ) {
        self.mail[person].push(Message {
            start_us,
            nominal: seconds,
            process,
            flags,
        });
    }

    fn lever(&mut self, person: usize, week: NaiveDate, lever: &'static str, seconds: f64) {
        let e = self.levers.entry((person, week, lever)).or_default();
        e.0 += seconds;
        e.1 += 1;
    }

    /// Records an event a lever applies to that takes no time under the built-in profiles
    /// (a document re-found or copied, a transaction handed off).
    pub(crate) fn event(&mut self, person: usize, start_us: i64, lever: &'static str) {
        self.lever(person, week_of(start_us), lever, 0.0);
    }

    /// Books a message's counted time: its process, its levers, its span.
    fn count(&mut self, person: usize, m: Message, counted: f64) {
        let week = week_of(m.start_us);
        *self.seconds.entry((person, week, m.process)).or_default() += counted;
        let channel = if m.flags & flag::CHAT != 0 {
            "chat"
        } else {
            "email"
        };
        *self.channels.entry((person, week, channel)).or_default() += counted;
        if counted <= 0.0 {
            return;
        }
        for (f, lever) in MAIL_LEVERS {
            if m.flags & f != 0 {
                self.lever(person, week, lever, counted);
            }
        }
        self.busy[person].push(Busy {
            start_us: m.start_us,
            end_us: m.start_us + (counted * 1e6) as i64,
            kind: Kind::Message {
                sent: m.flags & flag::SENT != 0,
            },
        });
    }

    /// Settles the cut-short rule for all mail but each person's latest, so the ledger holds
    /// a week of mail at most however long the simulation runs. Call it once everything up
    /// to some instant is recorded and nothing earlier will be.
    pub(crate) fn settle(&mut self) {
        for p in 0..self.mail.len() {
            let mut mail = std::mem::take(&mut self.mail[p]);
            // Messages at the same instant: the shorter first (cut to nothing by the next),
            // then by process, as wecon's `timed` view orders them.
            mail.sort_by(|a, b| {
                a.start_us
                    .cmp(&b.start_us)
                    .then(a.nominal.total_cmp(&b.nominal))
                    .then(a.process.cmp(b.process))
            });
            let keep = mail.len().saturating_sub(1);
            for i in 0..keep {
                let gap = (mail[i + 1].start_us - mail[i].start_us) as f64 / 1e6;
                self.count(p, mail[i], mail[i].nominal.min(gap));
            }
            mail.drain(..keep);
            self.mail[p] = mail;
        }
    }

    /// Adds a call: its whole length for each participant, in the week it starts (booked
    /// to its process once the person's meetings are known: see [`Ledger::overlaps`]).
    pub(crate) fn call(&mut self, people: &[usize], start_us: i64, seconds: f64) {
        let process = if people.len() == 2 { "consult" } else { "meet" };
        for &p in people {
            self.busy[p].push(Busy {
                start_us,
                end_us: start_us + (seconds * 1e6) as i64,
                kind: Kind::Call { process },
            });
        }
    }

    /// Adds each person's counted time in every occurrence of a meeting.
    pub(crate) fn meeting(&mut self, m: &Meeting, weeks: u32) {
        if m.cancelled || m.attendees.is_empty() {
            return;
        }
        let people = m.people();
        if people.len() < 2 {
            return;
        }
        let process = if people.len() == 2 { "consult" } else { "meet" };
        let counted: Vec<usize> = people
            .iter()
            .copied()
            .filter(|&p| {
                p == m.organizer
                    || m.attendees
                        .iter()
                        .any(|a| a.person == p && a.partstat == "ACCEPTED")
            })
            .collect();
        let utc = |t: &chrono::NaiveDateTime| {
            m.tz.from_local_datetime(t)
                .earliest()
                .map(|d| d.timestamp_micros())
        };
        // The invitation (CREATED) of the series, and of each moved occurrence its own.
        let notice_us = m.notice_hours * 3_600_000_000;
        let series_created = utc(&m.start).map(|s| s - notice_us);
        for o in m.occurrences(weeks) {
            let (start, minutes) = (o.start, o.minutes);
            let created = if o.moved {
                utc(&start).map(|s| s - notice_us)
            } else {
                series_created
            };
            let Some(start_us) = utc(&start) else {
                continue;
            };
            let seconds = minutes as f64 * 60.0;
            let week = week_of(start_us);
            for &p in &counted {
                *self.seconds.entry((p, week, process)).or_default() += seconds;
                *self.channels.entry((p, week, "meeting")).or_default() += seconds;
                self.busy[p].push(Busy {
                    start_us,
                    end_us: start_us + minutes * 60_000_000,
                    kind: Kind::Meeting,
                });
                if people.len() >= 9 && p != m.organizer {
                    self.lever(p, week, "large_meetings", seconds);
                }
                if m.rrule.is_some() && minutes > 60 {
                    self.lever(p, week, "long_recurring_meetings", seconds);
                }
                if created.is_some_and(|c| start_us - c < DAY_US) {
                    self.lever(p, week, "short_notice_meetings", seconds);
                }
            }
        }
    }

    /// The levers that need all of a person's time at once: conflicting and multitasked
    /// meetings, fragmented time.
    fn overlaps(&mut self, p: usize, tz: chrono_tz::Tz, pattern: &WorkPattern) {
        let mut busy = std::mem::take(&mut self.busy[p]);
        busy.sort_by_key(|b| (b.start_us, b.end_us));

        // Calls: a call more than half within one of the person's counted meetings is that
        // meeting's own, which the meeting counts; every other call counts join to leave.
        let meetings: Vec<(i64, i64)> = busy
            .iter()
            .filter(|b| b.kind == Kind::Meeting)
            .map(|b| (b.start_us, b.end_us))
            .collect();
        busy.retain(|b| {
            let Kind::Call { process } = b.kind else {
                return true;
            };
            let (week, length) = (week_of(b.start_us), b.end_us - b.start_us);
            let seconds = length as f64 / 1e6;
            let meetings_own = meetings
                .iter()
                .any(|&(s, e)| 2 * (e.min(b.end_us) - s.max(b.start_us)) > length);
            let channel = if meetings_own {
                "call_in_meeting"
            } else {
                *self.seconds.entry((p, week, process)).or_default() += seconds;
                "call"
            };
            *self.channels.entry((p, week, channel)).or_default() += seconds;
            !meetings_own
        });

        // Conflicting: each meeting's overlap with the meetings that started before it.
        let mut ended: Option<i64> = None;
        for b in busy.iter().filter(|b| b.kind == Kind::Meeting) {
            if let Some(e) = ended.filter(|&e| e > b.start_us) {
                let overlap = (e.min(b.end_us) - b.start_us) as f64 / 1e6;
                self.lever(p, week_of(b.start_us), "conflicting_meetings", overlap);
            }
            ended = Some(ended.map_or(b.end_us, |e| e.max(b.end_us)));
        }

        // Multitasked: mail and posts sent while a meeting or call ran.
        let sent: Vec<&Busy> = busy
            .iter()
            .filter(|b| b.kind == Kind::Message { sent: true })
            .collect();
        for m in busy
            .iter()
            .filter(|b| matches!(b.kind, Kind::Meeting | Kind::Call { .. }))
        {
            let first = sent.partition_point(|x| x.start_us < m.start_us);
            let mut us = 0;
            let mut any = false;
            for x in sent[first..].iter().take_while(|x| x.start_us < m.end_us) {
                us += (x.end_us - x.start_us).min(m.end_us - x.start_us);
                any = true;
            }
            if any {
                let seconds = us.min(m.end_us - m.start_us) as f64 / 1e6;
                self.lever(p, week_of(m.start_us), "multitasked_meetings", seconds);
            }
        }

        // Fragmented: free blocks under an hour in the working windows, local time.
        let local = |us: i64| {
            let t = DateTime::from_timestamp_micros(us).unwrap_or_default();
            us + i64::from(
                tz.offset_from_utc_datetime(&t.naive_utc())
                    .fix()
                    .local_minus_utc(),
            ) * 1_000_000
        };
        let mut by_day: BTreeMap<i64, Vec<(i64, i64)>> = BTreeMap::new();
        for b in &busy {
            let s = local(b.start_us);
            by_day
                .entry(s.div_euclid(DAY_US))
                .or_default()
                .push((s, s + (b.end_us - b.start_us)));
        }
        let monday = |day: i64| day - (day + 3).rem_euclid(7);
        let mut mondays: Vec<i64> = by_day.keys().map(|&d| monday(d)).collect();
        mondays.dedup();
        for w in mondays {
            let mut fragmented_us = 0;
            for n in 0..7 {
                if !pattern.days.contains(&(n as u32 + 1)) {
                    continue;
                }
                let day = w + n;
                let ws = day * DAY_US + pattern.start_minute * 60_000_000;
                let we = day * DAY_US + pattern.end_minute * 60_000_000;
                let mut clipped: Vec<(i64, i64)> = by_day
                    .get(&day)
                    .into_iter()
                    .flatten()
                    .filter(|(s, e)| *e > ws && *s < we)
                    .map(|(s, e)| ((*s).max(ws), (*e).min(we)))
                    .collect();
                clipped.sort_unstable();
                let mut free = Vec::new();
                let mut ended = ws;
                for (s, e) in clipped {
                    if s > ended {
                        free.push(s - ended);
                    }
                    ended = ended.max(e);
                }
                if we > ended {
                    free.push(we - ended);
                }
                fragmented_us += free.iter().filter(|&&f| f < 3_600_000_000).sum::<i64>();
            }
            if fragmented_us > 0 {
                let week = DateTime::from_timestamp_micros(w * DAY_US)
                    .unwrap_or_default()
                    .date_naive();
                self.lever(p, week, "fragmented_time", fragmented_us as f64 / 1e6);
            }
        }
    }

    /// Applies the cut-short rule to mail, works out the levers that need a person's whole
    /// time, and writes `truth.csv`/`.parquet` and `levers.csv`/`.parquet`. Returns the
    /// hours per channel.
    pub(crate) fn write(
        mut self,
        dir: &Path,
        staff: &[SynthPerson],
        patterns: &[WorkPattern],
    ) -> Result<ChannelSeconds, SynthError> {
        self.settle();
        // Each person's last mail has no next one to cut it short.
        for (p, mail) in std::mem::take(&mut self.mail).into_iter().enumerate() {
            for m in mail {
                self.count(p, m, m.nominal);
            }
        }
        for (p, person) in staff.iter().enumerate() {
            self.overlaps(p, person.tz, &patterns[p]);
        }
        fs_err::create_dir_all(dir)?;

        let mut rows: Vec<(&str, String, &str, f64)> = self
            .seconds
            .iter()
            .filter(|(_, s)| **s > 0.0)
            .map(|((p, w, pr), s)| (staff[*p].address.as_str(), w.to_string(), *pr, s / 3600.0))
            .collect();
        rows.sort_by(|a, b| (a.0, &a.1, a.2).cmp(&(b.0, &b.1, b.2)));
        let mut csv = String::from("person,week,process,hours\n");
        for (p, w, pr, h) in &rows {
            csv.push_str(&format!("{p},{w},{pr},{h}\n"));
        }
        fs_err::write(dir.join("truth.csv"), csv)?;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0))),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| r.1.as_str()),
            )),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.2))),
            Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.3))),
        ];
        parquet(
            &dir.join("truth.parquet"),
            &["person", "week", "process", "hours"],
            columns,
        )?;

        let mut rows: Vec<(&str, String, &str, f64, u64)> = self
            .levers
            .iter()
            .map(|((p, w, l), (s, n))| {
                (
                    staff[*p].address.as_str(),
                    w.to_string(),
                    *l,
                    s / 3600.0,
                    *n,
                )
            })
            .collect();
        rows.sort_by(|a, b| (a.0, &a.1, a.2).cmp(&(b.0, &b.1, b.2)));
        let mut csv = String::from("person,week,lever,base_hours,events\n");
        for (p, w, l, h, n) in &rows {
            csv.push_str(&format!("{p},{w},{l},{h},{n}\n"));
        }
        fs_err::write(dir.join("levers.csv"), csv)?;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0))),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| r.1.as_str()),
            )),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.2))),
            Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.3))),
            Arc::new(UInt64Array::from_iter_values(rows.iter().map(|r| r.4))),
        ];
        parquet(
            &dir.join("levers.parquet"),
            &["person", "week", "lever", "base_hours", "events"],
            columns,
        )?;
        Ok(self.channels)
    }
}

/// Writes one batch of non-null columns, named in order, as a Parquet file.
fn parquet(path: &Path, names: &[&str], columns: Vec<ArrayRef>) -> Result<(), SynthError> {
    let schema = Arc::new(Schema::new(
        names
            .iter()
            .zip(&columns)
            .map(|(n, c)| Field::new(*n, c.data_type().clone(), false))
            .collect::<Vec<_>>(),
    ));
    let batch =
        RecordBatch::try_new(schema, columns).map_err(|e| SynthError::Invalid(e.to_string()))?;
    wecon_model::atomic::write_parquet(path, &[batch])
        .map_err(|e| SynthError::Invalid(e.to_string()))
}
