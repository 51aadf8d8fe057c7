//! The `sporhund` binary: parse the command line, run, exit with a documented code.

/// mimalloc instead of the system allocator: extraction allocates many small,
/// short-lived buffers on every worker thread, and glibc's malloc serialised the
/// workers on its arena locks (see Cargo.toml for the measurements).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc.h (v2 and v3; the -sys crate does not name it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Milliseconds freed memory is kept before it goes back to the OS. 0 ms cost 5-10 % CPU in
/// page faults; 10 ms (mimalloc v2's default) still gave back and faulted in again the memory
/// of each file's findings between files: a one-thread scan of the dense 300 MB corpus took
/// 620 ms against 590-600 ms at 50, 100 or 1000 ms (three rounds of five runs). 100 ms was
/// chosen while a decompressed member's buffer grew by doubling (every freed half stayed
/// resident for the delay); it no longer does (archive/bounded.rs). At 100 ms the walker
/// threads of a 25 ms rescan gave back some 40 ranges as they ended, memory the report thread
/// then faulted in again: 1000 ms saves 1 ms of it (24.9 -> 23.9 ms, 30 alternating rounds),
/// with the same peak memory for the dense corpus (107 MB), the large one to JSONL (28 MB) and
/// the archive bombs (under the test's 120 MiB).
const PURGE_DELAY_MS: std::ffi::c_long = 1000;

fn main() {
    // MIMALLOC_PURGE_DELAY, when set, wins (to measure other settings).
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: mi_option_set only stores a value in mimalloc's option table.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
    }
    disable_transparent_huge_pages();
    let code = sporhund::cli::run();
    exit_now(code);
}

/// Ends the process with `code` once standard output is flushed, without the exit handlers
/// of the C library: mimalloc's collects and gives back to the OS, page range by page range,
/// all the memory the kernel is about to reclaim in one go anyway (47 `madvise` calls at the
/// end of a rescan of small files). Everything sporhund writes is finished before this
/// (reports, cache and baselines are flushed, closed or synced where they are written).
fn exit_now(code: i32) -> ! {
    #[cfg(unix)]
    if std::io::Write::flush(&mut std::io::stdout()).is_ok() {
        extern "C" {
            fn _exit(status: std::ffi::c_int) -> !;
        }
        // SAFETY: _exit ends the process at once; nothing runs after it.
        unsafe { _exit(code) }
    }
    std::process::exit(code)
}

/// Turns transparent huge pages off for this process. Memory mimalloc gave back and touched
/// again was faulted in 2 MB at a time, zeroed whole: the kernel's page clearing was ~19 % of
/// the samples of a scan of the dense 300 MB corpus. The `no_thp` build of mimalloc (Cargo.toml)
/// no longer asks for huge pages (`madvise`); this also covers systems where the kernel uses
/// them unasked (`/sys/kernel/mm/transparent_hugepage/enabled` = `always`).
#[cfg(target_os = "linux")]
fn disable_transparent_huge_pages() {
    use std::ffi::{c_int, c_ulong};
    extern "C" {
        fn prctl(option: c_int, ...) -> c_int;
    }
    /// `PR_SET_THP_DISABLE` in linux/prctl.h.
    const PR_SET_THP_DISABLE: c_int = 41;
    // SAFETY: prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) only sets a flag of the process; a kernel
    // without it returns an error and leaves huge pages as they were.
    unsafe {
        prctl(
            PR_SET_THP_DISABLE,
            1 as c_ulong,
            0 as c_ulong,
            0 as c_ulong,
            0 as c_ulong,
        )
    };
}

#[cfg(not(target_os = "linux"))]
fn disable_transparent_huge_pages() {}
