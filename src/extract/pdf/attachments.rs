//! Files attached to a PDF: the `/EmbeddedFiles` name tree of the catalog and file
//! attachment annotations. Each is sent through the dispatcher as an `attachment` (a PDF
//! carrying a spreadsheet is scanned like the spreadsheet).

use std::collections::HashSet;

use lopdf::{Dictionary, Document, Object, Stream};

use super::objects::{deref, dict, text_string};

/// Deepest name tree followed.
const MAX_DEPTH: usize = 32;
/// Most attachments read from one PDF.
const MAX_FILES: usize = 10_000;

/// An attached file: its name and its (still compressed) stream.
pub struct Attached<'d> {
    /// The file name as the PDF gives it.
    pub name: String,
    /// The embedded file stream.
    pub stream: &'d Stream,
}

/// Every attached file once, name-tree entries first, then annotations page by page.
pub fn files(doc: &Document) -> Vec<Attached<'_>> {
    let mut walk = Walk {
        doc,
        seen: HashSet::new(),
        out: Vec::new(),
    };
    let tree = doc
        .catalog()
        .ok()
        .and_then(|c| dict(doc, c.get(b"Names").ok()?))
        .and_then(|n| n.get(b"EmbeddedFiles").ok());
    if let Some(tree) = tree {
        walk.name_tree(tree, 0);
    }
    for page in doc.page_iter() {
        for annotation in doc.get_page_annotations(page).unwrap_or_default() {
            if let (Ok(b"FileAttachment"), Ok(spec)) = (
                annotation.get(b"Subtype").and_then(Object::as_name),
                annotation.get(b"FS"),
            ) {
                walk.file_spec(spec);
            }
        }
    }
    walk.out
}

struct Walk<'d> {
    doc: &'d Document,
    seen: HashSet<usize>,
    out: Vec<Attached<'d>>,
}

impl<'d> Walk<'d> {
    fn name_tree(&mut self, node: &'d Object, depth: usize) {
        let Some(node) = dict(self.doc, node) else {
            return;
        };
        if depth > MAX_DEPTH || !self.seen.insert(node as *const Dictionary as usize) {
            return;
        }
        if let Some(Object::Array(names)) = node.get(b"Names").ok().map(|o| deref(self.doc, o)) {
            for pair in names.chunks_exact(2) {
                self.file_spec(&pair[1]);
            }
        }
        if let Some(Object::Array(kids)) = node.get(b"Kids").ok().map(|o| deref(self.doc, o)) {
            for kid in kids {
                self.name_tree(kid, depth + 1);
            }
        }
    }

    /// A file specification: its name (`/UF`, else `/F`) and its embedded stream (`/EF`).
    fn file_spec(&mut self, spec: &'d Object) {
        let Some(spec) = dict(self.doc, spec) else {
            return;
        };
        let Some(ef) = spec.get(b"EF").ok().and_then(|e| dict(self.doc, e)) else {
            return;
        };
        let stream = [&b"UF"[..], b"F"]
            .iter()
            .find_map(|k| deref(self.doc, ef.get(k).ok()?).as_stream().ok());
        let Some(stream) = stream else { return };
        if self.out.len() >= MAX_FILES || !self.seen.insert(stream as *const Stream as usize) {
            return;
        }
        let name = [&b"UF"[..], b"F"]
            .iter()
            .find_map(|k| text_string(deref(self.doc, spec.get(k).ok()?)))
            .unwrap_or_else(|| format!("attachment {}", self.out.len() + 1));
        self.out.push(Attached { name, stream });
    }
}
