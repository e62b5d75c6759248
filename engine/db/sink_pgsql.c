/*
** sink_pgsql.c -- the PostgreSQL sink: rows go to the server through
** COPY ... FROM STDIN inside one transaction, so a failed run commits
** nothing.  Owns its connections (shared by every sink of the process on
** the same connection string, like sink_sqlite.c) and copies of the
** column list and table name.  libpq's own memory is its own.
**
** Choices (measured on bench/data/messages-1m.csv, bench/DB-PG.md and
** docs/decisions.md):
** - COPY in binary format when every column of the table takes it
**   exactly (text and varchar columns, boolean columns from boolean
**   values, bigint columns from integer values: pgtable.c reads the
**   server's own column types); else the text format.  Binary needs no
**   escaping on our side and no line splitting or unescaping on the
**   server's, which spent 8-12% less CPU on a 1M-row load.
** - Rows go in COPYs of COPY_ROWS rows (a million), all in one
**   transaction.  The sink keeps the file:line of each row of the current
**   COPY, packed in about a byte a row (memory stays flat), so that the
**   "COPY t, line N" of a server error names the input row.  Each COPY
**   costs a round trip in which the server waits for us.
**   The price: the server reports a bad row when its COPY ends, up to
**   a million rows later (the message still names the row).
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
** - Upsert into a table that is empty when the run starts (or new): the
**   rows are copied straight into it in batches, each in a savepoint and
**   kept to be sent again: at most DIRECT_KEEP (1 MiB) of it in memory,
**   what was sent before that in a spill file (unlinked, under $TMPDIR
**   or /tmp).  The first batch is DIRECT_KEEP, and each next one twice
**   the last, up to DIRECT_BYTES (32 MiB): a key given twice early costs
**   little to send again, and a long load has few batch ends, where the
**   server waits for us and we for it.  Where no spill file can be made
**   or written, and while another sink's COPY holds the connection,
**   batches stay at DIRECT_KEEP, in memory.  A key already there (given
**   twice in the input, or written meanwhile by someone else) fails the
**   COPY with a unique violation: the savepoint is rolled back and the
**   batch, and every later one, goes the staging way below.  An upsert
**   into an empty table so costs about what a plain load into a keyed
**   table costs, not an INSERT ... ON CONFLICT per row.  One query starts
**   each batch: it releases the last batch's savepoint, opens this one's
**   and starts the COPY (one round trip, not three: on a busy machine
**   each is a wait for a core, on both sides).
** - Upsert otherwise: each batch (BATCH_ROWS rows or BATCH_BYTES bytes)
**   is copied into a TEMP staging table (ON COMMIT DROP, the target's
**   column types, key columns NOT NULL), then
**   INSERT ... SELECT DISTINCT ON (key) ... ORDER BY key, seq DESC
**   ON CONFLICT (key) DO UPDATE ... WHERE the row differs (the last row of
**   a key wins, as with row-by-row upserts; an unchanged row is not
**   rewritten, so a re-run is cheap), then TRUNCATE of the staging table.
**   MERGE (PostgreSQL 15) was measured and not kept: 10% less server CPU
**   re-running 1M rows, and a key inserted by another session meanwhile
**   fails it where ON CONFLICT updates.
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
**
** The table's SQL, made at open, is in pgtable.c; the COPY data of each
** row and the packed row positions are in pgcopy.c.
*/
#include "csv/tempfile.h"
#include "db/sinkpg.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
#ifndef DIRECT_KEEP
#define DIRECT_KEEP (1u << 20) /* a direct batch's bytes kept in memory */
#endif
#ifndef DIRECT_BYTES
#define DIRECT_BYTES (32u << 20) /* the largest direct upsert batch */
#endif
#ifndef SEND_BYTES
#define SEND_BYTES (32u << 10) /* hand data to libpq in chunks this big */
#endif
#define MAXIDENT 63   /* NAMEDATALEN - 1 */
#define COPY_FAILED 1 /* resend(): the COPY has failed, copy_end() says why */

