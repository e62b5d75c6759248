/*
** sink_pgsql.c -- the PostgreSQL sink: rows go to the server through
** COPY ... FROM STDIN (text format) inside one transaction, so a failed
** run commits nothing.  Owns its connections (shared by every sink of the
** process on the same connection string, like sink_sqlite.c) and copies
** of the column list and table name.  libpq's own memory is its own.
**
** Choices (measured on bench/data/messages-1m.csv, bench/DB-PG.md):
** - Rows go in COPYs of COPY_ROWS rows (a million), all in one
**   transaction.  The sink keeps the file:line of each row of the current
**   COPY, packed in about a byte a row (memory stays flat), so that the
**   "COPY t, line N" of a server error names the input row.  Each COPY
**   costs the server a restart: in 50,000-row COPYs a 1M-row load took
**   2.10-2.23 s, in one COPY 1.68-1.96 s (psql \copy: 2.09-2.15 s).
**   The price: the server reports a bad row when its COPY ends, up to
**   a million rows later (the message still names the row).
**   An upsert goes in batches of BATCH_ROWS rows or BATCH_BYTES bytes,
**   each one COPY into the staging table and one merge.
** - Data is handed to libpq every SEND_BYTES (32 KiB), so that a new COPY
**   gets its first rows at once and the server never waits for us.
** - Values travel as COPY data, never inside SQL text; table and column
**   names go through PQescapeIdentifier.  "a.b" is table b of schema a.
**   Names longer than 63 bytes are refused (PostgreSQL would cut them).
** - A new table gets id/text TEXT, integer BIGINT, number DOUBLE
**   PRECISION, boolean BOOLEAN (written true/false after cw__rule_bool),
**   date DATE and datetime TIMESTAMP (ISO text; US forms are converted;
**   a value with an offset is stored as its UTC time), blank values of
**   typed columns NULL, and a PRIMARY KEY on the key columns.  Text keeps
**   empty strings as empty strings.
** - Upsert: each batch is copied into a TEMP staging table (ON COMMIT
**   DROP, the target's column types, key columns NOT NULL), then
**   INSERT ... SELECT DISTINCT ON (key) ... ORDER BY key, seq DESC
**   ON CONFLICT (key) DO UPDATE ... WHERE the row differs (the last row of
**   a key wins, as with row-by-row upserts; an unchanged row is not
**   rewritten, so a re-run is cheap), then TRUNCATE of the staging table.
** - The session uses client_encoding UTF8, DateStyle ISO, TimeZone UTC,
**   lock_timeout 30 s (a table locked by someone else fails the run
**   instead of waiting for ever), and temp_buffers and work_mem of 64 MB
**   (a batch's staging table and its sort stay in memory).
** - A mismatch with an existing table (a missing column, an upsert key
**   without a unique index) is found by EXPLAIN at open, before any row.
** - Sinks on the same connection string share one connection and one
**   transaction: it commits when the last of them commits, and any of
**   them closed without a commit rolls back all.  One COPY is open at a
**   time; a sink whose rows arrive while another's COPY is open buffers
**   them (up to one batch) and then takes the connection over.
** - A lost connection is CW_EIO; a lost connection during COMMIT says that
**   the outcome is unknown.  A connection string is never echoed (it may
**   hold a password); messages name the database by its dbname only.
**   Server notices are dropped (the library never prints).
*/
#include "db/pg.h"
#include "db/share.h"
#include "io/sink.h"

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#ifndef COPY_ROWS
#define COPY_ROWS 1000000 /* rows per COPY */
#endif
#ifndef BATCH_ROWS
#define BATCH_ROWS 50000 /* rows per upsert batch (one COPY, one merge) */
#endif
#ifndef BATCH_BYTES
#define BATCH_BYTES (8u << 20) /* or bytes, and most bytes kept back */
#endif
#ifndef SEND_BYTES
#define SEND_BYTES (32u << 10) /* hand data to libpq in chunks this big */
#endif
#define CONVLEN 48  /* room for one converted date */
#define MAXIDENT 63 /* NAMEDATALEN - 1 */

/* ==== Shared connections ==== */

/* One connection, shared by every sink on the same connection string. */
typedef struct conn {
    cw_shared sh;            /* key: the connection string (never shown) */
    PGconn *pg;              /* the connection */
    cw_tx tx;                /* the transaction its sinks share */
    int broken;              /* the connection was lost */
    unsigned long nstage;    /* staging tables made, for their names */
    struct cw_sink *copying; /* the sink whose COPY is open, or NULL */
} conn;

static cw_registry conns = CW_REGISTRY_INIT; /* open connections */

/* Run 'sql' on 'pg', drain its results; CW_OK, or the status for the
** first error (message in 'err', prefixed with 'what'). */
static int pgexec(PGconn *pg, const char *sql, cw_err *err, const char *what);

/* Record libpq's last message in 'err', after 'what'. */
static int pgfail(cw_err *err, int code, PGconn *pg, const char *dbname,
                  const char *what)
{
    char m[400];

    cw__pg_oneline(pg != NULL ? PQerrorMessage(pg) : "out of memory", m,
                   sizeof m);
    return cw__fail(err, code, "postgres%s%s: %s%s%s", dbname[0] ? ":" : "",
                    dbname, what, what[0] ? ": " : "", m);
}

/* 1 when the failure in 'res' (or on the connection) means that the
** connection is gone: libpq says so, or made the error itself (a server
** error always has a SQLSTATE), or the server said it is shutting down
** (class 57P) or that the connection failed (class 08). */
static int gone(PGconn *pg, const PGresult *res)
{
    const char *state;

    if (PQstatus(pg) == CONNECTION_BAD)
        return 1;
    if (res == NULL)
        return 0;
    state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    return state == NULL || strncmp(state, "08", 2) == 0 ||
           strncmp(state, "57P", 3) == 0;
}

static void conn_free(conn *c)
{
    if (c == NULL)
        return;
    if (c->pg != NULL && c->tx.open && !c->broken &&
        PQstatus(c->pg) == CONNECTION_OK)
        pgexec(c->pg, "ROLLBACK", NULL, "");
    PQfinish(c->pg);
    cw__free(c->sh.key);
    cw__free(c);
}

/* A connection whose transaction failed is not reused. */
static int usable(const cw_shared *e)
{
    return !((const conn *)e)->broken;
}

