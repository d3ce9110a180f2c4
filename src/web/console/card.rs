//! The customer card: turns a customer's data into the rows the admin chose, in their order, in the
//! console's language. Shown beside a conversation and on the customer's own page.

use crate::customers::Event;
use crate::customers::attributes::display;
use crate::customers::card::{ATTRIBUTE_PREFIX, label};
use crate::i18n::{Lang, Texts};
use crate::operators::OperatorId;
use crate::store::CardData;

use super::shop_time::time;

/// How many recent pages the card lists.
pub const CARD_PAGES: usize = 10;
/// How many recent purchases the card lists.
pub const CARD_PURCHASES: usize = 5;

/// One page view line.
pub struct PageLine {
    /// URL.
    pub url: String,
    /// Title, or the URL.
    pub title: String,
    /// When.
    pub time: String,
    /// When (Unix ms), for local time in the browser.
    pub at: u64,
}

/// What a row shows.
pub enum CardValue {
    /// Plain text.
    Text(String),
    /// A link (URL, text).
    Link(String, String),
    /// Page views.
    Pages(Vec<PageLine>),
    /// Lines of text.
    Lines(Vec<String>),
    /// Conversations (id, label).
    Conversations(Vec<(u64, String)>),
    /// Segments (id, name); kept current live by the console.
    Segments(Vec<(u64, String)>),
    /// Nothing known.
    Nothing,
}

/// One row of the card.
pub struct CardRow {
    /// The field key (`name`, `attr:plan`), for styling and tests.
    pub field: String,
    /// Its label.
    pub label: String,
    /// Its value.
    pub value: CardValue,
}

/// A note as shown.
pub struct NoteView {
    /// Its id.
    pub id: u64,
    /// Who wrote it.
    pub author: String,
    /// When.
    pub time: String,
    /// The text.
    pub body: String,
    /// Whether the viewer wrote it (and so may edit or delete it).
    pub mine: bool,
    /// Whether it was edited.
    pub edited: bool,
}

/// The whole card.
pub struct CardView {
    /// The customer's id.
    pub customer_id: u64,
    /// Their display name.
    pub title: String,
    /// Rows in the admin's order.
    pub rows: Vec<CardRow>,
    /// Operators' notes, oldest first.
    pub notes: Vec<NoteView>,
    /// Where note forms return to.
    pub back: String,
}

fn text(value: &str) -> CardValue {
    if value.is_empty() {
        CardValue::Nothing
    } else {
        CardValue::Text(value.to_owned())
    }
}

fn purchase_line(e: &Event, currency: &str, zone: &str) -> String {
    let p = &e.properties;
    let order = p.get("order_id").map(display).unwrap_or_default();
    let total = match p.get("total") {
        Some(v) => v
            .as_f64()
            .map_or_else(|| display(v), |n| crate::money::format(n, currency)),
        None => String::new(),
    };
    format!("{order} {total} ({})", time(e.at, zone))
        .trim()
        .to_owned()
}

fn status_name(t: &Texts, status: crate::conversations::Status) -> &'static str {
    use crate::conversations::Status;
    match status {
        Status::Open => t.status_open,
        Status::Pending => t.status_pending,
        Status::Snoozed => t.status_snoozed,
        Status::Resolved => t.status_resolved,
    }
}

