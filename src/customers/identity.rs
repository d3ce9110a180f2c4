//! Identity verification: the shop's server computes `HMAC-SHA256(identity secret, user id)` as hex (what
//! Intercom calls `user_hash` and Chatwoot `identifier_hash`), so nobody can claim another customer's id
//! and read their history.

use hmac::{KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = hmac::Hmac<Sha256>;

/// The hex HMAC the shop's server sends for `user_id`.
pub fn user_hash(secret: &str, user_id: &str) -> String {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(user_id.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `hash` (hex, either case) is the HMAC of `user_id`; compared in constant time.
pub fn verify(secret: &str, user_id: &str, hash: &str) -> bool {
    if secret.is_empty() || hash.len() != 64 || !hash.is_ascii() {
        return false;
    }
    let Ok(bytes) = (0..64)
        .step_by(2)
        .map(|i| u8::from_str_radix(&hash[i..i + 2], 16))
        .collect::<Result<Vec<u8>, _>>()
    else {
        return false;
    };
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(user_id.as_bytes());
    mac.verify_slice(&bytes).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_matches_the_rfc_4231_vector_and_only_verifies_its_own_id() {
        // RFC 4231 test case 2.
        assert_eq!(
            user_hash("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let hash = user_hash("secret", "user-1");
        assert!(verify("secret", "user-1", &hash));
        assert!(verify("secret", "user-1", &hash.to_uppercase()));
        assert!(!verify("secret", "user-2", &hash));
        assert!(!verify("other", "user-1", &hash));
        assert!(!verify("", "user-1", &user_hash("", "user-1")));
        assert!(!verify("secret", "user-1", "zz"));
        assert!(!verify("secret", "user-1", &"é".repeat(32)));
    }
}
