//! Who is searched for: a subject's label, names and identifiers, as given on the command line
//! or in a subject file, checked and normalised once.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// The kinds of value a subject is searched by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Identifier {
    /// A full name.
    Name,
    /// A fødselsnummer or D-number (11 digits).
    Fnr,
    /// An e-mail address.
    Email,
    /// A phone number.
    Phone,
    /// Any other identifier (customer number, employee number …).
    Id,
}

impl Identifier {
    /// The name used in reports.
    pub fn label(self) -> &'static str {
        match self {
            Identifier::Name => "name",
            Identifier::Fnr => "fnr",
            Identifier::Email => "email",
            Identifier::Phone => "phone",
            Identifier::Id => "id",
        }
    }
}

/// One person searched for. Values are kept as given (reports show them); matching uses the
/// normalised forms from [`Subject::normalized`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subject {
    /// A label for the request, e.g. a case number (defaults to the first name given).
    #[serde(default)]
    pub label: String,
    /// Full names, e.g. `Åse Mæland` or `Mæland, Åse`.
    #[serde(default, alias = "names", deserialize_with = "one_or_many")]
    pub name: Vec<String>,
    /// Fødselsnummer or D-numbers.
    #[serde(default, deserialize_with = "one_or_many")]
    pub fnr: Vec<String>,
    /// E-mail addresses.
    #[serde(default, alias = "emails", deserialize_with = "one_or_many")]
    pub email: Vec<String>,
    /// Phone numbers.
    #[serde(default, alias = "phones", deserialize_with = "one_or_many")]
    pub phone: Vec<String>,
    /// Other identifiers (customer number, employee number …).
    #[serde(default, alias = "ids", deserialize_with = "one_or_many")]
    pub id: Vec<String>,
}

/// A subject file or value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectError(pub String);

impl std::fmt::Display for SubjectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SubjectError {}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

/// A subject file: `[[subject]]` tables in TOML, or `{"subject": [...]}` / `[...]` in JSON.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubjectFile {
    #[serde(alias = "subjects")]
    subject: Vec<Subject>,
}

/// Reads the subjects of a TOML or JSON file (JSON when the content starts with `{` or `[`).
pub fn load_file(path: &Path) -> Result<Vec<Subject>, SubjectError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| SubjectError(format!("{}: {e}", path.display())))?;
    parse(&text).map_err(|e| SubjectError(format!("{}: {}", path.display(), e.0)))
}

/// Parses subject file text (see [`load_file`]).
pub fn parse(text: &str) -> Result<Vec<Subject>, SubjectError> {
    let trimmed = text.trim_start();
    let subjects = if trimmed.starts_with('[') && !trimmed.starts_with("[[") {
        serde_json::from_str::<Vec<Subject>>(text).map_err(|e| SubjectError(e.to_string()))?
    } else if trimmed.starts_with('{') {
        serde_json::from_str::<SubjectFile>(text)
            .map_err(|e| SubjectError(e.to_string()))?
            .subject
    } else {
        toml::from_str::<SubjectFile>(text)
            .map_err(|e| SubjectError(e.to_string()))?
            .subject
    };
    if subjects.is_empty() {
        return Err(SubjectError("no subjects in the file".into()));
    }
    Ok(subjects)
}

/// A subject's values in the forms the matcher compares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Normalized {
    /// Parsed names.
    pub names: Vec<Name>,
    /// Fødselsnummer digits (11 each).
    pub fnr: Vec<String>,
    /// Lower-cased addresses.
    pub email: Vec<String>,
    /// Phone digits without the Norwegian country code.
    pub phone: Vec<String>,
    /// Other identifiers: digits only when the value is a number, else the value trimmed.
    pub id: Vec<String>,
}

/// A full name split into given name, middle names and surname.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name {
    /// First given name (empty when only a surname was given).
    pub given: String,
    /// Middle names, in order.
    pub middles: Vec<String>,
    /// Surname (may hold several words, e.g. `de Vries`, or a hyphen).
    pub surname: String,
}

impl Name {
    /// Parses `Given Middle Surname` or `Surname, Given Middle`.
    pub fn parse(s: &str) -> Option<Name> {
        let (surname, rest): (String, Vec<&str>) = match s.split_once(',') {
            Some((sur, rest)) => (
                sur.split_whitespace().collect::<Vec<_>>().join(" "),
                rest.split_whitespace().collect(),
            ),
            None => {
                let mut words: Vec<&str> = s.split_whitespace().collect();
                let sur = words.pop()?.to_string();
                (sur, words)
            }
        };
        if surname.is_empty() {
            return None;
        }
        let mut rest = rest.into_iter().map(str::to_string);
        Some(Name {
            given: rest.next().unwrap_or_default(),
            middles: rest.collect(),
            surname,
        })
    }
}

impl Subject {
    /// The label, or the first value given when there is none.
    pub fn display_label(&self) -> String {
        if !self.label.trim().is_empty() {
            return self.label.trim().to_string();
        }
        [&self.name, &self.email, &self.fnr, &self.phone, &self.id]
            .iter()
            .find_map(|v| v.first().cloned())
            .unwrap_or_else(|| "subject".into())
    }

