//! The textual form of a rule: what the console shows under the builder and what the API accepts.
//!
//! ```text
//! all(attr.plan = "gold", any(visits >= 3, events("purchase", 30d, total > 10000) >= 1),
//!     not(pages("/pricing*", 7d) = 0))
//! ```
//!
//! Groups are `all(...)`, `any(...)` and `not(...)`; a condition is `field test` or `count(...) cmp n`.
//! Printing a parsed rule gives text that parses back to the same rule.

use std::fmt;

use super::rule::{Cmp, Cond, Counted, Day, Field, Literal, Ord, Rule, Test, Window};
use crate::i18n::messages::Message;
use crate::msg;

/// The longest rule text accepted.
pub const MAX_TEXT_BYTES: usize = 10_000;
/// How deeply groups may nest.
pub const MAX_DEPTH: usize = 8;
/// The most conditions one rule may have.
pub const MAX_CONDITIONS: usize = 100;
/// The longest window accepted (ten years).
pub const MAX_WINDOW_SECS: u64 = 3_650 * 86_400;
/// The longest text in a rule (pattern, value).
pub const MAX_STRING_CHARS: usize = 500;

/// Why a rule text was refused: what was expected, and where (a character offset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Character offset of the problem.
    pub at: usize,
    /// What went wrong.
    pub message: Message,
}

impl ParseError {
    /// What went wrong and where, in any language.
    pub fn message(&self) -> Message {
        msg!("{0} (at character {1})", self.message, self.at + 1)
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message().english())
    }
}

impl std::error::Error for ParseError {}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    Comma,
    Op(&'static str),
    Str(String),
    Word(String),
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Open => f.write_str("\"(\""),
            Token::Close => f.write_str("\")\""),
            Token::Comma => f.write_str("\",\""),
            Token::Op(op) => write!(f, "\"{op}\""),
            Token::Str(s) => write!(f, "the text {}", quote(s)),
            Token::Word(w) => write!(f, "\"{w}\""),
        }
    }
}

impl Token {
    /// The token as a message says it ("the text …" is in words).
    fn describe(&self) -> Message {
        match self {
            Token::Str(s) => msg!("the text {0}", quote(s)),
            other => msg!("{0}", other),
        }
    }
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | ':')
}

fn lex(text: &str) -> Result<Vec<(usize, Token)>, ParseError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let token = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => Token::Open,
            ')' => Token::Close,
            ',' => Token::Comma,
            '=' => Token::Op("="),
            '!' | '>' | '<' => {
                let eq = chars.get(i + 1) == Some(&'=');
                let op = match (c, eq) {
                    ('!', true) => "!=",
                    ('>', true) => ">=",
                    ('<', true) => "<=",
                    ('>', false) => ">",
                    ('<', false) => "<",
                    _ => return Err(error(i, msg!("\"!\" must be followed by \"=\""))),
                };
                i += usize::from(eq);
                Token::Op(op)
            }
            '"' => {
                let mut j = i + 1;
                while j < chars.len() && chars[j] != '"' {
                    j += if chars[j] == '\\' { 2 } else { 1 };
                }
                if j >= chars.len() {
                    return Err(error(i, msg!("this text has no closing quote")));
                }
                let literal: String = chars[i..=j].iter().collect();
                let s: String = serde_json::from_str(&literal)
                    .map_err(|e| error(i, msg!("this text is not valid: {0}", e)))?;
                if s.chars().count() > MAX_STRING_CHARS {
                    return Err(error(
                        i,
                        msg!("texts are limited to {0} characters", MAX_STRING_CHARS),
                    ));
                }
                i = j;
                Token::Str(s)
            }
            c if is_word_char(c) => {
                let mut j = i;
                while j < chars.len() && is_word_char(chars[j]) {
                    j += 1;
                }
                let word: String = chars[i..j].iter().collect();
                i = j - 1;
                Token::Word(word)
            }
            other => {
                return Err(error(
                    i,
                    msg!("unexpected character {0}", format!("{other:?}")),
                ));
            }
        };
        out.push((start, token));
        i += 1;
    }
    Ok(out)
}

fn error(at: usize, message: Message) -> ParseError {
    ParseError { at, message }
}

