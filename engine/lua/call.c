/*
** call.c -- calling recipe functions: a row function on a lent record
** and its verdict (keep, drop, reject with a reason), or a value
** function and its result as a string or null.
*/
#include "lua/luaint.h"

#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

/* Call function 'ref' on a proxy of 'rec' with 'nres' results
** (LUA_MULTRET: all), the message handler at base + 1 and the results from
** base + 2. */
static int callfn(cw_lua *x, int ref, cw_rec *rec, int nres, int base,
                  cw_err *err)
{
    lua_State *L = x->L;
    int status;

    x->fnref = ref; /* to name it if it runs past the deadline */
    lua_pushcfunction(L, cw__lua_msghandler);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    cw__lua_lend(L, x, rec);
    status = lua_pcall(L, 1, nres, base + 1);
    x->rec = NULL;
    return cw__lua_finish(x, status, err);
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
    int base = lua_gettop(L), rc, n, t1, t2;
    char got[48];

    *verdict = CW_FN_KEEP;
    reason->len = 0;
    if (reason->p != NULL)
        reason->p[0] = '\0';
    rc = cw__lua_begin(x, err);
    if (rc != CW_OK)
        return rc;
    /* All its results: a function that returns none (the usual case) is
    ** told by the top of the stack alone. */
    rc = callfn(x, ref, rec, LUA_MULTRET, base, err);
    if (rc != CW_OK || (n = lua_gettop(L) - base - 1) == 0)
        goto done;
    t1 = lua_type(L, base + 2);
    t2 = n >= 2 ? lua_type(L, base + 3) : LUA_TNIL;
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
    rc = cw__lua_begin(x, err);
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
