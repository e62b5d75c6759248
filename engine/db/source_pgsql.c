/*
** source_pgsql.c -- the PostgreSQL source: streams the rows of a table or
** a query ("postgres:CONNINFO#TABLE_OR_QUERY") in constant memory.
** Owns its connection and a copy of the header.
**
** How (bench/DB-PG.md):
** - The text after the first '#' is the table or the query (a query may
**   hold '#', as in the JSON operator #>>; a connection string with a '#'
**   in it can come from the PG* environment or ~/.pgpass instead).  A
**   bare name (letters, digits, '_' and '.') is a table, quoted exactly as
**   given ("a.b" is table b of schema a).
** - The header comes from describing the query, prepared but not run
**   (PQprepare + PQdescribePrepared); then COPY (query) TO STDOUT streams
**   the rows in the text format, one row per PQgetCopyData() call, parsed
**   in place: tab-separated, backslash escapes, \N for NULL.  One row is
**   held at a time.  (Single-row mode would make a PGresult a row.)
** - Both run in one READ ONLY transaction, so a "query" cannot change
**   data, and the session uses client_encoding UTF8, DateStyle ISO and
**   TimeZone UTC, so values read the same whatever the server's settings:
**   timestamps as "2024-10-28 21:05:12" (PostgreSQL drops zero
**   fractions: "21:05:11.812345", "21:09:40.12"), booleans as t/f.
** - The position of a row is its number (1 for the first row).
*/
#include "db/pg.h"
#include "io/source.h"

#include <string.h>

#include <libpq-fe.h>

struct cw_source {
    cw_dbrow r; /* columns, current row (values decoded in place in
                   'row'), last error: first */
    PGconn *pg; /* the connection */
    char *row;  /* the current row (libpq's buffer) */
    int done;   /* the COPY has ended */
};

/* The database name, for messages (never the connection string). */
static const char *dbname(const cw_source *s)
{
    return cw__pg_dbname(s->pg);
}

/* Record 'm' (a libpq message) in 's->r.err' after 'what'. */
static int fail(cw_source *s, int code, const char *what, const char *m)
{
    char line[400];

    cw__pg_oneline(m, line, sizeof line);
    return cw__fail(&s->r.err, code, "postgres:%s: %s%s%s", dbname(s), what,
                    what[0] ? ": " : "", line);
}

/* Run 'sql' (no rows expected); CW_OK or an error recorded in 's'. */
static int run(cw_source *s, const char *sql, const char *what)
{
    PGresult *res = PQexec(s->pg, sql);
    int rc = CW_OK;

    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = fail(s, PQstatus(s->pg) == CONNECTION_BAD ? CW_EIO : CW_EUSAGE,
                  what, cw__pg_resmsg(res));
    PQclear(res);
    return rc;
}

/* The query for 'what': SELECT * FROM the table, or the query itself
** without trailing spaces and semicolons. */
static int query_of(cw_source *s, const char *what, cw_buf *q)
{
    if (cw__dbrow_istable(what)) {
        int rc = cw__buf_adds(q, "SELECT * FROM ");

        if (rc == CW_OK)
            rc = cw__pg_addname(s->pg, q, what, 1);
        if (rc == CW_EUSAGE)
            return fail(s, CW_EUSAGE, "a table name", PQerrorMessage(s->pg));
        if (rc != CW_OK)
            return cw__fail(&s->r.err, CW_ENOMEM, "out of memory");
        return CW_OK;
    }
    if (cw__buf_adds(q, what) != CW_OK)
        return cw__fail(&s->r.err, CW_ENOMEM, "out of memory");
    while (q->len > 0 && strchr(" \t\r\n;", q->p[q->len - 1]) != NULL)
        q->p[--q->len] = '\0';
    return CW_OK;
}

static void pg_close(cw_source *s);

