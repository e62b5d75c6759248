/*
** crosswalk.h -- public interface of the crosswalk pipeline engine.
** A name that is not declared here is private to engine/ and may change.
** The library never prints, exits or aborts: every function returns a
** status and keeps a message on its handle (or in a caller's cw_err).
*/
#ifndef CW_H
#define CW_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
** Status codes: zero is success, positive values are normal outcomes of
** an iteration, negative values are errors.  The enum and cw_strstatus()
** are both generated from this one list.
*/
#define CW_STATUS_MAP(X)                                                       \
    X(OK, 0, "success")                                                        \
    X(ROW, 1, "a record is ready")                                             \
    X(DONE, 2, "no more records")                                              \
    X(ENOMEM, -1, "out of memory")                                             \
    X(EIO, -2, "input/output error")                                           \
    X(EPARSE, -3, "malformed CSV")                                             \
    X(EINVALID, -4, "record failed validation")                                \
    X(ELUA, -5, "error in Lua recipe")                                         \
    X(ESINK, -6, "sink error")                                                 \
    X(EUSAGE, -7, "invalid argument, recipe or schema")                        \
    X(ELIMIT, -8, "recipe sandbox limit reached")                              \
    X(EINTR, -9, "interrupted")

enum cw_status {
#define CW_ENUM(name, value, text) CW_##name = (value),
    CW_STATUS_MAP(CW_ENUM)
#undef CW_ENUM
};

/* English text for 'status'.  Static storage: never NULL, never freed. */
const char *cw_strstatus(int status);

/* The library's version, "MAJOR.MINOR.PATCH".  Static storage. */
const char *cw_version(void);

/* Room for one error message.  Embed it; there is nothing to free. */
typedef struct cw_err {
    int code;      /* a negative enum cw_status, or CW_OK */
    char msg[512]; /* "where: what", NUL-terminated */
} cw_err;

/*
** The one allocation hook, realloc-shaped: 'size' 0 frees 'ptr' and
** returns NULL.  cw_set_allocator(NULL, NULL) restores malloc/free.
** Set it before creating any handle; it is process-wide.
*/
typedef void *(*cw_alloc_fn)(void *ud, void *ptr, size_t size);
void cw_set_allocator(cw_alloc_fn alloc, void *ud);

/*
** Byte source for readers.  Return the next chunk of input, of any size,
** and store its size in '*len' (0 at end of input); the chunk stays
** borrowed until the next call.  On failure fill 'err' and return NULL.
*/
typedef const char *(*cw_read_fn)(void *ud, size_t *len, cw_err *err);

/*
** A problem found in the data: where it is, a stable code such as
** "E_BOOLEAN", and a message.  All strings are borrowed for the duration
** of the callback only.  'line' and 'col' are 1-based; 0 when unknown.
*/
typedef struct cw_problem {
    const char *file;    /* input path as given, "-" for stdin */
    unsigned long line;  /* physical line of the record or field */
    unsigned long col;   /* 1-based column (field) number, 0 if none */
    const char *column;  /* column name, or NULL */
    const char *code;    /* stable error code, E_... or W_... */
    const char *message; /* human-readable explanation */
    int warning;         /* 1 for a warning that rejects nothing */
} cw_problem;

typedef void (*cw_problem_fn)(void *ud, const cw_problem *p);

/* ==== Runs: load a recipe, bind inputs and outputs, execute ==== */

typedef struct cw_run cw_run; /* one recipe run (opaque) */

/*
** Create an empty run.  On failure store NULL in '*out', describe the
** problem in 'err' (when not NULL) and return a negative status.
*/
int cw_run_new(cw_run **out, cw_err *err);

/*
** Configuration, all before cw_run_load().  Strings are copied.
**   cw_run_param:     a recipe parameter, as from --set KEY=VALUE.
**   cw_run_home:      the directory holding schemas/ and lua/ (required).
**   cw_run_limits:    sandbox limits: Lua instructions per recipe call
**                     (0 = default, 50 million) and Lua memory in bytes
**                     (0 = default, 64 MiB).
*/
int cw_run_param(cw_run *r, const char *key, const char *value);
int cw_run_home(cw_run *r, const char *dir);
int cw_run_limits(cw_run *r, unsigned long long instructions, size_t memory);

/*
** Load and compile the recipe at 'path' with the parameters given.  No
** data is read.  Returns CW_OK, CW_EUSAGE for a broken recipe, CW_ELUA
** for a Lua error, CW_ELIMIT when the recipe hit a sandbox limit.
*/
int cw_run_load(cw_run *r, const char *path);

