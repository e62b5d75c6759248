/*
** ledger_sqlite.c -- a delivery ledger in a SQLite file (ledgerdb.h).
** The lock is flock() on the database file, held by a descriptor of our
** own: SQLite's own locks are fcntl() locks, which Linux keeps apart, and
** a lock held across two transactions is what a run needs (it records
** its rows before its files are renamed and marks them written after).
*/
#define _DEFAULT_SOURCE /* flock */

#include "db/ledgerdb.h"
#include "db/sqlite.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#define BUSY_MS 5000 /* how long to wait for a reader to finish */
#define NCACHE 24    /* prepared statements kept */

struct cw_ldb {
    sqlite3 *db;              /* the connection */
    char *path;               /* the file */
    char *where;              /* "sqlite:PATH" */
    int fd;                   /* the lock's descriptor, -1 when none */
    int intx;                 /* a transaction is open */
    char *sql[NCACHE];        /* the text of each cached statement */
    sqlite3_stmt *st[NCACHE]; /* and the statement */
    unsigned *map[NCACHE];    /* for each of its parameters, N of its name
                                 $N (0: another name); [0]: how many */
    size_t next;              /* the cache slot to reuse next */
    cw_err err;               /* the last error */
};

static int fail_db(cw_ldb *l, const char *what)
{
    int rc = sqlite3_errcode(l->db) == SQLITE_NOMEM ? CW_ENOMEM : CW_EIO;

    return cw__fail(&l->err, rc, "%s: %s%s%s", l->where, what,
                    what[0] ? ": " : "", sqlite3_errmsg(l->db));
}

static void sq_close(cw_ldb *l);