static int pg_open(const char *location, cw_source **out, cw_err *err)
{
    static const char setup[] = "SET client_encoding = 'UTF8'; "
                                "SET DateStyle = 'ISO, MDY'; "
                                "SET TimeZone = 'UTC'; "
                                "BEGIN READ ONLY";
    const char *hash = strchr(location, '#'), *what;
    PQconninfoOption *opts;
    char *conninfo = NULL, *perr = NULL;
    cw_buf q = {0};
    PGresult *res;
    cw_source *s;
    int rc;

    *out = NULL;
    if (hash == NULL || hash[1] == '\0')
        return cw__fail(err, CW_EUSAGE,
                        "postgres: name a table or a query after '#' "
                        "(postgres:CONNINFO#TABLE_OR_QUERY; CONNINFO may be "
                        "empty to use the PG* environment)");
    what = hash + 1;
    s = cw__alloc(sizeof *s);
    if (s == NULL)
        return cw__fail(err, CW_ENOMEM, "out of memory");
    memset(s, 0, sizeof *s);
    conninfo = cw__strndup(location, (size_t)(hash - location));
    if (conninfo == NULL) {
        rc = cw__fail(&s->r.err, CW_ENOMEM, "out of memory");
        goto fail;
    }
    /* Check the string first: libpq's messages about a malformed string
    ** may quote pieces of it, and a piece may be a password. */
    if ((opts = PQconninfoParse(conninfo, &perr)) == NULL) {
        PQfreemem(perr);
        rc = cw__fail(&s->r.err, CW_EUSAGE,
                      "postgres: the connection string is malformed (use "
                      "key=value pairs or a postgresql:// URI; not shown "
                      "here, as it may hold a password)");
        goto fail;
    }
    PQconninfoFree(opts);
    s->pg = PQconnectdb(conninfo);
    if (s->pg == NULL || PQstatus(s->pg) != CONNECTION_OK) {
        rc = s->pg == NULL
                 ? cw__fail(&s->r.err, CW_ENOMEM, "postgres: out of memory")
                 : fail(s, CW_EUSAGE, "cannot connect", PQerrorMessage(s->pg));
        goto fail;
    }
    PQsetNoticeProcessor(s->pg, cw__pg_quiet, NULL);
    if ((rc = run(s, setup, "setting up the session")) != CW_OK ||
        (rc = query_of(s, what, &q)) != CW_OK)
        goto fail;

    /* The header: describe the query without running it. */
    res = PQprepare(s->pg, "", q.p, 0, NULL);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        rc = fail(s, PQstatus(s->pg) == CONNECTION_BAD ? CW_EIO : CW_EUSAGE, "",
                  cw__pg_resmsg(res));
        PQclear(res);
        goto fail;
    }
    PQclear(res);
    res = PQdescribePrepared(s->pg, "");
    if (PQresultStatus(res) != PGRES_COMMAND_OK || PQnfields(res) <= 0) {
        rc = PQresultStatus(res) != PGRES_COMMAND_OK
                 ? fail(s, CW_EIO, "", cw__pg_resmsg(res))
                 : cw__fail(&s->r.err, CW_EUSAGE,
                            "postgres:%s: '%.80s' is not one query returning "
                            "rows",
                            dbname(s), what);
        PQclear(res);
        goto fail;
    }
    rc = cw__dbrow_alloc(&s->r, (size_t)PQnfields(res));
    for (size_t i = 0; rc == CW_OK && i < s->r.ncols; i++)
        if ((s->r.names[i] = cw__strdup(PQfname(res, (int)i))) == NULL)
            rc = CW_ENOMEM;
    PQclear(res);
    if (rc != CW_OK) {
        rc = cw__fail(&s->r.err, CW_ENOMEM, "out of memory");
        goto fail;
    }

    /* Start streaming the rows. */
    {
        cw_buf c = {0};

        if (cw__buf_adds(&c, "COPY (") != CW_OK ||
            cw__buf_add(&c, q.p, q.len) != CW_OK ||
            cw__buf_adds(&c, "\n) TO STDOUT") != CW_OK) {
            cw__buf_free(&c);
            rc = cw__fail(&s->r.err, CW_ENOMEM, "out of memory");
            goto fail;
        }
        res = PQexec(s->pg, c.p);
        cw__buf_free(&c);
    }
    if (PQresultStatus(res) != PGRES_COPY_OUT) {
        rc = fail(s, PQstatus(s->pg) == CONNECTION_BAD ? CW_EIO : CW_EUSAGE, "",
                  cw__pg_resmsg(res));
        PQclear(res);
        goto fail;
    }
    PQclear(res);
    cw__buf_free(&q);
    cw__free(conninfo);
    *out = s;
    return CW_OK;

fail:
    cw__errcopy(err, &s->r.err);
    cw__buf_free(&q);
    cw__free(conninfo);
    pg_close(s);
    return rc;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode one field of 'len' bytes at 'p' in place (COPY text format);
