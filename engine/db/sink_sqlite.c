/*
** sink_sqlite.c -- the SQLite sink: typed tables written through
** prepared INSERTs inside one transaction.  Owns its connections (shared
** by every sink of the process on the same path) and routes SQLite's
** memory through cw__alloc; borrows the column list only during open().
**
** Choices, measured on bench/data/messages-1m.csv (bench/DB-SQLITE.md):
** - The default rollback journal and synchronous=FULL are kept.  A load is
**   one transaction, so durability costs a few fsyncs at COMMIT, not one
**   per row; WAL would change the file's journal mode for every other
**   user of it, and journal_mode=OFF or synchronous=OFF give up atomic
**   rollback.  Neither is set.
** - Rows go in groups of GROUP_ROWS (128) per INSERT ... VALUES (...),
**   (...): each statement's fixed cost (step, reset, opening the table)
**   is paid once a group (callgrind: 13% fewer instructions a row in the
**   loading thread with 32 rows a statement than with one), and an
**   upsert's statement journal (below) copies the pages it changes once a
**   group (128 rows: 0.88x the CPU of 32).  A row's values are converted
**   (and refused) at write(), and copied until the group goes in; a
**   constraint error of a group sends its rows again one by one (SQLite
**   undid the statement), so the message names the row, at the write()
**   that completed the group or at commit().  An upsert's key given twice
**   in one group keeps the last row, as SQLite applies the rows in order.
** - A statement of many rows into a table with constraints keeps a
**   statement journal, to undo itself: a copy of every page it changes
**   that an earlier statement of the transaction wrote, so an upsert
**   appending to a new table copied the last pages of the table and its
**   key's index at every group.  An upsert into a table whose CREATE
**   TABLE is ours and that has no trigger and no other UNIQUE index is
**   an INSERT OR FAIL, which needs none (its only other constraint, the
**   key's NOT NULL, is checked before a row is written; see flush() for
**   what a failure leaves).
** - A file the sink creates gets 16 KiB pages, its page cache is 1 MiB
**   (memory stays under 16 MB), and statement journals stay in memory
**   (temp_store): see the PRAGMAs below and docs/decisions.md.
** - busy_timeout is 5 s: another writer makes us wait, then fail cleanly.
** - Sinks of one thread on the same file share one connection and one
**   transaction (two connections would lock each other out): it commits
**   when the last of them commits, and any of them closed without a
**   commit rolls back all.  A sink is used by the thread that opened it,
**   so connections are opened without SQLite's mutexes, and SQLite keeps
**   no memory statistics (each costs a global mutex per call: together
**   about 10% of a load's time).
*/
#include "db/share.h"
#include "db/sqlite.h"
#include "io/sink.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#define BUSY_MS 5000 /* how long to wait for another writer */
#define CONVLEN 40   /* room for one converted date */
/* SQLite's page cache: 1 MiB instead of its default 2 MB keeps a load
** under 16 MB of memory, at no measured cost (the pages are written
** once; the file system caches them for reading). */
#define CACHE_PRAGMA "PRAGMA cache_size = -1024"
/* A database file the sink creates gets 16 KiB pages instead of 4 KiB:
** a quarter of the writes, page splits and system calls; a 1M-row load
** took 0.88x the CPU (docs/decisions.md). */
#define PAGE_PRAGMA "PRAGMA page_size = 16384"
/* A statement of many rows keeps the pages it changes in a statement
** journal, to undo itself if a row fails; held in memory, not spilled to
** a temp file past 64 KiB (four pages of 16 KiB): an upsert wrote 180 MB
** to one for 100,000 rows. */
#define TEMP_PRAGMA "PRAGMA temp_store = MEMORY"
#ifndef GROUP_ROWS
#define GROUP_ROWS 128 /* rows per INSERT statement */
#endif

/* ==== SQLite's memory through cw__alloc ==== */

/* Each block carries its size in a 16-byte header, for xSize. */
#define HDR 16

static void *mem_malloc(int n)
{
    char *p = n > 0 ? cw__alloc((size_t)n + HDR) : NULL;

    if (p == NULL)
        return NULL;
    memcpy(p, &(size_t){(size_t)n}, sizeof(size_t));
    return p + HDR;
}

static void mem_free(void *p)
{
    if (p != NULL)
        cw__free((char *)p - HDR);
}

static void *mem_realloc(void *p, int n)
{
    char *q;

    if (p == NULL)
        return mem_malloc(n);
    if (n <= 0)
        return NULL;
    q = cw__realloc((char *)p - HDR, (size_t)n + HDR);
    if (q == NULL)
        return NULL;
    memcpy(q, &(size_t){(size_t)n}, sizeof(size_t));
    return q + HDR;
}

static int mem_size(void *p)
{
    size_t n;

    if (p == NULL)
        return 0;
    memcpy(&n, (char *)p - HDR, sizeof n);
    return (int)n;
}

