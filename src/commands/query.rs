//! `wecon query`: ad-hoc SQL.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use wecon_engine::OutputFormat;

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// A dataset, a results folder, or a `wecon run` output folder (then both); tables are
    /// registered by name (activities, people, ingest_log, and each result table).
    dir: PathBuf,
    /// The SQL statement to run.
    sql: String,
    /// How to print the result: an aligned table, CSV (header row, then one line per row),
    /// or a JSON array.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Csv,
    Json,
}

pub fn run(args: QueryArgs) -> Result<()> {
    let format = match args.format {
        Format::Table => OutputFormat::Table,
        Format::Csv => OutputFormat::Csv,
        Format::Json => OutputFormat::Json,
    };
    let text = super::runtime()?
        .block_on(async {
            let (ctx, _) = wecon_engine::open(&args.dir).await?;
            let batches = wecon_engine::sql(&ctx, &args.sql).await?;
            wecon_engine::format_batches(&batches, format)
        })
        .with_context(|| format!("query over `{}` failed", args.dir.display()))?;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}
