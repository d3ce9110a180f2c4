//! E-mail: the SMTP settings, the stored mail queue's records and retry schedule, and the mails Sodan
//! writes (a digest of replies for a visitor who left, with a signed link to the conversation and an
//! unsubscribe link). Sending is `transport` (lettre); the queue lives in the store.

pub mod alerts;
pub mod compose;
pub mod imap;
pub mod inbound;
pub mod intake;
pub(crate) mod queueing;
pub mod reader;
pub mod received;
pub mod reply_address;
pub mod transport;

use serde::{Deserialize, Serialize};

use crate::customers::identity;

/// A queued mail's id.
pub type MailId = u64;

/// Attempts before a mail that keeps failing for a passing reason is given up.
pub const MAX_ATTEMPTS: u32 = 8;
/// The default wait after an operator's reply before it is e-mailed (a quick back-and-forth sends none).
pub const DEFAULT_GRACE_SECS: u32 = 120;

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Security {
    /// STARTTLS on the submission port (587), required.
    #[default]
    StartTls,
    /// TLS from the start (465).
    Tls,
    /// No encryption (a relay on the same machine or network only).
    None,
}

impl Security {
    /// The form value.
    pub fn as_str(self) -> &'static str {
        match self {
            Security::StartTls => "starttls",
            Security::Tls => "tls",
            Security::None => "none",
        }
    }

    /// Parses a form value.
    pub fn parse(s: &str) -> Option<Security> {
        [Security::StartTls, Security::Tls, Security::None]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// Where and how mail is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SmtpSettings {
    /// Server host name.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Encryption.
    pub security: Security,
    /// User name (empty: no authentication).
    pub username: String,
    /// Password (kept; never shown again).
    pub password: String,
    /// The sender, `Shop <support@shop.example>`.
    pub from: String,
    /// Seconds to wait after an operator's reply before e-mailing it.
    pub grace_secs: u32,
}

impl Default for SmtpSettings {
    fn default() -> Self {
        SmtpSettings {
            host: String::new(),
            port: 587,
            security: Security::StartTls,
            username: String::new(),
            password: String::new(),
            from: String::new(),
            grace_secs: DEFAULT_GRACE_SECS,
        }
    }
}

impl SmtpSettings {
    /// Whether mail can be sent at all.
    pub fn configured(&self) -> bool {
        !self.host.is_empty() && !self.from.is_empty()
    }

    /// Whether a form that leaves the password empty may keep `saved`'s: only for the same server and
    /// account, so nobody can send the stored password to a server of their choosing.
    pub fn may_keep_password_of(&self, saved: &SmtpSettings) -> bool {
        self.host.eq_ignore_ascii_case(&saved.host)
            && self.port == saved.port
            && self.security == saved.security
            && self.username == saved.username
    }

    /// Checks the fields; the message names the one to fix.
    pub fn check(&self) -> Result<(), crate::i18n::messages::Message> {
        let host_ok = !self.host.is_empty()
            && self.host.len() <= 253
            && self
                .host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == ':');
        if !host_ok {
            return Err(crate::msg!("host: a host name such as smtp.example.com"));
        }
        if self.port == 0 {
            return Err(crate::msg!("port: 1 to 65535"));
        }
        if self.from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(crate::msg!(
                "from: an address such as Shop <support@shop.example>"
            ));
        }
        if self.grace_secs > 86_400 {
            return Err(crate::msg!("wait: at most 86400 seconds"));
        }
        Ok(())
    }
}

/// Why a mail is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Purpose {
    /// Replies a visitor has not seen, up to a message.
    Digest {
        /// The conversation.
        conversation: u64,
        /// The last reply in it.
        up_to_seq: u64,
    },
    /// A new conversation while nobody was online, to an operator.
    NewConversation {
        /// The conversation.
        conversation: u64,
    },
    /// The console's "send test e-mail".
    Test,
    /// An operator's reply on the e-mail channel, in the customer's thread.
    Reply {
        /// The conversation.
        conversation: u64,
        /// The reply.
        seq: u64,
        /// The customer's mail it answers (`In-Reply-To`), without angle brackets.
        in_reply_to: String,
        /// The thread's earlier Message-IDs (`References`), without angle brackets.
        references: Vec<String>,
    },
}

impl Purpose {
    /// The conversation the mail is about, if any.
    pub fn conversation(&self) -> Option<u64> {
        match self {
            Purpose::Digest { conversation, .. }
            | Purpose::NewConversation { conversation }
            | Purpose::Reply { conversation, .. } => Some(*conversation),
            Purpose::Test => None,
        }
    }
}

/// Where a queued mail stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for its next attempt.
    Queued,
    /// Handed to the SMTP server right now (a mail found in this state after a crash may or may not have
    /// gone out: it is not sent again, and the console shows it).
    Sending,
    /// Accepted by the SMTP server.
    Sent,
    /// Refused for good (or failed too often).
    Failed,
    /// The server stopped while sending it: delivery unknown, not retried so it never arrives twice.
    Unknown,
}

