/*
** pg.h -- what the PostgreSQL sink and source share: libpq messages on
** one line, the server's own message, the database name for messages,
** silence for server notices, and quoted names.
*/
#ifndef CW_PG_H
#define CW_PG_H

#include <libpq-fe.h>

#include "core/cw.h"

/* Copy libpq's message 'm' into 'out' of 'n' bytes on one line: line
** ends and tabs become single spaces, the final newline goes. */
void cw__pg_oneline(const char *m, char *out, size_t n);

/* The server's message in 'res' without its "ERROR:  " prefix and
** position lines: the primary message, or libpq's whole text. */
const char *cw__pg_resmsg(const PGresult *res);

/* The database name of 'pg' (NULL allowed), for messages: never the
** connection string, which may hold a password.  "" when unknown. */
const char *cw__pg_dbname(const PGconn *pg);

/* A notice processor that drops server notices: the library never
** prints. */
void cw__pg_quiet(void *ud, const char *msg);

/*
** Append 'name' to 'b' as a quoted identifier; with 'qualified', "a.b"
** is b in schema a, each part quoted.  CW_OK, CW_ENOMEM, or CW_EUSAGE
** when libpq refuses a part (its reason in PQerrorMessage(pg)).
*/
int cw__pg_addname(PGconn *pg, cw_buf *b, const char *name, int qualified);

#endif /* CW_PG_H */
