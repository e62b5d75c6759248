/*
** test_folder.c -- unit tests for recipe folders: finding a recipe (a
** file, a folder, a name in the home), require from the folder's lua/
** then the home's and every refusal, schemas from the folder's schemas/
** then the home's, and a whole run of a folder recipe from another
** directory.  Each test builds its folder in a fresh temp directory, so
** that symbolic links need no fixture in the repository.
*/
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "api/home.h"
#include "lua/luabridge.h"
#include "values/schema.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ==== Building a tree of files ==== */

/* The temp directory of the running test. */
static char top[256];

/* 'top'/'rel' in a static buffer (overwritten by the next call). */
static const char *at(const char *rel)
{
    static char path[4][1024];
    static int k;

    k = (k + 1) % 4;
    snprintf(path[k], sizeof path[k], "%s/%s", top, rel);
    return path[k];
}

/* Create 'top'/'rel' holding 'text', and every folder above it. */
static void put(const char *rel, const char *text)
{
    char path[1024];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", top, rel);
    for (char *s = path + strlen(top) + 1; (s = strchr(s, '/')) != NULL; s++) {
        *s = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            fail_msg("mkdir %s: %s", path, strerror(errno));
        *s = '/';
    }
    f = fopen(path, "wb");
    if (f == NULL)
        fail_msg("%s: %s", path, strerror(errno));
    fputs(text, f);
    fclose(f);
}

/* Make 'top'/'rel' a symbolic link to 'target'. */
static void link_to(const char *target, const char *rel)
{
    if (symlink(target, at(rel)) != 0)
        fail_msg("symlink %s: %s", rel, strerror(errno));
}

/* A fresh temp directory in 'top'. */
static int setup(void **state)
{
    (void)state;
    snprintf(top, sizeof top, "/tmp/cw-folder.XXXXXX");
    return mkdtemp(top) == NULL ? -1 : 0;
}

/* Remove 'top' and everything in it. */
static int teardown(void **state)
{
    char cmd[300];

    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
    return system(cmd) == 0 ? 0 : -1;
}

/* ==== Finding a recipe ==== */

/* Find 'given' with home 'top'/home; expect CW_OK, the file, the folder
** (NULL: none) and its name. */
static void finds(const char *given, const char *file, const char *folder,
                  const char *shown)
{
    cw_recipeloc loc;
    cw_err err = {0};
    char hdir[300];

    snprintf(hdir, sizeof hdir, "%s/home", top);
    if (cw__recipe_find(hdir, given, &loc, &err) != CW_OK)
        fail_msg("%s: %s", given, err.msg);
    assert_string_equal(loc.file.p, file);
    if (folder == NULL) {
        assert_null(loc.folder.p);
    } else {
        assert_non_null(loc.folder.p);
        assert_string_equal(loc.folder.p, folder);
        assert_string_equal(loc.shown.p, shown);
    }
    cw__recipeloc_free(&loc);
}

/* Find 'given', expecting CW_EUSAGE with 'text' in the message. */
static void refuses(const char *given, const char *text)
{
    cw_recipeloc loc;
    cw_err err = {0};
    char hdir[300];

    snprintf(hdir, sizeof hdir, "%s/home", top);
    if (cw__recipe_find(hdir, given, &loc, &err) != CW_EUSAGE ||
        strstr(err.msg, text) == NULL)
        fail_msg("%s: got \"%s\", want \"%s\"", given, err.msg, text);
    cw__recipeloc_free(&loc);
}

