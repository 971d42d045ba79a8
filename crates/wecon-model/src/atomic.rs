//! Atomic output, shared by every stage that writes: a file is written under a temporary
//! name and renamed; a folder is built beside its target and swapped in with renames, so a
//! reader never sees half an output.

use std::path::{Path, PathBuf};

use datafusion::arrow::array::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::errors::ParquetError;
use datafusion::parquet::file::properties::WriterProperties;

/// Rows per Parquet row group: small enough to prune by time, large enough to scan fast.
const ROW_GROUP_ROWS: usize = 128 * 1024;

/// `a/b` → `a/b.<suffix>`.
pub fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".{suffix}"));
    path.with_file_name(name)
}

/// Writes batches to a Parquet file (zstd, temporary name, then rename).
pub fn write_parquet(path: &Path, batches: &[RecordBatch]) -> Result<(), ParquetError> {
    let Some(first) = batches.first() else {
        return Err(ParquetError::General(format!(
            "nothing to write to `{}`",
            path.display()
        )));
    };
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .build();
    let tmp = sibling(path, "tmp");
    let file = fs_err::File::create(&tmp)?;
    let mut w = ArrowWriter::try_new(file, first.schema(), Some(props))?;
    for b in batches {
        w.write(b)?;
    }
    w.close()?;
    fs_err::rename(&tmp, path)?;
    Ok(())
}

/// Writes bytes to a file under a temporary name, then renames it into place.
pub fn write_file(path: &Path, contents: impl AsRef<[u8]>) -> std::io::Result<()> {
    let tmp = sibling(path, "tmp");
    fs_err::write(&tmp, contents)?;
    fs_err::rename(&tmp, path)
}

/// A fresh folder beside `out` to build an output in, named after this process.
pub fn partial_dir(out: &Path) -> std::io::Result<PathBuf> {
    let partial = sibling(out, &format!("partial-{}", std::process::id()));
    if partial.exists() {
        fs_err::remove_dir_all(&partial)?;
    }
    fs_err::create_dir_all(&partial)?;
    Ok(partial)
}

/// Puts a finished folder in the place of `out`, whatever was there, with renames only.
pub fn replace_dir(finished: &Path, out: &Path) -> std::io::Result<()> {
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs_err::create_dir_all(parent)?;
    }
    if out.exists() {
        let old = sibling(out, &format!("old-{}", std::process::id()));
        fs_err::rename(out, &old)?;
        fs_err::rename(finished, out)?;
        fs_err::remove_dir_all(&old)?;
    } else {
        fs_err::rename(finished, out)?;
    }
    Ok(())
}
