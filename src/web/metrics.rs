//! `GET /metrics` in Prometheus text format: open sockets, stored messages, commits and their latency,
//! the write queue. Readable from loopback without a token (when not behind a proxy), or with the configured
//! bearer token from anywhere.

use std::fmt::Write;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::web::State;

fn allowed(req: &HttpRequest, state: &State) -> bool {
    match &state.config.metrics_token {
        Some(token) => req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| {
                crate::tokens::constant_time_eq(given.as_bytes(), token.0.as_bytes())
            }),
        None => !state.config.behind_proxy && req.peer_addr().is_some_and(|a| a.ip().is_loopback()),
    }
}

/// The metrics, or 403 with how to get them.
pub async fn metrics(req: HttpRequest, state: web::Data<State>) -> HttpResponse {
    if !allowed(&req, &state) {
        return HttpResponse::Forbidden()
            .body("Metrics are readable from localhost, or with the token set by --metrics-token (SODAN_METRICS_TOKEN).");
    }
    let (visitors, operators) = state.hub.counts().await;
    let stats = state.store.stats();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP sodan_open_sockets Open WebSocket connections.\n# TYPE sodan_open_sockets gauge"
    );
    let _ = writeln!(out, "sodan_open_sockets{{kind=\"visitor\"}} {visitors}");
    let _ = writeln!(out, "sodan_open_sockets{{kind=\"operator\"}} {operators}");
    let _ = writeln!(
        out,
        "# HELP sodan_disk_level Room on the data disk: 0 plenty, 1 low (uploads, page views and events stop), 2 critical (visitors' messages stop too).\n# TYPE sodan_disk_level gauge"
    );
    let _ = writeln!(out, "sodan_disk_level {}", state.disk.level() as u8);
    let _ = writeln!(
        out,
        "# HELP sodan_password_checks_total Passwords checked at sign-in.\n# TYPE sodan_password_checks_total counter"
    );
    let _ = writeln!(
        out,
        "sodan_password_checks_total {}",
        state.hashing.checks()
    );
    let (requests, failures, tokens, millis) = state.ai.totals();
    let _ = writeln!(
        out,
        "# HELP sodan_ai_requests_total Requests to the AI model.\n# TYPE sodan_ai_requests_total counter\n\
         sodan_ai_requests_total {requests}\n\
         # HELP sodan_ai_failures_total Requests to the AI model that got no usable answer.\n# TYPE sodan_ai_failures_total counter\n\
         sodan_ai_failures_total {failures}\n\
         # HELP sodan_ai_tokens_total Tokens the AI endpoint counted.\n# TYPE sodan_ai_tokens_total counter\n\
         sodan_ai_tokens_total {tokens}\n\
         # HELP sodan_ai_request_seconds_total Time spent waiting for the AI model.\n# TYPE sodan_ai_request_seconds_total counter\n\
         sodan_ai_request_seconds_total {:.3}",
        millis as f64 / 1000.0
    );
    let _ = writeln!(
        out,
        "# HELP sodan_messages_total Chat messages stored.\n# TYPE sodan_messages_total counter"
    );
    let _ = writeln!(out, "sodan_messages_total {}", stats.messages);
    let _ = writeln!(
        out,
        "# HELP sodan_writes_total Writes committed (many share one commit).\n# TYPE sodan_writes_total counter"
    );
    let _ = writeln!(out, "sodan_writes_total {}", stats.writes);
    let _ = writeln!(
        out,
        "# HELP sodan_write_queue_depth Writes waiting for the writer.\n# TYPE sodan_write_queue_depth gauge"
    );
    let _ = writeln!(out, "sodan_write_queue_depth {}", stats.queued);
    let _ = writeln!(
        out,
        "# HELP sodan_commit_duration_seconds Durable commit time.\n# TYPE sodan_commit_duration_seconds histogram"
    );
    for (bound, count) in &stats.buckets {
        let _ = writeln!(
            out,
            "sodan_commit_duration_seconds_bucket{{le=\"{bound}\"}} {count}"
        );
    }
    let _ = writeln!(
        out,
        "sodan_commit_duration_seconds_bucket{{le=\"+Inf\"}} {}",
        stats.commits
    );
    let _ = writeln!(
        out,
        "sodan_commit_duration_seconds_sum {}",
        stats.commit_seconds
    );
    let _ = writeln!(out, "sodan_commit_duration_seconds_count {}", stats.commits);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(out)
}
