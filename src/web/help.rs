//! The public help center: the FAQ's articles as server-rendered pages at `/help/{en|ja}`, with
//! categories, search (the same retrieval as the bot), article pages, and what search engines read
//! (canonical and `hreflang` links, JSON-LD `FAQPage` and `Article`, `/help/sitemap.xml`). No JavaScript;
//! the only thing a reader stores is an answer to "was this article helpful?" (counted once per address).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::json;

use std::collections::HashSet;
use std::sync::Mutex;

use actix_web::http::StatusCode;

use crate::faq::{self, Article, ArticleId};
use crate::i18n::{Lang, Texts};
use crate::web::csrf::CsrfCookie;
use crate::web::render;
use crate::web::{AppError, State, request};

/// Registers the routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/help", web::get().to(start))
        .route("/help/sitemap.xml", web::get().to(sitemap))
        .route("/help/style.css", web::get().to(style))
        .route("/help/{lang}", web::get().to(home))
        .route("/help/{lang}/search", web::get().to(search))
        .route("/help/{lang}/{id}", web::get().to(article))
        .route("/help/{lang}/{id}/feedback", web::post().to(feedback));
}

/// What every help page shows around its content.
struct Frame {
    lang: &'static str,
    t: &'static Texts,
    shop: String,
    title: String,
    description: String,
    canonical: String,
    /// (hreflang, URL) of this page in each language it exists in.
    alternates: Vec<(&'static str, String)>,
    /// The page in the other language, if it exists.
    other: Option<String>,
    /// JSON-LD, already safe inside `<script>`.
    json_ld: String,
    /// The stylesheet's versioned URL.
    css: String,
}

#[derive(Template)]
#[template(path = "help/home.html")]
struct HomePage {
    f: Frame,
    /// (category, articles (id, title)).
    categories: Vec<(String, Vec<(ArticleId, String)>)>,
}

#[derive(Template)]
#[template(path = "help/article.html")]
struct ArticlePage {
    f: Frame,
    heading: String,
    id: ArticleId,
    csrf: String,
    /// The reader just answered "was this helpful?".
    voted: bool,
    category: String,
    html: String,
}

#[derive(Template)]
#[template(path = "help/search.html")]
struct SearchPage {
    f: Frame,
    query: String,
    /// (id, title, the passage found).
    results: Vec<(ArticleId, String, String)>,
}

fn lang_of(path: &str) -> Result<Lang, AppError> {
    Lang::parse(path).ok_or(AppError::NotFound)
}

/// Whether an article belongs in `lang`'s help center (it is in that language or in any).
fn shown_in(a: &Article, lang: Lang) -> bool {
    a.language.is_empty() || a.language == lang.code()
}

/// JSON for a `<script>` element: `<`, `>` and `&` escaped so no text can close it.
fn script_json(value: &serde_json::Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

async fn frame(state: &State, lang: Lang, path: &str, langs: &[Lang]) -> Result<Frame, AppError> {
    let site = state.store.site().await?;
    let t = lang.texts();
    let base = state.public_url.trim_end_matches('/');
    let url = |l: Lang| format!("{base}/help/{}{path}", l.code());
    let other = [Lang::En, Lang::Ja]
        .into_iter()
        .find(|l| *l != lang && langs.contains(l))
        .map(|l| format!("/help/{}{path}", l.code()));
    Ok(Frame {
        lang: lang.code(),
        t,
        shop: if site.shop_name.is_empty() {
            t.help_title.to_owned()
        } else {
            site.shop_name.clone()
        },
        title: String::new(),
        description: String::new(),
        canonical: url(lang),
        alternates: langs.iter().map(|l| (l.code(), url(*l))).collect(),
        other,
        json_ld: String::new(),
        css: format!("/help/style.css?c={}", site.color.trim_start_matches('#')),
    })
}

fn html(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(body)
}

fn render(page: &impl Template) -> Result<HttpResponse, AppError> {
    page.render()
        .map(html)
        .map_err(|e| AppError::Internal(format!("template: {e}")))
}

/// The stylesheet, in the shop's colour (Settings → Widget).
const STYLE: &str = include_str!("../../templates/help/help.css");

/// `GET /help/style.css`: the stylesheet with the shop's colour (the page names it with the colour, so a
/// new colour is a new address).
async fn style(state: web::Data<State>) -> Result<HttpResponse, AppError> {
    let site = state.store.site().await?;
    let color = crate::sites::parse_color(&site.color).unwrap_or_else(|| "#1f6feb".to_owned());
    Ok(HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(STYLE.replace("#1f6feb", &color)))
}

/// `GET /help`: to the help center in the browser's language.
async fn start(req: HttpRequest) -> HttpResponse {
    let lang = request::language(&req, None);
    HttpResponse::Found()
        .insert_header((header::LOCATION, format!("/help/{}", lang.code())))
        .finish()
}

/// `GET /help/{lang}`: the articles by category.
async fn home(state: web::Data<State>, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let lang = lang_of(&path)?;
    let articles: Vec<Article> = state
        .store
        .articles()
        .await?
        .into_iter()
        .filter(|a| shown_in(a, lang))
        .collect();
    let mut f = frame(&state, lang, "", &[Lang::En, Lang::Ja]).await?;
    f.title = f.shop.clone();
    f.description = format!("{} — {}", f.shop, f.t.help_title);
    let questions: Vec<serde_json::Value> = articles
        .iter()
        .map(|a| {
            json!({"@type": "Question", "name": a.title,
                "acceptedAnswer": {"@type": "Answer", "text": faq::plain_text(&a.body)}})
        })
        .collect();
    f.json_ld = script_json(&json!({
        "@context": "https://schema.org", "@type": "FAQPage", "inLanguage": lang.code(),
        "mainEntity": questions,
    }));
    let mut categories: Vec<(String, Vec<(ArticleId, String)>)> = Vec::new();
    for a in &articles {
        let name = if a.category.is_empty() {
            f.t.help_other.to_owned()
        } else {
            a.category.clone()
        };
        match categories.iter_mut().find(|(c, _)| *c == name) {
            Some((_, list)) => list.push((a.id, a.title.clone())),
            None => categories.push((name, vec![(a.id, a.title.clone())])),
        }
    }
    // Named categories first, alphabetically; "Other" last.
    let other = f.t.help_other;
    categories.sort_by(|a, b| (a.0 == other).cmp(&(b.0 == other)).then(a.0.cmp(&b.0)));
    render(&HomePage { f, categories })
}

/// `GET /help/{lang}/{id}`: one article (404 for one that does not exist or is in the other language).
async fn article(
    state: web::Data<State>,
    path: web::Path<(String, String)>,
    csrf: CsrfCookie,
    query: web::Query<VotedQuery>,
) -> Result<HttpResponse, AppError> {
    let (lang, id) = path.into_inner();
    let lang = lang_of(&lang)?;
    let id: ArticleId = id.parse().map_err(|_| AppError::NotFound)?;
    let a = state
        .store
        .articles()
        .await?
        .into_iter()
        .find(|a| a.id == id && shown_in(a, lang))
        .ok_or(AppError::NotFound)?;
    let langs: Vec<Lang> = [Lang::En, Lang::Ja]
        .into_iter()
        .filter(|l| shown_in(&a, *l))
        .collect();
    let mut f = frame(&state, lang, &format!("/{id}"), &langs).await?;
    let text = faq::plain_text(&a.body);
    f.title = format!("{} · {}", a.title, f.shop);
    f.description = text.chars().take(150).collect();
    f.json_ld = script_json(&json!({
        "@context": "https://schema.org", "@type": "Article", "headline": a.title,
        "inLanguage": lang.code(), "articleBody": text, "url": f.canonical,
        "datePublished": crate::clock::date(a.created_at / 1000),
    }));
    let page = ArticlePage {
        f,
        heading: a.title.clone(),
        id,
        csrf: csrf.token().to_owned(),
        voted: query.voted.is_some(),
        category: a.category.clone(),
        html: faq::render_markdown(&a.body),
    };
    // The feedback form carries a CSRF token, so this page is not cached.
    render::page(StatusCode::OK, &page, &csrf)
}

#[derive(Deserialize)]
struct VotedQuery {
    #[serde(default)]
    voted: Option<String>,
}

#[derive(Deserialize)]
struct FeedbackForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    helpful: String,
}

/// Readers (address, article) who answered lately: one answer per reader counts, and the set is bounded.
static VOTERS: Mutex<Option<HashSet<(String, ArticleId)>>> = Mutex::new(None);
const MAX_VOTERS: usize = 10_000;

/// `POST /help/{lang}/{id}/feedback`: "was this helpful?" (`helpful=yes|no`), counted once per reader's
/// address and article, then back to the article.
async fn feedback(
    req: HttpRequest,
    state: web::Data<State>,
    path: web::Path<(String, String)>,
    csrf: CsrfCookie,
    form: web::Form<FeedbackForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let (lang, id) = path.into_inner();
    let lang = lang_of(&lang)?;
    let id: ArticleId = id.parse().map_err(|_| AppError::NotFound)?;
    let helpful = match form.helpful.as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(AppError::BadRequest("helpful: yes or no".into())),
    };
    let exists = state
        .store
        .articles()
        .await?
        .iter()
        .any(|a| a.id == id && shown_in(a, lang));
    if !exists {
        return Err(AppError::NotFound);
    }
    let reader = (request::client_address(&req, &state), id);
    let first = {
        let mut voters = VOTERS.lock().unwrap_or_else(|e| e.into_inner());
        let set = voters.get_or_insert_with(HashSet::new);
        if set.len() >= MAX_VOTERS {
            set.clear();
        }
        set.insert(reader)
    };
    if first {
        state.store.vote_article(id, helpful).await?;
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("/help/{}/{id}?voted=1", lang.code()),
        ))
        .finish())
}

