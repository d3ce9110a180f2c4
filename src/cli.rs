//! The command line: `sodan [serve]`, `sodan admin create`. Parsing only; `main.rs` dispatches.
//!
//! Every server option can also come from a `SODAN_*` environment variable or from `sodan.toml`;
//! a flag wins over the environment, which wins over the file (see [`crate::config`]).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Self-hosted customer chat for small shops: one binary, one data file.
#[derive(Debug, Parser)]
#[command(name = "sodan", version, about, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// What to do; with none, `serve`.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of `serve`, also accepted without the word `serve`.
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve(ServeArgs),
    /// Write a consistent backup (versioned JSON lines) of the data, also while the server runs.
    Backup(BackupArgs),
    /// Restore a backup into an empty data directory (with the server stopped).
    Restore(BackupArgs),
    /// Check that the data file opens and every record and upload reads back.
    Check(DataOnly),
    /// Manage operator accounts from the shell (stop the server first: the data file has one writer).
    Admin {
        /// Which account task.
        #[command(subcommand)]
        command: AdminCommand,
    },
}

/// `sodan backup FILE` and `sodan restore FILE`.
#[derive(Debug, Clone, Args)]
pub struct BackupArgs {
    /// The backup file (`-` for standard output or input).
    pub file: std::path::PathBuf,
    /// Data directory and configuration file.
    #[command(flatten)]
    pub data: DataArgs,
}

/// Commands that need only the data directory.
#[derive(Debug, Clone, Args)]
pub struct DataOnly {
    /// Data directory and configuration file.
    #[command(flatten)]
    pub data: DataArgs,
}

/// `sodan admin ...`.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an account; the password is read from standard input, or prompted for on a terminal.
    Create(CreateAdminArgs),
    /// Set a new password for an account (for an operator who forgot theirs and has no mail): read from
    /// standard input, or prompted for on a terminal. Every session of the account ends.
    ResetPassword(ResetPasswordArgs),
    /// Remove an account's two-factor sign-in (a lost phone and no recovery code left): they sign in with
    /// their password and set it up again. Every session of the account ends.
    #[command(name = "reset-2fa")]
    ResetTwoFactor(ResetPasswordArgs),
}

/// `sodan admin reset-password`.
#[derive(Debug, Clone, Args)]
pub struct ResetPasswordArgs {
    /// The account's e-mail address.
    #[arg(long)]
    pub email: String,
    /// Data directory and configuration file.
    #[command(flatten)]
    pub data: DataArgs,
}

/// Options shared by every command that opens the data directory.
#[derive(Debug, Clone, Args, Default)]
pub struct DataArgs {
    /// Directory holding the data file (sodan.redb) and uploads [default: ./sodan-data]
    #[arg(long, env = "SODAN_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// PostgreSQL database several nodes share, e.g. postgres://sodan:password@db.internal/sodan
    /// (uploads then go to the data directory's uploads/, which the nodes must share, or to a bucket)
    /// [default: the redb file in the data directory]
    #[arg(
        long,
        env = "SODAN_DATABASE",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database: Option<String>,
    /// S3-compatible bucket for uploaded files instead of the data directory's uploads/, e.g.
    /// https://ACCESS_KEY:SECRET_KEY@s3.example.com/bucket?region=ap-northeast-1 [default: the folder]
    #[arg(
        long,
        env = "SODAN_UPLOADS_S3",
        value_name = "URL",
        hide_env_values = true
    )]
    pub uploads_s3: Option<String>,
    /// Configuration file [default: ./sodan.toml when it exists]
    #[arg(long, env = "SODAN_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Options of `sodan serve`.
