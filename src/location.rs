//! Where a finding is: a path of steps from the file on disk inward.
//!
//! One type is used by every stage. The file itself is not a step (reports carry it as `path`);
//! the steps say how to get from that file to the text: a zip entry, a message in a mailbox, an
//! attachment, a page, a cell, and finally a line and column. Later formats add steps here and
//! nowhere else, so every report writer renders them the same way.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One step inward from a file on disk towards a piece of text.
///
/// Serialised as an object tagged by `type`, e.g. `{"type":"line","line":12,"column":5}`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Step {
    /// A member of an archive (zip, tar …), by its path inside the archive.
    Entry {
        /// Member path as stored in the archive, decoded to Unicode.
        name: String,
    },
    /// A message in a mailbox or mail store.
    Message {
        /// 1-based position of the message in its mailbox, where the store has an order.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        index: Option<u64>,
        /// The Message-ID header, without angle brackets.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        message_id: Option<String>,
        /// The Date header as written; for Outlook items the sent (else delivered) time in
        /// RFC 3339, UTC.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        date: Option<String>,
        /// The From header, decoded.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        from: Option<String>,
        /// The Subject header, decoded.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        subject: Option<String>,
        /// The folder holding the message inside a mail store (.pst/.ost), e.g.
        /// `Inbox/Jobbsøknader`.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        folder: Option<String>,
    },
    /// A MIME part or attachment of a message, by file name (or part number when unnamed).
    Attachment {
        /// The attachment's file name.
        filename: String,
    },
    /// A named part of a document other than its main text: a header, a comment, document
    /// properties, a mail header field.
    Part {
        /// What the part is, e.g. `header`, `comments`, `docProps/core.xml`, `Subject`.
        name: String,
    },
    /// A page of a paged document, 1-based.
    Page {
        /// Page number, 1-based.
        page: u32,
    },
    /// A spreadsheet cell in A1 notation.
    Cell {
        /// Sheet name.
        sheet: String,
        /// Cell reference, e.g. `B7`.
        cell: String,
    },
    /// A record of delimited data (CSV), 1-based row and column.
    Record {
        /// Row, 1-based, counting the header row.
        row: u64,
        /// Column, 1-based.
        column: u64,
    },
    /// A position in text: 1-based line, and 1-based column counted in characters.
    Line {
        /// Line number, 1-based.
        line: u64,
        /// Column in Unicode characters, 1-based.
        column: u64,
    },
}

impl Step {
    /// True for the steps that enter a container member: entry, message, attachment.
    pub fn is_container(&self) -> bool {
        matches!(
            self,
            Step::Entry { .. } | Step::Message { .. } | Step::Attachment { .. }
        )
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Entry { name } => write!(f, "entry {name}"),
            Step::Message {
                index,
                message_id,
                subject,
                folder,
                ..
            } => {
                f.write_str("message")?;
                if let Some(folder) = folder {
                    write!(f, " in {folder}")?;
                }
                if let Some(i) = index {
                    write!(f, " #{i}")?;
                }
                if let Some(id) = message_id {
                    write!(f, " <{id}>")?;
                }
                if let Some(s) = subject {
                    write!(f, " \"{s}\"")?;
                }
                Ok(())
            }
            Step::Attachment { filename } => write!(f, "attachment {filename}"),
            Step::Part { name } => write!(f, "{name}"),
            Step::Page { page } => write!(f, "page {page}"),
            Step::Cell { sheet, cell } => write!(f, "{sheet}!{cell}"),
            Step::Record { row, column } => write!(f, "row {row}, column {column}"),
            Step::Line { line, column } => write!(f, "{line}:{column}"),
        }
    }
}

/// A path of [`Step`]s from a file inward. Empty means "the file itself".
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Location(pub Vec<Step>);

impl Location {
    /// The location of the file itself.
    pub fn root() -> Self {
        Location(Vec::new())
    }

    /// A new location one step further in.
    pub fn child(&self, step: Step) -> Self {
        let mut steps = Vec::with_capacity(self.0.len() + 1);
        steps.extend_from_slice(&self.0);
        steps.push(step);
        Location(steps)
    }

    /// The steps, outermost first.
    pub fn steps(&self) -> &[Step] {
        &self.0
    }

    /// True when no step leads inside the file.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The innermost container this location is in: the steps up to and including the last
    /// entry, message or attachment step (empty for text of the file itself). Subject search
    /// groups hits by it.
    pub fn container(&self) -> Location {
        let n = self
            .0
            .iter()
            .rposition(Step::is_container)
            .map_or(0, |i| i + 1);
        Location(self.0[..n].to_vec())
    }

    /// How many archive or message levels deep this location is (used for nesting limits).
    pub fn container_depth(&self) -> usize {
        self.0.iter().filter(|s| s.is_container()).count()
    }
}

impl fmt::Display for Location {
    /// Steps joined by ` › `, e.g. `entry cv.pdf › page 2 › 14:3`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" › ")?;
            }
            write!(f, "{step}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_tagged_steps() {
        let loc = Location::root()
            .child(Step::Entry {
                name: "a/b.txt".into(),
            })
            .child(Step::Line {
                line: 12,
                column: 5,
            });
        let json = serde_json::to_string(&loc).unwrap();
        assert_eq!(
            json,
            r#"[{"type":"entry","name":"a/b.txt"},{"type":"line","line":12,"column":5}]"#
        );
        let back: Location = serde_json::from_str(&json).unwrap();
        assert_eq!(back, loc);
        assert_eq!(loc.to_string(), "entry a/b.txt › 12:5");
        assert_eq!(loc.container_depth(), 1);
        assert_eq!(
            loc.container(),
            Location::root().child(Step::Entry {
                name: "a/b.txt".into()
            })
        );
        assert_eq!(
            Location::root().child(Step::Page { page: 2 }).container(),
            Location::root()
        );
    }

    #[test]
    fn a_message_in_a_store_folder() {
        let loc = Location::root().child(Step::Message {
            index: Some(3),
            message_id: None,
            date: None,
            from: None,
            subject: Some("Søknad".into()),
            folder: Some("Innboks/Jobbsøknader".into()),
        });
        assert_eq!(
            serde_json::to_string(&loc).unwrap(),
            r#"[{"type":"message","index":3,"subject":"Søknad","folder":"Innboks/Jobbsøknader"}]"#
        );
        assert_eq!(
            loc.to_string(),
            "message in Innboks/Jobbsøknader #3 \"Søknad\""
        );
        let back: Location = serde_json::from_str(r#"[{"type":"message","index":3}]"#).unwrap();
        assert!(matches!(&back.0[0], Step::Message { folder: None, .. }));
    }
}
