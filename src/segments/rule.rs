//! The rule a segment (or an intent-score rule) is made of, and how it is evaluated.
//!
//! Evaluation is a pure function of a customer's facts and the time: no I/O, so it can be tested at every
//! edge and run inside a write transaction. Besides "matches or not" it says when the answer could next
//! change by itself (a counted event leaving its window, "last seen over 30 days" coming true), so the store
//! re-checks that customer then instead of rescanning everyone.

use serde_json::Value;

use crate::customers::Event;
use crate::visitors::{PageView, Visitor};

/// A rule: conditions combined with AND / OR groups.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// Every part holds (an empty group always holds).
    All(Vec<Rule>),
    /// At least one part holds (an empty group never holds).
    Any(Vec<Rule>),
    /// The part does not hold.
    Not(Box<Rule>),
    /// One condition.
    Cond(Cond),
}

/// One condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// A value of the customer (attribute, contact field, counter, date) passes a test.
    Field(Field, Test),
    /// How many page views or events (optionally within a window) compare to a number.
    Count {
        /// What is counted.
        counted: Counted,
        /// Only those at most this old; `None`: all kept history.
        window: Option<Window>,
        /// How the count compares.
        cmp: Cmp,
        /// With what.
        n: u64,
    },
}

/// A value of the customer a condition can test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// A custom attribute (`attr.plan`).
    Attr(String),
    /// Display name.
    Name,
    /// E-mail address.
    Email,
    /// Phone number.
    Phone,
    /// Browser language (`ja-JP`); `= "ja"` matches every `ja-*`.
    Language,
    /// Device kind: `desktop`, `mobile` or `other`.
    Device,
    /// Where the latest visit came from.
    Referrer,
    /// Visits (sessions).
    Visits,
    /// Conversations started.
    Conversations,
    /// The cart's total value.
    CartValue,
    /// Items in the cart (sum of quantities).
    CartItems,
    /// The intent score.
    Intent,
    /// When the customer was first seen.
    FirstSeen,
    /// When the customer was last seen.
    LastSeen,
    /// Whether the shop said who this is (`true`/`false`).
    Identified,
}

/// A test of one value.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// Equal (text case-insensitively); a missing value is not equal to anything.
    Eq(Literal),
    /// Exactly "not equal": also true when the value is missing.
    Ne(Literal),
    /// Text containing this (case-insensitively), or a list with an element equal to it.
    Contains(String),
    /// A number compared with this one; a value that is not a number does not pass.
    Compare(Ord, f64),
    /// The value is there (not empty).
    IsSet,
    /// The value is missing or empty.
    IsNotSet,
    /// A date or time before this day (UTC).
    Before(Day),
    /// A date or time after this day (UTC), i.e. from the next day on.
    After(Day),
    /// A date or time in the past, at most this long ago.
    Within(Window),
    /// A date or time longer ago than this.
    Over(Window),
}

/// A literal in a test.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// Text.
    Text(String),
    /// A number.
    Number(f64),
    /// `true` or `false`.
    Bool(bool),
}

/// An ordering test of numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ord {
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
}

/// How a count compares to a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// An ordering.
    Ord(Ord),
}

/// What a count condition counts.
#[derive(Debug, Clone, PartialEq)]
pub enum Counted {
    /// Page views whose URL matches a pattern (`*` wildcards; a pattern without `://` matches the path).
    Pages(String),
    /// The most views of any one URL matching the pattern ("viewed the same item 3 times").
    RepeatPages(String),
    /// Events with this name whose properties pass every test.
    Events {
        /// Event name.
        name: String,
        /// Property tests (`total > 10000`).
        properties: Vec<(String, Test)>,
    },
}

/// A length of time, in seconds (written `30d`, `12h`, `15m`, `45s`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window(pub u64);

impl Window {
    fn millis(self) -> u64 {
        self.0.saturating_mul(1000)
    }
}

/// A calendar day, as days since 1970-01-01 (written `2026-01-31`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day(pub u64);

impl Day {
    const MS: u64 = 86_400_000;

    fn start_ms(self) -> u64 {
        self.0.saturating_mul(Self::MS)
    }
}

/// What a rule evaluation needs to know about one customer. The history is fetched only when a condition
/// asks for it, so implementations load it lazily.
pub trait Facts {
    /// The customer record.
    fn customer(&self) -> &Visitor;
    /// Kept page views, oldest first.
    fn pages(&self) -> &[PageView];
    /// Kept events, oldest first: at least those of every name a rule counts (others may be left out),
    /// with their properties where a rule tests them (elsewhere they may be left null).
    fn events(&self) -> &[Event];
    /// The intent score (0 while it is being computed).
    fn intent(&self) -> i64;
}

/// The answer of an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Whether the rule holds now.
    pub matched: bool,
    /// The earliest time (Unix ms) at which the answer may change without new data.
    pub recheck_at: Option<u64>,
}

