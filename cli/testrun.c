/*
** testrun.c -- 'crosswalk test': finds recipes and their cases from the
** paths given, runs each case (cli/testcase.c) and adds up the verdicts.
** A recipe is a file NAME.lua with its cases in NAME/cases/CASE/, or a
** folder NAME/ holding recipe.lua with its cases in NAME/cases/CASE/.
*/
#define _XOPEN_SOURCE 700 /* realpath */

#include "cli.h"
#include "testcase.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char usage_test[] =
    "usage: crosswalk test [--bless] [TARGET...]\n"
    "\n"
    "Run recipes' test cases and compare what each run writes with the\n"
    "case's expected files.  TARGET is a recipe file NAME.lua (its cases\n"
    "in NAME/cases/), a recipe folder NAME/ holding recipe.lua (its cases\n"
    "in NAME/cases/), one case (NAME/cases/CASE), a folder of recipes:\n"
    "every NAME.lua and NAME/recipe.lua in it (default: pipelines), or,\n"
    "when no file or folder here has that name, the name of a recipe in\n"
    "the home's pipelines/ (as 'crosswalk run NAME' finds it).\n"
    "\n"
    "A case is a folder holding one CSV per recipe input, named after the\n"
    "input (INPUT.csv), an optional 'params' file of KEY=VALUE lines (as\n"
    "--set), and expected/: the exact files the run writes (its outputs,\n"
    "and rejects.csv when records are rejected) and summary.txt holding\n"
    "the run's summary line.  Each case runs in its own folder, so the\n"
    "_file column of rejects.csv names the inputs relative to the case and\n"
    "the answer is the same from any directory.  A case passes when its\n"
    "run succeeds, the summary line matches, every expected file matches\n"
    "byte for byte and no other file is written; a failing case prints\n"
    "the first differing lines.  The layout: docs/testing.md.\n"
    "\n"
    "  --bless   write each case's expected/ from its run instead of\n"
    "            comparing, and list each file: new, changed (lines added\n"
    "            and removed), unchanged, or removed (the run no longer\n"
    "            writes it).  A case whose run fails is NOT BLESSED and\n"
    "            its expected files are left alone.\n"
    "\n"
    "exit: 0 every case passed (or was blessed), 1 a case failed or was\n"
    "not blessed, or there were no cases, 2 usage error, 4 a recipe hit a\n"
    "sandbox limit.\n";

/* What the cases came to, and how to run them. */
struct tally {
    const char *home;   /* absolute, or NULL: the library's default */
    int bless;          /* --bless */
    unsigned pass;      /* test: passed */
    unsigned fail;      /* test: failed */
    unsigned differ;    /* test: failed, the run differing from expected/ */
    unsigned changed;   /* bless: expected files written */
    unsigned unchanged; /* bless: nothing to write */
    unsigned refused;   /* bless: the run failed, nothing written */
    unsigned nocases;   /* recipes found in a folder without cases */
    int sandbox;        /* a recipe hit a sandbox limit */
};

/* Format a path into 'buf' of 'size' bytes; one that does not fit
** stops the command. */
static void pathf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void pathf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size) {
        fprintf(stderr, "crosswalk test: a path is too long: %s...\n", buf);
        exit(EXIT_USAGE);
    }
}

/* 1 when 'path' is a directory (or, with 'dir' 0, a regular file). */
static int is(const char *path, int dir)
{
    struct stat st;

    return stat(path, &st) == 0 &&
           (dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode));
}

/* 1 when 'name' ends with 'suffix'. */
static int ends(const char *name, const char *suffix)
{
    size_t n = strlen(name), s = strlen(suffix);

    return n >= s && strcmp(name + n - s, suffix) == 0;
}

