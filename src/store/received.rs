//! The incoming mailbox's records: each mail read (once, by key), the reader's cursor, what the reader last
//! said, and the customers mail is matched to by address.

use std::ops::Bound;

use super::conversations::next_id;
use super::kv::typed::{Json, Typed, TypedRead};
use super::rx::Rx;
use super::tables::{MAIL_CUSTOMERS, RECEIVED, RECEIVED_KEYS};
use super::tx::Tx;
use super::visitors::{follow, new_visitor, save_visitor};
use super::{Error, Store};
use crate::mail::received::{Cursor, MAX_KEPT, Received};
use crate::visitors::Visitor;

const CURSOR_SETTING: &str = "imap_cursor";
const STATUS_SETTING: &str = "imap_status";
const NEXT_RECEIVED_KEY: &str = "next_received_id";

fn setting<T: serde::de::DeserializeOwned + Default>(txn: &Rx<'_>, key: &str) -> Result<T, Error> {
    super::settings::get(txn, key).map(Option::unwrap_or_default)
}

/// Forgets the oldest mails beyond [`MAX_KEPT`].
fn prune(txn: &Tx<'_>) -> Result<(), Error> {
    let excess = txn.count_in(&RECEIVED)?.saturating_sub(MAX_KEPT);
    if excess == 0 {
        return Ok(());
    }
    let all = (Bound::Unbounded, Bound::Unbounded);
    let old = txn.range_in(&RECEIVED, all, false, excess)?;
    for (id, Json(r)) in old {
        txn.delete_in(&RECEIVED, &id)?;
        txn.delete_in(&RECEIVED_KEYS, &r.key)?;
    }
    Ok(())
}

/// Forgets the mails read from `address` or into one of `conversations` (a customer's erasure).
pub(super) fn forget(
    txn: &Tx<'_>,
    address: &str,
    conversations: &std::collections::HashSet<u64>,
) -> Result<(), Error> {
    let doomed = txn.records_where(&RECEIVED, |r| {
        (!address.is_empty() && r.from.eq_ignore_ascii_case(address.trim()))
            || r.conversation.is_some_and(|c| conversations.contains(&c))
    })?;
    for r in doomed {
        txn.delete_in(&RECEIVED, &r.id)?;
        txn.delete_in(&RECEIVED_KEYS, &r.key)?;
    }
    Ok(())
}

impl Store {
    /// Woken when the incoming mailbox's settings change, so the reader starts over with them.
    pub fn mailbox_signal(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.inner.mailbox_changed.clone()
    }

    /// Whether a mail with this key was taken in already.
    pub async fn received_key_known(&self, key: String) -> Result<bool, Error> {
        self.read(move |txn| Ok(txn.get_in(&RECEIVED_KEYS, &key)?.is_some()))
            .await
    }

    /// Records a mail read from the mailbox (once per key: a second record of the same key is dropped; `None`
    /// for a mail taken in before) and moves the cursor past it, in one transaction: after a crash the mail
    /// is either recorded and passed, or read again.
    pub async fn record_received(
        &self,
        item: Option<Received>,
        cursor: Cursor,
    ) -> Result<(), Error> {
        self.write(move |txn| {
            if let Some(mut item) = item {
                let known = txn.get_in(&RECEIVED_KEYS, &item.key)?.is_some();
                if !known {
                    item.id = next_id(txn, NEXT_RECEIVED_KEY)?;
                    txn.put_record_in(&RECEIVED, &item.id, &item)?;
                    txn.put_in(&RECEIVED_KEYS, &item.key, &item.id)?;
                    prune(txn)?;
                }
            }
            super::settings::put(txn, CURSOR_SETTING, &cursor)?;
            Ok(())
        })
        .await
    }

    /// How far the mailbox has been read.
    pub async fn mailbox_cursor(&self) -> Result<Cursor, Error> {
        self.read(|txn| setting(txn, CURSOR_SETTING)).await
    }

    /// The latest mails read, newest first.
    pub async fn received_mails(&self, limit: usize) -> Result<Vec<Received>, Error> {
        self.read(move |txn| txn.newest_in(&RECEIVED, limit)).await
    }

    /// One mail read, by its id in the list.
    pub async fn received_mail(&self, id: u64) -> Result<Option<Received>, Error> {
        self.read(move |txn| Ok(txn.get_in(&RECEIVED, &id)?.map(|Json(r)| r)))
            .await
    }

    /// The mail read that became the message with this client id in `conversation`, if kept.
    pub async fn received_for(
        &self,
        conversation: u64,
        key_client_id: String,
    ) -> Result<Option<Received>, Error> {
        self.read(move |txn| {
            let mut found = None;
            let all = (Bound::Unbounded, Bound::Unbounded);
            txn.scan_in(&RECEIVED, all, true, |_, Json(r)| {
                let this = r.conversation == Some(conversation)
                    && crate::mail::received::client_id(&r.key) == key_client_id;
                if this {
                    found = Some(r);
                }
                Ok(!this)
            })?;
            Ok(found)
        })
        .await
    }

    /// What the mailbox reader last said (empty until it ran).
    pub async fn mailbox_status(&self) -> Result<String, Error> {
        self.read(|txn| setting(txn, STATUS_SETTING)).await
    }

    /// Records what the mailbox reader says now (written only when it changed).
    pub async fn set_mailbox_status(&self, status: String) -> Result<(), Error> {
        if self.mailbox_status().await? == status {
            return Ok(());
        }
        self.write(move |txn| {
            super::settings::put(txn, STATUS_SETTING, &status)?;
            Ok(())
        })
        .await
    }

    /// The customer a mail from `email` (lower-cased) belongs to: the one whose verified address it is,
    /// else a new customer with that address and `name`.
    pub async fn mail_customer(&self, email: String, name: String) -> Result<Visitor, Error> {
        self.write(move |txn| {
            let known = txn.get_in(&MAIL_CUSTOMERS, &email)?;
            if let Some(id) = known
                && let Some(v) = follow(txn, id)?
                && v.profile.verified_email().as_deref() == Some(email.as_str())
            {
                return Ok(v);
            }
            let mut visitor = new_visitor(txn, crate::clock::now_millis())?;
            visitor.profile.email = email.chars().take(254).collect();
            visitor.profile.name = name.chars().take(200).collect();
            visitor.profile.email_from_mail = true;
            save_visitor(txn, &visitor, None)?;
            Ok(visitor)
        })
        .await
    }
}
