//! Changing customers: identify and upserts by user id (decided in `customers::identifying`; merging is
//! `customer_merge.rs`), profile and attribute changes, tracked events, CSV imports, and the admin's
//! attribute schema and card layout. Reading them is
//! `customer_reads.rs`; notes are `customer_notes.rs`.

use super::kv::typed::{Typed, TypedRead};

use super::codec::encode;
use super::customer_reads::read_setting;
use super::tables::{ATTRIBUTE_KEYS, EVENTS};
use super::tx::Tx;
use super::visitors::{append_bounded, follow, save_visitor, save_visitor_after};
use super::{Error, Store};
use crate::customers::card::CardLayout;
use crate::customers::identifying;
use crate::customers::import::{Row, Skipped};
use crate::customers::{AttributeDef, Event, Invalid, Traits, attributes};
use crate::segments::Change;
use crate::visitors::{Visitor, VisitorId};

/// The admin's attribute schema, in `SETTINGS`.
pub(super) const ATTRIBUTE_DEFS_KEY: &str = "attribute_defs";
/// The admin's card layout, in `SETTINGS`.
pub(super) const CARD_LAYOUT_KEY: &str = "card_layout";

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

/// Records attribute keys the store has not seen before, for the admin's list of undeclared attributes.
pub(crate) fn remember_keys(
    txn: &Tx<'_>,
    attributes: &attributes::Attributes,
) -> Result<(), Error> {
    for key in attributes.keys() {
        if txn.get_in(&ATTRIBUTE_KEYS, key)?.is_none() {
            txn.put_in(&ATTRIBUTE_KEYS, key, &crate::clock::now_millis())?;
        }
    }
    Ok(())
}

impl Store {
    /// Links the visitor holding `token` to the shop's user id (`customers::identifying::identify` says
    /// who becomes whom). Returns the customer the token belongs to now.
    pub async fn identify(
        &self,
        token: [u8; 32],
        visitor: VisitorId,
        claim: Claim,
    ) -> Result<Result<VisitorId, Invalid>, Error> {
        let limits = self.inner.limits;
        self.write(move |txn| identifying::identify(txn, token, visitor, claim, limits))
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
            let Some(current) = follow(txn, id)? else {
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
            let Some(current) = follow(txn, id)? else {
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
                txn,
                &EVENTS.raw(),
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
        self.write(move |txn| identifying::upsert(txn, &external_id, &traits))
            .await
    }

    /// Imports checked CSV rows in one transaction; a row the store refuses (too many attributes) is
    /// skipped with its line, the others are imported.
    pub async fn import_customers(&self, rows: Vec<Row>) -> Result<ImportSummary, Error> {
        self.write(move |txn| {
            let mut summary = ImportSummary::default();
            for row in rows {
                match identifying::upsert(txn, &row.external_id, &row.traits)? {
                    Ok((_, true)) => summary.created += 1,
                    Ok((_, false)) => summary.updated += 1,
                    Err(invalid) => summary.skipped.push((row.line, invalid.0)),
                }
            }
            Ok(summary)
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
            super::settings::put(txn, ATTRIBUTE_DEFS_KEY, &defs)?;
            Ok(())
        })
        .await
    }

    /// Attribute keys stored on some customer but not declared, with when each was first seen.
    pub async fn undeclared_attributes(&self) -> Result<Vec<(String, u64)>, Error> {
        self.read(|txn| {
            let defs: Vec<AttributeDef> = read_setting(txn, ATTRIBUTE_DEFS_KEY)?;
            let mut out = txn.all_in(&ATTRIBUTE_KEYS)?;
            out.retain(|(key, _)| !defs.iter().any(|d| &d.key == key));
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
            super::settings::put(txn, CARD_LAYOUT_KEY, &layout)?;
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests;
