//! Password hashing with argon2id (OWASP parameters: 19 MiB, 2 passes, 1 lane), always in the blocking
//! pool because one hash takes tens of milliseconds of CPU.

use std::sync::OnceLock;

use argon2::password_hash::phc::PasswordHash as Phc;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};

/// A PHC-format argon2id hash. Its `Debug` hides the value so it never lands in a log.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PasswordHash(String);

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

fn hash_blocking(password: &str) -> PasswordHash {
    let phc = hasher()
        .hash_password(password.as_bytes())
        .expect("argon2 with default parameters cannot fail on a bounded password");
    PasswordHash(phc.to_string())
}

/// A hash of a password nobody knows, verified when an e-mail address has no account, so the answer takes
/// as long as for a real account and timing does not reveal which addresses exist.
fn dummy_hash() -> &'static PasswordHash {
    static DUMMY: OnceLock<PasswordHash> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking(&crate::tokens::random()))
}

/// Hashes a new password.
pub async fn hash(password: String) -> PasswordHash {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .expect("password hashing task panicked")
}

/// Checks `password` against `hash`, or against a dummy hash when there is no account; `true` only for a
/// real hash that matches.
pub async fn verify(password: String, hash: Option<PasswordHash>) -> bool {
    tokio::task::spawn_blocking(move || {
        let real = hash.is_some();
        let stored = hash.unwrap_or_else(|| dummy_hash().clone());
        let ok = Phc::new(&stored.0)
            .map(|phc| hasher().verify_password(password.as_bytes(), &phc).is_ok())
            .unwrap_or(false);
        real && ok
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify_only_the_right_password() {
        let h = hash("correct horse battery".into()).await;
        assert!(
            h.0.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            h.0
        );
        assert!(verify("correct horse battery".into(), Some(h.clone())).await);
        assert!(!verify("wrong horse battery".into(), Some(h.clone())).await);
        assert!(!verify("correct horse battery".into(), None).await);
        assert_eq!(format!("{h:?}"), "PasswordHash(..)");
    }
}