#[derive(Debug, Clone, Args, Default)]
pub struct ServeArgs {
    /// Address and port to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "SODAN_BIND", value_name = "ADDR")]
    pub bind: Option<String>,
    /// NATS server that carries live messages between the nodes of one shop on PostgreSQL, e.g.
    /// nats://nats.internal:4222 [default: none, one node]
    #[arg(long, env = "SODAN_NATS", value_name = "URL", hide_env_values = true)]
    pub nats: Option<String>,
    /// Address visitors, operators and e-mails use to reach Sodan, e.g. https://chat.example.com
    /// [default: http:// + the bound address]
    #[arg(long, env = "SODAN_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// Log format [default: text]
    #[arg(long, env = "SODAN_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
    /// Trust X-Forwarded-For / X-Forwarded-Proto from a reverse proxy in front of Sodan
    #[arg(long, env = "SODAN_BEHIND_PROXY")]
    pub behind_proxy: Option<bool>,
    /// How many proxies in front of Sodan append to X-Forwarded-For: the client is the address that many
    /// entries from the right [default: 1]
    #[arg(long, env = "SODAN_TRUSTED_PROXIES", value_name = "N")]
    pub trusted_proxies: Option<usize>,
    /// Largest attachment visitors and operators may upload, in megabytes [default: 10]
    #[arg(long, env = "SODAN_MAX_UPLOAD_MB", value_name = "MB")]
    pub max_upload_mb: Option<u64>,
    /// Chat messages one visitor may send a minute (and at once); ten times that per address [default: 20]
    #[arg(long, env = "SODAN_VISITOR_MESSAGES_PER_MINUTE", value_name = "N")]
    pub visitor_messages_per_minute: Option<u32>,
    /// Page views one visitor may report a minute; ten times that per address [default: 60]
    #[arg(long, env = "SODAN_VISITOR_PAGE_VIEWS_PER_MINUTE", value_name = "N")]
    pub visitor_page_views_per_minute: Option<u32>,
    /// Events (track, set, cart, identify) one visitor may send a minute; ten times that per address
    /// [default: 120]
    #[arg(long, env = "SODAN_VISITOR_EVENTS_PER_MINUTE", value_name = "N")]
    pub visitor_events_per_minute: Option<u32>,
    /// New visitors (widgets without a token) one client address may start a minute [default: 30]
    #[arg(long, env = "SODAN_NEW_VISITORS_PER_MINUTE", value_name = "N")]
    pub new_visitors_per_minute: Option<u32>,
    /// Files one visitor may upload a day [default: 30]
    #[arg(long, env = "SODAN_VISITOR_UPLOADS_PER_DAY", value_name = "N")]
    pub visitor_uploads_per_day: Option<u32>,
    /// The most chat widget sockets one client address may hold open [default: 200]
    #[arg(long, env = "SODAN_MAX_SOCKETS_PER_IP", value_name = "N")]
    pub max_sockets_per_ip: Option<usize>,
    /// Seconds before a mail that failed is tried again, four times longer each time [default: 30]
    #[arg(long, env = "SODAN_MAIL_RETRY_SECS", value_name = "SECS")]
    pub mail_retry_secs: Option<u64>,
    /// Page views kept per customer, newest first; counters keep counting [default: 1000]
    #[arg(long, env = "SODAN_HISTORY_PAGE_VIEWS", value_name = "N")]
    pub history_page_views: Option<usize>,
    /// Tracked events kept per customer, newest first; counters keep counting [default: 5000]
    #[arg(long, env = "SODAN_HISTORY_EVENTS", value_name = "N")]
    pub history_events: Option<usize>,
    /// Bearer token that lets other hosts read /metrics [default: loopback clients only]
    #[arg(
        long,
        env = "SODAN_METRICS_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub metrics_token: Option<String>,
    /// Data directory and configuration file.
    #[command(flatten)]
    pub data: DataArgs,
}

/// `sodan admin create`.
#[derive(Debug, Clone, Args)]
pub struct CreateAdminArgs {
    /// E-mail address to sign in with.
    #[arg(long)]
    pub email: String,
    /// Name shown to colleagues and visitors [default: the part of the e-mail before @]
    #[arg(long)]
    pub name: Option<String>,
    /// Role of the new account.
    #[arg(long, value_enum, default_value = "owner")]
    pub role: RoleArg,
    /// Data directory and configuration file.
    #[command(flatten)]
    pub data: DataArgs,
}

/// Roles as written on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    /// Runs the shop's Sodan: settings, team, everything an admin can do.
    Owner,
    /// Manages settings and the team.
    Admin,
    /// Answers conversations.
    Operator,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}
