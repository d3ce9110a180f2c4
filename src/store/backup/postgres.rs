//! Backup and restore of a shop kept in PostgreSQL, in the same JSON lines as the file's: a backup of
//! either engine restores into either, which is how a shop moves between them.

use std::io::{BufRead, Write};

use super::{BackupError, Summary, err, read_header, read_rows, write_rows};
use crate::store::BlockingFiles;
use crate::store::kv::typed::TypedRead;
use crate::store::pg::Pg;
use crate::store::tables::META;
use crate::store::tx::Tx;
use crate::store::{backend, migrate};

/// Writes every row of the database at `url` (from one snapshot) and every uploaded file (from `files`).
pub fn export(
    url: &str,
    files: &BlockingFiles,
    out: &mut impl Write,
) -> Result<Summary, BackupError> {
    let pg = Pg::connect(url).map_err(err)?;
    let mut result = None;
    pg.read(|kv| {
        let schema = migrate::read_version(kv)?;
        result = Some(if schema == migrate::SCHEMA_VERSION {
            write_rows(kv, schema, files, out)
        } else {
            Err(err(format!(
                "the database has schema {schema}, not this sodan's {}: start this sodan once \
                 (it brings the database up to date), or back it up with the version that wrote it",
                migrate::SCHEMA_VERSION
            )))
        });
        Ok(())
    })
    .map_err(err)?;
    result.unwrap_or_else(|| Err(err("nothing was read")))
}

/// Restores a backup into the empty database at `url` (uploaded files into `files`), in one transaction,
/// then brings its schema up to date.
pub fn import(
    input: impl BufRead,
    url: &str,
    files: &BlockingFiles,
) -> Result<Summary, BackupError> {
    let mut lines = input.lines();
    let schema = read_header(&mut lines)?;
    let pg = Pg::connect(url).map_err(err)?;
    let mut conn = pg.conn().map_err(err)?;
    let kv = conn.kv(|client| client.transaction()).map_err(err)?;
    kv.lock_for_writing().map_err(err)?;
    let summary = {
        let tx = Tx::other(&kv);
        if tx.count_in(&META).map_err(err)? > 0 {
            return Err(err(
                "a shop already exists in the database; restore into an empty database",
            ));
        }
        read_rows(lines, &tx, schema, files)?
    };
    kv.commit().map_err(err)?;
    backend::migrate_postgres(&pg).map_err(err)?;
    Ok(summary)
}