/// A mail in the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outgoing {
    /// Id.
    pub id: MailId,
    /// Recipient address.
    pub to: String,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// The same in HTML, sent beside the text as multipart/alternative (empty in mails queued before HTML
    /// parts existed: those go out as text only).
    #[serde(default)]
    pub html: String,
    /// The one-click unsubscribe address (RFC 8058) for mails a customer can stop; empty otherwise.
    #[serde(default)]
    pub unsubscribe: String,
    /// Where answers go (a signed address that leads back to the conversation); the sender when empty.
    #[serde(default)]
    pub reply_to: String,
    /// A file sent along (an operator's attachment in an e-mail conversation), read when the mail is sent.
    #[serde(default)]
    pub attachment: Option<crate::conversations::Attachment>,
    /// Why.
    pub purpose: Purpose,
    /// Where it stands.
    pub status: Status,
    /// Attempts so far.
    pub attempts: u32,
    /// When the next attempt is due (Unix ms).
    pub next_at: u64,
    /// The SMTP server's last answer when it failed.
    pub last_error: String,
    /// When it was queued (Unix ms).
    pub created_at: u64,
}

impl Outgoing {
    /// A mail sent at once rather than through the queue (the console's test mail).
    pub fn direct(to: String, composed: compose::Composed) -> Outgoing {
        let now = crate::clock::now_millis();
        Outgoing {
            id: 0,
            to,
            subject: composed.subject,
            body: composed.text,
            html: composed.html,
            unsubscribe: String::new(),
            reply_to: String::new(),
            attachment: None,
            purpose: Purpose::Test,
            status: Status::Sending,
            attempts: 1,
            next_at: now,
            last_error: String::new(),
            created_at: now,
        }
    }
}

/// The wait before attempt `attempts + 1` after a passing failure: `first_ms`, four times that, sixteen
/// times... up to 6 h.
pub fn backoff_ms(attempts: u32, first_ms: u64) -> u64 {
    first_ms
        .saturating_mul(4u64.saturating_pow(attempts.saturating_sub(1)))
        .min(6 * 3_600_000)
}

/// How long a conversation link in a mail works (each new mail carries a fresh one).
pub const LINK_LIFETIME_SECS: u64 = 30 * 86_400;

/// The signed token of a conversation link that works until `expires_at` (Unix seconds).
pub fn conversation_token(secret: &str, conversation: u64, expires_at: u64) -> String {
    format!(
        "{conversation}.{expires_at}.{}",
        identity::user_hash(secret, &format!("conversation:{conversation}:{expires_at}"))
    )
}

/// The conversation a link token opens at `now` (Unix seconds): its signature is right and it has not
/// expired.
pub fn open_conversation_token(secret: &str, token: &str, now: u64) -> Option<u64> {
    let mut parts = token.splitn(3, '.');
    let conversation: u64 = parts.next()?.parse().ok()?;
    let expires_at: u64 = parts.next()?.parse().ok()?;
    let hash = parts.next()?;
    let signed = identity::verify(
        secret,
        &format!("conversation:{conversation}:{expires_at}"),
        hash,
    );
    (signed && now < expires_at).then_some(conversation)
}

/// The signed unsubscribe token of a customer.
pub fn unsubscribe_token(secret: &str, visitor: u64) -> String {
    format!(
        "{visitor}.{}",
        identity::user_hash(secret, &format!("unsubscribe:{visitor}"))
    )
}

/// The customer an unsubscribe token names, if its signature is right.
pub fn open_unsubscribe_token(secret: &str, token: &str) -> Option<u64> {
    let (id, hash) = token.split_once('.')?;
    let visitor: u64 = id.parse().ok()?;
    identity::verify(secret, &format!("unsubscribe:{visitor}"), hash).then_some(visitor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_up_to_six_hours() {
        assert_eq!(backoff_ms(1, 30_000), 30_000);
        assert_eq!(backoff_ms(2, 30_000), 120_000);
        assert_eq!(backoff_ms(3, 30_000), 480_000);
        assert_eq!(backoff_ms(20, 30_000), 6 * 3_600_000);
    }

    #[test]
    fn links_are_signed() {
        let t = conversation_token("secret", 42, 2_000);
        assert_eq!(open_conversation_token("secret", &t, 1_000), Some(42));
        assert_eq!(
            open_conversation_token("secret", &t, 2_000),
            None,
            "expired"
        );
        assert_eq!(open_conversation_token("other", &t, 1_000), None);
        let forged = t.replacen("42.", "43.", 1);
        assert_eq!(open_conversation_token("secret", &forged, 1_000), None);
        let extended = t.replacen(".2000.", ".9000.", 1);
        assert_eq!(
            open_conversation_token("secret", &extended, 1_000),
            None,
            "the expiry is signed"
        );
        assert_eq!(open_conversation_token("secret", "nonsense", 1_000), None);
        let u = unsubscribe_token("secret", 7);
        assert_eq!(open_unsubscribe_token("secret", &u), Some(7));
        assert_eq!(
            open_conversation_token("secret", &u, 1_000),
            None,
            "one kind of link is not the other"
        );
    }

    #[test]
    fn settings_are_checked() {
        let good = SmtpSettings {
            host: "smtp.example.com".into(),
            from: "Shop <support@shop.example>".into(),
            ..SmtpSettings::default()
        };
        assert!(good.check().is_ok() && good.configured());
        let bad_from = SmtpSettings {
            from: "not an address".into(),
            ..good.clone()
        };
        assert!(bad_from.check().unwrap_err().english().starts_with("from"));
        let bad_host = SmtpSettings {
            host: "smtp example".into(),
            ..good
        };
        assert!(bad_host.check().unwrap_err().english().starts_with("host"));
        assert!(!SmtpSettings::default().configured());
    }
}
