/*
** pgtable.c -- the PostgreSQL sink's table, made ready at open: quoted
** names and column lists, whether the table exists, CREATE TABLE (the
** column types of sink_pgsql.c), the check of an existing table by
** EXPLAIN, the server's column types and so the COPY format, the
** upsert's staging table and merge statement, whether an upsert starts
** by copying straight into the table, and the COPY statements.  Nothing
** here runs per row.
*/
#include "db/sinkpg.h"

#include <stdio.h>
#include <string.h>

/* Append 'name' to 'b' quoted (sinkpg.h). */
int cw__pgsink_addname(cw_sink *s, cw_buf *b, const char *name, int qualified)
{
    int rc = cw__pg_addname(s->c->pg, b, name, qualified);

    if (rc == CW_EUSAGE)
        return cw__pgsink_fail(&s->err, CW_EUSAGE, s->c->pg,
                               cw__pgsink_dbname(s), "a name");
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
        rc = cw__pgsink_addname(s, b, cols[i].name, 0);
    }
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
        int lostconn = cw__pgsink_gone(s->c->pg, res);

        PQclear(res);
        if (lostconn)
            s->c->broken = 1;
        return cw__pgsink_fail(&s->err, lostconn ? CW_EIO : CW_ESINK, s->c->pg,
                               cw__pgsink_dbname(s), "reading the catalog");
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
        if ((rc = cw__pgsink_addname(s, b, cols[i].name, 0)) == CW_OK &&
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
    return rc == CW_OK ? cw__pgsink_run(s, b->p, "creating the table") : rc;
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
        int lostconn = cw__pgsink_gone(s->c->pg, res);

        cw__pg_oneline(cw__pg_resmsg(res), m, sizeof m);
        if (lostconn)
            s->c->broken = 1;
        rc = cw__fail(&s->err, lostconn ? CW_EIO : CW_EUSAGE,
                      "postgres:%s: table \"%s\": %s: %s", cw__pgsink_dbname(s),
                      s->table, what, m);
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
        if ((rc = cw__pgsink_addname(s, b, cols[i].name, 0)) != CW_OK)
            return rc;
        if (cw__buf_adds(b, " SET NOT NULL") != CW_OK)
            return cw__fail(&s->err, CW_ENOMEM, "out of memory");
    }
    if ((rc = cw__pgsink_run(s, b->p, "creating the staging table")) != CW_OK)
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
        if ((rc = cw__pgsink_addname(s, &conflict, cols[i].name, 0)) != CW_OK)
            goto fail;
        if (cw__buf_adds(&conflict, " = EXCLUDED.") != CW_OK)
            goto nomem;
        if ((rc = cw__pgsink_addname(s, &conflict, cols[i].name, 0)) != CW_OK)
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
        if ((rc = cw__pgsink_addname(s, &conflict, cols[i].name, 0)) != CW_OK)
            goto fail;
    }
    for (size_t i = 0, k = 0; i < s->ncols; i++) {
        if (cols[i].key)
            continue;
        if (cw__buf_adds(&conflict, k++ > 0 ? ", EXCLUDED."
                                            : ") IS DISTINCT FROM ROW("
                                              "EXCLUDED.") != CW_OK)
            goto nomem;
        if ((rc = cw__pgsink_addname(s, &conflict, cols[i].name, 0)) != CW_OK)
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
        if ((rc = cw__pgsink_run(s, "SAVEPOINT cw_probe", "")) != CW_OK)
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
            if ((rc = cw__pgsink_run(s, "ROLLBACK TO SAVEPOINT cw_probe",
                                     "")) != CW_OK)
                goto fail;
        }
        if ((rc = cw__pgsink_run(s, "RELEASE SAVEPOINT cw_probe", "")) != CW_OK)
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

/* Type OIDs of the server's columns that a binary COPY may fill. */
#define BOOLOID 16
#define INT8OID 20
#define TEXTOID 25
#define VARCHAROID 1043

/*
** Choose the COPY format: binary when every column of the table is one
** that the sink can encode exactly (text and varchar from any value,
** boolean from boolean values, bigint from integer values), else text.
** The server's own column types are read with an empty SELECT, as an
** existing table may differ from the types of the output.
*/
static int choose_format(cw_sink *s, const cw_sinkcol *cols, cw_buf *b)
{
    PGresult *res;
    int rc;

    b->len = 0;
    if (cw__buf_adds(b, "SELECT ") != CW_OK)
        return cw__fail(&s->err, CW_ENOMEM, "out of memory");
    if ((rc = addcols(s, b, cols, 0, "")) != CW_OK)
        return rc;
    if (cw__buf_printf(b, " FROM %s LIMIT 0", s->qtable) != CW_OK)
        return cw__fail(&s->err, CW_ENOMEM, "out of memory");
    res = PQexec(s->c->pg, b->p);
    if (PQresultStatus(res) != PGRES_TUPLES_OK ||
        (size_t)PQnfields(res) != s->ncols) {
        int lostconn = cw__pgsink_gone(s->c->pg, res);

        PQclear(res);
        if (lostconn)
            s->c->broken = 1;
        return cw__pgsink_fail(&s->err, lostconn ? CW_EIO : CW_ESINK, s->c->pg,
                               cw__pgsink_dbname(s),
                               "reading the column types");
    }
    if ((s->kinds = cw__alloc(s->ncols)) == NULL) {
        PQclear(res);
        return cw__fail(&s->err, CW_ENOMEM, "out of memory");
    }
    s->binary = 1;
    for (size_t i = 0; i < s->ncols; i++) {
        Oid t = PQftype(res, (int)i);

        if (t == TEXTOID || t == VARCHAROID)
            s->kinds[i] = K_BYTES;
        else if (t == BOOLOID && s->types[i] == CW_T_BOOLEAN)
            s->kinds[i] = K_BOOL;
        else if (t == INT8OID && s->types[i] == CW_T_INTEGER)
            s->kinds[i] = K_INT8;
        else
            s->binary = 0;
    }
    s->alltext = s->binary;
    for (size_t i = 0; i < s->ncols; i++)
        if (s->types[i] != CW_T_TEXT)
            s->alltext = 0;
    PQclear(res);
    return CW_OK;
}

