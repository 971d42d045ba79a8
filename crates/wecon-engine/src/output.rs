//! Rendering query results for the terminal and for files: a table, CSV or JSON.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, RecordBatch, StringBuilder};
use datafusion::arrow::csv::WriterBuilder;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::json::ArrayWriter;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::arrow::util::pretty::pretty_format_batches;

use crate::EngineError;

/// How `wecon query` prints a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// An aligned text table.
    #[default]
    Table,
    /// A header row, then one line per row.
    Csv,
    /// A JSON array of objects.
    Json,
}

/// Renders batches in the given format.
pub fn format_batches(
    batches: &[RecordBatch],
    format: OutputFormat,
) -> Result<String, EngineError> {
    match format {
        OutputFormat::Table => Ok(format!("{}\n", pretty_format_batches(batches)?)),
        OutputFormat::Csv => {
            let mut buf = Vec::new();
            {
                // The writer puts the header before the first batch only.
                let mut w = WriterBuilder::new().with_header(true).build(&mut buf);
                for b in batches {
                    w.write(&flatten_nested(b)?)?;
                }
            }
            Ok(String::from_utf8_lossy(&buf).into_owned())
        }
        OutputFormat::Json => {
            let mut w = ArrayWriter::new(Vec::new());
            for b in batches {
                w.write(b)?;
            }
            w.finish()?;
            let mut s = String::from_utf8_lossy(&w.into_inner()).into_owned();
            if s.is_empty() {
                s.push_str("[]");
            }
            s.push('\n');
            Ok(s)
        }
    }
}

/// CSV has no nested values: maps, lists and structs (the ingest log's `reasons`) are written
/// as the text the table format shows (`{reason: 3}`).
fn flatten_nested(batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    let nested = |t: &DataType| t.is_nested() || matches!(t, DataType::Map(..));
    if !batch
        .schema()
        .fields()
        .iter()
        .any(|f| nested(f.data_type()))
    {
        return Ok(batch.clone());
    }
    let options = FormatOptions::default();
    let mut fields = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        if nested(field.data_type()) {
            let formatter = ArrayFormatter::try_new(column.as_ref(), &options)?;
            let mut b = StringBuilder::new();
            for i in 0..column.len() {
                if column.is_null(i) {
                    b.append_null();
                } else {
                    b.append_value(formatter.value(i).to_string());
                }
            }
            fields.push(Field::new(field.name(), DataType::Utf8, true));
            columns.push(Arc::new(b.finish()));
        } else {
            fields.push(field.as_ref().clone());
            columns.push(column.clone());
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int64Builder, MapBuilder};

    #[test]
    fn csv_writes_maps_as_text() {
        let mut m = MapBuilder::new(None, StringBuilder::new(), Int64Builder::new());
        m.keys().append_value("bad date");
        m.values().append_value(2);
        m.append(true).unwrap();
        let map: ArrayRef = Arc::new(m.finish());
        let batch = RecordBatch::try_from_iter([("reasons", map)]).unwrap();
        let csv = format_batches(&[batch], OutputFormat::Csv).unwrap();
        assert_eq!(csv, "reasons\n{bad date: 2}\n");
    }
}
