/*
** test_plan.c -- unit tests for compiled recipe steps and the two
** engines behind them: hash aggregation (group.c) and lookup tables
** (lookup.c), first directly, then through cw__plan_compile/push/finish
** with a recording fake of the callbacks.  Function steps run in a real
** sandboxed Lua state on the recipe files in tests/data/plan.  Lookup
** inputs are written to a temporary directory.
*/
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "io/source.h"
#include "steps/group.h"
#include "steps/lookup.h"
#include "steps/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Checks of bugs reported in plan.c, enabled once they are fixed. */

/* ==== Helpers ==== */

/* Path of fixture 'name' in tests/data/plan (static storage). */
static const char *data(const char *name)
{
    static char path[1024];
    const char *root = getenv("CW_SOURCE_DIR");

    snprintf(path, sizeof path, "%s/tests/data/plan/%s",
             root != NULL ? root : ".", name);
    return path;
}

/* A fresh temporary directory for this process (static storage). */
static const char *tmpdir(void)
{
    static char dir[64];

    if (dir[0] == '\0') {
        snprintf(dir, sizeof dir, "/tmp/cw_test_plan.XXXXXX");
        assert_non_null(mkdtemp(dir));
    }
    return dir;
}

/* Write 'text' to the file 'name' in the temporary directory and return
** its path (static storage, overwritten by the next call). */
static const char *writefile(const char *name, const char *text)
{
    static char path[256];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", tmpdir(), name);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
    return path;
}

/* Index of 'name' in 'l', interned when absent. */
static size_t col(cw_layout *l, const char *name)
{
    size_t idx;

    assert_int_equal(cw__layout_intern(l, name, strlen(name), &idx), CW_OK);
    return idx;
}

/* A marker for a null value in test tables. */
#define NUL ((const char *)0)

/* Fill 'r' (cleared) with 'n' values for the columns 'cols' (NULL items
** are nulls) and make 'orig' views of the same values. */
static void fill(cw_rec *r, const size_t *cols, const char *const *vals,
                 size_t n, cw_field *orig)
{
    cw__rec_clear(r);
    assert_int_equal(cw__rec_fit(r), CW_OK);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(
            cw__rec_set(r, cols[i], vals[i], vals[i] ? strlen(vals[i]) : 0),
            CW_OK);
        if (orig != NULL)
            orig[i] = cw__rec_get(r, cols[i]);
    }
}

/* 1 when field 'f' holds exactly 'want' (NULL: null). */
static int same(cw_field f, const char *want)
{
    if (want == NULL || f.p == NULL)
        return want == NULL && f.p == NULL;
    return f.len == strlen(want) && memcmp(f.p, want, f.len) == 0;
}

/* Field 'f' must hold 'want' (NULL for null). */
static void field_is(cw_field f, const char *want, const char *what)
{
    if (!same(f, want))
        fail_msg("%s: got %s%.*s%s, want %s%s%s", what, f.p ? "'" : "",
                 (int)f.len, f.p ? f.p : "null", f.p ? "'" : "",
                 want ? "'" : "", want ? want : "null", want ? "'" : "");
}

/* ==== Group ==== */

/* Columns of the group tests: key k, value v, order o, where w, key j. */
enum { GK, GV, GO, GW, GJ, GOUT, GOUT2, GCOLS };

typedef struct gfix {
    cw_layout *l;   /* the layout */
    cw_rec rec;     /* the record pushed and emitted */
    cw_group *g;    /* the group under test */
    size_t cols[5]; /* k, v, o, w, j */
    size_t out[2];  /* outputs */
} gfix;

/* Set up 'f' with a group keyed by 'nby' of k, j and the aggregates
** 'aggs' (their 'out' and column fields are GOUT.. and GK.. codes). */
static void gsetup(gfix *f, const size_t *by, size_t nby, cw_aggspec *aggs,
                   size_t naggs)
{
    static const char *const names[] = {"k", "v", "o", "w", "j"};
    size_t rby[4];
    cw_err err = {0};

    assert_int_equal(cw__layout_new(&f->l), CW_OK);
    for (size_t i = 0; i < 5; i++)
        f->cols[i] = col(f->l, names[i]);
    f->out[0] = col(f->l, "out");
    f->out[1] = col(f->l, "out2");
    for (size_t i = 0; i < nby; i++)
        rby[i] = f->cols[by[i]];
    for (size_t i = 0; i < naggs; i++) {
        aggs[i].out = f->out[aggs[i].out - GOUT];
        if (aggs[i].src >= 0)
            aggs[i].src = (long)f->cols[aggs[i].src];
        if (aggs[i].where >= 0)
            aggs[i].where = (long)f->cols[aggs[i].where];
        if (aggs[i].order >= 0)
            aggs[i].order = (long)f->cols[aggs[i].order];
    }
    assert_int_equal(cw__group_new(rby, nby, aggs, naggs, 5, &f->g, &err),
                     CW_OK);
    cw__rec_init(&f->rec, f->l);
}

static void gteardown(gfix *f)
{
    cw__group_free(f->g);
    cw__rec_free(&f->rec);
    cw__layout_free(f->l);
}

/* Add a row of k, v, o, w, j; return whether it started a group. */
static int gadd(gfix *f, const char *k, const char *v, const char *o,
                const char *w, const char *j)
{
    const char *vals[5] = {k, v, o, w, j};
    cw_field orig[5];
    int isnew = -1;

    fill(&f->rec, f->cols, vals, 5, orig);
    assert_int_equal(cw__group_add(f->g, &f->rec, orig, &isnew), CW_OK);
    assert_true(isnew == 0 || isnew == 1);
    return isnew;
}

/* Emit group 'i' and check its key k and output 'out' (NULL: null). */
static void gcheck(gfix *f, size_t i, const char *k, const char *out)
{
    const cw_field *orig = NULL;
    char what[64];

    assert_int_equal(cw__group_emit(f->g, i, &f->rec, &orig), CW_OK);
    assert_non_null(orig);
    snprintf(what, sizeof what, "group %zu key", i);
    field_is(cw__rec_get(&f->rec, f->cols[GK]), k, what);
    snprintf(what, sizeof what, "group %zu (%s) out", i, k ? k : "null");
    field_is(cw__rec_get(&f->rec, f->out[0]), out, what);
}

/* An aggregate spec: fn over column 'src' into GOUT. */
static cw_aggspec agg(enum cw_aggfn fn, long src)
{
    return (cw_aggspec){.out = GOUT,
                        .src = src,
                        .fn = fn,
                        .where = -1,
                        .order = -1,
                        .sep = "; "};
}

/* first and last: first non-null in input order, or by order_by. */
static void test_plan_group_first_last(void **state)
{
    static const size_t by[] = {GK};
    cw_aggspec a[2];
    gfix f;

    (void)state;
    /* Input order: nulls are skipped; empty is a value. */
    a[0] = agg(CW_AGG_FIRST, GV);
    a[1] = agg(CW_AGG_LAST, GV);
    a[1].out = GOUT2;
    gsetup(&f, by, 1, a, 2);
    assert_int_equal(gadd(&f, "A", NUL, "1", NUL, NUL), 1);
    assert_int_equal(gadd(&f, "A", "10", "2", NUL, NUL), 0);
    assert_int_equal(gadd(&f, "B", "x", "1", NUL, NUL), 1);
    assert_int_equal(gadd(&f, "A", "9", "3", NUL, NUL), 0);
    assert_int_equal(gadd(&f, "A", NUL, "4", NUL, NUL), 0);
    assert_int_equal(gadd(&f, "C", NUL, "4", NUL, NUL), 1);
    assert_int_equal(gadd(&f, "B", "", "4", NUL, NUL), 0);
    assert_int_equal(cw__group_count(f.g), 3);
    gcheck(&f, 0, "A", "10");
    field_is(cw__rec_get(&f.rec, f.out[1]), "9", "last A");
    gcheck(&f, 1, "B", "x");
    field_is(cw__rec_get(&f.rec, f.out[1]), "", "last B");
    gcheck(&f, 2, "C", NUL); /* no value at all: null */
    field_is(cw__rec_get(&f.rec, f.out[1]), NUL, "last C");
    /* Columns that are neither keys nor aggregates are null. */
    assert_null(cw__rec_get(&f.rec, f.cols[GV]).p);
    assert_null(cw__rec_get(&f.rec, f.cols[GO]).p);
    gteardown(&f);

    /* order_by: the smallest (first) or largest (last) order value;
    ** numbers compare as numbers; ties keep the earlier for first and
    ** the later for last; rows with a null order are skipped. */
    a[0] = agg(CW_AGG_FIRST, GV);
    a[0].order = GO;
    a[1] = agg(CW_AGG_LAST, GV);
    a[1].order = GO;
    a[1].out = GOUT2;
    gsetup(&f, by, 1, a, 2);
    gadd(&f, "A", "v3", "3", NUL, NUL);
    gadd(&f, "A", "v10", "10", NUL, NUL); /* 10 > 9 as numbers */
    gadd(&f, "A", "v9", "9", NUL, NUL);
    gadd(&f, "A", "v1a", "1", NUL, NUL);
    gadd(&f, "A", "v1b", "1", NUL, NUL); /* tie */
    gadd(&f, "A", "v10b", "10", NUL, NUL);
    gadd(&f, "A", "vnull", NUL, NUL, NUL); /* no order: skipped */
    gadd(&f, "A", NUL, "0", NUL, NUL);     /* no value: skipped */
    gadd(&f, "D", "d2", "2024-10-02 08:00", NUL, NUL);
    gadd(&f, "D", "d1", "2024-10-01 23:59", NUL, NUL); /* ISO dates */
    gadd(&f, "D", "d3", "2024-10-03 00:00", NUL, NUL);
    gcheck(&f, 0, "A", "v1a");
    field_is(cw__rec_get(&f.rec, f.out[1]), "v10b", "last by order");
    gcheck(&f, 1, "D", "d1");
    field_is(cw__rec_get(&f.rec, f.out[1]), "d3", "last by date");
    gteardown(&f);

    /* where: only rows whose flag is true are seen. */
    a[0] = agg(CW_AGG_FIRST, GV);
    a[0].where = GW;
    gsetup(&f, by, 1, a, 1);
    gadd(&f, "A", "no1", "1", "false", NUL);
    gadd(&f, "A", "no2", "1", NUL, NUL);
    gadd(&f, "A", "no3", "1", "", NUL);
    gadd(&f, "A", "no4", "1", "0", NUL);
    gadd(&f, "A", "yes1", "1", "Yes", NUL);
    gadd(&f, "A", "yes2", "1", "true", NUL);
    gadd(&f, "B", "no", "1", "n", NUL);
    gcheck(&f, 0, "A", "yes1");
    gcheck(&f, 1, "B", NUL);
    gteardown(&f);
}

