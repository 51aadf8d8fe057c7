//! Person names as identifiers for special-category pairing: a built-in detector of full
//! Norwegian names — a known given name ([`given_names.txt`](given_names.txt): SSB's most
//! common given names and a supplement) followed by capitalised surname words
//! (`Kari Nordmann`, `Kari-Anne Berg-Hansen`, `Kari Anne M. Nordmann`, `KARI NORDMANN`,
//! `Ola de Vries`), or a surname, a comma and a given name at the start of a field, line or
//! label (`Nordmann, Kari`).
//!
//! Rejected: streets (`Olav Kyrres gate`), royalty and saints (`Kong Olav`), organisations
//! (`Ola Hansen AS`, `Hansen & Co`), a given name alone or followed by given names only
//! (`Kari Anne`), and surnames that are months, weekdays, places or little words of a
//! title-case heading (`Per Januar`, `Liv Og Helse`). A name list alone fires on ordinary prose
//! (spec §6), so names are never findings of their own: the scan runs this detector only in the
//! window around a special-category keyword and on short fields of a record, never over a whole
//! text.

use std::collections::HashSet;
use std::sync::LazyLock;

use super::context::{ceil_char_boundary, floor_char_boundary};

/// The category names have as identifiers in `[rule.requires]` (and in a finding's `related`).
pub const PERSON_NAME: &str = "person_name";

/// The rule id a name has as a keyword's partner (`related.rule`): the built-in detector, not
/// a rule file.
pub const NAME_RULE: &str = "no.person_name";

/// A full name found in a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NameHit {
    /// Byte offset where the name starts.
    pub start: usize,
    /// Byte offset just past the name.
    pub end: usize,
}

static GIVEN: LazyLock<HashSet<String>> = LazyLock::new(|| {
    include_str!("given_names.txt")
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_lowercase)
        .collect()
});

/// Words that end a name or cannot be a surname (compared in lower case): months, weekdays,
/// the little words of a title-case heading, and places that are not surnames.
const NOT_SURNAME: &str = "\
    januar februar mars april mai juni juli august september oktober november desember \
    mandag tirsdag onsdag torsdag fredag lørdag søndag måndag tysdag laurdag og i på av for \
    til med fra frå er har om den det de en et ein eit som ved hos norge noreg oslo bergen \
    trondheim stavanger tromsø kristiansand drammen bodø ålesund fredrikstad sandnes \
    sarpsborg skien tønsberg haugesund arendal hamar lillehammer molde harstad gjøvik larvik \
    halden kongsberg narvik alta kommune kommunen fylkeskommune sykehus sjukehus hei hallo \
    takk kjære hilsen mvh ja nei ok vel jo re sv fw kopi dato emne her nå så han hun ho vi \
    jeg eg du dere dei disse denne dette";

/// A name followed by one of these, in lower case, is a street or place: `Olav Kyrres gate`.
const STREET: &str = "\
    gate gata gaten gt vei veg veien vegen vn allé alle alléen plass plassen torg torget sti \
    stien brygge bryggen kai kaia terrasse park parken bakke bakken bru brua broen";

/// Street words that are no surname, in any case (`Olav Kyrres Gate`), or ending a one-word
/// surname (`Olav Kyrresgate`).
const STREET_ENDINGS: &str = "\
    gate gata gaten vei veg veien vegen allé plass plassen torget";

/// A name followed by one of these is an organisation: `Ola Hansen AS`.
const ORGANISATION: &str = "\
    AS ASA SA ANS DA BA KF IKS NUF HF SF AB GmbH Ltd Inc &";

/// A given name after one of these (any case) is royalty, a saint or a title of a thing:
/// `Kong Olav`, `Sankt Olav`.
const TITLE: &str = "\
    kong kongen dronning dronningen prins prinsen prinsesse kronprins kronprinsesse sankt st \
    hellige";

