//! Filled-in AcroForm fields.
//!
//! Each field with a text value is one part named `form field <full name>` (the partial
//! names `/T` of the field and its parents joined by dots). Its text is `<label>: <value>`,
//! where the label is the field's tooltip `/TU` or else its name, so that a label such as
//! "Fødselsnummer" or "Kontonummer" gives the value its context, as it does on paper.
//! Checkbox and radio states (names such as `/Yes`) are not text and are left out.

use std::collections::HashSet;

use lopdf::{Dictionary, Document, Object};

use super::objects::{deref, dict_entry, text_string};

/// Deepest field hierarchy followed.
const MAX_DEPTH: usize = 32;
/// Most fields read.
const MAX_FIELDS: usize = 100_000;

/// A filled-in field.
#[derive(Debug, PartialEq, Eq)]
pub struct Field {
    /// The fully qualified field name.
    pub name: String,
    /// `<label>: <value>`.
    pub text: String,
}

/// The filled-in text fields of the document's AcroForm.
pub fn fields(doc: &Document) -> Vec<Field> {
    let roots = doc
        .catalog()
        .ok()
        .and_then(|c| dict_entry(doc, c, b"AcroForm"))
        .and_then(|f| deref(doc, f.get(b"Fields").ok()?).as_array().ok());
    let mut walk = Walk {
        doc,
        seen: HashSet::new(),
        out: Vec::new(),
    };
    for field in roots.into_iter().flatten() {
        walk.field(field, "", 0);
    }
    walk.out
}

struct Walk<'d> {
    doc: &'d Document,
    seen: HashSet<usize>,
    out: Vec<Field>,
}

impl Walk<'_> {
    fn field(&mut self, object: &Object, parent: &str, depth: usize) {
        let Ok(dict) = deref(self.doc, object).as_dict() else {
            return;
        };
        let key = dict as *const Dictionary as usize;
        if depth > MAX_DEPTH || self.out.len() >= MAX_FIELDS || !self.seen.insert(key) {
            return;
        }
        let partial = dict
            .get(b"T")
            .ok()
            .and_then(|t| text_string(deref(self.doc, t)));
        let name = match (&partial, parent) {
            (Some(p), "") => p.clone(),
            (Some(p), parent) => format!("{parent}.{p}"),
            (None, parent) => parent.to_string(),
        };
        if let Some(value) = dict.get(b"V").ok().and_then(|v| self.value(v)) {
            let label = dict
                .get(b"TU")
                .ok()
                .and_then(|t| text_string(deref(self.doc, t)))
                .unwrap_or_else(|| name.clone());
            self.out.push(Field {
                text: format!("{label}: {value}"),
                name: name.clone(),
            });
        }
        if let Ok(kids) = dict.get(b"Kids").map(|k| deref(self.doc, k)) {
            for kid in kids.as_array().into_iter().flatten() {
                self.field(kid, &name, depth + 1);
            }
        }
    }

    /// A text value, or the values of a multiple-choice list joined by commas.
    fn value(&self, value: &Object) -> Option<String> {
        let text = match deref(self.doc, value) {
            Object::Array(items) => items
                .iter()
                .filter_map(|i| text_string(deref(self.doc, i)))
                .collect::<Vec<_>>()
                .join(", "),
            other => text_string(other)?,
        };
        (!text.trim().is_empty()).then_some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::dictionary;

    #[test]
    fn qualified_names_labels_and_values() {
        let mut doc = Document::with_version("1.7");
        let text = Object::string_literal;
        let fnr = doc.add_object(dictionary! {
            "T" => text("fnr"),
            "TU" => lopdf::text_string("Fødselsnummer"),
            "V" => text("15108695088"),
        });
        let tick = doc.add_object(dictionary! {"T" => text("samtykke"), "V" => "Yes"});
        let list = doc.add_object(dictionary! {
            "T" => text("valg"),
            "V" => vec![text("a"), text("b")],
        });
        let kids: Vec<Object> = vec![fnr.into(), tick.into(), list.into(), fnr.into()];
        let person = doc.add_object(dictionary! {"T" => text("person"), "Kids" => kids});
        let form = doc.add_object(dictionary! {"Fields" => vec![person.into()]});
        let catalog = doc.add_object(dictionary! {"Type" => "Catalog", "AcroForm" => form});
        doc.trailer.set("Root", catalog);
        let got: Vec<(String, String)> =
            fields(&doc).into_iter().map(|f| (f.name, f.text)).collect();
        assert_eq!(
            got,
            [
                (
                    "person.fnr".to_string(),
                    "Fødselsnummer: 15108695088".to_string()
                ),
                ("person.valg".to_string(), "person.valg: a, b".to_string()),
            ]
        );
    }
}
