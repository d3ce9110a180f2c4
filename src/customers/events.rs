//! Tracked events (`view_item`, `add_to_cart`, `purchase`...) and the cart, as the shop reports them.
//! Names are free (the shop's own vocabulary), but bounded, and so are their properties.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Invalid;
use crate::i18n::messages::Message;
use crate::msg;

/// The longest event name.
pub const MAX_NAME_CHARS: usize = 64;
/// The largest properties object, as JSON.
pub const MAX_PROPERTIES_BYTES: usize = 4 * 1024;
/// The most items a cart may hold.
pub const MAX_CART_ITEMS: usize = 100;
/// The event name whose `total` and `order_id` the card lists as a purchase.
pub const PURCHASE: &str = "purchase";

/// One stored event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// What happened (`view_item`).
    pub name: String,
    /// Details (`{sku, name, price}`); an object.
    #[serde(default)]
    pub properties: Value,
    /// When (Unix milliseconds).
    pub at: u64,
}

impl Event {
    /// A short, readable summary of the properties for the card and the timeline.
    pub fn summary(&self) -> String {
        let Some(object) = self.properties.as_object() else {
            return String::new();
        };
        let mut parts = Vec::new();
        for key in ["name", "sku", "order_id", "total", "price", "quantity"] {
            if let Some(value) = object.get(key) {
                parts.push(format!("{key}: {}", super::attributes::display(value)));
            }
        }
        if parts.is_empty() {
            for (key, value) in object.iter().take(4) {
                parts.push(format!("{key}: {}", super::attributes::display(value)));
            }
        }
        parts.join(", ")
    }
}

/// Checks an event: a name of letters, digits and `_ . : -`, and an object of properties of at most
/// [`MAX_PROPERTIES_BYTES`].
pub fn parse_event(name: &str, properties: &Value, at: u64) -> Result<Event, Invalid> {
    let name = name.trim();
    let name_ok = !name.is_empty()
        && name.len() <= MAX_NAME_CHARS
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-'));
    if !name_ok {
        return Err(Invalid(msg!(
            "event name {0} must be 1 to {1} letters, digits, _ . : or -",
            format!("{:?}", name.chars().take(80).collect::<String>()),
            MAX_NAME_CHARS
        )));
    }
    let properties = match properties {
        Value::Null => Value::Object(Default::default()),
        Value::Object(_) => properties.clone(),
        _ => return Err(Invalid(msg!("event properties must be an object"))),
    };
    let size = serde_json::to_vec(&properties)
        .map(|v| v.len())
        .unwrap_or(usize::MAX);
    if size > MAX_PROPERTIES_BYTES {
        return Err(Invalid(msg!(
            "event properties are {0} bytes; at most {1} are accepted",
            size,
            MAX_PROPERTIES_BYTES
        )));
    }
    Ok(Event {
        name: name.to_owned(),
        properties,
        at,
    })
}

/// One line of the cart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CartItem {
    /// The shop's product code.
    #[serde(default)]
    pub sku: String,
    /// Product name.
    #[serde(default)]
    pub name: String,
    /// Unit price.
    #[serde(default)]
    pub price: f64,
    /// How many.
    #[serde(default = "one")]
    pub quantity: u32,
}

fn one() -> u32 {
    1
}

impl CartItem {
    /// Price times quantity.
    pub fn line_total(&self) -> f64 {
        self.price * f64::from(self.quantity)
    }
}

/// Checks a cart: an array of at most [`MAX_CART_ITEMS`] items `{sku, name, price, quantity}` with short
/// texts, a price of zero or more and a quantity of 1 to 10,000.
pub fn parse_cart(input: &Value) -> Result<Vec<CartItem>, Invalid> {
    let Some(items) = input.as_array() else {
        return Err(Invalid(msg!("the cart must be an array of items")));
    };
    if items.len() > MAX_CART_ITEMS {
        return Err(Invalid(msg!(
            "a cart holds at most {0} items",
            MAX_CART_ITEMS
        )));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let bad = |why: Message| Invalid(msg!("cart item {0}: {1}", i + 1, why));
            let item: CartItem =
                serde_json::from_value(item.clone()).map_err(|e| bad(msg!("{0}", e)))?;
            if item.sku.chars().count() > 100 || item.name.chars().count() > 200 {
                return Err(bad(msg!("sku or name too long")));
            }
            if !item.price.is_finite() || item.price < 0.0 {
                return Err(bad(msg!("price must be a number of zero or more")));
            }
            if !(1..=10_000).contains(&item.quantity) {
                return Err(bad(msg!("quantity must be 1 to 10000")));
            }
            Ok(CartItem {
                sku: item.sku.trim().to_owned(),
                name: item.name.trim().to_owned(),
                ..item
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_are_bounded_and_named_plainly() {
        let e = parse_event("view_item", &json!({"sku": "A1", "price": 1200}), 5).unwrap();
        assert_eq!(e.summary(), "sku: A1, price: 1200");
        assert!(parse_event("", &json!({}), 0).is_err());
        assert!(parse_event("<script>", &json!({}), 0).is_err());
        assert!(parse_event("x", &json!([1]), 0).is_err());
        let huge = json!({"blob": "x".repeat(MAX_PROPERTIES_BYTES)});
        assert!(parse_event("x", &huge, 0).is_err());
    }

    #[test]
    fn carts_are_checked_and_totalled() {
        let cart = parse_cart(&json!([{"sku": "A1", "name": "Tea", "price": 1200, "quantity": 2}, {"name": "Cup", "price": 800}])).unwrap();
        let profile = crate::customers::Profile {
            cart,
            ..Default::default()
        };
        assert_eq!(profile.cart_value(), 3200.0);
        assert!(parse_cart(&json!([{"price": -1}])).is_err());
        assert!(parse_cart(&json!([{"quantity": 0}])).is_err());
        assert!(parse_cart(&json!({"not": "an array"})).is_err());
    }
}
