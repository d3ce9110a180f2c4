//! Visitors (customers), the tokens that remember them, and the pages they view.

use super::codec::encode;
use super::kv::KvRead;
use super::kv::typed::{Json, Table as KvTable, Typed, TypedRead};
use super::tables::{MAIL_CUSTOMERS, PAGE_VIEW_LOG, SEEN, VISITOR_TOKENS, VISITORS};
use super::tx::Tx;
use super::{Error, HistoryLimits, Store};
use crate::segments::Change;
use crate::visitors::{PageView, Seen, Visitor, VisitorId};
use std::ops::Bound;

const NEXT_ID_KEY: &str = "next_visitor_id";
/// How many merges a token follows at most (a merged visitor points at the customer it joined).
const MAX_HOPS: usize = 8;

/// Reads one visitor record as stored (without following a merge).
pub(crate) fn load_visitor(txn: &Tx<'_>, id: VisitorId) -> Result<Option<Visitor>, Error> {
    Ok(txn.get_in(&VISITORS, &id)?.map(|Json(v)| v))
}

/// Follows merges from `id` to the customer record that holds the data now.
pub(crate) fn follow(kv: &impl KvRead, mut id: VisitorId) -> Result<Option<Visitor>, Error> {
    for _ in 0..MAX_HOPS {
        let Some(Json(visitor)) = kv.get_in(&VISITORS, &id)? else {
            return Ok(None);
        };
        match visitor.merged_into {
            Some(next) => id = next,
            None => return Ok(Some(visitor)),
        }
    }
    Ok(None)
}

/// Creates a visitor record with the next id.
pub(crate) fn new_visitor(txn: &Tx<'_>, now_ms: u64) -> Result<Visitor, Error> {
    let id = super::counters::next(txn, NEXT_ID_KEY)?;
    Ok(Visitor::new(id, now_ms))
}

/// Writes a visitor, keeping the last-seen index of listed customers and their segments in step. `previous` is the record as
/// it was before this change (`None` for a new one).
pub(crate) fn save_visitor(
    txn: &Tx<'_>,
    visitor: &Visitor,
    previous: Option<&Visitor>,
) -> Result<(), Error> {
    save_visitor_after(txn, visitor, previous, Change::Any)
}

/// [`save_visitor`] when what changed is known (one more event, one more page view, the record alone), so
/// that only the segment rules reading it are evaluated again (`customers::saved` says what follows).
pub(super) fn save_visitor_after(
    txn: &Tx<'_>,
    visitor: &Visitor,
    previous: Option<&Visitor>,
    change: Change<'_>,
) -> Result<(), Error> {
    if let Some(old) = previous.filter(|p| p.listed()) {
        txn.delete_in(&SEEN, &(old.last_seen_at, old.id))?;
    }
    if visitor.listed() {
        txn.put_in(&SEEN, &(visitor.last_seen_at, visitor.id), &())?;
    }
    txn.put_record_in(&VISITORS, &visitor.id, visitor)?;
    index_mail_address(txn, visitor, previous)?;
    crate::customers::saved::followups(txn, visitor, previous, change)
}

/// Keeps the address incoming mail is matched by in step with the profile.
fn index_mail_address(
    txn: &Tx<'_>,
    visitor: &Visitor,
    previous: Option<&Visitor>,
) -> Result<(), Error> {
    let now = visitor
        .profile
        .verified_email()
        .filter(|_| visitor.merged_into.is_none());
    let before = previous.and_then(|p| p.profile.verified_email());
    if now == before {
        return Ok(());
    }
    if let Some(old) = before
        && txn.get_in(&MAIL_CUSTOMERS, &old)? == Some(visitor.id)
    {
        txn.delete_in(&MAIL_CUSTOMERS, &old)?;
    }
    if let Some(new) = now {
        txn.put_in(&MAIL_CUSTOMERS, &new, &visitor.id)?;
    }
    Ok(())
}