/* The connection for 'location', opened when needed; one more
** reference. */
static int conn_get(const char *location, conn **out, cw_err *err)
{
    static const char setup[] = "SET client_encoding = 'UTF8'; "
                                "SET DateStyle = 'ISO, MDY'; "
                                "SET TimeZone = 'UTC'; "
                                "SET lock_timeout = '30s'; "
                                "SET temp_buffers = '64MB'; "
                                "SET work_mem = '64MB'";
    char *perr = NULL;
    PQconninfoOption *opts;
    conn *c;
    int rc;

    *out = NULL;
    /* Check the string first: libpq's messages about a malformed string
    ** may quote pieces of it, and a piece may be a password. */
    opts = PQconninfoParse(location, &perr);
    if (opts == NULL) {
        rc = cw__fail(err, CW_EUSAGE,
                      "postgres: the connection string is malformed%s (use "
                      "key=value pairs or a postgresql:// URI; not shown "
                      "here, as it may hold a password)",
                      perr == NULL ? " or memory ran out" : "");
        PQfreemem(perr);
        return rc;
    }
    PQconninfoFree(opts);
    if ((*out = (conn *)cw__reg_get(&conns, location, usable)) != NULL)
        return CW_OK;
    c = cw__alloc(sizeof *c);
    if (c == NULL || (c->sh.key = cw__strdup(location)) == NULL) {
        cw__free(c);
        cw__reg_unlock(&conns);
        return cw__fail(err, CW_ENOMEM, "postgres: out of memory");
    }
    c->tx = (cw_tx){0};
    c->broken = 0;
    c->nstage = 0;
    c->copying = NULL;
    c->pg = PQconnectdb(location);
    if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK) {
        /* Nothing was read yet: a setup problem for the user to fix. */
        rc = pgfail(err, c->pg == NULL ? CW_ENOMEM : CW_EUSAGE, c->pg,
                    cw__pg_dbname(c->pg), "cannot connect");
        conn_free(c);
        cw__reg_unlock(&conns);
        return rc;
    }
    /* Notices (a DROP ... IF EXISTS that found nothing) are dropped. */
    PQsetNoticeProcessor(c->pg, cw__pg_quiet, NULL);
    if ((rc = pgexec(c->pg, setup, err, "setting up the session")) != CW_OK) {
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

static int pgexec(PGconn *pg, const char *sql, cw_err *err, const char *what)
{
    PGresult *res;
    int rc = CW_OK;

    if (!PQsendQuery(pg, sql))
        return pgfail(err, gone(pg, NULL) ? CW_EIO : CW_ESINK, pg,
                      cw__pg_dbname(pg), what);
    while ((res = PQgetResult(pg)) != NULL) {
        ExecStatusType st = PQresultStatus(res);

        if (rc == CW_OK && st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
            char m[400];

            cw__pg_oneline(cw__pg_resmsg(res), m, sizeof m);
            rc = cw__fail(err, gone(pg, res) ? CW_EIO : CW_ESINK,
                          "postgres:%s: %s%s%s", cw__pg_dbname(pg), what,
                          what[0] ? ": " : "", m);
        }
        PQclear(res);
    }
    if (PQstatus(pg) == CONNECTION_BAD) {
        if (err != NULL)
            err->code = CW_EIO;
        rc = CW_EIO;
    }
    return rc;
}

/* ==== The sink ==== */

/* Where a row of the current batch came from. */

struct cw_sink {
    conn *c;                 /* the shared connection */
    unsigned long gen;       /* the transaction it writes in */
    int committed;           /* commit() succeeded */
    int upsert;              /* mode upsert: through the staging table */
    char *table;             /* table name as given, for messages */
    char *qtable;            /* quoted (qualified) table name */
    char *stage;             /* upsert: quoted staging table name */
    char *copysql;           /* COPY ... FROM STDIN */
    char *mergesql;          /* upsert: INSERT ... SELECT; TRUNCATE */
    size_t ncols;            /* columns */
    char **names;            /* their names, for messages */
    enum cw_coltype *types;  /* their types */
    char conv[CONVLEN];      /* room for a converted value */
    cw_buf data;             /* COPY data not yet given to libpq */
    cw_buf pos;              /* file:line of each row of the batch,
                                packed: see addpos() */
    size_t npos;             /* rows in the batch */
    size_t lastfile;         /* file of the last row in 'pos' */
    unsigned long lastline;  /* and its line */
    size_t maxrows;          /* rows per COPY: BATCH_ROWS or COPY_ROWS */
    size_t batchbytes;       /* bytes of the batch so far */
    char **files;            /* file names seen (copies) */
    const char **filekeys;   /* and the pointers they were given as */
    size_t nfiles, filecap;  /* count, room */
    unsigned long long seq;  /* upsert: rows staged in this batch */
    unsigned long long rows; /* rows written */
    cw_err err;              /* last error */
};

/* The database name, for messages (never the connection string). */
static const char *dbname(const cw_sink *s)
{
    return cw__pg_dbname(s->c != NULL ? s->c->pg : NULL);
}

/* Append 'name' to 'b' quoted ("a.b", with 'qualified', as schema a,
** table b); a failure is recorded in 's'. */
static int addname(cw_sink *s, cw_buf *b, const char *name, int qualified)
{
    int rc = cw__pg_addname(s->c->pg, b, name, qualified);

    if (rc == CW_EUSAGE)
        return pgfail(&s->err, CW_EUSAGE, s->c->pg, dbname(s), "a name");
    if (rc != CW_OK)
        return cw__fail(&s->err, CW_ENOMEM, "out of memory");
    return CW_OK;
}

/* Append the column list "a", "b", ... of 'cols' (keys only when
** 'keys'), each preceded by 'prefix'. */
static int addcols(cw_sink *s, cw_buf *b, const cw_sinkcol *cols, int keys,
                   const char *prefix)
{
    size_t k = 0;
    int rc = CW_OK;

    for (size_t i = 0; rc == CW_OK && i < s->ncols; i++) {
        if (keys && !cols[i].key)
            continue;
        if (k++ > 0 && cw__buf_adds(b, ", ") != CW_OK)
            return cw__fail(&s->err, CW_ENOMEM, "out of memory");
        if (cw__buf_adds(b, prefix) != CW_OK)
            return cw__fail(&s->err, CW_ENOMEM, "out of memory");
        rc = addname(s, b, cols[i].name, 0);
    }
    return rc;
}

/* Run 'sql' in the sink's transaction. */
static int run(cw_sink *s, const char *sql, const char *what)
{
    int rc = pgexec(s->c->pg, sql, &s->err, what);

    if (rc == CW_EIO)
        s->c->broken = 1;
    return rc;
}

/* The declared SQL type of a column type. */
static const char *sqltype(enum cw_coltype t)
{
    switch (t) {
    case CW_T_INTEGER:
        return "BIGINT";
    case CW_T_NUMBER:
        return "DOUBLE PRECISION";
    case CW_T_BOOLEAN:
        return "BOOLEAN";
    case CW_T_DATE:
        return "DATE";
    case CW_T_DATETIME:
        return "TIMESTAMP";
    default:
        return "TEXT";
    }
}

/* 1 when the table exists (as a table, view, ...), 0 when not, or an
** error status. */
static int exists(cw_sink *s)
{
    const char *param = s->qtable;
    PGresult *res = PQexecParams(s->c->pg, "SELECT to_regclass($1) IS NULL", 1,
                                 NULL, &param, NULL, NULL, 0);
    int rc;

    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        int lostconn = gone(s->c->pg, res);

        PQclear(res);
        if (lostconn)
            s->c->broken = 1;
        return pgfail(&s->err, lostconn ? CW_EIO : CW_ESINK, s->c->pg,
                      dbname(s), "reading the catalog");
    }
    rc = strcmp(PQgetvalue(res, 0, 0), "f") == 0;
    PQclear(res);
    return rc;
}

