//! The terms text is searched by: English words (stemmed, small words dropped), pairs of Japanese
//! characters as written, and pairs of kana of how the text reads (see [`super::readings`]), each kind
//! kept apart by a prefix so that 「そう」 as written and そう as read do not mix.

use std::sync::OnceLock;

use super::readings;

/// English words too common to tell one question from another.
const STOPWORDS: &[&str] = &[
    "a", "an", "the", "is", "are", "was", "be", "do", "does", "did", "i", "me", "my", "we", "our",
    "you", "your", "it", "its", "to", "of", "in", "on", "at", "for", "with", "and", "or", "can",
    "could", "will", "would", "should", "there", "this", "that", "what", "which", "how", "any",
    "if", "have", "has", "please", "get", "from", "by", "as", "so", "about", "yes", "no", "hi",
    "hello", "thanks", "thank", "much", "many", "some", "am", "not", "just", "want", "like",
    "need", "tell", // Romaji particles and endings.
    "wa", "ga", "wo", "ni", "de", "ka", "mo", "ne", "yo", "desu", "masu", "kudasai",
];

/// Folds an English word to a stem, so that "ships", "shipped" and "shipping" meet "ship".
pub fn stem(word: &str) -> String {
    let w = word.trim_end_matches("'s");
    let cut = |suffix: &str, min: usize| {
        w.strip_suffix(suffix)
            .filter(|s| s.chars().count() >= min)
            .map(str::to_owned)
    };
    let stemmed = cut("ies", 3)
        .map(|s| s + "y")
        .or_else(|| cut("ing", 3))
        .or_else(|| cut("ed", 3))
        .or_else(|| {
            (!w.ends_with("ss") && !w.ends_with("us"))
                .then(|| cut("s", 3))
                .flatten()
        })
        .unwrap_or_else(|| w.to_owned());
    // "shipping" → "shipp" → "ship", "stopped" → "stopp" → "stop".
    let mut chars: Vec<char> = stemmed.chars().collect();
    let n = chars.len();
    if n > 3 && chars[n - 1] == chars[n - 2] && !"aeiouls".contains(chars[n - 1]) {
        chars.pop();
    }
    // "arrive" and "arrived" meet at "arriv".
    if chars.len() > 4 && chars.last() == Some(&'e') {
        chars.pop();
    }
    chars.into_iter().collect()
}

/// Whether `c` is a kana or a kanji (half-width kana included): Japanese text is searched by these.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF66..=0xFF9F)
}

fn hiragana(c: char) -> bool {
    ('\u{3041}'..='\u{309F}').contains(&c)
}

/// Whether text is Japanese: any kana or kanji, or mostly romaji words.
pub fn is_japanese(text: &str) -> bool {
    if text.chars().any(is_cjk) {
        return true;
    }
    let words = english_words(text);
    let romaji = words
        .iter()
        .filter(|w| readings::romaji(w).is_some())
        .count();
    !words.is_empty() && romaji * 2 > words.len()
}

/// The lower-cased alphabetic words of text.
pub fn english_words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'') || is_cjk(c))
        .filter(|w| !w.is_empty() && !w.chars().any(is_cjk))
        // "US" is a country, "us" a pronoun.
        .map(|w| {
            if w == "US" {
                "usa".to_owned()
            } else {
                w.to_lowercase()
            }
        })
        .collect()
}

/// Written pairs of Japanese characters (`s:`), without pairs of hiragana only, which are particles
/// and endings; a lone kanji or katakana stands for itself.
fn written_pairs(text: &str, out: &mut Vec<String>) {
    for run in text.split(|c: char| !is_cjk(c)).filter(|r| !r.is_empty()) {
        let chars: Vec<char> = run.chars().collect();
        if chars.len() == 1 && !hiragana(chars[0]) {
            out.push(format!("s:{}", chars[0]));
        }
        for pair in chars.windows(2) {
            if !(hiragana(pair[0]) && hiragana(pair[1])) {
                out.push(format!("s:{}{}", pair[0], pair[1]));
            }
        }
    }
}

/// Pairs of kana of how a reading sounds (`r:`).
fn read_pairs(reading: &str, out: &mut Vec<String>) {
    for run in reading
        .split(|c: char| !hiragana(c))
        .filter(|r| !r.is_empty())
    {
        let chars: Vec<char> = run.chars().collect();
        for pair in chars.windows(2) {
            out.push(format!("r:{}{}", pair[0], pair[1]));
        }
    }
}

