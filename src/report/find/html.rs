//! A self-contained HTML subject-search report for the case file: inline CSS, no scripts, no
//! external assets. Every piece of text from the data (file names, snippets, labels) is
//! escaped, so a file named `<script>…` cannot inject anything.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::human::{counts_line, place_name, totals_line};
use super::{FindReport, Place};
use crate::detect::subject::Strength;

const STYLE: &str = "
body{font-family:system-ui,sans-serif;margin:2em;color:#1b1b1b;max-width:80em}
h1{font-size:1.5em}h2{margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0;width:100%}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f2f2f2}
.badge{display:inline-block;padding:0 .5em;border-radius:.3em;font-size:.85em;color:#fff}
.strong{background:#1a7f37}.corroborated{background:#9a6700}.weak{background:#6e7781}
article{border:1px solid #ddd;border-radius:.4em;padding:.5em 1em;margin:1em 0}
article h4{margin:.3em 0;font-family:monospace;font-size:1em;word-break:break-all}
.context,.written{font-family:monospace;white-space:pre-wrap;word-break:break-all}
.note{color:#9a3412}.incomplete{color:#b91c1c;font-weight:bold}
@media print{article{break-inside:avoid}}
";

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn badge(s: Strength) -> String {
    format!("<span class=\"badge {0}\">{0}</span>", s.label())
}

/// Writes `report` as one HTML document.
pub fn write_report(report: &FindReport, out: &mut dyn Write) -> io::Result<()> {
    let mut h = String::new();
    let _ = write_document(report, &mut h);
    out.write_all(h.as_bytes())
}

fn write_document(r: &FindReport, h: &mut String) -> std::fmt::Result {
    let s = &r.summary;
    write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"nb\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>sporhund – subject search report</title><style>{STYLE}</style></head><body>\n\
         <h1>Subject search report</h1>\n<p id=\"meta\">{} {} · started {} · {:.2} s · \
         {} files ({:.1} MB) searched in: {}</p>\n",
        escape(&r.header.tool.name),
        escape(&r.header.tool.version),
        escape(&r.header.started_at),
        r.duration_seconds,
        s.files_scanned,
        s.bytes_scanned as f64 / 1e6,
        escape(&r.header.roots.join(", "))
    )?;
    if !s.complete {
        writeln!(
            h,
            "<p class=\"incomplete\" id=\"incomplete\">INCOMPLETE: {} files or parts could not be \
             searched (listed at the end); the subjects may appear in them.</p>",
            s.errors
        )?;
    }
    h.push_str("<h2>Subjects</h2>\n<table id=\"subjects\"><tr><th>Label</th><th>Names</th><th>Fødselsnummer</th><th>E-mail</th><th>Phone</th><th>Other ids</th><th>Result</th></tr>\n");
    for subject in &r.subjects {
        let totals = s.subjects.get(&subject.label).cloned().unwrap_or_default();
        let cell = |v: &[String]| escape(&v.join(", "));
        writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&subject.label),
            cell(&subject.name),
            cell(&subject.fnr),
            cell(&subject.email),
            cell(&subject.phone),
            cell(&subject.id),
            escape(&totals_line(&totals))
        )?;
    }
    h.push_str("</table>\n<h2>Summary per store</h2>\n<table id=\"stores\"><tr><th>Store</th><th>Subject</th><th>Places</th><th>Strong</th><th>Weak</th><th>Hits</th></tr>\n");
    for (store, subjects) in &s.stores {
        for (label, t) in subjects {
            writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(store),
                escape(label),
                t.places,
                t.strong,
                t.weak,
                t.hits
            )?;
        }
    }
    h.push_str("</table>\n<h2>Places</h2>\n<p>Strong: the place holds one of the subject's identifiers. Weak: the name only, which may be a namesake. A name hit is corroborated when the same place holds one of the subject's identifiers.</p>\n");
    for subject in &r.subjects {
        writeln!(h, "<h3>{}</h3>", escape(&subject.label))?;
        let mut any = false;
        for p in r.places.iter().filter(|p| p.subject == subject.label) {
            any = true;
            write_place(p, h)?;
        }
        if !any {
            h.push_str("<p>Not found.</p>\n");
        }
    }
    if !r.errors.is_empty() {
        h.push_str("<h2>Not searched (errors)</h2>\n<table id=\"errors\"><tr><th>File</th><th>Where</th><th>Problem</th></tr>\n");
        for e in &r.errors {
            writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&e.path),
                escape(&e.location.to_string()),
                escape(&e.message)
            )?;
        }
        h.push_str("</table>\n");
    }
    h.push_str("</body></html>\n");
    Ok(())
}

fn write_place(p: &Place, h: &mut String) -> std::fmt::Result {
    writeln!(
        h,
        "<article class=\"place\" data-strength=\"{}\"><h4>{} {}</h4><p class=\"counts\">{}</p>",
        p.strength.label(),
        badge(p.strength),
        escape(&place_name(p)),
        escape(&counts_line(p))
    )?;
    for note in &p.notes {
        writeln!(h, "<p class=\"note\">{}</p>", escape(note))?;
    }
    h.push_str("<table class=\"hits\"><tr><th>Strength</th><th>Identifier</th><th>Written</th><th>Where</th><th>Context</th></tr>\n");
    for hit in &p.hits {
        let mut variant = if hit.variant.is_empty() {
            String::new()
        } else {
            format!(" ({})", hit.variant.join(", "))
        };
        if let Some(note) = &hit.note {
            variant.push_str(&format!(" — {note}"));
        }
        writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"written\">{}{}</td><td>{}</td><td class=\"context\">{}</td></tr>",
            badge(hit.strength),
            hit.identifier.label(),
            escape(&hit.written),
            escape(&variant),
            escape(&hit.location.to_string()),
            escape(&hit.context)
        )?;
    }
    h.push_str("</table></article>\n");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
    }
}