static int sq_open(const char *location, int create, cw_ldb **out, cw_err *err)
{
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    cw_buf w = {0};
    struct stat st;
    cw_ldb *l;
    int rc;

    *out = NULL;
    if (location[0] == '\0')
        return cw__fail(err, CW_EUSAGE,
                        "sqlite: name the ledger's file (sqlite:PATH)");
    if (!create && stat(location, &st) != 0)
        return cw__fail(err, CW_EUSAGE, "sqlite:%s: no ledger here (%s)",
                        location, strerror(errno));
    if (create)
        flags |= SQLITE_OPEN_CREATE;
    cw__sqlite_setup();
    l = cw__alloc(sizeof *l);
    if (l == NULL)
        return cw__fail(err, CW_ENOMEM, "out of memory");
    memset(l, 0, sizeof *l);
    l->fd = -1;
    if ((l->path = cw__strdup(location)) == NULL ||
        cw__buf_printf(&w, "sqlite:%s", location) != CW_OK) {
        cw__buf_free(&w);
        sq_close(l);
        return cw__fail(err, CW_ENOMEM, "out of memory");
    }
    l->where = w.p;
    rc = sqlite3_open_v2(location, &l->db, flags, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_extended_result_codes(l->db, 1);
    if (rc == SQLITE_OK)
        rc = sqlite3_busy_timeout(l->db, BUSY_MS);
    if (rc != SQLITE_OK) {
        rc = cw__fail(
            err, rc == SQLITE_NOMEM ? CW_ENOMEM : CW_EIO, "%s: %s", l->where,
            l->db != NULL ? sqlite3_errmsg(l->db) : sqlite3_errstr(rc));
        sq_close(l);
        return rc;
    }
    *out = l;
    return CW_OK;
}

static int sq_lock(cw_ldb *l, const char *name)
{
    (void)name; /* the file holds one ledger's tables per name; one lock */
    l->fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (l->fd < 0)
        return cw__fail(&l->err, CW_EIO, "%s: %s", l->where, strerror(errno));
    if (flock(l->fd, LOCK_EX | LOCK_NB) != 0) {
        int busy = errno == EWOULDBLOCK;

        close(l->fd);
        l->fd = -1;
        if (busy)
            return cw__fail(&l->err, CW_EUSAGE,
                            "%s: the ledger is in use by another crosswalk "
                            "run or command; try again when it ends",
                            l->where);
        return cw__fail(&l->err, CW_EIO, "%s: locking: %s", l->where,
                        strerror(errno));
    }
    return CW_OK;
}

/* The prepared statement for 'sql', from the cache or new, and the
** numbers of its parameters ('*map'[0] of them). */
static int stmt(cw_ldb *l, const char *sql, sqlite3_stmt **out,
                const unsigned **map)
{
    size_t i, n;
    char *copy;

    for (i = 0; i < NCACHE; i++)
        if (l->sql[i] != NULL && strcmp(l->sql[i], sql) == 0) {
            *out = l->st[i];
            *map = l->map[i];
            return CW_OK;
        }
    i = l->next;
    l->next = (l->next + 1) % NCACHE;
    sqlite3_finalize(l->st[i]);
    cw__free(l->sql[i]);
    cw__free(l->map[i]);
    l->st[i] = NULL;
    l->sql[i] = NULL;
    l->map[i] = NULL;
    if ((copy = cw__strdup(sql)) == NULL)
        return cw__fail(&l->err, CW_ENOMEM, "out of memory");
    if (sqlite3_prepare_v2(l->db, sql, -1, &l->st[i], NULL) != SQLITE_OK) {
        cw__free(copy);
        return fail_db(l, "");
    }
    l->sql[i] = copy;
    /* Name to number once: SQLite looks names up one by one. */
    n = (size_t)sqlite3_bind_parameter_count(l->st[i]);
    if ((l->map[i] = cw__alloc((n + 1) * sizeof *l->map[i])) == NULL)
        return cw__fail(&l->err, CW_ENOMEM, "out of memory");
    for (size_t at = 1; at <= n; at++) {
        const char *name = sqlite3_bind_parameter_name(l->st[i], (int)at);

        l->map[i][at] = name != NULL && name[0] == '$'
                            ? (unsigned)strtoul(name + 1, NULL, 10)
                            : 0;
    }
    l->map[i][0] = (unsigned)n;
    *out = l->st[i];
    *map = l->map[i];
    return CW_OK;
}

static int exec(cw_ldb *l, const char *sql)
{
    if (sqlite3_exec(l->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return fail_db(l, "");
    return CW_OK;
}

static int sq_begin(cw_ldb *l)
{
    int rc = exec(l, "BEGIN IMMEDIATE");

    l->intx = rc == CW_OK;
    return rc;
}

static int sq_commit(cw_ldb *l, int *lost)
{
    int rc = exec(l, "COMMIT");

    *lost = 0;
    if (rc != CW_OK && sqlite3_get_autocommit(l->db) == 0)
        exec(l, "ROLLBACK");
    l->intx = 0;
    return rc;
}

static void sq_rollback(cw_ldb *l)
{
    if (l->intx && sqlite3_get_autocommit(l->db) == 0)
        sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
    l->intx = 0;
}

static int sq_query(cw_ldb *l, const char *sql, const char *const *params,
                    size_t n, cw_ldb_row_fn fn, void *ud)
{
    const char *vals[32];
    sqlite3_stmt *st = NULL;
    const unsigned *map = NULL;
    int rc, k;

    if ((rc = stmt(l, sql, &st, &map)) != CW_OK)
        return rc;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    /* Each of the statement's parameters by its name, $1 ... $n. */
    for (unsigned at = 1; at <= map[0]; at++) {
        unsigned i = map[at];

        if (i == 0 || i > n)
            continue;
        if (params[i - 1] == NULL)
            k = sqlite3_bind_null(st, (int)at);
        else
            k = sqlite3_bind_text(st, (int)at, params[i - 1], -1,
                                  SQLITE_TRANSIENT);
        if (k != SQLITE_OK)
            return fail_db(l, "");
    }
    rc = CW_OK;
    while ((k = sqlite3_step(st)) == SQLITE_ROW) {
        int nc = sqlite3_column_count(st);

        if (fn == NULL)
            continue;
        if (nc > 32)
            nc = 32;
        for (int c = 0; c < nc; c++)
            vals[c] = sqlite3_column_type(st, c) == SQLITE_NULL
                          ? NULL
                          : (const char *)sqlite3_column_text(st, c);
        if ((rc = fn(ud, vals, (size_t)nc)) != CW_OK)
            break;
    }
    if (rc == CW_OK && k != SQLITE_DONE)
        rc = fail_db(l, "");
    sqlite3_reset(st);
    return rc;
}

static const char *sq_errmsg(const cw_ldb *l)
{
    return l->err.msg;
}

static const char *sq_where(const cw_ldb *l)
{
    return l->where;
}

static void sq_close(cw_ldb *l)
{
    if (l == NULL)
        return;
    sq_rollback(l);
    for (size_t i = 0; i < NCACHE; i++) {
        sqlite3_finalize(l->st[i]);
        cw__free(l->sql[i]);
        cw__free(l->map[i]);
    }
    sqlite3_close(l->db);
    if (l->fd >= 0)
        close(l->fd); /* releases the lock */
    cw__free(l->path);
    cw__free(l->where);
    cw__free(l);
}

const struct cw_ldb_type cw_ldb_sqlite = {
    .name = "sqlite",
    .open = sq_open,
    .lock = sq_lock,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .query = sq_query,
    .errmsg = sq_errmsg,
    .where = sq_where,
    .close = sq_close,
};
