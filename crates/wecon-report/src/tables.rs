//! Result tables read back from Parquet, as plain rows of strings for display and as typed
//! columns for computation.

use std::path::Path;

use datafusion::arrow::array::{Array, Float64Array, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde::Serialize;

use crate::ReportError;

/// A small result table: column names and rows of display strings, plus the batches.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    #[serde(skip)]
    batches: Vec<RecordBatch>,
}

/// Reads a whole Parquet result table.
pub fn read_table(path: &Path) -> Result<Table, ReportError> {
    let file = fs_err::File::open(path)?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file.into_parts().0)?;
    // Columns from the file's schema: an empty table has no batch to take them from.
    let mut table = Table {
        columns: builder
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect(),
        ..Table::default()
    };
    let batches: Vec<RecordBatch> = builder.build()?.collect::<Result<_, _>>()?;
    let options = FormatOptions::default().with_null("");
    for b in &batches {
        let formatters = b
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
            .collect::<Result<Vec<_>, _>>()?;
        // Decimals are shown to two places, rounded to a nanounit first: sums taken in
        // another order differ in the last bits and must not change the report.
        let decimals: Vec<Option<Float64Array>> = b
            .columns()
            .iter()
            .map(|c| {
                matches!(c.data_type(), DataType::Float64 | DataType::Float32)
                    .then(|| cast(c, &DataType::Float64).ok())
                    .flatten()
                    .and_then(|a| a.as_any().downcast_ref::<Float64Array>().cloned())
            })
            .collect();
        for row in 0..b.num_rows() {
            table.rows.push(
                formatters
                    .iter()
                    .zip(&decimals)
                    .map(|(f, d)| match d {
                        Some(a) if !a.is_null(row) => {
                            format!("{:.2}", (a.value(row) * 1e9).round() / 1e9)
                        }
                        _ => f.value(row).to_string(),
                    })
                    .collect(),
            );
        }
    }
    table.batches = batches;
    Ok(table)
}

impl Table {
    fn index(
        &self,
        table: &str,
        column: &str,
        expected: &'static str,
    ) -> Result<usize, ReportError> {
        self.columns
            .iter()
            .position(|c| c == column)
            .ok_or_else(|| ReportError::Column {
                table: table.into(),
                column: column.into(),
                expected,
            })
    }

    /// A column as display strings (dates as `YYYY-MM-DD`).
    pub fn column_strings(&self, table: &str, column: &str) -> Result<Vec<String>, ReportError> {
        let i = self.index(table, column, "text")?;
        Ok(self.rows.iter().map(|r| r[i].clone()).collect())
    }

    /// A numeric column as f64.
    pub fn column_f64(&self, table: &str, column: &str) -> Result<Vec<f64>, ReportError> {
        let i = self.index(table, column, "number")?;
        let mut out = Vec::new();
        for b in &self.batches {
            let c = cast(b.column(i), &DataType::Float64)?;
            let c =
                c.as_any()
                    .downcast_ref::<Float64Array>()
                    .ok_or_else(|| ReportError::Column {
                        table: table.into(),
                        column: column.into(),
                        expected: "number",
                    })?;
            out.extend((0..c.len()).map(|j| if c.is_null(j) { 0.0 } else { c.value(j) }));
        }
        Ok(out)
    }
}
