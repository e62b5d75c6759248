/*
** plan.h -- a recipe's steps compiled to C operations.  Declarative
** steps (map, filter, validate, lookup, group) never enter Lua; function
** steps call the recipe's Lua functions on a lent record.  A record is
** pushed through the steps; group steps hold records back until
** cw__plan_finish().
*/
#ifndef CW_PLAN_H
#define CW_PLAN_H

#include "core/node.h"
#include "core/record.h"
#include "lua/luabridge.h"

#include <stdatomic.h>

/* Where the records leaving the plan go. */
typedef struct cw_plan_cb {
    void *ud; /* passed to each callback */
    /* A record passed every step. */
    int (*emit)(void *ud, cw_rec *rec, const cw_field *orig);
    /* A record was rejected by a step: 'column' may be NULL. */
    int (*reject)(void *ud, cw_rec *rec, const cw_field *orig,
                  const char *column, const char *code, const char *msg);
    /* A record was dropped by a filter, or folded into a group. */
    void (*filtered)(void *ud);
    void (*merged)(void *ud);
} cw_plan_cb;

/* Returns what input 'name' is bound to (a path or a reader, see
** io/source.h), or NULL when unbound. */
struct cw_inputspec;
typedef const struct cw_inputspec *(*cw_input_fn)(void *ud, const char *name);

typedef struct cw_plan cw_plan;

/*
** Compile the step list 'steps' (a table node; NULL means no steps).
** Column names are interned in 'layout'; Lua functions are called in
** 'lua'; 'norig' is the width of original rows (kept by groups).
** 'where' names the recipe in messages.  CW_EUSAGE for a malformed step,
** with a message naming it ("recipe.lua: steps[2] (map): ...").
*/
int cw__plan_compile(const cw_node *steps, const char *where, cw_layout *layout,
                     cw_lua *lua, size_t norig, cw_plan **out, cw_err *err);

/* Names of the inputs the plan's lookups read: count and each name. */
size_t cw__plan_ninputs(const cw_plan *p);
const char *cw__plan_input(const cw_plan *p, size_t i);

/* Set the width of original rows (the main input's column count) kept
** by group steps for the rejects file; call before the first push.
** 'onebuf' 1: the original fields of the rows pushed are views into one
** buffer, in order (a CSV reader's batch), which lets the parallel
** section copy a row in one piece. */
void cw__plan_setwidth(cw_plan *p, size_t norig, int onebuf);

/* Load every lookup table, finding inputs through 'paths'. */
int cw__plan_bind(cw_plan *p, cw_input_fn paths, void *ud, cw_err *err);

/*
** Push 'rec' (with its original fields 'orig') through the steps.
** Returns CW_OK whatever happened to the record (it was emitted,
** rejected, filtered or held by a group: the callbacks say which), or a
** negative status for a failure that must stop the run (CW_ELUA,
** CW_ELIMIT, CW_ENOMEM, or what a callback returned).
*/
int cw__plan_push(cw_plan *p, cw_rec *rec, const cw_field *orig,
                  const cw_plan_cb *cb, cw_err *err);

/*
** Parallel fn steps.  The first run of adjacent fn steps with parallel =
** true is the plan's parallel section (later such steps run as others
** do).  cw__plan_parallel() is 1 when the plan has one.
** cw__plan_workers() seals the layout (no column can be added from
** then on: workers read it while the run goes) and starts 'n' worker
** threads (0: none; the section then runs in the caller's thread), each
** with a Lua state of its own that 'load' makes by loading the recipe
** again (setting '*lua', which the plan closes even when 'load' fails,
** and '*tree', which it frees).  From then on cw__plan_push() hands records
** reaching the section to the workers and pushes on those they are done
** with, in the order they came; cw__plan_finish() waits for the rest.
** Once '*stop' is nonzero, the section's jobs fail with CW_EINTR
** ("interrupted") rather than run, so that a run interrupted while it
** waits for the workers ends after the records they are at.
** CW_OK (also with no section, or 'n' 0), CW_EUSAGE when a state's
** recipe has no function where the section's are, what 'load' returned,
** CW_ENOMEM, CW_EIO when a thread cannot start.
*/
typedef int (*cw_plan_loader)(void *ud, cw_lua **lua, cw_node **tree,
                              cw_err *err);
