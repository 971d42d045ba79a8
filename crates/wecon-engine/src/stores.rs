//! Datasets on object storage: `s3://BUCKET/PATH` (Amazon S3 and S3-compatible stores),
//! `gs://BUCKET/PATH` (Google Cloud Storage) and `az://CONTAINER/PATH` (also `abfs://`,
//! `abfss://`; Azure Blob Storage), read through the `object_store` crate.
//!
//! A store is built the first time a URL of its bucket is read, from the environment
//! variables each service's own tools read: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`, `AWS_REGION`, `AWS_ENDPOINT` (an S3-compatible server) and
//! `AWS_ALLOW_HTTP`; `GOOGLE_SERVICE_ACCOUNT` (a key file) or the instance's credentials;
//! `AZURE_STORAGE_ACCOUNT_NAME`, `AZURE_STORAGE_ACCOUNT_KEY` and the other `AZURE_*` ones.
//! The same registry serves a local session, a cluster's client, scheduler and executors,
//! so each node reads the dataset with its own credentials.

use std::path::Path;
use std::sync::Arc;

use datafusion::error::DataFusionError;
use datafusion::execution::object_store::{DefaultObjectStoreRegistry, ObjectStoreRegistry};
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt};
use url::Url;

use crate::EngineError;

/// The URL schemes wecon reads datasets from, besides local paths.
const SCHEMES: &[&str] = &["s3", "s3a", "gs", "az", "azure", "abfs", "abfss", "adl"];

/// Whether `location` names a dataset on object storage rather than a local folder.
pub fn is_remote(location: &str) -> bool {
    location
        .split_once("://")
        .is_some_and(|(scheme, _)| SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()))
}

/// Whether `path` is an object-storage URL written as a path (the command line takes both).
pub fn is_remote_path(path: &Path) -> bool {
    is_remote(&path.to_string_lossy())
}

/// The store for a URL's bucket, built from the environment.
pub fn store_for(url: &Url) -> Result<Arc<dyn ObjectStore>, EngineError> {
    let fail = |e: object_store::Error| {
        EngineError::Layout(format!(
            "cannot reach `{url}`: {e} (credentials come from the environment: AWS_*, GOOGLE_*, AZURE_*)"
        ))
    };
    let store: Arc<dyn ObjectStore> = match url.scheme() {
        "s3" | "s3a" => Arc::new(
            object_store::aws::AmazonS3Builder::from_env()
                .with_url(url.as_str())
                .build()
                .map_err(fail)?,
        ),
        "gs" => Arc::new(
            object_store::gcp::GoogleCloudStorageBuilder::from_env()
                .with_url(url.as_str())
                .build()
                .map_err(fail)?,
        ),
        "az" | "azure" | "abfs" | "abfss" | "adl" => Arc::new(
            object_store::azure::MicrosoftAzureBuilder::from_env()
                .with_url(url.as_str())
                .build()
                .map_err(fail)?,
        ),
        other => {
            return Err(EngineError::Layout(format!(
                "`{url}`: wecon reads s3://, gs:// and az:// URLs, not {other}://"
            )));
        }
    };
    Ok(store)
}

/// DataFusion's registry, which also builds a store from the environment the first time
/// one of [`SCHEMES`] is asked for.
#[derive(Debug, Default)]
pub struct EnvStores {
    known: DefaultObjectStoreRegistry,
}

impl ObjectStoreRegistry for EnvStores {
    fn register_store(
        &self,
        url: &Url,
        store: Arc<dyn ObjectStore>,
    ) -> Option<Arc<dyn ObjectStore>> {
        self.known.register_store(url, store)
    }

    fn deregister_store(&self, url: &Url) -> datafusion::error::Result<Arc<dyn ObjectStore>> {
        self.known.deregister_store(url)
    }

    fn get_store(&self, url: &Url) -> datafusion::error::Result<Arc<dyn ObjectStore>> {
        if let Ok(store) = self.known.get_store(url) {
            return Ok(store);
        }
        if !SCHEMES.contains(&url.scheme()) {
            return self.known.get_store(url);
        }
        let store = store_for(url).map_err(|e| DataFusionError::External(Box::new(e)))?;
        self.known.register_store(url, store.clone());
        Ok(store)
    }
}