/* CREATE TABLE for 's' with 'cols'. */
static int create(cw_sink *s, const cw_sinkcol *cols, size_t nkey, cw_buf *b)
{
    int rc;

    b->len = 0;
    if (cw__buf_adds(b, "CREATE TABLE ") != CW_OK)
        return cw__fail(&s->err, CW_ENOMEM, "out of memory");
    rc = cw__buf_adds(b, s->qtable) == CW_OK && cw__buf_adds(b, " (") == CW_OK
             ? CW_OK
             : cw__fail(&s->err, CW_ENOMEM, "out of memory");
    for (size_t i = 0; rc == CW_OK && i < s->ncols; i++) {
        if (i > 0 && cw__buf_adds(b, ", ") != CW_OK)
            return cw__fail(&s->err, CW_ENOMEM, "out of memory");
        if ((rc = addname(s, b, cols[i].name, 0)) == CW_OK &&
            cw__buf_printf(b, " %s", sqltype(cols[i].type)) != CW_OK)
            rc = cw__fail(&s->err, CW_ENOMEM, "out of memory");
    }
    if (rc == CW_OK && nkey > 0) {
        if (cw__buf_adds(b, ", PRIMARY KEY (") != CW_OK)
            return cw__fail(&s->err, CW_ENOMEM, "out of memory");
        if ((rc = addcols(s, b, cols, 1, "")) == CW_OK &&
            cw__buf_addc(b, ')') != CW_OK)
            rc = cw__fail(&s->err, CW_ENOMEM, "out of memory");
    }
    if (rc == CW_OK && cw__buf_addc(b, ')') != CW_OK)
        rc = cw__fail(&s->err, CW_ENOMEM, "out of memory");
    return rc == CW_OK ? run(s, b->p, "creating the table") : rc;
}

/* Plan 'sql' without running it (EXPLAIN), to find a mismatch with an
** existing table before any row is read (CW_EUSAGE): a missing column,
** or for ON CONFLICT a key without a unique index. */
static int probe(cw_sink *s, const char *sql, const char *what)
{
    cw_buf b = {0};
    PGresult *res;
    int rc = CW_OK;

    if (cw__buf_adds(&b, "EXPLAIN ") != CW_OK ||
        cw__buf_adds(&b, sql) != CW_OK) {
        cw__buf_free(&b);
        return cw__fail(&s->err, CW_ENOMEM, "out of memory");
    }
    res = PQexec(s->c->pg, b.p);
    cw__buf_free(&b);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        char m[400];
        int lostconn = gone(s->c->pg, res);

        cw__pg_oneline(cw__pg_resmsg(res), m, sizeof m);
        if (lostconn)
            s->c->broken = 1;
        rc = cw__fail(&s->err, lostconn ? CW_EIO : CW_EUSAGE,
                      "postgres:%s: table \"%s\": %s: %s", dbname(s), s->table,
                      what, m);
    }
    PQclear(res);
    return rc;
}

/* Check that the existing table has the columns, by planning a SELECT
** of them (nothing runs). */
static int check_columns(cw_sink *s, const cw_sinkcol *cols, cw_buf *b)
{
    int rc;

    b->len = 0;
    if (cw__buf_adds(b, "SELECT ") != CW_OK)
        return cw__fail(&s->err, CW_ENOMEM, "out of memory");
    if ((rc = addcols(s, b, cols, 0, "")) != CW_OK)
        return rc;
    if (cw__buf_adds(b, " FROM ") != CW_OK ||
        cw__buf_adds(b, s->qtable) != CW_OK)
        return cw__fail(&s->err, CW_ENOMEM, "out of memory");
    return probe(s, b->p, "the existing table does not fit the output");
}

