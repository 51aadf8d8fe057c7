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
use crate::extract::outlook::model::{prop, MapiMessage};
use crate::extract::{Context, ExtractError, Input};
use crate::location::Step;
use ndb::Ndb;
use source::Source;
use store::{Store, Visit};

/// One item of a store as listed by [`items`]: where it is and what it is called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemSummary {
    /// Folder path inside the store.
    pub folder: String,
    /// PR_MESSAGE_CLASS, or the error that kept the item from being read.
    pub class: Result<String, String>,
    /// PR_SUBJECT (empty when absent).
    pub subject: String,
    /// Number of attachments.
    pub attachments: usize,
}

/// Opens the store in `input`.
fn open(input: Input<'_>, limit: u64, max_embedding: usize) -> Result<Store<'_>, ExtractError> {
    Ok(Store::new(
        Ndb::open(Source::open(input)?)?,
        limit,
        max_embedding,
    ))
}

/// Reads every message of the store in `input` and emits it, numbered in walk order (folders
/// depth-first in hierarchy-table order) and with its folder path.
pub fn extract(input: Input<'_>, ctx: &mut Context<'_>) -> Result<(), ExtractError> {
    let limits = &ctx.dispatcher.limits;
    let store = open(input, limits.max_member_bytes, limits.max_depth)?;
    let mut index = 0u64;
    store.walk(&mut |visit| match visit {
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

/// Lists every item of the store in walk order (for tests and diagnostics).
pub fn items(input: Input<'_>) -> Result<Vec<ItemSummary>, ExtractError> {
    let store = open(input, 64 << 20, 8)?;
    let mut out = Vec::new();
    store.walk(&mut |visit| {
        if let Visit::Message { folder, message } = visit {
            out.push(summary(folder, &message));
        }
    })?;
    Ok(out)
}

fn summary(folder: &str, message: &Result<MapiMessage, ExtractError>) -> ItemSummary {
    let text = |m: &MapiMessage, id| m.props.str(id).unwrap_or("").to_string();
    ItemSummary {
        folder: folder.to_string(),
        class: message
            .as_ref()
            .map(|m| text(m, prop::MESSAGE_CLASS))
            .map_err(|e| e.to_string()),
        subject: message
            .as_ref()
            .map(|m| text(m, prop::SUBJECT))
            .unwrap_or_default(),
        attachments: message.as_ref().map_or(0, |m| m.attachments.len()),
    }
}
