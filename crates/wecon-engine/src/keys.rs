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
//! - `pseudonym(key)`: the pseudonym of a key, as text; given text, the text itself, so a
//!   query reads the same on the keys of `analyze` and on the written tables.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, GenericListArray, Int64Array, ListArray, RecordBatch, StringArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Int64Type, Schema};
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

/// Whether `name` is a column of persons, one or a list.
pub(crate) fn is_person_column(name: &str) -> bool {
    PERSON_COLUMNS.contains(&name) || PERSON_LIST_COLUMNS.contains(&name)
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

fn not_a_pseudonym() -> DataFusionError {
    DataFusionError::Execution(
        "person_key: a person id is not a pseudonym as `wecon ingest` writes them \
         (`p_` and 16 hexadecimal digits)"
            .into(),
    )
}

/// Keys of a column of pseudonyms, nulls kept.
fn keys_of(text: &dyn Array) -> Result<Int64Array, DataFusionError> {
    let cast_text;
    let text = match text.as_string_opt::<i32>() {
        Some(t) => t,
        None => {
            cast_text = cast(text, &DataType::Utf8)?;
            cast_text.as_string::<i32>()
        }
    };
    let bytes = text.value_data();
    let mut keys = Vec::with_capacity(text.len());
    for (i, w) in text.value_offsets().windows(2).enumerate() {
        keys.push(if text.is_null(i) {
            0
        } else {
            key_of(&bytes[w[0] as usize..w[1] as usize]).ok_or_else(not_a_pseudonym)?
        });
    }
    Ok(Int64Array::new(keys.into(), text.nulls().cloned()))
}

/// Pseudonyms of a column of keys, nulls kept.
fn pseudonyms_of(keys: &Int64Array) -> StringArray {
    keys.iter().map(|k| k.map(pseudonym_of)).collect()
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

/// `person_key(text)` and `person_keys(list of text)`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct PersonKey {
    list: bool,
    signature: Signature,
}

impl ScalarUDFImpl for PersonKey {
    fn name(&self) -> &str {
        if self.list {
            "person_keys"
        } else {
            "person_key"
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType, DataFusionError> {
        Ok(if self.list {
            DataType::List(Arc::new(Field::new("item", DataType::Int64, true)))
        } else {
            DataType::Int64
        })
    }

    /// As nullable as its argument: a key column keeps its pseudonyms' schema.
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef, DataFusionError> {
        Ok(nullable_as_args(self.name(), self.return_type(&[])?, &args))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue, DataFusionError> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let out: ArrayRef = if self.list {
            map_list(arrays[0].as_ref(), DataType::Int64, |v| {
                Ok(Arc::new(keys_of(v)?) as ArrayRef)
            })?
        } else {
            Arc::new(keys_of(arrays[0].as_ref())?)
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
            _ => cast(a, &DataType::Utf8)?,
        };
        Ok(ColumnarValue::Array(out))
    }
}

/// `person_key`, or with `list`, `person_keys`.
fn person_key(list: bool) -> ScalarUDF {
    let signature = if list {
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
    ScalarUDF::from(PersonKey { list, signature })
}

/// The functions of this module, to register in a session.
pub(crate) fn functions() -> Vec<ScalarUDF> {
    vec![
        person_key(false),
        person_key(true),
        ScalarUDF::from(Pseudonym {
            signature: Signature::one_of(
                vec![
                    TypeSignature::Exact(vec![DataType::Int64]),
                    TypeSignature::Exact(vec![DataType::Utf8]),
                ],
                Volatility::Immutable,
            ),
        }),
    ]
}

/// What a column holds, by its name and whether its type (or its list's element type) is
/// `person`'s: the text of pseudonyms for reading, keys for writing.
enum Held {
    /// One person a row.
    Person,
    /// A list of persons a row.
    Persons,
    /// Anything else.
    Other,
}

fn held(f: &Field, person: impl Fn(&DataType) -> bool) -> Held {
    let name = f.name().as_str();
    match f.data_type() {
        t if PERSON_COLUMNS.contains(&name) && person(t) => Held::Person,
        DataType::List(e) | DataType::LargeList(e)
            if PERSON_LIST_COLUMNS.contains(&name) && person(e.data_type()) =>
        {
            Held::Persons
        }
        _ => Held::Other,
    }
}

/// `table` with its person columns of text read as keys: a view over it (planned into the
/// queries that read it, so a cluster's executors run the conversion), or `table` itself when
/// it has none.
pub(crate) fn keyed(
    name: &str,
    table: Arc<dyn TableProvider>,
) -> Result<Arc<dyn TableProvider>, DataFusionError> {
    let schema = table.schema();
    let is_text =
        |t: &DataType| matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View);
    let (key, keys) = (person_key(false), person_key(true));
    let mut converted = false;
    let columns: Vec<Expr> = schema
        .fields()
        .iter()
        .map(|f| {
            let c = col(datafusion::common::Column::from_name(f.name()));
            let converter = match held(f, is_text) {
                Held::Person => &key,
                Held::Persons => &keys,
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

/// `batch` with its key columns written as pseudonyms (see [`PERSON_COLUMNS`]); other columns
/// as they are.
pub(crate) fn pseudonymise(batch: &RecordBatch) -> Result<RecordBatch, DataFusionError> {
    let schema = batch.schema();
    let is_key = |t: &DataType| *t == DataType::Int64;
    if schema
        .fields()
        .iter()
        .all(|f| matches!(held(f, is_key), Held::Other))
    {
        return Ok(batch.clone());
    }
    let text = |a: &dyn Array| -> Result<ArrayRef, DataFusionError> {
        Ok(Arc::new(pseudonyms_of(a.as_primitive::<Int64Type>())))
    };
    let mut fields = Vec::with_capacity(schema.fields().len());
    let mut columns = Vec::with_capacity(schema.fields().len());
    for (f, c) in schema.fields().iter().zip(batch.columns()) {
        let column = match held(f, is_key) {
            Held::Person => text(c.as_ref())?,
            Held::Persons => map_list(c.as_ref(), DataType::Utf8, text)?,
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
        // Every digit, both cases, in every place.
        for c in "0123456789abcdefABCDEF".chars() {
            for at in 0..16 {
                let text: String = std::iter::once("p_".to_string())
                    .chain((0..16).map(|place| if place == at { c } else { '0' }.to_string()))
                    .collect();
                let want = u64::from_str_radix(&text[2..], 16).unwrap();
                assert_eq!(key_of(&text).map(|k| k as u64 ^ SIGN), Some(want), "{text}");
            }
        }
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
