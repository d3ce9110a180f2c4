//! How a mail that answers Sodan's mail finds its conversation: the `Reply-To` of every digest and reply is
//! the support address with a signed tag (plus-addressing, RFC 5233 subaddress: `support+c42-…@shop`), and
//! its `References` carry the conversation's thread id (RFC 5322 3.6.4). The tag is signed so nobody can
//! write into a conversation by guessing its number; a thread id alone is trusted only from the customer's
//! own address (the caller checks).

use crate::customers::identity;

/// Hex characters of the signature kept in the tag (64 bits).
const SIGNATURE_HEX: usize = 16;

fn signature(secret: &str, conversation: u64) -> String {
    let mut full = identity::user_hash(secret, &format!("reply:{conversation}"));
    full.truncate(SIGNATURE_HEX);
    full
}

/// Compares in time that does not depend on where the strings differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The address replies about `conversation` go to: `support` (`local@domain`) with the signed tag.
pub fn reply_address(secret: &str, support: &str, conversation: u64) -> String {
    match support.rsplit_once('@') {
        Some((local, domain)) => {
            let local = local.split('+').next().unwrap_or(local);
            format!(
                "{local}+c{conversation}-{}@{domain}",
                signature(secret, conversation)
            )
        }
        None => support.to_owned(),
    }
}

/// The conversation a recipient address names with a valid tag, if it is the support address's.
pub fn conversation_of(secret: &str, support: &str, address: &str) -> Option<u64> {
    let (support_local, support_domain) = support.rsplit_once('@')?;
    let support_local = support_local.split('+').next()?;
    let (local, domain) = address.trim().rsplit_once('@')?;
    if !domain.eq_ignore_ascii_case(support_domain) {
        return None;
    }
    let (base, tag) = local.split_once('+')?;
    if !base.eq_ignore_ascii_case(support_local) {
        return None;
    }
    let (number, sig) = tag.strip_prefix(['c', 'C'])?.split_once('-')?;
    let conversation: u64 = number.parse().ok()?;
    same(&sig.to_ascii_lowercase(), &signature(secret, conversation)).then_some(conversation)
}

/// The thread id of a conversation's mails, without angle brackets (`sodan.conversation.42@shop`).
pub fn thread_id(conversation: u64, domain: &str) -> String {
    format!("sodan.conversation.{conversation}@{domain}")
}

/// The conversation a mail's `In-Reply-To`/`References` point at through Sodan's thread id, if any.
pub fn conversation_in_thread(answers: &[String], domain: &str) -> Option<u64> {
    answers.iter().find_map(|id| {
        let (left, right) = id.rsplit_once('@')?;
        if !right.eq_ignore_ascii_case(domain) {
            return None;
        }
        left.strip_prefix("sodan.conversation.")?.parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_tag_names_its_conversation_and_nothing_else() {
        let a = reply_address("s", "support@shop.example", 42);
        assert!(
            a.starts_with("support+c42-") && a.ends_with("@shop.example"),
            "{a}"
        );
        assert_eq!(conversation_of("s", "support@shop.example", &a), Some(42));
        assert_eq!(
            conversation_of("s", "Support@Shop.Example", &a.to_uppercase()),
            Some(42),
            "mail systems may change case"
        );
        assert_eq!(conversation_of("other", "support@shop.example", &a), None);
        let forged = a.replacen("+c42-", "+c43-", 1);
        assert_eq!(conversation_of("s", "support@shop.example", &forged), None);
        assert_eq!(
            conversation_of(
                "s",
                "support@shop.example",
                &a.replace("shop.example", "evil.test")
            ),
            None
        );
        assert_eq!(
            conversation_of("s", "support@shop.example", "support@shop.example"),
            None
        );
        assert_eq!(conversation_of("s", "support@shop.example", "x+c1@y"), None);
    }

    #[test]
    fn the_thread_id_is_found_among_references() {
        let answers = vec![
            "CAF=abc@mail.gmail.com".to_owned(),
            thread_id(7, "shop.example"),
        ];
        assert_eq!(conversation_in_thread(&answers, "shop.example"), Some(7));
        assert_eq!(conversation_in_thread(&answers, "other.example"), None);
        assert_eq!(conversation_in_thread(&[], "shop.example"), None);
    }
}
