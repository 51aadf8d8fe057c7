//! Office documents: Word (docx, docm), PowerPoint (pptx, pptm), OpenDocument text and
//! presentations (odt, odp), and best-effort text of legacy Word and PowerPoint files
//! ([`legacy`]). Spreadsheets are read elsewhere.
//!
//! A document is a zip of XML parts, read one part at a time through the shared
//! [`ZipReader`] (same limits as any zip member) and streamed through quick-xml
//! ([`xml`]). Each part's text is one segment located by a [`Step::Part`], with lines and
//! columns inside it (one line per paragraph, see [`xml`]):
//!
//! | part | docx / pptx | odt / odp |
//! | --- | --- | --- |
//! | `document` | `word/document.xml` (body, tables, text boxes, tracked insertions and deletions) | `content.xml` body, tracked insertions |
//! | `header1`, `footer2` … / `header`, `footer` | `word/headerN.xml`, `word/footerN.xml` | headers and footers in `styles.xml`, `presentation:header-decl` |
//! | `footnotes`, `endnotes`, `comments` | `word/footnotes.xml` … | notes and annotations routed out of the body |
//! | `tracked changes` | — (deletions stay in place in `document`) | deleted text (`text:tracked-changes`) |
//! | `slide N`, `notes N`, `comments N` | slides in show order (`ppt/presentation.xml`), their notes and comments | `draw:page` N and its notes |
//! | `glossary` | `word/glossary/document.xml` (building blocks) | — |
//! | `Object N` | — | embedded ODF objects (charts …) |
//! | `properties` | `docProps/core.xml`, `app.xml`, `custom.xml` | `meta.xml` |
//!
//! `properties` has one `name: value` line per property (`creator: Kari Nordmann`), then one
//! line per author of comments and tracked changes. Embedded files (`*/embeddings/*`, ODF
//! `Object N` binaries) go back through the dispatcher as [`Step::Entry`]s. Images and other
//! media are not text and are not read.

pub mod legacy;
pub mod xml;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};

use crate::extract::archive::bounded::{read_error, MemberError};
use crate::extract::archive::zipfile::{with_rest, Member};
use crate::extract::archive::ZipReader;
use crate::extract::{Context, ExtractError, Extractor, Format, Input};
use crate::location::Step;
use xml::{read_properties, read_relationships, read_slide_ids, TextCollector};

pub use legacy::LegacyOfficeExtractor;

/// docx, docm, pptx, pptm, odt and odp.
pub struct OfficeExtractor;

impl Extractor for OfficeExtractor {
    fn name(&self) -> &'static str {
        "office"
    }

    fn formats(&self) -> &'static [Format] {
        &[Format::Docx, Format::Pptx, Format::Odt, Format::Odp]
    }

    fn extract(
        &self,
        input: Input<'_>,
        _head: &[u8],
        format: Format,
        ctx: &mut Context<'_>,
    ) -> Result<(), ExtractError> {
        let mut zip = ZipReader::open(input)?;
        let jobs = match format {
            Format::Pptx => pptx_jobs(&mut zip, ctx),
            Format::Odt | Format::Odp => odf_jobs(&zip),
            _ => docx_jobs(&zip),
        };
        let mut doc = Document::default();
        for (n, job) in jobs.iter().enumerate() {
            if let Err(stop) = doc.run(job, &mut zip, ctx) {
                ctx.error(Some(job.step()), &with_rest(stop, jobs.len() - n - 1));
                break;
            }
        }
        doc.emit_properties(ctx);
        Ok(())
    }
}

/// One thing to read out of the package.
#[derive(Debug, Clone)]
enum Job {
    /// An XML part with text; unrouted text goes to the output named `base` (`None`: only
    /// routed text such as ODF headers is kept).
    Text {
        member: Member,
        base: Option<String>,
        odf: bool,
    },
    /// A document-properties part.
    Properties { member: Member },
    /// An embedded file, read through the dispatcher.
    Embedded { member: Member },
}

impl Job {
    /// Where problems with this job are reported.
    fn step(&self) -> Step {
        match self {
            Job::Text {
                base: Some(name), ..
            } => Step::Part { name: name.clone() },
            Job::Properties { .. } => Step::Part {
                name: "properties".into(),
            },
            // A part that is read only for its routed text (ODF styles) or its authors.
            Job::Text { member, .. } => Step::Part {
                name: member.name.clone(),
            },
            Job::Embedded { member } => Step::Entry {
                name: member.name.clone(),
            },
        }
    }
}

/// What is gathered across parts: property lines and people.
#[derive(Default)]
struct Document {
    properties: Vec<String>,
    people: BTreeSet<String>,
}