/// What a rule reads besides the customer record: page views, events by name, the intent score. A rule
/// that reads none of them only needs the record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reads {
    /// It counts page views.
    pub pages: bool,
    /// The names of the events it counts.
    pub events: Vec<String>,
    /// Among them, those whose count tests the events' properties (the others need only name and time).
    pub event_properties: Vec<String>,
    /// It tests the intent score.
    pub intent: bool,
}

/// What `rule` reads.
pub fn reads(rule: &Rule) -> Reads {
    fn walk(rule: &Rule, out: &mut Reads) {
        match rule {
            Rule::All(parts) | Rule::Any(parts) => parts.iter().for_each(|p| walk(p, out)),
            Rule::Not(part) => walk(part, out),
            Rule::Cond(Cond::Field(Field::Intent, _)) => out.intent = true,
            Rule::Cond(Cond::Field(..)) => {}
            Rule::Cond(Cond::Count { counted, .. }) => match counted {
                Counted::Pages(_) | Counted::RepeatPages(_) => out.pages = true,
                Counted::Events { name, properties } => {
                    if !out.events.contains(name) {
                        out.events.push(name.clone());
                    }
                    if !properties.is_empty() && !out.event_properties.contains(name) {
                        out.event_properties.push(name.clone());
                    }
                }
            },
        }
    }
    let mut out = Reads::default();
    walk(rule, &mut out);
    out
}

/// Evaluates `rule` for a customer at `now_ms`.
pub fn evaluate(rule: &Rule, facts: &dyn Facts, now_ms: u64) -> Outcome {
    let mut recheck = None;
    let matched = eval(rule, facts, now_ms, &mut recheck);
    Outcome {
        matched,
        recheck_at: recheck,
    }
}

/// Notes a future time at which some condition changes.
fn at(recheck: &mut Option<u64>, when: u64) {
    *recheck = Some(recheck.map_or(when, |r| r.min(when)));
}

fn eval(rule: &Rule, facts: &dyn Facts, now: u64, recheck: &mut Option<u64>) -> bool {
    match rule {
        Rule::All(parts) => parts.iter().all(|p| eval(p, facts, now, recheck)),
        Rule::Any(parts) => parts.iter().any(|p| eval(p, facts, now, recheck)),
        Rule::Not(part) => !eval(part, facts, now, recheck),
        Rule::Cond(Cond::Field(field, test)) => {
            let value = field_value(field, facts);
            test_value(test, value.as_ref(), field, now, recheck)
        }
        Rule::Cond(Cond::Count {
            counted,
            window,
            cmp,
            n,
        }) => {
            let since = window.map(|w| now.saturating_sub(w.millis()));
            let in_window = |t: u64| since.is_none_or(|s| t >= s) && t <= now;
            let (count, earliest) = match counted {
                Counted::Pages(pattern) | Counted::RepeatPages(pattern) => {
                    let mut per_url: std::collections::HashMap<&str, u64> = Default::default();
                    let mut earliest = None;
                    let mut count = 0;
                    for page in facts.pages() {
                        if !in_window(page.at) {
                            continue;
                        }
                        if let Some(target) = matched_target(pattern, &page.url) {
                            earliest = earliest.or(Some(page.at));
                            count += 1;
                            *per_url.entry(target).or_default() += 1;
                        }
                    }
                    if matches!(counted, Counted::RepeatPages(_)) {
                        count = per_url.values().copied().max().unwrap_or(0);
                    }
                    (count, earliest)
                }
                Counted::Events { name, properties } => {
                    let mut earliest = None;
                    let mut count = 0;
                    for event in facts.events() {
                        if in_window(event.at)
                            && event.name == *name
                            && properties.iter().all(|(key, test)| {
                                let value = event.properties.get(key).filter(|v| !v.is_null());
                                test_value(test, value, &Field::Attr(key.clone()), now, &mut None)
                            })
                        {
                            earliest = earliest.or(Some(event.at));
                            count += 1;
                        }
                    }
                    (count, earliest)
                }
            };
            // Items age out of the window one by one; the oldest counted one leaves first.
            if let (Some(w), Some(t)) = (window, earliest) {
                at(recheck, t.saturating_add(w.millis()).saturating_add(1));
            }
            compare(*cmp, count as f64, *n as f64)
        }
    }
}

/// The value a field has for this customer; `None` when missing or empty.
fn field_value(field: &Field, facts: &dyn Facts) -> Option<Value> {
    let c = facts.customer();
    let p = &c.profile;
    let text = |s: &str| (!s.is_empty()).then(|| Value::from(s));
    match field {
        Field::Attr(key) => p.attributes.get(key).filter(|v| !v.is_null()).cloned(),
        Field::Name => text(&p.name),
        Field::Email => text(&p.email),
        Field::Phone => text(&p.phone),
        Field::Language => text(&p.language),
        Field::Referrer => text(&p.referrer),
        Field::Device => p.device.as_ref().map(|d| {
            Value::from(match d.category.as_str() {
                "pc" => "desktop",
                "smartphone" | "mobilephone" => "mobile",
                _ => "other",
            })
        }),
        Field::Visits => Some(c.counts.visits.into()),
        Field::Conversations => Some(c.counts.conversations.into()),
        Field::CartValue => serde_json::Number::from_f64(p.cart_value()).map(Value::Number),
        Field::CartItems => Some(
            p.cart
                .iter()
                .map(|i| u64::from(i.quantity))
                .sum::<u64>()
                .into(),
        ),
        Field::Intent => Some(facts.intent().into()),
        Field::FirstSeen => Some(c.created_at.into()),
        Field::LastSeen => Some(c.last_seen_at.into()),
        Field::Identified => Some(p.identified().into()),
    }
}

