//! Outlook items: .msg files (OLE compound files) and .pst/.ost stores.
//!
//! Both readers build a [`model::MapiMessage`]; the emitter turns it into segments.

pub mod model;
