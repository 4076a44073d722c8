#ifndef CSQLITE_SHIM_H
#define CSQLITE_SHIM_H
#include <sqlite3.h>

/// SQLITE_TRANSIENT is a cast macro (`(sqlite3_destructor_type)-1`) that Swift cannot import.
/// Binding with it makes SQLite copy the bytes before the call returns, so Swift buffers may move.
static inline sqlite3_destructor_type csqlite_transient(void) { return SQLITE_TRANSIENT; }

/// sqlite3_config is variadic. Memory statistics off: with them on, every SQLite allocation takes a
/// process-wide mutex, and nothing here reads sqlite3_memory_used(). Only effective before SQLite
/// initialises (SQLITE_MISUSE afterwards, which changes nothing).
static inline int csqlite_disable_memory_statistics(void) { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }

#endif