/// Lower-case particles inside a surname: `Ola de Vries`, `Anne von Hanno`.
const PARTICLES: &str = "\
    von van der de da di du af le la";

/// Most words after the given name (middle names, initials, particles, surnames).
const MAX_MORE_WORDS: usize = 4;

/// A word of a text: letters, with `-` and `'` inside (`Berg-Hansen`, `O'Neill`).
#[derive(Clone, Copy, Debug)]
struct Word {
    start: usize,
    end: usize,
}

/// How a word is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// `Nordmann`, `Berg-Hansen`.
    Title,
    /// `NORDMANN`.
    Upper,
    /// `M` (an initial when a `.` follows).
    Letter,
    /// Anything else (lower case, mixed).
    Other,
}

fn shape(word: &str) -> Shape {
    let mut parts = word.split(['-', '\'']).filter(|p| !p.is_empty());
    let first = parts.next().map_or(Shape::Other, part_shape);
    let all = parts.fold(first, |acc, p| {
        let s = part_shape(p);
        match (acc, s) {
            (a, b) if a == b => a,
            (Shape::Title | Shape::Letter, Shape::Title) => Shape::Title,
            // `O'Neill`, `d'Artagnan` are rare; a single letter part joins what follows.
            (Shape::Letter, s) => s,
            _ => Shape::Other,
        }
    });
    if word.chars().count() == 1 {
        return first;
    }
    all
}

fn part_shape(part: &str) -> Shape {
    let mut chars = part.chars();
    let Some(first) = chars.next() else {
        return Shape::Other;
    };
    if !first.is_uppercase() {
        return Shape::Other;
    }
    let rest = chars.as_str();
    if rest.is_empty() {
        Shape::Letter
    } else if rest.chars().all(char::is_uppercase) {
        Shape::Upper
    } else if rest.chars().all(char::is_lowercase) {
        Shape::Title
    } else if rest.chars().skip(1).any(char::is_lowercase) && rest.starts_with(char::is_lowercase) {
        // `McDonald`, `DeVries`.
        Shape::Title
    } else {
        Shape::Other
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphabetic()
}

/// The letter (and its length in bytes) at byte `i` of `text`, a char boundary.
fn letter_at(text: &str, i: usize) -> (bool, usize) {
    let b = text.as_bytes()[i];
    if b.is_ascii() {
        (b.is_ascii_alphabetic(), 1)
    } else {
        let c = text[i..].chars().next().unwrap_or(' ');
        (is_word_char(c), c.len_utf8())
    }
}

/// The words of `text[lo..hi]`, the range widened to whole words. Bytes, not chars, are
/// walked: ASCII is most of any text.
fn words(text: &str, lo: usize, hi: usize) -> Vec<Word> {
    let mut lo = floor_char_boundary(text, lo);
    let hi = ceil_char_boundary(text, hi.min(text.len()));
    while let Some(c) = text[..lo].chars().next_back().filter(|&c| is_word_char(c)) {
        lo -= c.len_utf8();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut i = lo;
    while i < bytes.len() {
        let (letter, len) = letter_at(text, i);
        let joiner = matches!(bytes[i], b'-' | b'\'')
            && start.is_some()
            && i + 1 < bytes.len()
            && letter_at(text, i + 1).0;
        match (letter || joiner, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(Word { start: s, end: i });
                start = None;
                if i >= hi {
                    return out;
                }
            }
            (false, None) if i >= hi => return out,
            _ => {}
        }
        i += len;
    }
    if let Some(s) = start {
        out.push(Word {
            start: s,
            end: text.len(),
        });
    }
    out
}

/// The text between two words of one name: one to three spaces (or no-break spaces), after an
/// optional `.` of an initial.
fn name_gap(gap: &str, after_initial: bool) -> bool {
    let gap = if after_initial {
        gap.strip_prefix('.').unwrap_or(gap)
    } else {
        gap
    };
    let n = gap.chars().count();
    (1..=3).contains(&n) && gap.chars().all(|c| c == ' ' || c == '\u{a0}')
}

fn lower(word: &str) -> String {
    word.to_lowercase()
}

/// `word`, in lower case, is one of the words of `list`.
fn in_list(list: &str, word: &str) -> bool {
    listed(list, &lower(word))
}

/// `word` is one of [`NOT_SURNAME`] (the long list, kept as a set).
fn not_surname(word: &str) -> bool {
    static SET: LazyLock<HashSet<&'static str>> =
        LazyLock::new(|| NOT_SURNAME.split_whitespace().collect());
    SET.contains(lower(word).as_str())
}

/// `word` is one of the words of `list` as written.
fn listed(list: &str, word: &str) -> bool {
    list.split_whitespace().any(|w| w == word)
}

/// A known given name (for a hyphenated one, `Kari-Anne`, its first part).
fn is_given(word: &str) -> bool {
    let first = word.split('-').next().unwrap_or(word);
    GIVEN.contains(&lower(first))
}

/// `word` is written like a name in `style` (title or upper case).
fn name_shaped(word: &str, style: Shape) -> bool {
    shape(word) == style && word.chars().count() >= 2
}

/// Appends the full names found in `text[lo..hi]` (a name may reach a little beyond it) to
/// `out`, in order of position.
pub fn find_names(text: &str, lo: usize, hi: usize, out: &mut Vec<NameHit>) {
    let words = words(text, lo, hi);
    let mut i = 0;
    while i < words.len() {
        // Every name starts with a capital letter: most words are out at the first byte.
        let capital = text[words[i].start..]
            .chars()
            .next()
            .is_some_and(char::is_uppercase);
        let found = capital
            .then(|| forward(text, &words, i).or_else(|| reversed(text, &words, i)))
            .flatten();
        if let Some((hit, next)) = found {
            out.push(hit);
            i = next;
        } else {
            i += 1;
        }
    }
}

fn word_text<'t>(text: &'t str, w: &Word) -> &'t str {
    &text[w.start..w.end]
}