/// Appends the `n`-th entry of `id`'s history and drops what falls out of the latest `keep`.
pub(super) fn append_bounded(
    txn: &Tx<'_>,
    table: &KvTable<(u64, u64), Vec<u8>>,
    id: VisitorId,
    n: u64,
    bytes: &Vec<u8>,
    keep: usize,
) -> Result<bool, Error> {
    txn.put_in(table, &(id, n), bytes)?;
    let cut = n.saturating_sub(keep as u64);
    if cut == 0 {
        return Ok(false);
    }
    let mut old = Vec::new();
    let span = (Bound::Included(&(id, 0)), Bound::Included(&(id, cut)));
    txn.scan_in(&table.raw(), span, false, |key, _| {
        old.push(key);
        Ok(true)
    })?;
    for key in &old {
        txn.delete_in(table, key)?;
    }
    Ok(!old.is_empty())
}

/// Records that the visitor was seen now (on a page, starting a conversation) inside a write transaction:
/// visit and page-view counters, the bounded page history, the referrer of a new visit. Returns the record
/// as it now is; only "seen" within the last step (`customers::seen_is_news`) writes nothing.
pub(crate) fn touch(
    txn: &Tx<'_>,
    id: VisitorId,
    seen: Seen,
    now_ms: u64,
    limits: HistoryLimits,
) -> Result<Option<Visitor>, Error> {
    let Some(previous) = load_visitor(txn, id)? else {
        return Ok(None);
    };
    if !previous.changed_by(&seen, now_ms) {
        return Ok(Some(previous));
    }
    let mut visitor = previous.clone();
    visitor.record_seen(&seen, now_ms);
    let mut change = Change::Record;
    if let Some(page) = &seen.page {
        change = Change::Page;
        super::reports::page_visited(txn, &page.url, id, page.at)?;
        // Only page rules read page views, also the oldest one leaving.
        append_bounded(
            txn,
            &PAGE_VIEW_LOG.raw(),
            id,
            visitor.counts.page_views,
            &encode(page)?,
            limits.page_views,
        )?;
    }
    save_visitor_after(txn, &visitor, Some(&previous), change)?;
    Ok(Some(visitor))
}

impl Store {
    /// The customer holding the token with this digest (following a merge).
    pub async fn visitor_by_token(&self, digest: [u8; 32]) -> Result<Option<Visitor>, Error> {
        self.read(move |txn| {
            let Some(id) = txn.get_in(&VISITOR_TOKENS, &digest)? else {
                return Ok(None);
            };
            follow(txn, id)
        })
        .await
    }

    /// A visitor by id (following a merge).
    pub async fn visitor(&self, id: VisitorId) -> Result<Option<Visitor>, Error> {
        self.read(move |txn| follow(txn, id)).await
    }

    /// Several customers at once (following merges), for lists; missing ones are left out.
    pub async fn visitors(&self, ids: Vec<VisitorId>) -> Result<Vec<Visitor>, Error> {
        self.read(move |txn| {
            let kv = txn;
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                if let Some(v) = follow(&kv, id)? {
                    out.push(v);
                }
            }
            Ok(out)
        })
        .await
    }

    /// Creates an anonymous visitor known by the token with this digest.
    pub async fn create_visitor(&self, digest: [u8; 32]) -> Result<Visitor, Error> {
        self.write(move |txn| {
            let visitor = new_visitor(txn, crate::clock::now_millis())?;
            save_visitor(txn, &visitor, None)?;
            txn.put_in(&VISITOR_TOKENS, &digest, &visitor.id)?;
            Ok(visitor)
        })
        .await
    }

    /// Records a page view (or, without one, that the visitor is still around).
    pub async fn touch_visitor(&self, id: VisitorId, page: Option<PageView>) -> Result<(), Error> {
        let limits = self.inner.limits;
        self.write(move |txn| {
            let seen = Seen {
                page,
                started_conversation: false,
            };
            touch(txn, id, seen, crate::clock::now_millis(), limits).map(drop)
        })
        .await
    }

    /// The visitor's most recent page views, newest first.
    pub async fn page_views(&self, id: VisitorId, limit: usize) -> Result<Vec<PageView>, Error> {
        self.read(move |txn| {
            let mut views = Vec::new();
            txn.scan_prefix_in(&PAGE_VIEW_LOG, &id, true, |_, Json(view)| {
                views.push(view);
                Ok(views.len() < limit)
            })?;
            Ok(views)
        })
        .await
    }
}