/* min and max: numbers as numbers, other text by bytes. */
static void test_plan_group_min_max(void **state)
{
    static const size_t by[] = {GK};
    static const struct {
        const char *vals[5]; /* values of one group, NULL-ended */
        const char *min;     /* expected min */
        const char *max;     /* expected max */
    } cases[] = {
        {{"10", "9", "100", NUL}, "9", "100"},
        {{"-5", "3.5", "-10.25", "0", NUL}, "-10.25", "3.5"},
        {{"banana", "apple", "cherry", NUL}, "apple", "cherry"},
        {{"10", "9a", NUL}, "10", "9a"}, /* not both numbers: bytes */
        {{"2024-10-01 10:00", "2024-09-30 23:00", NUL},
         "2024-09-30 23:00",
         "2024-10-01 10:00"},
        {{"b", "ab", "abc", NUL}, "ab", "b"},
        {{"x", NUL}, "x", "x"},
        {{NUL}, NUL, NUL},
    };
    cw_aggspec a[2];

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        gfix f;

        a[0] = agg(CW_AGG_MIN, GV);
        a[1] = agg(CW_AGG_MAX, GV);
        a[1].out = GOUT2;
        gsetup(&f, by, 1, a, 2);
        gadd(&f, "K", NUL, NUL, NUL, NUL); /* nulls are skipped */
        for (size_t k = 0; cases[i].vals[k] != NULL; k++)
            gadd(&f, "K", cases[i].vals[k], NUL, NUL, NUL);
        gadd(&f, "K", NUL, NUL, NUL, NUL);
        gcheck(&f, 0, "K", cases[i].min);
        field_is(cw__rec_get(&f.rec, f.out[1]), cases[i].max, "max");
        gteardown(&f);
    }
}

/* count: rows, or non-blank values of a column. */
static void test_plan_group_count(void **state)
{
    static const size_t by[] = {GK};
    cw_aggspec a[2];
    gfix f;

    (void)state;
    a[0] = agg(CW_AGG_COUNT, -1);
    a[1] = agg(CW_AGG_COUNT, GV);
    a[1].out = GOUT2;
    gsetup(&f, by, 1, a, 2);
    gadd(&f, "A", "x", NUL, NUL, NUL);
    gadd(&f, "A", NUL, NUL, NUL, NUL);
    gadd(&f, "A", "", NUL, NUL, NUL);
    gadd(&f, "A", " \t ", NUL, NUL, NUL); /* blank: not counted */
    gadd(&f, "A", "y", NUL, NUL, NUL);
    gadd(&f, "B", NUL, NUL, NUL, NUL);
    gcheck(&f, 0, "A", "5");
    field_is(cw__rec_get(&f.rec, f.out[1]), "2", "non-blank count A");
    gcheck(&f, 1, "B", "1");
    field_is(cw__rec_get(&f.rec, f.out[1]), "0", "non-blank count B");
    gteardown(&f);

    /* count with where */
    a[0] = agg(CW_AGG_COUNT, -1);
    a[0].where = GW;
    gsetup(&f, by, 1, a, 1);
    gadd(&f, "A", NUL, NUL, "true", NUL);
    gadd(&f, "A", NUL, NUL, "false", NUL);
    gadd(&f, "A", NUL, NUL, "1", NUL);
    gadd(&f, "A", NUL, NUL, NUL, NUL);
    gcheck(&f, 0, "A", "2");
    gteardown(&f);
}

/* any and all over boolean values; all of no values is false. */
static void test_plan_group_any_all(void **state)
{
    static const size_t by[] = {GK};
    static const struct {
        const char *vals[5]; /* values of one group, NULL-ended */
        const char *any;     /* expected any */
        const char *all;     /* expected all */
    } cases[] = {
        {{"false", "no", "true", NUL}, "true", "false"},
        {{"true", "yes", "1", "Y", NUL}, "true", "true"},
        {{"false", "0", "N", NUL}, "false", "false"},
        {{"TRUE", NUL}, "true", "true"},
        {{"f", NUL}, "false", "false"},
        {{NUL}, "false", "false"}, /* no values at all */
    };
    cw_aggspec a[2];

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        gfix f;

        a[0] = agg(CW_AGG_ANY, GV);
        a[1] = agg(CW_AGG_ALL, GV);
        a[1].out = GOUT2;
        gsetup(&f, by, 1, a, 2);
        gadd(&f, "K", NUL, NUL, NUL, NUL); /* nulls are not values */
        for (size_t k = 0; cases[i].vals[k] != NULL; k++)
            gadd(&f, "K", cases[i].vals[k], NUL, NUL, NUL);
        gcheck(&f, 0, "K", cases[i].any);
        field_is(cw__rec_get(&f.rec, f.out[1]), cases[i].all, "all");
        gteardown(&f);
    }
}

/* concat: distinct non-blank values in first-seen order, with 'sep'. */
static void test_plan_group_concat(void **state)
{
    static const size_t by[] = {GK};
    cw_aggspec a[2];
    gfix f;

    (void)state;
    a[0] = agg(CW_AGG_CONCAT, GV);
    a[1] = agg(CW_AGG_CONCAT, GV);
    a[1].out = GOUT2;
    a[1].sep = "|";
    gsetup(&f, by, 1, a, 2);
    gadd(&f, "A", "b", NUL, NUL, NUL);
    gadd(&f, "A", "a", NUL, NUL, NUL);
    gadd(&f, "A", "b", NUL, NUL, NUL);
    gadd(&f, "A", "", NUL, NUL, NUL);
    gadd(&f, "A", NUL, NUL, NUL, NUL);
    gadd(&f, "A", "  ", NUL, NUL, NUL); /* blank: left out */
    gadd(&f, "A", "ab", NUL, NUL, NUL); /* not a duplicate of a or b */
    gadd(&f, "A", "a", NUL, NUL, NUL);
    gadd(&f, "A", "c d", NUL, NUL, NUL);
    gadd(&f, "B", NUL, NUL, NUL, NUL);
    gadd(&f, "C", "only", NUL, NUL, NUL);
    gadd(&f, "C", "only", NUL, NUL, NUL);
    gcheck(&f, 0, "A", "b; a; ab; c d");
    field_is(cw__rec_get(&f.rec, f.out[1]), "b|a|ab|c d", "concat |");
    gcheck(&f, 1, "B", NUL);
    gcheck(&f, 2, "C", "only");
    gteardown(&f);

    /* Values that contain the separator are still told apart. */
    a[0] = agg(CW_AGG_CONCAT, GV);
    a[0].where = GW;
    gsetup(&f, by, 1, a, 1);
    gadd(&f, "A", "a; b", NUL, "yes", NUL);
    gadd(&f, "A", "a", NUL, "yes", NUL);
    gadd(&f, "A", "b", NUL, "yes", NUL);
    gadd(&f, "A", "a; b", NUL, "yes", NUL);
    gadd(&f, "A", "not seen", NUL, "no", NUL);
    gadd(&f, "A", "a", NUL, "yes", NUL);
    gcheck(&f, 0, "A", "a; b; a; b");
    gteardown(&f);
}

/* Keys: null differs from empty; multi-column keys do not run together;
** groups come out in first-seen order; the first member's original
** fields, file and line are kept. */
static void test_plan_group_keys(void **state)
{
    static const size_t by2[] = {GK, GJ};
    cw_aggspec a[1];
    const cw_field *orig;
    gfix f;
    static const char *const order[] = {"C", NUL, "", "A", "B"};

    (void)state;
    a[0] = agg(CW_AGG_COUNT, -1);
    gsetup(&f, by2, 2, a, 1);
    f.rec.file = "in.csv";
    f.rec.line = 7;
    assert_int_equal(gadd(&f, "C", "first C", NUL, NUL, "1"), 1);
    f.rec.line = 8;
    assert_int_equal(gadd(&f, NUL, "null key", NUL, NUL, "1"), 1);
    f.rec.line = 9;
    assert_int_equal(gadd(&f, "", "empty key", NUL, NUL, "1"), 1);
    f.rec.line = 10;
    assert_int_equal(gadd(&f, NUL, "null again", NUL, NUL, "1"), 0);
    assert_int_equal(gadd(&f, "A", "a", NUL, NUL, "1"), 1);
    assert_int_equal(gadd(&f, "C", "second C", NUL, NUL, "1"), 0);
    assert_int_equal(gadd(&f, "B", "b", NUL, NUL, "1"), 1);
    assert_int_equal(gadd(&f, "", "empty again", NUL, NUL, "1"), 0);
    /* ("a","bc") and ("ab","c") are different keys; so are (null,"") and
    ** ("",null). */
    assert_int_equal(gadd(&f, "a", NUL, NUL, NUL, "bc"), 1);
    assert_int_equal(gadd(&f, "ab", NUL, NUL, NUL, "c"), 1);
    assert_int_equal(gadd(&f, NUL, NUL, NUL, NUL, ""), 1);
    assert_int_equal(gadd(&f, "", NUL, NUL, NUL, NUL), 1);
    assert_int_equal(gadd(&f, "ab", NUL, NUL, NUL, "c"), 0);
    assert_int_equal(cw__group_count(f.g), 9);
    for (size_t i = 0; i < N(order); i++) {
        assert_int_equal(cw__group_emit(f.g, i, &f.rec, &orig), CW_OK);
        field_is(cw__rec_get(&f.rec, f.cols[GK]), order[i], "key order");
        field_is(cw__rec_get(&f.rec, f.cols[GJ]), "1", "second key");
    }
    /* Group 0 (C): two rows, first member's originals and position. */
    assert_int_equal(cw__group_emit(f.g, 0, &f.rec, &orig), CW_OK);
    field_is(cw__rec_get(&f.rec, f.out[0]), "2", "count C");
    field_is(orig[GK], "C", "orig k");
    field_is(orig[GV], "first C", "orig v");
    field_is(orig[GO], NUL, "orig o (null kept)");
    field_is(orig[GJ], "1", "orig j");
    assert_string_equal(f.rec.file, "in.csv");
    assert_int_equal(f.rec.line, 7);
    assert_int_equal(cw__group_emit(f.g, 1, &f.rec, &orig), CW_OK);
    field_is(orig[GV], "null key", "orig of the null key");
    field_is(cw__rec_get(&f.rec, f.out[0]), "2", "count null");
    assert_int_equal(f.rec.line, 8);
    assert_int_equal(cw__group_emit(f.g, 2, &f.rec, &orig), CW_OK);
    field_is(orig[GV], "empty key", "orig of the empty key");
    assert_int_equal(f.rec.line, 9);
    assert_int_equal(cw__group_emit(f.g, 6, &f.rec, &orig), CW_OK);
    field_is(cw__rec_get(&f.rec, f.cols[GJ]), "c", "ab/c key");
    field_is(cw__rec_get(&f.rec, f.out[0]), "2", "count ab/c");
    gteardown(&f);
}

