//! HTML → text, for mail bodies and Outlook HTML bodies.
//!
//! Not a browser: tags are removed, `script`/`style`/comments dropped, entities decoded
//! (the full HTML5 table), block elements start new lines and table cells are kept apart with
//! ` | ` so digits of neighbouring cells never join into one identifier. Addresses that only
//! appear in an attribute (`href="mailto:…"`, `tel:`) are kept after the link text, and `alt`
//! / `title` texts are kept, because personal data hides there too.

/// The readable text of an HTML document or fragment.
pub fn html_to_text(html: &str) -> String {
    let mut out = Output::with_capacity(html.len() / 2);
    let bytes = html.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let Some(lt) = memchr::memchr(b'<', &bytes[i..]).map(|p| i + p) else {
            out.text(&html[i..]);
            break;
        };
        out.text(&html[i..lt]);
        i = match parse_markup(html, lt) {
            Markup::Comment(end) => end,
            Markup::Tag(tag) => {
                let after = tag.end;
                if !tag.closing && matches!(tag.name.as_str(), "script" | "style") {
                    skip_raw_text(html, after, &tag.name)
                } else {
                    out.tag(&tag);
                    after
                }
            }
            Markup::Text => {
                out.text("<");
                lt + 1
            }
        };
    }
    out.finish()
}

/// A start or end tag.
struct Tag {
    /// Lower-case element name.
    name: String,
    closing: bool,
    /// Attribute values worth keeping as text (decoded).
    kept: Vec<String>,
    /// Byte offset just after the tag.
    end: usize,
}

enum Markup {
    /// A comment, doctype or processing instruction, ending at this offset.
    Comment(usize),
    Tag(Tag),
    /// A `<` that starts no markup.
    Text,
}

fn parse_markup(html: &str, lt: usize) -> Markup {
    let rest = &html[lt..];
    if let Some(body) = rest.strip_prefix("<!--") {
        let end = body.find("-->").map_or(html.len(), |p| lt + 4 + p + 3);
        return Markup::Comment(end);
    }
    if rest.starts_with("<!") || rest.starts_with("<?") {
        let end = rest.find('>').map_or(html.len(), |p| lt + p + 1);
        return Markup::Comment(end);
    }
    let (closing, name_start) = if rest.starts_with("</") {
        (true, 2)
    } else {
        (false, 1)
    };
    let name_len = rest[name_start..]
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b':' || *b == b'-')
        .count();
    if name_len == 0 || !rest.as_bytes()[name_start].is_ascii_alphabetic() {
        return Markup::Text;
    }
    let name = rest[name_start..name_start + name_len].to_ascii_lowercase();
    let (kept, len) = attributes(&rest[name_start + name_len..]);
    Markup::Tag(Tag {
        name,
        closing,
        kept,
        end: lt + name_start + name_len + len,
    })
}

/// Reads attributes up to and including the closing `>`; returns the kept values and the
/// number of bytes consumed. Quotes may hide a `>`.
fn attributes(s: &str) -> (Vec<String>, usize) {
    let b = s.as_bytes();
    let mut kept = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'>' => return (kept, i + 1),
            c if c.is_ascii_whitespace() || c == b'/' => i += 1,
            _ => {
                let name_start = i;
                while i < b.len()
                    && !matches!(b[i], b'=' | b'>' | b'/')
                    && !b[i].is_ascii_whitespace()
                {
                    i += 1;
                }
                let name = s[name_start..i].to_ascii_lowercase();
                while i < b.len() && b[i].is_ascii_whitespace() {
                    i += 1;
                }
                if i >= b.len() || b[i] != b'=' {
                    continue;
                }
                i += 1;
                while i < b.len() && b[i].is_ascii_whitespace() {
                    i += 1;
                }
                let value = if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                    let quote = b[i];
                    let start = i + 1;
                    let end = memchr::memchr(quote, &b[start..]).map_or(b.len(), |p| start + p);
                    i = (end + 1).min(b.len());
                    &s[start..end]
                } else {
                    let start = i;
                    while i < b.len() && b[i] != b'>' && !b[i].is_ascii_whitespace() {
                        i += 1;
                    }
                    &s[start..i]
                };
                if let Some(v) = kept_value(&name, value) {
                    kept.push(v);
                }
            }
        }
    }
    (kept, b.len())
}

/// The text of an attribute worth searching: link targets that are addresses or phone
/// numbers, and alternative / title texts.
fn kept_value(name: &str, value: &str) -> Option<String> {
    let value = html_escape::decode_html_entities(value);
    let v = value.trim();
    match name {
        "href" => {
            let lower = v.get(..7).map(str::to_ascii_lowercase).unwrap_or_default();
            if lower.starts_with("mailto:")
                || lower.starts_with("tel:")
                || lower.starts_with("sms:")
            {
                Some(v.to_string())
            } else {
                None
            }
        }
        "alt" | "title" if !v.is_empty() => Some(v.to_string()),
        _ => None,
    }
}

