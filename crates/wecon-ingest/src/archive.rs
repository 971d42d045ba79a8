//! Archives (`.zip`, `.tar.gz`, `.tgz`, `.tar`) of exports: unpacked into a private
//! temporary folder, read like any folder, and their records attributed to
//! `archive.zip!/entry` in the log.
//!
//! Unpacking is guarded: entries whose path would leave the folder (`../`, absolute paths)
//! and links are not unpacked but counted, and an archive that would unpack to more than
//! [`MAX_UNPACKED_BYTES`] is refused whole, so a zip bomb cannot fill the disk.

use std::io::Read;
use std::path::{Component, Path};

/// The most an archive may unpack to.
pub(crate) const MAX_UNPACKED_BYTES: u64 = 16 << 30;

pub(crate) const UNSAFE_ENTRY: &str =
    "archive entry with a path outside the archive (../ or absolute) or a link: not unpacked";
pub(crate) const TOO_LARGE: &str = "archive unpacks to more than 16 GiB: refused";
pub(crate) const UNREADABLE: &str = "archive could not be read (damaged or not an archive)";

/// An archive unpacked into a temporary folder, removed when dropped.
#[derive(Debug)]
pub(crate) struct Unpacked {
    pub dir: tempfile::TempDir,
    /// Entries that were not unpacked, with why.
    pub skipped: Vec<&'static str>,
}

/// The temporary folders of unpacked archives (and of converted `.pst` files), each with the
/// name its files go by (`export.zip!`). A file's name is its source file in the dataset and
/// the ground of its activities' ids, so reading names the files of an archive by the
/// archive, not by the folder it happened to be unpacked into this time: two runs over one
/// archive give the same dataset. A folder leaves the list when it is dropped; folders are
/// unique paths, so ingests running side by side do not mix up their names.
static NAMES: std::sync::RwLock<Vec<(String, String)>> = std::sync::RwLock::new(Vec::new());

impl Unpacked {
    /// Names the folder's files `{name}/entry` (see [`name`]) until it is dropped.
    pub(crate) fn name_files(&self, name: String) {
        let dir = self.dir.path().display().to_string();
        NAMES
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((dir, name));
    }
}

impl Drop for Unpacked {
    fn drop(&mut self) {
        let dir = self.dir.path().display().to_string();
        NAMES
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .retain(|(d, _)| *d != dir);
    }
}

/// The name of a file as wecon records it: `archive.zip!/entry` for a file of an unpacked
/// archive (`outer.zip!/inner.zip!/entry` for one in an archive in an archive), else its path.
pub(crate) fn name(path: &str) -> String {
    let names = NAMES
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut name = path.to_string();
    'folders: loop {
        for (dir, label) in names.iter() {
            if let Some(rest) = name.strip_prefix(dir.as_str())
                && (rest.is_empty() || rest.starts_with(std::path::MAIN_SEPARATOR))
            {
                name = format!("{label}{rest}");
                continue 'folders;
            }
        }
        return name;
    }
}

/// [`name`] of a path.
pub(crate) fn name_of(path: &Path) -> String {
    name(&path.display().to_string())
}

/// Whether a file name is an archive wecon unpacks.
pub(crate) fn is_archive(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.ends_with(".zip") || n.ends_with(".tar.gz") || n.ends_with(".tgz") || n.ends_with(".tar")
}

fn is_safe(path: &Path) -> bool {
    !path.as_os_str().is_empty()
        && path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

/// Unpacks an archive, or says why it cannot be.
pub(crate) fn unpack(path: &Path) -> Result<Unpacked, &'static str> {
    let dir = tempfile::Builder::new()
        .prefix("wecon-archive-")
        .tempdir()
        .map_err(|_| UNREADABLE)?;
    let mut skipped = Vec::new();
    let name = path.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".zip") {
        let file = std::fs::File::open(path).map_err(|_| UNREADABLE)?;
        let mut zip = zip::ZipArchive::new(file).map_err(|_| UNREADABLE)?;
        let mut total: u64 = 0;
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).map_err(|_| UNREADABLE)?;
            let Some(rel) = entry.enclosed_name().filter(|p| is_safe(p)) else {
                skipped.push(UNSAFE_ENTRY);
                continue;
            };
            if entry.is_dir() {
                continue;
            }
            if entry.is_symlink() {
                skipped.push(UNSAFE_ENTRY);
                continue;
            }
            let target = dir.path().join(rel);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(|_| UNREADABLE)?;
            }
            let mut out = std::fs::File::create(&target).map_err(|_| UNREADABLE)?;
            // Count what is really written, not what the header claims.
            let left = MAX_UNPACKED_BYTES.saturating_sub(total);
            let n = std::io::copy(&mut (&mut entry).take(left + 1), &mut out)
                .map_err(|_| UNREADABLE)?;
            total += n;
            if total > MAX_UNPACKED_BYTES {
                return Err(TOO_LARGE);
            }
        }
    } else {
        let file = std::fs::File::open(path).map_err(|_| UNREADABLE)?;
        let reader: Box<dyn Read> = if name.ends_with(".tar") {
            Box::new(file)
        } else {
            Box::new(flate2::read::GzDecoder::new(file))
        };
        let mut tar = tar::Archive::new(reader);
        let mut total: u64 = 0;
        for entry in tar.entries().map_err(|_| UNREADABLE)? {
            let mut entry = entry.map_err(|_| UNREADABLE)?;
            let kind = entry.header().entry_type();
            if kind.is_dir() {
                continue;
            }
            let rel = entry
                .path()
                .map(|p| p.into_owned())
                .map_err(|_| UNREADABLE)?;
            if !kind.is_file() || !is_safe(&rel) {
                skipped.push(UNSAFE_ENTRY);
                continue;
            }
            total += entry.header().size().map_err(|_| UNREADABLE)?;
            if total > MAX_UNPACKED_BYTES {
                return Err(TOO_LARGE);
            }
            let target = dir.path().join(&rel);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(|_| UNREADABLE)?;
            }
            let mut out = std::fs::File::create(&target).map_err(|_| UNREADABLE)?;
            std::io::copy(&mut entry, &mut out).map_err(|_| UNREADABLE)?;
        }
    }
    Ok(Unpacked { dir, skipped })
}