impl Document {
    /// Runs one job. Problems with the part are reported and the document goes on; `Err`
    /// means the per-file budget is spent and nothing more can be read.
    fn run(
        &mut self,
        job: &Job,
        zip: &mut ZipReader<'_>,
        ctx: &mut Context<'_>,
    ) -> Result<(), ExtractError> {
        let result = match job {
            Job::Text { member, base, odf } => self.text(zip, member, base.as_deref(), *odf, ctx),
            Job::Properties { member } => read_xml(zip, member, ctx, |r| {
                read_properties(r, &mut self.properties)
            }),
            Job::Embedded { member } => zip
                .read_member(member, &ctx.dispatcher.limits, ctx.budget)
                .map(|data| ctx.recurse(job.step(), &data)),
        };
        match result {
            Ok(()) => Ok(()),
            Err(MemberError::Failed(e)) => {
                ctx.error(Some(job.step()), &e);
                Ok(())
            }
            Err(MemberError::Stop(e)) => Err(e),
        }
    }

    /// Reads an XML part and sends its outputs (whatever was read, even when the part is
    /// broken halfway).
    fn text(
        &mut self,
        zip: &mut ZipReader<'_>,
        member: &Member,
        base: Option<&str>,
        odf: bool,
        ctx: &mut Context<'_>,
    ) -> Result<(), MemberError> {
        let mut collector = TextCollector::new(base, odf);
        let result = read_xml(zip, member, ctx, |r| collector.read(r));
        let (parts, people) = collector.into_parts();
        for part in parts {
            ctx.text(Some(Step::Part { name: part.name }), &part.text, true);
        }
        self.people.extend(people);
        result
    }

    /// The `properties` part: property lines, then the authors of comments and changes.
    fn emit_properties(&self, ctx: &mut Context<'_>) {
        let mut lines = self.properties.clone();
        lines.extend(
            self.people
                .iter()
                .map(|p| format!("author of comments or changes: {p}")),
        );
        if !lines.is_empty() {
            let step = Step::Part {
                name: "properties".into(),
            };
            ctx.text(Some(step), &lines.join("\n"), true);
        }
    }
}

/// Streams the XML member `member` into `parse`, within the limits.
fn read_xml(
    zip: &mut ZipReader<'_>,
    member: &Member,
    ctx: &Context<'_>,
    parse: impl FnOnce(&mut dyn BufRead) -> Result<(), quick_xml::Error>,
) -> Result<(), MemberError> {
    let mut reader = zip.open_member(member, &ctx.dispatcher.limits, ctx.budget)?;
    let result = parse(&mut BufReader::new(&mut reader));
    result.map_err(|e| match e {
        quick_xml::Error::Io(io) => read_error(&io),
        e => reader.explain(ExtractError::Corrupt(format!("{}: {e}", member.name))),
    })
}

/// The number in a name such as `word/header12.xml` (0 when there is none).
fn number_in(name: &str) -> u32 {
    let digits: String = name
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap_or(0)
}

/// Files of the package, without directories.
fn files(zip: &ZipReader<'_>) -> Vec<Member> {
    zip.members()
        .iter()
        .filter(|m| !m.is_dir)
        .cloned()
        .collect()
}

fn text_job(member: Member, base: impl Into<String>, odf: bool) -> Job {
    Job::Text {
        member,
        base: Some(base.into()),
        odf,
    }
}

fn is_embedded(name: &str) -> bool {
    name.contains("/embeddings/")
}

fn docx_jobs(zip: &ZipReader<'_>) -> Vec<Job> {
    let mut jobs: Vec<((u8, u32), Job)> = Vec::new();
    for m in files(zip) {
        let name = m.name.clone();
        let file = name.strip_prefix("word/").unwrap_or("");
        let n = number_in(&name);
        let (rank, job) = match (file, name.as_str()) {
            ("document.xml", _) => (0, text_job(m, "document", false)),
            (f, _) if f.starts_with("header") && f.ends_with(".xml") => {
                (1, text_job(m, format!("header{n}"), false))
            }
            (f, _) if f.starts_with("footer") && f.ends_with(".xml") => {
                (2, text_job(m, format!("footer{n}"), false))
            }
            ("footnotes.xml", _) => (3, text_job(m, "footnotes", false)),
            ("endnotes.xml", _) => (4, text_job(m, "endnotes", false)),
            ("comments.xml", _) => (5, text_job(m, "comments", false)),
            ("glossary/document.xml", _) => (6, text_job(m, "glossary", false)),
            (_, n) if is_embedded(n) => (7, Job::Embedded { member: m }),
            (_, "docProps/core.xml") => (8, Job::Properties { member: m }),
            (_, "docProps/app.xml") => (9, Job::Properties { member: m }),
            (_, "docProps/custom.xml") => (10, Job::Properties { member: m }),
            _ => continue,
        };
        jobs.push(((rank, n), job));
    }
    jobs.sort_by_key(|(key, _)| *key);
    jobs.into_iter().map(|(_, job)| job).collect()
}

