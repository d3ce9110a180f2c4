//! Sending one mail over SMTP with lettre (STARTTLS, TLS or plain, with or without a login).

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{Security, SmtpSettings};

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

/// Sends one plain-text mail; returns once the server accepted it.
pub async fn send(
    settings: &SmtpSettings,
    to: &str,
    subject: &str,
    body: &str,
) -> Result<(), SendError> {
    let from: Mailbox = settings
        .from
        .parse()
        .map_err(|e| permanent(format!("from address: {e}")))?;
    let to: Mailbox = to
        .parse()
        .map_err(|e| permanent(format!("recipient address: {e}")))?;
    let email = Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body.to_owned())
        .map_err(|e| permanent(format!("message: {e}")))?;
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
