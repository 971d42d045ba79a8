//! SQL functions the metric library needs and DataFusion lacks. Both read a UTC timestamp
//! in an IANA time zone given per row (a column: each person's own zone); a null or unknown
//! zone reads as UTC.
//!
//! - `local_week_minute(ts, tz)`: the minute of the week (Monday 00:00 = 0 … Sunday 23:59 =
//!   10079) at which `ts` falls in `tz`. After-hours metrics compare it with each person's
//!   working days and hours.
//! - `local_micros(ts, tz)`: the local wall-clock time of `ts` in `tz`, as microseconds since
//!   1970-01-01 00:00 *local* (a UTC timestamp's epoch shifted by the zone's offset at that
//!   instant). Integer day arithmetic on it gives local days and weeks; focus-time metrics
//!   lay each person's working day over it.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{Datelike, NaiveDateTime, TimeZone, Timelike};
use datafusion::arrow::array::{
    Array, ArrayRef, Int32Builder, Int64Builder, StringArray, TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::error::DataFusionError;
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Volatility, create_udf};

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
