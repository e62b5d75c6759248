/*
** msg.h -- what messages may show: bytes from the data made safe and
** bounded (the public cw_safe_text() and its variant for errors), and
** database targets recognised and named without their passwords (the
** public cw_redact()).  Private to engine/.
*/
#ifndef CW_MSG_H
#define CW_MSG_H

#include "core/cw.h"

/*
** cw_safe_text() with a choice: when 'lines' is 1, newlines and tabs are
** kept as they are (an error message may span lines: a Lua traceback);
** 'total' is the length the cut mark reports (at least 'len': the text
** may already have been cut by its caller).
*/
size_t cw__msg_safe(char *out, size_t size, const char *s, size_t len,
                    size_t total, int lines);

/* 1 when 'spec' is a PostgreSQL URI without the "postgres:" prefix
** ("postgresql://..." or "postgres://..."): it names a PostgreSQL
** database as if the prefix were there, the whole of it being the
** connection string. */
int cw__target_pguri(const char *spec);

/* 1 when 'spec' looks like a connection string given without its
** prefix: an '=' in it, and no "csv:", "sqlite:" or "postgres:" prefix
** nor a PostgreSQL URI. */
int cw__target_conninfo(const char *spec);

/*
** Refuse 'spec' as a database target: fill 'err' with CW_EUSAGE and a
** message naming the accepted 'forms' ("sqlite:PATH or ...").  A
** connection string without its prefix is not shown (it may hold a
** password); anything else is shown redacted, 60 bytes at most.
*/
int cw__target_refuse(cw_err *err, const char *spec, const char *forms);

#endif /* CW_MSG_H */
