//! Our reader against calamine's on the same workbooks: generated ones (every cell type, rich
//! and inline strings, dates with built-in and custom formats, odd sheet names, cells and rows
//! without `r`), the fixtures, and damaged copies of both. Sheet lists, every cell value and
//! position, and every error message must be the same.

use std::io::{Cursor, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};

use calamine::{Data, Reader, SheetType, Xlsx};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use zip::write::SimpleFileOptions;
use zip::ZipArchive;

use super::Workbook;
use crate::extract::archive::members::Members;

/// What a reader made of a workbook: the error that stopped it opening, or per sheet its
/// name, kind, visibility, cells and the error that stopped it.
type Read = Result<Vec<SheetRead>, String>;
type SheetRead = (String, String, Vec<(u32, u32, Data)>, Option<String>);

fn ours(bytes: &[u8]) -> Read {
    let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let mut members = Members::default();
    let book = Workbook::open(&mut zip, &mut members).map_err(|e| e.to_string())?;
    let mut sheets = Vec::new();
    for sheet in &book.sheets {
        let (mut cells, mut error) = (Vec::new(), None);
        if sheet.typ == SheetType::WorkSheet {
            let read =
                book.read_cells(&mut zip, &mut members, &sheet.name, |row, column, value| {
                    cells.push((row, column, Data::from(value)))
                });
            error = read.err().map(|e| e.to_string());
        }
        let kind = format!("{:?} {:?}", sheet.typ, sheet.visible);
        sheets.push((sheet.name.clone(), kind, cells, error));
    }
    Ok(sheets)
}

/// calamine's reading, as the extractor used it; `None` when calamine panicked.
fn calamines(bytes: &[u8]) -> Option<Read> {
    catch_unwind(AssertUnwindSafe(|| {
        let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
        let mut sheets = Vec::new();
        for sheet in book.sheets_metadata().to_vec() {
            let (mut cells, mut error) = (Vec::new(), None);
            if sheet.typ == SheetType::WorkSheet {
                match book.worksheet_cells_reader(&sheet.name) {
                    Ok(mut reader) => loop {
                        match reader.next_cell() {
                            Ok(Some(cell)) => {
                                let (row, column) = cell.get_position();
                                cells.push((row, column, Data::from(cell.get_value().clone())));
                            }
                            Ok(None) => break,
                            Err(e) => {
                                error = Some(e.to_string());
                                break;
                            }
                        }
                    },
                    Err(e) => error = Some(e.to_string()),
                }
            }
            let kind = format!("{:?} {:?}", sheet.typ, sheet.visible);
            sheets.push((sheet.name, kind, cells, error));
        }
        Ok(sheets)
    }))
    .ok()
}

