//! Reports (operators and admins): conversations by day and hour of the week, response and resolution
//! times, operators, bot share, start pages and proactive messages, CSAT and the outcome after chat; charts
//! drawn here as SVG (no JavaScript needed), every number also in a table, every table as CSV.

use std::fmt::Write as _;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::conversations::Channel;
use crate::i18n::Texts;
use crate::reports::{self, Filters, Outcome, Report, Times};
use crate::web::csrf::CsrfCookie;
use crate::web::render::{self, Chrome};
use crate::web::session::CurrentOperator;
use crate::web::{AppError, State, request};

/// The report's query string.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Query {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    segment: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    operator: String,
    #[serde(default)]
    event: String,
    #[serde(default)]
    window: String,
    /// For the CSV: which table.
    #[serde(default)]
    table: String,
}

/// A table of the report: shown on the page and downloadable as CSV.
pub struct Table {
    /// Its id (the CSV's `table=`).
    pub id: &'static str,
    /// Its title.
    pub title: &'static str,
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
}

#[derive(Template)]
#[template(path = "console/reports.html")]
struct ReportsPage {
    c: Chrome,
    from: String,
    to: String,
    event: String,
    window: u64,
    /// (value, label, selected).
    segments: Vec<(String, String, bool)>,
    operators: Vec<(String, String, bool)>,
    channels: Vec<(String, String, bool)>,
    error: Option<&'static str>,
    /// The query without `table`, for the CSV links.
    query: String,
    charts: Vec<(&'static str, &'static str, String)>,
    tables: Vec<Table>,
}

/// Seconds as a table cell.
fn secs(v: Option<f64>) -> String {
    v.map(|s| format!("{s}")).unwrap_or_default()
}

fn times_row(what: &str, which: &str, t: &Times) -> Vec<String> {
    vec![
        what.to_owned(),
        which.to_owned(),
        t.count.to_string(),
        secs(t.median_s),
        secs(t.p90_s.map(|v| v as f64)),
    ]
}

/// Every table of a computed report.
fn tables(
    t: &Texts,
    r: &Report,
    outcome: &Outcome,
    names: &dyn Fn(u64) -> String,
    trigger_names: &dyn Fn(u64) -> String,
) -> Vec<Table> {
    let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let share = |part: u64, whole: u64| reports::percent(part, whole).to_string();
    vec![
        Table {
            id: "summary",
            title: t.reports_summary,
            headers: vec![
                t.reports_total.into(),
                t.reports_automated.into(),
                t.reports_share.into(),
            ],
            rows: vec![vec![
                r.total.to_string(),
                r.bot_alone.to_string(),
                share(r.bot_alone, r.total),
            ]],
        },
        Table {
            id: "days",
            title: t.reports_by_day,
            headers: vec![
                t.reports_date.into(),
                t.reports_total.into(),
                t.reports_ratings.into(),
                t.reports_mean.into(),
            ],
            rows: r
                .by_day
                .iter()
                .zip(&r.csat_by_day)
                .map(|((date, n), (_, ratings, mean))| {
                    vec![
                        date.clone(),
                        n.to_string(),
                        ratings.to_string(),
                        secs(*mean),
                    ]
                })
                .collect(),
        },
        Table {
            id: "hours",
            title: t.reports_heat,
            headers: std::iter::once(t.reports_weekday.to_owned())
                .chain((0..24).map(|h| h.to_string()))
                .collect(),
            rows: r
                .heat
                .iter()
                .zip(weekdays)
                .map(|(row, day)| {
                    std::iter::once(day.to_owned())
                        .chain(row.iter().map(u64::to_string))
                        .collect()
                })
                .collect(),
        },
        Table {
            id: "times",
            title: t.reports_times,
            headers: vec![
                String::new(),
                String::new(),
                t.reports_count.into(),
                t.reports_median.into(),
                t.reports_p90.into(),
            ],
            rows: [
                (t.reports_first_response, &r.first_response),
                (t.reports_resolution, &r.resolution),
            ]
            .into_iter()
            .flat_map(|(what, split)| {
                [
                    times_row(what, t.reports_all, &split[0]),
                    times_row(what, t.reports_in_hours, &split[1]),
                    times_row(what, t.reports_out_of_hours, &split[2]),
                ]
            })
            .collect(),
        },
        Table {
            id: "operators",
            title: t.reports_operators,
            headers: vec![
                t.reports_operator.into(),
                t.reports_total.into(),
                format!("{} {}", t.reports_first_response, t.reports_median),
                format!("{} {}", t.reports_first_response, t.reports_p90),
                t.reports_ratings.into(),
                t.reports_mean.into(),
            ],
            rows: r
                .operators
                .iter()
                .map(|o| {
                    vec![
                        names(o.operator),
                        o.conversations.to_string(),
                        secs(o.first_response.median_s),
                        secs(o.first_response.p90_s.map(|v| v as f64)),
                        o.ratings.to_string(),
                        secs(o.csat),
                    ]
                })
                .collect(),
        },
        Table {
            id: "pages",
            title: t.reports_pages,
            headers: vec!["URL".into(), t.reports_total.into()],
            rows: r
                .pages
                .iter()
                .map(|(p, n)| vec![p.clone(), n.to_string()])
                .collect(),
        },
        Table {
            id: "triggers",
            title: t.reports_triggers,
            headers: vec![t.triggers_title.into(), t.reports_total.into()],
            rows: r
                .triggers
                .iter()
                .map(|(id, n)| vec![trigger_names(*id), n.to_string()])
                .collect(),
        },
        Table {
            id: "csat",
            title: t.reports_csat,
            headers: vec![t.reports_rating.into(), t.reports_count.into()],
            rows: (1..=5)
                .map(|n| vec![n.to_string(), r.ratings[n - 1].to_string()])
                .collect(),
        },
        Table {
            id: "outcome",
            title: t.reports_outcome,
            headers: vec![
                String::new(),
                t.reports_count.into(),
                t.reports_converted.into(),
                t.reports_share.into(),
                t.reports_revenue.into(),
            ],
            rows: vec![
                vec![
                    t.reports_chatted.into(),
                    outcome.chatted.to_string(),
                    outcome.chatted_converted.to_string(),
                    share(outcome.chatted_converted, outcome.chatted),
                    format!("{:.2}", outcome.revenue),
                ],
                vec![
                    t.reports_not_chatted.into(),
                    outcome.others.to_string(),
                    outcome.others_converted.to_string(),
                    share(outcome.others_converted, outcome.others),
                    String::new(),
                ],
            ],
        },
    ]
}

