//! Customers: who a visitor is and what they did, so the operator knows before asking.
//!
//! A customer is a visitor record: anonymous until the shop identifies them with its own user id (from the
//! widget, with an HMAC its server computed, or from the REST API and CSV import). The record carries the
//! profile and lifetime counters; page views and events are kept as bounded history beside it.

pub mod attributes;
pub mod card;
pub mod context;
pub mod device;
pub mod events;
pub(crate) mod identifying;
pub mod identity;
pub mod import;
pub mod notes;
pub(crate) mod saved;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::i18n::messages::Message;
use crate::msg;

pub use attributes::{AttrKind, AttributeDef, Attributes};
pub use device::Device;
pub use events::{CartItem, Event};

/// The longest external (shop) user id.
pub const MAX_ID_CHARS: usize = 200;
/// The longest name, e-mail or phone number kept.
pub const MAX_CONTACT_CHARS: usize = 254;
/// A visit ends after this long without a page view, message or event (milliseconds).
pub const SESSION_GAP_MS: u64 = 30 * 60 * 1000;
/// "Last seen" moves in steps of this much: a message or heartbeat sooner after the last recorded activity
/// (and changing nothing else) is not written again, so a chatting customer costs no record write per
/// message. Segment windows and "last seen" are shown to the minute.
pub const LAST_SEEN_STEP_MS: u64 = 60 * 1000;

/// Whether activity at `now_ms` by a customer whose last recorded activity was at `last_seen_at` is news
/// worth writing (a step or more later, or a clock that went back).
pub fn seen_is_news(last_seen_at: u64, now_ms: u64) -> bool {
    now_ms < last_seen_at || now_ms - last_seen_at >= LAST_SEEN_STEP_MS
}

/// What a customer is, as far as the shop and their browser told us.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Profile {
    /// The shop's user id, verified (HMAC) or set by the shop's back office; unique across customers.
    pub external_id: Option<String>,
    /// A user id the widget claimed without a valid HMAC, on a site that does not require one: shown as
    /// unverified, never used to link or merge.
    pub unverified_id: Option<String>,
    /// Display name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Phone number.
    pub phone: String,
    /// The browser's language (`ja-JP`).
    pub language: String,
    /// The browser's IANA time zone (`Asia/Tokyo`).
    pub time_zone: String,
    /// Screen size, `WIDTHxHEIGHT`.
    pub screen: String,
    /// Browser, OS and device category from the User-Agent.
    pub device: Option<Device>,
    /// Where the latest visit came from (another site's URL).
    pub referrer: String,
    /// Custom attributes (`plan`, `member_rank`...).
    pub attributes: Attributes,
    /// What is in the cart now.
    pub cart: Vec<CartItem>,
    /// Asked for no more e-mails (the unsubscribe link).
    pub unsubscribed: bool,
    /// Their LINE user id, when they write through the LINE channel.
    pub line_user_id: Option<String>,
    /// Their LINE profile picture.
    pub line_picture: String,
    /// The e-mail address is theirs as far as mail can tell: they wrote to the shop from it.
    pub email_from_mail: bool,
}

impl Profile {
    /// Whether the shop has said who this is.
    pub fn identified(&self) -> bool {
        self.external_id.is_some()
    }

    /// The address a mail from it may be matched to this customer by (lower-cased): only one the shop
    /// vouched for (an identified customer) or that this customer wrote from. An address someone typed
    /// into the widget joins nothing.
    pub fn verified_email(&self) -> Option<String> {
        let email = self.email.trim();
        (!email.is_empty() && (self.identified() || self.email_from_mail))
            .then(|| email.to_lowercase())
    }

    /// The cart's total value.
    pub fn cart_value(&self) -> f64 {
        self.cart.iter().map(CartItem::line_total).sum()
    }

    /// Applies traits: given contact fields replace the stored ones, attributes are merged (a `null` value
    /// removes one).
    pub fn apply(&mut self, traits: &Traits) {
        for (field, value) in [
            (&mut self.name, &traits.name),
            (&mut self.email, &traits.email),
            (&mut self.phone, &traits.phone),
        ] {
            if let Some(value) = value {
                *field = value.clone();
            }
        }
        attributes::merge(&mut self.attributes, &traits.attributes);
    }

