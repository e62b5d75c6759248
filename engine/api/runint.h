/*
** runint.h -- what the files of a recipe run share: struct cw_run, the
** inputs and outputs its recipe declares, and the functions of commit.c
** that run.c calls.  recipe.c configures a run and loads its recipe,
** run.c streams the records, commit.c opens and commits the outputs.
*/
#ifndef CW_RUNINT_H
#define CW_RUNINT_H

#include "crosswalk.h"

#include "csv/csvwrite.h"
#include "io/sink.h"
#include "io/source.h"
#include "lua/luabridge.h"
#include "steps/plan.h"
#include "values/formula.h"
#include "values/schema.h"

#include <signal.h>
#include <stdatomic.h>

/* An input the recipe declares. */
typedef struct input {
    char *name;        /* as in the recipe */
    char *schema_name; /* "impactive/messages", or NULL */
    cw_schema *schema; /* loaded schema, or NULL */
    char *path;        /* bound path (for a reader, "<reader:NAME>"), or
                          NULL */
    cw_inputspec spec; /* 'path' and the reader, if bound to one */
    int main;          /* 1 for the streamed input */
    cw_dialect decl;   /* its dialect in the recipe ('enc_decl') */
    cw_dialect set;    /* cw_run_input_dialect() for it ('enc_set') */
    cw_dialect use;    /* what it is read in: the three merged */
    char *enc_decl;    /* owned encodings of 'decl' and 'set' */
    char *enc_set;
} input;

/* An output the recipe declares. */
typedef struct output {
    char *name;              /* as in the recipe */
    char *path;              /* file name, relative to the output directory */
    char *table;             /* or a database table */
    enum cw_sinkmode mode;   /* how the table is written */
    cw_table db;             /* the open database sink */
    char *schema_name;       /* or NULL */
    cw_schema *schema;       /* loaded schema, or NULL */
    char *where;             /* "outputs.NAME", for messages */
    int autocols;            /* no 'columns': the schema's, pruned at run
                                time to those required or set */
    char *splitcol;          /* the recipe's split.distinct column, or NULL */
    size_t splitmax;         /* and its max */
    char **cols;             /* output column names */
    size_t ncols;            /* count of 'cols' */
    size_t *idx;             /* their layout indexes */
    const cw_colspec **spec; /* their schema columns, or NULL each */
    cw_field *vals;          /* values of the row being written */
    cw_buf *scratch;         /* per-column conversion space */
    cw_writeopts opts;       /* format and splitting */
    cw_writer *out;          /* the open writer */
    int formulas;            /* enum cw_formulas: formula-like values */
    char **efforts;          /* distinct-column spellings seen (for warnings) */
    size_t nefforts;         /* count of 'efforts' */
    cw_row_fn rowfn;         /* or NULL: the callback its rows go to */
    void *rowud;             /* its argument */
    unsigned long long rows; /* rows delivered to 'rowfn' */
    const char **rowvals;    /* the row being delivered: its values */
    size_t *rowlens;         /* and their lengths */
    cw_buf rowbuf;           /* those values, each NUL-terminated */
    int plain;               /* 1: no column has a schema and formulas are
                                off: emit_cb() only picks the values */
} output;

