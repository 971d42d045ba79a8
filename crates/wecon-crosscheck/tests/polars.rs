//! The core metrics recomputed with polars from the same Parquet dataset, and compared with
//! what DataFusion's SQL library wrote (METRICS.md §2–§4): hours per process, scheduled,
//! adjusted and conflicting meeting hours, after-hours in each person's own time zone, and
//! group means with the minimum group size.
//!
//! The recomputation follows METRICS.md, not wecon's SQL: it is written with the polars lazy
//! API from the rules' text, so an error in either shows up as a difference. Every compared
//! figure must agree to 1e-9.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use wecon_engine::Profile;
use wecon_ingest::{IngestOptions, KeySource};

const TOLERANCE: f64 = 1e-9;
const MICROS_PER_DAY: i64 = 86_400_000_000;
const MIN_GROUP: u32 = 5;

/// A dataset and DataFusion's results for it, in a temporary folder.
struct Run {
    _dir: tempfile::TempDir,
    dataset: PathBuf,
    results: PathBuf,
    profile: Profile,
}

fn run(sources: &[PathBuf], profile: &str) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let dataset = dir.path().join("dataset");
    let results = dir.path().join("results");
    let opts = IngestOptions {
        since: None,
        until: None,
        key: KeySource::Env("wecon-crosscheck-key".into()),
        roster: None,
        owner: None,
        map: HashMap::new(),
        progress: std::sync::Arc::new(wecon_model::progress::Silent),
        reuse: false,
        reuse_from: Vec::new(),
        shard: None,
    };
    wecon_ingest::ingest(sources, &dataset, &opts).unwrap();
    let profile = Profile::load(profile).unwrap();
    let groups = wecon_engine::group_queries(
        &["unit".into()],
        MIN_GROUP as usize,
        true,
        profile.active_requires_sent,
    )
    .unwrap();
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(async {
            let outputs = wecon_engine::Outputs {
                keep: wecon_engine::Keep::Memory,
                individual: true,
                min_group_size: MIN_GROUP as usize,
            };
            wecon_engine::analyze_in(
                wecon_engine::local_context(None)?,
                outputs,
                &dataset,
                &results,
                &profile,
                &groups,
                &wecon_model::progress::Silent,
            )
            .await
        })
        .unwrap();
    Run {
        _dir: dir,
        dataset,
        results,
        profile,
    }
}

fn scan(path: &str) -> LazyFrame {
    LazyFrame::scan_parquet(PlRefPath::new(path), ScanArgsParquet::default()).unwrap()
}

fn activities(dataset: &Path) -> LazyFrame {
    scan(&format!("{}/activities/**/*.parquet", dataset.display()))
}

fn people(dataset: &Path) -> LazyFrame {
    scan(&format!("{}/people.parquet", dataset.display())).select([
        col("person_id"),
        col("unit"),
        col("tz"),
        col("work_days"),
        col("work_start"),
        col("work_end"),
    ])
}

fn is(column: &str, value: &str) -> Expr {
    col(column).eq(lit(value)).fill_null(lit(false))
}

fn micros(column: &str) -> Expr {
    col(column).cast(DataType::Int64)
}

/// The Monday (days since 1970-01-01, a Thursday) of the UTC week an instant falls in.
fn week_of(us: Expr) -> Expr {
    let day = us.floor_div(lit(MICROS_PER_DAY));
    (day.clone() - (day + lit(3i64)) % lit(7i64)).cast(DataType::Int32)
}

fn null_text() -> Expr {
    lit(NULL).cast(DataType::String)
}

