//! Person-level tables and what stands for them in a results folder.
//!
//! Most metrics are computed per person and week (`person_week_process`, ...), and the group
//! tables are built on them in the same session. A results folder holds the person-level
//! tables only when asked (`--individual`), in its `individual/` folder. Otherwise it holds
//! what the report draws from them, summed over each week's people:
//!
//! - `week_summary`: per person-level table, week, key (the process of
//!   `person_week_process`, the lever of `surplus_person_week_lever`, or empty for all) and
//!   measure (each numeric column, and `*` for the rows themselves): the person-weeks with
//!   a row, the distinct people, the sum of the measure and how many of its values are zero
//!   or less;
//! - `week_distribution`: for the measures whose distribution the report draws, the
//!   person-weeks in each band of values per week;
//! - `validation_summary`: the findings of each validation check (their subjects can be
//!   people).
//!
//! Weeks in which fewer people than the minimum group size have time in
//! `person_week_process` are left out of both week tables, as the report leaves them out.
//! A week's sums are then over at least that many people. Two rows of `week_summary` are
//! over all weeks (`week` empty): the people of the weeks shown (`person_week_process`),
//! and the person-weeks validation leaves out of group figures (`validation_exclusions`).

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::compute::{cast, concat_batches};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::prelude::SessionContext;

use crate::{EngineError, keys, sql};

/// The folder of a results folder that holds person-level tables.
pub const INDIVIDUAL_DIR: &str = "individual";

/// What the folder of person-level tables says of itself.
pub(crate) const README: &str = "# Person-level tables\n\n\
These tables hold one row per person and week (or, in `validation`, findings that can name \
a person), written because `wecon analyze` (or `wecon run`) was given `--individual`. People \
appear as keyed pseudonyms, but a person's figures are theirs: share these tables only as \
the people's consent and your data-protection rules allow. The rest of the results folder \
and the report hold group and organisation figures only.\n";

/// The tables that stand for the person-level ones.
pub const WEEK_SUMMARY: &str = "week_summary";
pub const WEEK_DISTRIBUTION: &str = "week_distribution";
pub const VALIDATION_SUMMARY: &str = "validation_summary";

/// The person-level tables' key columns (a row per person, week and key).
const KEYS: &[(&str, &str)] = &[
    ("person_week_process", "process"),
    ("surplus_person_week_lever", "lever"),
];

/// The measures whose distribution over person-weeks the report draws, with the lower
/// edges of their bands (the last band is open-ended; values below the first are not
/// counted).
pub const DISTRIBUTIONS: &[(&str, &str, &[f64])] = &[
    (
        "person_week_meetings",
        "adjusted_hours",
        &[0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 15.0, 20.0],
    ),
    (
        "person_week_network",
        "internal_network",
        &[0.0, 1.0, 6.0, 11.0, 21.0, 51.0],
    ),
    (
        "person_week_network",
        "external_network",
        &[0.0, 1.0, 6.0, 11.0, 21.0, 51.0],
    ),
];

/// Whether a result table is about individuals: it has a row per person, or (`validation`)
/// its findings can name a person.
pub(crate) fn is_individual(name: &str, schema: &Schema) -> bool {
    name == "validation" || schema.field_with_name("person_id").is_ok()
}

fn week_summary_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("source_table", DataType::Utf8, false),
        Field::new("week", DataType::Date32, true),
        Field::new("key", DataType::Utf8, false),
        Field::new("measure", DataType::Utf8, false),
        Field::new("person_weeks", DataType::Int64, false),
        Field::new("people", DataType::Int64, false),
        Field::new("total", DataType::Float64, false),
        Field::new("nonpositive", DataType::Int64, false),
    ]))
}

fn week_distribution_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("source_table", DataType::Utf8, false),
        Field::new("measure", DataType::Utf8, false),
        Field::new("week", DataType::Date32, true),
        Field::new("low", DataType::Float64, false),
        Field::new("person_weeks", DataType::Int64, false),
    ]))
}

