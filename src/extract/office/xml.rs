//! Streaming text out of Office Open XML (docx, pptx) and OpenDocument (odt, odp) parts with
//! quick-xml, one event at a time: memory holds the text, never the XML tree.
//!
//! The text of a part is laid out as lines: **one line per paragraph** (`w:p`, `a:p`,
//! `text:p`, `text:h`), in the order paragraphs end (the paragraphs of a text box come before
//! the paragraph that anchors it). Runs split by formatting are joined with nothing between
//! them, so `<b>010190</b>12345` reads `01019012345`. Line breaks inside a paragraph
//! (`w:br`, `w:cr`, `a:br`, `text:line-break`) start a new line; tabs become `\t`. An empty
//! line follows every table cell, text box, shape, comment and note, so digits in
//! neighbouring cells never join (the rule engine joins a number wrapped over *one* line
//! break, never over an empty line).
//!
//! ODF keeps footnotes, comments and tracked deletions inside the body; they are routed to
//! their own outputs (`footnotes`, `comments`, `tracked changes`) so they neither split the
//! body's paragraphs nor glue a note number onto a value. Word's tracked deletions (`w:del`)
//! go to `tracked changes` too, one line each: inline they would glue onto the text that
//! replaced them. Names of comment and revision
//! authors are collected apart ([`TextCollector::people`]).

use std::collections::BTreeSet;
use std::io::BufRead;

use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::{NamespaceResolver, ResolveResult};
use quick_xml::{NsReader, XmlVersion};

/// The text of one output of a part, e.g. `document`, `footnotes`, `slide 3`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartText {
    /// Name of the part, used in the location.
    pub name: String,
    /// The text, one line per paragraph.
    pub text: String,
}

/// Namespaces whose elements matter.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ns {
    W,
    A,
    P,
    M,
    Mc,
    Text,
    Table,
    Draw,
    Office,
    Style,
    Pres,
    Dc,
    Meta,
    Svg,
    Other,
}

fn namespace(uri: &str) -> Ns {
    match uri {
        "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
        | "http://purl.oclc.org/ooxml/wordprocessingml/main" => Ns::W,
        "http://schemas.openxmlformats.org/drawingml/2006/main"
        | "http://purl.oclc.org/ooxml/drawingml/main" => Ns::A,
        "http://schemas.openxmlformats.org/presentationml/2006/main"
        | "http://purl.oclc.org/ooxml/presentationml/main" => Ns::P,
        "http://schemas.openxmlformats.org/officeDocument/2006/math"
        | "http://purl.oclc.org/ooxml/officeDocument/math" => Ns::M,
        "http://schemas.openxmlformats.org/markup-compatibility/2006" => Ns::Mc,
        "urn:oasis:names:tc:opendocument:xmlns:text:1.0" => Ns::Text,
        "urn:oasis:names:tc:opendocument:xmlns:table:1.0" => Ns::Table,
        "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" => Ns::Draw,
        "urn:oasis:names:tc:opendocument:xmlns:office:1.0" => Ns::Office,
        "urn:oasis:names:tc:opendocument:xmlns:style:1.0" => Ns::Style,
        "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" => Ns::Pres,
        "http://purl.org/dc/elements/1.1/" => Ns::Dc,
        "urn:oasis:names:tc:opendocument:xmlns:meta:1.0" => Ns::Meta,
        "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" => Ns::Svg,
        _ => Ns::Other,
    }
}

/// Where routed text goes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Route {
    Footnotes,
    Endnotes,
    Comments,
    Changes,
    Header,
    Footer,
    Slide,
    Notes,
}

/// What an element means for the text.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tag {
    /// A paragraph: its text becomes one line.
    Paragraph,
    /// A run of text (OOXML: character data counts only inside these).
    Text,
    /// A paragraph whose character data counts as text (`p:text`, `presentation:footer-decl`),
    /// optionally routed.
    Line(Option<Route>),
    Tab,
    Break,
    Hyphen,
    /// `text:s`: this many spaces.
    Spaces(u16),
    /// A table cell, text box, shape, comment or note: an empty line follows it.
    Block,
    /// Text inside goes to another output.
    Route(Route),
    /// Text inside goes to another output as a paragraph of its own, even though the element
    /// sits inside a paragraph (a tracked deletion).
    Aside(Route),
    /// A person's name (an ODF comment's or change's `dc:creator`).
    Person,
    /// Nothing inside is text.
    Skip,
    Other,
}

