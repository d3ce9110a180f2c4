//! What follows a saved customer record, inside the same write (over the store's transaction interface,
//! [`Tx`]): the shop's webhooks hear of a customer once they are one, then of each profile change, and
//! the customer's segments are evaluated again where their data changed.

use crate::segments::Change;
use crate::store::Error;
use crate::store::tx::Tx;
use crate::visitors::Visitor;
use crate::webhooks::{self, Event};

/// Runs after `visitor` was written (`previous`: the record before, `None` for a new one; `change`: what
/// changed). The shop hears of a customer once they are one (listed: identified, named, with an address,
/// or chatting), not of every anonymous page visit; after that, of each change to their profile.
pub(crate) fn followups(
    txn: &Tx<'_>,
    visitor: &Visitor,
    previous: Option<&Visitor>,
    change: Change<'_>,
) -> Result<(), Error> {
    let was_listed = previous.is_some_and(Visitor::listed);
    let event = if visitor.listed() && !was_listed {
        Some(Event::CustomerCreated)
    } else if was_listed && previous.is_some_and(|p| p.profile != visitor.profile) {
        Some(Event::CustomerUpdated)
    } else {
        None
    };
    if let Some(event) = event {
        webhooks::emit(txn, event, || webhooks::customer_json(visitor))?;
    }
    crate::segments::evaluation::reevaluate_after(txn, visitor, change)
}
