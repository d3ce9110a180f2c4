use serde_json::json;

use super::*;
use crate::customers::events::{PURCHASE, parse_event};
use crate::store::{HistoryLimits, NoteChange};
use crate::visitors::PageView;

fn page(n: u64) -> PageView {
    PageView::parse(&format!("https://shop.test/p/{n}"), "", "", n).unwrap()
}

async fn say(store: &Store, visitor: VisitorId, body: &str) {
    store.say_as_visitor(visitor, body, body).await;
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
async fn a_verified_identify_merges_the_anonymous_visitor_and_an_unverified_one_links_nothing() {
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