/* A folder, a recipe.lua file, another file, a name in the home. */
static void test_folder_find(void **state)
{
    char cwd[PATH_MAX], want[1200], want2[1200];

    (void)state;
    put("rf/recipe.lua", "return {}\n");
    put("plain.lua", "return {}\n");
    put("empty/README.md", "no recipe here\n");
    put("home/pipelines/named/recipe.lua", "return {}\n");
    put("home/pipelines/single.lua", "return {}\n");
    put("home/pipelines/both/recipe.lua", "return {}\n");
    put("home/pipelines/both.lua", "return {}\n");

    snprintf(want, sizeof want, "%s/rf/recipe.lua", top);
    finds(at("rf"), want, at("rf"), "rf");
    snprintf(want2, sizeof want2, "%s/rf//", top);
    finds(want2, want, at("rf"), "rf");
    finds(at("rf/recipe.lua"), at("rf/recipe.lua"), at("rf"), "rf");
    finds(at("plain.lua"), at("plain.lua"), NULL, NULL);
    refuses(at("empty"), "a folder without recipe.lua");

    /* From inside the folder: "." and "recipe.lua" name it too. */
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(at("rf")), 0);
    finds(".", "./recipe.lua", ".", "rf");
    finds("recipe.lua", "recipe.lua", ".", "rf");
    assert_int_equal(chdir(top), 0);
    /* A path that exists wins over a name in the home. */
    put("named/recipe.lua", "return {}\n");
    finds("named", "named/recipe.lua", "named", "named");
    assert_int_equal(chdir(cwd), 0);

    /* Names in the home: a folder first, then a file. */
    snprintf(want, sizeof want, "%s/home/pipelines/named/recipe.lua", top);
    snprintf(want2, sizeof want2, "%s/home/pipelines/named", top);
    finds("named", want, want2, "named");
    snprintf(want, sizeof want, "%s/home/pipelines/both/recipe.lua", top);
    snprintf(want2, sizeof want2, "%s/home/pipelines/both", top);
    finds("both", want, want2, "both");
    snprintf(want, sizeof want, "%s/home/pipelines/single.lua", top);
    finds("single", want, NULL, NULL);
    refuses("nosuch", "no recipe 'nosuch': no file or folder of that name");
    /* A path that is not a bare name is left for the loader to report. */
    finds("no/such.lua", "no/such.lua", NULL, NULL);
    finds("nosuch.lua", "nosuch.lua", NULL, NULL);
}

/* ==== require ==== */

/* Open a state whose recipe folder is 'top'/rf and whose home lua/ is
** the fixtures' of test_luabridge (crosswalk.helper). */
static cw_lua *open_folder_state(unsigned long long instructions)
{
    cw_lua_limits lim = {instructions, 0, 600};
    char homelua[1024];
    cw_lua *x = NULL;
    cw_err err;

    snprintf(homelua, sizeof homelua, "%s/tests/data/luabridge/lua", home());
    assert_int_equal(cw__lua_open(&lim, homelua, &x, &err), CW_OK);
    assert_int_equal(cw__lua_recipedir(x, at("rf"), "rf", &err), CW_OK);
    return x;
}

/* Load 'top'/rf/recipe.lua into 'x'. */
static cw_node *load_recipe(cw_lua *x)
{
    cw_node *tree = NULL;
    cw_err err = {0};

    if (cw__lua_loadfile(x, at("rf/recipe.lua"), NULL, 0, &tree, &err) != CW_OK)
        fail_msg("loading the recipe: %s", err.msg);
    return tree;
}

/* Call function 'key' of 'tree' as a value function: its status, and
** its text or error message in 'out'. */
static int call(cw_lua *x, const cw_node *tree, const char *key, char *out,
                size_t size)
{
    const cw_node *fn = cw__node_get(tree, key);
    cw_buf b = {0};
    cw_err err = {0};
    int isnull = 0, rc;

    if (fn == NULL || fn->type != CW_NODE_FUNC)
        fail_msg("no function '%s'", key);
    rc = cw__lua_call_value(x, fn->ref, NULL, &b, &isnull, &err);
    snprintf(out, size, "%s", rc != CW_OK ? err.msg : isnull ? "<null>" : b.p);
    cw__buf_free(&b);
    return rc;
}

/* 'key' returns 'want'. */
static void gives(cw_lua *x, const cw_node *tree, const char *key,
                  const char *want)
{
    char out[2048];
    int rc = call(x, tree, key, out, sizeof out);

    if (rc != CW_OK || strcmp(out, want) != 0)
        fail_msg("%s: got %d \"%s\", want \"%s\"", key, rc, out, want);
}

/* 'key' fails with status 'status' and 'text' in its message (where
** "$TOP" stands for the temp directory). */
static void fails(cw_lua *x, const cw_node *tree, const char *key, int status,
                  const char *text)
{
    char out[2048], want[1024];
    const char *t;
    size_t n = 0;
    int rc = call(x, tree, key, out, sizeof out);

    while ((t = strstr(text, "$TOP")) != NULL) {
        n += (size_t)snprintf(want + n, sizeof want - n, "%.*s%s",
                              (int)(t - text), text, top);
        text = t + 4;
    }
    snprintf(want + n, sizeof want - n, "%s", text);
    if (rc != status || strstr(out, want) == NULL)
        fail_msg("%s: got %d \"%s\", want %d with \"%s\"", key, rc, out, status,
                 want);
}

