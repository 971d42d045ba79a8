//! `wecon sources`: the formats `wecon ingest` reads.

use std::io::Write;

use anyhow::Result;

pub fn run() -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "wecon ingest finds these formats in the files and folders it is given (folders are\n\
         searched recursively; each record read is logged as accepted or rejected with a reason).\n"
    )?;
    for f in wecon_ingest::FORMATS {
        writeln!(out, "{}\n  {}", f.name, f.what)?;
        writeln!(out, "  recognised by: {}", f.recognised_by)?;
        writeln!(out, "  one record:    {}", f.record)?;
        writeln!(out, "  example:       {}\n", f.example)?;
    }
    out.flush()?;
    Ok(())
}
