//! How sure a place is about a subject: strong (one of the subject's identifiers is there),
//! corroborated (the name, with one of the subject's identifiers in the same place), weak (the
//! name alone: it may be a namesake).

use serde::{Deserialize, Serialize};

use super::spec::Identifier;

/// Strength of a hit or place, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    /// The name alone.
    Weak,
    /// The name, with one of the subject's identifiers in the same place.
    Corroborated,
    /// One of the subject's identifiers.
    Strong,
}

impl Strength {
    /// The name used in reports.
    pub fn label(self) -> &'static str {
        match self {
            Strength::Weak => "weak",
            Strength::Corroborated => "corroborated",
            Strength::Strong => "strong",
        }
    }

    /// Every strength, strongest first.
    pub const ALL: [Strength; 3] = [Strength::Strong, Strength::Corroborated, Strength::Weak];
}

/// The strength of one hit, given whether the place also holds one of the subject's
/// identifiers.
pub fn hit_strength(identifier: Identifier, place_has_identifier: bool) -> Strength {
    match (identifier, place_has_identifier) {
        (Identifier::Name, true) => Strength::Corroborated,
        (Identifier::Name, false) => Strength::Weak,
        _ => Strength::Strong,
    }
}

/// The strength of a place: strong when it holds one of the subject's identifiers, weak when
/// it holds the name only.
pub fn place_strength(has_identifier: bool) -> Strength {
    if has_identifier {
        Strength::Strong
    } else {
        Strength::Weak
    }
}

/// The note on each name hit of a name-only place that also holds other people's
/// identifiers.
pub fn name_hit_note(has_identifier: bool, others: Others) -> Option<String> {
    (!has_identifier && others.fnr + others.email > 0).then(|| {
        "possible namesake: another person's fødselsnummer or e-mail is in the same place".into()
    })
}

/// Other people's identifiers found in a place, against a subject that was given such values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Others {
    /// Distinct fødselsnummer/D-numbers that are not the subject's (0 when the subject has none
    /// given).
    pub fnr: usize,
    /// Distinct e-mail addresses that are not the subject's (0 when the subject has none given).
    pub email: usize,
}

/// Notes for the case handler about a place: a name-only place next to someone else's
/// identifier is likely a namesake.
pub fn notes(name_found: bool, own_identifier: bool, others: Others) -> Vec<String> {
    let mut notes = Vec::new();
    if !name_found {
        return notes;
    }
    let mut parts = Vec::new();
    if others.fnr > 0 {
        parts.push(format!(
            "{} other fødselsnummer/D-number{}",
            others.fnr,
            if others.fnr == 1 { "" } else { "s" }
        ));
    }
    if others.email > 0 {
        parts.push(format!(
            "{} other e-mail address{}",
            others.email,
            if others.email == 1 { "" } else { "es" }
        ));
    }
    if parts.is_empty() {
        if !own_identifier {
            notes.push("name only: may be a namesake".to_string());
        }
        return notes;
    }
    let held = parts.join(" and ");
    notes.push(if own_identifier {
        format!("the place also holds {held}: some name hits may be a namesake")
    } else {
        format!(
            "possible namesake: the name appears with {held} and none of the subject's identifiers"
        )
    });
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades() {
        assert_eq!(hit_strength(Identifier::Fnr, false), Strength::Strong);
        assert_eq!(hit_strength(Identifier::Name, true), Strength::Corroborated);
        assert_eq!(hit_strength(Identifier::Name, false), Strength::Weak);
        assert!(
            Strength::Strong > Strength::Corroborated && Strength::Corroborated > Strength::Weak
        );
    }

    #[test]
    fn places_and_name_hit_notes() {
        assert_eq!(place_strength(true), Strength::Strong);
        assert_eq!(place_strength(false), Strength::Weak);
        let other = Others { fnr: 1, email: 0 };
        assert!(name_hit_note(false, other)
            .unwrap()
            .starts_with("possible namesake"));
        assert_eq!(name_hit_note(true, other), None);
        assert_eq!(name_hit_note(false, Others::default()), None);
    }

    #[test]
    fn namesake_notes() {
        assert_eq!(
            notes(false, true, Others { fnr: 2, email: 0 }),
            Vec::<String>::new()
        );
        assert_eq!(
            notes(true, false, Others::default()),
            ["name only: may be a namesake"]
        );
        assert_eq!(
            notes(true, false, Others { fnr: 1, email: 0 }),
            ["possible namesake: the name appears with 1 other fødselsnummer/D-number and none of the subject's identifiers"]
        );
        assert_eq!(
            notes(true, true, Others { fnr: 0, email: 2 }),
            ["the place also holds 2 other e-mail addresses: some name hits may be a namesake"]
        );
    }
}
