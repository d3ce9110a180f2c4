//! The shop's data: the only module that imports a storage engine (redb, or PostgreSQL for several nodes).
//!
//! One [`Store`] per process wraps the engine (`backend.rs`). Every call is async; no engine runs on a web
//! worker thread. Writes go to the group-commit writer (`writer.rs`) and return only after a durable commit
//! (redb: fsync, two-phase commit as redb recommends for untrusted input; PostgreSQL: its commit), so
//! whatever a caller acknowledges afterwards is stored. Reads run in tokio's blocking pool in their own
//! snapshot and never wait for the writer.
//!
//! [`ordered_keys`] writes keys as bytes that sort as the keys do, so an engine comparing plain bytes
//! (a byte-keyed redb table, PostgreSQL's `bytea`) scans ranges in key order. [`kv`] is the byte-level
//! interface both engines implement (get, put, delete, ordered ranges, count); [`rx::Rx`] is one read and
//! [`tx::Tx`] one write as their code sees them, whatever the engine. Every table is declared as a
//! `kv::typed::Table` in `tables.rs`, with its JSON layout for backups in `byte_tables.rs`.

mod ai;
mod api_tokens;
mod audit;
mod autoreplies;
mod backend;
pub mod backup;
mod byte_tables;
mod canned;
mod codec;
mod conversation_reads;
mod conversations;
mod counters;
mod customer_merge;
mod customer_notes;
mod customer_reads;
mod customers;
mod data_file;
mod due;
mod erasure;
mod errors;
mod event_heads;
mod faq;
mod files;
mod index_queue;
mod invites;
pub mod kv;
mod line;
mod line_pushes;
mod mail;
mod migrate;
mod operators;
pub mod ordered_keys;
mod pg;
mod posted;
mod privacy;
mod push;
mod received;
mod reports;
mod retention;
pub mod rx;
mod search_index;
mod segment_backfill;
mod segment_evaluation;
mod segments;
mod sessions;
mod settings;
mod site;
mod stats;
pub(crate) mod tables;
mod triggers;
pub mod tx;
mod visitors;
mod webhooks;
mod writer;

use std::path::{Path, PathBuf};

use std::sync::Arc;

use data_file::DataFile;

pub use audit::AuditEntry;
pub use customer_notes::NoteChange;
pub use customer_reads::{CardData, TimelineEntry};
pub use customers::{Claim, ImportSummary};
pub use erasure::{Erase, Erased};
pub use errors::{Error, OpenError};
pub use faq::BotStats;
pub use files::{BlockingFiles, Bucket, Files};
pub use mail::LinkBase;
pub use migrate::SCHEMA_VERSION;
pub use posted::{Draft, Names, NewUpload, Posted};
pub use push::PushAudience;
pub use retention::Removed;
pub use segment_backfill::Backfill;
pub use segments::SegmentDraft;
pub use stats::{BUCKETS, StatsSnapshot};
pub use triggers::Offered;
pub use writer::MembershipChange;

// What the feature modules' write code builds on (see `lib.rs`, invariant 7): the records it reads and
// changes inside a `Tx`, the queues it fills, and what is published after the commit.
pub(crate) use autoreplies::shop_open;
pub(crate) use conversation_reads::latest_of as latest_conversation_of;
pub(crate) use conversation_reads::messages as conversation_messages;
pub(crate) use conversations::append as append_message;
pub(crate) use conversations::{SYSTEM_SENDER, earlier as earlier_message, operator_sender};
pub(crate) use conversations::{load as load_conversation, save as save_conversation};
pub(crate) use counters::next as next_id;
pub(crate) use customer_merge::merge as merge_visitor;
pub(crate) use customers::remember_keys as remember_attribute_keys;
pub(crate) use due::{DueQueue, due_keys};
pub(crate) use line_pushes::queue as queue_line_push;
pub(crate) use mail::{
    enqueue as enqueue_mail, mailbox_read as mailbox_read_in, secret as mail_secret_in,
    settings as smtp_settings_in,
};
pub(crate) use posted::names_in;
pub(crate) use segment_evaluation::{counted_events_of, page_views_of, store_membership};
pub(crate) use segments::{
    compiled as segment_definitions, membership_of, segment_routes, segments_of,
};
pub(crate) use settings::get as setting;
pub(crate) use visitors::{
    follow as follow_visitor, load_visitor, new_visitor, save_visitor, touch as touch_visitor,
};
pub(crate) use writer::announce as announce_membership;

/// A handle on the open data file; cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

