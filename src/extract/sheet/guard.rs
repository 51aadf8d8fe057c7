//! Limits for zip-based workbooks (xlsx, xlsm, xlsb, ods), checked on the zip directory before
//! calamine decompresses anything: a workbook is a zip archive, so it can be a zip bomb.

use std::io::{Read, Seek};

use crate::extract::{Budget, ExtractError, Limits};

/// Members smaller than this are not held to the compression-ratio limit (tiny XML parts
/// compress far better than real data ever does, and cannot hurt).
const RATIO_FLOOR: u64 = 1024 * 1024;

/// Checks every member's declared size against `limits` and charges the workbook's total
/// decompressed size to `budget`. Sizes are taken from the zip directory; a member that lies
/// about its size is caught by the parsers' own errors.
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
        let (size, packed) = (member.size(), member.compressed_size());
        check_member(member.name_raw(), size, packed, limits)?;
        total = total.saturating_add(size);
    }
    budget.charge(total)
}

/// Worksheets of xlsx and xlsb are streamed cell by cell; every other part (shared strings,
/// styles, an ods `content.xml`) is held in memory whole and must fit `max_member_bytes`.
fn streamed(name: &str) -> bool {
    name.starts_with("xl/worksheets/") && !name.contains("/_rels/")
}

fn check_member(name: &[u8], size: u64, packed: u64, limits: &Limits) -> Result<(), ExtractError> {
    let name = String::from_utf8_lossy(name);
    if size > limits.max_member_bytes && !streamed(&name) {
        return Err(ExtractError::Limit(format!(
            "workbook part {name} is {size} bytes decompressed, more than the {} bytes held in \
             memory",
            limits.max_member_bytes
        )));
    }
    if size > RATIO_FLOOR && size / packed.max(1) > limits.max_ratio {
        return Err(ExtractError::Limit(format!(
            "workbook part {name} compresses {size} bytes into {packed} (more than {}:1)",
            limits.max_ratio
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bombs_and_huge_parts_are_refused() {
        let limits = Limits::default();
        assert!(check_member(b"xl/worksheets/sheet1.xml", 50 << 20, 5 << 20, &limits).is_ok());
        assert!(check_member(b"xl/styles.xml", 4096, 10, &limits).is_ok());
        let bomb = check_member(b"xl/sharedStrings.xml", 200 << 20, 100 << 10, &limits);
        assert!(bomb.unwrap_err().to_string().contains("compresses"));
        assert!(check_member(b"content.xml", 2 << 40, 1 << 40, &limits).is_err());
        assert!(check_member(b"xl/worksheets/sheet1.xml", 2 << 40, 1 << 40, &limits).is_ok());
    }
}