/// `week_summary`'s rows of one table and grouping from `measured` (week, key, person-weeks,
/// people, then each measure's total and count of values at or below zero): a block of rows
/// for the rows themselves (measure `*`), then one per measure.
fn unpivot(
    table: &str,
    measures: &[&str],
    measured: &RecordBatch,
) -> Result<Vec<RecordBatch>, EngineError> {
    let rows = measured.num_rows();
    if rows == 0 {
        return Ok(Vec::new());
    }
    let schema = week_summary_schema();
    let repeated = |s: &str| Arc::new(StringArray::from(vec![s; rows])) as ArrayRef;
    let column = |i: usize, to: &DataType| cast(measured.column(i), to);
    let block = |measure: &str, total: ArrayRef, nonpositive: ArrayRef| {
        RecordBatch::try_new(
            schema.clone(),
            vec![
                repeated(table),
                column(0, &DataType::Date32)?,
                column(1, &DataType::Utf8)?,
                repeated(measure),
                column(2, &DataType::Int64)?,
                column(3, &DataType::Int64)?,
                total,
                nonpositive,
            ],
        )
    };
    let mut out = vec![block(
        "*",
        Arc::new(Float64Array::from(vec![0.0; rows])),
        Arc::new(Int64Array::from(vec![0; rows])),
    )?];
    for (i, m) in measures.iter().enumerate() {
        out.push(block(
            m,
            column(4 + 2 * i, &DataType::Float64)?,
            column(5 + 2 * i, &DataType::Int64)?,
        )?);
    }
    Ok(out)
}

