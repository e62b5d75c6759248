/*
** testcase.c -- one case of 'crosswalk test': the run, the comparison
** with expected/, and --bless, which writes expected/ from the run.
** A case is a directory holding one INPUT.csv per recipe input, an
** optional 'params' file of KEY=VALUE lines (as --set), and expected/:
** the exact files the run writes (its outputs and rejects.csv) plus
** summary.txt holding the line "read N = written W + rejected R +
** filtered F + merged M".  The run's working directory is the case
** directory, so what it writes names the inputs relative to the case.
*/
#define _XOPEN_SOURCE 700 /* realpath */

#include "testcase.h"

#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The expected file holding the summary line; no output may be called
** so. */
#define SUMMARY "summary.txt"

/* ==== Files ==== */

/* Read a whole file into a malloc'd, NUL-terminated buffer; NULL on
** failure, errno set. */
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
                errno = ENOMEM;
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);

        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(buf);
        fclose(f);
        errno = EIO;
        return NULL;
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

size_t cw_cli_listdir(const char *dir, const char *suffix, int wantdir,
                      char ***out)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **v = NULL;
    size_t n = 0, sl = strlen(suffix);
    char path[PATH_MAX + NAME_MAX + 2];

    *out = NULL;
    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        size_t l = strlen(e->d_name);
        char **nv;

        if (e->d_name[0] == '.' || l < sl ||
            strcmp(e->d_name + l - sl, suffix) != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0 ||
            (wantdir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)))
            continue;
        nv = realloc(v, (n + 1) * sizeof *v);
        if (nv == NULL)
            break;
        v = nv;
        if ((v[n] = strdup(e->d_name)) == NULL)
            break;
        n++;
    }
    closedir(d);
    if (n > 0)
        qsort(v, n, sizeof *v, cmpstr);
    *out = v;
    return n;
}

void cw_cli_freelist(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* 1 when 'name' is one of the 'n' names in 'v'. */
static int listed(char **v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], name) == 0)
            return 1;
    return 0;
}