/// Slides in show order with their notes and comments, then authors, embeddings and
/// properties.
fn pptx_jobs(zip: &mut ZipReader<'_>, ctx: &Context<'_>) -> Vec<Job> {
    let all = files(zip);
    let by_name = |name: &str| all.iter().find(|m| m.name == name).cloned();
    let mut slides = slide_order(zip, ctx);
    let mut unlisted: Vec<&Member> = all
        .iter()
        .filter(|m| {
            m.name.starts_with("ppt/slides/slide")
                && m.name.ends_with(".xml")
                && !slides.contains(&m.name)
        })
        .collect();
    unlisted.sort_by_key(|m| number_in(&m.name));
    slides.extend(unlisted.into_iter().map(|m| m.name.clone()));

    let mut jobs = Vec::new();
    for (i, slide) in slides.iter().enumerate() {
        let Some(member) = by_name(slide) else {
            continue;
        };
        jobs.push(text_job(member, format!("slide {}", i + 1), false));
        for rel in part_relationships(zip, ctx, slide) {
            let kind = if rel.kind.ends_with("/notesSlide") {
                "notes"
            } else if rel.kind.ends_with("/comments") {
                "comments"
            } else {
                continue;
            };
            if let Some(m) = by_name(&rel.target) {
                jobs.push(text_job(m, format!("{kind} {}", i + 1), false));
            }
        }
    }
    for m in all {
        match m.name.as_str() {
            "ppt/commentAuthors.xml" | "ppt/authors.xml" => jobs.push(Job::Text {
                member: m,
                base: None,
                odf: false,
            }),
            n if is_embedded(n) => jobs.push(Job::Embedded { member: m }),
            "docProps/core.xml" | "docProps/app.xml" | "docProps/custom.xml" => {
                jobs.push(Job::Properties { member: m })
            }
            _ => {}
        }
    }
    jobs
}

/// The slide parts in show order, from `ppt/presentation.xml` and its relationships. Empty
/// when they cannot be read: the slides are then numbered by file name (their text is read
/// either way).
fn slide_order(zip: &mut ZipReader<'_>, ctx: &Context<'_>) -> Vec<String> {
    let rels = part_relationships(zip, ctx, "ppt/presentation.xml");
    let Some(pres) = zip.member("ppt/presentation.xml").cloned() else {
        return Vec::new();
    };
    let mut ids = Vec::new();
    let read = read_xml(zip, &pres, ctx, |r| {
        ids = read_slide_ids(r)?;
        Ok(())
    });
    if read.is_err() {
        return Vec::new();
    }
    ids.iter()
        .filter_map(|id| rels.iter().find(|r| &r.id == id))
        .map(|r| r.target.clone())
        .collect()
}

/// The relationships of `part` (empty when it has none or they cannot be read).
fn part_relationships(
    zip: &mut ZipReader<'_>,
    ctx: &Context<'_>,
    part: &str,
) -> Vec<xml::Relationship> {
    let (dir, file) = part.rsplit_once('/').unwrap_or(("", part));
    let rels_name = format!("{dir}/_rels/{file}.rels");
    let Some(member) = zip.member(&rels_name).cloned() else {
        return Vec::new();
    };
    let mut rels = Vec::new();
    let _ = read_xml(zip, &member, ctx, |r| {
        rels = read_relationships(r, part)?;
        Ok(())
    });
    rels
}

fn odf_jobs(zip: &ZipReader<'_>) -> Vec<Job> {
    let mut jobs: Vec<(u8, Job)> = Vec::new();
    for m in files(zip) {
        let name = m.name.clone();
        let (rank, job) = match name.as_str() {
            "content.xml" => (0, text_job(m, "document", true)),
            "styles.xml" => (
                1,
                Job::Text {
                    member: m,
                    base: None,
                    odf: true,
                },
            ),
            "meta.xml" => (4, Job::Properties { member: m }),
            n => match n.split_once('/') {
                Some((object, "content.xml")) if object.starts_with("Object ") => {
                    (2, text_job(m, object, true))
                }
                None if n.starts_with("Object ") => (3, Job::Embedded { member: m }),
                _ => continue,
            },
        };
        jobs.push((rank, job));
    }
    jobs.sort_by_key(|(rank, _)| *rank);
    jobs.into_iter().map(|(_, job)| job).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_part_names() {
        assert_eq!(number_in("word/header12.xml"), 12);
        assert_eq!(number_in("word/footer.xml"), 0);
        assert_eq!(number_in("ppt/slides/slide3.xml"), 3);
    }
}
