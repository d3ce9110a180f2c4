//! Sodan: self-hosted customer chat for small shops, in one binary with one data file.
//!
//! # Codemap
//! - [`cli`] and [`config`]: the command line, then the validated [`config::Config`] every path derives from.
//! - [`app`]: binds the listener and runs the HTTP server until it is told to stop.
//! - [`store`]: the only module that knows a storage engine (redb, or PostgreSQL for several nodes); tables,
//!   schema version, durable writes. Every table is kept through the byte-level interface both engines
//!   offer (`store::kv`: get, put, delete and ordered range scans over byte keys that sort as the keys
//!   do), read inside one `store::rx::Rx` and written inside one `store::tx::Tx`. It persists and does
//!   not decide: the write-side rules are functions of the feature modules over a `Tx` (invariant 7).
//! - [`operators`]: who may sign in to the console, with which role (plain types and rules).
//! - [`sites`]: the shop's site as the widget sees it: key, allowed origins, look.
//! - [`visitors`]: the people on the shop's site, remembered by a token; a visitor record is a customer.
//! - [`customers`]: who a customer is and what they did: profile, attributes, events, cart, identity
//!   verification (HMAC), device, the card's layout, notes, CSV import, the widget API's checks;
//!   `customers::saved`: what follows a saved record (webhooks, segments).
//! - [`segments`]: segment rules and the intent score: a pure evaluator, the rule text form (parse/print);
//!   `segments::evaluation` keeps a customer's segments current inside each write, `segments::routing`
//!   picks a new conversation's operator.
//! - [`triggers`]: proactive messages: when one is offered to a visitor (pure), its form's checks, and
//!   the before/after comparison of questions on its pages; `triggers::credit` counts what one earned.
//! - [`autoreply`]: the auto-responder's rules: when Sodan answers by itself, and what it says (pure), and
//!   `autoreply::waiting`, which applies them inside the visitor's write (over a `store::tx::Tx`).
//! - [`canned`]: canned replies: the reply library's records and checks, variables with fallbacks (pure).
//! - [`faq`]: FAQ articles (Markdown rendered safely), their search with Japanese tokenising, and the bot's
//!   menu and modes (pure).
//! - [`hours`]: business hours: weekly ranges in the shop's time zone, holidays, the next opening (pure).
//! - [`line`]: the LINE channel: webhook signatures and events, the Messaging API (profile, push).
//! - [`mail`]: e-mail: SMTP settings, the queue's records and retry schedule, digests and signed links;
//!   sending with lettre; `mail::queueing` decides what is queued inside a write.
//! - [`reports`]: the arithmetic of reports: medians, percentiles, the business-hours split, local days and
//!   hours, purchases attributed to chats (pure).
//! - [`webhooks`]: outgoing webhooks: events, signed deliveries (queued by `webhooks::emit` inside the
//!   write that makes the change), and the JSON shapes the API shares.
//! - [`presence`]: whether the team is online (business hours, open consoles, operators not away).
//! - [`budgets`]: what one visitor or one client address may make Sodan store (rates, daily uploads).
//! - [`disk_guard`]: free space on the data disk, and which writes stop first when it runs low.
//! - [`outbound`]: HTTP clients for webhooks and Web Push, built when something is first due.
//! - [`upkeep`]: background work: segment back-fills, window re-checks, live membership changes to consoles.
//! - [`api_tokens`]: scoped, revocable tokens for the back-office REST API.
//! - [`conversations`]: conversations and messages, their statuses and checks, and how a conversation's state
//!   follows what happens in it; `conversations::posting` stores a visitor's or operator's message (which
//!   conversation, trigger credit, routing, auto-replies, webhooks, other channels) inside one write.
//! - [`uploads`]: attached files: which kinds are accepted (sniffed) and how they are named.
//! - [`auth`]: passwords (argon2id), sessions, CSRF tokens, login rate limits.
//! - [`hub`]: who is connected, and pushing committed events to their sockets; the wire protocol; the
//!   relay that carries those events between the nodes of one shop through NATS (`hub::relay`).
//! - [`web`]: the only module that knows actix-web; turns requests into calls and renders answers.
//! - [`i18n`]: the console's Japanese and English texts and how a language is chosen.
//! - [`fuzz`]: entry points that run untrusted input through every check (fuzz targets and tests).
//! - `web::error`: the one place errors become HTTP statuses and messages.
//!
//! # Invariants
//! 1. Only `store/` imports redb, the PostgreSQL driver or the S3 signer. Only `web/` imports actix (so the session and
//!    CSRF extractors live there, on top of the framework-free `auth/`). Only `web/` renders askama
//!    templates.
//! 2. No global mutable state: config, store and limiter hang off [`app::App`] and travel through
//!    `web::Data`, so a test can run several servers in one process. (The store's writer thread keeps its
//!    batch's segment announcements and the parsed segment definitions in thread-locals of its own thread:
//!    one writer thread per data file.)
//! 3. Blocking work (redb, PostgreSQL's sync client, argon2) never runs on an actix worker thread: it goes
//!    through the store's async wrappers or the blocking pool.
//! 4. Nothing is acknowledged before it is committed durably (an attachment's bytes are in their folder
//!    or bucket before the message naming them is committed). Every write is one transaction (one `Tx`),
//!    whatever tables it touches, on either engine; write batches run one at a time, on PostgreSQL across
//!    every node too (an advisory lock), so write code is written for a single writer. What a batch keeps
//!    in memory for the next one (id counters, event lists) is kept only on the redb file, whose writer is
//!    the only one.
//! 5. Every request that reads or writes an account checks that the caller may touch it: a visitor's socket
//!    only its own customer record, an API token only its scopes.
//! 6. The hub pushes only what is committed; the NATS relay between nodes carries the same frames and
//!    may lose some, which clients recover by resuming from their last sequence number.
//! 7. `store/` persists and does not decide. A write's rules (posting, routing, auto-replies, trigger
//!    credit, segment evaluation, identity, mail replies and digests, webhooks) are functions of their feature modules over `store::tx::Tx`
//!    (typed get, put, delete and ordered ranges over `store::tables`; segment changes published after
//!    the commit), so the same code runs on redb and on PostgreSQL; a `Store` method opens the
//!    transaction and calls them.
#![warn(missing_docs)]

pub mod ai;
pub mod api_tokens;
pub mod app;
pub mod auth;
pub mod autoreply;
pub mod budgets;
pub mod canned;
pub mod cli;
pub mod clock;
pub mod config;
pub mod conversations;
pub mod customers;
pub mod disk_guard;
pub mod faq;
pub mod fuzz;
pub mod hours;
pub mod hub;
pub mod i18n;
pub mod line;
pub mod mail;
pub mod money;
pub mod operators;
pub mod outbound;
pub mod presence;
pub mod push;
pub mod reports;
pub mod retention;
pub mod retrieval;
pub mod search;
pub mod segments;
pub mod sites;
pub mod store;
pub mod telemetry;
pub mod tokens;
pub mod triggers;
pub mod upkeep;
pub mod uploads;
pub mod visitors;
pub mod web;
pub mod webhooks;
