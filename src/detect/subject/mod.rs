//! Subject search (`sporhund find`): every place one person appears.
//!
//! [`spec`] reads who is searched for (command-line values or a TOML/JSON subject file) and
//! normalises their identifiers; [`fold`] folds names (case, æ/ø/å and their transliterations)
//! and spells out the variants a text may use; [`names`] checks a surname occurrence for the
//! given and middle names around it; [`digits`] finds numbers however they are grouped;
//! [`matcher`] runs all of it over a text in one pass for all subjects together; [`strength`]
//! grades what was found in one place.

pub mod digits;
pub mod fold;
pub mod matcher;
pub mod names;
pub mod spec;
pub mod strength;

pub use matcher::{SubjectMatch, SubjectMatcher};
pub use spec::{Identifier, Subject, SubjectError};
pub use strength::Strength;
