//! Customers: identify and merge, attributes, events, the cart, the card, the list, the timeline, notes,
//! and the admin's attribute schema and card layout.

use redb::{ReadTransaction, ReadableTable, WriteTransaction};

use super::codec::{decode, encode};
use super::conversations::next_id;
use super::tables::{
    ATTRIBUTE_KEYS, CLIENT_IDS, CONVERSATIONS, CUSTOMER_NOTES, EVENTS, EXTERNAL_IDS, NOTES,
    PAGE_VIEW_LOG, SEEN, SEGMENT_MEMBERS, SETTINGS, VISITOR_CONVERSATIONS, VISITOR_TOKENS,
    VISITORS,
};
use super::visitors::{append_bounded, follow, new_visitor, save_visitor, save_visitor_after};
use super::{Error, HistoryLimits, Store};
use crate::conversations::Conversation;
use crate::customers::card::CardLayout;
use crate::customers::events::PURCHASE;
use crate::customers::import::{Row, Skipped};
use crate::customers::notes::Note;
use crate::customers::{AttributeDef, Event, Invalid, Traits, attributes};
use crate::operators::OperatorId;
use crate::segments::Change;
use crate::visitors::{PageView, Visitor, VisitorId};

const NEXT_NOTE_KEY: &str = "next_note_id";
const ATTRIBUTE_DEFS_KEY: &str = "attribute_defs";
const CARD_LAYOUT_KEY: &str = "card_layout";

/// A user id the widget claims for its visitor.
#[derive(Debug, Clone)]
pub struct Claim {
    /// The shop's user id, checked.
    pub external_id: String,
    /// Whether it came with a valid HMAC.
    pub verified: bool,
    /// Contact fields and attributes sent with it.
    pub traits: Traits,
}

/// What a CSV import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// New customers.
    pub created: u64,
    /// Customers that existed and were updated.
    pub updated: u64,
    /// Rows not imported, with their line and why.
    pub skipped: Vec<Skipped>,
}

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

/// The outcome of changing or deleting a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoteChange {
    /// Done; the note as it is now (as it was, for a delete).
    Done(Note),
    /// No such note on this customer.
    NotFound,
    /// Someone else wrote it.
    NotYours,
}

/// Records attribute keys the store has not seen before, for the admin's list of undeclared attributes.
fn remember_keys(txn: &WriteTransaction, attributes: &attributes::Attributes) -> Result<(), Error> {
    let mut keys = txn.open_table(ATTRIBUTE_KEYS)?;
    for key in attributes.keys() {
        if keys.get(key.as_str())?.is_none() {
            keys.insert(key.as_str(), crate::clock::now_millis())?;
        }
    }
    Ok(())
}

/// Applies traits to a copy of `customer`; refuses (changing nothing) when the result is invalid.
fn with_traits(customer: &Visitor, traits: &Traits) -> Result<Visitor, Invalid> {
    let mut next = customer.clone();
    let (name, email, phone) = (
        traits.name.clone(),
        traits.email.clone(),
        traits.phone.clone(),
    );
    for (field, value) in [
        (&mut next.profile.name, name),
        (&mut next.profile.email, email),
        (&mut next.profile.phone, phone),
    ] {
        if let Some(value) = value {
            *field = value;
        }
    }
    attributes::merge_checked(&mut next.profile.attributes, &traits.attributes)?;
    Ok(next)
}

/// Moves the numbered history of `from` (page views or events) to the end of `into`'s; `total_from` and
/// `total_into` are the lifetime counts, so numbering stays monotonic and counts stay right.
fn move_history(
    txn: &WriteTransaction,
    def: redb::TableDefinition<(u64, u64), &[u8]>,
    from: VisitorId,
    into: VisitorId,
    total_from: u64,
    total_into: u64,
    keep: usize,
) -> Result<(), Error> {
    let mut table = txn.open_table(def)?;
    let rows: Vec<(u64, Vec<u8>)> = table
        .range((from, 0)..=(from, u64::MAX))?
        .map(|e| e.map(|(k, v)| (k.value().1, v.value().to_vec())))
        .collect::<Result<_, _>>()?;
    let base = total_into + total_from - rows.len() as u64;
    for (i, (n, bytes)) in rows.into_iter().enumerate() {
        table.remove((from, n))?;
        append_bounded(&mut table, into, base + i as u64 + 1, &bytes, keep)?;
    }
    Ok(())
}

