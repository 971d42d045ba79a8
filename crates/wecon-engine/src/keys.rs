//! Person keys: inside `analyze`, a person is a 64-bit integer rather than its pseudonym's text.
//!
//! A person's pseudonym is `p_` and 16 hexadecimal digits (64 bits of a keyed hash; see
//! `wecon_model::pseudonym`); its key is those 64 bits as a signed integer, the highest bit
//! flipped so that keys sort as their pseudonyms do (a table ordered by person is in the
//! same order either way). The one gives the other back with no table between them.
//! `analyze` reads the dataset's person columns ([`PERSON_COLUMNS`], [`PERSON_LIST_COLUMNS`])
//! as keys, so the metric library joins, groups, sorts and partitions by an integer where it
//! compared text: at 4,000 people × 52 weeks the whole library took 14% less time and a
//! fifth less memory (benches/README.md, "Person keys"). The result tables show the
//! pseudonyms again: [`pseudonymise`] turns the key columns back into text as each table is
//! written.
//!
//! SQL functions, registered in every session:
//! - `person_key(text)`: a pseudonym's key (null for null). A pseudonym written before
//!   pseudonyms were shortened (24 digits) gives the key of its first 16, which is the
//!   pseudonym the same identity has now under the same secret key. Any other text is an
//!   error: a hand-made dataset must use pseudonyms as `wecon ingest` writes them.
//! - `person_keys(list of text)`: the same for each element of a list (`parties`).
//! - `activity_key(text)`: an activity id's key (below).
//! - `pseudonym(key)`: the pseudonym of a key (a person's or an activity's), as text; given
//!   text, the text itself, so a query reads the same on the keys of `analyze` and on the
//!   written tables.
//!
//! Activity keys: an activity id is 24 hexadecimal digits (96 bits of the same keyed hash,
//! `Pseudonymiser::object`), too many for a 64-bit integer and too many to cut short (among
//! hundreds of millions of activities, 64 bits would make two share an id about once in a
//! thousand datasets). `analyze` reads it as a 128-bit decimal (`DECIMAL(38, 0)`) holding
//! the 96 bits, which sorts as the text does: the levers join `timed` to `activities` by it
//! and `timed` orders each person's messages by it, and an integer is hashed and compared
//! at once where text was compared byte by byte (at 4,000 people × 52 weeks, 4% less time and
//! an eighth less memory: benches/README.md, "Activity keys").

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Decimal128Array, GenericListArray, Int64Array, ListArray,
    RecordBatch, StringArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Decimal128Type, Field, FieldRef, Int64Type, Schema};
use datafusion::catalog::TableProvider;
use datafusion::datasource::{ViewTable, provider_as_source};
use datafusion::error::DataFusionError;
use datafusion::logical_expr::{
    ColumnarValue, Expr, LogicalPlanBuilder, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF,
    ScalarUDFImpl, Signature, TypeSignature, Volatility, col,
};

use crate::udf::nullable_as_args;

/// Columns that hold one person: read as keys by `analyze`, written as pseudonyms.
pub(crate) const PERSON_COLUMNS: &[&str] = &["person_id", "manager_id"];

/// Columns that hold a list of persons (an activity's other parties).
pub(crate) const PERSON_LIST_COLUMNS: &[&str] = &["parties", "external_parties"];

/// Columns that hold an activity id: read as activity keys, written as text.
pub(crate) const ACTIVITY_COLUMNS: &[&str] = &["activity_id"];

/// The type of an activity key: a decimal of 38 digits holds 96 bits whole.
pub(crate) const ACTIVITY_KEY: DataType = DataType::Decimal128(38, 0);

/// Whether `name` is a column of keys: persons, one or a list, or activities.
pub(crate) fn is_key_column(name: &str) -> bool {
    PERSON_COLUMNS.contains(&name)
        || PERSON_LIST_COLUMNS.contains(&name)
        || ACTIVITY_COLUMNS.contains(&name)
}

