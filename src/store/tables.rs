//! Every table of the data file, declared once, with its key layout beside it.
//!
//! Records are stored as JSON (see `codec`), so adding an optional field needs no migration.
//!
//! Every table is a [`Table`], kept with byte keys and values through [`super::kv`] (the layout every
//! storage engine shares; `byte_tables.rs` says how backups write them). Only the search index of schemas
//! 11 to 13 was of another kind, which the migration to 14 drops.

use redb::MultimapTableDefinition;

use super::kv::typed::{Json, Ordered, Table};
use crate::conversations::{Conversation, Message};
use crate::reports::Fact;
use crate::segments::Membership;
use crate::visitors::Visitor;
use crate::webhooks::Webhook;

/// `name -> number`: `schema_version`, `next_operator_id`.
pub const META: Table<String, u64> = Table::new("meta");

/// `operator_id -> Operator (JSON)`.
pub const OPERATORS: Table<u64, Json<crate::operators::Operator>> =
    Table::new("operator_id_operator");

/// `lower-cased e-mail -> operator_id`: sign-in lookup and uniqueness.
pub const OPERATOR_EMAILS: Table<String, u64> = Table::new("email_operator_id");

/// `sha256(session token) -> Session (JSON)`.
pub const SESSIONS: Table<[u8; 32], Json<crate::auth::session::Session>> =
    Table::new("tokendigest_session");

/// `(operator_id, sha256(session token)) -> ()`: every session of one operator, to end them together.
pub const OPERATOR_SESSIONS: Table<(u64, [u8; 32]), ()> = Table::new("operatorid_tokendigest");

/// `sha256(invite token) -> Invite (JSON)`.
pub const INVITES: Table<[u8; 32], Json<crate::operators::Invite>> =
    Table::new("tokendigest_invite");

// Schema version 2: the widget, visitors and conversations.

/// `name -> JSON`: settings kept as one record each (`site`).
/// (Byte keys; read and written through `settings.rs`, each name its own record type.)
pub const SETTINGS: Table<String, Json<serde_json::Value>> = Table::new("name_setting");

/// `sha256(visitor token) -> visitor_id`.
pub const VISITOR_TOKENS: Table<[u8; 32], u64> = Table::new("tokendigest_visitor_id");

/// `visitor_id -> Visitor (JSON)`. (Byte keys.)
pub const VISITORS: Table<u64, Json<Visitor>> = Table::new("visitor_id_visitor");

/// `conversation_id -> Conversation (JSON)`. (Byte keys.)
pub const CONVERSATIONS: Table<u64, Json<Conversation>> =
    Table::new("conversation_id_conversation");

/// `(visitor_id, conversation_id) -> ()`: a visitor's conversations, oldest first. (Byte keys.)
pub const VISITOR_CONVERSATIONS: Table<(u64, u64), ()> = Table::new("visitorid_conversationid");

/// `(conversation_id, seq) -> Message (JSON)`: a conversation's messages in order; resume is a range scan.
/// (Byte keys.)
pub const MESSAGES: Table<(u64, u64), Json<Message>> = Table::new("conversationid_seq_message");

/// `(sender key, client id) -> (conversation_id, seq)`: de-duplicates retried sends. The sender key is
/// `v<visitor_id>` or `o<operator_id>/<conversation_id>` (an operator's keys are per conversation).
/// (Byte keys.)
pub const CLIENT_IDS: Table<(String, String), (u64, u64)> = Table::new("sender_clientid_message");

/// `(last_activity_ms, conversation_id) -> ()`: the inbox, newest activity last. (Byte keys.)
pub const ACTIVITY: Table<(u64, u64), ()> = Table::new("activityms_conversationid");

/// `upload_id -> Upload (JSON)`: attachments; their bytes are files in `uploads/`.
pub const UPLOADS: Table<u64, Json<crate::uploads::Upload>> = Table::new("upload_id_upload");

