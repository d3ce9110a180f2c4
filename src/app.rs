//! Building and running one Sodan server: open the store, bind the listener, then serve until stopped.
//!
//! Binding happens in [`App::build`], before anything runs, so a caller (a test) knows the port at once and
//! port 0 gives every test its own server.

use std::net::TcpListener;

use crate::config::Config;
use crate::hub::Hub;
use crate::store::{OpenError, Store};
use crate::tokens;
use crate::web::{self, Server, ServerHandle};

/// A built server, bound and ready to run.
pub struct App {
    port: u16,
    public_url: String,
    setup_url: Option<String>,
    server: Server,
    store: Store,
}

/// Installs the TLS provider (ring) that outgoing HTTPS clients (webhooks, LINE) use: once per process; a
/// repeat is a no-op. Every process that builds a client calls it first.
pub fn install_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl App {
    /// Opens the data file, binds the listener and prepares the server. When no account exists yet, a
    /// one-time setup link is logged and written to `setup-url` in the data directory.
    pub async fn build(config: Config) -> Result<App, BuildError> {
        install_tls();
        if let Some(limit) = crate::web::request_bounds::raise_open_files() {
            tracing::debug!(limit, "open-file limit");
        }
        let files = config.files().map_err(BuildError::Config)?;
        let store = match &config.database {
            Some(url) => Store::open_postgres(&url.0, files, config.history).await?,
            None => Store::open_file(&config.database_path(), config.history, files).await?,
        };
        let listener = TcpListener::bind(&config.bind)
            .map_err(|e| BuildError::Bind(config.bind.clone(), e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| BuildError::Bind(config.bind.clone(), e))?;
        let public_url = config.public_url.clone().unwrap_or_else(|| {
            let host = if addr.ip().is_unspecified() {
                "127.0.0.1".to_owned()
            } else {
                addr.ip().to_string()
            };
            let host = if addr.is_ipv6() && !addr.ip().is_unspecified() {
                format!("[{host}]")
            } else {
                host
            };
            format!("http://{host}:{}", addr.port())
        });

        let setup_path = config.setup_url_path();
        let has_accounts = store
            .has_operators()
            .await
            .map_err(|e| BuildError::Store(e.to_string()))?;
        let (setup_token, setup_url) = if has_accounts {
            let _ = std::fs::remove_file(&setup_path);
            (None, None)
        } else {
            let token = tokens::random();
            let url = format!("{public_url}/setup?token={token}");
            write_private(&setup_path, &url)
                .map_err(|e| BuildError::Io(setup_path.display().to_string(), e))?;
            (Some(token), Some(url))
        };

        tracing::info!(
            version = env!("CARGO_PKG_VERSION"),
            bind = %addr,
            data = %config.database_path().display(),
            public_url = %public_url,
            "sodan {} listening on http://{addr}",
            env!("CARGO_PKG_VERSION")
        );
        if let Some(url) = &setup_url {
            tracing::info!("no owner account yet: open {url} to create it (this link works once)");
        }

        let hub = Hub::start();
        if let Some(url) = &config.nats {
            // One subject per shop, named by a secret every node reads from the shared database.
            let shop = store
                .secret_setting("relay_subject")
                .await
                .map_err(|e| BuildError::Store(e.to_string()))?;
            let relay = crate::hub::relay::Relay::connect(&url.0, format!("sodan.{shop}.frames"))
                .await
                .map_err(|e| BuildError::Relay(e.to_string()))?;
            hub.relay_through(
                relay
                    .start(hub.clone())
                    .await
                    .map_err(|e| BuildError::Relay(e.to_string()))?,
            );
        }
        crate::upkeep::start(
            &store,
            hub.clone(),
            public_url.clone(),
            config.mail_retry_secs,
            crate::mail::intake::AttachmentRules {
                max_bytes: config.max_upload_bytes,
                meter: crate::budgets::Meter::new(config.budgets.clone()),
                disk: crate::disk_guard::DiskGuard::new(config.data_dir.clone()),
            },
        );
        let state = web::State::new(config, store.clone(), hub, public_url.clone(), setup_token);
        let server =
            web::server(listener, state).map_err(|e| BuildError::Bind(addr.to_string(), e))?;
        Ok(App {
            port: addr.port(),
            public_url,
            setup_url,
            server,
            store,
        })
    }

    /// The port the listener is bound to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The address people use to reach this server.
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// The one-time setup link, while no account exists.
    pub fn setup_url(&self) -> Option<&str> {
        self.setup_url.as_deref()
    }

    /// A handle that stops the server gracefully from elsewhere.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT/SIGTERM or [`ServerHandle::stop`]: stops accepting, finishes in-flight requests,
    /// then closes the data file.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.run().await?;
        self.store
            .close(std::time::Duration::from_secs(10))
            .await
            .map_err(std::io::Error::other)?;
        tracing::info!("sodan stopped; data file closed");
        Ok(())
    }
}

/// Writes a file only its owner may read (it holds a secret link).
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(path)?;
    writeln!(file, "{contents}")
}

/// Why a server could not start; each message names the fix.
#[derive(Debug)]
pub enum BuildError {
    /// The data file could not be opened.
    Open(OpenError),
    /// The data file could not be read at start-up.
    Store(String),
    /// The address could not be bound.
    Bind(String, std::io::Error),
    /// A file in the data directory could not be written.
    Io(String, std::io::Error),
    /// The NATS server linking the nodes could not be reached.
    Relay(String),
    /// The configuration does not say where uploaded files can be kept.
    Config(crate::config::ConfigError),
}

impl From<OpenError> for BuildError {
    fn from(e: OpenError) -> Self {
        BuildError::Open(e)
    }
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Open(e) => e.fmt(f),
            Self::Store(e) => write!(f, "cannot read the data file: {e}"),
            Self::Bind(addr, e) => write!(
                f,
                "cannot listen on {addr}: {e}; choose another address with --bind (SODAN_BIND)"
            ),
            Self::Io(path, e) => write!(
                f,
                "cannot write {path}: {e}; check the data directory's permissions"
            ),
            Self::Relay(e) => write!(f, "cannot relay to the other nodes: {e}; check --nats"),
            Self::Config(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for BuildError {}
