/*
** luabridge.h -- the sandboxed Lua state: loading recipe and schema
** files into node trees, and calling recipe functions on a lent record.
** Only the files of engine/lua include the Lua headers; they share
** lua/luaint.h, which lists them.
*/
#ifndef CW_LUABRIDGE_H
#define CW_LUABRIDGE_H

#include "core/node.h"
#include "core/record.h"

typedef struct cw_lua cw_lua;

typedef struct cw_lua_limits {
    unsigned long long instructions; /* per load or call; 0: 50 million */
    size_t memory;                   /* bytes for the state; 0: 64 MiB */
    double seconds;                  /* per load or call; 0: 5 seconds */
} cw_lua_limits;

/*
** Create a sandboxed state: base (without dofile, loadfile, collectgarbage
** beyond "count", print), string (without dump), table, math, utf8; no
** io, os, debug, package or C loaders.  Reading or writing an undefined
** global raises.  'luadir' is the home's lua/ directory, where
** require("crosswalk.x") finds lua/crosswalk/x.lua; NULL (and no
** cw__lua_recipedir) means no require at all.
*/
int cw__lua_open(const cw_lua_limits *lim, const char *luadir, cw_lua **out,
                 cw_err *err);

/*
** Make 'dir', a recipe folder, the first place require looks: a module
** a.b is 'dir'/lua/a/b.lua, named 'shown'/lua/a/b.lua in messages, and
** the home's lua/ comes second.  CW_OK or CW_ENOMEM.
*/
int cw__lua_recipedir(cw_lua *x, const char *dir, const char *shown,
                      cw_err *err);

/* The name of the recipe folder set by cw__lua_recipedir, or NULL. */
const char *cw__lua_recipeshown(const cw_lua *x);
void cw__lua_close(cw_lua *x);

/*
** Run the text chunk in file 'path' (binary chunks refused) with a global
** table 'params' holding the 'nparams' key/value string pairs in
** 'params' (k0, v0, k1, v1, ...), and convert the value it returns into a
** node tree stored in '*out' (caller frees).  Functions in the tree
** become CW_NODE_FUNC references valid while 'x' lives.  Errors:
** CW_EIO (unreadable), CW_ELUA (syntax or runtime error, message with
** file:line), CW_ELIMIT (instruction or memory limit or deadline; the
** state is then dead and every later call fails with CW_ELIMIT; or a
** guard on a string or table function refused a call and the chunk did
** not catch the error), CW_EUSAGE (the chunk did not return a table).
*/
int cw__lua_loadfile(cw_lua *x, const char *path, const char *const *params,
                     size_t nparams, cw_node **out, cw_err *err);

/* Outcome of a row function. */
enum cw_fnverdict {
    CW_FN_KEEP,  /* returned nothing, nil or true */
    CW_FN_DROP,  /* returned false: filtered out */
    CW_FN_REJECT /* returned nil, "reason": rejected with that reason */
};

/*
** Call function 'ref' with the record 'rec' lent as a proxy (fields read
** as strings or nil, assignment stores a copy, assigning nil stores null,
** a new name adds a column to the layout).  The proxy is invalid after
** the call.  Store the verdict in '*verdict' and, for CW_FN_REJECT, the
** reason in 'reason'.  Errors: CW_ELUA (with traceback), CW_ELIMIT.
*/
int cw__lua_call_rec(cw_lua *x, int ref, cw_rec *rec, int *verdict,
                     cw_buf *reason, cw_err *err);

/*
** Call function 'ref' with the record lent and take its first result as
** a value: a string as is, a number formatted as Lua's tostring does (an
** integer without ".0"), a boolean as "true"/"false", nil as null
** ('*isnull' = 1).  The value is stored in 'out' (reset first).
*/
int cw__lua_call_value(cw_lua *x, int ref, cw_rec *rec, cw_buf *out,
                       int *isnull, cw_err *err);

/* Name the step whose functions the calls that follow run ("steps[3]
** (fn)"; the string must outlive them), for cw__lua_missed(). */
void cw__lua_step(cw_lua *x, const char *label, size_t stepno);

/*
** Name 'i' of those a recipe function read from a record that had no
** such column (no record had it then: it was not in the layout), with
** the step that read it first in '*step' (may be NULL); NULL past the
** last.  The first 32 distinct names are kept.
*/
const char *cw__lua_missed(const cw_lua *x, size_t i, const char **step);
/* Add the names 'from' noted (a worker's state) to those of 'x', in the
** order a single state would have met them (by record, step, then the
** order within the call), keeping the first 32. */
void cw__lua_takemissed(cw_lua *x, const cw_lua *from);

#endif /* CW_LUABRIDGE_H */