** return its new length. */
static size_t decode(char *p, size_t len)
{
    size_t i = 0, o = 0;

    while (i < len) {
        char c = p[i++];

        if (c != '\\' || i == len) {
            p[o++] = c;
            continue;
        }
        c = p[i++];
        switch (c) {
        case 'b':
            p[o++] = '\b';
            break;
        case 'f':
            p[o++] = '\f';
            break;
        case 'n':
            p[o++] = '\n';
            break;
        case 'r':
            p[o++] = '\r';
            break;
        case 't':
            p[o++] = '\t';
            break;
        case 'v':
            p[o++] = '\v';
            break;
        case 'x':
            if (i < len && hexval(p[i]) >= 0) {
                int v = hexval(p[i++]);

                if (i < len && hexval(p[i]) >= 0)
                    v = v * 16 + hexval(p[i++]);
                p[o++] = (char)v;
            } else {
                p[o++] = 'x';
            }
            break;
        default:
            if (c >= '0' && c <= '7') {
                int v = c - '0';

                for (int k = 0; k < 2 && i < len && p[i] >= '0' && p[i] <= '7';
                     k++)
                    v = v * 8 + (p[i++] - '0');
                p[o++] = (char)v;
            } else {
                p[o++] = c; /* "\\" and any other escaped byte */
            }
            break;
        }
    }
    return o;
}

/* The end of the COPY: CW_DONE, or the error that ended it. */
static int finish(cw_source *s)
{
    PGresult *res;
    int rc = CW_DONE;

    s->done = 1;
    while ((res = PQgetResult(s->pg)) != NULL) {
        if (rc == CW_DONE && PQresultStatus(res) != PGRES_COMMAND_OK) {
            char what[40];

            snprintf(what, sizeof what, "row %lu", s->r.nrow + 1);
            rc = fail(s, CW_EIO, what, cw__pg_resmsg(res));
        }
        PQclear(res);
    }
    if (rc == CW_DONE && PQstatus(s->pg) == CONNECTION_BAD)
        rc = fail(s, CW_EIO, "the connection was lost", PQerrorMessage(s->pg));
    return rc;
}

static int pg_next(cw_source *s)
{
    char *buf = NULL, *p, *end;
    size_t n = 0;
    int len;

    s->r.have = 0;
    if (s->row != NULL) {
        PQfreemem(s->row);
        s->row = NULL;
    }
    if (s->done)
        return s->r.err.code != CW_OK ? s->r.err.code : CW_DONE;
    len = PQgetCopyData(s->pg, &buf, 0);
    if (len == -1)
        return finish(s);
    if (len < 0) {
        char what[40];

        s->done = 1;
        snprintf(what, sizeof what, "row %lu", s->r.nrow + 1);
        return fail(s, CW_EIO, what, PQerrorMessage(s->pg));
    }
    s->row = buf;
    s->r.nrow++;
    end = buf + len;
    if (end > buf && end[-1] == '\n')
        end--;
    for (p = buf;;) {
        char *tab = memchr(p, '\t', (size_t)(end - p));
        char *fe = tab != NULL ? tab : end;
        size_t flen = (size_t)(fe - p);

        if (n == s->r.ncols) {
            s->done = 1;
            return cw__fail(&s->r.err, CW_EIO,
                            "postgres:%s: row %lu: more fields than the %zu "
                            "columns",
                            dbname(s), s->r.nrow, s->r.ncols);
        }
        if (flen == 2 && p[0] == '\\' && p[1] == 'N') {
            s->r.vals[n] = NULL;
            s->r.lens[n] = 0;
        } else {
            s->r.lens[n] = decode(p, flen);
            p[s->r.lens[n]] = '\0'; /* the tab, the newline or a freed byte */
            s->r.vals[n] = p;
        }
        n++;
        if (tab == NULL)
            break;
        p = tab + 1;
    }
    if (n != s->r.ncols) {
        s->done = 1;
        return cw__fail(&s->r.err, CW_EIO,
                        "postgres:%s: row %lu: %zu field%s for %zu column%s",
                        dbname(s), s->r.nrow, n, n == 1 ? "" : "s", s->r.ncols,
                        s->r.ncols == 1 ? "" : "s");
    }
    s->r.have = 1;
    return CW_ROW;
}

static void pg_close(cw_source *s)
{
    if (s == NULL)
        return;
    if (s->row != NULL)
        PQfreemem(s->row);
    /* Closing the connection ends an unfinished COPY and the read-only
    ** transaction. */
    PQfinish(s->pg);
    cw__dbrow_free(&s->r);
    cw__free(s);
}

const struct cw_source_type cw_source_postgres = {
    .name = "postgres",
    .open = pg_open,
    .ncols = cw__dbrow_ncols,
    .colname = cw__dbrow_colname,
    .next = pg_next,
    .nfields = cw__dbrow_nfields,
    .field = cw__dbrow_field,
    .line = cw__dbrow_line,
    .code = cw__dbrow_code,
    .errmsg = cw__dbrow_errmsg,
    .errcol = cw__dbrow_errcol,
    .close = pg_close,
};
