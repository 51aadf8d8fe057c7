//! Which number formats make a number cell a date, a time or a duration, by the rules
//! calamine applies (so a cell is written the same whichever reader read it): built-in
//! formats by id, custom formats by the first section of their format code.

/// What a number in a cell with some number format stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberKind {
    /// A plain number.
    Number,
    /// A date, a time of day or both.
    DateTime,
    /// An elapsed time (`[h]:mm:ss`).
    Duration,
}

/// The kind of a built-in number format, by its id as written in `numFmtId` (the ids of
/// ECMA-376 §18.8.30 and the East Asian date formats).
pub fn builtin(id: &str) -> NumberKind {
    match id {
        "14" | "15" | "16" | "17" | "18" | "19" | "20" | "21" | "22" | "45" | "47" => {
            NumberKind::DateTime
        }
        "27" | "28" | "29" | "30" | "31" | "32" | "33" | "34" | "35" | "36" => NumberKind::DateTime,
        "50" | "51" | "52" | "53" | "54" | "55" | "56" | "57" | "58" => NumberKind::DateTime,
        "46" => NumberKind::Duration,
        _ => NumberKind::Number,
    }
}

/// The kind of a custom format code. Only the first section (up to `;`) counts. Text in
/// quotes, the character after `\`, `_` or `*`, and anything in brackets is not a date token;
/// `[h]`, `[mm]`, `[s]` … make it a duration; after an `a` (AM/PM), `m`, `p` or `/` makes
/// it a date.
pub fn custom(code: &str) -> NumberKind {
    let mut literal_next = false;
    let mut quoted = false;
    let mut brackets = 0u8;
    let mut previous = ' ';
    let mut elapsed = false;
    let mut am_pm = false;
    for c in code.chars() {
        if literal_next {
            literal_next = false;
        } else if matches!(c, '_' | '\\' | '*') {
            literal_next = true;
        } else if quoted {
            quoted = c != '"';
        } else if c == '"' {
            quoted = true;
        } else if c == ';' {
            return NumberKind::Number;
        } else if c == '[' {
            brackets = brackets.wrapping_add(1);
        } else if c == ']' && brackets == 1 && elapsed {
            return NumberKind::Duration;
        } else if c == ']' {
            brackets = brackets.saturating_sub(1);
        } else if brackets == 0 && !am_pm && matches!(c, 'a' | 'A') {
            am_pm = true;
        } else if brackets == 0 && date_token(c, am_pm) {
            return NumberKind::DateTime;
        } else if !(elapsed && c.eq_ignore_ascii_case(&previous)) {
            elapsed = previous == '[' && "mhsMHS".contains(c);
        }
        previous = c;
    }
    NumberKind::Number
}

/// Whether `c` (outside brackets, quotes and escapes) is a date or time token: after an
/// `a` of AM/PM only `m`, `p` and `/` are, otherwise any of `d m h y s`.
fn date_token(c: char, am_pm: bool) -> bool {
    if am_pm {
        matches!(c, 'p' | 'P' | 'm' | 'M' | '/')
    } else {
        "dmhysDMHYS".contains(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use NumberKind::*;

    #[test]
    fn custom_formats() {
        let cases = [
            ("DD/MM/YY", DateTime),
            ("yyyy-mm-dd", DateTime),
            ("H:MM:SS;@", DateTime),
            ("m\"M\"d\"D\";@", DateTime),
            ("[$-404]e\"\\xfc\"m\"\\xfc\"d\"\\xfc\"", DateTime),
            ("ha/p\\\\m", DateTime),
            ("*-yyyy-mm-dd", DateTime),
            ("[h]:mm:ss", Duration),
            ("[h]", Duration),
            ("[ss]", Duration),
            ("[s].000", Duration),
            ("[mm]", Duration),
            ("[Blue]\\+[h]:mm;[Red]\\-[h]:mm", Duration),
            ("[>=100][Magenta][s].00", Duration),
            ("#,##0\\ [$\\u20bd-46D]", Number),
            ("\"Y: \"0.00\"m\";\"Y: \"-0.00\"m\";\"Y: <num>m\";@", Number),
            ("\"$\"#,##0_);[Red](\"$\"#,##0)", Number),
            ("0_ ;[Red]\\-0\\ ", Number),
            ("\\Y000000", Number),
            ("#,##0.0####\" YMD\"", Number),
            ("[>=100][Magenta].00", Number),
            ("[>=100][Magenta]General", Number),
            ("#,##0*y", Number),
            ("0\"x\"*d", Number),
            ("General", Number),
            ("0.00%", Number),
        ];
        for (code, kind) in cases {
            assert_eq!(custom(code), kind, "{code}");
        }
    }

    #[test]
    fn builtin_formats() {
        assert_eq!(builtin("14"), DateTime);
        assert_eq!(builtin("22"), DateTime);
        assert_eq!(builtin("46"), Duration);
        assert_eq!(builtin("0"), Number);
        assert_eq!(builtin("014"), Number);
        assert_eq!(builtin("164"), Number);
    }
}