/// A [`Store`] that does not keep the data file open (see [`Store::downgrade`]).
#[derive(Clone)]
pub struct WeakStore(std::sync::Weak<Inner>);

impl WeakStore {
    /// The store, unless it has been closed.
    pub fn upgrade(&self) -> Option<Store> {
        self.0.upgrade().map(|inner| Store { inner })
    }
}

/// How much per-customer history is kept (the newest entries win); lifetime counters are kept apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryLimits {
    /// Page views per customer.
    pub page_views: usize,
    /// Tracked events per customer.
    pub events: usize,
}

impl Default for HistoryLimits {
    fn default() -> Self {
        HistoryLimits {
            page_views: 1_000,
            events: 5_000,
        }
    }
}

struct Inner {
    backend: backend::Backend,
    limits: HistoryLimits,
    writer: writer::Writer,
    /// Where uploaded files are kept.
    files: Files,
    /// Woken when segment definitions change.
    backfill_wanted: Arc<tokio::sync::Notify>,
    retention_wanted: Arc<tokio::sync::Notify>,
    /// Woken when the incoming mailbox's settings change.
    mailbox_changed: Arc<tokio::sync::Notify>,
    /// Whether any push device is subscribed (see `push.rs`).
    push_devices: push::Devices,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

impl Store {
    /// Opens (or creates) the data file at `path`, creating its directory, and brings its schema up to date.
    ///
    /// Fails when another process has the file open, or when the file was written by a newer Sodan.
    pub async fn open(path: &Path) -> Result<Store, OpenError> {
        Self::open_with(path, HistoryLimits::default()).await
    }

    /// [`Store::open`] with per-customer history limits.
    pub async fn open_with(path: &Path, limits: HistoryLimits) -> Result<Store, OpenError> {
        let files = Files::Folder(path.parent().unwrap_or(Path::new(".")).join("uploads"));
        Self::open_file(path, limits, files).await
    }

    /// [`Store::open_with`], keeping uploaded files in `files` (a bucket, say) instead of the data
    /// file's `uploads/` folder.
    pub async fn open_file(
        path: &Path,
        limits: HistoryLimits,
        files: Files,
    ) -> Result<Store, OpenError> {
        let path = path.to_owned();
        let policy = writer::IndexPolicy::default();
        tokio::task::spawn_blocking(move || Self::open_blocking(&path, limits, policy, files))
            .await
            .map_err(|e| OpenError::Storage(e.to_string()))?
    }

