/*
** state.c -- the sandboxed Lua state: one lua_State per cw_lua, its
** memory through mem.c under a byte cap, the instruction budget, the
** deadline and the count hook that enforce the limits, what a state
** stopped by a limit returns, the start and end of every load or call,
** and creating and closing the state.
*/
#include "lua/luaint.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>

/* ==== Memory ==== */

/*
** Small blocks.  Lua makes and frees a string or two for each field a
** recipe reads, so blocks of up to POOL_MAX bytes are recycled through
** free lists, one per POOL_GRAIN bytes of size, instead of going back to
** mem.c.  Every block Lua holds of up to POOL_MAX bytes has room for the
** whole size class of what Lua thinks it holds (blocks are made with the
** class size, and a block is only kept on a shrink or a growth within its
** class), so any block freed to a list may serve any later request of
** that class.  The lists hold at most POOL_KEEP bytes, and they are used
** only with the default allocator: one set by cw_set_allocator() sees
** every allocation, as before.  The limit counts what Lua asks for, as
** before; the lists are freed when the state is closed.
*/
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* Kept out of line: capalloc()'s fast paths then need few registers. */
#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

/* The size class of 'n' bytes (1 to POOL_MAX): 1, 2, ... */
static size_t sizeclass(size_t n)
{
    return (n + POOL_GRAIN - 1) / POOL_GRAIN;
}

/* A block for 'n' bytes (1 to POOL_MAX), from its free list when it has
** one, else new from mem.c with the size of its class; NULL when mem.c
** fails. */
static void *blknew(cw_lua *x, size_t n)
{
    size_t c = sizeclass(n);
    void *p = x->pool[c - 1];

    if (p != NULL && !cw__alloc_custom()) {
        UNPOISON(p, c * POOL_GRAIN);
        x->pool[c - 1] = *(void **)p;
        x->pooled -= c * POOL_GRAIN;
        return p;
    }
    return cw__alloc(c * POOL_GRAIN);
}

/* Free block 'p' that Lua held as 'n' bytes: to the free list of its
** class if it has room, else to mem.c. */
static void blkfree(cw_lua *x, void *p, size_t n)
{
    size_t c = sizeclass(n);

    if (p == NULL)
        return;
    if (n > POOL_MAX || x->pooled + c * POOL_GRAIN > POOL_KEEP ||
        cw__alloc_custom()) {
        cw__free(p);
        return;
    }
    *(void **)p = x->pool[c - 1];
    x->pool[c - 1] = p;
    x->pooled += c * POOL_GRAIN;
    POISON(p, c * POOL_GRAIN);
}

/* Resize block 'p' from 'osize' to 'nsize' bytes (0 < nsize, osize 0
** when 'p' is NULL).  A shrink never fails (the old block is kept when
** mem.c cannot shrink it); NULL when a growth fails. */
static void *blkresize(cw_lua *x, void *p, size_t osize, size_t nsize)
{
    void *q;

    if (nsize > POOL_MAX)
        q = cw__realloc(p, nsize); /* a small block is a mem.c block too */
    else if (p != NULL && osize > POOL_MAX)
        q = cw__realloc(p, sizeclass(nsize) * POOL_GRAIN);
    else if (p != NULL && sizeclass(nsize) <= sizeclass(osize))
        return p;
    else if ((q = blknew(x, nsize)) != NULL && p != NULL) {
        memcpy(q, p, osize);
        blkfree(x, p, osize);
    }
    return q == NULL && nsize <= osize ? p : q;
}

static void die(cw_lua *x, int kind);
static int pastdeadline(const cw_lua *x);
static void dieinalloc(cw_lua *x);

/* Remember a refused request of 'nsize' bytes for 'block'; 'kind' 1 is
** the cap, 2 a failure of mem.c. */
static void refuse(cw_lua *x, const void *block, size_t nsize, int kind)
{
    if (kind == 1)
        x->nmemhit++;
    else
        x->nsysfail++;
    x->pendkind = kind;
    x->pendblock = block;
    x->pendsize = nsize;
}

