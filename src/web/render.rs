//! Turning askama pages into responses, and the frame every console page shares.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use askama::Template;

use crate::i18n::Texts;
use crate::operators::Operator;
use crate::web::AppError;
use crate::web::assets::asset_url;
use crate::web::csrf::CsrfCookie;

/// What the base layout needs: texts, language, CSRF token, the signed-in operator, asset links.
pub struct Chrome {
    /// Texts in the page's language.
    pub t: &'static Texts,
    /// `<html lang>`.
    pub lang: &'static str,
    /// The token every form carries.
    pub csrf: String,
    /// The signed-in operator, for the navigation bar.
    pub me: Option<Me>,
    /// Which navigation item is current.
    pub nav: &'static str,
    /// The console stylesheet's versioned URL.
    pub css: String,
    /// The console script's versioned URL.
    pub js: String,
    /// The shop's time zone, on pages that show times (`console.js` formats them in it).
    pub zone: Option<String>,
}

/// The signed-in operator as the layout shows them.
pub struct Me {
    /// Display name.
    pub name: String,
    /// Whether to show admin-only navigation.
    pub is_admin: bool,
    /// Set themselves away.
    pub away: bool,
}

impl Chrome {
    /// The frame for a page in `lang`, signed in as `operator` or anonymous.
    pub fn new(
        lang: crate::i18n::Lang,
        csrf: &CsrfCookie,
        operator: Option<&Operator>,
        nav: &'static str,
    ) -> Self {
        Self {
            t: lang.texts(),
            lang: lang.code(),
            csrf: csrf.token().to_owned(),
            me: operator.map(|op| Me {
                name: op.name.clone(),
                is_admin: op.role.is_admin(),
                away: op.away,
            }),
            nav,
            css: asset_url("console/console.css"),
            js: asset_url("console/console.js"),
            zone: None,
        }
    }

    /// The same page, showing its times in the shop's `zone`.
    pub fn in_zone(mut self, zone: &str) -> Self {
        self.zone = Some(zone.to_owned());
        self
    }
}

/// Renders a page with `status`, setting the CSRF cookie when it is new. Pages are never cached.
pub fn page(
    status: StatusCode,
    page: &impl Template,
    csrf: &CsrfCookie,
) -> Result<HttpResponse, AppError> {
    let body = page
        .render()
        .map_err(|e| AppError::Internal(format!("template: {e}")))?;
    let mut response = HttpResponse::build(status);
    response
        .content_type(ContentType::html())
        .insert_header((header::CACHE_CONTROL, "no-store"));
    if let Some(cookie) = csrf.cookie() {
        response.cookie(cookie);
    }
    Ok(response.body(body))
}

/// A 303 redirect, the answer to a successful form post.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}