/// A SQL text literal.
fn text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A SQL identifier.
fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The weeks shown: those with at least `min_people` people in `person_week_process` (with
/// `requires_sent`, active people: `person_week.active`).
fn shown_weeks(min_people: usize, requires_sent: bool) -> String {
    if requires_sent {
        format!(
            "(SELECT week FROM person_week WHERE active GROUP BY week \
             HAVING COUNT(DISTINCT person_id) >= {min_people})"
        )
    } else {
        format!(
            "(SELECT week FROM person_week_process GROUP BY week \
             HAVING COUNT(DISTINCT person_id) >= {min_people})"
        )
    }
}

/// With `requires_sent` (the profile's `active_requires_sent`), a condition on the rows of
/// person-level table `table` keeping the active person-weeks (`person_week.active`: at
/// least one mail or chat message sent); else none.
fn active_only(table: &str, requires_sent: bool) -> String {
    if requires_sent {
        let t = ident(table);
        format!(
            " AND EXISTS (SELECT 1 FROM person_week a \
             WHERE a.person_id = {t}.person_id AND a.week = {t}.week AND a.active)"
        )
    } else {
        String::new()
    }
}

/// Runs `statements` and gathers their rows, cast to `schema`.
async fn gather(
    ctx: &SessionContext,
    statements: Vec<String>,
    schema: SchemaRef,
) -> Result<Vec<RecordBatch>, EngineError> {
    let mut out = Vec::new();
    for s in statements {
        for b in sql(ctx, &s).await? {
            if b.num_rows() > 0 {
                let columns = b
                    .columns()
                    .iter()
                    .zip(schema.fields())
                    .map(|(c, f)| cast(c, f.data_type()))
                    .collect::<Result<Vec<_>, _>>()?;
                out.push(RecordBatch::try_new(schema.clone(), columns)?);
            }
        }
    }
    if out.is_empty() {
        out.push(RecordBatch::new_empty(schema));
    }
    Ok(out)
}

/// The tables that stand for the person-level `tables` (registered in `ctx`, with their
/// schemas), by name; with `requires_sent`, over the active person-weeks only, as group
/// figures count them.
pub(crate) async fn summaries(
    ctx: &SessionContext,
    tables: &[(String, SchemaRef)],
    min_people: usize,
    requires_sent: bool,
) -> Result<Vec<(&'static str, Vec<RecordBatch>)>, EngineError> {
    let has_process = tables.iter().any(|(n, _)| n == "person_week_process");
    // The weeks shown, found once and written into the statements below as a list (each
    // filters by them).
    let shown = if has_process {
        let weeks = sql(
            ctx,
            &format!(
                "SELECT week FROM {} ORDER BY week",
                shown_weeks(min_people, requires_sent)
            ),
        )
        .await?;
        let mut list = Vec::new();
        for b in &weeks {
            // A date as text is `YYYY-MM-DD`, what a `DATE` literal reads.
            let column = cast(b.column(0), &DataType::Utf8)?;
            let column = datafusion::common::cast::as_string_array(&column)?;
            list.extend(column.iter().flatten().map(|w| format!("DATE {}", text(w))));
        }
        if list.is_empty() {
            "FALSE".to_string()
        } else {
            format!("week IN ({})", list.join(", "))
        }
    } else {
        "FALSE".to_string()
    };
    let mut summary = Vec::new();
    for (name, schema) in tables {
        if schema.field_with_name("week").is_err() || schema.field_with_name("person_id").is_err() {
            continue;
        }
        let measures: Vec<&str> = schema
            .fields()
            .iter()
            // Keys (persons, activities) are numbers, not measures.
            .filter(|f| f.data_type().is_numeric() && !keys::is_key_column(f.name()))
            .map(|f| f.name().as_str())
            .collect();
        let key = KEYS.iter().find(|(t, _)| t == name).map(|(_, k)| *k);
        // Rows per key, then over all keys (a person-week counts once).
        let groupings: Vec<(String, String, &str)> = match key {
            Some(k) => vec![
                (
                    format!("CAST({} AS VARCHAR)", ident(k)),
                    format!(", {}", ident(k)),
                    "COUNT(*)",
                ),
                ("''".into(), String::new(), "COUNT(DISTINCT person_id)"),
            ],
            None => vec![("''".into(), String::new(), "COUNT(*)")],
        };
        for (key_expr, group_extra, person_weeks) in &groupings {
            // One statement gives every measure's sum and count of values at or below zero
            // per week and key; each measure then becomes its own block of rows.
            let sums: String = measures
                .iter()
                .map(|m| {
                    let m = ident(m);
                    format!(
                        ", CAST(COALESCE(SUM(CAST({m} AS DOUBLE)), 0.0) AS DOUBLE), \
                         CAST(COALESCE(SUM(CASE WHEN {m} <= 0 THEN 1 ELSE 0 END), 0) AS BIGINT)"
                    )
                })
                .collect();
            let batches = sql(
                ctx,
                &format!(
                    "SELECT CAST(week AS DATE) AS week, {key_expr} AS key, \
                     CAST({person_weeks} AS BIGINT) AS person_weeks, \
                     CAST(COUNT(DISTINCT person_id) AS BIGINT) AS people{sums} \
                     FROM {t} WHERE {shown}{active} GROUP BY week{group_extra} ORDER BY week, key",
                    t = ident(name),
                    active = active_only(name, requires_sent),
                ),
            )
            .await?;
            let measured = concat_batches(&batches[0].schema(), &batches)?;
            summary.extend(unpivot(name, &measures, &measured)?);
        }
    }
    // Over all weeks at once: the people of the weeks shown, and the person-weeks
    // validation leaves out of group figures (a count).
    let all_weeks = |table: &str, filter: &str| {
        format!(
            "SELECT {t} AS source_table, CAST(NULL AS DATE) AS week, '' AS key, '*' AS measure, \
             CAST(COUNT(DISTINCT concat(person_id, ' ', CAST(week AS VARCHAR))) AS BIGINT) \
             AS person_weeks, \
             CAST(COUNT(DISTINCT person_id) AS BIGINT) AS people, 0.0 AS total, \
             CAST(0 AS BIGINT) AS nonpositive FROM {ti} WHERE {filter}",
            t = text(table),
            ti = ident(table),
        )
    };
    let mut over_all_weeks = Vec::new();
    if has_process {
        over_all_weeks.push(all_weeks(
            "person_week_process",
            &format!(
                "{shown}{}",
                active_only("person_week_process", requires_sent)
            ),
        ));
    }
    if tables.iter().any(|(n, _)| n == "validation_exclusions") {
        over_all_weeks.push(all_weeks("validation_exclusions", "TRUE"));
    }
    let over_all_weeks = gather(ctx, over_all_weeks, week_summary_schema()).await?;
    summary.extend(over_all_weeks.into_iter().filter(|b| b.num_rows() > 0));
    if summary.is_empty() {
        summary.push(RecordBatch::new_empty(week_summary_schema()));
    }
    let mut distribution = Vec::new();
    for (table, measure, edges) in DISTRIBUTIONS {
        if !tables.iter().any(|(n, _)| n == table) {
            continue;
        }
        let m = ident(measure);
        let band: String = edges
            .iter()
            .rev()
            .map(|e| format!("WHEN {m} >= {e:?} THEN {e:?} "))
            .collect();
        distribution.push(format!(
            "SELECT {t} AS source_table, {mt} AS measure, week, low, \
             CAST(COUNT(*) AS BIGINT) AS person_weeks \
             FROM (SELECT CAST(week AS DATE) AS week, CAST(CASE {band}END AS DOUBLE) AS low \
                   FROM {ti} WHERE {shown}{active} AND {m} >= {first:?}) \
             GROUP BY week, low ORDER BY week, low",
            t = text(table),
            mt = text(measure),
            ti = ident(table),
            active = active_only(table, requires_sent),
            first = edges[0],
        ));
    }
    let mut out = vec![
        (WEEK_SUMMARY, summary),
        (
            WEEK_DISTRIBUTION,
            gather(ctx, distribution, week_distribution_schema()).await?,
        ),
    ];
    if tables.iter().any(|(n, _)| n == "validation") {
        out.push((
            VALIDATION_SUMMARY,
            sql(
                ctx,
                "SELECT \"check\", CAST(COUNT(*) AS BIGINT) AS findings FROM validation \
                 GROUP BY \"check\" ORDER BY \"check\"",
            )
            .await?,
        ));
    }
    Ok(out)
}
