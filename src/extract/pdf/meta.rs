//! Document metadata: the information dictionary (Author, Title, Subject, Keywords, Creator,
//! Producer and custom entries) and the XMP packet of the catalog.
//!
//! Each value is one part named `metadata <key>` (`metadata Author`, `metadata XMP
//! dc:creator`). XMP repeats the information dictionary in most files; an XMP value already
//! given by the dictionary (or earlier in the packet) is not given again, so one author is
//! one finding.

use lopdf::Document;
use quick_xml::events::Event;
use quick_xml::Reader;

use super::objects::{deref, dict_entry, stream_bytes, text_string};

/// Information dictionary entries that hold dates, not text.
const DATES: &[&[u8]] = &[b"CreationDate", b"ModDate"];

/// XMP names that say how the packet is built, not what it says.
const XMP_STRUCTURE: &[&str] = &[
    "rdf:li",
    "rdf:Alt",
    "rdf:Seq",
    "rdf:Bag",
    "rdf:Description",
    "rdf:RDF",
    "x:xmpmeta",
    "rdf:about",
    "xml:lang",
    "rdf:parseType",
    "x:xmptk",
];

/// (part name, text) of every metadata value, in file order.
pub fn metadata(doc: &Document, limit: usize) -> Vec<(String, String)> {
    let mut out = info(doc);
    let xmp = doc
        .catalog()
        .ok()
        .and_then(|c| stream_bytes(doc, c.get(b"Metadata").ok(), limit));
    if let Some(packet) = xmp {
        for (name, value) in xmp_values(&String::from_utf8_lossy(&packet)) {
            if !out.iter().any(|(_, v)| same_value(v, &value)) {
                out.push((format!("metadata XMP {name}"), value));
            }
        }
    }
    out
}

/// Whether an XMP value repeats an information dictionary value. LibreOffice escapes XMP
/// text twice (`&amp;lt;`), so entities left after one unescaping do not make a difference.
fn same_value(info: &str, xmp: &str) -> bool {
    let unescape = |s: &str| {
        s.trim()
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&")
    };
    unescape(info) == unescape(xmp)
}

/// The text entries of the information dictionary.
fn info(doc: &Document) -> Vec<(String, String)> {
    let Some(dict) = dict_entry(doc, &doc.trailer, b"Info") else {
        return Vec::new();
    };
    dict.iter()
        .filter(|(key, _)| !DATES.contains(&key.as_slice()))
        .filter_map(|(key, value)| {
            let text = text_string(deref(doc, value))?;
            let name = format!("metadata {}", String::from_utf8_lossy(key));
            (!text.trim().is_empty()).then_some((name, text))
        })
        .collect()
}

/// (element or attribute name, value) of the XMP packet's values, each value once.
fn xmp_values(xml: &str) -> Vec<(String, String)> {
    let mut reader = Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut out: Vec<(String, String)> = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                text.clear();
                let name = e.name().as_ref().to_string();
                for (key, value) in attributes(&e) {
                    add(&key, &value, &mut out);
                }
                path.push(name);
            }
            Ok(Event::Empty(e)) => {
                for (key, value) in attributes(&e) {
                    add(&key, &value, &mut out);
                }
            }
            Ok(Event::Text(t)) => text.push_str(&t.xml10_content()),
            Ok(Event::CData(t)) => text.push_str(&t),
            Ok(Event::GeneralRef(r)) => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    text.push(c);
                } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&r) {
                    text.push_str(s);
                }
            }
            Ok(Event::End(_)) => {
                if let Some(name) = path
                    .iter()
                    .rev()
                    .find(|n| !XMP_STRUCTURE.contains(&n.as_str()))
                {
                    add(name, &text, &mut out);
                }
                text.clear();
                path.pop();
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    out
}

/// Adds a value unless it is empty, an identifier (`uuid:`, `xmp.did:` …) or already there.
fn add(name: &str, value: &str, out: &mut Vec<(String, String)>) {
    let value = value.trim();
    if !value.is_empty()
        && !value.starts_with("uuid:")
        && !value.starts_with("xmp.")
        && !out.iter().any(|(_, v)| v == value)
    {
        out.push((name.to_string(), value.to_string()));
    }
}

/// The attributes of an element that carry values (not namespaces or structure).
fn attributes(e: &quick_xml::events::BytesStart<'_>) -> Vec<(String, String)> {
    e.attributes()
        .flatten()
        .filter_map(|a| {
            let key = a.key.as_ref().to_string();
            if key.starts_with("xmlns") || XMP_STRUCTURE.contains(&key.as_str()) {
                return None;
            }
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()?;
            Some((key, value.into_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xmp_values_once_with_their_element_names() {
        let xml = r#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/" pdf:Producer="Skriver 1.0">
<dc:creator><rdf:Seq><rdf:li>Kari Nordmann &lt;kari&#64;firma.no&gt;</rdf:li></rdf:Seq></dc:creator>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Søknad</rdf:li></rdf:Alt></dc:title>
<xmpMM:DocumentID xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/">uuid:1234</xmpMM:DocumentID>
<pdf:Keywords>Søknad</pdf:Keywords>
</rdf:Description></rdf:RDF></x:xmpmeta>"#;
        assert_eq!(
            xmp_values(xml),
            [
                ("pdf:Producer".to_string(), "Skriver 1.0".to_string()),
                (
                    "dc:creator".to_string(),
                    "Kari Nordmann <kari@firma.no>".to_string()
                ),
                ("dc:title".to_string(), "Søknad".to_string()),
            ]
        );
        assert!(xmp_values("<a><b>ikke lukket").is_empty());
        assert!(same_value(" Kari <k@firma.no>", "Kari &lt;k@firma.no&gt;"));
        assert!(!same_value("Kari", "Kari Nordmann"));
    }
}
