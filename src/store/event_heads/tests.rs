use serde_json::json;

use super::*;
use crate::customers::events::parse_event;
use crate::store::{Claim, Erase, HistoryLimits, Store};

/// Every customer's remembered list against their stored events, checked on the writer thread (where
/// lists are kept; reading them there also makes the writer remember them for the next step). Returns
/// how many events the lists hold, or the first difference.
async fn lists_agree(store: &Store, customers: &[VisitorId]) -> Result<usize, String> {
    let customers = customers.to_vec();
    store
        .write(move |txn| {
            let mut total = 0;
            for id in customers {
                let stored: Vec<(u64, u64, String)> = read_list(txn, id)?
                    .heads()
                    .iter()
                    .map(|h| (h.number, h.at, h.name.to_owned()))
                    .collect();
                let listed: Vec<(u64, u64, String)> = with_heads(txn, id, |heads| {
                    Ok(heads
                        .iter()
                        .map(|h| (h.number, h.at, h.name.to_owned()))
                        .collect())
                })?;
                if stored != listed {
                    return Ok(Err(format!(
                        "customer {id}: stored {stored:?}, listed {listed:?}"
                    )));
                }
                total += listed.len();
            }
            Ok(Ok(total))
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn the_lists_follow_the_events_through_tracking_merging_retention_and_deletion() {
    let dir = tempfile::tempdir().unwrap();
    let limits = HistoryLimits {
        page_views: 3,
        events: 4,
    };
    let store = Store::open_with(&dir.path().join("sodan.redb"), limits)
        .await
        .unwrap();
    let now = crate::clock::now_millis();
    let day = 86_400_000;
    let track = |id: u64, name: &'static str, at: u64| {
        let store = store.clone();
        async move {
            let e = parse_event(name, &json!({"n": at}), at).unwrap();
            assert!(store.track(id, e, true).await.unwrap());
        }
    };
    let claim = || Claim {
        external_id: "u1".into(),
        verified: true,
        traits: Default::default(),
    };
    // Tracking past the bound, remembered from the third event on: the oldest leave the list.
    let a = store.create_visitor([1; 32]).await.unwrap().id;
    track(a, "a", now - 10 * day).await;
    track(a, "b", now - 9 * day).await;
    assert_eq!(lists_agree(&store, &[a]).await, Ok(2));
    for (i, name) in ["c", "d", "e", "f"].into_iter().enumerate() {
        track(a, name, now - (8 - i as u64) * day).await;
    }
    assert_eq!(
        lists_agree(&store, &[a]).await,
        Ok(4),
        "six tracked, four kept"
    );
    let a = store.identify([1; 32], a, claim()).await.unwrap().unwrap();
    // A second device's events join the customer's on merge, still bounded.
    let b = store.create_visitor([2; 32]).await.unwrap().id;
    track(b, "phone", now - day / 2).await;
    assert_eq!(lists_agree(&store, &[a, b]).await, Ok(5));
    track(b, "phone", now - day / 4).await;
    let merged = store.identify([2; 32], b, claim()).await.unwrap().unwrap();
    assert_eq!(merged, a);
    assert_eq!(
        lists_agree(&store, &[a, b]).await,
        Ok(4),
        "merged and bounded again; the merged visitor has none"
    );
    // Retention drops events older than a week.
    let mut retention = store.retention().await.unwrap();
    retention.history_days = 7;
    store.set_retention(retention).await.unwrap();
    track(a, "old", now - 30 * day).await;
    assert_eq!(lists_agree(&store, &[a]).await, Ok(4));
    while store.apply_retention(now, 100).await.unwrap().events > 0 {}
    assert_eq!(
        lists_agree(&store, &[a]).await,
        Ok(3),
        "the month-old event went"
    );
    // Deleting the customer leaves no list.
    let c = store.create_visitor([3; 32]).await.unwrap().id;
    track(c, "other", now).await;
    assert_eq!(lists_agree(&store, &[a, c]).await, Ok(4));
    store
        .delete_customer(a, Erase::RemoveAll, "owner".into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        lists_agree(&store, &[a, c]).await,
        Ok(1),
        "only the other customer's"
    );
}

#[tokio::test]
async fn a_batch_that_fails_leaves_no_list_behind() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("sodan.redb")).await.unwrap();
    let a = store.create_visitor([1; 32]).await.unwrap().id;
    let e = parse_event("first", &json!({}), 1).unwrap();
    assert!(store.track(a, e, true).await.unwrap());
    assert_eq!(lists_agree(&store, &[a]).await, Ok(1));
    // A job remembers an event, then the batch fails before its commit.
    let failed = store
        .write(move |_txn| -> Result<(), Error> {
            let head = Head {
                number: 2,
                at: 2,
                name: "never stored",
            };
            tracked(a, head, 10);
            panic!("the batch fails")
        })
        .await;
    assert!(failed.is_err());
    assert_eq!(lists_agree(&store, &[a]).await, Ok(1));
}

#[test]
fn the_lists_stay_within_their_budget() {
    let mut lists = Lists::default();
    for id in 0..50u64 {
        let mut list = List::default();
        for n in 0..(MAX_EVENTS / 20) as u64 {
            list.push(n, n, if n % 2 == 0 { "a" } else { "b" });
        }
        list.used = id;
        lists.make_room(list.events.len());
        lists.events += list.events.len();
        lists.by_customer.insert(id, list);
        assert!(lists.events <= MAX_EVENTS, "{} events kept", lists.events);
    }
    let kept: Vec<u64> = {
        let mut ids: Vec<u64> = lists.by_customer.keys().copied().collect();
        ids.sort_unstable();
        ids
    };
    assert!(kept.len() >= 15, "{kept:?}");
    assert_eq!(
        kept,
        (50 - kept.len() as u64..50).collect::<Vec<_>>(),
        "the most recently used are kept"
    );
    assert_eq!(lists.by_customer[&49].names.len(), 2, "names kept once");
}
