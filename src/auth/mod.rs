//! Who is signing in: password hashing, sessions, CSRF tokens and login rate limits.
//!
//! Framework-free: the actix extractors that use these live in `web/`.

pub mod csrf;
pub mod device;
pub mod password;
pub mod rate_limit;
pub mod reset;
pub mod session;
pub mod two_factor;
