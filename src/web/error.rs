//! The one place errors become HTTP statuses and messages. Page handlers render their own validation
//! messages in the form; what reaches here is a short, plain message in both console languages.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpResponse, ResponseError};

/// Why a request was refused or failed.
#[derive(Debug)]
pub enum AppError {
    /// The console needs a signed-in operator: redirects to the sign-in page.
    SignInRequired,
    /// The shop requires a second factor this operator has not set up: redirects to its setup.
    SecondFactorRequired,
    /// The form's CSRF token is missing or does not match its cookie.
    Csrf,
    /// Signed in, but not allowed to do this.
    Forbidden(&'static str),
    /// Malformed input.
    BadRequest(String),
    /// No such page or record (or not one this caller may see).
    NotFound,
    /// The data file cannot be written or read right now (a full disk, say): try again later. The detail
    /// goes to the log.
    Unavailable(String),
    /// Something failed on our side; the detail goes to the log, not to the user.
    Internal(String),
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SignInRequired => f.write_str("Please sign in. / ログインしてください。"),
            Self::SecondFactorRequired => f.write_str(
                "Set up two-factor sign-in first. / 先に2段階認証を設定してください。",
            ),
            Self::Csrf => f.write_str(
                "The form's security token is missing or expired. Reload the page and try again. / \
                 フォームのセキュリティトークンがないか期限切れです。ページを再読み込みしてもう一度お試しください。",
            ),
            Self::Forbidden(why) => f.write_str(why),
            Self::BadRequest(why) => f.write_str(why),
            Self::NotFound => f.write_str("Not found. / ページが見つかりません。"),
            Self::Unavailable(_) => f.write_str(
                "The chat server cannot save or read data right now (is its disk full?). Try again in a \
                 moment. / サーバーが今データを保存・読み込みできません（ディスクがいっぱいかもしれません）。\
                 しばらくしてからもう一度お試しください。",
            ),
            Self::Internal(_) => f.write_str(
                "Something went wrong on the server. Try again in a moment. / \
                 サーバーで問題が発生しました。しばらくしてからもう一度お試しください。",
            ),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::SignInRequired | Self::SecondFactorRequired => StatusCode::SEE_OTHER,
            Self::Csrf | Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(detail) | Self::Unavailable(detail) = self {
            tracing::error!(%detail, "request failed");
        }
        let mut response = HttpResponse::build(self.status_code());
        match self {
            Self::SignInRequired => {
                response.insert_header((header::LOCATION, "/login"));
            }
            Self::SecondFactorRequired => {
                response.insert_header((header::LOCATION, "/account/2fa"));
            }
            _ => {}
        }
        response
            .content_type(ContentType::plaintext())
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(self.to_string())
    }
}

impl From<crate::store::Error> for AppError {
    fn from(e: crate::store::Error) -> Self {
        match e {
            crate::store::Error::Storage(detail) => AppError::Unavailable(detail),
            conflict => AppError::Internal(conflict.to_string()),
        }
    }
}
