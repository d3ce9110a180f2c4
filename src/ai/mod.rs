//! AI answers on a model the shop chooses: the connection to an OpenAI-compatible endpoint (Ollama or
//! llama.cpp's `llama-server` beside Sodan, or a hosted provider). No model runs inside Sodan; it calls the
//! configured endpoint with bounded requests. Off until an admin switches it on in Settings → AI.

pub mod answer;
pub mod client;
pub mod draft;
pub mod hybrid;
pub mod learn;
pub mod stats;
pub mod tasks;

use serde::{Deserialize, Serialize};

use crate::i18n::messages::Message;
use crate::msg;

/// The longest time one request may take, in seconds.
pub const MAX_TIMEOUT_SECS: u32 = 120;
/// The most tokens an answer may have.
pub const MAX_TOKENS: u32 = 4_096;

/// When the bot answers with the model.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Operators see the model's proposal and send it themselves.
    #[default]
    Suggest,
    /// The bot answers visitors outside business hours.
    OutOfHours,
    /// The bot answers visitors at any time.
    Always,
}

impl Mode {
    /// Parses the form's value.
    pub fn parse(value: &str) -> Option<Mode> {
        match value {
            "suggest" => Some(Mode::Suggest),
            "out_of_hours" => Some(Mode::OutOfHours),
            "always" => Some(Mode::Always),
            _ => None,
        }
    }

    /// The form's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Suggest => "suggest",
            Mode::OutOfHours => "out_of_hours",
            Mode::Always => "always",
        }
    }
}

/// The model connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AiSettings {
    /// Whether Sodan calls the model at all.
    pub enabled: bool,
    /// The endpoint's base URL, up to and including `/v1` (`http://127.0.0.1:11434/v1`).
    pub base_url: String,
    /// The chat model's name.
    pub chat_model: String,
    /// The embeddings model's name (empty: lexical ranking only).
    pub embed_model: String,
    /// Sent as `Authorization: Bearer …` when set; kept, never shown again.
    pub api_key: String,
    /// When the bot answers.
    pub mode: Mode,
    /// The customer-card fields that may go to the model with a question (none by default).
    pub card_fields: Vec<String>,
    /// Whether questions the team answered in resolved conversations join what the AI searches
    /// (opt-in; notes and personal data left out).
    pub learn_from_answers: bool,
    /// How long one request may take.
    pub timeout_secs: u32,
    /// The most tokens one answer may have.
    pub max_tokens: u32,
}

impl Default for AiSettings {
    fn default() -> Self {
        AiSettings {
            enabled: false,
            base_url: PRESETS[0].1.to_owned(),
            chat_model: String::new(),
            embed_model: String::new(),
            api_key: String::new(),
            mode: Mode::Suggest,
            card_fields: Vec::new(),
            learn_from_answers: false,
            timeout_secs: 20,
            max_tokens: 512,
        }
    }
}

/// The customer-card fields an admin may let go to the model with a question (besides declared
/// attributes, `attr:KEY`).
pub const SHAREABLE_FIELDS: [&str; 5] = ["name", "email", "phone", "language", "cart"];

/// Whether `field` may be ticked for the model.
pub fn shareable(field: &str) -> bool {
    SHAREABLE_FIELDS.contains(&field)
        || field
            .strip_prefix(crate::customers::card::ATTRIBUTE_PREFIX)
            .is_some_and(|k| crate::customers::attributes::parse_key(k).is_ok())
}

/// Endpoints an admin picks from: (name, base URL).
pub const PRESETS: [(&str, &str); 3] = [
    ("Ollama", "http://127.0.0.1:11434/v1"),
    ("llama.cpp llama-server", "http://127.0.0.1:8081/v1"),
    ("OpenAI", "https://api.openai.com/v1"),
];

impl AiSettings {
    /// Checks the fields; the message names the one to fix.
    pub fn check(&self) -> Result<(), Message> {
        let url = self.base_url.trim();
        let web = url.starts_with("https://") || url.starts_with("http://");
        if !web || url.len() > 300 || url.contains(char::is_whitespace) {
            return Err(msg!(
                "endpoint: an http:// or https:// address such as http://127.0.0.1:11434/v1"
            ));
        }
        let name_ok = |n: &str| n.len() <= 200 && !n.contains(char::is_control);
        if self.enabled && self.chat_model.trim().is_empty() {
            return Err(msg!(
                "chat model: the name of the model that answers (such as qwen2.5:7b)"
            ));
        }
        if !name_ok(&self.chat_model) || !name_ok(&self.embed_model) || self.api_key.len() > 500 {
            return Err(msg!(
                "model names are at most 200 characters, the API key 500"
            ));
        }
        if !(1..=MAX_TIMEOUT_SECS).contains(&self.timeout_secs) {
            return Err(msg!("time-out: 1 to {0} seconds", MAX_TIMEOUT_SECS));
        }
        if !(16..=MAX_TOKENS).contains(&self.max_tokens) {
            return Err(msg!("maximum tokens: 16 to {0}", MAX_TOKENS));
        }
        Ok(())
    }

    /// Whether the saved API key may be kept for `self`: only for the endpoint it was saved for.
    pub fn may_keep_key_of(&self, saved: &AiSettings) -> bool {
        self.base_url.trim_end_matches('/') == saved.base_url.trim_end_matches('/')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_field_by_field() {
        let ok = AiSettings {
            enabled: true,
            chat_model: "qwen2.5:7b".into(),
            ..AiSettings::default()
        };
        assert!(ok.check().is_ok());
        assert!(!AiSettings::default().enabled, "off by default");
        assert_eq!(AiSettings::default().mode, Mode::Suggest);
        let bad = |s: AiSettings| s.check().unwrap_err().english();
        assert!(
            bad(AiSettings {
                base_url: "ftp://x".into(),
                ..ok.clone()
            })
            .starts_with("endpoint")
        );
        assert!(
            bad(AiSettings {
                chat_model: " ".into(),
                ..ok.clone()
            })
            .starts_with("chat model")
        );
        assert!(
            bad(AiSettings {
                timeout_secs: 0,
                ..ok.clone()
            })
            .starts_with("time-out")
        );
        assert!(
            bad(AiSettings {
                max_tokens: 1,
                ..ok.clone()
            })
            .starts_with("maximum tokens")
        );
        let moved = AiSettings {
            base_url: "https://api.openai.com/v1".into(),
            ..ok.clone()
        };
        assert!(!moved.may_keep_key_of(&ok));
        assert!(ok.may_keep_key_of(&AiSettings {
            base_url: format!("{}/", ok.base_url),
            ..ok.clone()
        }));
    }
}