/// Flipping it maps unsigned order (the pseudonyms') onto signed order (the keys').
const SIGN: u64 = 1 << 63;

/// The key of a pseudonym (its text's bytes): the 64 bits its first 16 hexadecimal digits
/// after `p_` spell, read eight digits at a time (it runs on every person an
/// activity names: 35.8 M at 4,000 people × 52 weeks, some twice a query).
fn key_of(text: &[u8]) -> Option<i64> {
    let digits = text.strip_prefix(b"p_")?;
    if digits.len() < 16 {
        return None;
    }
    let eight = |at: usize| u64::from_le_bytes(digits[at..at + 8].try_into().expect("8 bytes"));
    let high = hex8(eight(0))?;
    let low = hex8(eight(8))?;
    let rest = &digits[16..];
    let rest_is_hex = if rest.len() == 8 {
        hex8(u64::from_le_bytes(rest.try_into().expect("8 bytes"))).is_some()
    } else {
        rest.iter().all(u8::is_ascii_hexdigit)
    };
    rest_is_hex.then_some(((u64::from(high) << 32 | u64::from(low)) ^ SIGN) as i64)
}

/// The number eight hexadecimal digits spell (the first the most significant), read as the
/// bytes of a little-endian word; `None` when one of them is not a hexadecimal digit.
fn hex8(word: u64) -> Option<u32> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    if word & HIGH != 0 {
        return None;
    }
    // The high bit of each byte of `at_least(n)`: whether that byte is n or more (ASCII bytes
    // plus at most 0x80 carry into no other byte).
    let at_least = |n: u8| (word + ONES * u64::from(0x80 - n)) & HIGH;
    let within = |from: u8, to: u8| at_least(from) & !at_least(to + 1);
    if within(b'0', b'9') | within(b'a', b'f') | within(b'A', b'F') != HIGH {
        return None;
    }
    // A digit's value is its low four bits, plus 9 for a letter (bit 6 set).
    let values = (word & (ONES * 0x0f)) + ((word >> 6) & ONES) * 9;
    // Pack the eight values, first byte first: into pairs, fours, then all eight.
    let pairs = ((values << 4) | (values >> 8)) & 0x00ff_00ff_00ff_00ff;
    let fours = ((pairs << 8) | (pairs >> 16)) & 0x0000_ffff_0000_ffff;
    Some((((fours << 16) | (fours >> 32)) & 0xffff_ffff) as u32)
}

/// The pseudonym of a key: `p_` and its 64 bits as 16 lower-case hexadecimal digits.
pub(crate) fn pseudonym_of(key: i64) -> String {
    format!("p_{:016x}", key as u64 ^ SIGN)
}

/// The key of an activity id (its text's bytes): the 96 bits its 24 hexadecimal digits spell.
fn activity_key_of(text: &[u8]) -> Option<i128> {
    if text.len() != 24 {
        return None;
    }
    let eight = |at: usize| {
        hex8(u64::from_le_bytes(
            text[at..at + 8].try_into().expect("8 bytes"),
        ))
    };
    let (high, middle, low) = (eight(0)?, eight(8)?, eight(16)?);
    Some((i128::from(high) << 64) | (i128::from(middle) << 32) | i128::from(low))
}

/// The activity id of a key: its 96 bits as 24 lower-case hexadecimal digits.
fn activity_id_of(key: i128) -> String {
    format!("{key:024x}")
}

fn not_a_pseudonym() -> DataFusionError {
    DataFusionError::Execution(
        "person_key: a person id is not a pseudonym as `wecon ingest` writes them \
         (`p_` and 16 hexadecimal digits)"
            .into(),
    )
}

fn not_an_activity_id() -> DataFusionError {
    DataFusionError::Execution(
        "activity_key: an activity id is not one as `wecon ingest` writes them \
         (24 hexadecimal digits)"
            .into(),
    )
}

