use super::super::{Author, BotState, Conversation, Csat, Message, Origin, Status};

fn message(seq: u64, author: Author, note: bool, body: &str) -> Message {
    Message::numbered(seq, author, body, note)
}

fn operator() -> Author {
    Author::Operator {
        id: 7,
        name: "Aiko".into(),
    }
}

#[test]
fn a_message_to_a_resolved_conversation_reopens_it_or_hands_it_to_the_bot() {
    let mut c = Conversation::blank(1, 2);
    c.status = Status::Resolved;
    let starting = c.starts_afresh(false);
    assert!(starting, "a resolved conversation starts afresh");
    c.visitor_wrote(&Origin::default(), starting);
    assert_eq!((c.status, c.bot), (Status::Open, None));

    let mut c = Conversation::blank(1, 2);
    c.status = Status::Resolved;
    let bot = Origin {
        bot: true,
        ..Origin::default()
    };
    c.visitor_wrote(&bot, c.starts_afresh(false));
    assert_eq!((c.status, c.bot), (Status::Pending, Some(BotState::Active)));

    // An open conversation the bot is not part of stays with the team, bot or not.
    let mut c = Conversation::blank(1, 2);
    let starting = c.starts_afresh(false);
    assert!(!starting);
    c.visitor_wrote(&bot, starting);
    assert_eq!((c.status, c.bot), (Status::Open, None));
}

#[test]
fn a_snoozed_conversation_wakes_when_the_visitor_writes() {
    let mut c = Conversation::blank(1, 2);
    c.status = Status::Snoozed;
    c.snoozed_until = Some(99);
    c.visitor_wrote(&Origin::default(), c.starts_afresh(false));
    assert_eq!((c.status, c.snoozed_until), (Status::Open, None));
}

#[test]
fn unread_counts_follow_who_wrote_last() {
    let mut c = Conversation::blank(1, 2);
    c.last_seq = 4;
    c.visitor_wrote(&Origin::default(), false);
    c.visitor_wrote(&Origin::default(), false);
    assert_eq!(c.unread_for_operators, 2);
    assert_eq!(
        c.read_by_visitor_seq, 5,
        "the visitor read up to their own message"
    );
    c.operator_answered();
    assert_eq!((c.unread_for_operators, c.read_by_operator_seq), (0, 5));
}

#[test]
fn the_first_operator_reply_is_the_first_response_and_notes_stay_out_of_the_preview() {
    let mut c = Conversation::blank(1, 2);
    c.took(&message(1, Author::Visitor, false, "hello"), 10);
    assert_eq!((c.last_seq, c.last_activity_at), (1, 10));
    assert_eq!(c.preview, "hello");
    c.took(&message(2, operator(), true, "private"), 20);
    assert_eq!(c.stats.first_response_at, None, "a note is no response");
    assert_eq!(c.preview, "hello", "the visitor never sees a note");
    c.took(&message(3, operator(), false, "hi!"), 30);
    c.took(&message(4, operator(), false, "again"), 40);
    assert_eq!(
        (c.stats.first_response_at, c.stats.first_responder),
        (Some(30), Some(7))
    );
    assert!(!c.stats.automated);
    c.took(&message(5, Author::Bot, false, "an answer"), 50);
    assert!(c.stats.automated);
    assert_eq!((c.last_seq, c.preview.as_str()), (5, "an answer"));
}

#[test]
fn the_first_resolution_is_kept() {
    let mut c = Conversation::blank(1, 2);
    c.note_resolution(5);
    assert_eq!(
        c.stats.resolved_at, None,
        "an open conversation is not resolved"
    );
    c.status = Status::Resolved;
    c.note_resolution(10);
    c.status = Status::Open;
    c.note_resolution(20);
    c.status = Status::Resolved;
    c.note_resolution(30);
    assert_eq!(c.stats.resolved_at, Some(10));
}

#[test]
fn only_a_conversation_the_bot_handles_is_handed_over() {
    let mut c = Conversation::blank(1, 2);
    c.status = Status::Pending;
    assert!(!c.hand_over_from_bot(), "the bot was not part of it");
    assert_eq!((c.status, c.bot), (Status::Pending, None));
    c.bot = Some(BotState::Active);
    assert!(c.hand_over_from_bot());
    assert_eq!(
        (c.status, c.bot),
        (Status::Open, Some(BotState::HandedOver))
    );
    assert!(!c.hand_over_from_bot(), "handed over once");
}

#[test]
fn an_erased_customers_shell_keeps_the_page_but_not_its_query_or_anything_they_wrote() {
    let mut c = Conversation::blank(1, 2);
    c.status = Status::Snoozed;
    c.snoozed_until = Some(9);
    c.unread_for_operators = 3;
    c.waiting_since = Some(5);
    c.preview = "my address is ...".into();
    c.started_on = Some("https://shop.example/p?email=a@b.c#x".into());
    c.stats.csat = Some(Csat::parse(5, "thanks, call me on 090...", 7).unwrap());
    let shell = c.erased_shell();
    assert_eq!(shell.started_on.as_deref(), Some("https://shop.example/p"));
    assert_eq!(
        (shell.status, shell.snoozed_until),
        (Status::Resolved, None)
    );
    assert_eq!((shell.unread_for_operators, shell.waiting_since), (0, None));
    assert!(shell.preview.is_empty());
    let csat = shell.stats.csat.unwrap();
    assert_eq!(
        (csat.rating, csat.comment.as_str()),
        (5, ""),
        "the rating stays for reports"
    );
}
