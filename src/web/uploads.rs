//! Receiving and serving attachments, shared by the widget and the console: bounded reading, type
//! sniffing, and responses that never let a file run as a page.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use futures_util::StreamExt;

use crate::store::{NewUpload, Store};
use crate::uploads::{self, Upload};

/// Why an upload was refused; each has a stable code and a message for people.
#[derive(Debug)]
pub enum UploadRefused {
    /// Over the configured size.
    TooLarge(u64),
    /// Not a raster image or PDF.
    WrongType,
    /// No bytes.
    Empty,
    /// The connection broke while sending.
    Broken(String),
    /// The file could not be saved.
    Store(String),
    /// Over the sender's upload budget; try again after this long.
    RateLimited(std::time::Duration),
    /// The data disk is nearly full: uploads wait until an admin makes room.
    DiskLow,
}

impl UploadRefused {
    /// HTTP status, stable code and message.
    pub fn parts(&self) -> (u16, &'static str, String) {
        match self {
            Self::TooLarge(max) => (
                413,
                "too_large",
                format!("The file is too large: at most {} MB. / ファイルが大きすぎます（{} MBまで）。", max / 1_048_576, max / 1_048_576),
            ),
            Self::WrongType => (
                415,
                "wrong_type",
                "Only images (PNG, JPEG, GIF, WebP) and PDF files can be sent. / 送信できるのは画像（PNG・JPEG・GIF・WebP）とPDFのみです。".into(),
            ),
            Self::Empty => (400, "empty", "The file is empty. / ファイルが空です。".into()),
            Self::Broken(e) => (400, "broken", format!("The upload was interrupted: {e}")),
            Self::Store(_) => (503, "unavailable", "The file could not be saved. Try again. / 保存できませんでした。".into()),
            Self::RateLimited(wait) => (
                429,
                "rate_limited",
                format!(
                    "Too many files today: try again in {} minutes. / 本日の送信上限に達しました（{}分後に再送信できます）。",
                    wait.as_secs() / 60 + 1,
                    wait.as_secs() / 60 + 1
                ),
            ),
            Self::DiskLow => (
                507,
                "storage_low",
                "Files cannot be received right now; send a message instead. / 現在ファイルを受け付けられません。メッセージでお送りください。".into(),
            ),
        }
    }

    /// A JSON error response (the widget and console show `message`).
    pub fn response(&self) -> HttpResponse {
        let (status, code, message) = self.parts();
        if let Self::Store(e) = self {
            tracing::error!(error = %e, "saving an upload failed");
        }
        HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap_or_default())
            .json(serde_json::json!({ "code": code, "message": message }))
    }
}

/// Reads an upload's body (at most the configured size, refused early on a larger Content-Length),
/// checks its type, and saves it durably; returns what to attach.
pub async fn receive(
    req: &actix_web::HttpRequest,
    state: &crate::web::State,
    body: web::Payload,
    filename: &str,
    charge: impl FnOnce(u64) -> Result<(), std::time::Duration>,
) -> Result<NewUpload, UploadRefused> {
    let max = state.config.max_upload_bytes;
    read_and_save(
        &state.store,
        content_length(req),
        body,
        filename,
        max,
        charge,
    )
    .await
}

/// Reads, checks and saves; `charge` spends the sender's budget for the bytes read before anything is
/// written.
async fn read_and_save(
    store: &Store,
    declared_length: Option<u64>,
    mut body: web::Payload,
    filename: &str,
    max: u64,
    charge: impl FnOnce(u64) -> Result<(), std::time::Duration>,
) -> Result<NewUpload, UploadRefused> {
    if declared_length.is_some_and(|len| len > max) {
        return Err(UploadRefused::TooLarge(max));
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| UploadRefused::Broken(e.to_string()))?;
        if (bytes.len() + chunk.len()) as u64 > max {
            return Err(UploadRefused::TooLarge(max));
        }
        bytes.extend_from_slice(&chunk);
    }
    if bytes.is_empty() {
        return Err(UploadRefused::Empty);
    }
    let kind = uploads::sniff(&bytes).ok_or(UploadRefused::WrongType)?;
    let size = bytes.len() as u64;
    charge(size).map_err(UploadRefused::RateLimited)?;
    let stored_as = store
        .save_file(bytes)
        .await
        .map_err(|e| UploadRefused::Store(e.to_string()))?;
    Ok(NewUpload {
        stored_as,
        filename: kind.named(&uploads::clean_filename(filename)),
        content_type: kind.content_type().to_owned(),
        size,
    })
}

/// The declared Content-Length of a request, if any.
fn content_length(req: &actix_web::HttpRequest) -> Option<u64> {
    req.headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// Serves an upload: images inline, anything else as a download; never sniffed, never scripted.
pub async fn serve(store: &Store, upload: &Upload) -> Result<HttpResponse, crate::store::Error> {
    let bytes = store.read_file(upload).await?;
    let inline = uploads::sniff(&bytes).is_some_and(uploads::Kind::is_image);
    let disposition = format!(
        "{}; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        super::request::percent_encode(&upload.filename)
    );
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, upload.content_type.as_str()))
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        ))
        .insert_header((header::CACHE_CONTROL, "private, max-age=86400"))
        .body(bytes))
}
