//! CSV import of customers (CRM exports: contract, member rank): read the sheet, map each column to a
//! contact field or an attribute, then check every row. A bad row is reported with its line number and
//! skipped; the others are imported.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{AttributeDef, Invalid, Traits, attributes, parse_external_id, parse_traits};
use crate::msg;

/// The most data rows one import takes.
pub const MAX_ROWS: usize = 50_000;
/// The most columns a file may have: the preview offers every column a choice of mappings, so its size
/// grows with the square of the columns (2,000 made a 204 MB page).
pub const MAX_COLUMNS: usize = 200;

/// A parsed CSV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    /// The header row.
    pub headers: Vec<String>,
    /// Data rows with their line number in the file.
    pub rows: Vec<(u64, Vec<String>)>,
}

/// What a column holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    /// Not imported.
    Skip,
    /// The shop's user id (required once).
    ExternalId,
    /// Name.
    Name,
    /// E-mail.
    Email,
    /// Phone.
    Phone,
    /// A custom attribute with this key.
    Attribute(String),
}

impl Column {
    /// The form value: `skip`, `external_id`, `name`, `email`, `phone` or `attr:KEY`.
    pub fn as_value(&self) -> String {
        match self {
            Column::Skip => "skip".into(),
            Column::ExternalId => "external_id".into(),
            Column::Name => "name".into(),
            Column::Email => "email".into(),
            Column::Phone => "phone".into(),
            Column::Attribute(key) => format!("attr:{key}"),
        }
    }

    /// Parses [`Column::as_value`]; an invalid attribute key is an error.
    pub fn parse(value: &str) -> Result<Column, Invalid> {
        Ok(match value {
            "skip" | "" => Column::Skip,
            "external_id" => Column::ExternalId,
            "name" => Column::Name,
            "email" => Column::Email,
            "phone" => Column::Phone,
            other => match other.strip_prefix("attr:") {
                Some(key) => Column::Attribute(attributes::parse_key(key)?),
                None => {
                    return Err(Invalid(msg!(
                        "unknown column mapping {0}",
                        format!("{other:?}")
                    )));
                }
            },
        })
    }

    /// A first guess from the header text.
    pub fn guess(header: &str) -> Column {
        let h = header.trim().to_lowercase();
        match h.as_str() {
            "external_id" | "user_id" | "userid" | "id" | "customer_id" | "ユーザーid"
            | "顧客id" | "会員id" | "会員番号" => Column::ExternalId,
            "name" | "full_name" | "名前" | "氏名" => Column::Name,
            "email" | "e-mail" | "mail" | "メール" | "メールアドレス" => Column::Email,
            "phone" | "tel" | "電話" | "電話番号" => Column::Phone,
            _ => match attributes::parse_key(&h.replace(' ', "_")) {
                Ok(key) => Column::Attribute(key),
                Err(_) => Column::Skip,
            },
        }
    }
}

/// Reads CSV text (UTF-8, a header row first; a byte-order mark is ignored).
pub fn read(text: &str) -> Result<Sheet, Invalid> {
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| Invalid(msg!("the header row cannot be read: {0}", e)))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(Invalid(msg!("the file has no header row")));
    }
    if headers.len() > MAX_COLUMNS {
        return Err(Invalid(msg!(
            "at most {0} columns per import (this file has {1}); remove the ones not needed",
            MAX_COLUMNS,
            headers.len()
        )));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            Invalid(msg!("line {0}: {1}", line, e))
        })?;
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(Invalid(msg!(
                "at most {0} rows per import; split the file",
                MAX_ROWS
            )));
        }
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        rows.push((line, record.iter().map(str::to_owned).collect()));
    }
    Ok(Sheet { headers, rows })
}

/// A row ready to import.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Its line in the file.
    pub line: u64,
    /// The shop's user id.
    pub external_id: String,
    /// Contact fields and attributes.
    pub traits: Traits,
}