/*
** The state's lua_Alloc, past the fast paths of capalloc().  'nsize' 0
** frees; a shrink always succeeds (the old block is kept if mem.c cannot
** shrink it); when 'ptr' is NULL, 'osize' is a type tag and counts as 0.
** Growth past the cap is refused.  Lua answers a refusal with an
** emergency collection and one retry of the same request: a retry that
** succeeds cancels the refusal it follows, one that fails kills the
** state.  Every byte of growth is charged to the instruction budget (C
** functions such as string.upper do work in proportion to what they
** allocate), and spending it there kills the state too; so does a growth
** of CLOCK_GROWTH bytes or more past the deadline.  A killed state gets
** no more memory, so C functions stop at their next allocation and the
** hook raises within HOOK_EVERY instructions.
*/
NOINLINE static void *capslow(cw_lua *x, void *ptr, size_t osize, size_t nsize)
{
    int retry, kind;
    void *p;

    if (ptr == NULL)
        osize = 0;
    if (nsize == 0) {
        blkfree(x, ptr, osize);
        x->used -= osize;
        return NULL;
    }
    if (nsize <= osize) {
        x->used -= osize - nsize;
        return blkresize(x, ptr, osize, nsize);
    }
    if (x->dead == DEAD_CPU || x->dead == DEAD_MEM || x->dead == DEAD_TIME)
        return NULL;
    kind = x->pendkind;
    retry = kind != 0 && ptr == x->pendblock && nsize == x->pendsize;
    x->pendkind = 0;
    if (nsize - osize > x->cap - x->used) {
        refuse(x, ptr, nsize, 1);
        if (retry && kind == 1)
            die(x, DEAD_MEM);
        return NULL;
    }
    p = blkresize(x, ptr, osize, nsize);
    if (p == NULL) {
        refuse(x, ptr, nsize, 2);
        return NULL;
    }
    x->used += nsize - osize;
    x->budget -= (long long)((nsize - osize) / BYTES_PER_INSTRUCTION);
    if (x->budget <= 0 && x->dead == ALIVE)
        die(x, DEAD_CPU);
    else if (nsize - osize >= CLOCK_GROWTH && pastdeadline(x))
        dieinalloc(x);
    if (retry && kind == 1)
        x->nmemhit--;
    else if (retry)
        x->nsysfail--;
    return p;
}

/*
** The state's lua_Alloc.  Lua makes and frees a small block for most
** strings it makes, so a new small block taken from a free list and a
** freed one are handled here, with the same accounting as capslow()
** (which takes everything else: a state that is not alive, a refusal
** pending, the cap or the budget about to be reached, an empty list).
*/
static void *capalloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    cw_lua *x = ud;

    if (ptr == NULL) {
        size_t c = sizeclass(nsize);
        void *p;

        if (nsize - 1 < POOL_MAX && (p = x->pool[c - 1]) != NULL &&
            x->dead == ALIVE && x->pendkind == 0 && nsize <= x->cap - x->used &&
            (long long)(nsize / BYTES_PER_INSTRUCTION) < x->budget &&
            !cw__alloc_custom()) {
            UNPOISON(p, c * POOL_GRAIN);
            x->pool[c - 1] = *(void **)p;
            x->pooled -= c * POOL_GRAIN;
            x->used += nsize;
            x->budget -= (long long)(nsize / BYTES_PER_INSTRUCTION);
            return p;
        }
    } else if (nsize == 0) {
        blkfree(x, ptr, osize);
        x->used -= osize;
        return NULL;
    }
    return capslow(x, ptr, osize, nsize);
}

/* ==== Limits ==== */