/// The terms of an article's or answer's text; its kanji count one by one too, so that a question's
/// lone 店 meets 本店.
pub fn of_document(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    written_pairs(text, &mut out);
    for c in text
        .chars()
        .filter(|&c| is_cjk(c) && !hiragana(c) && !('\u{30A0}'..='\u{30FF}').contains(&c))
    {
        out.push(format!("s:{c}"));
    }
    read_pairs(&readings::reading(text), &mut out);
    for w in english_words(text) {
        if !STOPWORDS.contains(&w.as_str()) {
            out.push(format!("w:{}", stem(&w)));
        }
    }
    out
}

/// A question's terms, the weight each carries in ranking, and its units: the words a passage must
/// match for the question to count as answered.
#[derive(Debug, Default)]
pub struct Question {
    /// Every term with its weight: as written 1, as read 0.6, through the glossary 0.4.
    pub terms: Vec<(String, f64)>,
    /// Its content words.
    pub units: Vec<Unit>,
}

/// A content word of a question (an English or romaji word, a run of kanji or katakana, or a kana-only
/// phrase) and the ways a passage may match it.
#[derive(Debug, Default)]
pub struct Unit {
    /// The terms that tell how rare the word is.
    pub own: Vec<String>,
    /// How much it counts: words of the question's last sentence, where the question usually is,
    /// count twice.
    pub weight: f64,
    /// Its terms: the share of them a passage has is the share of the word it matches.
    pub terms: Vec<String>,
    /// Text that, found in a passage, matches the word outright (the word itself, its glossary terms).
    pub phrases: Vec<String>,
    /// Sounds that, found in a passage's reading, match the word outright (a misspelt kanji word,
    /// kana, romaji).
    pub sounds: Vec<String>,
}

/// The polite endings a kana-only question ends with, which say nothing of what it asks.
const ENDINGS: &[&str] = &[
    "ありますか",
    "できますか",
    "ますか",
    "ですか",
    "ません",
    "ください",
    "ほしい",
    "したい",
    "たい",
    "ます",
    "です",
    "か",
];

/// A kana phrase without its polite ending and the particle before it (「ちゅうしゃじょうはありますか」:
/// ちゅうしゃじょう).
fn strip_ending(phrase: &str) -> &str {
    let stem = ENDINGS
        .iter()
        .find_map(|e| {
            phrase
                .strip_suffix(e)
                .filter(|rest| rest.chars().count() >= 2)
        })
        .unwrap_or(phrase);
    ["は", "が", "を", "に", "で", "も"]
        .iter()
        .find_map(|p| {
            stem.strip_suffix(p)
                .filter(|rest| rest.chars().count() >= 3)
        })
        .unwrap_or(stem)
}

/// The question's last sentence (where a long message usually asks), or empty when it has one only.
fn last_sentence(text: &str) -> &str {
    let trimmed = text.trim_end_matches(|c: char| "。？！?!．. \n".contains(c));
    match trimmed.rfind(|c: char| "。？！?!\n".contains(c)) {
        Some(i) => &trimmed[i..],
        None => "",
    }
}

fn read_terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    read_pairs(&readings::reading(text), &mut out);
    out
}