/* The last part of 'path' (which has no trailing '/'). */
static const char *base(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

/* Run the cases in the folder 'cases' of the recipe 'file' called
** 'name': every one, or only the one called 'only'.  'named' is 1 when
** the recipe was named on the command line, where having no cases is a
** failure; in a folder of recipes it is only reported. */
static void test_recipe(struct tally *t, const char *file, const char *cases,
                        const char *name, const char *only, int named)
{
    char cdir[PATH_MAX], label[PATH_MAX];
    char **names = NULL;
    size_t n = 0;

    if (only != NULL) {
        names = malloc(sizeof *names);
        if (names != NULL && (names[0] = strdup(only)) != NULL)
            n = 1;
    } else {
        n = cw_cli_listdir(cases, "", 1, &names);
    }
    if (n == 0) {
        if (!named) {
            printf("SKIP %s: no test cases in %s\n", name, cases);
            t->nocases++;
        } else if (t->bless) {
            printf("NOT BLESSED %s: no test cases in %s: make a folder "
                   "there holding one CSV per recipe input first\n",
                   name, cases);
            t->refused++;
        } else {
            printf("FAIL %s: no test cases in %s: a case is a folder there "
                   "holding one CSV per recipe input (docs/testing.md)\n",
                   name, cases);
            t->fail++;
        }
        free(names);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        struct tc_case c = {t->home, file, cdir, label};

        pathf(cdir, sizeof cdir, "%s/%s", cases, names[i]);
        pathf(label, sizeof label, "%s/%s", name, names[i]);
        switch (cw_cli_case(&c, t->bless, &t->sandbox)) {
        case TC_PASS:
            t->pass++;
            break;
        case TC_DIFF:
            t->differ++;
            t->fail++;
            break;
        case TC_FAIL:
            t->fail++;
            break;
        case TC_CHANGED:
            t->changed++;
            break;
        case TC_UNCHANGED:
            t->unchanged++;
            break;
        case TC_REFUSED:
            t->refused++;
            break;
        }
    }
    cw_cli_freelist(names, n);
}

/* Test the recipe file 'file' (NAME.lua, or NAME/recipe.lua which is
** the folder NAME). */
static void test_file(struct tally *t, const char *file, const char *only,
                      int named)
{
    char cases[PATH_MAX], name[PATH_MAX];
    size_t len = strlen(file);

    if (strcmp(base(file), "recipe.lua") == 0) {
        /* NAME/recipe.lua: the folder's cases, the folder's name */
        char dir[PATH_MAX], real[PATH_MAX];
        size_t dl = (size_t)(base(file) - file);
        const char *b;

        while (dl > 1 && file[dl - 1] == '/')
            dl--;
        pathf(dir, sizeof dir, "%.*s", (int)dl, dl > 0 ? file : ".");
        if (dl == 0)
            pathf(dir, sizeof dir, ".");
        pathf(cases, sizeof cases, "%s/cases", dir);
        b = base(dir);
        if ((strcmp(b, ".") == 0 || strcmp(b, "..") == 0 || b[0] == '\0') &&
            realpath(dir, real) != NULL)
            b = base(real);
        pathf(name, sizeof name, "%s", b);
    } else {
        pathf(cases, sizeof cases, "%.*s/cases", (int)(len - 4), file);
        pathf(name, sizeof name, "%.*s", (int)strlen(base(file)) - 4,
              base(file));
    }
    test_recipe(t, file, cases, name, only, named);
}

/* Test the recipe folder 'dir' (holding recipe.lua). */
static void test_folder(struct tally *t, const char *dir, const char *only,
                        int named)
{
    char file[PATH_MAX];

    /* Loaded as DIR/recipe.lua: cw_run_load() takes a file. */
    pathf(file, sizeof file, "%s/recipe.lua", dir);
    test_file(t, file, only, named);
}

/* The recipe that owns the folder 'dir' (absolute): 'dir' holds
** recipe.lua, or 'dir'.lua is beside it.  Tests its cases ('only' one
** of them when not NULL) and returns 1, or returns 0 when there is no
** such recipe. */
static int test_owner(struct tally *t, const char *dir, const char *only)
{
    char file[PATH_MAX];

    pathf(file, sizeof file, "%s/recipe.lua", dir);
    if (is(file, 0)) {
        test_folder(t, dir, only, 1);
        return 1;
    }
    pathf(file, sizeof file, "%s.lua", dir);
    if (is(file, 0)) {
        test_file(t, file, only, 1);
        return 1;
    }
    return 0;
}

/* An entry of a folder of recipes: NAME.lua or NAME/recipe.lua, in
** the order of NAME. */
struct found {
    char *name;
    int folder;
};

static int cmpfound(const void *a, const void *b)
{
    const struct found *x = a, *y = b;
    size_t nx = strlen(x->name) - (x->folder ? 0 : 4);
    size_t ny = strlen(y->name) - (y->folder ? 0 : 4);
    int c = strncmp(x->name, y->name, nx < ny ? nx : ny);

    if (c == 0)
        c = (nx > ny) - (nx < ny);
    return c != 0 ? c : x->folder - y->folder;
}

/* Test every recipe in the folder 'dir', in the order of their names:
** 0, or EXIT_USAGE when it holds none. */
static int test_dir(struct tally *t, const char *dir)
{
    char **files, **dirs, path[PATH_MAX];
    size_t nf = cw_cli_listdir(dir, ".lua", 0, &files);
    size_t nd = cw_cli_listdir(dir, "", 1, &dirs);
    struct found *v = malloc((nf + nd + 1) * sizeof *v);
    size_t n = 0;

    if (v == NULL) {
        fprintf(stderr, "crosswalk test: out of memory\n");
        exit(EXIT_ABORTED);
    }
    for (size_t i = 0; i < nf; i++)
        v[n++] = (struct found){files[i], 0};
    for (size_t i = 0; i < nd; i++) {
        pathf(path, sizeof path, "%s/%s/recipe.lua", dir, dirs[i]);
        if (is(path, 0))
            v[n++] = (struct found){dirs[i], 1};
    }
    if (n == 0) {
        fprintf(stderr,
                "crosswalk test: no recipes in %s: a recipe is a file "
                "NAME.lua (its cases in NAME/cases/) or a folder NAME/ "
                "holding recipe.lua (and cases/)\n",
                dir);
    } else {
        qsort(v, n, sizeof *v, cmpfound);
    }
    for (size_t i = 0; i < n; i++) {
        pathf(path, sizeof path, "%s/%s", dir, v[i].name);
        if (v[i].folder)
            test_folder(t, path, NULL, 0);
        else
            test_file(t, path, NULL, 0);
    }
    free(v);
    cw_cli_freelist(files, nf);
    cw_cli_freelist(dirs, nd);
    return n == 0 ? EXIT_USAGE : 0;
}

/*
** 'name' is a bare NAME (letters, digits, '_', '-') that is no file or
** folder here: test the recipe of that name in the home, found as
** 'crosswalk run NAME' finds it (pipelines/NAME/recipe.lua, else
** pipelines/NAME.lua).  0 when it was tested; -1 when 'name' is not
** bare; EXIT_USAGE after saying why no recipe of that name loads (the
** library's message names where it looked).
*/
static int test_named(struct tally *t, const char *name)
{
    char folder[PATH_MAX], file[PATH_MAX];
    cw_run *r = NULL;
    int rc;

    for (const char *c = name; *c != '\0'; c++)
        if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-')
            return -1;
    if (name[0] == '\0' || cw_run_new(&r, NULL) != CW_OK)
        return -1;
    folder[0] = file[0] = '\0';
    rc = t->home != NULL ? cw_run_home(r, t->home) : CW_OK;
    if (rc == CW_OK)
        rc = cw_run_load(r, name);
    if (rc != CW_OK) { /* none of that name, or it does not load */
        fprintf(stderr, "crosswalk test: %s\n", cw_run_errmsg(r));
        cw_run_free(r);
        return EXIT_USAGE;
    }
    if (cw_run_recipe_folder(r) != NULL)
        pathf(folder, sizeof folder, "%s", cw_run_recipe_folder(r));
    else
        pathf(file, sizeof file, "%s", cw_run_recipe_file(r));
    cw_run_free(r);
    if (folder[0] != '\0')
        test_folder(t, folder, NULL, 1);
    else
        test_file(t, file, NULL, 1);
    return 0;
}

/* Test what 'target' names (see usage_test): 0, or EXIT_USAGE after
** saying why it names nothing to test. */
static int test_target(struct tally *t, const char *target)
{
    char path[PATH_MAX], real[PATH_MAX];
    size_t len;

    /* "pipelines/" and "pipelines" name the same recipes */
    pathf(path, sizeof path, "%s", target);
    len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        path[--len] = '\0';
    if (is(path, 0)) {
        if (!ends(path, ".lua")) {
            fprintf(stderr,
                    "crosswalk test: %s: not a recipe (a NAME.lua file, or "
                    "a folder holding recipe.lua or recipes)\n",
                    target);
            return EXIT_USAGE;
        }
        test_file(t, path, NULL, 1);
        return 0;
    }
    if (!is(path, 1)) {
        int err = errno ? errno : ENOENT, rc;

        if (err == ENOENT && (rc = test_named(t, target)) >= 0)
            return rc;
        fprintf(stderr, "crosswalk test: %s: %s\n", target, strerror(err));
        return EXIT_USAGE;
    }
    pathf(real, sizeof real, "%s/recipe.lua", path);
    if (is(real, 0)) {
        test_folder(t, path, NULL, 1);
        return 0;
    }
    /* NAME/cases, or one case NAME/cases/CASE */
    if (realpath(path, real) != NULL && strcmp(real, "/") != 0) {
        char *slash = strrchr(real, '/');

        if (strcmp(slash + 1, "cases") == 0) {
            *slash = '\0';
            if (test_owner(t, real, NULL))
                return 0;
        } else if (slash != real) {
            char name[PATH_MAX], *up;

            pathf(name, sizeof name, "%s", slash + 1);
            *slash = '\0';
            up = strrchr(real, '/');
            if (strcmp(up + 1, "cases") == 0 && up != real) {
                *up = '\0';
                if (test_owner(t, real, name))
                    return 0;
            }
        }
    }
    return test_dir(t, path);
}

int cw_cli_test(int argc, char **argv, const char *home)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"bless", no_argument, NULL, 'b'},
        {NULL, 0, NULL, 0},
    };
    struct tally t = {0};
    const char **targets = malloc((size_t)(argc + 1) * sizeof *targets);
    char homebuf[PATH_MAX];
    const char *env = getenv("CROSSWALK_HOME");
    cw_cli_args a;
    int c, rc = 0, n = 0;
    unsigned cases;

    if (targets == NULL) {
        fprintf(stderr, "crosswalk test: out of memory\n");
        return EXIT_ABORTED;
    }
    cw_cli_args_start(&a, "test", usage_test, opts, 0, argc, argv);
    while ((c = cw_cli_next(&a)) != CW_OPT_END) {
        if (c == CW_OPT_EXIT) {
            free(targets);
            return a.status;
        }
        if (c == 'b')
            t.bless = 1;
        else if (c == CW_OPT_OPERAND)
            targets[n++] = a.arg;
    }
    /* Each case runs in its own folder: a home named relative to this
    ** one is made absolute first. */
    t.home = home;
    if (home == NULL && env != NULL && env[0] != '\0' && env[0] != '/' &&
        realpath(env, homebuf) != NULL)
        t.home = homebuf;
    if (n == 0) {
        if (!is("pipelines", 1)) {
            free(targets);
            fprintf(stderr, "crosswalk test: no pipelines/ folder here: "
                            "name a recipe, a recipe folder or a folder "
                            "of recipes\n");
            return EXIT_USAGE;
        }
        rc = test_target(&t, "pipelines");
    } else {
        for (int i = 0; i < n && rc == 0; i++)
            rc = test_target(&t, targets[i]);
    }
    free(targets);
    if (rc != 0)
        return rc;

    if (t.bless) {
        cases = t.changed + t.unchanged + t.refused;
        printf("%u case%s: %u blessed (%u changed, %u unchanged), %u not "
               "blessed\n",
               cases, cases == 1 ? "" : "s", t.changed + t.unchanged, t.changed,
               t.unchanged, t.refused);
        if (t.refused > 0)
            fprintf(stderr,
                    "crosswalk test: %u case%s NOT blessed: see the NOT "
                    "BLESSED lines above\n",
                    t.refused, t.refused == 1 ? " was" : "s were");
    } else {
        cases = t.pass + t.fail;
        printf("%u case%s: %u passed, %u failed\n", cases,
               cases == 1 ? "" : "s", t.pass, t.fail);
        if (t.differ > 0)
            printf("If the new results are right, 'crosswalk test --bless' "
                   "on the same paths\nwrites them as the expected files "
                   "and lists what changed.\n");
    }
    if (t.nocases > 0)
        printf("%u recipe%s no test cases\n", t.nocases,
               t.nocases == 1 ? " has" : "s have");
    if (t.sandbox)
        return EXIT_SANDBOX;
    if (cases == 0) {
        fprintf(stderr, "crosswalk test: no test cases found\n");
        return EXIT_REJECTS;
    }
    return t.fail > 0 || t.refused > 0 ? EXIT_REJECTS : EXIT_CLEAN;
}
