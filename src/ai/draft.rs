//! "Draft a reply": what the model is given to draft an operator's reply. The conversation so far (notes
//! left out) and the shop's help passages found for the customer's last question; customer-card fields only
//! as the admin ticked them (none by default). The draft goes into the reply box, never out by itself.

use super::client::ChatMessage;
use crate::conversations::{Author, Message};

/// The most messages of the conversation the model reads (the latest ones).
pub const MAX_TURNS: usize = 20;

/// A help passage given to the model, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    /// The FAQ article's id (`None`: a question the team answered before).
    pub article: Option<u64>,
    /// Its title (or the question answered).
    pub title: String,
    /// Its text.
    pub text: String,
}

const INSTRUCTIONS: &str = "You draft replies for a shop's support team. Write the next reply to the customer, in \
the customer's language, short and polite. Take prices, dates, fees and policies only from the help passages \
below; if they do not answer the question, say that you will check and get back to the customer, and invent \
nothing. Reply with the message text only.";

/// The chat for the model: instructions with the passages, then the conversation.
pub fn prompt(
    messages: &[Message],
    passages: &[Passage],
    card: &[(String, String)],
) -> Vec<ChatMessage> {
    let mut system = INSTRUCTIONS.to_owned();
    system.push_str("\n\nHelp passages:\n");
    if passages.is_empty() {
        system.push_str("(none found)\n");
    }
    for (i, p) in passages.iter().enumerate() {
        system.push_str(&format!("[{}] {}\n{}\n\n", i + 1, p.title, p.text));
    }
    if !card.is_empty() {
        system.push_str("About the customer:\n");
        for (field, value) in card {
            system.push_str(&format!("{field}: {value}\n"));
        }
    }
    let mut chat = vec![ChatMessage {
        role: "system",
        content: system,
    }];
    let visible: Vec<&Message> = messages.iter().filter(|m| !m.note).collect();
    let start = visible.len().saturating_sub(MAX_TURNS);
    for m in &visible[start..] {
        let role = match m.author {
            Author::Visitor => "user",
            _ => "assistant",
        };
        chat.push(ChatMessage {
            role,
            content: m.body.clone(),
        });
    }
    chat
}

/// The customer's last message (what the passages are searched for).
pub fn last_question(messages: &[Message]) -> Option<&str> {
    messages
        .iter()
        .rev()
        .find(|m| m.author == Author::Visitor && !m.note)
        .map(|m| m.body.as_str())
}

/// The ticked customer-card `fields` of `profile`, as (field, value) lines for the model; empty values are
/// left out, and nothing is sent for a field the admin did not tick.
pub fn card_lines(profile: &crate::customers::Profile, fields: &[String]) -> Vec<(String, String)> {
    fields
        .iter()
        .filter_map(|field| {
            let value = match field.as_str() {
                "name" => profile.name.clone(),
                "email" => profile.email.clone(),
                "phone" => profile.phone.clone(),
                "language" => profile.language.clone(),
                "cart" => profile
                    .cart
                    .iter()
                    .map(|i| {
                        format!(
                            "{} × {}",
                            if i.name.is_empty() { &i.sku } else { &i.name },
                            i.quantity
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                other => other
                    .strip_prefix(crate::customers::card::ATTRIBUTE_PREFIX)
                    .and_then(|key| profile.attributes.get(key))
                    .map(crate::customers::attributes::display)
                    .unwrap_or_default(),
            };
            (!value.trim().is_empty()).then(|| (field.clone(), value))
        })
        .collect()
}