/// METRICS.md §1: each activity's process.
fn classify(a: LazyFrame) -> LazyFrame {
    let meeting_like = is("source", "calendar").or(is("source", "call"));
    let message = is("source", "email").or(is("source", "chat"));
    let document = is("source", "document");
    let action_in = |actions: &[&str]| {
        actions
            .iter()
            .fold(lit(false), |acc, a| acc.or(is("action", a)))
    };
    let participants = col("participants");
    let process = when(meeting_like.clone().and(participants.clone().gt_eq(lit(3))))
        .then(lit("meet"))
        .when(meeting_like.clone().and(participants.eq(lit(2))))
        .then(lit("consult"))
        .when(meeting_like)
        .then(null_text())
        .when(message.clone().and(is("category", "transactional")))
        .then(lit("transact"))
        .when(
            message.clone().and(
                col("attachments")
                    .fill_null(lit(0))
                    .gt(lit(0))
                    .or(col("links").fill_null(lit(0)).gt(lit(0))),
            ),
        )
        .then(lit("share"))
        .when(message)
        .then(lit("communicate"))
        .when(document.clone().and(action_in(&["share", "permission"])))
        .then(lit("share"))
        // A view the same person follows with an edit or upload of the document within the
        // hour opened it to work on: storing, not searching.
        .when(
            document
                .clone()
                .and(action_in(&["view", "download", "preview"]))
                .and(col("object_id").is_not_null())
                .and(is("next_action", "edit").or(is("next_action", "upload")))
                .and((col("next_us") - col("start_us")).lt_eq(lit(3_600_000_000i64))),
        )
        .then(lit("store"))
        .when(document.clone().and(action_in(&[
            "create", "copy", "edit", "upload", "move", "rename",
        ])))
        .then(lit("store"))
        .when(is("source", "search"))
        .then(lit("search"))
        .when(document.and(action_in(&["view", "download", "preview"])))
        .then(lit("search"))
        .when(is("source", "transaction"))
        .then(lit("transact"))
        .otherwise(null_text())
        .alias("process");
    // Each event's next event by the same person on the same document.
    let on_document = || [col("source"), col("person_id"), col("object_id")];
    a.with_columns([
        micros("start_utc").alias("start_us"),
        micros("end_utc").alias("end_us"),
    ])
    .sort(
        [
            "source",
            "person_id",
            "object_id",
            "start_us",
            "activity_id",
        ],
        SortMultipleOptions::default(),
    )
    .with_columns([
        col("action")
            .shift(lit(-1))
            .over(on_document())
            .unwrap()
            .alias("next_action"),
        col("start_us")
            .shift(lit(-1))
            .over(on_document())
            .unwrap()
            .alias("next_us"),
    ])
    .with_column(process)
}

const TIMED: [&str; 7] = [
    "activity_id",
    "person_id",
    "process",
    "source",
    "start_utc",
    "start_us",
    "seconds",
];

/// METRICS.md §2: the meetings counted for each person, with their scheduled seconds.
fn counted_meetings(c: LazyFrame, p: &Profile) -> LazyFrame {
    let seconds = (col("end_us") - col("start_us")).cast(DataType::Float64) / lit(1e6);
    let busy = if p.meeting_requires_busy {
        col("show_as").fill_null(lit("busy")).eq(lit("busy"))
    } else {
        lit(true)
    };
    let private = if p.meeting_excludes_private {
        col("is_private").fill_null(lit(false)).not()
    } else {
        lit(true)
    };
    // Acceptances by the copy of the meeting (its event and occurrence, in anyone's
    // calendar) that knows most of them; the participants where none tells.
    let accepted = col("accepted_participants")
        .max()
        .over([col("object_id")])
        .unwrap()
        .fill_null(col("participants"));
    c.filter(is("source", "calendar"))
        .with_column(accepted.alias("accepted_anywhere"))
        .filter(
            is("source", "calendar")
                .and(col("process").is_not_null())
                .and(col("is_cancelled").fill_null(lit(false)).not())
                .and(col("is_all_day").fill_null(lit(false)).not())
                .and(
                    col("is_organizer")
                        .fill_null(lit(false))
                        .or(is("response", "accepted"))
                        .or(lit(p.meeting_counts_unanswered)
                            .and(col("response").fill_null(lit("none")).neq(lit("declined")))),
                )
                .and(col("participants").gt_eq(lit(2)))
                .and(
                    col("participants")
                        .cast(DataType::Float64)
                        .lt(lit(p.meeting_max_attendees)),
                )
                .and(seconds.clone().lt(lit(p.meeting_max_hours * 3600.0)))
                .and(busy)
                .and(private)
                .and(
                    col("accepted_anywhere")
                        .cast(DataType::Float64)
                        .gt_eq(lit(p.meeting_min_accepted)),
                ),
        )
        .with_column(seconds.alias("seconds"))
}