/// The reading pairs of a question's words: each run of kanji or katakana with the two kana after it
/// (「使えますか」 reads つかえ), so that endings such as ますか do not count; all of a kana-only question.
fn question_readings(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let word = |c: char| is_cjk(c) && !hiragana(c);
    if !chars.iter().any(|&c| word(c) && c != 'ー') {
        return read_terms(text);
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !word(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && word(chars[i]) {
            i += 1;
        }
        let mut end = i;
        while end < chars.len() && end < i + 2 && hiragana(chars[end]) {
            end += 1;
        }
        let segment: String = chars[start..end].iter().collect();
        out.extend(read_terms(&segment));
    }
    out
}

/// The terms of a question.
pub fn of_question(text: &str) -> Question {
    let mut q = Question::default();
    let mut written = Vec::new();
    written_pairs(text, &mut written);
    let read = question_readings(text);
    // A pair with kana in it (使え, 料は) is half a word and half its ending.
    q.terms.extend(written.iter().map(|t| {
        let w = if t.chars().any(hiragana) { 0.5 } else { 1.0 };
        (t.clone(), w)
    }));
    q.terms.extend(read.iter().map(|t| (t.clone(), 0.6)));
    let last = last_sentence(text);
    let weight = |word: &str| if last.contains(word) { 2.0 } else { 1.0 };
    // Japanese content words: runs of kanji and katakana; kana-only questions count each phrase.
    let runs: Vec<&str> = text
        .split(|c: char| !is_cjk(c) || hiragana(c) || c == 'ー')
        .filter(|r| !r.is_empty())
        .collect();
    for run in &runs {
        let mut unit = Unit {
            weight: weight(run),
            phrases: vec![run.to_string()],
            ..Unit::default()
        };
        written_pairs(run, &mut unit.terms);
        if run.chars().count() > 1 {
            unit.sounds.push(readings::reading(run));
        }
        unit.own = unit.terms.clone();
        q.units.push(unit);
    }
    if runs.is_empty() {
        let phrases = text
            .split(|c: char| !(hiragana(c) || c == 'ー'))
            .filter(|p| !ENDINGS.contains(p))
            .map(strip_ending)
            .filter(|r| r.chars().count() > 1);
        for phrase in phrases {
            let sound = readings::reading(phrase);
            let mut unit = Unit {
                weight: weight(phrase),
                terms: read_terms(&sound),
                ..Unit::default()
            };
            if sound.chars().count() > 2 {
                unit.sounds.push(sound);
            }
            unit.own = unit.terms.clone();
            q.units.push(unit);
        }
    }
    let words: Vec<String> = english_words(text)
        .into_iter()
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .collect();
    let stems: Vec<String> = words.iter().map(|w| stem(w)).collect();
    let last_words = english_words(last);
    for (i, w) in words.iter().enumerate() {
        let term = format!("w:{}", stems[i]);
        q.terms.push((term.clone(), 1.0));
        let mut unit = Unit {
            own: vec![term.clone()],
            weight: if last_words.contains(w) { 2.0 } else { 1.0 },
            terms: vec![term],
            ..Unit::default()
        };
        if let Some(kana) = readings::romaji(w) {
            q.terms
                .extend(read_terms(&kana).into_iter().map(|t| (t, 0.6)));
            if kana.chars().count() > 2 {
                unit.sounds.push(kana);
            }
        }
        for (english, japanese) in glossary() {
            let n = english.len();
            let covers = (0..n).any(|k| {
                i >= k && i - k + n <= stems.len() && stems[i - k..i - k + n] == english[..]
            });
            if covers {
                for term in japanese {
                    let mut pairs = Vec::new();
                    written_pairs(term, &mut pairs);
                    q.terms.extend(pairs.into_iter().map(|t| (t, 0.4)));
                    unit.phrases.push(term.clone());
                }
            }
        }
        q.units.push(unit);
    }
    q
}

/// The glossary: stemmed English phrases and their Japanese terms.
fn glossary() -> &'static [(Vec<String>, Vec<String>)] {
    static GLOSSARY: OnceLock<Vec<(Vec<String>, Vec<String>)>> = OnceLock::new();
    GLOSSARY.get_or_init(|| {
        include_str!("glossary.tsv")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| l.split_once('\t'))
            .map(|(en, ja)| {
                (
                    en.split_whitespace().map(stem).collect(),
                    ja.split(',').map(|t| t.trim().to_owned()).collect(),
                )
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_words_fold_to_stems() {
        for (word, stemmed) in [
            ("shipping", "ship"),
            ("ships", "ship"),
            ("shipped", "ship"),
            ("deliveries", "delivery"),
            ("address", "address"),
            ("status", "status"),
            ("tea", "tea"),
            ("arrived", "arriv"),
            ("arrive", "arriv"),
        ] {
            assert_eq!(stem(word), stemmed, "{word}");
        }
    }

    #[test]
    fn language_is_read_from_the_text() {
        assert!(is_japanese("送料は？"));
        assert!(is_japanese("souryou wa ikura desu ka"));
        assert!(!is_japanese("How much is shipping?"));
        assert!(!is_japanese(""));
    }

    #[test]
    fn questions_carry_readings_and_glossary_terms() {
        let terms: Vec<String> = of_question("souryou")
            .terms
            .into_iter()
            .map(|t| t.0)
            .collect();
        assert!(terms.contains(&"r:そう".to_owned()), "{terms:?}");
        let terms: Vec<String> = of_question("I forgot my password")
            .terms
            .into_iter()
            .map(|t| t.0)
            .collect();
        assert!(terms.contains(&"s:パス".to_owned()), "{terms:?}");
        assert!(terms.contains(&"w:password".to_owned()), "{terms:?}");
        assert!(!terms.contains(&"w:my".to_owned()), "{terms:?}");
    }
}
