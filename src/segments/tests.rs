use proptest::prelude::*;
use serde_json::json;

use super::rule::{Cmp, Cond, Counted, Day, Field, Literal, Ord, Test, Window};
use super::*;
use crate::customers::{CartItem, Device};

const DAY: u64 = 86_400_000;
/// 2026-11-24T00:00:00Z.
const NOW: u64 = 20_781 * DAY;

#[derive(Clone)]
struct Fixture {
    customer: Visitor,
    pages: Vec<PageView>,
    events: Vec<Event>,
    intent: i64,
}

impl Facts for Fixture {
    fn customer(&self) -> &Visitor {
        &self.customer
    }
    fn pages(&self) -> &[PageView] {
        &self.pages
    }
    fn events(&self) -> &[Event] {
        &self.events
    }
    fn intent(&self) -> i64 {
        self.intent
    }
}

fn customer() -> Fixture {
    let mut c = Visitor::new(7, NOW - 40 * DAY);
    c.last_seen_at = NOW - 2 * DAY;
    c.counts.visits = 4;
    c.counts.conversations = 1;
    c.profile.name = "Hanako Yamada".into();
    c.profile.email = "hanako@example.jp".into();
    c.profile.language = "ja-JP".into();
    c.profile.device = Some(Device {
        browser: "Safari".into(),
        os: "iOS".into(),
        category: "smartphone".into(),
    });
    c.profile.attributes = [
        ("plan", json!("Gold")),
        ("orders", json!(12)),
        ("vip", json!(true)),
        ("since", json!("2025-03-01")),
        ("tags", json!(["sale", "kimono"])),
        ("empty", json!("")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    c.profile.cart = vec![
        CartItem {
            sku: "A".into(),
            name: "Obi".into(),
            price: 6000.0,
            quantity: 2,
        },
        CartItem {
            sku: "B".into(),
            name: "Geta".into(),
            price: 500.0,
            quantity: 1,
        },
    ];
    let page = |path: &str, ago: u64| PageView {
        url: format!("https://shop.example{path}"),
        title: String::new(),
        referrer: String::new(),
        at: NOW - ago,
    };
    let event = |name: &str, properties, ago: u64| Event {
        name: name.into(),
        properties,
        at: NOW - ago,
    };
    Fixture {
        customer: c,
        pages: vec![
            page("/items/1", 10 * DAY),
            page("/pricing?plan=a", 3 * DAY),
            page("/items/2", 2 * DAY),
            page("/items/2", DAY),
            page("/items/2#reviews", 1000),
        ],
        events: vec![
            event(
                "purchase",
                json!({"total": 8000, "currency": "JPY"}),
                20 * DAY,
            ),
            event(
                "purchase",
                json!({"total": 15000, "currency": "JPY"}),
                5 * DAY,
            ),
            event("view_item", json!({"sku": "A"}), DAY),
        ],
        intent: 25,
    }
}

fn holds(text: &str) -> bool {
    holds_at(text, &customer(), NOW)
}

fn holds_at(text: &str, facts: &Fixture, now: u64) -> bool {
    let rule = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    evaluate(&rule, facts, now).matched
}

#[test]
fn every_value_test_has_its_meaning() {
    // = and != (text case-insensitively, numbers, booleans)
    assert!(holds(r#"attr.plan = "gold""#));
    assert!(!holds(r#"attr.plan = "silver""#));
    assert!(holds(r#"attr.plan != "silver""#));
    assert!(holds("attr.orders = 12"));
    assert!(holds("attr.vip = true"));
    assert!(!holds("attr.vip = false"));
    // contains: text and lists
    assert!(holds(r#"email contains "@EXAMPLE.jp""#));
    assert!(holds(r#"attr.tags contains "kimono""#));
    assert!(!holds(r#"attr.tags contains "kim""#));
    // ordering
    assert!(holds("attr.orders > 11") && !holds("attr.orders > 12"));
    assert!(holds("attr.orders >= 12") && !holds("attr.orders >= 12.5"));
    assert!(holds("attr.orders < 13") && !holds("attr.orders < 12"));
    assert!(holds("attr.orders <= 12") && !holds("attr.orders <= 11.99"));
    // is set / is not set (an empty text is not set)
    assert!(holds("attr.plan is set") && !holds("attr.plan is not set"));
    assert!(holds("attr.empty is not set") && !holds("attr.empty is set"));
    // dates
    assert!(holds("attr.since before 2025-03-02") && !holds("attr.since before 2025-03-01"));
    assert!(holds("attr.since after 2025-02-28") && !holds("attr.since after 2025-03-01"));
    assert!(holds("first_seen before 2026-10-16") && !holds("first_seen before 2026-10-15"));
    assert!(holds("last_seen within 2d") && !holds("last_seen within 1d"));
    assert!(holds("last_seen over 1d") && !holds("last_seen over 2d"));
}

#[test]
fn every_field_reads_the_customer() {
    assert!(holds(r#"name contains "hanako""#));
    assert!(holds(r#"phone is not set"#));
    assert!(holds(r#"language = "ja""#) && holds(r#"language = "ja-jp""#));
    assert!(!holds(r#"language = "en""#) && !holds(r#"language = "ja-KR""#));
    assert!(holds(r#"device = "mobile""#) && !holds(r#"device = "desktop""#));
    assert!(holds("referrer is not set"));
    assert!(holds("visits = 4") && holds("conversations >= 1"));
    assert!(holds("cart.value = 12500") && holds("cart.items = 3"));
    assert!(holds("intent >= 25") && !holds("intent > 25"));
    assert!(holds("identified = false") && !holds("identified = true"));
}

#[test]
fn counts_of_pages_and_events() {
    assert!(holds(r#"pages("/items/*") = 4"#));
    assert!(holds(r#"pages("/pricing") = 1"#), "the query is ignored");
    assert!(holds(r#"pages("/pricing?plan=*") = 1"#), "unless asked for");
    assert!(holds(r#"pages("https://shop.example/items/*", 3d) = 3"#));
    assert!(holds(r#"repeat_pages("/items/*") = 3"#));
    assert!(holds(r#"repeat_pages("/items/*", 1d) = 2"#));
    assert!(holds(r#"events("purchase") = 2"#));
    assert!(holds(r#"events("purchase", 30d, total > 10000) = 1"#));
    assert!(holds(
        r#"events("purchase", total >= 8000, currency = "JPY") = 2"#
    ));
    assert!(holds(r#"events("purchase", coupon is set) = 0"#));
    assert!(holds(r#"events("purchase", 7d) != 0"#));
    assert!(holds(r#"events("purchase", 7d) < 2"#) && !holds(r#"events("purchase", 7d) > 1"#));
    assert!(holds(r#"events("refund") <= 0"#));
}

#[test]
fn groups_nest() {
    assert!(holds(r#"all(attr.plan = "gold", visits > 3)"#));
    assert!(!holds(r#"all(attr.plan = "gold", visits > 4)"#));
    assert!(holds(r#"any(attr.plan = "silver", visits > 3)"#));
    assert!(!holds(r#"any(attr.plan = "silver", visits > 4)"#));
    assert!(holds(r#"not(attr.plan = "silver")"#));
    assert!(holds("all()") && !holds("any()"));
    assert!(holds(
        r#"all(any(attr.plan = "silver", all(visits = 4, not(identified = true))), events("purchase") >= 1)"#
    ));
    assert!(!holds(
        r#"all(any(attr.plan = "silver", all(visits = 4, not(identified = false))), events("purchase") >= 1)"#
    ));
}

#[test]
fn missing_values_pass_only_the_tests_that_ask_for_absence() {
    for test in [
        r#"= "x""#,
        "= 1",
        "= true",
        r#"contains "x""#,
        "> 0",
        "< 0",
        "is set",
        "before 2100-01-01",
        "after 1970-01-01",
        "within 3650d",
        "over 1s",
    ] {
        assert!(!holds(&format!("attr.nothing {test}")), "{test}");
    }
    assert!(holds(r#"attr.nothing != "x""#));
    assert!(holds("attr.nothing is not set"));
}

#[test]
fn type_mismatches_do_not_match() {
    assert!(!holds("attr.plan > 1"), "text compared as a number");
    assert!(!holds("attr.plan = 1"));
    assert!(
        !holds(r#"attr.orders = "12""#),
        "a number is not the text 12"
    );
    assert!(!holds(r#"attr.orders contains "1""#));
    assert!(!holds("attr.vip = 1"));
    assert!(
        !holds("attr.plan before 2100-01-01"),
        "text that is not a date"
    );
    assert!(!holds("attr.tags > 0"));
    assert!(holds(r#"attr.orders != "12""#));
}

#[test]
fn windows_hold_up_to_their_edge_and_say_when_they_expire() {
    let f = customer();
    let rule = parse(r#"events("view_item", 1d) >= 1"#).unwrap();
    // The view was exactly one day ago: still inside; one millisecond later it is out.
    let now = evaluate(&rule, &f, NOW);
    assert_eq!(
        now,
        Outcome {
            matched: true,
            recheck_at: Some(NOW + 1)
        }
    );
    assert!(!evaluate(&rule, &f, NOW + 1).matched);
    // A future item (clock skew) is not counted yet.
    assert!(!evaluate(&rule, &f, NOW - DAY - 1).matched);

    let seen = parse("last_seen within 2d").unwrap();
    assert_eq!(evaluate(&seen, &f, NOW).recheck_at, Some(NOW + 1));
    assert!(!evaluate(&seen, &f, NOW + 1).matched);

    let gone = parse("last_seen over 3d").unwrap();
    let before = evaluate(&gone, &f, NOW);
    assert_eq!(
        (before.matched, before.recheck_at),
        (false, Some(NOW + DAY + 1))
    );
    assert!(!evaluate(&gone, &f, NOW + DAY).matched);
    assert!(evaluate(&gone, &f, NOW + DAY + 1).matched);

    // The oldest counted item leaves first.
    let two = parse(r#"pages("/items/2", 3d) >= 2"#).unwrap();
    assert_eq!(evaluate(&two, &f, NOW).recheck_at, Some(NOW + DAY + 1));
    // No counted item: nothing expires.
    let none = parse(r#"events("refund", 1d) = 0"#).unwrap();
    assert_eq!(evaluate(&none, &f, NOW).recheck_at, None);

    // Days are whole UTC days.
    let mut f = customer();
    f.customer.last_seen_at = NOW - 1;
    assert!(holds_at("last_seen before 2026-11-24", &f, NOW));
    assert!(!holds_at("last_seen after 2026-11-23", &f, NOW));
    f.customer.last_seen_at = NOW;
    assert!(holds_at("last_seen after 2026-11-23", &f, NOW));
}

#[test]
fn the_score_counts_first_and_segments_can_use_it() {
    let defs = Definitions::new(
        &[
            Segment {
                id: 1,
                name: "High intent".into(),
                rule: "intent >= 20".into(),
                route_to: None,
                priority: false,
                created_at: 0,
            },
            Segment {
                id: 2,
                name: "Gold".into(),
                rule: r#"attr.plan = "gold""#.into(),
                route_to: None,
                priority: false,
                created_at: 0,
            },
            Segment {
                id: 3,
                name: "Silver".into(),
                rule: r#"attr.plan = "silver""#.into(),
                route_to: None,
                priority: false,
                created_at: 0,
            },
        ],
        &[
            ScoreRule {
                rule: r#"repeat_pages("/items/*", 7d) >= 3"#.into(),
                points: 5,
            },
            ScoreRule {
                rule: "cart.value > 10000".into(),
                points: 20,
            },
            ScoreRule {
                rule: "visits > 100".into(),
                points: 50,
            },
        ],
    );
    let m = defs.evaluate(&customer(), NOW);
    assert_eq!(m.intent, 25);
    assert_eq!(m.segments, vec![1, 2]);
    // The second /items/2 view leaves the 7-day window first.
    assert_eq!(m.recheck_at, Some(NOW + 5 * DAY + 1));
    assert!(parse_score_rule("intent > 3").is_err());
    assert!(parse_score_rule("any(visits > 3, not(intent > 3))").is_err());
}

#[test]
fn bad_text_is_refused_with_where_and_why() {
    for (text, wanted) in [
        ("", "but the rule ends"),
        ("visits", "expected a test"),
        ("visits >", "expected a number"),
        ("visits > x", "expected a number after >"),
        ("visits > inf", "expected a number after >"),
        ("vists > 1", "unknown field \"vists\""),
        ("attr.a b = 1", "expected a test"),
        (r#"attr.plan = gold"#, "expected a value"),
        (r#"name = "x"#, "no closing quote"),
        ("all(visits > 1", "but the rule ends"),
        ("all(visits > 1))", "expected the end of the rule"),
        ("not(visits > 1, visits < 3)", "exactly one part"),
        ("not()", "exactly one part"),
        (r#"pages("/a", 0d) > 1"#, "between 1s and 3650d"),
        (r#"pages("/a", 3651d) > 1"#, "between 1s and 3650d"),
        (r#"pages("/a", 3w) > 1"#, "such as 30d"),
        (r#"pages("") > 1"#, "must not be empty"),
        (r#"pages("/a") > 1.5"#, "whole number"),
        (r#"events("bad name") > 0"#, "event name"),
        (r#"events("a", x y) > 0"#, "expected a test"),
        (
            r#"events("a", total > 1, 3d) > 0"#,
            "expected a property test",
        ),
        ("last_seen before 2026-02-30", "YYYY-MM-DD"),
        ("visits ! 3", "must be followed by"),
        ("visits # 3", "unexpected character"),
        ("attr.is is maybe", "\"set\" or \"not set\""),
    ] {
        let err = parse(text).expect_err(text);
        assert!(
            err.message.english().contains(wanted),
            "{text:?}: {err} (wanted {wanted:?})"
        );
    }
    let deep = "not(".repeat(20) + "visits > 1" + &")".repeat(20);
    assert!(parse(&deep).unwrap_err().message.english().contains("nest"));
    let many = format!("all({})", vec!["visits > 1"; 101].join(", "));
    assert!(
        parse(&many)
            .unwrap_err()
            .message
            .english()
            .contains("at most 100")
    );
    assert_eq!(parse("visits >> 3").unwrap_err().at, 8);
}

#[test]
fn text_is_printed_in_one_canonical_form() {
    let text = r#"  all ( attr.plan="gold",any(visits>=3,events("purchase",720h,total>10000)>=1),not( pages("/pricing*" , 7d)=0 ),last_seen within 90m , attr.x is not set)"#;
    assert_eq!(
        parse(text).unwrap().to_string(),
        r#"all(attr.plan = "gold", any(visits >= 3, events("purchase", 30d, total > 10000) >= 1), not(pages("/pricing*", 7d) = 0), last_seen within 90m, attr.x is not set)"#
    );
    assert_eq!(
        parse(r#"name = "say \"hi\" 日本""#).unwrap(),
        Rule::Cond(Cond::Field(
            Field::Name,
            Test::Eq(Literal::Text("say \"hi\" 日本".into()))
        ))
    );
}

#[test]
fn the_builder_sees_groups_and_rows() {
    let rule = parse(
        r#"all(attr.plan = "gold", visits >= 3, attr.x is not set, not(any(language = "en")), not(visits > 1), events("purchase", 30d, total > 10000) >= 1)"#,
    )
    .unwrap();
    let json = text::builder_json(&rule);
    assert_eq!(json["group"], "all");
    let parts = json["parts"].as_array().unwrap();
    assert_eq!(
        parts[0],
        serde_json::json!({"field": "attr.plan", "op": "=", "value": "gold"})
    );
    assert_eq!(
        parts[1],
        serde_json::json!({"field": "visits", "op": ">=", "value": "3"})
    );
    assert_eq!(parts[2]["op"], "is not set");
    assert_eq!(parts[3]["group"], "none");
    assert_eq!(parts[4], serde_json::json!({"raw": "not(visits > 1)"}));
    assert_eq!(
        parts[5],
        serde_json::json!({"count": "events", "arg": "purchase", "window": "30d", "properties": "total > 10000", "op": ">=", "n": 1})
    );
}

fn arb_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z/*?=._-]{1,12}",
        any::<String>().prop_filter("not empty", |s| !s.is_empty() && s.chars().count() <= 40),
    ]
}

fn arb_key() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_-]{1,16}"
}

fn arb_window() -> impl Strategy<Value = Window> {
    prop_oneof![
        (1..=text::MAX_WINDOW_SECS).prop_map(Window),
        (1..=3650u64).prop_map(|d| Window(d * 86_400)),
        (1..=1000u64).prop_map(|m| Window(m * 60)),
    ]
}

fn arb_number() -> impl Strategy<Value = f64> {
    prop_oneof![
        (-1_000_000i64..1_000_000).prop_map(|n| n as f64),
        (-1e12f64..1e12),
        (-1e-3f64..1e-3),
    ]
}

fn arb_ord() -> impl Strategy<Value = Ord> {
    prop_oneof![Just(Ord::Gt), Just(Ord::Ge), Just(Ord::Lt), Just(Ord::Le)]
}

fn arb_test() -> impl Strategy<Value = Test> {
    let literal = prop_oneof![
        arb_text().prop_map(Literal::Text),
        arb_number().prop_map(Literal::Number),
        any::<bool>().prop_map(Literal::Bool),
    ];
    let day = (0u64..2_932_896).prop_map(Day);
    prop_oneof![
        literal.clone().prop_map(Test::Eq),
        literal.prop_map(Test::Ne),
        arb_text().prop_map(Test::Contains),
        (arb_ord(), arb_number()).prop_map(|(o, n)| Test::Compare(o, n)),
        Just(Test::IsSet),
        Just(Test::IsNotSet),
        day.clone().prop_map(Test::Before),
        day.prop_map(Test::After),
        arb_window().prop_map(Test::Within),
        arb_window().prop_map(Test::Over),
    ]
}

fn arb_field() -> impl Strategy<Value = Field> {
    prop_oneof![
        arb_key().prop_map(Field::Attr),
        proptest::sample::select(text_fields()),
    ]
}

fn text_fields() -> Vec<Field> {
    vec![
        Field::Name,
        Field::Email,
        Field::Phone,
        Field::Language,
        Field::Device,
        Field::Referrer,
        Field::Visits,
        Field::Conversations,
        Field::CartValue,
        Field::CartItems,
        Field::Intent,
        Field::FirstSeen,
        Field::LastSeen,
        Field::Identified,
    ]
}

fn arb_cond() -> impl Strategy<Value = Cond> {
    let cmp = prop_oneof![Just(Cmp::Eq), Just(Cmp::Ne), arb_ord().prop_map(Cmp::Ord)];
    let counted = prop_oneof![
        arb_text().prop_map(Counted::Pages),
        arb_text().prop_map(Counted::RepeatPages),
        (
            "[A-Za-z0-9_.:-]{1,20}",
            proptest::collection::vec((arb_key(), arb_test()), 0..3)
        )
            .prop_map(|(name, properties)| Counted::Events { name, properties }),
    ];
    prop_oneof![
        (arb_field(), arb_test()).prop_map(|(f, t)| Cond::Field(f, t)),
        (
            counted,
            proptest::option::of(arb_window()),
            cmp,
            any::<u64>()
        )
            .prop_map(|(counted, window, cmp, n)| Cond::Count {
                counted,
                window,
                cmp,
                n
            }),
    ]
}

fn arb_rule() -> impl Strategy<Value = Rule> {
    arb_cond()
        .prop_map(Rule::Cond)
        .prop_recursive(4, 40, 5, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(Rule::All),
                proptest::collection::vec(inner.clone(), 0..5).prop_map(Rule::Any),
                inner.prop_map(|r| Rule::Not(Box::new(r))),
            ]
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn the_text_form_round_trips(rule in arb_rule()) {
        let text = rule.to_string();
        let parsed = parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(&parsed, &rule, "{}", text);
        prop_assert_eq!(parsed.to_string(), text);
    }

    #[test]
    fn any_text_parses_or_fails_cleanly(text in "[a-z()\",.=<>! 0-9*/_-]{0,80}") {
        if let Ok(rule) = parse(&text) {
            prop_assert_eq!(parse(&rule.to_string()), Ok(rule));
        }
    }
}

/// Rules of every kind, several about the same events and pages, to combine into definitions.
const POOL: &[&str] = &[
    r#"events("purchase", 30d) >= 2"#,
    r#"events("purchase", 7d, total > 10000) >= 1"#,
    r#"events("view_item") >= 2"#,
    r#"events("signup") = 0"#,
    r#"pages("/items/*", 7d) >= 3"#,
    r#"repeat_pages("/items/*", 7d) >= 3"#,
    r#"pages("/pricing*") >= 1"#,
    r#"attr.plan = "gold""#,
    "visits >= 5",
    "cart.value > 10000",
    "intent >= 20",
    r#"all(intent > 0, events("view_item", 7d) >= 1)"#,
    r#"any(language = "ja", pages("/sale*") >= 1)"#,
    r#"not(all(events("purchase") >= 1, attr.vip = true))"#,
];

/// One thing that happens to the customer after their segments were evaluated.
fn happen(f: &mut Fixture, what: usize) -> Change<'static> {
    match what {
        0 => {
            f.events.push(Event {
                name: "purchase".into(),
                properties: json!({"total": 12000}),
                at: NOW,
            });
            Change::Event("purchase")
        }
        1 => {
            f.events.push(Event {
                name: "view_item".into(),
                properties: json!({"sku": "B"}),
                at: NOW,
            });
            Change::Event("view_item")
        }
        2 => {
            f.events.push(Event {
                name: "signup".into(),
                properties: json!({}),
                at: NOW,
            });
            Change::Event("signup")
        }
        3 | 4 => {
            let path = if what == 3 {
                "/items/2"
            } else {
                "/sale/autumn"
            };
            f.pages.push(PageView {
                url: format!("https://shop.example{path}"),
                title: String::new(),
                referrer: String::new(),
                at: NOW,
            });
            Change::Page
        }
        5 => {
            f.customer.counts.visits += 1;
            Change::Record
        }
        _ => {
            f.customer
                .profile
                .attributes
                .insert("plan".into(), json!("gold"));
            Change::Record
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Evaluating only the rules that read what changed gives the segments and score that evaluating every
    /// rule gives, whatever the definitions and the change.
    #[test]
    fn evaluating_what_changed_agrees_with_evaluating_everything(
        picks in proptest::collection::vec(0..POOL.len(), 1..8),
        score_picks in proptest::collection::vec(0..POOL.len() - 4, 0..3),
        changes in proptest::collection::vec(0usize..7, 1..4),
    ) {
        let segments: Vec<Segment> = picks.iter().enumerate().map(|(i, &p)| Segment {
            id: i as u64 + 1,
            name: format!("s{i}"),
            rule: POOL[p].into(),
            route_to: None,
            priority: false,
            created_at: 0,
        }).collect();
        // Score rules may not test the score itself.
        let score: Vec<ScoreRule> = score_picks.iter().map(|&p| POOL[p])
            .filter(|r| !r.contains("intent"))
            .map(|r| ScoreRule { rule: r.into(), points: 15 })
            .collect();
        let defs = Definitions::new(&segments, &score);
        let mut facts = customer();
        let mut membership = defs.evaluate(&facts, NOW);
        for what in changes {
            let change = happen(&mut facts, what);
            // Evaluated again with only the events the rules evaluated again count, as the store reads
            // them: names no such rule counts left out, untested properties left empty.
            let counted = defs.counted_events_after(change);
            let mut read = facts.clone();
            read.events.retain(|e| counted.contains_key(e.name.as_str()));
            for e in &mut read.events {
                if !counted[e.name.as_str()] {
                    e.properties = serde_json::Value::Null;
                }
            }
            let partial = defs.reevaluate(&read, NOW, &membership, change);
            let full = defs.evaluate(&facts, NOW);
            prop_assert_eq!(&partial.segments, &full.segments);
            prop_assert_eq!(partial.intent, full.intent);
            membership = partial;
        }
    }
}
