//! Backup and restore as versioned JSON lines, independent of redb's file format, so an upgrade across a
//! redb major version is export, then import.
//!
//! Line 1 is a header (`{"sodan_backup":1,"schema":N,...}`); then one line per table row
//! (`{"t":TABLE,"k":KEY,"v":VALUE}`, records as JSON, byte keys as hex) and one per uploaded file
//! (`{"file":NAME,"hex":BYTES}`). An export reads one snapshot (a read transaction), so it is consistent
//! while the server keeps running.

use std::io::{BufRead, Write};
use std::path::Path;

use redb::{ConcurrencyMode, Database, ReadableDatabase, TableHandle};
use serde_json::{Value, json};

use super::kv::read::RedbReadKv;
use super::kv::typed::TypedRead;
use super::kv::{Kv, KvRead, Span};
use super::tables::*;
use super::tx::Tx;
use super::{BlockingFiles, OpenError, byte_tables, migrate};
use crate::tokens;

/// The name of every table an export writes.
fn exported_tables() -> Vec<&'static str> {
    byte_tables::ALL.iter().map(|l| l.name).collect()
}

pub mod postgres;

/// The format version written in the header.
pub const FORMAT: u64 = 1;

/// What an export or import handled.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Table rows.
    pub rows: u64,
    /// Uploaded files.
    pub files: u64,
}

/// Why a backup or restore failed.
#[derive(Debug)]
pub struct BackupError(pub String);

impl std::fmt::Display for BackupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BackupError {}

fn err(e: impl std::fmt::Display) -> BackupError {
    BackupError(e.to_string())
}

fn unhex(text: &str) -> Result<Vec<u8>, BackupError> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return Err(err("invalid hex"));
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).map_err(err))
        .collect()
}

fn num(v: &Value) -> Result<u64, BackupError> {
    v.as_u64()
        .ok_or_else(|| err(format!("expected a number, found {v}")))
}

fn text(v: &Value) -> Result<String, BackupError> {
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| err(format!("expected a string, found {v}")))
}

/// Writes every row of every table, then every uploaded file (read from `files`), from one snapshot of
/// `db_path`.
pub fn export(
    db_path: &Path,
    files: &BlockingFiles,
    out: &mut impl Write,
) -> Result<Summary, BackupError> {
    let db = Database::builder()
        .set_concurrency_mode(ConcurrencyMode::SingleWriter)
        .open_read_only(db_path)
        .map_err(|e| err(format!("cannot open {}: {e}", db_path.display())))?;
    let txn = db.begin_read().map_err(err)?;
    let schema = migrate::stored_version(&txn).map_err(err)?;
    if schema < migrate::SCHEMA_VERSION {
        // Its tables may still have the older layout this version reads no more.
        return Err(err(format!(
            "the data file has schema {schema}, older than this sodan's {}: start this sodan once \
             (it brings the file up to date), or back it up with the version that wrote it",
            migrate::SCHEMA_VERSION
        )));
    }
    let kv = RedbReadKv::new(&txn);
    // Every table in the file is in the export, so a backup is also a complete view of what is stored.
    let known = exported_tables();
    for table in txn.list_tables().map_err(err)? {
        // The index queue and the search index are derived from the messages.
        let derived = [INDEX_QUEUE.name(), MESSAGE_TERMS.name()];
        if !known.contains(&table.name()) && !derived.contains(&table.name()) {
            return Err(err(format!(
                "table {} is not part of the backup format",
                table.name()
            )));
        }
    }
    write_rows(&kv, schema, files, out)
}

/// Writes the header, every row of `kv`'s snapshot and every uploaded file (from `files`).
fn write_rows(
    kv: &impl KvRead,
    schema: u64,
    files: &BlockingFiles,
    out: &mut impl Write,
) -> Result<Summary, BackupError> {
    let header =
        json!({ "sodan_backup": FORMAT, "schema": schema, "created_at": crate::clock::now() });
    writeln!(out, "{header}").map_err(err)?;
    let mut summary = Summary::default();
    let mut line = |table: &str, k: Value, v: Value| -> Result<(), BackupError> {
        summary.rows += 1;
        writeln!(out, "{}", json!({ "t": table, "k": k, "v": v })).map_err(err)
    };
    for layout in byte_tables::ALL {
        for (k, v) in kv.range(layout.name, Span::all()).map_err(err)? {
            line(
                layout.name,
                layout.key_json(&k).map_err(err)?,
                layout.value_json(&v).map_err(err)?,
            )?;
        }
    }
    // The client ids of messages still waiting to be indexed, as the rows they become once filed.
    for ((a, b), (c, d)) in super::index_queue::waiting_client_ids(kv).map_err(err)? {
        line(CLIENT_IDS.name(), json!([a, b]), json!([c, d]))?;
    }
    for upload in kv.records_where(&UPLOADS, |_| true).map_err(err)? {
        let bytes = files
            .get(&upload.stored_as)
            .map_err(|e| err(format!("upload {} ({}): {e}", upload.id, upload.stored_as)))?;
        writeln!(
            out,
            "{}",
            json!({ "file": upload.stored_as, "hex": tokens::hex(&bytes) })
        )
        .map_err(err)?;
        summary.files += 1;
    }
    out.flush().map_err(err)?;
    Ok(summary)
}

