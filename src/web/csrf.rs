//! The CSRF cookie as an extractor: pages put its token in every form; handlers of state-changing
//! requests call [`CsrfCookie::verify`] with the submitted field before doing anything.

use std::future::{Ready, ready};

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};

use crate::auth::csrf;
use crate::web::{AppError, State, request};

/// This browser's CSRF token (a new one when it had none yet).
#[derive(Debug, Clone)]
pub struct CsrfCookie {
    token: String,
    is_new: bool,
    secure: bool,
}

impl FromRequest for CsrfCookie {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let secure = req
            .app_data::<web::Data<State>>()
            .is_some_and(|state| request::is_https(req, state));
        let existing = req
            .cookie(csrf::COOKIE)
            .map(|c| c.value().to_owned())
            .filter(|v| !v.is_empty());
        ready(Ok(match existing {
            Some(token) => CsrfCookie {
                token,
                is_new: false,
                secure,
            },
            None => CsrfCookie {
                token: csrf::new_token(),
                is_new: true,
                secure,
            },
        }))
    }
}

impl CsrfCookie {
    /// The token to put in forms.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Accepts a submitted form only if its token matches the browser's cookie.
    pub fn verify(&self, submitted: &str) -> Result<(), AppError> {
        if !self.is_new && csrf::verify(Some(&self.token), submitted) {
            Ok(())
        } else {
            Err(AppError::Csrf)
        }
    }

    /// A fresh token, issued when the browser signs in so a token seen before sign-in is worthless after.
    pub fn rotated(&self) -> CsrfCookie {
        CsrfCookie {
            token: csrf::new_token(),
            is_new: true,
            secure: self.secure,
        }
    }

    /// The cookie to set when the token is new.
    pub fn cookie(&self) -> Option<Cookie<'static>> {
        self.is_new.then(|| {
            Cookie::build(csrf::COOKIE, self.token.clone())
                .path("/")
                .http_only(true)
                .same_site(SameSite::Strict)
                .secure(self.secure)
                .finish()
        })
    }
}

/// A form whose only field is the CSRF token (buttons such as "revoke" or "delete").
#[derive(Debug, serde::Deserialize)]
pub struct CsrfForm {
    /// The token from the page's hidden field.
    #[serde(default)]
    pub csrf: String,
}

/// The value of `name` in a form read as pairs (forms with repeated fields such as checkboxes); empty when
/// absent.
pub fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}
