//! Schema versions: the version is stored in the file; each migration runs in one write transaction
//! together with its version bump, and a file newer than this binary is refused, never downgraded.

use super::kv::KvRead;
use super::tables::MAIL_CUSTOMERS;
use super::tables::OLD_MESSAGE_TERMS;
use redb::{Database, ReadableTable};
use redb::{ReadTransaction, TableDefinition, TableError, TableHandle, WriteTransaction};

use std::collections::BTreeMap;
use std::ops::Bound;

use super::kv::typed::{Json, Typed, TypedRead};
use super::tables::{
    EXTERNAL_IDS, META, PAGE_VIEW_LOG, PAGE_VIEWS, VISITOR_CONVERSATIONS, VISITORS,
};
use super::tx::Tx;
use super::visitors::save_visitor;
use super::{Error, OpenError};
use crate::sites::Site;

mod byte_keys;

/// The schema version this binary writes.
pub const SCHEMA_VERSION: u64 = 14;

/// The first version with the message search index.
pub const SEARCH_INDEX_VERSION: u64 = 11;

/// The key of the version in [`META`].
const VERSION_KEY: &str = "schema_version";

/// One migration step, applied inside the transaction that also bumps the version.
type Migration = fn(&Tx<'_>) -> Result<(), Error>;

/// `MIGRATIONS[n]` brings a file from version `n` to `n + 1`. Version 0 is a new, empty file.
const MIGRATIONS: [Migration; SCHEMA_VERSION as usize] = [
    create_v1, create_v2, create_v3, create_v4, create_v5, create_v6, create_v7, create_v8,
    create_v9, create_v10, create_v11, create_v12, create_v13, create_v14,
];

/// Tables kept with byte keys (`byte_tables.rs`): moved before the first migration an older file needs
/// (see `migrate::run`), so this step has nothing left to do; the version says the file has them.
fn create_v13(_: &Tx<'_>) -> Result<(), Error> {
    Ok(())
}

/// The rest of the tables, `META` among them, kept with byte keys (moved the same way as for
/// [`create_v13`]); the search index, a multimap table until now, is built again with byte keys.
fn create_v14(txn: &Tx<'_>) -> Result<(), Error> {
    if let Some(file) = txn.redb()
        && file.delete_multimap_table(OLD_MESSAGE_TERMS)?
    {
        super::search_index::rebuild(txn)?;
    }
    Ok(())
}

/// Messages waiting to be indexed (an older file has none: its messages were filed as they came).
fn create_v12(_: &Tx<'_>) -> Result<(), Error> {
    Ok(())
}

/// The message search index, built from the messages already stored.
fn create_v11(txn: &Tx<'_>) -> Result<(), Error> {
    super::search_index::rebuild(txn)
}

/// The first schema: accounts, sessions, invitations.
fn create_v1(_txn: &Tx<'_>) -> Result<(), Error> {
    Ok(())
}

/// Conversations: the widget's site (with a fresh key), visitors, conversations, messages, page views.
fn create_v2(txn: &Tx<'_>) -> Result<(), Error> {
    let site = Site::new(crate::tokens::random()[..24].to_owned());
    super::settings::put(txn, "site", &site)?;
    Ok(())
}

/// Customers: external ids, numbered and bounded page-view history, events, notes, the customers list
/// index, API tokens; visitors get their counters; the site gets an identity secret.
fn create_v3(txn: &Tx<'_>) -> Result<(), Error> {
    // Page views keyed by time become numbered per visitor (the old table stays, empty).
    let mut views: BTreeMap<u64, u64> = BTreeMap::new();
    let all = (Bound::Unbounded, Bound::Unbounded);
    txn.scan_in(&PAGE_VIEWS.raw(), all, false, |(visitor, _), bytes| {
        let n = views.entry(visitor).or_insert(0);
        *n += 1;
        txn.put_in(&PAGE_VIEW_LOG.raw(), &(visitor, *n), &bytes)?;
        Ok(true)
    })?;
    txn.retain_in(&PAGE_VIEWS.raw(), |_, _| false)?;

    let mut conversations: BTreeMap<u64, u64> = BTreeMap::new();
    let all = (Bound::Unbounded, Bound::Unbounded);
    txn.scan_in(&VISITOR_CONVERSATIONS, all, false, |(visitor, _), ()| {
        *conversations.entry(visitor).or_insert(0) += 1;
        Ok(true)
    })?;
    let visitors = txn.records_where(&VISITORS, |_| true)?;
    for mut visitor in visitors {
        visitor.counts.page_views = views.get(&visitor.id).copied().unwrap_or(0);
        visitor.counts.conversations = conversations.get(&visitor.id).copied().unwrap_or(0);
        visitor.counts.visits = 1;
        visitor.counts.last_activity_at = visitor.last_seen_at;
        save_visitor(txn, &visitor, None)?;
    }

    if let Some(mut site) = super::settings::get::<Site>(txn, "site")? {
        site.identity_secret = crate::tokens::random();
        super::settings::put(txn, "site", &site)?;
    }
    Ok(())
}

/// Segments and the intent score.
fn create_v4(_txn: &Tx<'_>) -> Result<(), Error> {
    Ok(())
}

/// Reports: a fact per conversation (made now for the existing ones), page visitors, event totals.
fn create_v6(txn: &Tx<'_>) -> Result<(), Error> {
    super::reports::rebuild(txn)
}

/// The LINE outbox: messages on their way to LINE, and when each is due (tables kept with byte keys,
/// which their first write makes).
fn create_v7(_: &Tx<'_>) -> Result<(), Error> {
    Ok(())
}

/// What the AI did, for its weekly figures, its vectors and the help center's votes (tables kept with
/// byte keys, which their first write makes).
fn create_v8(_: &Tx<'_>) -> Result<(), Error> {
    Ok(())
}

/// Web Push: operators' devices and the queue of pushes to them (tables kept with byte keys, which their
/// first write makes).
fn create_v10(_: &Tx<'_>) -> Result<(), Error> {
    Ok(())
}

/// The incoming mailbox: mails read, their keys, and the addresses mail is matched to customers by
/// (filled from the identified customers there are).
fn create_v9(txn: &Tx<'_>) -> Result<(), Error> {
    for (_, id) in txn.all_in(&EXTERNAL_IDS)? {
        if let Some(Json(v)) = txn.get_in(&VISITORS, &id)?
            && let Some(email) = v.profile.verified_email()
        {
            txn.put_in(&MAIL_CUSTOMERS, &email, &id)?;
        }
    }
    Ok(())
}

/// Proactive messages, pending automatic replies, canned replies, FAQ articles, the mail queue, webhooks,
/// LINE users (tables kept with byte keys, which their first write makes).
fn create_v5(_: &Tx<'_>) -> Result<(), Error> {
    Ok(())
}

/// `META` as files before schema 14 keep it (typed keys; moved to byte keys with the other tables).
const TYPED_META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// Reads the stored version (0 for a new file).
pub fn read_version(kv: &impl KvRead) -> Result<u64, Error> {
    Ok(kv.get_in(&META, &VERSION_KEY.to_owned())?.unwrap_or(0))
}

/// Reads the stored version of a file of any schema (`META` typed or not).
pub fn stored_version(txn: &ReadTransaction) -> Result<u64, Error> {
    match txn.open_table(TYPED_META) {
        Ok(meta) => Ok(meta.get(VERSION_KEY)?.map(|v| v.value()).unwrap_or(0)),
        Err(TableError::TableDoesNotExist(_)) => Ok(0),
        Err(TableError::TableTypeMismatch { .. }) => read_version(txn),
        Err(e) => Err(e.into()),
    }
}

/// [`stored_version`] inside the write transaction that migrates the file.
fn version_at_open(txn: &WriteTransaction) -> Result<u64, Error> {
    if !txn.list_tables()?.any(|t| t.name() == META.name()) {
        return Ok(0);
    }
    match txn.open_table(TYPED_META) {
        Ok(meta) => Ok(meta.get(VERSION_KEY)?.map(|v| v.value()).unwrap_or(0)),
        Err(TableError::TableTypeMismatch { .. }) => read_version(&Tx::new(txn)),
        Err(e) => Err(e.into()),
    }
}

/// Applies the next migration a database of another engine (PostgreSQL) lacks, inside its write; `true`
/// when none is left. Refuses a database written by a newer Sodan.
pub(super) fn step(tx: &Tx<'_>) -> Result<bool, Error> {
    let version = read_version(tx)?;
    if version > SCHEMA_VERSION {
        return Err(Error::Storage(format!(
            "the database has schema {version}, newer than this sodan's {SCHEMA_VERSION}"
        )));
    }
    if version == SCHEMA_VERSION {
        return Ok(true);
    }
    MIGRATIONS[version as usize](tx)?;
    tx.put_in(&META, &VERSION_KEY.to_owned(), &(version + 1))?;
    tracing::info!(from = version, to = version + 1, "database migrated");
    Ok(false)
}

/// Refuses newer files and applies every missing migration, each in its own durable transaction.
pub fn run(db: &Database) -> Result<(), OpenError> {
    let storage = |e: Error| OpenError::Storage(e.to_string());
    let mut first = true;
    loop {
        let mut txn = db.begin_write().map_err(|e| storage(e.into()))?;
        txn.set_two_phase_commit(true);
        let version = version_at_open(&txn).map_err(storage)?;
        if version > SCHEMA_VERSION {
            return Err(OpenError::NewerSchema {
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if version == SCHEMA_VERSION {
            return Ok(());
        }
        if std::mem::take(&mut first) {
            // Every migration below is written against the tables as they are now.
            byte_keys::move_typed_tables(&txn).map_err(storage)?;
        }
        let tx = Tx::new(&txn);
        MIGRATIONS[version as usize](&tx).map_err(storage)?;
        tx.put_in(&META, &VERSION_KEY.to_owned(), &(version + 1))
            .map_err(storage)?;
        drop(tx);
        txn.commit().map_err(|e| storage(e.into()))?;
        tracing::info!(from = version, to = version + 1, "data file migrated");
    }
}