/// `Given [Middle|M.|particle]* Surname…` starting at word `i`: the name and the index of the
/// first word after it.
fn forward(text: &str, words: &[Word], i: usize) -> Option<(NameHit, usize)> {
    let first = word_text(text, &words[i]);
    let style = shape(first);
    if !matches!(style, Shape::Title | Shape::Upper) || first.chars().count() < 2 {
        return None;
    }
    if !is_given(first) || after_title(text, words, i) {
        return None;
    }
    // The last word that can end the name (a surname: not a given name, initial or particle).
    let mut end_word: Option<usize> = None;
    let mut j = i;
    while j + 1 < words.len() && j - i < MAX_MORE_WORDS {
        let (prev, next) = (&words[j], &words[j + 1]);
        let word = word_text(text, next);
        let prev_text = word_text(text, prev);
        let initial = shape(prev_text) == Shape::Letter;
        if !name_gap(&text[prev.end..next.start], initial) {
            break;
        }
        let particle = style == Shape::Title && listed(PARTICLES, word);
        let letter = shape(word) == Shape::Letter && text[next.end..].starts_with('.');
        if particle || letter {
            j += 1;
            continue;
        }
        if !name_shaped(word, style) || not_surname(word) {
            break;
        }
        if in_list(STREET_ENDINGS, word) || ends_like_street(word) {
            return None;
        }
        if !is_given(word) {
            end_word = Some(j + 1);
        }
        j += 1;
    }
    let last = end_word?;
    if followed_by_street_or_organisation(text, words[last].end) {
        return None;
    }
    let hit = NameHit {
        start: words[i].start,
        end: words[last].end,
    };
    Some((hit, last + 1))
}

