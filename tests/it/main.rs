//! Integration tests: each starts the real Sodan server on a free port with its own temporary data
//! directory and talks to it over HTTP (and, in `browser`, through headless Chromium).

mod accounts;
mod api_schema;
mod attachments;
mod autoreply;
mod backup;
mod browser;
mod canned;
mod cli;
mod console_browser;
mod conversation_api;
mod crash;
mod customer_api;
mod customer_browser;
mod customers;
mod disk_full;
mod email;
mod faq;
mod fuzz_inputs;
mod helpers;
mod inbox;
mod install;
mod live_browser;
mod load_smoke;
mod metrics;
mod security;
mod segments;
mod shop;
mod smtp;
mod storage;
mod triggers;
mod webhooks;
mod widget_browser;
mod widget_size;
mod widget_socket;
mod ws;