/* Nanoseconds on the monotonic clock. */
static long long nowns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
** Nanoseconds on a cheaper monotonic clock at the start of a load or call,
** plus its resolution: never less than the time on nowns(), and at most
** one tick (4 ms on Linux) more.  A deadline counted from it is never
** shorter than asked for.  A Lua map starts a call for every row;
** reading CLOCK_MONOTONIC took about 40 ns here, the coarse clock 10.
*/
static long long startns(const cw_lua *x)
{
#ifdef CLOCK_MONOTONIC_COARSE
    struct timespec ts;

    if (x->tick > 0 && clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) == 0)
        return (long long)ts.tv_sec * 1000000000 + ts.tv_nsec + x->tick;
#else
    (void)x;
#endif
    return nowns();
}

/* 1 when a load or call is running past its deadline. */
static int pastdeadline(const cw_lua *x)
{
    return x->deadline != LLONG_MAX && nowns() > x->deadline;
}

/* Write 'n' bytes as "64 MiB", "512 KiB" or "1000 bytes" into 'buf'. */
static void fmtbytes(char *buf, size_t size, size_t n)
{
    if (n % ((size_t)1 << 20) == 0)
        snprintf(buf, size, "%zu MiB", n >> 20);
    else if (n % 1024 == 0)
        snprintf(buf, size, "%zu KiB", n >> 10);
    else
        snprintf(buf, size, "%zu bytes", n);
}

/*
** Mark the state dead because of limit 'kind'.  Only sets fields: callers
** inside Lua then re-arm the hook and raise; limiterr() builds the
** message for the host.
*/
static void die(cw_lua *x, int kind)
{
    char mem[32];

    if (x->dead != ALIVE)
        return;
    x->dead = kind;
    if (kind == DEAD_CPU) {
        snprintf(x->limmsg, sizeof x->limmsg,
                 "instruction limit of %llu per call reached", x->limit);
    } else if (kind == DEAD_TIME) {
        snprintf(x->limmsg, sizeof x->limmsg, "ran past its %g s deadline",
                 x->seconds);
    } else {
        fmtbytes(mem, sizeof mem, x->cap);
        snprintf(x->limmsg, sizeof x->limmsg, "memory limit of %s reached",
                 mem);
    }
}

/* Name in 'who' what ran past the deadline: "loading recipe.lua",
** "recipe function at recipe.lua:12" or "recipe function". */
static void deadlinewho(cw_lua *x, char *who, size_t size)
{
    lua_Debug ar;

    snprintf(who, size, "recipe function");
    if (x->ctx != NULL) {
        snprintf(who, size, "loading %s", x->ctx);
    } else if (x->fnref != LUA_NOREF) {
        lua_rawgeti(x->L, LUA_REGISTRYINDEX, x->fnref);
        if (lua_getinfo(x->L, ">S", &ar) && ar.linedefined > 0)
            snprintf(who, size, "recipe function at %s:%d", ar.short_src,
                     ar.linedefined);
    }
}

/* Copy the error of a dead state into 'err', building it the first time
** from where the limit was hit: "recipe.lua:7: instruction limit ...",
** "recipe.lua:7: recipe function at recipe.lua:5 ran past its 5 s
** deadline". */
static int limiterr(cw_lua *x, cw_err *err)
{
    char msg[sizeof x->limmsg + 160];

    if (x->limerr.code == CW_OK) {
        snprintf(msg, sizeof msg, "%s", x->limmsg);
        if (x->dead == DEAD_TIME) {
            char who[128];

            deadlinewho(x, who, sizeof who);
            snprintf(msg, sizeof msg, "%s %s", who, x->limmsg);
        }
        if (x->where[0] != '\0')
            cw__fail(&x->limerr, CW_ELIMIT, "%s: %s", x->where, msg);
        else if (x->ctx != NULL)
            cw__fail(&x->limerr, CW_ELIMIT, "%s: %s", x->ctx, msg);
        else
            cw__fail(&x->limerr, CW_ELIMIT, "%s", msg);
    }
    return cw__errcopy(err, &x->limerr);
}

