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
** by group steps for the rejects file; call before the first push. */
void cw__plan_setwidth(cw_plan *p, size_t norig);

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

/* Flush the groups in step order, pushing their records on through the
** following steps; 'rec' is scratch space on the same layout. */
int cw__plan_finish(cw_plan *p, cw_rec *rec, const cw_plan_cb *cb, cw_err *err);

void cw__plan_free(cw_plan *p);

#endif /* CW_PLAN_H */
