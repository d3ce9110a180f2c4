//! Reading API request bodies exactly as the OpenAPI document describes them: JSON only (415 otherwise),
//! at most [`MAX_BODY_BYTES`] (413), an object whose fields are the documented ones with the documented
//! types (422 names the field), so what the document allows is accepted and what it refuses is refused.

use actix_web::HttpRequest;
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use serde_json::{Map, Value};

use super::{Refusal, error};

/// The largest request body the API reads.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Whether the request says its body is JSON (`application/json`, any parameters, any case).
fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

/// The body as JSON: 415 unless sent as `application/json`, 413 when too large, 400 when not JSON.
pub fn json(req: &HttpRequest, body: &[u8]) -> Result<Value, Refusal> {
    if !is_json(req) {
        return Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with Content-Type: application/json",
        ));
    }
    if body.len() > MAX_BODY_BYTES {
        return Err(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            &format!("the body is larger than {MAX_BODY_BYTES} bytes"),
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            &format!("invalid JSON: {e}"),
        )
    })
}

/// 2^64: the first whole number a u64 cannot hold (exact as an f64).
const TWO_TO_THE_64: f64 = 18_446_744_073_709_551_616.0;

/// A whole number as JSON Schema counts one: `3` and `3.0` alike (JSON Schema 2020-12, "integer" is a
/// number with no fractional part), from 0 to 2^64 - 1.
fn whole(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| {
        v.as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < TWO_TO_THE_64)
            .map(|f| f as u64)
    })
}

fn invalid(message: String) -> Refusal {
    error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", &message)
}

/// A JSON object body whose field names were checked.
pub struct Fields<'a>(&'a Map<String, Value>);

impl<'a> Fields<'a> {
    /// `value` as an object with only the `allowed` fields (any other is refused by name).
    pub fn of(value: &'a Value, allowed: &[&str]) -> Result<Fields<'a>, Refusal> {
        let Some(map) = value.as_object() else {
            return Err(invalid("the body must be a JSON object".into()));
        };
        if let Some(unknown) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(invalid(format!(
                "{unknown}: not a field here (allowed: {})",
                allowed.join(", ")
            )));
        }
        Ok(Fields(map))
    }

    /// The whole object.
    pub fn all(&self) -> &'a Map<String, Value> {
        self.0
    }

    /// Whether `key` was sent.
    pub fn has(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    /// A text field (absent: `None`; any other type, `null` included, is refused).
    pub fn text(&self, key: &str) -> Result<Option<&'a str>, Refusal> {
        match self.0.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(invalid(format!("{key}: must be a string"))),
        }
    }

    /// A whole number from 1 to 2^64 - 1.
    pub fn id(&self, key: &str) -> Result<Option<u64>, Refusal> {
        match self.0.get(key) {
            None => Ok(None),
            Some(v) => match whole(v) {
                Some(n) if n > 0 => Ok(Some(n)),
                _ => Err(invalid(format!("{key}: must be a positive integer"))),
            },
        }
    }

    /// A whole number from 0 to 2^64 - 1.
    pub fn number(&self, key: &str) -> Result<Option<u64>, Refusal> {
        match self.0.get(key) {
            None => Ok(None),
            Some(v) => whole(v)
                .map(Some)
                .ok_or_else(|| invalid(format!("{key}: must be a whole number from 0"))),
        }
    }

    /// A boolean field.
    pub fn flag(&self, key: &str) -> Result<Option<bool>, Refusal> {
        match self.0.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(invalid(format!("{key}: must be true or false"))),
        }
    }

    /// An object field.
    pub fn object(&self, key: &str) -> Result<Option<&'a Value>, Refusal> {
        match self.0.get(key) {
            None => Ok(None),
            Some(v @ Value::Object(_)) => Ok(Some(v)),
            Some(_) => Err(invalid(format!("{key}: must be an object"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn whole_numbers_are_counted_as_json_schema_counts_them() {
        assert_eq!(whole(&json!(3)), Some(3));
        assert_eq!(whole(&json!(3.0)), Some(3));
        assert_eq!(whole(&json!(3.5)), None);
        assert_eq!(whole(&json!(-1)), None);
        assert_eq!(
            whole(&json!(18446744073709551616.0)),
            None,
            "2^64 is too large"
        );
        assert_eq!(whole(&json!("3")), None);
        let body = json!({"a": 1.0, "b": "x"});
        let fields = Fields::of(&body, &["a", "b"]).unwrap();
        assert_eq!(fields.id("a").ok().flatten(), Some(1));
        assert!(fields.id("b").is_err());
        assert!(Fields::of(&body, &["a"]).is_err(), "b is not allowed");
    }
}
