//! SQL functions the metric library needs and DataFusion lacks. The first two read a UTC
//! timestamp in an IANA time zone given per row (a column: each person's own zone); a null
//! or unknown zone reads as UTC.
//!
//! - `local_week_minute(ts, tz)`: the minute of the week (Monday 00:00 = 0 … Sunday 23:59 =
//!   10079) at which `ts` falls in `tz`. After-hours metrics compare it with each person's
//!   working days and hours.
//! - `local_micros(ts, tz)`: the local wall-clock time of `ts` in `tz`, as microseconds since
//!   1970-01-01 00:00 *local* (a UTC timestamp's epoch shifted by the zone's offset at that
//!   instant). Integer day arithmetic on it gives local days and weeks; focus-time metrics
//!   lay each person's working day over it.
//! - `utc_week(ts)`: the Monday (a date) of the ISO week `ts` falls in, in UTC: what
//!   `CAST(date_trunc('week', ts) AS DATE)` gives, by integer arithmetic on the microseconds
//!   (DataFusion's `date_trunc` goes through calendar types row by row, three times slower
//!   over a year's activities).

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{Datelike, NaiveDateTime, TimeZone, Timelike};
use datafusion::arrow::array::{
    Array, ArrayRef, Date32Array, Int32Builder, Int64Builder, StringArray,
    TimestampMicrosecondArray,
};
use datafusion::arrow::compute::kernels::arity::unary;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, TimeUnit};
use datafusion::error::DataFusionError;
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility, create_udf,
};

/// Calls `each` with the local wall-clock time of every row (`None` for a null timestamp).
fn for_each_local(
    name: &str,
    args: &[ColumnarValue],
    mut each: impl FnMut(Option<NaiveDateTime>),
) -> Result<(), DataFusionError> {
    let arrays = ColumnarValue::values_to_arrays(args)?;
    let ts = arrays[0]
        .as_any()
        .downcast_ref::<TimestampMicrosecondArray>()
        .ok_or_else(|| DataFusionError::Execution(format!("{name}: ts must be a timestamp")))?;
    let tz = arrays[1]
        .as_any()
        .downcast_ref::<StringArray>()
        .ok_or_else(|| DataFusionError::Execution(format!("{name}: tz must be text")))?;
    // Zones repeat: parse each name once.
    let mut zones: HashMap<&str, chrono_tz::Tz> = HashMap::new();
    for i in 0..ts.len() {
        if ts.is_null(i) {
            each(None);
            continue;
        }
        let zone = if tz.is_null(i) {
            chrono_tz::UTC
        } else {
            let name = tz.value(i);
            *zones
                .entry(name)
                .or_insert_with(|| chrono_tz::Tz::from_str(name).unwrap_or(chrono_tz::UTC))
        };
        each(
            chrono::DateTime::from_timestamp_micros(ts.value(i))
                .map(|utc| zone.from_utc_datetime(&utc.naive_utc()).naive_local()),
        );
    }
    Ok(())
}

fn local_week_minute(args: &[ColumnarValue]) -> Result<ColumnarValue, DataFusionError> {
    let mut out = Int32Builder::new();
    for_each_local("local_week_minute", args, |local| {
        out.append_option(local.map(|l| {
            let day = l.weekday().num_days_from_monday() as i32;
            day * 1440 + l.hour() as i32 * 60 + l.minute() as i32
        }))
    })?;
    Ok(ColumnarValue::Array(Arc::new(out.finish()) as ArrayRef))
}

fn local_micros(args: &[ColumnarValue]) -> Result<ColumnarValue, DataFusionError> {
    let mut out = Int64Builder::new();
    for_each_local("local_micros", args, |local| {
        out.append_option(local.map(|l| l.and_utc().timestamp_micros()))
    })?;
    Ok(ColumnarValue::Array(Arc::new(out.finish()) as ArrayRef))
}

/// Days from 1970-01-01 to the Monday starting the UTC week of `micros` after the epoch.
fn week_start_days(micros: i64) -> i32 {
    let days = micros.div_euclid(86_400_000_000);
    // 1970-01-01 was a Thursday, three days after a Monday.
    (days - (days + 3).rem_euclid(7)) as i32
}

/// `utc_week(ts)`, implemented in full rather than by `create_udf` so that its result is
/// declared non-null wherever the timestamp is (as `date_trunc`'s is): the result tables'
/// schemas stay as they were.
#[derive(Debug, PartialEq, Eq, Hash)]
struct UtcWeek {
    signature: Signature,
}