/* Note "file:line" of the Lua function described by 'ar' as the place
** where a limit was hit. */
static void setwhere(lua_State *L, cw_lua *x, lua_Debug *ar)
{
    if (lua_getinfo(L, "Sl", ar) && ar->currentline > 0)
        snprintf(x->where, sizeof x->where, "%s:%d", ar->short_src,
                 ar->currentline);
}

static void hook(lua_State *L, lua_Debug *ar);

/* Kill the state for its deadline from the allocator, noting the
** innermost Lua function of the main thread as the place. */
static void dieinalloc(cw_lua *x)
{
    lua_Debug ar;

    die(x, DEAD_TIME);
    for (int level = 0; x->where[0] == '\0' && x->limerr.code == CW_OK &&
                        lua_getstack(x->L, level, &ar);
         level++)
        setwhere(x->L, x, &ar);
}

/* Raise the error of a dead state in 'L', after making the hook fire on
** every instruction of 'L' so that no pcall can swallow it for long. */
static int raisedead(lua_State *L, cw_lua *x)
{
    lua_sethook(L, hook, LUA_MASKCOUNT, 1);
    return luaL_error(L, "%s", x->limmsg);
}

/*
** The count hook, every 'x->every' instructions (every instruction once
** dead).  Spends the budget and reads the clock; when the budget is gone,
** the allocator refused growth at the cap or the deadline has passed, the
** state dies and the hook raises each time it runs, in this thread and in
** every coroutine (they inherit the hook).  Reading the clock here also
** bounds the work the VM does in C between two hooks, such as comparing
** long strings with '==' or '<'.
*/
static void hook(lua_State *L, lua_Debug *ar)
{
    cw_lua *x = cw__lua_getx(L);

    if (x->dead == ALIVE) {
        x->budget -= x->every;
        if (x->budget > 0 && x->nmemhit == 0 && !pastdeadline(x))
            return;
        die(x, x->nmemhit > 0  ? DEAD_MEM
               : x->budget > 0 ? DEAD_TIME
                               : DEAD_CPU);
    }
    if (x->where[0] == '\0' && x->limerr.code == CW_OK)
        setwhere(L, x, ar);
    raisedead(L, x);
}

/* Kill the state for limit 'kind' from a C function called by Lua: note
** where its caller was as the place, then raise. */
int cw__lua_raiselimit(lua_State *L, cw_lua *x, int kind)
{
    lua_Debug ar;

    die(x, kind);
    if (x->where[0] == '\0' && x->limerr.code == CW_OK &&
        lua_getstack(L, 1, &ar))
        setwhere(L, x, &ar);
    return raisedead(L, x);
}

/* Charge 'steps' of unmetered C work (scaled to instructions) to the
** budget before it is done, killing the state when that would spend it
** or the deadline has passed. */
void cw__lua_charge(lua_State *L, cw_lua *x, double steps)
{
    double instr = steps / STEPS_PER_INSTRUCTION;

    if (x->dead == ALIVE && instr >= (double)x->budget)
        cw__lua_raiselimit(L, x, DEAD_CPU);
    if (x->dead == ALIVE && pastdeadline(x))
        cw__lua_raiselimit(L, x, DEAD_TIME);
    if (x->dead != ALIVE)
        cw__lua_raiselimit(L, x, DEAD_CPU);
    x->budget -= (long long)instr;
}

/* Seconds left before the deadline of the running load or call. */
double cw__lua_timeleft(const cw_lua *x)
{
    if (x->deadline == LLONG_MAX)
        return 1e300;
    return (double)(x->deadline - nowns()) / 1e9;
}

/* Refuse a call from a guard: note "file:line: msg" so that finishing
** can tell the refusal from other errors, and raise it. */
int cw__lua_refuse(lua_State *L, const char *msg)
{
    cw_lua *x = cw__lua_getx(L);
    lua_Debug ar;

    x->refused = 1;
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar) &&
        ar.currentline > 0)
        snprintf(x->refmsg, sizeof x->refmsg, "%s:%d: %s", ar.short_src,
                 ar.currentline, msg);
    else
        snprintf(x->refmsg, sizeof x->refmsg, "%s", msg);
    lua_pushstring(L, x->refmsg);
    return lua_error(L);
}

