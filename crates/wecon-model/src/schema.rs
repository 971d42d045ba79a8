//! The canonical tables: `activities`, `people` and `ingest_log`.
//!
//! Each table has a Rust row type, its Arrow schema, and a function that turns rows into a
//! `RecordBatch`. Ingest stores facts only; time estimates are made at analysis time.

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, BooleanBuilder, Float64Builder, Int32Builder, Int64Builder, ListBuilder,
    MapBuilder, RecordBatch, StringBuilder, TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::arrow::error::ArrowError;

/// Table names, as registered in SQL and as folder/file names in a dataset.
pub const ACTIVITIES: &str = "activities";
pub const PEOPLE: &str = "people";
pub const INGEST_LOG: &str = "ingest_log";
pub const IMPORTED_METRICS: &str = "imported_metrics";

fn list_type() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
}

/// A column of lists of text, sized first as [`string_column`] is.
fn list_column<'a>(values: impl Iterator<Item = Option<&'a [String]>> + Clone) -> ArrayRef {
    let (lists, items, bytes) = values.clone().fold((0, 0, 0), |(l, n, b), v| {
        let v = v.unwrap_or_default();
        (
            l + 1,
            n + v.len(),
            b + v.iter().map(String::len).sum::<usize>(),
        )
    });
    let mut b = ListBuilder::with_capacity(StringBuilder::with_capacity(items, bytes), lists);
    for v in values {
        match v {
            Some(items) => {
                for i in items {
                    b.values().append_value(i);
                }
                b.append(true);
            }
            None => b.append(false),
        }
    }
    Arc::new(b.finish())
}

fn ts_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// A list of person pseudonyms, shared between the activities that name the same people
/// (every occurrence of a meeting series, every post of one author in one conversation)
/// rather than copied into each.
pub type Names = Arc<[String]>;

/// One thing one person did: sent or received a message, attended a meeting, ...
///
/// Identities (`person_id`, `thread_id`, `object_id`) are keyed pseudonyms. No subject,
/// title or body is ever stored; `category` is derived from them by keyword rules.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Activity {
    pub activity_id: String,
    pub person_id: String,
    /// `email`, `calendar`, ...
    pub source: String,
    /// `send`, `receive`, `attend`, `organize`, ...
    pub action: String,
    /// Microseconds since the Unix epoch, UTC.
    pub start_utc: i64,
    pub end_utc: Option<i64>,
    /// IANA zone or UTC offset (`+02:00`) the record was written in.
    pub tz: Option<String>,
    pub thread_id: Option<String>,
    pub object_id: Option<String>,
    /// People involved, the person included (sender and recipients; attendees).
    pub participants: i32,
    pub internal_participants: Option<i32>,
    /// Of a meeting's participants, those who accepted it (attendees whose `PARTSTAT` is
    /// `ACCEPTED`, and its organiser unless their own attendance says otherwise), as the
    /// calendar that holds it knows; `None` outside calendars.
    pub accepted_participants: Option<i32>,
    /// The other people involved, as person pseudonyms (the same keyed hash as
    /// `person_id`), where the export names them; `None` where it does not.
    pub parties: Option<Names>,
    /// Of `parties`, those outside the organisation (by the roster's mail domains, else the
    /// owner's); `None` where that is unknown.
    pub external_parties: Option<Names>,
    pub is_organizer: Option<bool>,
    /// `accepted`, `tentative`, `declined`, `none`.
    pub response: Option<String>,
    pub show_as: Option<String>,
    pub is_recurring: Option<bool>,
    pub is_cancelled: Option<bool>,
    pub is_all_day: Option<bool>,
    /// An online meeting (Teams, Zoom, Meet, ... markers or links, which are not kept).
    pub is_online: Option<bool>,
    /// A meeting marked private (iCalendar `CLASS:PRIVATE` or `CONFIDENTIAL`, as Outlook and
    /// Google Calendar write a private event); `None` where the export does not say.
    pub is_private: Option<bool>,
    /// A chat post in a channel (a Slack channel, a Teams channel, a Mattermost channel, a
    /// Google Chat space) rather than in a chat between named people (a direct or group
    /// message, a Teams chat); `None` where the export does not tell.
    pub in_channel: Option<bool>,
    /// When the meeting was created (its notice is `start_utc - created_utc`).
    pub created_utc: Option<i64>,
    pub attachments: Option<i32>,
    /// Bytes of the attachments (decoded), where the record has attachments to measure.
    pub attachment_bytes: Option<i64>,
    pub links: Option<i32>,
    pub bytes: Option<i64>,
    /// Whether the person saw a received message; `None` where the export does not tell.
    pub seen: Option<bool>,
    /// Mail filed as deleted (a Trash or Deleted Items folder, Takeout's Trash label,
    /// maildir's `T` flag);
    /// `None` outside mail.
    pub is_deleted: Option<bool>,
    /// The person's place on a message: `from`, `to`, `cc`, `bcc`, `other`.
    pub recipient_role: Option<String>,
    /// Automated or bulk mail (List-Id, Precedence, Auto-Submitted).
    pub is_bulk: Option<bool>,
    pub category: Option<String>,
    /// Data-quality flags, comma-separated, for records accepted with a doubt:
    /// `date_from_received`, `date_from_envelope` (no usable Date header), `date_far_out`
    /// (far outside the span of the rest of the data), `truncated` (cut at the size limit),
    /// `series_capped` (an occurrence of a series cut at 10,000 occurrences),
    /// `body_unreadable` (the MIME parser failed on the body: attachments unknown).
    pub flags: Option<String>,
    pub source_file: String,
    pub source_record: String,
}

