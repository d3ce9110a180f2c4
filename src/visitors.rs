//! Visitors: the people on the shop's site who open the widget. Anonymous until the shop identifies them;
//! remembered by an unguessable token kept in the shop site's storage.

use serde::{Deserialize, Serialize};

use crate::customers::{Counts, Profile};

/// Identifies a visitor; never reused.
pub type VisitorId = u64;

/// The longest URL, title or referrer kept from a page view.
pub const MAX_PAGE_FIELD: usize = 2_000;

/// A stored visitor.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Visitor {
    /// Its id.
    pub id: VisitorId,
    /// First seen (Unix milliseconds).
    pub created_at: u64,
    /// Last seen (Unix milliseconds): a page view, a message, a connected widget.
    pub last_seen_at: u64,
    /// The page the widget last reported.
    #[serde(default)]
    pub current_page: Option<PageView>,
    /// Who they are (once the shop says so) and what their browser reports.
    #[serde(default)]
    pub profile: Profile,
    /// Lifetime counters (visits, page views, events, conversations).
    #[serde(default)]
    pub counts: Counts,
    /// Set when this anonymous visitor was merged into an identified customer: tokens that still lead
    /// here continue there.
    #[serde(default)]
    pub merged_into: Option<VisitorId>,
    /// The empty record left when a customer was deleted, so the conversations kept as shells point at
    /// someone: nothing may reach it any more (mail links included).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub erased: bool,
}

impl Visitor {
    /// A new anonymous visitor.
    pub fn new(id: VisitorId, now_ms: u64) -> Visitor {
        Visitor {
            id,
            created_at: now_ms,
            last_seen_at: now_ms,
            current_page: None,
            profile: Profile::default(),
            counts: Counts::default(),
            merged_into: None,
            erased: false,
        }
    }

    /// Whether the customers list shows them: identified, named, or someone who chatted (not every
    /// anonymous page visit).
    pub fn listed(&self) -> bool {
        self.merged_into.is_none()
            && (self.profile.identified()
                || !self.profile.name.is_empty()
                || !self.profile.email.is_empty()
                || self.counts.conversations > 0)
    }

    /// Whether what was seen at `now_ms` changes the record: a page view or a started conversation always
    /// does; being there only a step after the last time (`customers::seen_is_news`), so a visitor who
    /// keeps reconnecting does not cost a write each time.
    pub fn changed_by(&self, seen: &Seen, now_ms: u64) -> bool {
        seen.page.is_some()
            || seen.started_conversation
            || crate::customers::seen_is_news(self.last_seen_at, now_ms)
    }

    /// Records what was seen at `now_ms`: last seen, visits, conversations and page views counted, the
    /// current page, and the referrer that brought a new visit from another site.
    pub fn record_seen(&mut self, seen: &Seen, now_ms: u64) {
        self.last_seen_at = now_ms;
        let new_visit = self.counts.activity(now_ms);
        if seen.started_conversation {
            self.counts.conversations += 1;
        }
        if let Some(page) = &seen.page {
            self.counts.page_views += 1;
            if new_visit && !page.referrer.is_empty() && !same_site(&page.referrer, &page.url) {
                self.profile.referrer = page.referrer.clone();
            }
            self.current_page = Some(page.clone());
        }
    }

    /// How operators call them: name, else e-mail, else "Visitor #id".
    pub fn display_name(&self, visitor_word: &str) -> String {
        if !self.profile.name.is_empty() {
            self.profile.name.clone()
        } else if !self.profile.email.is_empty() {
            self.profile.email.clone()
        } else {
            format!("{visitor_word} #{}", self.id)
        }
    }
}

/// What was seen of a visitor besides "there now".
#[derive(Debug, Default)]
pub struct Seen {
    /// A page view.
    pub page: Option<PageView>,
    /// The visitor started a conversation.
    pub started_conversation: bool,
}

