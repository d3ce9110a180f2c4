//! Settings → FAQ and bot (admins): the articles, the bot's mode, greeting and menu, and how much the bot
//! resolved alone.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::faq::{self, Article, Bot, Draft, Mode};
use crate::store::BotStats;
use crate::web::csrf::{CsrfCookie, CsrfForm};
use crate::web::render::{self, Chrome};
use crate::web::session::{Admin, CurrentOperator};
use crate::web::{AppError, State, request};

#[derive(Template)]
#[template(path = "console/faq_settings.html")]
struct FaqPage {
    c: Chrome,
    articles: Vec<Article>,
    /// Help-center readers' (helpful, not helpful) answers by article.
    votes: std::collections::HashMap<u64, (u64, u64)>,
    editing: Option<u64>,
    form: Draft,
    bot: Bot,
    stats: BotStats,
    modes: [(Mode, &'static str); 3],
    notice: Option<&'static str>,
    error: Option<String>,
}

impl FaqPage {
    /// "helpful / not helpful" for an article, as the help center's readers answered.
    fn votes_of(&self, id: &u64) -> String {
        let (yes, no) = self.votes.get(id).copied().unwrap_or_default();
        format!("{yes} / {no}")
    }
}

/// What the page shows besides the lists: the article form, the bot form, a notice or an error.
struct View {
    editing: Option<u64>,
    form: Draft,
    bot: Option<Bot>,
    notice: Option<&'static str>,
    error: Option<String>,
}

impl View {
    fn plain() -> View {
        View {
            editing: None,
            form: Draft::default(),
            bot: None,
            notice: None,
            error: None,
        }
    }
}

async fn render_page(
    req: &HttpRequest,
    state: &State,
    me: &CurrentOperator,
    csrf: &CsrfCookie,
    status: StatusCode,
    view: View,
) -> Result<HttpResponse, AppError> {
    let lang = request::language(req, Some(&me.operator));
    let t = lang.texts();
    let bot = match view.bot {
        Some(bot) => bot,
        None => state.store.bot_settings().await?,
    };
    let page = FaqPage {
        c: Chrome::new(lang, csrf, Some(&me.operator), "settings"),
        articles: state.store.articles().await?,
        votes: state.store.article_votes().await?,
        editing: view.editing,
        form: view.form,
        bot,
        stats: state.store.bot_stats().await?,
        modes: [
            (Mode::Off, t.faq_mode_off),
            (Mode::Always, t.faq_mode_always),
            (Mode::OutsideHours, t.faq_mode_outside),
        ],
        notice: view.notice,
        error: view.error,
    };
    render::page(status, &page, csrf)
}

/// `GET /settings/faq`.
pub async fn page(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
) -> Result<HttpResponse, AppError> {
    render_page(&req, &state, &me, &csrf, StatusCode::OK, View::plain()).await
}

/// `GET /settings/faq/articles/{id}`: the page with that article in the form.
pub async fn edit(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    path: web::Path<u64>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let article = state
        .store
        .articles()
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or(AppError::NotFound)?;
    let view = View {
        editing: Some(id),
        form: Draft::of(&article),
        ..View::plain()
    };
    render_page(&req, &state, &me, &csrf, StatusCode::OK, view).await
}

/// The article form.
#[derive(Deserialize)]
pub struct ArticleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id: String,
    #[serde(flatten)]
    draft: Draft,
}

/// `POST /settings/faq/articles`: creates (no `id`) or changes an article.
pub async fn save_article(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    form: web::Form<ArticleForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let ArticleForm { id, draft, .. } = form.into_inner();
    let id: Option<u64> = id.trim().parse().ok();
    let lang = request::language(&req, Some(&me.operator));
    let saved = match draft.check() {
        Ok(article) => state.store.save_article(id, article).await?,
        Err(invalid) => Some(Err(invalid)),
    };
    match saved {
        None => Err(AppError::NotFound),
        Some(Ok(_)) => Ok(render::see_other("/settings/faq")),
        Some(Err(invalid)) => {
            let view = View {
                editing: id,
                form: draft,
                error: Some(invalid.0.text(lang)),
                ..View::plain()
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render_page(&req, &state, &me, &csrf, status, view).await
        }
    }
}

/// `POST /settings/faq/articles/{id}/delete`.
pub async fn delete_article(
    state: web::Data<State>,
    Admin(_me): Admin,
    csrf: CsrfCookie,
    path: web::Path<u64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    if !state.store.delete_article(path.into_inner()).await? {
        return Err(AppError::NotFound);
    }
    Ok(render::see_other("/settings/faq"))
}

/// The bot form.
#[derive(Deserialize)]
pub struct BotForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    greeting_en: String,
    #[serde(default)]
    greeting_ja: String,
    #[serde(default)]
    menu: String,
}

/// `POST /settings/faq/bot`: the bot's mode, greeting and menu (its articles must exist).
pub async fn save_bot(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    form: web::Form<BotForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let form = form.into_inner();
    let bot = Bot {
        mode: Mode::parse(form.mode.trim()).unwrap_or_default(),
        greeting_en: form.greeting_en.trim().chars().take(500).collect(),
        greeting_ja: form.greeting_ja.trim().chars().take(500).collect(),
        menu: form.menu.trim_end().to_owned(),
    };
    let ids: Vec<u64> = state.store.articles().await?.iter().map(|a| a.id).collect();
    let checked = faq::parse_menu(&bot.menu, &|id| ids.contains(&id));
    let lang = request::language(&req, Some(&me.operator));
    let t = lang.texts();
    let (status, view) = match checked {
        Ok(_) => {
            state.store.set_bot_settings(bot).await?;
            let view = View {
                notice: Some(t.saved),
                ..View::plain()
            };
            (StatusCode::OK, view)
        }
        Err(e) => {
            let view = View {
                bot: Some(bot),
                error: Some(crate::msg!("menu: {0}", e).text(lang)),
                ..View::plain()
            };
            (StatusCode::UNPROCESSABLE_ENTITY, view)
        }
    };
    render_page(&req, &state, &me, &csrf, status, view).await
}
