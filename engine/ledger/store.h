/*
** store.h -- the delivery ledger's tables and what is done with them: one
** store is one open ledger, locked for its owner (a run, or a 'crosswalk
** ledger' command) until closed.  docs/decisions.md ("The delivery
** ledger") says why it is built this way.
**
** Tables (TABLE is "crosswalk_ledger" unless the target names another):
**   TABLE_runs   run, recipe, started, finished, state: writing (its rows
**                are recorded, its files not yet known to be in place),
**                done, failed
**   TABLE_files  file, run, scope, part, path (absolute), nrows, state
**                (writing, pending, confirmed, released, failed), dev,
**                ino, size, mtime (how to know the file the run renamed),
**                written, changed
**   TABLE        scope, key_text, hash, content, file: one row a file
**                delivered; scope is "RECIPE/OUTPUT"
**   TABLE_marks  run, scope ("RECIPE/INPUT"), col, value: the watermark
**                a run read up to
**   TABLE_deps   run, file: the files a run's watermark waits for
** A row is live (counts as delivered) while its file is pending or
** confirmed.
*/
#ifndef CW_LEDGER_STORE_H
#define CW_LEDGER_STORE_H

#include "core/cw.h"

typedef struct cw_lstore cw_lstore; /* an open, locked ledger */

/* Flags of cw__lstore_open(). */
#define CW_LSTORE_CREATE 1 /* create the ledger when missing (a run) */
#define CW_LSTORE_LOOK 2   /* change nothing: no reconciling (a dry run) */
#define CW_LSTORE_MAYBE 4  /* no ledger there: CW_OK with NULL in '*out' */

/*
** Open the ledger 'target': "sqlite:PATH[#TABLE]", a bare PATH (SQLite),
** "postgres:CONNINFO[#TABLE]" or a postgresql:// URI with "#TABLE"
** optional.  Take its lock, create its tables (CW_LSTORE_CREATE) or check
** they exist, then reconcile the runs a crash left writing (unless
** CW_LSTORE_LOOK): each file of such a run that is in place (the same
** device, inode, size and modification time as recorded) becomes
** pending, the others failed with their rows removed, and the run done
** or failed.  Returns CW_OK, CW_EUSAGE (a malformed target, a ledger in
** use, no ledger without CW_LSTORE_CREATE), CW_EIO, CW_ESINK, CW_ENOMEM.
** Messages never show a password.
*/
int cw__lstore_open(const char *target, int flags, cw_lstore **out,
                    cw_err *err);
void cw__lstore_close(cw_lstore *s);

/* The target as messages show it (password replaced by ***). */
const char *cw__lstore_shown(const cw_lstore *s);
/* The last error of 's', "" before any. */
const char *cw__lstore_errmsg(const cw_lstore *s);
int cw__lstore_errcode(const cw_lstore *s);
/* The reconciliation's findings, for a warning: files of interrupted
** runs found in place (now pending) and not found (failed). */
void cw__lstore_reconciled(const cw_lstore *s, unsigned long long *kept,
                           unsigned long long *dropped);

/* ==== Reading ==== */

/* One file of the ledger (strings owned by the store until the next
** call that lists files). */
typedef struct cw_lfile {
    unsigned long long id;   /* its number */
    unsigned long long run;  /* the run that wrote it */
    const char *scope;       /* "RECIPE/OUTPUT" */
    const char *path;        /* absolute path */
    const char *state;       /* pending, confirmed, released, ... */
    unsigned long long rows; /* rows it delivered */
    const char *written;     /* when, UTC "YYYY-MM-DDTHH:MM:SSZ" */
    const char *changed;     /* when its state last changed, or NULL */
    const char *dev, *ino, *size, *mtime; /* its identity, or NULL */
} cw_lfile;

typedef int (*cw_lfile_fn)(void *ud, const cw_lfile *f);

/* Every file, in the order written (those of writing runs too). */
int cw__lstore_files(cw_lstore *s, cw_lfile_fn fn, void *ud);

/* Every live row of 'scope' ('key' its text, 'hash' hex, in the file
** numbered 'file'); with 'writing' 1 the rows of files still writing
** count too (a dry run, which reconciles nothing, treats them as
** delivered). */
typedef int (*cw_lrow_fn)(void *ud, const char *key, const char *hash,
                          unsigned long long file);
