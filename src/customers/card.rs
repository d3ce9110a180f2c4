//! The customer card beside a conversation: which fields it can show, their labels in the console's
//! languages, and the admin's chosen layout (which fields, in which order).

use serde::{Deserialize, Serialize};

use super::AttributeDef;
use crate::i18n::Lang;

/// Built-in card fields with their English and Japanese labels, in the default order.
pub const FIELDS: &[(&str, &str, &str)] = &[
    ("name", "Name", "名前"),
    ("email", "E-mail", "メール"),
    ("phone", "Phone", "電話"),
    ("external_id", "User id", "ユーザーID"),
    ("identified", "Identity", "本人確認"),
    ("line", "LINE", "LINE"),
    ("current_page", "Viewing now", "閲覧中のページ"),
    ("recent_pages", "Recent pages", "最近の閲覧ページ"),
    ("cart", "Cart", "カート"),
    ("purchases", "Recent purchases", "最近の購入"),
    ("device", "Device", "端末"),
    ("referrer", "Referrer", "参照元"),
    ("language", "Language", "言語"),
    ("time_zone", "Time zone", "タイムゾーン"),
    ("first_seen", "First seen", "初回訪問"),
    ("last_seen", "Last seen", "最終訪問"),
    ("visits", "Visits", "訪問回数"),
    ("conversations", "Conversations", "過去の会話"),
    ("segments", "Segments", "セグメント"),
    ("intent", "Intent score", "購買意欲スコア"),
    ("attributes", "Other attributes", "その他の属性"),
];

/// The prefix of a field that shows one declared attribute (`attr:plan`).
pub const ATTRIBUTE_PREFIX: &str = "attr:";

/// Which fields the card shows, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardLayout {
    /// Field keys: a built-in key or `attr:KEY`.
    pub fields: Vec<String>,
}

impl Default for CardLayout {
    fn default() -> Self {
        CardLayout {
            fields: FIELDS.iter().map(|(k, _, _)| (*k).to_owned()).collect(),
        }
    }
}

impl CardLayout {
    /// Keeps only fields that exist (built-in or declared attributes), each once.
    pub fn cleaned(fields: impl IntoIterator<Item = String>, defs: &[AttributeDef]) -> CardLayout {
        let mut out: Vec<String> = Vec::new();
        for field in fields {
            if is_field(&field, defs) && !out.contains(&field) {
                out.push(field);
            }
        }
        CardLayout { fields: out }
    }
}

/// Whether `field` is a built-in field or a declared attribute's.
pub fn is_field(field: &str, defs: &[AttributeDef]) -> bool {
    match field.strip_prefix(ATTRIBUTE_PREFIX) {
        Some(key) => defs.iter().any(|d| d.key == key),
        None => FIELDS.iter().any(|(k, _, _)| *k == field),
    }
}

/// Every field the admin can place: the built-ins, then one per declared attribute.
pub fn all_fields(defs: &[AttributeDef]) -> Vec<String> {
    FIELDS
        .iter()
        .map(|(k, _, _)| (*k).to_owned())
        .chain(defs.iter().map(|d| format!("{ATTRIBUTE_PREFIX}{}", d.key)))
        .collect()
}

/// A field's label in `lang`: the built-in label, or the declared attribute's own label.
pub fn label(field: &str, lang: Lang, defs: &[AttributeDef]) -> String {
    if let Some(key) = field.strip_prefix(ATTRIBUTE_PREFIX) {
        return defs
            .iter()
            .find(|d| d.key == key)
            .map(|d| d.label.clone())
            .unwrap_or_else(|| key.to_owned());
    }
    FIELDS
        .iter()
        .find(|(k, _, _)| *k == field)
        .map(|(_, en, ja)| match lang {
            Lang::En => (*en).to_owned(),
            Lang::Ja => (*ja).to_owned(),
        })
        .unwrap_or_else(|| field.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customers::AttrKind;

    #[test]
    fn a_layout_keeps_known_fields_once_in_the_given_order() {
        let defs = [AttributeDef {
            key: "plan".into(),
            label: "プラン".into(),
            kind: AttrKind::Text,
        }];
        let layout = CardLayout::cleaned(
            ["attr:plan", "name", "bogus", "name", "attr:other", "cart"].map(String::from),
            &defs,
        );
        assert_eq!(layout.fields, ["attr:plan", "name", "cart"]);
        assert_eq!(label("attr:plan", Lang::En, &defs), "プラン");
        assert_eq!(label("cart", Lang::Ja, &defs), "カート");
        assert_eq!(all_fields(&defs).last().unwrap(), "attr:plan");
    }
}
