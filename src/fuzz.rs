//! Entry points shared by the fuzz targets (`fuzz/`) and the deterministic input tests: each runs untrusted
//! bytes through the checks that face the internet and asserts what their output promises.

use crate::{conversations, operators, sites, uploads, visitors};

/// Runs `data` (as text) through every input check and asserts each result's guarantees.
pub fn text_inputs(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(body) = conversations::parse_body(&text) {
        assert!(!body.is_empty() && body.chars().count() <= conversations::MAX_BODY_CHARS);
        assert!(
            !body
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t')
        );
    }
    if let Ok(label) = conversations::parse_label(&text) {
        assert!(!label.is_empty() && label.chars().count() <= conversations::MAX_LABEL_CHARS);
    }
    if let Ok(id) = conversations::parse_client_id(&text) {
        assert!(
            id.len() <= conversations::MAX_CLIENT_ID_LEN
                && id.bytes().all(|b| b.is_ascii_graphic())
        );
    }
    if let Ok(email) = operators::Email::parse(&text) {
        assert!(email.as_str().contains('@') && !email.as_str().contains(char::is_whitespace));
    }
    if let Some(origin) = sites::parse_origin(&text) {
        assert_eq!(
            sites::parse_origin(&origin).as_deref(),
            Some(origin.as_str()),
            "normalising is stable"
        );
    }
    let _ = sites::wildcard_match(&text, "/products/42");
    let _ = sites::wildcard_match("/a*b*", &text);
    let name = uploads::clean_filename(&text);
    assert!(!name.is_empty() && !name.contains(['/', '\\', '"']) && !name.starts_with('.'));
    let _ = uploads::sniff(data);
    if let Some(view) = visitors::PageView::parse(&text, &text, &text, 0) {
        assert!(
            view.url.starts_with("http") && view.url.chars().count() <= visitors::MAX_PAGE_FIELD
        );
    }
    let _ = crate::i18n::Lang::from_accept_language(&text);
}

/// Declared attributes of every type, for the customer-data checks.
fn declared() -> Vec<crate::customers::AttributeDef> {
    use crate::customers::{AttrKind, AttributeDef};
    AttrKind::ALL
        .into_iter()
        .map(|kind| AttributeDef {
            key: kind.as_str().to_owned(),
            label: kind.as_str().to_owned(),
            kind,
        })
        .collect()
}

/// Runs `data` as a CSV import and as JSON customer data (REST API bodies, widget calls) through their
/// checks, and asserts what the checked values promise.
pub fn customer_inputs(data: &[u8]) {
    use crate::customers::{attributes, events, identity, import};
    let text = String::from_utf8_lossy(data);
    let defs = declared();
    let check_traits = |traits: &crate::customers::Traits| {
        assert!(traits.attributes.len() <= attributes::MAX_ATTRIBUTES);
        for (key, value) in &traits.attributes {
            assert!(attributes::parse_key(key).is_ok(), "{key:?}");
            assert!(
                value.is_null() || value.is_string() || value.is_number() || value.is_boolean()
            );
            if let Some(def) = defs.iter().find(|d| &d.key == key)
                && !value.is_null()
            {
                assert_eq!(
                    attributes::coerce(key, value, def.kind).as_ref(),
                    Ok(value),
                    "a checked value checks again unchanged"
                );
            }
        }
    };
    if let Ok(sheet) = import::read(&text) {
        assert!(sheet.rows.len() <= import::MAX_ROWS);
        let mapping: Vec<import::Column> = sheet
            .headers
            .iter()
            .map(|h| import::Column::guess(h))
            .collect();
        if let Ok((good, bad)) = import::rows(&sheet, &mapping, &defs) {
            assert_eq!(
                good.len() + bad.len(),
                sheet.rows.len(),
                "every row accounted for"
            );
            for row in &good {
                assert!(!row.external_id.is_empty());
                check_traits(&row.traits);
            }
        }
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        if let Ok(traits) = crate::customers::parse_traits(&value, &defs) {
            check_traits(&traits);
        }
        let name = value["name"].as_str().unwrap_or("event");
        if let Ok(event) = events::parse_event(name, &value["properties"], 0) {
            assert!(event.properties.is_object());
            assert!(
                serde_json::to_vec(&event.properties).unwrap().len()
                    <= events::MAX_PROPERTIES_BYTES
            );
        }
        if let Ok(cart) = events::parse_cart(&value) {
            assert!(cart.len() <= events::MAX_CART_ITEMS);
            assert!(
                cart.iter()
                    .all(|i| i.price.is_finite() && i.price >= 0.0 && i.quantity >= 1)
            );
        }
    }
    let _ = crate::customers::parse_external_id(&text);
    let _ = identity::verify("secret", &text, &text);
    let _ = crate::customers::Device::from_user_agent(&text);
}

/// Runs `data` as segment rule text: a rule that parses prints as text that parses back to the same rule,
/// and evaluating it against a customer does not panic.
pub fn segment_rules(data: &[u8]) {
    use crate::segments;
    let text = String::from_utf8_lossy(data);
    let Ok(rule) = segments::parse(&text) else {
        return;
    };
    let printed = rule.to_string();
    assert_eq!(segments::parse(&printed).as_ref(), Ok(&rule), "{printed}");
    let customer = visitors::Visitor::new(1, 1_795_478_400_000);
    let facts = segments::LazyFacts::new(&customer, Vec::new, Vec::new);
    segments::evaluate(&rule, &facts, 1_795_478_400_000);
}