/* Thousands of groups force rehashes; all fold and emit in order. */
static void test_plan_group_many(void **state)
{
    enum { GROUPS = 20000 };
    static const size_t by[] = {GK};
    cw_aggspec a[2];
    char key[32], val[32];
    gfix f;

    (void)state;
    a[0] = agg(CW_AGG_COUNT, -1);
    a[1] = agg(CW_AGG_MAX, GV);
    a[1].out = GOUT2;
    gsetup(&f, by, 1, a, 2);
    for (int pass = 0; pass < 3; pass++)
        for (int i = 0; i < GROUPS; i++) {
            snprintf(key, sizeof key, "key-%d", (i * 7919) % GROUPS);
            snprintf(val, sizeof val, "%d", i * 10 + pass);
            assert_int_equal(gadd(&f, key, val, NUL, NUL, NUL), pass == 0);
        }
    assert_int_equal(cw__group_count(f.g), GROUPS);
    for (int i = 0; i < GROUPS; i++) {
        snprintf(key, sizeof key, "key-%d", (i * 7919) % GROUPS);
        snprintf(val, sizeof val, "%d", i * 10 + 2);
        gcheck(&f, (size_t)i, key, "3");
        field_is(cw__rec_get(&f.rec, f.out[1]), val, "max");
    }
    gteardown(&f);
}

/* The n-th allocation fails in cw__group_new, then in adds: CW_ENOMEM,
** and the group stays usable (and frees cleanly). */
static void test_plan_group_out_of_memory(void **state)
{
    static const size_t by[] = {0, 1};
    cw_aggspec specs[3] = {
        {.out = 2,
         .src = 1,
         .fn = CW_AGG_CONCAT,
         .where = -1,
         .order = -1,
         .sep = ","},
        {.out = 3, .src = -1, .fn = CW_AGG_COUNT, .where = -1, .order = -1},
        {.out = 4, .src = 1, .fn = CW_AGG_FIRST, .where = -1, .order = 0},
    };
    long n;

    (void)state;
    for (n = 0;; n++) {
        struct budget b = {n, 0};
        cw_group *g = (cw_group *)1;
        cw_err err = {0};
        int rc;

        cw_set_allocator(budget_alloc, &b);
        rc = cw__group_new(by, 2, specs, 3, 2, &g, &err);
        cw_set_allocator(NULL, NULL);
        if (rc == CW_OK) {
            cw__group_free(g);
            break;
        }
        assert_int_equal(rc, CW_ENOMEM);
        assert_int_equal(err.code, CW_ENOMEM);
        assert_null(g);
    }
    assert_true(n >= 2);

    for (n = 0;; n++) {
        struct budget b = {n, 0};
        cw_layout *l;
        cw_group *g;
        cw_rec rec;
        cw_err err = {0};
        size_t cols[2];
        int rc = CW_OK, added = 0;

        assert_int_equal(cw__layout_new(&l), CW_OK);
        for (int i = 0; i < 5; i++) {
            char name[8];

            snprintf(name, sizeof name, "c%d", i);
            col(l, name);
        }
        cols[0] = 0;
        cols[1] = 1;
        /* Keyed by c0 alone: 90 groups, 60 merges. */
        assert_int_equal(cw__group_new(by, 1, specs, 3, 2, &g, &err), CW_OK);
        cw__rec_init(&rec, l);
        for (int i = 0; i < 150 && rc == CW_OK; i++) {
            char k[16], v[16];
            const char *vals[2] = {k, v};
            cw_field orig[2];
            int isnew;

            snprintf(k, sizeof k, "%d", i % 90);
            snprintf(v, sizeof v, "value %d", i);
            fill(&rec, cols, vals, 2, orig);
            cw_set_allocator(budget_alloc, &b);
            rc = cw__group_add(g, &rec, orig, &isnew);
            cw_set_allocator(NULL, NULL);
            added += rc == CW_OK;
        }
        if (rc != CW_OK)
            assert_int_equal(rc, CW_ENOMEM);
        assert_true(cw__group_count(g) <= 90);
        for (size_t i = 0; i < cw__group_count(g); i++) {
            const cw_field *orig;
            char k[16];

            snprintf(k, sizeof k, "%d", (int)i);
            assert_int_equal(cw__group_emit(g, i, &rec, &orig), CW_OK);
            field_is(cw__rec_get(&rec, 0), k, "key after OOM");
            field_is(orig[0], k, "orig after OOM");
        }
        cw__group_free(g);
        cw__rec_free(&rec);
        cw__layout_free(l);
        if (rc == CW_OK) {
            assert_int_equal(added, 150);
            break;
        }
    }
    assert_true(n > 90);
}

/* ==== Lookup ==== */

/* The lookup file of the tests: phones in several spellings. */
static const char people_csv[] =
    "id,phone,name,tag,value\n"
    "1,(202) 555-0123,Ann,Opt Out,true\n"
    "2,202-555-0199,Bob,Other,true\n"
    "3,2025550123,Ann,Opt Out,true\n"
    "4,+1 202 555 0123,Ann B,Opt Out,false\n"
    "5,not a phone,Zed,Opt Out,true\n"
    "6,,Blank,Opt Out,true\n"
    "7,12025550199,Bob,Opt Out,true\n"
    "8,2025550177,\"Cy, Jr.\",Opt Out (P2P),true\n";

/* Build rule 'name' without arguments. */
static cw_rule *rule(const char *name)
{
    cw_rule *r = NULL;
    cw_err err = {0};

    assert_int_equal(cw__rule_new(name, NULL, &r, &err), CW_OK);
    return r;
}

/* A predicate on 'column' with 'op' and up to two values. */
static cw_pred pred(const char *column, enum cw_predop op, const char *v1,
                    const char *v2)
{
    cw_pred p = {.col = -1, .op = op};

    p.column = cw__strdup(column);
    p.vals = cw__alloc(2 * sizeof *p.vals);
    assert_non_null(p.vals);
    if (v1 != NULL)
        p.vals[p.nvals++] = cw__strdup(v1);
    if (v2 != NULL)
        p.vals[p.nvals++] = cw__strdup(v2);
    return p;
}

/* Find 's' in 't': the count, and the name of the row found. */
static size_t find(const cw_lookup *t, const char *s, const char **name)
{
    size_t row = (size_t)-1, n = cw__lookup_find(t, s, s ? strlen(s) : 0, &row);
    static char buf[64];

    *name = NULL;
    if (n > 0) {
        cw_field f = cw__lookup_value(t, row, 0);

        assert_true(row < cw__lookup_rows(t));
        snprintf(buf, sizeof buf, "%.*s", (int)f.len, f.p);
        *name = buf;
    }
    return n;
}

/* Keys normalised by a rule, where conditions, and the 0/1/2 answers. */
static void test_plan_lookup_find(void **state)
{
    const char *path = writefile("people.csv", people_csv);
    static const char *const cols[] = {"name", "id"};
    cw_rule *phone = rule("phone");
    cw_pred where[2];
    cw_lookup *t = NULL;
    cw_err err = {0};
    const char *name;

    (void)state;
    /* Phone keys, no conditions: rows 1, 3 and 4 share +12025550123. */
    assert_int_equal(
        cw__lookup_read(path, "phone", phone, cols, 1, NULL, 0, &t, &err),
        CW_OK);
    assert_int_equal(cw__lookup_rows(t), 6); /* bad and blank keys skipped */
    assert_int_equal(find(t, "+12025550123", &name), 2); /* Ann vs Ann B */
    assert_string_equal(name, "Ann"); /* the first in file order */
    assert_int_equal(find(t, "+12025550199", &name), 1); /* Bob twice */
    assert_string_equal(name, "Bob");
    assert_int_equal(find(t, "+12025550177", &name), 1);
    assert_string_equal(name, "Cy, Jr.");
    assert_int_equal(find(t, "2025550123", &name), 0); /* not normalised */
    assert_int_equal(find(t, "", &name), 0);
    assert_int_equal(find(t, NULL, &name), 0);
    assert_int_equal(find(t, "not a phone", &name), 0);
    cw__lookup_free(t);

    /* Two where conditions keep rows 1, 3, 5, 6, 7: Ann alone matches. */
    where[0] = pred("tag", CW_P_IN, "Opt Out", "Opt Out (Broadcast)");
    where[1] = pred("value", CW_P_EQ, "true", NULL);
    assert_int_equal(
        cw__lookup_read(path, "phone", phone, cols, 1, where, 2, &t, &err),
        CW_OK);
    assert_int_equal(cw__lookup_rows(t), 3);
    assert_int_equal(find(t, "+12025550123", &name), 1);
    assert_string_equal(name, "Ann");
    assert_int_equal(find(t, "+12025550199", &name), 1);
    assert_int_equal(find(t, "+12025550177", &name), 0); /* (P2P) tag */
    cw__lookup_free(t);

    /* Keeping the id too makes rows 1 and 3 differ: ambiguous. */
    assert_int_equal(
        cw__lookup_read(path, "phone", phone, cols, 2, where, 2, &t, &err),
        CW_OK);
    assert_int_equal(find(t, "+12025550123", &name), 2);
    {
        size_t row;

        assert_int_equal(cw__lookup_find(t, "+12025550123", 12, &row), 2);
        field_is(cw__lookup_value(t, row, 1), "1", "first row's id");
    }
    cw__lookup_free(t);

    /* Without a key rule, keys are compared as written; no columns kept:
    ** every match is the same (empty) row. */
    assert_int_equal(
        cw__lookup_read(path, "name", NULL, cols, 0, where + 1, 1, &t, &err),
        CW_OK);
    assert_int_equal(cw__lookup_rows(t), 7);
    {
        size_t row;

        assert_int_equal(cw__lookup_find(t, "Ann", 3, &row), 1);
        assert_int_equal(cw__lookup_find(t, "ann", 3, &row), 0);
        assert_int_equal(cw__lookup_find(t, "Cy, Jr.", 7, &row), 1);
    }
    cw__lookup_free(t);
    cw__pred_clear(&where[0]);
    cw__pred_clear(&where[1]);
    cw__rule_free(phone);
}

/* Thousands of rows with repeated keys: chains in file order. */
static void test_plan_lookup_many(void **state)
{
    static const char *const cols[] = {"v"};
    size_t cap = 1 << 20, len = 0;
    char *text = malloc(cap);
    cw_lookup *t = NULL;
    cw_err err = {0};

    (void)state;
    assert_non_null(text);
    len += (size_t)snprintf(text + len, cap - len, "k,v\n");
    for (int i = 0; i < 30000; i++) /* key i%10000: three rows each */
        len += (size_t)snprintf(text + len, cap - len, "key%d,%s\n", i % 10000,
                                i % 10000 % 2 == 0 || i < 10000 ? "same"
                                                                : "other");
    assert_true(len < cap);
    assert_int_equal(cw__lookup_read(writefile("many.csv", text), "k", NULL,
                                     cols, 1, NULL, 0, &t, &err),
                     CW_OK);
    assert_int_equal(cw__lookup_rows(t), 30000);
    for (int i = 0; i < 10000; i++) {
        char k[16];
        size_t row = 0, n;

        snprintf(k, sizeof k, "key%d", i);
        n = cw__lookup_find(t, k, strlen(k), &row);
        assert_int_equal(n, i % 2 == 0 ? 1 : 2);
        assert_int_equal(row, (size_t)i); /* the first row of the key */
    }
    cw__lookup_free(t);
    free(text);
}