/// `Surname[ Surname], Given[ Middle]` at the start of a line, field or label value, starting
/// at word `i`.
fn reversed(text: &str, words: &[Word], i: usize) -> Option<(NameHit, usize)> {
    if !text[words[i].end..].starts_with(',') {
        return None;
    }
    let surname = word_text(text, &words[i]);
    let style = shape(surname);
    if !matches!(style, Shape::Title | Shape::Upper)
        || !name_shaped(surname, style)
        || is_given(surname)
        || not_surname(surname)
        || in_list(TITLE, surname)
    {
        return None;
    }
    let before = text[..words[i].start].trim_end_matches([' ', '\t', '\u{a0}']);
    if !(before.is_empty() || before.ends_with(['\n', '\r', ':', ';', '(', '"', '|', ','])) {
        return None;
    }
    let given = i + 1;
    let g = words.get(given)?;
    let comma_gap = &text[words[i].end..g.start];
    let rest = comma_gap.strip_prefix(',')?;
    let given_text = word_text(text, g);
    if !name_gap(rest, false) || shape(given_text) != style || !is_given(given_text) {
        return None;
    }
    // Middle names (given names or initials) may follow; another surname means a list of
    // other people (`Hansen, Kari Olsen`).
    let mut last = given;
    while let Some(next) = words.get(last + 1) {
        let initial = shape(word_text(text, &words[last])) == Shape::Letter;
        if !name_gap(&text[words[last].end..next.start], initial) {
            break;
        }
        let word = word_text(text, next);
        let letter = shape(word) == Shape::Letter && text[next.end..].starts_with('.');
        if letter || (name_shaped(word, style) && is_given(word)) {
            last += 1;
        } else if name_shaped(word, style) && !not_surname(word) {
            return None;
        } else {
            break;
        }
    }
    let mut end = words[last].end;
    if text[end..].starts_with('.') && shape(word_text(text, &words[last])) == Shape::Letter {
        end += 1;
    }
    Some((
        NameHit {
            start: words[i].start,
            end,
        },
        last + 1,
    ))
}

/// The word before word `i` (on the same line) is `Kong`, `Sankt` …
fn after_title(text: &str, words: &[Word], i: usize) -> bool {
    let Some(prev) = i.checked_sub(1).map(|p| &words[p]) else {
        return false;
    };
    let gap = &text[prev.end..words[i].start];
    let gap = gap.strip_prefix('.').unwrap_or(gap);
    name_gap(gap, false) && in_list(TITLE, word_text(text, prev))
}

fn ends_like_street(word: &str) -> bool {
    let l = lower(word);
    STREET_ENDINGS
        .split_whitespace()
        .any(|e| l.len() > e.len() + 2 && l.ends_with(e))
}

/// What follows a name ending at `end` makes it a street (`… gate`) or an organisation
/// (`… AS`, `… & Co`).
fn followed_by_street_or_organisation(text: &str, end: usize) -> bool {
    let rest = &text[end..];
    let after = rest.trim_start_matches([' ', '\u{a0}']);
    if after.starts_with('&') {
        return true;
    }
    if after.len() == rest.len() || rest.len() - after.len() > 3 {
        return false;
    }
    let word = after.split(|c: char| !is_word_char(c)).next().unwrap_or("");
    listed(ORGANISATION, word) || listed(STREET, word)
}

