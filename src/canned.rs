//! Canned replies: the team's shared answers (and operators' personal ones), with variables filled in
//! from the customer, the operator and the conversation.
//!
//! A body may use `{{customer.name}}`, `{{customer.email}}`, `{{customer.phone}}`, `{{customer.KEY}}` (an
//! attribute), `{{operator.name}}` and `{{conversation.id}}`, each with an optional fallback:
//! `{{customer.name | "お客様"}}`. Unknown variables (a misspelt `customer.nmae` included: an attribute must
//! be declared or already stored on some customer) and a shortcut another reply uses are refused when a
//! reply is saved. A variable the customer has no value for and that has no fallback makes the reply
//! unusable for that conversation ([`fill`] names it), so a customer never receives "様、…". Filling gives
//! plain text: it is inserted into the reply box and sent as a message, which every client shows as text.

use serde::{Deserialize, Serialize};

use crate::customers::Invalid;
use crate::i18n::messages::Message;
use crate::msg;
use crate::segments::SegmentId;

/// A canned reply's id.
pub type CannedId = u64;

/// The longest title.
pub const MAX_TITLE_CHARS: usize = 100;
/// The longest shortcut.
pub const MAX_SHORTCUT_CHARS: usize = 30;
/// The longest body.
pub const MAX_BODY_CHARS: usize = 5_000;
/// The most tags on one reply.
pub const MAX_TAGS: usize = 10;
/// The most replies kept.
pub const MAX_REPLIES: usize = 1_000;

/// A saved reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CannedReply {
    /// Id.
    pub id: CannedId,
    /// Title, shown in the picker.
    pub title: String,
    /// What to type after `/` to find it (`shipping`); may be empty.
    #[serde(default)]
    pub shortcut: String,
    /// The text, with variables.
    pub body: String,
    /// Tags (the "folders" of the library).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Listed first for customers in these segments.
    #[serde(default)]
    pub segments: Vec<SegmentId>,
    /// The operator it belongs to, for a personal reply; `None`: shared with the team.
    #[serde(default)]
    pub owner: Option<u64>,
    /// Times it was inserted into a reply.
    #[serde(default)]
    pub uses: u64,
    /// When it was created (Unix ms).
    pub created_at: u64,
}

/// A variable in a reply's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Variable {
    /// `customer.name`.
    CustomerName,
    /// `customer.email`.
    CustomerEmail,
    /// `customer.phone`.
    CustomerPhone,
    /// `customer.KEY`: an attribute.
    CustomerAttribute(String),
    /// `operator.name`.
    OperatorName,
    /// `conversation.id`.
    ConversationId,
}

impl Variable {
    /// How the variable is written (`customer.name`), to say which one has no value.
    pub fn path(&self) -> String {
        match self {
            Variable::CustomerName => "customer.name".into(),
            Variable::CustomerEmail => "customer.email".into(),
            Variable::CustomerPhone => "customer.phone".into(),
            Variable::CustomerAttribute(key) => format!("customer.{key}"),
            Variable::OperatorName => "operator.name".into(),
            Variable::ConversationId => "conversation.id".into(),
        }
    }

    fn parse(path: &str) -> Option<Variable> {
        let path = path.trim();
        Some(match path {
            "customer.name" => Variable::CustomerName,
            "customer.email" => Variable::CustomerEmail,
            "customer.phone" => Variable::CustomerPhone,
            "operator.name" => Variable::OperatorName,
            "conversation.id" => Variable::ConversationId,
            _ => {
                let key = path.strip_prefix("customer.")?;
                let ok = !key.is_empty()
                    && key.len() <= crate::customers::attributes::MAX_KEY_CHARS
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if !ok {
                    return None;
                }
                Variable::CustomerAttribute(key.to_owned())
            }
        })
    }
}

/// A piece of a parsed body.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Var(Variable, Option<String>),
}

