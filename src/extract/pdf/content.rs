//! Content-stream interpreter: the text operators, the parts of the graphics state they
//! depend on (CTM, `q`/`Q`, text state), and Form XObjects, which are run in place with
//! their own matrix and resources (recursively, with a depth and loop guard).
//!
//! lopdf parses the operators; this module keeps the text matrix so that every shown string
//! is placed on the page, and hands the pieces to [`Layout`].

use std::borrow::Cow;
use std::collections::HashMap;
use std::rc::Rc;

use lopdf::content::Content;
use lopdf::{Dictionary, Document, Object, ObjectId, Stream};

use super::font::Font;
use super::layout::{Layout, Piece};
use super::objects::{self, deref, dict_entry, number};
use crate::extract::{Budget, ExtractError};

/// Deepest nesting of Form XObjects followed.
const MAX_FORM_DEPTH: usize = 16;
/// Deepest `q` nesting kept (deeper saves are ignored).
const MAX_SAVE_DEPTH: usize = 256;
/// Most operators run for one page, Form XObjects included.
const MAX_PAGE_OPERATIONS: usize = 10_000_000;
/// Most operators run for one file (about ten seconds of work).
const MAX_FILE_OPERATIONS: usize = 100_000_000;
/// Most decompressed Form XObject bytes kept for reuse across pages.
const FORM_CACHE_BYTES: usize = 64 << 20;

/// What one page gave.
#[derive(Debug, Default)]
pub struct PageText {
    /// The page's text, one line per line.
    pub text: String,
    /// Whether the page (or a form on it) draws an image.
    pub has_images: bool,
    /// Characters shown in composite fonts without a Unicode mapping (not readable).
    pub unmapped: usize,
    /// Parts of the page that could not be read; the rest was.
    pub problems: Vec<ExtractError>,
}

/// Runs page content streams; keeps fonts and forms that pages share.
pub struct Interpreter<'d> {
    doc: &'d Document,
    /// Largest decompressed size of one stream.
    limit: usize,
    budget: &'d Budget,
    fonts: HashMap<usize, Rc<Font>>,
    fallback: Rc<Font>,
    forms: HashMap<usize, Rc<Vec<u8>>>,
    form_bytes: usize,
    /// Operators the file may still run.
    operations_left: usize,
}

impl<'d> Interpreter<'d> {
    /// An interpreter for `doc`; every decompressed stream is charged to `budget`.
    pub fn new(doc: &'d Document, limit: usize, budget: &'d Budget) -> Self {
        Interpreter {
            doc,
            limit,
            budget,
            fonts: HashMap::new(),
            fallback: Rc::new(Font::fallback()),
            forms: HashMap::new(),
            form_bytes: 0,
            operations_left: MAX_FILE_OPERATIONS,
        }
    }

    /// The text of a page. `Err` when the file's decompression budget or its operator limit
    /// is spent (the pages before were read).
    pub fn page(&mut self, page_id: ObjectId) -> Result<PageText, ExtractError> {
        if self.operations_left == 0 {
            return Err(ExtractError::Limit(format!(
                "more than {MAX_FILE_OPERATIONS} drawing operations in the file; the rest was \
                 not read"
            )));
        }
        let allowed = self.operations_left.min(MAX_PAGE_OPERATIONS);
        let mut page = PageRun {
            interpreter: self,
            layout: Layout::default(),
            operations_left: allowed,
            form_stack: Vec::new(),
            out: PageText::default(),
            cut: false,
            fatal: None,
        };
        match page
            .interpreter
            .doc
            .get_page_content_with_limit(page_id, page.interpreter.limit)
        {
            Ok(content) => {
                page.interpreter.budget.charge(content.len() as u64)?;
                let resources = page_resources(page.interpreter.doc, page_id);
                page.run(&content, &resources, GState::default());
            }
            Err(e) => page.out.problems.push(stream_error(&e)),
        }
        let used = allowed - page.operations_left;
        page.interpreter.operations_left -= used;
        if let Some(e) = page.fatal {
            return Err(e);
        }
        let mut out = page.out;
        out.text = page.layout.finish();
        Ok(out)
    }

    fn font(&mut self, dict: &'d Dictionary) -> Rc<Font> {
        let key = dict as *const Dictionary as usize;
        let (doc, limit) = (self.doc, self.limit);
        self.fonts
            .entry(key)
            .or_insert_with(|| Rc::new(Font::new(doc, dict, limit)))
            .clone()
    }

