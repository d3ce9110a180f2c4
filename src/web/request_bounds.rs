//! Bounds on plain HTTP requests, so slow or many clients on one address cannot take the server down: at
//! most [`MAX_IN_FLIGHT`] requests in flight per client address (the rest get 429 at once and their
//! connection closed), and at most [`REQUEST_TIME`] for any one (a body trickling in at one byte a second
//! is cut off with 408). WebSocket upgrades count only while the upgrade is answered; open sockets have
//! their own cap.

use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

use crate::web::State;

/// Requests one client address may have in flight at once.
pub const MAX_IN_FLIGHT: usize = 64;
/// The longest a request may take, body included (a 10 MB upload over a slow phone link fits).
pub const REQUEST_TIME: Duration = Duration::from_secs(120);

/// The middleware.
pub async fn bound(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<State>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let address = crate::web::request::client_address(req.request(), &state);
    let Some(slot) = state.requests.acquire(&address, MAX_IN_FLIGHT) else {
        tracing::warn!(%address, "too many requests in flight from one address");
        let response = HttpResponse::TooManyRequests()
            .insert_header((header::CONNECTION, "close"))
            .insert_header((header::RETRY_AFTER, "5"))
            .body("Too many requests at once from your network. / お使いのネットワークからのリクエストが多すぎます。");
        return Ok(req.into_response(response).map_into_boxed_body());
    };
    let upgrade = req.headers().contains_key(header::UPGRADE);
    let answered = if upgrade {
        next.call(req).await
    } else {
        match tokio::time::timeout(REQUEST_TIME, next.call(req)).await {
            Ok(answered) => answered,
            Err(_) => {
                tracing::warn!(%address, "a request took too long and was cut off");
                return Err(actix_web::error::ErrorRequestTimeout(
                    "The request took too long. / リクエストに時間がかかりすぎました。",
                ));
            }
        }
    };
    drop(slot);
    Ok(answered?.map_into_boxed_body())
}

/// Raises this process's open-file limit to its hard limit, so connections, sockets and files are not cut
/// off at the default 1,024 (systemd units also set `LimitNOFILE`). Returns the limit now in force.
pub fn raise_open_files() -> Option<u64> {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        limit.current = limit.maximum;
        if let Err(e) = setrlimit(Resource::Nofile, limit) {
            tracing::warn!(error = %e, "the open-file limit could not be raised");
            return getrlimit(Resource::Nofile).current;
        }
    }
    limit.current
}
