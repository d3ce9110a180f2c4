//! Who a visitor turns out to be, decided inside one write over the store's transaction interface
//! ([`Tx`]): the widget's claim of a shop user id (verified by HMAC, or not), and the back office's
//! upserts by user id (REST API, CSV import). Moving one visitor's records into another's is the store's
//! (`merge_visitor`); which visitor becomes whom is here.

use crate::customers::{Invalid, Traits, attributes};
use crate::store::kv::typed::{Typed, TypedRead};
use crate::store::tables::{EXTERNAL_IDS, VISITOR_TOKENS};
use crate::store::tx::Tx;
use crate::store::{
    Claim, Error, HistoryLimits, follow_visitor, merge_visitor, new_visitor,
    remember_attribute_keys, save_visitor,
};
use crate::visitors::{Visitor, VisitorId};

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

/// Links the visitor holding `token` to the claimed shop user id. Verified: an anonymous visitor joins the
/// customer with that id (their conversations and history follow; another device with the same id sees
/// the same history), or becomes that customer; a visitor identified as someone else hands this token to
/// that customer. Unverified: only records the claimed id and traits on an anonymous visitor. Returns the
/// customer the token belongs to now; nothing is written when the traits are refused.
pub(crate) fn identify(
    txn: &Tx<'_>,
    token: [u8; 32],
    visitor: VisitorId,
    claim: Claim,
    limits: HistoryLimits,
) -> Result<Result<VisitorId, Invalid>, Error> {
    let current = follow_visitor(txn, visitor)?
        .ok_or_else(|| Error::Storage(format!("visitor {visitor} is missing")))?;
    let id = claim.external_id.as_str();
    if !claim.verified {
        if current.profile.identified() {
            return Ok(Err(Invalid(crate::msg!(
                "this visitor is already identified; call reset() before identifying another user"
            ))));
        }
        let mut next = match with_traits(&current, &claim.traits) {
            Ok(next) => next,
            Err(invalid) => return Ok(Err(invalid)),
        };
        next.profile.unverified_id = Some(id.to_owned());
        remember_attribute_keys(txn, &claim.traits.attributes)?;
        save_visitor(txn, &next, Some(&current))?;
        return Ok(Ok(next.id));
    }
    let known = match txn.get_in(&EXTERNAL_IDS, &id.to_owned())? {
        Some(k) => follow_visitor(txn, k)?,
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
        merge_visitor(txn, from, &mut target, limits)?;
    }
    txn.put_in(&EXTERNAL_IDS, &id.to_owned(), &target.id)?;
    txn.put_in(&VISITOR_TOKENS, &token, &target.id)?;
    remember_attribute_keys(txn, &claim.traits.attributes)?;
    save_visitor(txn, &target, previous.as_ref())?;
    Ok(Ok(target.id))
}

/// Creates or updates the customer with `external_id` (REST API, CSV import); checks before writing.
/// Returns the record and whether it was created.
pub(crate) fn upsert(
    txn: &Tx<'_>,
    external_id: &str,
    traits: &Traits,
) -> Result<Result<(Visitor, bool), Invalid>, Error> {
    let existing = match txn.get_in(&EXTERNAL_IDS, &external_id.to_owned())? {
        Some(id) => follow_visitor(txn, id)?,
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
        txn.put_in(&EXTERNAL_IDS, &external_id.to_owned(), &next.id)?;
    }
    remember_attribute_keys(txn, &traits.attributes)?;
    save_visitor(txn, &next, existing.as_ref())?;
    Ok(Ok((next, created)))
}
