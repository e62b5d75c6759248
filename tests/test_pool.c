/*
** test_pool.c -- unit tests for the worker pool that runs the parallel
** fn steps: records come back in the order they were put in, each run
** once, whichever thread ran it (the caller's too); the copies own their
** bytes; a failing job stops its batch; a pool freed with batches out
** stops cleanly, and at once.
*/
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "steps/pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NREC 5000

typedef struct job {
    size_t nw;                 /* pool threads; 'nw' is the caller */
    unsigned long runs[65];    /* slots run by each worker */
    unsigned long long failat; /* rownum whose job fails, or 0 */
    unsigned long bad;         /* jobs that saw something wrong (cmocka's
                                  asserts are for the main thread) */
} job;

/* Sleep a few microseconds now and then, so that batches finish out of
** order. */
static void jitter(unsigned long long n)
{
    if (n % 7 == 0) {
        struct timespec ts = {0, (long)(n % 5) * 20000};

        nanosleep(&ts, NULL);
    }
}

/* The job: field 1 = field 0 twice over, in the slot's own arena;
** records whose number ends in 3 are dropped. */
static int double_it(void *ud, size_t w, cw_slot *s)
{
    job *j = ud;
    cw_field f = cw__rec_get(&s->rec, 0);
    char num[32];
    unsigned long long n;

    if (w > j->nw || f.p == NULL || f.len >= sizeof num) {
        __atomic_fetch_add(&j->bad, 1, __ATOMIC_RELAXED);
        return CW_EUSAGE;
    }
    __atomic_fetch_add(&j->runs[w], 1, __ATOMIC_RELAXED);
    memcpy(num, f.p, f.len);
    num[f.len] = '\0';
    n = strtoull(num, NULL, 10);
    if (n != s->rec.rownum)
        __atomic_fetch_add(&j->bad, 1, __ATOMIC_RELAXED);
    jitter(n);
    if (j->failat != 0 && n == j->failat)
        return cw__fail(&s->err, CW_ELUA, "row %llu failed", n);
    s->verdict = n % 10 == 3;
    snprintf(num, sizeof num, "%llu", 2 * n);
    return cw__rec_set(&s->rec, 1, num, strlen(num));
}

static cw_layout *twocols(void)
{
    cw_layout *l;
    size_t idx;

    assert_int_equal(cw__layout_new(&l), CW_OK);
    assert_int_equal(cw__layout_intern(l, "n", 1, &idx), CW_OK);
    assert_int_equal(cw__layout_intern(l, "twice", 5, &idx), CW_OK);
    return l;
}

/* Put record 'n' (its only field, and original field, is "n") through
** a scratch record that is cleared right after: the slot must have its
** own copy. */
static void put(cw_pool *p, cw_rec *rec, unsigned long long n)
{
    char buf[64];
    cw_field orig;
    int len = snprintf(buf, sizeof buf, "%llu", n);

    cw__rec_clear(rec);
    assert_int_equal(cw__rec_fit(rec), CW_OK);
    orig = (cw_field){buf, (size_t)len};
    assert_int_equal(cw__rec_setview(rec, 0, buf, (size_t)len), CW_OK);
    rec->rownum = n;
    rec->line = n + 1;
    assert_int_equal(cw__pool_put(p, rec, &orig, 1, n % 2), CW_OK);
    memset(buf, 'x', sizeof buf); /* the copy must not see this */
}

/* Take one batch back and check its records: 'next' is the number
** expected first; returns the number expected after them. */
static unsigned long long take(cw_pool *p, int wait, unsigned long long next,
                               unsigned long long *dropped)
{
    size_t n = cw__pool_take(p, wait);

    for (size_t i = 0; i < n; i++) {
        cw_slot *s = cw__pool_slot(p, i);
        char want[32];
        cw_field f;

        assert_int_equal(s->rc, CW_OK);
        assert_int_equal(s->rec.rownum, next);
        assert_int_equal(s->rec.line, next + 1);
        snprintf(want, sizeof want, "%llu", next);
        assert_int_equal(s->norig, 1);
        assert_int_equal(s->orig[0].len, strlen(want));
        assert_memory_equal(s->orig[0].p, want, strlen(want));
        f = cw__rec_get(&s->rec, 0);
        assert_memory_equal(f.p, want, strlen(want));
        snprintf(want, sizeof want, "%llu", 2 * next);
        f = cw__rec_get(&s->rec, 1);
        assert_int_equal(f.len, strlen(want));
        assert_memory_equal(f.p, want, f.len);
        *dropped += (unsigned long long)s->verdict;
        next++;
    }
    if (n > 0)
        cw__pool_done(p);
    return next;
}

