/*
** luabridge.c -- the sandboxed Lua state, the only engine file that
** includes the Lua headers.  Owns one lua_State per cw_lua (memory goes
** through mem.c under a byte cap), turns recipe files into node trees and
** lends records to recipe functions; records are borrowed per call.
*/
#include "lua/luabridge.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

/*
** Limits of the sandbox.  Each is enforced inside the state, so a recipe
** sees a Lua error (for the string and table guards) or is stopped for
** good (instruction and memory limits).
*/
#define DEF_INSTRUCTIONS 50000000ULL    /* per load or call */
#define DEF_MEMORY ((size_t)64 << 20)   /* bytes held by the state */
#define HOOK_EVERY 1000                 /* instructions between hook calls */
#define BYTES_PER_INSTRUCTION 1         /* allocation charged to the budget */
#define MAX_SUBJECT ((size_t)1 << 20)   /* subject of find/match/gsub */
#define MAX_PATTERN 256                 /* bytes of one pattern */
#define MAX_REP ((size_t)16 << 20)      /* result of string.rep */
#define MAX_PATTERN_STEPS 1e9           /* worst-case steps of one match */
#define STEPS_PER_INSTRUCTION 10        /* match steps charged as one */
#define MAX_MOVE ((lua_Integer)1 << 24) /* elements table.* may shift */
#define MAX_DEPTH 64                    /* nesting of a returned table */
#define RECORD_MT "cw.record"           /* registry name of the proxy type */

enum { ALIVE, DEAD_CPU, DEAD_MEM, DEAD_CLOSING };

struct cw_lua {
    lua_State *L;             /* the state, NULL until created */
    char *luadir;             /* directory holding crosswalk/, or NULL */
    size_t used;              /* bytes the state holds */
    size_t cap;               /* memory limit in bytes */
    unsigned long long limit; /* instructions per load or call */
    int every;                /* hook period in instructions */
    long long budget;         /* instructions left in this load or call */
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
};

/* The cw_lua owning 'L': it is the allocator's user data. */
static cw_lua *getx(lua_State *L)
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
    cw_lua *x = getx(L);

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
static int raiselimit(lua_State *L, cw_lua *x, int kind)
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
static void charge(lua_State *L, cw_lua *x, double steps)
{
    double instr = steps / STEPS_PER_INSTRUCTION;

    if (x->dead == ALIVE && instr < (double)x->budget) {
        x->budget -= (long long)instr;
        return;
    }
    raiselimit(L, x, DEAD_CPU);
}

/* Start a load or call: fail at once on a dead state, else reset the
** per-call budget and counters. */
static int begin(cw_lua *x, cw_err *err)
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
static int finish(cw_lua *x, int status, cw_err *err)
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
static int msghandler(lua_State *L)
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

/* ==== Sandboxed base functions ==== */

/* Call the original C function kept as upvalue 1 with the same
** arguments.  The originals used here have no upvalues of their own. */
static int callorig(lua_State *L)
{
    return lua_tocfunction(L, lua_upvalueindex(1))(L);
}

/* load(chunk [, name [, mode [, env]]]): text chunks only; the default
** environment is the sandbox's global table. */
static int sb_load(lua_State *L)
{
    const char *mode = luaL_optstring(L, 3, "t");

    if (strcmp(mode, "t") != 0)
        return luaL_error(L,
                          "load: only text chunks are allowed in recipes "
                          "(mode '%s' refused)",
                          mode);
    if (lua_gettop(L) < 3)
        lua_settop(L, 3);
    lua_pushliteral(L, "t");
    lua_replace(L, 3);
    return callorig(L);
}

/* collectgarbage("count") only: the collector is not the recipe's. */
static int sb_collectgarbage(lua_State *L)
{
    const char *opt = luaL_optstring(L, 1, "collect");
    int kb, b;

    if (strcmp(opt, "count") != 0)
        return luaL_error(L, "collectgarbage('%s') is not allowed in recipes",
                          opt);
    kb = lua_gc(L, LUA_GCCOUNT);
    b = lua_gc(L, LUA_GCCOUNTB);
    lua_pushnumber(L, (lua_Number)kb + (lua_Number)b / 1024);
    return 1;
}

/* setmetatable without __gc: finalizers run with hooks off, so a loop in
** one would escape the instruction limit. */
static int sb_setmetatable(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL)
            return luaL_error(L, "__gc metamethods are not allowed in recipes");
        lua_pop(L, 1);
    }
    return callorig(L);
}

/* Reading an undefined global: always a mistake in a recipe. */
static int g_index(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TSTRING)
        return luaL_error(L, "undefined global '%s'", lua_tostring(L, 2));
    return luaL_error(L, "undefined global (a %s key)", luaL_typename(L, 2));
}

/* Assigning an undefined global: recipes declare locals. */
static int g_newindex(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TSTRING)
        return luaL_error(L, "assignment to undefined global '%s'",
                          lua_tostring(L, 2));
    return luaL_error(L, "assignment to undefined global (a %s key)",
                      luaL_typename(L, 2));
}

/* ==== Guards on string and table functions ==== */

/* 1 when the pattern has no magic characters (find does a plain search). */
static int nospecials(const char *p, size_t lp)
{
    for (size_t i = 0; i < lp; i++)
        if (p[i] != '\0' && strchr("^$*+?.([%-", p[i]) != NULL)
            return 0;
    return 1;
}

