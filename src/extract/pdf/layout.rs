//! Page layout: positioned pieces of text → lines in reading order.
//!
//! Every shown string arrives with its start and end point on the page and its font size.
//! Pieces that continue each other (same baseline, next to each other) are merged as they
//! come; at the end of the page the runs are grouped into lines by baseline (top to bottom)
//! and ordered along the line (left to right), per writing direction. Between two runs of a
//! line a space is inserted only when there is a real gap (more than [`SPACE_GAP`] of the
//! font size): a font change or a kerning adjustment inside a number does not split it, and
//! a TJ word gap without a space glyph does. A gap wider than [`WIDE_GAP`] (a table column, a
//! tab stop) becomes two spaces, so numbers in neighbouring cells are not read as one
//! grouped number, while a label stays next to its value.

/// A gap wider than this fraction of the font size is a word break.
pub const SPACE_GAP: f64 = 0.15;
/// A gap wider than this fraction of the font size separates columns.
pub const WIDE_GAP: f64 = 1.0;
/// Runs whose baselines differ by less than this fraction of the font size are one line.
const SAME_LINE: f64 = 0.5;
/// A piece merges into the previous run when its baseline is this close (fraction of size).
const SAME_BASELINE: f64 = 0.2;
/// … and it starts at most this far after the run's end (fraction of size) …
const MERGE_AHEAD: f64 = 1.0;
/// … or at most this far before it (overlapping glyphs, negative kerning).
const MERGE_BEHIND: f64 = 0.5;
/// A repeated run this close to an identical one is a fake-bold overprint.
const OVERPRINT: f64 = 0.3;

/// A piece of text shown on the page.
#[derive(Clone, Copy, Debug)]
pub struct Piece<'a> {
    /// Where the first glyph's origin is (device space).
    pub origin: (f64, f64),
    /// Where the origin of a glyph after the last one would be.
    pub end: (f64, f64),
    /// Unit vector of the writing direction.
    pub direction: (f64, f64),
    /// Font size in device space.
    pub size: f64,
    /// The text.
    pub text: &'a str,
}

#[derive(Debug)]
struct Run {
    /// Writing direction in whole degrees, 0–359.
    angle: i32,
    /// Position across the writing direction (larger: earlier line).
    perp: f64,
    /// Start and end along the writing direction.
    start: f64,
    end: f64,
    size: f64,
    text: String,
}

/// Collects the text of one page.
#[derive(Debug, Default)]
pub struct Layout {
    runs: Vec<Run>,
}

impl Layout {
    /// Adds a shown piece of text.
    pub fn push(&mut self, piece: Piece<'_>) {
        if piece.text.is_empty() {
            return;
        }
        let (ux, uy) = piece.direction;
        let along = |p: (f64, f64)| p.0 * ux + p.1 * uy;
        let perp = piece.origin.1 * ux - piece.origin.0 * uy;
        let angle = (uy.atan2(ux).to_degrees().round() as i32).rem_euclid(360);
        let size = if piece.size.is_finite() && piece.size > 0.01 {
            piece.size
        } else {
            1.0
        };
        let (start, end) = (along(piece.origin), along(piece.end));
        if let Some(last) = self.runs.last_mut() {
            let size = size.max(last.size);
            let gap = start - last.end;
            if last.angle == angle
                && (perp - last.perp).abs() < SAME_BASELINE * size
                && (-MERGE_BEHIND * size..=MERGE_AHEAD * size).contains(&gap)
            {
                push_gap(&mut last.text, gap / size);
                last.text.push_str(piece.text);
                last.end = end.max(last.end);
                last.size = size;
                return;
            }
        }
        self.runs.push(Run {
            angle,
            perp,
            start,
            end,
            size,
            text: piece.text.to_string(),
        });
    }

    /// The page's text: lines separated by `\n`, writing directions in order of appearance.
    pub fn finish(self) -> String {
        let mut angles: Vec<i32> = Vec::new();
        for run in &self.runs {
            if !angles.contains(&run.angle) {
                angles.push(run.angle);
            }
        }
        let mut out = String::new();
        for angle in angles {
            let mut runs: Vec<&Run> = self.runs.iter().filter(|r| r.angle == angle).collect();
            runs.sort_by(|a, b| b.perp.total_cmp(&a.perp).then(a.start.total_cmp(&b.start)));
            for line in group_lines(&runs) {
                let text = join_line(line);
                if !text.is_empty() {
                    out.push_str(&text);
                    out.push('\n');
                }
            }
        }
        out
    }
}

