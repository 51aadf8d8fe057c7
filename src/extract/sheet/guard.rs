//! Limits for zip-based workbooks (xlsx, xlsm, xlsb, ods), checked on the zip directory before
//! anything is decompressed (by calamine or by our own readers): a workbook is a zip archive,
//! so it can be a zip bomb. The checks are the archive extractor's
//! ([`crate::extract::archive::bounded`]); the readers open the members themselves, so only
//! what their headers declare can be checked.

use std::io::{Read, Seek};

use crate::extract::archive::bounded::{check_declared, check_ratio};
use crate::extract::{Budget, ExtractError, Limits};

/// Checks every member's declared size and compression ratio against `limits` and charges the
/// workbook's total decompressed size to `budget`.
pub fn check_zip<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    limits: &Limits,
    budget: &Budget,
) -> Result<(), ExtractError> {
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let member = zip
            .by_index_raw(i)
            .map_err(|e| ExtractError::Corrupt(format!("zip directory: {e}")))?;
        let name = String::from_utf8_lossy(member.name_raw()).into_owned();
        let (size, packed) = (member.size(), member.compressed_size());
        check_member(&name, size, packed, limits, budget)?;
        total = total.saturating_add(size);
    }
    budget.charge(total)
}

/// Worksheets of xlsx and xlsb are streamed cell by cell; every other part (shared strings,
/// styles, an ods `content.xml`) is held in memory whole and must fit `max_member_bytes`.
fn streamed(name: &str) -> bool {
    name.starts_with("xl/worksheets/") && !name.contains("/_rels/")
}

fn check_member(
    name: &str,
    size: u64,
    packed: u64,
    limits: &Limits,
    budget: &Budget,
) -> Result<(), ExtractError> {
    let checked = if streamed(name) {
        check_ratio(limits, budget, size, packed)
    } else {
        check_declared(limits, budget, size, Some(packed))
    };
    checked.map_err(|e| match e.into_error() {
        ExtractError::Limit(m) => ExtractError::Limit(format!("workbook part {name}: {m}")),
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bombs_and_huge_parts_are_refused() {
        let limits = Limits::default();
        let check =
            |name, size, packed| check_member(name, size, packed, &limits, &Budget::new(u64::MAX));
        assert!(check("xl/worksheets/sheet1.xml", 50 << 20, 5 << 20).is_ok());
        assert!(check("xl/styles.xml", 4096, 10).is_ok());
        let bomb = check("xl/sharedStrings.xml", 200 << 20, 100 << 10).unwrap_err();
        assert!(bomb.to_string().contains("xl/sharedStrings.xml"), "{bomb}");
        assert!(check("content.xml", 2 << 40, 1 << 40).is_err());
        assert!(check("xl/worksheets/sheet1.xml", 2 << 40, 1 << 40).is_ok());
    }
}
