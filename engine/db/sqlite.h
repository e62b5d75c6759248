/*
** sqlite.h -- what the SQLite sink and source share: SQLite's memory
** routed through cw__alloc.
*/
#ifndef CW_SQLITE_H
#define CW_SQLITE_H

/* Route SQLite's allocations through cw__alloc, once per process, before
** SQLite is first used (sink_sqlite.c; called by the SQLite sink and
** source). */
void cw__sqlite_setup(void);

#endif /* CW_SQLITE_H */
