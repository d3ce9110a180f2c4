//! Amounts of money as a shop reads them: in its currency, with the currency's symbol and decimals and
//! thousands separators (`¥7,600`, `$12.50`), instead of a bare `7600`.

/// The currency a shop uses when it has not chosen one.
pub const DEFAULT_CURRENCY: &str = "JPY";

/// `(code, symbol, decimals)` of the currencies with a symbol; any other ISO 4217 code is written after
/// the amount with two decimals.
const KNOWN: &[(&str, &str, usize)] = &[
    ("JPY", "¥", 0),
    ("USD", "$", 2),
    ("EUR", "€", 2),
    ("GBP", "£", 2),
    ("KRW", "₩", 0),
    ("CNY", "CN¥", 2),
    ("TWD", "NT$", 0),
    ("AUD", "A$", 2),
    ("CAD", "CA$", 2),
];

/// Checks a currency code typed by an admin: three letters (ISO 4217), upper-cased.
pub fn parse_currency(input: &str) -> Option<String> {
    let code = input.trim().to_ascii_uppercase();
    (code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())).then_some(code)
}

/// `amount` in `currency`: `¥7,600`, `$1,234.50`, `-¥300`, `1,234.00 CHF`.
pub fn format(amount: f64, currency: &str) -> String {
    let (symbol, decimals) = KNOWN
        .iter()
        .find(|(code, _, _)| *code == currency)
        .map_or(("", 2), |(_, symbol, decimals)| (*symbol, *decimals));
    let text = format!("{:.*}", decimals, amount.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if !fraction.is_empty() {
        grouped.push('.');
        grouped.push_str(fraction);
    }
    let sign = if amount < 0.0 && text.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        "-"
    } else {
        ""
    };
    if symbol.is_empty() {
        format!("{sign}{grouped} {currency}")
    } else {
        format!("{sign}{symbol}{grouped}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_as_the_shop_writes_them() {
        assert_eq!(format(7600.0, "JPY"), "¥7,600");
        assert_eq!(format(1_234_567.4, "JPY"), "¥1,234,567");
        assert_eq!(format(999.0, "JPY"), "¥999");
        assert_eq!(format(0.0, "JPY"), "¥0");
        assert_eq!(format(1234.5, "USD"), "$1,234.50");
        assert_eq!(format(-300.0, "JPY"), "-¥300");
        assert_eq!(format(-0.001, "USD"), "$0.00");
        assert_eq!(format(1234.0, "CHF"), "1,234.00 CHF");
        assert_eq!(parse_currency(" usd "), Some("USD".into()));
        assert_eq!(parse_currency("¥"), None);
        assert_eq!(parse_currency("JPYX"), None);
    }
}