/* Every record comes back once, in order, with 1, 2 and 3 threads and
** the caller's; with 0 threads the caller runs them all. */
static void test_pool_order(void **state)
{
    (void)state;
    for (size_t nw = 0; nw <= 3; nw++) {
        cw_layout *l = twocols();
        job j = {.nw = nw};
        cw_pool *p = NULL;
        cw_rec rec;
        unsigned long long next = 1, dropped = 0, ran = 0;

        cw__rec_init(&rec, l);
        assert_int_equal(cw__pool_new(nw, double_it, &j, &p), CW_OK);
        for (unsigned long long n = 1; n <= NREC; n++) {
            while (next <= n - 1 && !cw__pool_room(p))
                next = take(p, 1, next, &dropped);
            if (n % 3 == 0) /* and now and then without waiting */
                next = take(p, 0, next, &dropped);
            put(p, &rec, n);
        }
        cw__pool_flush(p);
        while (next <= NREC)
            next = take(p, 1, next, &dropped);
        assert_int_equal(cw__pool_take(p, 1), 0); /* none left out */
        assert_int_equal(dropped, NREC / 10);
        for (size_t w = 0; w <= nw; w++)
            ran += j.runs[w];
        assert_int_equal(ran, NREC);
        assert_int_equal(j.bad, 0);
        if (nw == 0)
            assert_int_equal(j.runs[0], NREC);
        cw__pool_free(p);
        cw__rec_free(&rec);
        cw__layout_free(l);
    }
}

/* A field far larger than a slot's arena block, and fields made by a
** step outside the original row's span, are copied whole. */
static void test_pool_copy(void **state)
{
    cw_layout *l = twocols();
    job j = {.nw = 2};
    cw_pool *p = NULL;
    cw_rec rec;
    size_t big = 100000;
    char *row = malloc(big + 8), made[8] = "made";
    cw_field orig[2];
    size_t n;

    (void)state;
    assert_non_null(row);
    memset(row, 'b', big + 8);
    memcpy(row, "7,", 2); /* the row "7,bbb...": two fields in one span */
    orig[0] = (cw_field){row, 1};
    orig[1] = (cw_field){row + 2, big};
    cw__rec_init(&rec, l);
    assert_int_equal(cw__rec_fit(&rec), CW_OK);
    cw__rec_setview(&rec, 0, row, 1);
    cw__rec_setview(&rec, 1, made, 4);
    rec.rownum = 7;
    assert_int_equal(cw__pool_new(2, double_it, &j, &p), CW_OK);
    assert_int_equal(cw__pool_put(p, &rec, orig, 2, 1), CW_OK);
    memset(row, 'x', big + 8);
    memcpy(made, "gone", 4);
    cw__pool_flush(p);
    n = cw__pool_take(p, 1);
    assert_int_equal(n, 1);
    {
        cw_slot *s = cw__pool_slot(p, 0);

        assert_int_equal(s->rc, CW_OK);
        assert_int_equal(s->orig[0].len, 1);
        assert_memory_equal(s->orig[0].p, "7", 1);
        assert_int_equal(s->orig[1].len, big);
        for (size_t i = 0; i < big; i++)
            if (s->orig[1].p[i] != 'b')
                fail_msg("byte %zu of the big field is %c", i, s->orig[1].p[i]);
        assert_memory_equal(cw__rec_get(&s->rec, 1).p, "14", 2);
    }
    cw__pool_done(p);
    cw__pool_free(p);
    cw__rec_free(&rec);
    cw__layout_free(l);
    free(row);
}

/* Take back one batch of the test below: 'got' counts the records,
** '*failed' is set at the failed one (record 100). */
static void take_failing(cw_pool *p, unsigned long long *got, int *failed)
{
    size_t k = cw__pool_take(p, 1);

    for (size_t i = 0; i < k && !*failed; i++) {
        cw_slot *s = cw__pool_slot(p, i);

        ++*got;
        assert_int_equal(s->rec.rownum, *got);
        if (s->rc != CW_OK) {
            assert_int_equal(s->rc, CW_ELUA);
            assert_string_equal(s->err.msg, "row 100 failed");
            *failed = 1;
        }
    }
    if (k > 0)
        cw__pool_done(p);
}