/// Escapes text for SVG.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A bar chart of labelled counts.
pub fn bars(id: &str, title: &str, items: &[(String, u64)]) -> String {
    let (w, h, pad) = (720.0, 180.0, 24.0);
    let max = items.iter().map(|i| i.1).max().unwrap_or(0).max(1) as f64;
    let step = (w - 2.0 * pad) / items.len().max(1) as f64;
    let mut svg = format!(
        "<svg id=\"{id}\" class=\"chart\" role=\"img\" viewBox=\"0 0 {w} {h}\" width=\"100%\"><title>{}</title>",
        esc(title)
    );
    for (i, (label, n)) in items.iter().enumerate() {
        let bh = (h - 2.0 * pad) * (*n as f64) / max;
        let x = pad + i as f64 * step;
        let _ = write!(
            svg,
            "<rect class=\"bar\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"#2f6feb\"><title>{}: {n}</title></rect>",
            h - pad - bh,
            (step * 0.8).max(1.0),
            esc(label)
        );
    }
    let _ = write!(
        svg,
        "<text x=\"{pad}\" y=\"14\" font-size=\"11\" fill=\"#656d76\">max {max}</text><line x1=\"{pad}\" y1=\"{0}\" x2=\"{1}\" y2=\"{0}\" stroke=\"#d8dde3\"/></svg>",
        h - pad,
        w - pad
    );
    svg
}

