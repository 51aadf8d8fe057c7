//! Full names around a surname: the automaton finds the surname (whole word), and this module
//! reads the words before it (`Ingrid [Marie|M.] Berg`) and after it (`Berg, Ingrid`,
//! `Ødegård Håkon`) to decide whether the subject's given name is there.

use super::fold::fold;
use super::spec::Name;

/// A subject's name as comparison keys.
#[derive(Debug, Clone)]
pub struct NameKeys {
    /// Folded given name (empty when only a surname was given).
    pub given: String,
    /// Folded middle names.
    pub middles: Vec<String>,
    /// Folded surname.
    pub surname: String,
}

impl NameKeys {
    /// The keys of a parsed name.
    pub fn new(name: &Name) -> Self {
        NameKeys {
            given: fold(&name.given),
            middles: name.middles.iter().map(|m| fold(m)).collect(),
            surname: fold(&name.surname),
        }
    }
}

/// How a full name was written, as far as it differs from `Given Surname`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Written {
    /// `Surname, Given` or `Surname Given`.
    pub reversed: bool,
    /// A middle name (or its initial) between given name and surname.
    pub middle: bool,
    /// The given name as an initial.
    pub initial: bool,
    /// A capitalised word the subject's name does not list, where a middle name goes.
    pub unlisted_middle: bool,
}

impl Written {
    /// Short labels for reports, e.g. `reversed order, initial`.
    pub fn labels(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.reversed {
            v.push("reversed order");
        }
        if self.middle {
            v.push("middle name");
        }
        if self.initial {
            v.push("initial");
        }
        if self.unlisted_middle {
            v.push("unlisted middle name");
        }
        v
    }
}

/// Most whitespace characters between two words of one name.
const MAX_GAP: usize = 3;

fn is_word_char(c: char) -> bool {
    c.is_alphabetic() || c == '-' || c == '\''
}

/// The word ending just before `pos` (after at most [`MAX_GAP`] whitespace characters), with
/// a trailing `.` kept for initials: (start, word).
fn word_before(text: &str, pos: usize) -> Option<(usize, &str)> {
    let head = &text[..pos];
    let trimmed = head.trim_end_matches(|c: char| c.is_whitespace());
    let gap = head[trimmed.len()..].chars().count();
    if gap == 0 || gap > MAX_GAP {
        return None;
    }
    let body = trimmed.strip_suffix('.').unwrap_or(trimmed);
    let start = body
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_word_char(c))
        .last()
        .map(|(i, _)| i)?;
    Some((start, &trimmed[start..]))
}

/// The word starting just after `pos` (after an optional comma and at most [`MAX_GAP`]
/// whitespace characters): (end, word).
fn word_after(text: &str, pos: usize) -> Option<(usize, &str)> {
    let tail = &text[pos..];
    let tail_c = tail.strip_prefix(',').unwrap_or(tail);
    let body = tail_c.trim_start_matches(|c: char| c.is_whitespace());
    let gap = tail_c.len() - body.len();
    if gap > MAX_GAP * 4 || (gap == 0 && tail_c.len() == tail.len()) {
        return None;
    }
    let len = body
        .char_indices()
        .take_while(|&(_, c)| is_word_char(c))
        .last()
        .map(|(i, c)| i + c.len_utf8())?;
    let mut word = &body[..len];
    let mut end = text.len() - body.len() + len;
    if body[len..].starts_with('.') && word.chars().count() == 1 {
        word = &body[..len + 1];
        end += 1;
    }
    Some((end, word))
}

/// `word` is an initial of `key` (one capital letter, optionally followed by `.`).
fn is_initial(word: &str, key: &str) -> bool {
    let letter = word.strip_suffix('.').unwrap_or(word);
    let mut chars = letter.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_uppercase() => {
            !key.is_empty() && key.starts_with(fold(&c.to_string()).as_str())
        }
        _ => false,
    }
}