/* Index just past the set that starts at 'p[i]' == '[' (as lstrlib's
** classEnd reads it), or 'lp' when the set is not closed. */
static size_t setend(const char *p, size_t lp, size_t i)
{
    i++;
    if (i < lp && p[i] == '^')
        i++;
    do {
        if (i >= lp)
            return lp;
        if (p[i++] == '%' && i < lp)
            i++;
    } while (i < lp && p[i] != ']');
    return i < lp ? i + 1 : lp;
}

/* 1 when only ')' follow index 'i' of the pattern. */
static int onlyclose(const char *p, size_t lp, size_t i)
{
    while (i < lp && p[i] == ')')
        i++;
    return i == lp;
}

/*
** An upper bound on the steps of lstrlib's backtracking matcher for
** pattern 'p' over a subject of 'ls' bytes: (ls + 1)^k * 2^q, where k
** counts the start positions tried (1 unless 'anchorable' and the pattern
** starts with '^'), each quantifier '*', '+' or '-' that is followed by
** more pattern, each %b and back-reference; q counts '?'.  The bound is
** coarse (it ignores which characters can match) but cheap, and refuses
** the classic ("a"):rep(3000):find(".-.-.-b"), O(n^4).
*/
static double patsteps(const char *p, size_t lp, size_t ls, int anchorable)
{
    double n = (double)ls + 1, steps = 1;
    int k = 1, q = 0;
    size_t i = 0;

    if (anchorable && lp > 0 && p[0] == '^') {
        k = 0;
        i = 1;
    }
    while (i < lp) {
        char c = p[i];
        char d = i + 1 < lp ? p[i + 1] : '\0';

        if (c == '(' || c == ')' || (c == '$' && i + 1 == lp)) {
            i++;
            continue;
        }
        if (c == '%' && (d == 'b' || (d >= '0' && d <= '9'))) {
            k++;
            i += d == 'b' ? 4 : 2;
            continue;
        }
        if (c == '%' && d == 'f') {
            i += 2;
            if (i < lp && p[i] == '[')
                i = setend(p, lp, i);
            continue;
        }
        if (c == '%')
            i += 2;
        else if (c == '[')
            i = setend(p, lp, i);
        else
            i++;
        if (i < lp && p[i] != '\0' && strchr("*+-?", p[i]) != NULL) {
            if (p[i++] == '?')
                q++;
            else if (!onlyclose(p, lp, i))
                k++;
        }
    }
    for (int j = 0; j < k && steps < 1e30; j++)
        steps *= n;
    for (int j = 0; j < q && steps < 1e30; j++)
        steps *= 2;
    return steps;
}

enum { PAT_FIND, PAT_MATCH, PAT_GMATCH, PAT_GSUB };

/*
** Check the subject and pattern of a string.find/match/gmatch/gsub call
** ('kind'), charge its worst case to the budget and call the original.
** C functions run unmetered, so this is what stops a recipe from burning
** CPU inside the matcher.  Residual risk: the bound can be loose in both
** directions for odd patterns; other C work that scans long strings
** without allocating ('==', '<', utf8.len, tonumber) stays unmetered and
** only process isolation bounds it.
*/
static int patguard(lua_State *L, int kind)
{
    cw_lua *x = getx(L);
    size_t ls, lp;
    const char *p;
    double steps;
    char msg[160];

    (void)luaL_checklstring(L, 1, &ls);
    p = luaL_checklstring(L, 2, &lp);
    if (ls > MAX_SUBJECT)
        return luaL_error(L, "string too long for pattern functions in a "
                             "recipe (limit 1 MiB)");
    if (lp > MAX_PATTERN)
        return luaL_error(L, "pattern too long for a recipe (limit 256 "
                             "bytes)");
    if (kind == PAT_FIND && (lua_toboolean(L, 4) || nospecials(p, lp)))
        steps = (double)ls + 1;
    else
        steps = patsteps(p, lp, ls, kind != PAT_GMATCH);
    if (steps > MAX_PATTERN_STEPS) {
        snprintf(msg, sizeof msg,
                 "pattern too complex for a recipe: up to %.3g steps over "
                 "%zu bytes (limit %.0e)",
                 steps, ls, MAX_PATTERN_STEPS);
        return luaL_error(L, "%s", msg);
    }
    charge(L, x, steps);
    return callorig(L);
}

/* The guarded string.find, string.match, string.gmatch, string.gsub. */
static int str_find(lua_State *L)
{
    return patguard(L, PAT_FIND);
}

/* See str_find. */
static int str_match(lua_State *L)
{
    return patguard(L, PAT_MATCH);
}

/* See str_find. */
static int str_gmatch(lua_State *L)
{
    return patguard(L, PAT_GMATCH);
}

/* See str_find. */
static int str_gsub(lua_State *L)
{
    return patguard(L, PAT_GSUB);
}

