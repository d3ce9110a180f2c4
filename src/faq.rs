//! The FAQ: articles (Markdown, rendered safely), their search (through [`crate::retrieval`]), and the
//! bot's menu, written as indented lines (see [`parse_menu`]). Everything here is pure.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};
use serde::{Deserialize, Serialize};

use crate::customers::Invalid;
use crate::i18n::messages::Message;
use crate::msg;

/// An article's id.
pub type ArticleId = u64;

/// The longest title.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest body.
pub const MAX_BODY_CHARS: usize = 20_000;
/// The longest category name.
pub const MAX_CATEGORY_CHARS: usize = 80;
/// The most articles.
pub const MAX_ARTICLES: usize = 1_000;
/// The most menu entries, all levels together.
pub const MAX_MENU_ENTRIES: usize = 100;
/// The deepest menu.
pub const MAX_MENU_DEPTH: usize = 4;

/// A help article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    /// Id.
    pub id: ArticleId,
    /// Title.
    pub title: String,
    /// Body, Markdown.
    pub body: String,
    /// `en`, `ja`, or empty for any.
    #[serde(default)]
    pub language: String,
    /// Words a question might use that the text does not.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Where the help center lists it (empty: "Other").
    #[serde(default)]
    pub category: String,
    /// When it was created (Unix ms).
    pub created_at: u64,
}

fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    ["https://", "http://", "mailto:"]
        .iter()
        .any(|p| lower.starts_with(p))
        || lower.starts_with('/')
        || lower.starts_with('#')
        || !lower.contains(':')
}

/// Markdown to HTML that is safe to insert in a page: raw HTML in the text is shown as text, and links or
/// images that are not http(s), mailto or relative lose their target.
pub fn render_markdown(markdown: &str) -> String {
    let events = Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    )
    .map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: if safe_url(&dest_url) {
                dest_url
            } else {
                CowStr::from("#")
            },
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: if safe_url(&dest_url) {
                dest_url
            } else {
                CowStr::from("")
            },
            title,
            id,
        }),
        other => other,
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

/// The text of some Markdown, without markup (for messages and search).
pub fn plain_text(markdown: &str) -> String {
    let mut out = String::new();
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                out.push_str(&t)
            }
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::TableRow
                | TagEnd::BlockQuote(_),
            ) if !out.ends_with('\n') && !out.is_empty() => out.push('\n'),
            _ => {}
        }
    }
    out.trim().to_owned()
}

/// Articles that answer `query`, best first, with their scores (at most `limit`; none when nothing
/// answers it well enough). Articles in both languages are searched; see [`crate::retrieval`].
pub fn search(articles: &[Article], query: &str, limit: usize) -> Vec<(ArticleId, f64)> {
    crate::retrieval::shared(articles, &[])
        .search(query, limit)
        .into_iter()
        .filter_map(|hit| match hit.source {
            crate::retrieval::Source::Article(id) => Some((id, hit.score)),
            crate::retrieval::Source::Answer(_) => None,
        })
        .collect()
}

/// The help center's page for an article: in its own language, or in the reader's when it is in both.
pub fn help_path(a: &Article, japanese: bool) -> String {
    let lang = match a.language.as_str() {
        "" if japanese => "ja",
        "" => "en",
        own => own,
    };
    format!("/help/{lang}/{}", a.id)
}

/// What a menu entry does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Shows an article.
    Article(ArticleId),
    /// Offers the entries below it.
    Menu(Vec<Entry>),
    /// Hands the conversation over to the team.
    Person,
}

/// One button of the bot's menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Label in English.
    pub label_en: String,
    /// Label in Japanese (empty: the English one).
    pub label_ja: String,
    /// What it does.
    pub action: Action,
}

impl Entry {
    /// The label in a language (`ja` or not), falling back to the other.
    pub fn label(&self, ja: bool) -> &str {
        if (ja && !self.label_ja.is_empty()) || self.label_en.is_empty() {
            &self.label_ja
        } else {
            &self.label_en
        }
    }
}

