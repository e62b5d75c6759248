/*
** ledgerdb.h -- the connection a delivery ledger keeps to its database
** (engine/ledger/ledger.c writes the SQL): SQLite (ledger_sqlite.c) or
** PostgreSQL (ledger_pgsql.c), behind one small interface.  SQL text
** names its parameters $1, $2, ... in both, and every value goes and
** comes back as text (NULL for SQL NULL).
*/
#ifndef CW_LEDGERDB_H
#define CW_LEDGERDB_H

#include "core/cw.h"

typedef struct cw_ldb cw_ldb; /* a kind's private handle */

/* Called for each row of a query, with its 'n' values; a value other
** than CW_OK stops the query and is returned by it. */
typedef int (*cw_ldb_row_fn)(void *ud, const char *const *vals, size_t n);

struct cw_ldb_type {
    const char *name; /* "sqlite", "postgres" */
    /*
    ** Connect to 'location' (the text after "kind:" and before '#').
    ** With 'create' 0, a SQLite file that does not exist is an error
    ** (CW_EUSAGE) instead of an empty new ledger.
    */
    int (*open)(const char *location, int create, cw_ldb **out, cw_err *err);
    /*
    ** Take the ledger's lock, held until close: one run or command at a
    ** time.  'name' identifies the ledger within its database (its
    ** table).  CW_EUSAGE at once when another holds it.
    */
    int (*lock)(cw_ldb *db, const char *name);
    /* Begin, commit and roll back a transaction.  After a failed commit
    ** the outcome may be unknown (a lost connection): then 'lost' is 1. */
    int (*begin)(cw_ldb *db);
    int (*commit)(cw_ldb *db, int *lost);
    void (*rollback)(cw_ldb *db);
    /* Run 'sql' with the 'n' text parameters 'params' (NULL entries are
    ** SQL NULL), calling 'fn' (may be NULL) for each row it returns. */
    int (*query)(cw_ldb *db, const char *sql, const char *const *params,
                 size_t n, cw_ldb_row_fn fn, void *ud);
    /* The last error; owned by 'db'. */
    const char *(*errmsg)(const cw_ldb *db);
    /* Where it is, for messages: "sqlite:PATH" or "postgres:DBNAME" (never
    ** a connection string).  Owned by 'db'. */
    const char *(*where)(const cw_ldb *db);
    /* Roll back what is not committed, release the lock, disconnect.
    ** NULL is a no-op. */
    void (*close)(cw_ldb *db);
};

extern const struct cw_ldb_type cw_ldb_sqlite;
extern const struct cw_ldb_type cw_ldb_postgres;

#endif /* CW_LEDGERDB_H */
