/*
** test_luabridge.c -- unit tests for the sandboxed Lua bridge: node trees
** from files, escapes that must fail, sandbox limits, the lent record
** proxy, require, and out-of-memory sweeps.  Fixtures: tests/data/luabridge.
*/
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "lua/luabridge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Path of fixture 'name' (static storage, overwritten by the next call). */
static const char *data(const char *name)
{
    static char path[1024];
    const char *root = getenv("CW_SOURCE_DIR");

    snprintf(path, sizeof path, "%s/tests/data/luabridge/%s",
             root != NULL ? root : ".", name);
    return path;
}

/* The module directory of the fixtures (a fresh static buffer). */
static const char *luadir(void)
{
    static char path[1024];

    snprintf(path, sizeof path, "%s", data("lua"));
    return path;
}

/* Seconds on a monotonic clock. */
static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Open a state with 'instructions' and 'memory' limits (0: defaults) and
** a deadline no test but the deadline tests comes near, so that a slow
** machine never turns another limit's test into a deadline. */
static cw_lua *open_state(unsigned long long instructions, size_t memory)
{
    cw_lua_limits lim = {instructions, memory, 600};
    cw_lua *x = NULL;
    cw_err err;

    assert_int_equal(cw__lua_open(&lim, luadir(), &x, &err), CW_OK);
    assert_non_null(x);
    return x;
}

/* Load fixture 'name' into 'x', which must succeed. */
static cw_node *load_ok(cw_lua *x, const char *name)
{
    cw_node *tree = NULL;
    cw_err err = {0};
    int rc = cw__lua_loadfile(x, data(name), NULL, 0, &tree, &err);

    if (rc != CW_OK)
        fail_msg("loading %s: %s", name, err.msg);
    assert_non_null(tree);
    return tree;
}

/* Load fixture 'name', expecting status 'want' and 'text' in the message. */
static void load_fails(cw_lua *x, const char *name, int want, const char *text)
{
    cw_node *tree = (cw_node *)1;
    cw_err err = {0};
    int rc = cw__lua_loadfile(x, data(name), NULL, 0, &tree, &err);

    if (rc != want || strstr(err.msg, text) == NULL)
        fail_msg("%s: got %d \"%s\", want %d with \"%s\"", name, rc, err.msg,
                 want, text);
    assert_null(tree);
    assert_int_equal(err.code, want);
}

/* The function reference at key 'key' of 'tree'. */
static int fnref(const cw_node *tree, const char *key)
{
    const cw_node *n = cw__node_get(tree, key);

    if (n == NULL || n->type != CW_NODE_FUNC)
        fail_msg("no function '%s'", key);
    return n->ref;
}

/* A layout and record with first=Ann, last=Lee, empty=null,
** email=ann@x.org. */
struct fixture {
    cw_layout *layout; /* column names */
    cw_rec rec;        /* the record */
};

/* Fill  with that layout and record. */
static void make_record(struct fixture *f)
{
    assert_int_equal(cw__layout_new(&f->layout), CW_OK);
    cw__rec_init(&f->rec, f->layout);
    assert_int_equal(cw__rec_setname(&f->rec, "first", 5, "Ann", 3), CW_OK);
    assert_int_equal(cw__rec_setname(&f->rec, "last", 4, "Lee", 3), CW_OK);
    assert_int_equal(cw__rec_setname(&f->rec, "empty", 5, NULL, 0), CW_OK);
    assert_int_equal(cw__rec_setname(&f->rec, "email", 5, "ann@x.org", 9),
                     CW_OK);
    f->rec.file = "in.csv";
    f->rec.line = 7;
}

/* Free what make_record() made. */
static void free_record(struct fixture *f)
{
    cw__rec_free(&f->rec);
    cw__layout_free(f->layout);
}

/* Field 'name' of 'rec' as a NUL-terminated copy in 'buf', or NULL. */
static const char *field(const cw_rec *rec, const char *name, char *buf,
                         size_t size)
{
    long i = cw__layout_find(rec->layout, name, strlen(name));
    cw_field f;

    if (i < 0)
        return NULL;
    f = cw__rec_get(rec, (size_t)i);
    if (f.p == NULL)
        return NULL;
    snprintf(buf, size, "%.*s", (int)f.len, f.p);
    return buf;
}

/* Call 'key' of 'tree' as a value function on 'rec'; store the text in
** 'out' ("<null>" for null) and return the status. */
static int value(cw_lua *x, const cw_node *tree, const char *key, cw_rec *rec,
                 char *out, size_t size, cw_err *err)
{
    cw_buf b = {0};
    int isnull = -1;
    int rc = cw__lua_call_value(x, fnref(tree, key), rec, &b, &isnull, err);

    if (rc == CW_OK)
        snprintf(out, size, "%s", isnull ? "<null>" : b.p);
    else
        snprintf(out, size, "<error>");
    if (rc == CW_OK && isnull)
        assert_int_equal(b.len, 0);
    cw__buf_free(&b);
    return rc;
}

