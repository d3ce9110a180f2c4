//! Uploaded files: bytes in a folder (`uploads/` of the data directory, or a folder the nodes share) or in
//! an S3-compatible bucket, as the configuration says; records in the `UPLOADS` table.
//!
//! A file is stored durably under a random name before the message that refers to it is committed, so
//! a committed attachment always has its bytes; a crash in between leaves only an unreferenced file.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use super::kv::typed::{Json, TypedRead};
use super::tables::UPLOADS;
use super::{Error, Store};
use crate::uploads::{Upload, UploadId};

mod bucket;

pub use bucket::Bucket;

fn io(e: std::io::Error) -> Error {
    Error::Storage(format!("upload file: {e}"))
}

/// Writes `bytes` to a new file only the owner may read (0600) and syncs it.
pub(super) fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Where uploaded files are kept.
#[derive(Debug, Clone)]
pub enum Files {
    /// A folder on this machine (every node's, when several share it).
    Folder(PathBuf),
    /// An S3-compatible bucket.
    Bucket(Arc<Bucket>),
}

impl Files {
    /// The bucket `bucket_url` names when there is one (see [`Bucket::parse`]), else `folder`.
    pub fn choose(folder: PathBuf, bucket_url: Option<&str>) -> Result<Files, String> {
        Ok(match bucket_url {
            Some(url) => Files::Bucket(Arc::new(Bucket::parse(url)?)),
            None => Files::Folder(folder),
        })
    }

    /// The folder, made (owner-only) when missing; nothing for a bucket.
    pub(super) fn prepare(&self) -> std::io::Result<()> {
        match self {
            Files::Folder(dir) => super::create_private_dir(dir),
            Files::Bucket(_) => Ok(()),
        }
    }

    /// Stores `bytes` as `name` durably (written, synced and renamed into place in a folder).
    pub async fn put(&self, name: &str, bytes: Vec<u8>) -> Result<(), Error> {
        match self {
            Files::Folder(dir) => {
                let (dir, name) = (dir.clone(), name.to_owned());
                blocking(move || put_in_folder(&dir, &name, &bytes)).await
            }
            Files::Bucket(bucket) => bucket.put(name, bytes).await,
        }
    }

    /// The bytes stored as `name`.
    pub async fn get(&self, name: &str) -> Result<Vec<u8>, Error> {
        match self {
            Files::Folder(dir) => {
                let path = dir.join(name);
                blocking(move || std::fs::read(path).map_err(io)).await
            }
            Files::Bucket(bucket) => bucket.get(name).await,
        }
    }

    /// Removes `name`.
    pub async fn delete(&self, name: &str) -> Result<(), Error> {
        match self {
            Files::Folder(dir) => {
                let path = dir.join(name);
                blocking(move || match std::fs::remove_file(path) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(e)),
                    _ => Ok(()),
                })
                .await
            }
            Files::Bucket(bucket) => bucket.delete(name).await,
        }
    }

    /// These files for code that runs outside any async runtime (backup and restore): each call waits
    /// for its answer. A bucket gets a runtime of its own; its client must not have been used on another.
    pub fn blocking(&self) -> Result<BlockingFiles, Error> {
        Ok(match self {
            Files::Folder(dir) => BlockingFiles::Folder(dir.clone()),
            Files::Bucket(bucket) => {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(io)?;
                BlockingFiles::Bucket(bucket.clone(), runtime)
            }
        })
    }
}

/// [`Files`] for the backup and restore commands, which run outside any async runtime.
pub enum BlockingFiles {
    /// A folder, read and written directly.
    Folder(PathBuf),
    /// A bucket, with the runtime its requests run on.
    Bucket(Arc<Bucket>, tokio::runtime::Runtime),
}

impl BlockingFiles {
    /// The bytes stored as `name`.
    pub fn get(&self, name: &str) -> Result<Vec<u8>, Error> {
        match self {
            BlockingFiles::Folder(dir) => std::fs::read(dir.join(name)).map_err(io),
            BlockingFiles::Bucket(bucket, runtime) => runtime.block_on(bucket.get(name)),
        }
    }

    /// Stores `bytes` as `name` (a restored file: owner-only in a folder, made when missing).
    pub fn put(&self, name: &str, bytes: Vec<u8>) -> Result<(), Error> {
        match self {
            BlockingFiles::Folder(dir) => {
                super::create_private_dir(dir).map_err(io)?;
                write_private(&dir.join(name), &bytes).map_err(io)
            }
            BlockingFiles::Bucket(bucket, runtime) => runtime.block_on(bucket.put(name, bytes)),
        }
    }
}

/// Runs file work on the blocking pool.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Storage(e.to_string()))?
}

/// Writes `name.part`, syncs it, renames it to `name` and syncs the folder: a file under its real name is
/// always complete.
fn put_in_folder(dir: &std::path::Path, name: &str, bytes: &[u8]) -> Result<(), Error> {
    let partial = dir.join(format!("{name}.part"));
    write_private(&partial, bytes).map_err(io)?;
    std::fs::rename(&partial, dir.join(name)).map_err(io)?;
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io)
}

impl Store {
    /// Writes `bytes` durably under a new random name and returns that name.
    pub async fn save_file(&self, bytes: Vec<u8>) -> Result<String, Error> {
        let name = crate::tokens::random()[..32].to_owned();
        self.inner.files.put(&name, bytes).await?;
        Ok(name)
    }

    /// Removes a saved file whose message could not be committed, or whose message was deleted. A file
    /// that cannot be removed is logged and left: nothing refers to it any more.
    pub async fn discard_file(&self, stored_as: String) {
        if let Err(e) = self.inner.files.delete(&stored_as).await {
            tracing::warn!(error = %e, "an unreferenced upload could not be removed");
        }
    }

    /// An upload's record.
    pub async fn upload(&self, id: UploadId) -> Result<Option<Upload>, Error> {
        self.read(move |txn| Ok(txn.get_in(&UPLOADS, &id)?.map(|Json(u)| u)))
            .await
    }

    /// An upload's bytes.
    pub async fn read_file(&self, upload: &Upload) -> Result<Vec<u8>, Error> {
        self.inner.files.get(&upload.stored_as).await
    }
}