/// METRICS.md §2: mail and chat at the profile's minutes, each cut short by the person's
/// next counted message (at the same instant the shorter first, then by process); counted
/// meetings; calls join to leave, but for a counted meeting's own call (more than half of it
/// within the meeting), which the meeting counts.
fn timed(c: LazyFrame, p: &Profile) -> LazyFrame {
    let seen_ok = if p.received_requires_seen {
        col("seen").eq_missing(lit(false)).not()
    } else {
        lit(true)
    };
    let not_deleted_unread = if p.received_excludes_deleted_unread {
        col("is_deleted")
            .fill_null(lit(false))
            .and(col("seen").eq_missing(lit(false)))
            .not()
    } else {
        lit(true)
    };
    let nominal = when(is("source", "email").and(is("action", "send")))
        .then(lit(p.email_sent_minutes))
        .when(
            is("source", "email")
                .and(is("action", "receive"))
                .and(is("recipient_role", "to").or(is("recipient_role", "cc")))
                .and(seen_ok)
                .and(not_deleted_unread),
        )
        .then(lit(p.email_read_minutes))
        .when(is("source", "chat").and(is("action", "post")).and(
            lit(p.chat_counts_channel_posts).or(col("in_channel").fill_null(lit(false)).not()),
        ))
        .then(lit(p.chat_sent_minutes))
        .when(is("source", "document").and(is("process", "store")))
        .then(lit(p.document_store_minutes))
        .when(is("source", "document").and(is("process", "search")))
        .then(lit(p.document_view_minutes))
        .when(is("source", "document").and(is("process", "share")))
        .then(lit(p.document_share_minutes))
        .when(is("source", "search"))
        .then(lit(p.search_minutes))
        .when(is("source", "transaction"))
        .then(lit(p.transaction_step_minutes))
        .otherwise(lit(0.0))
        * lit(60.0);
    let messages = c
        .clone()
        .filter(
            ["email", "chat", "document", "search", "transaction"]
                .iter()
                .fold(lit(false), |acc, source| acc.or(is("source", source)))
                .and(col("process").is_not_null()),
        )
        .with_column(nominal.alias("nominal"))
        .filter(col("nominal").gt(lit(0.0)))
        .sort(
            ["person_id", "start_us", "nominal", "process", "activity_id"],
            SortMultipleOptions::default(),
        )
        .with_column(
            col("start_us")
                .shift(lit(-1))
                .over([col("person_id")])
                .unwrap()
                .alias("next_us"),
        )
        .with_column(
            when(col("next_us").is_null())
                .then(col("nominal"))
                .otherwise(
                    (col("next_us") - col("start_us"))
                        .cast(DataType::Float64)
                        .true_div(lit(1e6)),
                )
                .alias("gap"),
        )
        .with_column(
            when(col("gap").lt(col("nominal")))
                .then(col("gap"))
                .otherwise(col("nominal"))
                .alias("seconds"),
        );
    let calls = c
        .clone()
        .filter(
            is("source", "call")
                .and(col("process").is_not_null())
                .and(col("end_us").gt(col("start_us"))),
        )
        .with_column(
            ((col("end_us") - col("start_us")).cast(DataType::Float64) / lit(1e6)).alias("seconds"),
        );
    let meetings = counted_meetings(c, p);
    // A call more than half within one of the person's counted meetings is the meeting's own:
    // the meeting counts, the call does not.
    let meetings_calls = calls
        .clone()
        .select([
            col("activity_id"),
            col("person_id"),
            col("start_us"),
            col("end_us"),
        ])
        .join(
            meetings.clone().select([
                col("person_id"),
                col("start_us").alias("m_start"),
                col("end_us").alias("m_end"),
            ]),
            [col("person_id")],
            [col("person_id")],
            JoinArgs::new(JoinType::Inner),
        )
        .filter(
            ((when(col("end_us").lt(col("m_end")))
                .then(col("end_us"))
                .otherwise(col("m_end"))
                - when(col("start_us").gt(col("m_start")))
                    .then(col("start_us"))
                    .otherwise(col("m_start")))
                * lit(2i64))
            .gt(col("end_us") - col("start_us")),
        )
        .select([col("activity_id")]);
    let calls = calls.join(
        meetings_calls,
        [col("activity_id")],
        [col("activity_id")],
        JoinArgs::new(JoinType::Anti),
    );
    let pick = |lf: LazyFrame| lf.select(TIMED.map(col));
    concat(
        [pick(messages), pick(meetings), pick(calls)],
        UnionArgs::default(),
    )
    .unwrap()
}

