//! Password-reset links: signed with a server secret, valid for an hour, and bound to the password they
//! replace, so a link works once (after the reset the password, and so the signature, differ) and a link
//! mailed before another reset is dead too.

use crate::customers::identity;
use crate::operators::Operator;

/// How long a link works.
pub const VALID_SECS: u64 = 3_600;

fn signed_text(op: &Operator, expires: u64) -> String {
    format!("reset:{}:{expires}:{}", op.id, op.password_hash.phc())
}

/// The token for `op`'s reset link, valid until `now + VALID_SECS`.
pub fn issue(secret: &str, op: &Operator, now: u64) -> String {
    let expires = now + VALID_SECS;
    format!(
        "{}.{expires}.{}",
        op.id,
        identity::user_hash(secret, &signed_text(op, expires))
    )
}

/// The account a token names, before its signature is checked (to load it).
pub fn account_of(token: &str) -> Option<u64> {
    token.split('.').next()?.parse().ok()
}

/// Whether `token` is a live link for `op` at `now`.
pub fn verify(secret: &str, op: &Operator, token: &str, now: u64) -> bool {
    let mut parts = token.split('.');
    let (Some(id), Some(expires), Some(mac), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let Ok(expires) = expires.parse::<u64>() else {
        return false;
    };
    id == op.id.to_string()
        && now <= expires
        && !op.disabled
        && identity::verify(secret, &signed_text(op, expires), mac)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn operator(hash: &str, disabled: bool) -> Operator {
        serde_json::from_value(serde_json::json!({
            "id": 7, "email": "hana@shop.example", "name": "Hana", "role": "owner",
            "password_hash": hash, "disabled": disabled, "created_at": 0
        }))
        .unwrap()
    }

    #[test]
    fn a_link_works_for_an_hour_for_its_account_and_its_password_only() {
        let op = operator("$argon2id$v=19$old", false);
        let token = issue("secret", &op, 1_000);
        assert_eq!(account_of(&token), Some(7));
        assert!(verify("secret", &op, &token, 1_000 + VALID_SECS));
        assert!(
            !verify("secret", &op, &token, 1_001 + VALID_SECS),
            "expired"
        );
        assert!(!verify("other secret", &op, &token, 1_000));
        assert!(
            !verify(
                "secret",
                &operator("$argon2id$v=19$new", false),
                &token,
                1_000
            ),
            "used"
        );
        assert!(
            !verify(
                "secret",
                &operator("$argon2id$v=19$old", true),
                &token,
                1_000
            ),
            "disabled"
        );
        let longer = token.replace(".", ".9");
        assert!(
            !verify("secret", &op, &longer, 1_000),
            "a changed expiry breaks the signature"
        );
        assert!(!verify("secret", &op, "7.99999999999", 1_000));
    }
}