/* A job failing on record 100 leaves its error in that slot; the
** records before it came back as usual. */
static void test_pool_error(void **state)
{
    cw_layout *l = twocols();
    job j = {.nw = 2, .failat = 100};
    cw_pool *p = NULL;
    cw_rec rec;
    unsigned long long got = 0;
    int failed = 0;

    (void)state;
    cw__rec_init(&rec, l);
    assert_int_equal(cw__pool_new(2, double_it, &j, &p), CW_OK);
    for (unsigned long long n = 1; n <= 1000 && !failed; n++) {
        while (!failed && !cw__pool_room(p))
            take_failing(p, &got, &failed);
        put(p, &rec, n);
    }
    cw__pool_flush(p);
    while (!failed && got < 1000)
        take_failing(p, &got, &failed);
    assert_true(failed);
    assert_int_equal(got, 100);
    cw__pool_free(p); /* with batches still out */
    cw__rec_free(&rec);
    cw__layout_free(l);
}

/* Freed at once, with every batch handed over and none taken back. */
static void test_pool_free_busy(void **state)
{
    cw_layout *l = twocols();
    job j = {.nw = 3};
    cw_pool *p = NULL;
    cw_rec rec;

    (void)state;
    cw__rec_init(&rec, l);
    assert_int_equal(cw__pool_new(3, double_it, &j, &p), CW_OK);
    for (unsigned long long n = 1; cw__pool_room(p); n++)
        put(p, &rec, n);
    cw__pool_free(p);
    cw__rec_free(&rec);
    cw__layout_free(l);
}

/* The job of test_pool_free_slow: 10 ms a record. */
static int slow(void *ud, size_t w, cw_slot *s)
{
    struct timespec ts = {0, 10000000};

    (void)w;
    (void)s;
    __atomic_fetch_add((unsigned long *)ud, 1, __ATOMIC_RELAXED);
    nanosleep(&ts, NULL);
    return CW_OK;
}

/* Freed while a worker is at a batch of slow jobs: it stops at the
** record it is at rather than run the batch to its end (an interrupted
** or failed run must not wait for a whole batch of them). */
static void test_pool_free_slow(void **state)
{
    cw_layout *l = twocols();
    unsigned long runs = 0;
    struct timespec ts = {0, 30000000};
    cw_pool *p = NULL;
    cw_rec rec;

    (void)state;
    cw__rec_init(&rec, l);
    assert_int_equal(cw__pool_new(1, slow, &runs, &p), CW_OK);
    for (unsigned long long n = 1; n <= 64; n++) /* one full batch */
        put(p, &rec, n);
    nanosleep(&ts, NULL); /* the worker is at it */
    cw__pool_free(p);
    assert_true(__atomic_load_n(&runs, __ATOMIC_RELAXED) < 32);
    cw__rec_free(&rec);
    cw__layout_free(l);
}

/* A first put into a new batch that runs out of memory leaves no empty
** batch out: the next record still comes back.  No thread (the caller
** runs the jobs): the budget allocator is for one thread. */
static void test_pool_put_nomem(void **state)
{
    cw_layout *l = twocols();
    job j = {.nw = 0};
    cw_pool *p = NULL;
    cw_rec rec;
    struct budget b = {0, 0};
    char buf[8] = "5";
    cw_field orig = {buf, 1};
    int rc;

    (void)state;
    cw__rec_init(&rec, l);
    assert_int_equal(cw__rec_fit(&rec), CW_OK);
    cw__rec_setview(&rec, 0, buf, 1);
    rec.rownum = 5;
    assert_int_equal(cw__pool_new(0, double_it, &j, &p), CW_OK);
    cw_set_allocator(budget_alloc, &b);
    rc = cw__pool_put(p, &rec, &orig, 1, 1);
    cw_set_allocator(NULL, NULL);
    assert_int_equal(rc, CW_ENOMEM);
    assert_true(b.calls > 0);
    cw__pool_flush(p);
    assert_int_equal(cw__pool_take(p, 1), 0); /* nothing out */
    assert_int_equal(cw__pool_put(p, &rec, &orig, 1, 1), CW_OK);
    cw__pool_flush(p);
    assert_int_equal(cw__pool_take(p, 1), 1);
    assert_memory_equal(cw__rec_get(&cw__pool_slot(p, 0)->rec, 1).p, "10", 2);
    cw__pool_done(p);
    cw__pool_free(p);
    cw__rec_free(&rec);
    cw__layout_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool_order),
        cmocka_unit_test(test_pool_copy),
        cmocka_unit_test(test_pool_error),
        cmocka_unit_test(test_pool_free_busy),
        cmocka_unit_test(test_pool_free_slow),
        cmocka_unit_test(test_pool_put_nomem),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
