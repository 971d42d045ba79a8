//! Tables kept in memory for the queries after them, holding repeated text compactly.
//!
//! A kept view holds millions of rows whose text repeats a handful of values (`timed`'s
//! process, source and action); held as dictionaries, that text takes a fraction of the
//! memory. Queries still see text: the table says its columns are text, and its scan casts
//! the dictionaries back a batch at a time, so a query behaves as over any other table.
//! (Handing queries the dictionaries themselves is not safe: some of DataFusion's functions
//! treat them otherwise: `string_agg(DISTINCT x ORDER BY x)` fails over one, and `lag` over
//! one with one-byte keys failed on this module's test data with "Can not create index of
//! type Int8 from value 128".)

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::error::ArrowError;
use datafusion::catalog::{Session, TableProvider};
use datafusion::datasource::{MemTable, TableType};
use datafusion::error::Result;
use datafusion::logical_expr::Expr;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::expressions::{CastExpr, Column};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::projection::ProjectionExec;

/// `batches` (at least one, all of `schema`) as a table in memory, its repeated text held
/// as dictionaries (see [`encode`]) and read as text.
pub(crate) fn memory_table(
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
) -> Result<Arc<dyn TableProvider>> {
    let held = dictionary_text(batches)?;
    let held_schema = held.first().map_or_else(|| schema.clone(), |b| b.schema());
    let table = MemTable::try_new(held_schema.clone(), vec![held])?;
    if held_schema == schema {
        return Ok(Arc::new(table));
    }
    Ok(Arc::new(CompactTable { schema, table }))
}

/// A table in memory whose text is held as dictionaries and read as text.
#[derive(Debug)]
struct CompactTable {
    /// The schema queries see: text as text.
    schema: SchemaRef,
    /// The rows, some text columns as dictionaries.
    table: MemTable,
}

#[async_trait]
impl TableProvider for CompactTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let scan = self.table.scan(state, projection, filters, limit).await?;
        let read = scan.schema();
        if !read.fields().iter().any(|f| is_dictionary(f.data_type())) {
            return Ok(scan);
        }
        // Each column as read; a dictionary cast to its values' type.
        let columns: Vec<(Arc<dyn PhysicalExpr>, String)> = read
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let column: Arc<dyn PhysicalExpr> = Arc::new(Column::new(f.name(), i));
                let expr: Arc<dyn PhysicalExpr> = match f.data_type() {
                    DataType::Dictionary(_, values) => {
                        Arc::new(CastExpr::new(column, values.as_ref().clone(), None))
                    }
                    _ => column,
                };
                (expr, f.name().clone())
            })
            .collect();
        Ok(Arc::new(ProjectionExec::try_new(columns, scan)?))
    }
}

/// `batches` (one schema) with each text column held as a dictionary where [`encode`] finds
/// that worth it.
pub(crate) fn dictionary_text(batches: Vec<RecordBatch>) -> Result<Vec<RecordBatch>, ArrowError> {
    let Some(first) = batches.first() else {
        return Ok(batches);
    };
    let schema = first.schema();
    let mut columns: Vec<Vec<ArrayRef>> = (0..schema.fields().len())
        .map(|i| batches.iter().map(|b| b.column(i).clone()).collect())
        .collect();
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    for (i, field) in schema.fields().iter().enumerate() {
        if field.data_type() != &DataType::Utf8 {
            continue;
        }
        if let Some((t, encoded)) = encode(&columns[i])? {
            columns[i] = encoded;
            fields[i] = field.as_ref().clone().with_data_type(t);
        }
    }
    let schema = Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()));
    (0..batches.len())
        .map(|b| {
            let arrays = columns.iter().map(|c| c[b].clone()).collect();
            RecordBatch::try_new(schema.clone(), arrays)
        })
        .collect()
}