/* Upsert: create the staging table and the statement that merges it. */
static int prepare_upsert(cw_sink *s, const cw_sinkcol *cols, cw_buf *b)
{
    char name[64];
    size_t nset = 0, plain, head;
    cw_buf conflict = {0};
    int rc;

    snprintf(name, sizeof name, "cw_stage_%lu", ++s->c->nstage);
    if ((s->stage = cw__alloc(strlen(name) + 16)) == NULL)
        return cw__fail(&s->err, CW_ENOMEM, "out of memory");
    snprintf(s->stage, strlen(name) + 16, "pg_temp.%s", name);
    /* The target's own column types, no constraints but NOT NULL keys. */
    b->len = 0;
    if (cw__buf_printf(b, "CREATE TEMP TABLE %s ON COMMIT DROP AS SELECT ",
                       name) != CW_OK)
        return cw__fail(&s->err, CW_ENOMEM, "out of memory");
    if ((rc = addcols(s, b, cols, 0, "")) != CW_OK)
        return rc;
    if (cw__buf_printf(b, ", 0::bigint AS cw_seq FROM %s WITH NO DATA",
                       s->qtable) != CW_OK)
        return cw__fail(&s->err, CW_ENOMEM, "out of memory");
    for (size_t i = 0; i < s->ncols; i++) {
        if (!cols[i].key)
            continue;
        if (cw__buf_printf(b, "; ALTER TABLE %s ALTER COLUMN ", s->stage) !=
            CW_OK)
            return cw__fail(&s->err, CW_ENOMEM, "out of memory");
        if ((rc = addname(s, b, cols[i].name, 0)) != CW_OK)
            return rc;
        if (cw__buf_adds(b, " SET NOT NULL") != CW_OK)
            return cw__fail(&s->err, CW_ENOMEM, "out of memory");
    }
    if ((rc = run(s, b->p, "creating the staging table")) != CW_OK)
        return rc;

    /* The ON CONFLICT clause: update the other columns where the row
    ** changes (a row already there as it is is left alone, so a re-run
    ** writes nothing new). */
    if (cw__buf_adds(&conflict, " ON CONFLICT (") != CW_OK)
        goto nomem;
    if ((rc = addcols(s, &conflict, cols, 1, "")) != CW_OK)
        goto fail;
    if (cw__buf_adds(&conflict, ") DO ") != CW_OK)
        goto nomem;
    for (size_t i = 0; i < s->ncols; i++) {
        if (cols[i].key)
            continue;
        if (cw__buf_adds(&conflict, nset++ == 0 ? "UPDATE SET " : ", ") !=
            CW_OK)
            goto nomem;
        if ((rc = addname(s, &conflict, cols[i].name, 0)) != CW_OK)
            goto fail;
        if (cw__buf_adds(&conflict, " = EXCLUDED.") != CW_OK)
            goto nomem;
        if ((rc = addname(s, &conflict, cols[i].name, 0)) != CW_OK)
            goto fail;
    }
    if (nset == 0 && cw__buf_adds(&conflict, "NOTHING") != CW_OK)
        goto nomem;
    plain = conflict.len;
    for (size_t i = 0, k = 0; i < s->ncols; i++) {
        if (cols[i].key)
            continue;
        if (cw__buf_adds(&conflict, k++ > 0 ? ", cw_t." : " WHERE ROW(cw_t.") !=
            CW_OK)
            goto nomem;
        if ((rc = addname(s, &conflict, cols[i].name, 0)) != CW_OK)
            goto fail;
    }
    for (size_t i = 0, k = 0; i < s->ncols; i++) {
        if (cols[i].key)
            continue;
        if (cw__buf_adds(&conflict, k++ > 0 ? ", EXCLUDED."
                                            : ") IS DISTINCT FROM ROW("
                                              "EXCLUDED.") != CW_OK)
            goto nomem;
        if ((rc = addname(s, &conflict, cols[i].name, 0)) != CW_OK)
            goto fail;
    }
    if (nset > 0 && cw__buf_addc(&conflict, ')') != CW_OK)
        goto nomem;

    /* INSERT INTO t (cols) SELECT DISTINCT ON (key) cols FROM stage
    ** ORDER BY key, cw_seq DESC ON CONFLICT ...: the last row of a key
    ** in the batch wins, as with row-by-row upserts (a key twice in one
    ** INSERT would fail: "cannot affect row a second time"); the sorted
    ** rows also reach the key's index in order. */
    b->len = 0;
    if (cw__buf_printf(b, "INSERT INTO %s AS cw_t (", s->qtable) != CW_OK)
        goto nomem;
    if ((rc = addcols(s, b, cols, 0, "")) != CW_OK)
        goto fail;
    if (cw__buf_adds(b, ") SELECT DISTINCT ON (") != CW_OK)
        goto nomem;
    if ((rc = addcols(s, b, cols, 1, "")) != CW_OK)
        goto fail;
    if (cw__buf_adds(b, ") ") != CW_OK)
        goto nomem;
    if ((rc = addcols(s, b, cols, 0, "")) != CW_OK)
        goto fail;
    if (cw__buf_printf(b, " FROM %s ORDER BY ", s->stage) != CW_OK)
        goto nomem;
    if ((rc = addcols(s, b, cols, 1, "")) != CW_OK)
        goto fail;
    if (cw__buf_adds(b, ", cw_seq DESC") != CW_OK)
        goto nomem;
    head = b->len;
    if (cw__buf_add(b, conflict.p, conflict.len) != CW_OK)
        goto nomem;
    /* A column type without equality (json) cannot be compared: then
    ** every matching row is updated.  Probed in a savepoint, as a failed
    ** statement would end the transaction. */
    if (nset > 0) {
        if ((rc = run(s, "SAVEPOINT cw_probe", "")) != CW_OK)
            goto fail;
        if (probe(s, b->p, "") != CW_OK) {
            if (s->c->broken) {
                rc = s->err.code;
                goto fail;
            }
            s->err = (cw_err){0};
            conflict.len = plain;
            b->len = head;
            if (cw__buf_add(b, conflict.p, conflict.len) != CW_OK)
                goto nomem;
            if ((rc = run(s, "ROLLBACK TO SAVEPOINT cw_probe", "")) != CW_OK)
                goto fail;
        }
        if ((rc = run(s, "RELEASE SAVEPOINT cw_probe", "")) != CW_OK)
            goto fail;
    }
    /* Planned now, so that a table without a unique index on the key
    ** fails before any row is read. */
    rc = probe(s, b->p,
               "preparing the upsert (an existing table needs these "
               "columns and a PRIMARY KEY or UNIQUE index on the key "
               "columns)");
    if (rc != CW_OK)
        goto fail;
    if (cw__buf_printf(b, "; TRUNCATE %s", s->stage) != CW_OK ||
        (s->mergesql = cw__strdup(b->p)) == NULL)
        goto nomem;
    cw__buf_free(&conflict);
    return CW_OK;

nomem:
    rc = cw__fail(&s->err, CW_ENOMEM, "out of memory");
fail:
    cw__buf_free(&conflict);
    return rc;
}

/* The COPY statement into the table or the staging table. */
static int prepare_copy(cw_sink *s, const cw_sinkcol *cols, cw_buf *b)
{
    int rc;

    b->len = 0;
    if (cw__buf_printf(b, "COPY %s (", s->upsert ? s->stage : s->qtable) !=
        CW_OK)
        return cw__fail(&s->err, CW_ENOMEM, "out of memory");
    if ((rc = addcols(s, b, cols, 0, "")) != CW_OK)
        return rc;
    if (cw__buf_adds(b, s->upsert ? ", cw_seq) FROM STDIN" : ") FROM STDIN") !=
            CW_OK ||
        (s->copysql = cw__strdup(b->p)) == NULL)
        return cw__fail(&s->err, CW_ENOMEM, "out of memory");
    return CW_OK;
}

static void pg_close(cw_sink *s);

