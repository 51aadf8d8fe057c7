//! sporhund ("tracking dog") finds Norwegian personal data wherever an organisation keeps it.
//!
//! The pipeline runs one way, one module per stage:
//! [`walk`] (roots → files) → [`extract`] (a file → text segments with a [`location::Location`])
//! → [`detect`] (rules and validators → detections) → [`policy`] (allowlists, baselines)
//! → [`report`] (findings → human, JSON, JSONL, SARIF, CSV).
//! [`scan`] wires the stages together ([`scan::records`] pairs special-category keywords with
//! identifiers across a record; [`cache`] answers unchanged files from earlier scans);
//! [`find`] is the same walk for a subject search; [`cli`] is the command line on top.

pub mod cache;
pub mod cli;
pub mod detect;
pub mod extract;
pub mod find;
pub mod location;
pub mod policy;
pub mod report;
pub mod scan;
pub mod walk;