/// Skips the raw text of a `script` or `style` element; returns the offset after its end tag.
fn skip_raw_text(html: &str, from: usize, name: &str) -> usize {
    let close = format!("</{name}");
    let lower_rest = html[from..].to_ascii_lowercase();
    match lower_rest.find(&close) {
        Some(p) => {
            let at = from + p;
            html[at..].find('>').map_or(html.len(), |q| at + q + 1)
        }
        None => html.len(),
    }
}

/// Elements that break the line in rendered text.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "br"
            | "tr"
            | "li"
            | "ul"
            | "ol"
            | "table"
            | "thead"
            | "tbody"
            | "tfoot"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "blockquote"
            | "pre"
            | "hr"
            | "dt"
            | "dd"
            | "dl"
            | "section"
            | "article"
            | "header"
            | "footer"
            | "address"
            | "title"
            | "body"
            | "html"
            | "head"
            | "form"
            | "fieldset"
            | "figure"
            | "figcaption"
            | "caption"
            | "center"
    )
}

/// Collects text with HTML whitespace rules: runs of white space become one space, block
/// elements become line breaks.
struct Output {
    text: String,
    /// A space is owed before the next visible character.
    pending_space: bool,
    /// Line breaks owed before the next visible character.
    pending_breaks: u8,
}

impl Output {
    fn with_capacity(n: usize) -> Self {
        Output {
            text: String::with_capacity(n),
            pending_space: false,
            pending_breaks: 0,
        }
    }

    fn text(&mut self, raw: &str) {
        if raw.is_empty() {
            return;
        }
        let decoded = html_escape::decode_html_entities(raw);
        for c in decoded.chars() {
            if c.is_whitespace() {
                self.pending_space = true;
            } else {
                self.flush();
                self.text.push(c);
            }
        }
    }

    fn flush(&mut self) {
        if self.text.is_empty() {
            self.pending_breaks = 0;
            self.pending_space = false;
            return;
        }
        if self.pending_breaks > 0 {
            for _ in 0..self.pending_breaks {
                self.text.push('\n');
            }
        } else if self.pending_space {
            self.text.push(' ');
        }
        self.pending_breaks = 0;
        self.pending_space = false;
    }

    fn tag(&mut self, tag: &Tag) {
        if matches!(tag.name.as_str(), "td" | "th") && !tag.closing {
            // Separate cells so neighbouring numbers never read as one.
            if !self.text.is_empty() && !self.text.ends_with('\n') && self.pending_breaks == 0 {
                self.text.push_str(" | ");
                self.pending_space = false;
            }
        } else if is_block(&tag.name) {
            let breaks = if tag.name == "br" {
                1
            } else {
                1.max(self.pending_breaks)
            };
            self.pending_breaks = breaks.max(self.pending_breaks).min(2);
            if tag.name == "br" && self.pending_breaks == 1 && self.text.ends_with('\n') {
                // <br><br> keeps an empty line.
                self.text.push('\n');
            }
        }
        for value in &tag.kept {
            self.pending_space = true;
            self.text(value);
            self.pending_space = true;
        }
    }

    fn finish(mut self) -> String {
        let trimmed = self.text.trim_end().len();
        self.text.truncate(trimmed);
        self.text
    }
}

#[cfg(test)]
mod tests {
    use super::html_to_text;

    #[test]
    fn cells_and_entities_are_read() {
        let t =
            html_to_text("<table><tr><td>01019012345</td><td>ola&#64;example.no</td></tr></table>");
        assert_eq!(t, "01019012345 | ola@example.no");
    }

    #[test]
    fn neighbouring_cells_never_join() {
        let t = html_to_text("<tr><td>010190</td><td>12345</td></tr>");
        assert_eq!(t, "010190 | 12345");
    }

    #[test]
    fn blocks_break_lines_and_whitespace_collapses() {
        let t = html_to_text("<p>Hei   Ola,</p>\n<p>fnr:<br>010190&nbsp;12345</p>");
        assert_eq!(t, "Hei Ola,\nfnr:\n010190 12345");
    }

    #[test]
    fn scripts_styles_and_comments_are_dropped() {
        let t = html_to_text(
            "<style>p{color:red}</style><script>var x='<p>'</script><!-- 01019012345 -->tekst",
        );
        assert_eq!(t, "tekst");
    }

    #[test]
    fn addresses_in_attributes_are_kept() {
        let t = html_to_text(
            r#"Skriv til <a href="mailto:kari&#64;example.no">Kari</a> eller <a href='tel:+4791234567'>ring</a>.<img alt="Ola Nordmann">"#,
        );
        assert_eq!(
            t,
            "Skriv til mailto:kari@example.no Kari eller tel:+4791234567 ring. Ola Nordmann"
        );
    }

    #[test]
    fn stray_angle_brackets_and_broken_markup_survive() {
        assert_eq!(html_to_text("1 < 2 og 3 > 2"), "1 < 2 og 3 > 2");
        assert_eq!(html_to_text("<p unterminated"), "");
        assert_eq!(html_to_text("tekst <a href=\"x"), "tekst");
        assert_eq!(html_to_text("<<<>>>&&&;"), "<<<>>>&&&;");
    }
}