static int pg_open(const char *location, const char *table,
                   const cw_sinkcol *cols, size_t ncols, enum cw_sinkmode mode,
                   cw_sink **out, cw_err *err)
{
    cw_buf b = {0};
    size_t nkey = 0;
    cw_sink *s;
    int rc, ex;

    *out = NULL;
    if (table == NULL || table[0] == '\0' || ncols == 0)
        return cw__fail(err, CW_EUSAGE, "postgres: no table or no columns");
    for (const char *p = table, *dot;; p = dot + 1) {
        dot = strchr(p, '.');
        if ((dot != NULL ? (size_t)(dot - p) : strlen(p)) > MAXIDENT)
            return cw__fail(err, CW_EUSAGE,
                            "postgres: table name '%.40s...' has a part "
                            "longer than %d bytes",
                            table, MAXIDENT);
        if (dot == NULL)
            break;
    }
    for (size_t i = 0; i < ncols; i++) {
        nkey += cols[i].key != 0;
        /* PostgreSQL would truncate it, and two long names could become
        ** one. */
        if (strlen(cols[i].name) > MAXIDENT)
            return cw__fail(err, CW_EUSAGE,
                            "postgres: table \"%s\": column name '%.40s...' "
                            "is longer than %d bytes",
                            table, cols[i].name, MAXIDENT);
        if (cols[i].name[0] == '\0')
            return cw__fail(err, CW_EUSAGE,
                            "postgres: table \"%s\": column %zu has no name",
                            table, i + 1);
    }
    if (mode == CW_MODE_UPSERT && nkey == 0)
        return cw__fail(err, CW_EUSAGE,
                        "postgres: table \"%s\": upsert needs key columns "
                        "(a schema with a key, or --key)",
                        table);
    s = cw__alloc(sizeof *s);
    if (s == NULL)
        return cw__fail(err, CW_ENOMEM, "out of memory");
    memset(s, 0, sizeof *s);
    s->upsert = mode == CW_MODE_UPSERT;
    s->maxrows = s->upsert ? BATCH_ROWS : COPY_ROWS;
    s->lastfile = SIZE_MAX;
    s->ncols = ncols;
    s->table = cw__strdup(table);
    if (s->table == NULL ||
        cw__sink_copycols(cols, ncols, &s->names, &s->types) != CW_OK) {
        pg_close(s);
        return cw__fail(err, CW_ENOMEM, "out of memory");
    }
    if ((rc = conn_get(location, &s->c, err)) != CW_OK) {
        pg_close(s);
        return rc;
    }
    if ((rc = addname(s, &b, table, 1)) != CW_OK)
        goto fail;
    if ((s->qtable = cw__strdup(b.p)) == NULL) {
        rc = cw__fail(&s->err, CW_ENOMEM, "out of memory");
        goto fail;
    }
    /* Join the connection's transaction, or begin one. */
    if (!s->c->tx.open) {
        if ((rc = run(s, "BEGIN", "beginning")) != CW_OK)
            goto fail;
        cw__tx_begun(&s->c->tx);
    }
    s->gen = cw__tx_join(&s->c->tx);
    if ((ex = exists(s)) < 0) {
        rc = ex;
        goto fail;
    }
    switch (mode) {
    case CW_MODE_CREATE:
        if (ex) {
            rc = cw__fail(&s->err, CW_EUSAGE,
                          "postgres:%s: table \"%s\" already exists (mode "
                          "create; use append, replace or upsert)",
                          dbname(s), table);
            goto fail;
        }
        rc = create(s, cols, nkey, &b);
        break;
    case CW_MODE_REPLACE:
        b.len = 0;
        if (cw__buf_printf(&b, "DROP TABLE IF EXISTS %s", s->qtable) != CW_OK) {
            rc = cw__fail(&s->err, CW_ENOMEM, "out of memory");
            goto fail;
        }
        if ((rc = run(s, b.p, "dropping the table")) == CW_OK)
            rc = create(s, cols, nkey, &b);
        break;
    default:
        rc = ex ? check_columns(s, cols, &b) : create(s, cols, nkey, &b);
        break;
    }
    if (rc == CW_OK && s->upsert)
        rc = prepare_upsert(s, cols, &b);
    if (rc == CW_OK)
        rc = prepare_copy(s, cols, &b);
    if (rc != CW_OK)
        goto fail;
    cw__buf_free(&b);
    *out = s;
    return CW_OK;

fail:
    cw__buf_free(&b);
    /* A mismatch, a name, a mode or a right the user must fix: nothing
    ** was read. */
    if (rc == CW_ESINK)
        rc = s->err.code = CW_EUSAGE;
    cw__errcopy(err, &s->err);
    pg_close(s);
    return rc;
}

/* ==== Writing ==== */

/* 1 when the transaction 's' wrote in was rolled back. */
static int lost(const cw_sink *s)
{
    return cw__tx_lost(&s->c->tx, s->gen);
}

/* Roll back the transaction of 'c', ending an open COPY with an error
** first. */
static void rollback(conn *c)
{
    if (PQstatus(c->pg) == CONNECTION_BAD)
        c->broken = 1;
    if (c->copying != NULL && !c->broken) {
        PGresult *res;

        PQputCopyEnd(c->pg, "cancelled by crosswalk");
        while ((res = PQgetResult(c->pg)) != NULL) {
            int copyin = PQresultStatus(res) == PGRES_COPY_IN;

            PQclear(res);
            if (copyin || PQstatus(c->pg) == CONNECTION_BAD)
                break; /* cannot end it: the connection is unusable */
        }
    }
    c->copying = NULL;
    if (!c->broken && c->tx.open && PQstatus(c->pg) == CONNECTION_OK &&
        PQtransactionStatus(c->pg) != PQTRANS_ACTIVE)
        pgexec(c->pg, "ROLLBACK", NULL, "");
    if (PQstatus(c->pg) == CONNECTION_BAD ||
        PQtransactionStatus(c->pg) == PQTRANS_ACTIVE)
        c->broken = 1; /* never reuse a connection in an unknown state */
    cw__tx_ended(&c->tx, 0);
}

/* End the transaction after a failure ('rc' negative): later writes then
** fail at once, and close() needs no round trip. */
static int abort_tx(cw_sink *s, int rc)
{
    rollback(s->c);
    return rc;
}

/* Read a number written by putnum() at '*p' and move past it. */
static unsigned long getnum(const unsigned char **p)
{
    unsigned long v = 0;

    for (unsigned shift = 0;; shift += 7) {
        unsigned c = *(*p)++;

        v |= (unsigned long)(c & 0x7F) << shift;
        if (!(c & 0x80))
            return v;
    }
}

/* The file:line text of row 'i' of the batch ("-" when unknown),
** unpacked from 'pos' (only ever for a message). */
static void rowwhere(const cw_sink *s, size_t i, char *out, size_t n)
{
    const unsigned char *p = (const unsigned char *)s->pos.p;
    unsigned long line = 0, d;
    size_t f = 0;

    if (i >= s->npos) {
        snprintf(out, n, "-");
        return;
    }
    for (size_t k = 0; k <= i; k++) {
        if ((d = getnum(&p)) == 0) {
            f = getnum(&p);
            line = getnum(&p);
        } else {
            line += d - 1;
        }
    }
    snprintf(out, n, "%s:%lu", s->files[f], line);
}

/* The line number N of "COPY t, line N" in a server error's context, or
** 0. */
static unsigned long copyline(const PGresult *res)
{
    const char *ctx = PQresultErrorField(res, PG_DIAG_CONTEXT), *p;

    if (ctx == NULL || (p = strstr(ctx, "COPY ")) == NULL ||
        (p = strstr(p, ", line ")) == NULL)
        return 0;
    return strtoul(p + 7, NULL, 10);
}

