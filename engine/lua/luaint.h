/*
** luaint.h -- what the files of engine/lua share: the limits of the
** sandbox, struct cw_lua, and the functions one file calls in another.
** Private to engine/lua: the rest of the engine includes luabridge.h.
**
**   state.c     the state: capped allocator, instruction budget and
**               hook, what a dead state returns, creating and closing
**   sandbox.c   what a recipe can reach: the libraries, sandboxed base
**               functions, strict globals, string and table guards,
**               require
**   recproxy.c  how Lua sees a record: the proxy lent to a function
**   loadfile.c  loading a file: the params table, running the chunk,
**               converting the table it returns into a node tree
**   call.c      calling recipe functions on a lent record
*/
#ifndef CW_LUAINT_H
#define CW_LUAINT_H

#include "lua/luabridge.h"

#include <stdint.h>

#include <lua.h>

/*
** Limits of the sandbox.  Each is enforced inside the state, so a recipe
** sees a Lua error (for the string and table guards) or is stopped for
** good (instruction and memory limits, the deadline).
*/
#define DEF_INSTRUCTIONS 50000000ULL    /* per load or call */
#define DEF_MEMORY ((size_t)64 << 20)   /* bytes held by the state */
#define DEF_SECONDS 5.0                 /* deadline of a load or call */
#define CLOCK_GROWTH ((size_t)64 << 10) /* growth that makes alloc check */
#define HOOK_EVERY 1000                 /* instructions between hook calls */
#define BYTES_PER_INSTRUCTION 1         /* allocation charged to the budget */
#define MAX_SUBJECT ((size_t)1 << 20)   /* subject of find/match/gsub */
#define MAX_PATTERN 256                 /* bytes of one pattern */
#define MAX_REP ((size_t)16 << 20)      /* result of string.rep */
#define MAX_PATTERN_STEPS 1e9           /* worst-case steps of one match */
#define STEPS_PER_INSTRUCTION 10        /* match steps charged as one */
#define STEPS_PER_SECOND 1e8            /* match steps assumed per second */
#define MAX_MOVE ((lua_Integer)1 << 24) /* elements table.* may shift */
#define MAX_DEPTH 64                    /* nesting of a returned table */
#define MAX_MISS 32                     /* names read that no record had */
#define NAME_SLOTS 128                  /* slots of the name cache */
#define POOL_MAX 128                    /* largest block recycled by state.c */
#define POOL_GRAIN 16                   /* size step of its free lists */
#define POOL_KEEP ((size_t)1 << 20)     /* bytes the free lists may hold */

/* A column name a recipe function read that no record had then, and the
** step that read it (recproxy.c). */
typedef struct cw_miss {
    char *name;             /* owned */
    const char *step;       /* a step's label, or NULL */
    unsigned long long row; /* record number where it was read first */
    size_t stepno;          /* the step's index */
    unsigned long long seq; /* the state's count of misses then */
} cw_miss;

/* A column name as Lua handed it to a record proxy (the address of a
** string kept alive in the anchors table) and its column in the layout
** whose id is 'cw_lua.ncid' (recproxy.c). */
typedef struct cw_name {
    const void *p; /* the string (lua_topointer), or NULL: an empty slot */
    size_t col;    /* its column */
} cw_name;

/* The life of a state (cw_lua.dead): alive, stopped for good by the
** instruction limit, the memory limit or the deadline, or being closed. */
enum { ALIVE, DEAD_CPU, DEAD_MEM, DEAD_TIME, DEAD_CLOSING };

