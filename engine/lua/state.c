/*
** state.c -- the sandboxed Lua state: one lua_State per cw_lua, its
** memory through mem.c under a byte cap, the instruction budget and the
** count hook that enforce the limits, what a state stopped by a limit
** returns, the start and end of every load or call, and creating and
** closing the state.
*/
#include "lua/luaint.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

/* The cw_lua owning 'L': it is the allocator's user data. */
cw_lua *cw__lua_getx(lua_State *L)
{
    void *ud;

    (void)lua_getallocf(L, &ud);
    return ud;
}

/* ==== Memory ==== */

static void die(cw_lua *x, int kind);

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
** The state's lua_Alloc.  'nsize' 0 frees; a shrink always succeeds (the
** old block is kept if mem.c cannot shrink it); when 'ptr' is NULL,
** 'osize' is a type tag and counts as 0.  Growth past the cap is refused.
** Lua answers a refusal with an emergency collection and one retry of the
** same request: a retry that succeeds cancels the refusal it follows, one
** that fails kills the state.  Every byte of growth is charged to the
** instruction budget (C functions such as string.upper do work in
** proportion to what they allocate), and spending it there kills the
** state too.  A killed state gets no more memory, so C functions stop at
** their next allocation and the hook raises within HOOK_EVERY
** instructions.
*/
static void *capalloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    cw_lua *x = ud;
    int retry, kind;
    void *p;

    if (ptr == NULL)
        osize = 0;
    if (nsize == 0) {
        cw__free(ptr);
        x->used -= osize;
        return NULL;
    }
    if (nsize <= osize) {
        p = cw__realloc(ptr, nsize);
        x->used -= osize - nsize;
        return p != NULL ? p : ptr;
    }
    if (x->dead == DEAD_CPU || x->dead == DEAD_MEM)
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
    p = cw__realloc(ptr, nsize);
    if (p == NULL) {
        refuse(x, ptr, nsize, 2);
        return NULL;
    }
    x->used += nsize - osize;
    x->budget -= (long long)((nsize - osize) / BYTES_PER_INSTRUCTION);
    if (x->budget <= 0 && x->dead == ALIVE)
        die(x, DEAD_CPU);
    if (retry && kind == 1)
        x->nmemhit--;
    else if (retry)
        x->nsysfail--;
    return p;
}

/* ==== Limits ==== */

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
    } else {
        fmtbytes(mem, sizeof mem, x->cap);
        snprintf(x->limmsg, sizeof x->limmsg, "memory limit of %s reached",
                 mem);
    }
}

/* Copy the error of a dead state into 'err', building it the first time
** from where the limit was hit: "recipe.lua:7: instruction limit ...". */
static int limiterr(cw_lua *x, cw_err *err)
{
    if (x->limerr.code == CW_OK) {
        if (x->where[0] != '\0')
            cw__fail(&x->limerr, CW_ELIMIT, "%s: %s", x->where, x->limmsg);
        else if (x->ctx != NULL)
            cw__fail(&x->limerr, CW_ELIMIT, "%s: %s", x->ctx, x->limmsg);
        else
            cw__fail(&x->limerr, CW_ELIMIT, "%s", x->limmsg);
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

/* Raise the error of a dead state in 'L', after making the hook fire on
** every instruction of 'L' so that no pcall can swallow it for long. */
static int raisedead(lua_State *L, cw_lua *x)
{
    lua_sethook(L, hook, LUA_MASKCOUNT, 1);
    return luaL_error(L, "%s", x->limmsg);
}

/*
** The count hook, every 'x->every' instructions (every instruction once
** dead).  Spends the budget; when it is gone, or the allocator refused
** growth at the cap, the state dies and the hook raises each time it
** runs, in this thread and in every coroutine (they inherit the hook).
*/
static void hook(lua_State *L, lua_Debug *ar)
{
    cw_lua *x = cw__lua_getx(L);

    if (x->dead == ALIVE) {
        x->budget -= x->every;
        if (x->budget > 0 && x->nmemhit == 0)
            return;
        die(x, x->nmemhit > 0 ? DEAD_MEM : DEAD_CPU);
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
** budget, killing the state when that spends it. */
void cw__lua_charge(lua_State *L, cw_lua *x, double steps)
{
    double instr = steps / STEPS_PER_INSTRUCTION;

    if (x->dead == ALIVE && instr < (double)x->budget) {
        x->budget -= (long long)instr;
        return;
    }
    cw__lua_raiselimit(L, x, DEAD_CPU);
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
    return CW_OK;
}

/*
** Turn the status of a protected call into ours: CW_ELIMIT when a limit
** was hit (even if the recipe caught the error: memory is sticky too),
** CW_ENOMEM when mem.c failed, CW_ELUA with the message on top of the
** stack for other errors, else CW_OK.
*/
int cw__lua_finish(cw_lua *x, int status, cw_err *err)
{
    lua_State *L = x->L;
    const char *pre = x->ctx != NULL ? x->ctx : "lua";

    if (x->dead == ALIVE && x->nmemhit > 0)
        die(x, DEAD_MEM);
    if (x->dead != ALIVE)
        return limiterr(x, err);
    if (status == LUA_OK)
        return CW_OK;
    if (status == LUA_ERRMEM || x->nsysfail > 0 || x->recnomem)
        return cw__fail(err, CW_ENOMEM, "%s: out of memory", pre);
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
    x->every = x->limit < HOOK_EVERY ? (int)x->limit : HOOK_EVERY;
    x->budget = LLONG_MAX; /* setup is not metered */
    if (luadir != NULL && (x->luadir = cw__strdup(luadir)) == NULL) {
        rc = cw__fail(err, CW_ENOMEM, "lua: out of memory");
        goto fail;
    }
    x->L = lua_newstate(capalloc, x);
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
    cw__free(x->luadir);
    cw__free(x);
}
