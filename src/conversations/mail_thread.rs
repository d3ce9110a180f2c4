//! The mail thread of a conversation on the e-mail channel: what operators' replies answer, so the
//! customer's mail client shows them in the same thread (RFC 5322 3.6.4: In-Reply-To and References).

use serde::{Deserialize, Serialize};

/// The mail a visitor's message came in: what operators' replies answer (RFC 5322 3.6.4).
#[derive(Debug, Clone, Default)]
pub struct MailRef {
    /// Its Message-ID, without angle brackets.
    pub message_id: String,
    /// Its subject.
    pub subject: String,
}

/// The mail thread of a conversation on the e-mail channel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailThread {
    /// The subject replies carry (`Re: ` and the customer's first subject).
    pub subject: String,
    /// The customer's latest Message-ID: the next reply's `In-Reply-To`.
    pub last_message_id: String,
    /// The thread's Message-IDs, oldest first, bounded: the next reply's `References`.
    pub references: Vec<String>,
}

/// Message-IDs a thread keeps for `References` (RFC 5322 allows trimming the middle of a long thread).
pub const MAX_REFERENCES: usize = 20;

impl MailThread {
    /// Takes in a mail the customer sent in this thread.
    pub fn received(&mut self, mail: &MailRef) {
        if self.subject.is_empty() {
            let subject = mail.subject.trim();
            let bare = subject
                .strip_prefix("Re:")
                .or_else(|| subject.strip_prefix("RE:"))
                .unwrap_or(subject)
                .trim();
            self.subject = format!("Re: {bare}").chars().take(200).collect();
        }
        if mail.message_id.is_empty() {
            return;
        }
        self.last_message_id = mail.message_id.clone();
        if !self.references.contains(&mail.message_id) {
            self.references.push(mail.message_id.clone());
        }
        if self.references.len() > MAX_REFERENCES {
            // Keep the first (the thread's root) and the latest.
            self.references.remove(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_answers_the_latest_mail_and_keeps_its_root() {
        let mut t = MailThread::default();
        t.received(&MailRef {
            message_id: "a@x".into(),
            subject: "Re: 配送について".into(),
        });
        assert_eq!(t.subject, "Re: 配送について");
        for n in 0..30 {
            t.received(&MailRef {
                message_id: format!("m{n}@x"),
                subject: "other".into(),
            });
        }
        assert_eq!(t.subject, "Re: 配送について", "the first subject stays");
        assert_eq!(t.last_message_id, "m29@x");
        assert_eq!(t.references.len(), MAX_REFERENCES);
        assert_eq!(t.references[0], "a@x", "the root stays");
        assert_eq!(t.references.last().unwrap(), "m29@x");
    }
}