fn capitalised(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

/// Checks the words around a surname at `start..end` for the rest of `name`: returns the byte
/// range of the whole name and how it was written, or `None` when the given name is not there.
/// A name given as a surname alone matches the capitalised surname by itself.
pub fn full_name(
    text: &str,
    start: usize,
    end: usize,
    name: &NameKeys,
) -> Option<(usize, usize, Written)> {
    if name.given.is_empty() {
        return capitalised(&text[start..]).then_some((start, end, Written::default()));
    }
    // Given [middle …] Surname.
    let mut pos = start;
    let mut written = Written::default();
    for _ in 0..=name.middles.len().max(1) {
        let Some((at, word)) = word_before(text, pos) else {
            break;
        };
        let key = fold(word.trim_end_matches('.'));
        if key == name.given || is_initial(word, &name.given) {
            written.initial = key != name.given;
            return Some((at, end, written));
        }
        if name
            .middles
            .iter()
            .any(|m| *m == key || is_initial(word, m))
        {
            written.middle = true;
        } else if name.middles.is_empty() && capitalised(word) && !written.unlisted_middle {
            written.unlisted_middle = true;
        } else {
            break;
        }
        pos = at;
    }
    // Surname[,] Given — not when the given name starts someone else's full name (`Kari
    // Berg, Ingrid Bergersen`): a capitalised word right after it on the same line that is
    // not one of the subject's middle names means a list of other names. (A capitalised word
    // before the surname is allowed: `Pasient Mæland, Åse`.)
    let (after, word) = word_after(text, end)?;
    let key = fold(word.trim_end_matches('.'));
    let next_is_other_name = word_after(text, after).is_some_and(|(_, w)| {
        let k = fold(w.trim_end_matches('.'));
        capitalised(w) && !name.middles.iter().any(|m| *m == k || is_initial(w, m))
    }) && !text[after..].starts_with(',')
        && !text[after..]
            .chars()
            .take_while(|c| c.is_whitespace())
            .any(|c| c == '\n');
    if next_is_other_name {
        return None;
    }
    if key == name.given || is_initial(word, &name.given) {
        let written = Written {
            reversed: true,
            initial: key != name.given,
            ..Written::default()
        };
        return Some((start, after, written));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, name: &str) -> Option<(String, Vec<&'static str>)> {
        let keys = NameKeys::new(&Name::parse(name).unwrap());
        // Find the surname by folding each word (the automaton does this in the matcher).
        let mut offset = 0;
        for word in text.split(|c: char| !is_word_char(c)) {
            let s = offset;
            offset += word.len() + 1;
            if !word.is_empty() && fold(word) == keys.surname {
                if let Some((a, b, w)) = full_name(text, s, s + word.len(), &keys) {
                    return Some((text[a..b].to_string(), w.labels()));
                }
            }
        }
        None
    }

    #[test]
    fn orders_middles_and_initials() {
        let n = "Ingrid Marie Berg";
        assert_eq!(check("Hei Ingrid Berg!", n).unwrap().0, "Ingrid Berg");
        assert_eq!(
            check("til Ingrid Marie Berg.", n).unwrap(),
            ("Ingrid Marie Berg".into(), vec!["middle name"])
        );
        assert_eq!(check("Ingrid M. Berg", n).unwrap().0, "Ingrid M. Berg");
        assert_eq!(
            check("I. Berg", n).unwrap(),
            ("I. Berg".into(), vec!["initial"])
        );
        assert_eq!(
            check("Berg, Ingrid", n).unwrap(),
            ("Berg, Ingrid".into(), vec!["reversed order"])
        );
        assert_eq!(check("BERG INGRID", n).unwrap().0, "BERG INGRID");
        assert_eq!(check("først: Berg, Ingrid.", n).unwrap().0, "Berg, Ingrid");
        assert_eq!(check("Berg, I.", n).unwrap().0, "Berg, I.");
        // A list of other people's names.
        assert_eq!(check("Kari Berg, Ingrid Bergersen", n), None);
        assert_eq!(check("Berg, Ingrid Bergersen", n), None);
        assert_eq!(check("Pasient Berg, Ingrid", n).unwrap().0, "Berg, Ingrid");
        assert_eq!(
            check("Berg, Ingrid\nFødselsnummer", n).unwrap().0,
            "Berg, Ingrid"
        );
        assert_eq!(check("Berg, Ingrid Marie", n).unwrap().0, "Berg, Ingrid");
        assert_eq!(check("Kari Berg", n), None);
        assert_eq!(check("Ingrid Sofie Berg", n), None);
        assert_eq!(
            check("Ingrid Sofie Berg", "Ingrid Berg").unwrap().1,
            ["unlisted middle name"]
        );
        assert_eq!(check("Ingrid\n\n\n\n\nBerg", n), None);
    }

    #[test]
    fn transliterations_and_case() {
        let n = "Åse Mæland";
        for t in [
            "ÅSE MÆLAND",
            "Aase Maeland",
            "Ase Mæland",
            "Mæland, Åse",
            "Maeland Aase",
        ] {
            assert!(check(t, n).is_some(), "{t}");
        }
        assert!(check("Ødegård Håkon", "Håkon Ødegård").is_some());
        assert!(check("Hakon Oedegaard", "Håkon Ødegård").is_some());
    }
}
