//! Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"): a browser that signed
//! in to an account once carries a signed cookie naming that account. While guesses from elsewhere have
//! the account locked, that browser is counted on its own, so an attacker cannot keep the owner out.

use crate::customers::identity;

/// The cookie's name.
pub const COOKIE: &str = "sodan_device";
/// How long a device stays known (a year).
pub const LIFETIME_SECS: i64 = 365 * 86_400;

fn signed_text(account: &str, nonce: &str) -> String {
    format!("device:{}:{nonce}", account.trim().to_lowercase())
}

/// A new device cookie value for `account` (its e-mail address).
pub fn issue(secret: &str, account: &str) -> String {
    let nonce = crate::tokens::random()[..24].to_owned();
    let mac = identity::user_hash(secret, &signed_text(account, &nonce));
    format!("{nonce}.{mac}")
}

/// The device's id when `cookie` was issued for `account` with `secret`.
pub fn recognise(secret: &str, account: &str, cookie: &str) -> Option<String> {
    let (nonce, mac) = cookie.split_once('.')?;
    identity::verify(secret, &signed_text(account, nonce), mac).then(|| nonce.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_cookie_names_one_account() {
        let cookie = issue("secret", "Owner@Shop.example");
        assert!(recognise("secret", "owner@shop.example", &cookie).is_some());
        assert!(recognise("secret", "other@shop.example", &cookie).is_none());
        assert!(recognise("another secret", "owner@shop.example", &cookie).is_none());
        assert!(recognise("secret", "owner@shop.example", "forged.0000").is_none());
    }
}