/// Parses a rule's text.
pub fn parse(text: &str) -> Result<Rule, ParseError> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(error(
            0,
            msg!("a rule is limited to {0} bytes", MAX_TEXT_BYTES),
        ));
    }
    let tokens = lex(text)?;
    let mut parser = Parser {
        end: text.chars().count(),
        tokens,
        pos: 0,
        conditions: 0,
    };
    let rule = parser.rule(0)?;
    if let Some((at, token)) = parser.tokens.get(parser.pos) {
        return Err(error(
            *at,
            msg!("expected the end of the rule, found {0}", token.describe()),
        ));
    }
    Ok(rule)
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    pos: usize,
    end: usize,
    conditions: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos).map(|(_, t)| t)
    }

    fn here(&self) -> usize {
        self.tokens.get(self.pos).map_or(self.end, |(at, _)| *at)
    }

    fn next(&mut self, expected: &Message) -> Result<(usize, Token), ParseError> {
        match self.tokens.get(self.pos) {
            Some(t) => {
                self.pos += 1;
                Ok(t.clone())
            }
            None => Err(error(
                self.end,
                msg!("expected {0}, but the rule ends", expected.clone()),
            )),
        }
    }

    fn expect(&mut self, wanted: Token, expected: Message) -> Result<(), ParseError> {
        let (at, token) = self.next(&expected)?;
        if token == wanted {
            Ok(())
        } else {
            Err(error(at, found(expected, &token)))
        }
    }

    fn word(&mut self, expected: Message) -> Result<(usize, String), ParseError> {
        match self.next(&expected)? {
            (at, Token::Word(w)) => Ok((at, w)),
            (at, other) => Err(error(at, found(expected, &other))),
        }
    }

    fn string(&mut self, expected: Message) -> Result<(usize, String), ParseError> {
        match self.next(&expected)? {
            (at, Token::Str(s)) => Ok((at, s)),
            (at, other) => Err(error(
                at,
                msg!(
                    "expected {0} in double quotes, found {1}",
                    expected,
                    other.describe()
                ),
            )),
        }
    }

    fn rule(&mut self, depth: usize) -> Result<Rule, ParseError> {
        if depth > MAX_DEPTH {
            return Err(error(
                self.here(),
                msg!("groups may nest at most {0} deep", MAX_DEPTH),
            ));
        }
        let group = match self.peek() {
            Some(Token::Word(w)) if matches!(w.as_str(), "all" | "any" | "not") => w.clone(),
            _ => return self.cond().map(Rule::Cond),
        };
        self.pos += 1;
        self.expect(Token::Open, msg!("\"(\" after {0}", group))?;
        let mut parts = Vec::new();
        if self.peek() != Some(&Token::Close) {
            loop {
                parts.push(self.rule(depth + 1)?);
                match self.next(&msg!("\",\" or \")\""))? {
                    (_, Token::Comma) => continue,
                    (_, Token::Close) => break,
                    (at, other) => {
                        return Err(error(at, found(msg!("\",\" or \")\""), &other)));
                    }
                }
            }
        } else {
            self.pos += 1;
        }
        match group.as_str() {
            "all" => Ok(Rule::All(parts)),
            "any" => Ok(Rule::Any(parts)),
            _ if parts.len() == 1 => Ok(Rule::Not(Box::new(parts.remove(0)))),
            _ => Err(error(self.here(), msg!("not(...) takes exactly one part"))),
        }
    }

    fn cond(&mut self) -> Result<Cond, ParseError> {
        self.conditions += 1;
        if self.conditions > MAX_CONDITIONS {
            return Err(error(
                self.here(),
                msg!("a rule may have at most {0} conditions", MAX_CONDITIONS),
            ));
        }
        let (at, word) = self.word(msg!("a condition (a field such as visits or attr.plan)"))?;
        if matches!(word.as_str(), "pages" | "repeat_pages" | "events") {
            return self.count(&word);
        }
        let field = field(&word).ok_or_else(|| {
            error(
                at,
                msg!(
                    "unknown field {0}; use attr.<key>, name, email, phone, language, device, referrer, visits, conversations, cart.value, cart.items, intent, first_seen, last_seen, identified, or pages(...), repeat_pages(...), events(...)",
                    format!("{word:?}")
                ),
            )
        })?;
        Ok(Cond::Field(field, self.test()?))
    }

    fn count(&mut self, what: &str) -> Result<Cond, ParseError> {
        self.expect(Token::Open, msg!("\"(\" after {0}", what))?;
        let (at, first) = self.string(if what == "events" {
            msg!("an event name")
        } else {
            msg!("a URL pattern")
        })?;
        if first.is_empty() {
            return Err(error(at, msg!("this text must not be empty")));
        }
        let mut window = None;
        let mut properties = Vec::new();
        while self.peek() == Some(&Token::Comma) {
            self.pos += 1;
            let (at, word) = self.word(msg!("a window such as 30d, or a property test"))?;
            if what == "events" && matches!(self.peek(), Some(Token::Op(_) | Token::Word(_))) {
                let key =
                    crate::customers::attributes::parse_key(&word).map_err(|e| error(at, e.0))?;
                properties.push((key, self.test()?));
            } else if window.is_none() && properties.is_empty() {
                window = Some(parse_window(&word).map_err(|m| error(at, m))?);
            } else {
                return Err(error(
                    at,
                    msg!(
                        "expected a property test such as total > 10000, found {0}",
                        format!("{word:?}")
                    ),
                ));
            }
        }
        self.expect(Token::Close, msg!("\")\""))?;
        let (at, op) = match self.next(&msg!("a comparison such as >= 1"))? {
            (at, Token::Op(op)) => (at, op),
            (at, other) => {
                return Err(error(at, found(msg!("a comparison such as >= 1"), &other)));
            }
        };
        let cmp = cmp(op).ok_or_else(|| error(at, msg!("unknown comparison")))?;
        let (at, n) = self.word(msg!("a whole number"))?;
        let n = n.parse::<u64>().map_err(|_| {
            error(
                at,
                msg!("expected a whole number, found {0}", format!("{n:?}")),
            )
        })?;
        let counted = match what {
            "pages" => Counted::Pages(first),
            "repeat_pages" => Counted::RepeatPages(first),
            _ => {
                crate::customers::events::parse_event(&first, &serde_json::Value::Null, 0)
                    .map_err(|e| error(at, e.0))?;
                Counted::Events {
                    name: first,
                    properties,
                }
            }
        };
        Ok(Cond::Count {
            counted,
            window,
            cmp,
            n,
        })
    }

    fn test(&mut self) -> Result<Test, ParseError> {
        let expected = msg!(
            "a test such as = \"gold\", > 3, contains \"x\", is set, before 2026-01-01 or within 7d"
        );
        let (at, token) = self.next(&expected)?;
        let test = match token {
            Token::Op("=") => Test::Eq(self.literal()?),
            Token::Op("!=") => Test::Ne(self.literal()?),
            Token::Op(op) => {
                let (at, word) = self.word(msg!("a number"))?;
                let n = number(&word).ok_or_else(|| {
                    error(
                        at,
                        msg!(
                            "expected a number after {0}, found {1}",
                            op,
                            format!("{word:?}")
                        ),
                    )
                })?;
                let ord = match op {
                    ">" => Ord::Gt,
                    ">=" => Ord::Ge,
                    "<" => Ord::Lt,
                    _ => Ord::Le,
                };
                Test::Compare(ord, n)
            }
            Token::Word(w) if w == "contains" => {
                Test::Contains(self.string(msg!("the text to find"))?.1)
            }
            Token::Word(w) if w == "is" => {
                let (at, word) = self.word(msg!("set or not set"))?;
                match word.as_str() {
                    "set" => Test::IsSet,
                    "not" => {
                        let (at, word) = self.word(msg!("set"))?;
                        if word != "set" {
                            return Err(error(at, msg!("expected \"set\" after \"is not\"")));
                        }
                        Test::IsNotSet
                    }
                    _ => {
                        return Err(error(
                            at,
                            msg!("expected \"set\" or \"not set\" after \"is\""),
                        ));
                    }
                }
            }
            Token::Word(w) if w == "before" || w == "after" => {
                let (at, word) = self.word(msg!("a date (YYYY-MM-DD)"))?;
                let day = crate::clock::day_number(&word).map(Day).ok_or_else(|| {
                    error(
                        at,
                        msg!(
                            "expected a date (YYYY-MM-DD), found {0}",
                            format!("{word:?}")
                        ),
                    )
                })?;
                if w == "before" {
                    Test::Before(day)
                } else {
                    Test::After(day)
                }
            }
            Token::Word(w) if w == "within" || w == "over" => {
                let (at, word) = self.word(msg!("a window such as 30d"))?;
                let window = parse_window(&word).map_err(|m| error(at, m))?;
                if w == "within" {
                    Test::Within(window)
                } else {
                    Test::Over(window)
                }
            }
            other => return Err(error(at, found(expected, &other))),
        };
        Ok(test)
    }

    fn literal(&mut self) -> Result<Literal, ParseError> {
        match self.next(&msg!("a value (\"text\", a number, true or false)"))? {
            (_, Token::Str(s)) => Ok(Literal::Text(s)),
            (_, Token::Word(w)) if w == "true" => Ok(Literal::Bool(true)),
            (_, Token::Word(w)) if w == "false" => Ok(Literal::Bool(false)),
            (at, Token::Word(w)) => number(&w).map(Literal::Number).ok_or_else(|| {
                error(
                    at,
                    msg!(
                        "expected a value (\"text\" in quotes, a number, true or false), found {0}",
                        format!("{w:?}")
                    ),
                )
            }),
            (at, other) => Err(error(at, found(msg!("a value"), &other))),
        }
    }
}

