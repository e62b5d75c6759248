/*
** validate.c -- checks a whole file against a schema and reports every
** problem: header (required, unknown and duplicate columns), every value
** of every row, the distinct-value cap (Organizer's 5 Effort Names), the
** file size cap, empty files, and values a spreadsheet would run as
** formulas.
*/
#include "crosswalk.h"

#include "api/home.h"

#include "csv/csvread.h"
#include "csv/decode.h"
#include "values/formula.h"
#include "values/schema.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

typedef struct vctx {
    const char *path;     /* file being checked */
    cw_problem_fn fn;     /* where problems go */
    void *ud;             /* its argument */
    unsigned long errors; /* errors reported */
    char msg[700];        /* message scratch */
    cw_buf hint;          /* a missing column's hint */
} vctx;

static void report(vctx *v, unsigned long line, unsigned long col,
                   const char *column, const char *code, const char *msg,
                   int warning)
{
    cw_problem p = {v->path, line, col, column, code, msg, warning};

    if (!warning)
        v->errors++;
    if (v->fn != NULL)
        v->fn(v->ud, &p);
}

/* Distinct values of the capped column, and their effort keys. */
typedef struct distinct {
    char **vals; /* values seen, in order */
    size_t n;    /* count */
    size_t cap;  /* allocated */
} distinct;

static void distinct_free(distinct *d)
{
    for (size_t i = 0; i < d->n; i++)
        cw__free(d->vals[i]);
    cw__free(d->vals);
}

/* Note value 's' of the capped column at 'line'; report the row where
** the cap is passed and spellings that differ only in case or spacing. */
static int track(vctx *v, const cw_schema *s, distinct *d, const char *val,
                 size_t len, unsigned long line, unsigned long col)
{
    char **nv;

    if (len >= CW_EFFORT_MAX)
        len = CW_EFFORT_MAX - 1;
    if (cw__effort_seen(d->vals, d->n, val, len, v->msg, sizeof v->msg))
        return CW_OK;
    if (v->msg[0] != '\0')
        report(v, line, col, s->distinct_col, "W_EFFORT_SPELLING", v->msg, 1);
    nv = cw__grow(d->vals, &d->cap, d->n + 1, sizeof *nv);
    if (nv == NULL)
        return CW_ENOMEM;
    d->vals = nv;
    if ((nv[d->n] = cw__strndup(val, len)) == NULL)
        return CW_ENOMEM;
    d->n++;
    if (d->n == s->distinct_max + 1) {
        snprintf(v->msg, sizeof v->msg,
                 "a %zuth distinct %s '%.*s' appears; one file may hold at "
                 "most %zu (split the file; 'crosswalk run' splits for you)",
                 d->n, s->distinct_col, (int)len, val, s->distinct_max);
        report(v, line, col, s->distinct_col, "E_DISTINCT_CAP", v->msg, 0);
    }
    return CW_OK;
}

/* Warn when a spreadsheet opening a file of the format would run the
** value 's' of 'column' as a formula. */
static void formula(vctx *v, const cw_schema *s, const char *column,
                    const char *val, size_t len, unsigned long line,
                    unsigned long col)
{
    cw_verdict vd;

    if (!s->spreadsheet || !cw__formula(val, len))
        return;
    cw__formula_verdict(column, val, len, "W_FORMULA", &vd);
    report(v, line, col, column, vd.code, vd.msg, 1);
}

