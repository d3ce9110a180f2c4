//! Sending one mail over SMTP with lettre (STARTTLS, TLS or plain, with or without a login).

use std::time::Duration;

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{Outgoing, Purpose, Security, SmtpSettings};

/// How long one SMTP conversation may take.
const TIMEOUT: Duration = Duration::from_secs(20);

/// Why a mail was not accepted, in the server's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    /// Trying again will not help (a 5xx answer, a bad address).
    pub permanent: bool,
    /// What happened, including the server's answer.
    pub message: String,
}

fn permanent(message: String) -> SendError {
    SendError {
        permanent: true,
        message,
    }
}

/// The domain of the sender's address: Message-IDs are made under it (RFC 5322 3.6.4).
fn domain(from: &Mailbox) -> String {
    from.email.domain().to_owned()
}

/// The Message-ID of a queued mail: the same on every attempt, so a retry is recognisably the same mail.
pub fn message_id(mail: &Outgoing, from: &Mailbox) -> String {
    format!("<sodan.{}.{}@{}>", mail.id, mail.created_at, domain(from))
}

/// The id every mail about one conversation refers to (`In-Reply-To`, `References`), so mail clients show
/// successive digests of a conversation as one thread (and answers to them find it again).
pub fn thread_id(conversation: u64, from: &Mailbox) -> String {
    format!(
        "<{}>",
        super::reply_address::thread_id(conversation, &domain(from))
    )
}

/// Where answers go: the mail's signed reply address under the sender's name, else the sender.
fn reply_to(mail: &Outgoing, from: &Mailbox) -> Mailbox {
    match mail.reply_to.parse() {
        Ok(email) if !mail.reply_to.is_empty() => Mailbox::new(from.name.clone(), email),
        _ => from.clone(),
    }
}

/// Builds the mail as it goes on the wire: Message-ID, Date, MIME-Version, Reply-To, thread headers,
/// one-click unsubscribe (RFC 8058) where the mail has one, and a text/plain + text/html
/// multipart/alternative body (RFC 2046 5.1.4).
pub fn build(
    settings: &SmtpSettings,
    mail: &Outgoing,
    file: Option<&[u8]>,
) -> Result<Message, SendError> {
    let from: Mailbox = settings
        .from
        .parse()
        .map_err(|e| permanent(format!("from address: {e}")))?;
    let to: Mailbox = mail
        .to
        .parse()
        .map_err(|e| permanent(format!("recipient address: {e}")))?;
    let mut builder = Message::builder()
        .message_id(Some(message_id(mail, &from)))
        .from(from.clone())
        .reply_to(reply_to(mail, &from))
        .to(to)
        .subject(mail.subject.as_str());
    let thread = match &mail.purpose {
        Purpose::Digest { conversation, .. } => Some(thread_id(*conversation, &from)),
        Purpose::Reply {
            conversation,
            in_reply_to,
            references,
            ..
        } => {
            let ours = thread_id(*conversation, &from);
            if !in_reply_to.is_empty() {
                builder = builder.in_reply_to(format!("<{in_reply_to}>"));
            }
            let mut all: Vec<String> = references.iter().map(|r| format!("<{r}>")).collect();
            all.push(ours);
            builder = builder.references(all.join(" "));
            None
        }
        Purpose::NewConversation { conversation } => Some(format!(
            "<sodan.operators.conversation.{conversation}@{}>",
            domain(&from)
        )),
        Purpose::Test => None,
    };
    if let Some(thread) = thread {
        builder = builder.in_reply_to(thread.clone()).references(thread);
    }
    if !mail.unsubscribe.is_empty() {
        builder = builder
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{}>", mail.unsubscribe),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_owned(),
            ));
    }
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.clone());
    let attached = match (&mail.attachment, file) {
        (Some(a), Some(bytes)) => Some(
            lettre::message::Attachment::new(a.filename.clone()).body(
                bytes.to_vec(),
                ContentType::parse(&a.content_type)
                    .unwrap_or_else(|_| ContentType::parse("application/octet-stream").unwrap()),
            ),
        ),
        _ => None,
    };
    let built = match (mail.html.is_empty(), attached) {
        (true, None) => builder.singlepart(text),
        (true, Some(file)) => {
            builder.multipart(MultiPart::mixed().singlepart(text).singlepart(file))
        }
        (false, attached) => {
            let alternative = MultiPart::alternative().singlepart(text).singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_HTML)
                    .body(mail.html.clone()),
            );
            match attached {
                // RFC 2046 5.1.3: the readable parts first, then the file.
                Some(file) => {
                    builder.multipart(MultiPart::mixed().multipart(alternative).singlepart(file))
                }
                None => builder.multipart(alternative),
            }
        }
    };
    built.map_err(|e| permanent(format!("message: {e}")))
}

/// Sends one queued mail (with the bytes of its attachment, if it has one); returns once the server
/// accepted it.
pub async fn send(
    settings: &SmtpSettings,
    mail: &Outgoing,
    file: Option<&[u8]>,
) -> Result<(), SendError> {
    let email = build(settings, mail, file)?;
    let builder = match settings.security {
        Security::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host),
        Security::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host),
        Security::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
            &settings.host,
        )),
    }
    .map_err(|e| permanent(format!("server: {e}")))?;
    let mut builder = builder.port(settings.port).timeout(Some(TIMEOUT));
    if !settings.username.is_empty() {
        builder = builder.credentials(Credentials::new(
            settings.username.clone(),
            settings.password.clone(),
        ));
    }
    builder
        .build()
        .send(email)
        .await
        .map(|_| ())
        .map_err(|e| SendError {
            permanent: e.is_permanent(),
            message: e.to_string(),
        })
}