/// Merges the anonymous visitor `from` into the customer `into`: conversations, history, notes, retried
/// message ids, counters and what the profile lacks. `from` is kept as a pointer to `into`.
fn merge(
    txn: &WriteTransaction,
    mut from: Visitor,
    into: &mut Visitor,
    limits: HistoryLimits,
) -> Result<(), Error> {
    let previous_from = from.clone();
    {
        let mut links = txn.open_table(VISITOR_CONVERSATIONS)?;
        let ids: Vec<u64> = links
            .range((from.id, 0)..=(from.id, u64::MAX))?
            .map(|e| e.map(|(k, _)| k.value().1))
            .collect::<Result<_, _>>()?;
        let mut conversations = txn.open_table(CONVERSATIONS)?;
        for id in ids {
            links.remove((from.id, id))?;
            links.insert((into.id, id), ())?;
            let stored = conversations
                .get(id)?
                .map(|v| decode::<Conversation>(v.value()));
            if let Some(mut c) = stored.transpose()? {
                c.visitor_id = into.id;
                conversations.insert(id, encode(&c)?.as_slice())?;
            }
        }
    }
    {
        // A message whose ack was lost before the merge may be retried after it, under the new id.
        let mut client_ids = txn.open_table(CLIENT_IDS)?;
        let (old, new) = (format!("v{}", from.id), format!("v{}", into.id));
        let rows: Vec<(String, (u64, u64))> = client_ids
            .range((old.as_str(), "")..)?
            .map(|e| e.map(|(k, v)| (k.value().0.to_owned(), k.value().1.to_owned(), v.value())))
            .take_while(|r| r.as_ref().map_or(true, |(s, _, _)| *s == old))
            .map(|r| r.map(|(_, c, v)| (c, v)))
            .collect::<Result<_, _>>()?;
        for (client, at) in rows {
            client_ids.insert((new.as_str(), client.as_str()), at)?;
        }
    }
    move_history(
        txn,
        PAGE_VIEW_LOG,
        from.id,
        into.id,
        from.counts.page_views,
        into.counts.page_views,
        limits.page_views,
    )?;
    move_history(
        txn,
        EVENTS,
        from.id,
        into.id,
        from.counts.events,
        into.counts.events,
        limits.events,
    )?;
    super::event_heads::forget(from.id);
    super::event_heads::forget(into.id);
    {
        let mut links = txn.open_table(CUSTOMER_NOTES)?;
        let ids: Vec<u64> = links
            .range((from.id, 0)..=(from.id, u64::MAX))?
            .map(|e| e.map(|(k, _)| k.value().1))
            .collect::<Result<_, _>>()?;
        let mut notes = txn.open_table(NOTES)?;
        for id in ids {
            links.remove((from.id, id))?;
            links.insert((into.id, id), ())?;
            let stored = notes.get(id)?.map(|v| decode::<Note>(v.value()));
            if let Some(mut note) = stored.transpose()? {
                note.customer = into.id;
                notes.insert(id, encode(&note)?.as_slice())?;
            }
        }
    }
    into.counts.add(&from.counts);
    into.created_at = into.created_at.min(from.created_at);
    if from.last_seen_at >= into.last_seen_at {
        into.current_page = from.current_page.take().or(into.current_page.take());
    }
    into.last_seen_at = into.last_seen_at.max(from.last_seen_at);
    into.profile.absorb(std::mem::take(&mut from.profile));
    from.merged_into = Some(into.id);
    from.counts = Default::default();
    save_visitor(txn, &from, Some(&previous_from))
}

