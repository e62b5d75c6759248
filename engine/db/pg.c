/*
** pg.c -- what the PostgreSQL sink and source share (pg.h).
*/
#include "db/pg.h"

#include <string.h>

void cw__pg_oneline(const char *m, char *out, size_t n)
{
    size_t k = 0;

    for (; *m != '\0' && k + 1 < n; m++) {
        if (*m == '\n' || *m == '\t' || *m == '\r') {
            if (k > 0 && out[k - 1] != ' ')
                out[k++] = ' ';
            continue;
        }
        out[k++] = *m;
    }
    while (k > 0 && out[k - 1] == ' ')
        k--;
    out[k] = '\0';
}

const char *cw__pg_resmsg(const PGresult *res)
{
    const char *m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

    return m != NULL ? m : PQresultErrorMessage(res);
}

const char *cw__pg_dbname(const PGconn *pg)
{
    const char *d = pg != NULL ? PQdb(pg) : NULL;

    return d != NULL ? d : "";
}

void cw__pg_quiet(void *ud, const char *msg)
{
    (void)ud;
    (void)msg;
}

/* Append the 'len' bytes at 'name' to 'b' as one quoted identifier. */
static int addident(PGconn *pg, cw_buf *b, const char *name, size_t len)
{
    char *q = PQescapeIdentifier(pg, name, len);
    int rc;

    if (q == NULL)
        return CW_EUSAGE;
    rc = cw__buf_adds(b, q);
    PQfreemem(q);
    return rc == CW_OK ? CW_OK : CW_ENOMEM;
}

int cw__pg_addname(PGconn *pg, cw_buf *b, const char *name, int qualified)
{
    const char *dot;
    int rc;

    while (qualified && (dot = strchr(name, '.')) != NULL) {
        if ((rc = addident(pg, b, name, (size_t)(dot - name))) != CW_OK)
            return rc;
        if (cw__buf_addc(b, '.') != CW_OK)
            return CW_ENOMEM;
        name = dot + 1;
    }
    return addident(pg, b, name, strlen(name));
}