/* The recipe folder of the require tests. */
static void make_require_folder(void)
{
    static const char bytecode[] = "\x1bLua\x54\x00";

    put("outside.lua", "return 'outside the folder'\n");
    put("rf/lua/mine.lua", "return { v = 'mine', name = ... }\n");
    put("rf/lua/deep/er.lua", "return 'deeper'\n");
    put("rf/lua/nothing.lua", "local x = 1\n");
    put("rf/lua/crosswalk/helper.lua",
        "return { greet = function(n) return 'folder ' .. n end }\n");
    put("rf/lua/cyc_a.lua", "return require('cyc_b')\n");
    put("rf/lua/cyc_b.lua", "return require('cyc_a')\n");
    put("rf/lua/boom.lua", "error('boom at load')\n");
    put("rf/lua/global.lua", "leak = 1\nreturn 1\n");
    put("rf/lua/spin.lua", "while true do end\n");
    put("rf/lua/binary.lua", "");
    {
        FILE *f = fopen(at("rf/lua/binary.lua"), "wb");

        assert_non_null(f);
        fwrite(bytecode, 1, sizeof bytecode - 1, f);
        fclose(f);
    }
    assert_int_equal(mkdir(at("rf/lua/adir.lua"), 0755), 0);
    link_to("../../outside.lua", "rf/lua/escape.lua");
    link_to(at("outside.lua"), "rf/lua/absolute.lua");
    link_to("../..", "rf/lua/up");
    link_to("mine.lua", "rf/lua/inside.lua");
    link_to("deep", "rf/lua/alias");
    put("rf/recipe.lua",
        "local c = 0\n"
        "return {\n"
        "  mine = function() local m = require('mine') return m.v .. ' ' .. "
        "m.name end,\n"
        "  deep = function() return require('deep.er') end,\n"
        "  once = function() return require('mine') == require('mine') end,\n"
        "  nothing = function() return require('nothing') end,\n"
        "  shadow = function() return require('crosswalk.helper').greet('ann') "
        "end,\n"
        "  inside = function() return require('inside').v end,\n"
        "  alias = function() return require('alias.er') end,\n"
        "  builtin = function() return require('math') == math end,\n"
        "  missing = function() return require('nosuch.mod') end,\n"
        "  dotdot = function() return require('..mine') end,\n"
        "  updir = function() return require('../outside') end,\n"
        "  absolute_name = function() return require('/etc/passwd') end,\n"
        "  slash = function() return require('deep/er') end,\n"
        "  empty = function() return require('') end,\n"
        "  trailing = function() return require('mine.') end,\n"
        "  long = function() return require(string.rep('a', 129)) end,\n"
        "  notstring = function() return require({}) end,\n"
        "  os = function() return require('os') end,\n"
        "  package = function() return require('package') end,\n"
        "  escape = function() return require('escape') end,\n"
        "  absolute = function() return require('absolute') end,\n"
        "  up = function() return require('up.outside') end,\n"
        "  binary = function() return require('binary') end,\n"
        "  adir = function() return require('adir') end,\n"
        "  cycle = function() return require('cyc_a') end,\n"
        "  boom = function() return require('boom') end,\n"
        "  global = function() return require('global') end,\n"
        "  spin = function() return require('spin') end,\n"
        "}\n");
}