static int mem_roundup(int n)
{
    return (n + 7) & ~7;
}

static int mem_init(void *ud)
{
    (void)ud;
    return SQLITE_OK;
}

static void mem_shutdown(void *ud)
{
    (void)ud;
}

static pthread_once_t setup_once = PTHREAD_ONCE_INIT;

static void setup(void)
{
    static const sqlite3_mem_methods m = {
        mem_malloc,  mem_free, mem_realloc,  mem_size,
        mem_roundup, mem_init, mem_shutdown, NULL};

    /* Fails harmlessly when the embedding program initialised SQLite
    ** first: SQLite then keeps its own allocator.  Without memory
    ** statistics, no global mutex is taken on every allocation. */
    sqlite3_config(SQLITE_CONFIG_MALLOC, &m);
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

void cw__sqlite_setup(void)
{
    pthread_once(&setup_once, setup);
}

/* The status for a SQLite result code. */
static int status_of(int rc)
{
    if (rc == SQLITE_IOERR_NOMEM)
        return CW_ENOMEM;
    switch (rc & 0xff) {
    case SQLITE_NOMEM:
        return CW_ENOMEM;
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_READONLY:
    case SQLITE_PERM:
        return CW_EIO;
    default:
        return CW_ESINK;
    }
}

/* ==== Shared connections ==== */

/* One open database file, shared by every sink of one thread on it. */
typedef struct conn {
    cw_shared sh;    /* key: the path as given after "sqlite:" */
    pthread_t owner; /* the thread that opened it */
    sqlite3 *db;     /* the connection */
    cw_tx tx;        /* the transaction its sinks share */
    int created;     /* the file did not exist before we opened it */
} conn;

static cw_registry conns = CW_REGISTRY_INIT; /* open connections */

/*
** Roll back a hot journal left next to 'path'.  After an I/O error (a
** full disk) SQLite leaves the rollback to the next connection that
** reads; a read-only reader (our source, another program) cannot do it,
** so the sink does it on its way out.
*/
static void recover(const char *path)
{
    char journal[4096];
    struct stat st;
    sqlite3 *db = NULL;

    if ((size_t)snprintf(journal, sizeof journal, "%s-journal", path) >=
            sizeof journal ||
        stat(journal, &st) != 0)
        return;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(db, BUSY_MS);
        sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", NULL, NULL,
                     NULL);
    }
    sqlite3_close(db);
}

/* Close 'c' and free it; remove the file when we created it and never
** committed anything into it. */
static void conn_free(conn *c)
{
    struct stat st;

    if (c == NULL)
        return;
    if (c->db != NULL && c->tx.open)
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(c->db);
    recover(c->sh.key);
    if (c->created && c->tx.okgen == 0 && stat(c->sh.key, &st) == 0 &&
        S_ISREG(st.st_mode) && st.st_size == 0)
        unlink(c->sh.key);
    cw__free(c->sh.key);
    cw__free(c);
}

/* A connection is shared by the sinks of the thread that opened it. */
static int mine(const cw_shared *e)
{
    return pthread_equal(((const conn *)e)->owner, pthread_self());
}

