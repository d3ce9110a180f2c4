//! Queues of `(due_ms, id)` keys (automatic replies, mails, webhook deliveries, pushes, re-checks): what
//! is due first comes first, so a sweep reads only what is due.

use std::ops::Bound;

use super::Error;
use super::kv;

/// A queue of `(due_ms, id)` keys: what is due first comes first.
pub(crate) type DueQueue = kv::typed::Table<(u64, u64), ()>;

/// The first `limit` keys of a `(due_ms, id)` queue that are due by `now_ms`.
pub(crate) fn due_keys(
    kv: &impl kv::KvRead,
    queue: &DueQueue,
    now_ms: u64,
    limit: usize,
) -> Result<Vec<(u64, u64)>, Error> {
    use kv::typed::TypedRead;
    let due = (Bound::Unbounded, Bound::Included(&(now_ms, u64::MAX)));
    let keys = kv.range_in(queue, due, false, limit)?;
    Ok(keys.into_iter().map(|(k, ())| k).collect())
}
