//! Settings → Segments (admins): define segments by rule (text form, with the builder in console.js), see
//! their member counts and the back-fill's progress, route their conversations; and the intent-score rules.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::i18n::messages::Message;
use crate::segments::{ScoreRule, Segment};
use crate::store::{Backfill, SegmentDraft};
use crate::web::csrf::{CsrfCookie, CsrfForm};
use crate::web::render::{self, Chrome};
use crate::web::session::{Admin, CurrentOperator};
use crate::web::{AppError, State, request};

/// A segment as listed.
struct SegmentRow {
    segment: Segment,
    members: u64,
    route: String,
}

#[derive(Template)]
#[template(path = "console/segment_settings.html")]
struct SegmentsPage {
    c: Chrome,
    rows: Vec<SegmentRow>,
    backfill: Option<Backfill>,
    /// The form: the segment being edited (or the refused input), `None` id for a new one.
    form: FormValues,
    operators: Vec<(u64, String)>,
    score_text: String,
    /// The form's rule for the builder (JSON), when it parses (or is empty).
    builder: Option<String>,
    notice: Option<&'static str>,
    error: Option<String>,
}

/// What the segment form shows.
#[derive(Default)]
struct FormValues {
    id: Option<u64>,
    name: String,
    rule: String,
    route_to: Option<u64>,
    priority: bool,
}

impl SegmentsPage {
    fn percent(&self) -> u64 {
        self.backfill.map_or(100, |b| {
            (b.done * 100).checked_div(b.total).unwrap_or(100).min(100)
        })
    }
}

/// Score rules as the textarea shows them: `points rule`, one per line.
fn score_text(rules: &[ScoreRule]) -> String {
    rules
        .iter()
        .map(|r| format!("{:+} {}", r.points, r.rule))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads `points rule` lines (blank lines ignored).
fn parse_score_text(text: &str) -> Result<Vec<ScoreRule>, Message> {
    let mut rules = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (points, rule) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let points: i64 = points.trim_start_matches('+').parse().map_err(|_| {
            crate::msg!(
                "line {0}: start with the points (such as +5 or -10), then the rule",
                i + 1
            )
        })?;
        rules.push(ScoreRule {
            rule: rule.trim().to_owned(),
            points,
        });
    }
    Ok(rules)
}

async fn render_page(
    req: &HttpRequest,
    state: &State,
    me: &CurrentOperator,
    csrf: &CsrfCookie,
    status: StatusCode,
    (form, notice, error): (FormValues, Option<&'static str>, Option<Message>),
) -> Result<HttpResponse, AppError> {
    let lang = request::language(req, Some(&me.operator));
    let error = error.map(|e| e.text(lang));
    let operators: Vec<(u64, String)> = state
        .store
        .operators()
        .await?
        .into_iter()
        .filter(|o| !o.disabled)
        .map(|o| (o.id, o.name))
        .collect();
    let rows = state
        .store
        .segments()
        .await?
        .into_iter()
        .map(|(segment, members)| SegmentRow {
            route: segment
                .route_to
                .and_then(|id| operators.iter().find(|(o, _)| *o == id))
                .map(|(_, name)| name.clone())
                .unwrap_or_default(),
            segment,
            members,
        })
        .collect();
    let builder = if form.rule.trim().is_empty() {
        Some(r#"{"group":"all","parts":[]}"#.to_owned())
    } else {
        crate::segments::parse(&form.rule)
            .ok()
            .map(|rule| crate::segments::text::builder_json(&rule).to_string())
    };
    let page = SegmentsPage {
        c: Chrome::new(lang, csrf, Some(&me.operator), "settings"),
        builder,
        rows,
        backfill: state.store.backfill_progress().await?,
        form,
        operators,
        score_text: score_text(&state.store.score_rules().await?),
        notice,
        error,
    };
    render::page(status, &page, csrf)
}

/// `GET /settings/segments`.
pub async fn page(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
) -> Result<HttpResponse, AppError> {
    let form = FormValues::default();
    render_page(&req, &state, &me, &csrf, StatusCode::OK, (form, None, None)).await
}

/// `GET /settings/segments/{id}`: the page with that segment in the form.
pub async fn edit(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    path: web::Path<u64>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let segment = state
        .store
        .segments()
        .await?
        .into_iter()
        .map(|(s, _)| s)
        .find(|s| s.id == id)
        .ok_or(AppError::NotFound)?;
    let form = FormValues {
        id: Some(segment.id),
        name: segment.name,
        rule: segment.rule,
        route_to: segment.route_to,
        priority: segment.priority,
    };
    render_page(&req, &state, &me, &csrf, StatusCode::OK, (form, None, None)).await
}

/// The segment form.
#[derive(Deserialize)]
pub struct SegmentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    rule: String,
    #[serde(default)]
    route_to: String,
    #[serde(default)]
    priority: Option<String>,
}

/// `POST /settings/segments`: creates (no `id`) or changes a segment; its members are then back-filled.
pub async fn save(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    form: web::Form<SegmentForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let form = form.into_inner();
    let values = FormValues {
        id: form.id.trim().parse().ok(),
        name: form.name,
        rule: form.rule,
        route_to: form.route_to.trim().parse().ok(),
        priority: form.priority.is_some(),
    };
    let draft = SegmentDraft {
        id: values.id,
        name: values.name.clone(),
        rule: values.rule.clone(),
        route_to: values.route_to,
        priority: values.priority,
    };
    match state.store.save_segment(draft).await? {
        None => Err(AppError::NotFound),
        Some(Ok(_)) => Ok(render::see_other("/settings/segments")),
        Some(Err(invalid)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render_page(
                &req,
                &state,
                &me,
                &csrf,
                status,
                (values, None, Some(invalid.0)),
            )
            .await
        }
    }
}

/// `POST /settings/segments/{id}/delete`.
pub async fn delete(
    state: web::Data<State>,
    Admin(_me): Admin,
    csrf: CsrfCookie,
    path: web::Path<u64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    if !state.store.delete_segment(path.into_inner()).await? {
        return Err(AppError::NotFound);
    }
    Ok(render::see_other("/settings/segments"))
}

/// The score rules form.
#[derive(Deserialize)]
pub struct ScoreForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    rules: String,
}

/// `POST /settings/segments/score`: replaces the intent-score rules.
pub async fn save_score(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    form: web::Form<ScoreForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let t = request::language(&req, Some(&me.operator)).texts();
    let error = match parse_score_text(&form.rules) {
        Ok(rules) => state.store.set_score_rules(rules).await?.err().map(|e| e.0),
        Err(e) => Some(e),
    };
    let (status, notice) = match error {
        Some(_) => (StatusCode::UNPROCESSABLE_ENTITY, None),
        None => (StatusCode::OK, Some(t.saved)),
    };
    let form = FormValues::default();
    render_page(&req, &state, &me, &csrf, status, (form, notice, error)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_lines_read_points_then_rule() {
        let rules =
            parse_score_text("+5 visits > 3\n\n  -10 cart.value = 0 \n20 intent_free").unwrap();
        assert_eq!(rules.len(), 3);
        assert_eq!((rules[0].points, rules[0].rule.as_str()), (5, "visits > 3"));
        assert_eq!(
            (rules[1].points, rules[1].rule.as_str()),
            (-10, "cart.value = 0")
        );
        assert_eq!(score_text(&rules[..2]), "+5 visits > 3\n-10 cart.value = 0");
        assert!(
            parse_score_text("five visits > 3")
                .unwrap_err()
                .english()
                .contains("line 1")
        );
    }
}
