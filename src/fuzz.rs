//! Entry points shared by the fuzz targets (`fuzz/`) and the deterministic input tests: each runs untrusted
//! bytes through the checks that face the internet and asserts what their output promises.

use crate::{conversations, operators, sites, uploads, visitors};

/// Runs `data` (as text) through every input check and asserts each result's guarantees.
pub fn text_inputs(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(body) = conversations::parse_body(&text) {
        assert!(!body.is_empty() && body.chars().count() <= conversations::MAX_BODY_CHARS);
        assert!(
            !body
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t')
        );
    }
    if let Ok(label) = conversations::parse_label(&text) {
        assert!(!label.is_empty() && label.chars().count() <= conversations::MAX_LABEL_CHARS);
    }
    if let Ok(id) = conversations::parse_client_id(&text) {
        assert!(
            id.len() <= conversations::MAX_CLIENT_ID_LEN
                && id.bytes().all(|b| b.is_ascii_graphic())
        );
    }
    if let Ok(email) = operators::Email::parse(&text) {
        assert!(email.as_str().contains('@') && !email.as_str().contains(char::is_whitespace));
    }
    if let Some(origin) = sites::parse_origin(&text) {
        assert_eq!(
            sites::parse_origin(&origin).as_deref(),
            Some(origin.as_str()),
            "normalising is stable"
        );
    }
    let _ = sites::wildcard_match(&text, "/products/42");
    let _ = sites::wildcard_match("/a*b*", &text);
    let name = uploads::clean_filename(&text);
    assert!(!name.is_empty() && !name.contains(['/', '\\', '"']) && !name.starts_with('.'));
    let _ = uploads::sniff(data);
    if let Some(view) = visitors::PageView::parse(&text, &text, &text, 0) {
        assert!(
            view.url.starts_with("http") && view.url.chars().count() <= visitors::MAX_PAGE_FIELD
        );
    }
    let _ = crate::i18n::Lang::from_accept_language(&text);
}