/* Set 'v->hint' to what may explain why the header of 'r' lacks the
** required column 'missing' of 's': a close header name, else the
** header's names (left empty when out of memory). */
static void header_hint(vctx *v, const cw_schema *s, cw_csv *r,
                        const char *missing)
{
    size_t n = cw__csv_ncols(r);
    const char **hdr = cw__alloc((n ? n : 1) * sizeof *hdr);

    v->hint.len = 0;
    if (hdr == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        hdr[i] = cw__csv_colname(r, i);
    if (cw__schema_missing_hint(&v->hint, s, &missing, 1, hdr, n) != CW_OK &&
        v->hint.p != NULL) {
        v->hint.len = 0;
        v->hint.p[0] = '\0';
    }
    cw__free(hdr);
}

/* Match the header against the schema; fill 'map' (file column -> schema
** column or -1) and report missing and unknown columns. */
static void check_header(vctx *v, const cw_schema *s, cw_csv *r, long *map,
                         long *distcol)
{
    size_t n = cw__csv_ncols(r), nreq = 0;
    const char *sep;
    char hint[200];
    int delim;

    /* A header that looks written with another delimiter says so once:
    ** in the first missing column, or in the unknown one when the schema
    ** requires none. */
    cw__csv_hint(r, hint, sizeof hint);
    delim = hint[0] != '\0';
    for (size_t c = 0; c < s->ncols; c++)
        nreq += s->cols[c].required != 0;
    sep = hint[0] != '\0' && nreq == 0 ? "; " : "";
    *distcol = -1;
    for (size_t i = 0; i < n; i++) {
        const char *name = cw__csv_colname(r, i);

        map[i] = cw__schema_find(s, name, strlen(name));
        if (map[i] < 0 && !cw__schema_prefixed(s, name, strlen(name))) {
            snprintf(v->msg, sizeof v->msg,
                     "column '%.*s' is not in schema %s%s%s",
                     sep[0] != '\0' ? 200 : (int)sizeof v->msg, name, s->name,
                     sep, sep[0] != '\0' ? hint : "");
            report(v, 1, i + 1, name, "W_UNKNOWN_COLUMN", v->msg, 1);
        }
        if (map[i] >= 0 && s->distinct_col != NULL &&
            strcmp(s->cols[map[i]].name, s->distinct_col) == 0)
            *distcol = (long)i;
    }
    for (size_t c = 0; c < s->ncols; c++) {
        size_t i;

        if (!s->cols[c].required)
            continue;
        for (i = 0; i < n; i++)
            if (map[i] == (long)c)
                break;
        if (i == n) {
            const char *missing = s->cols[c].name;

            /* The delimiter hint replaces the close-name one, once. */
            if (!delim)
                header_hint(v, s, r, missing);
            snprintf(v->msg, sizeof v->msg,
                     "required column '%s' is missing (schema %s)%s%s", missing,
                     s->name, delim && hint[0] != '\0' ? "; " : "",
                     delim               ? hint
                     : v->hint.p != NULL ? v->hint.p
                                         : "");
            report(v, 1, 0, missing, "E_MISSING_COLUMN", v->msg, 0);
            hint[0] = '\0';
        }
    }
}

static int check_rows(vctx *v, const cw_schema *s, cw_csv *r, const long *map,
                      long distcol)
{
    size_t n = cw__csv_ncols(r);
    distinct d = {0};
    cw_buf scratch = {0};
    unsigned long long rows = 0;
    int rc;

    while ((rc = cw__csv_next(r)) == CW_ROW || rc == CW_EINVALID) {
        unsigned long line = cw__csv_line(r);

        rows++;
        if (rc == CW_EINVALID) {
            report(v, cw__csv_errline(r), cw__csv_errcol(r), NULL,
                   cw__csv_code(r), cw__msg_nopos(cw__csv_errmsg(r)), 0);
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            cw_colspec c;
            const char *res;
            size_t len, reslen;
            const char *val = cw__csv_field(r, i, &len);
            cw_verdict vd;

            if (map[i] < 0) {
                formula(v, s, cw__csv_colname(r, i), val, len, line, i + 1);
                continue;
            }
            c = cw__schema_strict(s, &s->cols[map[i]]);
            if (cw__schema_check(&c, val, len, &scratch, &res, &reslen, &vd) !=
                0) {
                report(v, line, i + 1, c.name, vd.code, vd.msg, 0);
                continue;
            }
            formula(v, s, c.name, val, len, line, i + 1);
            if ((long)i == distcol && len > 0 &&
                track(v, s, &d, val, len, line, i + 1) != CW_OK) {
                rc = CW_ENOMEM;
                goto done;
            }
        }
    }
    if (rc == CW_DONE) {
        rc = CW_OK;
        if (rows == 0 && s->organizer)
            report(v, 1, 0, NULL, "E_EMPTY",
                   "the file has a header but no rows; Organizer refuses "
                   "empty files",
                   0);
    } else if (rc == CW_EPARSE) {
        report(v, cw__csv_errline(r), cw__csv_errcol(r), NULL, cw__csv_code(r),
               cw__msg_nopos(cw__csv_errmsg(r)), 0);
        rc = CW_OK;
    }
done:
    distinct_free(&d);
    cw__buf_free(&scratch);
    return rc;
}

int cw_validate(const char *home, const char *name, const char *path,
                cw_problem_fn fn, void *ud, unsigned long *nerrors, cw_err *err)
{
    return cw_validate_flags(home, name, path, 0, fn, ud, nerrors, err);
}

int cw_validate_flags(const char *home, const char *name, const char *path,
                      int flags, cw_problem_fn fn, void *ud,
                      unsigned long *nerrors, cw_err *err)
{
    return cw_validate_dialect(home, name, path, flags, NULL, fn, ud, nerrors,
                               err);
}

int cw_validate_dialect(const char *home, const char *name, const char *path,
                        int flags, const cw_dialect *d, cw_problem_fn fn,
                        void *ud, unsigned long *nerrors, cw_err *err)
{
    vctx v = {.path = path, .fn = fn, .ud = ud};
    cw_csvopts o;
    cw_schema *s = NULL;
    cw_csv *r = NULL;
    long *map = NULL;
    long distcol;
    struct stat st;
    int rc;

    *nerrors = 0;
    if ((rc = cw__dialect_check(d, err)) != CW_OK)
        return rc;
    rc = cw__schema_load(home != NULL ? home : cw__home(), name, &s, err);
    if (rc != CW_OK)
        return rc;
    /* A malformed record is reported and checking goes on, unless strict. */
    cw__csvopts_default(&o);
    o.resync = (flags & CW_VALIDATE_STRICT) == 0;
    cw__csvopts_dialect(&o, d);
    rc = cw__csv_openfile(path, &o, &r, err);
    if (rc != CW_OK)
        goto done;
    if (s->max_bytes > 0 && strcmp(path, "-") != 0 && stat(path, &st) == 0 &&
        (unsigned long long)st.st_size >= s->max_bytes) {
        snprintf(v.msg, sizeof v.msg,
                 "the file is %lld bytes; %s files must stay under %llu",
                 (long long)st.st_size, s->name, s->max_bytes);
        report(&v, 0, 0, NULL, "E_FILE_SIZE", v.msg, 0);
    }
    if (cw__csv_header(r) != CW_OK) {
        report(&v, cw__csv_errline(r), cw__csv_errcol(r), NULL, cw__csv_code(r),
               cw__msg_nopos(cw__csv_errmsg(r)), 0);
        goto done;
    }
    map = cw__alloc((cw__csv_ncols(r) + 1) * sizeof *map);
    if (map == NULL) {
        rc = cw__fail(err, CW_ENOMEM, "out of memory");
        goto done;
    }
    check_header(&v, s, r, map, &distcol);
    rc = check_rows(&v, s, r, map, distcol);
    if (rc != CW_OK)
        cw__fail(err, rc, "%s: %s", path, cw_strstatus(rc));
done:
    *nerrors = v.errors;
    cw__buf_free(&v.hint);
    cw__free(map);
    cw__csv_close(r);
    cw__schema_free(s);
    return rc;
}