/* ==== Starting and ending a load or call ==== */

/* Start a load or call: fail at once on a dead state, else reset the
** per-call budget and counters. */
int cw__lua_begin(cw_lua *x, cw_err *err)
{
    if (x->dead != ALIVE)
        return limiterr(x, err);
    x->budget = x->limit > (unsigned long long)LLONG_MAX ? LLONG_MAX
                                                         : (long long)x->limit;
    x->nmemhit = x->nsysfail = x->pendkind = 0;
    x->recbytes = 0;
    x->recnomem = 0;
    x->where[0] = '\0';
    x->refused = 0;
    x->fnref = LUA_NOREF;
    x->deadline = startns(x);
    if (x->seconds * 1e9 < (double)(LLONG_MAX - x->deadline))
        x->deadline += (long long)(x->seconds * 1e9);
    else
        x->deadline = LLONG_MAX;
    return CW_OK;
}

/* 1 when the error on top of the stack is the last refusal of a guard,
** raised by cw__lua_refuse and not caught. */
static int refusal(cw_lua *x)
{
    const char *msg;

    if (!x->refused || lua_type(x->L, -1) != LUA_TSTRING)
        return 0;
    msg = lua_tostring(x->L, -1);
    return strncmp(msg, x->refmsg, strlen(x->refmsg)) == 0;
}

/*
** Turn the status of a protected call into ours: CW_ELIMIT when a limit
** was hit (even if the recipe caught the error: memory is sticky too) or
** a guard's refusal was not caught, CW_ENOMEM when mem.c failed, CW_ELUA
** with the message on top of the stack for other errors, else CW_OK.  No
** deadline runs after it.
*/
int cw__lua_finish(cw_lua *x, int status, cw_err *err)
{
    lua_State *L = x->L;
    const char *pre = x->ctx != NULL ? x->ctx : "lua";

    x->deadline = LLONG_MAX;
    if (x->dead == ALIVE && x->nmemhit > 0)
        die(x, DEAD_MEM);
    if (x->dead != ALIVE)
        return limiterr(x, err);
    if (status == LUA_OK)
        return CW_OK;
    if (status == LUA_ERRMEM || x->nsysfail > 0 || x->recnomem)
        return cw__fail(err, CW_ENOMEM, "%s: out of memory", pre);
    if (refusal(x))
        return cw__fail(err, CW_ELIMIT, "%s", x->refmsg);
    if (lua_type(L, -1) == LUA_TSTRING)
        return cw__fail(err, CW_ELUA, "%s", lua_tostring(L, -1));
    return cw__fail(err, CW_ELUA, "%s: error object is not a string", pre);
}

