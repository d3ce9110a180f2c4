//! Uploaded files: bytes on disk under `uploads/`, records in the `UPLOADS` table.
//!
//! A file is written and fsynced under a random name before the message that refers to it is committed, so
//! a committed attachment always has its bytes; a crash in between leaves only an unreferenced file.

use std::io::Write;

use super::kv::typed::{Json, TypedRead};
use super::tables::UPLOADS;
use super::{Error, Store};
use crate::uploads::{Upload, UploadId};

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

impl Store {
    /// Writes `bytes` durably under a new random name and returns that name.
    pub async fn save_file(&self, bytes: Vec<u8>) -> Result<String, Error> {
        let dir = self.inner.files.clone();
        tokio::task::spawn_blocking(move || {
            let name = crate::tokens::random()[..32].to_owned();
            let partial = dir.join(format!("{name}.part"));
            write_private(&partial, &bytes).map_err(io)?;
            std::fs::rename(&partial, dir.join(&name)).map_err(io)?;
            std::fs::File::open(&dir)
                .and_then(|d| d.sync_all())
                .map_err(io)?;
            Ok(name)
        })
        .await
        .map_err(|e| Error::Storage(e.to_string()))?
    }

    /// Removes a saved file whose message could not be committed.
    pub async fn discard_file(&self, stored_as: String) {
        let path = self.inner.files.join(stored_as);
        let _ = tokio::task::spawn_blocking(move || std::fs::remove_file(path)).await;
    }

    /// An upload's record.
    pub async fn upload(&self, id: UploadId) -> Result<Option<Upload>, Error> {
        self.read(move |txn| Ok(txn.get_in(&UPLOADS, &id)?.map(|Json(u)| u)))
            .await
    }

    /// An upload's bytes.
    pub async fn read_file(&self, upload: &Upload) -> Result<Vec<u8>, Error> {
        let path = self.inner.files.join(&upload.stored_as);
        tokio::task::spawn_blocking(move || std::fs::read(path).map_err(io))
            .await
            .map_err(|e| Error::Storage(e.to_string()))?
    }
}