/// Reads the bot's menu from its text form: one entry per line, `English | 日本語 -> article 12`,
/// `... -> person`, or a line without `->` whose entries follow, indented deeper. Blank lines and lines
/// starting with `#` are skipped.
pub fn parse_menu(
    text: &str,
    article_exists: &dyn Fn(ArticleId) -> bool,
) -> Result<Vec<Entry>, Message> {
    let mut lines = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let trimmed = raw.trim_end();
        if trimmed.trim().is_empty() || trimmed.trim_start().starts_with('#') {
            continue;
        }
        let indent = trimmed.len() - trimmed.trim_start().len();
        lines.push((i + 1, indent, trimmed.trim_start()));
    }
    if lines.len() > MAX_MENU_ENTRIES {
        return Err(msg!("at most {0} entries", MAX_MENU_ENTRIES));
    }
    let mut at = 0;
    parse_level(&lines, &mut at, 0, 1, article_exists)
}

fn parse_level(
    lines: &[(usize, usize, &str)],
    at: &mut usize,
    indent: usize,
    depth: usize,
    article_exists: &dyn Fn(ArticleId) -> bool,
) -> Result<Vec<Entry>, Message> {
    let mut entries = Vec::new();
    while let Some(&(line, this_indent, text)) = lines.get(*at) {
        if this_indent < indent {
            break;
        }
        if this_indent > indent {
            return Err(msg!(
                "line {0}: its indent matches no menu above it (a menu is a line without ->)",
                line
            ));
        }
        *at += 1;
        let (label, target) = match text.split_once("->") {
            Some((label, target)) => (label.trim(), Some(target.trim())),
            None => (text.trim(), None),
        };
        let (label_en, label_ja) = match label.split_once('|') {
            Some((en, ja)) => (en.trim(), ja.trim()),
            None => (label, ""),
        };
        if label_en.is_empty() && label_ja.is_empty() {
            return Err(msg!("line {0}: the button needs a label", line));
        }
        if label_en.chars().count() > 80 || label_ja.chars().count() > 80 {
            return Err(msg!("line {0}: a label has at most 80 characters", line));
        }
        let action = match target {
            Some("person") => Action::Person,
            Some(t) => {
                let id = t
                    .strip_prefix("article")
                    .and_then(|n| n.trim().parse().ok())
                    .ok_or_else(|| {
                        msg!(
                            "line {0}: after -> write `article NUMBER` or `person`",
                            line
                        )
                    })?;
                if !article_exists(id) {
                    return Err(msg!("line {0}: there is no article {1}", line, id));
                }
                Action::Article(id)
            }
            None => {
                if depth >= MAX_MENU_DEPTH {
                    return Err(msg!(
                        "line {0}: menus nest at most {1} deep",
                        line,
                        MAX_MENU_DEPTH
                    ));
                }
                let child_indent = lines
                    .get(*at)
                    .map(|l| l.1)
                    .filter(|&i| i > indent)
                    .ok_or_else(|| {
                        msg!(
                            "line {0}: a menu needs entries below it, indented (or add -> article N)",
                            line
                        )
                    })?;
                Action::Menu(parse_level(
                    lines,
                    at,
                    child_indent,
                    depth + 1,
                    article_exists,
                )?)
            }
        };
        entries.push(Entry {
            label_en: label_en.to_owned(),
            label_ja: label_ja.to_owned(),
            action,
        });
    }
    Ok(entries)
}

/// The entry at a path of 1-based positions (`"2.1"`: the first entry of the second entry's menu).
pub fn entry_at<'a>(menu: &'a [Entry], path: &str) -> Option<&'a Entry> {
    let mut level = menu;
    let mut found = None;
    for part in path.split('.') {
        let i: usize = part.parse().ok()?;
        let entry = level.get(i.checked_sub(1)?)?;
        level = match &entry.action {
            Action::Menu(children) => children,
            _ => &[],
        };
        found = Some(entry);
    }
    found
}