fn person_week_process(t: LazyFrame) -> LazyFrame {
    t.with_column(week_of(col("start_us")).alias("week"))
        .group_by([col("person_id"), col("week"), col("process")])
        .agg([(col("seconds").sum() / lit(3600.0)).alias("hours")])
}

/// METRICS.md §3: meeting hours scheduled, adjusted (the union of each person's meeting
/// intervals), conflicting (the difference) and, in the legacy variant, the whole length of
/// every meeting that overlaps another; an overlapping run of meetings belongs to the week
/// its first meeting starts in.
fn person_week_meetings(c: LazyFrame, p: &Profile) -> LazyFrame {
    counted_meetings(c, p)
        .sort(
            ["person_id", "start_us", "end_us", "activity_id"],
            SortMultipleOptions::default(),
        )
        .with_column(
            col("end_us")
                .cum_max(false)
                .shift(lit(1))
                .over([col("person_id")])
                .unwrap()
                .alias("ended_before"),
        )
        .with_column(
            col("ended_before")
                .is_null()
                .or(col("start_us").gt_eq(col("ended_before")))
                .cast(DataType::Int64)
                .cum_sum(false)
                .over([col("person_id")])
                .unwrap()
                .alias("run"),
        )
        .group_by([col("person_id"), col("run")])
        .agg([
            col("start_us").min().alias("first"),
            col("end_us").max().alias("last"),
            col("seconds").sum().alias("scheduled"),
            col("seconds").count().alias("meetings"),
        ])
        .with_columns([
            week_of(col("first")).alias("week"),
            ((col("last") - col("first")).cast(DataType::Float64) / lit(1e6)).alias("union"),
        ])
        .group_by([col("person_id"), col("week")])
        .agg([
            (col("scheduled").sum() / lit(3600.0)).alias("scheduled_hours"),
            (col("union").sum() / lit(3600.0)).alias("adjusted_hours"),
            ((col("scheduled").sum() - col("union").sum()) / lit(3600.0))
                .alias("conflicting_hours"),
            // Legacy: every meeting of a run of two or more, whole.
            (when(col("meetings").gt(lit(1)))
                .then(col("scheduled"))
                .otherwise(lit(0.0))
                .sum()
                / lit(3600.0))
            .alias("legacy_conflicting_hours"),
        ])
}

fn minutes_of(hhmm: &str, default: i32) -> Expr {
    (col(hhmm).str().slice(lit(0), lit(2)).cast(DataType::Int32) * lit(60)
        + col(hhmm).str().slice(lit(3), lit(2)).cast(DataType::Int32))
    .fill_null(lit(default))
}