fn classify(ns: Ns, local: &str, e: &BytesStart<'_>) -> Tag {
    match (ns, local) {
        (Ns::W | Ns::A, "p") | (Ns::Text, "p" | "h") => Tag::Paragraph,
        (Ns::W, "t" | "delText") | (Ns::A | Ns::M, "t") => Tag::Text,
        (Ns::W, "tab" | "ptab") | (Ns::Text, "tab") => Tag::Tab,
        (Ns::W, "br" | "cr") | (Ns::A, "br") | (Ns::Text, "line-break") => Tag::Break,
        (Ns::W, "noBreakHyphen") => Tag::Hyphen,
        (Ns::Text, "s") => Tag::Spaces(attr(e, "c").and_then(|c| c.parse().ok()).unwrap_or(1)),
        (Ns::W, "tc" | "txbxContent" | "comment" | "footnote" | "endnote")
        | (Ns::A, "tc" | "txBody")
        | (Ns::P, "txBody" | "cm")
        | (Ns::Table, "table-cell" | "covered-table-cell")
        | (
            Ns::Draw,
            "frame" | "text-box" | "custom-shape" | "rect" | "ellipse" | "polygon" | "path"
            | "line" | "connector" | "caption" | "g",
        ) => Tag::Block,
        (Ns::P, "text") => Tag::Line(None),
        (Ns::Pres, "header-decl") => Tag::Line(Some(Route::Header)),
        (Ns::Pres, "footer-decl") => Tag::Line(Some(Route::Footer)),
        // A tracked deletion is not part of the current text: each one is a line of its own
        // in `tracked changes` (inline it would glue onto what replaced it).
        (Ns::W, "del") => Tag::Aside(Route::Changes),
        (Ns::Text, "note") => match attr(e, "note-class").as_deref() {
            Some("endnote") => Tag::Route(Route::Endnotes),
            _ => Tag::Route(Route::Footnotes),
        },
        (Ns::Office, "annotation") => Tag::Route(Route::Comments),
        (Ns::Text, "tracked-changes") => Tag::Route(Route::Changes),
        (Ns::Style, "header" | "header-left" | "header-first") => Tag::Route(Route::Header),
        (Ns::Style, "footer" | "footer-left" | "footer-first") => Tag::Route(Route::Footer),
        (Ns::Draw, "page") => Tag::Route(Route::Slide),
        (Ns::Pres, "notes") => Tag::Route(Route::Notes),
        (Ns::Dc, "creator") => Tag::Person,
        (Ns::Text, "changed-region") => Tag::Block,
        // Moved-away text is read where it was moved to.
        (Ns::Mc, "Fallback")
        | (Ns::W, "pPr" | "moveFrom")
        | (Ns::Text, "note-citation")
        | (Ns::Dc, "date")
        | (Ns::Meta, "creator-initials")
        | (Ns::Svg, "title" | "desc") => Tag::Skip,
        _ => Tag::Other,
    }
}

