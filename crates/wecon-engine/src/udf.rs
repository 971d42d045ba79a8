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
//! - `set_bits(x)`: the places of the bits set in the integer `x` (0 for the lowest), lowest
//!   first, as a list (empty for 0, null for null): `unnest(set_bits(x))` gives one row per
//!   bit set. The network metrics keep each pair's weeks as the bits of an integer and list
//!   the weeks that qualify by it, where a join to the 52 places tested every place of every
//!   pair (4,000 people: 5.3 s of CPU in that join, 0.6 s listing and unnesting the bits).
//! - `max_before(x) OVER (PARTITION BY ... ORDER BY ...)`: a window function, the greatest
//!   non-null `x` among the rows before each row in its partition's order (null for the first,
//!   or when every earlier `x` is null; a frame written in the `OVER` clause is ignored): what
//!   `MAX(x) OVER (... ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)` gives. DataFusion
//!   computes that frame by feeding each row to an aggregate and reading the aggregate back,
//!   row by row; a running maximum kept by the evaluator is three times faster. The
//!   union-of-intervals metrics (collaboration, focus, meetings) find each interval's overlap
//!   with the earlier ones by it.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{Offset, TimeZone};
use datafusion::arrow::array::{
    Array, ArrayRef, Date32Array, Int32Builder, Int64Builder, ListBuilder, StringArray,
    TimestampMicrosecondArray,
};
use datafusion::arrow::array::{AsArray, PrimitiveArray};
use datafusion::arrow::compute::kernels::arity::unary;
use datafusion::arrow::datatypes::{
    ArrowNativeTypeOp, ArrowPrimitiveType, DataType, Field, FieldRef, Float64Type, Int64Type,
    TimeUnit, TimestampMicrosecondType,
};
use datafusion::error::DataFusionError;
use datafusion::logical_expr::function::{PartitionEvaluatorArgs, WindowUDFFieldArgs};
use datafusion::logical_expr::{
    ColumnarValue, PartitionEvaluator, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF,
    ScalarUDFImpl, Signature, TypeSignature, Volatility, WindowUDF, WindowUDFImpl, create_udf,
};
use datafusion::scalar::ScalarValue;

/// Microseconds in a day: the span of UTC time (a UTC day) a [`ZoneClock`] remembers an
/// offset for.
const DAY: i64 = 86_400_000_000;

/// One zone's wall clock, remembering its offset for the UTC day it last read, so that the
/// zone's rules (chrono-tz's search of its transitions, and the calendar arithmetic around
/// it) are consulted about once a day of a person's rows rather than once a row
/// (`local_micros` over the 4,000-person year's 20.75 M activities: 1.02 s of CPU before,
/// 0.58 s). A day whose two ends have the same offset has it throughout: in the time-zone
/// database (release 2025b, read from its compiled files) every change of offset is at least
/// 95 hours from the next (the closest: Freetown's in 1939), so a day holds at most one
/// change, and one change would leave its ends different.
struct ZoneClock {
    zone: chrono_tz::Tz,
    /// The UTC day last read, and its offset (`None` where the offset changes during it).
    day: Option<(i64, Option<i64>)>,
}

impl ZoneClock {
    fn new(zone: chrono_tz::Tz) -> Self {
        Self { zone, day: None }
    }

    /// The zone's offset from UTC at `utc` (microseconds since the epoch), in microseconds;
    /// `None` where chrono cannot represent the instant.
    fn offset_at(&self, utc: i64) -> Option<i64> {
        let instant = chrono::DateTime::from_timestamp_micros(utc)?;
        let offset = self.zone.offset_from_utc_datetime(&instant.naive_utc());
        Some(i64::from(offset.fix().local_minus_utc()) * 1_000_000)
    }

    /// The offset all of UTC day `day` (days since the epoch) has: `None` where it changes
    /// during the day, or where chrono cannot represent the day's ends.
    fn day_offset(&self, day: i64) -> Option<i64> {
        let first = day.checked_mul(DAY)?;
        let last = first.checked_add(DAY - 1)?;
        let offset = self.offset_at(first)?;
        (self.offset_at(last)? == offset).then_some(offset)
    }

