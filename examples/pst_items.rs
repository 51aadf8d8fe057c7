//! Lists the items of .pst/.ost files (folder, class, subject, attachment count) and how long
//! reading them took: a diagnostic and a rough benchmark of the store reader.
//!
//! `cargo run --release --example pst_items -- FILE...`

use std::time::Instant;

use sporhund::extract::outlook::pst;
use sporhund::extract::Input;

fn main() {
    for path in std::env::args_os().skip(1) {
        let path = std::path::PathBuf::from(path);
        let started = Instant::now();
        match pst::items(Input::File(&path)) {
            Ok(items) => {
                for i in &items {
                    match &i.class {
                        Ok(class) => {
                            println!("{}\t{}\t{}\t{}", i.folder, class, i.subject, i.attachments)
                        }
                        Err(e) => println!("{}\tERROR\t{e}", i.folder),
                    }
                }
                eprintln!(
                    "{}: {} items in {:.1} ms",
                    path.display(),
                    items.len(),
                    started.elapsed().as_secs_f64() * 1000.0
                );
            }
            Err(e) => eprintln!("{}: {e}", path.display()),
        }
    }
}