/// Whether two URLs share scheme and host (a referrer from the shop itself is not a referrer).
fn same_site(a: &str, b: &str) -> bool {
    let origin = |u: &str| {
        let rest = u
            .split_once("://")
            .map(|(s, r)| (s, r.split('/').next().unwrap_or("")));
        rest.map(|(s, h)| format!("{s}://{h}"))
    };
    origin(a).is_some() && origin(a) == origin(b)
}

/// A page the widget was loaded on, or navigated to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageView {
    /// The page's URL.
    pub url: String,
    /// Its `<title>`.
    #[serde(default)]
    pub title: String,
    /// Where the visitor came from.
    #[serde(default)]
    pub referrer: String,
    /// When (Unix milliseconds).
    #[serde(default)]
    pub at: u64,
}

impl PageView {
    /// A page view with each field cut to [`MAX_PAGE_FIELD`] characters and control characters removed;
    /// `None` unless the URL is http(s).
    pub fn parse(url: &str, title: &str, referrer: &str, at: u64) -> Option<PageView> {
        let clean = |s: &str| -> String {
            s.chars()
                .filter(|c| !c.is_control())
                .take(MAX_PAGE_FIELD)
                .collect()
        };
        let url = clean(url.trim());
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return None;
        }
        Some(PageView {
            url,
            title: clean(title.trim()),
            referrer: clean(referrer.trim()),
            at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_views_keep_http_urls_only_and_bound_their_fields() {
        assert!(PageView::parse("javascript:alert(1)", "", "", 0).is_none());
        let view = PageView::parse(
            "https://shop.example/item?id=1",
            "Item\n",
            &"r".repeat(3_000),
            5,
        )
        .unwrap();
        assert_eq!(view.title, "Item");
        assert_eq!(view.referrer.len(), MAX_PAGE_FIELD);
    }

    #[test]
    fn a_referrer_from_the_shop_itself_does_not_count() {
        assert!(same_site("https://shop.test/a", "https://shop.test/b?x"));
        assert!(!same_site("https://www.google.com/", "https://shop.test/b"));
        assert!(!same_site("", "https://shop.test/b"));
    }

    #[test]
    fn a_page_seen_counts_and_a_new_visit_from_elsewhere_keeps_its_referrer() {
        let mut v = Visitor::new(1, 0);
        let page = |url: &str, referrer: &str| Seen {
            page: PageView::parse(url, "", referrer, 0),
            started_conversation: false,
        };
        let from_search = page("https://shop.test/a", "https://search.test/?q=tea");
        assert!(v.changed_by(&from_search, 1));
        v.record_seen(&from_search, 1);
        assert_eq!((v.counts.visits, v.counts.page_views), (1, 1));
        assert_eq!(v.profile.referrer, "https://search.test/?q=tea");
        // The same visit, one page on, linked from the shop itself: the referrer stays.
        v.record_seen(&page("https://shop.test/b", "https://shop.test/a"), 2);
        assert_eq!((v.counts.visits, v.counts.page_views), (1, 2));
        assert_eq!(v.profile.referrer, "https://search.test/?q=tea");
        assert_eq!(v.current_page.as_ref().unwrap().url, "https://shop.test/b");
        assert_eq!(v.last_seen_at, 2);
    }

    #[test]
    fn mere_presence_changes_the_record_only_a_step_later() {
        let mut v = Visitor::new(1, 0);
        let there = Seen::default();
        v.record_seen(&there, 1_000);
        assert!(!v.changed_by(&there, 1_001), "seen a moment ago");
        let later = 1_000 + crate::customers::LAST_SEEN_STEP_MS;
        assert!(v.changed_by(&there, later));
        let started = Seen {
            page: None,
            started_conversation: true,
        };
        assert!(
            v.changed_by(&started, 1_001),
            "a conversation always counts"
        );
        v.record_seen(&started, 1_001);
        assert_eq!(v.counts.conversations, 1);
    }
}
