//! VAPID (RFC 8292): the server's P-256 key pair, made once and kept in the data file, and the
//! `Authorization: vapid t=JWT, k=KEY` header that tells a push service who sends (a JWT signed with ES256,
//! RFC 7515/7518, naming the push service's origin, an expiry within 24 hours and a contact).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::{Signature, SigningKey, signature::Signer};

/// How long a signed header is valid (RFC 8292 §2: at most 24 hours).
const VALID_SECS: u64 = 12 * 3_600;

/// A new private key, as the base64url of its 32 bytes (how it is stored).
pub fn new_private_key() -> String {
    loop {
        let bytes = crate::tokens::random_bytes::<32>();
        if SigningKey::from_slice(&bytes).is_ok() {
            return URL_SAFE_NO_PAD.encode(bytes);
        }
    }
}

fn signing_key(private: &str) -> Option<SigningKey> {
    let bytes = URL_SAFE_NO_PAD.decode(private).ok()?;
    SigningKey::from_slice(&bytes).ok()
}

/// The public key browsers subscribe with (`applicationServerKey`): the uncompressed point, base64url.
pub fn public_key(private: &str) -> Option<String> {
    let key = signing_key(private)?;
    let point = key.verifying_key().to_encoded_point(false);
    Some(URL_SAFE_NO_PAD.encode(point.as_bytes()))
}

/// The origin (`scheme://host[:port]`) of a push endpoint: the JWT's audience.
pub fn audience(endpoint: &str) -> Option<String> {
    let (scheme, rest) = endpoint.split_once("://")?;
    let host = rest.split('/').next()?;
    (!host.is_empty()).then(|| format!("{scheme}://{host}"))
}

/// The `Authorization` header for a push to `endpoint`, signed at `now` (Unix seconds).
pub fn authorization(private: &str, endpoint: &str, contact: &str, now: u64) -> Option<String> {
    let key = signing_key(private)?;
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
    let claims = serde_json::json!({
        "aud": audience(endpoint)?,
        "exp": now + VALID_SECS,
        "sub": contact,
    });
    let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{claims}");
    let signature: Signature = key.sign(signing_input.as_bytes());
    let jwt = format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature.to_bytes())
    );
    Some(format!("vapid t={jwt}, k={}", public_key(private)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::{VerifyingKey, signature::Verifier};

    #[test]
    fn the_header_carries_a_jwt_the_public_key_verifies() {
        let private = new_private_key();
        let header = authorization(
            &private,
            "https://push.example.net/send/abc",
            "mailto:a@b",
            1_000,
        )
        .unwrap();
        let (t, k) = header
            .strip_prefix("vapid t=")
            .unwrap()
            .split_once(", k=")
            .unwrap();
        assert_eq!(k, public_key(&private).unwrap());
        let parts: Vec<&str> = t.split('.').collect();
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["aud"], "https://push.example.net");
        assert_eq!(claims["exp"], 1_000 + VALID_SECS);
        let point = URL_SAFE_NO_PAD.decode(k).unwrap();
        let key = VerifyingKey::from_sec1_bytes(&point).unwrap();
        let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap()).unwrap();
        key.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
            .expect("ES256 over header.claims");
    }
}
