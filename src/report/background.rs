//! A buffered writer whose writes happen on a thread of its own ([`BackgroundWriter`]): while
//! one buffer is handed to the kernel (for a report file, the copy into the page cache), the
//! report fills the next. Writes of a buffer's size or more, vectored ones included, are not
//! copied into a buffer: once the buffers before them are written they go to the destination
//! from the caller's thread. A rescan's JSON report is mostly such writes: tens of megabytes of
//! stored texts, handed to `writev` where they lie in the cache's memory map (copying them
//! into buffers first, on the report thread, took a fifth of a rescan of many small files).
//!
//! The destination's last step ([`Destination::finish`], e.g. setting a report file's length
//! to what was written) also runs on that thread, after the last byte; [`BackgroundWriter::finish`]
//! waits for it and returns its error.

use std::io::{self, Write};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// Bytes gathered before a buffer is handed over: large enough that the system calls are
/// few, small enough to stay in the processor's cache.
const BUFFER: usize = 256 << 10;

/// Where a [`BackgroundWriter`] writes: a [`Write`] with a last step after the last byte.
pub trait Destination: Write + Send + 'static {
    /// Runs on the writing thread once everything is written: by default, a flush.
    fn finish(&mut self) -> io::Result<()> {
        self.flush()
    }
}

impl Destination for io::Stdout {}

/// What the filling side sends the writing thread.
enum Job {
    /// Write these bytes (the buffer comes back, emptied, to be filled again).
    Write(Vec<u8>),
    /// Flush the destination and say so.
    Flush,
}

/// A [`Write`] that buffers and writes on another thread, in order. Two buffers take turns:
/// one is filled while the other is written. A write of a buffer's size or more is not copied:
/// once the buffers before it are written, it goes to the destination from the caller's
/// thread, as `BufWriter` passes it through (a rescan's report of large files is mostly such
/// writes, straight from the cache's memory map). A write error is returned by a later `write`
/// or `flush` (a failed destination takes nothing more); `flush` waits until every byte is
/// written and the destination flushed. Dropping it writes what is buffered, and waits.
pub struct BackgroundWriter {
    buffer: Vec<u8>,
    jobs: Option<SyncSender<Job>>,
    /// Emptied buffers and flush acknowledgements coming back.
    done: Receiver<Done>,
    /// Buffers out with the writing thread.
    out: usize,
    /// The destination, shared with the writing thread (which holds it while it writes).
    inner: Arc<Mutex<dyn Write + Send>>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

/// What the writing thread sends back.
enum Done {
    Written(Vec<u8>),
    Flushed,
}

impl BackgroundWriter {
    /// Writes to `inner` on a new thread, which calls [`Destination::finish`] on it after the
    /// last byte (when [`BackgroundWriter::finish`] is called or the writer is dropped).
    pub fn new<W: Destination>(inner: W) -> io::Result<BackgroundWriter> {
        // Two jobs may wait: a buffer and a flush behind it.
        let (jobs, take) = sync_channel::<Job>(2);
        let (give, done) = sync_channel::<Done>(2);
        let shared = Arc::new(Mutex::new(inner));
        let inner: Arc<Mutex<dyn Write + Send>> = shared.clone();
        let thread = std::thread::Builder::new()
            .name("report writer".into())
            .spawn(move || -> io::Result<()> {
                let inner = || locked(&shared);
                for job in take {
                    match job {
                        Job::Write(mut bytes) => {
                            inner()?.write_all(&bytes)?;
                            bytes.clear();
                            // The other side may have gone (dropped after an error): fine.
                            let _ = give.send(Done::Written(bytes));
                        }
                        Job::Flush => {
                            inner()?.flush()?;
                            let _ = give.send(Done::Flushed);
                        }
                    }
                }
                inner()?.finish()
            })?;
        Ok(BackgroundWriter {
            buffer: Vec::with_capacity(BUFFER),
            jobs: Some(jobs),
            done,
            out: 0,
            inner,
            thread: Some(thread),
        })
    }

    /// Writes what is buffered, has the destination finish, and waits for it: the first error
    /// of any write, flush or of the finish.
    pub fn finish(mut self) -> io::Result<()> {
        self.hand_over()?;
        self.stopped_with(self.jobs.is_some())
    }