/* Load 'text' as a lookup file, expecting 'want' and 'msg' in the error. */
static void lookup_fails(const char *text, const char *key,
                         const char *const *cols, size_t ncols,
                         const cw_pred *where, size_t nwhere, int want,
                         const char *msg)
{
    const char *path = writefile("bad.csv", text);
    cw_lookup *t = (cw_lookup *)1;
    cw_err err = {0};
    int rc =
        cw__lookup_read(path, key, NULL, cols, ncols, where, nwhere, &t, &err);

    if (rc != want || strstr(err.msg, msg) == NULL)
        fail_msg("want %d '%s', got %d '%s'", want, msg, rc, err.msg);
    assert_null(t);
}

/* Missing columns and bad rows are errors that name the file and place. */
static void test_plan_lookup_errors(void **state)
{
    static const char *const cols[] = {"name", "nope"};
    char msg[300];
    cw_pred where = pred("colour", CW_P_EQ, "red", NULL);
    cw_lookup *t = (cw_lookup *)1;
    cw_err err = {0};

    (void)state;
    snprintf(msg, sizeof msg, "%s/bad.csv: lookup column 'nope' not found",
             tmpdir());
    lookup_fails(people_csv, "phone", cols, 2, NULL, 0, CW_EUSAGE, msg);
    snprintf(msg, sizeof msg, "%s/bad.csv: lookup key column 'Phone' not found",
             tmpdir());
    lookup_fails(people_csv, "Phone", cols, 1, NULL, 0, CW_EUSAGE, msg);
    snprintf(msg, sizeof msg, "%s/bad.csv: lookup column 'colour' not found",
             tmpdir());
    lookup_fails(people_csv, "phone", cols, 1, &where, 1, CW_EUSAGE, msg);
    /* A ragged row on line 3. */
    snprintf(msg, sizeof msg, "%s/bad.csv:3:", tmpdir());
    lookup_fails("id,name\n1,Ann\n2,Bob,extra\n3,Cy\n", "id", cols, 1, NULL, 0,
                 CW_EPARSE, msg);
    /* An unterminated quote starting on line 4. */
    snprintf(msg, sizeof msg, "%s/bad.csv:4:", tmpdir());
    lookup_fails("id,name\n1,Ann\n2,Bob\n3,\"Cy\n4,Di\n", "id", cols, 1, NULL,
                 0, CW_EPARSE, msg);
    /* Invalid UTF-8 on line 2. */
    snprintf(msg, sizeof msg, "%s/bad.csv:2:", tmpdir());
    lookup_fails("id,name\n1,A\xffn\n", "id", cols, 1, NULL, 0, CW_EPARSE, msg);
    /* An empty file has no header. */
    lookup_fails("", "id", cols, 1, NULL, 0, CW_EPARSE, "bad.csv");
    /* A missing file. */
    assert_true(cw__lookup_read("/nonexistent/x.csv", "id", NULL, cols, 1, NULL,
                                0, &t, &err) < 0);
    assert_null(t);
    assert_non_null(strstr(err.msg, "/nonexistent/x.csv"));
    cw__pred_clear(&where);
}

/* The n-th allocation fails while loading: CW_ENOMEM, nothing leaks. */
static void test_plan_lookup_out_of_memory(void **state)
{
    const char *path = writefile("people.csv", people_csv);
    static const char *const cols[] = {"name", "id"};
    cw_rule *phone = rule("phone");
    cw_pred where = pred("value", CW_P_EQ, "true", NULL);
    long n;

    (void)state;
    for (n = 0;; n++) {
        struct budget b = {n, 0};
        cw_lookup *t = (cw_lookup *)1;
        cw_err err = {0};
        int rc;

        cw_set_allocator(budget_alloc, &b);
        rc =
            cw__lookup_read(path, "phone", phone, cols, 2, &where, 1, &t, &err);
        cw_set_allocator(NULL, NULL);
        if (rc == CW_OK) {
            assert_int_equal(cw__lookup_rows(t), 5);
            cw__lookup_free(t);
            break;
        }
        if (rc != CW_ENOMEM)
            fail_msg("budget %ld: %d %s", n, rc, err.msg);
        assert_null(t);
    }
    assert_true(n > 5);
    cw__pred_clear(&where);
    cw__rule_free(phone);
}

/* ==== Node builders (for compile errors) ==== */

static cw_node *str(const char *s)
{
    cw_node *n = cw__node_new(CW_NODE_STR);

    assert_non_null(n);
    n->str = cw__strdup(s);
    n->len = strlen(s);
    return n;
}

static cw_node *num(double x)
{
    cw_node *n = cw__node_new(CW_NODE_NUM);

    assert_non_null(n);
    n->num = x;
    n->isint = 1;
    return n;
}

/* A table of string keys: tab("k1", v1, "k2", v2, ..., NULL). */
static cw_node *tab(const char *k, ...)
{
    cw_node *t = cw__node_new(CW_NODE_TABLE);
    va_list ap;

    assert_non_null(t);
    va_start(ap, k);
    for (; k != NULL; k = va_arg(ap, const char *)) {
        cw_node *v = va_arg(ap, cw_node *);

        assert_int_equal(cw__node_setkey(t, k, strlen(k), v), CW_OK);
    }
    va_end(ap);
    cw__node_finish(t);
    return t;
}

/* A list of nodes: arr(n1, n2, ..., NULL). */
static cw_node *arr(cw_node *first, ...)
{
    cw_node *t = cw__node_new(CW_NODE_TABLE);
    va_list ap;

    assert_non_null(t);
    va_start(ap, first);
    for (cw_node *n = first; n != NULL; n = va_arg(ap, cw_node *))
        assert_int_equal(cw__node_push(t, n), CW_OK);
    va_end(ap);
    return t;
}

/* ==== Plan ==== */

/* Compile the steps list whose step 2 is 'bad' (step 1 is a valid map),
** expecting CW_EUSAGE and "r.lua: steps[2] (kind): text". */
static void bad_step(cw_node *bad, const char *text)
{
    cw_node *steps = arr(
        tab("map", arr(arr(str("x"), str("y"), NULL), NULL), NULL), bad, NULL);
    cw_layout *l;
    cw_plan *p = (cw_plan *)1;
    cw_err err = {0};
    int rc;

    assert_int_equal(cw__layout_new(&l), CW_OK);
    rc = cw__plan_compile(steps, "r.lua", l, NULL, 0, &p, &err);
    if (rc != CW_EUSAGE || strstr(err.msg, text) == NULL)
        fail_msg("want CW_EUSAGE with \"%s\", got %d \"%s\"", text, rc,
                 err.msg);
    assert_null(p);
    assert_int_equal(err.code, CW_EUSAGE);
    cw__node_free(steps);
    cw__layout_free(l);
}

