//! Logging through `tracing`: human-readable lines by default, JSON lines on request.
//! The level comes from `SODAN_LOG` (e.g. `debug`, `sodan=debug,actix_web=info`), default `info`.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::cli::LogFormat;

/// Installs the global log subscriber once for the process; later calls do nothing.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_env("SODAN_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::stdout().is_terminal());
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