    /// Fills what this profile lacks from `other` (when an anonymous visitor joins a known customer, the
    /// customer's own values win; the visitor's current device, language and cart are the freshest).
    pub fn absorb(&mut self, other: Profile) {
        for (mine, theirs) in [
            (&mut self.name, other.name),
            (&mut self.email, other.email),
            (&mut self.phone, other.phone),
            (&mut self.referrer, other.referrer),
        ] {
            if mine.is_empty() {
                *mine = theirs;
            }
        }
        for (mine, theirs) in [
            (&mut self.language, other.language),
            (&mut self.time_zone, other.time_zone),
            (&mut self.screen, other.screen),
        ] {
            if !theirs.is_empty() {
                *mine = theirs;
            }
        }
        if other.device.is_some() {
            self.device = other.device;
        }
        if !other.cart.is_empty() {
            self.cart = other.cart;
        }
        // Whoever asked for no e-mails on either record keeps that choice.
        self.unsubscribed |= other.unsubscribed;
        if other.line_user_id.is_some() {
            self.line_user_id = other.line_user_id;
            self.line_picture = other.line_picture;
        }
        for (key, value) in other.attributes {
            self.attributes.entry(key).or_insert(value);
        }
    }
}

/// Lifetime counters: history is bounded, these are not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Counts {
    /// Visits (sessions separated by [`SESSION_GAP_MS`] of inactivity).
    pub visits: u64,
    /// Page views.
    pub page_views: u64,
    /// Tracked events.
    pub events: u64,
    /// Conversations started.
    pub conversations: u64,
    /// The latest page view, message or event (Unix milliseconds), to tell when a new visit starts.
    pub last_activity_at: u64,
}

impl Counts {
    /// Records activity at `now_ms`; `true` when it starts a new visit.
    pub fn activity(&mut self, now_ms: u64) -> bool {
        let new_visit =
            self.visits == 0 || now_ms.saturating_sub(self.last_activity_at) > SESSION_GAP_MS;
        if new_visit {
            self.visits += 1;
        }
        self.last_activity_at = self.last_activity_at.max(now_ms);
        new_visit
    }

    /// Adds another customer's counts (after a merge).
    pub fn add(&mut self, other: &Counts) {
        self.visits += other.visits;
        self.page_views += other.page_views;
        self.events += other.events;
        self.conversations += other.conversations;
        self.last_activity_at = self.last_activity_at.max(other.last_activity_at);
    }
}

/// Contact fields and attributes sent by the shop, checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Traits {
    /// New name, if given.
    pub name: Option<String>,
    /// New e-mail, if given.
    pub email: Option<String>,
    /// New phone, if given.
    pub phone: Option<String>,
    /// Attributes to set (`null` removes).
    pub attributes: Attributes,
}

/// Why customer data was refused; the message says what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub Message);

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.english())
    }
}

impl std::error::Error for Invalid {}

/// Checks the shop's user id: 1 to [`MAX_ID_CHARS`] characters, no control characters.
pub fn parse_external_id(input: &str) -> Result<String, Invalid> {
    let id = input.trim();
    if id.is_empty() {
        return Err(Invalid(msg!("the user id is empty")));
    }
    if input.chars().count() > MAX_ID_CHARS || id.chars().any(char::is_control) {
        return Err(Invalid(msg!(
            "the user id must be at most {0} characters without control characters",
            MAX_ID_CHARS
        )));
    }
    Ok(id.to_owned())
}

fn contact(key: &str, value: &Value) -> Result<Option<String>, Invalid> {
    let raw = match value {
        Value::Null => return Ok(Some(String::new())),
        Value::String(s) => s,
        _ => return Err(Invalid(msg!("{0} must be text", key))),
    };
    if raw.chars().count() > MAX_CONTACT_CHARS || raw.chars().any(char::is_control) {
        return Err(Invalid(msg!(
            "{0} must be at most {1} characters without control characters",
            key,
            MAX_CONTACT_CHARS
        )));
    }
    let text = raw.trim().to_owned();
    if key == "email" && !text.is_empty() && !valid_email(&text) {
        return Err(Invalid(msg!(
            "email {0} is not an e-mail address",
            format!("{text:?}")
        )));
    }
    Ok(Some(text))
}

