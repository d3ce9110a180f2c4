//! Settings → Hours and auto-replies (admins): the business hours (weekly ranges, time zone, holidays) and
//! what Sodan answers by itself inside and outside them.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::autoreply::Rules;
use crate::hours::{self, Hours};
use crate::i18n::Lang;
use crate::i18n::messages::Message;
use crate::web::render::{self, Chrome};
use crate::web::session::{Admin, CurrentOperator};
use crate::web::{AppError, State, csrf::CsrfCookie, request};

/// The zone a new schedule starts with: the shops served first are in Japan.
const DEFAULT_ZONE: &str = "Asia/Tokyo";

/// The hours form as shown (or as submitted, when refused).
struct HoursForm {
    enabled: bool,
    zone: String,
    /// (weekday name, ranges text), Monday first.
    days: Vec<(&'static str, String)>,
    holidays: String,
}

impl HoursForm {
    fn of(hours: Option<&Hours>, lang: Lang) -> HoursForm {
        let names = day_names(lang);
        HoursForm {
            enabled: hours.is_some(),
            zone: hours.map_or(DEFAULT_ZONE.to_owned(), |h| h.zone.clone()),
            days: (0..7)
                .map(|i| {
                    let text = hours
                        .map(|h| hours::day_text(&h.week[i]))
                        .unwrap_or_default();
                    (names[i], text)
                })
                .collect(),
            holidays: hours.map(|h| h.holidays.join("\n")).unwrap_or_default(),
        }
    }
}

fn day_names(lang: Lang) -> [&'static str; 7] {
    match lang {
        Lang::Ja => hours::WEEKDAYS_JA,
        Lang::En => hours::WEEKDAYS_EN,
    }
}

#[derive(Template)]
#[template(path = "console/hours_settings.html")]
struct HoursPage {
    c: Chrome,
    form: HoursForm,
    rules: Rules,
    /// "Open now" or "Closed now; next opening …", when hours are set.
    status: Option<String>,
    notice: Option<&'static str>,
    error: Option<String>,
}

async fn render_page(
    req: &HttpRequest,
    state: &State,
    me: &CurrentOperator,
    csrf: &CsrfCookie,
    status: StatusCode,
    (form, rules, notice, error): (
        Option<HoursForm>,
        Option<Rules>,
        Option<&'static str>,
        Option<String>,
    ),
) -> Result<HttpResponse, AppError> {
    let lang = request::language(req, Some(&me.operator));
    let t = lang.texts();
    let saved = state.store.business_hours().await?;
    let now = crate::clock::now_millis();
    let open_status = saved.as_ref().map(|h| {
        if h.is_open(now) {
            t.hours_open_now.to_owned()
        } else {
            let next = h
                .next_opening(now)
                .map(|o| {
                    format!(
                        "{}: {} ({})",
                        t.hours_next,
                        o.describe(lang == Lang::Ja),
                        o.date
                    )
                })
                .unwrap_or_default();
            format!("{}. {next}", t.hours_closed_now)
        }
    });
    let rules = match rules {
        Some(rules) => rules,
        None => state.store.autoreply_rules().await?,
    };
    let page = HoursPage {
        c: Chrome::new(lang, csrf, Some(&me.operator), "settings"),
        form: form.unwrap_or_else(|| HoursForm::of(saved.as_ref(), lang)),
        rules,
        status: open_status,
        notice,
        error,
    };
    render::page(status, &page, csrf)
}

/// `GET /settings/hours`.
pub async fn page(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
) -> Result<HttpResponse, AppError> {
    render_page(
        &req,
        &state,
        &me,
        &csrf,
        StatusCode::OK,
        (None, None, None, None),
    )
    .await
}

/// The business-hours form.
#[derive(Deserialize)]
pub struct HoursInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    enabled: Option<String>,
    #[serde(default)]
    zone: String,
    #[serde(default)]
    day0: String,
    #[serde(default)]
    day1: String,
    #[serde(default)]
    day2: String,
    #[serde(default)]
    day3: String,
    #[serde(default)]
    day4: String,
    #[serde(default)]
    day5: String,
    #[serde(default)]
    day6: String,
    #[serde(default)]
    holidays: String,
}