    fn open_blocking(
        path: &Path,
        limits: HistoryLimits,
        policy: writer::IndexPolicy,
        files: Files,
    ) -> Result<Store, OpenError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir).map_err(|e| OpenError::Io(dir.to_owned(), e))?;
        }
        let new_file = !path.exists();
        let file = Arc::new(DataFile::open(path)?);
        if new_file {
            // The data file holds every secret: only its owner reads it.
            make_private(path, 0o600).map_err(|e| OpenError::Io(path.to_owned(), e))?;
        }
        Self::start(backend::Backend::File(file), files, limits, policy)
    }

    /// Connects to the PostgreSQL database at `url` (shared with other nodes), brings its schema up to
    /// date, and keeps uploaded files in `files` (a folder every node shares, or a bucket).
    pub async fn open_postgres(
        url: &str,
        files: Files,
        limits: HistoryLimits,
    ) -> Result<Store, OpenError> {
        let url = url.to_owned();
        tokio::task::spawn_blocking(move || {
            // The folder of the uploads is as private as a data directory Sodan makes.
            if let Files::Folder(folder) = &files
                && let Some(dir) = folder.parent().filter(|d| !d.as_os_str().is_empty())
            {
                create_private_dir(dir).map_err(|e| OpenError::Io(dir.to_owned(), e))?;
            }
            let backend = backend::Backend::postgres(&url)?;
            Self::start(backend, files, limits, writer::IndexPolicy::default())
        })
        .await
        .map_err(|e| OpenError::Storage(e.to_string()))?
    }

    fn start(
        backend: backend::Backend,
        files: Files,
        limits: HistoryLimits,
        policy: writer::IndexPolicy,
    ) -> Result<Store, OpenError> {
        let folder = match &files {
            Files::Folder(dir) => dir.clone(),
            Files::Bucket(_) => PathBuf::new(),
        };
        files
            .prepare()
            .map_err(|e| OpenError::Io(folder.clone(), e))?;
        let writer =
            writer::Writer::start(backend.clone(), policy).map_err(|e| OpenError::Io(folder, e))?;
        Ok(Store {
            inner: Arc::new(Inner {
                backend,
                limits,
                writer,
                files,
                backfill_wanted: Arc::new(tokio::sync::Notify::new()),
                retention_wanted: Arc::new(tokio::sync::Notify::new()),
                mailbox_changed: Arc::new(tokio::sync::Notify::new()),
                push_devices: push::Devices::default(),
            }),
        })
    }

    /// Runs `f` in a read transaction on the blocking pool.
    async fn read<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&rx::Rx<'_>) -> Result<T, Error> + Send + 'static,
    {
        let backend = self.inner.backend.clone();
        tokio::task::spawn_blocking(move || backend.read(f))
            .await
            .map_err(|e| Error::Storage(e.to_string()))?
    }

    /// The random secret stored in `SETTINGS` under `key`, made on first use. Read without the writer
    /// once it exists, so using it (checking a forged link, say) costs no commit.
    pub(crate) async fn secret_setting(&self, key: &'static str) -> Result<String, Error> {
        let stored = self
            .read(move |txn| settings::get::<String>(txn, key))
            .await?;
        match stored {
            Some(secret) => Ok(secret),
            None => self.write(move |txn| secret_in(txn, key)).await,
        }
    }

    /// Whether the writer thread is running (it survives a panicking write; `/healthz` says if not).
    pub fn writer_running(&self) -> bool {
        self.inner.writer.running()
    }

    /// Applies `f` in the writer's next transaction and returns once it is durably committed. An `Err`
    /// from `f` must come before `f` writes anything (the rest of the batch still commits).
    async fn write<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&tx::Tx<'_>) -> Result<T, Error> + Send + 'static,
    {
        self.inner.writer.write(f).await
    }

    /// Whether a `(due_ms, id)` queue has anything due by `now_ms`, read without writing, so that an idle
    /// sweep costs no commit.
    async fn any_due(&self, queue: DueQueue, now_ms: u64) -> Result<bool, Error> {
        self.read(move |txn| Ok(!due_keys(txn, &queue, now_ms, 1)?.is_empty()))
            .await
    }

    /// A handle that does not keep the data file open, for background tasks that must end with the server.
    pub fn downgrade(&self) -> WeakStore {
        WeakStore(Arc::downgrade(&self.inner))
    }

    /// Write-path counters for monitoring.
    pub fn stats(&self) -> StatsSnapshot {
        self.inner.writer.stats()
    }

    /// Closes the data file once every other handle is gone (web workers drop theirs as they stop),
    /// so that the file lock is released when this returns. Gives up waiting after `patience`.
    pub async fn close(self, patience: std::time::Duration) -> Result<(), Error> {
        let deadline = tokio::time::Instant::now() + patience;
        let still_used =
            || Error::Storage("the data file is still in use after the server stopped".into());
        let mut inner = self.inner;
        let inner = loop {
            match Arc::try_unwrap(inner) {
                Ok(inner) => break inner,
                Err(shared) if tokio::time::Instant::now() < deadline => {
                    inner = shared;
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
                Err(_) => return Err(still_used()),
            }
        };
        let Inner {
            backend, writer, ..
        } = inner;
        let patience = deadline.saturating_duration_since(tokio::time::Instant::now());
        tokio::task::spawn_blocking(move || {
            writer.stop();
            // A read started just before the last handle went away may still hold the database briefly.
            match backend {
                backend::Backend::File(file) => match file.take() {
                    Some(db) => data_file::wait_until_unique(db, patience).map(drop),
                    None => Some(()),
                },
                backend::Backend::Postgres(_) => Some(()),
            }
        })
        .await
        .map_err(|e| Error::Storage(e.to_string()))?
        .ok_or_else(still_used)
    }

    /// Reads the schema version: proves the file can be read (used by `/healthz`).
    pub async fn schema_version(&self) -> Result<u64, Error> {
        self.read(|txn| migrate::read_version(txn)).await
    }
}

/// Creates `dir` (and its parents) if missing; a folder Sodan creates is its owner's only (0700). A
/// folder that exists keeps the permissions the admin gave it.
pub(crate) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    make_private(dir, 0o700)
}

/// Sets `path`'s permission bits to `mode` (on Unix).
pub(crate) fn make_private(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// The secret under `key` in `SETTINGS`, made (random) inside `txn` when missing.
pub(crate) fn secret_in(txn: &tx::Tx<'_>, key: &str) -> Result<String, Error> {
    if let Some(secret) = settings::get(txn, key)? {
        return Ok(secret);
    }
    let secret = crate::tokens::random();
    settings::put(txn, key, &secret)?;
    Ok(secret)
}
