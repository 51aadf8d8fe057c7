//! The work the walk's threads share: a stack of items (directories to read, batches of files
//! to stat) that any thread takes from and adds to, and the knowledge of when all is done.
//!
//! A thread with nothing to take waits on a condition variable and is woken by the next item
//! or by the end; the end is when the stack is empty and no thread is working on an item
//! (which could add more). The `ignore` crate's walker, used before, let an idle thread sleep
//! a millisecond at a time instead: at the start of a walk and at its end one thread idled up
//! to a millisecond while the other worked, of a 20 ms walk of a tree of small files.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

/// Items shared by the walk's threads (see the module docs).
pub struct Queue<T> {
    state: Mutex<State<T>>,
    ready: Condvar,
    /// Threads waiting for an item (read without the lock by [`Queue::hungry`]).
    waiting: AtomicUsize,
}

struct State<T> {
    items: Vec<T>,
    /// Threads working on an item taken.
    busy: usize,
    /// No more items will be handed out: all done, or stopped.
    done: bool,
}

impl<T> Queue<T> {
    /// A queue holding `items`.
    pub fn new(items: Vec<T>) -> Self {
        Queue {
            state: Mutex::new(State {
                done: items.is_empty(),
                items,
                busy: 0,
            }),
            ready: Condvar::new(),
            waiting: AtomicUsize::new(0),
        }
    }

    /// Whether a thread is waiting for work: a thread going through a long list of its own
    /// should then share some of it.
    pub fn hungry(&self) -> bool {
        self.waiting.load(Ordering::Relaxed) > 0
    }

    /// The next item, once there is one (the caller must call [`Queue::finished`] when done
    /// with it, or hold [`Queue::taken`] while working on it); `None` when the walk is over:
    /// nothing left and nobody working, or stopped.
    pub fn take(&self) -> Option<T> {
        let mut s = self.lock();
        loop {
            if s.done {
                return None;
            }
            if let Some(item) = s.items.pop() {
                s.busy += 1;
                return Some(item);
            }
            if s.busy == 0 {
                s.done = true;
                self.ready.notify_all();
                return None;
            }
            self.waiting.fetch_add(1, Ordering::Relaxed);
            s = self.ready.wait(s).unwrap_or_else(|e| e.into_inner());
            self.waiting.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Adds items for any thread to take.
    pub fn add(&self, items: impl IntoIterator<Item = T>) {
        let mut s = self.lock();
        let before = s.items.len();
        s.items.extend(items);
        match s.items.len() - before {
            0 => {}
            1 => self.ready.notify_one(),
            _ => self.ready.notify_all(),
        }
    }

    /// A guard that says the item just taken has been dealt with when dropped, also when the
    /// work on it panicked: then the walk is stopped, so the other threads end instead of
    /// waiting for that item's work forever (the panic reaches the walk's caller).
    pub fn taken(&self) -> Taken<'_, T> {
        Taken(self)
    }

    /// Says that an item taken has been dealt with (whatever it added is in the queue).
    pub fn finished(&self) {
        let mut s = self.lock();
        s.busy -= 1;
        if s.busy == 0 && s.items.is_empty() {
            s.done = true;
            self.ready.notify_all();
        }
    }

    /// Ends the walk early: no item is handed out any more.
    pub fn stop(&self) {
        self.lock().done = true;
        self.ready.notify_all();
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // A thread that panicked holding the lock left the state consistent (every change is
        // one statement); the panic itself reaches the caller through the thread's join.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// See [`Queue::taken`].
pub struct Taken<'q, T>(&'q Queue<T>);

impl<T> Drop for Taken<'_, T> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.stop();
        }
        self.0.finished();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A tree of items, each adding its children: every item is taken exactly once, by
    /// whichever thread, and every thread returns once all are done.
    #[test]
    fn every_item_is_taken_once_and_all_threads_end() {
        // Item n adds 2n+1 and 2n+2 while below 2000.
        let q = Queue::new(vec![0usize]);
        let seen: Vec<AtomicUsize> = (0..2000).map(|_| AtomicUsize::new(0)).collect();
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    while let Some(n) = q.take() {
                        seen[n].fetch_add(1, Ordering::Relaxed);
                        q.add([2 * n + 1, 2 * n + 2].into_iter().filter(|&c| c < 2000));
                        q.finished();
                    }
                });
            }
        });
        assert!(seen.iter().all(|c| c.load(Ordering::Relaxed) == 1));
        assert!(q.take().is_none(), "still over");
    }

    /// Work that panics stops the walk: the other threads end, and the panic reaches whoever
    /// waits for the threads, instead of everyone waiting for the lost item's work.
    #[test]
    fn a_panic_on_one_item_ends_every_thread() {
        let q = Queue::new((0..100).collect::<Vec<u32>>());
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            std::thread::scope(|s| {
                for _ in 0..3 {
                    s.spawn(|| {
                        while let Some(n) = q.take() {
                            let _taken = q.taken();
                            if n == 50 {
                                panic!("visitor bug");
                            }
                            std::thread::sleep(std::time::Duration::from_millis(1));
                        }
                    });
                }
            })
        }));
        assert!(result.is_err());
        assert!(q.take().is_none());
    }

    #[test]
    fn a_stop_ends_every_thread_with_items_left() {
        let q = Queue::new((0..100).collect::<Vec<u32>>());
        let taken = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| {
                    while let Some(n) = q.take() {
                        taken.fetch_add(1, Ordering::Relaxed);
                        if n == 90 {
                            q.stop();
                        }
                        q.finished();
                    }
                });
            }
        });
        assert!(taken.load(Ordering::Relaxed) < 100);
        assert!(
            Queue::<u8>::new(Vec::new()).take().is_none(),
            "nothing to do"
        );
    }
}