/// Reads the form into hours (`None`: switched off); the message names what to fix.
fn read_hours(input: &HoursInput, names: [&str; 7]) -> Result<Option<Hours>, Message> {
    if input.enabled.is_none() {
        return Ok(None);
    }
    let zone = hours::parse_zone(&input.zone)?;
    let texts = [
        &input.day0,
        &input.day1,
        &input.day2,
        &input.day3,
        &input.day4,
        &input.day5,
        &input.day6,
    ];
    let mut week: [Vec<hours::Range>; 7] = Default::default();
    for (i, text) in texts.iter().enumerate() {
        week[i] = hours::parse_day(text).map_err(|e| crate::msg!("{0}: {1}", names[i], e))?;
    }
    let holidays = hours::parse_holidays(&input.holidays)?;
    Ok(Some(Hours {
        zone,
        week,
        holidays,
    }))
}

/// `POST /settings/hours`: saves (or switches off) the business hours.
pub async fn save_hours(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    form: web::Form<HoursInput>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let lang = request::language(&req, Some(&me.operator));
    match read_hours(&form, day_names(lang)) {
        Ok(hours) => {
            state.store.set_business_hours(hours).await?;
            Ok(render::see_other("/settings/hours"))
        }
        Err(error) => {
            let names = day_names(lang);
            let shown = HoursForm {
                enabled: form.enabled.is_some(),
                zone: form.zone.clone(),
                days: [
                    &form.day0, &form.day1, &form.day2, &form.day3, &form.day4, &form.day5,
                    &form.day6,
                ]
                .iter()
                .enumerate()
                .map(|(i, t)| (names[i], (*t).clone()))
                .collect(),
                holidays: form.holidays.clone(),
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let view = (Some(shown), None, None, Some(error.text(lang)));
            render_page(&req, &state, &me, &csrf, status, view).await
        }
    }
}

/// The auto-reply form.
#[derive(Deserialize)]
pub struct RulesInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    in_hours: Option<String>,
    #[serde(default)]
    wait_secs: String,
    #[serde(default)]
    in_hours_en: String,
    #[serde(default)]
    in_hours_ja: String,
    #[serde(default)]
    out_of_hours: Option<String>,
    #[serde(default)]
    out_of_hours_en: String,
    #[serde(default)]
    out_of_hours_ja: String,
    #[serde(default)]
    greeting_away_en: String,
    #[serde(default)]
    greeting_away_ja: String,
}

/// `POST /settings/hours/autoreply`: saves the auto-responder's settings.
pub async fn save_rules(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    form: web::Form<RulesInput>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let form = form.into_inner();
    let rules = Rules {
        in_hours: form.in_hours.is_some(),
        wait_secs: form.wait_secs.trim().parse().unwrap_or(0),
        in_hours_en: form.in_hours_en.trim().to_owned(),
        in_hours_ja: form.in_hours_ja.trim().to_owned(),
        out_of_hours: form.out_of_hours.is_some(),
        out_of_hours_en: form.out_of_hours_en.trim().to_owned(),
        out_of_hours_ja: form.out_of_hours_ja.trim().to_owned(),
        greeting_away_en: form.greeting_away_en.trim().to_owned(),
        greeting_away_ja: form.greeting_away_ja.trim().to_owned(),
    };
    match rules.check() {
        Ok(()) => {
            state.store.set_autoreply_rules(rules).await?;
            let t = request::language(&req, Some(&me.operator)).texts();
            let view = (None, None, Some(t.saved), None);
            render_page(&req, &state, &me, &csrf, StatusCode::OK, view).await
        }
        Err(error) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let lang = request::language(&req, Some(&me.operator));
            let view = (None, Some(rules), None, Some(error.text(lang)));
            render_page(&req, &state, &me, &csrf, status, view).await
        }
    }
}