/* string.rep with a 16 MiB result at most ("" repeated is answered here:
** lstrlib would loop 'n' times to build it). */
static int str_rep(lua_State *L)
{
    size_t l, lsep = 0;
    lua_Integer n;
    double total;

    (void)luaL_checklstring(L, 1, &l);
    n = luaL_checkinteger(L, 2);
    (void)luaL_optlstring(L, 3, "", &lsep);
    if (n <= 0 || l + lsep == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    total = (double)l * (double)n + (double)lsep * (double)(n - 1);
    if (total > (double)MAX_REP)
        return luaL_error(L, "string.rep result too large for a recipe "
                             "(limit 16 MiB)");
    return callorig(L);
}

/* table.insert and table.remove shift up to #t elements in C: refuse a
** __len that claims more than MAX_MOVE. */
static int tab_shift(lua_State *L)
{
    lua_Integer n;

    if (luaL_getmetafield(L, 1, "__len") != LUA_TNIL) {
        lua_pop(L, 1);
        n = luaL_len(L, 1);
        if (n > MAX_MOVE || n < -MAX_MOVE)
            return luaL_error(L, "table length too large for table.insert "
                                 "or table.remove in a recipe");
    }
    return callorig(L);
}

/* table.move of MAX_MOVE elements at most, charged to the budget. */
static int tab_move(lua_State *L)
{
    lua_Integer f = luaL_checkinteger(L, 2);
    lua_Integer e = luaL_checkinteger(L, 3);

    if (e >= f) {
        lua_Unsigned n = (lua_Unsigned)e - (lua_Unsigned)f;

        if (n >= (lua_Unsigned)MAX_MOVE)
            return luaL_error(L, "table.move range too large for a recipe "
                                 "(limit 16777216 elements)");
        charge(L, getx(L), (double)n * STEPS_PER_INSTRUCTION);
    }
    return callorig(L);
}

/* Replace function 'name' of the table at 'idx' by 'fn', which gets the
** original as upvalue 1.  [-0, +0] */
static void wrap(lua_State *L, int idx, const char *name, lua_CFunction fn)
{
    lua_getfield(L, idx, name);
    lua_pushcclosure(L, fn, 1);
    lua_setfield(L, idx, name);
}

/* ==== require ==== */

/* 1 when 'name' is "crosswalk." followed by dot-separated words of
** letters, digits and '_'. */
static int modname_ok(const char *name, size_t len)
{
    static const char pre[] = "crosswalk.";
    size_t word = 0;

    if (len <= sizeof pre - 1 || len > 128 ||
        memcmp(name, pre, sizeof pre - 1) != 0)
        return 0;
    for (size_t i = sizeof pre - 1; i < len; i++) {
        char c = name[i];

        if (c == '.' && word > 0)
            word = 0;
        else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 (c >= '0' && c <= '9') || c == '_')
            word++;
        else
            return 0;
    }
    return word > 0;
}

struct freader {
    FILE *f;        /* the module file */
    char buf[1024]; /* its bytes, a block at a time */
};

/* lua_Reader over a FILE. */
static const char *readf(lua_State *L, void *ud, size_t *size)
{
    struct freader *r = ud;

    (void)L;
    *size = fread(r->buf, 1, sizeof r->buf, r->f);
    return *size > 0 ? r->buf : NULL;
}

/*
** require(name): only modules under luadir/crosswalk/, loaded as text
** with the sandbox as environment, run once and cached in upvalue 1.
*/
static int sb_require(lua_State *L)
{
    cw_lua *x = getx(L);
    size_t len;
    const char *name = luaL_checklstring(L, 1, &len);
    char path[1024], chunk[160];
    struct freader r;
    int n, status;

    if (x->luadir == NULL || !modname_ok(name, len))
        return luaL_error(L, "module '%s' not allowed in recipes", name);
    lua_settop(L, 1);
    lua_pushvalue(L, 1);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL)
        return 1; /* cached */
    lua_pop(L, 1);
    n = snprintf(path, sizeof path, "%s/%s.lua", x->luadir, name);
    if (n < 0 || (size_t)n >= sizeof path)
        return luaL_error(L, "module '%s': path too long", name);
    snprintf(chunk, sizeof chunk, "=%s.lua", name);
    for (char *c = path + strlen(x->luadir) + 1; *c != '\0'; c++)
        if (*c == '.' && strcmp(c, ".lua") != 0)
            *c = '/';
    for (char *c = chunk; *c != '\0'; c++)
        if (*c == '.' && strcmp(c, ".lua") != 0)
            *c = '/';
    r.f = fopen(path, "rb");
    if (r.f == NULL)
        return luaL_error(L, "module '%s' not found (%s: %s)", name, path,
                          strerror(errno));
    status = lua_load(L, readf, &r, chunk, "t");
    if (ferror(r.f) && status == LUA_OK) {
        fclose(r.f);
        return luaL_error(L, "module '%s': read error on %s", name, path);
    }
    fclose(r.f);
    if (status != LUA_OK)
        return lua_error(L);
    lua_pushglobaltable(L);
    (void)lua_setupvalue(L, -2, 1);
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, 1);
    lua_pushvalue(L, -2);
    lua_rawset(L, lua_upvalueindex(1));
    return 1;
}

/* ==== The record proxy ==== */

/*
** A proxy is a light userdata whose value is the tag of the call it was
** lent to; all light userdata share the "cw.record" metatable.  Nothing
** is allocated per row, and a proxy kept from an earlier call no longer
** matches 'x->gen', so using it raises instead of reaching a record that
** is gone.
*/
static cw_rec *torec(lua_State *L, cw_lua *x)
{
    if (x->rec == NULL || lua_type(L, 1) != LUA_TLIGHTUSERDATA ||
        (uintptr_t)lua_touserdata(L, 1) != x->gen)
        luaL_error(L, "record used after its callback returned");
    return x->rec;
}