/// `(visitor_id, at_ms) -> PageView (JSON)`: where a visitor went, oldest first.
pub const PAGE_VIEWS: Table<(u64, u64), Json<crate::visitors::PageView>> =
    Table::new("visitorid_atms_pageview");

// Schema version 3: customers.

/// `external (shop) user id -> visitor_id`: identified customers; unique.
pub const EXTERNAL_IDS: Table<String, u64> = Table::new("externalid_visitor_id");

/// `(visitor_id, n) -> PageView (JSON)`: the n-th page view of a visitor, bounded to the latest ones.
/// (Replaces [`PAGE_VIEWS`], which was keyed by time and could lose two views in the same millisecond.)
pub const PAGE_VIEW_LOG: Table<(u64, u64), Json<crate::visitors::PageView>> =
    Table::new("visitorid_n_pageview");

/// `(visitor_id, n) -> Event (JSON)`: the n-th tracked event of a visitor, bounded to the latest ones.
pub const EVENTS: Table<(u64, u64), Json<crate::customers::Event>> =
    Table::new("visitorid_n_event");

/// `note_id -> Note (JSON)`: operators' notes about customers.
/// (Byte keys.)
pub const NOTES: Table<u64, Json<crate::customers::notes::Note>> = Table::new("note_id_note");

/// `(visitor_id, note_id) -> ()`: a customer's notes, oldest first.
pub const CUSTOMER_NOTES: Table<(u64, u64), ()> = Table::new("visitorid_noteid");

/// `(last_seen_ms, visitor_id) -> ()`: listed customers (identified, named, or who chatted), for the
/// customers list sorted by last seen.
pub const SEEN: Table<(u64, u64), ()> = Table::new("lastseenms_visitorid");

/// `attribute key -> first seen (Unix ms)`: every attribute key ever stored, so undeclared ones can be
/// listed for the admin.
pub const ATTRIBUTE_KEYS: Table<String, u64> = Table::new("attrkey_firstseen");

/// `token_id -> ApiToken (JSON)`: back-office API tokens (their secret is not stored).
pub const API_TOKENS: Table<u64, Json<crate::api_tokens::ApiToken>> =
    Table::new("apitoken_id_token");

/// `sha256(api token) -> token_id`.
pub const API_TOKEN_DIGESTS: Table<[u8; 32], u64> = Table::new("tokendigest_apitoken_id");

// Schema version 4: segments and proactive messages.

/// `segment_id -> Segment (JSON)`.
pub const SEGMENTS: Table<u64, Json<crate::segments::Segment>> = Table::new("segment_id_segment");

/// `(segment_id, visitor_id) -> ()`: a segment's members.
pub const SEGMENT_MEMBERS: Table<(u64, u64), ()> = Table::new("segmentid_visitorid");

/// `segment_id -> member count`.
pub const SEGMENT_SIZES: Table<u64, u64> = Table::new("segment_id_size");

/// `visitor_id -> Membership (JSON)`: a customer's segments and intent score, as last evaluated.
/// (Byte keys.)
pub const MEMBERSHIPS: Table<u64, Json<Membership>> = Table::new("visitor_id_membership");

/// `(due_ms, visitor_id) -> ()`: customers to evaluate again when a time window moves on.
pub const RECHECKS: Table<(u64, u64), ()> = Table::new("duems_visitorid");

// Schema version 5: proactive messages.

/// `trigger_id -> Trigger (JSON)`.
pub const TRIGGERS: Table<u64, Json<crate::triggers::Trigger>> = Table::new("trigger_id_trigger");

/// `trigger_id -> Counts (JSON)`: showings, clicks, dismissals, conversations started.
pub const TRIGGER_COUNTS: Table<u64, Json<crate::triggers::Counts>> =
    Table::new("trigger_id_counts");

/// `(trigger_id, visitor_id) -> Seen (JSON)`: when a visitor last saw a trigger, and whether they closed it.
pub const TRIGGER_SEEN: Table<(u64, u64), Json<crate::triggers::Seen>> =
    Table::new("triggerid_visitorid_seen");