struct cw_run {
    cw_err err;                /* last error */
    char **params;             /* k0, v0, k1, v1, ... */
    size_t nparams;            /* pairs * 2 */
    char *home;                /* directory with schemas/ and lua/ */
    cw_lua_limits limits;      /* sandbox limits */
    size_t workers;            /* Lua states of a parallel section; 0:
                                  one per core, at most 8 */
    char *recipe;              /* recipe path, as given */
    char *recipefile;          /* the file loaded (home.c, recipe_find) */
    char *recipedir;           /* its recipe folder, or NULL */
    cw_lua *lua;               /* recipe's state */
    cw_node *tree;             /* the recipe table */
    cw_layout *layout;         /* column names of the run */
    cw_plan *plan;             /* compiled steps */
    input *in;                 /* declared inputs */
    size_t nin;                /* count of 'in' */
    output *out;               /* declared outputs */
    size_t nout;               /* count of 'out' */
    char *outdir;              /* output directory */
    char *database;            /* target of table outputs */
    char *rejects;             /* rejects path (explicit or default) */
    int dryrun;                /* commit nothing */
    int strict;                /* a malformed record stops the run */
    cw_dialect dialect_all;    /* cw_run_input_dialect() for every CSV
                                  input ('enc_all') */
    char *enc_all;             /* its owned encoding */
    char **reserved;           /* path0, what0, ...: cw_run_reserve() */
    size_t nreserved;          /* pairs * 2 */
    cw_problem_fn onproblem;   /* problem callback */
    void *onproblem_ud;        /* its argument */
    cw_progress_fn onprogress; /* progress callback, or NULL */
    void *onprogress_ud;       /* its argument */
    /* Set by cw_run_interrupt(): lock-free, so a signal handler may set
    ** it, and the workers of a parallel section read it. */
    atomic_int stop;
    int loaded;   /* cw_run_load() succeeded */
    int atheader; /* the main input's header failed a check:
                     no record was read */
    int executed; /* cw_run_exec() was called */
    /* during exec */
    input *main;      /* the streamed input */
    cw_input src;     /* its source */
    char *mainname;   /* its name in messages (no connection string) */
    int src_open;     /* 'src' holds an open source */
    char **rejcols;   /* header of the rejects file */
    size_t nrejcols;  /* count of 'rejcols' */
    size_t norig;     /* width of original rows */
    cw_writer *rej;   /* rejects writer, opened on first reject */
    cw_field *rejrow; /* reject row being written */
    cw_buf rejline;   /* "_line" text */
    cw_buf msg;       /* message scratch */
    cw_buf checkbuf;  /* conversions while checking input values */
    /* accounting */
    cw_summary sum;               /* the counters */
    char stopped_at[300];         /* where an abort happened */
    char **parts;                 /* committed (or planned) output files */
    unsigned long long *partrows; /* their rows */
    size_t nparts;                /* count of 'parts' */
    struct cw_lrun *lg;           /* the ledger's side (runledger.c), or
                                     NULL */
    int ledger;                   /* 1 while the run has an active
                                     ledger (cw__lrun_active()) */
};

/* ==== Names (recipe.c) ==== */

/*
** Resolve the column names of the recipe's steps and outputs against
** 'src' (cw__plan_resolve()).  An output without 'columns' after an fn
** step without 'sets' is CW_EUSAGE.  With 'src->run', outputs without
** 'columns' then keep only the schema's required and key columns and
** those the main input or a step gives them.
*/
int cw__run_resolve(cw_run *r, const cw_namesrc *src);

/* ==== Outputs (commit.c) ==== */

/* Check that the run's output files ('all': and its rejects file,
** database and reserved files) are distinct plain file names. */
int cw__run_check_names(cw_run *r, int all);

/* Check that the run's files are distinct, then the output directory,
** creating it if missing and removing the temp files of dead runs. */
int cw__run_outdir(cw_run *r);

/* Open every declared output: a file in the output directory, a
** database table, or the room a callback output's rows need. */
int cw__run_open_outputs(cw_run *r);

/* Open the rejects file (default OUTDIR/rejects.csv). */
int cw__run_open_rejects(cw_run *r);

/* Commit every output and the rejects file, listing what is committed. */
int cw__run_commit(cw_run *r);
/* A cw_plan_loader: the recipe loaded again in a state of its own, for
** a worker of the parallel section (recipe.c). */
int cw__run_workerstate(void *ud, cw_lua **x, cw_node **tree, cw_err *err);

/* Close every output and the rejects file, rolling back what was not
** committed. */
void cw__run_close_outputs(cw_run *r);

#endif /* CW_RUNINT_H */