/* Describe a lost connection. */
static int connlost(cw_sink *s, const char *during)
{
    char from[300], m[300];

    cw__pg_oneline(PQerrorMessage(s->c->pg), m, sizeof m);
    rowwhere(s, 0, from, sizeof from);
    s->c->broken = 1;
    return abort_tx(s, cw__fail(&s->err, CW_EIO,
                                "postgres:%s: table \"%s\": the connection to "
                                "the server was lost during %s (batch from "
                                "%s): %s; the transaction was rolled back "
                                "and nothing of this run was committed",
                                dbname(s), s->table, during, from, m));
}

/* The error in 'res' for the current batch, naming the input row from the
** COPY line when there is one. */
static int batchfail(cw_sink *s, PGresult *res, const char *during)
{
    const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
    const char *column = PQresultErrorField(res, PG_DIAG_COLUMN_NAME);
    unsigned long line =
        s->upsert && strcmp(during, "COPY") != 0 ? 0 : copyline(res);
    char where[300], last[300], col[120] = "", full[400];
    int rc;

    if (msg == NULL) {
        cw__pg_oneline(PQresultErrorMessage(res), full, sizeof full);
        msg = full;
    }
    /* A key's detail names the key only ("Key (id)=(5) already exists");
    ** other details may show a whole row, which is not echoed. */
    if (detail != NULL && strncmp(detail, "Key (", 5) != 0)
        detail = NULL;
    if (column != NULL) {
        snprintf(col, sizeof col, "column '%.80s': ", column);
    } else if (line > 0) {
        /* "COPY t, line 3, column flag: "..."": the column is named in
        ** the context only. */
        const char *ctx = PQresultErrorField(res, PG_DIAG_CONTEXT);
        const char *c = ctx != NULL ? strstr(ctx, ", column ") : NULL;

        if (c != NULL) {
            size_t n = strcspn(c + 9, ":\n");

            snprintf(col, sizeof col, "column '%.*s': ", n > 80 ? 80 : (int)n,
                     c + 9);
        }
    }
    if (line >= 1 && line <= s->npos) {
        rowwhere(s, line - 1, where, sizeof where);
        rc = cw__fail(&s->err, CW_ESINK,
                      "%s: postgres:%s: table \"%s\": %s%s%s%s; nothing of "
                      "this run was committed",
                      where, dbname(s), s->table, col, msg, detail ? " " : "",
                      detail ? detail : "");
    } else {
        rowwhere(s, 0, where, sizeof where);
        rowwhere(s, s->npos - 1, last, sizeof last);
        rc = cw__fail(&s->err, CW_ESINK,
                      "postgres:%s: table \"%s\": %s of the rows from %s to "
                      "%s: %s%s%s%s; nothing of this run was committed",
                      dbname(s), s->table, during, where, last, col, msg,
                      detail ? " " : "", detail ? detail : "");
    }
    return rc;
}

/* Start a COPY of 's'. */
static int copy_start(cw_sink *s)
{
    PGresult *res = PQexec(s->c->pg, s->copysql);
    int rc = CW_OK;

    if (PQresultStatus(res) != PGRES_COPY_IN) {
        if (gone(s->c->pg, res)) {
            PQclear(res);
            return connlost(s, "COPY");
        }
        rc = batchfail(s, res, "starting the COPY");
        PQclear(res);
        while ((res = PQgetResult(s->c->pg)) != NULL)
            PQclear(res);
        return abort_tx(s, rc);
    }
    PQclear(res);
    s->c->copying = s;
    return CW_OK;
}

/* Hand the buffered data to libpq. */
static int copy_send(cw_sink *s)
{
    size_t off = 0;

    while (off < s->data.len) {
        size_t n = s->data.len - off;

        if (n > (1u << 30))
            n = 1u << 30;
        if (PQputCopyData(s->c->pg, s->data.p + off, (int)n) != 1)
            return -1; /* the COPY has failed: see copy_end() */
        off += n;
    }
    s->data.len = 0;
    return CW_OK;
}

/* End the batch of 's': send what is left, end the COPY, read the
** outcome, merge the staging table (upsert), and forget the batch. */
static int copy_end(cw_sink *s)
{
    PGconn *pg = s->c->pg;
    PGresult *res;
    int rc = CW_OK, sent, lostconn = 0;

    sent = copy_send(s) == CW_OK && PQputCopyEnd(pg, NULL) == 1;
    s->c->copying = NULL;
    while ((res = PQgetResult(pg)) != NULL) {
        ExecStatusType st = PQresultStatus(res);

        if (st == PGRES_COPY_IN) {
            /* Still copying: sending failed on our side. */
            PQclear(res);
            if (PQputCopyEnd(pg, "crosswalk could not send the rows") != 1)
                break;
            continue;
        }
        if (st != PGRES_COMMAND_OK && gone(pg, res))
            lostconn = 1;
        else if (rc == CW_OK && st != PGRES_COMMAND_OK)
            rc = batchfail(s, res, "COPY");
        PQclear(res);
        if (lostconn || PQstatus(pg) == CONNECTION_BAD)
            break;
    }
    if (lostconn || PQstatus(pg) == CONNECTION_BAD)
        return connlost(s, "COPY");
    if (rc == CW_OK && !sent) {
        char m[400];

        cw__pg_oneline(PQerrorMessage(pg), m, sizeof m);
        rc = cw__fail(&s->err, CW_ESINK,
                      "postgres:%s: table \"%s\": COPY failed: %s", dbname(s),
                      s->table, m);
    }
    if (rc != CW_OK)
        return abort_tx(s, rc);
    if (s->upsert && s->npos > 0) {
        res = PQexec(pg, s->mergesql);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            if (gone(pg, res)) {
                PQclear(res);
                return connlost(s, "the upsert");
            }
            rc = batchfail(s, res, "upserting");
        }
        PQclear(res);
        while ((res = PQgetResult(pg)) != NULL)
            PQclear(res);
        if (rc != CW_OK)
            return abort_tx(s, rc);
    }
    s->npos = 0;
    s->pos.len = 0;
    s->lastfile = SIZE_MAX;
    s->batchbytes = 0;
    s->seq = 0;
    s->data.len = 0;
    return CW_OK;
}

/* Make the connection ours: end another sink's batch first. */
static int take(cw_sink *s)
{
    cw_sink *o = s->c->copying;
    int rc;

    if (o == s)
        return CW_OK;
    if (o != NULL && (rc = copy_end(o)) != CW_OK) {
        cw__errcopy(&s->err, &o->err);
        return rc;
    }
    return copy_start(s);
}

/* Append 'v' to 'b' in 7-bit groups, low first, the top bit of a byte
** saying that another follows. */
static int putnum(cw_buf *b, unsigned long v)
{
    unsigned char t[(sizeof v * 8 + 6) / 7];
    size_t n = 0;

    do {
        t[n++] = (unsigned char)((v & 0x7F) | (v > 0x7F ? 0x80 : 0));
        v >>= 7;
    } while (v > 0);
    return cw__buf_add(b, t, n);
}

