//! Lists the items of .pst/.ost files (folder, class, subject, attachment count) and how long
//! reading them took: a diagnostic and a rough benchmark of the store reader.
//!
//! `cargo run --release --example pst_items -- FILE...`

use std::time::Instant;

use sporhund::extract::outlook::model::prop;
use sporhund::extract::outlook::pst::{self, Visit};
use sporhund::extract::{Input, Limits};

fn main() {
    for path in std::env::args_os().skip(1) {
        let path = std::path::PathBuf::from(path);
        let started = Instant::now();
        let mut count = 0;
        let result = pst::walk(Input::File(&path), &Limits::default(), &mut |visit| {
            match visit {
                Visit::Message {
                    folder,
                    message: Ok(m),
                } => {
                    let text = |id| m.props.str(id).unwrap_or("");
                    println!(
                        "{folder}\t{}\t{}\t{}",
                        text(prop::MESSAGE_CLASS),
                        text(prop::SUBJECT),
                        m.attachments.len()
                    );
                }
                Visit::Message {
                    folder,
                    message: Err(e),
                } => println!("{folder}\tERROR\t{e}"),
                Visit::FolderError { folder, error } => println!("{folder}\tFOLDER ERROR\t{error}"),
            }
            count += 1;
        });
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        match result {
            Ok(()) => eprintln!("{}: {count} items in {ms:.1} ms", path.display()),
            Err(e) => eprintln!("{}: {e}", path.display()),
        }
    }
}