/// Creates a new data file at `db_path` (which must not exist) from an export, writes its uploaded files
/// into `files`, then brings the schema up to date.
pub fn import(
    input: impl BufRead,
    db_path: &Path,
    files: &BlockingFiles,
) -> Result<Summary, BackupError> {
    if db_path.exists() {
        return Err(err(format!(
            "{} already exists; restore into an empty data directory (move the old one aside first)",
            db_path.display()
        )));
    }
    if let Some(dir) = db_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        super::create_private_dir(dir).map_err(err)?;
    }
    let mut lines = input.lines();
    let schema = read_header(&mut lines)?;
    let db = Database::create(db_path).map_err(err)?;
    let summary = {
        let mut txn = db.begin_write().map_err(err)?;
        txn.set_two_phase_commit(true);
        let tx = Tx::new(&txn);
        let summary = read_rows(lines, &tx, schema, files)?;
        drop(tx);
        txn.commit().map_err(err)?;
        summary
    };
    drop(db);
    // Files first, then the data that refers to them: now bring the schema up to this version.
    let db = Database::create(db_path).map_err(err)?;
    migrate::run(&db).map_err(|e: OpenError| err(e))?;
    Ok(summary)
}

/// Reads the header line; the backup's schema version.
fn read_header(
    lines: &mut impl Iterator<Item = std::io::Result<String>>,
) -> Result<u64, BackupError> {
    let header: Value = serde_json::from_str(
        &lines
            .next()
            .ok_or_else(|| err("the backup is empty"))?
            .map_err(err)?,
    )
    .map_err(|e| err(format!("not a Sodan backup: {e}")))?;
    if header["sodan_backup"].as_u64() != Some(FORMAT) {
        return Err(err("not a Sodan backup of a format this version reads"));
    }
    let schema = num(&header["schema"])?;
    if schema > migrate::SCHEMA_VERSION {
        return Err(err(format!(
            "the backup has schema {schema}; this sodan reads up to {}",
            migrate::SCHEMA_VERSION
        )));
    }
    Ok(schema)
}

/// Stores every row after the header in `tx` and writes every uploaded file into `files`, then builds
/// the search index (not in backups) when the schema has one.
fn read_rows(
    lines: impl Iterator<Item = std::io::Result<String>>,
    tx: &Tx<'_>,
    schema: u64,
    files: &BlockingFiles,
) -> Result<Summary, BackupError> {
    let mut summary = Summary::default();
    for (number, line) in lines.enumerate() {
        let line = line.map_err(err)?;
        let row: Value =
            serde_json::from_str(&line).map_err(|e| err(format!("line {}: {e}", number + 2)))?;
        if let Some(name) = row["file"].as_str() {
            if !crate::uploads::is_stored_name(name) {
                return Err(err(format!(
                    "line {}: {name:?} is not a file name inside the uploads folder",
                    number + 2
                )));
            }
            files.put(name, unhex(&text(&row["hex"])?)?).map_err(err)?;
            summary.files += 1;
            continue;
        }
        insert(tx, &text(&row["t"])?, &row["k"], &row["v"])
            .map_err(|e| err(format!("line {}: {e}", number + 2)))?;
        summary.rows += 1;
    }
    // Built from the messages (by the migration, for older backups).
    if schema >= migrate::SEARCH_INDEX_VERSION {
        super::search_index::rebuild(tx).map_err(err)?;
    }
    Ok(summary)
}

fn insert(txn: &Tx<'_>, table: &str, k: &Value, v: &Value) -> Result<(), BackupError> {
    // Checked before any row is stored: an upload names a file the restore writes.
    if table == UPLOADS.name() {
        let stored = v["stored_as"].as_str().unwrap_or("");
        if !crate::uploads::is_stored_name(stored) {
            return Err(err(format!(
                "upload {k}: {stored:?} is not a file name inside the uploads folder"
            )));
        }
    }
    if let Some(layout) = byte_tables::named(table) {
        let (key, value) = (
            layout.key_bytes(k).map_err(err)?,
            layout.value_bytes(v).map_err(err)?,
        );
        return txn.put(layout.name, &key, &value).map_err(err);
    }
    Err(err(format!("unknown table {table:?}")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_data_file_of_an_older_schema_is_refused_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sodan.redb");
        let db = redb::Database::create(&path).unwrap();
        let txn = db.begin_write().unwrap();
        let typed_meta: redb::TableDefinition<&str, u64> = redb::TableDefinition::new("meta");
        txn.open_table(typed_meta)
            .unwrap()
            .insert("schema_version", 12)
            .unwrap();
        txn.commit().unwrap();
        drop(db);
        let mut out = Vec::new();
        let files = super::BlockingFiles::Folder(dir.path().join("uploads"));
        let refused = super::export(&path, &files, &mut out).unwrap_err().0;
        assert!(refused.contains("schema 12"), "{refused}");
        assert!(refused.contains("start this sodan once"), "{refused}");
        assert!(out.is_empty(), "nothing half-written");
    }
}