/* Every malformed step shape is refused with a message naming it. */
static void test_plan_compile_errors(void **state)
{
    cw_layout *l;
    cw_plan *p = (cw_plan *)1;
    cw_err err = {0};
    cw_node *n;

    (void)state;
    /* Step shapes. */
    bad_step(str("map"), "r.lua: steps[2]: a step is a table with exactly "
                         "one of map, filter, fn, validate, lookup, group");
    bad_step(tab(NULL), "r.lua: steps[2]: a step is a table with exactly");
    bad_step(tab("map", arr(arr(str("a"), str("b"), NULL), NULL), "filter",
                 tab("column", str("a"), "present", num(1), NULL), NULL),
             "r.lua: steps[2]: a step is a table with exactly one");
    bad_step(tab("mapp", tab(NULL), NULL), "steps[2]: unknown key 'mapp'");
    /* map */
    bad_step(tab("map", tab(NULL), NULL),
             "r.lua: steps[2] (map): 'map' must be a list of { \"column\", "
             "from = ... }");
    bad_step(tab("map", str("x"), NULL),
             "steps[2] (map): 'map' must be a list");
    bad_step(tab("map", arr(str("x"), NULL), NULL),
             "steps[2] (map): each map entry is { \"column\", from = ... }");
    bad_step(tab("map", arr(tab("from", str("a"), NULL), NULL), NULL),
             "steps[2] (map): each map entry is");
    bad_step(tab("map", arr(arr(num(1), str("a"), NULL), NULL), NULL),
             "steps[2] (map): each map entry is");
    bad_step(tab("map", arr(arr(str("out"), NULL), NULL), NULL),
             "steps[2] (map): map entry 'out' needs exactly one of from, "
             "const, fn");
    {
        cw_node *e = arr(str("out"), NULL);

        assert_int_equal(cw__node_setkey(e, "from", 4, str("a")), CW_OK);
        assert_int_equal(cw__node_setkey(e, "const", 5, str("b")), CW_OK);
        cw__node_finish(e);
        bad_step(tab("map", arr(e, NULL), NULL),
                 "steps[2] (map): map entry 'out' needs exactly one of");
    }
    {
        cw_node *e = arr(str("out"), NULL);

        assert_int_equal(cw__node_setkey(e, "from", 4, num(3)), CW_OK);
        cw__node_finish(e);
        bad_step(tab("map", arr(e, NULL), NULL),
                 "map entry 'out': 'from' must be a column name");
    }
    {
        cw_node *e = arr(str("out"), NULL);

        assert_int_equal(cw__node_setkey(e, "const", 5, num(3)), CW_OK);
        cw__node_finish(e);
        bad_step(tab("map", arr(e, NULL), NULL),
                 "map entry 'out': 'const' must be a string");
    }
    {
        cw_node *e = arr(str("out"), NULL);

        assert_int_equal(cw__node_setkey(e, "fn", 2, str("f")), CW_OK);
        cw__node_finish(e);
        bad_step(tab("map", arr(e, NULL), NULL),
                 "map entry 'out': 'fn' must be a function");
    }
    {
        cw_node *e = arr(str("out"), str("a"), NULL);

        assert_int_equal(cw__node_setkey(e, "default", 7, num(0)), CW_OK);
        cw__node_finish(e);
        bad_step(tab("map", arr(e, NULL), NULL),
                 "map entry 'out': 'default' must be a string");
    }
    {
        cw_node *e = arr(str("out"), str("a"), NULL);

        assert_int_equal(cw__node_setkey(e, "rule", 4, str("shout")), CW_OK);
        cw__node_finish(e);
        bad_step(tab("map", arr(e, NULL), NULL),
                 "r.lua: steps[2] (map): unknown rule 'shout' (valid: ");
    }
    {
        cw_node *e = arr(str("out"), str("a"), NULL);

        assert_int_equal(cw__node_setkey(e, "rule", 4, str("date")), CW_OK);
        assert_int_equal(
            cw__node_setkey(e, "args", 4, tab("format", str("julian"), NULL)),
            CW_OK);
        cw__node_finish(e);
        bad_step(tab("map", arr(e, NULL), NULL),
                 "steps[2] (map): rule 'date': unknown format 'julian'");
    }
    /* filter */
    bad_step(tab("filter", tab("equals", str("a"), NULL), NULL),
             "steps[2] (filter): missing 'column'");
    bad_step(
        tab("filter", tab("column", num(5), "equals", str("a"), NULL), NULL),
        "steps[2] (filter): 'column' must be a string (quote numbers");
    bad_step(tab("filter", tab("column", str("a"), NULL), NULL),
             "steps[2] (filter): a condition needs equals, one_of, "
             "not_one_of, blank, present or boolean");
    bad_step(
        tab("filter", tab("column", str("a"), "boolean", str("true"), NULL),
            NULL),
        "steps[2] (filter): condition on 'a': boolean takes true or false");
    bad_step(tab("filter",
                 tab("column", str("a"), "equals", str("x"), "present", num(1),
                     NULL),
                 NULL),
             "steps[2] (filter): condition on 'a': 'equals' and 'present' in "
             "one condition (a condition has one test");
    bad_step(
        tab("filter", tab("column", str("a"), "equals", num(1), NULL), NULL),
        "steps[2] (filter): condition on 'a' needs a string or a list "
        "of strings");
    bad_step(
        tab("filter", tab("column", str("a"), "one_of", tab(NULL), NULL), NULL),
        "condition on 'a' needs a string or a list of strings");
    bad_step(tab("filter",
                 tab("column", str("a"), "one_of", arr(str("x"), num(2), NULL),
                     NULL),
                 NULL),
             "steps[2] (filter): condition on 'a': values must be strings");
    bad_step(tab("filter", str("a"), NULL),
             "steps[2] (filter): a condition is a table");
    /* fn */
    bad_step(tab("fn", str("function() end"), NULL),
             "r.lua: steps[2] (fn): 'fn' must be a function");
    /* validate */
    bad_step(tab("validate", tab("rule", str("phone"), NULL), NULL),
             "steps[2] (validate): missing 'column'");
    bad_step(tab("validate", tab("column", str("p"), NULL), NULL),
             "steps[2] (validate): validate needs a 'rule'");
    bad_step(tab("validate", tab("column", str("p"), "rule", str("fone"), NULL),
                 NULL),
             "steps[2] (validate): unknown rule 'fone'");
    bad_step(
        tab("validate", tab("column", str("p"), "rule", num(1), NULL), NULL),
        "steps[2] (validate): 'rule' must be a string");
    /* lookup */
    bad_step(tab("lookup", tab("key", str("k"), "on", str("o"), NULL), NULL),
             "steps[2] (lookup): missing 'input'");
    bad_step(tab("lookup", tab("input", str("i"), "on", str("o"), NULL), NULL),
             "steps[2] (lookup): missing 'key'");
    bad_step(tab("lookup", tab("input", str("i"), "key", str("k"), NULL), NULL),
             "steps[2] (lookup): missing 'on'");
    bad_step(tab("lookup",
                 tab("input", str("i"), "key", str("k"), "on", str("o"), NULL),
                 NULL),
             "steps[2] (lookup): a lookup needs 'columns' or 'exists'");
    bad_step(tab("lookup",
                 tab("input", str("i"), "key", str("k"), "on", str("o"),
                     "exists", str("e"), "missing", str("skip"), NULL),
                 NULL),
             "steps[2] (lookup): missing = 'skip' (valid: reject, null, "
             "filter)");
    bad_step(tab("lookup",
                 tab("input", str("i"), "key", str("k"), "on", str("o"),
                     "exists", str("e"), "multiple", str("last"), NULL),
                 NULL),
             "steps[2] (lookup): multiple = 'last' (valid: reject, first)");
    bad_step(tab("lookup",
                 tab("input", str("i"), "key", str("k"), "on", str("o"),
                     "columns", arr(str("a"), NULL), NULL),
                 NULL),
             "steps[2] (lookup): 'columns' maps lookup columns to record "
             "columns");
    bad_step(tab("lookup",
                 tab("input", str("i"), "key", str("k"), "on", str("o"),
                     "columns", tab("a", num(1), NULL), NULL),
                 NULL),
             "steps[2] (lookup): columns.a must name a record column");
    bad_step(tab("lookup",
                 tab("input", str("i"), "key", str("k"), "on", str("o"),
                     "exists", str("e"), "where", str("x"), NULL),
                 NULL),
             "steps[2] (lookup): 'where' is a condition or a list of "
             "conditions");
    bad_step(tab("lookup",
                 tab("input", str("i"), "key", str("k"), "on", str("o"),
                     "exists", str("e"), "where",
                     arr(tab("column", str("t"), "equals", str("x"), NULL),
                         tab("column", str("u"), NULL), NULL),
                     NULL),
                 NULL),
             "steps[2] (lookup): a condition needs equals, one_of");
    bad_step(tab("lookup",
                 tab("input", str("i"), "key", str("k"), "on", str("o"),
                     "exists", str("e"), "key_rule", str("nope"), NULL),
                 NULL),
             "steps[2] (lookup): unknown rule 'nope'");
    bad_step(tab("lookup",
                 tab("input", num(1), "key", str("k"), "on", str("o"), NULL),
                 NULL),
             "steps[2] (lookup): 'input' must be a string (quote numbers");
    /* group */
    bad_step(tab("group", tab(NULL), NULL),
             "r.lua: steps[2] (group): 'by' must list the key columns");
    bad_step(tab("group", tab("by", tab(NULL), NULL), NULL),
             "steps[2] (group): 'by' must list the key columns");
    bad_step(tab("group", tab("by", arr(num(1), NULL), NULL), NULL),
             "steps[2] (group): 'by' must list column names");
    bad_step(tab("group",
                 tab("by", arr(str("k"), NULL), "aggregate",
                     arr(arr(str("n"), NULL), NULL), NULL),
                 NULL),
             "steps[2] (group): aggregate entries are { \"out\", \"fn\", "
             "\"column\" }");
    bad_step(
        tab("group",
            tab("by", arr(str("k"), NULL), "aggregate",
                arr(arr(str("n"), str("sum"), str("v"), NULL), NULL), NULL),
            NULL),
        "steps[2] (group): unknown aggregate 'sum' (valid: first, last, "
        "min, max, count, any, all, concat)");
    bad_step(tab("group",
                 tab("by", arr(str("k"), NULL), "aggregate",
                     arr(arr(str("n"), str("max"), NULL), NULL), NULL),
                 NULL),
             "steps[2] (group): aggregate 'n' needs a source column");
    bad_step(tab("group",
                 tab("by", arr(str("k"), NULL), "aggregate",
                     arr(arr(str("n"), str("max"), num(3), NULL), NULL), NULL),
                 NULL),
             "steps[2] (group): aggregate 'n': the column must be a string");
    {
        cw_node *e = arr(str("n"), str("first"), str("v"), NULL);

        assert_int_equal(cw__node_setkey(e, "order_by", 8, num(1)), CW_OK);
        cw__node_finish(e);
        bad_step(
            tab("group",
                tab("by", arr(str("k"), NULL), "aggregate", arr(e, NULL), NULL),
                NULL),
            "steps[2] (group): 'order_by' must be a string");
    }

    /* 'steps' itself must be a list. */
    assert_int_equal(cw__layout_new(&l), CW_OK);
    n = tab("map", tab(NULL), NULL);
    assert_int_equal(cw__plan_compile(n, "r.lua", l, NULL, 0, &p, &err),
                     CW_EUSAGE);
    assert_string_equal(err.msg, "r.lua: 'steps' must be a list");
    assert_null(p);
    cw__node_free(n);
    /* No steps at all: a plan that emits every record as is. */
    assert_int_equal(cw__plan_compile(NULL, "r.lua", l, NULL, 0, &p, &err),
                     CW_OK);
    assert_int_equal(cw__plan_ninputs(p), 0);
    assert_null(cw__plan_input(p, 0));
    cw__plan_free(p);
    cw__plan_free(NULL);
    cw__layout_free(l);
}

/* What left the plan, recorded by the fake callbacks. */
typedef struct sink {
    cw_layout *l;            /* the run's layout */
    const char *const *show; /* columns rendered for each emit */
    size_t nshow;            /* count of 'show' */
    char out[64][512];       /* emitted rows: "v1|v2|..." ("~" = null) */
    size_t nout;             /* count of 'out' */
    char rej[64][512];       /* rejects: "orig0|column|code|msg" */
    size_t nrej;             /* count of 'rej' */
    unsigned long lines[64]; /* line of each emitted row */
    size_t filtered;         /* filtered callbacks */
    size_t merged;           /* merged callbacks */
    int fail_emit;           /* return this from emit when nonzero */
} sink;

/* Render the columns 'show' of 'rec' into 'out'. */
static void render(const sink *s, const cw_rec *rec, char *out, size_t cap)
{
    size_t n = 0;

    out[0] = '\0';
    for (size_t i = 0; i < s->nshow && n < cap; i++) {
        long idx = cw__layout_find(s->l, s->show[i], strlen(s->show[i]));
        cw_field f =
            idx >= 0 ? cw__rec_get(rec, (size_t)idx) : (cw_field){NULL, 0};

        n += (size_t)snprintf(out + n, cap - n, "%s%.*s", i ? "|" : "",
                              f.p ? (int)f.len : 1, f.p ? f.p : "~");
    }
}

static int emit_cb(void *ud, cw_rec *rec, const cw_field *orig)
{
    sink *s = ud;

    (void)orig;
    if (s->fail_emit)
        return s->fail_emit;
    assert_true(s->nout < N(s->out));
    s->lines[s->nout] = rec->line;
    render(s, rec, s->out[s->nout++], sizeof s->out[0]);
    return CW_OK;
}

static int reject_cb(void *ud, cw_rec *rec, const cw_field *orig,
                     const char *column, const char *code, const char *msg)
{
    sink *s = ud;

    (void)rec;
    assert_true(s->nrej < N(s->rej));
    assert_non_null(code);
    assert_non_null(msg);
    snprintf(s->rej[s->nrej++], sizeof s->rej[0], "%.*s|%s|%s|%s",
             orig[0].p ? (int)orig[0].len : 1, orig[0].p ? orig[0].p : "~",
             column ? column : "~", code, msg);
    return CW_OK;
}

static void filtered_cb(void *ud)
{
    ((sink *)ud)->filtered++;
}