/*
** Note that the next row comes from 'file':'line'.  Rows mostly come
** from the next lines of the same file, so each is kept as its line's
** distance from the last row's, plus 1 (one byte up to 126 lines on);
** a 0 starts a new file index and line.  A batch of a million rows
** costs about 1 MB.
*/
static int addpos(cw_sink *s, const char *file, unsigned long line)
{
    size_t f;

    if (file == NULL)
        file = "-";
    /* The last file is almost always the same one: compare pointers
    ** first, then names. */
    for (f = s->nfiles; f > 0; f--)
        if (s->filekeys[f - 1] == file || strcmp(s->files[f - 1], file) == 0)
            break;
    if (f == 0) {
        size_t cap = s->filecap;
        char **nf = cw__grow(s->files, &cap, s->nfiles + 1, sizeof *nf);

        if (nf == NULL)
            return CW_ENOMEM;
        s->files = nf;
        cap = s->filecap;
        {
            const char **nk =
                cw__grow(s->filekeys, &cap, s->nfiles + 1, sizeof *nk);

            if (nk == NULL)
                return CW_ENOMEM;
            s->filekeys = nk;
        }
        s->filecap = cap;
        if ((s->files[s->nfiles] = cw__strdup(file)) == NULL)
            return CW_ENOMEM;
        s->filekeys[s->nfiles++] = file;
        f = s->nfiles;
    }
    f--;
    if (f == s->lastfile && line >= s->lastline &&
        line - s->lastline < ULONG_MAX) {
        if (putnum(&s->pos, line - s->lastline + 1) != CW_OK)
            return CW_ENOMEM;
    } else if (putnum(&s->pos, 0) != CW_OK || putnum(&s->pos, f) != CW_OK ||
               putnum(&s->pos, line) != CW_OK) {
        return CW_ENOMEM;
    }
    s->lastfile = f;
    s->lastline = line;
    s->npos++;
    return CW_OK;
}

/* Bytes that the COPY text format escapes: backslash, tab, newline and
** carriage return (their escape letters; 0 for every other byte). */
static const char escapes[256] = {
    ['\\'] = '\\', ['\t'] = 't', ['\n'] = 'n', ['\r'] = 'r'};

/* 1 when one of the 8 bytes of 'w' needs an escape (backslash, tab,
** newline, carriage return): the bit tricks of "a zero byte in a word". */
static int special8(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t a = w ^ (ones * '\\'), b = w ^ (ones * '\t');
    uint64_t c = w ^ (ones * '\n'), d = w ^ (ones * '\r');
    uint64_t hit = ((a - ones) & ~a) | ((b - ones) & ~b) | ((c - ones) & ~c) |
                   ((d - ones) & ~d);

    return (hit & highs) != 0;
}

/* Append 'len' bytes at 'p' to the COPY data, escaped for the text
** format, then the byte 'sep' (a tab or a newline).  Most values hold
** nothing to escape: they are checked 8 bytes at a time. */
static int addtext(cw_buf *b, const char *p, size_t len, char sep)
{
    size_t i = 0;
    char *o;

    if (b->cap - b->len < 2 * len + 2) {
        size_t cap = b->cap;
        char *np = cw__grow(b->p, &cap, b->len + 2 * len + 2, 1);

        if (np == NULL)
            return CW_ENOMEM;
        b->p = np;
        b->cap = cap;
    }
    o = b->p + b->len;
    for (;;) {
        uint64_t w;

        while (i + 8 <= len) {
            memcpy(&w, p + i, 8);
            if (special8(w))
                break;
            memcpy(o, &w, 8);
            o += 8;
            i += 8;
        }
        if (i == len)
            break;
        /* Byte by byte to the end of this word (or of the value). */
        for (size_t end = i + 8 < len ? i + 8 : len; i < end; i++) {
            char e = escapes[(unsigned char)p[i]];

            if (e != 0) {
                *o++ = '\\';
                *o++ = e;
            } else {
                *o++ = p[i];
            }
        }
        if (i == len)
            break;
    }
    *o++ = sep;
    b->len = (size_t)(o - b->p);
    return CW_OK;
}

/* 1 when the ISO value at 's' names an offset after its date. */
static int hasoffset(const char *s, size_t len)
{
    for (size_t i = 10; i < len; i++)
        if (s[i] == 'Z' || s[i] == 'z' || s[i] == '+' || s[i] == '-')
            return 1;
    return 0;
}

/* Fail the row at 'file':'line' because of column 'i''s value. */
static int badvalue(cw_sink *s, size_t i, const char *what, const cw_field *f,
                    const char *file, unsigned long line)
{
    int shown = f->len > 60 ? 60 : (int)f->len;

    return cw__fail(&s->err, CW_ESINK,
                    "%s:%lu: postgres:%s: table \"%s\": column '%s': %s: "
                    "'%.*s'%s; nothing of this run was committed",
                    file ? file : "-", line, dbname(s), s->table, s->names[i],
                    what, shown, f->p, f->len > 60 ? "..." : "");
}

/* Append the 'len' bytes at 'p' as they are, then 'sep'. */
static int addraw(cw_buf *b, const char *p, size_t len, char sep)
{
    if (b->cap - b->len < len + 1) {
        size_t cap = b->cap;
        char *np = cw__grow(b->p, &cap, b->len + len + 1, 1);

        if (np == NULL)
            return CW_ENOMEM;
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, len);
    b->p[b->len + len] = sep;
    b->len += len + 1;
    return CW_OK;
}

/* Append value 'f' of column 'i', converted for its type, then 'sep'. */
static int addvalue(cw_sink *s, size_t i, const cw_field *f, char sep,
                    const char *file, unsigned long line)
{
    cw_buf *b = &s->data;
    cw_verdict v;

    if (f->p == NULL)
        return addraw(b, "\\N", 2, sep);
    switch (s->types[i]) {
    case CW_T_INTEGER:
    case CW_T_NUMBER:
        if (cw__blank(f->p, f->len))
            return addraw(b, "\\N", 2, sep);
        break; /* the server checks the number, naming the line */
    case CW_T_BOOLEAN: {
        int t;

        if (cw__blank(f->p, f->len))
            return addraw(b, "\\N", 2, sep);
        if (cw__rule_bool(f->p, f->len, &t, &v) != 0)
            return badvalue(s, i, "not a boolean", f, file, line);
        return t ? addraw(b, "true", 4, sep) : addraw(b, "false", 5, sep);
    }
    case CW_T_DATE:
    case CW_T_DATETIME: {
        int date = s->types[i] == CW_T_DATE;
        cw_datetime dt;
        size_t n;

        if (cw__blank(f->p, f->len))
            return addraw(b, "\\N", 2, sep);
        if (cw__sink_isodate(f->p, f->len) &&
            (date || !hasoffset(f->p, f->len)))
            /* ISO already: the date alone, or the value as given. */
            return addtext(b, f->p, date ? 10 : f->len, sep);
        if (cw__rule_date_parse(f->p, f->len, &dt, &v) != 0)
            return badvalue(s, i, "not a date or time", f, file, line);
        if (!date && dt.has_offset &&
            cw__rule_date_convert(&dt, NULL, NULL, &v) != 0)
            return badvalue(s, i, "not a date or time", f, file, line);
        n = cw__rule_date_format(
            &dt, date || !dt.has_time ? CW_DATEFMT_DATE : CW_DATEFMT_ISO_FULL,
            s->conv);
        if (!date && dt.has_time && dt.usec > 0)
            n += (size_t)snprintf(s->conv + n, sizeof s->conv - n, ".%06ld",
                                  dt.usec);
        return addraw(b, s->conv, n, sep);
    }
    default:
        break;
    }
    return addtext(b, f->p, f->len, sep);
}