/* Remove the temp directory 'dir' of a run and the files in it (a run
** writes files only). */
static void rmtree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[PATH_MAX + NAME_MAX + 2];

    if (d != NULL) {
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* Write 'len' bytes of 'data' to 'dir'/'name' through a temp file
** renamed into place; -1 with errno set on failure. */
static int put(const char *dir, const char *name, const char *data, size_t len)
{
    char tmp[PATH_MAX + NAME_MAX + 16], path[PATH_MAX + NAME_MAX + 2];
    FILE *f;
    int bad;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s/.%s.blessing", dir, name);
    if ((f = fopen(tmp, "wb")) == NULL)
        return -1;
    bad = len > 0 && fwrite(data, 1, len, f) != len;
    if (fclose(f) != 0 || bad) {
        int e = errno;

        unlink(tmp);
        errno = e ? e : EIO;
        return -1;
    }
    if (rename(tmp, path) != 0) {
        int e = errno;

        unlink(tmp);
        errno = e;
        return -1;
    }
    return 0;
}

/* ==== Lines ==== */

/* One line of a file, without its newline. */
struct span {
    const char *p;
    size_t n;
};

/* The lines of 'len' bytes at 's' into '*out' (malloc'd); returns the
** count, or (size_t)-1 when out of memory.  A last line without its
** newline counts. */
static size_t split(const char *s, size_t len, struct span **out)
{
    size_t n = 0, k = 0;
    struct span *v;

    for (size_t i = 0; i < len; i++)
        n += s[i] == '\n';
    n += len > 0 && s[len - 1] != '\n';
    *out = v = malloc((n ? n : 1) * sizeof *v);
    if (v == NULL)
        return (size_t)-1;
    for (size_t i = 0, start = 0; i < len; i++)
        if (s[i] == '\n' || i == len - 1) {
            size_t end = s[i] == '\n' ? i : len;

            v[k++] = (struct span){s + start, end - start};
            start = i + 1;
        }
    return n;
}

static int cmpspan(const void *a, const void *b)
{
    const struct span *x = a, *y = b;
    int c = memcmp(x->p, y->p, x->n < y->n ? x->n : y->n);

    return c != 0 ? c : (x->n > y->n) - (x->n < y->n);
}

/* How file 'a' changed into 'b', as a few words into 'out': the lines
** added and removed (counted as sets, so a moved line counts as
** neither), or what else differs when no line does. */
static void describe(const char *a, size_t la, const char *b, size_t lb,
                     char *out, size_t size)
{
    struct span *x = NULL, *y = NULL;
    size_t nx = split(a, la, &x), ny = split(b, lb, &y);
    size_t i = 0, j = 0, added = 0, removed = 0;

    if (nx == (size_t)-1 || ny == (size_t)-1) {
        snprintf(out, size, "changed");
        goto done;
    }
    qsort(x, nx, sizeof *x, cmpspan);
    qsort(y, ny, sizeof *y, cmpspan);
    while (i < nx || j < ny) {
        int c = i == nx ? 1 : j == ny ? -1 : cmpspan(&x[i], &y[j]);

        if (c < 0)
            removed++, i++;
        else if (c > 0)
            added++, j++;
        else
            i++, j++;
    }
    if (added > 0 || removed > 0)
        snprintf(out, size, "+%zu -%zu lines", added, removed);
    else if ((la > 0 && a[la - 1] == '\n') != (lb > 0 && b[lb - 1] == '\n'))
        snprintf(out, size, "the newline at the end");
    else
        snprintf(out, size, "the same lines in another order");
done:
    free(x);
    free(y);
}

/* The number of lines in 'len' bytes at 's', for "new" files. */
static size_t count_lines(const char *s, size_t len)
{
    size_t n = len > 0 && s[len - 1] != '\n';

    for (size_t i = 0; i < len; i++)
        n += s[i] == '\n';
    return n;
}

/* ==== The run ==== */

/* A case's run: its temp output directory and summary line. */
struct ran {
    char outdir[64]; /* the run's --out-dir; "" before it exists */
    char line[256];  /* "read N = written W + ..." */
};

/* Print the verdict line "VERDICT LABEL: MESSAGE". */
static void say(const char *verdict, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(const char *verdict, const char *label, const char *fmt, ...)
{
    va_list ap;

    printf("%s %s: ", verdict, label);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

/* Load the KEY=VALUE lines of 'path' (if it exists) into the run:
** 0, or -1 after printing why. */
static int load_params(cw_run *r, const char *path, const char *verdict,
                       const char *label)
{
    size_t len;
    char *buf = slurp(path, &len);
    char *line, *save = NULL;

    if (buf == NULL) {
        if (errno == ENOENT)
            return 0;
        say(verdict, label, "cannot read params: %s", strerror(errno));
        return -1;
    }
    for (line = strtok_r(buf, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');
        size_t n = strlen(line);

        if (n > 0 && line[n - 1] == '\r')
            line[--n] = '\0';
        if (line[0] == '#' || strspn(line, " \t") == n)
            continue;
        if (eq == NULL) {
            say(verdict, label, "params: '%s' is not KEY=VALUE", line);
            free(buf);
            return -1;
        }
        *eq = '\0';
        if (cw_run_param(r, line, eq + 1) != CW_OK) {
            say(verdict, label, "params: %s", cw_run_errmsg(r));
            free(buf);
            return -1;
        }
    }
    free(buf);
    return 0;
}

/* Go back to the directory 'fd' and close it; a program that cannot
** return to its working directory cannot go on. */
static void go_back(int fd)
{
    if (fchdir(fd) != 0) {
        fprintf(stderr,
                "crosswalk test: cannot return to the working directory: "
                "%s\n",
                strerror(errno));
        exit(EXIT_ABORTED);
    }
    close(fd);
}

/* Bind the inputs of 'r', each "NAME.csv" in the working directory, and
** execute it into 'outdir': CW_OK, or a status after printing why. */
static int bind_and_exec(cw_run *r, const char *outdir, const char *verdict,
                         const char *label)
{
    char path[NAME_MAX + 8];
    struct stat st;
    int rc;

    for (size_t i = 0; i < cw_run_ninputs(r); i++) {
        int ismain;
        const char *name = cw_run_input_name(r, i, &ismain);

        snprintf(path, sizeof path, "%s.csv", name);
        if (stat(path, &st) != 0) {
            say(verdict, label,
                "missing input file %s (the recipe's input '%s')%s%s", path,
                name, errno == ENOENT ? "" : ": ",
                errno == ENOENT ? "" : strerror(errno));
            return CW_EUSAGE;
        }
        if (cw_run_input(r, ismain ? NULL : name, path) != CW_OK) {
            say(verdict, label, "%s", cw_run_errmsg(r));
            return CW_EUSAGE;
        }
    }
    if (cw_run_outdir(r, outdir) != CW_OK) {
        say(verdict, label, "out of memory");
        return CW_ENOMEM;
    }
    if ((rc = cw_run_exec(r)) != CW_OK)
        say(verdict, label, "the run failed: %s", cw_run_errmsg(r));
    return rc;
}

/* Run case 'c' into a fresh temp directory, named in 'out' (the caller
** removes it): 0, or -1 after printing "VERDICT LABEL: why". */
static int run(const struct tc_case *c, const char *verdict, struct ran *out,
               int *sandbox)
{
    char recipe[PATH_MAX], dir[PATH_MAX], path[PATH_MAX + 16];
    cw_run *r = NULL;
    cw_summary s;
    cw_err err;
    int cwd, rc;

    out->outdir[0] = '\0';
    if (realpath(c->recipe, recipe) == NULL) {
        say(verdict, c->label, "%s: %s", c->recipe, strerror(errno));
        return -1;
    }
    if (realpath(c->dir, dir) == NULL) {
        say(verdict, c->label, "%s: %s", c->dir, strerror(errno));
        return -1;
    }
    snprintf(out->outdir, sizeof out->outdir, "/tmp/crosswalk-test.XXXXXX");
    if (mkdtemp(out->outdir) == NULL) {
        out->outdir[0] = '\0';
        say(verdict, c->label, "cannot make a temp directory: %s",
            strerror(errno));
        return -1;
    }
    if (cw_run_new(&r, &err) != CW_OK) {
        say(verdict, c->label, "%s", err.msg);
        return -1;
    }
    snprintf(path, sizeof path, "%s/params", dir);
    if (c->home != NULL && cw_run_home(r, c->home) != CW_OK) {
        say(verdict, c->label, "out of memory");
        goto fail;
    }
    if (load_params(r, path, verdict, c->label) != 0)
        goto fail;
    /* The recipe by its absolute path: whatever it finds beside itself
    ** is found from the case directory too. */
    if ((rc = cw_run_load(r, recipe)) != CW_OK) {
        *sandbox |= rc == CW_ELIMIT;
        say(verdict, c->label, "the recipe did not load: %s", cw_run_errmsg(r));
        goto fail;
    }
    cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cwd < 0 || chdir(dir) != 0) {
        say(verdict, c->label, "cannot enter %s: %s", cwd < 0 ? "." : dir,
            strerror(errno));
        if (cwd >= 0)
            close(cwd);
        goto fail;
    }
    rc = bind_and_exec(r, out->outdir, verdict, c->label);
    go_back(cwd);
    if (rc != CW_OK) {
        *sandbox |= rc == CW_ELIMIT;
        goto fail;
    }
    cw_run_summary(r, &s);
    snprintf(out->line, sizeof out->line,
             "read %llu = written %llu + rejected %llu + filtered %llu + "
             "merged %llu",
             s.read, s.written, s.rejected, s.filtered, s.merged);
    cw_run_free(r);
    return 0;
fail:
    cw_run_free(r);
    return -1;
}

/* ==== Comparing ==== */

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

/* The summary line in the file 'path', its line end cut; NULL when the
** file cannot be read. */
static char *read_summary(const char *path)
{
    size_t len;
    char *want = slurp(path, &len);

    while (want != NULL && len > 0 &&
           (want[len - 1] == '\n' || want[len - 1] == '\r'))
        want[--len] = '\0';
    return want;
}

/* Compare the files of 'ran' with those in expected/ of 'c'. */
static enum tc_outcome compare(const struct tc_case *c, const struct ran *ran)
{
    char exp[PATH_MAX], path[PATH_MAX + NAME_MAX + 2];
    char **want = NULL, **got = NULL, *text;
    size_t nwant = 0, ngot = 0;
    enum tc_outcome res = TC_DIFF;
    struct stat st;

    snprintf(exp, sizeof exp, "%s/expected", c->dir);
    if (stat(exp, &st) != 0 || !S_ISDIR(st.st_mode)) {
        say("FAIL", c->label,
            "no expected/ folder (this run: %s); 'crosswalk test --bless' "
            "writes it from the run",
            ran->line);
        return TC_DIFF;
    }
    snprintf(path, sizeof path, "%s/" SUMMARY, exp);
    text = read_summary(path);
    if (text == NULL || strcmp(text, ran->line) != 0) {
        say("FAIL", c->label,
            "summary differs\n    expected: %s\n    actual:   %s",
            text ? text : "(no expected/" SUMMARY ")", ran->line);
        free(text);
        return TC_DIFF;
    }
    free(text);
    /* Every expected file matches; no other file was written. */
    nwant = cw_cli_listdir(exp, "", 0, &want);
    for (size_t i = 0; i < nwant; i++) {
        size_t la, lb;
        char *a, *b;

        if (strcmp(want[i], SUMMARY) == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", exp, want[i]);
        a = slurp(path, &la);
        snprintf(path, sizeof path, "%s/%s", ran->outdir, want[i]);
        b = slurp(path, &lb);
        if (b == NULL) {
            say("FAIL", c->label, "expected output %s was not written",
                want[i]);
            free(a);
            goto done;
        }
        if (a == NULL || la != lb || memcmp(a, b, la) != 0) {
            say("FAIL", c->label, "%s differs", want[i]);
            showdiff(want[i], a ? a : "", b);
            free(a);
            free(b);
            goto done;
        }
        free(a);
        free(b);
    }
    ngot = cw_cli_listdir(ran->outdir, "", 0, &got);
    for (size_t i = 0; i < ngot; i++)
        if (!listed(want, nwant, got[i])) {
            say("FAIL", c->label, "unexpected output file %s", got[i]);
            goto done;
        }
    printf("PASS %s (%s)\n", c->label, ran->line);
    res = TC_PASS;
done:
    cw_cli_freelist(want, nwant);
    cw_cli_freelist(got, ngot);
    return res;
}

/* ==== Blessing ==== */

/* Make expected/'name' hold the 'len' bytes at 'data', and add a line
** saying what changed to 'log': 1 written, 0 unchanged, -1 after
** printing why it could not be written. */
static int bless_file(const struct tc_case *c, const char *exp,
                      const char *name, const char *data, size_t len, FILE *log)
{
    char path[PATH_MAX + NAME_MAX + 2], how[64];
    size_t la;
    char *a;

    snprintf(path, sizeof path, "%s/%s", exp, name);
    a = slurp(path, &la);
    if (a == NULL && errno != ENOENT) {
        say("NOT BLESSED", c->label, "cannot read expected/%s: %s", name,
            strerror(errno));
        return -1;
    }
    if (a != NULL && la == len && memcmp(a, data, len) == 0) {
        fprintf(log, "    unchanged  expected/%s\n", name);
        free(a);
        return 0;
    }
    if (put(exp, name, data, len) != 0) {
        say("NOT BLESSED", c->label, "cannot write expected/%s: %s", name,
            strerror(errno));
        free(a);
        return -1;
    }
    if (a == NULL) {
        size_t n = count_lines(data, len);

        fprintf(log, "    new        expected/%s (%zu line%s)\n", name, n,
                n == 1 ? "" : "s");
    } else {
        describe(a, la, data, len, how, sizeof how);
        fprintf(log, "    changed    expected/%s (%s)\n", name, how);
    }
    free(a);
    return 1;
}

/* Write the files of 'ran' into expected/ of 'c', removing those the run
** no longer writes, and print what changed. */
static enum tc_outcome bless(const struct tc_case *c, const struct ran *ran)
{
    char exp[PATH_MAX], path[PATH_MAX + NAME_MAX + 2], line[260];
    char **got = NULL, **had = NULL, *text = NULL, *logbuf = NULL;
    size_t ngot, nhad = 0, loglen = 0;
    enum tc_outcome res = TC_REFUSED;
    int changed = 0, rc;
    FILE *log = open_memstream(&logbuf, &loglen);

    if (log == NULL) {
        say("NOT BLESSED", c->label, "out of memory");
        return TC_REFUSED;
    }
    ngot = cw_cli_listdir(ran->outdir, "", 0, &got);
    if (listed(got, ngot, SUMMARY)) {
        say("NOT BLESSED", c->label,
            "the recipe writes an output called " SUMMARY
            ", the name a case keeps for the summary line");
        goto done;
    }
    snprintf(exp, sizeof exp, "%s/expected", c->dir);
    if (mkdir(exp, 0777) != 0 && errno != EEXIST) {
        say("NOT BLESSED", c->label, "cannot make %s: %s", exp,
            strerror(errno));
        goto done;
    }
    nhad = cw_cli_listdir(exp, "", 0, &had);
    for (size_t i = 0; i < ngot; i++) {
        size_t len;

        snprintf(path, sizeof path, "%s/%s", ran->outdir, got[i]);
        if ((text = slurp(path, &len)) == NULL) {
            say("NOT BLESSED", c->label, "cannot read the run's %s: %s", got[i],
                strerror(errno));
            goto done;
        }
        if ((rc = bless_file(c, exp, got[i], text, len, log)) < 0)
            goto done;
        changed |= rc;
        free(text);
        text = NULL;
    }
    /* The summary: a file holding the same line, whatever its line end,
    ** is left as it is. */
    snprintf(path, sizeof path, "%s/" SUMMARY, exp);
    text = read_summary(path);
    if (text != NULL && strcmp(text, ran->line) == 0) {
        fprintf(log, "    unchanged  expected/" SUMMARY "\n");
    } else {
        snprintf(line, sizeof line, "%s\n", ran->line);
        if ((rc = bless_file(c, exp, SUMMARY, line, strlen(line), log)) < 0)
            goto done;
        changed |= rc;
    }
    for (size_t i = 0; i < nhad; i++) {
        if (strcmp(had[i], SUMMARY) == 0 || listed(got, ngot, had[i]))
            continue;
        snprintf(path, sizeof path, "%s/%s", exp, had[i]);
        if (unlink(path) != 0) {
            say("NOT BLESSED", c->label, "cannot remove expected/%s: %s",
                had[i], strerror(errno));
            goto done;
        }
        fprintf(log,
                "    removed    expected/%s (the run no longer "
                "writes it)\n",
                had[i]);
        changed = 1;
    }
    res = changed ? TC_CHANGED : TC_UNCHANGED;
done:
    fclose(log);
    if (res == TC_CHANGED)
        printf("BLESSED %s (%s)\n%s", c->label, ran->line, logbuf);
    else if (res == TC_UNCHANGED)
        printf("UNCHANGED %s (%s)\n", c->label, ran->line);
    else if (loglen > 0)
        printf("    before it stopped:\n%s", logbuf);
    free(logbuf);
    free(text);
    cw_cli_freelist(got, ngot);
    cw_cli_freelist(had, nhad);
    return res;
}

enum tc_outcome cw_cli_case(const struct tc_case *c, int bless_it, int *sandbox)
{
    struct ran ran;
    enum tc_outcome res;

    if (run(c, bless_it ? "NOT BLESSED" : "FAIL", &ran, sandbox) != 0)
        res = bless_it ? TC_REFUSED : TC_FAIL;
    else
        res = bless_it ? bless(c, &ran) : compare(c, &ran);
    if (ran.outdir[0] != '\0')
        rmtree(ran.outdir);
    return res;
}