fn read_setting<T: serde::de::DeserializeOwned + Default>(
    txn: &ReadTransaction,
    key: &str,
) -> Result<T, Error> {
    Ok(txn
        .open_table(SETTINGS)?
        .get(key)?
        .map(|v| decode(v.value()))
        .transpose()?
        .unwrap_or_default())
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
    /// Links the visitor holding `token` to the shop's user id. Verified: an anonymous visitor joins the
    /// customer with that id (their conversations and history follow; another device with the same id sees
    /// the same history), or becomes that customer; a visitor identified as someone else hands this token to
    /// that customer. Unverified: only records the claimed id and traits on an anonymous visitor. Returns
    /// the customer the token belongs to now.
    pub async fn identify(
        &self,
        token: [u8; 32],
        visitor: VisitorId,
        claim: Claim,
    ) -> Result<Result<VisitorId, Invalid>, Error> {
        let limits = self.inner.limits;
        self.write(move |txn| {
            let current = follow(&txn.open_table(VISITORS)?, visitor)?
                .ok_or_else(|| Error::Storage(format!("visitor {visitor} is missing")))?;
            let id = claim.external_id.as_str();
            if !claim.verified {
                if current.profile.identified() {
                    return Ok(Err(Invalid(
                        crate::msg!("this visitor is already identified; call reset() before identifying another user"),
                    )));
                }
                let mut next = match with_traits(&current, &claim.traits) {
                    Ok(next) => next,
                    Err(invalid) => return Ok(Err(invalid)),
                };
                next.profile.unverified_id = Some(id.to_owned());
                remember_keys(txn, &claim.traits.attributes)?;
                save_visitor(txn, &next, Some(&current))?;
                return Ok(Ok(next.id));
            }
            let known = txn.open_table(EXTERNAL_IDS)?.get(id)?.map(|v| v.value());
            let known = match known {
                Some(k) => follow(&txn.open_table(VISITORS)?, k)?,
                None => None,
            };
            // Work out the customer record first and check the traits on it before writing anything.
            let (target, previous, merge_from) = match known {
                Some(k) if k.id == current.id => (k.clone(), Some(k), None),
                Some(k) if !current.profile.identified() => (k.clone(), Some(k), Some(current.clone())),
                Some(k) => (k.clone(), Some(k), None),
                None if !current.profile.identified() => {
                    let mut next = current.clone();
                    next.profile.external_id = Some(id.to_owned());
                    next.profile.unverified_id = None;
                    (next, Some(current.clone()), None)
                }
                None => {
                    let mut fresh = new_visitor(txn, crate::clock::now_millis())?;
                    fresh.profile.external_id = Some(id.to_owned());
                    (fresh, None, None)
                }
            };
            let mut target = match with_traits(&target, &claim.traits) {
                Ok(next) => next,
                Err(invalid) => return Ok(Err(invalid)),
            };
            if let Some(from) = merge_from {
                merge(txn, from, &mut target, limits)?;
            }
            txn.open_table(EXTERNAL_IDS)?.insert(id, target.id)?;
            txn.open_table(VISITOR_TOKENS)?.insert(&token[..], target.id)?;
            remember_keys(txn, &claim.traits.attributes)?;
            save_visitor(txn, &target, previous.as_ref())?;
            Ok(Ok(target.id))
        })
        .await
    }

    /// Changes a customer's profile with `change`, which may refuse (then nothing is written). Returns
    /// `Ok(None)` when there is no such customer.
    pub async fn update_customer(
        &self,
        id: VisitorId,
        change: impl FnOnce(&mut Visitor) -> Result<(), Invalid> + Send + 'static,
    ) -> Result<Option<Result<Visitor, Invalid>>, Error> {
        self.write(move |txn| {
            let Some(current) = follow(&txn.open_table(VISITORS)?, id)? else {
                return Ok(None);
            };
            let mut next = current.clone();
            if let Err(invalid) = change(&mut next) {
                return Ok(Some(Err(invalid)));
            }
            remember_keys(txn, &next.profile.attributes)?;
            save_visitor(txn, &next, Some(&current))?;
            Ok(Some(Ok(next)))
        })
        .await
    }

    /// Records a tracked event (bounded history, lifetime count). `by_visitor`: the customer did it on the
    /// site just now (it counts as activity: last seen, visits), rather than the back office reporting it.
    /// `false` when there is no such customer.
    pub async fn track(
        &self,
        id: VisitorId,
        event: Event,
        by_visitor: bool,
    ) -> Result<bool, Error> {
        let limits = self.inner.limits;
        self.write(move |txn| {
            let Some(current) = follow(&txn.open_table(VISITORS)?, id)? else {
                return Ok(false);
            };
            let mut next = current.clone();
            next.counts.events += 1;
            super::reports::event_tracked(txn, &event.name, &event.properties, next.id, event.at)?;
            if by_visitor {
                next.counts.activity(event.at);
                next.last_seen_at = next.last_seen_at.max(event.at);
            }
            let dropped = append_bounded(
                &mut txn.open_table(EVENTS)?,
                next.id,
                next.counts.events,
                &encode(&event)?,
                limits.events,
            )?;
            let head = super::event_heads::Head {
                number: next.counts.events,
                at: event.at,
                name: &event.name,
            };
            super::event_heads::tracked(next.id, head, limits.events);
            // The oldest event leaving the kept history may be of any name.
            let change = if dropped {
                Change::Any
            } else {
                Change::Event(&event.name)
            };
            save_visitor_after(txn, &next, Some(&current), change)?;
            Ok(true)
        })
        .await
    }

    /// Creates or updates the customer with this user id (REST API). `true` when it was created.
    pub async fn upsert_customer(
        &self,
        external_id: String,
        traits: Traits,
    ) -> Result<Result<(Visitor, bool), Invalid>, Error> {
        self.write(move |txn| upsert(txn, &external_id, &traits))
            .await
    }

    /// Imports checked CSV rows in one transaction; a row the store refuses (too many attributes) is
    /// skipped with its line, the others are imported.
    pub async fn import_customers(&self, rows: Vec<Row>) -> Result<ImportSummary, Error> {
        self.write(move |txn| {
            let mut summary = ImportSummary::default();
            for row in rows {
                match upsert(txn, &row.external_id, &row.traits)? {
                    Ok((_, true)) => summary.created += 1,
                    Ok((_, false)) => summary.updated += 1,
                    Err(invalid) => summary.skipped.push((row.line, invalid.0)),
                }
            }
            Ok(summary)
        })
        .await
    }

    /// The customer with this user id.
    pub async fn customer_by_external_id(
        &self,
        external_id: String,
    ) -> Result<Option<Visitor>, Error> {
        self.read(move |txn| {
            let id = txn
                .open_table(EXTERNAL_IDS)?
                .get(external_id.as_str())?
                .map(|v| v.value());
            match id {
                Some(id) => follow(&txn.open_table(VISITORS)?, id),
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
            let Some(customer) = follow(&txn.open_table(VISITORS)?, id)? else {
                return Ok(None);
            };
            let id = customer.id;
            let recent: Vec<PageView> = txn
                .open_table(PAGE_VIEW_LOG)?
                .range((id, 0)..=(id, u64::MAX))?
                .rev()
                .take(pages)
                .map(|e| decode(e?.1.value()))
                .collect::<Result<_, _>>()?;
            let mut bought = Vec::new();
            for entry in txn
                .open_table(EVENTS)?
                .range((id, 0)..=(id, u64::MAX))?
                .rev()
            {
                if bought.len() >= purchases {
                    break;
                }
                let event: Event = decode(entry?.1.value())?;
                if event.name == PURCHASE {
                    bought.push(event);
                }
            }
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
                currency: txn
                    .open_table(SETTINGS)?
                    .get("site")?
                    .map(|v| decode::<crate::sites::Site>(v.value()))
                    .transpose()?
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
            let visitors = txn.open_table(VISITORS)?;
            let end = before.unwrap_or((u64::MAX, u64::MAX));
            if let Some(segment) = segment {
                let mut out = Vec::new();
                for entry in txn
                    .open_table(SEGMENT_MEMBERS)?
                    .range((segment, 0)..=(segment, u64::MAX))?
                {
                    let id = entry?.0.value().1;
                    if let Some(v) = visitors.get(id)? {
                        let customer: Visitor = decode(v.value())?;
                        if (customer.last_seen_at, customer.id) < end
                            && (needle.is_empty() || matches(&customer, &needle))
                        {
                            out.push(customer);
                        }
                    }
                }
                out.sort_by_key(|c| std::cmp::Reverse((c.last_seen_at, c.id)));
                out.truncate(limit);
                return Ok(out);
            }
            let seen = txn.open_table(SEEN)?;
            let mut out = Vec::new();
            for entry in seen.range(..end)?.rev() {
                if out.len() >= limit {
                    break;
                }
                let id = entry?.0.value().1;
                let Some(customer) = visitors.get(id)?.map(|v| decode::<Visitor>(v.value())) else {
                    continue;
                };
                let customer = customer?;
                if needle.is_empty() || matches(&customer, &needle) {
                    out.push(customer);
                }
            }
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
            for entry in txn
                .open_table(PAGE_VIEW_LOG)?
                .range((id, 0)..=(id, u64::MAX))?
                .rev()
            {
                let page: PageView = decode(entry?.1.value())?;
                if page.at < before_ms {
                    out.push(TimelineEntry::Page(page));
                    if out.len() >= 2 * limit {
                        break;
                    }
                }
            }
            let mut events = 0;
            for entry in txn
                .open_table(EVENTS)?
                .range((id, 0)..=(id, u64::MAX))?
                .rev()
            {
                let event: Event = decode(entry?.1.value())?;
                if event.at < before_ms {
                    out.push(TimelineEntry::Event(event));
                    events += 1;
                    if events >= limit {
                        break;
                    }
                }
            }
            out.sort_by_key(|e| std::cmp::Reverse(e.at()));
            out.truncate(limit);
            Ok(out)
        })
        .await
    }

    /// Adds an operator's note about a customer. `Ok(None)` when there is no such customer.
    pub async fn add_note(
        &self,
        customer: VisitorId,
        author_id: OperatorId,
        author_name: String,
        body: String,
    ) -> Result<Option<Note>, Error> {
        self.write(move |txn| {
            let Some(c) = follow(&txn.open_table(VISITORS)?, customer)? else {
                return Ok(None);
            };
            let note = Note {
                id: next_id(txn, NEXT_NOTE_KEY)?,
                customer: c.id,
                author_id,
                author_name,
                body,
                created_at: crate::clock::now_millis(),
                edited_at: None,
            };
            txn.open_table(NOTES)?
                .insert(note.id, encode(&note)?.as_slice())?;
            txn.open_table(CUSTOMER_NOTES)?
                .insert((c.id, note.id), ())?;
            Ok(Some(note))
        })
        .await
    }

    /// Changes the text of a note (`Some(body)`) or deletes it (`None`), if `author` wrote it.
    pub async fn change_note(
        &self,
        customer: VisitorId,
        note_id: u64,
        author: OperatorId,
        body: Option<String>,
    ) -> Result<NoteChange, Error> {
        self.write(move |txn| {
            let mut notes = txn.open_table(NOTES)?;
            let Some(mut note) = notes
                .get(note_id)?
                .map(|v| decode::<Note>(v.value()))
                .transpose()?
            else {
                return Ok(NoteChange::NotFound);
            };
            let owner = follow(&txn.open_table(VISITORS)?, customer)?.map(|c| c.id);
            if owner != Some(note.customer) {
                return Ok(NoteChange::NotFound);
            }
            if note.author_id != author {
                return Ok(NoteChange::NotYours);
            }
            match body {
                Some(body) => {
                    note.body = body;
                    note.edited_at = Some(crate::clock::now_millis());
                    notes.insert(note.id, encode(&note)?.as_slice())?;
                }
                None => {
                    notes.remove(note.id)?;
                    txn.open_table(CUSTOMER_NOTES)?
                        .remove((note.customer, note.id))?;
                }
            }
            Ok(NoteChange::Done(note))
        })
        .await
    }

    /// The attributes the admin declared.
    pub async fn attribute_defs(&self) -> Result<Vec<AttributeDef>, Error> {
        self.read(|txn| read_setting(txn, ATTRIBUTE_DEFS_KEY)).await
    }

    /// Replaces the declared attributes.
    pub async fn set_attribute_defs(&self, defs: Vec<AttributeDef>) -> Result<(), Error> {
        self.write(move |txn| {
            txn.open_table(SETTINGS)?
                .insert(ATTRIBUTE_DEFS_KEY, encode(&defs)?.as_slice())?;
            Ok(())
        })
        .await
    }

    /// Attribute keys stored on some customer but not declared, with when each was first seen.
    pub async fn undeclared_attributes(&self) -> Result<Vec<(String, u64)>, Error> {
        self.read(|txn| {
            let defs: Vec<AttributeDef> = read_setting(txn, ATTRIBUTE_DEFS_KEY)?;
            let mut out = Vec::new();
            for entry in txn.open_table(ATTRIBUTE_KEYS)?.iter()? {
                let (k, v) = entry?;
                if !defs.iter().any(|d| d.key == k.value()) {
                    out.push((k.value().to_owned(), v.value()));
                }
            }
            Ok(out)
        })
        .await
    }

    /// The card layout the admin chose (every built-in field, until they choose).
    pub async fn card_layout(&self) -> Result<CardLayout, Error> {
        self.read(|txn| read_setting(txn, CARD_LAYOUT_KEY)).await
    }

    /// Replaces the card layout.
    pub async fn set_card_layout(&self, layout: CardLayout) -> Result<(), Error> {
        self.write(move |txn| {
            txn.open_table(SETTINGS)?
                .insert(CARD_LAYOUT_KEY, encode(&layout)?.as_slice())?;
            Ok(())
        })
        .await
    }
}

pub(super) fn visitor_conversations(
    txn: &ReadTransaction,
    id: VisitorId,
) -> Result<Vec<Conversation>, Error> {
    let conversations = txn.open_table(CONVERSATIONS)?;
    let ids: Vec<u64> = txn
        .open_table(VISITOR_CONVERSATIONS)?
        .range((id, 0)..=(id, u64::MAX))?
        .rev()
        .map(|e| e.map(|(k, _)| k.value().1))
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for cid in ids {
        if let Some(v) = conversations.get(cid)? {
            out.push(decode(v.value())?);
        }
    }
    Ok(out)
}

pub(super) fn customer_notes(txn: &ReadTransaction, id: VisitorId) -> Result<Vec<Note>, Error> {
    let notes = txn.open_table(NOTES)?;
    let mut out = Vec::new();
    for entry in txn
        .open_table(CUSTOMER_NOTES)?
        .range((id, 0)..=(id, u64::MAX))?
    {
        let note_id = entry?.0.value().1;
        if let Some(v) = notes.get(note_id)? {
            out.push(decode(v.value())?);
        }
    }
    Ok(out)
}

/// Creates or updates the customer with `external_id` inside a write transaction; checks before writing.
fn upsert(
    txn: &WriteTransaction,
    external_id: &str,
    traits: &Traits,
) -> Result<Result<(Visitor, bool), Invalid>, Error> {
    let known = txn
        .open_table(EXTERNAL_IDS)?
        .get(external_id)?
        .map(|v| v.value());
    let existing = match known {
        Some(id) => follow(&txn.open_table(VISITORS)?, id)?,
        None => None,
    };
    let (base, created) = match &existing {
        Some(customer) => (customer.clone(), false),
        None => {
            let mut fresh = new_visitor(txn, crate::clock::now_millis())?;
            fresh.profile.external_id = Some(external_id.to_owned());
            (fresh, true)
        }
    };
    let next = match with_traits(&base, traits) {
        Ok(next) => next,
        Err(invalid) => return Ok(Err(invalid)),
    };
    if created {
        txn.open_table(EXTERNAL_IDS)?.insert(external_id, next.id)?;
    }
    remember_keys(txn, &traits.attributes)?;
    save_visitor(txn, &next, existing.as_ref())?;
    Ok(Ok((next, created)))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::conversations::{Author, Origin};
    use crate::customers::events::parse_event;
    use crate::store::Draft;

    fn page(n: u64) -> PageView {
        PageView::parse(&format!("https://shop.test/p/{n}"), "", "", n).unwrap()
    }

    async fn say(store: &Store, visitor: VisitorId, body: &str) {
        let draft = Draft {
            author: Author::Visitor,
            client_id: Some(body.to_owned()),
            body: body.to_owned(),
            note: false,
            upload: None,
        };
        store
            .post_visitor_message(visitor, draft, Origin::default())
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn rules_count_their_events_among_events_of_other_names() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("sodan.redb")).await.unwrap();
        let draft = |name: &str, rule: &str| crate::store::segments::SegmentDraft {
            id: None,
            name: name.into(),
            rule: rule.into(),
            route_to: None,
            priority: false,
        };
        let browsing = store
            .save_segment(draft("Browsing", r#"events("view_item", sku = "A") >= 3"#))
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let buying = store
            .save_segment(draft("Buying", r#"events("purchase") >= 1"#))
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let v = store.create_visitor([2; 32]).await.unwrap();
        let track = |name: &'static str, sku: &'static str, at: u64| {
            let store = store.clone();
            async move {
                let e = parse_event(name, &json!({"sku": sku}), at).unwrap();
                assert!(store.track(v.id, e, true).await.unwrap());
            }
        };
        // Events no rule counts come between the counted ones, and a counted name with another property.
        for (n, (name, sku)) in [
            ("view_item", "A"),
            ("scroll", "A"),
            ("view_item", "B"),
            ("add_to_cart", "A"),
            ("view_item", "A"),
        ]
        .into_iter()
        .enumerate()
        {
            track(name, sku, n as u64 + 1).await;
        }
        assert!(store.membership(v.id).await.unwrap().segments.is_empty());
        track("scroll", "A", 10).await;
        track("view_item", "A", 11).await;
        assert_eq!(
            store.membership(v.id).await.unwrap().segments,
            [browsing.id],
            "three views of A among events of other names and of B"
        );
        track("purchase", "A", 12).await;
        assert_eq!(
            store.membership(v.id).await.unwrap().segments,
            [browsing.id, buying.id]
        );
    }

    #[tokio::test]
    async fn history_is_bounded_and_counters_stay_right() {
        let dir = tempfile::tempdir().unwrap();
        let limits = HistoryLimits {
            page_views: 3,
            events: 2,
        };
        let store = Store::open_with(&dir.path().join("sodan.redb"), limits)
            .await
            .unwrap();
        let v = store.create_visitor([1; 32]).await.unwrap();
        for n in 1..=5 {
            store.touch_visitor(v.id, Some(page(n))).await.unwrap();
        }
        for total in [10, 20, 30, 40] {
            let e = parse_event(PURCHASE, &json!({"total": total}), total).unwrap();
            assert!(store.track(v.id, e, true).await.unwrap());
        }
        let card = store.customer_card(v.id, 10, 10).await.unwrap().unwrap();
        assert_eq!(
            card.pages.iter().map(|p| p.at).collect::<Vec<_>>(),
            [5, 4, 3]
        );
        assert_eq!(
            card.purchases.iter().map(|e| e.at).collect::<Vec<_>>(),
            [40, 30]
        );
        assert_eq!(card.customer.counts.page_views, 5);
        assert_eq!(card.customer.counts.events, 4);
        assert!(
            !store
                .track(999, parse_event("x", &json!({}), 1).unwrap(), true)
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn a_verified_identify_merges_the_anonymous_visitor_and_an_unverified_one_links_nothing()
    {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("sodan.redb")).await.unwrap();
        let claim = |verified: bool, name: &str| Claim {
            external_id: "u1".into(),
            verified,
            traits: Traits {
                name: Some(name.into()),
                ..Traits::default()
            },
        };
        // First device: becomes the customer.
        let a = store.create_visitor([1; 32]).await.unwrap();
        say(&store, a.id, "from the laptop").await;
        store.touch_visitor(a.id, Some(page(1))).await.unwrap();
        let customer = store
            .identify([1; 32], a.id, claim(true, "Aiko"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(customer, a.id);
        // Second device: merged into it, with its conversation and page views.
        let b = store.create_visitor([2; 32]).await.unwrap();
        say(&store, b.id, "from the phone").await;
        store.touch_visitor(b.id, Some(page(2))).await.unwrap();
        let joined = store
            .identify([2; 32], b.id, claim(true, "Aiko T."))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(joined, a.id);
        let via_phone = store.visitor_by_token([2; 32]).await.unwrap().unwrap();
        assert_eq!(via_phone.id, a.id);
        assert_eq!(via_phone.profile.name, "Aiko T.");
        assert_eq!(via_phone.counts.conversations, 2);
        assert_eq!(via_phone.counts.page_views, 2);
        let card = store.customer_card(b.id, 10, 10).await.unwrap().unwrap();
        assert_eq!(card.customer.id, a.id, "the old id leads to the customer");
        assert_eq!(card.conversations.len(), 2);
        assert!(card.conversations.iter().all(|c| c.visitor_id == a.id));
        assert_eq!(card.pages.len(), 2);
        assert_eq!(
            store
                .customers(String::new(), None, 10, None)
                .await
                .unwrap()
                .len(),
            1
        );

        // An unverified claim records the id as claimed and links nothing.
        let c = store.create_visitor([3; 32]).await.unwrap();
        let same = store
            .identify([3; 32], c.id, claim(false, "Mallory"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(same, c.id);
        let c = store.visitor(c.id).await.unwrap().unwrap();
        assert_eq!(c.profile.unverified_id.as_deref(), Some("u1"));
        assert!(c.profile.external_id.is_none());
        let owner = store
            .customer_by_external_id("u1".into())
            .await
            .unwrap()
            .unwrap();
        assert_eq!((owner.id, owner.profile.name.as_str()), (a.id, "Aiko T."));
    }

    #[tokio::test]
    async fn notes_are_changed_only_by_their_author() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("sodan.redb")).await.unwrap();
        let v = store.create_visitor([1; 32]).await.unwrap();
        let note = store
            .add_note(v.id, 1, "Hana".into(), "prefers e-mail".into())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            store.change_note(v.id, note.id, 2, None).await.unwrap(),
            NoteChange::NotYours
        );
        assert_eq!(
            store.change_note(v.id + 1, note.id, 1, None).await.unwrap(),
            NoteChange::NotFound
        );
        let NoteChange::Done(edited) = store
            .change_note(v.id, note.id, 1, Some("prefers phone".into()))
            .await
            .unwrap()
        else {
            panic!("the author edits");
        };
        assert!(edited.edited_at.is_some());
        store.change_note(v.id, note.id, 1, None).await.unwrap();
        let card = store.customer_card(v.id, 1, 1).await.unwrap().unwrap();
        assert!(card.notes.is_empty());
    }
}