/* The recipe's inputs, after cw_run_load(): count, and the name of input
** 'i' ('*ismain' set to 1 for the streamed one).  Owned by 'r'. */
size_t cw_run_ninputs(const cw_run *r);
const char *cw_run_input_name(const cw_run *r, size_t i, int *ismain);

/*
** Bind inputs and outputs, after cw_run_load() and before cw_run_exec().
**   cw_run_input:   the input called 'name' (NULL: the recipe's main
**                   input) reads from 'path': a CSV file ("-" is standard
**                   input), "sqlite:PATH#TABLE_OR_QUERY" or
**                   "postgres:CONNINFO#TABLE_OR_QUERY".
**   cw_run_outdir:  the directory output files are written to.
**   cw_run_rejects: path of the rejects CSV (default OUTDIR/rejects.csv).
**   cw_run_database: where outputs declared with a 'table' go:
**                   "sqlite:PATH" or "postgres:CONNINFO" (default
**                   sqlite:OUTDIR/crosswalk.db).
**   cw_run_dryrun:  when 'on', process everything but commit nothing.
**   cw_run_on_problem: called for every warning (and every rejection).
*/
int cw_run_input(cw_run *r, const char *name, const char *path);
int cw_run_outdir(cw_run *r, const char *dir);
int cw_run_rejects(cw_run *r, const char *path);
int cw_run_database(cw_run *r, const char *target);
int cw_run_dryrun(cw_run *r, int on);
void cw_run_on_problem(cw_run *r, cw_problem_fn fn, void *ud);

/*
** Execute the run.  Returns CW_OK when every record read was accounted
** for and the outputs were committed (rejects may exist: see the
** summary), or a negative status, outputs then rolled back.  Call once.
*/
int cw_run_exec(cw_run *r);

/*
** Ask a running cw_run_exec() to stop at the next record; it then
** returns CW_EINTR.  Safe to call from a signal handler.
*/
void cw_run_interrupt(cw_run *r);

/* The accounting of a run: read = written + rejected + filtered + merged
** + unprocessed.  'unprocessed' is nonzero only for an aborted run. */
typedef struct cw_summary {
    unsigned long long read;        /* records read from the main input */
    unsigned long long written;     /* records written to the outputs */
    unsigned long long rejected;    /* records sent to the rejects file */
    unsigned long long filtered;    /* records dropped by a filter step */
    unsigned long long merged;      /* records folded into a group */
    unsigned long long unprocessed; /* records read but never finished */
    unsigned long long warnings;    /* warnings reported */
    const char *rejects;            /* rejects path, NULL when none */
    const char *stopped_at;         /* "file:line" of an abort, or NULL */
    size_t noutputs;                /* number of files written */
} cw_summary;

/* Fill '*out' with the run's accounting.  Strings are owned by 'r'. */
void cw_run_summary(const cw_run *r, cw_summary *out);

/* Output file 'i' (< noutputs): its path and rows.  Owned by 'r'. */
const char *cw_run_output(const cw_run *r, size_t i, unsigned long long *rows);

/* Message for the last error on 'r'.  Owned by 'r'; never NULL. */
const char *cw_run_errmsg(const cw_run *r);

/* Free 'r' and everything it owns.  Passing NULL is a harmless no-op. */
void cw_run_close(cw_run *r);

/* ==== One-shot tools ==== */

/*
** Check 'path' against the schema 'name' ("organizer/text_interactions")
** found under 'home'/schemas, reporting every problem through 'fn'.
** Store the number of errors (not warnings) in '*nerrors'.  Returns CW_OK
** when the file could be checked (even with errors), or a negative
** status when it could not (missing file, unknown schema).
*/
int cw_validate(const char *home, const char *name, const char *path,
                cw_problem_fn fn, void *ud, unsigned long *nerrors,
                cw_err *err);

/*
** Convert between CSV and NDJSON, chosen by the extensions of 'in' and
** 'out' (".csv", ".ndjson" or ".jsonl").  'out' is written atomically.
** Store the number of records in '*rows' when not NULL.
*/
int cw_convert(const char *in, const char *out, unsigned long long *rows,
               cw_err *err);

/* ==== Load (engine/load.c) ==== */

/* ==== End load ==== */

/* ==== Inspect (engine/inspect.c) ==== */

/* ==== End inspect ==== */

#ifdef __cplusplus
}
#endif

#endif /* CW_H */