/* The connection to 'path', opened when needed; one more reference. */
static int conn_get(const char *path, conn **out, cw_err *err)
{
    struct stat st;
    conn *c;
    int rc, found, fresh;

    *out = NULL;
    if ((*out = (conn *)cw__reg_get(&conns, path, mine)) != NULL)
        return CW_OK;
    c = cw__alloc(sizeof *c);
    if (c == NULL || (c->sh.key = cw__strdup(path)) == NULL) {
        cw__free(c);
        cw__reg_unlock(&conns);
        return cw__fail(err, CW_ENOMEM, "sqlite:%s: out of memory", path);
    }
    c->db = NULL;
    c->owner = pthread_self();
    c->tx = (cw_tx){0};
    found = stat(path, &st) == 0;
    c->created = !found && errno == ENOENT;
    fresh = c->created || (found && S_ISREG(st.st_mode) && st.st_size == 0);
    rc = sqlite3_open_v2(
        path, &c->db,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_extended_result_codes(c->db, 1);
    if (rc == SQLITE_OK)
        rc = sqlite3_busy_timeout(c->db, BUSY_MS);
    /* The page size first: setting it resets the cache's size. */
    if (rc == SQLITE_OK && fresh)
        rc = sqlite3_exec(c->db, PAGE_PRAGMA, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(c->db, CACHE_PRAGMA, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(c->db, TEMP_PRAGMA, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        rc = cw__fail(err, status_of(rc), "sqlite:%s: %s", path,
                      c->db != NULL ? sqlite3_errmsg(c->db)
                                    : sqlite3_errstr(rc));
        conn_free(c);
        cw__reg_unlock(&conns);
        return rc;
    }
    cw__reg_add(&conns, &c->sh);
    *out = c;
    return CW_OK;
}

/* One reference less; the last one closes the connection. */
static void conn_put(conn *c)
{
    if (cw__reg_put(&conns, &c->sh))
        conn_free(c);
}

/* ==== The sink ==== */

/* A value waiting to be bound: NULL, an integer, or text in the
** arena. */
typedef struct pval {
    sqlite3_int64 n; /* V_INT: the integer */
    size_t off, len; /* V_TEXT: where in the arena, how long */
    int kind;        /* V_NULL, V_INT or V_TEXT */
} pval;

enum { V_NULL, V_INT, V_TEXT };

struct cw_sink {
    conn *c;                 /* the shared connection */
    unsigned long gen;       /* the transaction it writes in */
    int committed;           /* commit() succeeded */
    sqlite3_stmt *ins;       /* the INSERT of one row, reused */
    sqlite3_stmt *insn;      /* the INSERT of 'group' rows, or NULL */
    size_t group;            /* rows per 'insn' (1 without one) */
    pval *pend;              /* values of the rows waiting: group * ncols */
    unsigned long *plines;   /* their input lines */
    size_t npend;            /* rows waiting */
    cw_buf arena;            /* their text */
    cw_buf pfile;            /* their input file's name (a copy), */
    const char *pkey;        /* and the pointer it was given as */
    char *table;             /* table name, for messages */
    size_t ncols;            /* columns */
    char **names;            /* their names */
    enum cw_coltype *types;  /* their types */
    unsigned char *asis;     /* per column: values are kept as given */
    char conv[CONVLEN];      /* room for a converted value */
    unsigned long long rows; /* rows written */
    cw_err err;              /* last error */
};

/* Append 'name' to 'b' as a quoted SQL identifier ("" doubles '"'). */
static int addident(cw_buf *b, const char *name)
{
    int rc = cw__buf_addc(b, '"');

    for (const char *p = name; rc == CW_OK && *p; p++)
        rc = *p == '"' ? cw__buf_add(b, "\"\"", 2) : cw__buf_addc(b, *p);
    return rc == CW_OK ? cw__buf_addc(b, '"') : rc;
}

/* Append the quoted names of 'cols' (with 'keys', the key columns only),
** separated by ", ". */
static int addcols(cw_buf *b, const cw_sinkcol *cols, size_t ncols, int keys)
{
    int rc = CW_OK;

    for (size_t i = 0, k = 0; rc == CW_OK && i < ncols; i++) {
        if (keys && !cols[i].key)
            continue;
        if (k++ > 0)
            rc = cw__buf_adds(b, ", ");
        if (rc == CW_OK)
            rc = addident(b, cols[i].name);
    }
    return rc;
}

/* The declared SQL type of a column type. */
static const char *sqltype(enum cw_coltype t)
{
    switch (t) {
    case CW_T_INTEGER:
    case CW_T_BOOLEAN:
        return "INTEGER";
    case CW_T_NUMBER:
        return "REAL";
    default:
        return "TEXT";
    }
}

/* Record SQLite's last error on 's', prefixed by where it happened. */
static int dberr(cw_sink *s, int rc, const char *what)
{
    return cw__fail(&s->err, status_of(rc), "sqlite:%s: table \"%s\": %s%s%s",
                    s->c->sh.key, s->table, what, what[0] ? ": " : "",
                    sqlite3_errmsg(s->c->db));
}

/* Run one statement without results. */
static int run(cw_sink *s, const char *sql, const char *what)
{
    int rc = sqlite3_exec(s->c->db, sql, NULL, NULL, NULL);

    return rc == SQLITE_OK ? CW_OK : dberr(s, rc, what);
}

/* 1 when a table or view called s->table exists (names are compared as
** SQLite does, ignoring ASCII case); -1 on error. */
static int exists(cw_sink *s)
{
    static const char sql[] = "SELECT 1 FROM sqlite_master WHERE type IN "
                              "('table', 'view') AND name = ?1 COLLATE NOCASE";
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->c->db, sql, -1, &st, NULL);

    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 1, s->table, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    dberr(s, rc, "reading the schema");
    return -1;
}

/* Put the CREATE TABLE statement for 's' with 'cols' in 'b'. */
static int create_sql(cw_sink *s, const cw_sinkcol *cols, cw_buf *b)
{
    size_t nkey = 0;
    int rc;

    b->len = 0;
    rc = cw__buf_adds(b, "CREATE TABLE ");
    if (rc == CW_OK)
        rc = addident(b, s->table);
    if (rc == CW_OK)
        rc = cw__buf_adds(b, " (");
    for (size_t i = 0; rc == CW_OK && i < s->ncols; i++) {
        if (i > 0)
            rc = cw__buf_adds(b, ", ");
        if (rc == CW_OK)
            rc = addident(b, cols[i].name);
        if (rc == CW_OK)
            rc = cw__buf_printf(b, " %s%s", sqltype(cols[i].type),
                                cols[i].key ? " NOT NULL" : "");
        nkey += cols[i].key != 0;
    }
    /* The key: a row's identity, so a PRIMARY KEY (NOT NULL, because
    ** SQLite lets NULLs repeat in a key and upserts would duplicate). */
    if (rc == CW_OK && nkey > 0) {
        rc = cw__buf_adds(b, ", PRIMARY KEY (");
        if (rc == CW_OK)
            rc = addcols(b, cols, s->ncols, 1);
        if (rc == CW_OK)
            rc = cw__buf_addc(b, ')');
    }
    return rc == CW_OK ? cw__buf_addc(b, ')') : rc;
}

/* CREATE TABLE for 's' with 'cols' ('b' is scratch).  It does not exist:
** the write lock taken by BEGIN IMMEDIATE keeps it so since exists(). */
static int create(cw_sink *s, const cw_sinkcol *cols, cw_buf *b)
{
    if (create_sql(s, cols, b) != CW_OK)
        return cw__fail(&s->err, CW_ENOMEM, "out of memory");
    return run(s, b->p, "creating the table");
}

/*
** 1 when the table of 's' is one this sink would create for 'cols' (its
** CREATE TABLE is ours, word for word), no trigger fires on it and no
** UNIQUE index was added to it: then the only constraints a row can break
** are the key's NOT NULL and PRIMARY KEY, checked before the row is
** written; 0 otherwise, -1 on error.  (Another UNIQUE index would let a
** row kept from a failed INSERT OR FAIL clash with an earlier row going
** again, which would then be named in place of the row that failed.)
** 'b' is scratch.
*/
static int ours(cw_sink *s, const cw_sinkcol *cols, cw_buf *b)
{
    static const char sql[] =
        "SELECT (SELECT sql FROM sqlite_master WHERE type = 'table' AND "
        "name = ?1), EXISTS (SELECT 1 FROM sqlite_master WHERE type = "
        "'trigger' AND tbl_name = ?1 COLLATE NOCASE) OR EXISTS (SELECT 1 "
        "FROM pragma_index_list(?1) WHERE \"unique\" AND origin <> 'pk')";
    sqlite3_stmt *st = NULL;
    const unsigned char *have;
    int rc, same = 0;

    if (create_sql(s, cols, b) != CW_OK) {
        cw__fail(&s->err, CW_ENOMEM, "out of memory");
        return -1;
    }
    rc = sqlite3_prepare_v2(s->c->db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 1, s->table, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        have = sqlite3_column_text(st, 0);
        same = have != NULL && strcmp((const char *)have, b->p) == 0 &&
               sqlite3_column_int(st, 1) == 0;
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return same;
    dberr(s, rc, "reading the schema");
    return -1;
}

/* Append the INSERT of 'rows' rows (with ON CONFLICT ... DO UPDATE for
** upserts; with 'orfail', INSERT OR FAIL) to 'b'. */
static int insert_sql(cw_sink *s, const cw_sinkcol *cols, int upsert,
                      int orfail, size_t rows, cw_buf *b)
{
    size_t nset = 0;
    int rc;

    b->len = 0;
    rc = cw__buf_adds(b, orfail ? "INSERT OR FAIL INTO " : "INSERT INTO ");
    if (rc == CW_OK)
        rc = addident(b, s->table);
    if (rc == CW_OK)
        rc = cw__buf_adds(b, " (");
    if (rc == CW_OK)
        rc = addcols(b, cols, s->ncols, 0);
    if (rc == CW_OK)
        rc = cw__buf_adds(b, ") VALUES ");
    for (size_t r = 0; rc == CW_OK && r < rows; r++) {
        rc = cw__buf_adds(b, r > 0 ? ", (?" : "(?");
        for (size_t i = 1; rc == CW_OK && i < s->ncols; i++)
            rc = cw__buf_adds(b, ", ?");
        if (rc == CW_OK)
            rc = cw__buf_addc(b, ')');
    }
    if (upsert) {
        if (rc == CW_OK)
            rc = cw__buf_adds(b, " ON CONFLICT (");
        if (rc == CW_OK)
            rc = addcols(b, cols, s->ncols, 1);
        if (rc == CW_OK)
            rc = cw__buf_adds(b, ") DO UPDATE SET ");
        for (size_t i = 0; rc == CW_OK && i < s->ncols; i++) {
            if (cols[i].key)
                continue;
            if (nset++ > 0)
                rc = cw__buf_adds(b, ", ");
            if (rc == CW_OK)
                rc = addident(b, cols[i].name);
            if (rc == CW_OK)
                rc = cw__buf_adds(b, " = excluded.");
            if (rc == CW_OK)
                rc = addident(b, cols[i].name);
        }
        if (rc == CW_OK && nset == 0) {
            /* Every column is in the key: nothing to update. */
            b->len -= strlen(" DO UPDATE SET ");
            rc = cw__buf_adds(b, " DO NOTHING");
        }
    }
    return rc;
}

/* Prepare the INSERTs: of one row, and of a group of rows at once (as
** many as SQLite's limit on parameters allows, up to GROUP_ROWS). */
static int prepare(cw_sink *s, const cw_sinkcol *cols, int upsert, cw_buf *b)
{
    int lim = sqlite3_limit(s->c->db, SQLITE_LIMIT_VARIABLE_NUMBER, -1);
    size_t group = lim > 0 ? (size_t)lim / s->ncols : 1;
    int rc;

    if (insert_sql(s, cols, upsert, 0, 1, b) != CW_OK)
        return cw__fail(&s->err, CW_ENOMEM, "out of memory");
    rc = sqlite3_prepare_v3(s->c->db, b->p, -1, SQLITE_PREPARE_PERSISTENT,
                            &s->ins, NULL);
    if (rc != SQLITE_OK) {
        rc = dberr(s, rc,
                   upsert
                       ? "preparing the upsert (an existing table needs these "
                         "columns and a PRIMARY KEY or UNIQUE index on the "
                         "key columns)"
                       : "preparing the insert (an existing table needs "
                         "these columns)");
        /* A mismatch with an existing table is the caller's to fix. */
        if (rc == CW_ESINK)
            rc = s->err.code = CW_EUSAGE;
        return rc;
    }
    s->group = group > GROUP_ROWS ? GROUP_ROWS : group;
    if (s->group < 2) {
        s->group = 1;
    } else {
        /* An upsert into a table of ours goes in as INSERT OR FAIL: no
        ** statement journal (see flush()). */
        int orfail = upsert ? ours(s, cols, b) : 0;

        if (orfail < 0)
            return s->err.code;
        if (insert_sql(s, cols, upsert, orfail, s->group, b) != CW_OK)
            return cw__fail(&s->err, CW_ENOMEM, "out of memory");
        rc = sqlite3_prepare_v3(s->c->db, b->p, -1, SQLITE_PREPARE_PERSISTENT,
                                &s->insn, NULL);
        if (rc != SQLITE_OK)
            return dberr(s, rc, "preparing the insert");
    }
    s->pend = cw__alloc(s->group * s->ncols * sizeof *s->pend);
    s->plines = cw__alloc(s->group * sizeof *s->plines);
    if (s->pend == NULL || s->plines == NULL)
        return cw__fail(&s->err, CW_ENOMEM, "out of memory");
    return CW_OK;
}

static void sq_close(cw_sink *s);

/* 1 when values of type 't' go in as given, as text (see convert()). */
static int asis(enum cw_coltype t)
{
    switch (t) {
    case CW_T_INTEGER:
    case CW_T_NUMBER:
    case CW_T_BOOLEAN:
    case CW_T_DATE:
    case CW_T_DATETIME:
        return 0;
    default:
        return 1;
    }
}

static int sq_open(const char *location, const char *table,
                   const cw_sinkcol *cols, size_t ncols, enum cw_sinkmode mode,
                   cw_sink **out, cw_err *err)
{
    size_t nkey = 0;
    cw_buf b = {0};
    cw_sink *s;
    int rc, ex;

    *out = NULL;
    if (location[0] == '\0')
        return cw__fail(err, CW_EUSAGE,
                        "sqlite: needs a path (sqlite:PATH, e.g. "
                        "sqlite:out/crosswalk.db)");
    if (table == NULL || table[0] == '\0' || ncols == 0)
        return cw__fail(err, CW_EUSAGE, "sqlite:%s: no table or no columns",
                        location);
    for (size_t i = 0; i < ncols; i++)
        nkey += cols[i].key != 0;
    if (mode == CW_MODE_UPSERT && nkey == 0)
        return cw__fail(err, CW_EUSAGE,
                        "sqlite:%s: table \"%s\": upsert needs key columns "
                        "(a schema with a key, or --key)",
                        location, table);
    cw__sqlite_setup();
    s = cw__alloc(sizeof *s);
    if (s == NULL)
        return cw__fail(err, CW_ENOMEM, "out of memory");
    memset(s, 0, sizeof *s);
    s->ncols = ncols;
    s->table = cw__strdup(table);
    if (s->table == NULL ||
        cw__sink_copycols(cols, ncols, &s->names, &s->types) != CW_OK ||
        (s->asis = cw__alloc(ncols)) == NULL) {
        sq_close(s);
        return cw__fail(err, CW_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < ncols; i++)
        s->asis[i] = asis(cols[i].type);
    if ((rc = conn_get(location, &s->c, err)) != CW_OK) {
        sq_close(s);
        return rc;
    }
    /* Join the connection's transaction, or begin one.  IMMEDIATE takes
    ** the write lock now, so another writer is found before any work. */
    if (!s->c->tx.open) {
        if ((rc = run(s, "BEGIN IMMEDIATE", "beginning")) != CW_OK)
            goto fail;
        cw__tx_begun(&s->c->tx);
    }
    s->gen = cw__tx_join(&s->c->tx);
    if ((ex = exists(s)) < 0) {
        rc = s->err.code;
        goto fail;
    }
    switch (mode) {
    case CW_MODE_CREATE:
        if (ex) {
            rc = cw__fail(&s->err, CW_EUSAGE,
                          "sqlite:%s: table \"%s\" already exists (mode "
                          "create; use append, replace or upsert)",
                          location, table);
            goto fail;
        }
        rc = create(s, cols, &b);
        break;
    case CW_MODE_REPLACE:
        b.len = 0;
        if (cw__buf_adds(&b, "DROP TABLE IF EXISTS ") != CW_OK ||
            addident(&b, table) != CW_OK) {
            rc = cw__fail(&s->err, CW_ENOMEM, "out of memory");
            goto fail;
        }
        if ((rc = run(s, b.p, "dropping the table")) == CW_OK)
            rc = create(s, cols, &b);
        break;
    default:
        rc = ex ? CW_OK : create(s, cols, &b);
        break;
    }
    if (rc == CW_OK)
        rc = prepare(s, cols, mode == CW_MODE_UPSERT, &b);
    if (rc != CW_OK)
        goto fail;
    cw__buf_free(&b);
    *out = s;
    return CW_OK;

fail:
    cw__buf_free(&b);
    cw__errcopy(err, &s->err);
    sq_close(s);
    return rc;
}

/* Parse a decimal integer with an optional sign into '*out'; 0 when it is
** not one or does not fit in 64 bits. */
static int toint(const char *p, size_t len, sqlite3_int64 *out)
{
    uint64_t v = 0, lim = (uint64_t)INT64_MAX;
    size_t i = 0;
    int neg = 0;

    if (len > 0 && (p[0] == '-' || p[0] == '+'))
        neg = p[i++] == '-';
    if (i == len)
        return 0;
    for (; i < len; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        if (v > (lim + (uint64_t)neg - (uint64_t)(p[i] - '0')) / 10)
            return 0;
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    *out =
        neg ? (v == lim + 1 ? INT64_MIN : -(sqlite3_int64)v) : (sqlite3_int64)v;
    return 1;
}

/* 1 when 'p' is a decimal number: sign, digits, '.', digits, exponent. */
static int isnum(const char *p, size_t len)
{
    size_t i = 0, digits = 0;

    if (i < len && (p[i] == '-' || p[i] == '+'))
        i++;
    for (; i < len && p[i] >= '0' && p[i] <= '9'; i++)
        digits++;
    if (i < len && p[i] == '.')
        for (i++; i < len && p[i] >= '0' && p[i] <= '9'; i++)
            digits++;
    if (digits == 0)
        return 0;
    if (i < len && (p[i] == 'e' || p[i] == 'E')) {
        size_t e = 0;

        if (++i < len && (p[i] == '-' || p[i] == '+'))
            i++;
        for (; i < len && p[i] >= '0' && p[i] <= '9'; i++)
            e++;
        if (e == 0)
            return 0;
    }
    return i == len;
}

/* Fail the row at 'file':'line' because of column 'i''s value. */
static int badvalue(cw_sink *s, size_t i, const char *what, const cw_field *f,
                    const char *file, unsigned long line)
{
    int shown = f->len > 60 ? 60 : (int)f->len;

    return cw__fail(&s->err, CW_ESINK,
                    "%s:%lu: sqlite:%s: table \"%s\": column '%s': %s: "
                    "'%.*s'%s",
                    file ? file : "-", line, s->c->sh.key, s->table,
                    s->names[i], what, shown, f->p, f->len > 60 ? "..." : "");
}

/* Keep 'len' bytes at 'p' as the text value '*v'. */
static int keeptext(cw_sink *s, const char *p, size_t len, pval *v)
{
    if (len > INT32_MAX)
        return -1;
    v->kind = V_TEXT;
    v->off = s->arena.len;
    v->len = len;
    if (s->arena.cap - s->arena.len < len)
        return cw__buf_add(&s->arena, p, len);
    if (len > 0) /* room kept by write() */
        memcpy(s->arena.p + s->arena.len, p, len);
    s->arena.len += len;
    return CW_OK;
}

/* Value 'f' of column 'i', converted to its type, into '*v' (its text
** copied to the arena).  CW_OK, CW_ENOMEM, or CW_ESINK for a value its
** type refuses (message in s->err). */
static int convert(cw_sink *s, size_t i, const cw_field *f, pval *v,
                   const char *file, unsigned long line)
{
    cw_verdict vd;

    v->kind = V_NULL;
    if (f->p == NULL)
        return CW_OK;
    switch (s->types[i]) {
    case CW_T_INTEGER:
        if (cw__blank(f->p, f->len))
            return CW_OK;
        if (!toint(f->p, f->len, &v->n))
            return badvalue(s, i, "not a 64-bit integer", f, file, line);
        v->kind = V_INT;
        return CW_OK;
    case CW_T_NUMBER:
        if (cw__blank(f->p, f->len))
            return CW_OK;
        if (!isnum(f->p, f->len))
            return badvalue(s, i, "not a number", f, file, line);
        /* The column's REAL affinity converts the text exactly and
        ** without the C library's locale. */
        break;
    case CW_T_BOOLEAN: {
        int b;

        if (cw__blank(f->p, f->len))
            return CW_OK;
        if (cw__rule_bool(f->p, f->len, &b, &vd) != 0)
            return badvalue(s, i, "not a boolean", f, file, line);
        v->kind = V_INT;
        v->n = b;
        return CW_OK;
    }
    case CW_T_DATE:
    case CW_T_DATETIME: {
        cw_datetime dt;
        size_t n;

        if (cw__blank(f->p, f->len))
            return CW_OK;
        if (cw__sink_isodate(f->p, f->len))
            break; /* already ISO 8601: kept as given */
        if (cw__rule_date_parse(f->p, f->len, &dt, &vd) != 0)
            return badvalue(s, i, "not a date or time", f, file, line);
        n = cw__rule_date_format(
            &dt, dt.has_time ? CW_DATEFMT_ISO_FULL : CW_DATEFMT_DATE, s->conv);
        return keeptext(s, s->conv, n, v) == CW_OK ? CW_OK : CW_ENOMEM;
    }
    default:
        break;
    }
    switch (keeptext(s, f->p, f->len, v)) {
    case CW_OK:
        return CW_OK;
    case -1:
        return badvalue(s, i, "value too long", f, file, line);
    default:
        return CW_ENOMEM;
    }
}

/* Bind the waiting row 'r' to the parameters of 'st' from 'first' on. */
static int bindrow(cw_sink *s, sqlite3_stmt *st, size_t r, int first)
{
    const pval *v = &s->pend[r * s->ncols];
    int rc = SQLITE_OK;

    for (size_t i = 0; rc == SQLITE_OK && i < s->ncols; i++) {
        int col = first + (int)i;

        switch (v[i].kind) {
        case V_TEXT:
            rc = sqlite3_bind_text(st, col, s->arena.p + v[i].off,
                                   (int)v[i].len, SQLITE_STATIC);
            break;
        case V_INT:
            rc = sqlite3_bind_int64(st, col, v[i].n);
            break;
        default:
            rc = sqlite3_bind_null(st, col);
            break;
        }
    }
    return rc;
}

/* The error of the waiting row 'r' ('rc' from SQLite). */
static int rowerr(cw_sink *s, size_t r, int rc)
{
    return cw__fail(&s->err, status_of(rc),
                    "%s:%lu: sqlite:%s: table \"%s\": %s",
                    s->pfile.len > 0 ? s->pfile.p : "-", s->plines[r],
                    s->c->sh.key, s->table, sqlite3_errmsg(s->c->db));
}

/*
** Insert the waiting rows: a full group with one statement, else one by
** one.  When the group's statement fails (and the transaction is still
** open), the rows go again one by one, so that the error names the row
** that caused it.  A plain INSERT was undone by SQLite; an INSERT OR FAIL
** (an upsert into a table of ours, see ours()) kept the rows before the
** failing one, and upserting them again leaves them as they are: the
** same rows end in the table, and the same row fails, as after an undo.
** A constraint error fails the run: the caller closes without commit and
** nothing is kept; SQLITE_FULL, IOERR and NOMEM may have rolled back
** everything.
*/
static int flush(cw_sink *s)
{
    size_t n = s->npend;
    int rc;

    s->npend = 0;
    if (n == 0)
        return CW_OK;
    if (n == s->group && s->insn != NULL) {
        rc = SQLITE_OK;
        for (size_t r = 0; rc == SQLITE_OK && r < n; r++)
            rc = bindrow(s, s->insn, r, (int)(r * s->ncols) + 1);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(s->insn);
        sqlite3_reset(s->insn);
        if (rc == SQLITE_DONE) {
            s->arena.len = 0;
            return CW_OK;
        }
        if (sqlite3_get_autocommit(s->c->db))
            return rowerr(s, 0, rc); /* the transaction is gone */
    }
    for (size_t r = 0; r < n; r++) {
        rc = bindrow(s, s->ins, r, 1);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(s->ins);
        sqlite3_reset(s->ins);
        if (rc != SQLITE_DONE)
            return rowerr(s, r, rc);
    }
    s->arena.len = 0;
    return CW_OK;
}

/* 1 when the transaction 's' wrote in was rolled back by another sink. */
static int lost(const cw_sink *s)
{
    return cw__tx_lost(&s->c->tx, s->gen);
}

static int sq_write(cw_sink *s, const cw_field *f, const char *file,
                    unsigned long line)
{
    size_t arena = s->arena.len, need;
    pval *v;
    int rc;

    if (s->committed || lost(s))
        return cw__fail(&s->err, CW_ESINK, "sqlite:%s: table \"%s\": %s",
                        s->c->sh.key, s->table,
                        s->committed ? "write after commit"
                                     : "the transaction was rolled back");
    if (file == NULL)
        file = "-";
    /* The rows of a group come from one file: its name is kept. */
    if (s->npend > 0 && file != s->pkey && (rc = flush(s)) != CW_OK)
        return rc;
    if (s->npend == 0 && file != s->pkey) {
        s->pfile.len = 0;
        if (cw__buf_adds(&s->pfile, file) != CW_OK)
            return cw__fail(&s->err, CW_ENOMEM, "out of memory");
        s->pkey = file;
    }
    v = &s->pend[s->npend * s->ncols];
    /* Room for the row's text at once: values that stay as given (most)
    ** are copied without another check. */
    need = 0;
    for (size_t i = 0; i < s->ncols; i++)
        need += f[i].p != NULL ? f[i].len : 0;
    if (s->arena.cap - s->arena.len < need) {
        size_t cap = s->arena.cap;
        char *np = cw__grow(s->arena.p, &cap, s->arena.len + need, 1);

        if (np == NULL)
            return cw__fail(&s->err, CW_ENOMEM, "out of memory");
        s->arena.p = np;
        s->arena.cap = cap;
    }
    for (size_t i = 0; i < s->ncols; i++) {
        if (s->asis[i] && f[i].p != NULL && f[i].len <= INT32_MAX &&
            s->arena.cap - s->arena.len >= f[i].len) {
            v[i].kind = V_TEXT;
            v[i].off = s->arena.len;
            v[i].len = f[i].len;
            memcpy(s->arena.p + s->arena.len, f[i].p, f[i].len);
            s->arena.len += f[i].len;
            continue;
        }
        rc = convert(s, i, &f[i], &v[i], file, line);
        if (rc != CW_OK) {
            s->arena.len = arena;
            return rc == CW_ENOMEM
                       ? cw__fail(&s->err, CW_ENOMEM, "out of memory")
                       : rc;
        }
    }
    s->plines[s->npend++] = line;
    s->rows++;
    return s->npend == s->group ? flush(s) : CW_OK;
}

static int sq_commit(cw_sink *s)
{
    int rc;

    if (s->committed)
        return CW_OK;
    if (lost(s))
        return cw__fail(&s->err, CW_ESINK,
                        "sqlite:%s: table \"%s\": the transaction was rolled "
                        "back (another output on this database failed)",
                        s->c->sh.key, s->table);
    if ((rc = flush(s)) != CW_OK)
        return rc;
    s->committed = 1;
    if (!cw__tx_last(&s->c->tx))
        return CW_OK; /* the last sink of the transaction commits it */
    rc = sqlite3_exec(s->c->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        dberr(s, rc, "committing");
        sqlite3_exec(s->c->db, "ROLLBACK", NULL, NULL, NULL);
        cw__tx_ended(&s->c->tx, 0);
        s->committed = 0;
        return s->err.code;
    }
    cw__tx_ended(&s->c->tx, 1);
    return CW_OK;
}

static int sq_committed(const cw_sink *s)
{
    return s->c != NULL ? cw__tx_outcome(&s->c->tx, s->gen) : 0;
}

static unsigned long long sq_rows(const cw_sink *s)
{
    return s->rows;
}

static const char *sq_errmsg(const cw_sink *s)
{
    return s->err.msg;
}

static void sq_close(cw_sink *s)
{
    if (s == NULL)
        return;
    sqlite3_finalize(s->ins);
    sqlite3_finalize(s->insn);
    if (s->c != NULL) {
        if (!s->committed && !lost(s)) {
            /* Roll back the transaction, with every sink sharing it. */
            sqlite3_exec(s->c->db, "ROLLBACK", NULL, NULL, NULL);
            cw__tx_ended(&s->c->tx, 0);
        }
        conn_put(s->c);
    }
    cw__sink_freecols(s->names, s->types, s->ncols);
    cw__free(s->asis);
    cw__free(s->pend);
    cw__free(s->plines);
    cw__buf_free(&s->arena);
    cw__buf_free(&s->pfile);
    cw__free(s->table);
    cw__free(s);
}

const struct cw_sink_type cw_sink_sqlite = {
    .name = "sqlite",
    .open = sq_open,
    .write = sq_write,
    .commit = sq_commit,
    .committed = sq_committed,
    .rows = sq_rows,
    .errmsg = sq_errmsg,
    .close = sq_close,
};