/// Whether `address` is an e-mail address as HTML's `<input type=email>` defines one (WHATWG HTML,
/// "valid e-mail address"): the one check the widget, identify and the API share, and the pattern the
/// OpenAPI document states.
pub fn valid_email(address: &str) -> bool {
    const LOCAL_SPECIALS: &str = ".!#$%&'*+/=?^_`{|}~-";
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || LOCAL_SPECIALS.contains(c));
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    address.len() <= MAX_CONTACT_CHARS && local_ok && domain.split('.').all(label_ok)
}

/// [`valid_email`] as a regular expression, for the OpenAPI document (WHATWG HTML's own pattern).
pub const EMAIL_PATTERN: &str = "^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$";

/// Reads traits from a JSON object: `name`, `email`, `phone` are contact fields, everything else (and the
/// members of an `attributes` object) is an attribute, checked against the declared schema `defs`.
pub fn parse_traits(input: &Value, defs: &[AttributeDef]) -> Result<Traits, Invalid> {
    let Some(object) = input.as_object() else {
        if input.is_null() {
            return Ok(Traits::default());
        }
        return Err(Invalid(msg!("traits must be an object")));
    };
    let mut traits = Traits::default();
    let mut raw = BTreeMap::new();
    for (key, value) in object {
        match key.as_str() {
            "name" => traits.name = contact(key, value)?,
            "email" => traits.email = contact(key, value)?,
            "phone" => traits.phone = contact(key, value)?,
            "attributes" => {
                let Some(nested) = value.as_object() else {
                    return Err(Invalid(msg!("attributes must be an object")));
                };
                for (k, v) in nested {
                    raw.insert(k.clone(), v.clone());
                }
            }
            _ => {
                raw.insert(key.clone(), value.clone());
            }
        }
    }
    traits.attributes = attributes::check_all(&raw, defs)?;
    Ok(traits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn traits_split_contact_fields_from_attributes() {
        let traits = parse_traits(
            &json!({"name": " Aiko ", "email": "aiko@example.jp", "plan": "gold", "attributes": {"rank": 3}}),
            &[],
        )
        .unwrap();
        assert_eq!(traits.name.as_deref(), Some("Aiko"));
        assert_eq!(traits.attributes["plan"], json!("gold"));
        assert_eq!(traits.attributes["rank"], json!(3));
        assert!(parse_traits(&json!({"email": "not an address"}), &[]).is_err());
        assert!(
            parse_traits(&json!({"phone": 90}), &[]).is_err(),
            "a phone number is text"
        );
        assert!(parse_traits(&json!("text"), &[]).is_err());
    }

    #[test]
    fn e_mail_addresses_are_checked_as_html_input_type_email_does() {
        for good in [
            "aiko@example.jp",
            "a.b+c@sub.example.co.jp",
            "x!#$%&'*+/=?^_`{|}~-@localhost",
        ] {
            assert!(valid_email(good), "{good}");
        }
        for bad in [
            "",
            "aiko",
            "@example.jp",
            "aiko@",
            "a b@example.jp",
            "aiko@-x.jp",
            "aiko@x..jp",
            "a@b@c",
            "アイコ@example.jp",
        ] {
            assert!(!valid_email(bad), "{bad}");
        }
    }

    #[test]
    fn a_visit_starts_after_thirty_quiet_minutes() {
        let mut counts = Counts::default();
        assert!(counts.activity(1_000));
        assert!(!counts.activity(1_000 + SESSION_GAP_MS));
        assert!(counts.activity(2_000 + 2 * SESSION_GAP_MS));
        assert_eq!(counts.visits, 2);
    }

    #[test]
    fn absorbing_keeps_the_customers_values_and_takes_the_fresh_device() {
        let mut known = Profile {
            name: "Aiko".into(),
            ..Profile::default()
        };
        known.attributes.insert("plan".into(), json!("gold"));
        let mut anonymous = Profile {
            name: "someone".into(),
            language: "ja".into(),
            ..Profile::default()
        };
        anonymous.attributes.insert("plan".into(), json!("free"));
        anonymous.attributes.insert("coupon".into(), json!("X1"));
        known.absorb(anonymous);
        assert_eq!(known.name, "Aiko");
        assert_eq!(known.language, "ja");
        assert_eq!(known.attributes["plan"], json!("gold"));
        assert_eq!(known.attributes["coupon"], json!("X1"));
    }
}