    /// The values of one kind, as given.
    pub fn values(&self, identifier: Identifier) -> &[String] {
        match identifier {
            Identifier::Name => &self.name,
            Identifier::Fnr => &self.fnr,
            Identifier::Email => &self.email,
            Identifier::Phone => &self.phone,
            Identifier::Id => &self.id,
        }
    }

    /// Checks every value and returns the forms the matcher uses.
    pub fn normalized(&self) -> Result<Normalized, SubjectError> {
        let label = self.display_label();
        let bad = |what: &str, v: &str, why: &str| {
            SubjectError(format!("subject {label}: {what} {v:?} {why}"))
        };
        let mut n = Normalized {
            names: Vec::new(),
            fnr: Vec::new(),
            email: Vec::new(),
            phone: Vec::new(),
            id: Vec::new(),
        };
        for v in &self.name {
            n.names
                .push(Name::parse(v).ok_or_else(|| bad("name", v, "is empty"))?);
        }
        for v in &self.fnr {
            let d = digits_of(v);
            if d.len() != 11 || v.chars().any(|c| c.is_alphabetic()) {
                return Err(bad("fødselsnummer", v, "must have 11 digits"));
            }
            n.fnr.push(d);
        }
        for v in &self.email {
            let e = v.trim().trim_start_matches("mailto:").to_lowercase();
            match e.split_once('@') {
                Some((l, d))
                    if !l.is_empty() && d.contains('.') && !e.contains(char::is_whitespace) =>
                {
                    n.email.push(e)
                }
                _ => return Err(bad("e-mail address", v, "is not an address")),
            }
        }
        for v in &self.phone {
            let d = national_phone(&digits_of(v));
            if d.len() < 5 || v.chars().any(|c| c.is_alphabetic()) {
                return Err(bad("phone number", v, "must have at least 5 digits"));
            }
            n.phone.push(d);
        }
        for v in &self.id {
            let t = v.trim();
            if t.chars().filter(|c| c.is_alphanumeric()).count() < 3 {
                return Err(bad(
                    "identifier",
                    v,
                    "must have at least 3 letters or digits",
                ));
            }
            let numeric = t.chars().all(|c| c.is_ascii_digit() || " .-".contains(c));
            n.id.push(if numeric { digits_of(t) } else { t.to_string() });
        }
        if n.names.is_empty()
            && n.fnr.is_empty()
            && n.email.is_empty()
            && n.phone.is_empty()
            && n.id.is_empty()
        {
            return Err(SubjectError(format!(
                "subject {label}: nothing to search for"
            )));
        }
        Ok(n)
    }
}

/// The ASCII digits of `s`.
pub fn digits_of(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Phone digits without a Norwegian country code (`0047…`, `47…` with 8 digits after it).
pub fn national_phone(d: &str) -> String {
    let d = d.strip_prefix("00").unwrap_or(d);
    match d.strip_prefix("47") {
        Some(rest) if rest.len() == 8 => rest.to_string(),
        _ => d.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_both_orders() {
        let n = Name::parse("Ingrid Marie Berg").unwrap();
        assert_eq!(
            (n.given.as_str(), n.middles.clone(), n.surname.as_str()),
            ("Ingrid", vec!["Marie".to_string()], "Berg")
        );
        assert_eq!(Name::parse("Mæland, Åse").unwrap().given, "Åse");
        assert_eq!(Name::parse("Mæland, Åse").unwrap().surname, "Mæland");
        assert_eq!(Name::parse("Berg").unwrap().given, "");
        assert_eq!(Name::parse("  "), None);
    }

    #[test]
    fn identifiers_are_normalised_and_checked() {
        let s = Subject {
            name: vec!["Åse Mæland".into()],
            fnr: vec!["010190 12345".into()],
            email: vec!["Ase@Example.NO".into()],
            phone: vec!["+47 912 34 567".into(), "0047 22334455".into()],
            id: vec!["K-1234".into(), "12 345".into()],
            ..Subject::default()
        };
        let n = s.normalized().unwrap();
        assert_eq!(n.fnr, ["01019012345"]);
        assert_eq!(n.email, ["ase@example.no"]);
        assert_eq!(n.phone, ["91234567", "22334455"]);
        assert_eq!(n.id, ["K-1234", "12345"]);
        assert_eq!(s.display_label(), "Åse Mæland");
        let bad = Subject {
            fnr: vec!["0101901234".into()],
            ..Subject::default()
        };
        assert!(bad.normalized().unwrap_err().0.contains("11 digits"));
        assert!(Subject::default().normalized().is_err());
    }

    #[test]
    fn subject_files_in_toml_and_json() {
        let toml =
            "[[subject]]\nlabel = \"Sak 1\"\nname = \"Åse Mæland\"\nphone = [\"912 34 567\"]\n";
        let s = parse(toml).unwrap();
        assert_eq!(s[0].label, "Sak 1");
        assert_eq!(s[0].name, ["Åse Mæland"]);
        let json = r#"{"subject":[{"label":"Sak 2","name":["Ingrid Berg"],"email":"i@b.no"}]}"#;
        assert_eq!(parse(json).unwrap()[0].email, ["i@b.no"]);
        let list = r#"[{"name":"Ola Nordmann"}]"#;
        assert_eq!(parse(list).unwrap()[0].name, ["Ola Nordmann"]);
        assert!(parse("[[subject]]\nnavn = \"x\"\n").is_err());
        assert!(parse("subject = []\n").is_err());
    }
}