/* rec.name: the field as a string, nil when null or no such column. */
static int rec_index(lua_State *L)
{
    cw_lua *x = getx(L);
    cw_rec *rec = torec(L, x);
    size_t len;
    const char *name;
    long i;
    cw_field f;

    if (lua_type(L, 2) != LUA_TSTRING) {
        lua_pushnil(L);
        return 1;
    }
    name = lua_tolstring(L, 2, &len);
    i = cw__layout_find(rec->layout, name, len);
    f = i >= 0 ? cw__rec_get(rec, (size_t)i) : (cw_field){NULL, 0};
    if (f.p == NULL)
        lua_pushnil(L);
    else
        lua_pushlstring(L, f.p, f.len);
    return 1;
}

/*
** rec.name = v: a string as is, a number as tostring writes it, a
** boolean as "true"/"false", nil as null (nothing for a column that does
** not exist).  A new name adds a column.  The bytes stored in one call
** count against the memory limit: the record's arena is outside the
** state but the recipe fills it.
*/
static int rec_newindex(lua_State *L)
{
    cw_lua *x = getx(L);
    cw_rec *rec = torec(L, x);
    size_t len, vlen = 0;
    const char *name, *v = NULL;
    long i;
    size_t cost;
    int rc;

    if (lua_type(L, 2) != LUA_TSTRING)
        return luaL_error(L, "record fields are named by strings, not by a %s",
                          luaL_typename(L, 2));
    name = lua_tolstring(L, 2, &len);
    switch (lua_type(L, 3)) {
    case LUA_TSTRING:
    case LUA_TNUMBER:
        v = lua_tolstring(L, 3, &vlen);
        break;
    case LUA_TBOOLEAN:
        v = lua_toboolean(L, 3) ? "true" : "false";
        vlen = strlen(v);
        break;
    case LUA_TNIL:
        break;
    default:
        return luaL_error(L, "cannot store a %s in field '%s'",
                          luaL_typename(L, 3), name);
    }
    i = cw__layout_find(rec->layout, name, len);
    if (i < 0 && v == NULL)
        return 0;
    cost = vlen + (i < 0 ? len + 64 : 0);
    if (cost > x->cap - x->recbytes)
        return raiselimit(L, x, DEAD_MEM);
    x->recbytes += cost;
    if (i < 0)
        rc = cw__rec_setname(rec, name, len, v, vlen);
    else
        rc = cw__rec_set(rec, (size_t)i, v, vlen);
    if (rc != CW_OK) {
        x->recnomem = 1;
        return luaL_error(L, "out of memory storing field '%s'", name);
    }
    return 0;
}

/* tostring(rec): "cw.record (file:line)". */
static int rec_tostring(lua_State *L)
{
    cw_rec *rec = torec(L, getx(L));

    if (rec->file != NULL)
        lua_pushfstring(L, "cw.record (%s:%I)", rec->file,
                        (lua_Integer)rec->line);
    else
        lua_pushliteral(L, "cw.record");
    return 1;
}

/* Iterator of pairs(rec): the next non-null field after column 'key'. */
static int rec_next(lua_State *L)
{
    cw_rec *rec = torec(L, getx(L));
    size_t i = 0, n = cw__layout_count(rec->layout);

    if (lua_type(L, 2) == LUA_TSTRING) {
        size_t len;
        const char *k = lua_tolstring(L, 2, &len);
        long at = cw__layout_find(rec->layout, k, len);

        if (at < 0)
            return luaL_error(L, "invalid key to 'next'");
        i = (size_t)at + 1;
    }
    for (; i < n; i++) {
        cw_field f = cw__rec_get(rec, i);

        if (f.p != NULL) {
            lua_pushstring(L, cw__layout_name(rec->layout, i));
            lua_pushlstring(L, f.p, f.len);
            return 2;
        }
    }
    lua_pushnil(L);
    return 1;
}

