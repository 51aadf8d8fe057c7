//! Cell references in A1 notation as zero-based positions, read as calamine reads them (so the
//! same references are refused, with the same messages): column letters in either case, then
//! the row number.

use calamine::XlsxError;

/// The zero-based row and, when it has letters, column of a reference (`B7` → (6, Some(1))).
/// Overlong numbers wrap around rather than fail, as calamine's do in a release build.
fn row_and_column(reference: &str) -> Result<(u32, Option<u32>), XlsxError> {
    let bytes = reference.as_bytes();
    let mut column = 0u32;
    let mut row = 0u32;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        i += 1;
        let letter = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a',
            b'0'..=b'9' => {
                row = u32::from(b - b'0');
                break;
            }
            other => return Err(XlsxError::Alphanumeric(other)),
        };
        column = column.wrapping_mul(26).wrapping_add(u32::from(letter) + 1);
    }
    for &b in &bytes[i..] {
        if !b.is_ascii_digit() {
            return Err(XlsxError::Alphanumeric(b));
        }
        row = row.wrapping_mul(10).wrapping_add(u32::from(b - b'0'));
    }
    let row = row
        .checked_sub(1)
        .ok_or(XlsxError::RangeWithoutRowComponent)?;
    Ok((row, column.checked_sub(1)))
}

/// The zero-based row of a row reference (`7` → 6); letters before it are ignored.
pub fn row(reference: &str) -> Result<u32, XlsxError> {
    row_and_column(reference).map(|(row, _)| row)
}

/// The zero-based (row, column) of a cell reference (`B7` → (6, 1)).
pub fn column_row(reference: &str) -> Result<(u32, u32), XlsxError> {
    let (row, column) = row_and_column(reference)?;
    Ok((row, column.ok_or(XlsxError::RangeWithoutColumnComponent)?))
}

/// Checks a `<dimension ref>`: one cell or a range of two.
pub fn check_dimension(range: &str) -> Result<(), XlsxError> {
    let mut count = 0;
    for cell in range.split(':') {
        column_row(cell)?;
        count += 1;
    }
    match count {
        1 | 2 => Ok(()),
        n => Err(XlsxError::DimensionCount(n)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        assert_eq!(column_row("A1").unwrap(), (0, 0));
        assert_eq!(column_row("b7").unwrap(), (6, 1));
        assert_eq!(column_row("XFD1048576").unwrap(), (1_048_575, 16_383));
        assert_eq!(row("12").unwrap(), 11);
        assert_eq!(row("C12").unwrap(), 11);
        assert!(matches!(
            column_row("12"),
            Err(XlsxError::RangeWithoutColumnComponent)
        ));
        assert!(matches!(
            column_row("A"),
            Err(XlsxError::RangeWithoutRowComponent)
        ));
        assert!(matches!(
            column_row("A0"),
            Err(XlsxError::RangeWithoutRowComponent)
        ));
        assert!(matches!(
            column_row("A1B"),
            Err(XlsxError::Alphanumeric(b'B'))
        ));
        assert!(matches!(
            column_row("$A$1"),
            Err(XlsxError::Alphanumeric(b'$'))
        ));
        assert!(check_dimension("A1:F6").is_ok());
        assert!(check_dimension("A1").is_ok());
        assert!(matches!(
            check_dimension("A1:B2:C3"),
            Err(XlsxError::DimensionCount(3))
        ));
        assert!(column_row("ZZZZZZZZZZZZ99999999999999").is_ok());
    }
}
