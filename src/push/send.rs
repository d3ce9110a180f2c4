//! Sending one push: the payload encrypted for the device (RFC 8291 aes128gcm, by `web-push-native`), the
//! VAPID header (RFC 8292), `TTL` and `Urgency` (RFC 8030 §5), and what the push service's answer means.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::{Job, Subscription, vapid};

/// How long a push service may keep a push for a device that is off (seconds): a notification about a
/// chat is worth little after a day.
const TTL_SECS: u64 = 24 * 3_600;

/// What became of an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted by the push service (201).
    Delivered,
    /// The subscription no longer exists (404, 410): remove it.
    Gone,
    /// Try again later: after this many seconds if the service said (429 `Retry-After`), else back off.
    Retry(Option<u64>, String),
    /// Refused for good (413 too large, 400, 401, 403): drop this push.
    Dropped(String),
}

/// What an answer's status means.
pub fn classify(status: u16, retry_after: Option<u64>) -> Outcome {
    match status {
        200..=299 => Outcome::Delivered,
        404 | 410 => Outcome::Gone,
        429 => Outcome::Retry(
            retry_after,
            "the push service asks to slow down (429)".into(),
        ),
        413 => Outcome::Dropped("the push is too large for the push service (413)".into()),
        500..=599 => Outcome::Retry(None, format!("the push service answered {status}")),
        other => Outcome::Dropped(format!("the push service refused it ({other})")),
    }
}

/// Sends `job` to its device with `client`, signed with the VAPID key `private`.
pub async fn send(
    client: &reqwest::Client,
    private: &str,
    contact: &str,
    subscription: &Subscription,
    job: &Job,
) -> Outcome {
    let keys = URL_SAFE_NO_PAD
        .decode(subscription.p256dh.trim_end_matches('='))
        .ok()
        .and_then(|k| web_push_native::p256::PublicKey::from_sec1_bytes(&k).ok());
    let auth = URL_SAFE_NO_PAD
        .decode(subscription.auth.trim_end_matches('='))
        .ok()
        .filter(|a| a.len() == 16);
    let endpoint: Option<http::Uri> = subscription.endpoint.parse().ok();
    let (Some(key), Some(auth), Some(endpoint)) = (keys, auth, endpoint) else {
        return Outcome::Gone;
    };
    let request = web_push_native::WebPushBuilder::new(
        endpoint,
        key,
        web_push_native::Auth::clone_from_slice(&auth),
    )
    .with_valid_duration(Duration::from_secs(TTL_SECS))
    .build(job.payload());
    let request = match request {
        Ok(r) => r,
        Err(e) => return Outcome::Dropped(format!("encrypting: {e}")),
    };
    let Some(authorization) = vapid::authorization(
        private,
        &subscription.endpoint,
        contact,
        crate::clock::now(),
    ) else {
        return Outcome::Dropped("the VAPID key cannot sign".into());
    };
    let mut post = client
        .post(&subscription.endpoint)
        .header("Authorization", authorization)
        .header("Urgency", "high");
    for (name, value) in request.headers() {
        if name != http::header::CONTENT_LENGTH {
            post = post.header(name.as_str(), value.as_bytes());
        }
    }
    match post.body(request.into_body()).send().await {
        Ok(answer) => {
            let retry_after = answer
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok());
            classify(answer.status().as_u16(), retry_after)
        }
        Err(e) => Outcome::Retry(None, format!("the push service could not be reached: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_mean_what_rfc_8030_says() {
        assert_eq!(classify(201, None), Outcome::Delivered);
        assert_eq!(classify(410, None), Outcome::Gone);
        assert_eq!(classify(404, None), Outcome::Gone);
        assert!(matches!(
            classify(429, Some(30)),
            Outcome::Retry(Some(30), _)
        ));
        assert!(matches!(classify(413, None), Outcome::Dropped(_)));
        assert!(matches!(classify(503, None), Outcome::Retry(None, _)));
        assert!(matches!(classify(403, None), Outcome::Dropped(_)));
    }
}
