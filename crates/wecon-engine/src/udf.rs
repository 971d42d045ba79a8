//! SQL functions the metric library needs and DataFusion lacks.
//!
//! - `local_week_minute(ts, tz)`: the minute of the week (Monday 00:00 = 0 … Sunday 23:59 =
//!   10079) at which the UTC timestamp `ts` falls in the IANA time zone `tz` (a column: each
//!   person's own zone). A null or unknown zone reads as UTC. After-hours metrics compare it
//!   with each person's working days and hours.

use std::str::FromStr;
use std::sync::Arc;

use chrono::{Datelike, TimeZone, Timelike};
use datafusion::arrow::array::{
    Array, ArrayRef, Int32Builder, StringArray, TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::error::DataFusionError;
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Volatility, create_udf};

fn local_week_minute(args: &[ColumnarValue]) -> Result<ColumnarValue, DataFusionError> {
    let arrays = ColumnarValue::values_to_arrays(args)?;
    let ts = arrays[0]
        .as_any()
        .downcast_ref::<TimestampMicrosecondArray>()
        .ok_or_else(|| {
            DataFusionError::Execution("local_week_minute: ts must be a timestamp".into())
        })?;
    let tz = arrays[1]
        .as_any()
        .downcast_ref::<StringArray>()
        .ok_or_else(|| DataFusionError::Execution("local_week_minute: tz must be text".into()))?;
    let mut out = Int32Builder::with_capacity(ts.len());
    // Zones repeat: parse each name once.
    let mut zones: std::collections::HashMap<&str, chrono_tz::Tz> = Default::default();
    for i in 0..ts.len() {
        if ts.is_null(i) {
            out.append_null();
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
        match chrono::DateTime::from_timestamp_micros(ts.value(i)) {
            Some(utc) => {
                let local = zone.from_utc_datetime(&utc.naive_utc());
                let day = local.weekday().num_days_from_monday() as i32;
                out.append_value(day * 1440 + local.hour() as i32 * 60 + local.minute() as i32);
            }
            None => out.append_null(),
        }
    }
    Ok(ColumnarValue::Array(Arc::new(out.finish()) as ArrayRef))
}

/// Every function of this module, to register in a session.
pub(crate) fn all() -> Vec<ScalarUDF> {
    vec![create_udf(
        "local_week_minute",
        vec![
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            DataType::Utf8,
        ],
        DataType::Int32,
        Volatility::Immutable,
        Arc::new(local_week_minute),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_of_the_local_week() {
        // Monday 2024-01-15 08:30Z: 09:30 in Berlin (Monday), 03:30 in New York.
        let ts = TimestampMicrosecondArray::from(vec![Some(1_705_307_400_000_000), None])
            .with_timezone("UTC");
        let tz = StringArray::from(vec![Some("Europe/Berlin"), Some("America/New_York")]);
        let out = local_week_minute(&[
            ColumnarValue::Array(Arc::new(ts)),
            ColumnarValue::Array(Arc::new(tz)),
        ])
        .unwrap();
        let ColumnarValue::Array(a) = out else {
            panic!()
        };
        let a = a
            .as_any()
            .downcast_ref::<datafusion::arrow::array::Int32Array>()
            .unwrap();
        assert_eq!(a.value(0), 9 * 60 + 30);
        assert!(a.is_null(1));
    }
}