fn zip_of(members: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut w = zip::ZipWriter::new(&mut out);
    for (name, bytes) in members {
        w.start_file(name.as_str(), SimpleFileOptions::default())
            .unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap();
    out.into_inner()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// A generated sheet: name, state, and its rows' XML.
#[derive(Debug, Clone)]
struct GenSheet {
    name: String,
    state: &'static str,
    rows: String,
}

/// A generated workbook's parts.
#[derive(Debug, Clone)]
struct GenBook {
    sheets: Vec<GenSheet>,
    shared: Vec<String>,
    num_fmts: Vec<(u32, &'static str)>,
    xf_formats: Vec<&'static str>,
    date1904: bool,
}

impl GenBook {
    fn members(&self) -> Vec<(String, Vec<u8>)> {
        let mut m = vec![(
            "_rels/.rels".to_string(),
            format!(
                "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
                 <Relationship Id=\"rId1\" Type=\"{REL}/officeDocument\" Target=\"xl/workbook.xml\"/>\
                 </Relationships>"
            ),
        )];
        let mut sheets = String::new();
        let mut rels = String::new();
        for (i, s) in self.sheets.iter().enumerate() {
            sheets += &format!(
                "<sheet name=\"{}\" sheetId=\"{}\" state=\"{}\" r:id=\"rId{}\"/>",
                escape(&s.name),
                i + 1,
                s.state,
                i + 1
            );
            rels += &format!(
                "<Relationship Id=\"rId{}\" Type=\"{REL}/worksheet\" Target=\"worksheets/sheet{}.xml\"/>",
                i + 1,
                i + 1
            );
            m.push((
                format!("xl/worksheets/sheet{}.xml", i + 1),
                format!(
                    "<worksheet xmlns=\"{MAIN}\"><dimension ref=\"A1:C3\"/><sheetData>{}</sheetData></worksheet>",
                    s.rows
                ),
            ));
        }
        let pr = if self.date1904 {
            "<workbookPr date1904=\"1\"/>"
        } else {
            "<workbookPr/>"
        };
        m.push((
            "xl/workbook.xml".into(),
            format!(
                "<workbook xmlns=\"{MAIN}\" xmlns:r=\"{REL}\">{pr}<sheets>{sheets}</sheets>\
                 <definedNames><definedName name=\"x\">Sheet1!$A$1&amp;\"\"</definedName></definedNames></workbook>"
            ),
        ));
        m.push((
            "xl/_rels/workbook.xml.rels".into(),
            format!(
                "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">{rels}\
                 <Relationship Id=\"rIdS\" Type=\"{REL}/styles\" Target=\"styles.xml\"/></Relationships>"
            ),
        ));
        let fmts: String = self
            .num_fmts
            .iter()
            .map(|(id, code)| {
                format!(
                    "<numFmt numFmtId=\"{id}\" formatCode=\"{}\"/>",
                    escape(code)
                )
            })
            .collect();
        let xfs: String = self
            .xf_formats
            .iter()
            .map(|id| format!("<xf numFmtId=\"{id}\" fontId=\"0\" fillId=\"0\" borderId=\"0\"><alignment horizontal=\"left\"/></xf>"))
            .collect();
        m.push((
            "xl/styles.xml".into(),
            format!(
                "<styleSheet xmlns=\"{MAIN}\"><numFmts count=\"{}\">{fmts}</numFmts>\
                 <fonts count=\"1\"><font><b/><sz val=\"11\"/><color theme=\"1\"/><name val=\"Calibri\"/></font></fonts>\
                 <fills count=\"1\"><fill><patternFill patternType=\"none\"/></fill></fills>\
                 <borders count=\"1\"><border><left/><right style=\"thin\"><color rgb=\"FF000000\"/></right><diagonal/></border></borders>\
                 <cellXfs count=\"{}\">{xfs}</cellXfs></styleSheet>",
                self.num_fmts.len(),
                self.xf_formats.len()
            ),
        ));
        let sst: String = self
            .shared
            .iter()
            .map(|s| format!("<si>{s}</si>"))
            .collect();
        m.push((
            "xl/sharedStrings.xml".into(),
            format!(
                "<sst xmlns=\"{MAIN}\" uniqueCount=\"{}\">{sst}</sst>",
                self.shared.len()
            ),
        ));
        m.into_iter().map(|(n, x)| (n, x.into_bytes())).collect()
    }
}

fn text() -> impl Strategy<Value = String> + Clone {
    prop::collection::vec(
        prop::sample::select(vec![
            "Kari",
            " ",
            "Nordmann",
            "15108695088",
            "&amp;",
            "&lt;b&gt;",
            "&#248;",
            "_x000D_",
            "_x005F_x000D_",
            "_xD83D__xDCF7_",
            "\t",
            "\n",
            "æøå",
            "\"",
            "'",
            "1.5",
            "",
        ]),
        0..5,
    )
    .prop_map(|parts| parts.concat())
}

/// The content of a string item (`<si>`, `<is>`).
fn string_item() -> impl Strategy<Value = String> {
    let t = text();
    prop_oneof![
        t.clone().prop_map(|s| format!("<t>{s}</t>")),
        t.clone().prop_map(|s| format!("<t xml:space=\"preserve\">{s}</t>")),
        (t.clone(), t.clone()).prop_map(|(a, b)| format!(
            "<r><rPr><b/><sz val=\"11\"/></rPr><t>{a}</t></r><r><t xml:space=\"preserve\">{b}</t></r>"
        )),
        (t.clone(), t.clone()).prop_map(|(a, b)| format!(
            "<t>{a}</t><rPh sb=\"0\" eb=\"1\"><t>{b}</t></rPh><phoneticPr fontId=\"1\"/>"
        )),
        (t.clone(), t).prop_map(|(a, b)| format!("<t>{a}</t><r><t>{b}</t></r>")),
        Just(String::new()),
    ]
}

/// A cell's attributes after `r` and its content.
fn cell_body() -> impl Strategy<Value = String> {
    let number = prop::sample::select(vec![
        "0",
        "1",
        "-3",
        "15108695088",
        "4791234567",
        "1912451204",
        "1234.5",
        "1e3",
        "45597",
        "45597.5",
        "0.25",
        "1.5",
        "0.1",
        "-45597",
        "abc",
        "",
        " 5",
        "1E+300",
    ]);
    let style = prop::option::of(prop::sample::select(vec![
        "0", "1", "2", "3", "4", "9", "x",
    ]));
    let styled = |s: Option<&str>| s.map_or(String::new(), |s| format!(" s=\"{s}\""));
    prop_oneof![
        (number.clone(), style.clone()).prop_map(move |(v, s)| format!("{}><v>{v}</v>", styled(s))),
        (number.clone(), style).prop_map(move |(v, s)| format!("{} t=\"n\"><v>{v}</v>", styled(s))),
        (0..4usize).prop_map(|i| format!(" t=\"s\"><v>{i}</v>")),
        string_item().prop_map(|s| format!(" t=\"inlineStr\"><is>{s}</is>")),
        prop::sample::select(vec!["0", "1", "true", "FALSE", " 1 ", ""])
            .prop_map(|b| format!(" t=\"b\"><v>{b}</v>")),
        prop::sample::select(vec![
            "#N/A", "#DIV/0!", "#REF!", "#NAME?", "#VALUE!", "#NUM!", "#NULL!"
        ])
        .prop_map(|e| format!(" t=\"e\"><f>1/0</f><v>{e}</v>")),
        text().prop_map(|s| format!(" t=\"str\"><f>A1&amp;B1</f><v>{s}</v>")),
        number.prop_map(|v| format!(" s=\"1\"><f>SUM(A1:A2)</f><v>{v}</v>")),
        Just(" t=\"d\"><v>2024-11-01T13:45:00</v>".to_string()),
        Just(" s=\"1\">".to_string()),
        Just(">".to_string()),
    ]
}

fn rows() -> impl Strategy<Value = String> {
    let cell = (any::<bool>(), 0..30u32, any::<bool>(), cell_body());
    let row = (any::<bool>(), prop::collection::vec(cell, 0..6));
    prop::collection::vec(row, 0..5).prop_map(|rows| {
        let mut xml = String::new();
        for (i, (has_r, cells)) in rows.into_iter().enumerate() {
            let r = 2 * i + 1;
            xml += &if has_r {
                format!("<row r=\"{r}\">")
            } else {
                "<row>".into()
            };
            for (j, (cell_r, gap, empty, body)) in cells.into_iter().enumerate() {
                let column = (b'A' + ((j as u32 * 2 + gap) % 26) as u8) as char;
                let at = if cell_r {
                    format!(" r=\"{column}{r}\"")
                } else {
                    String::new()
                };
                xml += &if empty && body == ">" {
                    format!("<c{at}/>")
                } else {
                    format!("<c{at}{body}</c>")
                };
            }
            xml += "</row>";
        }
        xml
    })
}

fn book() -> impl Strategy<Value = GenBook> {
    let name = prop::sample::select(vec![
        "Ark1",
        "Ansatte 2024",
        "Ø&Å",
        "a<b>",
        "'sitert'",
        "navn \"x\"",
        "[1]",
        "æ ø",
    ]);
    let state = prop::sample::select(vec!["visible", "hidden", "veryHidden"]);
    let sheet = (name, state, rows()).prop_map(|(name, state, rows)| GenSheet {
        name: name.to_string(),
        state,
        rows,
    });
    let code = prop::sample::select(vec![
        "yyyy-mm-dd",
        "[h]:mm:ss",
        "0.00",
        "dd/mm/yyyy hh:mm",
        "\"Y\"0",
        "General",
        "mm:ss",
        "#,##0*y",
        "h:mm AM/PM",
        "[Red]0.0",
        "@",
    ]);
    let xf = prop::sample::select(vec![
        "0", "14", "22", "46", "164", "165", "166", "49", "47", "014",
    ]);
    (
        prop::collection::vec(sheet, 1..4),
        prop::collection::vec(string_item(), 0..4),
        prop::collection::vec(code, 3),
        prop::collection::vec(xf, 0..6),
        any::<bool>(),
    )
        .prop_map(|(sheets, shared, codes, xf_formats, date1904)| GenBook {
            sheets,
            shared,
            num_fmts: codes
                .into_iter()
                .enumerate()
                .map(|(i, c)| (164 + i as u32, c))
                .collect(),
            xf_formats,
            date1904,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn generated_workbooks_read_as_calamine_reads_them(book in book()) {
        let bytes = zip_of(&book.members());
        if let Some(expected) = calamines(&bytes) {
            prop_assert_eq!(ours(&bytes), expected);
        }
    }
}

/// Hand-written cases the generator does not make.
#[test]
fn odd_workbooks_read_as_calamine_reads_them() {
    let base = GenBook {
        sheets: vec![GenSheet {
            name: "Ark1".into(),
            state: "visible",
            rows: "<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>".into(),
        }],
        shared: vec!["<t>a</t>".into()],
        num_fmts: vec![(164, "yyyy-mm-dd")],
        xf_formats: vec!["0", "164"],
        date1904: false,
    };
    let replace = |part: &str, from: &str, to: &str| {
        let mut m = base.members();
        let (_, bytes) = m.iter_mut().find(|(n, _)| n == part).unwrap();
        let text = String::from_utf8(bytes.clone())
            .unwrap()
            .replacen(from, to, 1);
        *bytes = text.into_bytes();
        m
    };
    let sheet = "xl/worksheets/sheet1.xml";
    // The sheet with its one cell written otherwise.
    let cell = |to: &str| replace(sheet, "<c r=\"A1\"><v>1</v></c>", to);
    let cases = [
        replace(sheet, "<v>1</v>", "<v>1</v><v>2</v>"),
        cell("<c r=\"A1\" t=\"x\"><v>1</v></c>"),
        cell("<c r=\"A1\" t=\"s\"><v>7</v></c>"),
        cell("<c r=\"A1\" t=\"b\"><v>2</v></c>"),
        cell("<c r=\"A1\" t=\"e\"><v>#BAD</v></c>"),
        cell("<c r=\"A1\" t=\"n\"><v>x</v></c>"),
        cell("<c r=\"A1\"><x/></c>"),
        cell("<c r=\"1A\"><v>1</v></c>"),
        cell("<c r=A1><v>1</v></c>"),
        cell("<c r=\"A1\" s=\"1\"><v>45597.25</v></c>"),
        cell("<c r=\"A1\"><v>1&amp;</v></c>"),
        cell("<c r=\"A1\" t=\"str\"><v>&bad;</v></c>"),
        cell("<c r=\"A1\"><v><![CDATA[5]]></v></c>"),
        replace(sheet, "<row r=\"1\">", "<row r=\"x\">"),
        replace(
            sheet,
            "<dimension ref=\"A1:C3\"/>",
            "<dimension ref=\"A1:B2:C3\"/>",
        ),
        replace(sheet, "<dimension ref=\"A1:C3\"/>", "<dimension/>"),
        replace(sheet, "<sheetData>", "<sheetPr/>"),
        replace(sheet, "</sheetData>", ""),
        replace("xl/workbook.xml", "state=\"visible\"", "state=\"odd\""),
        replace("xl/workbook.xml", "r:id=\"rId1\"", "r:id=\"rId9\""),
        replace("xl/workbook.xml", "name=\"Ark1\"", "name=\"&bad;\""),
        replace(
            "xl/workbook.xml",
            "<workbookPr/>",
            "<workbookPr date1904=\"true\"/>",
        ),
        replace("xl/workbook.xml", "</workbook>", ""),
        replace(
            "xl/_rels/workbook.xml.rels",
            "/worksheet\"",
            "/macrosheet\"",
        ),
        replace(
            "xl/_rels/workbook.xml.rels",
            "Target=\"worksheets/",
            "Target=\"/xl/worksheets/",
        ),
        replace(
            "xl/_rels/workbook.xml.rels",
            "Target=\"worksheets/sheet1",
            "Target=\"WORKSHEETS/Sheet1",
        ),
        replace(
            "xl/_rels/workbook.xml.rels",
            "Target=\"worksheets/sheet1",
            "Target=\"worksheets/none",
        ),
        replace("_rels/.rels", "officeDocument", "other"),
        replace(
            "_rels/.rels",
            "Target=\"xl/workbook.xml\"",
            "Target=\"/xl/workbook.xml\"",
        ),
        replace("xl/sharedStrings.xml", "</sst>", ""),
        replace("xl/sharedStrings.xml", "<t>a</t>", "<t>&bad;</t>"),
        replace("xl/styles.xml", "</cellXfs>", ""),
        replace(
            "xl/styles.xml",
            "numFmtId=\"164\" fontId",
            "numFmtId=164 fontId",
        ),
        replace(
            "xl/styles.xml",
            "formatCode=\"yyyy-mm-dd\"",
            "formatCode=\"&bad;\"",
        ),
        replace("xl/styles.xml", "<borders", "<borders><border><left>"),
    ];
    for (i, members) in cases.iter().enumerate() {
        let bytes = zip_of(members);
        let expected = calamines(&bytes).expect("calamine does not panic");
        assert_eq!(ours(&bytes), expected, "case {i}");
    }
    let mut without = base.members();
    for part in [
        "xl/sharedStrings.xml",
        "xl/styles.xml",
        "xl/workbook.xml",
        "_rels/.rels",
    ] {
        without.retain(|(n, _)| n != part);
        let bytes = zip_of(&without);
        assert_eq!(ours(&bytes), calamines(&bytes).unwrap(), "without {part}");
    }
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// `data` with flipped bits, a cut, or a repeated stretch.
fn damage(data: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = data.to_vec();
    match rng.below(3) {
        0 => {
            for _ in 0..1 + rng.below(4) {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
        }
        1 => out.truncate(rng.below(out.len())),
        _ => {
            let i = rng.below(out.len());
            let n = rng.below(64).min(out.len() - i);
            let piece = out[i..i + n].to_vec();
            let j = rng.below(out.len());
            out.splice(j..j, piece);
        }
    }
    out
}

fn fixture_members(name: &str) -> Vec<(String, Vec<u8>)> {
    let path = format!(
        "{}/fixtures/documents/sheets/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let data = std::fs::read(path).unwrap();
    let mut zip = ZipArchive::new(Cursor::new(data)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut m = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut m, &mut bytes).unwrap();
            (m.name().unwrap().to_string(), bytes)
        })
        .collect()
}

/// Damaged parts (not the styles, where our reader is more lenient than calamine's by
/// design) read the same by both; no damage at all makes ours panic.
#[test]
fn damaged_parts_read_as_calamine_reads_them() {
    let mut rng = Rng(0x0DD5_EED5);
    let generated = book()
        .new_tree(&mut proptest::test_runner::TestRunner::deterministic())
        .unwrap()
        .current()
        .members();
    let books = [
        fixture_members("personer.xlsx"),
        fixture_members("personer.xlsm"),
        generated,
    ];
    let (mut compared, mut differed) = (0, Vec::new());
    for case in 0..600 {
        let mut members = books[case % books.len()].clone();
        let i = rng.below(members.len());
        if members[i].1.is_empty() {
            continue;
        }
        members[i].1 = damage(&members[i].1, &mut rng);
        let bytes = zip_of(&members);
        let got = ours(&bytes);
        if members[i].0.ends_with("styles.xml") || members[i].0.contains("theme") {
            continue;
        }
        if let Some(expected) = calamines(&bytes) {
            compared += 1;
            if got != expected {
                differed.push(format!(
                    "case {case} ({}): {got:?}\n  vs {expected:?}",
                    members[i].0
                ));
            }
        }
    }
    assert!(compared > 300, "{compared} compared");
    assert!(differed.is_empty(), "{}", differed.join("\n"));
}

#[test]
fn fixtures_read_as_calamine_reads_them() {
    for name in ["personer.xlsx", "personer.xlsm", "halvferdig.xlsx"] {
        let bytes = zip_of(&fixture_members(name));
        assert_eq!(ours(&bytes), calamines(&bytes).unwrap(), "{name}");
    }
}
