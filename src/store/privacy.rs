//! The customer's right to their data: everything stored about one customer, as one JSON document.

use super::kv::KvRead;
use super::kv::typed::{Json, Table as KvTable, TypedRead};
use serde_json::{Value, json};

use super::customer_reads::{customer_notes, visitor_conversations};
use super::tables::{EVENTS, PAGE_VIEW_LOG};
use super::visitors::follow;
use super::{Error, Store};
use crate::customers::Event;
use crate::visitors::{PageView, VisitorId};

/// A customer's kept history of one kind, oldest first.
fn history<T: serde::Serialize + serde::de::DeserializeOwned>(
    kv: &impl KvRead,
    table: &KvTable<(u64, u64), Json<T>>,
    id: VisitorId,
) -> Result<Vec<T>, Error> {
    let mut out = Vec::new();
    kv.scan_prefix_in(table, &id, false, |_, Json(entry)| {
        out.push(entry);
        Ok(true)
    })?;
    Ok(out)
}

impl Store {
    /// Everything stored about a customer: profile and attributes, page views, events, segments, every
    /// conversation with all its messages (private notes included, marked) and the team's notes. `Ok(None)`
    /// when there is no such customer. Nothing about anyone else is read.
    pub async fn customer_export(&self, id: VisitorId) -> Result<Option<Value>, Error> {
        self.read(move |txn| {
            let Some(customer) = follow(txn, id)? else {
                return Ok(None);
            };
            let cid = customer.id;
            let kv = txn;
            let page_views: Vec<PageView> = history(&kv, &PAGE_VIEW_LOG, cid)?;
            let events: Vec<Event> = history(&kv, &EVENTS, cid)?;
            let membership = super::segments::membership_of(&kv, cid)?;
            let mut conversations = Vec::new();
            for c in visitor_conversations(txn, cid)?.into_iter().rev() {
                let list: Vec<Value> = super::conversation_reads::all_messages(&kv, c.id)?
                    .iter()
                    .map(crate::webhooks::message_json)
                    .collect();
                let mut view = crate::webhooks::conversation_json(&c);
                view["messages"] = Value::Array(list);
                conversations.push(view);
            }
            let notes = customer_notes(txn, cid)?;
            Ok(Some(json!({
                "exported_at": crate::clock::now_millis(),
                "customer": crate::webhooks::customer_json(&customer),
                "device": customer.profile.device,
                "referrer": customer.profile.referrer,
                "screen": customer.profile.screen,
                "unverified_id": customer.profile.unverified_id,
                "line_user_id": customer.profile.line_user_id,
                "segments": membership.segments,
                "intent": membership.intent,
                "page_views": page_views,
                "events": events,
                "conversations": conversations,
                "notes": notes,
            })))
        })
        .await
    }
}
