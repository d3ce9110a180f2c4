//! Why opening, reading or writing the store failed, with messages that name the fix.

use std::path::PathBuf;

/// Why the data file could not be opened; each message names the fix.
#[derive(Debug)]
pub enum OpenError {
    /// Another process (another `sodan`) has the file open.
    InUse(PathBuf),
    /// The file was written by a newer Sodan than this one.
    NewerSchema {
        /// The file's schema version.
        found: u64,
        /// The newest this binary understands.
        supported: u64,
    },
    /// The directory could not be created.
    Io(PathBuf, std::io::Error),
    /// The storage engine (redb, PostgreSQL) reported a problem.
    Storage(String),
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::InUse(path) => write!(
                f,
                "the data file {} is already in use by another sodan process; stop that process first \
                 (or use another --data-dir)",
                path.display()
            ),
            Self::NewerSchema { found, supported } => write!(
                f,
                "the data file has schema version {found}, but this sodan understands only up to \
                 {supported}; it was written by a newer sodan: install that version again (or restore a \
                 backup made for this version)"
            ),
            Self::Io(path, e) => write!(f, "cannot create data directory {}: {e}", path.display()),
            Self::Storage(e) => write!(f, "cannot open the store: {e}"),
        }
    }
}

impl std::error::Error for OpenError {}

/// A failed read or write.
#[derive(Debug, Clone)]
pub enum Error {
    /// A unique value (e.g. an e-mail address) is taken.
    Conflict(&'static str),
    /// The storage engine or the blocking pool failed.
    Storage(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Conflict(what) => write!(f, "{what} already exists"),
            Self::Storage(e) => write!(f, "storage error: {e}"),
        }
    }
}

impl std::error::Error for Error {}

macro_rules! storage_error_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Error::Storage(e.to_string())
            }
        }
    )*};
}
storage_error_from!(
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);