    /// `utc` (microseconds since the epoch) on the zone's wall clock, as microseconds since
    /// 1970-01-01 00:00 local time.
    fn local(&mut self, utc: i64) -> Option<i64> {
        let day = utc.div_euclid(DAY);
        let offset = match self.day {
            Some((d, offset)) if d == day => offset,
            _ => {
                let offset = self.day_offset(day);
                self.day = Some((day, offset));
                offset
            }
        };
        // On a day the offset changes, each row is read exactly.
        let offset = match offset {
            Some(o) => o,
            None => self.offset_at(utc)?,
        };
        utc.checked_add(offset)
    }
}

/// Calls `each` with the local wall-clock time of every row, as microseconds since
/// 1970-01-01 00:00 local time (`None` for a null timestamp).
fn for_each_local(
    name: &str,
    args: &[ColumnarValue],
    mut each: impl FnMut(Option<i64>),
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
    // Zones repeat, and runs of rows share one (a person's): each name is parsed once, and
    // looked up again only when it differs from the row before's.
    let mut clocks: Vec<ZoneClock> = vec![ZoneClock::new(chrono_tz::UTC)];
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut last: Option<(&str, usize)> = None;
    for i in 0..ts.len() {
        if ts.is_null(i) {
            each(None);
            continue;
        }
        let clock = if tz.is_null(i) {
            0
        } else {
            let name = tz.value(i);
            match last {
                Some((n, c)) if n == name => c,
                _ => {
                    let c = *index.entry(name).or_insert_with(|| {
                        let zone = chrono_tz::Tz::from_str(name).unwrap_or(chrono_tz::UTC);
                        clocks.push(ZoneClock::new(zone));
                        clocks.len() - 1
                    });
                    last = Some((name, c));
                    c
                }
            }
        };
        each(clocks[clock].local(ts.value(i)));
    }
    Ok(())
}

fn local_week_minute(args: &[ColumnarValue]) -> Result<ColumnarValue, DataFusionError> {
    let mut out = Int32Builder::new();
    for_each_local("local_week_minute", args, |local| {
        out.append_option(local.map(|l| {
            let weekday = days_since_monday(l.div_euclid(DAY));
            let minute = l.rem_euclid(DAY) / 60_000_000;
            (weekday * 1440 + minute) as i32
        }))
    })?;
    Ok(ColumnarValue::Array(Arc::new(out.finish()) as ArrayRef))
}

fn local_micros(args: &[ColumnarValue]) -> Result<ColumnarValue, DataFusionError> {
    let mut out = Int64Builder::new();
    for_each_local("local_micros", args, |local| out.append_option(local))?;
    Ok(ColumnarValue::Array(Arc::new(out.finish()) as ArrayRef))
}

fn set_bits(args: &[ColumnarValue]) -> Result<ColumnarValue, DataFusionError> {
    let arrays = ColumnarValue::values_to_arrays(args)?;
    let x = arrays[0]
        .as_primitive_opt::<Int64Type>()
        .ok_or_else(|| DataFusionError::Execution("set_bits: x must be an integer".into()))?;
    let mut out = ListBuilder::with_capacity(Int64Builder::new(), x.len());
    for v in x {
        let Some(v) = v else {
            out.append_null();
            continue;
        };
        let mut rest = v as u64;
        while rest != 0 {
            out.values().append_value(i64::from(rest.trailing_zeros()));
            rest &= rest - 1;
        }
        out.append(true);
    }
    Ok(ColumnarValue::Array(Arc::new(out.finish()) as ArrayRef))
}

/// Days since the last Monday (0 for a Monday) of the day `days` after 1970-01-01, a
/// Thursday, three days after a Monday.
fn days_since_monday(days: i64) -> i64 {
    (days + 3).rem_euclid(7)
}

/// Days from 1970-01-01 to the Monday starting the UTC week of `micros` after the epoch.
fn week_start_days(micros: i64) -> i32 {
    let days = micros.div_euclid(DAY);
    (days - days_since_monday(days)) as i32
}

