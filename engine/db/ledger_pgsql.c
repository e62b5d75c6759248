/*
** ledger_pgsql.c -- a delivery ledger in PostgreSQL tables (ledgerdb.h).
** The lock is a session-level advisory lock named after the ledger's
** table: it outlives the transactions of a run and goes with the
** connection, so a crashed run leaves no lock behind.  Results are read a
** row at a time (single-row mode), so a large ledger is never held whole
** by libpq.
*/
#include "db/ledgerdb.h"
#include "db/pg.h"

#include <string.h>

#include <libpq-fe.h>

struct cw_ldb {
    PGconn *pg;  /* the connection */
    char *where; /* "postgres:DBNAME" */
    int intx;    /* a transaction is open */
    cw_err err;  /* the last error */
};

/* Record libpq's message 'm' after 'what'. */
static int fail(cw_ldb *l, int code, const char *what, const char *m)
{
    char line[400];

    cw__pg_oneline(m, line, sizeof line);
    return cw__fail(&l->err, code, "%s: %s%s%s", l->where, what,
                    what[0] ? ": " : "", line);
}

/* The status for a failed result: CW_EIO when the connection is gone. */
static int code_of(const cw_ldb *l)
{
    return PQstatus(l->pg) == CONNECTION_BAD ? CW_EIO : CW_ESINK;
}

static void pg_close(cw_ldb *l);

static int pg_open(const char *location, int create, cw_ldb **out, cw_err *err)
{
    static const char setup[] = "SET client_encoding = 'UTF8'; "
                                "SET TimeZone = 'UTC'; "
                                "SET client_min_messages = 'warning'";
    PQconninfoOption *opts;
    char *perr = NULL;
    cw_buf w = {0};
    PGresult *res;
    cw_ldb *l;
    int rc;

    (void)create; /* the tables are looked for by the caller */
    *out = NULL;
    /* Check the string first: libpq's messages about a malformed string
    ** may quote pieces of it, and a piece may be a password. */
    if ((opts = PQconninfoParse(location, &perr)) == NULL) {
        PQfreemem(perr);
        return cw__fail(err, CW_EUSAGE,
                        "postgres: the ledger's connection string is "
                        "malformed (use key=value pairs or a postgresql:// "
                        "URI; not shown here, as it may hold a password)");
    }
    PQconninfoFree(opts);
    l = cw__alloc(sizeof *l);
    if (l == NULL)
        return cw__fail(err, CW_ENOMEM, "out of memory");
    memset(l, 0, sizeof *l);
    l->pg = PQconnectdb(location);
    if (l->pg == NULL) {
        pg_close(l);
        return cw__fail(err, CW_ENOMEM, "postgres: out of memory");
    }
    if (cw__buf_printf(&w, "postgres:%s", cw__pg_dbname(l->pg)) != CW_OK) {
        pg_close(l);
        return cw__fail(err, CW_ENOMEM, "out of memory");
    }
    l->where = w.p;
    if (PQstatus(l->pg) != CONNECTION_OK) {
        rc = fail(l, CW_EUSAGE, "cannot connect to the ledger's database",
                  PQerrorMessage(l->pg));
        cw__errcopy(err, &l->err);
        pg_close(l);
        return rc;
    }
    PQsetNoticeProcessor(l->pg, cw__pg_quiet, NULL);
    res = PQexec(l->pg, setup);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        rc = fail(l, code_of(l), "setting up the session", cw__pg_resmsg(res));
        PQclear(res);
        cw__errcopy(err, &l->err);
        pg_close(l);
        return rc;
    }
    PQclear(res);
    *out = l;
    return CW_OK;
}

/* Run 'sql', no parameters, no rows. */
static int exec(cw_ldb *l, const char *sql, const char *what)
{
    PGresult *res = PQexec(l->pg, sql);
    int rc = CW_OK;

    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = fail(l, code_of(l), what, cw__pg_resmsg(res));
    PQclear(res);
    return rc;
}

