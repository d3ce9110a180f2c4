//! Schema versions: the version is stored in the file; each migration runs in one write transaction
//! together with its version bump, and a file newer than this binary is refused, never downgraded.

use redb::{Database, ReadableTable, Table};

use std::collections::BTreeMap;
use std::ops::Bound;

use super::kv::typed::{Json, TypedRead};
use super::tables::{
    ATTRIBUTE_KEYS, EVENTS, EXTERNAL_IDS, INDEX_QUEUE, LINE_USERS, META, PAGE_VIEW_LOG, PAGE_VIEWS,
    SEEN, VISITOR_CONVERSATIONS, VISITOR_TOKENS, VISITORS,
};
use super::tx::Tx;
use super::visitors::save_visitor;
use super::{Error, OpenError};
use crate::sites::Site;

mod byte_keys;

/// The schema version this binary writes.
pub const SCHEMA_VERSION: u64 = 13;

/// The first version with the message search index.
pub const SEARCH_INDEX_VERSION: u64 = 11;

/// The key of the version in [`META`].
const VERSION_KEY: &str = "schema_version";

/// One migration step, applied inside the transaction that also bumps the version.
type Migration = fn(&Tx<'_>) -> Result<(), Error>;

/// `MIGRATIONS[n]` brings a file from version `n` to `n + 1`. Version 0 is a new, empty file.
const MIGRATIONS: [Migration; SCHEMA_VERSION as usize] = [
    create_v1, create_v2, create_v3, create_v4, create_v5, create_v6, create_v7, create_v8,
    create_v9, create_v10, create_v11, create_v12, create_v13,
];

/// Tables kept with byte keys (`byte_tables.rs`): moved before the first migration an older file needs
/// (see `migrate::run`), so this step has nothing left to do; the version says the file has them.
fn create_v13(_: &Tx<'_>) -> Result<(), Error> {
    Ok(())
}

/// Messages waiting to be indexed (an older file has none: its messages were filed as they came).
fn create_v12(txn: &Tx<'_>) -> Result<(), Error> {
    txn.open_table(INDEX_QUEUE)?;
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
    txn.open_table(VISITOR_TOKENS)?;
    txn.open_table(PAGE_VIEWS)?;
    let site = Site::new(crate::tokens::random()[..24].to_owned());
    super::settings::put(txn, "site", &site)?;
    Ok(())
}

/// Customers: external ids, numbered and bounded page-view history, events, notes, the customers list
/// index, API tokens; visitors get their counters; the site gets an identity secret.
fn create_v3(txn: &Tx<'_>) -> Result<(), Error> {
    for def in [EXTERNAL_IDS, ATTRIBUTE_KEYS] {
        txn.open_table(def)?;
    }
    for def in [EVENTS, PAGE_VIEW_LOG] {
        txn.open_table(def)?;
    }
    txn.open_table(SEEN)?;

    // Page views keyed by time become numbered per visitor.
    let mut views: BTreeMap<u64, u64> = BTreeMap::new();
    {
        let old = txn.open_table(PAGE_VIEWS)?;
        let mut log = txn.open_table(PAGE_VIEW_LOG)?;
        for entry in old.iter()? {
            let (key, value) = entry?;
            let visitor = key.value().0;
            let n = views.entry(visitor).or_insert(0);
            *n += 1;
            log.insert((visitor, *n), value.value())?;
        }
    }
    txn.delete_table(PAGE_VIEWS)?;

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
    let mut index = txn.open_table(super::tables::MAIL_CUSTOMERS)?;
    let identified: Vec<u64> = txn
        .open_table(EXTERNAL_IDS)?
        .iter()?
        .map(|e| e.map(|(_, v)| v.value()))
        .collect::<Result<_, _>>()?;
    for id in identified {
        if let Some(Json(v)) = txn.get_in(&VISITORS, &id)?
            && let Some(email) = v.profile.verified_email()
        {
            index.insert(email.as_str(), id)?;
        }
    }
    Ok(())
}

/// Proactive messages, pending automatic replies, canned replies, FAQ articles, the mail queue, webhooks,
/// LINE users.
fn create_v5(txn: &Tx<'_>) -> Result<(), Error> {
    txn.open_table(LINE_USERS)?;
    Ok(())
}

/// Reads the stored version (0 for a new file).
pub fn read_version(meta: &impl ReadableTable<&'static str, u64>) -> Result<u64, Error> {
    Ok(meta.get(VERSION_KEY)?.map(|v| v.value()).unwrap_or(0))
}

fn write_version(meta: &mut Table<&str, u64>, version: u64) -> Result<(), Error> {
    meta.insert(VERSION_KEY, version)?;
    Ok(())
}

/// Refuses newer files and applies every missing migration, each in its own durable transaction.
pub fn run(db: &Database) -> Result<(), OpenError> {
    let storage = |e: Error| OpenError::Storage(e.to_string());
    let mut first = true;
    loop {
        let mut txn = db.begin_write().map_err(|e| storage(e.into()))?;
        txn.set_two_phase_commit(true);
        let version = {
            let meta = txn.open_table(META).map_err(|e| storage(e.into()))?;
            read_version(&meta).map_err(storage)?
        };
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
        drop(tx);
        {
            let mut meta = txn.open_table(META).map_err(|e| storage(e.into()))?;
            write_version(&mut meta, version + 1).map_err(storage)?;
        }
        txn.commit().map_err(|e| storage(e.into()))?;
        tracing::info!(from = version, to = version + 1, "data file migrated");
    }
}
