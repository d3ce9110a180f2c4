//! `GET /healthz`: liveness for monitors and the install script; proves the data file can be read.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::web::State;

/// 200 with the version and schema when the data file answers; 503 otherwise.
pub async fn healthz(state: web::Data<State>) -> HttpResponse {
    if !state.store.writer_running() {
        tracing::error!("health check: the writer has stopped");
        return HttpResponse::ServiceUnavailable().json(json!({
            "status": "error",
            "error": "the writer has stopped: nothing can be saved",
        }));
    }
    match state.store.schema_version().await {
        Ok(schema) => HttpResponse::Ok().json(json!({
            "status": "ok",
            "version": env!("CARGO_PKG_VERSION"),
            "schema": schema,
            "connections": state.hub.connections().await,
            "disk": state.disk.level().as_str(),
        })),
        Err(e) => {
            tracing::error!(error = %e, "health check cannot read the data file");
            HttpResponse::ServiceUnavailable().json(json!({
                "status": "error",
                "error": "the data file cannot be read",
            }))
        }
    }
}
