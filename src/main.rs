//! The `sporhund` binary: parse the command line, run, exit with a documented code.

/// mimalloc instead of the system allocator: extraction allocates many small,
/// short-lived buffers on every worker thread, and glibc's malloc serialised the
/// workers on its arena locks (see Cargo.toml for the measurements).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc.h (v2 and v3; the -sys crate does not name it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Milliseconds freed memory is kept before it goes back to the OS (mimalloc v2's default;
/// v3 keeps it a second, which let a decompression buffer growing by doubling hold 125 MB
/// where 10 ms holds 93 MB and 0 ms 76 MB; 0 ms cost 5-10 % CPU in page faults).
const PURGE_DELAY_MS: std::ffi::c_long = 10;

fn main() {
    // MIMALLOC_PURGE_DELAY, when set, wins (to measure other settings).
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: mi_option_set only stores a value in mimalloc's option table.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
    }
    std::process::exit(sporhund::cli::run());
}