/// A function's result field, nullable only where one of its arguments is: what a function
/// that maps each non-null value to a non-null one returns, so that the columns it makes keep
/// the schema of the columns it reads.
pub(crate) fn nullable_as_args(
    name: &str,
    data_type: DataType,
    args: &ReturnFieldArgs,
) -> FieldRef {
    let nullable = args.arg_fields.iter().any(|f| f.is_nullable());
    Arc::new(Field::new(name, data_type, nullable))
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
        Ok(nullable_as_args(self.name(), DataType::Date32, &args))
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
        create_udf(
            "set_bits",
            vec![DataType::Int64],
            DataType::new_list(DataType::Int64, true),
            Volatility::Immutable,
            Arc::new(set_bits),
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

/// `max_before(x)`: see the module's documentation.
#[derive(Debug, PartialEq, Eq, Hash)]
struct MaxBefore {
    signature: Signature,
}

impl WindowUDFImpl for MaxBefore {
    fn name(&self) -> &str {
        "max_before"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn partition_evaluator(
        &self,
        args: PartitionEvaluatorArgs,
    ) -> Result<Box<dyn PartitionEvaluator>, DataFusionError> {
        let data_type = args
            .input_fields()
            .first()
            .map(|f| f.data_type().clone())
            .ok_or_else(|| DataFusionError::Plan("max_before takes one argument".into()))?;
        Ok(match &data_type {
            DataType::Int64 => Box::new(RunningMax::<Int64Type>::new(data_type)),
            DataType::Float64 => Box::new(RunningMax::<Float64Type>::new(data_type)),
            DataType::Timestamp(TimeUnit::Microsecond, _) => {
                Box::new(RunningMax::<TimestampMicrosecondType>::new(data_type))
            }
            other => {
                return Err(DataFusionError::Plan(format!(
                    "max_before: cannot read {other}"
                )));
            }
        })
    }

    fn field(&self, args: WindowUDFFieldArgs) -> Result<FieldRef, DataFusionError> {
        let data_type = args
            .get_input_field(0)
            .map(|f| f.data_type().clone())
            .ok_or_else(|| DataFusionError::Plan("max_before takes one argument".into()))?;
        Ok(Arc::new(Field::new(args.name(), data_type, true)))
    }
}

/// The greatest value of the rows seen so far in one partition; each row gets the value
/// before it is added.
#[derive(Debug)]
struct RunningMax<T: ArrowPrimitiveType> {
    max: Option<T::Native>,
    data_type: DataType,
}

impl<T: ArrowPrimitiveType> RunningMax<T> {
    fn new(data_type: DataType) -> Self {
        Self {
            max: None,
            data_type,
        }
    }

    /// The running maximum before `row`, then `row` added to it.
    fn step(&mut self, values: &PrimitiveArray<T>, row: usize) -> Option<T::Native> {
        let before = self.max;
        if values.is_valid(row) {
            let v = values.value(row);
            // A total order, as DataFusion's MAX (NaN above every number).
            if self.max.is_none_or(|m| v.is_gt(m)) {
                self.max = Some(v);
            }
        }
        before
    }
}

impl<T: ArrowPrimitiveType + std::fmt::Debug> PartitionEvaluator for RunningMax<T> {
    // Rows come in the partition's order, each once: the running maximum is all the state,
    // so DataFusion can stream the partition rather than hold it whole. (Where a plan holds
    // partitions whole anyway, DataFusion's `evaluate_all` calls `evaluate` row by row, as
    // here.)
    fn supports_bounded_execution(&self) -> bool {
        true
    }

    fn is_causal(&self) -> bool {
        true
    }

    fn evaluate(
        &mut self,
        values: &[ArrayRef],
        range: &std::ops::Range<usize>,
    ) -> Result<ScalarValue, DataFusionError> {
        let before = self.step(values[0].as_primitive::<T>(), range.start);
        ScalarValue::new_primitive::<T>(before, &self.data_type)
    }
}

/// The window functions of this module, to register in a session.
pub(crate) fn windows() -> Vec<WindowUDF> {
    // Integers, floats and timestamps (other types are coerced to one of them where they can
    // be).
    let types = vec![
        DataType::Int64,
        DataType::Float64,
        DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
    ];
    vec![WindowUDF::from(MaxBefore {
        signature: Signature::new(TypeSignature::Uniform(1, types), Volatility::Immutable),
    })]
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

    /// What chrono-tz gives for one instant in one zone, row by row: the wall clock the
    /// remembered offsets must reproduce.
    fn wall_clock(utc: i64, zone: &str) -> chrono::NaiveDateTime {
        let zone = chrono_tz::Tz::from_str(zone).unwrap();
        let instant = chrono::DateTime::from_timestamp_micros(utc).unwrap();
        zone.from_utc_datetime(&instant.naive_utc()).naive_local()
    }

    #[test]
    fn remembered_offsets_give_what_the_zone_rules_give() {
        use chrono::{Datelike, Timelike};
        // Zones whose clocks change at odd times: half-hour and 45-minute offsets and shifts
        // (St John's, Lord Howe, Kathmandu, Chatham), a negative summer shift (Dublin), the
        // Ramadan changes of Casablanca, Troll's two-hour shift, offsets with odd seconds
        // (Kolkata's and Kathmandu's local mean time, Monrovia's -00:44:30 until 1972), and
        // the ordinary (New York, UTC).
        let zones = [
            "America/St_Johns",
            "Australia/Lord_Howe",
            "Asia/Kathmandu",
            "Pacific/Chatham",
            "Europe/Dublin",
            "Africa/Casablanca",
            "Antarctica/Troll",
            "Asia/Kolkata",
            "Africa/Monrovia",
            "America/New_York",
            "UTC",
        ];
        // Instants 17 min 13.000017 s apart over 2024-2025, 1891 and 1937, and 13 s apart
        // over the four hours around two changes at odd times of day: Kathmandu's from
        // local mean time (+05:41:16) to +05:30 at 18:18:44 UTC on 31 December 1919, and
        // Monrovia's from -00:44:30 to UTC at 00:44:30 UTC on 7 January 1972. Every zone's
        // rows together and then all of them interleaved, so that offsets are remembered
        // across rows, across zones and across the changes.
        let spans = [
            (
                1_704_067_200_000_000_i64,
                1_767_225_600_000_000_i64,
                1_033_000_017,
            ),
            (
                -2_493_072_000_000_000,
                -2_461_536_000_000_000,
                1_033_000_017,
            ),
            (
                -1_041_379_200_000_000,
                -1_009_843_200_000_000,
                1_033_000_017,
            ),
            (-1_577_950_876_000_000, -1_577_936_476_000_000, 13_000_000),
            (63_585_870_000_000, 63_600_270_000_000, 13_000_000),
        ];
        let mut rows: Vec<(i64, &str)> = Vec::new();
        for zone in zones {
            for (from, to, step) in spans {
                rows.extend((from..to).step_by(step).map(|t| (t, zone)));
            }
        }
        let interleaved: Vec<(i64, &str)> = (0..rows.len())
            .map(|i| rows[(i * 7_919) % rows.len()])
            .collect();
        for rows in [&rows, &interleaved] {
            let ts = TimestampMicrosecondArray::from(rows.iter().map(|r| r.0).collect::<Vec<_>>())
                .with_timezone("UTC");
            let tz = StringArray::from(rows.iter().map(|r| r.1).collect::<Vec<_>>());
            let args = vec![
                ColumnarValue::Array(Arc::new(ts)),
                ColumnarValue::Array(Arc::new(tz)),
            ];
            let micros = array(local_micros(&args).unwrap());
            let micros = micros.as_any().downcast_ref::<Int64Array>().unwrap();
            let minutes = array(local_week_minute(&args).unwrap());
            let minutes = minutes.as_any().downcast_ref::<Int32Array>().unwrap();
            for (i, &(utc, zone)) in rows.iter().enumerate() {
                let wall = wall_clock(utc, zone);
                assert_eq!(
                    micros.value(i),
                    wall.and_utc().timestamp_micros(),
                    "{zone} at {utc}"
                );
                let minute =
                    wall.weekday().num_days_from_monday() * 1440 + wall.hour() * 60 + wall.minute();
                assert_eq!(minutes.value(i), minute as i32, "{zone} at {utc}");
            }
        }
    }

    #[test]
    fn instants_chrono_cannot_hold_are_null() {
        let ts = TimestampMicrosecondArray::from(vec![i64::MAX, i64::MIN, i64::MAX - 1])
            .with_timezone("UTC");
        let tz = StringArray::from(vec![Some("Europe/Dublin"), None, Some("Asia/Kathmandu")]);
        let args = vec![
            ColumnarValue::Array(Arc::new(ts)),
            ColumnarValue::Array(Arc::new(tz)),
        ];
        assert_eq!(array(local_micros(&args).unwrap()).null_count(), 3);
        assert_eq!(array(local_week_minute(&args).unwrap()).null_count(), 3);
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

    #[tokio::test]
    async fn set_bits_lists_every_place_once() {
        // Each single bit, a few mixtures, 0, -1 (every bit), the sign bit, a null: against
        // the places found by testing each bit, and once more through `unnest` in SQL.
        let mut values: Vec<Option<i64>> = (0..64).map(|b| Some(1i64 << b)).collect();
        values.extend([
            Some(0),
            Some(-1),
            Some(i64::MIN),
            Some(0b1011_0001),
            Some((1 << 54) | (1 << 3) | 7),
            Some(0x5555_5555_5555_5555),
            None,
        ]);
        let expected = |v: i64| (0..64).filter(|b| (v >> b) & 1 == 1).collect::<Vec<i64>>();
        let got = array(
            set_bits(&[ColumnarValue::Array(Arc::new(Int64Array::from(
                values.clone(),
            )))])
            .unwrap(),
        );
        let got = got.as_list::<i32>();
        assert_eq!(got.len(), values.len());
        for (row, v) in values.iter().enumerate() {
            match v {
                None => assert!(got.is_null(row)),
                Some(v) => {
                    let places = got.value(row);
                    let places = places.as_primitive::<Int64Type>();
                    assert_eq!(places.values().to_vec(), expected(*v), "{v:#x}");
                }
            }
        }

        let batch = datafusion::arrow::record_batch::RecordBatch::try_from_iter([(
            "x",
            Arc::new(Int64Array::from(values.clone())) as ArrayRef,
        )])
        .unwrap();
        let ctx = session(batch, 5);
        let out = ctx
            .sql("SELECT x, unnest(set_bits(x)) AS b FROM t")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let mut rows: Vec<(i64, i64)> = Vec::new();
        for batch in &out {
            let x = batch.column(0).as_primitive::<Int64Type>();
            let b = batch.column(1).as_primitive::<Int64Type>();
            rows.extend((0..batch.num_rows()).map(|i| (x.value(i), b.value(i))));
        }
        rows.sort_unstable();
        let mut want: Vec<(i64, i64)> = values
            .iter()
            .flatten()
            .flat_map(|&v| expected(v).into_iter().map(move |b| (v, b)))
            .collect();
        want.sort_unstable();
        assert_eq!(rows, want);
    }

    /// A session with wecon's functions, reading `batch` as table `t` in batches of `rows`
    /// (small, so that a partition spans many batches and the window runs on streamed rows).
    fn session(
        batch: datafusion::arrow::record_batch::RecordBatch,
        rows: usize,
    ) -> datafusion::prelude::SessionContext {
        let config = datafusion::prelude::SessionConfig::new()
            .with_batch_size(rows)
            .with_target_partitions(2);
        let ctx = datafusion::prelude::SessionContext::new_with_config(config);
        for f in all() {
            ctx.register_udf(f);
        }
        for f in windows() {
            ctx.register_udwf(f);
        }
        ctx.register_batch("t", batch).unwrap();
        ctx
    }

    #[tokio::test]
    async fn max_before_is_the_greatest_earlier_value() {
        // Two people; the first's values out of order with a null, the second's a single row.
        let batch = datafusion::arrow::record_batch::RecordBatch::try_from_iter([
            (
                "p",
                Arc::new(StringArray::from(vec!["a", "a", "a", "a", "a", "b"])) as ArrayRef,
            ),
            (
                "o",
                Arc::new(Int64Array::from(vec![1, 2, 3, 4, 5, 1])) as ArrayRef,
            ),
            (
                "x",
                Arc::new(Int64Array::from(vec![
                    Some(5),
                    None,
                    Some(3),
                    Some(9),
                    Some(1),
                    Some(7),
                ])) as ArrayRef,
            ),
        ])
        .unwrap();
        let out = session(batch, 2)
            .sql("SELECT max_before(x) OVER (PARTITION BY p ORDER BY o) AS m FROM t ORDER BY p, o")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let got: Vec<Option<i64>> = out
            .iter()
            .flat_map(|b| {
                b.column(0)
                    .as_primitive::<Int64Type>()
                    .iter()
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(got, vec![None, Some(5), Some(5), Some(5), Some(9), None]);
    }

    #[tokio::test]
    async fn max_before_agrees_with_max_over_the_rows_before() {
        // 3,000 rows of 40 people in a scrambled order, with nulls, negative numbers, equal
        // values and timestamps; batches of 7 rows, two partitions.
        let n = 3_000i64;
        let mut seed = 12_345u64;
        let mut next = move || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) as i64
        };
        let (mut p, mut o, mut i, mut f, mut ts) = (vec![], vec![], vec![], vec![], vec![]);
        for row in 0..n {
            let r = next();
            p.push(format!("p{}", r % 40));
            o.push((row * 7_919) % n);
            i.push((r % 11 != 0).then_some(next() % 1_000 - 500));
            f.push((r % 13 != 0).then_some((next() % 1_000) as f64 / 7.0 - 60.0));
            ts.push((r % 17 != 0).then_some(1_700_000_000_000_000 + next() % 10_000 * 1_000_000));
        }
        let batch = datafusion::arrow::record_batch::RecordBatch::try_from_iter([
            ("p", Arc::new(StringArray::from(p)) as ArrayRef),
            ("o", Arc::new(Int64Array::from(o)) as ArrayRef),
            ("i", Arc::new(Int64Array::from(i)) as ArrayRef),
            (
                "f",
                Arc::new(datafusion::arrow::array::Float64Array::from(f)) as ArrayRef,
            ),
            (
                "ts",
                Arc::new(TimestampMicrosecondArray::from(ts).with_timezone("UTC")) as ArrayRef,
            ),
        ])
        .unwrap();
        let w = "PARTITION BY p ORDER BY o";
        let frame = "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING";
        let ctx = session(batch, 7);
        // Streamed (DataFusion's bounded window), and beside a window over whole partitions,
        // which makes DataFusion hold each partition and evaluate all its rows at once.
        for (beside, exec) in [
            (", 1 AS whole", "BoundedWindowAggExec:"),
            (
                ", COUNT(*) OVER (PARTITION BY p ORDER BY o ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS whole",
                "WindowAggExec:",
            ),
        ] {
            let sql = format!(
                "SELECT COUNT(*) AS n,
                        SUM(CASE WHEN a IS NOT DISTINCT FROM b THEN 0 ELSE 1 END) AS i_off,
                        SUM(CASE WHEN c IS NOT DISTINCT FROM d THEN 0 ELSE 1 END) AS f_off,
                        SUM(CASE WHEN e IS NOT DISTINCT FROM g THEN 0 ELSE 1 END) AS ts_off,
                        COUNT(a) AS i_values,
                        SUM(whole) AS whole
                 FROM (SELECT max_before(i) OVER ({w}) AS a, MAX(i) OVER ({w} {frame}) AS b,
                              max_before(f) OVER ({w}) AS c, MAX(f) OVER ({w} {frame}) AS d,
                              max_before(ts) OVER ({w}) AS e, MAX(ts) OVER ({w} {frame}) AS g
                              {beside}
                       FROM t)"
            );
            let plan = ctx
                .sql(&format!("EXPLAIN {sql}"))
                .await
                .unwrap()
                .collect()
                .await
                .unwrap();
            let plan = datafusion::arrow::util::pretty::pretty_format_batches(&plan)
                .unwrap()
                .to_string();
            assert!(
                plan.lines()
                    .any(|l| l.trim_start_matches(['|', ' ']).starts_with(exec)
                        && l.contains("max_before(t.i)")),
                "{plan}"
            );
            let out = ctx.sql(&sql).await.unwrap().collect().await.unwrap();
            let col = |k: usize| out[0].column(k).as_primitive::<Int64Type>().value(0);
            assert_eq!(col(0), n);
            assert_eq!((col(1), col(2), col(3)), (0, 0, 0), "{exec}");
            // Not everything null: all but each person's first rows have a value.
            assert!(col(4) > n - 200, "{}", col(4));
        }
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