static int pg_write(cw_sink *s, const cw_field *f, const char *file,
                    unsigned long line)
{
    size_t start = s->data.len;
    int rc;

    if (s->committed || lost(s) || s->c->broken)
        return cw__fail(&s->err, CW_ESINK, "postgres:%s: table \"%s\": %s",
                        dbname(s), s->table,
                        s->committed ? "write after commit"
                                     : "the transaction was rolled back");
    for (size_t i = 0; i < s->ncols; i++) {
        char sep = i + 1 < s->ncols || s->upsert ? '\t' : '\n';

        rc = addvalue(s, i, &f[i], sep, file, line);
        if (rc == CW_ENOMEM)
            goto nomem;
        if (rc != CW_OK) {
            s->data.len = start;
            return abort_tx(s, rc); /* nothing of the run is kept */
        }
    }
    if (s->upsert && cw__buf_printf(&s->data, "%llu\n", ++s->seq) != CW_OK)
        goto nomem;
    if (addpos(s, file, line) != CW_OK)
        goto nomem;
    s->batchbytes += s->data.len - start;
    s->rows++;
    if (s->c->copying == NULL && (rc = copy_start(s)) != CW_OK)
        return rc;
    if (s->c->copying == s) {
        if (s->npos >= s->maxrows ||
            (s->upsert && s->batchbytes >= BATCH_BYTES))
            return copy_end(s);
        if (s->data.len >= SEND_BYTES && copy_send(s) != CW_OK)
            return copy_end(s); /* the server failed the COPY: why? */
        return CW_OK;
    }
    /* Another sink's COPY is open: keep ours until our batch is full. */
    if (s->npos >= s->maxrows || s->batchbytes >= BATCH_BYTES) {
        if ((rc = take(s)) != CW_OK)
            return rc;
        return copy_end(s);
    }
    return CW_OK;

nomem:
    s->data.len = start;
    return abort_tx(s, cw__fail(&s->err, CW_ENOMEM, "out of memory"));
}

static int pg_commit(cw_sink *s)
{
    PGresult *res;
    int rc;

    if (s->committed)
        return CW_OK;
    if (s->err.code != CW_OK)
        return s->err.code;
    if (lost(s) || s->c->broken)
        return cw__fail(&s->err, CW_ESINK,
                        "postgres:%s: table \"%s\": the transaction was "
                        "rolled back (another output on this database "
                        "failed)",
                        dbname(s), s->table);
    /* Send this sink's last batch. */
    if (s->npos > 0 || s->c->copying == s) {
        if ((rc = take(s)) != CW_OK || (rc = copy_end(s)) != CW_OK)
            return rc;
    }
    s->committed = 1;
    if (!cw__tx_last(&s->c->tx))
        return CW_OK; /* the last sink of the transaction commits it */
    res = PQexec(s->c->pg, "COMMIT");
    /* An aborted transaction "commits" as ROLLBACK. */
    if (PQresultStatus(res) == PGRES_COMMAND_OK &&
        strcmp(PQcmdStatus(res), "COMMIT") == 0) {
        PQclear(res);
        cw__tx_ended(&s->c->tx, 1);
        return CW_OK;
    }
    s->committed = 0;
    cw__tx_ended(&s->c->tx,
                 PQresultStatus(res) != PGRES_COMMAND_OK && gone(s->c->pg, res)
                     ? -1
                     : 0);
    if (PQresultStatus(res) == PGRES_COMMAND_OK) {
        PQclear(res);
        return cw__fail(&s->err, CW_ESINK,
                        "postgres:%s: table \"%s\": the server rolled the "
                        "transaction back at COMMIT; nothing of this run was "
                        "committed",
                        dbname(s), s->table);
    }
    if (gone(s->c->pg, res)) {
        PQclear(res);
        s->c->broken = 1;
        return cw__fail(&s->err, CW_EIO,
                        "postgres:%s: table \"%s\": the connection was lost "
                        "during COMMIT: the outcome is unknown (the rows "
                        "may or may not be there); check the table before "
                        "running again (mode upsert makes a re-run safe)",
                        dbname(s), s->table);
    }
    rc = batchfail(s, res, "committing");
    PQclear(res);
    return rc;
}

static int pg_committed(const cw_sink *s)
{
    return s->c != NULL ? cw__tx_outcome(&s->c->tx, s->gen) : 0;
}

static unsigned long long pg_rows(const cw_sink *s)
{
    return s->rows;
}

static const char *pg_errmsg(const cw_sink *s)
{
    return s->err.msg;
}

static void pg_close(cw_sink *s)
{
    if (s == NULL)
        return;
    if (s->c != NULL) {
        /* Roll everything back, with every sink sharing the
        ** transaction. */
        if (!s->committed && !lost(s))
            rollback(s->c);
        if (s->c->copying == s)
            s->c->copying = NULL;
        conn_put(s->c);
    }
    for (size_t i = 0; i < s->nfiles; i++)
        cw__free(s->files[i]);
    cw__free(s->files);
    cw__free(s->filekeys);
    cw__buf_free(&s->pos);
    cw__buf_free(&s->data);
    cw__sink_freecols(s->names, s->types, s->ncols);
    cw__free(s->table);
    cw__free(s->qtable);
    cw__free(s->stage);
    cw__free(s->copysql);
    cw__free(s->mergesql);
    cw__free(s);
}

const struct cw_sink_type cw_sink_postgres = {
    .name = "postgres",
    .open = pg_open,
    .write = pg_write,
    .commit = pg_commit,
    .committed = pg_committed,
    .rows = pg_rows,
    .errmsg = pg_errmsg,
    .close = pg_close,
};
