//! Detection stage: rules (data) + validators (code) → detections in a text.
//!
//! [`rules`] loads rule files, [`engine`] compiles every pattern into one pass and runs
//! [`boundary`] checks, [`validate`] validators and [`context`] keywords on the candidates.
//! Keyword rules (special categories) are matched by [`keywords`] and count only when
//! [`pairing`] finds a person identifier near them.

pub mod boundary;
pub mod context;
pub mod engine;
pub mod examples;
pub mod keywords;
pub mod pairing;
pub mod rules;
pub mod subject;
pub mod validate;

pub use engine::{Detection, Engine, Scratch};
pub use rules::{Rule, RuleError, RuleSet, Severity};
