//! The mails Sodan writes, each as a subject, a plain-text body and the same in simple HTML (sent together
//! as multipart/alternative, so every client shows one of them), in the reader's language.

/// A written mail, ready for the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The HTML frame every mail shares: a white card with the heading, `inner` (already escaped) and a
/// button to `link`.
fn page(lang: &str, heading: &str, inner: &str, button: &str, link: &str, footer: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{heading}</title></head>\n\
         <body style=\"margin:0;padding:24px;background:#f6f7f9;color:#1f2328;\
         font-family:-apple-system,'Hiragino Sans','Noto Sans JP',sans-serif\">\n\
         <div style=\"max-width:560px;margin:0 auto;background:#fff;border-radius:10px;padding:24px\">\n\
         <h1 style=\"font-size:18px;margin:0 0 16px\">{heading}</h1>\n{inner}\n\
         <p style=\"margin:24px 0 8px\"><a href=\"{link}\" style=\"display:inline-block;background:#0969da;\
         color:#fff;padding:10px 18px;border-radius:6px;text-decoration:none\">{button}</a></p>\n\
         {footer}</div>\n</body></html>\n",
        heading = escape(heading),
        button = escape(button),
        link = escape(link),
    )
}

/// A digest of replies for a visitor, in their language (`ja` or not), with the link back to the
/// conversation and the unsubscribe link.
pub fn digest(
    ja: bool,
    shop: &str,
    replies: &[(String, String)],
    link: &str,
    unsubscribe: &str,
) -> Composed {
    let (subject, intro, open, stop) = if ja {
        (
            format!("{shop}から返信が届きました"),
            format!("{shop}からお問い合わせへの返信が届いています。"),
            "会話を開いて返信する",
            "今後このようなメールを受け取らない",
        )
    } else {
        (
            format!("New reply from {shop}"),
            format!("You have a reply from {shop}."),
            "Open the conversation to answer",
            "Stop these e-mails",
        )
    };
    let mut text = format!("{intro}\n\n");
    let mut inner = format!("<p style=\"margin:0 0 12px\">{}</p>\n", escape(&intro));
    for (author, body) in replies {
        text.push_str(&format!("{author}:\n{body}\n\n"));
        inner.push_str(&format!(
            "<p style=\"margin:16px 0 4px;color:#656d76;font-size:13px\">{}</p>\n\
             <div style=\"white-space:pre-wrap;line-height:1.5\">{}</div>\n",
            escape(author),
            escape(body)
        ));
    }
    text.push_str(&format!("{open}:\n{link}\n\n{stop}:\n{unsubscribe}\n"));
    let footer = format!(
        "<p style=\"font-size:12px;color:#656d76;margin:16px 0 0\"><a href=\"{}\" style=\"color:#656d76\">{}</a></p>\n",
        escape(unsubscribe),
        escape(stop)
    );
    let html = page(
        if ja { "ja" } else { "en" },
        shop,
        &inner,
        open,
        link,
        &footer,
    );
    Composed {
        subject,
        text,
        html,
    }
}

/// The mail to an operator about a conversation that started while nobody was online.
pub fn new_conversation(ja: bool, preview: &str, link: &str) -> Composed {
    let (subject, intro, open) = if ja {
        (
            "新しいお問い合わせがあります",
            "オンラインのスタッフがいない間に新しい会話が始まりました。",
            "受信箱で開く",
        )
    } else {
        (
            "New conversation waiting",
            "A new conversation started while nobody was online.",
            "Open it in the inbox",
        )
    };
    let text = format!("{intro}\n\n{preview}\n\n{open}:\n{link}\n");
    let inner = format!(
        "<p style=\"margin:0 0 12px\">{}</p>\n<blockquote style=\"margin:0;padding:8px 12px;\
         border-left:3px solid #d8dde3;white-space:pre-wrap\">{}</blockquote>\n",
        escape(intro),
        escape(preview)
    );
    let html = page(
        if ja { "ja" } else { "en" },
        subject,
        &inner,
        open,
        link,
        "",
    );
    Composed {
        subject: subject.to_owned(),
        text,
        html,
    }
}

