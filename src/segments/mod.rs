//! Segments: named groups of customers defined by a rule ("gold plan, bought in the last 30 days"), and
//! the intent score, both kept up to date as customers act.
//!
//! The rule language and its evaluation are pure (`rule`, `text`); `evaluation` re-evaluates one customer
//! inside every write that changes their record, page views or events, and again at the time an answer
//! would change by itself (a window expiring); `routing` picks the operator of a new conversation.

mod draft;
pub(crate) mod evaluation;
pub mod routing;
pub mod rule;
pub mod text;

use serde::{Deserialize, Serialize};

pub use draft::{SegmentDraft, check_score_rules};
pub use rule::{Facts, Outcome, Reads, Rule, evaluate};
pub use text::{ParseError, parse};

use crate::customers::Event;
use crate::visitors::{PageView, Visitor};

/// A segment's id.
pub type SegmentId = u64;

/// The longest segment name.
pub const MAX_NAME_CHARS: usize = 80;
/// The most segments a site may define.
pub const MAX_SEGMENTS: usize = 200;
/// The most intent-score rules.
pub const MAX_SCORE_RULES: usize = 100;

/// A named rule, and what to do with conversations of its members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// Id.
    pub id: SegmentId,
    /// Name shown on the card and in filters.
    pub name: String,
    /// The rule's text (checked when saved).
    pub rule: String,
    /// New conversations of members are assigned to this operator.
    #[serde(default)]
    pub route_to: Option<u64>,
    /// Members' conversations are listed first in the inbox.
    #[serde(default)]
    pub priority: bool,
    /// When it was created (Unix ms).
    pub created_at: u64,
}

impl Segment {
    /// The parsed rule; a stored rule was checked when saved, so a failure means none matches.
    pub fn parsed(&self) -> Rule {
        parse(&self.rule).unwrap_or(Rule::Any(Vec::new()))
    }
}

/// Checks a segment name: 1 to [`MAX_NAME_CHARS`] characters, no control characters.
pub fn parse_name(input: &str) -> Result<String, crate::i18n::messages::Message> {
    let name = input.trim();
    if name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(crate::msg!(
            "a segment name must be 1 to {0} characters",
            MAX_NAME_CHARS
        ));
    }
    Ok(name.to_owned())
}

/// Points added to a customer's intent score while a rule holds ("+5 for viewing the same item 3 times").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreRule {
    /// The rule's text (it may not use `intent` itself).
    pub rule: String,
    /// Points (may be negative).
    pub points: i64,
}

/// A customer's segments and score, as last evaluated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// Segments the customer is in, by id.
    pub segments: Vec<SegmentId>,
    /// Intent score.
    pub intent: i64,
    /// When to evaluate again without new data (Unix ms).
    pub recheck_at: Option<u64>,
}

/// Every definition, parsed once, to evaluate customers against.
#[derive(Debug, Clone, Default)]
pub struct Definitions {
    /// Segments with their parsed rules, by id.
    pub segments: Vec<(SegmentId, Rule)>,
    /// Score rules with their points.
    pub score: Vec<(Rule, i64)>,
    /// What each segment's rule reads, in the order of `segments`.
    segment_reads: Vec<Reads>,
    /// What each score rule reads, in the order of `score`.
    score_reads: Vec<Reads>,
}

/// What is new about a customer since their segments were last evaluated: only the rules that read it are
/// evaluated again (with the record, which is cheap); the others keep their answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change<'a> {
    /// Anything may have changed (history merged or trimmed, definitions new): every rule.
    Any,
    /// Only the customer record (a visit, an attribute, the cart): rules without history.
    Record,
    /// The record and one more event of this name.
    Event(&'a str),
    /// The record and one more page view (the oldest may have left the kept history).
    Page,
}

impl Reads {
    /// Whether a rule that reads this may answer differently after `change`.
    fn affected_by(&self, change: Change<'_>) -> bool {
        let record_only = !self.pages && self.events.is_empty();
        match change {
            Change::Any => true,
            Change::Record => record_only,
            Change::Event(name) => record_only || self.events.iter().any(|e| e == name),
            Change::Page => record_only || self.pages,
        }
    }
}

impl Definitions {
    /// Parses stored definitions.
    pub fn new(segments: &[Segment], score: &[ScoreRule]) -> Definitions {
        let segments: Vec<(SegmentId, Rule)> =
            segments.iter().map(|s| (s.id, s.parsed())).collect();
        let score: Vec<(Rule, i64)> = score
            .iter()
            .filter_map(|r| parse(&r.rule).ok().map(|rule| (rule, r.points)))
            .collect();
        Definitions {
            segment_reads: segments.iter().map(|(_, r)| rule::reads(r)).collect(),
            score_reads: score.iter().map(|(r, _)| rule::reads(r)).collect(),
            segments,
            score,
        }
    }

    /// The names of the events that the rules [`Definitions::reevaluate`] evaluates again after `change`
    /// count, each with whether one of them tests their properties: the evaluation needs only those
    /// events, and of the others' properties nothing, so a customer's history is read for that alone
    /// (after a `view_item`, a rule over purchases keeps its answer, and purchases are not read).
    pub fn counted_events_after(
        &self,
        change: Change<'_>,
    ) -> std::collections::BTreeMap<&str, bool> {
        let score_again = self.score_again(change);
        let mut counted = std::collections::BTreeMap::new();
        let again = |r: &&Reads| r.affected_by(change) || (score_again && r.intent);
        let segments = self.segment_reads.iter().filter(again);
        let score = self.score_reads.iter().filter(|_| score_again);
        for reads in segments.chain(score) {
            for name in &reads.events {
                let tested = reads.event_properties.contains(name);
                *counted.entry(name.as_str()).or_insert(false) |= tested;
            }
        }
        counted
    }

