//! Reading customers: the card, the list with its search, the timeline, a customer by user id, and the
//! conversations and notes of one customer (also read by the privacy export).

use super::kv::typed::{Json, TypedRead};
use super::rx::Rx;
use std::ops::Bound;

use super::customers::{ATTRIBUTE_DEFS_KEY, CARD_LAYOUT_KEY};
use super::tables::{
    CONVERSATIONS, EVENTS, EXTERNAL_IDS, NOTES, PAGE_VIEW_LOG, SEEN, SEGMENT_MEMBERS, VISITORS,
};
use super::visitors::follow;
use super::{Error, Store};
use crate::conversations::Conversation;
use crate::customers::card::CardLayout;
use crate::customers::events::PURCHASE;
use crate::customers::notes::Note;
use crate::customers::{AttributeDef, Event, attributes};
use crate::visitors::{PageView, Visitor, VisitorId};

/// Everything the customer card shows, read in one transaction.
#[derive(Debug, Clone)]
pub struct CardData {
    /// The customer.
    pub customer: Visitor,
    /// Recent page views, newest first.
    pub pages: Vec<PageView>,
    /// Recent purchase events, newest first.
    pub purchases: Vec<Event>,
    /// Their conversations, newest first.
    pub conversations: Vec<Conversation>,
    /// Operators' notes, oldest first.
    pub notes: Vec<Note>,
    /// The admin's card layout.
    pub layout: CardLayout,
    /// The declared attributes.
    pub defs: Vec<AttributeDef>,
    /// The segments they are in (id, name), and their intent score.
    pub segments: Vec<(u64, String)>,
    /// Their intent score.
    pub intent: i64,
    /// The shop's currency, for the cart and purchases.
    pub currency: String,
    /// The shop's time zone (that of its business hours, else UTC), for the card's times.
    pub zone: String,
}

/// One line of a customer's interaction history.
#[derive(Debug, Clone)]
pub enum TimelineEntry {
    /// A conversation started.
    Conversation(Box<Conversation>),
    /// A page view.
    Page(PageView),
    /// A tracked event.
    Event(Event),
}

impl TimelineEntry {
    /// When it happened (Unix milliseconds).
    pub fn at(&self) -> u64 {
        match self {
            TimelineEntry::Conversation(c) => c.created_at,
            TimelineEntry::Page(p) => p.at,
            TimelineEntry::Event(e) => e.at,
        }
    }
}

pub(super) fn read_setting<T: serde::de::DeserializeOwned + Default>(
    txn: &Rx<'_>,
    key: &str,
) -> Result<T, Error> {
    Ok(super::settings::get(txn, key)?.unwrap_or_default())
}

/// Whether a customer matches a search: name, e-mail, phone, user id, or an attribute (`value`, or
/// `key:value`), case-insensitive.
fn matches(customer: &Visitor, needle: &str) -> bool {
    let p = &customer.profile;
    let has = |text: &str| text.to_lowercase().contains(needle);
    has(&p.name)
        || has(&p.email)
        || has(&p.phone)
        || p.external_id.as_deref().is_some_and(has)
        || p.attributes.iter().any(|(k, v)| {
            let v = attributes::display(v).to_lowercase();
            v.contains(needle) || format!("{}:{v}", k.to_lowercase()).contains(needle)
        })
}

impl Store {
    /// The customer with this user id.
    pub async fn customer_by_external_id(
        &self,
        external_id: String,
    ) -> Result<Option<Visitor>, Error> {
        self.read(move |txn| {
            let id = txn.get_in(&EXTERNAL_IDS, &external_id)?;
            match id {
                Some(id) => follow(txn, id),
                None => Ok(None),
            }
        })
        .await
    }

    /// Everything the card shows for one customer, from one snapshot.
    pub async fn customer_card(
        &self,
        id: VisitorId,
        pages: usize,
        purchases: usize,
    ) -> Result<Option<CardData>, Error> {
        self.read(move |txn| {
            let Some(customer) = follow(txn, id)? else {
                return Ok(None);
            };
            let id = customer.id;
            let kv = txn;
            let mut recent: Vec<PageView> = Vec::new();
            kv.scan_prefix_in(&PAGE_VIEW_LOG, &id, true, |_, Json(view)| {
                if recent.len() >= pages {
                    return Ok(false);
                }
                recent.push(view);
                Ok(true)
            })?;
            let mut bought: Vec<Event> = Vec::new();
            kv.scan_prefix_in(&EVENTS, &id, true, |_, Json(event)| {
                if bought.len() >= purchases {
                    return Ok(false);
                }
                if event.name == PURCHASE {
                    bought.push(event);
                }
                Ok(true)
            })?;
            let conversations = visitor_conversations(txn, id)?;
            let notes = customer_notes(txn, id)?;
            let (segments, intent) = super::segments::named_membership(txn, id)?;
            Ok(Some(CardData {
                customer,
                pages: recent,
                purchases: bought,
                conversations,
                notes,
                layout: read_setting(txn, CARD_LAYOUT_KEY)?,
                defs: read_setting(txn, ATTRIBUTE_DEFS_KEY)?,
                currency: super::settings::get::<crate::sites::Site>(txn, "site")?
                    .map_or_else(|| crate::money::DEFAULT_CURRENCY.into(), |s| s.currency),
                zone: super::autoreplies::hours_in(txn)?.map_or_else(|| "UTC".into(), |h| h.zone),
                segments,
                intent,
            }))
        })
        .await
    }