/* ==== Shared connections ==== */

static cw_registry conns = CW_REGISTRY_INIT; /* open connections */

/* Run 'sql' on 'pg', drain its results; CW_OK, or the status for the
** first error (message in 'err', prefixed with 'what'). */
static int pgexec(PGconn *pg, const char *sql, cw_err *err, const char *what);

/* Record libpq's last message in 'err', after 'what' (sinkpg.h). */
int cw__pgsink_fail(cw_err *err, int code, PGconn *pg, const char *dbname,
                    const char *what)
{
    char m[400];

    cw__pg_oneline(pg != NULL ? PQerrorMessage(pg) : "out of memory", m,
                   sizeof m);
    return cw__fail(err, code, "postgres%s%s: %s%s%s", dbname[0] ? ":" : "",
                    dbname, what, what[0] ? ": " : "", m);
}

/* 1 when the failure in 'res' (or on the connection) means that the
** connection is gone (sinkpg.h). */
int cw__pgsink_gone(PGconn *pg, const PGresult *res)
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
        rc = cw__pgsink_fail(err, c->pg == NULL ? CW_ENOMEM : CW_EUSAGE, c->pg,
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
        return cw__pgsink_fail(err,
                               cw__pgsink_gone(pg, NULL) ? CW_EIO : CW_ESINK,
                               pg, cw__pg_dbname(pg), what);
    while ((res = PQgetResult(pg)) != NULL) {
        ExecStatusType st = PQresultStatus(res);

        if (rc == CW_OK && st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
            char m[400];

            cw__pg_oneline(cw__pg_resmsg(res), m, sizeof m);
            rc = cw__fail(err, cw__pgsink_gone(pg, res) ? CW_EIO : CW_ESINK,
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

/* The database name, for messages (never the connection string). */
const char *cw__pgsink_dbname(const cw_sink *s)
{
    return cw__pg_dbname(s->c != NULL ? s->c->pg : NULL);
}

/* Run 'sql' in the sink's transaction. */
int cw__pgsink_run(cw_sink *s, const char *sql, const char *what)
{
    int rc = pgexec(s->c->pg, sql, &s->err, what);

    if (rc == CW_EIO)
        s->c->broken = 1;
    return rc;
}

static void pg_close(cw_sink *s);

static int pg_open(const char *location, const char *table,
                   const cw_sinkcol *cols, size_t ncols, enum cw_sinkmode mode,
                   cw_sink **out, cw_err *err)
{
    cw_buf b = {0};
    size_t nkey = 0;
    cw_sink *s;
    int rc;

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
    s->directmax = DIRECT_KEEP;
    s->spill = -1;
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
    if ((rc = cw__pgsink_addname(s, &b, table, 1)) != CW_OK)
        goto fail;
    if ((s->qtable = cw__strdup(b.p)) == NULL) {
        rc = cw__fail(&s->err, CW_ENOMEM, "out of memory");
        goto fail;
    }
    /* Join the connection's transaction, or begin one. */
    if (!s->c->tx.open) {
        if ((rc = cw__pgsink_run(s, "BEGIN", "beginning")) != CW_OK)
            goto fail;
        cw__tx_begun(&s->c->tx);
        s->c->direct_sp = 0;
    }
    s->gen = cw__tx_join(&s->c->tx);
    if ((rc = cw__pgsink_table(s, cols, nkey, mode, &b)) != CW_OK)
        goto fail;
    if (s->direct)
        s->maxrows = COPY_ROWS; /* a direct batch ends by its bytes */
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
    c->direct_sp = 0;
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
    cw__pgsink_rowwhere(s, 0, from, sizeof from);
    s->c->broken = 1;
    return abort_tx(s,
                    cw__fail(&s->err, CW_EIO,
                             "postgres:%s: table \"%s\": the connection to "
                             "the server was lost during %s (batch from "
                             "%s): %s; the transaction was rolled back "
                             "and nothing of this run was committed",
                             cw__pgsink_dbname(s), s->table, during, from, m));
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
        cw__pgsink_rowwhere(s, line - 1, where, sizeof where);
        rc = cw__fail(&s->err, CW_ESINK,
                      "%s: postgres:%s: table \"%s\": %s%s%s%s; nothing of "
                      "this run was committed",
                      where, cw__pgsink_dbname(s), s->table, col, msg,
                      detail ? " " : "", detail ? detail : "");
    } else {
        cw__pgsink_rowwhere(s, 0, where, sizeof where);
        cw__pgsink_rowwhere(s, s->npos - 1, last, sizeof last);
        rc = cw__fail(&s->err, CW_ESINK,
                      "postgres:%s: table \"%s\": %s of the rows from %s to "
                      "%s: %s%s%s%s; nothing of this run was committed",
                      cw__pgsink_dbname(s), s->table, during, where, last, col,
                      msg, detail ? " " : "", detail ? detail : "");
    }
    return rc;
}

static int copy_end(cw_sink *s);

/* Start a COPY of 's': of a direct upsert batch into the table itself,
** in a savepoint, or else into its target (table or staging table). */
static int copy_start(cw_sink *s)
{
    const char *sql = s->copysql;
    PGresult *res;
    int rc;

    if (s->direct) {
        /* Release the last direct batch's savepoint (of this sink or of
        ** another on the connection), open this one's, start the COPY:
        ** one round trip. */
        sql = s->directsql;
        if (!s->c->direct_sp)
            sql += sizeof DIRECT_RELEASE - 1;
        s->c->direct_sp = 0;
    }
    res = PQexec(s->c->pg, sql);
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        if (cw__pgsink_gone(s->c->pg, res)) {
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
    if (s->binary && PQputCopyData(s->c->pg, cw__pgsink_binhead,
                                   sizeof cw__pgsink_binhead) != 1)
        return copy_end(s); /* the COPY has failed: why? */
    return CW_OK;
}

/* Hand 'n' bytes at 'p' to libpq; -1 when the COPY has failed. */
static int put(cw_sink *s, const char *p, size_t n)
{
    while (n > 0) {
        size_t k = n > (1u << 30) ? 1u << 30 : n;

        if (PQputCopyData(s->c->pg, p, (int)k) != 1)
            return -1; /* the COPY has failed: see copy_end() */
        p += k;
        n -= k;
    }
    return CW_OK;
}

/* A new spill file, unlinked, under $TMPDIR or /tmp: its descriptor, or
** -1. */
static int spill_make(void)
{
    const char *dir = getenv("TMPDIR");
    char path[4096], *tmp;
    int fd;

    if (dir == NULL || dir[0] == '\0')
        dir = "/tmp";
    if (snprintf(path, sizeof path, "%s/crosswalk-upsert", dir) >=
            (int)sizeof path ||
        (fd = cw__temp_make(path, &tmp)) < 0)
        return -1;
    unlink(tmp);
    cw__free(tmp);
    return fd;
}

/* Move the data a direct batch has sent to its spill file, once it holds
** DIRECT_KEEP bytes.  Where that cannot be done, the data stays and the
** batches stay at DIRECT_KEEP ('nospill': full() then ends this one),
** and batch_done() closes the file (freeing what a write cut short
** left). */
static void spill_out(cw_sink *s)
{
    size_t done = 0;

    if (s->data.len < DIRECT_KEEP || s->nospill)
        return;
    if (s->spill < 0 && (s->spill = spill_make()) < 0)
        s->nospill = 1;
    while (!s->nospill && done < s->data.len) {
        ssize_t n = pwrite(s->spill, s->data.p + done, s->data.len - done,
                           (off_t)(s->spilled + done));

        if (n > 0)
            done += (size_t)n;
        else if (n < 0 && errno == EINTR)
            continue;
        else
            s->nospill = 1; /* ENOSPC, EIO: what went out is not counted */
    }
    if (s->nospill)
        return;
    s->spilled += s->data.len;
    s->data.len = 0;
    s->sent = 0;
}

/* Hand the buffered data to libpq.  A direct batch keeps its data (and
** pg_write() moves it to the spill file). */
static int copy_send(cw_sink *s)
{
    if (put(s, s->data.p + s->sent, s->data.len - s->sent) != CW_OK)
        return -1;
    if (s->direct) {
        s->sent = s->data.len;
    } else {
        s->data.len = 0;
        s->sent = 0;
    }
    return CW_OK;
}

/* Forget the batch that has just gone in. */
static void batch_done(cw_sink *s)
{
    s->npos = 0;
    s->pos.len = 0;
    s->lastfile = SIZE_MAX;
    s->batchbytes = 0;
    s->seq = 0;
    s->data.len = 0;
    s->sent = 0;
    /* Emptied, its pages are dropped unwritten.  A file that cannot be
    ** emptied, or that is no longer used, is closed: that frees it (the
    ** next spill makes another). */
    if (s->spill >= 0 &&
        (s->nospill || (s->spilled > 0 && ftruncate(s->spill, 0) != 0))) {
        close(s->spill);
        s->spill = -1;
    }
    s->spilled = 0;
}

/* Send the 'len' bytes of direct batch rows at 'd' into the staging
** table with their sequence numbers; '*used' is set to the bytes of the
** whole rows sent (a row cut short at the end is left).  CW_OK,
** COPY_FAILED or CW_ENOMEM. */
static int resend(cw_sink *s, const char *d, size_t len, size_t *used,
                  cw_buf *out)
{
    size_t off = 0;

    for (;;) {
        out->len = 0;
        if (cw__pgsink_addseq(s, d, len, &off, &s->seq, out, SEND_BYTES) !=
            CW_OK)
            return CW_ENOMEM;
        if (out->len == 0)
            break;
        if (put(s, out->p, out->len) != CW_OK)
            return COPY_FAILED;
    }
    *used = off;
    return CW_OK;
}

/* Send the rows of the direct batch of 's' in its spill file into the
** staging table: CW_OK, COPY_FAILED, CW_ENOMEM, or CW_EIO when the file
** cannot be read back, with the errno in '*why' (0: it ended early). */
static int resend_spilled(cw_sink *s, cw_buf *out, int *why)
{
    cw_buf in = {0};
    size_t have = 0, used;
    off_t at = 0;
    int rc = CW_OK;

    while (rc == CW_OK && (size_t)at < s->spilled) {
        size_t want = s->spilled - (size_t)at;
        ssize_t n;

        /* Room for a chunk, or for a row longer than the last one. */
        if (in.cap - have < DIRECT_KEEP / 4) {
            size_t cap = in.cap;
            char *np = cw__grow(in.p, &cap, have + DIRECT_KEEP, 1);

            if (np == NULL) {
                rc = CW_ENOMEM;
                break;
            }
            in.p = np;
            in.cap = cap;
        }
        if (want > in.cap - have)
            want = in.cap - have;
        n = pread(s->spill, in.p + have, want, at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            *why = n < 0 ? errno : 0;
            rc = CW_EIO;
            break;
        }
        at += n;
        have += (size_t)n;
        if ((rc = resend(s, in.p, have, &used, out)) == CW_OK) {
            memmove(in.p, in.p + used, have - used);
            have -= used;
        }
    }
    if (rc == CW_OK && have > 0) {
        *why = 0; /* the file ends inside a row */
        rc = CW_EIO;
    }
    cw__buf_free(&in);
    return rc;
}

/*
** A key of the direct batch of 's' was already in the table (the COPY
** failed on a unique index): undo the batch, and send it again through
** the staging table and its merge, as every later batch.
*/
static int redo(cw_sink *s)
{
    cw_buf out = {0};
    size_t used;
    int rc, why = 0;

    rc = cw__pgsink_run(s,
                        "ROLLBACK TO SAVEPOINT cw_direct; "
                        "RELEASE SAVEPOINT cw_direct",
                        "upserting");
    if (rc != CW_OK)
        return s->c->broken ? connlost(s, "the upsert") : abort_tx(s, rc);
    s->direct = 0;
    s->maxrows = BATCH_ROWS;
    if ((rc = copy_start(s)) != CW_OK)
        return rc;
    s->seq = 0;
    rc = resend_spilled(s, &out, &why);
    if (rc == CW_OK)
        rc = resend(s, s->data.p, s->data.len, &used, &out);
    cw__buf_free(&out);
    if (rc == CW_ENOMEM)
        return abort_tx(s, cw__fail(&s->err, CW_ENOMEM, "out of memory"));
    if (rc == CW_EIO) {
        char first[300], last[300];

        cw__pgsink_rowwhere(s, 0, first, sizeof first);
        cw__pgsink_rowwhere(s, s->npos - 1, last, sizeof last);
        return abort_tx(s, cw__fail(&s->err, CW_EIO,
                                    "postgres:%s: table \"%s\": could not "
                                    "read the rows from %s to %s back from "
                                    "their temp file (%s); nothing of this "
                                    "run was committed",
                                    cw__pgsink_dbname(s), s->table, first, last,
                                    why ? strerror(why) : "it ended early"));
    }
    /* CW_OK, or COPY_FAILED: copy_end() says why. */
    s->data.len = 0;
    s->sent = 0;
    return copy_end(s);
}

/* End the batch of 's': send what is left, end the COPY, read the
** outcome, merge the staging table (upsert), and forget the batch. */
static int copy_end(cw_sink *s)
{
    PGconn *pg = s->c->pg;
    PGresult *res;
    int rc = CW_OK, sent, lostconn = 0, conflict = 0;

    sent = copy_send(s) == CW_OK &&
           (!s->binary ||
            put(s, cw__pgsink_bintail, sizeof cw__pgsink_bintail) == CW_OK) &&
           PQputCopyEnd(pg, NULL) == 1;
    s->c->copying = NULL;
    while ((res = PQgetResult(pg)) != NULL) {
        ExecStatusType st = PQresultStatus(res);
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

        if (st == PGRES_COPY_IN) {
            /* Still copying: sending failed on our side. */
            PQclear(res);
            if (PQputCopyEnd(pg, "crosswalk could not send the rows") != 1)
                break;
            continue;
        }
        if (st != PGRES_COMMAND_OK && cw__pgsink_gone(pg, res))
            lostconn = 1;
        else if (rc == CW_OK && !conflict && s->direct &&
                 st != PGRES_COMMAND_OK && state != NULL &&
                 strcmp(state, "23505") == 0)
            conflict = 1; /* unique_violation: a key is already there */
        else if (rc == CW_OK && !conflict && st != PGRES_COMMAND_OK)
            rc = batchfail(s, res, "COPY");
        PQclear(res);
        if (lostconn || PQstatus(pg) == CONNECTION_BAD)
            break;
    }
    if (lostconn || PQstatus(pg) == CONNECTION_BAD)
        return connlost(s, "COPY");
    if (conflict)
        return redo(s);
    if (rc == CW_OK && !sent) {
        char m[400];

        cw__pg_oneline(PQerrorMessage(pg), m, sizeof m);
        rc = cw__fail(&s->err, CW_ESINK,
                      "postgres:%s: table \"%s\": COPY failed: %s",
                      cw__pgsink_dbname(s), s->table, m);
    }
    if (rc != CW_OK)
        return abort_tx(s, rc);
    if (s->direct) {
        /* In: its savepoint is released as the next direct batch starts
        ** (or by COMMIT).  The next batch may be twice as long. */
        s->c->direct_sp = 1;
        s->directmax =
            s->directmax >= DIRECT_BYTES / 2 ? DIRECT_BYTES : s->directmax * 2;
    } else if (s->upsert && s->npos > 0) {
        res = PQexec(pg, s->mergesql);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            if (cw__pgsink_gone(pg, res)) {
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
    batch_done(s);
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

/* 1 when the batch of 's' is complete. */
static int full(const cw_sink *s)
{
    if (s->npos >= s->maxrows)
        return 1;
    if (s->direct)
        return s->batchbytes >= (s->nospill ? DIRECT_KEEP : s->directmax);
    return s->upsert && s->batchbytes >= BATCH_BYTES;
}

static int pg_write(cw_sink *s, const cw_field *f, const char *file,
                    unsigned long line)
{
    size_t start = s->data.len;
    int rc;

    if (s->committed || lost(s) || s->c->broken)
        return cw__fail(&s->err, CW_ESINK, "postgres:%s: table \"%s\": %s",
                        cw__pgsink_dbname(s), s->table,
                        s->committed ? "write after commit"
                                     : "the transaction was rolled back");
    rc = cw__pgsink_addrow(s, f, file, line);
    if (rc == CW_ENOMEM)
        return abort_tx(s, cw__fail(&s->err, CW_ENOMEM, "out of memory"));
    if (rc != CW_OK)
        return abort_tx(s, rc); /* nothing of the run is kept */
    s->batchbytes += s->data.len - start;
    s->rows++;
    if (s->c->copying == NULL && (rc = copy_start(s)) != CW_OK)
        return rc;
    if (s->c->copying == s) {
        if (full(s))
            return copy_end(s);
        if (s->data.len - s->sent >= SEND_BYTES) {
            if (copy_send(s) != CW_OK)
                return copy_end(s); /* the server failed the COPY: why? */
            if (s->direct)
                spill_out(s);
        }
        return CW_OK;
    }
    /* Another sink's COPY is open: keep ours until our batch is full (a
    ** direct batch: until it holds what it may keep in memory). */
    if (full(s) || s->batchbytes >= (s->direct ? DIRECT_KEEP : BATCH_BYTES)) {
        if ((rc = take(s)) != CW_OK)
            return rc;
        return copy_end(s);
    }
    return CW_OK;
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
                        cw__pgsink_dbname(s), s->table);
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
    cw__tx_ended(&s->c->tx, PQresultStatus(res) != PGRES_COMMAND_OK &&
                                    cw__pgsink_gone(s->c->pg, res)
                                ? -1
                                : 0);
    if (PQresultStatus(res) == PGRES_COMMAND_OK) {
        PQclear(res);
        return cw__fail(&s->err, CW_ESINK,
                        "postgres:%s: table \"%s\": the server rolled the "
                        "transaction back at COMMIT; nothing of this run was "
                        "committed",
                        cw__pgsink_dbname(s), s->table);
    }
    if (cw__pgsink_gone(s->c->pg, res)) {
        PQclear(res);
        s->c->broken = 1;
        return cw__fail(&s->err, CW_EIO,
                        "postgres:%s: table \"%s\": the connection was lost "
                        "during COMMIT: the outcome is unknown (the rows "
                        "may or may not be there); check the table before "
                        "running again (mode upsert makes a re-run safe)",
                        cw__pgsink_dbname(s), s->table);
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
    if (s->spill >= 0)
        close(s->spill);
    cw__sink_freecols(s->names, s->types, s->ncols);
    cw__free(s->table);
    cw__free(s->qtable);
    cw__free(s->stage);
    cw__free(s->copysql);
    cw__free(s->directsql);
    cw__free(s->mergesql);
    cw__free(s->kinds);
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
