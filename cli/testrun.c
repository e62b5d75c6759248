/*
** testrun.c -- 'crosswalk test': runs each recipe's cases, which are data.
** A recipe folder pipelines/NAME/ (or a file pipelines/NAME.lua) has cases
** in pipelines/NAME/cases/CASE/:
**   <input>.csv       one file per recipe input, named after the input
**   params            optional KEY=VALUE lines, as --set
**   expected/         the exact files the run must write (outputs and
**                     rejects.csv), plus summary.txt holding the line
**                     "read N = written W + rejected R + filtered F + merged M"
** A case passes when the run succeeds, the summary matches, every
** expected file matches byte for byte, and no other file was written.
*/
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage_test[] =
    "usage: crosswalk test [RECIPE|DIR]\n"
    "\n"
    "Run the test cases of a recipe, or of every recipe in DIR (default\n"
    "pipelines).  The cases of a recipe folder NAME/ live in\n"
    "NAME/cases/CASE/, those of NAME.lua in NAME/cases/CASE/: one CSV\n"
    "per recipe input (named after it), an optional 'params' file of\n"
    "KEY=VALUE lines, and expected/ with the exact output files, the\n"
    "rejects.csv when rows are rejected, and summary.txt holding the run's\n"
    "summary line.  A failing case prints the first differing lines.\n"
    "exit: 0 every case passed, 1 a case failed, 2 usage error, 4 a case\n"
    "failed because the recipe hit a sandbox limit.\n";

/* Read a whole file into a malloc'd buffer; NULL on failure. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;

    if (f == NULL)
        return NULL;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            char *nb = realloc(buf, cap = (n + 4096 + 1) * 2);

            if (nb == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);

        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names in 'dir' (files or dirs, per 'wantdir') that end in
** 'suffix'.  Returns the count; '*out' is malloc'd. */
static size_t listdir(const char *dir, const char *suffix, int wantdir,
                      char ***out)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **v = NULL;
    size_t n = 0;
    char path[4096];

    *out = NULL;
    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        size_t l = strlen(e->d_name), sl = strlen(suffix);

        if (e->d_name[0] == '.' || l < sl ||
            strcmp(e->d_name + l - sl, suffix) != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0 || (S_ISDIR(st.st_mode) != 0) != wantdir)
            continue;
        char **nv = realloc(v, (n + 1) * sizeof *v);

        if (nv == NULL)
            break;
        v = nv;
        v[n++] = strdup(e->d_name);
    }
    closedir(d);
    if (n > 0)
        qsort(v, n, sizeof *v, cmpstr);
    *out = v;
    return n;
}