    fn form_content(&mut self, stream: &Stream) -> Result<Rc<Vec<u8>>, ExtractError> {
        let key = stream as *const Stream as usize;
        if let Some(data) = self.forms.get(&key) {
            return Ok(data.clone());
        }
        let data = objects::content(stream, self.limit).map_err(|e| stream_error(&e))?;
        self.budget.charge(data.len() as u64)?;
        let data = Rc::new(data);
        if self.form_bytes + data.len() <= FORM_CACHE_BYTES {
            self.form_bytes += data.len();
            self.forms.insert(key, data.clone());
        }
        Ok(data)
    }
}

/// A stream that could not be decompressed, as an extraction error.
pub fn stream_error(e: &lopdf::Error) -> ExtractError {
    match e {
        lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { limit }) => {
            ExtractError::Limit(format!(
                "a content stream decompresses to more than {limit} bytes"
            ))
        }
        e => ExtractError::Corrupt(format!("content stream: {e}")),
    }
}

/// The resource dictionaries of a page, its own first, then inherited ones.
fn page_resources(doc: &Document, page_id: ObjectId) -> Vec<&Dictionary> {
    let Ok((direct, ids)) = doc.get_page_resources(page_id) else {
        return Vec::new();
    };
    direct
        .into_iter()
        .chain(ids.into_iter().filter_map(|id| doc.get_dictionary(id).ok()))
        .collect()
}

/// The named resource of `category` (`Font`, `XObject`) in the first dictionary that has it.
fn resource<'d>(
    doc: &'d Document,
    resources: &[&'d Dictionary],
    category: &[u8],
    name: &[u8],
) -> Option<&'d Object> {
    resources.iter().find_map(|r| {
        let entries = dict_entry(doc, r, category)?;
        Some(deref(doc, entries.get(name).ok()?))
    })
}

/// An affine matrix `[a b c d e f]`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Matrix([f64; 6]);

impl Matrix {
    const IDENTITY: Matrix = Matrix([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);

    fn translate(tx: f64, ty: f64) -> Matrix {
        Matrix([1.0, 0.0, 0.0, 1.0, tx, ty])
    }

    fn from_numbers(items: &[Object]) -> Option<Matrix> {
        let mut m = [0.0; 6];
        if items.len() != 6 {
            return None;
        }
        for (slot, item) in m.iter_mut().zip(items) {
            *slot = number(item)?;
        }
        Some(Matrix(m))
    }

    /// `self × other`.
    fn then(&self, other: &Matrix) -> Matrix {
        let [a, b, c, d, e, f] = self.0;
        let [oa, ob, oc, od, oe, of] = other.0;
        Matrix([
            a * oa + b * oc,
            a * ob + b * od,
            c * oa + d * oc,
            c * ob + d * od,
            e * oa + f * oc + oe,
            e * ob + f * od + of,
        ])
    }
}

/// The graphics state the text operators need.
#[derive(Clone, Debug)]
struct GState {
    ctm: Matrix,
    font: Option<Rc<Font>>,
    size: f64,
    char_spacing: f64,
    word_spacing: f64,
    h_scale: f64,
    leading: f64,
    rise: f64,
}

impl Default for GState {
    fn default() -> Self {
        GState {
            ctm: Matrix::IDENTITY,
            font: None,
            size: 1.0,
            char_spacing: 0.0,
            word_spacing: 0.0,
            h_scale: 1.0,
            leading: 0.0,
            rise: 0.0,
        }
    }
}

/// The text matrix and text line matrix (reset by `BT`).
#[derive(Clone, Copy, Debug)]
struct TextPos {
    tm: Matrix,
    line: Matrix,
}

impl TextPos {
    fn new() -> Self {
        TextPos {
            tm: Matrix::IDENTITY,
            line: Matrix::IDENTITY,
        }
    }

    fn move_line(&mut self, tx: f64, ty: f64) {
        self.line = Matrix::translate(tx, ty).then(&self.line);
        self.tm = self.line;
    }