/// A row that was not imported: its line and why.
pub type Skipped = (u64, crate::i18n::messages::Message);

/// Checks every row against `mapping` (one entry per column) and the attribute schema; returns the good
/// rows and, for each bad one, its line and why.
pub fn rows(
    sheet: &Sheet,
    mapping: &[Column],
    defs: &[AttributeDef],
) -> Result<(Vec<Row>, Vec<Skipped>), Invalid> {
    if mapping.iter().filter(|c| **c == Column::ExternalId).count() != 1 {
        return Err(Invalid(msg!("map exactly one column to the user id")));
    }
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for (line, fields) in &sheet.rows {
        let mut object = serde_json::Map::new();
        let mut attrs = BTreeMap::new();
        let mut external_id = String::new();
        for (column, value) in mapping.iter().zip(fields) {
            let value = value.trim();
            match column {
                Column::Skip => {}
                Column::ExternalId => external_id = value.to_owned(),
                Column::Name => {
                    object.insert("name".into(), Value::from(value));
                }
                Column::Email => {
                    object.insert("email".into(), Value::from(value));
                }
                Column::Phone => {
                    object.insert("phone".into(), Value::from(value));
                }
                // An empty cell leaves the attribute as it is.
                Column::Attribute(key) if !value.is_empty() => {
                    attrs.insert(key.clone(), Value::from(value));
                }
                Column::Attribute(_) => {}
            }
        }
        object.insert(
            "attributes".into(),
            Value::Object(attrs.into_iter().collect()),
        );
        let checked = parse_external_id(&external_id)
            .and_then(|id| Ok((id, parse_traits(&Value::Object(object), defs)?)));
        match checked {
            Ok((external_id, traits)) => good.push(Row {
                line: *line,
                external_id,
                traits,
            }),
            Err(why) => bad.push((*line, why.0)),
        }
    }
    Ok((good, bad))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customers::AttrKind;
    use serde_json::json;

    #[test]
    fn a_file_with_too_many_columns_is_refused_before_any_preview() {
        let wide: Vec<String> = (0..=MAX_COLUMNS).map(|i| format!("c{i}")).collect();
        let err = read(&format!("{}\n", wide.join(","))).unwrap_err();
        assert!(err.0.english().contains("at most 200 columns"), "{}", err.0);
        let ok: Vec<String> = (0..MAX_COLUMNS).map(|i| format!("c{i}")).collect();
        assert!(read(&format!("{}\nx\n", ok.join(","))).is_ok());
    }

    #[test]
    fn a_bad_row_is_reported_by_line_and_the_rest_imported() {
        let sheet = read("\u{feff}user_id,名前,email,rank,since\nu1,Aiko,aiko@example.jp,gold,2024-01-02\nu2,Ben,not-mail,silver,\n,Nobody,,,\nu3,\"Chie, Ms\",,bronze,2024-13-40\nu4,Dan,,,\n").unwrap();
        let mapping: Vec<Column> = sheet.headers.iter().map(|h| Column::guess(h)).collect();
        assert_eq!(mapping[0], Column::ExternalId);
        assert_eq!(mapping[1], Column::Name);
        let defs = [AttributeDef {
            key: "since".into(),
            label: "Since".into(),
            kind: AttrKind::Date,
        }];
        let (good, bad) = rows(&sheet, &mapping, &defs).unwrap();
        assert_eq!(
            good.iter()
                .map(|r| r.external_id.as_str())
                .collect::<Vec<_>>(),
            ["u1", "u4"]
        );
        assert_eq!(good[0].traits.attributes["rank"], json!("gold"));
        assert_eq!(bad.iter().map(|b| b.0).collect::<Vec<_>>(), [3, 4, 5]);
        assert!(bad[0].1.english().contains("e-mail"), "{bad:?}");
        assert!(rows(&sheet, &vec![Column::Skip; 5], &defs).is_err());
    }
}