static int pg_lock(cw_ldb *l, const char *name)
{
    const char *p[1] = {name};
    PGresult *res = PQexecParams(
        l->pg,
        "SELECT pg_try_advisory_lock(hashtext('crosswalk ledger ' || $1))", 1,
        NULL, p, NULL, NULL, 0);
    int rc = CW_OK;

    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
        rc = fail(l, code_of(l), "locking the ledger", cw__pg_resmsg(res));
    else if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
        rc = cw__fail(&l->err, CW_EUSAGE,
                      "%s: the ledger %s is in use by another crosswalk run "
                      "or command; try again when it ends",
                      l->where, name);
    PQclear(res);
    return rc;
}

static int pg_begin(cw_ldb *l)
{
    int rc = exec(l, "BEGIN", "BEGIN");

    l->intx = rc == CW_OK;
    return rc;
}

static int pg_commit(cw_ldb *l, int *lost)
{
    PGresult *res = PQexec(l->pg, "COMMIT");
    ExecStatusType st = PQresultStatus(res);
    int rc = CW_OK;

    *lost = 0;
    /* COMMIT of a transaction that failed earlier answers ROLLBACK. */
    if (st != PGRES_COMMAND_OK || strcmp(PQcmdStatus(res), "COMMIT") != 0) {
        *lost = PQstatus(l->pg) == CONNECTION_BAD;
        rc = fail(l, code_of(l),
                  *lost ? "the connection was lost during COMMIT" : "COMMIT",
                  st != PGRES_COMMAND_OK ? cw__pg_resmsg(res)
                                         : "the transaction was rolled back");
    }
    PQclear(res);
    l->intx = 0;
    return rc;
}

static void pg_rollback(cw_ldb *l)
{
    if (l->intx && PQstatus(l->pg) == CONNECTION_OK)
        PQclear(PQexec(l->pg, "ROLLBACK"));
    l->intx = 0;
}

static int pg_query(cw_ldb *l, const char *sql, const char *const *params,
                    size_t n, cw_ldb_row_fn fn, void *ud)
{
    const char *vals[32];
    PGresult *res;
    int rc = CW_OK;

    if (!PQsendQueryParams(l->pg, sql, (int)n, NULL, params, NULL, NULL, 0))
        return fail(l, code_of(l), "", PQerrorMessage(l->pg));
    PQsetSingleRowMode(l->pg);
    while ((res = PQgetResult(l->pg)) != NULL) {
        ExecStatusType st = PQresultStatus(res);

        if (rc == CW_OK && st == PGRES_SINGLE_TUPLE && fn != NULL) {
            int nc = PQnfields(res) > 32 ? 32 : PQnfields(res);

            for (int c = 0; c < nc; c++)
                vals[c] = PQgetisnull(res, 0, c) ? NULL : PQgetvalue(res, 0, c);
            rc = fn(ud, vals, (size_t)nc);
        } else if (rc == CW_OK && st != PGRES_SINGLE_TUPLE &&
                   st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
            rc = fail(l, code_of(l), "", cw__pg_resmsg(res));
        }
        PQclear(res);
    }
    return rc;
}

static const char *pg_errmsg(const cw_ldb *l)
{
    return l->err.msg;
}

static const char *pg_where(const cw_ldb *l)
{
    return l->where;
}

static void pg_close(cw_ldb *l)
{
    if (l == NULL)
        return;
    pg_rollback(l);
    PQfinish(l->pg); /* ends the session: the advisory lock goes with it */
    cw__free(l->where);
    cw__free(l);
}

const struct cw_ldb_type cw_ldb_postgres = {
    .name = "postgres",
    .open = pg_open,
    .lock = pg_lock,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .query = pg_query,
    .errmsg = pg_errmsg,
    .where = pg_where,
    .close = pg_close,
};
