//! Where a shop's data lives: the redb file (the default), or a PostgreSQL database that several nodes
//! share (see `pg.rs`). The rest of the store reads through [`super::rx::Rx`] and writes through
//! [`super::tx::Tx`], so it runs the same on both.

use redb::ReadableDatabase;
use std::sync::Arc;

use super::data_file::DataFile;
use super::pg::Pg;
use super::rx::Rx;
use super::tx::Tx;
use super::{Error, OpenError, migrate};

/// The storage engine of an open store.
#[derive(Clone)]
pub(super) enum Backend {
    /// The redb data file.
    File(Arc<DataFile>),
    /// A PostgreSQL database.
    Postgres(Arc<Pg>),
}

impl Backend {
    /// Connects to the PostgreSQL database at `url` and brings its schema up to date.
    pub(super) fn postgres(url: &str) -> Result<Backend, OpenError> {
        let pg = Pg::connect(url).map_err(|e| OpenError::Storage(e.to_string()))?;
        migrate_postgres(&pg).map_err(|e| OpenError::Storage(e.to_string()))?;
        Ok(Backend::Postgres(Arc::new(pg)))
    }

    /// Runs `f` in a read snapshot (blocking: call it on the blocking pool).
    pub(super) fn read<T>(&self, f: impl FnOnce(&Rx<'_>) -> Result<T, Error>) -> Result<T, Error> {
        match self {
            Backend::File(file) => f(&Rx::redb(&file.get()?.begin_read()?)),
            Backend::Postgres(pg) => pg.read(|kv| f(&Rx::other(kv))),
        }
    }

    /// Whether other nodes may write too: then nothing a batch remembers may outlive it.
    pub(super) fn shared(&self) -> bool {
        matches!(self, Backend::Postgres(_))
    }
}

/// Applies every migration a PostgreSQL database lacks, each in its own transaction under the write lock
/// (nodes starting together migrate once).
pub(super) fn migrate_postgres(pg: &Pg) -> Result<(), Error> {
    let mut conn = pg.conn()?;
    loop {
        let kv = conn.kv(|client| client.transaction())?;
        kv.lock_for_writing()?;
        let done = {
            let tx = Tx::other(&kv);
            migrate::step(&tx)?
        };
        kv.commit()?;
        if done {
            break;
        }
    }
    pg.give_back(conn);
    Ok(())
}