/// The Arrow schema of `activities`.
pub fn activities_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("activity_id", DataType::Utf8, false),
        Field::new("person_id", DataType::Utf8, false),
        Field::new("source", DataType::Utf8, false),
        Field::new("action", DataType::Utf8, false),
        Field::new("start_utc", ts_type(), false),
        Field::new("end_utc", ts_type(), true),
        Field::new("tz", DataType::Utf8, true),
        Field::new("thread_id", DataType::Utf8, true),
        Field::new("object_id", DataType::Utf8, true),
        Field::new("participants", DataType::Int32, false),
        Field::new("internal_participants", DataType::Int32, true),
        Field::new("accepted_participants", DataType::Int32, true),
        Field::new("parties", list_type(), true),
        Field::new("external_parties", list_type(), true),
        Field::new("is_organizer", DataType::Boolean, true),
        Field::new("response", DataType::Utf8, true),
        Field::new("show_as", DataType::Utf8, true),
        Field::new("is_recurring", DataType::Boolean, true),
        Field::new("is_cancelled", DataType::Boolean, true),
        Field::new("is_all_day", DataType::Boolean, true),
        Field::new("is_online", DataType::Boolean, true),
        Field::new("is_private", DataType::Boolean, true),
        Field::new("in_channel", DataType::Boolean, true),
        Field::new("created_utc", ts_type(), true),
        Field::new("attachments", DataType::Int32, true),
        Field::new("attachment_bytes", DataType::Int64, true),
        Field::new("links", DataType::Int32, true),
        Field::new("bytes", DataType::Int64, true),
        Field::new("seen", DataType::Boolean, true),
        Field::new("is_deleted", DataType::Boolean, true),
        Field::new("recipient_role", DataType::Utf8, true),
        Field::new("is_bulk", DataType::Boolean, true),
        Field::new("category", DataType::Utf8, true),
        Field::new("flags", DataType::Utf8, true),
        Field::new("source_file", DataType::Utf8, false),
        Field::new("source_record", DataType::Utf8, false),
    ]))
}

macro_rules! column {
    ($rows:expr, $builder:ty, |$r:ident| $value:expr) => {{
        let mut b = <$builder>::with_capacity($rows.len());
        for $r in $rows {
            b.append_option($value);
        }
        Arc::new(b.finish()) as ArrayRef
    }};
}

/// A text column, its buffers sized in a first pass over the values (grown as they filled,
/// they were copied again at each doubling and faulted in page by page).
fn string_column<'a>(values: impl Iterator<Item = Option<&'a str>> + Clone) -> ArrayRef {
    let (items, bytes) = values
        .clone()
        .fold((0, 0), |(n, b), v| (n + 1, b + v.map_or(0, str::len)));
    let mut b = StringBuilder::with_capacity(items, bytes);
    for v in values {
        b.append_option(v);
    }
    Arc::new(b.finish())
}

fn timestamp_column(values: impl ExactSizeIterator<Item = Option<i64>>) -> ArrayRef {
    let mut b = TimestampMicrosecondBuilder::with_capacity(values.len()).with_timezone("UTC");
    for v in values {
        b.append_option(v);
    }
    Arc::new(b.finish())
}

