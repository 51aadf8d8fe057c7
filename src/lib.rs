//! sporhund ("tracking dog") finds Norwegian personal data wherever an organisation keeps it.
//!
//! The pipeline runs one way, one module per stage:
//! [`walk`] (roots → files) → [`extract`] (a file → text segments with a [`location::Location`])
//! → [`detect`] (rules and validators → detections) → [`report`] (findings → human, JSON, JSONL).
//! [`scan`] wires the stages together; [`cli`] is the command line on top.

pub mod cache;
pub mod cli;
pub mod detect;
pub mod extract;
pub mod location;
pub mod report;
pub mod scan;
pub mod walk;
