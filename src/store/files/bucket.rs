//! Uploaded files in an S3-compatible bucket (Amazon S3, MinIO, Garage, Ceph, Cloudflare R2...), for nodes
//! that share no disk.
//!
//! rusty-s3 signs each request (AWS Signature Version 4, as a URL valid for one minute) and the server's
//! own HTTP client sends it: no second HTTP stack, and no SDK that pulls in a runtime of its own. S3 answers
//! a PUT only once the object is stored durably, so a file is in the bucket before the message that refers
//! to it is committed, as with the folder.

use std::time::Duration;

use reqwest::{StatusCode, Url};
use rusty_s3::actions::{DeleteObject, GetObject, PutObject, S3Action};
use rusty_s3::{Credentials, UrlStyle};

use crate::store::Error;

/// How long a signed request stays valid: long enough for a slow upload to start.
const SIGNED_FOR: Duration = Duration::from_secs(60);
/// The longest one request may take (a 10 MB file on a slow link included).
const TIMEOUT: Duration = Duration::from_secs(120);

/// A bucket and the keys that may write it.
pub struct Bucket {
    bucket: rusty_s3::Bucket,
    credentials: Credentials,
    /// Put before every object's name (`shop-a/`), so several shops may share one bucket.
    prefix: String,
    client: reqwest::Client,
}

impl std::fmt::Debug for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the keys.
        write!(f, "Bucket({})", self.bucket.name())
    }
}

fn decoded(part: &str) -> String {
    percent_encoding::percent_decode_str(part)
        .decode_utf8_lossy()
        .into_owned()
}

impl Bucket {
    /// The bucket `url` names: `https://ACCESS_KEY:SECRET_KEY@host[:port]/BUCKET[/PREFIX]`, with
    /// `?region=R` (default `us-east-1`) and `?style=virtual` for virtual-hosted-style addresses (default:
    /// path-style, which every S3-compatible server takes). Keys with `/`, `+` or `@` are percent-encoded.
    /// The error never repeats the URL (it holds the secret key).
    pub fn parse(url: &str) -> Result<Bucket, String> {
        let parsed = Url::parse(url).map_err(|e| format!("the uploads bucket URL: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err("the uploads bucket URL must start with https:// (or http://)".into());
        }
        let (key, secret) = (decoded(parsed.username()), parsed.password().map(decoded));
        let Some(secret) = secret.filter(|s| !key.is_empty() && !s.is_empty()) else {
            return Err(
                "the uploads bucket URL must hold the access key and secret key: \
                 https://ACCESS_KEY:SECRET_KEY@host/bucket"
                    .into(),
            );
        };
        let mut segments = parsed
            .path_segments()
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty());
        let Some(name) = segments.next().map(decoded) else {
            return Err(
                "the uploads bucket URL must name the bucket: https://…@host/bucket".into(),
            );
        };
        let prefix: String = segments.map(|s| format!("{}/", decoded(s))).collect();
        let (mut region, mut style) = ("us-east-1".to_owned(), UrlStyle::Path);
        for (k, v) in parsed.query_pairs() {
            match (k.as_ref(), v.as_ref()) {
                ("region", r) if !r.is_empty() => region = r.to_owned(),
                ("style", "virtual") => style = UrlStyle::VirtualHost,
                ("style", "path") => style = UrlStyle::Path,
                (other, _) => {
                    return Err(format!(
                        "the uploads bucket URL: unknown option {other:?} (region=, style=virtual|path)"
                    ));
                }
            }
        }
        let mut endpoint = parsed.clone();
        endpoint.set_path("/");
        endpoint.set_query(None);
        let _ = endpoint.set_username("");
        let _ = endpoint.set_password(None);
        let bucket = rusty_s3::Bucket::new(endpoint, style, name, region)
            .map_err(|e| format!("the uploads bucket URL: {e}"))?;
        // The client speaks TLS with the provider the server installs at start; a command or test that
        // reaches here first installs it (nothing happens when one is installed already).
        crate::app::install_tls();
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            // A redirect would carry a signature made for another address.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("the uploads bucket's HTTP client: {e}"))?;
        Ok(Bucket {
            bucket,
            credentials: Credentials::new(key, secret),
            prefix,
            client,
        })
    }

    fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// Stores `bytes` as `name`; returns once the bucket has them.
    pub async fn put(&self, name: &str, bytes: Vec<u8>) -> Result<(), Error> {
        let key = self.key(name);
        let url = PutObject::new(&self.bucket, Some(&self.credentials), &key).sign(SIGNED_FOR);
        let response = self.client.put(url).body(bytes).send().await;
        self.expect_success("PUT", name, response).await.map(drop)
    }

    /// The bytes stored as `name`.
    pub async fn get(&self, name: &str) -> Result<Vec<u8>, Error> {
        let key = self.key(name);
        let url = GetObject::new(&self.bucket, Some(&self.credentials), &key).sign(SIGNED_FOR);
        let response = self.client.get(url).send().await;
        let response = self.expect_success("GET", name, response).await?;
        let bytes = response.bytes().await.map_err(|e| failed("GET", name, e))?;
        Ok(bytes.to_vec())
    }

    /// Removes `name` (S3 answers a removal of what is not there as done).
    pub async fn delete(&self, name: &str) -> Result<(), Error> {
        let key = self.key(name);
        let url = DeleteObject::new(&self.bucket, Some(&self.credentials), &key).sign(SIGNED_FOR);
        let response = self.client.delete(url).send().await;
        self.expect_success("DELETE", name, response)
            .await
            .map(drop)
    }

    /// The response when its status is a success; otherwise the error, with S3's own code and message
    /// (`<Code>AccessDenied</Code>…`) so the log says what the bucket refused.
    async fn expect_success(
        &self,
        method: &str,
        name: &str,
        response: reqwest::Result<reqwest::Response>,
    ) -> Result<reqwest::Response, Error> {
        let response = response.map_err(|e| failed(method, name, e.without_url()))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body = response.text().await.unwrap_or_default();
        let said: String = body.chars().take(300).collect();
        let what = if status == StatusCode::NOT_FOUND {
            "not in the bucket"
        } else {
            "refused"
        };
        Err(Error::Storage(format!(
            "uploads bucket {}: {method} {name} {what} ({status}): {said}",
            self.bucket.name()
        )))
    }
}

fn failed(method: &str, name: &str, e: impl std::fmt::Display) -> Error {
    Error::Storage(format!("uploads bucket: {method} {name}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::Bucket;

    #[test]
    fn the_url_names_keys_bucket_prefix_region_and_style() {
        let b = Bucket::parse(
            "https://AKID:se%2Fcr%2Bet@s3.example.com/shop-files/a/b?region=ap-northeast-1",
        )
        .unwrap();
        assert_eq!(b.bucket.name(), "shop-files");
        assert_eq!(b.bucket.region(), "ap-northeast-1");
        assert_eq!(b.prefix, "a/b/");
        assert_eq!(b.credentials.key(), "AKID");
        assert_eq!(
            b.credentials.secret(),
            "se/cr+et",
            "percent-encoded keys are decoded"
        );
        assert_eq!(
            b.bucket.object_url("a/b/x").as_str(),
            "https://s3.example.com/shop-files/a/b/x",
            "path-style by default, no keys in the address"
        );
        let v = Bucket::parse("https://k:hunter2@s3.example.com/shop?style=virtual").unwrap();
        assert_eq!(
            v.bucket.object_url("x").as_str(),
            "https://shop.s3.example.com/x"
        );
        assert_eq!(
            format!("{v:?}"),
            "Bucket(shop)",
            "Debug never shows the keys"
        );
    }

    #[test]
    fn a_url_without_keys_or_bucket_is_refused_without_repeating_it() {
        for (url, says) in [
            ("https://s3.example.com/shop", "access key"),
            ("https://k:@s3.example.com/shop", "access key"),
            ("https://k:hunter2@s3.example.com/", "name the bucket"),
            ("ftp://k:hunter2@s3.example.com/shop", "https://"),
            (
                "https://k:hunter2@s3.example.com/shop?acl=public",
                "unknown option",
            ),
        ] {
            let e = Bucket::parse(url).unwrap_err();
            assert!(e.contains(says), "{url}: {e}");
            assert!(!e.contains("hunter2"), "the secret is not repeated: {e}");
        }
    }
}