#[derive(Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// `GET /help/{lang}/search?q=`: the articles that answer the question (either language, this one first).
async fn search(
    state: web::Data<State>,
    path: web::Path<String>,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, AppError> {
    let lang = lang_of(&path)?;
    let q: String = query.q.trim().chars().take(300).collect();
    let articles = state.store.articles().await?;
    let results = if q.is_empty() {
        Vec::new()
    } else {
        crate::retrieval::shared(&articles, &[])
            .search(&q, 10)
            .into_iter()
            .filter_map(|hit| match hit.source {
                crate::retrieval::Source::Article(id) => articles
                    .iter()
                    .find(|a| a.id == id && shown_in(a, lang))
                    .map(|a| (a.id, a.title.clone(), hit.text.chars().take(200).collect())),
                crate::retrieval::Source::Answer(_) => None,
            })
            .collect()
    };
    let mut f = frame(&state, lang, "/search", &[lang]).await?;
    f.title = format!("{} {q} · {}", f.t.help_results, f.shop);
    f.description = f.title.clone();
    f.alternates.clear();
    render(&SearchPage {
        f,
        query: q,
        results,
    })
}

/// `GET /help/sitemap.xml`: both homes and every article in each language it is shown in (sitemaps.org
/// protocol, with `xhtml:link` alternates as search engines read them).
async fn sitemap(state: web::Data<State>) -> Result<HttpResponse, AppError> {
    let base = state.public_url.trim_end_matches('/').to_owned();
    let articles = state.store.articles().await?;
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" \
         xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    let mut entry = |path: &str, langs: &[Lang]| {
        for l in langs {
            xml.push_str(&format!(
                "<url><loc>{}</loc>",
                escape(&format!("{base}/help/{}{path}", l.code()))
            ));
            for alt in langs {
                xml.push_str(&format!(
                    "<xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>",
                    alt.code(),
                    escape(&format!("{base}/help/{}{path}", alt.code()))
                ));
            }
            xml.push_str("</url>\n");
        }
    };
    entry("", &[Lang::En, Lang::Ja]);
    for a in &articles {
        let langs: Vec<Lang> = [Lang::En, Lang::Ja]
            .into_iter()
            .filter(|l| shown_in(a, *l))
            .collect();
        entry(&format!("/{}", a.id), &langs);
    }
    xml.push_str("</urlset>\n");
    Ok(HttpResponse::Ok()
        .content_type("application/xml; charset=utf-8")
        .body(xml))
}