    fn set(&mut self, m: Matrix) {
        self.line = m;
        self.tm = m;
    }
}

/// One page being run.
struct PageRun<'i, 'd> {
    interpreter: &'i mut Interpreter<'d>,
    layout: Layout,
    operations_left: usize,
    /// Forms being run (by address), for the loop guard.
    form_stack: Vec<usize>,
    out: PageText,
    /// Whether the operator limit cut the page short.
    cut: bool,
    fatal: Option<ExtractError>,
}

impl<'d> PageRun<'_, 'd> {
    /// Runs one content stream (a page's or a form's) in graphics state `gs`.
    fn run(&mut self, content: &[u8], resources: &[&'d Dictionary], mut gs: GState) {
        let mut saved: Vec<GState> = Vec::new();
        let mut pos = TextPos::new();
        for op in Content::decode_iter(content) {
            let Ok(op) = op else {
                self.out.problems.push(ExtractError::Corrupt(
                    "a content stream could not be parsed to its end".into(),
                ));
                return;
            };
            if self.fatal.is_some() || !self.count_operation() {
                return;
            }
            let args = op.operands.as_slice();
            match (op.operator.as_str(), args) {
                ("q", _) if saved.len() < MAX_SAVE_DEPTH => saved.push(gs.clone()),
                ("Q", _) => gs = saved.pop().unwrap_or(gs),
                ("cm", _) => {
                    if let Some(m) = Matrix::from_numbers(args) {
                        gs.ctm = m.then(&gs.ctm);
                    }
                }
                ("BT", _) => pos = TextPos::new(),
                ("Do", [Object::Name(name)]) => self.xobject(name, resources, &gs),
                ("BI", _) => self.out.has_images = true,
                (operator, _) => self.text_operator(operator, args, resources, &mut gs, &mut pos),
            }
        }
    }

    /// Counts one operator against the page's limit; false (and a problem, once) when it is
    /// spent.
    fn count_operation(&mut self) -> bool {
        if self.operations_left > 0 {
            self.operations_left -= 1;
            return true;
        }
        if !self.cut {
            self.cut = true;
            self.out.problems.push(ExtractError::Limit(format!(
                "more than {MAX_PAGE_OPERATIONS} drawing operations on one page, or too many in \
                 the file; the rest of the page was not read"
            )));
        }
        false
    }

    fn text_operator(
        &mut self,
        operator: &str,
        args: &[Object],
        resources: &[&'d Dictionary],
        gs: &mut GState,
        pos: &mut TextPos,
    ) {
        let n = |i: usize| args.get(i).and_then(number);
        match (operator, args) {
            ("Tc", _) => gs.char_spacing = n(0).unwrap_or(gs.char_spacing),
            ("Tw", _) => gs.word_spacing = n(0).unwrap_or(gs.word_spacing),
            ("Tz", _) => gs.h_scale = n(0).map_or(gs.h_scale, |s| s / 100.0),
            ("TL", _) => gs.leading = n(0).unwrap_or(gs.leading),
            ("Ts", _) => gs.rise = n(0).unwrap_or(gs.rise),
            ("Tf", [Object::Name(name), _]) => {
                gs.size = n(1).unwrap_or(gs.size);
                gs.font = self.font(resources, name);
            }
            ("Td", _) | ("TD", _) => {
                let (Some(tx), Some(ty)) = (n(0), n(1)) else {
                    return;
                };
                if operator == "TD" {
                    gs.leading = -ty;
                }
                pos.move_line(tx, ty);
            }
            ("Tm", _) => {
                if let Some(m) = Matrix::from_numbers(args) {
                    pos.set(m);
                }
            }
            ("T*", _) => pos.move_line(0.0, -gs.leading),
            ("Tj", [Object::String(s, _)]) => self.show(s, gs, pos),
            ("'", [Object::String(s, _)]) => {
                pos.move_line(0.0, -gs.leading);
                self.show(s, gs, pos);
            }
            ("\"", [_, _, Object::String(s, _)]) => {
                gs.word_spacing = n(0).unwrap_or(gs.word_spacing);
                gs.char_spacing = n(1).unwrap_or(gs.char_spacing);
                pos.move_line(0.0, -gs.leading);
                self.show(s, gs, pos);
            }
            ("TJ", [Object::Array(items)]) => {
                for item in items {
                    match item {
                        Object::String(s, _) => self.show(s, gs, pos),
                        other => {
                            let adjust = number(other).unwrap_or(0.0);
                            let tx = -adjust / 1000.0 * gs.size * gs.h_scale;
                            pos.tm = Matrix::translate(tx, 0.0).then(&pos.tm);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn font(&mut self, resources: &[&'d Dictionary], name: &[u8]) -> Option<Rc<Font>> {
        let doc = self.interpreter.doc;
        let dict = resource(doc, resources, b"Font", name)?.as_dict().ok()?;
        Some(self.interpreter.font(dict))
    }

    /// Shows a string: decodes it, advances the text matrix, and places the text.
    fn show(&mut self, bytes: &[u8], gs: &GState, pos: &mut TextPos) {
        let font = gs
            .font
            .clone()
            .unwrap_or_else(|| self.interpreter.fallback.clone());
        let render = |tm: &Matrix| {
            Matrix([gs.size * gs.h_scale, 0.0, 0.0, gs.size, 0.0, gs.rise])
                .then(tm)
                .then(&gs.ctm)
        };
        let start = render(&pos.tm);
        let mut text = String::new();
        let mut advance = 0.0;
        let unmapped = &mut self.out.unmapped;
        font.decode(bytes, &mut text, |g| {
            *unmapped += usize::from(g.unmapped);
            let spacing = gs.char_spacing + if g.word_space { gs.word_spacing } else { 0.0 };
            advance += (g.width * gs.size + spacing) * gs.h_scale;
        });
        pos.tm = Matrix::translate(advance, 0.0).then(&pos.tm);
        let end = render(&pos.tm);
        let [a, b, c, d, e, f] = start.0;
        let length = a.hypot(b);
        let direction = if length > 1e-9 && length.is_finite() {
            (a / length, b / length)
        } else {
            (1.0, 0.0)
        };
        self.layout.push(Piece {
            origin: (e, f),
            end: (end.0[4], end.0[5]),
            direction,
            size: c.hypot(d),
            text: &clean(&text),
        });
    }

    /// Runs a Form XObject in place; notes an image.
    fn xobject(&mut self, name: &[u8], resources: &[&'d Dictionary], gs: &GState) {
        let doc = self.interpreter.doc;
        let Some(Object::Stream(stream)) = resource(doc, resources, b"XObject", name) else {
            return;
        };
        match stream.dict.get(b"Subtype").and_then(Object::as_name) {
            Ok(b"Image") => self.out.has_images = true,
            Ok(b"Form") => self.form(stream, resources, gs),
            _ => {}
        }
    }

    fn form(&mut self, stream: &'d Stream, parent: &[&'d Dictionary], gs: &GState) {
        let key = stream as *const Stream as usize;
        if self.form_stack.contains(&key) {
            return; // a form that draws itself: nothing new to read
        }
        if self.form_stack.len() >= MAX_FORM_DEPTH {
            self.out.problems.push(ExtractError::Limit(format!(
                "Form XObjects nested deeper than {MAX_FORM_DEPTH} levels"
            )));
            return;
        }
        let content = match self.interpreter.form_content(stream) {
            Ok(c) => c,
            Err(e @ ExtractError::Limit(_)) if self.fatal.is_none() => {
                self.fatal = Some(e);
                return;
            }
            Err(e) => {
                self.out.problems.push(e);
                return;
            }
        };
        let doc = self.interpreter.doc;
        let matrix = match stream.dict.get(b"Matrix").map(|o| deref(doc, o)) {
            Ok(Object::Array(items)) => Matrix::from_numbers(items).unwrap_or(Matrix::IDENTITY),
            _ => Matrix::IDENTITY,
        };
        let own = dict_entry(doc, &stream.dict, b"Resources");
        let resources: Vec<&'d Dictionary> = match own {
            Some(r) => vec![r],
            None => parent.to_vec(),
        };
        let mut inner = gs.clone();
        inner.ctm = matrix.then(&gs.ctm);
        self.form_stack.push(key);
        self.run(&content, &resources, inner);
        self.form_stack.pop();
    }
}

/// Text as scanned: ligatures spelled out, control characters and U+FFFD dropped, tabs as
/// spaces.
fn clean(text: &str) -> Cow<'_, str> {
    let odd = |c: char| c.is_control() || ('\u{FB00}'..='\u{FB06}').contains(&c) || c == '\u{FFFD}';
    if !text.chars().any(odd) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' | '\n' | '\r' => out.push(' '),
            '\u{FB00}' => out.push_str("ff"),
            '\u{FB01}' => out.push_str("fi"),
            '\u{FB02}' => out.push_str("fl"),
            '\u{FB03}' => out.push_str("ffi"),
            '\u{FB04}' => out.push_str("ffl"),
            '\u{FB05}' | '\u{FB06}' => out.push_str("st"),
            c if odd(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrices_compose_like_the_pdf_reference() {
        let scale = Matrix([2.0, 0.0, 0.0, 2.0, 0.0, 0.0]);
        let shift = Matrix::translate(10.0, 20.0);
        assert_eq!(scale.then(&shift).0, [2.0, 0.0, 0.0, 2.0, 10.0, 20.0]);
        assert_eq!(shift.then(&scale).0, [2.0, 0.0, 0.0, 2.0, 20.0, 40.0]);
    }

    #[test]
    fn clean_spells_out_ligatures() {
        assert_eq!(clean("\u{FB01}rma\u{0}\tno\u{FFFD}"), "firma no");
        assert!(matches!(clean("vanlig tekst"), Cow::Borrowed(_)));
    }
}
