//! Visitors and the pages they view.

use redb::{ReadableTable, WriteTransaction};

use super::codec::{decode, encode};
use super::tables::{META, PAGE_VIEWS, VISITOR_TOKENS, VISITORS};
use super::{Error, Store};
use crate::visitors::{PageView, Visitor, VisitorId};

const NEXT_ID_KEY: &str = "next_visitor_id";

/// Reads one visitor inside a write transaction.
pub(super) fn load_visitor(
    txn: &WriteTransaction,
    id: VisitorId,
) -> Result<Option<Visitor>, Error> {
    txn.open_table(VISITORS)?
        .get(id)?
        .map(|v| decode(v.value()))
        .transpose()
}

/// Records that the visitor was seen now (and on `page`, when given) inside a write transaction.
pub(super) fn touch(
    txn: &WriteTransaction,
    id: VisitorId,
    page: Option<PageView>,
    now_ms: u64,
) -> Result<(), Error> {
    let Some(mut visitor) = load_visitor(txn, id)? else {
        return Ok(());
    };
    visitor.last_seen_at = now_ms;
    if let Some(page) = page {
        txn.open_table(PAGE_VIEWS)?
            .insert((id, page.at), encode(&page)?.as_slice())?;
        visitor.current_page = Some(page);
    }
    txn.open_table(VISITORS)?
        .insert(id, encode(&visitor)?.as_slice())?;
    Ok(())
}

impl Store {
    /// The visitor holding the token with this digest.
    pub async fn visitor_by_token(&self, digest: [u8; 32]) -> Result<Option<Visitor>, Error> {
        self.read(move |txn| {
            let Some(id) = txn
                .open_table(VISITOR_TOKENS)?
                .get(&digest[..])?
                .map(|v| v.value())
            else {
                return Ok(None);
            };
            txn.open_table(VISITORS)?
                .get(id)?
                .map(|v| decode(v.value()))
                .transpose()
        })
        .await
    }

    /// A visitor by id.
    pub async fn visitor(&self, id: VisitorId) -> Result<Option<Visitor>, Error> {
        self.read(move |txn| {
            txn.open_table(VISITORS)?
                .get(id)?
                .map(|v| decode(v.value()))
                .transpose()
        })
        .await
    }

    /// Creates a visitor known by the token with this digest.
    pub async fn create_visitor(&self, digest: [u8; 32]) -> Result<Visitor, Error> {
        self.write(move |txn| {
            let mut meta = txn.open_table(META)?;
            let id = meta.get(NEXT_ID_KEY)?.map(|v| v.value()).unwrap_or(1);
            meta.insert(NEXT_ID_KEY, id + 1)?;
            let now = crate::clock::now_millis();
            let visitor = Visitor {
                id,
                created_at: now,
                last_seen_at: now,
                current_page: None,
            };
            txn.open_table(VISITORS)?
                .insert(id, encode(&visitor)?.as_slice())?;
            txn.open_table(VISITOR_TOKENS)?.insert(&digest[..], id)?;
            Ok(visitor)
        })
        .await
    }

    /// Records a page view (or, without one, that the visitor is still around).
    pub async fn touch_visitor(&self, id: VisitorId, page: Option<PageView>) -> Result<(), Error> {
        self.write(move |txn| touch(txn, id, page, crate::clock::now_millis()))
            .await
    }

    /// The visitor's most recent page views, newest first.
    pub async fn page_views(&self, id: VisitorId, limit: usize) -> Result<Vec<PageView>, Error> {
        self.read(move |txn| {
            txn.open_table(PAGE_VIEWS)?
                .range((id, 0)..=(id, u64::MAX))?
                .rev()
                .take(limit)
                .map(|entry| decode(entry?.1.value()))
                .collect()
        })
        .await
    }
}