/// When the bot answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Never.
    #[default]
    Off,
    /// Always, before a person.
    Always,
    /// Only outside business hours.
    OutsideHours,
}

impl Mode {
    /// The form value.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Off => "off",
            Mode::Always => "always",
            Mode::OutsideHours => "outside_hours",
        }
    }

    /// Parses a form value.
    pub fn parse(s: &str) -> Option<Mode> {
        [Mode::Off, Mode::Always, Mode::OutsideHours]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// The bot's settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Bot {
    /// When it answers.
    pub mode: Mode,
    /// Its first message, English.
    pub greeting_en: String,
    /// Its first message, Japanese.
    pub greeting_ja: String,
    /// The menu's text form (checked when saved).
    pub menu: String,
}

impl Bot {
    /// Whether it answers now, given whether the shop is open.
    pub fn active(&self, open: bool) -> bool {
        match self.mode {
            Mode::Off => false,
            Mode::Always => true,
            Mode::OutsideHours => !open,
        }
    }

    /// The parsed menu (checked when saved, so a failure means an empty menu).
    pub fn entries(&self) -> Vec<Entry> {
        parse_menu(&self.menu, &|_| true).unwrap_or_default()
    }
}

/// An article as its form submits it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Draft {
    /// Title.
    #[serde(default)]
    pub title: String,
    /// Markdown body.
    #[serde(default)]
    pub body: String,
    /// `en`, `ja` or empty.
    #[serde(default)]
    pub language: String,
    /// Comma-separated keywords.
    #[serde(default)]
    pub keywords: String,
    /// The help center's category.
    #[serde(default)]
    pub category: String,
}

impl Draft {
    /// The form showing `a`.
    pub fn of(a: &Article) -> Draft {
        Draft {
            title: a.title.clone(),
            body: a.body.clone(),
            language: a.language.clone(),
            keywords: a.keywords.join(", "),
            category: a.category.clone(),
        }
    }

    /// Checks the fields; id and time are the store's.
    pub fn check(&self) -> Result<Article, Invalid> {
        let title = self.title.trim();
        if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
            return Err(Invalid(msg!("title: 1 to {0} characters", MAX_TITLE_CHARS)));
        }
        let body = self.body.trim();
        if body.is_empty() || body.chars().count() > MAX_BODY_CHARS {
            return Err(Invalid(msg!("text: 1 to {0} characters", MAX_BODY_CHARS)));
        }
        let language = self.language.trim();
        if !["", "en", "ja"].contains(&language) {
            return Err(Invalid(msg!("language: English, Japanese or any")));
        }
        let keywords: Vec<String> = self
            .keywords
            .split([',', '、'])
            .map(|k| k.trim().to_owned())
            .filter(|k| !k.is_empty())
            .take(50)
            .collect();
        let category = self.category.trim();
        if category.chars().count() > MAX_CATEGORY_CHARS {
            return Err(Invalid(msg!(
                "category: at most {0} characters",
                MAX_CATEGORY_CHARS
            )));
        }
        Ok(Article {
            category: category.to_owned(),
            id: 0,
            title: title.to_owned(),
            body: body.to_owned(),
            language: language.to_owned(),
            keywords,
            created_at: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(id: u64, title: &str, body: &str, keywords: &[&str]) -> Article {
        Article {
            id,
            title: title.into(),
            body: body.into(),
            language: String::new(),
            keywords: keywords.iter().map(|k| k.to_string()).collect(),
            category: String::new(),
            created_at: 0,
        }
    }

    fn library() -> Vec<Article> {
        vec![
            article(
                1,
                "送料について",
                "送料は全国一律500円です。1万円以上のご注文で無料になります。",
                &["配送料"],
            ),
            article(
                2,
                "返品・交換",
                "商品到着後7日以内であれば返品できます。",
                &["返金"],
            ),
            article(
                3,
                "Shipping costs",
                "Shipping is **free** over 10,000 yen; otherwise 500 yen.",
                &["delivery"],
            ),
            article(
                4,
                "お支払い方法",
                "クレジットカード、コンビニ払い、代金引換がご利用いただけます。",
                &["代引き"],
            ),
        ]
    }

    #[test]
    fn questions_find_articles_in_either_language_and_nonsense_finds_none() {
        let mut lib = library();
        lib[0].language = "ja".into();
        lib[2].language = "en".into();
        assert_eq!(search(&lib, "送料はいくらですか？", 3)[0].0, 1);
        assert_eq!(search(&lib, "返品できますか", 3)[0].0, 2);
        assert_eq!(
            search(&lib, "代引きは使えますか、コンビニ払いは？", 3)[0].0,
            4
        );
        assert_eq!(search(&lib, "配送料", 3)[0].0, 1, "keywords count");
        assert_eq!(search(&lib, "How much is shipping?", 3)[0].0, 3);
        assert!(
            search(&lib, "そうりょう", 3).iter().any(|(id, _)| *id == 1),
            "kana finds kanji"
        );
        assert!(
            search(&lib, "ですか", 3).is_empty(),
            "particles alone match nothing"
        );
        assert!(search(&lib, "   ", 3).is_empty());
        assert!(search(&lib, "zebra", 3).is_empty());
    }

    #[test]
    fn markdown_renders_without_letting_markup_or_scripts_through() {
        let html = render_markdown(
            "# Title\n\n**bold** <script>alert(1)</script> [ok](https://shop.example/help) \
             [bad](javascript:alert(1)) ![x](data:image/png;base64,AAA) <img src=x onerror=alert(1)>",
        );
        assert!(
            html.contains("<h1>Title</h1>") && html.contains("<strong>bold</strong>"),
            "{html}"
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<img src=\"x\""), "{html}");
        assert!(
            html.contains("href=\"https://shop.example/help\""),
            "{html}"
        );
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("data:image"), "{html}");
        assert_eq!(
            plain_text("**Free** over 10,000 yen.\n\nOtherwise 500."),
            "Free over 10,000 yen.\nOtherwise 500."
        );
    }