/// Splits runs sorted by baseline (top first) into lines.
fn group_lines<'r, 'a>(runs: &'r [&'a Run]) -> Vec<&'r [&'a Run]> {
    let mut lines = Vec::new();
    let mut begin = 0;
    for i in 1..=runs.len() {
        let ends = match runs.get(i) {
            None => true,
            Some(run) => {
                let first = runs[begin];
                first.perp - run.perp >= SAME_LINE * first.size.max(run.size)
            }
        };
        if ends {
            lines.push(&runs[begin..i]);
            begin = i;
        }
    }
    lines
}

/// The text of one line: its runs left to right, a space where there is a gap.
fn join_line(line: &[&Run]) -> String {
    let mut runs: Vec<&Run> = line.to_vec();
    runs.sort_by(|a, b| a.start.total_cmp(&b.start));
    let mut out = String::new();
    let mut prev: Option<&Run> = None;
    for run in runs {
        if let Some(p) = prev {
            let size = p.size.max(run.size);
            if run.text == p.text && (run.start - p.start).abs() < OVERPRINT * size {
                continue;
            }
            push_gap(&mut out, (run.start - p.end) / size);
        }
        out.push_str(&run.text);
        prev = Some(run);
    }
    out.trim().to_string()
}

/// Separates text before a gap of `em` font sizes: nothing, a space, or two for a column gap
/// (counting the spaces the text already ends with).
fn push_gap(text: &mut String, em: f64) {
    let want = if em > WIDE_GAP {
        2
    } else if em > SPACE_GAP {
        1
    } else {
        0
    };
    let have = text.chars().rev().take_while(|c| *c == ' ').count();
    for _ in have..want {
        text.push(' ');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(x: f64, y: f64, width: f64, size: f64, text: &str) -> Piece<'_> {
        Piece {
            origin: (x, y),
            end: (x + width, y),
            direction: (1.0, 0.0),
            size,
            text,
        }
    }

    #[test]
    fn font_change_and_kerning_do_not_split_a_number() {
        let mut l = Layout::default();
        l.push(piece(72.0, 700.0, 33.36, 10.0, "010190"));
        l.push(piece(105.4, 700.0, 27.8, 10.0, "12345"));
        l.push(piece(135.0, 700.0, 20.0, 10.0, "neste"));
        assert_eq!(l.finish(), "01019012345 neste\n");
    }

    #[test]
    fn lines_top_to_bottom_and_left_to_right_whatever_the_stream_order() {
        let mut l = Layout::default();
        l.push(piece(300.0, 700.0, 50.0, 10.0, "høyre"));
        l.push(piece(350.5, 700.0, 5.0, 10.0, "!"));
        l.push(piece(72.0, 686.0, 50.0, 10.0, "linje 2"));
        l.push(piece(72.0, 700.0, 50.0, 10.0, "venstre"));
        l.push(piece(122.5, 703.0, 5.0, 6.0, "1"));
        assert_eq!(l.finish(), "venstre1  høyre!\nlinje 2\n");
    }

    #[test]
    fn overprinted_fake_bold_is_read_once() {
        let mut l = Layout::default();
        l.push(piece(72.0, 700.0, 30.0, 10.0, "Navn"));
        l.push(piece(72.3, 700.0, 30.0, 10.0, "Navn"));
        assert_eq!(l.finish(), "Navn\n");
    }

    #[test]
    fn rotated_text_is_its_own_block() {
        let mut l = Layout::default();
        l.push(piece(72.0, 700.0, 30.0, 10.0, "vannrett"));
        l.push(Piece {
            origin: (20.0, 100.0),
            end: (20.0, 150.0),
            direction: (0.0, 1.0),
            size: 10.0,
            text: "loddrett",
        });
        l.push(Piece {
            origin: (20.0, 153.0),
            end: (20.0, 173.0),
            direction: (0.0, 1.0),
            size: 10.0,
            text: "tekst",
        });
        assert_eq!(l.finish(), "vannrett\nloddrett tekst\n");
        assert_eq!(Layout::default().finish(), "");
    }
}
