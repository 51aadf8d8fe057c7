//! Format detection by content: magic bytes, then for zip and OLE2 containers a look at the
//! member / stream names (a `.docx` renamed to `.pdf` is still a docx). The file name is only
//! used to call delimited text CSV and to notice a file whose content does not match its
//! extension.

use std::io::{Cursor, Read, Seek};

use super::text::{sniff_encoding, TextEncoding};
use super::{open_read_only, Input};

/// What a source is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Plain text (any encoding `text` reads).
    Text,
    /// Delimited text (`.csv`, `.tsv`): text, located by row and column.
    Csv,
    /// PDF.
    Pdf,
    /// Zip archive that is not one of the document formats below.
    Zip,
    /// Word document (docx, docm).
    Docx,
    /// PowerPoint presentation (pptx, pptm).
    Pptx,
    /// Excel workbook, XML (xlsx, xlsm).
    Xlsx,
    /// Excel workbook, binary (xlsb).
    Xlsb,
    /// OpenDocument text (odt).
    Odt,
    /// OpenDocument spreadsheet (ods).
    Ods,
    /// OpenDocument presentation (odp).
    Odp,
    /// Legacy Excel workbook (xls, OLE2).
    Xls,
    /// Legacy Word document (doc, OLE2).
    Doc,
    /// Legacy PowerPoint presentation (ppt, OLE2).
    Ppt,
    /// Outlook message (msg, OLE2).
    Msg,
    /// Outlook store: a personal folders file (.pst) or offline store (.ost), told apart by
    /// the client magic after the `!BDN` signature.
    Pst,
    /// An Office document encrypted with a password: an OLE2 file holding an
    /// `EncryptedPackage` stream (what Excel, Word and PowerPoint write for xlsx, docx, pptx
    /// with "Encrypt with password"; which of them it is cannot be told without the key).
    EncryptedOffice,
    /// Another OLE2 compound file.
    Ole,
    /// gzip-compressed data.
    Gzip,
    /// tar archive.
    Tar,
    /// One e-mail message (RFC 5322: `.eml`, a Maildir file): a header block at the start.
    Eml,
    /// A mailbox of messages, each starting with a `From ` line (mboxo, mboxrd).
    Mbox,
    /// Binary data in no format sporhund knows.
    Unknown,
}

impl Format {
    /// Short lower-case name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Csv => "csv",
            Format::Pdf => "pdf",
            Format::Zip => "zip",
            Format::Docx => "docx",
            Format::Pptx => "pptx",
            Format::Xlsx => "xlsx",
            Format::Xlsb => "xlsb",
            Format::Odt => "odt",
            Format::Ods => "ods",
            Format::Odp => "odp",
            Format::Xls => "xls",
            Format::Doc => "doc",
            Format::Ppt => "ppt",
            Format::Msg => "msg",
            Format::Pst => "pst",
            Format::EncryptedOffice => "encrypted office document",
            Format::Ole => "ole2",
            Format::Gzip => "gzip",
            Format::Tar => "tar",
            Format::Eml => "eml",
            Format::Mbox => "mbox",
            Format::Unknown => "unknown",
        }
    }

    /// Mail formats: their messages are selected by date, not the file by modification time.
    pub fn is_mail(self) -> bool {
        matches!(self, Format::Eml | Format::Mbox | Format::Msg)
    }

    /// The format a file extension claims, for telling a user that content and name disagree.
    pub fn claimed_by_extension(name: &str) -> Option<Format> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        Some(match ext.as_str() {
            "pdf" => Format::Pdf,
            "zip" => Format::Zip,
            "docx" | "docm" => Format::Docx,
            "pptx" | "pptm" => Format::Pptx,
            "xlsx" | "xlsm" => Format::Xlsx,
            "xlsb" => Format::Xlsb,
            "odt" => Format::Odt,
            "ods" => Format::Ods,
            "odp" => Format::Odp,
            "xls" => Format::Xls,
            "doc" => Format::Doc,
            "ppt" => Format::Ppt,
            "msg" => Format::Msg,
            "pst" | "ost" => Format::Pst,
            "gz" | "tgz" => Format::Gzip,
            "tar" => Format::Tar,
            _ => return None,
        })
    }
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const ZIP_EMPTY: &[u8] = b"PK\x05\x06";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
/// NDB header signature of .pst and .ost files (MS-PST 2.2.2.6, `dwMagic`).
const PST_MAGIC: &[u8] = b"!BDN";

