//! Outlook items: `.msg` files (OLE2 compound files) and `.pst`/`.ost` stores, read
//! in-process.
//!
//! Both readers build a [`model::MapiMessage`] per item; [`emit::emit_message`] turns it into
//! segments, so a message reads the same whichever file it came from.

pub mod codepage;
pub mod emit;
pub mod model;
pub mod msg;
pub mod pst;
pub mod rtf;

use crate::extract::{Context, ExtractError, Extractor, Format, Input};

/// `.msg`, `.pst` and `.ost`.
pub struct OutlookExtractor;

impl Extractor for OutlookExtractor {
    fn name(&self) -> &'static str {
        "outlook"
    }

    fn formats(&self) -> &'static [Format] {
        &[Format::Msg, Format::Pst]
    }

    fn extract(
        &self,
        input: Input<'_>,
        _head: &[u8],
        format: Format,
        ctx: &mut Context<'_>,
    ) -> Result<(), ExtractError> {
        match format {
            Format::Pst => pst::extract(input, ctx),
            _ => {
                let message = msg::read(input, &ctx.dispatcher.limits)?;
                let step = emit::message_step(&message.props, None, None);
                emit::emit_message(&message, step, ctx);
                Ok(())
            }
        }
    }
}