/// METRICS.md §3: the part of each person's counted time that starts outside their working
/// days and hours, in their own time zone (Mon–Fri 09:00–17:00 UTC where nothing says).
fn person_week_after_hours(t: LazyFrame, people: LazyFrame) -> LazyFrame {
    let joined = t
        .join(
            people,
            [col("person_id")],
            [col("person_id")],
            JoinArgs::new(JoinType::Left),
        )
        .with_column(col("tz").fill_null(lit("UTC")));
    // polars converts a column to one zone at a time: split by zone, convert, put together.
    let zones = joined
        .clone()
        .select([col("tz")])
        .group_by([col("tz")])
        .agg([])
        .collect()
        .unwrap();
    let zones: Vec<String> = zones
        .column("tz")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|z| z.unwrap_or("UTC").to_string())
        .collect();
    let parts: Vec<LazyFrame> = zones
        .iter()
        .map(|zone| {
            let tz = TimeZone::opt_try_new(Some(zone.as_str()))
                .ok()
                .flatten()
                .unwrap_or(TimeZone::UTC);
            let local = col("start_utc").dt().convert_time_zone(tz);
            joined
                .clone()
                .filter(col("tz").eq(lit(zone.as_str())))
                .with_columns([
                    local
                        .clone()
                        .dt()
                        .weekday()
                        .cast(DataType::Int32)
                        .alias("weekday"),
                    (local.clone().dt().hour().cast(DataType::Int32) * lit(60)
                        + local.dt().minute().cast(DataType::Int32))
                    .alias("minute"),
                ])
        })
        .collect();
    let weekday_text = col("weekday").cast(DataType::String);
    let working = col("work_days")
        .fill_null(lit("1,2,3,4,5"))
        .str()
        .contains_literal(weekday_text)
        .and(col("minute").gt_eq(minutes_of("work_start", 540)))
        .and(col("minute").lt(minutes_of("work_end", 1020)));
    let after_seconds = |filter: Expr| {
        (when(col("after").and(filter))
            .then(col("seconds"))
            .otherwise(lit(0.0))
            .sum()
            / lit(3600.0))
        .alias("x")
    };
    concat(parts, UnionArgs::default())
        .unwrap()
        .with_columns([
            working.not().alias("after"),
            week_of(col("start_us")).alias("week"),
        ])
        .group_by([col("person_id"), col("week")])
        .agg([
            after_seconds(lit(true)).alias("after_hours"),
            after_seconds(is("source", "calendar").or(is("source", "call")))
                .alias("after_hours_meetings"),
            after_seconds(is("source", "email").or(is("source", "chat")))
                .alias("after_hours_messages"),
            (col("seconds").sum() / lit(3600.0)).alias("timed_hours"),
        ])
}