/// `(due_ms, conversation_id) -> ()`: automatic replies to post unless an operator answers first.
pub const AUTOREPLIES: Table<(u64, u64), ()> = Table::new("duems_conversationid");

/// `canned_id -> CannedReply (JSON)`: the reply library.
pub const CANNED: Table<u64, Json<crate::canned::CannedReply>> = Table::new("canned_id_reply");

/// `article_id -> Article (JSON)`: the FAQ.
pub const ARTICLES: Table<u64, Json<crate::faq::Article>> = Table::new("article_id_article");

/// `mail_id -> Outgoing (JSON)`: the mail queue and its history.
pub const MAILS: Table<u64, Json<crate::mail::Outgoing>> = Table::new("mail_id_mail");

/// `(next_at_ms, mail_id) -> ()`: queued mails by when they are due.
pub const MAIL_DUE: Table<(u64, u64), ()> = Table::new("nextatms_mailid");

/// `(due_ms, conversation_id) -> ()`: reply digests to e-mail unless the visitor reads them first.
pub const DIGESTS: Table<(u64, u64), ()> = Table::new("duems_conversationid_digest");

/// `webhook_id -> Webhook (JSON)`. (Byte keys.)
pub const WEBHOOKS: Table<u64, Json<Webhook>> = Table::new("webhook_id_webhook");

/// `delivery_id -> Delivery (JSON)`: webhook deliveries and their history.
pub const DELIVERIES: Table<u64, Json<crate::webhooks::Delivery>> =
    Table::new("delivery_id_delivery");

/// `(next_at_ms, delivery_id) -> ()`: deliveries by when they are due.
pub const DELIVERY_DUE: Table<(u64, u64), ()> = Table::new("nextatms_deliveryid");

/// `LINE user id -> visitor_id`: customers who write through the LINE channel.
pub const LINE_USERS: Table<String, u64> = Table::new("lineuserid_visitor_id");

/// `entry_id -> AuditEntry (JSON)`: admin actions, oldest first.
pub const AUDIT: Table<u64, Json<super::audit::AuditEntry>> = Table::new("audit_id_entry");

// Schema version 6: reports.

/// `conversation_id -> Fact (JSON)`: what reports need about a conversation; outlives it. (Byte keys.)
pub const REPORT_FACTS: Table<u64, Json<Fact>> = Table::new("conversation_id_fact");

/// `(started_ms, conversation_id) -> ()`: facts by when their conversation started. (Byte keys.)
pub const REPORT_STARTS: Table<(u64, u64), ()> = Table::new("startedms_conversationid");

/// `(page key, at_ms, visitor_id) -> 0`: who viewed which page (without query) when.
pub const PAGE_VISITORS: Table<(u64, u64, u64), u64> = Table::new("pagekey_atms_visitorid");

/// `(event name key, visitor_id, at_ms) -> total in cents`: tracked events for outcome reports.
pub const OUTCOME_EVENTS: Table<(u64, u64, u64), u64> = Table::new("eventkey_visitorid_atms_cents");

/// `push_id -> Push (JSON)`: messages on their way to LINE (the outbox), kept after delivery for the record.
pub const LINE_PUSHES: Table<u64, Json<crate::line::outbox::Push>> = Table::new("linepush_id_push");

/// `(next_at_ms, push_id) -> ()`: pushes due for an attempt, soonest first.
pub const LINE_PUSH_DUE: Table<(u64, u64), ()> = Table::new("nextatms_linepushid");

// Schema version 8: AI answers.

/// `event_id -> ai::stats::Event (JSON)`: what the AI did, oldest first, at most `ai::stats::MAX_EVENTS`.
pub const AI_EVENTS: Table<u64, Json<crate::ai::stats::Event>> = Table::new("aievent_id_event");