/* Call 'key', expecting success with text 'want'. */
static void value_is(cw_lua *x, const cw_node *tree, const char *key,
                     cw_rec *rec, const char *want)
{
    char out[256];
    cw_err err = {0};
    int rc = value(x, tree, key, rec, out, sizeof out, &err);

    if (rc != CW_OK || strcmp(out, want) != 0)
        fail_msg("%s: got %d \"%s\" (%s), want \"%s\"", key, rc, out, err.msg,
                 want);
}

/* Call 'key', expecting status 'want' and 'text' in the message. */
static void value_fails(cw_lua *x, const cw_node *tree, const char *key,
                        cw_rec *rec, int want, const char *text)
{
    char out[256];
    cw_err err = {0};
    int rc = value(x, tree, key, rec, out, sizeof out, &err);

    if (rc != want || strstr(err.msg, text) == NULL)
        fail_msg("%s: got %d \"%s\", want %d with \"%s\"", key, rc, err.msg,
                 want, text);
}

/* ==== Loading ==== */

/* A recipe table becomes the exact node tree; params are visible. */
static void test_luabridge_load_tree(void **state)
{
    static const char *const params[] = {"region", "NE", "prefix", "P"};
    cw_lua *x = open_state(0, 0);
    cw_node *tree = NULL;
    const cw_node *n, *steps, *s;
    cw_err err;

    (void)state;
    assert_int_equal(
        cw__lua_loadfile(x, data("recipe.lua"), params, 2, &tree, &err), CW_OK);
    assert_int_equal(tree->type, CW_NODE_TABLE);
    assert_int_equal(tree->narr, 0);
    assert_int_equal(tree->nkeys, 11);
    /* Keys are sorted. */
    assert_string_equal(tree->keys[0], "big");
    assert_string_equal(tree->keys[10], "version");
    assert_string_equal(cw__node_str(tree, "name", NULL), "demo");
    assert_string_equal(cw__node_str(tree, "prefix", NULL), "P");
    assert_string_equal(cw__node_str(tree, "region", NULL), "NE");
    n = cw__node_get(tree, "version");
    assert_int_equal(n->type, CW_NODE_NUM);
    assert_int_equal(n->isint, 1);
    assert_true(n->num == 3);
    n = cw__node_get(tree, "ratio");
    assert_int_equal(n->isint, 0);
    assert_true(n->num == 0.5);
    n = cw__node_get(tree, "big");
    assert_int_equal(n->isint, 0);
    assert_true(n->num == 9007199254740992.0);
    assert_int_equal(cw__node_get(tree, "enabled")->type, CW_NODE_BOOL);
    assert_int_equal(cw__node_get(tree, "enabled")->b, 1);
    assert_int_equal(cw__node_get(tree, "off")->b, 0);
    n = cw__node_get(tree, "empty");
    assert_int_equal(n->type, CW_NODE_TABLE);
    assert_int_equal(n->narr + n->nkeys, 0);
    assert_int_equal(cw__node_get(tree, "transform")->type, CW_NODE_FUNC);

    steps = cw__node_get(tree, "steps");
    assert_int_equal(steps->type, CW_NODE_TABLE);
    assert_int_equal(steps->narr, 3);
    assert_int_equal(steps->nkeys, 0);
    s = steps->arr[0];
    assert_string_equal(cw__node_str(s, "kind", NULL), "map");
    n = cw__node_get(s, "map");
    assert_int_equal(n->nkeys, 2);
    assert_string_equal(n->keys[0], "First Name");
    assert_string_equal(n->vals[0]->str, "first_name");
    assert_int_equal(n->vals[0]->len, 10);
    assert_string_equal(cw__node_str(n, "email", NULL), "email");
    s = steps->arr[1];
    assert_int_equal(cw__node_get(s, "fn")->type, CW_NODE_FUNC);
    assert_true(cw__node_get(s, "fn")->ref != fnref(tree, "transform"));
    n = cw__node_get(steps->arr[2], "items");
    assert_int_equal(n->narr, 3);
    assert_string_equal(n->arr[0]->str, "a");
    assert_string_equal(n->arr[1]->str, "b");
    assert_int_equal(n->arr[2]->type, CW_NODE_NUM);
    assert_true(n->arr[2]->num == 3);
    cw__node_free(tree);

    /* Without parameters: params.prefix is nil, so the default is used
    ** and region is absent. */
    tree = load_ok(x, "recipe.lua");
    assert_string_equal(cw__node_str(tree, "prefix", NULL), "none");
    assert_null(cw__node_get(tree, "region"));
    cw__node_free(tree);
    cw__lua_close(x);
}

/* The file must return a table. */
static void test_luabridge_load_not_table(void **state)
{
    cw_lua *x = open_state(0, 0);

    (void)state;
    load_fails(x, "notable.lua", CW_EUSAGE,
               "notable.lua: the file must return a table, got a nil");
    load_fails(x, "nothing.lua", CW_EUSAGE,
               "nothing.lua: the file must return a table, got nothing");
    cw__lua_close(x);
}

/* Syntax and runtime errors carry the file name and line. */
static void test_luabridge_load_errors(void **state)
{
    cw_lua *x = open_state(0, 0);

    (void)state;
    load_fails(x, "syntax.lua", CW_ELUA,
               "syntax.lua:3: unexpected symbol near '='");
    load_fails(x, "runtime.lua", CW_ELUA,
               "runtime.lua:2: attempt to index a nil value (local 't')");
    load_fails(x, "runtime.lua", CW_ELUA, "stack traceback");
    load_fails(x, "no-such-file.lua", CW_EIO, "no-such-file.lua: cannot open");
    /* The state is still usable. */
    cw__node_free(load_ok(x, "recipe.lua"));
    cw__lua_close(x);
}