/// METRICS.md §5: the person-weeks validation takes out of group figures: every week of a
/// person averaging 5 counted hours a week or less over the weeks the data spans, or whose
/// roster working day is under 4 h or over 15 h, and the weeks in which a unit's average
/// lies more than one (sample) standard deviation below its weekly mean (three weeks or
/// more).
fn exclusions(pwp: LazyFrame, people: LazyFrame) -> LazyFrame {
    let pw = pwp
        .group_by([col("person_id"), col("week")])
        .agg([col("hours").sum()]);
    let span = pw
        .clone()
        .select([
            col("week").min().alias("first"),
            col("week").max().alias("last"),
        ])
        .collect()
        .unwrap();
    let first = span.column("first").unwrap().i32().unwrap().get(0).unwrap();
    let last = span.column("last").unwrap().i32().unwrap().get(0).unwrap();
    let weeks = f64::from((last - first) / 7 + 1);
    let light = pw
        .clone()
        .group_by([col("person_id")])
        .agg([(col("hours").sum() / lit(weeks)).alias("average")])
        .filter(col("average").lt_eq(lit(5.0)))
        .select([col("person_id")]);
    let minutes = |c: &str| {
        col(c).str().slice(lit(0), lit(2)).cast(DataType::Int64) * lit(60i64)
            + col(c).str().slice(lit(3), lit(2)).cast(DataType::Int64)
    };
    let odd_hours = people
        .clone()
        .filter(
            col("work_start")
                .is_not_null()
                .and(col("work_end").is_not_null()),
        )
        .with_column(
            ((minutes("work_end") - minutes("work_start") + lit(1440i64)) % lit(1440i64))
                .cast(DataType::Float64)
                .true_div(lit(60.0))
                .alias("day"),
        )
        .filter(col("day").lt(lit(4.0)).or(col("day").gt(lit(15.0))))
        .select([col("person_id")]);
    let with_unit = pw
        .join(
            people.select([col("person_id"), col("unit")]),
            [col("person_id")],
            [col("person_id")],
            JoinArgs::new(JoinType::Left),
        )
        .with_column(col("unit").fill_null(lit("(no unit)")));
    let unit_week = with_unit
        .clone()
        .group_by([col("unit"), col("week")])
        .agg([col("hours").mean().alias("average")]);
    let holidays = unit_week
        .clone()
        .join(
            unit_week.group_by([col("unit")]).agg([
                col("average").mean().alias("mean"),
                col("average").std(1).alias("sd"),
                col("average").count().alias("weeks"),
            ]),
            [col("unit")],
            [col("unit")],
            JoinArgs::new(JoinType::Inner),
        )
        .filter(
            col("weeks")
                .gt_eq(lit(3))
                .and(col("average").lt(col("mean") - col("sd"))),
        )
        .select([col("unit"), col("week")]);
    let by_person = |bad: LazyFrame| {
        with_unit.clone().join(
            bad,
            [col("person_id")],
            [col("person_id")],
            JoinArgs::new(JoinType::Semi),
        )
    };
    concat(
        [
            by_person(light),
            by_person(odd_hours),
            with_unit.clone().join(
                holidays,
                [col("unit"), col("week")],
                [col("unit"), col("week")],
                JoinArgs::new(JoinType::Semi),
            ),
        ],
        UnionArgs::default(),
    )
    .unwrap()
    .group_by([col("person_id"), col("week")])
    .agg([])
}

/// METRICS.md §3: the person-weeks with at least one mail or chat message sent.
fn sent_weeks(c: LazyFrame) -> LazyFrame {
    c.filter(
        is("source", "email")
            .and(is("action", "send"))
            .or(is("source", "chat").and(is("action", "post"))),
    )
    .with_column(week_of(col("start_us")).alias("week"))
    .group_by([col("person_id"), col("week")])
    .agg([])
}

/// METRICS.md §4: each person's hours (`pwp`: the person-weeks counted), averaged over the
/// active people of their unit in the week (people without hours in a process count as
/// zero); groups under the minimum left out; the person-weeks validation excludes left out
/// first.
fn group_week_process(pwp: LazyFrame, people: LazyFrame, excluded: LazyFrame) -> LazyFrame {
    let with_unit = pwp
        .join(
            excluded,
            [col("person_id"), col("week")],
            [col("person_id"), col("week")],
            JoinArgs::new(JoinType::Anti),
        )
        .join(
            people.select([col("person_id"), col("unit")]),
            [col("person_id")],
            [col("person_id")],
            JoinArgs::new(JoinType::Left),
        )
        .with_column(col("unit").fill_null(lit("(none)")));
    let sizes = with_unit
        .clone()
        .group_by([col("week"), col("unit")])
        .agg([col("person_id").n_unique().alias("people")]);
    with_unit
        .group_by([col("week"), col("unit"), col("process")])
        .agg([col("hours").sum().alias("hours")])
        .join(
            sizes,
            [col("week"), col("unit")],
            [col("week"), col("unit")],
            JoinArgs::new(JoinType::Inner),
        )
        .filter(col("people").gt_eq(lit(MIN_GROUP)))
        .with_column(
            (col("hours") / col("people").cast(DataType::Float64)).alias("hours_per_person"),
        )
}

type Rows = BTreeMap<Vec<String>, Vec<f64>>;

