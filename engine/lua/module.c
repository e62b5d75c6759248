/*
** module.c -- the Lua C module 'crosswalk' for a stock Lua 5.4
** interpreter (require "crosswalk"): run, validate, inspect and version,
** written against the public API (crosswalk.h) only.  A recipe runs in
** the engine's own sandboxed Lua state, never in the caller's.  Misuse
** (a bad argument) raises a Lua error; a call that fails returns nil,
** the message, the status name ("EUSAGE") and its number (-7).
*/
#include "crosswalk.h"

#include <string.h>

#include <lauxlib.h>
#include <lua.h>

int luaopen_crosswalk(lua_State *L);

/* Metatables of the boxes holding a handle until it is freed. */
#define RUN_BOX "crosswalk.run"
#define INSPECTION_BOX "crosswalk.inspection"

/* The keys crosswalk.run accepts, in the order its errors list them. */
static const char *const run_keys[] = {
    "recipe",  "inputs", "out_dir",     "params",  "rejects", "db",   "home",
    "dry_run", "strict", "max_seconds", "workers", "ledger",  "full", NULL};

/* "EUSAGE" for CW_EUSAGE, from the one status list of crosswalk.h. */
static const char *status_name(int status)
{
    switch (status) {
#define CW_NAME(name, value, text)                                             \
    case value:                                                                \
        return #name;
        CW_STATUS_MAP(CW_NAME)
#undef CW_NAME
    }
    return "ERROR";
}

/* Return nil, 'msg', the name and the number of 'status'. */
static int fail(lua_State *L, const char *msg, int status)
{
    lua_pushnil(L);
    lua_pushstring(L, msg);
    lua_pushstring(L, status_name(status));
    lua_pushinteger(L, status);
    return 4;
}

/* Set field 'k' of the table on top to an unsigned count. */
static void setcount(lua_State *L, const char *k, unsigned long long n)
{
    lua_pushinteger(L, (lua_Integer)n);
    lua_setfield(L, -2, k);
}

/* Set field 'k' of the table on top to 's', or leave it nil for NULL. */
static void setstring(lua_State *L, const char *k, const char *s)
{
    if (s == NULL)
        return;
    lua_pushstring(L, s);
    lua_setfield(L, -2, k);
}

static void setboolean(lua_State *L, const char *k, int b)
{
    lua_pushboolean(L, b);
    lua_setfield(L, -2, k);
}

/* ==== Boxes: a handle freed on return, on error or by the collector ==== */

static int run_box_free(lua_State *L)
{
    cw_run **box = luaL_checkudata(L, 1, RUN_BOX);

    cw_run_free(*box);
    *box = NULL;
    return 0;
}

static int inspection_box_free(lua_State *L)
{
    cw_inspection **box = luaL_checkudata(L, 1, INSPECTION_BOX);

    cw_inspect_free(*box);
    *box = NULL;
    return 0;
}

/* Push a zeroed box of 'size' bytes and metatable 'name', to be closed
** when the calling function returns or raises an error. */
static void *newbox(lua_State *L, const char *name, size_t size)
{
    void *box = lua_newuserdatauv(L, size, 0);

    memset(box, 0, size);
    luaL_setmetatable(L, name);
    lua_toclose(L, -1);
    return box;
}

/* Register the metatable 'name' whose __gc and __close call 'fn'. */
static void boxtype(lua_State *L, const char *name, lua_CFunction fn)
{
    luaL_newmetatable(L, name);
    lua_pushcfunction(L, fn);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, fn);
    lua_setfield(L, -2, "__close");
    lua_pop(L, 1);
}

/* ==== crosswalk.run ==== */

/* Raise "crosswalk.run: unknown key 'KEY'" naming the valid keys. */
static int unknown_key(lua_State *L, const char *key)
{
    luaL_Buffer b;

    luaL_buffinit(L, &b);
    for (size_t i = 0; run_keys[i] != NULL; i++) {
        if (i > 0)
            luaL_addstring(&b, ", ");
        luaL_addstring(&b, run_keys[i]);
    }
    luaL_pushresult(&b);
    return luaL_error(L, "crosswalk.run: unknown key '%s' (valid keys: %s)",
                      key, lua_tostring(L, -1));
}

