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
}
