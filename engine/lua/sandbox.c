/*
** sandbox.c -- what a recipe can reach in the state: the libraries
** opened and the functions removed, the sandboxed base functions
** (load, collectgarbage, setmetatable), strict globals, the guards that
** meter or bound string, utf8 and table functions running unmetered in
** C, and require, which loads modules from the recipe folder's lua/ and
** the home's lua/ only.  cw__lua_psetup builds it all.
*/
#include "lua/luaint.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

/* ==== Sandboxed base functions ==== */

/* Call the original C function kept as upvalue 1 with the same
** arguments.  The originals used here have no upvalues of their own. */
static int callorig(lua_State *L)
{
    return lua_tocfunction(L, lua_upvalueindex(1))(L);
}

/* Charge the bytes of the string argument 'arg', if it is one, to the
** budget as the allocator charges bytes: C work that scans it. */
static void chargestr(lua_State *L, int arg)
{
    size_t len;

    if (lua_type(L, arg) == LUA_TSTRING) {
        (void)lua_tolstring(L, arg, &len);
        cw__lua_charge(L, cw__lua_getx(L),
                       (double)len / BYTES_PER_INSTRUCTION *
                           STEPS_PER_INSTRUCTION);
    }
}

/* load(chunk [, name [, mode [, env]]]): text chunks only; the default
** environment is the sandbox's global table; compiling a string chunk is
** charged by its length. */
static int sb_load(lua_State *L)
{
    const char *mode = luaL_optstring(L, 3, "t");

    if (strcmp(mode, "t") != 0)
        return luaL_error(L,
                          "load: only text chunks are allowed in recipes "
                          "(mode '%s' refused)",
                          mode);
    chargestr(L, 1);
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
** directions for odd patterns.  A match whose bound would not end by
** the deadline at STEPS_PER_SECOND is stopped as past it before it
** starts: a single match is the longest work one C call can do.  '=='
** and '<' on long strings run in the VM: the hook's clock bounds a loop
** of them.
*/
static int patguard(lua_State *L, int kind)
{
    cw_lua *x = cw__lua_getx(L);
    size_t ls, lp;
    const char *p;
    double steps;
    char msg[160];

    (void)luaL_checklstring(L, 1, &ls);
    p = luaL_checklstring(L, 2, &lp);
    if (ls > MAX_SUBJECT)
        return cw__lua_refuse(L, "string too long for pattern functions in a "
                                 "recipe (limit 1 MiB)");
    if (lp > MAX_PATTERN)
        return cw__lua_refuse(L, "pattern too long for a recipe (limit 256 "
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
        return cw__lua_refuse(L, msg);
    }
    if (steps / STEPS_PER_SECOND > cw__lua_timeleft(x))
        return cw__lua_raiselimit(L, x, DEAD_TIME);
    cw__lua_charge(L, x, steps);
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
        return cw__lua_refuse(L, "string.rep result too large for a recipe "
                                 "(limit 16 MiB)");
    return callorig(L);
}

/* utf8.len, utf8.codepoint, utf8.offset and tonumber scan their string
** argument in C without allocating: charge its length first. */
static int str_scan(lua_State *L)
{
    chargestr(L, 1);
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
            return cw__lua_refuse(L, "table length too large for "
                                     "table.insert or table.remove in a "
                                     "recipe");
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
            return cw__lua_refuse(L, "table.move range too large for a "
                                     "recipe (limit 16777216 elements)");
        cw__lua_charge(L, cw__lua_getx(L), (double)n * STEPS_PER_INSTRUCTION);
    }
    return callorig(L);
}

/* table.sort: charge n log2 n comparisons, one instruction each (a Lua
** comparison function is metered on top, as it runs). */
static int tab_sort(lua_State *L)
{
    lua_Integer n;

    luaL_checktype(L, 1, LUA_TTABLE);
    n = luaL_len(L, 1);
    if (n > 1)
        cw__lua_charge(L, cw__lua_getx(L),
                       (double)n * ceil(log2((double)n)) *
                           STEPS_PER_INSTRUCTION);
    return callorig(L);
}