/// `conversation_id -> Vec<retrieval::Answered> (JSON)`: questions the team answered, for the AI to search
/// (only when an admin opted in), at most `ai::learn::MAX_CONVERSATIONS`.
pub const ANSWERED: Table<u64, Json<Vec<crate::retrieval::Answered>>> =
    Table::new("conversation_id_answered");

/// `sha256(model, text) -> vector (f32, little-endian)`: embeddings of FAQ passages and answered questions,
/// so each is computed once per model and text; at most `ai::hybrid::MAX_VECTORS`.
pub const VECTORS: Table<[u8; 32], Vec<u8>> = Table::new("digest_vector");

/// `article_id -> votes`: the help center's "was this helpful?" answered yes.
pub const HELPFUL_VOTES: Table<u64, u64> = Table::new("articleid_helpful");

/// `article_id -> votes`: the help center's "was this helpful?" answered no.
pub const UNHELPFUL_VOTES: Table<u64, u64> = Table::new("articleid_unhelpful");

// Schema version 9: the incoming mailbox.

/// `received_id -> mail::received::Received (JSON)`: each mail read from the mailbox (delivered, ignored or
/// failed), oldest first, at most `mail::received::MAX_KEPT`.
pub const RECEIVED: Table<u64, Json<crate::mail::received::Received>> =
    Table::new("received_id_received");

/// `mail key (Message-ID, else a digest of the mail) -> received_id`: each mail is taken in once.
pub const RECEIVED_KEYS: Table<String, u64> = Table::new("mailkey_received_id");

/// `lower-cased e-mail -> visitor_id`: customers an incoming mail may be matched to (their verified
/// address, see `customers::Profile::verified_email`).
pub const MAIL_CUSTOMERS: Table<String, u64> = Table::new("email_visitor_id");

// Schema version 10: Web Push.

/// `subscription_id -> push::Subscription (JSON)`: operators' devices that receive pushes.
pub const PUSH_SUBSCRIPTIONS: Table<u64, Json<crate::push::Subscription>> =
    Table::new("pushsubscription_id_subscription");

/// `job_id -> push::Job (JSON)`: pushes on their way to a device.
pub const PUSH_JOBS: Table<u64, Json<crate::push::Job>> = Table::new("pushjob_id_job");

/// `(next_at_ms, job_id) -> ()`: pushes due for an attempt, soonest first (a taken push is put back a
/// minute later, so a crash while sending means another attempt, not a lost push).
pub const PUSH_DUE: Table<(u64, u64), ()> = Table::new("nextatms_pushjobid");

// Schema version 11: the message search index.

/// `(term, conversation_id) -> ()`: the conversations whose messages have a word or a pair of Japanese
/// characters (see `search::terms`); derived from `MESSAGES`, so backups leave it out and a restore
/// builds it again. (Byte keys, since schema 14; before, a multimap table of another name.)
pub const MESSAGE_TERMS: Table<(String, u64), ()> = Table::new("term_conversationid");

/// The search index as schemas 11 to 13 kept it (`term -> {conversation_id}`), dropped by the migration to
/// 14, which builds [`MESSAGE_TERMS`] again.
pub const OLD_MESSAGE_TERMS: MultimapTableDefinition<&str, u64> =
    MultimapTableDefinition::new("term_conversationids");

// Schema version 12: messages waiting to be indexed.

/// `message_id -> (conversation_id, seq, sender key, client id or "")`: messages stored while the writer
/// was busy whose search terms and client id are not yet in `MESSAGE_TERMS` and `CLIENT_IDS` (see
/// `index_queue.rs`); derived from `MESSAGES`, so backups leave it out (its client ids are written as
/// `CLIENT_IDS` rows).
pub const INDEX_QUEUE: Table<u64, Ordered<Queued>> =
    Table::new("messageid_conversationid_seq_sender_clientid");

/// A message waiting to be indexed: `((conversation_id, seq), (sender key, client id or ""))`.
pub type Queued = ((u64, u64), (String, String));