/// One text column (its arrays, batch by batch) as dictionaries with the narrowest keys that
/// hold every batch's distinct values, and their type; `None` where that would not take less
/// than half the memory the text does, or where the first 4,096 rows or more (whole batches)
/// are mostly distinct values (ids, file names of one row each), judged before the rest is
/// encoded.
fn encode(text: &[ArrayRef]) -> Result<Option<(DataType, Vec<ArrayRef>)>, ArrowError> {
    let dictionary = |key: DataType| DataType::Dictionary(Box::new(key), Box::new(DataType::Utf8));
    // Each batch with 32-bit keys (one pass over its text), then the keys narrowed.
    let mut encoded = Vec::with_capacity(text.len());
    let (mut rows, mut distinct, mut most) = (0, 0, 0);
    for array in text {
        let mut e = cast(array, &dictionary(DataType::Int32))?;
        // The cast leaves room for as many values as rows: given back.
        e.shrink_to_fit();
        let values = e.as_any_dictionary().values().len();
        if rows < 4096 {
            rows += array.len();
            distinct += values;
            if rows >= 4096 && distinct * 2 > rows {
                return Ok(None);
            }
        }
        most = most.max(values);
        encoded.push(e);
    }
    let key = if most <= 128 {
        DataType::Int8
    } else if most <= 32_768 {
        DataType::Int16
    } else {
        DataType::Int32
    };
    let t = dictionary(key);
    let encoded = encoded
        .into_iter()
        .map(|e| {
            if e.data_type() == &t {
                Ok(e)
            } else {
                cast(&e, &t)
            }
        })
        .collect::<Result<Vec<ArrayRef>, ArrowError>>()?;
    // The text's own bytes: a batch's column can be a slice of a buffer batches share.
    let plain = text
        .iter()
        .map(|a| a.to_data().get_slice_memory_size())
        .sum::<Result<usize, ArrowError>>()?;
    let size: usize = encoded.iter().map(|a| a.get_array_memory_size()).sum();
    Ok((size * 2 < plain).then_some((t, encoded)))
}

