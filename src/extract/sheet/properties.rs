//! Document properties of zip-based workbooks (creator, last modified by, title …) and the
//! authors of cell comments: personal data in their own right. Read with the office
//! extractor's property reader and sent as one `properties` part, the same shape as for Word
//! and PowerPoint files: one `name: value` line per property, then one line per comment
//! author.

use std::io::{Read, Seek};

use super::comments::Authors;
use super::xml::corrupt;
use crate::extract::archive::members::Members;
use crate::extract::office::xml::read_properties;
use crate::extract::Context;
use crate::location::Step;

/// Property parts: OOXML (xlsx, xlsm, xlsb) and OpenDocument (ods).
const PARTS: [&str; 4] = [
    "docProps/core.xml",
    "docProps/app.xml",
    "docProps/custom.xml",
    "meta.xml",
];

/// Reads the workbook's property parts and sends them, with the comment `authors`, to the
/// sink as the `properties` part. A broken property part is reported and left out.
pub fn emit<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    members: &mut Members,
    ctx: &mut Context<'_>,
    authors: &Authors,
) {
    let mut lines = Vec::new();
    for part in PARTS {
        let Some(index) = zip.index_for_name(part) else {
            continue;
        };
        let read = match members.open(zip, index) {
            Ok(member) => read_properties(member, &mut lines).map_err(|e| corrupt(part, e)),
            Err(e) => Err(corrupt(part, e)),
        };
        if let Err(e) = read {
            let name = part.to_string();
            ctx.error(Some(Step::Part { name }), &e);
        }
    }
    lines.extend(authors.iter().map(|a| format!("author of comments: {a}")));
    if !lines.is_empty() {
        let step = Step::Part {
            name: "properties".into(),
        };
        ctx.text(Some(step), &lines.join("\n"), true);
    }
}