    /// Ends the writing thread (it writes what it was handed and finishes the destination) and
    /// waits for it: its result, when it was still `running`; else the error it stopped with.
    fn stopped_with(&mut self, running: bool) -> io::Result<()> {
        // Closing the channel ends the thread's loop.
        self.jobs = None;
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) if running => result,
            Some(Ok(Err(e))) => Err(e),
            Some(Err(_)) => Err(io::Error::other("the report writer panicked")),
            _ => Err(io::Error::other("the report writer has stopped")),
        }
    }

    /// Writes from this thread with `write`, after everything before: when anything was
    /// handed over or is buffered, a flush first has the thread write it.
    fn write_through<T>(
        &mut self,
        write: impl FnOnce(&mut dyn Write) -> io::Result<T>,
    ) -> io::Result<T> {
        if self.jobs.is_none() {
            // It failed before: nothing more is written, also not out of order.
            return Err(io::Error::other("the report writer has stopped"));
        }
        if self.out > 0 || !self.buffer.is_empty() {
            self.flush()?;
        }
        write(&mut *locked(&self.inner)?)
    }

    /// Sends `job`; when the thread has stopped (it failed), its error.
    fn send(&mut self, job: Job) -> io::Result<()> {
        let sent = match &self.jobs {
            Some(jobs) => jobs.send(job).is_ok(),
            None => false,
        };
        if sent {
            Ok(())
        } else {
            Err(self.stopped())
        }
    }

    /// The error the writing thread stopped with (it stops early only on one).
    fn stopped(&mut self) -> io::Error {
        self.stopped_with(false)
            .err()
            .unwrap_or_else(|| io::Error::other("the report writer has stopped"))
    }

    /// Waits for what the thread sends back next.
    fn receive(&mut self) -> io::Result<Done> {
        match self.done.recv() {
            Ok(done) => Ok(done),
            Err(_) => Err(self.stopped()),
        }
    }

    /// Waits for the thread to finish writing a buffer it holds, and takes it back.
    fn written(&mut self) -> io::Result<Vec<u8>> {
        match self.receive()? {
            Done::Written(buffer) => {
                self.out -= 1;
                Ok(buffer)
            }
            Done::Flushed => Err(io::Error::other("report writer out of step")),
        }
    }

    /// Hands the buffer to the thread and takes an empty one: a new one while the thread holds
    /// only this, else the one it has finished writing.
    fn hand_over(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let next = match self.out {
            0 => Vec::with_capacity(BUFFER),
            _ => self.written()?,
        };
        let full = std::mem::replace(&mut self.buffer, next);
        self.send(Job::Write(full))?;
        self.out += 1;
        Ok(())
    }
}

/// The destination, locked; an error when a thread panicked holding it.
fn locked<W: ?Sized>(inner: &Mutex<W>) -> io::Result<MutexGuard<'_, W>> {
    inner.lock().map_err(|_| io::Error::other("report writer"))
}

