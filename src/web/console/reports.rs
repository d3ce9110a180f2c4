//! Reports (operators and admins): conversations by day and hour of the week, response and resolution
//! times, operators, bot share, start pages and proactive messages, CSAT and the outcome after chat; charts
//! drawn here as SVG (no JavaScript needed), every number also in a table, every table as CSV.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::conversations::Channel;
use crate::i18n::Texts;
use crate::reports::{self, Filters, Outcome, Report, Times};
use crate::web::console::report_charts::{Axes, bars, heatmap};
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

/// A number as a table cell (empty when unknown).
fn secs(v: Option<f64>) -> String {
    v.map(|s| format!("{s}")).unwrap_or_default()
}

/// How cells are written: for people (durations in minutes and hours, money in the shop's currency) or for
/// CSV (plain numbers a spreadsheet computes with: seconds, amounts).
enum Cells<'a> {
    Csv,
    Human { t: &'a Texts, currency: &'a str },
}

impl Cells<'_> {
    fn duration(&self, secs: Option<f64>) -> String {
        match (self, secs) {
            (Cells::Human { t, .. }, Some(s)) => t.duration(s),
            _ => secs.map(|s| format!("{s}")).unwrap_or_default(),
        }
    }

    fn money(&self, amount: f64) -> String {
        match self {
            Cells::Human { currency, .. } => crate::money::format(amount, currency),
            Cells::Csv => format!("{amount:.2}"),
        }
    }
}

fn times_row(what: &str, which: &str, t: &Times, cells: &Cells) -> Vec<String> {
    vec![
        what.to_owned(),
        which.to_owned(),
        t.count.to_string(),
        cells.duration(t.median_s),
        cells.duration(t.p90_s.map(|v| v as f64)),
    ]
}

/// Every table of a computed report.
fn tables(
    t: &Texts,
    (r, outcome): (&Report, &Outcome),
    names: &dyn Fn(u64) -> String,
    trigger_names: &dyn Fn(u64) -> String,
    cells: &Cells,
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
                    times_row(what, t.reports_all, &split[0], cells),
                    times_row(what, t.reports_in_hours, &split[1], cells),
                    times_row(what, t.reports_out_of_hours, &split[2], cells),
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
                        cells.duration(o.first_response.median_s),
                        cells.duration(o.first_response.p90_s.map(|v| v as f64)),
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
                    cells.money(outcome.revenue),
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
            "email" => Some(Channel::Email),
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
            c: Chrome::new(lang, &csrf, Some(&me.operator), "reports")
                .in_zone(&crate::web::console::shop_time::zone(&state).await?),
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
    page.channels = [
        ("web", "Web", Channel::Web),
        ("line", "LINE", Channel::Line),
        ("email", "E-mail", Channel::Email),
    ]
    .into_iter()
    .map(|(v, name, c)| (v.to_owned(), name.to_owned(), filters.channel == Some(c)))
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
                    bars(
                        "chart-days",
                        t.reports_by_day,
                        &Axes {
                            x: t.reports_date,
                            y: t.reports_total,
                        },
                        &r.by_day,
                    ),
                ),
                (
                    "chart-heat",
                    t.reports_heat,
                    heatmap(
                        "chart-heat",
                        t.reports_heat,
                        t.weekdays_short,
                        t.reports_hour_axis,
                        &r.heat,
                    ),
                ),
                (
                    "chart-csat",
                    t.reports_csat,
                    bars(
                        "chart-csat",
                        t.reports_csat,
                        &Axes {
                            x: t.reports_rating,
                            y: t.reports_count,
                        },
                        &(1..=5)
                            .map(|n| (format!("{n}★"), r.ratings[n - 1]))
                            .collect::<Vec<_>>(),
                    ),
                ),
            ];
            let currency = state.store.site().await?.currency;
            let cells = Cells::Human {
                t,
                currency: &currency,
            };
            page.tables = tables(
                t,
                (r, &c.outcome),
                &|id| name_of(&operators, id),
                &|id| name_of(&triggers, id),
                &cells,
            );
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
        (&c.report, &c.outcome),
        &|id| name_of(&operators, id),
        &|id| name_of(&triggers, id),
        &Cells::Csv,
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
}