/* pairs(rec): the columns with a value, in layout order. */
static int rec_pairs(lua_State *L)
{
    (void)torec(L, getx(L));
    lua_pushcfunction(L, rec_next);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

static const luaL_Reg record_meta[] = {
    {"__index", rec_index},
    {"__newindex", rec_newindex},
    {"__tostring", rec_tostring},
    {"__pairs", rec_pairs},
    {NULL, NULL},
};

/* Push a proxy for 'rec', valid until unlend().  [-0, +1] */
static void lend(lua_State *L, cw_lua *x, cw_rec *rec)
{
    x->rec = rec;
    x->gen++;
    lua_pushlightuserdata(L, (void *)x->gen);
}

/* ==== Parameters ==== */

/* Writing to params: it is read-only. */
static int ro_newindex(lua_State *L)
{
    return luaL_error(L, "params is read-only");
}

/* Iterator over the real parameter table (upvalue 1). */
static int ro_next(lua_State *L)
{
    lua_settop(L, 2);
    if (lua_next(L, lua_upvalueindex(1)) != 0)
        return 2;
    lua_pushnil(L);
    return 1;
}

/* pairs(params). */
static int ro_pairs(lua_State *L)
{
    lua_getmetatable(L, 1);
    lua_getfield(L, -1, "__index");
    lua_pushcclosure(L, ro_next, 1);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

/* Set global 'params' to a read-only view of the 'n' pairs in 'kv'.  A
** missing parameter reads as nil.  [-0, +0] */
static void setparams(lua_State *L, const char *const *kv, size_t n)
{
    lua_newtable(L); /* the view */
    lua_createtable(L, 0, 4);
    lua_createtable(L, 0, (int)(n < 1000 ? n : 1000));
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, kv[2 * i + 1]);
        lua_setfield(L, -2, kv[2 * i]);
    }
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, ro_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushcfunction(L, ro_pairs);
    lua_setfield(L, -2, "__pairs");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_pushglobaltable(L);
    lua_insert(L, -2);
    lua_pushliteral(L, "params");
    lua_insert(L, -2);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

/* ==== Creating the state ==== */

/*
** Build the sandbox, run by lua_pcall so that a memory error is a
** status: open base, coroutine, string, table, math and utf8; remove
** what reaches outside; wrap what runs unmetered; protect the shared
** string metatable; register the record type; make _G strict.
*/
static int psetup(lua_State *L)
{
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},
        {LUA_COLIBNAME, luaopen_coroutine},
        {LUA_STRLIBNAME, luaopen_string},
        {LUA_TABLIBNAME, luaopen_table},
        {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8},
        {NULL, NULL},
    };
    static const char *const gone[] = {"dofile", "loadfile", "print", "warn",
                                       NULL};
    int g;

    for (const luaL_Reg *lib = libs; lib->func != NULL; lib++) {
        luaL_requiref(L, lib->name, lib->func, 1);
        lua_pop(L, 1);
    }
    lua_pushglobaltable(L);
    g = lua_gettop(L);
    for (const char *const *name = gone; *name != NULL; name++) {
        lua_pushnil(L);
        lua_setfield(L, g, *name);
    }
    lua_pushcfunction(L, sb_collectgarbage);
    lua_setfield(L, g, "collectgarbage");
    wrap(L, g, "load", sb_load);
    wrap(L, g, "setmetatable", sb_setmetatable);
    lua_newtable(L); /* require's cache */
    lua_pushcclosure(L, sb_require, 1);
    lua_setfield(L, g, "require");

    lua_getfield(L, g, LUA_STRLIBNAME);
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    wrap(L, g + 1, "find", str_find);
    wrap(L, g + 1, "match", str_match);
    wrap(L, g + 1, "gmatch", str_gmatch);
    wrap(L, g + 1, "gsub", str_gsub);
    wrap(L, g + 1, "rep", str_rep);
    lua_pop(L, 1);
    lua_getfield(L, g, LUA_TABLIBNAME);
    wrap(L, g + 1, "insert", tab_shift);
    wrap(L, g + 1, "remove", tab_shift);
    wrap(L, g + 1, "move", tab_move);
    lua_pop(L, 1);

    /* getmetatable("") returns false: the string methods stay ours. */
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);

    /* Reproducible runs: math.random always starts from seed 0. */
    lua_getfield(L, g, LUA_MATHLIBNAME);
    lua_getfield(L, -1, "randomseed");
    lua_pushinteger(L, 0);
    lua_call(L, 1, 0);
    lua_pop(L, 1);

    /* The record proxy type: the metatable of every light userdata. */
    luaL_newmetatable(L, RECORD_MT);
    luaL_setfuncs(L, record_meta, 0);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pushlightuserdata(L, NULL);
    lua_insert(L, -2);
    lua_setmetatable(L, -2);
    lua_pop(L, 1);

    setparams(L, NULL, 0);

    /* Strict globals, last: setting them up assigned new globals.
    ** rawset(_G, name, v) still works on purpose: it is the explicit way
    ** to declare a global and reaches nothing outside this state. */
    lua_createtable(L, 0, 3);
    lua_pushcfunction(L, g_index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, g_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, g);
    return 0;
}

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
    lua_pushcfunction(x->L, psetup);
    status = lua_pcall(x->L, 0, 0, 0);
    rc = finish(x, status, err);
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

/* ==== Loading files into node trees ==== */

struct pathkey {
    const char *k; /* string key (borrowed from the Lua stack), or NULL */
    size_t klen;   /* its length */
    lua_Integer i; /* integer key when 'k' is NULL */
};

struct conv {
    const char *name;                   /* file name for messages */
    cw_node *root;                      /* the tree being built */
    const void *anc[MAX_DEPTH + 1];     /* tables on the current path */
    struct pathkey path[MAX_DEPTH + 1]; /* keys on the current path */
    cw_err err;                         /* what went wrong */
};