/* Modules from the folder's lua/ (any name), then the home's; each
** refusal with its message. */
static void test_folder_require(void **state)
{
    cw_lua *x;
    cw_node *tree;

    (void)state;
    make_require_folder();
    x = open_folder_state(0);
    tree = load_recipe(x);
    gives(x, tree, "mine", "mine mine");
    gives(x, tree, "deep", "deeper");
    gives(x, tree, "once", "true");
    gives(x, tree, "nothing", "true");
    gives(x, tree, "shadow", "folder ann"); /* the folder's comes first */
    gives(x, tree, "inside", "mine");       /* a link inside lua/ is fine */
    gives(x, tree, "alias", "deeper");
    gives(x, tree, "builtin", "true");
    fails(x, tree, "missing", CW_ELUA,
          "module 'nosuch.mod' not found (no file $TOP/rf/lua/nosuch/mod.lua, "
          "nor ");
    fails(x, tree, "dotdot", CW_ELUA, "module name '..mine' refused");
    fails(x, tree, "updir", CW_ELUA, "module name '../outside' refused");
    fails(x, tree, "absolute_name", CW_ELUA,
          "module name '/etc/passwd' refused");
    fails(x, tree, "slash", CW_ELUA, "module name 'deep/er' refused");
    fails(x, tree, "empty", CW_ELUA, "module name '' refused");
    fails(x, tree, "trailing", CW_ELUA, "module name 'mine.' refused");
    fails(x, tree, "long", CW_ELUA, "refused: a module name is words");
    fails(x, tree, "notstring", CW_ELUA, "string expected, got table");
    fails(x, tree, "os", CW_ELUA, "module 'os' is not available in recipes");
    fails(x, tree, "package", CW_ELUA,
          "module 'package' is not available in recipes");
    fails(x, tree, "escape", CW_ELUA,
          "module 'escape' refused: $TOP/rf/lua/escape.lua is a symbolic link "
          "to a file outside $TOP/rf/lua");
    fails(x, tree, "absolute", CW_ELUA, "module 'absolute' refused");
    fails(x, tree, "up", CW_ELUA, "module 'up.outside' refused");
    fails(x, tree, "binary", CW_ELUA,
          "module 'binary': rf/lua/binary.lua is a precompiled (binary) "
          "chunk; modules load as text only");
    fails(x, tree, "adir", CW_ELUA, "adir.lua: Is a directory");
    fails(x, tree, "cycle", CW_ELUA,
          "module 'cyc_a' is required again while it loads");
    fails(x, tree, "boom", CW_ELUA, "rf/lua/boom.lua:1: boom at load");
    fails(x, tree, "global", CW_ELUA,
          "rf/lua/global.lua:1: assignment to undefined global 'leak'");
    /* The state still works after all that. */
    gives(x, tree, "mine", "mine mine");
    cw__node_free(tree);
    cw__lua_close(x);
}

/* A module runs under the recipe's limits: a loop in it stops the state. */
static void test_folder_require_limits(void **state)
{
    cw_lua *x;
    cw_node *tree;

    (void)state;
    make_require_folder();
    x = open_folder_state(100000);
    tree = load_recipe(x);
    fails(x, tree, "spin", CW_ELIMIT, "instruction limit");
    cw__node_free(tree);
    cw__lua_close(x);
}

/* Without a home lua/, only the folder's is searched; without either,
** there is no require. */
static void test_folder_require_no_home(void **state)
{
    cw_lua *x = NULL;
    cw_node *tree;
    cw_err err;

    (void)state;
    make_require_folder();
    assert_int_equal(cw__lua_open(NULL, NULL, &x, &err), CW_OK);
    assert_int_equal(cw__lua_recipedir(x, at("rf"), "rf", &err), CW_OK);
    tree = load_recipe(x);
    gives(x, tree, "deep", "deeper");
    fails(x, tree, "missing", CW_ELUA,
          "module 'nosuch.mod' not found (no file $TOP/rf/lua/nosuch/mod.lua)");
    cw__node_free(tree);
    cw__lua_close(x);

    assert_int_equal(cw__lua_open(NULL, NULL, &x, &err), CW_OK);
    tree = load_recipe(x);
    fails(x, tree, "deep", CW_ELUA,
          "require('deep.er'): modules load only in recipes");
    cw__node_free(tree);
    cw__lua_close(x);
}

/* ==== Schemas ==== */

/* A schema file for 'name' with one required column 'col'. */
static void put_schema(const char *rel, const char *name, const char *col)
{
    char text[512];

    snprintf(text, sizeof text,
             "return { name = '%s', columns = { { name = '%s', required = "
             "true } } }\n",
             name, col);
    put(rel, text);
}