    #[test]
    fn the_menu_reads_from_indented_lines() {
        let text = "# menu\nShipping | 送料 -> article 1\nReturns | 返品\n  How to return | 返品方法 -> article 2\n  Payment -> article 4\nTalk to a person | スタッフと話す -> person\n";
        let menu = parse_menu(text, &|id| id <= 4).unwrap();
        assert_eq!(menu.len(), 3);
        assert_eq!(menu[0].action, Action::Article(1));
        assert_eq!(menu[0].label(true), "送料");
        assert_eq!(
            entry_at(&menu, "2.1").unwrap().label(false),
            "How to return"
        );
        assert_eq!(
            entry_at(&menu, "2.2").unwrap().label(true),
            "Payment",
            "falls back to English"
        );
        assert_eq!(entry_at(&menu, "3").unwrap().action, Action::Person);
        assert!(
            entry_at(&menu, "2.3").is_none()
                && entry_at(&menu, "0").is_none()
                && entry_at(&menu, "x").is_none()
        );
        for (bad, expected) in [
            ("Shipping -> article 9", "no article 9"),
            ("Shipping -> page 1", "article NUMBER"),
            ("Returns\nShipping -> article 1", "needs entries"),
            (
                "  Shipping -> article 1\nReturns -> article 2",
                "line 1: its indent",
            ),
            (
                "Returns\n    How -> article 2\n  Pay -> article 4",
                "line 3: its indent",
            ),
            ("| -> person", "needs a label"),
        ] {
            let e = parse_menu(bad, &|id| id <= 4).unwrap_err();
            assert!(e.english().contains(expected), "{bad}: {e}");
        }
    }

    #[test]
    fn the_bot_answers_by_mode() {
        let bot = |mode| Bot {
            mode,
            ..Bot::default()
        };
        assert!(!bot(Mode::Off).active(false));
        assert!(bot(Mode::Always).active(true));
        assert!(bot(Mode::OutsideHours).active(false));
        assert!(!bot(Mode::OutsideHours).active(true));
    }
}
