//! CSRF protection by double submit: a random token lives in a `SameSite=Strict`, HttpOnly cookie and in a
//! hidden field of every form; a state-changing request is accepted only when both are present and equal.
//! A foreign site can make the browser send the cookie, but cannot read it to fill in the field.

use crate::tokens;

/// The cookie that carries the token.
pub const COOKIE: &str = "sodan_csrf";
/// The form field that carries the token.
pub const FIELD: &str = "csrf";

/// A fresh token.
pub fn new_token() -> String {
    tokens::random()
}

/// Whether a submitted form's token matches the cookie.
pub fn verify(cookie: Option<&str>, submitted: &str) -> bool {
    match cookie {
        Some(cookie) if !cookie.is_empty() => {
            tokens::constant_time_eq(cookie.as_bytes(), submitted.as_bytes())
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_matching_pair_passes() {
        let t = new_token();
        assert!(verify(Some(&t), &t));
        assert!(!verify(Some(&t), ""));
        assert!(!verify(None, &t));
        assert!(!verify(Some(""), ""));
        assert!(!verify(Some(&t), &new_token()));
    }
}