impl Write for BackgroundWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.write_all(bytes)?;
        Ok(bytes.len())
    }

    /// Small writes are gathered into the buffer; larger ones go to the destination as one
    /// vectored write from this thread (a rescan's report: texts the kernel copies straight
    /// from the cache's memory map).
    fn write_vectored(&mut self, slices: &[io::IoSlice<'_>]) -> io::Result<usize> {
        let total: usize = slices.iter().map(|s| s.len()).sum();
        if total < BUFFER {
            for s in slices {
                self.write_all(s)?;
            }
            return Ok(total);
        }
        self.write_through(|inner| inner.write_vectored(slices))
    }

    fn write_all(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        if bytes.len() >= BUFFER {
            return self.write_through(|inner| inner.write_all(bytes));
        }
        while !bytes.is_empty() {
            let room = BUFFER.saturating_sub(self.buffer.len());
            if room == 0 {
                self.hand_over()?;
                continue;
            }
            let (now, rest) = bytes.split_at(room.min(bytes.len()));
            self.buffer.extend_from_slice(now);
            bytes = rest;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.hand_over()?;
        self.send(Job::Flush)?;
        while let Done::Written(_) = self.receive()? {
            self.out -= 1;
        }
        // Every buffer is back but the one being filled: the next hand-over makes a new one.
        debug_assert_eq!(self.out, 0);
        Ok(())
    }
}

impl Drop for BackgroundWriter {
    fn drop(&mut self) {
        // Not finished (an error came first): what was written is finished as it is.
        if self.thread.is_some() {
            let _ = self.hand_over();
            let _ = self.stopped_with(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A destination that records what it is given, and fails once it holds `fail_after`
    /// bytes.
    #[derive(Clone)]
    struct Sink {
        got: Arc<Mutex<Vec<u8>>>,
        flushes: Arc<Mutex<usize>>,
        fail_after: usize,
        /// What `finish` answers (it also appends " finished").
        finish_fails: bool,
    }

    impl Destination for Sink {
        fn finish(&mut self) -> io::Result<()> {
            self.got.lock().unwrap().extend_from_slice(b" finished");
            match self.finish_fails {
                true => Err(io::Error::other("cannot set the length")),
                false => Ok(()),
            }
        }
    }

    impl Write for Sink {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            let mut got = self.got.lock().unwrap();
            if got.len() >= self.fail_after {
                return Err(io::Error::other("disk full"));
            }
            // Takes a little at a time, as a pipe may.
            let n = bytes.len().min(1000);
            got.extend_from_slice(&bytes[..n]);
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            *self.flushes.lock().unwrap() += 1;
            Ok(())
        }
    }

    fn sink(fail_after: usize) -> Sink {
        Sink {
            got: Arc::default(),
            flushes: Arc::default(),
            fail_after,
            finish_fails: false,
        }
    }

    /// Pieces of every size, from empty to several buffers, arrive in order and whole, at
    /// every flush and at the end.
    #[test]
    fn bytes_arrive_in_order_at_each_flush() {
        let s = sink(usize::MAX);
        let mut w = BackgroundWriter::new(s.clone()).unwrap();
        let mut want = Vec::new();
        for i in 0..300usize {
            let n = match i % 9 {
                0 => 0,
                1 => 3 * BUFFER + 7,
                _ => i * 131 % 9000,
            };
            let piece: Vec<u8> = (0..n).map(|k| (i + k) as u8).collect();
            match i % 4 {
                // In three slices, one vectored write after another as a report's blocks go
                // (those of a buffer's size or more pass the buffer).
                0 => {
                    let (a, rest) = piece.split_at(n / 3);
                    let (b, c) = rest.split_at(rest.len() / 2);
                    let mut slices = [
                        io::IoSlice::new(a),
                        io::IoSlice::new(b),
                        io::IoSlice::new(c),
                    ];
                    let mut slices = &mut slices[..];
                    io::IoSlice::advance_slices(&mut slices, 0);
                    while !slices.is_empty() {
                        let n = w.write_vectored(slices).unwrap();
                        io::IoSlice::advance_slices(&mut slices, n);
                    }
                }
                _ => w.write_all(&piece).unwrap(),
            }
            want.extend_from_slice(&piece);
            if i % 50 == 49 {
                w.flush().unwrap();
                assert_eq!(*s.got.lock().unwrap(), want, "after piece {i}");
            }
        }
        w.write_all(b"tail").unwrap();
        want.extend_from_slice(b"tail finished");
        w.finish().unwrap();
        assert_eq!(*s.got.lock().unwrap(), want);
        assert!(*s.flushes.lock().unwrap() >= 7);
    }

    /// The destination finishes after every byte, also after a large write made at once from
    /// the caller's thread, also when nothing is written and also when the writer is dropped
    /// unfinished; `finish` returns its error.
    #[test]
    fn the_destination_finishes_after_the_last_byte() {
        let s = sink(usize::MAX);
        let mut w = BackgroundWriter::new(s.clone()).unwrap();
        let big = vec![b'x'; 2 * BUFFER];
        w.write_all(&big).unwrap();
        w.write_all(b"y").unwrap();
        w.finish().unwrap();
        let got = s.got.lock().unwrap().clone();
        assert_eq!(got.len(), big.len() + 1 + 9);
        assert!(got.ends_with(b"xy finished"));
        let s = sink(usize::MAX);
        BackgroundWriter::new(s.clone()).unwrap().finish().unwrap();
        assert_eq!(*s.got.lock().unwrap(), b" finished");
        let s = sink(usize::MAX);
        let mut w = BackgroundWriter::new(s.clone()).unwrap();
        w.write_all(b"z").unwrap();
        drop(w);
        assert_eq!(*s.got.lock().unwrap(), b"z finished");
        let s = Sink {
            finish_fails: true,
            ..sink(usize::MAX)
        };
        let error = BackgroundWriter::new(s).unwrap().finish().unwrap_err();
        assert_eq!(error.to_string(), "cannot set the length");
    }

    /// A destination that fails: a later write or the flush returns its error, and nothing
    /// hangs.
    #[test]
    fn a_failing_destination_is_an_error() {
        let mut w = BackgroundWriter::new(sink(2 * BUFFER)).unwrap();
        let piece = vec![b'x'; 10_000];
        let error = (0..1000)
            .map(|_| w.write_all(&piece))
            .chain(std::iter::once_with(|| Ok(())))
            .find_map(Result::err)
            .or_else(|| w.flush().err())
            .expect("an error");
        assert_eq!(error.to_string(), "disk full");
        assert!(w.write_all(&piece).and_then(|_| w.flush()).is_err());
        assert!(w.write_all(&vec![b'y'; 2 * BUFFER]).is_err());
        assert!(w.finish().is_err());
    }
}