struct cw_lua {
    lua_State *L;             /* the state, NULL until created */
    char *luadir;             /* the home's lua/ directory, or NULL */
    char *owndir;             /* the recipe's folder, or NULL */
    char *ownshown;           /* its name in messages ("NAME") */
    size_t used;              /* bytes the state holds */
    size_t cap;               /* memory limit in bytes */
    unsigned long long limit; /* instructions per load or call */
    int every;                /* hook period in instructions */
    long long budget;         /* instructions left in this load or call */
    double seconds;           /* deadline of a load or call, in seconds */
    long long deadline;       /* its end, CLOCK_MONOTONIC ns; none: max */
    long tick;                /* coarse clock resolution, ns, or 0 */
    int fnref;                /* function being called, or LUA_NOREF */
    int refused;              /* a guard refused a call, this call */
    char refmsg[192];         /* "file:line: text" of that refusal */
    int dead;                 /* a DEAD_* value once a limit hit: sticky */
    int nmemhit;              /* refusals at the cap not rescued, this call */
    int nsysfail;             /* mem.c failures not rescued, this call */
    int pendkind;             /* last refusal: 0 none, 1 cap, 2 mem.c ... */
    const void *pendblock;    /* ... its block ... */
    size_t pendsize;          /* ... and size, to recognise Lua's retry */
    size_t recbytes;          /* bytes stored into records, this call */
    int recnomem;             /* a record store ran out of memory */
    cw_rec *rec;              /* the record lent, NULL between calls */
    uintptr_t gen;            /* tag of the current proxy, 0 before any */
    const char *ctx;          /* file name during a load, else NULL */
    char where[96];           /* "file:line" where a limit was hit */
    char limmsg[96];          /* text of the limit that stopped the state */
    cw_err limerr;            /* what every call returns once dead */
    const char *step;         /* label of the step calling, or NULL */
    size_t stepno;            /* its index */
    unsigned long long nseq;  /* misses noted, for cw_miss.seq */
    cw_miss miss[MAX_MISS];   /* names read that no record had */
    size_t nmiss;             /* count of 'miss' */

    /* The record proxy's name cache (recproxy.c). */
    size_t ncid;               /* id of the layout it is for */
    cw_name names[NAME_SLOTS]; /* string address -> column */
    size_t nnames;             /* names in it */
    size_t slot;               /* where the name last missed would go */
    int anchors;               /* registry ref: the cached strings */

    /* Small blocks freed by Lua, for reuse (state.c). */
    void *pool[POOL_MAX / POOL_GRAIN]; /* a free list per size class */
    size_t pooled;                     /* bytes in them */
};

/* ---- state.c ---- */

/* The cw_lua owning 'L', kept in the extra space of every thread (a new
** thread copies the main thread's). */
static inline cw_lua *cw__lua_getx(lua_State *L)
{
    return *(cw_lua **)lua_getextraspace(L);
}

/* Charge 'steps' of unmetered C work (STEPS_PER_INSTRUCTION to an
** instruction) to the budget; when that spends it, the state dies and
** this raises. */
void cw__lua_charge(lua_State *L, cw_lua *x, double steps);

/* Kill the state for limit 'kind' (DEAD_CPU, DEAD_MEM or DEAD_TIME)
** from a C function called by Lua, noting its caller's "file:line", and
** raise. */
int cw__lua_raiselimit(lua_State *L, cw_lua *x, int kind);

/* Seconds left before the deadline of the running load or call (a huge
** number when none runs). */
double cw__lua_timeleft(const cw_lua *x);

/* Refuse a call from a guard of sandbox.c: raise "file:line: 'msg'" as a
** Lua error the recipe may catch; if it is not caught, the load or call
** fails with CW_ELIMIT rather than CW_ELUA. */
int cw__lua_refuse(lua_State *L, const char *msg);

/* Start a load or call: fail at once on a dead state, else reset the
** per-call budget and counters. */
int cw__lua_begin(cw_lua *x, cw_err *err);

/* End a load or call: turn the status of its protected call into
** CW_OK, CW_ELIMIT, CW_ENOMEM or CW_ELUA (message on top of the stack). */
int cw__lua_finish(cw_lua *x, int status, cw_err *err);

/* Message handler for lua_pcall: the error as text plus a traceback. */
int cw__lua_msghandler(lua_State *L);

/* ---- sandbox.c ---- */

/* Build the sandbox in a new state: a lua_CFunction that cw__lua_open
** runs under lua_pcall, so that a memory error is a status. */
int cw__lua_psetup(lua_State *L);

/* ---- recproxy.c ---- */

/* Register the record proxy type: the metatable of every light
** userdata; make the anchors of the name cache.  [-0, +0] */
void cw__lua_openrecord(lua_State *L);

/* Push a proxy for 'rec', valid until 'x->rec' is cleared after the
** call.  [-0, +1] */
void cw__lua_lend(lua_State *L, cw_lua *x, cw_rec *rec);

/* ---- loadfile.c ---- */

/* Set global 'params' to a read-only view of the 'n' pairs in 'kv' (k0,
** v0, k1, v1, ...).  A missing parameter reads as nil.  [-0, +0] */
void cw__lua_setparams(lua_State *L, const char *const *kv, size_t n);

#endif /* CW_LUAINT_H */