fn is_dictionary(t: &DataType) -> bool {
    matches!(t, DataType::Dictionary(..))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Float64Array, Int64Array, StringArray};
    use datafusion::arrow::compute::concat_batches;
    use datafusion::datasource::MemTable;
    use datafusion::prelude::SessionContext;
    use wecon_model::Process;

    /// Five batches of 1,000 rows: `process` (seven values, nulls and an empty text among
    /// them), `wide` (200 values: more than one-byte keys hold), `name` (every row its own).
    fn batches() -> Vec<RecordBatch> {
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("process", DataType::Utf8, true),
            Field::new("wide", DataType::Utf8, true),
            Field::new("name", DataType::Utf8, true),
            Field::new("seconds", DataType::Float64, true),
        ]));
        (0..5i64)
            .map(|b| {
                let ids: Vec<i64> = (b * 1000..(b + 1) * 1000).collect();
                let process: Vec<Option<&str>> = ids
                    .iter()
                    .map(|i| match i % 11 {
                        9 => None,
                        10 => Some(""),
                        k => Some(Process::ALL[k as usize % 7].as_str()),
                    })
                    .collect();
                let wide: Vec<String> = ids
                    .iter()
                    .map(|i| format!("department-{}", i % 200))
                    .collect();
                let name: Vec<String> = ids.iter().map(|i| format!("person-{i:08}")).collect();
                let seconds: Vec<f64> = ids.iter().map(|i| (i % 97) as f64 * 1.5).collect();
                RecordBatch::try_new(
                    schema.clone(),
                    vec![
                        Arc::new(Int64Array::from(ids)),
                        Arc::new(StringArray::from(process)),
                        Arc::new(StringArray::from(wide)),
                        Arc::new(StringArray::from(name)),
                        Arc::new(Float64Array::from(seconds)),
                    ],
                )
                .unwrap()
            })
            .collect()
    }

    /// A session with table `t` (as given) and `p`, three names in plain text.
    async fn session(t: Arc<dyn TableProvider>) -> SessionContext {
        let ctx = SessionContext::new();
        ctx.register_table("t", t).unwrap();
        let names = RecordBatch::try_new(
            Arc::new(Schema::new(vec![Field::new("name", DataType::Utf8, false)])),
            vec![Arc::new(StringArray::from(vec![
                "meet", "consult", "other",
            ]))],
        )
        .unwrap();
        let p = MemTable::try_new(names.schema(), vec![vec![names]]).unwrap();
        ctx.register_table("p", Arc::new(p)).unwrap();
        ctx
    }

    #[test]
    fn repeated_text_becomes_a_dictionary_with_the_narrowest_keys() {
        let compact = dictionary_text(batches()).unwrap();
        let schema = compact[0].schema();
        let dictionary =
            |key: DataType| DataType::Dictionary(Box::new(key), Box::new(DataType::Utf8));
        assert_eq!(schema.field(1).data_type(), &dictionary(DataType::Int8));
        assert_eq!(schema.field(2).data_type(), &dictionary(DataType::Int16));
        // Text that does not repeat stays as it was, as do the other types.
        assert_eq!(schema.field(3).data_type(), &DataType::Utf8);
        assert_eq!(schema.field(0).data_type(), &DataType::Int64);
        assert!(compact.iter().all(|b| b.schema() == schema));
        let size =
            |b: &[RecordBatch]| -> usize { b.iter().map(|b| b.get_array_memory_size()).sum() };
        assert!(size(&compact) < size(&batches()));
        // Back to text: the very batches it came from.
        let back: Vec<RecordBatch> = compact
            .iter()
            .map(|b| {
                let columns = b
                    .columns()
                    .iter()
                    .zip(batches()[0].schema().fields())
                    .map(|(c, f)| cast(c, f.data_type()).unwrap())
                    .collect();
                RecordBatch::try_new(batches()[0].schema(), columns).unwrap()
            })
            .collect();
        assert_eq!(back, batches());
        assert!(dictionary_text(Vec::new()).unwrap().is_empty());
    }

    #[tokio::test]
    async fn queries_over_dictionaries_give_what_they_give_over_text() {
        let schema = batches()[0].schema();
        let plain = session(Arc::new(
            MemTable::try_new(schema.clone(), vec![batches()]).unwrap(),
        ))
        .await;
        let table = memory_table(schema.clone(), batches()).unwrap();
        // Held as dictionaries, shown as text.
        assert!(table.is::<CompactTable>());
        assert_eq!(table.schema(), schema);
        let compact = session(table).await;
        for sql in [
            "SELECT process, COUNT(*) AS n, SUM(seconds) AS s FROM t GROUP BY process ORDER BY process",
            "SELECT id FROM t WHERE process = 'meet' OR process IN ('share', 'store') ORDER BY id",
            "SELECT id, upper(process) AS u, process || '-' || wide AS c, length(wide) AS l, \
             CASE WHEN process LIKE 'comm%' THEN 1 ELSE 0 END AS m, \
             coalesce(process, 'none') AS k FROM t ORDER BY id",
            "SELECT process FROM t UNION ALL SELECT name FROM p ORDER BY 1",
            "SELECT t.id, p.name FROM t JOIN p ON t.process = p.name ORDER BY t.id",
            "SELECT process, wide, COUNT(*) AS n FROM t GROUP BY process, wide ORDER BY process, wide",
            "SELECT id, lag(process) OVER (ORDER BY id) AS before FROM t ORDER BY id",
            "SELECT * FROM t WHERE wide = 'department-7' ORDER BY id LIMIT 5",
            // Queries that tell a dictionary from text (the first fails over one).
            "SELECT string_agg(DISTINCT process, ',' ORDER BY process) AS a, \
             COUNT(DISTINCT wide) AS w, MIN(wide) AS lo, MAX(process) AS hi FROM t",
            "SELECT process, arrow_typeof(process) AS ty, arrow_typeof(wide) AS w \
             FROM t WHERE id < 20 ORDER BY id",
        ] {
            let run = |ctx: &SessionContext| {
                let ctx = ctx.clone();
                async move {
                    let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
                    concat_batches(&batches[0].schema(), &batches).unwrap()
                }
            };
            assert_eq!(run(&compact).await, run(&plain).await, "{sql}");
        }
        // A table whose text does not repeat stays a plain one.
        let unique = vec![batches()[0].project(&[0, 3]).unwrap()];
        let table = memory_table(unique[0].schema(), unique).unwrap();
        assert!(table.is::<MemTable>());
    }
}