/* table.concat(t, sep, i, j): charge an instruction per element; the
** result's bytes are charged by the allocator. */
static int tab_concat(lua_State *L)
{
    lua_Integer i, j;

    luaL_checktype(L, 1, LUA_TTABLE);
    i = luaL_optinteger(L, 3, 1);
    j = lua_isnoneornil(L, 4) ? luaL_len(L, 1) : luaL_checkinteger(L, 4);
    if (j >= i)
        cw__lua_charge(L, cw__lua_getx(L),
                       ((double)j - (double)i + 1) * STEPS_PER_INSTRUCTION);
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

/* 1 when 'name' is dot-separated words of letters, digits and '_', at
** most 128 characters: it can name no parent folder, no absolute path
** and no file outside a lua/ folder. */
static int modname_ok(const char *name, size_t len)
{
    size_t word = 0;

    if (len == 0 || len > 128)
        return 0;
    for (size_t i = 0; i < len; i++) {
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
    size_t total;   /* bytes read so far */
    int binary;     /* its first byte starts a precompiled chunk */
    char buf[1024]; /* its bytes, a block at a time */
};

/* lua_Reader over a FILE, noting a precompiled chunk. */
static const char *readf(lua_State *L, void *ud, size_t *size)
{
    struct freader *r = ud;

    (void)L;
    *size = fread(r->buf, 1, sizeof r->buf, r->f);
    if (r->total == 0 && *size > 0 && r->buf[0] == LUA_SIGNATURE[0])
        r->binary = 1;
    r->total += *size;
    return *size > 0 ? r->buf : NULL;
}

/* Lua's libraries that the sandbox withholds, and those it opens: the
** names are never looked up as files. */
static const char *const withheld[] = {"io", "os", "debug", "package", NULL};
static const char *const builtin[] = {"string", "table",     "math",
                                      "utf8",   "coroutine", NULL};

/* The cache value of a module that is loading. */
static char loading;

/*
** Load module 'name' from the file 'real' as text, with the sandbox as
** its environment, and call it with its name: the value it returns is
** left on the stack ('shown' names the file in messages).
*/
static int loadmodule(lua_State *L, const char *name, const char *real,
                      const char *shown)
{
    struct freader r = {0};
    char chunk[420];
    int status;

    snprintf(chunk, sizeof chunk, "=%s", shown);
    r.f = fopen(real, "rb");
    if (r.f == NULL)
        return luaL_error(L, "module '%s': %s: %s", name, shown,
                          strerror(errno));
    status = lua_load(L, readf, &r, chunk, "t");
    if (ferror(r.f)) {
        fclose(r.f);
        return luaL_error(L, "module '%s': read error on %s", name, shown);
    }
    fclose(r.f);
    if (r.binary)
        return luaL_error(L,
                          "module '%s': %s is a precompiled (binary) chunk; "
                          "modules load as text only",
                          name, shown);
    if (status != LUA_OK)
        return lua_error(L);
    /* Compiling is C work: charge its bytes as load() does. */
    cw__lua_charge(L, cw__lua_getx(L),
                   (double)r.total / BYTES_PER_INSTRUCTION *
                       STEPS_PER_INSTRUCTION);
    lua_pushglobaltable(L);
    (void)lua_setupvalue(L, -2, 1);
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
    return 1;
}

/*
** require(name): the module file NAME/with/dots/as/slashes.lua in the
** recipe folder's lua/, then in the home's lua/; text only, run once in
** the sandbox and cached in upvalue 1.  A file reached through a symbolic
** link that leads outside its lua/ folder is refused.
*/
static int sb_require(lua_State *L)
{
    cw_lua *x = cw__lua_getx(L);
    size_t len, nlooked = 0;
    const char *name = luaL_checklstring(L, 1, &len);
    char rel[140], root[1200], path[1400], shown[400], real[CW_PATH_MAX];
    char looked[2900];

    if (x->luadir == NULL && x->owndir == NULL)
        return luaL_error(L, "require('%s'): modules load only in recipes",
                          name);
    if (!modname_ok(name, len))
        return luaL_error(L,
                          "module name '%s' refused: a module name is words "
                          "of letters, digits and '_' joined by dots, such "
                          "as 'crosswalk.text' or 'mylib.zip'",
                          name);
    for (const char *const *w = withheld; *w != NULL; w++)
        if (strcmp(name, *w) == 0)
            return luaL_error(L,
                              "module '%s' is not available in recipes (the "
                              "sandbox has no io, os, debug or package)",
                              name);
    for (const char *const *b = builtin; *b != NULL; b++)
        if (strcmp(name, *b) == 0) {
            lua_getglobal(L, name); /* as stock Lua's require gives it */
            return 1;
        }
    lua_settop(L, 1);
    lua_pushvalue(L, 1);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) {
        if (lua_touserdata(L, -1) == &loading)
            return luaL_error(L,
                              "module '%s' is required again while it loads "
                              "(modules that require each other), or its "
                              "first load failed",
                              name);
        return 1; /* cached */
    }
    lua_pop(L, 1);
    snprintf(rel, sizeof rel, "%s.lua", name);
    for (char *c = rel; *c != '\0'; c++)
        if (*c == '.' && strcmp(c, ".lua") != 0)
            *c = '/';
    looked[0] = '\0';
    /* The recipe folder's lua/ first, then the home's. */
    for (int i = 0; i < 2; i++) {
        const char *dir = i == 0 ? x->owndir : x->luadir;
        int n, found;

        if (dir == NULL)
            continue;
        n = i == 0 ? snprintf(root, sizeof root, "%s/lua", dir)
                   : snprintf(root, sizeof root, "%s", dir);
        if (n < 0 || (size_t)n >= sizeof root ||
            (size_t)snprintf(path, sizeof path, "%s/%s", root, rel) >=
                sizeof path)
            return luaL_error(L, "module '%s': path too long", name);
        if (i == 0)
            snprintf(shown, sizeof shown, "%s/lua/%s", x->ownshown, rel);
        else
            snprintf(shown, sizeof shown, "%s", rel);
        found = cw__path_inside(root, path, real);
        if (found == CW_PATH_MISSING) {
            n = snprintf(looked + nlooked, sizeof looked - nlooked, "%s%s",
                         nlooked > 0 ? ", nor " : "", path);
            if (n > 0)
                nlooked += (size_t)n < sizeof looked - nlooked
                               ? (size_t)n
                               : sizeof looked - nlooked - 1;
            continue;
        }
        if (found == CW_PATH_OUTSIDE)
            return luaL_error(L,
                              "module '%s' refused: %s is a symbolic link "
                              "to a file outside %s",
                              name, path, root);
        if (found == CW_PATH_ERROR)
            return luaL_error(L, "module '%s': %s: %s", name, path,
                              strerror(errno));
        lua_pushvalue(L, 1);
        lua_pushlightuserdata(L, &loading);
        lua_rawset(L, lua_upvalueindex(1));
        loadmodule(L, name, real, shown);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            lua_pushboolean(L, 1);
        }
        lua_pushvalue(L, 1);
        lua_pushvalue(L, -2);
        lua_rawset(L, lua_upvalueindex(1));
        return 1;
    }
    return luaL_error(L, "module '%s' not found (no file %s)", name, looked);
}

/* ==== Building the sandbox ==== */

/*
** Build the sandbox, run by lua_pcall so that a memory error is a
** status: open base, coroutine, string, table, math and utf8; remove
** what reaches outside; wrap what runs unmetered; protect the shared
** string metatable; register the record type; make _G strict.
*/
int cw__lua_psetup(lua_State *L)
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
    wrap(L, g, "tonumber", str_scan);
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
    wrap(L, g + 1, "sort", tab_sort);
    wrap(L, g + 1, "concat", tab_concat);
    lua_pop(L, 1);
    lua_getfield(L, g, LUA_UTF8LIBNAME);
    wrap(L, g + 1, "len", str_scan);
    wrap(L, g + 1, "codepoint", str_scan);
    wrap(L, g + 1, "offset", str_scan);
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

    cw__lua_openrecord(L);
    cw__lua_setparams(L, NULL, 0);

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
