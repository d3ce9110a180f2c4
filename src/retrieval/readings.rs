//! How Japanese text reads, in hiragana, so that a question written in kana (「そうりょう」), in romaji
//! ("souryou") or with a wrong kanji of the same sound (送量) meets an article that writes 送料.
//!
//! Readings come from IPADIC's lexicon (see `IPADIC-LICENSE`; `scripts/readings.py` builds the table from
//! Debian's `mecab-ipadic`): the longest word of the lexicon that starts at each point of the text gives its
//! reading, and a kanji the lexicon has no word for reads as it most often does inside compounds. That is
//! less than a morphological analyser's best path, and enough for search, which only compares sounds.
//! The table (1.5 MB compressed) is unpacked on first use and kept as one string with a sorted index.

use std::io::Read;
use std::sync::OnceLock;

use wana_kana::ConvertJapanese;

static PACKED: &[u8] = include_bytes!("readings.tsv.gz");

/// The longest lexicon word, in characters, worth looking up.
const LONGEST_WORD: usize = 8;

struct Table {
    text: String,
    /// Byte ranges of `surface\treading` lines, sorted by surface.
    words: Vec<(u32, u32)>,
    /// Byte ranges of `kanji\t\treading` lines (`~kanji` at a compound's tail), sorted by key.
    kanji: Vec<(u32, u32)>,
}

impl Table {
    fn load() -> Table {
        let mut text = String::new();
        flate2::read::GzDecoder::new(PACKED)
            .read_to_string(&mut text)
            .expect("the embedded reading table unpacks");
        let (mut words, mut kanji) = (Vec::new(), Vec::new());
        let mut at = 0;
        for line in text.split_inclusive('\n') {
            let range = (at as u32, (at + line.trim_end().len()) as u32);
            if line.contains("\t\t") {
                kanji.push(range);
            } else {
                words.push(range);
            }
            at += line.len();
        }
        Table { text, words, kanji }
    }

    fn find<'a>(&'a self, lines: &[(u32, u32)], key: &str) -> Option<&'a str> {
        let line = |&(a, b): &(u32, u32)| &self.text[a as usize..b as usize];
        let i = lines
            .binary_search_by(|range| {
                let (surface, _) = line(range).split_once('\t').unwrap_or_default();
                surface.cmp(key)
            })
            .ok()?;
        line(&lines[i]).rsplit('\t').next()
    }
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(Table::load)
}

fn is_kanji(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF) || c == '々'
}

fn is_katakana(c: char) -> bool {
    ('\u{30A1}'..='\u{30FC}').contains(&c)
}

/// Appends text with its katakana words turned to hiragana (and their long vowel marks to vowels).
fn push_kana(chars: &[char], out: &mut String) {
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        let katakana = is_katakana(chars[i]);
        while i < chars.len() && is_katakana(chars[i]) == katakana {
            i += 1;
        }
        let run: String = chars[start..i].iter().collect();
        if katakana {
            out.push_str(&run.to_hiragana());
        } else {
            out.push_str(&run);
        }
    }
}

/// The reading of `text` in hiragana: kanji words by the lexicon, katakana turned to hiragana (a long
/// vowel mark becomes its vowel, as in romaji), everything else kept.
pub fn reading(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let table = table();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !is_kanji(chars[i]) {
            let start = i;
            while i < chars.len() && !is_kanji(chars[i]) {
                i += 1;
            }
            push_kana(&chars[start..i], &mut out);
            continue;
        }
        let longest = (2..=LONGEST_WORD.min(chars.len() - i)).rev().find_map(|n| {
            let word: String = chars[i..i + n].iter().collect();
            table.find(&table.words, &word).map(|r| (n, r))
        });
        if let Some((n, r)) = longest {
            out.push_str(r);
            i += n;
            continue;
        }
        let alone: String = chars[i].to_string();
        let tail = i > 0 && is_kanji(chars[i - 1]);
        let head = chars.get(i + 1).is_some_and(|&c| is_kanji(c));
        let read = if tail || head {
            let key = if tail {
                format!("~{alone}")
            } else {
                alone.clone()
            };
            table
                .find(&table.kanji, &key)
                .or_else(|| table.find(&table.kanji, &alone))
                .or_else(|| table.find(&table.words, &alone))
        } else {
            table
                .find(&table.words, &alone)
                .or_else(|| table.find(&table.kanji, &alone))
        };
        out.push_str(read.unwrap_or(&alone));
        i += 1;
    }
    out
}

/// The hiragana a romaji word spells ("souryou": そうりょう), or `None` for a word that is not romaji
/// (most English words leave letters over).
pub fn romaji(word: &str) -> Option<String> {
    if word.len() < 2 || !word.chars().all(|c| c.is_ascii_alphabetic() || c == '\'') {
        return None;
    }
    // Hepburn's "tch" (matcha) is wāpuro's "cch".
    let kana = word
        .to_ascii_lowercase()
        .replace("tch", "cch")
        .to_hiragana();
    kana.chars()
        .all(|c| ('\u{3041}'..='\u{309F}').contains(&c))
        .then_some(kana)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kanji_read_by_the_lexicon_and_by_compound_sound() {
        assert_eq!(reading("送料はいくら"), "そうりょうはいくら");
        assert_eq!(
            reading("送量"),
            "そうりょう",
            "a misspelt compound reads alike"
        );
        assert_eq!(reading("パスワード"), "ぱすわあど");
        assert_eq!(reading("手数料"), "てすうりょう");
        assert_eq!(reading("Tea 抹茶"), "Tea まっちゃ");
    }

    #[test]
    fn romaji_words_become_hiragana_and_english_words_do_not() {
        assert_eq!(romaji("souryou").as_deref(), Some("そうりょう"));
        assert_eq!(romaji("Matcha").as_deref(), Some("まっちゃ"));
        assert_eq!(romaji("shipping"), None);
        assert_eq!(romaji("x"), None);
        assert_eq!(romaji("500"), None);
    }
}