/// Parses a body into text and variables; the error names the first problem.
fn parse(body: &str) -> Result<Vec<Piece>, Message> {
    let mut pieces = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find("{{") {
        if open > 0 {
            pieces.push(Piece::Text(rest[..open].to_owned()));
        }
        let after = &rest[open + 2..];
        let close = after
            .find("}}")
            .ok_or_else(|| msg!("a variable is not closed with }}"))?;
        let inner = &after[..close];
        let (path, fallback) = match inner.split_once('|') {
            Some((path, fallback)) => {
                let f = fallback.trim();
                let quoted = f.len() >= 2 && f.starts_with('"') && f.ends_with('"');
                if !quoted {
                    return Err(msg!(
                        "{{{0}}}: write the fallback in double quotes, such as | \"お客様\"",
                        inner
                    ));
                }
                (path, Some(f[1..f.len() - 1].to_owned()))
            }
            None => (inner, None),
        };
        let variable = Variable::parse(path).ok_or_else(|| unknown(path))?;
        pieces.push(Piece::Var(variable, fallback));
        rest = &after[close + 2..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest.to_owned()));
    }
    Ok(pieces)
}

fn unknown(path: &str) -> Message {
    msg!(
        "unknown variable {{{0}}}: use customer.name, customer.email, customer.phone, customer.ATTRIBUTE (an attribute declared in Settings → Customers or stored on a customer), operator.name or conversation.id",
        path.trim()
    )
}

/// Checks a body's variables when a reply is saved: each must parse, and an attribute must be one
/// `known_attribute` accepts (declared, or stored on some customer), so `customer.nmae` is refused.
pub fn check_body(body: &str, known_attribute: &dyn Fn(&str) -> bool) -> Result<(), Message> {
    for piece in parse(body)? {
        if let Piece::Var(Variable::CustomerAttribute(key), _) = piece
            && !known_attribute(&key)
        {
            return Err(unknown(&format!("customer.{key}")));
        }
    }
    Ok(())
}

/// Fills a body's variables with `value` (empty counts as missing; then the fallback). A variable with
/// neither names itself in the error (`customer.name`), as does a body that no longer parses: such a reply
/// is not offered for this conversation rather than sent with a hole.
pub fn fill(
    body: &str,
    value: &dyn Fn(&Variable) -> Option<String>,
) -> Result<String, Vec<String>> {
    let pieces = parse(body).map_err(|e| vec![e.english()])?;
    let mut out = String::with_capacity(body.len());
    let mut missing = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Text(text) => out.push_str(&text),
            Piece::Var(variable, fallback) => {
                match (value(&variable).filter(|v| !v.trim().is_empty()), fallback) {
                    (Some(v), _) => out.push_str(&v),
                    (None, Some(f)) => out.push_str(&f),
                    (None, None) => missing.push(variable.path()),
                }
            }
        }
    }
    if missing.is_empty() {
        Ok(out)
    } else {
        Err(missing)
    }
}

/// Whether another reply visible to the same operators already uses `reply`'s shortcut: shared replies
/// and the owner's personal ones share one namespace, so `/ship` always means one reply.
pub fn shortcut_taken(reply: &CannedReply, id: Option<CannedId>, others: &[CannedReply]) -> bool {
    !reply.shortcut.is_empty()
        && others.iter().any(|o| {
            Some(o.id) != id
                && o.shortcut == reply.shortcut
                && (o.owner.is_none() || reply.owner.is_none() || o.owner == reply.owner)
        })
}

/// A canned reply as its form submits it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Draft {
    /// Title.
    #[serde(default)]
    pub title: String,
    /// Shortcut.
    #[serde(default)]
    pub shortcut: String,
    /// Body.
    #[serde(default)]
    pub body: String,
    /// Tags, comma-separated.
    #[serde(default)]
    pub tags: String,
    /// Present for a personal reply.
    #[serde(default)]
    pub personal: Option<String>,
}