/// A frame's rows as key → values, keys rendered as text (weeks as days since 1970).
fn rows(lf: LazyFrame, keys: &[&str], values: &[&str]) -> Rows {
    let mut exprs: Vec<Expr> = keys
        .iter()
        .map(|k| {
            let c = col(*k);
            let c = if *k == "week" {
                c.cast(DataType::Int32)
            } else {
                c
            };
            c.cast(DataType::String).fill_null(lit("(null)"))
        })
        .collect();
    exprs.extend(values.iter().map(|v| col(*v).cast(DataType::Float64)));
    let df = lf.select(exprs).collect().unwrap();
    let text: Vec<_> = keys
        .iter()
        .map(|k| df.column(k).unwrap().str().unwrap().clone())
        .collect();
    let numbers: Vec<_> = values
        .iter()
        .map(|v| df.column(v).unwrap().f64().unwrap().clone())
        .collect();
    let mut out = Rows::new();
    for i in 0..df.height() {
        let key = text
            .iter()
            .map(|c| c.get(i).unwrap_or("").to_string())
            .collect();
        let vals = numbers
            .iter()
            .map(|c| c.get(i).unwrap_or(f64::NAN))
            .collect();
        assert!(out.insert(key, vals).is_none(), "duplicate key in a result");
    }
    out
}

/// Asserts that polars' rows equal DataFusion's, key for key, to [`TOLERANCE`].
fn assert_same(what: &str, datafusion: Rows, polars: Rows) {
    assert!(!datafusion.is_empty(), "{what}: DataFusion wrote no rows");
    let only_df: Vec<_> = datafusion
        .keys()
        .filter(|k| !polars.contains_key(*k))
        .collect();
    let only_pl: Vec<_> = polars
        .keys()
        .filter(|k| !datafusion.contains_key(*k))
        .collect();
    assert!(
        only_df.is_empty() && only_pl.is_empty(),
        "{what}: rows only in DataFusion {:?}…, only in polars {:?}…",
        only_df.iter().take(3).collect::<Vec<_>>(),
        only_pl.iter().take(3).collect::<Vec<_>>()
    );
    for (key, d) in &datafusion {
        let p = &polars[key];
        for (i, (a, b)) in d.iter().zip(p).enumerate() {
            assert!(
                (a - b).abs() <= TOLERANCE,
                "{what} {key:?} value {i}: DataFusion {a}, polars {b}"
            );
        }
    }
    eprintln!("{what}: {} rows agree", datafusion.len());
}

