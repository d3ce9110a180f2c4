//! What Sodan keeps of each mail it read from the incoming mailbox: where it went (a conversation), or why
//! it went nowhere (no one should answer it; it could not be read), so admins see every mail that did not
//! become a message, and so no mail is taken in twice (by Message-ID, and by mailbox UID: the reader's
//! cursor).

use serde::{Deserialize, Serialize};

/// Mails kept in the list; older ones are forgotten (their messages stay in the conversations).
pub const MAX_KEPT: usize = 5_000;
/// The most of a mail's text kept for operators to read in full.
pub const MAX_FULL_TEXT: usize = 100_000;

/// What became of a mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A visitor message in a conversation.
    Delivered,
    /// Not answered: an auto-reply, a bounce, list mail.
    Ignored,
    /// Could not be taken in (too large, not a mail): kept with the reason.
    Failed,
}

impl Outcome {
    /// The word the console shows.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Delivered => "delivered",
            Outcome::Ignored => "ignored",
            Outcome::Failed => "failed",
        }
    }
}

/// A mail read from the mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Received {
    /// Its id in the list.
    pub id: u64,
    /// What identifies it across mailboxes and restarts: its Message-ID, else a digest of its bytes
    /// (`uid:…` when it was too large to read).
    pub key: String,
    /// The mailbox's UIDVALIDITY and the mail's UID (RFC 3501 2.3.1.1).
    pub uid_validity: u32,
    /// The mail's UID.
    pub uid: u32,
    /// Its size in bytes.
    pub size: u64,
    /// The sender's address, as far as it could be read.
    pub from: String,
    /// Its subject, as far as it could be read.
    pub subject: String,
    /// What became of it.
    pub outcome: Outcome,
    /// Why (for ignored and failed mails).
    #[serde(default)]
    pub reason: String,
    /// The conversation it went into.
    #[serde(default)]
    pub conversation: Option<u64>,
    /// Its whole text, quoted history included (bounded by [`MAX_FULL_TEXT`]).
    #[serde(default)]
    pub full_text: String,
    /// When it was read (Unix ms).
    pub at: u64,
}

/// How far the reader has read a mailbox: mails with a greater UID under the same UIDVALIDITY are new.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The mailbox's UIDVALIDITY (a change means every UID changed: read unseen mail again, by key).
    pub uid_validity: u32,
    /// The greatest UID taken in.
    pub last_uid: u32,
}

/// The client id of the visitor message a mail became: the same mail twice is the same message.
pub fn client_id(key: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(key.as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("mail:{hex}")
}

/// The key of a mail: its Message-ID, else a digest of its bytes.
pub fn key(message_id: &str, raw: &[u8]) -> String {
    if message_id.is_empty() {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(raw);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256:{hex}")
    } else {
        message_id.chars().take(300).collect()
    }
}
