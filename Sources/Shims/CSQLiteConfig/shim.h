#ifndef BOXBRIDGE_CSQLITECONFIG_SHIM_H
#define BOXBRIDGE_CSQLITECONFIG_SHIM_H

// sqlite3_config is variadic, which Swift cannot call. It is declared here, with the signature
// <sqlite3.h> gives it, instead of including that header: GRDBSQLite's module already owns it,
// and one C header in two Clang modules makes its types ambiguous to Swift.
int sqlite3_config(int option, ...);

// SQLITE_CONFIG_MEMSTATUS in <sqlite3.h>.
#define BOXBRIDGE_SQLITE_CONFIG_MEMSTATUS 9

/// Turns off SQLite's memory statistics, which take one process-wide mutex around every
/// allocation: two connections writing on two threads spent a third of their CPU contending for
/// it. Only effective before SQLite initializes (the first connection opened in the process);
/// returns SQLITE_OK (0) when it took effect, SQLITE_MISUSE (21) when it came too late.
static inline int boxbridge_sqlite_disable_memory_statistics(void) {
    return sqlite3_config(BOXBRIDGE_SQLITE_CONFIG_MEMSTATUS, 0);
}

#endif