static void merged_cb(void *ud)
{
    ((sink *)ud)->merged++;
}

/* Unknown keys in steps are errors, as the recipe format promises:
** plan.c ignores them, so a misspelt 'rule' silently does nothing. */
static void test_plan_compile_unknown_keys(void **state)
{
    cw_node *e = arr(str("out"), str("a"), NULL);

    (void)state;
    assert_int_equal(cw__node_setkey(e, "rul", 3, str("boolean")), CW_OK);
    cw__node_finish(e);
    bad_step(tab("map", arr(e, NULL), NULL), "unknown key 'rul'");
    bad_step(tab("map", arr(arr(str("x"), str("y"), NULL), NULL), "note",
                 str("x"), NULL),
             "unknown key 'note'");
    bad_step(
        tab("lookup",
            tab("input", str("i"), "key", str("k"), "on", str("o"), "exists",
                str("e"), "colums", tab("a", str("b"), NULL), NULL),
            NULL),
        "unknown key 'colums'");
    e = arr(str("n"), str("first"), str("v"), NULL);
    assert_int_equal(cw__node_setkey(e, "orderby", 7, str("o")), CW_OK);
    cw__node_finish(e);
    bad_step(
        tab("group",
            tab("by", arr(str("k"), NULL), "aggregate", arr(e, NULL), NULL),
            NULL),
        "unknown key 'orderby'");
}

/* { blank = false } and { present = false } mean the opposite of
** { blank = true } and { present = true }: plan.c reads only the key. */
static void test_plan_filter_false_flags(void **state)
{
    cw_node *steps, *b = cw__node_new(CW_NODE_BOOL);
    static const char *const vals[][1] = {{"x"}, {""}, {NUL}};
    cw_layout *l;
    cw_plan *p;
    cw_rec rec;
    cw_err err = {0};
    sink s = {0};
    cw_plan_cb cb = {&s, emit_cb, reject_cb, filtered_cb, merged_cb};
    size_t cols[1];

    (void)state;
    assert_non_null(b);
    b->b = 0;
    steps = arr(
        tab("filter", tab("column", str("a"), "present", b, NULL), NULL), NULL);
    assert_int_equal(cw__layout_new(&l), CW_OK);
    cols[0] = col(l, "a");
    assert_int_equal(cw__plan_compile(steps, "r.lua", l, NULL, 1, &p, &err),
                     CW_OK);
    cw__rec_init(&rec, l);
    s.l = l;
    for (size_t i = 0; i < N(vals); i++) {
        cw_field orig[1];

        fill(&rec, cols, vals[i], 1, orig);
        assert_int_equal(cw__plan_push(p, &rec, orig, &cb, &err), CW_OK);
    }
    assert_int_equal(s.nout, 2); /* the blank and the null */
    assert_int_equal(s.filtered, 1);
    cw__plan_free(p);
    cw__rec_free(&rec);
    cw__node_free(steps);
    cw__layout_free(l);
}

/* { boolean = true } keeps the values the boolean rule reads as true,
** { boolean = false } those it reads as false; blank, null and other
** values pass neither. */
static void test_plan_filter_boolean(void **state)
{
    static const char *const vals[][1] = {
        {"true"}, {"TRUE"}, {" Yes "}, {"y"}, {"T"}, {"1"}, {"false"},
        {"No"},   {"n"},    {"F"},     {"0"}, {""},  {NUL}, {"maybe"}};
    static const int want[2] = {5, 6}; /* kept with false, with true */
    cw_pred lk = {.col = -1, .op = CW_P_TRUE};

    (void)state;
    /* The same test in a lookup's 'where'. */
    assert_true(cw__pred_test(&lk, (cw_field){"Yes", 3}));
    assert_false(cw__pred_test(&lk, (cw_field){"no", 2}));
    assert_false(cw__pred_test(&lk, (cw_field){NULL, 0}));
    lk.op = CW_P_FALSE;
    assert_true(cw__pred_test(&lk, (cw_field){"0", 1}));
    assert_false(cw__pred_test(&lk, (cw_field){"", 0}));
    assert_false(cw__pred_test(&lk, (cw_field){"nope", 4}));
    for (int flag = 0; flag < 2; flag++) {
        cw_node *b = cw__node_new(CW_NODE_BOOL), *steps;
        cw_layout *l;
        cw_plan *p;
        cw_rec rec;
        cw_err err = {0};
        sink s = {0};
        cw_plan_cb cb = {&s, emit_cb, reject_cb, filtered_cb, merged_cb};
        size_t cols[1];

        assert_non_null(b);
        b->b = flag;
        steps = arr(
            tab("filter", tab("column", str("a"), "boolean", b, NULL), NULL),
            NULL);
        assert_int_equal(cw__layout_new(&l), CW_OK);
        cols[0] = col(l, "a");
        assert_int_equal(cw__plan_compile(steps, "r.lua", l, NULL, 1, &p, &err),
                         CW_OK);
        cw__rec_init(&rec, l);
        s.l = l;
        for (size_t i = 0; i < N(vals); i++) {
            cw_field orig[1];

            fill(&rec, cols, vals[i], 1, orig);
            assert_int_equal(cw__plan_push(p, &rec, orig, &cb, &err), CW_OK);
        }
        assert_int_equal(s.nout, want[flag]);
        assert_int_equal(s.filtered, N(vals) - (size_t)want[flag]);
        cw__plan_free(p);
        cw__rec_free(&rec);
        cw__node_free(steps);
        cw__layout_free(l);
    }
}

/* A plan under test with its Lua state, layout and sink. */
typedef struct pfix {
    cw_lua *lua;   /* the sandbox, or NULL */
    cw_node *tree; /* the recipe file's table */
    cw_layout *l;  /* the layout */
    cw_plan *p;    /* the compiled plan */
    cw_rec rec;    /* the record pushed */
    size_t in[8];  /* input columns */
    size_t nin;    /* their count */
    sink s;        /* what came out */
    cw_plan_cb cb; /* the callbacks */
    cw_err err;    /* the last error */
} pfix;

/* Load the steps of fixture 'file' with the input columns 'cols' (NULL
** ended) and compile them; 'show' lists the columns rendered. */
static pfix *psetup(const char *file, const char *const *cols,
                    const char *const *show, size_t nshow)
{
    pfix *f = calloc(1, sizeof *f);
    cw_lua_limits lim = {2000000, 0, 0};
    int rc;

    assert_non_null(f);
    assert_int_equal(cw__lua_open(&lim, NULL, &f->lua, &f->err), CW_OK);
    rc = cw__lua_loadfile(f->lua, data(file), NULL, 0, &f->tree, &f->err);
    if (rc != CW_OK)
        fail_msg("%s: %s", file, f->err.msg);
    assert_int_equal(cw__layout_new(&f->l), CW_OK);
    for (f->nin = 0; cols[f->nin] != NULL; f->nin++)
        f->in[f->nin] = col(f->l, cols[f->nin]);
    rc = cw__plan_compile(cw__node_get(f->tree, "steps"), file, f->l, f->lua,
                          f->nin, &f->p, &f->err);
    if (rc != CW_OK)
        fail_msg("compile %s: %s", file, f->err.msg);
    cw__rec_init(&f->rec, f->l);
    f->s.l = f->l;
    f->s.show = show;
    f->s.nshow = nshow;
    f->cb = (cw_plan_cb){&f->s, emit_cb, reject_cb, filtered_cb, merged_cb};
    return f;
}

static void pteardown(pfix *f)
{
    cw__plan_free(f->p);
    cw__rec_free(&f->rec);
    cw__node_free(f->tree);
    cw__lua_close(f->lua);
    cw__layout_free(f->l);
    free(f);
}

/* Push one row of input values (line 'line'); return the status. */
static int ppush(pfix *f, unsigned long line, const char *const *vals)
{
    cw_field orig[8];

    fill(&f->rec, f->in, vals, f->nin, orig);
    f->rec.file = "main.csv";
    f->rec.line = line;
    return cw__plan_push(f->p, &f->rec, orig, &f->cb, &f->err);
}

/* Bind lookup inputs: "people" to the people file. */
static const cw_inputspec *paths(void *ud, const char *name)
{
    (void)ud;
    if (strcmp(name, "people") == 0) {
        static char path[256];
        static cw_inputspec src = {path, NULL, NULL, NULL};

        snprintf(path, sizeof path, "%s/people.csv", tmpdir());
        return &src;
    }
    return NULL;
}

static const cw_inputspec *nopaths(void *ud, const char *name)
{
    (void)ud;
    (void)name;
    return NULL;
}

/* A declarative chain: filter, map (with a rule, a default, a constant
** and a swap), validate, lookup and group, pushed with records. */
static void test_plan_declarative_chain(void **state)
{
    static const char *const cols[] = {"id",   "type", "phone", "amount",
                                       "flag", "x",    "y",     NULL};
    static const char *const show[] = {"pname", "n",     "total",  "ids",
                                       "src",   "any_f", "first_x"};
    static const char *const rows[][7] = {
        {"1", "a", "(202) 555-0123", "10", "yes", "X1", "Y1"},
        {"2", "c", "(202) 555-0123", "10", "yes", "X2", "Y2"}, /* filtered */
        {"3", "b", "202.555.0199", NUL, "no", "X3", "Y3"},
        {"4", "a", "5.55E+09", "1", "yes", "X4", "Y4"},      /* bad phone */
        {"5", "a", "2025550123", "30", "maybe", "X5", "Y5"}, /* bad bool */
        {"6", "b", "2025550111", "1", "no", "X6", "Y6"},     /* not found */
        {"7", "a", "+1 202 555 0123", "5", "no", "X7", "Y7"},
        {"8", NUL, "2025550123", "5", "no", "X8", "Y8"}, /* null type */
    };
    pfix *f;

    (void)state;
    writefile("people.csv", people_csv);
    f = psetup("chain.lua", cols, show, N(show));
    assert_int_equal(cw__plan_ninputs(f->p), 1);
    assert_string_equal(cw__plan_input(f->p, 0), "people");
    assert_null(cw__plan_input(f->p, 1));
    assert_int_equal(cw__plan_bind(f->p, nopaths, NULL, &f->err), CW_EUSAGE);
    assert_string_equal(f->err.msg,
                        "steps[5] (lookup): input 'people' is not bound "
                        "(give --input people=PATH)");
    assert_int_equal(cw__plan_bind(f->p, paths, NULL, &f->err), CW_OK);
    for (size_t i = 0; i < N(rows); i++)
        assert_int_equal(ppush(f, i + 2, rows[i]), CW_OK);
    /* Nothing leaves a group before the end. */
    assert_int_equal(f->s.nout, 0);
    assert_int_equal(f->s.filtered, 2);
    assert_int_equal(f->s.nrej, 3);
    assert_string_equal(f->s.rej[0],
                        "4|ph|E_PHONE|column 'ph': not a phone number: "
                        "'5.55E+09' (Excel scientific notation lost digits; "
                        "export the column as text)");
    assert_non_null(strstr(f->s.rej[1], "5|flag|E_BOOLEAN|column 'flag': "));
    assert_string_equal(f->s.rej[2],
                        "6|ph|E_LOOKUP_MISSING|column 'ph': no row of input "
                        "'people' has phone '+12025550111'");
    assert_int_equal(f->s.merged, 1); /* row 7 joins row 1's group */
    assert_int_equal(cw__plan_finish(f->p, &f->rec, &f->cb, &f->err), CW_OK);
    assert_int_equal(f->s.nout, 2);
    /* pname | n | total | ids | src | any_f | first_x (x and y swapped) */
    assert_string_equal(f->s.out[0], "Ann|2|10|1; 7|const|true|Y1");
    assert_string_equal(f->s.out[1], "Bob|1|0|3|const|false|Y3");
    assert_int_equal(f->s.lines[0], 2); /* the first member's line */
    assert_int_equal(f->s.lines[1], 4);
    /* read = written + rejected + filtered + merged */
    assert_int_equal(N(rows),
                     f->s.nout + f->s.nrej + f->s.filtered + f->s.merged);
    pteardown(f);
}