/// Turns activity rows into one batch of [`activities_schema`].
pub fn activities_batch<A: std::borrow::Borrow<Activity>>(
    rows: &[A],
) -> Result<RecordBatch, ArrowError> {
    let refs: Vec<&Activity> = rows.iter().map(std::borrow::Borrow::borrow).collect();
    let rows = refs.as_slice();
    let s = |f: fn(&Activity) -> Option<&str>| string_column(rows.iter().map(|r| f(r)));
    let columns: Vec<ArrayRef> = vec![
        s(|r| Some(&r.activity_id)),
        s(|r| Some(&r.person_id)),
        s(|r| Some(&r.source)),
        s(|r| Some(&r.action)),
        timestamp_column(rows.iter().map(|r| Some(r.start_utc))),
        timestamp_column(rows.iter().map(|r| r.end_utc)),
        s(|r| r.tz.as_deref()),
        s(|r| r.thread_id.as_deref()),
        s(|r| r.object_id.as_deref()),
        column!(rows, Int32Builder, |r| Some(r.participants)),
        column!(rows, Int32Builder, |r| r.internal_participants),
        column!(rows, Int32Builder, |r| r.accepted_participants),
        list_column(rows.iter().map(|r| r.parties.as_deref())),
        list_column(rows.iter().map(|r| r.external_parties.as_deref())),
        column!(rows, BooleanBuilder, |r| r.is_organizer),
        s(|r| r.response.as_deref()),
        s(|r| r.show_as.as_deref()),
        column!(rows, BooleanBuilder, |r| r.is_recurring),
        column!(rows, BooleanBuilder, |r| r.is_cancelled),
        column!(rows, BooleanBuilder, |r| r.is_all_day),
        column!(rows, BooleanBuilder, |r| r.is_online),
        column!(rows, BooleanBuilder, |r| r.is_private),
        column!(rows, BooleanBuilder, |r| r.in_channel),
        timestamp_column(rows.iter().map(|r| r.created_utc)),
        column!(rows, Int32Builder, |r| r.attachments),
        column!(rows, Int64Builder, |r| r.attachment_bytes),
        column!(rows, Int32Builder, |r| r.links),
        column!(rows, Int64Builder, |r| r.bytes),
        column!(rows, BooleanBuilder, |r| r.seen),
        column!(rows, BooleanBuilder, |r| r.is_deleted),
        s(|r| r.recipient_role.as_deref()),
        column!(rows, BooleanBuilder, |r| r.is_bulk),
        s(|r| r.category.as_deref()),
        s(|r| r.flags.as_deref()),
        s(|r| Some(&r.source_file)),
        s(|r| Some(&r.source_record)),
    ];
    RecordBatch::try_new(activities_schema(), columns)
}

/// One person: organisational attributes (from the roster, when one is given) and the
/// working pattern used for after-hours and focus metrics.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Person {
    pub person_id: String,
    pub unit: Option<String>,
    pub level: Option<String>,
    pub function: Option<String>,
    pub manager_id: Option<String>,
    pub fte: f64,
    pub hourly_cost: Option<f64>,
    pub tz: String,
    /// Local working hours, `HH:MM`.
    pub work_start: String,
    pub work_end: String,
    /// Working days as ISO weekday numbers, e.g. `1,2,3,4,5`.
    pub work_days: String,
    pub is_internal: bool,
    /// Whose export this person's activities come from (`mailbox`, `calendar`, ...).
    pub found_in: String,
    /// The roster's other columns (`cost_center`, `site`, ...), kept for grouping.
    pub attributes: BTreeMap<String, String>,
}

impl Person {
    /// A person the exports show but no roster describes: defaults of METRICS.md §3
    /// (Mon–Fri 09:00–17:00, full time, UTC).
    pub fn with_defaults(person_id: String, found_in: &str) -> Self {
        Person {
            person_id,
            unit: None,
            level: None,
            function: None,
            manager_id: None,
            fte: 1.0,
            hourly_cost: None,
            tz: "UTC".into(),
            work_start: "09:00".into(),
            work_end: "17:00".into(),
            work_days: "1,2,3,4,5".into(),
            is_internal: true,
            found_in: found_in.into(),
            attributes: BTreeMap::new(),
        }
    }
}

