//! Atomic output, shared by every stage that writes: a file is written under a temporary
//! name and renamed; a folder is built beside its target and swapped in with renames, so a
//! reader never sees half an output.

use std::path::{Path, PathBuf};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
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

/// Files of fewer rows are compressed with Snappy rather than Zstandard.
const SMALL_FILE_ROWS: usize = 2_000;

/// Writes batches to a Parquet file (Zstandard, or Snappy when small; temporary name, then
/// rename).
pub fn write_parquet(path: &Path, batches: &[RecordBatch]) -> Result<(), ParquetError> {
    let Some(first) = batches.first() else {
        return Err(ParquetError::General(format!(
            "nothing to write to `{}`",
            path.display()
        )));
    };
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    write_parquet_stream(path, first.schema(), rows, batches.iter().cloned().map(Ok))
}

/// Writes batches as they come to a Parquet file of `schema`, holding one row group at a
/// time; `rows` (the number of rows coming, or an estimate) chooses the compression as in
/// [`write_parquet`]. A failed batch stops the write, leaving nothing at `path`.
pub fn write_parquet_stream(
    path: &Path,
    schema: SchemaRef,
    rows: usize,
    batches: impl IntoIterator<Item = Result<RecordBatch, ParquetError>>,
) -> Result<(), ParquetError> {
    // Zstandard, except for small files: its contexts (one per column) cost more to set up
    // than they save on a few hundred rows (month partitions of sparse mail are that small).
    let compression = if rows < SMALL_FILE_ROWS {
        Compression::SNAPPY
    } else {
        Compression::ZSTD(ZstdLevel::default())
    };
    let props = WriterProperties::builder()
        .set_compression(compression)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .build();
    let tmp = sibling(path, "tmp");
    let file = fs_err::File::create(&tmp)?;
    let written = (|| {
        let mut w = ArrowWriter::try_new(file, schema, Some(props))?;
        for b in batches {
            w.write(&b?)?;
        }
        w.close().map(|_| ())
    })();
    match written {
        Ok(()) => Ok(fs_err::rename(&tmp, path)?),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Writes bytes to a file under a temporary name, then renames it into place.
pub fn write_file(path: &Path, contents: impl AsRef<[u8]>) -> std::io::Result<()> {
    let tmp = sibling(path, "tmp");
    fs_err::write(&tmp, contents)?;
    fs_err::rename(&tmp, path)
}

/// Creates a folder and any missing parents readable by their owner only (mode 0700 on
/// Unix): outputs hold data about people.
pub fn create_private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(path)
        .map_err(|e| std::io::Error::new(e.kind(), format!("{e}: `{}`", path.display())))
}

/// A fresh folder beside `out` to build an output in, named after this process; it and
/// the folders created above it are private to their owner ([`create_private_dir`]).
pub fn partial_dir(out: &Path) -> std::io::Result<PathBuf> {
    remove_abandoned(out);
    let partial = sibling(out, &format!("partial-{}", std::process::id()));
    if partial.exists() {
        fs_err::remove_dir_all(&partial)?;
    }
    create_private_dir(&partial)?;
    Ok(partial)
}

/// Removes what interrupted runs left beside `out` (`out.partial-PID`, `out.old-PID` of
/// processes no longer running). Such folders are never read as outputs (a dataset needs
/// its manifest, a results folder its `run.json`, and they are not at `out`); this only
/// reclaims their space. Where it cannot tell whether a process runs (no `/proc`), it
/// leaves them.
fn remove_abandoned(out: &Path) {
    let (Some(parent), Some(name)) = (out.parent(), out.file_name()) else {
        return;
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let name = name.to_string_lossy();
    for entry in entries.flatten() {
        let file = entry.file_name();
        let file = file.to_string_lossy();
        let Some(rest) = file.strip_prefix(name.as_ref()) else {
            continue;
        };
        let pid = rest
            .strip_prefix(".partial-")
            .or_else(|| rest.strip_prefix(".old-"))
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid
            && pid != std::process::id()
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Puts a finished folder in the place of `out`, whatever was there, with renames only.
pub fn replace_dir(finished: &Path, out: &Path) -> std::io::Result<()> {
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_private_dir(parent)?;
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

/// A file's size and SHA-256, as a manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileSum {
    pub bytes: u64,
    pub sha256: String,
}

/// The SHA-256 of a file, read in 64 KiB pieces.
pub fn file_sum(path: &Path) -> std::io::Result<FileSum> {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    let bytes = read_in_pieces(path, |piece| hasher.update(piece))?;
    Ok(FileSum {
        bytes,
        sha256: hex::encode(hasher.finalize()),
    })
}

/// Reads a file to its end in 64 KiB pieces, handing each to `piece`; returns its bytes.
pub fn read_in_pieces(path: &Path, mut piece: impl FnMut(&[u8])) -> std::io::Result<u64> {
    use std::io::Read;
    let mut file = fs_err::File::open(path)?;
    // On the stack: a zeroed heap buffer per file costs more than hashing a small file.
    let mut buf = [0u8; 64 << 10];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(bytes);
        }
        piece(&buf[..n]);
        bytes += n as u64;
    }
}

/// Every file under `dir` but those named in `skip` (relative paths), by relative path with
/// `/` separators: the listing a manifest keeps so `wecon verify` can tell a damaged or
/// altered output.
pub fn files_under(dir: &Path, skip: &[&str]) -> std::io::Result<Vec<String>> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
        for entry in fs_err::read_dir(dir)? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                walk(root, &path, out)?;
            } else if let Ok(rel) = path.strip_prefix(root) {
                let parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push(parts.join("/"));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.retain(|f| !skip.contains(&f.as_str()));
    out.sort();
    Ok(out)
}

/// [`file_sum`] of every file [`files_under`] lists.
pub fn checksums(
    dir: &Path,
    skip: &[&str],
) -> std::io::Result<std::collections::BTreeMap<String, FileSum>> {
    files_under(dir, skip)?
        .into_iter()
        .map(|rel| {
            let sum = file_sum(&dir.join(&rel))?;
            Ok((rel, sum))
        })
        .collect()
}