int cw__plan_parallel(const cw_plan *p);
int cw__plan_workers(cw_plan *p, size_t n, cw_plan_loader load, void *ud,
                     const atomic_int *stop, cw_err *err);
/* After a push or finish failed in a worker: the line of the record it
** failed on (0 when none did). */
unsigned long cw__plan_failline(const cw_plan *p);

/* Flush the groups in step order, pushing their records on through the
** following steps; 'rec' is scratch space on the same layout. */
int cw__plan_finish(cw_plan *p, cw_rec *rec, const cw_plan_cb *cb, cw_err *err);

/*
** What the main input holds, for cw__plan_resolve(): its schema (when
** the recipe is checked) or its actual header (when it runs).
*/
struct cw_schema;
typedef struct cw_namesrc {
    void *ud; /* passed to each function */
    /* 1 when the main input has the column 'name'. */
    int (*has)(void *ud, const char *name);
    /* The input's column 'i' (for suggestions), NULL past the last. */
    const char *(*column)(void *ud, size_t i);
    /* The input's own name for 'name' when its schema knows 'name' as
    ** another spelling (an alias, another case), or NULL. */
    const char *(*canonical)(void *ud, const char *name);
    /* 1 when the input's schema has the column 'name' but the header does
    ** not: it reads as null, and is watched for cw__plan_unset().  May be
    ** NULL. */
    int (*optional)(void *ud, const char *name);
    /* The schema of the lookup input 'input', or NULL: its columns are
    ** then not checked (at run time the lookup's header is). May be NULL. */
    const struct cw_schema *(*lookup_schema)(void *ud, const char *input);
    const char *what; /* "schema impactive/messages (input 'messages')",
                         "the header of messages.csv" */
    int any;          /* 1: the input's columns are not known: any name
                         may be one */
    int guess;        /* 1: the input's columns are its schema's, but a
                         file may have more: a name is refused only when
                         it is close to one of them (a misspelling) */
    int run;          /* 1: a run follows: remember the names an fn step
                         may set, for cw__plan_unset() */
} cw_namesrc;

/* A column read after the last step (an output's), named 'label'
** ("outputs.text") in messages. */
typedef struct cw_nameread {
    size_t col;        /* layout index */
    const char *label; /* who reads it */
} cw_nameread;

/*
** Resolve every column name the steps read, in step order, then the
** 'nreads' names in 'reads', against what 'src' says the main input
** holds and the columns earlier steps create (map targets, lookup
** 'columns' and 'exists', an fn step's 'sets', a group's keys and
** aggregates; after a group only those).  A name that is none of these
** is CW_EUSAGE, with a message naming the recipe, the step, the name and
** the closest known names; except after an fn step without 'sets',
** which may create any column: such names are accepted, and with
** 'src->run' remembered for cw__plan_unset().  Call again to resolve
** against another source (the last call's state is kept).
*/
int cw__plan_resolve(cw_plan *p, const cw_namesrc *src,
                     const cw_nameread *reads, size_t nreads, cw_err *err);

/*
** After cw__plan_resolve(): 1 when column 'col' holds a value after the
** last step (it is in the main input, and no group came after, or a
** step creates it), 0 when not, -1 when an fn step without 'sets' came
** after the last group, so that it may.  '*fn' then names that step.
*/
int cw__plan_has(const cw_plan *p, size_t col, const char **fn);

/*
** After a run: for every name that was accepted only because an fn step
** without 'sets' came before it or because it is an optional column of
** the input's schema missing from the header, and that no record
** reaching its reader had a value in, call 'fn' with the column and a
** message ("steps[4]
** (filter): column 'x' had no value ...; did you mean 'y'?", the W_NEVER_SET
** warning).  Returns CW_OK or CW_ENOMEM.
*/
int cw__plan_unset(const cw_plan *p,
                   void (*fn)(void *ud, const char *column, const char *msg),
                   void *ud);

void cw__plan_free(cw_plan *p);

#endif /* CW_PLAN_H */