/// A runtime that reads object storage, with a spilling memory pool of `memory_limit` bytes
/// when one is given.
pub fn runtime(memory_limit: Option<u64>) -> Result<Arc<RuntimeEnv>, DataFusionError> {
    let mut builder =
        RuntimeEnvBuilder::new().with_object_store_registry(Arc::new(EnvStores::default()));
    if let Some(bytes) = memory_limit {
        builder = builder.with_memory_pool(Arc::new(
            datafusion::execution::memory_pool::FairSpillPool::new(bytes as usize),
        ));
    }
    builder.build_arc()
}

/// A URL and the object path within its store; `location` is `SCHEME://BUCKET/PATH`.
fn split(location: &str) -> Result<(Url, StorePath), EngineError> {
    let url = Url::parse(location)
        .map_err(|e| EngineError::Layout(format!("`{location}` is not a URL: {e}")))?;
    let path = StorePath::from_url_path(url.path())
        .map_err(|e| EngineError::Layout(format!("`{location}`: {e}")))?;
    Ok((url, path))
}

/// `location` + `/name`, for a URL.
pub fn join(location: &str, name: &str) -> String {
    format!("{}/{name}", location.trim_end_matches('/'))
}

/// Reads a small object (a manifest) as text.
pub async fn read_text(location: &str) -> Result<String, EngineError> {
    let (url, path) = split(location)?;
    let store = store_for(&url)?;
    let bytes = store
        .get(&path)
        .await
        .map_err(|e| EngineError::Layout(format!("cannot read `{location}`: {e}")))?
        .bytes()
        .await
        .map_err(|e| EngineError::Layout(format!("cannot read `{location}`: {e}")))?;
    String::from_utf8(bytes.to_vec())
        .map_err(|_| EngineError::Layout(format!("`{location}` is not text")))
}

/// Whether an object exists.
pub async fn exists(location: &str) -> Result<bool, EngineError> {
    let (url, path) = split(location)?;
    let store = store_for(&url)?;
    match store.head(&path).await {
        Ok(_) => Ok(true),
        Err(object_store::Error::NotFound { .. }) => Ok(false),
        Err(e) => Err(EngineError::Layout(format!(
            "cannot read `{location}`: {e}"
        ))),
    }
}

/// Copies every file under the local folder `dir` to `location`, the file named `last`
/// last of all: a reader that finds `last` finds everything. An earlier upload there loses
/// its `last` first, then the objects this one does not replace, so no reader takes the
/// remains of an older dataset for this one. Returns the number of files copied.
pub async fn upload_dir(dir: &Path, location: &str, last: &str) -> Result<usize, EngineError> {
    use futures::StreamExt;
    let (url, root) = split(location)?;
    let store = store_for(&url)?;
    let files = wecon_model::atomic::files_under(dir, &[])?;
    let put_err =
        |e: object_store::Error| EngineError::Layout(format!("cannot write `{location}`: {e}"));
    // An older dataset here stops being one before any of its files change.
    let old: Vec<StorePath> = store
        .list(Some(&root))
        .filter_map(|o| async move { o.ok().map(|o| o.location) })
        .collect()
        .await;
    let object = |rel: &str| rel.split('/').fold(root.clone(), |p, part| p.join(part));
    let last_path = object(last);
    if old.contains(&last_path) {
        store.delete(&last_path).await.map_err(put_err)?;
    }
    let keep: std::collections::HashSet<StorePath> = files.iter().map(|f| object(f)).collect();
    for o in old
        .iter()
        .filter(|o| !keep.contains(*o) && **o != last_path)
    {
        store.delete(o).await.map_err(put_err)?;
    }
    let mut ordered: Vec<&String> = files.iter().filter(|f| f.as_str() != last).collect();
    ordered.extend(files.iter().filter(|f| f.as_str() == last));
    for f in &ordered {
        let bytes = fs_err::read(dir.join(f.as_str()))?;
        store.put(&object(f), bytes.into()).await.map_err(put_err)?;
    }
    Ok(ordered.len())
}
