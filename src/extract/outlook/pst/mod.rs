//! Outlook stores: personal folders (.pst) and offline stores (.ost), ANSI, Unicode and the
//! 4 KiB-page variant, read in-process ([MS-PST]).
//!
//! Layers, bottom up: [`source`] (positioned reads: a store is never read whole), [`header`],
//! [`crypt`] (block obfuscation), [`ndb`] (B-trees, blocks, data and subnode trees), [`ltp`]
//! (heaps, property and table contexts), [`props`] (values into the shared model) and [`store`]
//! (folders, messages, recipients, attachments). Every message is handed to the shared emitter
//! with its folder path; a message, folder or attachment that cannot be read is reported at its
//! location and the walk goes on.

pub mod crypt;
pub mod header;
pub mod ltp;
pub mod ndb;
pub mod props;
pub mod source;
pub mod store;

use crate::extract::outlook::emit;
use crate::extract::{Context, ExtractError, Input, Limits};
use crate::location::Step;
use ndb::Ndb;
use source::Source;
use store::Store;
pub use store::Visit;

/// Walks the store in `input`: every message of every folder (folders depth-first in
/// hierarchy-table order) and every folder that could not be listed, in order. Values larger
/// than `limits.max_member_bytes` are not read and messages embedded deeper than
/// `limits.max_depth` are reported, not read.
pub fn walk(
    input: Input<'_>,
    limits: &Limits,
    visit: &mut dyn FnMut(Visit<'_>),
) -> Result<(), ExtractError> {
    let ndb = Ndb::open(Source::open(input)?)?;
    Store::new(ndb, limits.max_member_bytes, limits.max_depth).walk(visit)
}

/// Reads every message of the store in `input` and emits it, numbered in walk order (folders
/// depth-first in hierarchy-table order) and with its folder path.
pub fn extract(input: Input<'_>, ctx: &mut Context<'_>) -> Result<(), ExtractError> {
    let limits = ctx.dispatcher.limits.clone();
    let mut index = 0u64;
    walk(input, &limits, &mut |visit| match visit {
        Visit::Message { folder, message } => {
            index += 1;
            let folder = (!folder.is_empty()).then(|| folder.to_string());
            match message {
                Ok(m) => {
                    let step = emit::message_step(&m.props, Some(index), folder);
                    emit::emit_message(&m, step, ctx);
                }
                Err(e) => {
                    let step = emit::message_step(&Default::default(), Some(index), folder);
                    ctx.error(Some(step), &e);
                }
            }
        }
        Visit::FolderError { folder, error } => {
            let step = Step::Part {
                name: format!("folder {folder}"),
            };
            ctx.error(Some(step), &error);
        }
    })
}
