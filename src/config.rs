//! Configuration: raw values (flags > `SODAN_*` environment > `sodan.toml` > defaults) become one
//! validated [`Config`]. Every path Sodan writes derives from `data_dir`, so backup and permissions are
//! one folder.

use std::path::PathBuf;

use serde::Deserialize;

use crate::cli::{DataArgs, LogFormat, ServeArgs};
use crate::store::{Files, HistoryLimits};

/// Where the server listens when nothing says otherwise.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
/// The data directory when nothing says otherwise (relative to the working directory).
pub const DEFAULT_DATA_DIR: &str = "sodan-data";
/// Widget sockets one client address may hold open when nothing says otherwise (a shop's visitors behind one
/// office or mobile-carrier NAT share an address).
pub const DEFAULT_MAX_SOCKETS_PER_IP: usize = 200;
/// The first retry of a failed mail, in seconds.
pub const DEFAULT_MAIL_RETRY_SECS: u64 = 30;
/// The configuration file read when it exists and no other is named.
pub const DEFAULT_CONFIG_FILE: &str = "sodan.toml";

/// The validated configuration of one Sodan server.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on, e.g. `127.0.0.1:8080` (port 0 picks a free port).
    pub bind: String,
    /// The directory holding every file Sodan writes.
    pub data_dir: PathBuf,
    /// The PostgreSQL database several nodes share (its URL may hold a password); `None`: the redb file.
    pub database: Option<Secret>,
    /// The NATS server relaying live frames between the nodes (its URL may hold a password).
    pub nats: Option<Secret>,
    /// The S3-compatible bucket holding uploaded files (its URL holds the keys); `None`: the data
    /// directory's `uploads/` folder.
    pub uploads_s3: Option<Secret>,
    /// The address people use to reach Sodan, without a trailing slash; `None` derives it from the bound
    /// address once the listener is bound.
    pub public_url: Option<String>,
    /// How log lines are written.
    pub log_format: LogFormat,
    /// Whether a reverse proxy's X-Forwarded-* headers are trusted (client address, HTTPS).
    pub behind_proxy: bool,
    /// How many trusted proxies append to X-Forwarded-For (the client is that many entries from the right).
    pub trusted_proxies: usize,
    /// The largest attachment accepted, in bytes.
    pub max_upload_bytes: u64,
    /// The most widget sockets one client address may hold open.
    pub max_sockets_per_ip: usize,
    /// What one visitor or address may make Sodan store.
    pub budgets: crate::budgets::Budgets,
    /// Bearer token that opens `/metrics` to other hosts; without it only loopback clients may read it.
    pub metrics_token: Option<Secret>,
    /// How much page-view and event history each customer keeps.
    pub history: HistoryLimits,
    /// The wait before a mail that failed for a passing reason is tried again (then four times longer
    /// each time, up to six hours).
    pub mail_retry_secs: u64,
}