static void freelist(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Print the first differing lines of 'a' (expected) and 'b' (actual). */
static void showdiff(const char *name, const char *a, const char *b)
{
    unsigned long line = 1;
    int shown = 0;

    printf("    --- expected/%s\n    +++ actual/%s\n", name, name);
    while ((*a || *b) && shown < 6) {
        const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
        size_t la = ea ? (size_t)(ea - a) : strlen(a);
        size_t lb = eb ? (size_t)(eb - b) : strlen(b);

        if (la != lb || memcmp(a, b, la) != 0) {
            printf("    line %lu:\n", line);
            if (*a)
                printf("    -%.*s\n", (int)la, a);
            if (*b)
                printf("    +%.*s\n", (int)lb, b);
            shown++;
        }
        a += la + (ea != NULL);
        b += lb + (eb != NULL);
        line++;
    }
}

static void rmtree(const char *dir)
{
    char **names;
    size_t n = listdir(dir, "", 0, &names);
    char path[4096];

    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    freelist(names, n);
    rmdir(dir);
}

/* Load KEY=VALUE lines of 'path' (if it exists) into the run. */
static int load_params(cw_run *r, const char *path)
{
    size_t len;
    char *buf = slurp(path, &len);
    char *line, *save = NULL;

    if (buf == NULL)
        return 0;
    for (line = strtok_r(buf, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');

        if (line[0] == '#' || eq == NULL)
            continue;
        *eq = '\0';
        if (cw_run_param(r, line, eq + 1) != CW_OK) {
            free(buf);
            return -1;
        }
    }
    free(buf);
    return 0;
}

/* 1 once a case failed because the recipe hit a sandbox limit. */
static int sandbox_hit;

/* Run one case; print PASS or FAIL with the reason.  Returns 1 on pass. */
static int run_case(const char *home, const char *recipe, const char *cdir,
                    const char *label)
{
    char tmpl[] = "/tmp/crosswalk-test.XXXXXX";
    char path[8192], exp[4608], line[256];
    char *outdir = mkdtemp(tmpl);
    cw_run *r = NULL;
    cw_summary s;
    cw_err err;
    char **names = NULL;
    size_t nnames = 0;
    int ok = 0, rc = CW_OK;

    if (outdir == NULL) {
        printf("FAIL %s: cannot make a temp dir: %s\n", label, strerror(errno));
        return 0;
    }
    if (cw_run_new(&r, &err) != CW_OK) {
        printf("FAIL %s: %s\n", label, err.msg);
        goto done;
    }
    cw_run_home(r, home);
    snprintf(path, sizeof path, "%s/params", cdir);
    if (load_params(r, path) != 0 || (rc = cw_run_load(r, recipe)) != CW_OK) {
        sandbox_hit |= rc == CW_ELIMIT;
        printf("FAIL %s: %s\n", label, cw_run_errmsg(r));
        goto done;
    }
    for (size_t i = 0; i < cw_run_ninputs(r); i++) {
        int ismain;
        const char *name = cw_run_input_name(r, i, &ismain);
        struct stat st;

        snprintf(path, sizeof path, "%s/%s.csv", cdir, name);
        if (stat(path, &st) != 0) {
            printf("FAIL %s: missing input file %s\n", label, path);
            goto done;
        }
        cw_run_input(r, ismain ? NULL : name, path);
    }
    cw_run_outdir(r, outdir);
    rc = cw_run_exec(r);
    if (rc != CW_OK) {
        sandbox_hit |= rc == CW_ELIMIT;
        printf("FAIL %s: the run failed: %s\n", label, cw_run_errmsg(r));
        goto done;
    }
    cw_run_summary(r, &s);
    snprintf(line, sizeof line,
             "read %llu = written %llu + rejected %llu + filtered %llu + "
             "merged %llu",
             s.read, s.written, s.rejected, s.filtered, s.merged);
    snprintf(exp, sizeof exp, "%s/expected/summary.txt", cdir);
    {
        size_t len;
        char *want = slurp(exp, &len);

        while (want != NULL && len > 0 &&
               (want[len - 1] == '\n' || want[len - 1] == '\r'))
            want[--len] = '\0';
        if (want == NULL || strcmp(want, line) != 0) {
            printf("FAIL %s: summary differs\n    expected: %s\n    actual:   "
                   "%s\n",
                   label, want ? want : "(no expected/summary.txt)", line);
            free(want);
            goto done;
        }
        free(want);
    }
    /* Every expected file matches; no other file was written. */
    snprintf(exp, sizeof exp, "%s/expected", cdir);
    nnames = listdir(exp, "", 0, &names);
    for (size_t i = 0; i < nnames; i++) {
        size_t la, lb;
        char *a, *b;

        if (strcmp(names[i], "summary.txt") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", exp, names[i]);
        a = slurp(path, &la);
        snprintf(path, sizeof path, "%s/%s", outdir, names[i]);
        b = slurp(path, &lb);
        if (b == NULL) {
            printf("FAIL %s: expected output %s was not written\n", label,
                   names[i]);
            free(a);
            goto done;
        }
        if (a == NULL || la != lb || memcmp(a, b, la) != 0) {
            printf("FAIL %s: %s differs\n", label, names[i]);
            showdiff(names[i], a ? a : "", b);
            free(a);
            free(b);
            goto done;
        }
        free(a);
        free(b);
    }
    {
        char **got;
        size_t ngot = listdir(outdir, "", 0, &got);

        for (size_t i = 0; i < ngot; i++) {
            size_t k;

            for (k = 0; k < nnames && strcmp(names[k], got[i]) != 0; k++)
                ;
            if (k == nnames) {
                printf("FAIL %s: unexpected output file %s\n", label, got[i]);
                freelist(got, ngot);
                goto done;
            }
        }
        freelist(got, ngot);
    }
    printf("PASS %s (%s)\n", label, line);
    ok = 1;
done:
    freelist(names, nnames);
    cw_run_free(r);
    rmtree(outdir);
    return ok;
}

/* 1 when 'path' is a recipe folder: a directory holding recipe.lua. */
static int isfolder(const char *path)
{
    char p[8300];
    struct stat st;

    if ((size_t)snprintf(p, sizeof p, "%s/recipe.lua", path) >= sizeof p)
        return 0;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Run every case of 'recipe' (a path ending in .lua, or a recipe folder,
** whose cases are in its cases/). */
static void run_recipe(const char *home, const char *recipe, unsigned *pass,
                       unsigned *fail)
{
    char cases[4096], cdir[4096 + 256], label[512];
    int folder = isfolder(recipe);
    size_t len = strlen(recipe) - (folder ? 0 : 4);
    char **names;
    size_t n;
    const char *base = strrchr(recipe, '/');

    base = base ? base + 1 : recipe;
    snprintf(cases, sizeof cases, "%.*s/cases", (int)len, recipe);
    n = listdir(cases, "", 1, &names);
    if (n == 0) {
        printf("FAIL %s: no test cases in %s\n", base, cases);
        (*fail)++;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(cdir, sizeof cdir, "%s/%s", cases, names[i]);
        snprintf(label, sizeof label, "%.*s/%s",
                 (int)strlen(base) - (folder ? 0 : 4), base, names[i]);
        if (run_case(home, recipe, cdir, label))
            (*pass)++;
        else
            (*fail)++;
    }
    freelist(names, n);
}

int cw_cli_test(int argc, char **argv, const char *home)
{
    char target[4096];
    unsigned pass = 0, fail = 0;
    struct stat st;
    size_t tlen;

    if (cw_cli_wants_help(argc, argv)) {
        fputs(usage_test, stdout);
        return EXIT_CLEAN;
    }
    /* "pipelines/" and "pipelines" name the same cases, and the paths in
    ** expected rejects files must not depend on the spelling. */
    snprintf(target, sizeof target, "%s", argc > 0 ? argv[0] : "pipelines");
    tlen = strlen(target);
    while (tlen > 1 && target[tlen - 1] == '/')
        target[--tlen] = '\0';

    if (stat(target, &st) != 0) {
        fprintf(stderr, "crosswalk: %s: %s\n", target, strerror(errno));
        return EXIT_USAGE;
    }
    if (S_ISDIR(st.st_mode) && !isfolder(target)) {
        char **names, **dirs;
        size_t n = listdir(target, ".lua", 0, &names);
        size_t nd = listdir(target, "", 1, &dirs), found = n;
        char path[8192];

        for (size_t i = 0; i < nd; i++) { /* recipe folders */
            snprintf(path, sizeof path, "%s/%s", target, dirs[i]);
            if (isfolder(path)) {
                run_recipe(home, path, &pass, &fail);
                found++;
            }
        }
        freelist(dirs, nd);
        if (found == 0) {
            fprintf(stderr,
                    "crosswalk: no recipes (*.lua, or folders holding "
                    "recipe.lua) in %s\n",
                    target);
            return EXIT_USAGE;
        }
        for (size_t i = 0; i < n; i++) {
            snprintf(path, sizeof path, "%s/%s", target, names[i]);
            run_recipe(home, path, &pass, &fail);
        }
        freelist(names, n);
    } else {
        run_recipe(home, target, &pass, &fail);
    }
    printf("%u cases: %u passed, %u failed\n", pass + fail, pass, fail);
    if (sandbox_hit)
        return EXIT_SANDBOX;
    return fail > 0 ? EXIT_REJECTS : EXIT_CLEAN;
}