int cw__lstore_live(cw_lstore *s, const char *scope, int writing, cw_lrow_fn fn,
                    void *ud);

/* The latest version of the row with key 'key' in 'scope' ('rowtext' and
** the path of its file, each NULL when none; owned by the store until the
** next call). */
int cw__lstore_previous(cw_lstore *s, const char *scope, const char *key,
                        const char **rowtext, const char **path);

/*
** The watermark of 'scope' ("RECIPE/INPUT") and column 'col' a run may
** read past: the value the latest done run recorded among those whose
** files and the files they skipped as pending are all confirmed.  NULL
** in '*value' (owned by the store) when none is.
*/
int cw__lstore_mark(cw_lstore *s, const char *scope, const char *col,
                    const char **value);

/* One recorded watermark, for 'crosswalk ledger status'. */
typedef struct cw_lmark {
    unsigned long long run; /* the run that read up to it */
    const char *scope;      /* "RECIPE/INPUT" */
    const char *col;        /* the column */
    const char *value;      /* the value */
    int usable;             /* 1: a run reads past it (see above) */
} cw_lmark;

typedef int (*cw_lmark_fn)(void *ud, const cw_lmark *m);

/* The latest watermark of each scope and column, and whether it is the
** one a run would use. */
int cw__lstore_marks(cw_lstore *s, cw_lmark_fn fn, void *ud);

/* ==== A run ==== */

/* Begin the run's transaction and number the run (in '*run'). */
int cw__lstore_run_begin(cw_lstore *s, const char *recipe,
                         unsigned long long *run);
/* A new file of the run (part 'part' of output 'scope'), numbered in
** '*file'; its path is known at cw__lstore_run_record(). */
int cw__lstore_file_new(cw_lstore *s, unsigned long long run, const char *scope,
                        size_t part, unsigned long long *file);
/* Record one delivered row (queued; sent in batches). */
int cw__lstore_row(cw_lstore *s, const char *scope, const char *key,
                   const char *hash, const char *rowtext,
                   unsigned long long file);

/* What the run knows of one of its files when it commits. */
typedef struct cw_lnewfile {
    unsigned long long id;                /* from cw__lstore_file_new() */
    const char *path;                     /* absolute final path */
    unsigned long long rows;              /* rows in it */
    const char *dev, *ino, *size, *mtime; /* identity of its temp file */
} cw_lnewfile;

/*
** Before the run's files are renamed: fail (CW_EUSAGE, nothing recorded)
** when one of 'files' would replace a file still pending; else record
** them, the watermarks ('nmarks' triples scope, col, value in 'marks'),
** the files the watermarks wait for (these and every file pending in
** 'scopes'), and commit: the run is 'writing'.
*/
int cw__lstore_run_record(cw_lstore *s, unsigned long long run,
                          const cw_lnewfile *files, size_t nfiles,
                          const char *const *marks, size_t nmarks,
                          const char *const *scopes, size_t nscopes);

/*
** After the renames: the files of the run whose 'in'[i] is 1 are
** pending, the others failed (their rows removed); the run is done when
** 'ok', else failed.  When no file is in and not 'ok', the run is
** removed altogether: the ledger is as it was before it.
*/
int cw__lstore_run_finish(cw_lstore *s, unsigned long long run,
                          const cw_lnewfile *files, const int *in,
                          size_t nfiles, int ok);

/* Roll back the run's transaction (before cw__lstore_run_record()). */
void cw__lstore_run_abort(cw_lstore *s);

/* ==== Confirm and release ==== */

/*
** Mark the file at 'path' (resolved: the absolute path a run recorded,
** or, when no file has it, the file on disk with the identity a run
** recorded) confirmed (imported) or, with 'release', released (its rows
** may be written again).  '*f' describes the file after the change
** (strings owned by the store).  CW_EUSAGE when no file of the ledger is
** at 'path', when it is not pending (a confirmed file cannot be released:
** its rows went out), or, unless 'force', when the file at 'path' is not
** the one the run wrote.
*/
int cw__lstore_settle(cw_lstore *s, const char *path, int release, int force,
                      cw_lfile *f);

/* 'path' made absolute, as the ledger names files: resolved when it
** exists, else its directory resolved and its name appended, else after
** the current directory.  Free it with cw__free(); NULL when out of
** memory. */
char *cw__lstore_abspath(const char *path);

#endif /* CW_LEDGER_STORE_H */
