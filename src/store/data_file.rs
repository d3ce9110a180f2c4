//! The open redb database, closed and opened again after an I/O error.
//!
//! After a failed write (a full or failing disk), redb refuses every further transaction until the database
//! is opened again, which also repairs it. The writer asks for that here; readers that come meanwhile get a
//! clear error instead of waiting, and the service takes writes again as soon as the disk does.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use redb::{Database, DatabaseError};

use super::{Error, OpenError, migrate};

/// Memory redb may use to cache pages; small, because Sodan runs on a Raspberry Pi too.
const CACHE_BYTES: usize = 32 * 1024 * 1024;
/// The least time between two attempts to open the file again while the disk still fails.
const RETRY_EVERY: Duration = Duration::from_millis(500);
/// How long a reopen waits for reads still using the old handle.
const READERS_PATIENCE: Duration = Duration::from_secs(5);

/// The database, when it is open.
pub(super) struct DataFile {
    path: PathBuf,
    current: RwLock<Option<Arc<Database>>>,
    last_attempt: Mutex<Option<Instant>>,
}

fn open_database(path: &Path) -> Result<Database, OpenError> {
    // SingleWriter lets `sodan backup` and `sodan check` read the file while the server runs; a second
    // writing process is still refused.
    let db = Database::builder()
        .set_cache_size(CACHE_BYTES)
        .set_concurrency_mode(redb::ConcurrencyMode::SingleWriter)
        .create(path)
        .map_err(|e| match e {
            DatabaseError::DatabaseAlreadyOpen => OpenError::InUse(path.to_owned()),
            other => OpenError::Storage(other.to_string()),
        })?;
    migrate::run(&db)?;
    Ok(db)
}

impl DataFile {
    /// Opens (or creates) the file and brings its schema up to date.
    pub(super) fn open(path: &Path) -> Result<DataFile, OpenError> {
        let db = open_database(path)?;
        Ok(DataFile {
            path: path.to_owned(),
            current: RwLock::new(Some(Arc::new(db))),
            last_attempt: Mutex::new(None),
        })
    }

    /// The open database; an error while it is being opened again after a disk error.
    pub(super) fn get(&self) -> Result<Arc<Database>, Error> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| {
                Error::Storage("the data file is being reopened after a disk error".into())
            })
    }

    /// The open database for the writer, opening the file again first if a disk error closed it (at most
    /// every [`RETRY_EVERY`], so a disk that still fails is not hammered).
    pub(super) fn get_or_reopen(&self) -> Result<Arc<Database>, Error> {
        if let Ok(db) = self.get() {
            return Ok(db);
        }
        {
            let mut last = self.last_attempt.lock().unwrap_or_else(|e| e.into_inner());
            if last.is_some_and(|at| at.elapsed() < RETRY_EVERY) {
                return Err(Error::Storage(
                    "the data file could not be opened again yet".into(),
                ));
            }
            *last = Some(Instant::now());
        }
        match open_database(&self.path) {
            Ok(db) => {
                let db = Arc::new(db);
                *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(db.clone());
                tracing::warn!(path = %self.path.display(), "data file opened again after a disk error");
                Ok(db)
            }
            Err(e) => {
                tracing::error!(error = %e, "data file still cannot be opened");
                Err(Error::Storage(e.to_string()))
            }
        }
    }

    /// Closes the database after a failed write, waiting briefly for reads still using it; the next
    /// [`DataFile::get_or_reopen`] opens (and repairs) it.
    pub(super) fn close_after_error(&self, failed: Arc<Database>) {
        let taken = self
            .current
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        drop(taken);
        if let Some(db) = wait_until_unique(failed, READERS_PATIENCE) {
            drop(db);
        } else {
            tracing::error!("reads still hold the data file; it closes when they end");
        }
        *self.last_attempt.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Takes the database out for closing at shutdown.
    pub(super) fn take(&self) -> Option<Arc<Database>> {
        self.current
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }
}

/// `db` once no other handle is left, or `None` after `patience`.
pub(super) fn wait_until_unique(mut db: Arc<Database>, patience: Duration) -> Option<Database> {
    let deadline = Instant::now() + patience;
    loop {
        match Arc::try_unwrap(db) {
            Ok(db) => return Some(db),
            Err(shared) if Instant::now() < deadline => {
                db = shared;
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(_) => return None,
        }
    }
}
