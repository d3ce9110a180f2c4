//! Files visitors and operators attach: which kinds are accepted (sniffed from their content, never from
//! the name or the declared type) and how they are named and served safely.

use serde::{Deserialize, Serialize};

use crate::conversations::ConversationId;

/// Identifies an upload; never reused.
pub type UploadId = u64;

/// The default largest upload, in megabytes.
pub const DEFAULT_MAX_MB: u64 = 10;

/// A stored upload's record (its bytes live in the data directory's `uploads/` folder).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Upload {
    /// Its id.
    pub id: UploadId,
    /// The conversation it was posted in; only that conversation's participants may fetch it.
    pub conversation: ConversationId,
    /// The file's name under `uploads/` (random, never the sender's name).
    pub stored_as: String,
    /// The sender's file name, cleaned.
    pub filename: String,
    /// The sniffed type.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// When (Unix milliseconds).
    pub created_at: u64,
}

/// The kinds of file accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// PNG image.
    Png,
    /// JPEG image.
    Jpeg,
    /// GIF image.
    Gif,
    /// WebP image.
    Webp,
    /// PDF document.
    Pdf,
}

impl Kind {
    /// The content type to serve it with.
    pub fn content_type(self) -> &'static str {
        match self {
            Kind::Png => "image/png",
            Kind::Jpeg => "image/jpeg",
            Kind::Gif => "image/gif",
            Kind::Webp => "image/webp",
            Kind::Pdf => "application/pdf",
        }
    }

    /// The file name extension that says what the file is.
    pub fn extension(self) -> &'static str {
        match self {
            Kind::Png => "png",
            Kind::Jpeg => "jpg",
            Kind::Gif => "gif",
            Kind::Webp => "webp",
            Kind::Pdf => "pdf",
        }
    }

    /// `name` (already cleaned) with the extension that matches the sniffed content, whatever the sender
    /// called it: bytes that are a PDF named `receipt.html` become `receipt.pdf`, so a downloaded file never
    /// opens as a page. A matching extension (any case, `.jpeg` for JPEG) is kept.
    pub fn named(self, name: &str) -> String {
        let (stem, given) = match name.rsplit_once('.') {
            Some((stem, ext)) if !stem.is_empty() => (stem, ext.to_ascii_lowercase()),
            _ => (name, String::new()),
        };
        let matches = given == self.extension() || (self == Kind::Jpeg && given == "jpeg");
        if matches {
            name.to_owned()
        } else {
            format!("{stem}.{}", self.extension())
        }
    }

    /// Raster images may be shown inline; anything else is served as a download.
    pub fn is_image(self) -> bool {
        !matches!(self, Kind::Pdf)
    }
}

/// Recognises an accepted file by its first bytes; `None` for anything else (SVG and HTML included).
pub fn sniff(bytes: &[u8]) -> Option<Kind> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Kind::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Kind::Jpeg)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(Kind::Gif)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(Kind::Webp)
    } else if bytes.starts_with(b"%PDF-") {
        Some(Kind::Pdf)
    } else {
        None
    }
}

/// Whether `name` can be the name an upload's bytes are stored under: a plain file name inside the
/// uploads folder (letters, digits, `.`, `_`, `-`; no path, not `.` or `..`). Names Sodan makes are 32 hex
/// digits; a backup line with anything else is refused, so a restore cannot point at files elsewhere.
pub fn is_stored_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// A file name safe to show and to put in a Content-Disposition header: no path, no control characters
/// or quotes, at most 100 characters; `file` when nothing is left.
pub fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\\' | ';'))
        .take(100)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        "file".to_owned()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_takes_the_extension_of_what_the_file_is() {
        assert_eq!(Kind::Pdf.named("receipt.html"), "receipt.pdf");
        assert_eq!(Kind::Gif.named("poly.gif"), "poly.gif");
        assert_eq!(Kind::Gif.named("poly.svg"), "poly.gif");
        assert_eq!(Kind::Jpeg.named("IMG_1.JPEG"), "IMG_1.JPEG");
        assert_eq!(Kind::Png.named("file"), "file.png");
        assert_eq!(Kind::Png.named(".hidden"), ".hidden.png");
    }

    #[test]
    fn stored_names_stay_inside_the_uploads_folder() {
        assert!(is_stored_name("3f2a9c0d4e5b6a7f8091a2b3c4d5e6f7"));
        for bad in [
            "",
            ".",
            "..",
            "/etc/passwd",
            "../sodan.redb",
            "a/b",
            "a\\b",
            "名前",
        ] {
            assert!(!is_stored_name(bad), "{bad}");
        }
    }

    #[test]
    fn only_raster_images_and_pdfs_are_recognised() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(Kind::Png));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(Kind::Jpeg));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(Kind::Webp));
        assert_eq!(sniff(b"%PDF-1.7"), Some(Kind::Pdf));
        assert_eq!(
            sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>"),
            None
        );
        assert_eq!(sniff(b"<!doctype html><script>alert(1)</script>"), None);
        assert!(!Kind::Pdf.is_image());
    }

    #[test]
    fn file_names_lose_paths_and_header_breaking_characters() {
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(
            clean_filename("C:\\Users\\a\\photo \"1\".png"),
            "photo 1.png"
        );
        assert_eq!(clean_filename("\n"), "file");
        assert_eq!(clean_filename(".htaccess"), "htaccess");
    }
}
