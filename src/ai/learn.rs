//! Answered questions: when a conversation is resolved (and the admin opted in), each visitor question and
//! the team's reply that answered it join what the bot and drafts search. Private notes, the bot's and
//! automatic messages are left out, and so is what looks like personal data: e-mail addresses, long runs of
//! digits (phone and order numbers) and the customer's name.

use crate::conversations::{Author, Message};
use crate::retrieval::Answered;

/// The most pairs kept from one conversation.
pub const MAX_PAIRS: usize = 20;
/// The longest question or reply kept, in characters (the end of a question, where it asks).
pub const MAX_CHARS: usize = 1_000;
/// The most conversations kept (the oldest go first).
pub const MAX_CONVERSATIONS: u64 = 5_000;

/// Keeps the answered questions of a conversation just resolved, when an admin opted in; a failure costs
/// nothing but the memory.
pub async fn remember(
    store: &crate::store::Store,
    conversation: &crate::conversations::Conversation,
) {
    let result: Result<(), crate::store::Error> = async {
        if !store.ai_settings().await?.learn_from_answers {
            return Ok(());
        }
        let messages = store
            .messages_before(conversation.id, u64::MAX, 500)
            .await?;
        let name = store
            .visitor(conversation.visitor_id)
            .await?
            .map(|v| v.profile.name)
            .unwrap_or_default();
        let names: Vec<&str> = name.split_whitespace().chain([name.as_str()]).collect();
        let found = pairs(conversation.id, &messages, &names);
        store.set_answered(conversation.id, found).await
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "keeping a resolved conversation's answers failed");
    }
}

/// Masks what may identify someone: e-mail addresses, runs of seven or more digits (with hyphens), and
/// each of `names`.
pub fn scrub(text: &str, names: &[&str]) -> String {
    let mut out: Vec<String> = Vec::new();
    for word in text.split_inclusive(char::is_whitespace) {
        let trimmed = word.trim_end();
        let digits = trimmed.chars().filter(char::is_ascii_digit).count();
        let phone_like = trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || "-+() ".contains(c));
        if trimmed.contains('@') || (digits >= 7 && phone_like) {
            out.push(format!("…{}", &word[trimmed.len()..]));
        } else {
            out.push(word.to_owned());
        }
    }
    let mut text = out.concat();
    // Digits inside Japanese text have no spaces around them: mask long runs wherever they are.
    let mut masked = String::with_capacity(text.len());
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once('\u{0}')) {
        if c.is_ascii_digit() || (c == '-' && !run.is_empty()) {
            run.push(c);
            continue;
        }
        let digits = run.chars().filter(char::is_ascii_digit).count();
        masked.push_str(if digits >= 7 { "…" } else { &run });
        run.clear();
        if c != '\u{0}' {
            masked.push(c);
        }
    }
    text = masked;
    for name in names
        .iter()
        .map(|n| n.trim())
        .filter(|n| n.chars().count() >= 2)
    {
        text = text.replace(name, "…");
    }
    text
}

fn tail(text: &str) -> String {
    let n = text.chars().count();
    text.chars().skip(n.saturating_sub(MAX_CHARS)).collect()
}

/// The (question, reply) pairs of a resolved conversation: what the visitor wrote since the team's last
/// reply, and the team's next reply.
pub fn pairs(conversation: u64, messages: &[Message], names: &[&str]) -> Vec<Answered> {
    let mut out = Vec::new();
    let mut asked = String::new();
    for m in messages.iter().filter(|m| !m.note) {
        match m.author {
            Author::Visitor => {
                if !asked.is_empty() {
                    asked.push('\n');
                }
                asked.push_str(&m.body);
            }
            Author::Operator { .. } if !asked.trim().is_empty() => {
                out.push(Answered {
                    conversation,
                    question: tail(&scrub(&asked, names)),
                    reply: scrub(&m.body, names).chars().take(MAX_CHARS).collect(),
                });
                asked.clear();
            }
            _ => {}
        }
    }
    out.truncate(MAX_PAIRS);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversations::Message;

    fn message(seq: u64, author: Author, body: &str, note: bool) -> Message {
        Message::numbered(seq, author, body, note)
    }

    #[test]
    fn questions_pair_with_the_reply_that_answered_them_without_personal_data() {
        let op = || Author::Operator {
            id: 1,
            name: "Hana".into(),
        };
        let messages = [
            message(1, Author::Visitor, "山田です。駐車場はありますか？", false),
            message(2, Author::Bot, "スタッフにおつなぎします。", false),
            message(3, op(), "山田様、確認します", true),
            message(4, op(), "店の裏に3台分ございます。", false),
            message(
                5,
                Author::Visitor,
                "連絡先は taro@example.com 090-1234-5678 です",
                false,
            ),
            message(6, op(), "承知しました。注文番号12345678で承ります。", false),
            message(7, Author::Visitor, "ありがとう", false),
        ];
        let found = pairs(1, &messages, &["山田"]);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].question, "…です。駐車場はありますか？");
        assert_eq!(
            found[0].reply, "店の裏に3台分ございます。",
            "the note is left out"
        );
        assert_eq!(found[1].question, "連絡先は … … です");
        assert_eq!(found[1].reply, "承知しました。注文番号…で承ります。");
    }
}
