//! Reading one incoming mail (RFC 5322, MIME per RFC 2045–2049, parsed by `mail-parser`): who sent it,
//! what it answers (In-Reply-To and References), the new text without the quoted history or signature,
//! and whether it is mail no one should answer: auto-replies (`Auto-Submitted`, RFC 3834), bulk or list
//! mail (`Precedence`, `List-Id`, RFC 2919), and bounces (a null return path, `multipart/report`, RFC 6522).
//! Pure: the mailbox reader decides what to store.

use mail_parser::{HeaderValue, MessageParser, MimeHeaders};

/// The largest mail read; a larger one is kept as failed, with the reason.
pub const MAX_MAIL_BYTES: usize = 10 * 1024 * 1024;

/// Attachments taken from one mail (more are left out and counted).
pub const MAX_ATTACHMENTS: usize = 5;

/// An incoming mail, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// Its Message-ID (without angle brackets; empty when it has none).
    pub message_id: String,
    /// The sender's address, lower-cased.
    pub from: String,
    /// The sender's name, if given.
    pub name: String,
    /// Subject.
    pub subject: String,
    /// The new text: without quoted history and signature.
    pub text: String,
    /// The whole text as sent, quoted history included (kept for operators to read).
    pub full: String,
    /// The addresses it was sent to (To, Cc, Delivered-To, X-Original-To), lower-cased.
    pub to: Vec<String>,
    /// The Message-IDs it answers (In-Reply-To, then References), without angle brackets.
    pub answers: Vec<String>,
    /// Why no one should answer it, if so.
    pub automatic: Option<&'static str>,
    /// Its attachments (name, bytes), at most [`MAX_ATTACHMENTS`].
    pub attachments: Vec<(String, Vec<u8>)>,
    /// Attachments beyond [`MAX_ATTACHMENTS`], left out.
    pub attachments_left_out: usize,
}

fn ids(value: &HeaderValue) -> Vec<String> {
    match value {
        HeaderValue::Text(t) => vec![t.to_string()],
        HeaderValue::TextList(list) => list.iter().map(|t| t.to_string()).collect(),
        _ => Vec::new(),
    }
}

/// Reads a raw mail; `Err` says why it cannot be read (too large, not a mail, no sender).
pub fn read(raw: &[u8]) -> Result<Inbound, String> {
    if raw.len() > MAX_MAIL_BYTES {
        return Err(format!(
            "the mail has {} bytes; at most {MAX_MAIL_BYTES} are read",
            raw.len()
        ));
    }
    let message = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| "not a mail: no header could be read".to_owned())?;
    let sender = message
        .from()
        .and_then(|a| a.first())
        .ok_or_else(|| "the mail has no From address".to_owned())?;
    let from = sender
        .address()
        .map(str::to_lowercase)
        .filter(|a| a.contains('@'))
        .ok_or_else(|| "the mail's From has no address".to_owned())?;
    let mut answers = ids(message.in_reply_to());
    for id in ids(message.references()) {
        if !answers.contains(&id) {
            answers.push(id);
        }
    }
    let full = message
        .body_text(0)
        .map(|t| t.to_string())
        .unwrap_or_default();
    let mut to: Vec<String> = [message.to(), message.cc()]
        .into_iter()
        .flatten()
        .flat_map(|a| a.iter())
        .filter_map(|a| a.address().map(str::to_lowercase))
        .collect();
    for name in ["Delivered-To", "X-Original-To"] {
        for value in message.header_values(name) {
            if let Some(t) = value.as_text() {
                to.push(t.trim().trim_matches(['<', '>']).to_lowercase());
            }
        }
    }
    let attachments: Vec<(String, Vec<u8>)> = message
        .attachments()
        .filter(|a| !a.is_message())
        .map(|a| {
            (
                a.attachment_name().unwrap_or("attachment").to_owned(),
                a.contents().to_vec(),
            )
        })
        .collect();
    let attachments_left_out = attachments.len().saturating_sub(MAX_ATTACHMENTS);
    let attachments = attachments.into_iter().take(MAX_ATTACHMENTS).collect();
    Ok(Inbound {
        message_id: message.message_id().unwrap_or_default().to_owned(),
        from,
        name: sender.name().unwrap_or_default().to_owned(),
        subject: message.subject().unwrap_or_default().to_owned(),
        text: strip_quoted(&full),
        full,
        to,
        answers,
        automatic: automatic(&message),
        attachments,
        attachments_left_out,
    })
}

