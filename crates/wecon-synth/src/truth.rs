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
//!   `consult` between two people, `meet` for more;
//! - the week is the ISO week (Monday, UTC) the activity starts in.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone};
use datafusion::arrow::array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};

use crate::ics::Meeting;
use crate::{SynthError, SynthPerson};

pub(crate) const SENT_SECONDS: f64 = 300.0;
pub(crate) const READ_SECONDS: f64 = 150.0;
pub(crate) const CHAT_SECONDS: f64 = 30.0;

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

/// Everything the simulation did that takes time.
pub(crate) struct Ledger {
    /// Per person: counted mail as (start µs, nominal seconds, process).
    mail: Vec<Vec<(i64, f64, &'static str)>>,
    /// (person, week, process) → seconds.
    seconds: BTreeMap<(usize, NaiveDate, &'static str), f64>,
}

fn week_of(us: i64) -> NaiveDate {
    let d = DateTime::from_timestamp_micros(us)
        .unwrap_or_default()
        .date_naive();
    d - Duration::days(d.weekday().num_days_from_monday() as i64)
}

impl Ledger {
    pub(crate) fn new(people: usize) -> Self {
        Self {
            mail: vec![Vec::new(); people],
            seconds: BTreeMap::new(),
        }
    }

    pub(crate) fn mail(
        &mut self,
        person: usize,
        start_us: i64,
        seconds: f64,
        process: &'static str,
    ) {
        self.mail[person].push((start_us, seconds, process));
    }

    /// Settles the cut-short rule for all mail but each person's latest, so the ledger holds
    /// a week of mail at most however long the simulation runs. Call it once everything up
    /// to some instant is recorded and nothing earlier will be.
    pub(crate) fn settle(&mut self) {
        for (p, mail) in self.mail.iter_mut().enumerate() {
            // Messages at the same instant: the shorter first (cut to nothing by the next),
            // then by process, as wecon's `timed` view orders them.
            mail.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(b.2)));
            let keep = mail.len().saturating_sub(1);
            for i in 0..keep {
                let (t, nominal, process) = mail[i];
                let gap = (mail[i + 1].0 - t) as f64 / 1e6;
                *self.seconds.entry((p, week_of(t), process)).or_default() += nominal.min(gap);
            }
            mail.drain(..keep);
        }
    }

    /// Adds a call: its whole length for each participant, in the week it starts.
    pub(crate) fn call(&mut self, people: &[usize], start_us: i64, seconds: f64) {
        let process = if people.len() == 2 { "consult" } else { "meet" };
        for &p in people {
            *self
                .seconds
                .entry((p, week_of(start_us), process))
                .or_default() += seconds;
        }
    }

    /// Adds each person's counted time in every occurrence of a meeting.
    pub(crate) fn meeting(&mut self, m: &Meeting, weeks: u32) {
        if m.cancelled || m.attendees.is_empty() {
            return;
        }
        let mut people: Vec<usize> = m.attendees.iter().map(|a| a.person).collect();
        people.push(m.organizer);
        people.sort_unstable();
        people.dedup();
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
        let instances = if m.rrule.is_some() { weeks } else { 1 };
        for k in 0..instances {
            let nominal = m.start + Duration::days(7 * k as i64);
            if m.exdates.contains(&nominal) {
                continue;
            }
            let (start, minutes) = match m.overrides.iter().find(|o| o.recurrence_id == nominal) {
                Some(o) => (o.start, o.minutes),
                None => (nominal, m.minutes),
            };
            let Some(utc) = m.tz.from_local_datetime(&start).earliest() else {
                continue;
            };
            let week = week_of(utc.timestamp_micros());
            for &p in &counted {
                *self.seconds.entry((p, week, process)).or_default() += minutes as f64 * 60.0;
            }
        }
    }

    /// Applies the cut-short rule to mail and writes `truth.csv` and `truth.parquet`.
    pub(crate) fn write(mut self, dir: &Path, staff: &[SynthPerson]) -> Result<(), SynthError> {
        self.settle();
        // Each person's last mail has no next one to cut it short.
        for (p, mail) in std::mem::take(&mut self.mail).into_iter().enumerate() {
            for (t, nominal, process) in mail {
                *self.seconds.entry((p, week_of(t), process)).or_default() += nominal;
            }
        }
        let mut rows: Vec<(String, String, &str, f64)> = self
            .seconds
            .iter()
            .filter(|(_, s)| **s > 0.0)
            .map(|((p, w, pr), s)| (staff[*p].address.clone(), w.to_string(), *pr, s / 3600.0))
            .collect();
        rows.sort_by(|a, b| (&a.0, &a.1, a.2).cmp(&(&b.0, &b.1, b.2)));
        fs_err::create_dir_all(dir)?;
        let mut csv = String::from("person,week,process,hours\n");
        for (p, w, pr, h) in &rows {
            csv.push_str(&format!("{p},{w},{pr},{h}\n"));
        }
        fs_err::write(dir.join("truth.csv"), csv)?;
        let schema = Arc::new(Schema::new(vec![
            Field::new("person", DataType::Utf8, false),
            Field::new("week", DataType::Utf8, false),
            Field::new("process", DataType::Utf8, false),
            Field::new("hours", DataType::Float64, false),
        ]));
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| r.0.as_str()),
            )),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| r.1.as_str()),
            )),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.2))),
            Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.3))),
        ];
        let batch = RecordBatch::try_new(schema, columns)
            .map_err(|e| SynthError::Invalid(e.to_string()))?;
        wecon_model::atomic::write_parquet(&dir.join("truth.parquet"), &[batch])
            .map_err(|e| SynthError::Invalid(e.to_string()))?;
        Ok(())
    }
}