/// Detects the format of `input` from its first bytes `head` (and, for containers, its
/// directory). `name` is the file or member name.
pub fn sniff(input: Input<'_>, head: &[u8], name: &str) -> Format {
    if head.starts_with(ZIP_MAGIC) || head.starts_with(ZIP_EMPTY) {
        return with_reader(input, zip_format).unwrap_or(Format::Zip);
    }
    if head.starts_with(OLE_MAGIC) {
        return with_reader(input, ole_format).unwrap_or(Format::Ole);
    }
    // `wMagicClient` at offset 8: "SM" for a .pst, "SO" for an .ost.
    if head.starts_with(PST_MAGIC) && matches!(head.get(8..10), Some(b"SM" | b"SO")) {
        return Format::Pst;
    }
    // PDF readers accept the header anywhere in the first kilobyte (after junk some
    // producers write); a text that merely mentions "%PDF-" must stay text, so junk before the
    // header is only accepted when the name says PDF.
    let trimmed = head.trim_ascii_start();
    let named_pdf = Format::claimed_by_extension(name) == Some(Format::Pdf);
    if trimmed.starts_with(b"%PDF-")
        || (named_pdf && memchr::memmem::find(&head[..head.len().min(1024)], b"%PDF-").is_some())
    {
        return Format::Pdf;
    }
    if head.starts_with(&[0x1F, 0x8B]) {
        return Format::Gzip;
    }
    if head.len() >= 262 && &head[257..262] == b"ustar" {
        return Format::Tar;
    }
    if let Some(encoding) = sniff_encoding(head) {
        if encoding == TextEncoding::Utf8OrWindows1252 {
            if let Some(mail) = super::mail::sniff(head) {
                return mail;
            }
        }
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".csv") || lower.ends_with(".tsv") {
            return Format::Csv;
        }
        return Format::Text;
    }
    Format::Unknown
}

fn with_reader(input: Input<'_>, f: fn(&mut dyn ReadSeek) -> Option<Format>) -> Option<Format> {
    match input {
        Input::File(path) => f(&mut open_read_only(path).ok()?),
        Input::Bytes(bytes) => f(&mut Cursor::new(bytes)),
    }
}

/// `Read + Seek` as one object-safe trait.
pub trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

/// Tells Office/OpenDocument files from plain zip archives by their members.
fn zip_format(reader: &mut dyn ReadSeek) -> Option<Format> {
    let mut archive = zip::ZipArchive::new(reader).ok()?;
    let has = |archive: &zip::ZipArchive<&mut dyn ReadSeek>, name: &str| {
        archive.index_for_name(name).is_some()
    };
    if has(&archive, "[Content_Types].xml") {
        if has(&archive, "word/document.xml") {
            return Some(Format::Docx);
        }
        if has(&archive, "xl/workbook.xml") {
            return Some(Format::Xlsx);
        }
        if has(&archive, "xl/workbook.bin") {
            return Some(Format::Xlsb);
        }
        if has(&archive, "ppt/presentation.xml") {
            return Some(Format::Pptx);
        }
    }
    if let Ok(mut m) = archive.by_name("mimetype") {
        let mut mime = String::new();
        (&mut m).take(100).read_to_string(&mut mime).ok()?;
        return Some(match mime.trim() {
            "application/vnd.oasis.opendocument.text" => Format::Odt,
            "application/vnd.oasis.opendocument.spreadsheet" => Format::Ods,
            "application/vnd.oasis.opendocument.presentation" => Format::Odp,
            _ => Format::Zip,
        });
    }
    Some(Format::Zip)
}

/// Tells the OLE2 formats apart by their streams.
fn ole_format(reader: &mut dyn ReadSeek) -> Option<Format> {
    let file = cfb::CompoundFile::open(reader).ok()?;
    let names: Vec<String> = file
        .walk()
        .map(|e| e.name().to_string())
        .take(10_000)
        .collect();
    let has = |n: &str| names.iter().any(|x| x.eq_ignore_ascii_case(n));
    Some(if has("EncryptedPackage") {
        Format::EncryptedOffice
    } else if has("Workbook") || has("Book") {
        Format::Xls
    } else if has("WordDocument") {
        Format::Doc
    } else if has("PowerPoint Document") {
        Format::Ppt
    } else if names.iter().any(|n| n.starts_with("__substg1.0_")) {
        Format::Msg
    } else {
        Format::Ole
    })
}

