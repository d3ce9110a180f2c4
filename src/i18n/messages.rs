//! Validation messages in the console's languages.
//!
//! A rule that refuses input builds a [`Message`] with [`msg!`]: an English template (which is also the key
//! of its translations, as in gettext) and the values to put in it. The REST API answers in English; the
//! console shows [`Message::text`] in the operator's language, so no English sentence reaches a Japanese
//! console. Every template written with `msg!` has a Japanese entry in [`JA`]: a unit test reads the sources
//! and fails on a missing or mismatched one.

use std::fmt;

use super::Lang;

/// A message with its values, rendered in a language when shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    template: &'static str,
    args: Vec<Arg>,
}

/// A value put into a message: text (a number, a name, what the user typed) or a message of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// Shown as it is.
    Text(String),
    /// Rendered in the same language.
    Message(Message),
}

/// A [`Message`] given to [`msg!`] stays a message (rendered in the reader's language).
pub trait MessageArg {
    /// The value as an argument.
    fn to_arg(&self) -> Arg;
}

impl MessageArg for Message {
    fn to_arg(&self) -> Arg {
        Arg::Message(self.clone())
    }
}

/// Any other value given to [`msg!`] is shown as its `Display` text. (`msg!` calls `(&value).to_arg()`:
/// method lookup tries [`MessageArg`] on the value first, then this trait on its reference.)
pub trait DisplayArg {
    /// The value as an argument.
    fn to_arg(&self) -> Arg;
}

impl<T: fmt::Display + ?Sized> DisplayArg for &T {
    fn to_arg(&self) -> Arg {
        Arg::Text(self.to_string())
    }
}

/// Builds a [`Message`]: `msg!("title: 1 to {0} characters", MAX)`. Placeholders are `{0}`, `{1}`, … so a
/// translation may put them in another order.
#[macro_export]
macro_rules! msg {
    ($template:literal $(, $arg:expr)* $(,)?) => {
        $crate::i18n::messages::Message::new(
            $template,
            vec![$({
                #[allow(unused_imports)]
                use $crate::i18n::messages::{DisplayArg as _, MessageArg as _};
                (&$arg).to_arg()
            }),*],
        )
    };
}

impl Message {
    /// A message from its English template and values (use [`msg!`], which the translation test reads).
    pub fn new(template: &'static str, args: Vec<Arg>) -> Message {
        Message { template, args }
    }

    /// The message in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        let template = match lang {
            Lang::En => self.template,
            Lang::Ja => japanese(self.template).unwrap_or(self.template),
        };
        let mut out = String::with_capacity(template.len() + 16);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let close = after
                .find('}')
                .filter(|&c| after[..c].parse::<usize>().is_ok());
            match close {
                Some(close) => {
                    let n: usize = after[..close].parse().unwrap_or(usize::MAX);
                    match self.args.get(n) {
                        Some(Arg::Text(t)) => out.push_str(t),
                        Some(Arg::Message(m)) => out.push_str(&m.text(lang)),
                        None => {}
                    }
                    rest = &after[close + 1..];
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// The message in English (the REST API's language, and logs).
    pub fn english(&self) -> String {
        self.text(Lang::En)
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.english())
    }
}

fn japanese(template: &str) -> Option<&'static str> {
    JA.iter().find(|(en, _)| *en == template).map(|(_, ja)| *ja)
}

/// Japanese for every template, keyed by the English one.
static JA: &[(&str, &str)] = &include!("messages_ja.in");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_fill_placeholders_in_the_translation_order() {
        let inner = msg!("ranges overlap");
        let m = msg!("{0}: {1}", "月", inner);
        assert_eq!(m.text(Lang::En), "月: ranges overlap");
        assert_eq!(m.text(Lang::Ja), "月: 時間帯が重なっています");
        let braces = msg!("title: 1 to {0} characters", "{1}");
        assert_eq!(braces.english(), "title: 1 to {1} characters");
    }

    /// The value of a string literal's text up to its closing quote (`\"` and `\\` unescaped).
    fn string_literal(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => break,
                '\\' => out.extend(chars.next()),
                c => out.push(c),
            }
        }
        out
    }

    /// Every `msg!` template in the sources has a Japanese entry with the same placeholders, and the table
    /// holds nothing that no source uses.
    #[test]
    fn every_message_has_a_japanese_translation() {
        let mut used = std::collections::BTreeSet::new();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut dirs = vec![root];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let source = std::fs::read_to_string(&path).unwrap();
                    for piece in source.split(concat!("msg", "!(")).skip(1) {
                        let Some(literal) = piece.trim_start().strip_prefix('"') else {
                            continue;
                        };
                        used.insert(string_literal(literal));
                    }
                }
            }
        }
        let placeholders = |s: &str| {
            let mut p: Vec<String> = s
                .split('{')
                .skip(1)
                .filter_map(|x| x.split_once('}').map(|(n, _)| n.to_owned()))
                .filter(|n| n.parse::<usize>().is_ok())
                .collect();
            p.sort();
            p
        };
        let mut missing = Vec::new();
        for en in &used {
            match japanese(en) {
                None => missing.push(en.clone()),
                Some(ja) => assert_eq!(placeholders(en), placeholders(ja), "{en} / {ja}"),
            }
        }
        assert!(missing.is_empty(), "no Japanese for: {missing:#?}");
        let unused: Vec<_> = JA.iter().filter(|(en, _)| !used.contains(*en)).collect();
        assert!(unused.is_empty(), "translations nothing uses: {unused:#?}");
        assert!(used.len() > 10, "the sources were read: {used:?}");
    }
}