fn crosscheck(run: &Run) {
    let a = classify(activities(&run.dataset));
    let people = people(&run.dataset);
    let t = timed(a.clone(), &run.profile);
    // Person-level tables are in `individual/`, the others beside it.
    let result = |name: &str| {
        let individual = run.results.join(wecon_engine::INDIVIDUAL_DIR);
        let dir = if individual.join(format!("{name}.parquet")).is_file() {
            individual
        } else {
            run.results.clone()
        };
        scan(&format!("{}/{name}.parquet", dir.display()))
    };

    let pwp = person_week_process(t.clone());
    // The person-weeks group and organisation figures count: under a profile that requires
    // it (§3), those with a mail or chat message sent.
    let counted = if run.profile.active_requires_sent {
        pwp.clone().join(
            sent_weeks(a.clone()),
            [col("person_id"), col("week")],
            [col("person_id"), col("week")],
            JoinArgs::new(JoinType::Semi),
        )
    } else {
        pwp.clone()
    };
    assert_same(
        "person_week_process",
        rows(
            result("person_week_process"),
            &["person_id", "week", "process"],
            &["hours"],
        ),
        rows(pwp.clone(), &["person_id", "week", "process"], &["hours"]),
    );
    let meeting_values = [
        "scheduled_hours",
        "adjusted_hours",
        "conflicting_hours",
        "legacy_conflicting_hours",
    ];
    assert_same(
        "person_week_meetings",
        rows(
            result("person_week_meetings"),
            &["person_id", "week"],
            &meeting_values,
        ),
        rows(
            person_week_meetings(a, &run.profile),
            &["person_id", "week"],
            &meeting_values,
        ),
    );
    let after = [
        "after_hours",
        "after_hours_meetings",
        "after_hours_messages",
        "timed_hours",
    ];
    assert_same(
        "person_week_after_hours",
        rows(
            result("person_week_after_hours"),
            &["person_id", "week"],
            &after,
        ),
        rows(
            person_week_after_hours(t, people.clone()),
            &["person_id", "week"],
            &after,
        ),
    );
    let excluded = exclusions(pwp.clone(), people.clone());
    let df_excluded = rows(result("validation_exclusions"), &["person_id", "week"], &[]);
    let pl_excluded = rows(excluded.clone(), &["person_id", "week"], &[]);
    assert_eq!(
        df_excluded.keys().collect::<Vec<_>>(),
        pl_excluded.keys().collect::<Vec<_>>(),
        "validation_exclusions"
    );
    eprintln!(
        "validation_exclusions: {} person-weeks agree",
        df_excluded.len()
    );
    let group_keys = ["week", "unit", "process"];
    assert_same(
        "group_week_process",
        rows(
            result("group_week_process"),
            &group_keys,
            &["hours_per_person", "people"],
        ),
        rows(
            group_week_process(counted.clone(), people, excluded),
            &group_keys,
            &["hours_per_person", "people"],
        ),
    );
    let summary_keys = ["week"];
    assert_same(
        "week_summary (person_week_process hours)",
        rows(
            result("week_summary").filter(
                is("source_table", "person_week_process")
                    .and(is("key", ""))
                    .and(is("measure", "hours")),
            ),
            &summary_keys,
            &["total", "people"],
        ),
        rows(
            organisation_weeks(counted),
            &summary_keys,
            &["total", "people"],
        ),
    );
}

/// The organisation's hours per week the report draws (`week_summary`): the hours of each
/// week's person-weeks counted (`pwp`) and its people, for the weeks with at least the
/// minimum group size of them.
fn organisation_weeks(pwp: LazyFrame) -> LazyFrame {
    pwp.group_by([col("week")])
        .agg([
            col("hours").sum().alias("total"),
            col("person_id").n_unique().alias("people"),
        ])
        .filter(col("people").gt_eq(lit(MIN_GROUP)))
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn the_sample_agrees_under_the_wecon_profile() {
    let run = run(&[workspace().join("sample-data")], "wecon");
    crosscheck(&run);
}

#[test]
fn a_synthetic_organisation_agrees_under_every_other_profile_and_a_custom_one() {
    let dir = tempfile::tempdir().unwrap();
    let opts = wecon_synth::SynthOptions {
        people: 40,
        weeks: 3,
        seed: 7,
        ..Default::default()
    };
    wecon_synth::write_organisation(dir.path(), &opts).unwrap();
    // A custom profile that also times documents, searches and transaction steps.
    let elsewhere = tempfile::tempdir().unwrap();
    let custom = elsewhere.path().join("timed-documents.toml");
    let base = std::fs::read_to_string(workspace().join("queries/profiles/wecon.toml")).unwrap();
    let text: String = base
        .lines()
        .map(|l| match l.split_once(" = ") {
            Some(("name", _)) => "name = \"timed-documents\"".to_string(),
            Some(("document_store_minutes", _)) => "document_store_minutes = 4.0".into(),
            Some(("document_view_minutes", _)) => "document_view_minutes = 1.5".into(),
            Some(("document_share_minutes", _)) => "document_share_minutes = 1.0".into(),
            Some(("search_minutes", _)) => "search_minutes = 1.0".into(),
            Some(("transaction_step_minutes", _)) => "transaction_step_minutes = 3.0".into(),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&custom, text).unwrap();
    let custom = custom.to_string_lossy().into_owned();
    for profile in [
        "viva",
        "myanalytics",
        "workplace-analytics",
        custom.as_str(),
    ] {
        let run = run(&[dir.path().to_path_buf()], profile);
        crosscheck(&run);
    }
}