/* Keys that are not 1..n or strings, cycles and odd values are usage
** errors naming the path. */
static void test_luabridge_load_bad_shapes(void **state)
{
    cw_lua *x = open_state(0, 0);

    (void)state;
    load_fails(x, "badkey.lua", CW_EUSAGE,
               "badkey.lua: steps[3].map: unsupported key type (boolean key)");
    load_fails(x, "holes.lua", CW_EUSAGE,
               "holes.lua: list: unsupported key type (integer key 5 in a "
               "table that is not a sequence 1..n)");
    load_fails(x, "floatkey.lua", CW_EUSAGE,
               "floatkey.lua: top level: unsupported key type (float key 1.5)");
    load_fails(x, "cycle.lua", CW_EUSAGE,
               "cycle.lua: a.self: the table contains itself (a cycle)");
    load_fails(x, "badvalue.lua", CW_EUSAGE,
               "badvalue.lua: r: unsupported value type (thread)");
    cw__lua_close(x);
}

/* A precompiled chunk is refused. */
static void test_luabridge_load_binary_refused(void **state)
{
    cw_lua *x = open_state(0, 0);

    (void)state;
    load_fails(x, "binary.luac", CW_ELUA,
               "binary.luac: binary (precompiled) chunks are not accepted");
    cw__lua_close(x);
}

/* ==== The sandbox ==== */

/* Each escape fails with the right message and never succeeds. */
static void test_luabridge_escapes(void **state)
{
    static const struct {
        const char *fn;   /* function in sandbox.lua */
        const char *text; /* expected in the message */
    } cases[] = {
        {"os_execute", "undefined global 'os'"},
        {"io_open", "undefined global 'io'"},
        {"require_os", "module 'os' is not available in recipes"},
        {"require_io", "module 'io' is not available in recipes"},
        {"loadlib", "undefined global 'package'"},
        {"debug_getinfo", "undefined global 'debug'"},
        {"dofile", "undefined global 'dofile'"},
        {"loadfile", "undefined global 'loadfile'"},
        {"dump", "attempt to call a nil value (field 'dump')"},
        {"load_binary", "load: only text chunks are allowed in recipes"},
        {"load_globals", "undefined global 'os'"},
        {"strmeta", "attempt to index a boolean value"},
        {"setmeta_G", "cannot change a protected metatable"},
        {"gc_stop", "collectgarbage('stop') is not allowed in recipes"},
        {"gc_meta", "__gc metamethods are not allowed in recipes"},
        {"undefined_read", "sandbox.lua:21: undefined global 'nosuch'"},
        {"undefined_write", "assignment to undefined global 'nosuch'"},
        {"params_write", "params is read-only"},
        {"error_table", "(error object is a table value)"},
        {"require_dots", "module name 'crosswalk/../x' refused"},
        {"require_missing", "module 'crosswalk.nosuch' not found"},
    };
    cw_lua *x = open_state(0, 0);
    cw_node *tree = load_ok(x, "sandbox.lua");

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        value_fails(x, tree, cases[i].fn, NULL, CW_ELUA, cases[i].text);
    /* None of that hurt the state: strict globals and string methods
    ** still work. */
    value_fails(x, tree, "undefined_read", NULL, CW_ELUA, "undefined global");
    value_is(x, tree, "upper", NULL, "A");
    cw__node_free(tree);
    cw__lua_close(x);
}

/* What the sandbox allows.  rawset(_G, ...) is allowed on purpose: it is
** the explicit way to declare a global and reaches nothing outside. */
static void test_luabridge_allowed(void **state)
{
    static const char *const params[] = {"region", "NE"};
    cw_lua *x = open_state(0, 0);
    cw_node *tree = NULL;
    cw_err err;

    (void)state;
    assert_int_equal(
        cw__lua_loadfile(x, data("sandbox.lua"), params, 1, &tree, &err),
        CW_OK);
    value_is(x, tree, "load_text", NULL, "2");
    value_is(x, tree, "gc_count", NULL, "number");
    value_is(x, tree, "rawset_global", NULL, "42");
    value_is(x, tree, "params_read", NULL, "NE");
    value_is(x, tree, "empty_rep", NULL, "0");
    value_is(x, tree, "trim", NULL, "hello world");
    value_is(x, tree, "gsub", NULL, "a;b;;c");
    value_is(x, tree, "gmatch", NULL, "3");
    value_is(x, tree, "require_ok", NULL, "hello ann");
    value_is(x, tree, "require_cached", NULL, "true");
    value_is(x, tree, "require_builtin", NULL, "true");
    value_is(x, tree, "coroutine", NULL, "3");
    cw__node_free(tree);
    cw__lua_close(x);
}