/* Maps of 'from' entries only: the values of the row before each step,
** whatever the order of the entries; the last entry of a column wins;
** a rule that refuses a value rejects the record. */
static void test_plan_renames(void **state)
{
    static const char *const cols[] = {"id", "x", "y", "k", "a", "flag", NULL};
    static const char *const show[] = {"x", "y", "k", "n", "a", "b", "c"};
    static const char *const rows[][6] = {
        {"1", "X", "Y", "K", "A", "yes"},
        {"2", "X2", NUL, "K2", "A2", "maybe"}, /* bad boolean */
        {"3", NUL, "Y3", NUL, NUL, "0"},
    };
    pfix *f;

    (void)state;
    f = psetup("renames.lua", cols, show, N(show));
    for (size_t i = 0; i < N(rows); i++)
        assert_int_equal(ppush(f, i + 2, rows[i]), CW_OK);
    assert_int_equal(f->s.nout, 2);
    assert_string_equal(f->s.out[0], "Y|X|K|Y|A|true|1");
    assert_string_equal(f->s.out[1], "Y3|~|~|Y3|~|false|3");
    assert_int_equal(f->s.nrej, 1);
    assert_non_null(strstr(f->s.rej[0], "2|b|E_BOOLEAN|column 'b': "));
    pteardown(f);
}

/* Lookup policies: missing = null / filter, multiple = first, exists. */
static void test_plan_lookup_policies(void **state)
{
    static const char *const cols[] = {"id", "phone", NULL};
    static const char *const show[] = {"id", "n1", "n2", "n3", "opted", "n4"};
    static const char *const rows[][2] = {
        {"1", "2025550123"}, /* Ann twice and Ann B: ambiguous */
        {"2", "2025550199"}, /* Bob (two equal rows) */
        {"3", "2025550100"}, /* nobody */
        {"4", NUL},          /* null key */
        {"5", "nonsense"},   /* key fails the key rule */
    };
    pfix *f;

    (void)state;
    writefile("people.csv", people_csv);
    f = psetup("policies.lua", cols, show, N(show));
    assert_int_equal(cw__plan_ninputs(f->p), 4);
    assert_int_equal(cw__plan_bind(f->p, paths, NULL, &f->err), CW_OK);
    for (size_t i = 0; i < N(rows); i++)
        assert_int_equal(ppush(f, i + 2, rows[i]), CW_OK);
    /* 1: multiple=first takes Ann; missing=null keeps the others;
    ** exists; then the last lookup (multiple=reject) rejects. */
    assert_int_equal(f->s.nrej, 1);
    assert_string_equal(f->s.rej[0],
                        "1|phone|E_LOOKUP_AMBIGUOUS|column 'phone': "
                        "'+12025550123' matches several different rows of "
                        "input 'people' (ambiguous)");
    assert_int_equal(f->s.filtered, 3); /* 3, 4, 5: missing = filter */
    assert_int_equal(f->s.nout, 1);
    assert_string_equal(f->s.out[0], "2|Bob|Bob|Bob|true|Bob");
    pteardown(f);

    /* The same rows through the first three lookups only. */
    f = psetup("policies2.lua", cols, show, N(show));
    assert_int_equal(cw__plan_bind(f->p, paths, NULL, &f->err), CW_OK);
    for (size_t i = 0; i < N(rows); i++)
        assert_int_equal(ppush(f, i + 2, rows[i]), CW_OK);
    assert_int_equal(f->s.nrej, 0);
    assert_int_equal(f->s.filtered, 0);
    assert_int_equal(f->s.nout, 5);
    assert_string_equal(f->s.out[0], "1|Ann|~|Ann|true|~");
    assert_string_equal(f->s.out[1], "2|Bob|Bob|Bob|true|~");
    assert_string_equal(f->s.out[2], "3|~|~|~|false|~");
    assert_string_equal(f->s.out[3], "4|~|~|~|false|~");
    assert_string_equal(f->s.out[4], "5|~|~|~|false|~");
    pteardown(f);
}

/* Function steps in a real sandbox: fn, filter functions, map fn, and
** the verdicts keep / drop / reject; a group then a fn after it. */
static void test_plan_functions(void **state)
{
    static const char *const cols[] = {"first", "last", "kind", NULL};
    static const char *const show[] = {"full", "initials", "kind", "n",
                                       "shout"};
    static const char *const rows[][3] = {
        {"Ann", "Lee", "a"},   {"Bob", "Ray", "drop"}, {"Cy", NUL, "a"},
        {"Di", "Fox", "skip"}, {"Ann", "Lee", "a"},    {"Ed", "Oh", "b"},
    };
    pfix *f;

    (void)state;
    f = psetup("fns.lua", cols, show, N(show));
    assert_int_equal(cw__plan_ninputs(f->p), 0);
    assert_int_equal(cw__plan_bind(f->p, nopaths, NULL, &f->err), CW_OK);
    for (size_t i = 0; i < N(rows); i++)
        assert_int_equal(ppush(f, i + 2, rows[i]), CW_OK);
    assert_int_equal(f->s.filtered, 2); /* drop (fn), skip (filter fn) */
    assert_int_equal(f->s.nrej, 1);
    assert_string_equal(f->s.rej[0], "Cy|~|E_RECIPE|no last name for Cy");
    assert_int_equal(f->s.merged, 1);
    assert_int_equal(cw__plan_finish(f->p, &f->rec, &f->cb, &f->err), CW_OK);
    assert_int_equal(f->s.nout, 2);
    assert_string_equal(f->s.out[0], "Ann Lee|AL|a|2|ANN LEE!");
    assert_string_equal(f->s.out[1], "Ed Oh|EO|b|1|ED OH!");
    pteardown(f);
}

/* A Lua error stops the push with CW_ELUA naming the recipe line; a
** runaway function is stopped with CW_ELIMIT; a callback's error is
** passed on. */
static void test_plan_function_errors(void **state)
{
    static const char *const cols[] = {"first", "last", "kind", NULL};
    static const char *const show[] = {"full"};
    static const char *const boom[] = {"Ann", "Lee", "boom"};
    static const char *const loop[] = {"Ann", "Lee", "loop"};
    static const char *const ok[] = {"Ann", "Lee", "ok"};
    pfix *f;
    int rc;

    (void)state;
    f = psetup("errors.lua", cols, show, N(show));
    assert_int_equal(ppush(f, 2, ok), CW_OK);
    assert_int_equal(f->s.nout, 1);
    rc = ppush(f, 3, boom);
    assert_int_equal(rc, CW_ELUA);
    assert_int_equal(f->err.code, CW_ELUA);
    assert_non_null(strstr(f->err.msg, "errors.lua:"));
    assert_non_null(strstr(f->err.msg, "kaboom"));
    f->s.fail_emit = CW_ESINK;
    assert_int_equal(ppush(f, 4, ok), CW_ESINK);
    f->s.fail_emit = 0;
    assert_int_equal(f->s.nout, 1);
    rc = ppush(f, 5, loop);
    assert_int_equal(rc, CW_ELIMIT);
    assert_int_equal(f->err.code, CW_ELIMIT);
    /* The state is dead: every later call fails the same way. */
    assert_int_equal(ppush(f, 6, ok), CW_ELIMIT);
    assert_int_equal(f->s.nout, 1);
    assert_int_equal(f->s.nrej, 0);
    pteardown(f);
}

/* ==== Names ==== */

/* A fake main input for cw__plan_resolve(): its columns, and one alias
** its schema knows. */
typedef struct fakein {
    const char *const *cols; /* NULL-ended */
} fakein;

static int fake_has(void *ud, const char *name)
{
    const fakein *in = ud;

    for (size_t i = 0; in->cols[i] != NULL; i++)
        if (strcmp(in->cols[i], name) == 0)
            return 1;
    return 0;
}

static const char *fake_column(void *ud, size_t i)
{
    const fakein *in = ud;

    for (size_t k = 0; k <= i; k++)
        if (in->cols[k] == NULL)
            return NULL;
    return in->cols[i];
}

static const char *fake_canonical(void *ud, const char *name)
{
    (void)ud;
    return strcmp(name, "profile_id") == 0 ? "Profile ID" : NULL;
}

/* Compile the steps under 'key' of names.lua on a layout holding the
** input columns 'cols'. */
static pfix *nsetup(const char *key, const char *const *cols)
{
    pfix *f = calloc(1, sizeof *f);
    int rc;

    assert_non_null(f);
    assert_int_equal(cw__lua_open(NULL, NULL, &f->lua, &f->err), CW_OK);
    rc =
        cw__lua_loadfile(f->lua, data("names.lua"), NULL, 0, &f->tree, &f->err);
    if (rc != CW_OK)
        fail_msg("names.lua: %s", f->err.msg);
    assert_int_equal(cw__layout_new(&f->l), CW_OK);
    for (f->nin = 0; cols[f->nin] != NULL; f->nin++)
        f->in[f->nin] = col(f->l, cols[f->nin]);
    rc = cw__plan_compile(cw__node_get(f->tree, key), "r.lua", f->l, f->lua,
                          f->nin, &f->p, &f->err);
    if (rc != CW_OK)
        fail_msg("compile %s: %s", key, f->err.msg);
    cw__rec_init(&f->rec, f->l);
    f->s.l = f->l;
    f->cb = (cw_plan_cb){&f->s, emit_cb, reject_cb, filtered_cb, merged_cb};
    return f;
}