/// Builds the card of `data` with `layout` for an operator reading `lang`.
pub fn build(data: &CardData, lang: Lang, viewer: OperatorId, back: String) -> CardView {
    let t = lang.texts();
    let (layout, defs) = (&data.layout, data.defs.as_slice());
    let c = &data.customer;
    let p = &c.profile;
    let now = crate::clock::now();
    let placed: Vec<&str> = layout
        .fields
        .iter()
        .filter_map(|f| f.strip_prefix(ATTRIBUTE_PREFIX))
        .collect();
    let rows = layout
        .fields
        .iter()
        .map(|field| {
            let value = match field.as_str() {
                "name" => text(&p.name),
                "email" => text(&p.email),
                "phone" => text(&p.phone),
                "external_id" => match (&p.external_id, &p.unverified_id) {
                    (Some(id), _) => CardValue::Text(id.clone()),
                    (None, Some(id)) => {
                        CardValue::Text(format!("{id} ({})", t.identity_unverified))
                    }
                    (None, None) => CardValue::Nothing,
                },
                "identified" => CardValue::Text(
                    if p.identified() {
                        t.identity_verified
                    } else if p.unverified_id.is_some() {
                        t.identity_unverified
                    } else {
                        t.identity_anonymous
                    }
                    .to_owned(),
                ),
                "current_page" => match &c.current_page {
                    Some(page) => CardValue::Link(
                        page.url.clone(),
                        if page.title.is_empty() {
                            page.url.clone()
                        } else {
                            page.title.clone()
                        },
                    ),
                    None => CardValue::Nothing,
                },
                "recent_pages" if data.pages.is_empty() => CardValue::Nothing,
                "recent_pages" => CardValue::Pages(
                    data.pages
                        .iter()
                        .map(|v| PageLine {
                            url: v.url.clone(),
                            title: if v.title.is_empty() {
                                v.url.clone()
                            } else {
                                v.title.clone()
                            },
                            time: time(v.at, &data.zone),
                            at: v.at,
                        })
                        .collect(),
                ),
                "cart" if p.cart.is_empty() => CardValue::Nothing,
                "cart" => {
                    let mut lines: Vec<String> = p
                        .cart
                        .iter()
                        .map(|i| {
                            let name = if i.name.is_empty() { &i.sku } else { &i.name };
                            format!(
                                "{name} × {} — {}",
                                i.quantity,
                                crate::money::format(i.line_total(), &data.currency)
                            )
                        })
                        .collect();
                    let total = crate::money::format(p.cart_value(), &data.currency);
                    lines.push(format!("{}: {total}", t.cart_total));
                    CardValue::Lines(lines)
                }
                "purchases" if data.purchases.is_empty() => CardValue::Nothing,
                "purchases" => CardValue::Lines(
                    data.purchases
                        .iter()
                        .map(|e| purchase_line(e, &data.currency, &data.zone))
                        .collect(),
                ),
                "device" => match &p.device {
                    Some(d) if p.screen.is_empty() => CardValue::Text(d.summary()),
                    Some(d) => CardValue::Text(format!("{} · {}", d.summary(), p.screen)),
                    None => CardValue::Nothing,
                },
                "referrer" => text(&p.referrer),
                "line" => match &p.line_user_id {
                    Some(_) if p.line_picture.starts_with("https://") => {
                        CardValue::Link(p.line_picture.clone(), format!("LINE · {}", p.name))
                    }
                    Some(_) => CardValue::Text(format!("LINE · {}", p.name)),
                    None => CardValue::Nothing,
                },
                "language" => text(&p.language),
                "time_zone" => text(&p.time_zone),
                "first_seen" => CardValue::Text(time(c.created_at, &data.zone)),
                "last_seen" => CardValue::Text(time(c.last_seen_at, &data.zone)),
                "visits" => CardValue::Text(format!(
                    "{} ({} {})",
                    c.counts.visits, c.counts.page_views, t.page_views_word
                )),
                "conversations" if data.conversations.is_empty() => CardValue::Nothing,
                "conversations" => CardValue::Conversations(
                    data.conversations
                        .iter()
                        .map(|conv| {
                            (
                                conv.id,
                                format!(
                                    "#{} · {} · {}",
                                    conv.id,
                                    status_name(t, conv.effective_status(now)),
                                    crate::clock::date(conv.created_at / 1000)
                                ),
                            )
                        })
                        .collect(),
                ),
                "segments" => CardValue::Segments(data.segments.clone()),
                "intent" => CardValue::Text(data.intent.to_string()),
                "attributes" => {
                    let lines: Vec<String> = p
                        .attributes
                        .iter()
                        .filter(|(k, _)| !placed.contains(&k.as_str()))
                        .map(|(k, v)| {
                            let name = defs
                                .iter()
                                .find(|d| &d.key == k)
                                .map(|d| d.label.as_str())
                                .unwrap_or(k);
                            format!("{name}: {}", display(v))
                        })
                        .collect();
                    if lines.is_empty() {
                        CardValue::Nothing
                    } else {
                        CardValue::Lines(lines)
                    }
                }
                other => match other
                    .strip_prefix(ATTRIBUTE_PREFIX)
                    .and_then(|key| p.attributes.get(key))
                {
                    Some(v) => CardValue::Text(display(v)),
                    None => CardValue::Nothing,
                },
            };
            CardRow {
                field: field.clone(),
                label: label(field, lang, defs),
                value,
            }
        })
        .collect();
    let notes = data
        .notes
        .iter()
        .map(|n| NoteView {
            id: n.id,
            author: n.author_name.clone(),
            time: time(n.created_at, &data.zone),
            body: n.body.clone(),
            mine: n.author_id == viewer,
            edited: n.edited_at.is_some(),
        })
        .collect();
    CardView {
        customer_id: c.id,
        title: c.display_name(t.visitor),
        rows,
        notes,
        back,
    }
}