/* 1 when the 'len' bytes at 'k' form a Lua identifier. */
static int isident(const char *k, size_t len)
{
    if (len == 0 || (k[0] >= '0' && k[0] <= '9'))
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = k[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return 1;
}

/* Record a usage error 'what' at the first 'depth' keys of the path, as
** "recipe.lua: steps[3].map: what". */
static int usage(struct conv *c, int depth, const char *what)
{
    char path[256];
    size_t n = 0;

    path[0] = '\0';
    for (int d = 0; d < depth && n < sizeof path; d++) {
        const struct pathkey *p = &c->path[d];
        int w;

        if (p->k != NULL && isident(p->k, p->klen))
            w = snprintf(path + n, sizeof path - n, "%s%.*s", d ? "." : "",
                         (int)p->klen, p->k);
        else if (p->k != NULL)
            w = snprintf(path + n, sizeof path - n, "[\"%.*s\"]",
                         (int)(p->klen < 40 ? p->klen : 40), p->k);
        else
            w = snprintf(path + n, sizeof path - n, "[" LUA_INTEGER_FMT "]",
                         (LUAI_UACINT)p->i);
        n += w > 0 ? (size_t)w : 0;
    }
    return cw__fail(&c->err, CW_EUSAGE, "%s: %s: %s", c->name,
                    depth > 0 ? path : "top level", what);
}

/* Describe the key at 'idx' for an error message. */
static void keydesc(lua_State *L, int idx, char *buf, size_t size)
{
    if (lua_isinteger(L, idx))
        snprintf(buf, size,
                 "unsupported key type (integer key " LUA_INTEGER_FMT ")",
                 (LUAI_UACINT)lua_tointeger(L, idx));
    else if (lua_type(L, idx) == LUA_TNUMBER)
        snprintf(buf, size,
                 "unsupported key type (float key " LUA_NUMBER_FMT ")",
                 (LUAI_UACNUMBER)lua_tonumber(L, idx));
    else if (lua_type(L, idx) == LUA_TSTRING)
        snprintf(buf, size, "unsupported key type (a string with a NUL byte)");
    else
        snprintf(buf, size, "unsupported key type (%s key)",
                 luaL_typename(L, idx));
}

static int fill(lua_State *L, struct conv *c, int idx, cw_node *n, int depth);

/*
** Fill table node 'n' from the table at stack index 'idx' (absolute),
** reached through 'depth' keys.  Keys 1..n go to the array part in order,
** string keys to the map; any other key is a usage error.  Children are
** attached before they are filled, so the tree is always whole for
** cw__node_free even if luaL_ref raises.  [-0, +0, m]
*/
static int filltable(lua_State *L, struct conv *c, int idx, cw_node *n,
                     int depth)
{
    const void *self = lua_topointer(L, idx);
    lua_Integer nint = 0, maxint = 0;
    int top = lua_gettop(L), rc;
    char what[96];

    n->type = CW_NODE_TABLE;
    for (int d = 0; d < depth; d++)
        if (c->anc[d] == self)
            return usage(c, depth, "the table contains itself (a cycle)");
    if (depth >= MAX_DEPTH)
        return usage(c, depth, "tables nested too deeply (limit 64)");
    if (!lua_checkstack(L, 4))
        return cw__fail(&c->err, CW_ENOMEM, "%s: out of memory", c->name);
    c->anc[depth] = self;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        size_t kl = 0;
        const char *k = NULL;

        if (lua_type(L, -2) == LUA_TSTRING)
            k = lua_tolstring(L, -2, &kl);
        if (lua_isinteger(L, -2) && lua_tointeger(L, -2) >= 1) {
            nint++;
            if (lua_tointeger(L, -2) > maxint)
                maxint = lua_tointeger(L, -2);
        } else if (k == NULL || memchr(k, '\0', kl) != NULL) {
            keydesc(L, -2, what, sizeof what);
            lua_settop(L, top);
            return usage(c, depth, what);
        }
        lua_pop(L, 1);
    }
    if (nint != maxint) {
        snprintf(what, sizeof what,
                 "unsupported key type (integer key " LUA_INTEGER_FMT
                 " in a table that is not a sequence 1..n)",
                 (LUAI_UACINT)maxint);
        return usage(c, depth, what);
    }
    for (lua_Integer i = 1; i <= nint; i++) {
        cw_node *child = cw__node_new(CW_NODE_NIL);

        if (child == NULL || cw__node_push(n, child) != CW_OK)
            return cw__fail(&c->err, CW_ENOMEM, "%s: out of memory", c->name);
        lua_rawgeti(L, idx, i);
        c->path[depth] = (struct pathkey){NULL, 0, i};
        rc = fill(L, c, top + 1, child, depth + 1);
        lua_settop(L, top);
        if (rc != CW_OK)
            return rc;
    }
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        if (lua_type(L, -2) == LUA_TSTRING) {
            size_t kl;
            const char *k = lua_tolstring(L, -2, &kl);
            cw_node *child = cw__node_new(CW_NODE_NIL);

            if (child == NULL || cw__node_setkey(n, k, kl, child) != CW_OK) {
                lua_settop(L, top);
                return cw__fail(&c->err, CW_ENOMEM, "%s: out of memory",
                                c->name);
            }
            c->path[depth] = (struct pathkey){k, kl, 0};
            rc = fill(L, c, top + 2, child, depth + 1);
            if (rc != CW_OK) {
                lua_settop(L, top);
                return rc;
            }
        }
        lua_pop(L, 1);
    }
    cw__node_finish(n);
    return CW_OK;
}

/* Fill node 'n' from the value at stack index 'idx' (absolute).
** [-0, +0, m] */
static int fill(lua_State *L, struct conv *c, int idx, cw_node *n, int depth)
{
    size_t len;
    const char *s;
    char what[64];

    switch (lua_type(L, idx)) {
    case LUA_TBOOLEAN:
        n->type = CW_NODE_BOOL;
        n->b = lua_toboolean(L, idx);
        return CW_OK;
    case LUA_TNUMBER:
        n->type = CW_NODE_NUM;
        n->isint = lua_isinteger(L, idx);
        n->num =
            n->isint ? (double)lua_tointeger(L, idx) : lua_tonumber(L, idx);
        return CW_OK;
    case LUA_TSTRING:
        s = lua_tolstring(L, idx, &len);
        n->str = cw__strndup(s, len);
        if (n->str == NULL)
            return cw__fail(&c->err, CW_ENOMEM, "%s: out of memory", c->name);
        n->type = CW_NODE_STR;
        n->len = len;
        return CW_OK;
    case LUA_TFUNCTION:
        lua_pushvalue(L, idx);
        n->ref = luaL_ref(L, LUA_REGISTRYINDEX);
        n->type = CW_NODE_FUNC;
        return CW_OK;
    case LUA_TTABLE:
        return filltable(L, c, idx, n, depth);
    default:
        snprintf(what, sizeof what, "unsupported value type (%s)",
                 luaL_typename(L, idx));
        return usage(c, depth, what);
    }
}