const FIELDS: [(&str, Field); 14] = [
    ("name", Field::Name),
    ("email", Field::Email),
    ("phone", Field::Phone),
    ("language", Field::Language),
    ("device", Field::Device),
    ("referrer", Field::Referrer),
    ("visits", Field::Visits),
    ("conversations", Field::Conversations),
    ("cart.value", Field::CartValue),
    ("cart.items", Field::CartItems),
    ("intent", Field::Intent),
    ("first_seen", Field::FirstSeen),
    ("last_seen", Field::LastSeen),
    ("identified", Field::Identified),
];

fn field(word: &str) -> Option<Field> {
    if let Some(key) = word.strip_prefix("attr.") {
        return crate::customers::attributes::parse_key(key)
            .ok()
            .map(Field::Attr);
    }
    FIELDS
        .iter()
        .find(|(n, _)| *n == word)
        .map(|(_, f)| f.clone())
}

fn cmp(op: &str) -> Option<Cmp> {
    Some(match op {
        "=" => Cmp::Eq,
        "!=" => Cmp::Ne,
        ">" => Cmp::Ord(Ord::Gt),
        ">=" => Cmp::Ord(Ord::Ge),
        "<" => Cmp::Ord(Ord::Lt),
        "<=" => Cmp::Ord(Ord::Le),
        _ => return None,
    })
}