/// The Arrow schema of `people`.
pub fn people_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("person_id", DataType::Utf8, false),
        Field::new("unit", DataType::Utf8, true),
        Field::new("level", DataType::Utf8, true),
        Field::new("function", DataType::Utf8, true),
        Field::new("manager_id", DataType::Utf8, true),
        Field::new("fte", DataType::Float64, false),
        Field::new("hourly_cost", DataType::Float64, true),
        Field::new("tz", DataType::Utf8, false),
        Field::new("work_start", DataType::Utf8, false),
        Field::new("work_end", DataType::Utf8, false),
        Field::new("work_days", DataType::Utf8, false),
        Field::new("is_internal", DataType::Boolean, false),
        Field::new("found_in", DataType::Utf8, false),
        Field::new("attributes", attributes_type(), false),
    ]))
}

fn attributes_type() -> DataType {
    let b = MapBuilder::new(None, StringBuilder::new(), StringBuilder::new()).finish();
    b.data_type().clone()
}

/// Turns people into one batch of [`people_schema`].
pub fn people_batch(rows: &[Person]) -> Result<RecordBatch, ArrowError> {
    let s = |f: fn(&Person) -> Option<&str>| string_column(rows.iter().map(f));
    let columns: Vec<ArrayRef> = vec![
        s(|r| Some(&r.person_id)),
        s(|r| r.unit.as_deref()),
        s(|r| r.level.as_deref()),
        s(|r| r.function.as_deref()),
        s(|r| r.manager_id.as_deref()),
        column!(rows, Float64Builder, |r| Some(r.fte)),
        column!(rows, Float64Builder, |r| r.hourly_cost),
        s(|r| Some(&r.tz)),
        s(|r| Some(&r.work_start)),
        s(|r| Some(&r.work_end)),
        s(|r| Some(&r.work_days)),
        column!(rows, BooleanBuilder, |r| Some(r.is_internal)),
        s(|r| Some(&r.found_in)),
        {
            let mut m = MapBuilder::new(None, StringBuilder::new(), StringBuilder::new());
            for r in rows {
                for (k, v) in &r.attributes {
                    m.keys().append_value(k);
                    m.values().append_value(v);
                }
                m.append(true)?;
            }
            Arc::new(m.finish()) as ArrayRef
        },
    ];
    RecordBatch::try_new(people_schema(), columns)
}

/// What happened to the records of one source file: read = accepted + rejected, always.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct IngestLogEntry {
    pub source_file: String,
    /// `mbox`, `maildir`, `ics`, `unknown`, ...
    pub format: String,
    pub records_read: i64,
    pub records_accepted: i64,
    pub records_rejected: i64,
    /// Rejection reason → number of records.
    pub reasons: BTreeMap<String, i64>,
    pub bytes: i64,
    /// How the owner of the mailbox or calendar was decided, where there is one.
    pub owner_rule: Option<String>,
}

impl IngestLogEntry {
    pub fn new(source_file: impl Into<String>, format: impl Into<String>) -> Self {
        Self {
            source_file: source_file.into(),
            format: format.into(),
            ..Self::default()
        }
    }

    pub fn accept(&mut self) {
        self.records_read += 1;
        self.records_accepted += 1;
    }

    pub fn reject(&mut self, reason: impl Into<String>) {
        self.records_read += 1;
        self.records_rejected += 1;
        *self.reasons.entry(reason.into()).or_default() += 1;
    }

    /// Adds another entry's counts, reasons and bytes to this one.
    pub fn merge(&mut self, other: &IngestLogEntry) {
        self.records_read += other.records_read;
        self.records_accepted += other.records_accepted;
        self.records_rejected += other.records_rejected;
        self.bytes += other.bytes;
        for (reason, n) in &other.reasons {
            *self.reasons.entry(reason.clone()).or_default() += n;
        }
        if self.owner_rule.is_none() {
            self.owner_rule = other.owner_rule.clone();
        }
    }

    /// Turns an accepted record into a rejected one (found out after it was accepted, e.g.
    /// a duplicate recognised once the whole mailbox was read, or a copy of another input's).
    pub fn reclassify_as_rejected(&mut self, reason: impl Into<String>) {
        self.records_accepted -= 1;
        self.records_rejected += 1;
        *self.reasons.entry(reason.into()).or_default() += 1;
    }
}