/* 1 when the table holds no row (that this transaction sees), 0 when it
** does, or an error status. */
static int empty(cw_sink *s, cw_buf *b)
{
    PGresult *res;
    int rc;

    b->len = 0;
    if (cw__buf_printf(b, "SELECT 1 FROM %s LIMIT 1", s->qtable) != CW_OK)
        return cw__fail(&s->err, CW_ENOMEM, "out of memory");
    res = PQexec(s->c->pg, b->p);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        int lostconn = cw__pgsink_gone(s->c->pg, res);

        PQclear(res);
        if (lostconn)
            s->c->broken = 1;
        return cw__pgsink_fail(&s->err, lostconn ? CW_EIO : CW_ESINK, s->c->pg,
                               cw__pgsink_dbname(s), "reading the table");
    }
    rc = PQntuples(res) == 0;
    PQclear(res);
    return rc;
}

/* The COPY statement into 'target' (with the staging table's sequence
** column when 'seq'), after the statements 'before', into a new string
** '*out'. */
static int copy_sql(cw_sink *s, const cw_sinkcol *cols, const char *target,
                    int seq, const char *before, cw_buf *b, char **out)
{
    int rc;

    b->len = 0;
    if (cw__buf_printf(b, "%sCOPY %s (", before, target) != CW_OK)
        return cw__fail(&s->err, CW_ENOMEM, "out of memory");
    if ((rc = addcols(s, b, cols, 0, "")) != CW_OK)
        return rc;
    if (cw__buf_adds(b, seq ? ", cw_seq) FROM STDIN" : ") FROM STDIN") !=
            CW_OK ||
        (s->binary && cw__buf_adds(b, " WITH (FORMAT binary)") != CW_OK) ||
        (*out = cw__strdup(b->p)) == NULL)
        return cw__fail(&s->err, CW_ENOMEM, "out of memory");
    return CW_OK;
}

/*
** Make the table of 's' ready for 'mode' (sinkpg.h): create it, drop and
** create it, or check the existing one, then prepare the upsert's merge
** and the COPY statement.
*/
int cw__pgsink_table(cw_sink *s, const cw_sinkcol *cols, size_t nkey,
                     enum cw_sinkmode mode, cw_buf *b)
{
    int rc, ex;

    if ((ex = exists(s)) < 0)
        return ex;
    switch (mode) {
    case CW_MODE_CREATE:
        if (ex)
            return cw__fail(&s->err, CW_EUSAGE,
                            "postgres:%s: table \"%s\" already exists (mode "
                            "create; use append, replace or upsert)",
                            cw__pgsink_dbname(s), s->table);
        rc = create(s, cols, nkey, b);
        break;
    case CW_MODE_REPLACE:
        b->len = 0;
        if (cw__buf_printf(b, "DROP TABLE IF EXISTS %s", s->qtable) != CW_OK)
            return cw__fail(&s->err, CW_ENOMEM, "out of memory");
        if ((rc = cw__pgsink_run(s, b->p, "dropping the table")) == CW_OK)
            rc = create(s, cols, nkey, b);
        break;
    default:
        rc = ex ? check_columns(s, cols, b) : create(s, cols, nkey, b);
        break;
    }
    if (rc == CW_OK)
        rc = choose_format(s, cols, b);
    if (rc == CW_OK && s->upsert)
        rc = prepare_upsert(s, cols, b);
    /* An upsert into an empty table first copies straight into it. */
    if (rc == CW_OK && s->upsert) {
        int e = ex ? empty(s, b) : 1;

        if (e < 0)
            return e;
        s->direct = e;
        /* Each direct batch in a savepoint: one round trip releases the
        ** last batch's, opens the next one and starts its COPY. */
        rc = copy_sql(s, cols, s->qtable, 0,
                      DIRECT_RELEASE "SAVEPOINT cw_direct; ", b, &s->directsql);
    }
    if (rc == CW_OK)
        rc = copy_sql(s, cols, s->upsert ? s->stage : s->qtable, s->upsert, "",
                      b, &s->copysql);
    return rc;
}