impl Draft {
    /// The form showing `r`.
    pub fn of(r: &CannedReply) -> Draft {
        Draft {
            title: r.title.clone(),
            shortcut: r.shortcut.clone(),
            body: r.body.clone(),
            tags: r.tags.join(", "),
            personal: r.owner.map(|_| "on".into()),
        }
    }

    /// Checks the fields (segments and the attributes that exist are the caller's); id, owner and times
    /// are the store's.
    pub fn check(
        &self,
        segments: Vec<SegmentId>,
        known_attribute: &dyn Fn(&str) -> bool,
    ) -> Result<CannedReply, Invalid> {
        let title = self.title.trim();
        if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
            return Err(Invalid(msg!("title: 1 to {0} characters", MAX_TITLE_CHARS)));
        }
        let shortcut = self.shortcut.trim().trim_start_matches('/').to_lowercase();
        let shortcut_ok = shortcut.chars().count() <= MAX_SHORTCUT_CHARS
            && shortcut
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
        if !shortcut_ok {
            return Err(Invalid(msg!(
                "shortcut: letters, digits, - and _ only, at most {0}",
                MAX_SHORTCUT_CHARS
            )));
        }
        let body = self.body.trim();
        if body.is_empty() || body.chars().count() > MAX_BODY_CHARS {
            return Err(Invalid(msg!("text: 1 to {0} characters", MAX_BODY_CHARS)));
        }
        check_body(body, known_attribute).map_err(|e| Invalid(msg!("text: {0}", e)))?;
        let mut tags: Vec<String> = self
            .tags
            .split([',', '、'])
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect();
        let mut seen = std::collections::HashSet::new();
        tags.retain(|t| seen.insert(t.to_lowercase()));
        if tags.len() > MAX_TAGS || tags.iter().any(|t| t.chars().count() > 40) {
            return Err(Invalid(msg!(
                "tags: at most {0}, each up to 40 characters",
                MAX_TAGS
            )));
        }
        Ok(CannedReply {
            id: 0,
            title: title.to_owned(),
            shortcut,
            body: body.to_owned(),
            tags,
            segments,
            owner: None,
            uses: 0,
            created_at: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(v: &Variable) -> Option<String> {
        match v {
            Variable::CustomerName => Some("<script>alert(1)</script>".into()),
            Variable::CustomerEmail => Some(String::new()),
            Variable::CustomerAttribute(k) if k == "plan" => Some("gold".into()),
            Variable::OperatorName => Some("Hana".into()),
            Variable::ConversationId => Some("42".into()),
            _ => None,
        }
    }

    #[test]
    fn variables_are_filled_and_missing_ones_fall_back() {
        let body = "{{ customer.name }}様、{{operator.name}}です。#{{conversation.id}} ({{customer.plan}})";
        assert_eq!(
            fill(body, &values).unwrap(),
            "<script>alert(1)</script>様、Hanaです。#42 (gold)"
        );
        let fallback = "{{customer.phone | \"お客様\"}}へ / {{customer.email|\"no e-mail\"}}!";
        assert_eq!(fill(fallback, &values).unwrap(), "お客様へ / no e-mail!");
        assert_eq!(fill("no variables", &values).unwrap(), "no variables");
        assert_eq!(fill("{{customer.name | \"\"}}", &|_| None).unwrap(), "");
    }

    #[test]
    fn a_variable_without_value_or_fallback_makes_the_reply_unusable() {
        // The customer must never receive "様、送料は…" with the name left out.
        let body = "{{customer.phone}}様、送料は{{customer.rank}}円 {{customer.email}}";
        assert_eq!(
            fill(body, &values).unwrap_err(),
            ["customer.phone", "customer.rank", "customer.email"]
        );
        assert!(fill("Hi {{nope}}", &values).unwrap_err()[0].contains("unknown variable"));
    }

    #[test]
    fn a_name_with_markup_stays_text() {
        // Rendering never interprets what a customer typed: the output is the same characters, and every
        // client shows messages as text (the widget with textContent, the console auto-escaped).
        let out = fill("Hi {{customer.name}}", &values).unwrap();
        assert_eq!(out, "Hi <script>alert(1)</script>");
        assert!(!out.contains("&lt;"), "not escaped twice either: {out}");
    }

    #[test]
    fn unknown_or_broken_variables_are_flagged_when_saved() {
        for (body, expected) in [
            ("Hi {{custmer.name}}", "unknown variable {{custmer.name}}"),
            ("Hi {{name}}", "unknown variable {{name}}"),
            ("Hi {{customer.na me}}", "unknown variable"),
            ("Hi {{customer.name", "not closed"),
            ("Hi {{customer.name | お客様}}", "double quotes"),
        ] {
            let e = check_body(body, &|_| true).unwrap_err().english();
            assert!(e.contains(expected), "{body}: {e}");
        }
        let known = |key: &str| key == "member_rank";
        assert!(
            check_body(
                "{{ customer.member_rank | \"一般\" }} {{conversation.id}}",
                &known
            )
            .is_ok()
        );
        // A misspelt attribute parses, but no customer has it and nobody declared it.
        let e = check_body("{{customer.nmae}} 様", &known).unwrap_err();
        assert!(
            e.english()
                .starts_with("unknown variable {{customer.nmae}}"),
            "{e}"
        );
        assert!(
            e.text(crate::i18n::Lang::Ja).contains("不明な変数"),
            "{e:?}"
        );
    }

    #[test]
    fn a_shortcut_names_one_reply_for_everyone_who_sees_it() {
        let reply = |id, shortcut: &str, owner| CannedReply {
            id,
            title: "t".into(),
            shortcut: shortcut.into(),
            body: "b".into(),
            tags: vec![],
            segments: vec![],
            owner,
            uses: 0,
            created_at: 0,
        };
        let others = [reply(1, "ship", None), reply(2, "mine", Some(7))];
        assert!(shortcut_taken(&reply(0, "ship", None), None, &others));
        assert!(shortcut_taken(&reply(0, "ship", Some(8)), None, &others));
        assert!(shortcut_taken(&reply(0, "mine", Some(7)), None, &others));
        assert!(shortcut_taken(&reply(0, "mine", None), None, &others));
        // Another operator's personal shortcut is theirs alone; saving a reply again keeps its own.
        assert!(!shortcut_taken(&reply(0, "mine", Some(8)), None, &others));
        assert!(!shortcut_taken(&reply(1, "ship", None), Some(1), &others));
        assert!(!shortcut_taken(
            &reply(0, "", None),
            None,
            &[reply(1, "", None)]
        ));
    }

    #[test]
    fn drafts_are_checked() {
        let d = Draft {
            title: "Shipping".into(),
            shortcut: "/Ship".into(),
            body: "We ship in {{customer.days | \"2\"}} days.".into(),
            tags: "delivery, 配送, delivery".into(),
            personal: None,
        };
        let r = d.check(vec![3], &|k| k == "days").unwrap();
        assert_eq!(
            (r.shortcut.as_str(), r.segments.as_slice()),
            ("ship", &[3][..])
        );
        assert_eq!(r.tags, ["delivery", "配送"]);
        assert_eq!(Draft::of(&r).check(vec![3], &|_| true).unwrap(), r);
        let bad = Draft {
            body: "Hi {{x}}".into(),
            ..d.clone()
        };
        assert!(
            bad.check(vec![], &|_| true)
                .unwrap_err()
                .to_string()
                .starts_with("text: unknown variable")
        );
        let bad = Draft {
            shortcut: "two words".into(),
            ..d
        };
        let e = bad.check(vec![], &|_| true).unwrap_err();
        assert!(e.to_string().starts_with("shortcut"), "{e}");
    }
}