/* Raise the error of field 'key' holding the value on top, which is not
** of the type 'want'. */
static int badfield(lua_State *L, const char *key, const char *want)
{
    return luaL_error(L, "crosswalk.run: '%s' must be %s (got %s)", key, want,
                      luaL_typename(L, -1));
}

/* Check that field 'key' of the argument table is nil or of type 'type'
** (LUA_TSTRING, LUA_TBOOLEAN, LUA_TNUMBER or LUA_TTABLE). */
static void checkfield(lua_State *L, const char *key, int type)
{
    int t = lua_getfield(L, 1, key);

    if (t != LUA_TNIL && t != type)
        badfield(L, key,
                 type == LUA_TSTRING    ? "a string"
                 : type == LUA_TBOOLEAN ? "a boolean"
                 : type == LUA_TNUMBER  ? "a number"
                                        : "a table");
    lua_pop(L, 1);
}

/* Check the argument table of crosswalk.run, raising a Lua error for the
** first key that is unknown or holds a value of the wrong type. */
static void checkargs(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, 1) != 0) {
        size_t i = 0;

        if (lua_type(L, -2) == LUA_TSTRING)
            while (run_keys[i] != NULL &&
                   strcmp(run_keys[i], lua_tostring(L, -2)) != 0)
                i++;
        if (lua_type(L, -2) != LUA_TSTRING || run_keys[i] == NULL)
            unknown_key(L, luaL_tolstring(L, -2, NULL));
        lua_pop(L, 1);
    }
    if (lua_getfield(L, 1, "recipe") == LUA_TNIL)
        luaL_error(L, "crosswalk.run: 'recipe' is required");
    lua_pop(L, 1);
    checkfield(L, "recipe", LUA_TSTRING);
    checkfield(L, "out_dir", LUA_TSTRING);
    checkfield(L, "rejects", LUA_TSTRING);
    checkfield(L, "db", LUA_TSTRING);
    checkfield(L, "home", LUA_TSTRING);
    checkfield(L, "dry_run", LUA_TBOOLEAN);
    checkfield(L, "strict", LUA_TBOOLEAN);
    checkfield(L, "max_seconds", LUA_TNUMBER);
    checkfield(L, "workers", LUA_TNUMBER);
    checkfield(L, "ledger", LUA_TSTRING);
    checkfield(L, "full", LUA_TBOOLEAN);
    checkfield(L, "inputs", LUA_TTABLE);
    checkfield(L, "params", LUA_TTABLE);

    if (lua_getfield(L, 1, "inputs") == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
            if (lua_type(L, -1) != LUA_TSTRING)
                luaL_error(L,
                           "crosswalk.run: each input must be a path string "
                           "(got %s)",
                           luaL_typename(L, -1));
            if (lua_type(L, -2) != LUA_TSTRING &&
                !(lua_isinteger(L, -2) && lua_tointeger(L, -2) == 1))
                luaL_error(L,
                           "crosswalk.run: 'inputs' holds the main input at "
                           "[1] and the others as NAME = PATH (got key %s)",
                           luaL_tolstring(L, -2, NULL));
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    if (lua_getfield(L, 1, "params") == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
            if (lua_type(L, -2) != LUA_TSTRING)
                luaL_error(L,
                           "crosswalk.run: 'params' keys must be strings "
                           "(got %s)",
                           luaL_typename(L, -2));
            if (lua_type(L, -1) != LUA_TSTRING &&
                lua_type(L, -1) != LUA_TNUMBER)
                luaL_error(L,
                           "crosswalk.run: parameter '%s' must be a string "
                           "or a number (got %s)",
                           lua_tostring(L, -2), luaL_typename(L, -1));
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
}

/* String field 'key' of the (checked) argument table, NULL when nil.  The
** table keeps the string alive. */
static const char *strfield(lua_State *L, const char *key)
{
    const char *s =
        lua_getfield(L, 1, key) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;

    lua_pop(L, 1);
    return s;
}

/* Push the summary of run 'r' as a table. */
static void pushsummary(lua_State *L, const cw_run *r, int ok)
{
    cw_summary s;

    cw_run_summary(r, &s);
    lua_createtable(L, 0, 12);
    setcount(L, "read", s.read);
    setcount(L, "written", s.written);
    setcount(L, "rejected", s.rejected);
    setcount(L, "filtered", s.filtered);
    setcount(L, "merged", s.merged);
    setcount(L, "unprocessed", s.unprocessed);
    setcount(L, "warnings", s.warnings);
    if (s.ledger)
        setcount(L, "sent_before", s.sent_before);
    setstring(L, "rejects", s.rejects);
    if (!ok) {
        setstring(L, "stopped_at", s.stopped_at);
        setboolean(L, "commit_unknown", s.commit_unknown);
    }
    lua_createtable(L, (int)s.noutputs, 0);
    for (size_t i = 0; i < s.noutputs; i++) {
        unsigned long long rows = 0;

        lua_createtable(L, 0, 2);
        setstring(L, "path", cw_run_output(r, i, &rows));
        setcount(L, "rows", rows);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "outputs");
}

/* Bind the inputs of the (checked) argument table to 'r': CW_OK or the
** status of the first one that fails. */
static int bindinputs(lua_State *L, cw_run *r)
{
    int rc = CW_OK;

    if (lua_getfield(L, 1, "inputs") == LUA_TTABLE) {
        lua_pushnil(L);
        while (rc == CW_OK && lua_next(L, -2) != 0) {
            const char *name =
                lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;

            rc = cw_run_input(r, name, lua_tostring(L, -1));
            lua_pop(L, rc == CW_OK ? 1 : 2);
        }
    }
    lua_pop(L, 1);
    return rc;
}

/* Pass the parameters of the (checked) argument table to 'r'. */
static int bindparams(lua_State *L, cw_run *r)
{
    int rc = CW_OK;

    if (lua_getfield(L, 1, "params") == LUA_TTABLE) {
        lua_pushnil(L);
        while (rc == CW_OK && lua_next(L, -2) != 0) {
            /* A number becomes its text in this stack slot only. */
            rc = cw_run_param(r, lua_tostring(L, -2), lua_tostring(L, -1));
            lua_pop(L, rc == CW_OK ? 1 : 2);
        }
    }
    lua_pop(L, 1);
    return rc;
}

/*
** crosswalk.run{ recipe = PATH, inputs = { MAIN, NAME = PATH, ... },
** out_dir = DIR, params = { K = V }, rejects = PATH, db = TARGET,
** home = DIR, dry_run = BOOL, strict = BOOL, max_seconds = N,
** workers = N, ledger = TARGET, full = BOOL }: the
** summary table, or nil, message, status name, status number and, when
** the run itself failed, the summary of what it did.
*/
static int l_run(lua_State *L)
{
    cw_run **box;
    cw_err err;
    const char *s;
    int rc;

    checkargs(L);
    lua_settop(L, 1);
    box = newbox(L, RUN_BOX, sizeof *box);
    if ((rc = cw_run_new(box, &err)) != CW_OK)
        return fail(L, err.msg, rc);
    rc = bindparams(L, *box);
    if (rc == CW_OK && (s = strfield(L, "home")) != NULL)
        rc = cw_run_home(*box, s);
    if (rc == CW_OK && lua_getfield(L, 1, "max_seconds") == LUA_TNUMBER)
        rc = cw_run_max_seconds(*box, lua_tonumber(L, -1));
    lua_settop(L, 2);
    if (rc == CW_OK && lua_getfield(L, 1, "workers") == LUA_TNUMBER) {
        lua_Integer n = lua_tointeger(L, -1);

        rc = n >= 1 && n <= CW_WORKERS_MAX && lua_isinteger(L, -1)
                 ? cw_run_workers(*box, (unsigned)n)
                 : CW_EUSAGE;
        if (rc != CW_OK) {
            lua_pushfstring(L, "workers must be a whole number from 1 to %d",
                            CW_WORKERS_MAX);
            return fail(L, lua_tostring(L, -1), CW_EUSAGE);
        }
    }
    lua_settop(L, 2);
    if (rc == CW_OK)
        rc = cw_run_load(*box, strfield(L, "recipe"));
    if (rc == CW_OK)
        rc = bindinputs(L, *box);
    if (rc == CW_OK && (s = strfield(L, "out_dir")) != NULL)
        rc = cw_run_outdir(*box, s);
    if (rc == CW_OK && (s = strfield(L, "rejects")) != NULL)
        rc = cw_run_rejects(*box, s);
    if (rc == CW_OK && (s = strfield(L, "db")) != NULL)
        rc = cw_run_database(*box, s);
    if (rc == CW_OK && (s = strfield(L, "ledger")) != NULL)
        rc = cw_run_ledger(*box, s);
    if (rc == CW_OK) {
        lua_getfield(L, 1, "full");
        rc = cw_run_ledger_full(*box, lua_toboolean(L, -1));
        lua_settop(L, 2);
    }
    if (rc == CW_OK) {
        lua_getfield(L, 1, "dry_run");
        lua_getfield(L, 1, "strict");
        rc = cw_run_dryrun(*box, lua_toboolean(L, -2));
        if (rc == CW_OK)
            rc = cw_run_strict(*box, lua_toboolean(L, -1));
        lua_settop(L, 2);
    }
    if (rc != CW_OK)
        return fail(L, cw_run_errmsg(*box), rc);
    rc = cw_run_exec(*box);
    if (rc != CW_OK) {
        fail(L, cw_run_errmsg(*box), rc);
        pushsummary(L, *box, 0);
        return 5;
    }
    pushsummary(L, *box, 1);
    return 1;
}

/* ==== crosswalk.validate ==== */

/* The problems of one cw_validate() call, gathered in a Lua list. */
typedef struct gather {
    lua_State *L;
    int list;            /* stack index of the list */
    const cw_problem *p; /* the problem being added */
    int status;          /* LUA_OK, or the error of a failed add */
} gather;

/* Append the problem of the gather at argument 1 to the list at 2;
** called protected, so that running out of memory here does not jump
** through the engine. */
static int addproblem(lua_State *L)
{
    const gather *g = lua_touserdata(L, 1);
    const cw_problem *p = g->p;

    lua_createtable(L, 0, 7);
    setstring(L, "file", p->file);
    setcount(L, "line", p->line);
    setcount(L, "col", p->col);
    setstring(L, "column", p->column);
    setstring(L, "code", p->code);
    setstring(L, "message", p->message);
    setboolean(L, "warning", p->warning);
    lua_rawseti(L, 2, (lua_Integer)lua_rawlen(L, 2) + 1);
    return 0;
}

static void on_problem(void *ud, const cw_problem *p)
{
    gather *g = ud;

    if (g->status != LUA_OK)
        return;
    g->p = p;
    lua_pushcfunction(g->L, addproblem);
    lua_pushlightuserdata(g->L, g);
    lua_pushvalue(g->L, g->list);
    g->status = lua_pcall(g->L, 2, 0, 0); /* an error stays on top */
}

/* An optional string argument: nil (NULL) or a string, not a number. */
static const char *optstring(lua_State *L, int arg)
{
    if (lua_isnoneornil(L, arg))
        return NULL;
    luaL_checktype(L, arg, LUA_TSTRING);
    return lua_tostring(L, arg);
}

/*
** crosswalk.validate(schema, path [, home]): ok (no errors; warnings may
** remain) and the list of problems, or nil, message, status name and
** number when the file could not be checked.
*/
static int l_validate(lua_State *L)
{
    const char *schema, *path, *home;
    unsigned long nerrors = 0;
    gather g;
    cw_err err;
    int rc;

    luaL_checktype(L, 1, LUA_TSTRING);
    luaL_checktype(L, 2, LUA_TSTRING);
    home = optstring(L, 3);
    schema = lua_tostring(L, 1);
    path = lua_tostring(L, 2);
    lua_settop(L, 3);
    lua_newtable(L);
    luaL_checkstack(L, 8, NULL);
    g.L = L;
    g.list = 4;
    g.p = NULL;
    g.status = LUA_OK;
    rc = cw_validate(home, schema, path, on_problem, &g, &nerrors, &err);
    if (g.status != LUA_OK)
        return lua_error(L);
    if (rc != CW_OK)
        return fail(L, err.msg, rc);
    lua_pushboolean(L, nerrors == 0);
    lua_pushvalue(L, 4);
    return 2;
}

/* ==== crosswalk.inspect ==== */

/* Push a list of the 'n' strings that 'get' gives for 0 .. n - 1. */
static void pushnames(lua_State *L, const cw_inspection *x, size_t n,
                      const char *(*get)(const cw_inspection *, size_t))
{
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, get(x, i));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

static const char *missing_name(const cw_inspection *x, size_t i)
{
    return cw_inspect_missing(x, i, NULL);
}

/* Push the ranked candidates of 'x' as a list of tables. */
static void pushcandidates(lua_State *L, const cw_inspection *x, size_t n)
{
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        cw_inspectcand c;

        if (cw_inspect_candidate(x, i, &c) != CW_OK)
            break;
        lua_createtable(L, 0, 7);
        setstring(L, "schema", c.schema);
        setboolean(L, "matches", c.matches);
        setcount(L, "recognised", c.recognised);
        setcount(L, "missing", c.missing);
        setcount(L, "missing_required", c.missing_required);
        setcount(L, "unexpected", c.unexpected);
        lua_pushnumber(L, c.score);
        lua_setfield(L, -2, "score");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

/*
** crosswalk.inspect(path [, home]): a table of the findings, or nil,
** message, status name and number when the file could not be inspected.
*/
static int l_inspect(lua_State *L)
{
    cw_inspection **box;
    cw_inspectinfo in;
    const char *path, *home;
    cw_err err;
    int rc, req, n;

    luaL_checktype(L, 1, LUA_TSTRING);
    home = optstring(L, 2);
    path = lua_tostring(L, 1);
    lua_settop(L, 2);
    box = newbox(L, INSPECTION_BOX, sizeof *box);
    if ((rc = cw_inspect_new(home, path, box, &err)) != CW_OK)
        return fail(L, err.msg, rc);
    cw_inspect_info(*box, &in);
    lua_createtable(L, 0, 20);
    setstring(L, "file", in.file);
    lua_pushlstring(L, &in.delimiter, 1);
    lua_setfield(L, -2, "delimiter");
    lua_pushlstring(L, &in.quote, 1);
    lua_setfield(L, -2, "quote");
    setstring(L, "encoding", in.encoding);
    if (in.bad_utf8_line > 0)
        setcount(L, "bad_utf8_line", in.bad_utf8_line);
    setboolean(L, "bom", in.bom);
    setstring(L, "line_endings", in.line_endings);
    setcount(L, "rows", in.rows);
    setcount(L, "bad_rows", in.bad_rows);
    setstring(L, "first_problem", in.first_problem);
    pushnames(L, *box, in.ncolumns, cw_inspect_column);
    lua_setfield(L, -2, "columns");
    setstring(L, "schema", in.schema);
    setstring(L, "title", in.title);
    setstring(L, "closest", in.closest);
    setboolean(L, "exact", in.exact);
    pushnames(L, *box, in.nmissing, missing_name);
    lua_setfield(L, -2, "missing");
    lua_newtable(L);
    n = 0;
    for (size_t i = 0; i < in.nmissing; i++) {
        const char *m = cw_inspect_missing(*box, i, &req);

        if (req) {
            lua_pushstring(L, m);
            lua_rawseti(L, -2, ++n);
        }
    }
    lua_setfield(L, -2, "missing_required");
    pushnames(L, *box, in.nunexpected, cw_inspect_unexpected);
    lua_setfield(L, -2, "unexpected");
    pushcandidates(L, *box, in.ncandidates);
    lua_setfield(L, -2, "candidates");
    return 1;
}

/* ==== crosswalk.version and the module ==== */

/* crosswalk.version(): the library's version, "MAJOR.MINOR.PATCH". */
static int l_version(lua_State *L)
{
    lua_pushstring(L, cw_version());
    return 1;
}

int luaopen_crosswalk(lua_State *L)
{
    static const luaL_Reg funcs[] = {{"run", l_run},
                                     {"validate", l_validate},
                                     {"inspect", l_inspect},
                                     {"version", l_version},
                                     {NULL, NULL}};

    boxtype(L, RUN_BOX, run_box_free);
    boxtype(L, INSPECTION_BOX, inspection_box_free);
    luaL_newlib(L, funcs);
    return 1;
}
