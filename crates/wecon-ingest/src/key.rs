//! The pseudonymisation key: from `--key-file`, from `WECON_KEY`, or generated and written
//! beside the dataset with owner-only permissions.

use std::path::{Path, PathBuf};

use wecon_model::{KEY_MIN_BYTES, Pseudonymiser};

use crate::IngestError;

/// Where the key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A file the user named.
    File(PathBuf),
    /// The `WECON_KEY` environment variable's value.
    Env(String),
    /// No key given: use `DATASET.key` beside the dataset, made when absent.
    Beside,
}

/// The key file used when none is given: `out/dataset` → `out/dataset.key`.
pub fn default_key_path(dataset: &Path) -> PathBuf {
    let mut name = dataset
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "dataset".into());
    name.push(".key");
    dataset.with_file_name(name)
}

/// Loads or makes the key; returns the pseudonymiser and a sentence saying where the key is.
pub fn resolve_key(
    source: &KeySource,
    dataset: &Path,
) -> Result<(Pseudonymiser, String), IngestError> {
    let (bytes, said) = match source {
        KeySource::File(path) => (
            read_key_file(path)?,
            format!("key file `{}`", path.display()),
        ),
        KeySource::Env(value) => (
            value.trim().as_bytes().to_vec(),
            "the WECON_KEY environment variable".to_string(),
        ),
        KeySource::Beside => {
            let path = default_key_path(dataset);
            if path.exists() {
                (
                    read_key_file(&path)?,
                    format!("key file `{}` (made by an earlier run)", path.display()),
                )
            } else {
                write_new_key(&path)?;
                (
                    read_key_file(&path)?,
                    format!(
                        "a new random key written to `{}` (mode 0600)",
                        path.display()
                    ),
                )
            }
        }
    };
    let p = Pseudonymiser::new(&bytes).map_err(IngestError::Key)?;
    Ok((p, said))
}

fn read_key_file(path: &Path) -> Result<Vec<u8>, IngestError> {
    let raw = fs_err::read(path)?;
    let text = String::from_utf8_lossy(&raw);
    let trimmed = text.trim();
    if trimmed.len() >= KEY_MIN_BYTES {
        Ok(trimmed.as_bytes().to_vec())
    } else {
        Err(IngestError::Key(format!(
            "key file `{}` holds {} bytes; at least {KEY_MIN_BYTES} are needed",
            path.display(),
            trimmed.len()
        )))
    }
}

fn write_new_key(path: &Path) -> Result<(), IngestError> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key)
        .map_err(|e| IngestError::Key(format!("no random key could be made: {e}")))?;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        wecon_model::atomic::create_private_dir(parent)?;
    }
    let tmp = path.with_extension("key.tmp");
    {
        use std::io::Write;
        let mut opts = fs_err::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use fs_err::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        writeln!(f, "{}", hex::encode(key))?;
        f.sync_all()?;
    }
    fs_err::rename(&tmp, path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_key_is_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let ds = dir.path().join("dataset");
        let (a, said) = resolve_key(&KeySource::Beside, &ds).unwrap();
        assert!(said.contains("new random key"));
        let path = default_key_path(&ds);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let (b, said) = resolve_key(&KeySource::Beside, &ds).unwrap();
        assert!(said.contains("earlier run"));
        assert_eq!(a.person("x@y.z"), b.person("x@y.z"));
        assert!(resolve_key(&KeySource::Env("short".into()), &ds).is_err());
    }
}
