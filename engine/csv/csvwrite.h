/*
** csvwrite.h -- RFC 4180 and NDJSON writers with atomic commit.  Rows go
** to temp files in the target directory; cw__writer_commit() fsyncs them and
** renames them into place, cw__writer_close() without a commit removes them.
** Output may be split into parts by a maximum byte size and by a maximum
** number of distinct values of one column; every part repeats the header.
*/
#ifndef CW_CSVWRITE_H
#define CW_CSVWRITE_H

#include "core/record.h"

enum cw_format { CW_FMT_CSV, CW_FMT_NDJSON };

typedef struct cw_writeopts {
    enum cw_format format;        /* CSV (default) or NDJSON */
    char delim;                   /* CSV delimiter, default ',' */
    int crlf;                     /* 1: CSV lines end in CRLF; default LF */
    unsigned long long max_bytes; /* split when a part would exceed this;
                                     0 = never */
    long split_col;               /* column index whose distinct values are
                                     capped per part; -1 = none */
    size_t max_distinct;          /* that cap; 0 = none */
    int thread;                   /* CSV: 0 (default) encode and write in
                                     a thread of the writer's own once the
                                     output passes a megabyte, when the
                                     process may use more than one core;
                                     1 from the first row, whatever the
                                     cores (tests); -1 never */
} cw_writeopts;

void cw__writeopts_default(cw_writeopts *o);

typedef struct cw_writer cw_writer; /* one file being written (opaque) */

/*
** Open an output whose final name is 'path' with the 'ncols' column names
** 'cols' (copied).  Nothing is visible at 'path' until cw__writer_commit().
** With splitting, parts are named by inserting "-001", "-002", ... before
** the extension, in the order parts were started; a single part keeps
** 'path'.  'o' NULL means defaults.
*/
int cw__writer_open(const char *path, const char *const *cols, size_t ncols,
                    const cw_writeopts *o, cw_writer **out, cw_err *err);

/*
** Write one row of 'ncols' fields (a NULL 'p' is written as an empty CSV
** field or a JSON null).  With a writer thread the row is copied and
** encoded and written there, and an error it meets (a full disk) is
** returned by a later call: one of the next rows' (the queue between the
** threads holds about a megabyte) or cw__writer_prepare().  Either way
** the output is spoilt and the error sticks.
*/
int cw__writer_write(cw_writer *w, const cw_field *f);

/*
** Flush, fsync and close every part, and check that no directory stands
** at a final path: all that can fail for want of space or by a mistake,
** done before anything is renamed, so that a run can do it for every
** output before it commits a database.  cw__writer_commit() calls it when
** nobody did.
*/
int cw__writer_prepare(cw_writer *w);

/* Prepare, rename every part into place, then fsync the directory.  A
** failure before the renames leaves nothing new visible; one after
** leaves the parts cw__writer_nrenamed() counts. */
int cw__writer_commit(cw_writer *w);

/* Parts written: count, and each part's final path and row count; with
** a writer thread, only right after cw__writer_prepare(). */
size_t cw__writer_nparts(const cw_writer *w);
size_t cw__writer_nrenamed(const cw_writer *w);
const char *cw__writer_part(const cw_writer *w, size_t i,
                            unsigned long long *rows);

/* Temp path of part 'i' until it is renamed; NULL when out of range. */
const char *cw__writer_tmp(const cw_writer *w, size_t i);

const char *cw__writer_errmsg(const cw_writer *w);

/* 1 once a writer thread has taken over 'w' (for tests). */
int cw__writer_threaded(const cw_writer *w);

/* Remove uncommitted temp files and free 'w'.  NULL is a no-op. */
void cw__writer_close(cw_writer *w);

/* 1 when the file name 'name' is one that a part of the split output 'base'
** may get ("a-001.csv", "a-1000.csv" for "a.csv"), else 0. */
int cw__writer_is_part(const char *name, const char *base);

/*
** Temp files are named ".NAME.crosswalk-PID.XXXXXX" after the final name
** and the process writing them.  Remove those left in 'dir' by processes
** that no longer exist; return how many, the first one's name copied to
** 'first' ('cap' bytes).
*/
size_t cw__writer_sweep(const char *dir, char *first, size_t cap);

#endif /* CW_CSVWRITE_H */