/// The kind of image `head` starts, by its magic bytes (images hold no text to search).
pub fn image_kind(head: &[u8]) -> Option<&'static str> {
    let starts = |m: &[u8]| head.starts_with(m);
    if starts(b"\x89PNG\r\n\x1a\n") {
        Some("PNG")
    } else if starts(b"\xff\xd8\xff") {
        Some("JPEG")
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some("GIF")
    } else if starts(b"II*\0") || starts(b"MM\0*") {
        Some("TIFF")
    } else if starts(b"BM") && head.len() >= 14 {
        Some("BMP")
    } else if starts(b"RIFF") && head.get(8..12) == Some(b"WEBP") {
        Some("WebP")
    } else if starts(b"\0\0\x01\0") {
        Some("ICO")
    } else if head.get(40..44) == Some(b" EMF") {
        Some("EMF")
    } else if starts(b"\xd7\xcd\xc6\x9a") {
        Some("WMF")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_with(names: &[(&str, &str)]) -> Vec<u8> {
        let mut buf = Cursor::new(Vec::new());
        {
            let mut w = zip::ZipWriter::new(&mut buf);
            for (n, content) in names {
                w.start_file(*n, zip::write::SimpleFileOptions::default())
                    .unwrap();
                w.write_all(content.as_bytes()).unwrap();
            }
            w.finish().unwrap();
        }
        buf.into_inner()
    }

    fn of(bytes: &[u8], name: &str) -> Format {
        sniff(Input::Bytes(bytes), &bytes[..bytes.len().min(8192)], name)
    }

    #[test]
    fn zip_family_by_members_not_name() {
        let docx = zip_with(&[("[Content_Types].xml", ""), ("word/document.xml", "")]);
        assert_eq!(of(&docx, "rapport.pdf"), Format::Docx);
        let xlsx = zip_with(&[("[Content_Types].xml", ""), ("xl/workbook.xml", "")]);
        assert_eq!(of(&xlsx, "a.zip"), Format::Xlsx);
        let odt = zip_with(&[("mimetype", "application/vnd.oasis.opendocument.text")]);
        assert_eq!(of(&odt, "x"), Format::Odt);
        let plain = zip_with(&[("a.txt", "hei")]);
        assert_eq!(of(&plain, "x.docx"), Format::Zip);
    }

    #[test]
    fn magic_bytes() {
        assert_eq!(of(b"%PDF-1.7\n...", "x.txt"), Format::Pdf);
        assert_eq!(of(b"junk\n%PDF-1.7\n...", "x.pdf"), Format::Pdf);
        assert_eq!(of(b"Filen starter med %PDF-1.7", "notat.txt"), Format::Text);
        assert_eq!(of(&[0x1F, 0x8B, 8, 0, 0, 0], "x"), Format::Gzip);
        assert_eq!(of(b"navn;fnr\nKari;1\n", "liste.CSV"), Format::Csv);
        assert_eq!(of(b"hei", "x.pdf"), Format::Text);
        assert_eq!(of(&[0, 1, 2, 3, 0, 0, 0, 9], "x"), Format::Unknown);
        assert_eq!(Format::claimed_by_extension("a.Docx"), Some(Format::Docx));
        assert_eq!(of(b"!BDN\x01\x02\x03\x04SM\x17\x00", "x"), Format::Pst);
        assert_eq!(of(b"!BDN\x01\x02\x03\x04SO\x24\x00", "x"), Format::Pst);
        assert_eq!(
            of(b"!BDN\x01\x02\x03\x04XX\x24\x00", "x.pst"),
            Format::Unknown
        );
        assert_eq!(Format::claimed_by_extension("Arkiv.OST"), Some(Format::Pst));
    }

    #[test]
    fn images_are_told_apart() {
        assert_eq!(image_kind(b"\x89PNG\r\n\x1a\n...."), Some("PNG"));
        assert_eq!(image_kind(b"\xff\xd8\xff\xe0..JFIF"), Some("JPEG"));
        assert_eq!(image_kind(b"GIF89a...."), Some("GIF"));
        assert_eq!(image_kind(b"RIFF\0\0\0\0WEBPVP8 "), Some("WebP"));
        assert_eq!(image_kind(b"plain text"), None);
        assert_eq!(image_kind(b""), None);
    }
}