/// A finite number written plainly (`12`, `-3.5`, `1e6`); not `inf` or `nan`.
fn number(word: &str) -> Option<f64> {
    let digits = word.strip_prefix('-').unwrap_or(word);
    if !digits.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    word.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Parses `30d`, `12h`, `15m` or `45s`.
pub fn parse_window(word: &str) -> Result<Window, Message> {
    let bad = || {
        msg!(
            "expected a window such as 30d, 12h, 15m or 45s, found {0}",
            format!("{word:?}")
        )
    };
    let unit = word.chars().last().ok_or_else(bad)?;
    let scale = match unit {
        'd' => 86_400,
        'h' => 3_600,
        'm' => 60,
        's' => 1,
        _ => return Err(bad()),
    };
    let digits = &word[..word.len() - 1];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let secs = digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .filter(|s| (1..=MAX_WINDOW_SECS).contains(s))
        .ok_or_else(|| {
            msg!(
                "a window must be between 1s and 3650d, found {0}",
                format!("{word:?}")
            )
        })?;
    Ok(Window(secs))
}

/// "expected X, found Y".
fn found(expected: Message, token: &Token) -> Message {
    msg!("expected {0}, found {1}", expected, token.describe())
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, parts): (&str, &[Rule]) = match self {
            Rule::All(parts) => ("all", parts),
            Rule::Any(parts) => ("any", parts),
            Rule::Not(part) => ("not", std::slice::from_ref(part.as_ref())),
            Rule::Cond(c) => return c.fmt(f),
        };
        write!(f, "{name}(")?;
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            part.fmt(f)?;
        }
        f.write_str(")")
    }
}

