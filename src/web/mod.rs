//! HTTP: the only module that imports actix-web. It parses requests, checks who is asking and what they
//! may touch, calls the store and the feature modules, and renders pages (askama) or JSON (serde).
//! No business rules live here.

mod api;
mod app_shell;
mod assets;
mod console;
mod csrf;
mod error;
mod health;
mod help;
mod line_webhook;
mod mail_links;
mod metrics;
mod render;
mod request;
pub mod request_bounds;
mod request_log;
mod session;
mod socket;
mod socket_limit;
mod uploads;
mod widget;

use std::net::TcpListener;
use std::sync::Mutex;

use actix_web::middleware::{Compress, DefaultHeaders};
use actix_web::{App, HttpServer, web};
use tokio::sync::watch;

use crate::auth::rate_limit::LoginLimiter;
use crate::config::Config;
use crate::hub::Hub;
use crate::store::Store;

pub use error::AppError;

/// Everything a request handler may need, shared by all workers of one server.
#[derive(Debug)]
pub struct State {
    /// The validated configuration.
    pub config: Config,
    /// The data file.
    pub store: Store,
    /// The address people use to reach this server, without a trailing slash.
    pub public_url: String,
    /// Failed sign-in counters.
    pub limiter: LoginLimiter,
    /// Password hashing, a bounded number at once.
    pub hashing: crate::auth::password::Hashing,
    /// What visitors and addresses have spent of their budgets.
    pub meter: crate::budgets::Meter,
    /// Free space on the data disk.
    pub disk: crate::disk_guard::DiskGuard,
    /// Calls to the AI model: bounded, and counted for `/metrics`.
    pub ai: crate::ai::client::Stats,
    /// Plain HTTP requests in flight per client address.
    requests: socket_limit::SocketLimit,
    /// Live connections.
    pub hub: Hub,
    /// Open widget sockets per client address.
    widget_sockets: socket_limit::SocketLimit,
    /// Turns true when the server starts stopping, so open sockets close at once.
    closing: watch::Sender<bool>,
    /// The one-time setup token, while no account exists.
    setup_token: Mutex<Option<String>>,
}

impl State {
    /// State for one server.
    pub fn new(
        config: Config,
        store: Store,
        hub: Hub,
        public_url: String,
        setup_token: Option<String>,
    ) -> Self {
        let data_dir = config.data_dir.clone();
        let budgets = config.budgets.clone();
        Self {
            config,
            store,
            public_url,
            limiter: LoginLimiter::default(),
            hashing: Default::default(),
            meter: crate::budgets::Meter::new(budgets),
            disk: crate::disk_guard::DiskGuard::new(data_dir),
            ai: Default::default(),
            requests: socket_limit::SocketLimit::default(),
            hub,
            widget_sockets: socket_limit::SocketLimit::default(),
            closing: watch::channel(false).0,
            setup_token: Mutex::new(setup_token),
        }
    }

    /// Whether `token` is the open setup token.
    fn setup_token_matches(&self, token: &str) -> bool {
        let guard = self.setup_token.lock().unwrap_or_else(|e| e.into_inner());
        guard
            .as_deref()
            .is_some_and(|t| crate::tokens::constant_time_eq(t.as_bytes(), token.as_bytes()))
    }

    /// Tells when the server starts stopping (sockets watch it to close promptly).
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Closes the setup link for good once the owner account exists.
    fn close_setup(&self) {
        self.setup_token
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let _ = std::fs::remove_file(self.config.setup_url_path());
    }
}

/// Security headers on every response: no inline scripts, no framing, no type sniffing.
fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "same-origin"))
}

/// The largest form body accepted: the longest reply (5,000 characters) percent-encoded as UTF-8 is up to
/// 45 KB (a Japanese character is 3 bytes, each written `%XX`), plus the form's other fields.
const FORM_LIMIT_BYTES: usize = 64 * 1024;

/// Threads each HTTP worker may run for blocking work (data file reads, file reads). The reads are short
/// and use the CPU, so more threads than this only wait for cores; actix's default (512 shared by the
/// workers) let a burst of a few thousand widget hellos start 170 threads, each holding its stack and its
/// allocator cache until it had been idle for 10 s.
pub const BLOCKING_THREADS_PER_WORKER: usize = 8;

/// Resolves on SIGINT or SIGTERM, or when a [`ServerHandle`] asks to stop; then marks the state as closing.
async fn stop_signal(closing: watch::Sender<bool>) {
    let mut asked = closing.subscribe();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received; stopping"),
        _ = terminate => tracing::info!("SIGTERM received; stopping"),
        _ = asked.wait_for(|closing| *closing) => {}
    }
    let _ = closing.send(true);
}

/// Builds the HTTP server on an already bound listener.
pub fn server(listener: TcpListener, state: State) -> std::io::Result<Server> {
    let closing = state.closing.clone();
    let state = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(
                web::FormConfig::default()
                    .limit(FORM_LIMIT_BYTES)
                    .error_handler(|err, _| {
                        AppError::BadRequest(format!("invalid form: {err}")).into()
                    }),
            )
            .wrap(Compress::default())
            .wrap(actix_web::middleware::from_fn(
                console::audit_log::record_admin_posts,
            ))
            .wrap(actix_web::middleware::from_fn(request_bounds::bound))
            .wrap(actix_web::middleware::from_fn(request_log::log_request))
            .wrap(security_headers())
            .route("/healthz", web::get().to(health::healthz))
            .route("/metrics", web::get().to(metrics::metrics))
            .route("/assets/{path:.*}", web::get().to(assets::serve))
            .configure(app_shell::routes)
            .configure(console::routes)
            .configure(widget::routes)
            .configure(api::routes)
            .configure(mail_links::routes)
            .configure(help::routes)
            .configure(line_webhook::routes)
            .default_service(web::to(|| async {
                Err::<actix_web::HttpResponse, _>(AppError::NotFound)
            }))
    })
    .shutdown_timeout(10)
    .worker_max_blocking_threads(BLOCKING_THREADS_PER_WORKER)
    // Chat frames are small and must leave at once; Nagle's algorithm would hold them up to 40 ms.
    .tcp_nodelay(true)
    .shutdown_signal(stop_signal(closing.clone()))
    .listen(listener)?
    .run();
    Ok(Server(server, closing))
}

/// A server that has not been run yet.
pub struct Server(actix_web::dev::Server, watch::Sender<bool>);

impl Server {
    /// A handle to stop it from elsewhere.
    pub fn handle(&self) -> ServerHandle {
        ServerHandle(self.0.handle(), self.1.clone())
    }

    /// Serves until a stop signal (SIGINT, SIGTERM) or [`ServerHandle::stop`].
    pub async fn run(self) -> std::io::Result<()> {
        self.0.await
    }
}

/// Stops a running server.
#[derive(Clone)]
pub struct ServerHandle(actix_web::dev::ServerHandle, watch::Sender<bool>);

impl ServerHandle {
    /// Closes open sockets, stops accepting connections, lets in-flight requests finish, then returns.
    pub async fn stop(&self) {
        let _ = self.1.send(true);
        self.0.stop(true).await;
    }
}