    /// Whether the score must be added up again after `change`: any score rule may answer differently.
    fn score_again(&self, change: Change<'_>) -> bool {
        change == Change::Any || self.score_reads.iter().any(|r| r.affected_by(change))
    }

    /// Whether there is nothing to evaluate.
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty() && self.score.is_empty()
    }

    /// Evaluates the score, then every segment, for one customer at `now_ms`.
    pub fn evaluate(&self, facts: &dyn Facts, now_ms: u64) -> Membership {
        self.reevaluate(facts, now_ms, &Membership::default(), Change::Any)
    }
}

impl Definitions {
    /// [`Definitions::evaluate`] after `change`, from the customer's previous membership `old`: rules that
    /// cannot answer differently keep their answer (and their pending re-check time), so an event does not
    /// make every rule read the customer's whole history.
    pub fn reevaluate(
        &self,
        facts: &dyn Facts,
        now_ms: u64,
        old: &Membership,
        change: Change<'_>,
    ) -> Membership {
        // After `Any` every rule is evaluated, so nothing of the old answer is kept.
        let mut recheck_at = old
            .recheck_at
            .filter(|&t| t > now_ms && change != Change::Any);
        let mut note = |o: &Outcome| {
            if let Some(t) = o.recheck_at {
                recheck_at = Some(recheck_at.map_or(t, |r| r.min(t)));
            }
        };
        // The score is one sum: any score rule that may answer differently means adding it up again.
        let intent = if self.score_again(change) {
            let zero = WithIntent { facts, intent: 0 };
            let mut intent = 0i64;
            for (rule, points) in &self.score {
                let outcome = evaluate(rule, &zero, now_ms);
                note(&outcome);
                if outcome.matched {
                    intent = intent.saturating_add(*points);
                }
            }
            intent
        } else {
            old.intent
        };
        let scored = WithIntent { facts, intent };
        let mut segments = Vec::new();
        for ((id, rule), reads) in self.segments.iter().zip(&self.segment_reads) {
            let matched = if reads.affected_by(change) || (reads.intent && intent != old.intent) {
                let outcome = evaluate(rule, &scored, now_ms);
                note(&outcome);
                outcome.matched
            } else {
                old.segments.contains(id)
            };
            if matched {
                segments.push(*id);
            }
        }
        Membership {
            segments,
            intent,
            recheck_at,
        }
    }
}

/// Facts with a given intent score.
struct WithIntent<'a> {
    facts: &'a dyn Facts,
    intent: i64,
}

impl Facts for WithIntent<'_> {
    fn customer(&self) -> &Visitor {
        self.facts.customer()
    }
    fn pages(&self) -> &[PageView] {
        self.facts.pages()
    }
    fn events(&self) -> &[Event] {
        self.facts.events()
    }
    fn intent(&self) -> i64 {
        self.intent
    }
}

/// Facts whose history is loaded on first use (most rules never look at it).
pub struct LazyFacts<'a, P, E> {
    customer: &'a Visitor,
    pages: std::cell::OnceCell<Vec<PageView>>,
    events: std::cell::OnceCell<Vec<Event>>,
    load_pages: P,
    load_events: E,
}

impl<'a, P, E> LazyFacts<'a, P, E>
where
    P: Fn() -> Vec<PageView>,
    E: Fn() -> Vec<Event>,
{
    /// Facts about `customer`, with loaders for their history (oldest first).
    pub fn new(customer: &'a Visitor, load_pages: P, load_events: E) -> Self {
        LazyFacts {
            customer,
            pages: Default::default(),
            events: Default::default(),
            load_pages,
            load_events,
        }
    }
}

impl<P, E> Facts for LazyFacts<'_, P, E>
where
    P: Fn() -> Vec<PageView>,
    E: Fn() -> Vec<Event>,
{
    fn customer(&self) -> &Visitor {
        self.customer
    }
    fn pages(&self) -> &[PageView] {
        self.pages.get_or_init(&self.load_pages)
    }
    fn events(&self) -> &[Event] {
        self.events.get_or_init(&self.load_events)
    }
    fn intent(&self) -> i64 {
        0
    }
}

/// Checks a score rule's text: it must parse and may not depend on the score itself.
pub fn parse_score_rule(text: &str) -> Result<Rule, ParseError> {
    let rule = parse(text)?;
    if uses_intent(&rule) {
        return Err(ParseError {
            at: 0,
            message: crate::msg!("a score rule cannot use the intent score itself"),
        });
    }
    Ok(rule)
}

fn uses_intent(rule: &Rule) -> bool {
    match rule {
        Rule::All(parts) | Rule::Any(parts) => parts.iter().any(uses_intent),
        Rule::Not(part) => uses_intent(part),
        Rule::Cond(rule::Cond::Field(rule::Field::Intent, _)) => true,
        Rule::Cond(_) => false,
    }
}

#[cfg(test)]
mod tests;