/// A secret setting whose `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Config {
    /// A configuration for `data_dir` with every other value at its default.
    pub fn with_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            bind: DEFAULT_BIND.to_owned(),
            data_dir: data_dir.into(),
            database: None,
            nats: None,
            uploads_s3: None,
            public_url: None,
            log_format: LogFormat::Text,
            behind_proxy: false,
            trusted_proxies: 1,
            max_upload_bytes: crate::uploads::DEFAULT_MAX_MB * 1024 * 1024,
            metrics_token: None,
            max_sockets_per_ip: DEFAULT_MAX_SOCKETS_PER_IP,
            budgets: crate::budgets::Budgets::default(),
            history: HistoryLimits::default(),
            mail_retry_secs: DEFAULT_MAIL_RETRY_SECS,
        }
    }

    /// The redb data file.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("sodan.redb")
    }

    /// Where uploaded files are kept: the bucket when one is set, else `uploads/` in the data directory.
    pub fn files(&self) -> Result<Files, ConfigError> {
        Files::choose(
            self.data_dir.join("uploads"),
            self.uploads_s3.as_ref().map(|s| s.0.as_str()),
        )
        .map_err(ConfigError::Uploads)
    }

    /// Where the one-time setup link is written while no owner account exists, so an install script
    /// (running as root) can show it.
    pub fn setup_url_path(&self) -> PathBuf {
        self.data_dir.join("setup-url")
    }

    /// Builds the server configuration from parsed flags (which already include the environment) and the
    /// configuration file.
    pub fn from_args(args: &ServeArgs) -> Result<Self, ConfigError> {
        let file = FileConfig::load(&args.data)?;
        let budgets = budgets(args, &file);
        let public_url = match args.public_url.clone().or(file.public_url) {
            Some(url) => Some(validate_public_url(&url)?),
            None => None,
        };
        Ok(Self {
            bind: args
                .bind
                .clone()
                .or(file.bind)
                .unwrap_or_else(|| DEFAULT_BIND.to_owned()),
            data_dir: data_dir(&args.data, file.data_dir),
            database: args
                .data
                .database
                .clone()
                .or(file.database)
                .filter(|url| !url.is_empty())
                .map(Secret),
            nats: args
                .nats
                .clone()
                .or(file.nats)
                .filter(|url| !url.is_empty())
                .map(Secret),
            uploads_s3: uploads_s3(&args.data, file.uploads_s3),
            public_url,
            log_format: args.log_format.or(file.log_format).unwrap_or_default(),
            behind_proxy: args.behind_proxy.or(file.behind_proxy).unwrap_or(false),
            trusted_proxies: args
                .trusted_proxies
                .or(file.trusted_proxies)
                .unwrap_or(1)
                .max(1),
            max_upload_bytes: args
                .max_upload_mb
                .or(file.max_upload_mb)
                .unwrap_or(crate::uploads::DEFAULT_MAX_MB)
                .saturating_mul(1024 * 1024),
            metrics_token: args
                .metrics_token
                .clone()
                .or(file.metrics_token)
                .filter(|t| !t.is_empty())
                .map(Secret),
            budgets,
            max_sockets_per_ip: args
                .max_sockets_per_ip
                .or(file.max_sockets_per_ip)
                .unwrap_or(DEFAULT_MAX_SOCKETS_PER_IP),
            mail_retry_secs: args
                .mail_retry_secs
                .or(file.mail_retry_secs)
                .unwrap_or(DEFAULT_MAIL_RETRY_SECS)
                .max(1),
            history: HistoryLimits {
                page_views: args
                    .history_page_views
                    .or(file.history_page_views)
                    .unwrap_or(HistoryLimits::default().page_views)
                    .max(1),
                events: args
                    .history_events
                    .or(file.history_events)
                    .unwrap_or(HistoryLimits::default().events)
                    .max(1),
            },
        })
    }

    /// The data directory for commands that only open the data file (e.g. `sodan admin`).
    pub fn data_dir_from(args: &DataArgs) -> Result<PathBuf, ConfigError> {
        let file = FileConfig::load(args)?;
        Ok(data_dir(args, file.data_dir))
    }

    /// Where uploaded files are kept, for commands that read or write them (`backup`, `restore`, `check`).
    pub fn files_from(args: &DataArgs) -> Result<Files, ConfigError> {
        let file = FileConfig::load(args)?;
        let mut config = Config::with_data_dir(data_dir(args, file.data_dir));
        config.uploads_s3 = uploads_s3(args, file.uploads_s3);
        config.files()
    }

    /// The PostgreSQL database for commands that read or write the data (`backup`, `restore`, `check`),
    /// from the flag, the environment or the file; `None`: the redb file.
    pub fn database_from(args: &DataArgs) -> Result<Option<Secret>, ConfigError> {
        let file = FileConfig::load(args)?;
        Ok(args
            .database
            .clone()
            .or(file.database)
            .filter(|url| !url.is_empty())
            .map(Secret))
    }
}

fn uploads_s3(args: &DataArgs, from_file: Option<String>) -> Option<Secret> {
    args.uploads_s3
        .clone()
        .or(from_file)
        .filter(|url| !url.is_empty())
        .map(Secret)
}