/// An operator's reply on the e-mail channel: their words only, as a person's mail would be (no quoted
/// history, no button).
pub fn reply(subject: &str, body: &str) -> Composed {
    let html = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head>\n\
         <body><div style=\"white-space:pre-wrap\">{}</div></body></html>\n",
        escape(subject),
        escape(body)
    );
    Composed {
        subject: subject.to_owned(),
        text: format!("{body}\n"),
        html,
    }
}

/// The console's test mail, in both languages.
pub fn test_mail(console_url: &str) -> Composed {
    let en = "This is a test e-mail from Sodan: your SMTP settings work.";
    let ja = "Sodanからのテストメールです。SMTPの設定は正しく動作しています。";
    let inner = format!("<p>{}</p>\n<p>{}</p>\n", escape(en), escape(ja));
    Composed {
        subject: "Sodan test e-mail / テストメール".into(),
        text: format!("{en}\n{ja}\n"),
        html: page("en", "Sodan", &inner, "Sodan", console_url, ""),
    }
}

/// The mail with a password-reset link, in English and Japanese (who asks is not signed in, so their
/// language is not known).
pub fn password_reset(link: &str) -> Composed {
    let en = "Someone (hopefully you) asked to reset your Sodan password. This link sets a new one; it works \
              for an hour, once:";
    let ja = "Sodanのパスワードの再設定を受け付けました。次のリンクから新しいパスワードを設定できます（1時間以内、1回限り）：";
    let ignore_en = "If you did not ask, ignore this mail: your password stays as it is.";
    let ignore_ja =
        "お心当たりがなければ、このメールは無視してください。パスワードは変わりません。";
    let inner = format!(
        "<p>{}</p>\n<p>{}</p>\n<p><a href=\"{}\">{}</a></p>\n<p>{}<br>{}</p>\n",
        escape(en),
        escape(ja),
        escape(link),
        escape(link),
        escape(ignore_en),
        escape(ignore_ja)
    );
    Composed {
        subject: "Reset your Sodan password / パスワードの再設定".into(),
        text: format!("{en}\n{ja}\n\n{link}\n\n{ignore_en}\n{ignore_ja}\n"),
        html: page(
            "en",
            "Sodan",
            &inner,
            "Set a new password / 新しいパスワードを設定",
            link,
            "",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_speak_the_visitors_language() {
        let replies = [("Hana".to_owned(), "Yes, in 2 days.".to_owned())];
        let m = digest(
            false,
            "Test Shop",
            &replies,
            "https://x/c/1",
            "https://x/u/1",
        );
        assert_eq!(m.subject, "New reply from Test Shop");
        assert!(m.text.contains("Hana:\nYes, in 2 days.") && m.text.contains("https://x/c/1"));
        assert!(m.html.contains("lang=\"en\"") && m.html.contains("href=\"https://x/c/1\""));
        let m = digest(true, "テスト店", &replies, "https://x/c/1", "https://x/u/1");
        assert_eq!(m.subject, "テスト店から返信が届きました");
        assert!(m.text.contains("会話を開いて返信する") && m.text.contains("https://x/u/1"));
        assert!(m.html.contains("lang=\"ja\"") && m.html.contains("会話を開いて返信する"));
    }

    #[test]
    fn html_parts_escape_what_people_typed() {
        let replies = [(
            "<b>Hana</b>".to_owned(),
            "<script>alert(1)</script> & \"quotes\"".to_owned(),
        )];
        let m = digest(false, "A&B <Shop>", &replies, "https://x/c/1?a=1&b=2", "u");
        assert!(!m.html.contains("<script>") && !m.html.contains("<b>Hana"));
        assert!(
            m.html
                .contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;")
        );
        assert!(m.html.contains("A&amp;B &lt;Shop&gt;"));
        assert!(m.html.contains("href=\"https://x/c/1?a=1&amp;b=2\""));
        let alert = new_conversation(false, "<img src=x onerror=alert(1)>", "https://x/inbox/1");
        assert!(alert.html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    }
}