/* math.random is seeded with 0: two states draw the same numbers. */
static void test_luabridge_random_seeded(void **state)
{
    char a[64], b[64];
    cw_err err;

    (void)state;
    for (int i = 0; i < 2; i++) {
        cw_lua *x = open_state(0, 0);
        cw_node *tree = load_ok(x, "sandbox.lua");

        assert_int_equal(
            value(x, tree, "random", NULL, i ? b : a, sizeof a, &err), CW_OK);
        cw__node_free(tree);
        cw__lua_close(x);
    }
    assert_string_equal(a, b);
}

/* Guards on C functions that would run unmetered: a refusal not caught
** is a sandbox limit (with where it was hit); a caught one is not, and
** the state lives on. */
static void test_luabridge_string_guards(void **state)
{
    cw_lua *x = open_state(0, 0);
    cw_node *tree = load_ok(x, "sandbox.lua");

    (void)state;
    value_fails(x, tree, "huge_rep", NULL, CW_ELIMIT,
                "sandbox.lua:27: string.rep result too large for a recipe "
                "(limit 16 MiB)");
    value_fails(x, tree, "backtrack", NULL, CW_ELIMIT,
                "pattern too complex for a recipe");
    value_fails(x, tree, "long_subject", NULL, CW_ELIMIT,
                "string too long for pattern functions in a recipe (limit 1 "
                "MiB)");
    value_fails(x, tree, "long_pattern", NULL, CW_ELIMIT,
                "pattern too long for a recipe (limit 256 bytes)");
    value_fails(x, tree, "move_huge", NULL, CW_ELIMIT,
                "table.move range too large for a recipe");
    value_fails(x, tree, "remove_len", NULL, CW_ELIMIT,
                "table length too large for table.insert or table.remove");
    value_is(x, tree, "rep_caught", NULL, "false");
    value_fails(x, tree, "rep_caught_other", NULL, CW_ELUA, "another error");
    value_is(x, tree, "trim", NULL, "hello world");
    cw__node_free(tree);
    cw__lua_close(x);
}

/* ==== Limits ==== */

/* An endless loop in the file body stops at the instruction limit; the
** state is then dead and every later call fails at once. */
static void test_luabridge_limit_loop_body(void **state)
{
    cw_lua *x = open_state(0, 0);
    cw_node *tree = (cw_node *)1;
    cw_err err;

    (void)state;
    load_fails(x, "loop.lua", CW_ELIMIT,
               "loop.lua:1: instruction limit of 50000000 per call reached");
    assert_int_equal(
        cw__lua_loadfile(x, data("recipe.lua"), NULL, 0, &tree, &err),
        CW_ELIMIT);
    assert_null(tree);
    assert_non_null(strstr(err.msg, "instruction limit of 50000000"));
    cw__lua_close(x);
}

/* Run 'fn' of limits.lua in a fresh state with the limits given; expect
** CW_ELIMIT with 'text', and CW_ELIMIT at once from a later call. */
static void limit_hit(const char *fn, unsigned long long instructions,
                      size_t memory, const char *text)
{
    cw_lua *x = open_state(instructions, memory);
    cw_node *tree = load_ok(x, "limits.lua");
    struct fixture f;
    int verdict;
    cw_buf reason = {0};
    cw_err err;

    make_record(&f);
    value_fails(x, tree, fn, &f.rec, CW_ELIMIT, text);
    value_fails(x, tree, "fine", NULL, CW_ELIMIT, text);
    assert_int_equal(cw__lua_call_rec(x, fnref(tree, "fine"), &f.rec, &verdict,
                                      &reason, &err),
                     CW_ELIMIT);
    cw__buf_free(&reason);
    free_record(&f);
    cw__node_free(tree);
    cw__lua_close(x);
}

/* pcall cannot swallow the instruction limit, nor can a coroutine. */
static void test_luabridge_limit_instructions(void **state)
{
    (void)state;
    limit_hit("spin", 1000000, 0,
              "limits.lua:3: instruction limit of 1000000 per call reached");
    limit_hit("pcall_spin", 1000000, 0, "instruction limit of 1000000");
    limit_hit("co_spin", 1000000, 0, "instruction limit of 1000000");
    limit_hit("co_caught", 1000000, 0, "instruction limit of 1000000");
    limit_hit("xpcall_spin", 1000000, 0, "instruction limit of 1000000");
    /* Allocation is charged: a loop of 16 MiB copies made in C. */
    limit_hit("upper_loop", 0, 0, "instruction limit of 50000000");
}

/* The budget is per call: calls that each stay under it all succeed. */
static void test_luabridge_limit_per_call(void **state)
{
    cw_lua *x = open_state(1000000, 0);
    cw_node *tree = load_ok(x, "limits.lua");

    (void)state;
    for (int i = 0; i < 10; i++)
        value_is(x, tree, "partial", NULL, "5000050000");
    cw__node_free(tree);
    cw__lua_close(x);
}

/* Table growth stops at the memory limit, even when caught; so does
** filling a record with copies. */
static void test_luabridge_limit_memory(void **state)
{
    (void)state;
    limit_hit("grow", 0, 8 << 20, "memory limit of 8 MiB reached");
    limit_hit("grow_caught", 0, 8 << 20, "memory limit of 8 MiB reached");
    limit_hit("write_loop", 0, 8 << 20, "memory limit of 8 MiB reached");
}