/// `convert` applied to each text of a column, nulls kept (as `T::default()` under the null).
fn each_text<T: Default>(
    text: &dyn Array,
    convert: impl Fn(&[u8]) -> Result<T, DataFusionError>,
) -> Result<Vec<T>, DataFusionError> {
    let cast_text;
    let text = match text.as_string_opt::<i32>() {
        Some(t) => t,
        None => {
            cast_text = cast(text, &DataType::Utf8)?;
            cast_text.as_string::<i32>()
        }
    };
    let bytes = text.value_data();
    let mut out = Vec::with_capacity(text.len());
    for (i, w) in text.value_offsets().windows(2).enumerate() {
        out.push(if text.is_null(i) {
            T::default()
        } else {
            convert(&bytes[w[0] as usize..w[1] as usize])?
        });
    }
    Ok(out)
}

/// Keys of a column of pseudonyms, nulls kept.
fn keys_of(text: &dyn Array) -> Result<Int64Array, DataFusionError> {
    let keys = each_text(text, |t| key_of(t).ok_or_else(not_a_pseudonym))?;
    Ok(Int64Array::new(keys.into(), text.logical_nulls()))
}

/// Keys of a column of activity ids, nulls kept.
fn activity_keys_of(text: &dyn Array) -> Result<Decimal128Array, DataFusionError> {
    let keys = each_text(text, |t| activity_key_of(t).ok_or_else(not_an_activity_id))?;
    Ok(Decimal128Array::new(keys.into(), text.logical_nulls()).with_data_type(ACTIVITY_KEY))
}

/// Pseudonyms of a column of keys, nulls kept.
fn pseudonyms_of(keys: &Int64Array) -> StringArray {
    keys.iter().map(|k| k.map(pseudonym_of)).collect()
}

/// Activity ids of a column of activity keys, nulls kept.
fn activity_ids_of(keys: &Decimal128Array) -> StringArray {
    keys.iter().map(|k| k.map(activity_id_of)).collect()
}

/// A list column with each element turned by `each` into `element`'s type.
fn map_list(
    list: &dyn Array,
    element: DataType,
    each: impl Fn(&dyn Array) -> Result<ArrayRef, DataFusionError>,
) -> Result<ArrayRef, DataFusionError> {
    let list = cast(
        list,
        &DataType::List(Arc::new(list_element(list.data_type()))),
    )?;
    let list: &GenericListArray<i32> = list.as_list();
    let values = each(list.values().as_ref())?;
    Ok(Arc::new(ListArray::try_new(
        Arc::new(Field::new("item", element, true)),
        list.offsets().clone(),
        values,
        list.nulls().cloned(),
    )?))
}

/// The element field a list type has (`item` for anything else).
fn list_element(t: &DataType) -> Field {
    match t {
        DataType::List(f) | DataType::LargeList(f) => f.as_ref().clone(),
        other => Field::new("item", other.clone(), true),
    }
}

/// Which key a [`KeyOf`] function gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    /// `person_key(text)`.
    Person,
    /// `person_keys(list of text)`.
    Persons,
    /// `activity_key(text)`.
    Activity,
}

/// `person_key`, `person_keys` and `activity_key`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct KeyOf {
    kind: Kind,
    signature: Signature,
}