/* Protected: convert the table at argument 2 into 'c->root' (argument 1
** is the struct conv).  Returns the status as an integer. */
static int pconvert(lua_State *L)
{
    struct conv *c = lua_touserdata(L, 1);

    lua_pushinteger(L, fill(L, c, 2, c->root, 0));
    return 1;
}

struct loadctx {
    const char *buf;           /* the chunk's text */
    size_t len;                /* its length */
    const char *chunkname;     /* "=recipe.lua" */
    const char *const *params; /* k0, v0, k1, v1, ... */
    size_t nparams;            /* pairs in 'params' */
};

/* Protected: compile the chunk (text only) and set 'params'; return the
** chunk, or raise the syntax error. */
static int pload(lua_State *L)
{
    struct loadctx *c = lua_touserdata(L, 1);

    if (luaL_loadbufferx(L, c->buf, c->len, c->chunkname, "t") != LUA_OK)
        return lua_error(L);
    lua_pushglobaltable(L);
    (void)lua_setupvalue(L, -2, 1); /* _ENV: the sandbox */
    setparams(L, c->params, c->nparams);
    return 1;
}

/* Read file 'path' into 'b', at most 'max' bytes. */
static int readfile(const char *path, const char *name, size_t max, cw_buf *b,
                    cw_err *err)
{
    FILE *f = fopen(path, "rb");
    int rc = CW_OK;

    if (f == NULL)
        return cw__fail(err, CW_EIO, "%s: cannot open: %s", path,
                        strerror(errno));
    for (;;) {
        size_t n;
        char *p = cw__grow(b->p, &b->cap, b->len + 4096, 1);

        if (p == NULL) {
            rc = cw__fail(err, CW_ENOMEM, "%s: out of memory", name);
            break;
        }
        b->p = p;
        n = fread(b->p + b->len, 1, b->cap - b->len, f);
        b->len += n;
        if (b->len > max) {
            rc = cw__fail(err, CW_EUSAGE,
                          "%s: file too large for the Lua "
                          "memory limit",
                          name);
            break;
        }
        if (n == 0) {
            if (ferror(f))
                rc = cw__fail(err, CW_EIO, "%s: read error", path);
            break;
        }
    }
    fclose(f);
    return rc;
}

/*
** Read the file, refuse bytecode, then in three protected calls: compile
** it as text and set params; run it with the message handler; convert
** its table.  The Lua stack is left as found.
*/
int cw__lua_loadfile(cw_lua *x, const char *path, const char *const *params,
                     size_t nparams, cw_node **out, cw_err *err)
{
    lua_State *L = x->L;
    const char *name =
        strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
    char chunkname[128];
    cw_buf src = {0};
    struct loadctx lc;
    struct conv *c = NULL;
    int base = lua_gettop(L), status, nres, rc;

    *out = NULL;
    rc = begin(x, err);
    if (rc != CW_OK)
        return rc;
    rc = readfile(path, name, x->cap, &src, err);
    if (rc != CW_OK)
        goto done;
    lc = (struct loadctx){src.p, src.len, chunkname, params, nparams};
    if (lc.len >= 3 && memcmp(lc.buf, "\xEF\xBB\xBF", 3) == 0) {
        lc.buf += 3; /* a UTF-8 byte order mark */
        lc.len -= 3;
    }
    if (lc.len > 0 && lc.buf[0] == LUA_SIGNATURE[0]) {
        rc = cw__fail(err, CW_ELUA,
                      "%s: binary (precompiled) chunks are not "
                      "accepted",
                      name);
        goto done;
    }
    if (lc.len > 0 && lc.buf[0] == '#') {
        while (lc.len > 0 && lc.buf[0] != '\n') { /* "#!" line */
            lc.buf++;
            lc.len--;
        }
    }
    snprintf(chunkname, sizeof chunkname, "=%s", name);
    x->ctx = name;

    lua_pushcfunction(L, msghandler); /* base + 1 */
    lua_pushcfunction(L, pload);
    lua_pushlightuserdata(L, &lc);
    status = lua_pcall(L, 1, 1, 0); /* the chunk at base + 2 */
    if (status == LUA_OK)
        status = lua_pcall(L, 0, LUA_MULTRET, base + 1);
    rc = finish(x, status, err);
    if (rc != CW_OK)
        goto done;
    nres = lua_gettop(L) - (base + 1);
    lua_settop(L, base + 2);
    if (nres == 0 || lua_type(L, base + 2) != LUA_TTABLE) {
        rc = cw__fail(err, CW_EUSAGE,
                      "%s: the file must return a table, got %s%s", name,
                      nres == 0 ? "" : "a ",
                      nres == 0 ? "nothing" : luaL_typename(L, base + 2));
        goto done;
    }
    c = cw__alloc(sizeof *c);
    if (c == NULL || (c->root = cw__node_new(CW_NODE_NIL)) == NULL) {
        rc = cw__fail(err, CW_ENOMEM, "%s: out of memory", name);
        goto done;
    }
    c->name = name;
    c->err.code = CW_OK;
    lua_pushcfunction(L, pconvert);
    lua_pushlightuserdata(L, c);
    lua_pushvalue(L, base + 2);
    status = lua_pcall(L, 2, 1, 0);
    rc = finish(x, status, err);
    if (rc == CW_OK && lua_tointeger(L, -1) != CW_OK)
        rc = cw__errcopy(err, &c->err);
    if (rc == CW_OK) {
        *out = c->root;
        c->root = NULL;
    }

done:
    if (c != NULL)
        cw__node_free(c->root);
    cw__free(c);
    cw__buf_free(&src);
    x->ctx = NULL;
    lua_settop(L, base);
    return rc;
}