/* Run 'fn' of limits.lua with a 0.3 s deadline and no instruction limit
** to speak of: it must stop with CW_ELIMIT naming the function and the
** deadline (not another limit), and the state stays dead.  How soon it
** stops is the e2e deadline_* cases' to check, not a unit test's. */
static void deadline_hit(const char *fn)
{
    cw_lua_limits lim = {1ULL << 50, 0, 0.3};
    cw_lua *x = NULL;
    cw_node *tree;
    cw_err err;

    assert_int_equal(cw__lua_open(&lim, luadir(), &x, &err), CW_OK);
    tree = load_ok(x, "limits.lua");
    value_fails(x, tree, fn, NULL, CW_ELIMIT, "recipe function at limits.lua:");
    value_fails(x, tree, "fine", NULL, CW_ELIMIT,
                "ran past its 0.3 s deadline");
    cw__node_free(tree);
    cw__lua_close(x);
}

/* The deadline stops long work in C library functions and in the VM. */
static void test_luabridge_deadline(void **state)
{
    static const char *const fns[] = {
        "spin",      "pcall_spin", "utf8_loop",   "eq_loop",
        "lt_loop",   "sort_loop",  "concat_loop", "rep_loop",
        "find_loop", "gsub_loop",  "format_loop", "tonumber_loop",
    };

    (void)state;
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
        deadline_hit(fns[i]);
}

/* The deadline of a load: a loop in the file body. */
static void test_luabridge_deadline_load(void **state)
{
    cw_lua_limits lim = {1ULL << 50, 0, 0.2};
    cw_lua *x = NULL;
    cw_err err;

    (void)state;
    assert_int_equal(cw__lua_open(&lim, luadir(), &x, &err), CW_OK);
    load_fails(x, "loop.lua", CW_ELIMIT,
               "loop.lua:1: loading loop.lua ran past its 0.2 s deadline");
    cw__lua_close(x);
}

/* The deadline is per call: calls that each end in time all succeed,
** however long they take together (each is far shorter than the deadline,
** even on a loaded machine). */
static void test_luabridge_deadline_per_call(void **state)
{
    cw_lua_limits lim = {0, 0, 0.5};
    cw_lua *x = NULL;
    cw_node *tree;
    cw_err err;
    double t0 = now();

    (void)state;
    assert_int_equal(cw__lua_open(&lim, luadir(), &x, &err), CW_OK);
    tree = load_ok(x, "limits.lua");
    while (now() - t0 < 1.2)
        value_is(x, tree, "fine", NULL, "ok");
    cw__node_free(tree);
    cw__lua_close(x);
}

/* A memory limit too small for the state itself. */
static void test_luabridge_limit_tiny_memory(void **state)
{
    cw_lua_limits lim = {0, 4096, 0};
    cw_lua *x = (cw_lua *)1;
    cw_err err;

    (void)state;
    assert_int_equal(cw__lua_open(&lim, NULL, &x, &err), CW_ELIMIT);
    assert_null(x);
    assert_string_equal(err.msg, "memory limit of 4 KiB reached");
}

/* ==== Records ==== */

/* Reading fields: values, null and missing columns are nil. */
static void test_luabridge_record_read(void **state)
{
    cw_lua *x = open_state(0, 0);
    cw_node *tree = load_ok(x, "record.lua");
    struct fixture f;

    (void)state;
    make_record(&f);
    value_is(x, tree, "get_first", &f.rec, "Ann");
    value_is(x, tree, "get_empty", &f.rec, "<null>");
    value_is(x, tree, "get_missing", &f.rec, "<null>");
    value_is(x, tree, "get_number_key", &f.rec, "<null>");
    value_is(x, tree, "pairs_fields", &f.rec,
             "first=Ann,last=Lee,email=ann@x.org");
    value_is(x, tree, "tostring_rec", &f.rec, "cw.record (in.csv:7)");
    free_record(&f);
    cw__node_free(tree);
    cw__lua_close(x);
}

/* Writing fields: overwrite, new columns, numbers and booleans as text,
** nil as null; a table is refused. */
static void test_luabridge_record_write(void **state)
{
    cw_lua *x = open_state(0, 0);
    cw_node *tree = load_ok(x, "record.lua");
    struct fixture f;
    char buf[64];
    int verdict;
    cw_buf reason = {0};
    cw_err err;

    (void)state;
    make_record(&f);
    assert_int_equal(cw__lua_call_rec(x, fnref(tree, "set_fields"), &f.rec,
                                      &verdict, &reason, &err),
                     CW_OK);
    assert_int_equal(verdict, CW_FN_KEEP);
    assert_string_equal(field(&f.rec, "first", buf, sizeof buf), "Bob");
    assert_string_equal(field(&f.rec, "count", buf, sizeof buf), "42");
    assert_string_equal(field(&f.rec, "ratio", buf, sizeof buf), "0.5");
    assert_string_equal(field(&f.rec, "whole", buf, sizeof buf), "3.0");
    assert_string_equal(field(&f.rec, "flag", buf, sizeof buf), "true");
    assert_string_equal(field(&f.rec, "off", buf, sizeof buf), "false");
    assert_null(field(&f.rec, "last", buf, sizeof buf));
    assert_true(cw__layout_find(f.layout, "last", 4) >= 0);
    assert_true(cw__layout_find(f.layout, "ghost", 5) < 0);
    assert_string_equal(cw__layout_name(f.layout, 4), "count");
    assert_int_equal(cw__layout_count(f.layout), 9);

    assert_int_equal(cw__lua_call_rec(x, fnref(tree, "set_table"), &f.rec,
                                      &verdict, &reason, &err),
                     CW_ELUA);
    assert_non_null(strstr(err.msg, "record.lua:19: cannot store a table in "
                                    "field 'first'"));
    assert_string_equal(field(&f.rec, "first", buf, sizeof buf), "Bob");
    cw__buf_free(&reason);
    free_record(&f);
    cw__node_free(tree);
    cw__lua_close(x);
}