impl ScalarUDFImpl for UtcWeek {
    fn name(&self) -> &str {
        "utc_week"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType, DataFusionError> {
        Ok(DataType::Date32)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef, DataFusionError> {
        let nullable = args.arg_fields.iter().any(|f| f.is_nullable());
        Ok(Arc::new(Field::new(
            self.name(),
            DataType::Date32,
            nullable,
        )))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue, DataFusionError> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let ts = arrays[0]
            .as_any()
            .downcast_ref::<TimestampMicrosecondArray>()
            .ok_or_else(|| DataFusionError::Execution("utc_week: ts must be a timestamp".into()))?;
        let weeks: Date32Array = unary(ts, week_start_days);
        Ok(ColumnarValue::Array(Arc::new(weeks) as ArrayRef))
    }
}

/// Every function of this module, to register in a session.
pub(crate) fn all() -> Vec<ScalarUDF> {
    let args = || {
        vec![
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            DataType::Utf8,
        ]
    };
    vec![
        create_udf(
            "local_week_minute",
            args(),
            DataType::Int32,
            Volatility::Immutable,
            Arc::new(local_week_minute),
        ),
        create_udf(
            "local_micros",
            args(),
            DataType::Int64,
            Volatility::Immutable,
            Arc::new(local_micros),
        ),
        ScalarUDF::from(UtcWeek {
            signature: Signature::exact(
                vec![DataType::Timestamp(
                    TimeUnit::Microsecond,
                    Some("UTC".into()),
                )],
                Volatility::Immutable,
            ),
        }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int32Array, Int64Array};

    /// Monday 2024-01-15 08:30Z, a null, and the same instant in New York and in a zone
    /// that does not exist.
    fn args() -> Vec<ColumnarValue> {
        let t = 1_705_307_400_000_000;
        let ts = TimestampMicrosecondArray::from(vec![Some(t), None, Some(t), Some(t)])
            .with_timezone("UTC");
        let tz = StringArray::from(vec![
            Some("Europe/Berlin"),
            Some("America/New_York"),
            Some("America/New_York"),
            Some("Mars/Olympus"),
        ]);
        vec![
            ColumnarValue::Array(Arc::new(ts)),
            ColumnarValue::Array(Arc::new(tz)),
        ]
    }

    fn array(v: ColumnarValue) -> ArrayRef {
        match v {
            ColumnarValue::Array(a) => a,
            ColumnarValue::Scalar(_) => panic!("an array was expected"),
        }
    }

    #[test]
    fn minutes_of_the_local_week() {
        let a = array(local_week_minute(&args()).unwrap());
        let a = a.as_any().downcast_ref::<Int32Array>().unwrap();
        // 09:30 on Monday in Berlin, 03:30 in New York, 08:30 in UTC (the unknown zone).
        assert_eq!(a.value(0), 9 * 60 + 30);
        assert!(a.is_null(1));
        assert_eq!(a.value(2), 3 * 60 + 30);
        assert_eq!(a.value(3), 8 * 60 + 30);
    }

    #[tokio::test]
    async fn utc_weeks_are_what_date_trunc_gives() {
        // Instants around week and year boundaries, before 1970 and far off, every hour of a
        // fortnight, and a null: each against DataFusion's own date_trunc('week', ...).
        let day = 86_400_000_000i64;
        let mut instants: Vec<Option<i64>> = vec![
            None,
            Some(0),
            Some(-1),
            Some(i64::from(i32::MAX) * 1_000_000),
        ];
        for base in [
            -70 * 365 * day,
            -day * 4,
            1_705_276_800_000_000,
            4_102_444_800_000_000,
        ] {
            for h in 0..14 * 24 {
                let t = base + h * 3_600_000_000;
                instants.extend([Some(t), Some(t - 1), Some(t + 1)]);
            }
        }
        let ts = TimestampMicrosecondArray::from(instants.clone()).with_timezone("UTC");
        let batch = datafusion::arrow::record_batch::RecordBatch::try_from_iter([(
            "ts",
            Arc::new(ts) as ArrayRef,
        )])
        .unwrap();
        let ctx = datafusion::prelude::SessionContext::new();
        for f in all() {
            ctx.register_udf(f);
        }
        ctx.register_batch("t", batch).unwrap();
        let out = ctx
            .sql("SELECT utc_week(ts) AS ours, CAST(date_trunc('week', ts) AS DATE) AS theirs FROM t")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let mut rows = 0;
        for b in &out {
            let ours = b.column(0).as_any().downcast_ref::<Date32Array>().unwrap();
            let theirs = b.column(1).as_any().downcast_ref::<Date32Array>().unwrap();
            assert_eq!(ours, theirs);
            rows += b.num_rows();
        }
        assert_eq!(rows, instants.len());
    }

    #[test]
    fn local_wall_clock_micros() {
        let a = array(local_micros(&args()).unwrap());
        let a = a.as_any().downcast_ref::<Int64Array>().unwrap();
        let t = 1_705_307_400_000_000i64;
        let hour = 3_600_000_000i64;
        assert_eq!(a.value(0), t + hour);
        assert!(a.is_null(1));
        assert_eq!(a.value(2), t - 5 * hour);
        assert_eq!(a.value(3), t);
    }
}
