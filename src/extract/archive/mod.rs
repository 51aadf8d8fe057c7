//! Archives: zip, gzip and tar. Every member goes back through the dispatcher one step
//! deeper ([`crate::location::Step::Entry`]), so archives nest in any combination.
//!
//! Limits ([`crate::extract::Limits`]): nesting depth (enforced by
//! [`crate::extract::Context::recurse`]), the decompressed size of one member, the compression
//! ratio (declared sizes are checked before decompressing, and output is counted while
//! reading), and the per-file total ([`crate::extract::Budget`]). All of it lives in
//! [`bounded`], which the Office extractors use too.

pub mod bounded;
pub mod cp865;
pub mod gzip;
pub mod members;
pub mod tarfile;
pub mod zipfile;

pub use gzip::GzipExtractor;
pub use tarfile::TarExtractor;
pub use zipfile::{ZipExtractor, ZipReader};
