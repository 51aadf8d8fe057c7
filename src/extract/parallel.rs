//! Several threads on the members of one source (the messages of a multi-gigabyte mbox).
//!
//! The container hands out jobs with `next` (called from any thread, in turn, so it can keep
//! the container's own order and numbering behind a lock) and `work` turns a job into text with
//! a context of its own. Each thread gets a [`fork`](super::SegmentSink::fork) of the sink;
//! sinks that cannot fork get every job on the calling thread.

use super::Context;

/// Runs `work` on every job `next` hands out, on the rayon pool when the sink can fork and
/// on the calling thread when it cannot. Jobs may finish in any order.
pub fn for_each_job<J>(
    ctx: &mut Context<'_>,
    next: impl Fn() -> Option<J> + Sync,
    work: impl Fn(&mut Context<'_>, J) + Sync,
) {
    let threads = rayon::current_num_threads();
    let mut forks = Vec::new();
    if threads > 1 {
        while forks.len() < threads {
            match ctx.sink.fork() {
                Some(f) => forks.push(f),
                None => break,
            }
        }
    }
    if forks.len() < 2 {
        drop(forks);
        while let Some(job) = next() {
            work(ctx, job);
        }
        return;
    }
    let (location, dispatcher, budget) = (&ctx.location, ctx.dispatcher, ctx.budget);
    let (next, work) = (&next, &work);
    rayon::scope(|scope| {
        for mut fork in forks {
            scope.spawn(move |_| {
                let mut child = Context {
                    location: location.clone(),
                    sink: &mut *fork,
                    dispatcher,
                    budget,
                };
                while let Some(job) = next() {
                    work(&mut child, job);
                }
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::{Budget, Dispatcher, ExtractError, Limits, Segment, SegmentSink};
    use crate::location::{Location, Step};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    /// Collects texts into shared storage; forks when `forks` is true.
    struct Shared {
        texts: Arc<Mutex<Vec<String>>>,
        forks: bool,
    }
    impl SegmentSink for Shared {
        fn text(&mut self, s: Segment<'_>) {
            let line = format!("{} {}", s.location, s.text);
            self.texts.lock().unwrap().push(line);
        }
        fn error(&mut self, _: &Location, _: &ExtractError) {}
        fn fork(&self) -> Option<Box<dyn SegmentSink + Send + '_>> {
            self.forks.then(|| {
                Box::new(Shared {
                    texts: self.texts.clone(),
                    forks: true,
                }) as Box<dyn SegmentSink + Send>
            })
        }
    }

    fn run(forks: bool) -> Vec<String> {
        let texts = Arc::new(Mutex::new(Vec::new()));
        let mut sink = Shared {
            texts: texts.clone(),
            forks,
        };
        let dispatcher = Dispatcher::new(Limits::default());
        let budget = Budget::new(10);
        let mut ctx = Context {
            location: Location::root(),
            sink: &mut sink,
            dispatcher: &dispatcher,
            budget: &budget,
        };
        let counter = AtomicUsize::new(0);
        let next = || {
            let i = counter.fetch_add(1, Ordering::Relaxed);
            (i < 50).then_some(i)
        };
        for_each_job(&mut ctx, next, |c, i| {
            let step = Step::Entry {
                name: i.to_string(),
            };
            c.text(Some(step), "x", false)
        });
        let mut t = texts.lock().unwrap().clone();
        t.sort();
        t
    }

    #[test]
    fn every_job_is_done_once_with_or_without_forks() {
        let mut want: Vec<String> = (0..50).map(|i| format!("entry {i} x")).collect();
        want.sort();
        assert_eq!(run(true), want);
        assert_eq!(run(false), want);
    }
}
