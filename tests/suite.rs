//! The integration tests: one test binary whose modules are the files beside this one
//! (`Cargo.toml` turns off cargo's one-binary-per-file discovery). Each module keeps its own
//! file and its own doc comment; run one with `cargo test --test suite MODULE::`, e.g.
//! `cargo test --test suite formats_pdf::`.
//!
//! One binary instead of twenty: each integration test binary links the whole crate and its
//! dependencies, so twenty of them made the test build several gigabytes and twenty links long.

// Helpers shared by several modules.
mod common;
mod documents;
mod pst_build;

mod cli;
mod contrib;
mod corpus_recall;
mod engine_fuzz;
mod find;
mod formats_archive;
mod formats_mail;
mod formats_office;
mod formats_outlook;
mod formats_pdf;
mod formats_pst;
mod formats_sheet;
mod incremental;
mod output_formats;
mod policy;
mod report_schema;
mod scan_fixtures;
mod shard_merge;
mod special_categories;
mod validators_oracle;
