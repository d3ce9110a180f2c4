//! The other jobs the model does for operators: summarising a long conversation for the team (a private
//! note) and translating a message between the visitor's and the operator's languages.

use super::client::ChatMessage;
use crate::conversations::{Author, Message};
use crate::i18n::Lang;

/// The most messages a summary reads (the latest ones).
pub const SUMMARY_TURNS: usize = 200;

fn language_name(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "English",
        Lang::Ja => "Japanese",
    }
}

/// The chat asking for a summary of `messages` (notes included: the team wrote them) in `lang`.
pub fn summary_prompt(messages: &[Message], lang: Lang) -> Vec<ChatMessage> {
    let mut transcript = String::new();
    let start = messages.len().saturating_sub(SUMMARY_TURNS);
    for m in &messages[start..] {
        let who = match &m.author {
            Author::Visitor => "Customer".to_owned(),
            Author::Operator { name, .. } if m.note => format!("{name} (private note)"),
            Author::Operator { name, .. } => name.clone(),
            Author::System => "Automatic reply".to_owned(),
            Author::Bot => "FAQ bot".to_owned(),
        };
        transcript.push_str(&format!("{who}: {}\n", m.body));
    }
    vec![
        ChatMessage {
            role: "system",
            content: format!(
                "Summarise this customer support conversation for a colleague who takes it over, in {}: what \
                 the customer wants, what was answered or promised, and what is still open. At most five short \
                 lines. Use only what the conversation says.",
                language_name(lang)
            ),
        },
        ChatMessage {
            role: "user",
            content: transcript,
        },
    ]
}

/// The chat asking for `text` in `to`.
pub fn translation_prompt(text: &str, to: Lang) -> Vec<ChatMessage> {
    vec![
        ChatMessage {
            role: "system",
            content: format!(
                "Translate the user's message into {}. Keep its meaning, tone and politeness (use polite \
                 Japanese, desu/masu, toward customers). Reply with the translation only.",
                language_name(to)
            ),
        },
        ChatMessage {
            role: "user",
            content: text.to_owned(),
        },
    ]
}