fn test_value(
    test: &Test,
    value: Option<&Value>,
    field: &Field,
    now: u64,
    recheck: &mut Option<u64>,
) -> bool {
    let value = value.filter(|v| !matches!(v, Value::String(s) if s.is_empty()));
    match test {
        Test::IsSet => value.is_some(),
        Test::IsNotSet => value.is_none(),
        Test::Eq(literal) => value.is_some_and(|v| equals(v, literal, field)),
        Test::Ne(literal) => !value.is_some_and(|v| equals(v, literal, field)),
        Test::Contains(needle) => value.is_some_and(|v| contains(v, needle)),
        Test::Compare(ord, n) => value
            .and_then(Value::as_f64)
            .is_some_and(|v| compare(Cmp::Ord(*ord), v, *n)),
        Test::Before(day) => moment(value, field).is_some_and(|t| t < day.start_ms()),
        Test::After(day) => {
            moment(value, field).is_some_and(|t| t >= day.start_ms().saturating_add(Day::MS))
        }
        Test::Within(w) => {
            let Some(t) = moment(value, field) else {
                return false;
            };
            let until = t.saturating_add(w.millis());
            if t > now {
                at(recheck, t);
                false
            } else if now <= until {
                at(recheck, until.saturating_add(1));
                true
            } else {
                false
            }
        }
        Test::Over(w) => {
            let Some(t) = moment(value, field) else {
                return false;
            };
            let from = t.saturating_add(w.millis()).saturating_add(1);
            if now >= from {
                true
            } else {
                at(recheck, from);
                false
            }
        }
    }
}

fn equals(value: &Value, literal: &Literal, field: &Field) -> bool {
    match (value, literal) {
        (Value::String(v), Literal::Text(l)) if *field == Field::Language && !l.contains('-') => {
            let primary = v.split(['-', '_']).next().unwrap_or("");
            primary.eq_ignore_ascii_case(l)
        }
        (Value::String(v), Literal::Text(l)) => v.to_lowercase() == l.to_lowercase(),
        (Value::Number(v), Literal::Number(l)) => v.as_f64() == Some(*l),
        (Value::Bool(v), Literal::Bool(l)) => v == l,
        _ => false,
    }
}

fn contains(value: &Value, needle: &str) -> bool {
    let needle = needle.to_lowercase();
    match value {
        Value::String(s) => s.to_lowercase().contains(&needle),
        Value::Array(items) => items
            .iter()
            .any(|i| i.as_str().is_some_and(|s| s.to_lowercase() == needle)),
        _ => false,
    }
}

fn compare(cmp: Cmp, value: f64, n: f64) -> bool {
    match cmp {
        Cmp::Eq => value == n,
        Cmp::Ne => value != n,
        Cmp::Ord(Ord::Gt) => value > n,
        Cmp::Ord(Ord::Ge) => value >= n,
        Cmp::Ord(Ord::Lt) => value < n,
        Cmp::Ord(Ord::Le) => value <= n,
    }
}

/// A value read as a point in time (Unix ms): Sodan's own times are ms; an attribute is a date
/// (`YYYY-MM-DD`, or a timestamp whose first ten characters are one) or Unix seconds.
fn moment(value: Option<&Value>, field: &Field) -> Option<u64> {
    match value? {
        Value::Number(n) if matches!(field, Field::FirstSeen | Field::LastSeen) => n.as_u64(),
        Value::Number(n) => n.as_u64().map(|s| s.saturating_mul(1000)),
        Value::String(s) => {
            crate::clock::day_number(s.get(..10)?).map(|d| d.saturating_mul(Day::MS))
        }
        _ => None,
    }
}

/// Matches a page URL against a pattern: one with `://` against the whole URL, otherwise against the path
/// (and query, when the pattern has a `?`).
pub fn url_matches(pattern: &str, url: &str) -> bool {
    matched_target(pattern, url).is_some()
}

/// The part of `url` the pattern was matched against (without the `#fragment`), when it matches: two
/// views of the same target are views of the same page.
fn matched_target<'u>(pattern: &str, url: &'u str) -> Option<&'u str> {
    let url = url.split('#').next().unwrap_or("");
    if pattern.contains("://") {
        return crate::sites::wildcard_match(pattern, url).then_some(url);
    }
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path_and_query = rest.find('/').map_or("/", |i| &rest[i..]);
    let target = if pattern.contains('?') {
        path_and_query
    } else {
        path_and_query.split('?').next().unwrap_or("")
    };
    crate::sites::wildcard_match(pattern, target).then_some(target)
}
