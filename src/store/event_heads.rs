//! The names and times of recently active customers' kept events, remembered by the writer thread.
//!
//! Segment rules count a customer's events by name and time after every tracked event. Reading the
//! whole history (up to thousands of JSON records) for that cost more than the rest of the write, and
//! keeping a second copy on disk cost as much in pages written per commit. So the writer thread keeps
//! the lists of the customers it evaluated lately in memory, within [`MAX_EVENTS`] events in all: a
//! tracked event is added to its customer's list, and any other change of a customer's events (merge,
//! retention, erasure) forgets that list, to be read again from `EVENTS` when next needed. A batch whose
//! commit fails forgets every list, since what its jobs added was never stored.
//!
//! Only the writer thread keeps lists; a write transaction on any other thread (migrations at open)
//! reads the events each time.

use super::kv::typed::TypedRead;
use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use serde::Deserialize;

use super::Error;
use super::codec::decode_part;
use super::tables::EVENTS;
use super::tx::Tx;
use crate::visitors::VisitorId;

/// The most events the lists hold together (24 bytes each, so about 6 MB), so that memory stays small
/// however many customers are active.
const MAX_EVENTS: usize = 250_000;

/// One kept event without its properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Head<'a> {
    /// Its number in the customer's history (the second half of its `EVENTS` key).
    pub number: u64,
    /// When it happened (Unix milliseconds).
    pub at: u64,
    /// Its name.
    pub name: &'a str,
}

/// One customer's list: each distinct name once, and per event its number, time and name index.
#[derive(Default)]
struct List {
    names: Vec<Box<str>>,
    events: Vec<(u64, u64, u32)>,
    /// When it was last used (a counter), to forget the least recently used first.
    used: u64,
}

impl List {
    fn push(&mut self, number: u64, at: u64, name: &str) {
        let index = match self.names.iter().position(|n| **n == *name) {
            Some(i) => i,
            None => {
                self.names.push(name.into());
                self.names.len() - 1
            }
        };
        self.events.push((number, at, index as u32));
    }

    fn heads(&self) -> Vec<Head<'_>> {
        self.events
            .iter()
            .map(|&(number, at, i)| Head {
                number,
                at,
                name: &self.names[i as usize],
            })
            .collect()
    }
}

#[derive(Default)]
struct Lists {
    by_customer: HashMap<VisitorId, List>,
    events: usize,
    clock: u64,
}

impl Lists {
    fn forget(&mut self, id: VisitorId) {
        if let Some(list) = self.by_customer.remove(&id) {
            self.events -= list.events.len();
        }
    }

    /// Makes room for `room` more events: when they would not fit, forgets the least recently used
    /// lists down to three quarters of the budget (one pass over the lists for many forgotten).
    fn make_room(&mut self, room: usize) {
        if self.events + room <= MAX_EVENTS {
            return;
        }
        let mut by_age: Vec<(u64, VisitorId)> = self
            .by_customer
            .iter()
            .map(|(id, l)| (l.used, *id))
            .collect();
        by_age.sort_unstable();
        for (_, id) in by_age {
            if self.events + room <= MAX_EVENTS / 4 * 3 {
                break;
            }
            self.forget(id);
        }
    }
}

thread_local! {
    static LISTS: RefCell<Lists> = RefCell::default();
    static KEEPS_LISTS: Cell<bool> = const { Cell::new(false) };
}

/// Marks the current thread as the writer, the one thread that keeps lists.
pub(super) fn keep_lists_on_this_thread() {
    KEEPS_LISTS.set(true);
}

/// Reads `id`'s kept events, oldest first, from the transaction's `EVENTS`.
fn read_list(txn: &Tx<'_>, id: VisitorId) -> Result<List, Error> {
    /// An event without its properties.
    #[derive(Deserialize)]
    struct Stored<'a> {
        #[serde(borrow)]
        name: Cow<'a, str>,
        at: u64,
    }
    let mut list = List::default();
    txn.scan_prefix_in(&EVENTS.raw(), &id, false, |(_, n), bytes| {
        let stored: Stored = decode_part(&bytes)?;
        list.push(n, stored.at, &stored.name);
        Ok(true)
    })?;
    Ok(list)
}

/// Calls `f` with `id`'s kept events (oldest first) as the transaction sees them.
pub(super) fn with_heads<T>(
    txn: &Tx<'_>,
    id: VisitorId,
    f: impl FnOnce(&[Head<'_>]) -> Result<T, Error>,
) -> Result<T, Error> {
    if !KEEPS_LISTS.get() {
        return f(&read_list(txn, id)?.heads());
    }
    LISTS.with_borrow_mut(|lists| {
        lists.clock += 1;
        let now = lists.clock;
        if !lists.by_customer.contains_key(&id) {
            let list = read_list(txn, id)?;
            // A history so long that it would push out most others is read each time.
            if list.events.len() > MAX_EVENTS / 4 {
                return f(&list.heads());
            }
            lists.make_room(list.events.len());
            lists.events += list.events.len();
            lists.by_customer.insert(id, list);
        }
        let list = lists.by_customer.get_mut(&id).expect("just inserted");
        list.used = now;
        f(&list.heads())
    })
}

/// Records that event `head` was added to `id`'s history, which keeps events numbered above
/// `head.number - keep` (the rule `visitors::append_bounded` applies to `EVENTS`). A customer without a
/// list keeps none: it is read when next needed.
pub(super) fn tracked(id: VisitorId, head: Head<'_>, keep: usize) {
    if !KEEPS_LISTS.get() {
        return;
    }
    LISTS.with_borrow_mut(|lists| {
        let Some(list) = lists.by_customer.get_mut(&id) else {
            return;
        };
        let cut = head.number.saturating_sub(keep as u64);
        let before = list.events.len();
        list.events.retain(|&(number, _, _)| number > cut);
        list.push(head.number, head.at, head.name);
        let after = list.events.len();
        lists.events = lists.events + after - before;
        lists.make_room(0);
    });
}

/// Forgets `id`'s list: its events changed otherwise than by tracking.
pub(super) fn forget(id: VisitorId) {
    LISTS.with_borrow_mut(|lists| lists.forget(id));
}

/// Forgets every list: the batch that changed them was not committed.
pub(super) fn forget_all() {
    LISTS.with_borrow_mut(|lists| *lists = Lists::default());
}

#[cfg(test)]
mod tests;