/* ==== Calling recipe functions ==== */

/* Call function 'ref' on a proxy of 'rec' with 'nres' results, the
** message handler at base + 1 and the results from base + 2. */
static int callfn(cw_lua *x, int ref, cw_rec *rec, int nres, int base,
                  cw_err *err)
{
    lua_State *L = x->L;
    int status;

    lua_pushcfunction(L, msghandler);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    lend(L, x, rec);
    status = lua_pcall(L, 1, nres, base + 1);
    x->rec = NULL;
    return finish(x, status, err);
}

/* Fail with CW_ELUA for a function 'ref' that returned 'got', naming
** where the function is defined and what it 'must' return. */
static int badresult(cw_lua *x, int ref, const char *must, const char *got,
                     cw_err *err)
{
    lua_State *L = x->L;
    lua_Debug ar;

    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    if (lua_getinfo(L, ">S", &ar) && ar.linedefined > 0)
        return cw__fail(err, CW_ELUA, "%s:%d: function must return %s (got %s)",
                        ar.short_src, ar.linedefined, must, got);
    return cw__fail(err, CW_ELUA, "function must return %s (got %s)", must,
                    got);
}

/* Call a row function and read its verdict; the stack is left as found. */
int cw__lua_call_rec(cw_lua *x, int ref, cw_rec *rec, int *verdict,
                     cw_buf *reason, cw_err *err)
{
    lua_State *L = x->L;
    int base = lua_gettop(L), rc, t1, t2;
    char got[48];

    *verdict = CW_FN_KEEP;
    reason->len = 0;
    if (reason->p != NULL)
        reason->p[0] = '\0';
    rc = begin(x, err);
    if (rc != CW_OK)
        return rc;
    rc = callfn(x, ref, rec, 2, base, err);
    if (rc != CW_OK)
        goto done;
    t1 = lua_type(L, base + 2);
    t2 = lua_type(L, base + 3);
    if (t1 == LUA_TBOOLEAN) {
        *verdict = lua_toboolean(L, base + 2) ? CW_FN_KEEP : CW_FN_DROP;
    } else if (t1 == LUA_TNIL && t2 == LUA_TSTRING) {
        size_t len;
        const char *s = lua_tolstring(L, base + 3, &len);

        *verdict = CW_FN_REJECT;
        if (cw__buf_add(reason, s, len) != CW_OK)
            rc = cw__fail(err, CW_ENOMEM, "lua: out of memory");
    } else if (t1 != LUA_TNIL || t2 != LUA_TNIL) {
        if (t1 == LUA_TNIL)
            snprintf(got, sizeof got, "nil and a %s", lua_typename(L, t2));
        else
            snprintf(got, sizeof got, "a %s", lua_typename(L, t1));
        rc = badresult(x, ref, "true, false, or nil and a reason", got, err);
    }

done:
    lua_settop(L, base);
    return rc;
}

/* Append the number at 'idx' to 'out' as Lua's tostring writes it,
** without allocating in the state: "3", "3.0", "0.1", "1e+100". */
static int addnumber(lua_State *L, int idx, cw_buf *out)
{
    char buf[64];
    int n;

    if (lua_isinteger(L, idx)) {
        n = snprintf(buf, sizeof buf, LUA_INTEGER_FMT,
                     (LUAI_UACINT)lua_tointeger(L, idx));
    } else {
        n = snprintf(buf, sizeof buf, LUA_NUMBER_FMT,
                     (LUAI_UACNUMBER)lua_tonumber(L, idx));
        if (n > 0 && buf[strspn(buf, "-0123456789")] == '\0') {
            buf[n++] = '.';
            buf[n++] = '0';
        }
    }
    return cw__buf_add(out, buf, n > 0 ? (size_t)n : 0);
}

/* Call a value function and convert its result without allocating in
** the state; the stack is left as found. */
int cw__lua_call_value(cw_lua *x, int ref, cw_rec *rec, cw_buf *out,
                       int *isnull, cw_err *err)
{
    lua_State *L = x->L;
    int base = lua_gettop(L), rc;
    size_t len;
    const char *s;
    char got[48];

    out->len = 0;
    if (out->p != NULL)
        out->p[0] = '\0';
    *isnull = 0;
    rc = begin(x, err);
    if (rc != CW_OK)
        return rc;
    rc = callfn(x, ref, rec, 1, base, err);
    if (rc != CW_OK)
        goto done;
    switch (lua_type(L, base + 2)) {
    case LUA_TSTRING:
        s = lua_tolstring(L, base + 2, &len);
        rc = cw__buf_add(out, s, len);
        break;
    case LUA_TNUMBER:
        rc = addnumber(L, base + 2, out);
        break;
    case LUA_TBOOLEAN:
        rc = cw__buf_adds(out, lua_toboolean(L, base + 2) ? "true" : "false");
        break;
    case LUA_TNIL:
        *isnull = 1;
        break;
    default:
        snprintf(got, sizeof got, "a %s", luaL_typename(L, base + 2));
        rc = badresult(x, ref, "a string, number, boolean or nil", got, err);
        goto done;
    }
    if (rc != CW_OK)
        rc = cw__fail(err, CW_ENOMEM, "lua: out of memory");

done:
    lua_settop(L, base);
    return rc;
}