/// Why a mail must not be answered, if so.
fn automatic(message: &mail_parser::Message) -> Option<&'static str> {
    let raw = |name: &str| {
        message
            .header_raw(name)
            .map(|v| v.trim().to_ascii_lowercase())
    };
    if raw("Auto-Submitted").is_some_and(|v| !v.starts_with("no")) {
        return Some("an automatic reply (Auto-Submitted)");
    }
    if raw("Precedence")
        .is_some_and(|v| ["bulk", "junk", "list", "auto_reply"].contains(&v.as_str()))
    {
        return Some("bulk or list mail (Precedence)");
    }
    if raw("List-Id").is_some() {
        return Some("mailing-list mail (List-Id)");
    }
    if raw("Return-Path").is_some_and(|v| v == "<>") {
        return Some("a bounce (null return path)");
    }
    if raw("Content-Type").is_some_and(|v| v.starts_with("multipart/report")) {
        return Some("a delivery report (multipart/report)");
    }
    let from = message
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if from.starts_with("mailer-daemon@") || from.starts_with("postmaster@") {
        return Some("a bounce (mailer daemon)");
    }
    None
}

/// The text a person wrote in a reply: everything before the quoted history ("On … wrote:",
/// 「…の書き込み:」 or 「… <address>:」 as Japanese mail clients write it, "-----Original Message-----", lines
/// starting with ">") and before a signature ("-- ").
pub fn strip_quoted(text: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        let quote_head = (t.starts_with("On ") && t.ends_with("wrote:"))
            || t.ends_with("の書き込み:")
            || t.ends_with("のメッセージ:")
            || (t.ends_with(">:") && t.contains('@'))
            || (t.starts_with("-----") && t.to_ascii_lowercase().contains("original message"));
        if quote_head || line == "-- " || t.starts_with('>') {
            break;
        }
        kept.push(line);
    }
    kept.join("\n").trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPLY: &str = "From: =?UTF-8?B?5bGx55Sw5aSq6YOO?= <Taro@Example.com>\r\n\
To: Shop <support+c7.abc@shop.example>\r\n\
Subject: =?UTF-8?B?UmU6IOOBiuWVj+OBhOWQiOOCj+OBmw==?=\r\n\
Message-ID: <reply-1@example.com>\r\n\
In-Reply-To: <digest-7-3@shop.example>\r\n\
References: <digest-7-1@shop.example> <digest-7-3@shop.example>\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: 8bit\r\n\
\r\n\
ありがとうございます。明日受け取れます。\r\n\
\r\n\
2026年12月1日(火) 10:00 Shop <support@shop.example>:\r\n\
> 発送しました。\r\n";

    #[test]
    fn a_reply_reads_with_its_sender_thread_and_new_text_only() {
        let mail = read(REPLY.as_bytes()).unwrap();
        assert_eq!(mail.from, "taro@example.com");
        assert_eq!(mail.name, "山田太郎");
        assert_eq!(mail.subject, "Re: お問い合わせ");
        assert_eq!(mail.message_id, "reply-1@example.com");
        assert_eq!(
            mail.answers,
            ["digest-7-3@shop.example", "digest-7-1@shop.example"]
        );
        assert_eq!(mail.text, "ありがとうございます。明日受け取れます。");
        assert!(
            mail.full.contains("> 発送しました。"),
            "the whole text is kept"
        );
        assert_eq!(mail.to, ["support+c7.abc@shop.example"]);
        assert_eq!(mail.automatic, None);
    }

    #[test]
    fn mail_no_one_should_answer_is_recognised() {
        let with = |header: &str| format!("{header}\r\n{REPLY}");
        for (header, why) in [
            ("Auto-Submitted: auto-replied", "Auto-Submitted"),
            ("Precedence: bulk", "Precedence"),
            ("List-Id: <news.shop.example>", "List-Id"),
            ("Return-Path: <>", "null return path"),
        ] {
            let mail = read(with(header).as_bytes()).unwrap();
            assert!(
                mail.automatic.is_some_and(|w| w.contains(why)),
                "{header}: {mail:?}"
            );
        }
        let fine = read(with("Auto-Submitted: no").as_bytes()).unwrap();
        assert_eq!(fine.automatic, None);
        let bounce = "From: MAILER-DAEMON@mx.example\r\nTo: support@shop.example\r\nSubject: Undelivered\r\n\
            Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\n\
            Content-Type: text/plain\r\n\r\nfailed\r\n--b--\r\n";
        assert!(read(bounce.as_bytes()).unwrap().automatic.is_some());
    }

    #[test]
    fn unreadable_or_oversized_mail_says_why() {
        assert!(read(b"").is_err(), "an empty mail");
        assert!(
            read(b"Subject: hi\r\n\r\nno sender\r\n")
                .unwrap_err()
                .contains("From")
        );
        let big = vec![b'a'; MAX_MAIL_BYTES + 1];
        assert!(read(&big).unwrap_err().contains("at most"));
    }

    #[test]
    fn quoted_history_and_signatures_are_cut() {
        assert_eq!(
            strip_quoted(
                "Thanks!\n\nOn Mon, Dec 1, 2026 at 10:00 Shop <s@shop.example> wrote:\n> hi"
            ),
            "Thanks!"
        );
        assert_eq!(strip_quoted("了解です\n-- \n山田"), "了解です");
        assert_eq!(
            strip_quoted("OK\n-----Original Message-----\nFrom: shop"),
            "OK"
        );
        assert_eq!(strip_quoted("no quote"), "no quote");
    }
}