/* Resolve the steps under 'key' against the header 'cols' (with 'reads'
** after them), expecting 'want' and, for an error, the message 'msg'. */
static void resolves(const char *key, const char *const *cols,
                     const char *const *reads, int want, const char *msg)
{
    fakein in = {cols};
    cw_namesrc src = {.ud = &in,
                      .has = fake_has,
                      .column = fake_column,
                      .canonical = fake_canonical,
                      .what = "the header of m.csv"};
    cw_nameread r[4];
    size_t nr = 0;
    pfix *f = nsetup(key, cols);
    int rc;

    for (; reads != NULL && reads[nr] != NULL; nr++)
        r[nr] = (cw_nameread){col(f->l, reads[nr]), "outputs.o"};
    rc = cw__plan_resolve(f->p, &src, r, nr, &f->err);
    if (rc != want || (msg != NULL && strcmp(f->err.msg, msg) != 0))
        fail_msg("%s: want %d \"%s\", got %d \"%s\"", key, want, msg ? msg : "",
                 rc, rc ? f->err.msg : "");
    pteardown(f);
}

/* Each name a step reads resolves against the header and what earlier
** steps create; a misspelling is refused with the closest names. */
static void test_plan_names(void **state)
{
    static const char *const hdr[] = {"id",          "message_type", "sent_at",
                                      "receiver_id", "body",         NULL};

    (void)state;
    resolves("ok", hdr, (const char *const[]){"who", "n", "phone", NULL}, CW_OK,
             NULL);
    /* After the group, the input's columns have no value. */
    resolves("ok", hdr, (const char *const[]){"body", NULL}, CW_EUSAGE,
             "r.lua: outputs.o: column 'body' has no value after steps[7] "
             "(group): after a group a record holds only its keys and "
             "aggregates (known: 'who', 'phone', 'n', 'first_at')");
    resolves("ok", hdr, (const char *const[]){"nope", NULL}, CW_EUSAGE,
             "r.lua: outputs.o: column 'nope' has no value after steps[7] "
             "(group): after a group a record holds only its keys and "
             "aggregates (known: 'who', 'phone', 'n', 'first_at')");
    resolves("typo", hdr, NULL, CW_EUSAGE,
             "r.lua: steps[1] (filter): column 'mesage_type' is not in the "
             "header of m.csv, and no earlier step sets it; did you mean "
             "'message_type'?");
    resolves("ownmap", hdr, NULL, CW_EUSAGE,
             "r.lua: steps[1] (map): map entry 'b2': column 'a2' is not in "
             "the header of m.csv, and no earlier step sets it (known: 'id', "
             "'message_type', 'sent_at', 'receiver_id', 'body')");
    resolves("aftergroup", hdr, NULL, CW_EUSAGE,
             "r.lua: steps[2] (validate): column 'body' has no value after "
             "steps[1] (group): after a group a record holds only its keys "
             "and aggregates (known: 'id', 'n')");
    resolves("sets", hdr, NULL, CW_EUSAGE,
             "r.lua: steps[2] (filter): column 'knd' is not in the header of "
             "m.csv, and no earlier step sets it (an fn step that sets it "
             "must list it in its 'sets'); did you mean 'kind'?");
    /* After an fn step without 'sets' any name may exist. */
    resolves("unset", hdr, (const char *const[]){"zzz", NULL}, CW_OK, NULL);
    resolves("alias", (const char *const[]){"Profile ID", NULL}, NULL,
             CW_EUSAGE,
             "r.lua: steps[1] (validate): column 'profile_id' is not in the "
             "header of m.csv, and no earlier step sets it; the input's "
             "schema names it 'Profile ID'");
    resolves("alias", (const char *const[]){"profile_id", NULL}, NULL, CW_OK,
             NULL);
}

/* When checking against a schema (a file may have more columns), only a
** name close to one of its columns is refused; with no schema, only the
** names read after a group are checked. */
static void test_plan_names_guess(void **state)
{
    static const char *const cols[] = {"Profile ID", "Phone Number", NULL};
    fakein in = {cols};
    cw_namesrc src = {.ud = &in,
                      .has = fake_has,
                      .column = fake_column,
                      .what = "schema s/t (input 'p')",
                      .guess = 1};
    cw_namesrc any = {.what = "the main input", .any = 1};
    pfix *f;

    (void)state;
    f = nsetup("beyond", cols);
    assert_int_equal(cw__plan_resolve(f->p, &src, NULL, 0, &f->err), CW_OK);
    pteardown(f);
    f = nsetup("close", cols);
    assert_int_equal(cw__plan_resolve(f->p, &src, NULL, 0, &f->err), CW_EUSAGE);
    assert_string_equal(f->err.msg,
                        "r.lua: steps[1] (validate): column 'Phone Numbr' is "
                        "not in schema s/t (input 'p'), and no earlier step "
                        "sets it; did you mean 'Phone Number'?");
    assert_int_equal(cw__plan_resolve(f->p, &any, NULL, 0, &f->err), CW_OK);
    pteardown(f);
    f = nsetup("aftergroup", cols);
    assert_int_equal(cw__plan_resolve(f->p, &any, NULL, 0, &f->err), CW_EUSAGE);
    assert_non_null(strstr(f->err.msg, "steps[2] (validate): column 'body' "
                                       "has no value after steps[1] (group)"));
    pteardown(f);
}

static void unset_cb(void *ud, const char *column, const char *msg)
{
    sink *s = ud;

    assert_true(s->nrej < N(s->rej));
    snprintf(s->rej[s->nrej++], sizeof s->rej[0], "%s|%s", column, msg);
}

/* A name read after an fn step without 'sets' is watched while the run
** goes: one no record reaching its reader had is reported (W_NEVER_SET),
** and so is a name a function read that no record had. */
static void test_plan_names_unset(void **state)
{
    static const char *const hdr[] = {"id", "message_type", NULL};
    static const char *const rows[][2] = {{"1", "T"}, {"2", "U"}};
    fakein in = {hdr};
    cw_namesrc src = {.ud = &in,
                      .has = fake_has,
                      .column = fake_column,
                      .what = "the header of m.csv",
                      .run = 1};
    const char *step = NULL;
    pfix *f;

    (void)state;
    f = nsetup("unset", hdr);
    assert_int_equal(cw__plan_resolve(f->p, &src, NULL, 0, &f->err), CW_OK);
    /* Not run yet: nothing to say. */
    assert_int_equal(cw__plan_unset(f->p, unset_cb, &f->s), CW_OK);
    assert_int_equal(f->s.nrej, 0);
    for (size_t i = 0; i < N(rows); i++)
        assert_int_equal(ppush(f, i + 2, rows[i]), CW_OK);
    assert_int_equal(f->s.filtered, 2); /* by the misspelt 'kinnd' */
    assert_int_equal(cw__plan_unset(f->p, unset_cb, &f->s), CW_OK);
    assert_int_equal(f->s.nrej, 1);
    assert_string_equal(f->s.rej[0],
                        "kinnd|steps[2] (filter): column 'kinnd' had no "
                        "value on any of the 2 records that reached it; "
                        "steps[1] (fn) has no 'sets', so the name could not "
                        "be checked before the run; did you mean 'kind'?");
    assert_string_equal(cw__lua_missed(f->lua, 0, &step), "nottes");
    assert_string_equal(step, "steps[1] (fn)");
    assert_null(cw__lua_missed(f->lua, 1, &step));
    pteardown(f);
}

/* 'sets' belongs to fn steps and lists strings. */
static void test_plan_sets_errors(void **state)
{
    (void)state;
    bad_step(tab("map", arr(arr(str("x"), str("y"), NULL), NULL), "sets",
                 arr(str("x"), NULL), NULL),
             "r.lua: steps[2] (map): only an fn step has 'sets' (the columns "
             "its function sets)");
}

/* The n-th allocation fails while compiling a plan: CW_ENOMEM. */
static void test_plan_compile_out_of_memory(void **state)
{
    cw_lua *lua;
    cw_node *tree;
    cw_err err = {0};
    long n;

    (void)state;
    assert_int_equal(cw__lua_open(NULL, NULL, &lua, &err), CW_OK);
    assert_int_equal(
        cw__lua_loadfile(lua, data("chain.lua"), NULL, 0, &tree, &err), CW_OK);
    for (n = 0;; n++) {
        struct budget b = {n, 0};
        cw_layout *l;
        cw_plan *p = (cw_plan *)1;
        int rc;

        assert_int_equal(cw__layout_new(&l), CW_OK);
        cw_set_allocator(budget_alloc, &b);
        rc = cw__plan_compile(cw__node_get(tree, "steps"), "chain.lua", l, lua,
                              3, &p, &err);
        cw_set_allocator(NULL, NULL);
        cw__layout_free(l);
        if (rc == CW_OK) {
            assert_int_equal(cw__plan_ninputs(p), 1);
            cw__plan_free(p);
            break;
        }
        if (rc != CW_ENOMEM)
            fail_msg("budget %ld: %d %s", n, rc, err.msg);
        assert_null(p);
    }
    assert_true(n > 20);
    cw__node_free(tree);
    cw__lua_close(lua);
}

/* Remove the temporary files (the last test). */
static void test_plan_cleanup(void **state)
{
    static const char *const files[] = {"people.csv", "many.csv", "bad.csv"};
    char path[256];

    (void)state;
    for (size_t i = 0; i < N(files); i++) {
        snprintf(path, sizeof path, "%s/%s", tmpdir(), files[i]);
        unlink(path);
    }
    assert_int_equal(rmdir(tmpdir()), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_group_first_last),
        cmocka_unit_test(test_plan_group_min_max),
        cmocka_unit_test(test_plan_group_count),
        cmocka_unit_test(test_plan_group_any_all),
        cmocka_unit_test(test_plan_group_concat),
        cmocka_unit_test(test_plan_group_keys),
        cmocka_unit_test(test_plan_group_many),
        cmocka_unit_test(test_plan_group_out_of_memory),
        cmocka_unit_test(test_plan_lookup_find),
        cmocka_unit_test(test_plan_lookup_many),
        cmocka_unit_test(test_plan_lookup_errors),
        cmocka_unit_test(test_plan_lookup_out_of_memory),
        cmocka_unit_test(test_plan_compile_errors),
        cmocka_unit_test(test_plan_compile_unknown_keys),
        cmocka_unit_test(test_plan_filter_false_flags),
        cmocka_unit_test(test_plan_filter_boolean),
        cmocka_unit_test(test_plan_declarative_chain),
        cmocka_unit_test(test_plan_renames),
        cmocka_unit_test(test_plan_lookup_policies),
        cmocka_unit_test(test_plan_functions),
        cmocka_unit_test(test_plan_function_errors),
        cmocka_unit_test(test_plan_names),
        cmocka_unit_test(test_plan_names_guess),
        cmocka_unit_test(test_plan_names_unset),
        cmocka_unit_test(test_plan_sets_errors),
        cmocka_unit_test(test_plan_compile_out_of_memory),
        cmocka_unit_test(test_plan_cleanup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