/* The folder's schemas/ first, then the home's; links that leave it are
** refused; a schema found nowhere names both places. */
static void test_folder_schema(void **state)
{
    cw_schema *s = NULL;
    cw_err err = {0};
    char home_dir[300];

    (void)state;
    snprintf(home_dir, sizeof home_dir, "%s/home", top);
    put_schema("rf/schemas/my/own.lua", "my/own", "folder_col");
    put_schema("rf/schemas/both/here.lua", "both/here", "from_folder");
    put_schema("home/schemas/both/here.lua", "both/here", "from_home");
    put_schema("home/schemas/home/only.lua", "home/only", "home_col");
    put_schema("elsewhere/x/y.lua", "x/y", "outside");
    link_to(at("elsewhere/x"), "rf/schemas/x");
    put_schema("rf/schemas/bad/name.lua", "bad/other", "c");

    assert_int_equal(cw__schema_load_in(at("rf"), home_dir, "my/own", &s, &err),
                     CW_OK);
    assert_string_equal(s->cols[0].name, "folder_col");
    cw__schema_free(s);
    assert_int_equal(
        cw__schema_load_in(at("rf"), home_dir, "both/here", &s, &err), CW_OK);
    assert_string_equal(s->cols[0].name, "from_folder");
    cw__schema_free(s);
    assert_int_equal(
        cw__schema_load_in(at("rf"), home_dir, "home/only", &s, &err), CW_OK);
    assert_string_equal(s->cols[0].name, "home_col");
    cw__schema_free(s);
    /* Without a folder, the home's. */
    assert_int_equal(cw__schema_load_in(NULL, home_dir, "both/here", &s, &err),
                     CW_OK);
    assert_string_equal(s->cols[0].name, "from_home");
    cw__schema_free(s);

    assert_int_equal(cw__schema_load_in(at("rf"), home_dir, "x/y", &s, &err),
                     CW_EUSAGE);
    assert_null(s);
    assert_non_null(strstr(err.msg, "schema 'x/y' refused: "));
    assert_non_null(strstr(err.msg, "is a symbolic link to a file outside"));
    assert_int_equal(
        cw__schema_load_in(at("rf"), home_dir, "no/where", &s, &err),
        CW_EUSAGE);
    assert_non_null(strstr(err.msg, "unknown schema 'no/where' (no file "));
    assert_non_null(strstr(err.msg, "/rf/schemas/no/where.lua in the recipe "
                                    "folder, nor "));
    assert_int_equal(
        cw__schema_load_in(at("rf"), home_dir, "bad/name", &s, &err),
        CW_EUSAGE);
    assert_non_null(strstr(err.msg, "name 'bad/other' does not match"));
    assert_int_equal(cw__schema_load_in(at("rf"), home_dir, "../x/y", &s, &err),
                     CW_EUSAGE);
    assert_non_null(strstr(err.msg, "bad schema name '../x/y'"));
}

/* ==== A whole run ==== */

/* A folder recipe with its own schema and module, run through the public
** API from another directory, and by name from a home. */
static void test_folder_run(void **state)
{
    char cwd[PATH_MAX], outdir[600], got[256];
    const char *givens[] = {NULL, "shared"};
    FILE *f;

    (void)state;
    put_schema("rf/schemas/demo/people.lua", "demo/people", "name");
    put("rf/lua/demo/greet.lua",
        "return { hello = function(n) return 'hello ' .. n end }\n");
    put("rf/recipe.lua",
        "local greet = require('demo.greet')\n"
        "return {\n"
        "  inputs = { people = { schema = 'demo/people' } },\n"
        "  steps = { { fn = function(r) r.greeting = greet.hello(r.name) end "
        "} },\n"
        "  outputs = { out = { path = 'out.csv', columns = { 'greeting' } } "
        "},\n"
        "}\n");
    put("people.csv", "name\nAna\n");
    put("home/pipelines/README.md", "the home's recipes\n");
    link_to(at("rf"), "home/pipelines/shared");
    givens[0] = at("rf");

    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir("/"), 0);
    for (int i = 0; i < 2; i++) {
        char homedir[300];
        cw_run *r = NULL;
        cw_err err;

        snprintf(outdir, sizeof outdir, "%s/out%d", top, i);
        snprintf(homedir, sizeof homedir, "%s/home", top);
        assert_int_equal(cw_run_new(&r, &err), CW_OK);
        assert_int_equal(cw_run_home(r, homedir), CW_OK);
        if (cw_run_load(r, givens[i]) != CW_OK)
            fail_msg("%s: %s", givens[i], cw_run_errmsg(r));
        assert_int_equal(cw_run_input(r, NULL, at("people.csv")), CW_OK);
        assert_int_equal(cw_run_outdir(r, outdir), CW_OK);
        if (cw_run_exec(r) != CW_OK)
            fail_msg("%s: %s", givens[i], cw_run_errmsg(r));
        cw_run_free(r);
        snprintf(outdir, sizeof outdir, "%s/out%d/out.csv", top, i);
        f = fopen(outdir, "r");
        assert_non_null(f);
        got[fread(got, 1, sizeof got - 1, f)] = '\0';
        fclose(f);
        assert_string_equal(got, "greeting\nhello Ana\n");
    }
    assert_int_equal(chdir(cwd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_folder_find, setup, teardown),
        cmocka_unit_test_setup_teardown(test_folder_require, setup, teardown),
        cmocka_unit_test_setup_teardown(test_folder_require_limits, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_folder_require_no_home, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_folder_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_folder_run, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