/// The hour-of-week heatmap.
pub fn heatmap(id: &str, title: &str, heat: &[[u64; 24]; 7]) -> String {
    let max = heat.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    let (cell, left, top) = (26.0, 36.0, 16.0);
    let mut svg = format!(
        "<svg id=\"{id}\" class=\"chart\" role=\"img\" viewBox=\"0 0 {} {}\" width=\"100%\"><title>{}</title>",
        left + 24.0 * cell,
        top + 7.0 * cell,
        esc(title)
    );
    for (d, day) in ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        .iter()
        .enumerate()
    {
        let y = top + d as f64 * cell;
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{:.1}\" font-size=\"11\">{day}</text>",
            y + cell * 0.65
        );
        for (hour, n) in heat[d].iter().enumerate() {
            let _ = write!(
                svg,
                "<rect class=\"cell\" x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#2f6feb\" fill-opacity=\"{:.2}\"><title>{day} {hour}:00: {n}</title></rect>",
                left + hour as f64 * cell,
                cell - 2.0,
                cell - 2.0,
                0.06 + 0.94 * (*n as f64) / max
            );
        }
    }
    for hour in (0..24).step_by(3) {
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"11\" font-size=\"10\">{hour}</text>",
            left + hour as f64 * cell
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A computed report with its page parts.
struct Computed {
    from: String,
    to: String,
    event: String,
    window: u64,
    filters: Filters,
    report: Report,
    outcome: Outcome,
}

/// Reads the query and computes the report: the date range in the shop's time zone (the last 30 days by
/// default), the filters, the outcome event and window.
async fn compute(state: &State, q: &Query) -> Result<Result<Computed, ()>, AppError> {
    let zone = state
        .store
        .business_hours()
        .await?
        .map_or_else(|| "UTC".to_owned(), |h| h.zone);
    let today = reports::local(crate::clock::now_millis(), &zone).date;
    let to = if q.to.trim().is_empty() {
        today
    } else {
        q.to.trim().to_owned()
    };
    let from = if q.from.trim().is_empty() {
        to.parse::<jiff::civil::Date>()
            .ok()
            .and_then(|d| d.checked_sub(jiff::Span::new().days(29)).ok())
            .map(|d| d.to_string())
            .unwrap_or_else(|| to.clone())
    } else {
        q.from.trim().to_owned()
    };
    let Some((start, end, days)) = reports::span(&from, &to, &zone) else {
        return Ok(Err(()));
    };
    let filters = Filters {
        segment: q.segment.parse().ok(),
        channel: match q.channel.as_str() {
            "web" => Some(Channel::Web),
            "line" => Some(Channel::Line),
            _ => None,
        },
        operator: q.operator.parse().ok(),
    };
    let event = match q.event.trim() {
        "" => "purchase".to_owned(),
        e => e.chars().take(100).collect(),
    };
    let window = q
        .window
        .trim()
        .parse::<u64>()
        .map_or(7, |w| w.clamp(1, 365));
    let facts = state.store.report_facts(start, end).await?;
    let report = reports::build(&facts, filters, &days, &zone);
    let chatted: Vec<reports::Fact> = facts.into_iter().filter(|f| filters.pass(f)).collect();
    let outcome = state
        .store
        .outcome(chatted, event.clone(), window, start, end)
        .await?;
    Ok(Ok(Computed {
        from,
        to,
        event,
        window,
        filters,
        report,
        outcome,
    }))
}

/// Operator and trigger names by id.
async fn namers(state: &State) -> Result<(Vec<(u64, String)>, Vec<(u64, String)>), AppError> {
    let operators = state
        .store
        .operators()
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let triggers = state
        .store
        .triggers()
        .await?
        .into_iter()
        .map(|(t, _)| (t.id, t.name))
        .collect();
    Ok((operators, triggers))
}

fn name_of(list: &[(u64, String)], id: u64) -> String {
    list.iter()
        .find(|(i, _)| *i == id)
        .map_or_else(|| format!("#{id}"), |(_, n)| n.clone())
}

/// `GET /reports`.
pub async fn page(
    req: HttpRequest,
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
    query: web::Query<Query>,
) -> Result<HttpResponse, AppError> {
    let lang = request::language(&req, Some(&me.operator));
    let t = lang.texts();
    let (operators, triggers) = namers(&state).await?;
    let computed = compute(&state, &query).await?;
    let segments = state.store.segments().await?;
    let (mut page, status) = (
        ReportsPage {
            c: Chrome::new(lang, &csrf, Some(&me.operator), "reports"),
            from: query.from.clone(),
            to: query.to.clone(),
            event: "purchase".into(),
            window: 7,
            segments: vec![],
            operators: vec![],
            channels: vec![],
            error: None,
            query: String::new(),
            charts: vec![],
            tables: vec![],
        },
        StatusCode::OK,
    );
    let filters = match &computed {
        Ok(c) => c.filters,
        Err(()) => Filters::default(),
    };
    page.segments = segments
        .into_iter()
        .map(|(s, _)| (s.id.to_string(), s.name, filters.segment == Some(s.id)))
        .collect();
    page.operators = operators
        .iter()
        .map(|(id, n)| (id.to_string(), n.clone(), filters.operator == Some(*id)))
        .collect();
    page.channels = [("web", Channel::Web), ("line", Channel::Line)]
        .into_iter()
        .map(|(v, c)| {
            (
                v.to_owned(),
                if v == "web" { "Web" } else { "LINE" }.to_owned(),
                filters.channel == Some(c),
            )
        })
        .collect();
    let status = match computed {
        Err(()) => {
            page.error = Some(t.reports_bad_range);
            StatusCode::BAD_REQUEST
        }
        Ok(c) => {
            let r = &c.report;
            page.charts = vec![
                (
                    "chart-days",
                    t.reports_by_day,
                    bars("chart-days", t.reports_by_day, &r.by_day),
                ),
                (
                    "chart-heat",
                    t.reports_heat,
                    heatmap("chart-heat", t.reports_heat, &r.heat),
                ),
                (
                    "chart-csat",
                    t.reports_csat,
                    bars(
                        "chart-csat",
                        t.reports_csat,
                        &(1..=5)
                            .map(|n| (format!("{n}★"), r.ratings[n - 1]))
                            .collect::<Vec<_>>(),
                    ),
                ),
            ];
            page.tables = tables(t, r, &c.outcome, &|id| name_of(&operators, id), &|id| {
                name_of(&triggers, id)
            });
            page.query = serde_urlencoded_query(&c, &query);
            page.from = c.from;
            page.to = c.to;
            page.event = c.event;
            page.window = c.window;
            status
        }
    };
    render::page(status, &page, &csrf)
}

/// The report's query string, for the CSV links.
fn serde_urlencoded_query(c: &Computed, q: &Query) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    format!(
        "from={}&to={}&segment={}&channel={}&operator={}&event={}&window={}",
        enc(&c.from),
        enc(&c.to),
        enc(&q.segment),
        enc(&q.channel),
        enc(&q.operator),
        enc(&c.event),
        c.window
    )
}