fn data_dir(args: &DataArgs, from_file: Option<PathBuf>) -> PathBuf {
    args.data_dir
        .clone()
        .or(from_file)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR))
}

/// `sodan.toml`: the same options as the flags, all optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    bind: Option<String>,
    data_dir: Option<PathBuf>,
    database: Option<String>,
    nats: Option<String>,
    uploads_s3: Option<String>,
    public_url: Option<String>,
    log_format: Option<LogFormat>,
    behind_proxy: Option<bool>,
    trusted_proxies: Option<usize>,
    max_upload_mb: Option<u64>,
    metrics_token: Option<String>,
    max_sockets_per_ip: Option<usize>,
    visitor_messages_per_minute: Option<u32>,
    visitor_page_views_per_minute: Option<u32>,
    visitor_events_per_minute: Option<u32>,
    new_visitors_per_minute: Option<u32>,
    visitor_uploads_per_day: Option<u32>,
    mail_retry_secs: Option<u64>,
    history_page_views: Option<usize>,
    history_events: Option<usize>,
}

impl FileConfig {
    /// Reads the named file (which must exist) or `./sodan.toml` when present.
    fn load(args: &DataArgs) -> Result<Self, ConfigError> {
        let (path, required) = match &args.config {
            Some(path) => (path.clone(), true),
            None => (PathBuf::from(DEFAULT_CONFIG_FILE), false),
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => basic_toml::from_str(&text).map_err(|e| ConfigError::File {
                path,
                message: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => Ok(Self::default()),
            Err(e) => Err(ConfigError::File {
                path,
                message: e.to_string(),
            }),
        }
    }
}

/// Checks a public URL is absolute http(s) and drops a trailing slash.
fn validate_public_url(url: &str) -> Result<String, ConfigError> {
    let trimmed = url.trim().trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => {
            Ok(trimmed.to_owned())
        }
        _ => Err(ConfigError::PublicUrl(url.to_owned())),
    }
}

/// What can be wrong with the configuration; each message names the fix.
#[derive(Debug)]
pub enum ConfigError {
    /// The configuration file could not be read or parsed.
    File {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        message: String,
    },
    /// The public URL is not an absolute http(s) address.
    PublicUrl(String),
    /// The uploads bucket's URL is not one Sodan can use (the message never repeats the URL: it holds
    /// the keys).
    Uploads(String),
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File { path, message } => {
                write!(
                    f,
                    "cannot use configuration file {}: {message}",
                    path.display()
                )
            }
            Self::Uploads(why) => write!(f, "--uploads-s3 (SODAN_UPLOADS_S3): {why}"),
            Self::PublicUrl(url) => write!(
                f,
                "public URL {url:?} is not an absolute http(s) address; set --public-url (SODAN_PUBLIC_URL) \
                 to something like https://chat.example.com"
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

/// The budgets from flags, environment and file (a rate of N a minute allows N at once).
fn budgets(args: &ServeArgs, file: &FileConfig) -> crate::budgets::Budgets {
    use crate::budgets::{Budgets, Rate};
    let mut b = Budgets::default();
    let rate = |n: u32| Rate {
        burst: n.max(1),
        per_minute: n.max(1),
    };
    if let Some(n) = args
        .visitor_messages_per_minute
        .or(file.visitor_messages_per_minute)
    {
        b.messages = rate(n);
    }
    if let Some(n) = args
        .visitor_page_views_per_minute
        .or(file.visitor_page_views_per_minute)
    {
        b.pages = rate(n);
    }
    if let Some(n) = args
        .visitor_events_per_minute
        .or(file.visitor_events_per_minute)
    {
        b.events = rate(n);
    }
    if let Some(n) = args
        .new_visitors_per_minute
        .or(file.new_visitors_per_minute)
    {
        b.new_visitors = rate(n);
    }
    if let Some(n) = args
        .visitor_uploads_per_day
        .or(file.visitor_uploads_per_day)
    {
        b.uploads_per_day = n;
    }
    b
}

#[cfg(test)]
mod tests;
