//! The bot's answers with the model: what it is told (answer from the retrieved passages only, in the
//! visitor's language, and say [`NO_ANSWER`] rather than guess), and how its reply becomes the message a
//! visitor reads, with the articles it drew on.

use super::client::ChatMessage;
use crate::retrieval::Hit;

/// What the model answers when the passages do not answer the question; the bot then offers a person.
pub const NO_ANSWER: &str = "NO_ANSWER";

const INSTRUCTIONS: &str = "You answer customers in the chat on a shop's website. Answer the customer's question \
briefly and politely, using only the help passages below. Prices, fees, dates, times and policies must come from \
the passages word for word; never guess or add any. If the passages do not answer the question, reply with \
NO_ANSWER and nothing else. Reply with the answer text only.";

/// The chat for the model: instructions, the passages (numbered), and the visitor's question.
pub fn prompt(
    question: &str,
    passages: &[Hit],
    japanese: bool,
    card: &[(String, String)],
) -> Vec<ChatMessage> {
    let mut system = INSTRUCTIONS.to_owned();
    system.push_str(if japanese {
        " Answer in Japanese."
    } else {
        " Answer in English."
    });
    system.push_str("\n\nHelp passages:\n");
    for (i, p) in passages.iter().enumerate() {
        system.push_str(&format!("[{}] {}\n{}\n\n", i + 1, p.title, p.text));
    }
    if !card.is_empty() {
        system.push_str("About the customer:\n");
        for (field, value) in card {
            system.push_str(&format!("{field}: {value}\n"));
        }
    }
    vec![
        ChatMessage {
            role: "system",
            content: system,
        },
        ChatMessage {
            role: "user",
            content: question.to_owned(),
        },
    ]
}

/// Whether the model said it does not know (or said nothing).
pub fn is_no_answer(text: &str) -> bool {
    let t = text.trim();
    t.is_empty() || t.contains(NO_ANSWER)
}

/// The message the visitor keeps: the answer, then the titles of the articles it drew on.
pub fn with_sources(answer: &str, titles: &[&str], japanese: bool) -> String {
    if titles.is_empty() {
        return answer.trim().to_owned();
    }
    let label = if japanese { "参考" } else { "Sources" };
    format!("{}\n\n{label}: {}", answer.trim(), titles.join(" / "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retrieval::Source;

    fn hit(title: &str, text: &str) -> Hit {
        Hit {
            source: Source::Article(1),
            title: title.into(),
            text: text.into(),
            score: 10.0,
            coverage: 1.0,
        }
    }

    #[test]
    fn the_prompt_carries_the_passages_and_the_rule_against_guessing() {
        let chat = prompt(
            "送料は？",
            &[hit("送料について", "全国一律550円")],
            true,
            &[],
        );
        assert_eq!(chat.len(), 2);
        assert!(chat[0].content.contains("全国一律550円"));
        assert!(chat[0].content.contains(NO_ANSWER));
        assert!(chat[0].content.contains("Answer in Japanese"));
        assert!(!chat[0].content.contains("About the customer"));
        assert_eq!(chat[1].content, "送料は？");
    }

    #[test]
    fn answers_keep_their_sources_and_no_answer_is_recognised() {
        assert!(is_no_answer(" NO_ANSWER "));
        assert!(is_no_answer(""));
        assert!(!is_no_answer("550円です。"));
        assert_eq!(
            with_sources("550円です。", &["送料について"], true),
            "550円です。\n\n参考: 送料について"
        );
    }
}
