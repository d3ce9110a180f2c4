//! The incoming mailbox: IMAP (RFC 3501) settings and "test connection", which shows what the server
//! answered at each step (greeting, LOGIN, SELECT), so an admin sees exactly why a mailbox does not work.
//! The client is `async-imap` (maintained by the chatmail project, with IDLE); TLS is rustls with the web's
//! root certificates, as for outgoing mail.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::customers::Invalid;
use crate::msg;

/// How long connecting and each step may take.
const STEP: Duration = Duration::from_secs(20);

/// How the connection is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImapSecurity {
    /// TLS from the start (port 993).
    #[default]
    Tls,
    /// None: only for a mail server on the same machine or network.
    None,
}

impl ImapSecurity {
    /// The form value.
    pub fn as_str(self) -> &'static str {
        match self {
            ImapSecurity::Tls => "tls",
            ImapSecurity::None => "none",
        }
    }

    /// Parses a form value.
    pub fn parse(s: &str) -> Option<ImapSecurity> {
        match s {
            "tls" => Some(ImapSecurity::Tls),
            "none" => Some(ImapSecurity::None),
            _ => None,
        }
    }
}

/// The incoming mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImapSettings {
    /// Whether Sodan reads it.
    pub enabled: bool,
    /// Server host name.
    pub host: String,
    /// Port (993 for TLS).
    pub port: u16,
    /// Protection.
    pub security: ImapSecurity,
    /// User name.
    pub username: String,
    /// Password (kept; never shown again).
    pub password: String,
    /// The folder read (`INBOX`).
    pub folder: String,
}

impl Default for ImapSettings {
    fn default() -> Self {
        ImapSettings {
            enabled: false,
            host: String::new(),
            port: 993,
            security: ImapSecurity::Tls,
            username: String::new(),
            password: String::new(),
            folder: "INBOX".into(),
        }
    }
}

impl ImapSettings {
    /// Checks the fields an admin typed.
    pub fn check(&self) -> Result<(), Invalid> {
        if self.host.trim().is_empty()
            || self.host.len() > 255
            || self.host.contains(char::is_whitespace)
        {
            return Err(Invalid(msg!("mailbox host: a host name")));
        }
        if self.port == 0 {
            return Err(Invalid(msg!("mailbox port: 1 to 65535")));
        }
        if self.username.trim().is_empty() || self.username.len() > 320 || self.password.len() > 500
        {
            return Err(Invalid(msg!(
                "mailbox user: 1 to 320 characters, password at most 500"
            )));
        }
        if self.folder.trim().is_empty() || self.folder.len() > 200 {
            return Err(Invalid(msg!("mailbox folder: 1 to 200 characters")));
        }
        Ok(())
    }
}

/// What "test connection" shows: whether the mailbox can be read, and what the server said at each step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// Logged in and the folder opened.
    pub ok: bool,
    /// One line per step.
    pub transcript: Vec<String>,
}

/// TLS with the web's root certificates (ring as the provider), for the mailbox.
pub(crate) fn tls_config() -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("ring supports the default TLS versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    Arc::new(config)
}

async fn step<T, E: std::fmt::Display>(
    what: &str,
    transcript: &mut Vec<String>,
    work: impl std::future::Future<Output = Result<T, E>>,
) -> Option<T> {
    match tokio::time::timeout(STEP, work).await {
        Ok(Ok(v)) => Some(v),
        Ok(Err(e)) => {
            transcript.push(format!("{what}: {e}"));
            None
        }
        Err(_) => {
            transcript.push(format!("{what}: no answer within {} s", STEP.as_secs()));
            None
        }
    }
}

/// Connects, logs in and opens the folder, then logs out.
pub async fn probe(settings: &ImapSettings) -> Probe {
    let mut transcript = Vec::new();
    let address = (settings.host.trim().to_owned(), settings.port);
    let Some(tcp) = step(
        "connect",
        &mut transcript,
        tokio::net::TcpStream::connect(address),
    )
    .await
    else {
        return Probe {
            ok: false,
            transcript,
        };
    };
    let ok = match settings.security {
        ImapSecurity::None => session(settings, tcp, &mut transcript).await,
        ImapSecurity::Tls => {
            let name =
                match rustls::pki_types::ServerName::try_from(settings.host.trim().to_owned()) {
                    Ok(name) => name,
                    Err(e) => {
                        transcript.push(format!("TLS: {e}"));
                        return Probe {
                            ok: false,
                            transcript,
                        };
                    }
                };
            let connector = tokio_rustls::TlsConnector::from(tls_config());
            match step("TLS", &mut transcript, connector.connect(name, tcp)).await {
                Some(tls) => session(settings, tls, &mut transcript).await,
                None => false,
            }
        }
    };
    Probe { ok, transcript }
}

async fn session<S>(settings: &ImapSettings, stream: S, transcript: &mut Vec<String>) -> bool
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let mut client = async_imap::Client::new(stream);
    match step("greeting", transcript, client.read_response()).await {
        Some(Some(greeting)) => transcript.push(format!(
            "greeting: {}",
            String::from_utf8_lossy(greeting.borrow_owner()).trim()
        )),
        Some(None) => {
            transcript.push("greeting: the server closed the connection".into());
            return false;
        }
        None => return false,
    }
    let login = client.login(settings.username.trim(), &settings.password);
    let Some(mut session) = step("LOGIN", transcript, async {
        login.await.map_err(|(e, _)| e)
    })
    .await
    else {
        return false;
    };
    transcript.push("LOGIN: OK".into());
    let folder = settings.folder.trim();
    let selected = step(
        &format!("SELECT {folder}"),
        transcript,
        session.select(folder),
    )
    .await;
    let ok = match selected {
        Some(mailbox) => {
            transcript.push(format!(
                "SELECT {folder}: OK, {} messages, UIDVALIDITY {}",
                mailbox.exists,
                mailbox.uid_validity.unwrap_or(0)
            ));
            true
        }
        None => false,
    };
    let _ = tokio::time::timeout(STEP, session.logout()).await;
    ok
}