/* Row functions: nothing, nil and true keep, false drops, nil plus a
** reason rejects; anything else is an error naming the function. */
static void test_luabridge_record_verdicts(void **state)
{
    static const struct {
        const char *fn; /* function in record.lua */
        int verdict;    /* expected */
    } cases[] = {
        {"keep_none", CW_FN_KEEP},
        {"keep_nil", CW_FN_KEEP},
        {"keep_true", CW_FN_KEEP},
        {"drop", CW_FN_DROP},
    };
    cw_lua *x = open_state(0, 0);
    cw_node *tree = load_ok(x, "record.lua");
    struct fixture f;
    int verdict;
    cw_buf reason = {0};
    cw_err err;

    (void)state;
    make_record(&f);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        verdict = -1;
        assert_int_equal(cw__lua_call_rec(x, fnref(tree, cases[i].fn), &f.rec,
                                          &verdict, &reason, &err),
                         CW_OK);
        assert_int_equal(verdict, cases[i].verdict);
    }
    assert_int_equal(cw__lua_call_rec(x, fnref(tree, "reject"), &f.rec,
                                      &verdict, &reason, &err),
                     CW_OK);
    assert_int_equal(verdict, CW_FN_REJECT);
    assert_string_equal(reason.p, "no email for Ann");
    assert_int_equal(reason.len, 16);

    assert_int_equal(cw__lua_call_rec(x, fnref(tree, "bad_number"), &f.rec,
                                      &verdict, &reason, &err),
                     CW_ELUA);
    assert_string_equal(err.msg, "record.lua:25: function must return true, "
                                 "false, or nil and a reason (got a number)");
    assert_int_equal(reason.len, 0);
    assert_int_equal(cw__lua_call_rec(x, fnref(tree, "bad_reason"), &f.rec,
                                      &verdict, &reason, &err),
                     CW_ELUA);
    assert_non_null(strstr(err.msg, "(got nil and a number)"));
    cw__buf_free(&reason);
    free_record(&f);
    cw__node_free(tree);
    cw__lua_close(x);
}

/* Value functions: each type of result as text, nil as null. */
static void test_luabridge_call_value(void **state)
{
    cw_lua *x = open_state(0, 0);
    cw_node *tree = load_ok(x, "record.lua");
    struct fixture f;

    (void)state;
    make_record(&f);
    value_is(x, tree, "val_int", &f.rec, "7");
    value_is(x, tree, "val_float", &f.rec, "2.5");
    value_is(x, tree, "val_whole", &f.rec, "3.0");
    value_is(x, tree, "val_big", &f.rec, "1e+15");
    value_is(x, tree, "val_neg", &f.rec, "-12");
    value_is(x, tree, "val_true", &f.rec, "true");
    value_is(x, tree, "val_false", &f.rec, "false");
    value_is(x, tree, "val_nil", &f.rec, "<null>");
    value_is(x, tree, "val_empty", &f.rec, "");
    value_fails(x, tree, "val_table", &f.rec, CW_ELUA,
                "record.lua:51: function must return a string, number, "
                "boolean or nil (got a table)");
    free_record(&f);
    cw__node_free(tree);
    cw__lua_close(x);
}

/* A field written reads back as stored (a number as text, nil as null),
** and pairs() sees the writes. */
static void test_luabridge_record_write_read(void **state)
{
    cw_lua *x = open_state(0, 0);
    cw_node *tree = load_ok(x, "record.lua");
    struct fixture f, g;

    (void)state;
    make_record(&f);
    value_is(x, tree, "write_read", &f.rec, "Zed,42,string,nil,new");
    make_record(&g);
    value_is(x, tree, "write_pairs", &g.rec,
             "first=Zed,email=ann@x.org,added=5");
    free_record(&f);
    free_record(&g);
    cw__node_free(tree);
    cw__lua_close(x);
}

