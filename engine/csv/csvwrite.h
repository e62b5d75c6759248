/*
** csvwrite.h -- RFC 4180 and NDJSON writers with atomic commit.  Rows go
** to temp files in the target directory; cw__out_commit() fsyncs them and
** renames them into place, cw__out_close() without a commit removes them.
** Output may be split into parts by a maximum byte size and by a maximum
** number of distinct values of one column; every part repeats the header.
*/
#ifndef CW_CSVWRITE_H
#define CW_CSVWRITE_H

#include "core/record.h"

enum cw_format { CW_FMT_CSV, CW_FMT_NDJSON };

typedef struct cw_outopts {
    enum cw_format format;        /* CSV (default) or NDJSON */
    char delim;                   /* CSV delimiter, default ',' */
    int crlf;                     /* 1: CSV lines end in CRLF; default LF */
    unsigned long long max_bytes; /* split when a part would exceed this;
                                     0 = never */
    long split_col;               /* column index whose distinct values are
                                     capped per part; -1 = none */
    size_t max_distinct;          /* that cap; 0 = none */
} cw_outopts;

void cw__outopts_default(cw_outopts *o);

typedef struct cw_out cw_out; /* one logical output (opaque) */

/*
** Open an output whose final name is 'path' with the 'ncols' column names
** 'cols' (copied).  Nothing is visible at 'path' until cw__out_commit().
** With splitting, parts are named by inserting "-001", "-002", ... before
** the extension, in the order parts were started; a single part keeps
** 'path'.  'o' NULL means defaults.
*/
int cw__out_open(const char *path, const char *const *cols, size_t ncols,
                 const cw_outopts *o, cw_out **out, cw_err *err);

/* Write one row of 'ncols' fields (a NULL 'p' is written as an empty CSV
** field or a JSON null). */
int cw__out_write(cw_out *w, const cw_field *f);

/*
** Flush, fsync and close every part, and check that no directory stands
** at a final path: all that can fail for want of space or by a mistake,
** done before anything is renamed, so that a run can do it for every
** output before it commits a database.  cw__out_commit() calls it when
** nobody did.
*/
int cw__out_prepare(cw_out *w);

/* Prepare, rename every part into place, then fsync the directory.  A
** failure before the renames leaves nothing new visible; one after
** leaves the parts cw__out_nrenamed() counts. */
int cw__out_commit(cw_out *w);

/* Parts written: count, and each part's final path and row count. */
size_t cw__out_nparts(const cw_out *w);
size_t cw__out_nrenamed(const cw_out *w);
const char *cw__out_part(const cw_out *w, size_t i, unsigned long long *rows);

const char *cw__out_errmsg(const cw_out *w);

/* Remove uncommitted temp files and free 'w'.  NULL is a no-op. */
void cw__out_close(cw_out *w);

#endif /* CW_CSVWRITE_H */
