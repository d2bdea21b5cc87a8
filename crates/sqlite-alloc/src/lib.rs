//! SQLite's own allocations through mimalloc.
//!
//! The server allocates through mimalloc (glibc's malloc took an eighth of its time under
//! intake load), but SQLite, compiled in by sqlx, calls the C library's `malloc` and `free`
//! itself: for every page it reads into its cache and every value sqlx copies out of a row.
//! sqlx reads on a thread of its own per connection and drops the rows on the async runtime's
//! threads, so a row's values are allocated in one thread's glibc arena and freed from another,
//! and the two threads wait on the arena's lock (perf: `__lll_lock_wait_private` under
//! `pcache1Alloc` and `sqlite3_value_dup`). With the same process's SQLite on jemalloc instead
//! (`LD_PRELOAD`, as an experiment), reading the 100,000 orders of two busy weeks took 0.31–0.45 s
//! instead of 0.56–0.75 s. mimalloc frees another thread's block without a lock.
//!
//! SQLite takes its allocator once per process, before it is first used
//! (`sqlite3_config(SQLITE_CONFIG_MALLOC, …)`, <https://sqlite.org/c3ref/mem_methods.html>):
//! [`use_mimalloc`] is called at the top of `main`, before any thread is started, and does
//! nothing if the process has another thread already.

use std::ffi::{c_int, c_void};

use libmimalloc_sys as mi;
use libsqlite3_sys as ffi;

unsafe extern "C" fn x_malloc(n: c_int) -> *mut c_void {
    // SAFETY: mi_malloc may be called with any size; SQLite never asks for a negative one.
    unsafe { mi::mi_malloc(n.max(0) as usize) }
}

unsafe extern "C" fn x_free(p: *mut c_void) {
    // SAFETY: SQLite frees only what x_malloc or x_realloc gave it (or null), which mimalloc made.
    unsafe { mi::mi_free(p) }
}

unsafe extern "C" fn x_realloc(p: *mut c_void, n: c_int) -> *mut c_void {
    // SAFETY: `p` is null or a block of mimalloc's, as in x_free.
    unsafe { mi::mi_realloc(p, n.max(0) as usize) }
}

unsafe extern "C" fn x_size(p: *mut c_void) -> c_int {
    // SAFETY: `p` is null or a block of mimalloc's, as in x_free; its usable size is at least
    // what was asked for, which SQLite allows.
    let n = unsafe { mi::mi_usable_size(p) };
    n.min(c_int::MAX as usize) as c_int
}

extern "C" fn x_roundup(n: c_int) -> c_int {
    // What SQLite's own allocator rounds to (a multiple of eight).
    n.saturating_add(7) & !7
}

extern "C" fn x_init(_: *mut c_void) -> c_int {
    ffi::SQLITE_OK
}

extern "C" fn x_shutdown(_: *mut c_void) {}

/// Makes SQLite allocate through mimalloc. Call it at the start of the process, before any
/// thread is started and any database opened. False, and nothing changed, when the process has
/// more than its one thread by then (another could be using SQLite) or SQLite refused (already
/// in use): SQLite then keeps the C library's allocator, which is slower but as correct.
pub fn use_mimalloc() -> bool {
    // sqlite3_config must not run beside any other use of SQLite: with one thread in the
    // process, none can happen, and this thread starts none before the call returns.
    let alone = std::fs::read_dir("/proc/self/task").map(|d| d.count() == 1).unwrap_or(false);
    if !alone {
        return false;
    }
    let methods = ffi::sqlite3_mem_methods {
        xMalloc: Some(x_malloc),
        xFree: Some(x_free),
        xRealloc: Some(x_realloc),
        xSize: Some(x_size),
        xRoundup: Some(x_roundup),
        xInit: Some(x_init),
        xShutdown: Some(x_shutdown),
        pAppData: std::ptr::null_mut(),
    };
    // SAFETY: SQLITE_CONFIG_MALLOC takes a pointer to a sqlite3_mem_methods, which SQLite copies
    // before returning; no other thread exists to use SQLite meanwhile (above), and SQLite
    // refuses with SQLITE_MISUSE if this one has used it already. The functions given are sound
    // for every pointer SQLite passes them, as each says.
    unsafe { ffi::sqlite3_config(ffi::SQLITE_CONFIG_MALLOC, &methods as *const ffi::sqlite3_mem_methods) == ffi::SQLITE_OK }
}

/// Makes SQLite count the memory it holds (its page caches, statements and values), for
/// [`memory_used`]. Off by default (built with `SQLITE_DEFAULT_MEMSTATUS=0`): counting takes
/// one global mutex around every allocation and free, which slows reads on several threads.
/// Call it, as [`use_mimalloc`], at the start of the process before any thread is started; false,
/// and nothing changed, otherwise.
pub fn count_memory() -> bool {
    let alone = std::fs::read_dir("/proc/self/task").map(|d| d.count() == 1).unwrap_or(false);
    if !alone {
        return false;
    }
    // SAFETY: SQLITE_CONFIG_MEMSTATUS takes one int; no other thread exists to use SQLite
    // meanwhile (above), and SQLite refuses with SQLITE_MISUSE once it is in use.
    unsafe { ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 1 as c_int) == ffi::SQLITE_OK }
}

/// The bytes SQLite holds now and the most it has held, when it counts them ([`count_memory`]);
/// zeros otherwise.
pub fn memory_used() -> (i64, i64) {
    // SAFETY: both functions take no pointer and are safe to call from any thread at any time
    // (they read SQLite's statistics under its own mutex).
    unsafe { (ffi::sqlite3_memory_used(), ffi::sqlite3_memory_highwater(0)) }
}

/// Asks mimalloc to hand back to the system what it still holds of the memory freed in this
/// process, as far as one thread can: the pages of threads that have ended (a closed
/// connection's thread ends with its page cache freed but still resident) and its arenas. What
/// is resident after is what the process uses, not what it used. For measurements: it walks the
/// allocator's segments and may take some milliseconds.
pub fn give_back_freed_memory() {
    // SAFETY: mi_collect takes no pointer and may be called from any thread at any time.
    unsafe { mi::mi_collect(true) }
}