impl ScalarUDFImpl for KeyOf {
    fn name(&self) -> &str {
        match self.kind {
            Kind::Person => "person_key",
            Kind::Persons => "person_keys",
            Kind::Activity => "activity_key",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType, DataFusionError> {
        Ok(match self.kind {
            Kind::Person => DataType::Int64,
            Kind::Persons => DataType::List(Arc::new(Field::new("item", DataType::Int64, true))),
            Kind::Activity => ACTIVITY_KEY,
        })
    }

    /// As nullable as its argument: a key column keeps its text's schema.
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef, DataFusionError> {
        Ok(nullable_as_args(self.name(), self.return_type(&[])?, &args))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue, DataFusionError> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let text = arrays[0].as_ref();
        let out: ArrayRef = match self.kind {
            Kind::Person => Arc::new(keys_of(text)?),
            Kind::Persons => map_list(text, DataType::Int64, |v| {
                Ok(Arc::new(keys_of(v)?) as ArrayRef)
            })?,
            Kind::Activity => Arc::new(activity_keys_of(text)?),
        };
        Ok(ColumnarValue::Array(out))
    }
}

/// `pseudonym(key)`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Pseudonym {
    signature: Signature,
}

impl ScalarUDFImpl for Pseudonym {
    fn name(&self) -> &str {
        "pseudonym"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType, DataFusionError> {
        Ok(DataType::Utf8)
    }

    /// As nullable as its argument, as the column it stands for.
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef, DataFusionError> {
        Ok(nullable_as_args(self.name(), DataType::Utf8, &args))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue, DataFusionError> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let a = arrays[0].as_ref();
        let out: ArrayRef = match a.data_type() {
            DataType::Int64 => Arc::new(pseudonyms_of(a.as_primitive::<Int64Type>())),
            t if *t == ACTIVITY_KEY => {
                Arc::new(activity_ids_of(a.as_primitive::<Decimal128Type>()))
            }
            _ => cast(a, &DataType::Utf8)?,
        };
        Ok(ColumnarValue::Array(out))
    }
}

/// The function giving `kind`'s key.
fn key_of_kind(kind: Kind) -> ScalarUDF {
    let signature = if kind == Kind::Persons {
        Signature::any(1, Volatility::Immutable)
    } else {
        Signature::one_of(
            vec![
                TypeSignature::Exact(vec![DataType::Utf8]),
                TypeSignature::Exact(vec![DataType::LargeUtf8]),
                TypeSignature::Exact(vec![DataType::Utf8View]),
            ],
            Volatility::Immutable,
        )
    };
    ScalarUDF::from(KeyOf { kind, signature })
}

/// The functions of this module, to register in a session.
pub(crate) fn functions() -> Vec<ScalarUDF> {
    vec![
        key_of_kind(Kind::Person),
        key_of_kind(Kind::Persons),
        key_of_kind(Kind::Activity),
        ScalarUDF::from(Pseudonym {
            signature: Signature::one_of(
                vec![
                    TypeSignature::Exact(vec![DataType::Int64]),
                    TypeSignature::Exact(vec![ACTIVITY_KEY]),
                    TypeSignature::Exact(vec![DataType::Utf8]),
                ],
                Volatility::Immutable,
            ),
        }),
    ]
}

/// What a column holds, by its name and type.
enum Held {
    /// One person a row.
    Person,
    /// A list of persons a row.
    Persons,
    /// One activity a row.
    Activity,
    /// Anything else.
    Other,
}

/// What `f` holds: with `keys`, told by the key types (a batch to write), otherwise by text
/// (a table to read).
fn held(f: &Field, keys: bool) -> Held {
    let is_text =
        |t: &DataType| matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View);
    let holds = |t: &DataType, key: &DataType| if keys { t == key } else { is_text(t) };
    let name = f.name().as_str();
    match f.data_type() {
        t if PERSON_COLUMNS.contains(&name) && holds(t, &DataType::Int64) => Held::Person,
        t if ACTIVITY_COLUMNS.contains(&name) && holds(t, &ACTIVITY_KEY) => Held::Activity,
        DataType::List(e) | DataType::LargeList(e)
            if PERSON_LIST_COLUMNS.contains(&name) && holds(e.data_type(), &DataType::Int64) =>
        {
            Held::Persons
        }
        _ => Held::Other,
    }
}

/// `table` with its person and activity columns of text read as keys: a view over it (planned
/// into the queries that read it, so a cluster's executors run the conversion), or `table`
/// itself when it has none.
pub(crate) fn keyed(
    name: &str,
    table: Arc<dyn TableProvider>,
) -> Result<Arc<dyn TableProvider>, DataFusionError> {
    let schema = table.schema();
    let (key, keys, activity) = (
        key_of_kind(Kind::Person),
        key_of_kind(Kind::Persons),
        key_of_kind(Kind::Activity),
    );
    let mut converted = false;
    let columns: Vec<Expr> = schema
        .fields()
        .iter()
        .map(|f| {
            let c = col(datafusion::common::Column::from_name(f.name()));
            let converter = match held(f, false) {
                Held::Person => &key,
                Held::Persons => &keys,
                Held::Activity => &activity,
                Held::Other => return c,
            };
            converted = true;
            converter.call(vec![c]).alias(f.name())
        })
        .collect();
    if !converted {
        return Ok(table);
    }
    let plan = LogicalPlanBuilder::scan(name, provider_as_source(table), None)?
        .project(columns)?
        .build()?;
    Ok(Arc::new(ViewTable::new(plan, None)))
}

/// `batch` with its key columns written as pseudonyms and activity ids (see [`PERSON_COLUMNS`],
/// [`ACTIVITY_COLUMNS`]); other columns as they are.
pub(crate) fn pseudonymise(batch: &RecordBatch) -> Result<RecordBatch, DataFusionError> {
    let schema = batch.schema();
    if schema
        .fields()
        .iter()
        .all(|f| matches!(held(f, true), Held::Other))
    {
        return Ok(batch.clone());
    }
    let text = |a: &dyn Array| -> Result<ArrayRef, DataFusionError> {
        Ok(Arc::new(pseudonyms_of(a.as_primitive::<Int64Type>())))
    };
    let mut fields = Vec::with_capacity(schema.fields().len());
    let mut columns = Vec::with_capacity(schema.fields().len());
    for (f, c) in schema.fields().iter().zip(batch.columns()) {
        let column = match held(f, true) {
            Held::Person => text(c.as_ref())?,
            Held::Persons => map_list(c.as_ref(), DataType::Utf8, text)?,
            Held::Activity => Arc::new(activity_ids_of(c.as_primitive::<Decimal128Type>())),
            Held::Other => c.clone(),
        };
        fields.push(
            f.as_ref()
                .clone()
                .with_data_type(column.data_type().clone()),
        );
        columns.push(column);
    }
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone())),
        columns,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::ListBuilder;
    use datafusion::arrow::array::StringBuilder;
    use datafusion::datasource::MemTable;
    use datafusion::prelude::SessionContext;

    fn key_of(text: &str) -> Option<i64> {
        super::key_of(text.as_bytes())
    }

    /// Every hexadecimal digit, both cases, alone among zeros in each of `places` places after
    /// `prefix`: `key` must read the number the digits spell.
    fn each_digit_in_each_place(prefix: &str, places: usize, key: impl Fn(&str) -> Option<u128>) {
        for c in "0123456789abcdefABCDEF".chars() {
            for at in 0..places {
                let digits: String = (0..places).map(|p| if p == at { c } else { '0' }).collect();
                let want = u128::from_str_radix(&digits, 16).unwrap();
                assert_eq!(
                    key(&format!("{prefix}{digits}")),
                    Some(want),
                    "{prefix}{digits}"
                );
            }
        }
    }

    #[test]
    fn keys_and_pseudonyms_are_one_to_one() {
        for p in [
            "p_0000000000000000",
            "p_001c2f56795e732d",
            "p_ffffffffffffffff",
            "p_8000000000000000",
        ] {
            let k = key_of(p).unwrap();
            assert_eq!(pseudonym_of(k), p);
        }
        assert_eq!(key_of("p_0000000000000000"), Some(i64::MIN));
        assert_eq!(key_of("p_ffffffffffffffff"), Some(i64::MAX));
        assert!(key_of("p_7fffffffffffffff") < key_of("p_8000000000000000"));
        // A pseudonym of 24 digits (written before they were shortened): its first 16.
        assert_eq!(
            key_of("p_001c2f56795e732d3b06508d"),
            key_of("p_001c2f56795e732d")
        );
        each_digit_in_each_place("p_", 16, |t| key_of(t).map(|k| u128::from(k as u64 ^ SIGN)));
        for bad in [
            "",
            "p_",
            "p_001c2f56795e732",
            "q_001c2f56795e732d",
            "p_001c2f56795e732g",
            "p_001c2f56795e732d3b06508g",
            "p_001c2f5/795e732d",
            "p_001c2f5:795e732d",
            "p_001c2f5@795e732d",
            "p_001c2f5G795e732d",
            "p_001c2f5`795e732d",
            "p_001c2f5 795e732d",
            "p_001c2f5é795e732d",
            "alice@example.org",
        ] {
            assert_eq!(key_of(bad), None, "{bad}");
        }
    }

    fn activity_key_of(text: &str) -> Option<i128> {
        super::activity_key_of(text.as_bytes())
    }

    #[test]
    fn activity_keys_and_ids_are_one_to_one() {
        for id in [
            "000000000000000000000000",
            "3b06508d001c2f56795e732d",
            "ffffffffffffffffffffffff",
            "800000000000000000000000",
        ] {
            let k = activity_key_of(id).unwrap();
            assert_eq!(activity_id_of(k), id);
        }
        assert_eq!(activity_key_of("000000000000000000000000"), Some(0));
        assert_eq!(
            activity_key_of("ffffffffffffffffffffffff"),
            Some((1i128 << 96) - 1)
        );
        // Keys sort as the ids do, and fit a decimal of 38 digits.
        assert!(
            activity_key_of("7fffffffffffffffffffffff")
                < activity_key_of("800000000000000000000000")
        );
        assert!(
            activity_key_of("00000000ffffffffffffffff")
                < activity_key_of("000000010000000000000000")
        );
        assert!(((1i128 << 96) - 1).to_string().len() <= 38);
        each_digit_in_each_place("", 24, |t| activity_key_of(t).map(|k| k as u128));
        for bad in [
            "",
            "00000000000000000000000",
            "0000000000000000000000000",
            "p_001c2f56795e732d3b06508d",
            "3b06508d001c2f56795e732g",
            "3b06508d 01c2f56795e732d",
            "3b06508d001c2f56795e7é2d",
            "a0001",
        ] {
            assert_eq!(activity_key_of(bad), None, "{bad}");
        }
    }

    #[tokio::test]
    async fn activity_ids_are_read_as_keys_and_written_back_as_text() {
        let ids = ["ffffffffffffffffffffff00", "00000000000000000000002a"];
        let batch = RecordBatch::try_new(
            Arc::new(Schema::new(vec![
                Field::new("activity_id", DataType::Utf8, false),
                Field::new("object_id", DataType::Utf8, true),
            ])),
            vec![
                Arc::new(StringArray::from(ids.to_vec())),
                Arc::new(StringArray::from(vec![Some(ids[0]), None])),
            ],
        )
        .unwrap();
        let ctx = SessionContext::new();
        for f in functions() {
            ctx.register_udf(f);
        }
        let table = Arc::new(MemTable::try_new(batch.schema(), vec![vec![batch.clone()]]).unwrap());
        ctx.register_table("activities", keyed("activities", table).unwrap())
            .unwrap();
        let got = ctx
            .sql(
                "SELECT activity_id, object_id, pseudonym(activity_id) AS id FROM activities \
                 WHERE activity_id = activity_key('00000000000000000000002A') \
                    OR activity_id > 1000 ORDER BY activity_id",
            )
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let got = datafusion::arrow::compute::concat_batches(&got[0].schema(), &got).unwrap();
        // A decimal key, not null as the text was not; ordered as the text.
        assert_eq!(got.schema().field(0).data_type(), &ACTIVITY_KEY);
        assert!(!got.schema().field(0).is_nullable());
        let keys = got.column(0).as_primitive::<Decimal128Type>();
        assert_eq!(keys.values().to_vec(), vec![42, (1i128 << 96) - 256]);
        // Other ids stay text; `pseudonym` gives an activity id back.
        assert_eq!(got.column(1).data_type(), &DataType::Utf8);
        let text = got.column(2).as_string::<i32>();
        assert_eq!((text.value(0), text.value(1)), (ids[1], ids[0]));
        // Written back: the ids read.
        let back = pseudonymise(&got.project(&[0]).unwrap()).unwrap();
        assert_eq!(back.schema().field(0).data_type(), &DataType::Utf8);
        assert_eq!(
            back.column(0).as_string::<i32>().iter().collect::<Vec<_>>(),
            vec![Some(ids[1]), Some(ids[0])]
        );
        let bad = ctx
            .sql("SELECT activity_key('a0001')")
            .await
            .unwrap()
            .collect()
            .await;
        assert!(
            bad.unwrap_err()
                .to_string()
                .contains("not one as `wecon ingest` writes")
        );
    }

    fn people() -> RecordBatch {
        let mut parties = ListBuilder::new(StringBuilder::new());
        parties.append_value([Some("p_00000000000000ff"), None]);
        parties.append_null();
        RecordBatch::try_new(
            Arc::new(Schema::new(vec![
                Field::new("person_id", DataType::Utf8, false),
                Field::new("manager_id", DataType::Utf8, true),
                Field::new(
                    "parties",
                    DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
                    true,
                ),
                Field::new("unit", DataType::Utf8, true),
            ])),
            vec![
                Arc::new(StringArray::from(vec![
                    "p_0000000000000001",
                    "p_fffffffffffffffe",
                ])),
                Arc::new(StringArray::from(vec![Some("p_fffffffffffffffe"), None])),
                Arc::new(parties.finish()),
                Arc::new(StringArray::from(vec![
                    Some("p_0000000000000001"),
                    Some("sales"),
                ])),
            ],
        )
        .unwrap()
    }

    #[tokio::test]
    async fn a_keyed_table_reads_keys_and_writes_back_its_pseudonyms() {
        let batch = people();
        let ctx = SessionContext::new();
        for f in functions() {
            ctx.register_udf(f);
        }
        let table = Arc::new(MemTable::try_new(batch.schema(), vec![vec![batch.clone()]]).unwrap());
        ctx.register_table("people", keyed("people", table).unwrap())
            .unwrap();
        let got = ctx
            .sql("SELECT person_id, manager_id, parties, unit, pseudonym(person_id) AS p FROM people ORDER BY person_id")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let got = datafusion::arrow::compute::concat_batches(&got[0].schema(), &got).unwrap();
        // Keys sort as the pseudonyms; the schema's nullability is kept.
        let keys = got.column(0).as_primitive::<Int64Type>();
        assert_eq!(keys.values().to_vec(), vec![i64::MIN + 1, i64::MAX - 1]);
        assert!(!got.schema().field(0).is_nullable());
        assert_eq!(
            got.column(1)
                .as_primitive::<Int64Type>()
                .iter()
                .collect::<Vec<_>>(),
            vec![Some(i64::MAX - 1), None]
        );
        // `unit` is not a person column: its text stays text.
        assert_eq!(got.column(3).data_type(), &DataType::Utf8);
        assert_eq!(
            got.column(4).as_string::<i32>().value(0),
            "p_0000000000000001"
        );
        assert!(!got.schema().field(4).is_nullable());
        // Written back: the pseudonyms read, in their order.
        let back = pseudonymise(&got.project(&[0, 1, 2, 3]).unwrap()).unwrap();
        assert_eq!(back.schema().field(0).data_type(), &DataType::Utf8);
        assert_eq!(back.columns(), batch.columns());
    }

    #[tokio::test]
    async fn text_that_is_no_pseudonym_is_an_error() {
        let ctx = SessionContext::new();
        for f in functions() {
            ctx.register_udf(f);
        }
        let r = ctx
            .sql("SELECT person_key('alice@example.org')")
            .await
            .unwrap()
            .collect()
            .await;
        assert!(r.unwrap_err().to_string().contains("not a pseudonym"));
    }
}
