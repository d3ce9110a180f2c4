//! Customers → Import (admins): paste or choose a CSV file, map each column to a contact field or an
//! attribute with a preview of the first rows, then import. Bad rows are listed by line and skipped; the
//! others are imported in one transaction.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::customers::import::{self, Column, Sheet};
use crate::web::csrf::{CsrfCookie, field};
use crate::web::render::{self, Chrome};
use crate::web::session::{Admin, CurrentOperator};
use crate::web::{AppError, State, request};

/// The largest CSV the import form takes.
pub const MAX_CSV_BYTES: usize = 8 * 1024 * 1024;
/// Rows shown in the preview.
const PREVIEW_ROWS: usize = 5;

/// A column in the mapping step.
struct ColumnView {
    header: String,
    choice: String,
}

/// What the import did.
struct Report {
    created: u64,
    updated: u64,
    skipped: Vec<(u64, String)>,
}

#[derive(Template)]
#[template(path = "console/import.html")]
struct ImportPage {
    c: Chrome,
    csv: String,
    columns: Vec<ColumnView>,
    /// Choices for every column: form value and label.
    choices: Vec<(String, String)>,
    preview: Vec<Vec<String>>,
    rows: usize,
    report: Option<Report>,
    error: Option<String>,
}

fn chrome(req: &HttpRequest, me: &CurrentOperator, csrf: &CsrfCookie) -> Chrome {
    Chrome::new(
        request::language(req, Some(&me.operator)),
        csrf,
        Some(&me.operator),
        "customers",
    )
}

fn empty(c: Chrome) -> ImportPage {
    ImportPage {
        c,
        csv: String::new(),
        columns: Vec::new(),
        choices: Vec::new(),
        preview: Vec::new(),
        rows: 0,
        report: None,
        error: None,
    }
}

/// `GET /customers/import`.
pub async fn form(
    req: HttpRequest,
    Admin(me): Admin,
    csrf: CsrfCookie,
) -> Result<HttpResponse, AppError> {
    render::page(StatusCode::OK, &empty(chrome(&req, &me, &csrf)), &csrf)
}

async fn choices(
    state: &State,
    sheet: &Sheet,
    t: &crate::i18n::Texts,
) -> Result<Vec<(String, String)>, AppError> {
    let mut out = vec![
        ("skip".to_owned(), t.import_skip.to_owned()),
        ("external_id".to_owned(), t.user_id.to_owned()),
        ("name".to_owned(), t.name.to_owned()),
        ("email".to_owned(), t.email.to_owned()),
        ("phone".to_owned(), t.phone.to_owned()),
    ];
    let mut keys: Vec<String> = state
        .store
        .attribute_defs()
        .await?
        .into_iter()
        .map(|d| d.key)
        .collect();
    for header in &sheet.headers {
        if let Column::Attribute(key) = Column::guess(header)
            && !keys.contains(&key)
        {
            keys.push(key);
        }
    }
    out.extend(
        keys.into_iter()
            .map(|k| (format!("attr:{k}"), format!("{}: {k}", t.attribute_word))),
    );
    Ok(out)
}

/// `POST /customers/import/preview`: reads the CSV and proposes a mapping.
pub async fn preview(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(field(&form, "csrf"))?;
    let lang = request::language(&req, Some(&me.operator));
    let t = lang.texts();
    let csv = field(&form, "csv").to_owned();
    let mut page = empty(chrome(&req, &me, &csrf));
    let sheet = match import::read(&csv) {
        Ok(sheet) => sheet,
        Err(e) => {
            page.csv = csv;
            page.error = Some(e.0.text(lang));
            return render::page(StatusCode::UNPROCESSABLE_ENTITY, &page, &csrf);
        }
    };
    page.choices = choices(&state, &sheet, t).await?;
    page.columns = sheet
        .headers
        .iter()
        .map(|h| ColumnView {
            header: h.clone(),
            choice: Column::guess(h).as_value(),
        })
        .collect();
    page.preview = sheet
        .rows
        .iter()
        .take(PREVIEW_ROWS)
        .map(|(_, r)| r.clone())
        .collect();
    page.rows = sheet.rows.len();
    page.csv = csv;
    render::page(StatusCode::OK, &page, &csrf)
}

/// `POST /customers/import`: imports with the chosen mapping (`map_0`, `map_1`…).
pub async fn run(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(field(&form, "csrf"))?;
    let lang = request::language(&req, Some(&me.operator));
    let csv = field(&form, "csv").to_owned();
    let mut page = empty(chrome(&req, &me, &csrf));
    let defs = state.store.attribute_defs().await?;
    let outcome = import::read(&csv).and_then(|sheet| {
        let mapping = (0..sheet.headers.len())
            .map(|i| Column::parse(field(&form, &format!("map_{i}"))))
            .collect::<Result<Vec<_>, _>>()?;
        import::rows(&sheet, &mapping, &defs)
    });
    let (good, mut bad) = match outcome {
        Ok(checked) => checked,
        Err(e) => {
            page.csv = csv;
            page.error = Some(e.0.text(lang));
            return render::page(StatusCode::UNPROCESSABLE_ENTITY, &page, &csrf);
        }
    };
    let summary = state.store.import_customers(good).await?;
    bad.extend(summary.skipped);
    bad.sort_by_key(|(line, _)| *line);
    tracing::info!(
        by = me.operator.id,
        created = summary.created,
        updated = summary.updated,
        skipped = bad.len(),
        "customers imported"
    );
    page.report = Some(Report {
        created: summary.created,
        updated: summary.updated,
        skipped: bad
            .into_iter()
            .map(|(line, why)| (line, why.text(lang)))
            .collect(),
    });
    render::page(StatusCode::OK, &page, &csrf)
}