/* Names: more of them than the name cache holds, names made at run time
** that die between calls, fields of another layout with the same names
** in other places, and keys that are not strings. */
static void test_luabridge_record_names(void **state)
{
    cw_lua *x = open_state(0, 0);
    cw_node *tree = load_ok(x, "record.lua");
    cw_node *names = load_ok(x, "names.lua");
    struct fixture f;
    cw_layout *other;
    cw_rec g;
    int verdict;
    cw_buf reason = {0};
    cw_err err;

    (void)state;
    make_record(&f);
    value_is(x, tree, "many_names", &f.rec, "5050:Ann:ann@x.org");
    value_is(x, tree, "many_names", &f.rec, "5050:Ann:ann@x.org");
    for (int i = 0; i < 200; i++)
        value_is(x, names, "alternate", &f.rec, i % 2 == 0 ? "Ann" : "Lee");
    value_is(x, tree, "get_first", &f.rec, "Ann");
    value_is(x, tree, "get_table_key", &f.rec, "<null>");
    assert_int_equal(cw__lua_call_rec(x, fnref(tree, "set_number_key"), &f.rec,
                                      &verdict, &reason, &err),
                     CW_ELUA);
    assert_non_null(
        strstr(err.msg, "record fields are named by strings, not by a number"));
    assert_int_equal(cw__lua_call_rec(x, fnref(tree, "set_table_key"), &f.rec,
                                      &verdict, &reason, &err),
                     CW_ELUA);
    assert_non_null(
        strstr(err.msg, "record fields are named by strings, not by a table"));
    free_record(&f);

    /* Another layout (perhaps at the same address): "first" is elsewhere. */
    assert_int_equal(cw__layout_new(&other), CW_OK);
    cw__rec_init(&g, other);
    assert_int_equal(cw__rec_setname(&g, "email", 5, "cy@x.org", 8), CW_OK);
    assert_int_equal(cw__rec_setname(&g, "last", 4, "Ng", 2), CW_OK);
    assert_int_equal(cw__rec_setname(&g, "first", 5, "Cy", 2), CW_OK);
    value_is(x, tree, "get_first", &g, "Cy");
    for (int i = 0; i < 4; i++)
        value_is(x, names, "alternate", &g, i % 2 == 0 ? "Cy" : "Ng");
    cw__rec_free(&g);
    cw__layout_free(other);
    cw__buf_free(&reason);
    cw__node_free(names);
    cw__node_free(tree);
    cw__lua_close(x);
}

/* Records lent one after the other share the proxy machinery but no
** values: a column one record was given is null on the next. */
static void test_luabridge_record_no_leak(void **state)
{
    cw_lua *x = open_state(0, 0);
    cw_node *tree = load_ok(x, "record.lua");
    struct fixture f;
    cw_rec g;

    (void)state;
    make_record(&f);
    cw__rec_init(&g, f.layout);
    assert_int_equal(cw__rec_setname(&g, "first", 5, "Cy", 2), CW_OK);
    value_is(x, tree, "mark_seen", &f.rec, "<null>");
    value_is(x, tree, "mark_seen", &f.rec, "yes Ann");
    value_is(x, tree, "mark_seen", &g, "<null>");
    value_is(x, tree, "mark_seen", &g, "yes Cy");
    value_is(x, tree, "get_first", &f.rec, "Ann");
    cw__rec_free(&g);
    free_record(&f);
    cw__node_free(tree);
    cw__lua_close(x);
}

/* The state recycles small blocks: making and dropping far more than
** its memory limit, in every size around the recycled ones, works call
** after call, and the limit still stops growth. */
static void test_luabridge_small_blocks(void **state)
{
    cw_lua *x = open_state(1ULL << 40, 4 << 20);
    cw_node *tree = load_ok(x, "churn.lua");

    (void)state;
    for (int i = 0; i < 3; i++)
        value_is(x, tree, "churn", NULL, "3501");
    cw__node_free(tree);
    cw__lua_close(x);
    limit_hit("grow", 0, 4 << 20, "memory limit of 4 MiB reached");
}

/* A runtime error arrives with its position and a traceback. */
static void test_luabridge_runtime_error(void **state)
{
    cw_lua *x = open_state(0, 0);
    cw_node *tree = load_ok(x, "record.lua");
    struct fixture f;
    int verdict;
    cw_buf reason = {0};
    cw_err err;

    (void)state;
    make_record(&f);
    assert_int_equal(cw__lua_call_rec(x, fnref(tree, "boom"), &f.rec, &verdict,
                                      &reason, &err),
                     CW_ELUA);
    assert_non_null(strstr(err.msg, "record.lua:29: attempt to index a nil "
                                    "value (local 't')"));
    assert_non_null(strstr(err.msg, "stack traceback"));
    /* The state carries on. */
    value_is(x, tree, "get_first", &f.rec, "Ann");
    cw__buf_free(&reason);
    free_record(&f);
    cw__node_free(tree);
    cw__lua_close(x);
}

/* A proxy kept past its call raises, in a later call and in a load. */
static void test_luabridge_stale_proxy(void **state)
{
    cw_lua *x = open_state(0, 0);
    cw_node *tree = load_ok(x, "record.lua");
    struct fixture f, g;
    int verdict;
    cw_buf reason = {0};
    cw_err err;

    (void)state;
    make_record(&f);
    make_record(&g);
    assert_int_equal(cw__lua_call_rec(x, fnref(tree, "save"), &f.rec, &verdict,
                                      &reason, &err),
                     CW_OK);
    value_fails(x, tree, "use_saved", &g.rec, CW_ELUA,
                "record used after its callback returned");
    value_fails(x, tree, "use_saved", NULL, CW_ELUA,
                "record used after its callback returned");
    value_is(x, tree, "get_first", &g.rec, "Ann");
    cw__buf_free(&reason);
    free_record(&f);
    free_record(&g);
    cw__node_free(tree);
    cw__lua_close(x);
}