/*
** Message handler: the error as text plus a traceback.  An error object
** that is neither a string nor a number is only named by its type: its
** __tostring is never called.  [-1, +1]
*/
int cw__lua_msghandler(lua_State *L)
{
    const char *msg = NULL;
    int t = lua_type(L, 1);

    if (t == LUA_TSTRING || t == LUA_TNUMBER)
        msg = lua_tostring(L, 1);
    if (msg == NULL)
        msg = lua_pushfstring(L, "(error object is a %s value)",
                              luaL_typename(L, 1));
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* ==== Creating and closing the state ==== */

/*
** Create the state with the capped allocator, build the sandbox under
** lua_pcall (a memory error is then a status, never a panic) and install
** the count hook.  A memory limit too small for the state itself gives
** CW_ELIMIT.
*/
int cw__lua_open(const cw_lua_limits *lim, const char *luadir, cw_lua **out,
                 cw_err *err)
{
    cw_lua *x;
    int status, rc;

    *out = NULL;
    x = cw__alloc(sizeof *x);
    if (x == NULL)
        return cw__fail(err, CW_ENOMEM, "lua: out of memory");
    memset(x, 0, sizeof *x);
    x->limit = lim != NULL && lim->instructions != 0 ? lim->instructions
                                                     : DEF_INSTRUCTIONS;
    x->cap = lim != NULL && lim->memory != 0 ? lim->memory : DEF_MEMORY;
    x->seconds = lim != NULL && lim->seconds > 0 ? lim->seconds : DEF_SECONDS;
    x->deadline = LLONG_MAX; /* nor timed */
#ifdef CLOCK_MONOTONIC_COARSE
    {
        struct timespec res;

        if (clock_getres(CLOCK_MONOTONIC_COARSE, &res) == 0 &&
            res.tv_sec == 0 && res.tv_nsec <= 10000000)
            x->tick = res.tv_nsec; /* else 0: the fine clock */
    }
#endif
    x->fnref = LUA_NOREF;
    x->every = x->limit < HOOK_EVERY ? (int)x->limit : HOOK_EVERY;
    x->budget = LLONG_MAX; /* setup is not metered */
    if (luadir != NULL && (x->luadir = cw__strdup(luadir)) == NULL) {
        rc = cw__fail(err, CW_ENOMEM, "lua: out of memory");
        goto fail;
    }
    x->L = lua_newstate(capalloc, x);
    if (x->L != NULL)
        *(cw_lua **)lua_getextraspace(x->L) = x;
    if (x->L == NULL) {
        if (x->nmemhit > 0 && x->nsysfail == 0)
            die(x, DEAD_MEM);
        rc = x->dead != ALIVE ? limiterr(x, err)
                              : cw__fail(err, CW_ENOMEM, "lua: out of memory");
        goto fail;
    }
    lua_pushcfunction(x->L, cw__lua_psetup);
    status = lua_pcall(x->L, 0, 0, 0);
    rc = cw__lua_finish(x, status, err);
    if (rc != CW_OK)
        goto fail;
    lua_sethook(x->L, hook, LUA_MASKCOUNT, x->every);
    *out = x;
    return CW_OK;

fail:
    cw__lua_close(x);
    return rc;
}

/* Close the state (after making any Lua code run by it raise) and free. */
void cw__lua_close(cw_lua *x)
{
    if (x == NULL)
        return;
    if (x->L != NULL) {
        /* Anything run while closing raises at once. */
        x->dead = DEAD_CLOSING; /* allocation still allowed: not a limit */
        snprintf(x->limmsg, sizeof x->limmsg, "the Lua state is closing");
        lua_sethook(x->L, hook, LUA_MASKCOUNT, 1);
        lua_close(x->L);
    }
    for (size_t c = 0; c < POOL_MAX / POOL_GRAIN; c++) {
        while (x->pool[c] != NULL) {
            void *p = x->pool[c];

            UNPOISON(p, (c + 1) * POOL_GRAIN);
            x->pool[c] = *(void **)p;
            cw__free(p);
        }
    }
    for (size_t i = 0; i < x->nmiss; i++)
        cw__free(x->miss[i].name);
    cw__free(x->luadir);
    cw__free(x->owndir);
    cw__free(x->ownshown);
    cw__free(x);
}

int cw__lua_recipedir(cw_lua *x, const char *dir, const char *shown,
                      cw_err *err)
{
    char *d = cw__strdup(dir), *s = cw__strdup(shown);

    if (d == NULL || s == NULL) {
        cw__free(d);
        cw__free(s);
        return cw__fail(err, CW_ENOMEM, "lua: out of memory");
    }
    cw__free(x->owndir);
    cw__free(x->ownshown);
    x->owndir = d;
    x->ownshown = s;
    return CW_OK;
}

const char *cw__lua_recipeshown(const cw_lua *x)
{
    return x->ownshown;
}