/// The Arrow schema of `ingest_log`; `reasons` is a map from reason to count.
pub fn ingest_log_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("source_file", DataType::Utf8, false),
        Field::new("format", DataType::Utf8, false),
        Field::new("records_read", DataType::Int64, false),
        Field::new("records_accepted", DataType::Int64, false),
        Field::new("records_rejected", DataType::Int64, false),
        Field::new("reasons", reasons_type(), false),
        Field::new("bytes", DataType::Int64, false),
        Field::new("owner_rule", DataType::Utf8, true),
    ]))
}

fn reasons_type() -> DataType {
    let b = MapBuilder::new(None, StringBuilder::new(), Int64Builder::new()).finish();
    b.data_type().clone()
}

/// Turns ingest log entries into one batch of [`ingest_log_schema`].
pub fn ingest_log_batch(rows: &[IngestLogEntry]) -> Result<RecordBatch, ArrowError> {
    let s = |f: fn(&IngestLogEntry) -> Option<&str>| string_column(rows.iter().map(f));
    let mut reasons = MapBuilder::new(None, StringBuilder::new(), Int64Builder::new());
    for r in rows {
        for (k, v) in &r.reasons {
            reasons.keys().append_value(k);
            reasons.values().append_value(*v);
        }
        reasons.append(true)?;
    }
    let columns: Vec<ArrayRef> = vec![
        s(|r| Some(&r.source_file)),
        s(|r| Some(&r.format)),
        column!(rows, Int64Builder, |r| Some(r.records_read)),
        column!(rows, Int64Builder, |r| Some(r.records_accepted)),
        column!(rows, Int64Builder, |r| Some(r.records_rejected)),
        Arc::new(reasons.finish()),
        column!(rows, Int64Builder, |r| Some(r.bytes)),
        s(|r| r.owner_rule.as_deref()),
    ];
    RecordBatch::try_new(ingest_log_schema(), columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_match_schemas() {
        let a = Activity {
            activity_id: "a".into(),
            person_id: "p".into(),
            source: "email".into(),
            action: "send".into(),
            start_utc: 1,
            participants: 2,
            parties: Some(vec!["q".to_string()].into()),
            source_file: "f".into(),
            source_record: "1".into(),
            ..Default::default()
        };
        assert_eq!(activities_batch(&[a.clone(), a]).unwrap().num_rows(), 2);
        let p = Person::with_defaults("p".into(), "mailbox");
        assert_eq!(people_batch(&[p]).unwrap().num_rows(), 1);
        let mut l = IngestLogEntry::new("f", "mbox");
        l.accept();
        l.reject("no Date header");
        l.reject("no Date header");
        let b = ingest_log_batch(&[l.clone(), IngestLogEntry::new("g", "ics")]).unwrap();
        assert_eq!(b.num_rows(), 2);
        assert_eq!(l.records_read, l.records_accepted + l.records_rejected);
    }
}

/// One metric another tool computed for a person and week (a Viva Insights person query
/// row's columns), kept beside wecon's own for comparison and for reports.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedMetric {
    pub person_id: String,
    /// The week's first day, days since the epoch.
    pub week: i32,
    /// The metric's name, normalised (`collaboration_hours`).
    pub metric: String,
    pub value: f64,
    /// Where it comes from: `viva`.
    pub source: String,
    pub source_file: String,
}

/// The Arrow schema of `imported_metrics`.
pub fn imported_metrics_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("person_id", DataType::Utf8, false),
        Field::new("week", DataType::Date32, false),
        Field::new("metric", DataType::Utf8, false),
        Field::new("value", DataType::Float64, false),
        Field::new("source", DataType::Utf8, false),
        Field::new("source_file", DataType::Utf8, false),
    ]))
}

/// Turns imported metric rows into one batch of [`imported_metrics_schema`].
pub fn imported_metrics_batch(rows: &[ImportedMetric]) -> Result<RecordBatch, ArrowError> {
    let s = |f: fn(&ImportedMetric) -> Option<&str>| string_column(rows.iter().map(f));
    let mut week = datafusion::arrow::array::Date32Builder::with_capacity(rows.len());
    for r in rows {
        week.append_value(r.week);
    }
    let columns: Vec<ArrayRef> = vec![
        s(|r| Some(&r.person_id)),
        Arc::new(week.finish()),
        s(|r| Some(&r.metric)),
        column!(rows, Float64Builder, |r| Some(r.value)),
        s(|r| Some(&r.source)),
        s(|r| Some(&r.source_file)),
    ];
    RecordBatch::try_new(imported_metrics_schema(), columns)
}