/// A name as compared and fingerprinted: lower case, words separated by one space.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for word in name.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        find_names(text, 0, text.len(), &mut out);
        out.iter().map(|h| &text[h.start..h.end]).collect()
    }

    #[test]
    fn full_names_in_their_usual_forms() {
        assert_eq!(
            names("Kari Nordmann er sykmeldt med depresjon."),
            ["Kari Nordmann"]
        );
        assert_eq!(names("til Kari Anne Nordmann."), ["Kari Anne Nordmann"]);
        assert_eq!(names("Kari-Anne Berg-Hansen"), ["Kari-Anne Berg-Hansen"]);
        assert_eq!(names("Ingrid M. Solberg"), ["Ingrid M. Solberg"]);
        assert_eq!(names("Ærlige Øystein Ødegård"), ["Øystein Ødegård"]);
        assert_eq!(names("Åse Mæland"), ["Åse Mæland"]);
        assert_eq!(names("PASIENT: KARI NORDMANN"), ["KARI NORDMANN"]);
        assert_eq!(names("Ola de Vries"), ["Ola de Vries"]);
        assert_eq!(
            names("Kari Nordmann Hansen, 40 år"),
            ["Kari Nordmann Hansen"]
        );
        assert_eq!(names("Kari Nordmanns sykmelding"), ["Kari Nordmanns"]);
        assert_eq!(
            names("Tuva Lunde og Haakon Berg kom"),
            ["Tuva Lunde", "Haakon Berg"]
        );
        assert_eq!(names("John Smith"), ["John Smith"]);
    }

    #[test]
    fn surname_first_at_the_start_of_a_field_or_label() {
        assert_eq!(names("Nordmann, Kari"), ["Nordmann, Kari"]);
        assert_eq!(
            names("Pasient: Nordmann, Kari Anne"),
            ["Nordmann, Kari Anne"]
        );
        assert_eq!(names("Berg-Hansen, Ola M."), ["Berg-Hansen, Ola M."]);
        // Not in running prose, not a greeting, not a list of other names.
        assert_eq!(names("sa Nordmann, Kari og Per"), Vec::<&str>::new());
        assert_eq!(names("Hei, Kari"), Vec::<&str>::new());
        assert_eq!(names("Takk, Kari!"), Vec::<&str>::new());
        assert_eq!(names("Hansen, Kari Olsen"), ["Kari Olsen"]);
    }

    #[test]
    fn streets_royalty_and_organisations_are_not_persons() {
        for decoy in [
            "Olav Kyrres gate 5",
            "i Olav Kyrres gate",
            "Bjørnstjerne Bjørnsons gate",
            "Kong Haakon",
            "Kong Olav V",
            "kong Olav Kyrre",
            "Sankt Olav",
            "Ola Hansen AS",
            "Ødegård Maskin AS",
            "Kari Nordmann Transport AS",
            "Hansen & Co",
            "Kari Hansen & Sønn",
            "Thomas Hefties gate",
            "Olav Kyrresgate 1",
            "Nils Hansens vei",
        ] {
            assert_eq!(names(decoy), Vec::<&str>::new(), "{decoy}");
        }
    }

    #[test]
    fn ordinary_words_places_and_headings_are_not_persons() {
        for decoy in [
            "Den Norske Kirke",
            "Diagnosen er klar.",
            "Diagnosen Kari fikk var uklar.",
            "Bergen kommune",
            "Møtet i Bergen",
            "Per Januar 2025",
            "Per Oslo",
            "Liv Og Helse",
            "Kari Anne",
            "Kari",
            "kari nordmann",
            "Kari\nNordmann",
            "Kari. Nordmann",
            "Mandag Kari",
            "Kari NAV-kontor",
            "Sykmeldt. Kari",
            "Eva",
            "Kari Her står det",
        ] {
            assert_eq!(names(decoy), Vec::<&str>::new(), "{decoy}");
        }
    }

    #[test]
    fn a_range_is_widened_to_whole_words() {
        let text = "Vedtak for Kari Nordmann om sykmelding";
        let at = text.find("ari").unwrap();
        let mut out = Vec::new();
        find_names(text, at, at + 5, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(&text[out[0].start..out[0].end], "Kari Nordmann");
    }

    #[test]
    fn the_list_is_read_and_normalised() {
        assert!(GIVEN.len() > 400);
        assert!(is_given("ÅSE") && is_given("Kari-Anne") && !is_given("Nordmann"));
        assert_eq!(normalize("KARI  Nordmann"), "kari nordmann");
    }
}
