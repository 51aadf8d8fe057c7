//! The `sporhund` binary: parse the command line, run, exit with a documented code.

/// mimalloc instead of the system allocator: extraction allocates many small,
/// short-lived buffers on every worker thread, and glibc's malloc serialised the
/// workers on its arena locks (see Cargo.toml for the measurements).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc.h (v2 and v3; the -sys crate does not name it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() {
    // Freed memory goes back to the OS at once rather than after a second: peak memory is
    // a promise (zip-bomb limits), and the scan was no slower for it.
    // SAFETY: mi_option_set only stores a value in mimalloc's option table.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    std::process::exit(sporhund::cli::run());
}