/* ==== Out of memory ==== */

/* Fail the 1st, 2nd, ... allocation of cw__lua_open (the state's own
** allocations go through the same hook): each failure is a clean
** CW_ENOMEM. */
static void test_luabridge_open_out_of_memory(void **state)
{
    const char *dir = luadir();
    long n;

    (void)state;
    for (n = 0;; n++) {
        struct budget budget = {n, 0};
        cw_lua *x = (cw_lua *)1;
        cw_err err = {0};
        int rc;

        cw_set_allocator(budget_alloc, &budget);
        rc = cw__lua_open(NULL, dir, &x, &err);
        cw_set_allocator(NULL, NULL);
        if (rc == CW_OK) {
            cw__lua_close(x);
            break;
        }
        assert_int_equal(rc, CW_ENOMEM);
        assert_null(x);
        assert_non_null(strstr(err.msg, "out of memory"));
    }
    assert_true(n > 50);
}

/* The same for cw__lua_loadfile on an open state. */
static void test_luabridge_loadfile_out_of_memory(void **state)
{
    static const char *const params[] = {"region", "NE"};
    char path[1024];
    long n;

    (void)state;
    snprintf(path, sizeof path, "%s", data("recipe.lua"));
    for (n = 0;; n++) {
        struct budget budget = {n, 0};
        cw_lua *x = open_state(0, 0);
        cw_node *tree = (cw_node *)1;
        cw_err err = {0};
        int rc;

        cw_set_allocator(budget_alloc, &budget);
        rc = cw__lua_loadfile(x, path, params, 1, &tree, &err);
        cw_set_allocator(NULL, NULL);
        if (rc == CW_OK) {
            assert_string_equal(cw__node_str(tree, "region", NULL), "NE");
            cw__node_free(tree);
            cw__lua_close(x);
            break;
        }
        if (rc != CW_ENOMEM)
            fail_msg("budget %ld: got %d \"%s\"", n, rc, err.msg);
        assert_null(tree);
        cw__lua_close(x);
    }
    assert_true(n > 10);
}

/* The same for a row function that reads and writes fields. */
static void test_luabridge_call_out_of_memory(void **state)
{
    cw_lua *x = open_state(0, 0);
    cw_node *tree = load_ok(x, "record.lua");
    int ref = fnref(tree, "bench");
    long n;

    (void)state;
    for (n = 0;; n++) {
        struct budget budget = {n, 0};
        struct fixture f;
        int verdict, rc;
        cw_buf reason = {0};
        cw_err err = {0};
        char buf[64];

        make_record(&f);
        cw_set_allocator(budget_alloc, &budget);
        rc = cw__lua_call_rec(x, ref, &f.rec, &verdict, &reason, &err);
        cw_set_allocator(NULL, NULL);
        cw__buf_free(&reason);
        if (rc == CW_OK) {
            assert_string_equal(field(&f.rec, "full", buf, sizeof buf),
                                "Ann Lee");
            free_record(&f);
            break;
        }
        if (rc != CW_ENOMEM)
            fail_msg("budget %ld: got %d \"%s\"", n, rc, err.msg);
        free_record(&f);
    }
    assert_true(n > 0);
    cw__node_free(tree);
    cw__lua_close(x);
}

/* Every test, in one group. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_luabridge_load_tree),
        cmocka_unit_test(test_luabridge_load_not_table),
        cmocka_unit_test(test_luabridge_load_errors),
        cmocka_unit_test(test_luabridge_load_bad_shapes),
        cmocka_unit_test(test_luabridge_load_binary_refused),
        cmocka_unit_test(test_luabridge_escapes),
        cmocka_unit_test(test_luabridge_allowed),
        cmocka_unit_test(test_luabridge_random_seeded),
        cmocka_unit_test(test_luabridge_string_guards),
        cmocka_unit_test(test_luabridge_limit_loop_body),
        cmocka_unit_test(test_luabridge_limit_instructions),
        cmocka_unit_test(test_luabridge_limit_per_call),
        cmocka_unit_test(test_luabridge_limit_memory),
        cmocka_unit_test(test_luabridge_limit_tiny_memory),
        cmocka_unit_test(test_luabridge_deadline),
        cmocka_unit_test(test_luabridge_deadline_load),
        cmocka_unit_test(test_luabridge_deadline_per_call),
        cmocka_unit_test(test_luabridge_record_read),
        cmocka_unit_test(test_luabridge_record_write),
        cmocka_unit_test(test_luabridge_record_verdicts),
        cmocka_unit_test(test_luabridge_call_value),
        cmocka_unit_test(test_luabridge_record_write_read),
        cmocka_unit_test(test_luabridge_record_names),
        cmocka_unit_test(test_luabridge_record_no_leak),
        cmocka_unit_test(test_luabridge_small_blocks),
        cmocka_unit_test(test_luabridge_runtime_error),
        cmocka_unit_test(test_luabridge_stale_proxy),
        cmocka_unit_test(test_luabridge_open_out_of_memory),
        cmocka_unit_test(test_luabridge_loadfile_out_of_memory),
        cmocka_unit_test(test_luabridge_call_out_of_memory),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