impl fmt::Display for Cond {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cond::Field(field, test) => write!(f, "{field} {test}"),
            Cond::Count {
                counted,
                window,
                cmp,
                n,
            } => {
                let (name, first) = match counted {
                    Counted::Pages(p) => ("pages", p),
                    Counted::RepeatPages(p) => ("repeat_pages", p),
                    Counted::Events { name, .. } => ("events", name),
                };
                write!(f, "{name}({}", quote(first))?;
                if let Some(w) = window {
                    write!(f, ", {w}")?;
                }
                if let Counted::Events { properties, .. } = counted {
                    for (key, test) in properties {
                        write!(f, ", {key} {test}")?;
                    }
                }
                let op = match cmp {
                    Cmp::Eq => "=",
                    Cmp::Ne => "!=",
                    Cmp::Ord(o) => o.symbol(),
                };
                write!(f, ") {op} {n}")
            }
        }
    }
}

impl Ord {
    fn symbol(self) -> &'static str {
        match self {
            Ord::Gt => ">",
            Ord::Ge => ">=",
            Ord::Lt => "<",
            Ord::Le => "<=",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::Attr(key) => write!(f, "attr.{key}"),
            other => {
                let name = FIELDS
                    .iter()
                    .find(|(_, x)| x == other)
                    .map_or("?", |(n, _)| n);
                f.write_str(name)
            }
        }
    }
}

impl fmt::Display for Test {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Test::Eq(l) => write!(f, "= {l}"),
            Test::Ne(l) => write!(f, "!= {l}"),
            Test::Contains(s) => write!(f, "contains {}", quote(s)),
            Test::Compare(o, n) => write!(f, "{} {n}", o.symbol()),
            Test::IsSet => f.write_str("is set"),
            Test::IsNotSet => f.write_str("is not set"),
            Test::Before(d) => write!(f, "before {d}"),
            Test::After(d) => write!(f, "after {d}"),
            Test::Within(w) => write!(f, "within {w}"),
            Test::Over(w) => write!(f, "over {w}"),
        }
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Text(s) => f.write_str(&quote(s)),
            Literal::Number(n) => write!(f, "{n}"),
            Literal::Bool(b) => write!(f, "{b}"),
        }
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0;
        for (scale, unit) in [(86_400, 'd'), (3_600, 'h'), (60, 'm')] {
            if secs.is_multiple_of(scale) {
                return write!(f, "{}{unit}", secs / scale);
            }
        }
        write!(f, "{secs}s")
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::clock::date(self.0.saturating_mul(86_400)))
    }
}

/// The rule as the console's builder edits it: groups (`all`, `any`, `none` = `not(any(...))`) of rows;
/// a row is a field test, a count, or (for anything else) its text.
pub fn builder_json(rule: &Rule) -> serde_json::Value {
    use serde_json::json;
    let group = |kind: &str, parts: &[Rule]| json!({"group": kind, "parts": parts.iter().map(builder_json).collect::<Vec<_>>()});
    match rule {
        Rule::All(parts) => group("all", parts),
        Rule::Any(parts) => group("any", parts),
        Rule::Not(inner) => match inner.as_ref() {
            Rule::Any(parts) => group("none", parts),
            other => json!({"raw": Rule::Not(Box::new(other.clone())).to_string()}),
        },
        Rule::Cond(Cond::Field(field, test)) => {
            let text = test.to_string();
            let (op, value) = text.split_once(' ').unwrap_or((text.as_str(), ""));
            let (op, value) = match test {
                Test::IsSet | Test::IsNotSet => (text.as_str(), ""),
                _ => (op, value),
            };
            let value = match test {
                Test::Eq(Literal::Text(s)) | Test::Ne(Literal::Text(s)) | Test::Contains(s) => {
                    s.clone()
                }
                _ => value.to_owned(),
            };
            json!({"field": field.to_string(), "op": op, "value": value})
        }
        Rule::Cond(Cond::Count {
            counted,
            window,
            cmp,
            n,
        }) => {
            let (what, arg, properties) = match counted {
                Counted::Pages(p) => ("pages", p.clone(), String::new()),
                Counted::RepeatPages(p) => ("repeat_pages", p.clone(), String::new()),
                Counted::Events { name, properties } => (
                    "events",
                    name.clone(),
                    properties
                        .iter()
                        .map(|(k, t)| format!("{k} {t}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            };
            let op = match cmp {
                Cmp::Eq => "=",
                Cmp::Ne => "!=",
                Cmp::Ord(o) => o.symbol(),
            };
            json!({"count": what, "arg": arg, "window": window.map(|w| w.to_string()).unwrap_or_default(),
                   "properties": properties, "op": op, "n": n})
        }
    }
}