/// One CSV field, quoted when needed; a leading `=`, `+`, `-` or `@` is neutralised so a spreadsheet
/// does not run it as a formula.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '@']) || (s.starts_with('-') && s.parse::<f64>().is_err()) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// A table as CSV text.
pub fn csv(table: &Table) -> String {
    let mut out = String::new();
    for row in std::iter::once(&table.headers).chain(&table.rows) {
        let line: Vec<String> = row.iter().map(|c| csv_field(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// `GET /reports.csv?table=ID&...`: one table of the report.
pub async fn export(
    req: HttpRequest,
    state: web::Data<State>,
    me: CurrentOperator,
    query: web::Query<Query>,
) -> Result<HttpResponse, AppError> {
    let t = request::language(&req, Some(&me.operator)).texts();
    let Ok(c) = compute(&state, &query).await? else {
        return Err(AppError::BadRequest(t.reports_bad_range.into()));
    };
    let (operators, triggers) = namers(&state).await?;
    let all = tables(
        t,
        &c.report,
        &c.outcome,
        &|id| name_of(&operators, id),
        &|id| name_of(&triggers, id),
    );
    let Some(table) = all.iter().find(|x| x.id == query.table) else {
        let ids: Vec<&str> = all.iter().map(|x| x.id).collect();
        return Err(AppError::BadRequest(format!(
            "table must be one of: {}",
            ids.join(", ")
        )));
    };
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"sodan-{}-{}-{}.csv\"",
                table.id, c.from, c.to
            ),
        ))
        .body(csv(table)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_neutralises_formulas() {
        let table = Table {
            id: "x",
            title: "x",
            headers: vec!["a".into(), "b".into()],
            rows: vec![
                vec!["=cmd()".into(), "say \"hi\", ok".into()],
                vec!["-3".into(), "-x".into()],
            ],
        };
        assert_eq!(
            csv(&table),
            "a,b\r\n'=cmd(),\"say \"\"hi\"\", ok\"\r\n-3,'-x\r\n"
        );
    }

    #[test]
    fn charts_scale_to_the_largest_value_and_escape_labels() {
        let svg = bars("c", "t", &[("<a>".into(), 2), ("b".into(), 4)]);
        assert!(svg.contains("&lt;a&gt;: 2") && svg.contains("max 4"));
        assert_eq!(svg.matches("class=\"bar\"").count(), 2);
        let mut heat = [[0; 24]; 7];
        heat[0][9] = 3;
        let svg = heatmap("h", "t", &heat);
        assert_eq!(svg.matches("class=\"cell\"").count(), 168);
        assert!(svg.contains("Mon 9:00: 3"));
    }
}