/// The unescaped value of the attribute with local name `local`.
fn attr(e: &BytesStart<'_>, local: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local)
        .and_then(|a| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// The character a general reference (`&amp;`, `&#248;`) stands for.
fn entity(r: &BytesRef<'_>) -> Option<char> {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return Some(c);
    }
    Some(match &**r {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => return None,
    })
}

/// Collects the text of XML parts into named outputs.
#[derive(Debug, Default)]
pub struct TextCollector {
    outputs: Vec<PartText>,
    /// Output of text outside any route (`None`: dropped).
    base: Option<usize>,
    routes: Vec<Option<usize>>,
    paragraphs: Vec<(Option<usize>, String)>,
    stack: Vec<Tag>,
    text_depth: u32,
    skip_depth: u32,
    /// OpenDocument: character data anywhere in a paragraph is text (whitespace collapses).
    odf: bool,
    person: Option<String>,
    slides: u32,
    /// Authors of comments and tracked changes seen so far.
    pub people: BTreeSet<String>,
}

impl TextCollector {
    /// A collector whose unrouted text goes to `base` (`None`: dropped, as for the styles of
    /// an ODF file outside its headers and footers).
    pub fn new(base: Option<&str>, odf: bool) -> Self {
        let mut c = TextCollector {
            odf,
            ..Default::default()
        };
        c.base = base.map(|name| c.output(name));
        c
    }

    /// Reads one XML part. On a parse error the text read so far is kept and the error
    /// returned.
    pub fn read(&mut self, reader: impl BufRead) -> Result<(), quick_xml::Error> {
        let mut reader = NsReader::from_reader(reader);
        let mut buf = Vec::new();
        let result = loop {
            buf.clear();
            // Namespaces are resolved for start tags only, and not inside skipped elements.
            let event = match reader.read_event_into(&mut buf) {
                Ok(x) => x,
                Err(e) => break Err(e),
            };
            match event {
                Event::Start(e) => {
                    let tag = self.tag(reader.resolver(), &e);
                    self.open(tag, &e);
                    self.stack.push(tag);
                }
                Event::Empty(e) => {
                    let tag = self.tag(reader.resolver(), &e);
                    self.open(tag, &e);
                    self.close(tag);
                }
                Event::End(_) => {
                    if let Some(tag) = self.stack.pop() {
                        self.close(tag);
                    }
                }
                Event::Text(t) => self.chars(&t.xml10_content()),
                Event::CData(t) => self.chars(&t.xml10_content()),
                Event::GeneralRef(r) => {
                    if let Some(c) = entity(&r) {
                        self.chars(c.encode_utf8(&mut [0; 4]));
                    }
                }
                Event::Eof => break Ok(()),
                _ => {}
            }
        };
        self.finish_part();
        result
    }

    /// The outputs with text, trailing empty lines removed.
    pub fn into_parts(self) -> (Vec<PartText>, BTreeSet<String>) {
        let parts = self
            .outputs
            .into_iter()
            .filter_map(|mut p| {
                p.text.truncate(p.text.trim_end_matches('\n').len());
                (!p.text.trim().is_empty()).then_some(p)
            })
            .collect();
        (parts, self.people)
    }

    /// Closes whatever a truncated or broken part left open.
    fn finish_part(&mut self) {
        while let Some(tag) = self.stack.pop() {
            self.close(tag);
        }
        self.text_depth = 0;
        self.skip_depth = 0;
        self.person = None;
    }

    fn tag(&mut self, resolver: &NamespaceResolver, e: &BytesStart<'_>) -> Tag {
        if self.skip_depth > 0 {
            return Tag::Skip;
        }
        let ns = match resolver.resolve_element(e.name()).0 {
            ResolveResult::Bound(ns) => namespace(ns.as_ref()),
            _ => Ns::Other,
        };
        let local = e.local_name();
        let local = local.as_ref();
        self.note_author(local, e);
        classify(ns, local, e)
    }

    /// Authors of comments and revisions (docx `w:author`), comment authors (pptx).
    fn note_author(&mut self, local: &str, e: &BytesStart<'_>) {
        let key = match local {
            "comment" | "ins" | "del" | "moveFrom" | "moveTo" => "author",
            "cmAuthor" | "author" => "name",
            _ => return,
        };
        if let Some(name) = attr(e, key).filter(|n| !n.trim().is_empty()) {
            self.people.insert(name.trim().to_string());
        }
    }

    fn output(&mut self, name: &str) -> usize {
        match self.outputs.iter().position(|o| o.name == name) {
            Some(i) => i,
            None => {
                self.outputs.push(PartText {
                    name: name.to_string(),
                    text: String::new(),
                });
                self.outputs.len() - 1
            }
        }
    }

    fn current(&self) -> Option<usize> {
        self.routes.last().copied().unwrap_or(self.base)
    }

    fn route_name(&mut self, route: Route) -> String {
        match route {
            Route::Footnotes => "footnotes".into(),
            Route::Endnotes => "endnotes".into(),
            Route::Comments => "comments".into(),
            Route::Changes => "tracked changes".into(),
            Route::Header => "header".into(),
            Route::Footer => "footer".into(),
            Route::Slide => {
                self.slides += 1;
                format!("slide {}", self.slides)
            }
            Route::Notes => format!("notes {}", self.slides),
        }
    }

    fn push_route(&mut self, route: Route) {
        let name = self.route_name(route);
        let out = self.output(&name);
        self.routes.push(Some(out));
    }

    fn pop_route(&mut self) {
        if let Some(Some(out)) = self.routes.pop() {
            self.separate(Some(out));
        }
    }

    fn open(&mut self, tag: Tag, _e: &BytesStart<'_>) {
        match tag {
            Tag::Paragraph => self.paragraphs.push((self.current(), String::new())),
            Tag::Text => self.text_depth += 1,
            Tag::Line(route) => {
                if let Some(r) = route {
                    self.push_route(r);
                }
                self.paragraphs.push((self.current(), String::new()));
                self.text_depth += 1;
            }
            Tag::Tab => self.push_str("\t"),
            Tag::Break => self.push_str("\n"),
            Tag::Hyphen => self.push_str("-"),
            Tag::Spaces(n) => {
                for _ in 0..n.min(100) {
                    self.push_str(" ");
                }
            }
            Tag::Route(r) => self.push_route(r),
            Tag::Aside(r) => {
                self.push_route(r);
                self.paragraphs.push((self.current(), String::new()));
            }
            Tag::Person => self.person = Some(String::new()),
            Tag::Skip => self.skip_depth += 1,
            Tag::Block | Tag::Other => {}
        }
    }

    fn close(&mut self, tag: Tag) {
        match tag {
            Tag::Paragraph => self.end_paragraph(),
            Tag::Text => self.text_depth = self.text_depth.saturating_sub(1),
            Tag::Line(route) => {
                self.text_depth = self.text_depth.saturating_sub(1);
                self.end_paragraph();
                if route.is_some() {
                    self.pop_route();
                }
            }
            Tag::Block => self.separate(self.current()),
            Tag::Route(_) => self.pop_route(),
            Tag::Aside(_) => {
                self.end_paragraph();
                self.pop_route();
            }
            Tag::Person => {
                if let Some(name) = self.person.take().filter(|n| !n.trim().is_empty()) {
                    self.people.insert(name.trim().to_string());
                }
            }
            Tag::Skip => self.skip_depth = self.skip_depth.saturating_sub(1),
            Tag::Tab | Tag::Break | Tag::Hyphen | Tag::Spaces(_) | Tag::Other => {}
        }
    }

    fn end_paragraph(&mut self) {
        if let Some((Some(out), text)) = self.paragraphs.pop() {
            let o = &mut self.outputs[out].text;
            o.push_str(&text);
            o.push('\n');
        }
    }

    /// Ends `out` with an empty line (once), so what follows cannot join what came before.
    fn separate(&mut self, out: Option<usize>) {
        if let Some(out) = out {
            let o = &mut self.outputs[out].text;
            if !o.is_empty() && !o.ends_with("\n\n") {
                o.push('\n');
            }
        }
    }

    /// Text from a tab, break or space element, inside the current paragraph.
    fn push_str(&mut self, s: &str) {
        if let Some((_, p)) = self.paragraphs.last_mut() {
            p.push_str(s);
        }
    }

    /// Character data.
    fn chars(&mut self, s: &str) {
        if self.skip_depth > 0 {
            return;
        }
        if let Some(person) = self.person.as_mut() {
            person.push_str(s);
            return;
        }
        let counts = self.text_depth > 0 || (self.odf && !self.paragraphs.is_empty());
        let Some((_, p)) = self.paragraphs.last_mut().filter(|_| counts) else {
            return;
        };
        if self.odf && self.text_depth == 0 {
            push_collapsed(p, s);
        } else {
            p.push_str(s);
        }
    }
}

/// ODF whitespace rule: runs of space, tab and line break in character data are one space,
/// and none at the start of a paragraph (`text:s`, `text:tab` are the explicit forms).
fn push_collapsed(p: &mut String, s: &str) {
    for c in s.chars() {
        if matches!(c, ' ' | '\t' | '\n' | '\r') {
            if !p.is_empty() && !p.ends_with(' ') {
                p.push(' ');
            }
        } else {
            p.push(c);
        }
    }
}

/// Reads a document-properties part (docProps/core.xml, app.xml, custom.xml, ODF meta.xml)
/// into `name: value` lines, one per property. The name is the element's (`creator`,
/// `lastModifiedBy`), or the `name` attribute of a custom property.
pub fn read_properties(
    reader: impl BufRead,
    lines: &mut Vec<String>,
) -> Result<(), quick_xml::Error> {
    const VT: &str = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes";
    let mut reader = NsReader::from_reader(reader);
    let mut buf = Vec::new();
    // (label, value, has child elements)
    let mut stack: Vec<(String, String, bool)> = Vec::new();
    loop {
        buf.clear();
        let (resolved, event) = reader.read_resolved_event_into(&mut buf)?;
        match event {
            Event::Start(e) => {
                let is_vt = matches!(resolved, ResolveResult::Bound(ns) if ns.as_ref() == VT);
                let parent = stack.last_mut().map(|(label, _, children)| {
                    *children = true;
                    label.clone()
                });
                let label = match (attr(&e, "name"), parent) {
                    (Some(name), _) => name,
                    (None, Some(parent)) if is_vt => parent,
                    _ => e.local_name().as_ref().to_string(),
                };
                stack.push((label, String::new(), false));
            }
            Event::End(_) => {
                if let Some((label, value, children)) = stack.pop() {
                    let value = value.trim();
                    if !children && !value.is_empty() {
                        lines.push(format!("{label}: {value}"));
                    }
                }
            }
            Event::Text(t) => {
                if let Some((_, v, _)) = stack.last_mut() {
                    v.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let (Some((_, v, _)), Some(c)) = (stack.last_mut(), entity(&r)) {
                    v.push(c);
                }
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

/// One `Relationship` of an OPC `.rels` part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relationship {
    /// `Id`, e.g. `rId2`.
    pub id: String,
    /// `Type` URI.
    pub kind: String,
    /// `Target` resolved to a member path (external targets are left out).
    pub target: String,
}

/// Reads the relationships of the part `source` (e.g. `ppt/slides/slide1.xml`) from its
/// `.rels` part, resolving targets to member paths.
pub fn read_relationships(
    reader: impl BufRead,
    source: &str,
) -> Result<Vec<Relationship>, quick_xml::Error> {
    let mut reader = NsReader::from_reader(reader);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let dir = source.rsplit_once('/').map_or("", |(d, _)| d);
    loop {
        buf.clear();
        match reader.read_resolved_event_into(&mut buf)?.1 {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Relationship" => {
                if attr(&e, "TargetMode").as_deref() == Some("External") {
                    continue;
                }
                if let (Some(id), Some(kind), Some(target)) =
                    (attr(&e, "Id"), attr(&e, "Type"), attr(&e, "Target"))
                {
                    out.push(Relationship {
                        id,
                        kind,
                        target: resolve_path(dir, &target),
                    });
                }
            }
            Event::Eof => return Ok(out),
            _ => {}
        }
    }
}

/// `target` relative to the folder `dir` (or absolute from the package root), normalised.
pub fn resolve_path(dir: &str, target: &str) -> String {
    let mut parts: Vec<&str> = match target.strip_prefix('/') {
        Some(_) => Vec::new(),
        None => dir.split('/').filter(|s| !s.is_empty()).collect(),
    };
    for piece in target.split('/') {
        match piece {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// The `r:id`s of `p:sldId` elements in `ppt/presentation.xml`: the slides in show order.
pub fn read_slide_ids(reader: impl BufRead) -> Result<Vec<String>, quick_xml::Error> {
    let mut reader = NsReader::from_reader(reader);
    let mut buf = Vec::new();
    let mut ids = Vec::new();
    loop {
        buf.clear();
        match reader.read_resolved_event_into(&mut buf)?.1 {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sldId" => {
                // The relationship id is the attribute with a prefix (`r:id`), not `id`.
                let rid = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.local_name().as_ref() == "id" && a.key.prefix().is_some())
                    .and_then(|a| {
                        a.normalized_value(XmlVersion::Implicit1_0)
                            .ok()
                            .map(|v| v.into_owned())
                    });
                ids.extend(rid);
            }
            Event::Eof => return Ok(ids),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

    fn collect(xml: &str, odf: bool) -> Vec<(String, String)> {
        let mut c = TextCollector::new(Some("document"), odf);
        c.read(xml.as_bytes()).unwrap();
        c.into_parts()
            .0
            .into_iter()
            .map(|p| (p.name, p.text))
            .collect()
    }

    #[test]
    fn runs_join_paragraphs_and_cells_separate() {
        let xml = format!(
            r#"<w:document {W}><w:body>
            <w:p><w:pPr><w:tabs><w:tab w:val="left"/></w:tabs></w:pPr>
              <w:r><w:rPr><w:b/></w:rPr><w:t>fnr 010190</w:t></w:r><w:r><w:t>12345</w:t></w:r></w:p>
            <w:p><w:r><w:t xml:space="preserve">a </w:t><w:tab/><w:t>b</w:t><w:br/><w:t>c&amp;d</w:t></w:r></w:p>
            <w:tbl><w:tr><w:tc><w:p><w:r><w:t>151086</w:t></w:r></w:p></w:tc>
            <w:tc><w:p><w:r><w:t>95088</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
            <w:p><w:r><w:t>fnr </w:t></w:r><w:del w:author="Kari"><w:r><w:delText>15108695088</w:delText></w:r></w:del><w:ins w:author="Kari"><w:r><w:t>20036914700</w:t></w:r></w:ins></w:p>
            <mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">
              <mc:Choice><w:p><w:r><w:t>en gang</w:t></w:r></w:p></mc:Choice>
              <mc:Fallback><w:p><w:r><w:t>en gang</w:t></w:r></w:p></mc:Fallback>
            </mc:AlternateContent>
            <w:p><w:r><w:instrText>PAGE</w:instrText></w:r></w:p>
            </w:body></w:document>"#
        );
        let mut c = TextCollector::new(Some("document"), false);
        c.read(xml.as_bytes()).unwrap();
        let (parts, people) = c.into_parts();
        assert_eq!(
            parts[0].text,
            "fnr 01019012345\na \tb\nc&d\n151086\n\n95088\n\nfnr 20036914700\nen gang"
        );
        assert_eq!(parts[1].name, "tracked changes");
        assert_eq!(parts[1].text, "15108695088");
        assert_eq!(people.into_iter().collect::<Vec<_>>(), ["Kari"]);
    }

    #[test]
    fn odf_notes_comments_and_changes_are_routed() {
        let xml = r#"<office:document-content
            xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
            xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
            xmlns:dc="http://purl.org/dc/elements/1.1/"><office:body><office:text>
            <text:tracked-changes><text:changed-region><text:deletion><office:change-info>
              <dc:creator>Ola</dc:creator><dc:date>2026-01-01</dc:date></office:change-info>
              <text:p>borte</text:p></text:deletion></text:changed-region></text:tracked-changes>
            <text:p>fnr 15108695088<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation>
              <text:note-body><text:p>fotnote</text:p></text:note-body></text:note> videre
              <office:annotation><dc:creator>Kari</dc:creator><dc:date>x</dc:date><text:p>kommentar</text:p></office:annotation>slutt</text:p>
            <text:p>a<text:s text:c="2"/>b<text:tab/>c<text:line-break/>d</text:p>
            </office:text></office:body></office:document-content>"#;
        let mut c = TextCollector::new(Some("document"), true);
        c.read(xml.as_bytes()).unwrap();
        let (parts, people) = c.into_parts();
        let got: Vec<(&str, &str)> = parts
            .iter()
            .map(|p| (p.name.as_str(), p.text.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("document", "fnr 15108695088 videre slutt\na  b\tc\nd"),
                ("tracked changes", "borte"),
                ("footnotes", "fotnote"),
                ("comments", "kommentar"),
            ]
        );
        assert_eq!(people.into_iter().collect::<Vec<_>>(), ["Kari", "Ola"]);
    }

    #[test]
    fn odp_pages_and_notes() {
        let xml = r#"<office:document-content
            xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
            xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
            xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
            xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0">
            <office:body><office:presentation>
            <draw:page><draw:frame><draw:text-box><text:p>en</text:p></draw:text-box></draw:frame>
              <presentation:notes><draw:frame><draw:text-box><text:p>notat</text:p></draw:text-box></draw:frame></presentation:notes></draw:page>
            <draw:page><draw:frame><draw:text-box><text:p>to</text:p></draw:text-box></draw:frame></draw:page>
            </office:presentation></office:body></office:document-content>"#;
        assert_eq!(
            collect(xml, true),
            [
                ("slide 1".to_string(), "en".to_string()),
                ("notes 1".to_string(), "notat".to_string()),
                ("slide 2".to_string(), "to".to_string()),
            ]
        );
    }

    #[test]
    fn broken_xml_keeps_what_was_read() {
        let xml =
            format!(r#"<w:document {W}><w:body><w:p><w:r><w:t>hei</w:t></w:r></w:p><w:p></w:x>"#);
        let mut c = TextCollector::new(Some("document"), false);
        assert!(c.read(xml.as_bytes()).is_err());
        assert_eq!(c.into_parts().0[0].text, "hei");
    }

    #[test]
    fn properties_are_name_value_lines() {
        let core = r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
            xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>kari@firma.no</dc:creator>
            <cp:lastModifiedBy>Ola &amp; Kari</cp:lastModifiedBy><dc:title></dc:title></cp:coreProperties>"#;
        let custom = r#"<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
            xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">
            <property fmtid="x" pid="2" name="Saksbehandler"><vt:lpwstr>Per</vt:lpwstr></property></Properties>"#;
        let mut lines = Vec::new();
        read_properties(core.as_bytes(), &mut lines).unwrap();
        read_properties(custom.as_bytes(), &mut lines).unwrap();
        assert_eq!(
            lines,
            [
                "creator: kari@firma.no",
                "lastModifiedBy: Ola & Kari",
                "Saksbehandler: Per"
            ]
        );
    }

    #[test]
    fn relationships_and_slide_order() {
        let rels = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
            <Relationship Id="rId2" Type="http://x/slide" Target="slides/slide2.xml"/>
            <Relationship Id="rId3" Type="http://x/notesSlide" Target="../notesSlides/notesSlide1.xml"/>
            <Relationship Id="rId4" Type="http://x/hyperlink" Target="mailto:a@b.no" TargetMode="External"/>
            </Relationships>"#;
        let r = read_relationships(rels.as_bytes(), "ppt/presentation.xml").unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].target, "ppt/slides/slide2.xml");
        assert_eq!(r[1].target, "notesSlides/notesSlide1.xml");
        assert_eq!(resolve_path("ppt/slides", "/ppt/x.xml"), "ppt/x.xml");
        let pres = r#"<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"
            xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
            <p:sldIdLst><p:sldId id="257" r:id="rId3"/><p:sldId id="256" r:id="rId2"/></p:sldIdLst></p:presentation>"#;
        assert_eq!(read_slide_ids(pres.as_bytes()).unwrap(), ["rId3", "rId2"]);
    }
}