    /// Listed customers (identified, named or who chatted), or every member of `segment` (anonymous ones
    /// too), most recently seen first, that match `query` (empty: all); at most `limit`, starting after the
    /// cursor `before` (`(last_seen_ms, id)`).
    pub async fn customers(
        &self,
        query: String,
        segment: Option<u64>,
        limit: usize,
        before: Option<(u64, u64)>,
    ) -> Result<Vec<Visitor>, Error> {
        let needle = query.trim().to_lowercase();
        self.read(move |txn| {
            let visitors = txn;
            let end = before.unwrap_or((u64::MAX, u64::MAX));
            if let Some(segment) = segment {
                let mut out = Vec::new();
                visitors.scan_prefix_in(&SEGMENT_MEMBERS, &segment, false, |(_, id), ()| {
                    if let Some(Json(customer)) = visitors.get_in(&VISITORS, &id)?
                        && (customer.last_seen_at, customer.id) < end
                        && (needle.is_empty() || matches(&customer, &needle))
                    {
                        out.push(customer);
                    }
                    Ok(true)
                })?;
                out.sort_by_key(|c| std::cmp::Reverse((c.last_seen_at, c.id)));
                out.truncate(limit);
                return Ok(out);
            }
            let mut out = Vec::new();
            let older = (Bound::Unbounded, Bound::Excluded(&end));
            visitors.scan_in(&SEEN, older, true, |(_, id), ()| {
                if out.len() >= limit {
                    return Ok(false);
                }
                if let Some(Json(customer)) = visitors.get_in(&VISITORS, &id)?
                    && (needle.is_empty() || matches(&customer, &needle))
                {
                    out.push(customer);
                }
                Ok(true)
            })?;
            Ok(out)
        })
        .await
    }

    /// A customer's conversations, page views and events, newest first, before `before_ms`; at most `limit`.
    pub async fn timeline(
        &self,
        id: VisitorId,
        before_ms: u64,
        limit: usize,
    ) -> Result<Vec<TimelineEntry>, Error> {
        self.read(move |txn| {
            let mut out: Vec<TimelineEntry> = visitor_conversations(txn, id)?
                .into_iter()
                .filter(|c| c.created_at < before_ms)
                .take(limit)
                .map(|c| TimelineEntry::Conversation(Box::new(c)))
                .collect();
            let kv = txn;
            kv.scan_prefix_in(&PAGE_VIEW_LOG, &id, true, |_, Json(page)| {
                if page.at < before_ms {
                    out.push(TimelineEntry::Page(page));
                    return Ok(out.len() < 2 * limit);
                }
                Ok(true)
            })?;
            let mut events = 0;
            kv.scan_prefix_in(&EVENTS, &id, true, |_, Json(event)| {
                if event.at < before_ms {
                    out.push(TimelineEntry::Event(event));
                    events += 1;
                    return Ok(events < limit);
                }
                Ok(true)
            })?;
            out.sort_by_key(|e| std::cmp::Reverse(e.at()));
            out.truncate(limit);
            Ok(out)
        })
        .await
    }
}

pub(super) fn visitor_conversations(
    txn: &Rx<'_>,
    id: VisitorId,
) -> Result<Vec<Conversation>, Error> {
    let kv = txn;
    let ids = super::conversation_reads::conversation_ids(&kv, id)?;
    let mut out = Vec::with_capacity(ids.len());
    for cid in ids.into_iter().rev() {
        if let Some(Json(c)) = kv.get_in(&CONVERSATIONS, &cid)? {
            out.push(c);
        }
    }
    Ok(out)
}

pub(super) fn customer_notes(txn: &Rx<'_>, id: VisitorId) -> Result<Vec<Note>, Error> {
    let kv = txn;
    let mut out = Vec::new();
    for note_id in super::customer_notes::note_ids(&kv, id)? {
        if let Some(Json(note)) = kv.get_in(&NOTES, &note_id)? {
            out.push(note);
        }
    }
    Ok(out)
}
