//! The progress line on standard error (only when it is a terminal): files, bytes, findings,
//! errors and throughput, refreshed a few times a second from the scan's atomic counters.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::scan::Progress;

/// A running progress display; [`ProgressLine::finish`] clears it.
pub struct ProgressLine {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ProgressLine {
    /// Starts showing `progress`, unless `disabled` or standard error is not a terminal.
    pub fn start(progress: Arc<Progress>, disabled: bool) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        if disabled || !std::io::stderr().is_terminal() {
            return ProgressLine { stop, thread: None };
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            while !flag.load(Ordering::Relaxed) {
                let files = progress.files.load(Ordering::Relaxed);
                let bytes = progress.bytes.load(Ordering::Relaxed) as f64 / 1e6;
                let findings = progress.findings.load(Ordering::Relaxed);
                let errors = progress.errors.load(Ordering::Relaxed);
                let rate = bytes / started.elapsed().as_secs_f64().max(0.001);
                bar.set_message(format!(
                    "{files} files, {bytes:.0} MB, {findings} findings, {errors} errors, {rate:.0} MB/s"
                ));
                bar.tick();
                std::thread::sleep(Duration::from_millis(150));
            }
            bar.finish_and_clear();
        });
        ProgressLine {
            stop,
            thread: Some(thread),
        }
    }

    /// Stops and clears the display.
    pub fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
