/*
** test_record.c -- unit tests for layouts (interned column names) and
** records (field views over a per-record arena): stable indexes, lookups
** through many rehashes, values that stay put while the arena grows, and
** out-of-memory sweeps over interning and setting.
*/
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "core/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* A new empty layout, which must succeed. */
static cw_layout *layout(void)
{
    cw_layout *l = (cw_layout *)1;

    assert_int_equal(cw__layout_new(&l), CW_OK);
    assert_non_null(l);
    return l;
}

/* Intern the NUL-terminated 'name' and return its index. */
static size_t intern(cw_layout *l, const char *name)
{
    size_t idx = (size_t)-1;

    assert_int_equal(cw__layout_intern(l, name, strlen(name), &idx), CW_OK);
    return idx;
}

/* Field 'i' of 'r' must hold exactly the NUL-terminated 'want'. */
static void field_is(const cw_rec *r, size_t i, const char *want)
{
    cw_field f = cw__rec_get(r, i);

    if (f.p == NULL)
        fail_msg("field %zu is null, want '%s'", i, want);
    if (f.len != strlen(want) || memcmp(f.p, want, f.len) != 0)
        fail_msg("field %zu is '%.*s', want '%s'", i, (int)f.len, f.p, want);
}

/* ==== Layouts ==== */

/* Indexes are assigned in order, never change, and names are exact. */
static void test_record_layout_intern(void **state)
{
    cw_layout *l = layout();
    size_t idx;

    (void)state;
    assert_int_equal(cw__layout_count(l), 0);
    assert_int_equal(cw__layout_find(l, "a", 1), -1); /* empty: no hash */
    assert_int_equal(intern(l, "Profile ID"), 0);
    assert_int_equal(intern(l, "Effort Name"), 1);
    assert_int_equal(intern(l, "c"), 2);
    assert_int_equal(intern(l, "Effort Name"), 1); /* again: same index */
    assert_int_equal(intern(l, "profile id"), 3);  /* case-sensitive */
    assert_int_equal(intern(l, ""), 4);            /* the empty name */
    assert_int_equal(intern(l, ""), 4);
    assert_int_equal(cw__layout_count(l), 5);
    assert_int_equal(cw__layout_find(l, "c", 1), 2);
    assert_int_equal(cw__layout_find(l, "Profile ID", 10), 0);
    assert_int_equal(cw__layout_find(l, "Profile IDx", 10), 0); /* by len */
    assert_int_equal(cw__layout_find(l, "Profile", 7), -1);
    assert_int_equal(cw__layout_find(l, "PROFILE ID", 10), -1);
    assert_int_equal(cw__layout_find(l, "", 0), 4);
    assert_string_equal(cw__layout_name(l, 0), "Profile ID");
    assert_string_equal(cw__layout_name(l, 3), "profile id");
    assert_string_equal(cw__layout_name(l, 4), "");
    assert_null(cw__layout_name(l, 5));
    /* A name with a NUL byte inside is its own name, by length. */
    assert_int_equal(cw__layout_intern(l, "c\0d", 3, &idx), CW_OK);
    assert_int_equal(idx, 5);
    assert_int_equal(cw__layout_find(l, "c\0d", 3), 5);
    assert_int_equal(cw__layout_find(l, "c", 1), 2);
    cw__layout_free(l);
    cw__layout_free(NULL);
}

/* Thousands of names force many rehashes; all stay findable. */
static void test_record_layout_many(void **state)
{
    enum { NAMES = 5000 };
    cw_layout *l = layout();
    const char *first;
    char name[32];

    (void)state;
    first = NULL;
    for (size_t i = 0; i < NAMES; i++) {
        snprintf(name, sizeof name, "col%zu", i);
        assert_int_equal(intern(l, name), i);
        if (i == 0)
            first = cw__layout_name(l, 0);
        /* Every earlier name is still found after each growth. */
        if ((i & (i - 1)) == 0) {
            for (size_t k = 0; k <= i; k++) {
                snprintf(name, sizeof name, "col%zu", k);
                assert_int_equal(cw__layout_find(l, name, strlen(name)),
                                 (long)k);
            }
        }
    }
    assert_int_equal(cw__layout_count(l), NAMES);
    for (size_t i = 0; i < NAMES; i++) {
        snprintf(name, sizeof name, "col%zu", i);
        assert_int_equal(cw__layout_find(l, name, strlen(name)), (long)i);
        assert_string_equal(cw__layout_name(l, i), name);
        assert_int_equal(intern(l, name), i);
    }
    assert_int_equal(cw__layout_find(l, "col5000", 7), -1);
    assert_int_equal(cw__layout_count(l), NAMES);
    /* Names are separate allocations: the first never moved. */
    assert_ptr_equal(cw__layout_name(l, 0), first);
    cw__layout_free(l);
}

/* The n-th allocation fails: CW_ENOMEM, and the layout keeps exactly the
** names interned before, with their indexes, and works on afterwards. */
static void test_record_layout_out_of_memory(void **state)
{
    enum { NAMES = 40 }; /* rehashes at 8, 16 and 32 names */
    long n;

    (void)state;
    for (n = 0;; n++) {
        struct budget b = {n, 0};
        cw_layout *l = NULL;
        size_t done = 0, idx;
        char name[32];
        int rc;

        cw_set_allocator(budget_alloc, &b);
        rc = cw__layout_new(&l);
        for (; rc == CW_OK && done < NAMES; done++) {
            snprintf(name, sizeof name, "name %zu", done);
            rc = cw__layout_intern(l, name, strlen(name), &idx);
            if (rc == CW_OK)
                assert_int_equal(idx, done);
            else
                break;
        }
        cw_set_allocator(NULL, NULL);
        if (l == NULL) {
            assert_int_equal(rc, CW_ENOMEM);
            continue;
        }
        if (rc == CW_OK) {
            assert_int_equal(done, NAMES);
            cw__layout_free(l);
            break;
        }
        assert_int_equal(rc, CW_ENOMEM);
        assert_int_equal(cw__layout_count(l), done);
        for (size_t k = 0; k < done; k++) {
            snprintf(name, sizeof name, "name %zu", k);
            assert_int_equal(cw__layout_find(l, name, strlen(name)), (long)k);
        }
        snprintf(name, sizeof name, "name %zu", done);
        assert_int_equal(cw__layout_find(l, name, strlen(name)), -1);
        /* With memory back, the same name gets the next index. */
        assert_int_equal(intern(l, name), done);
        assert_int_equal(intern(l, "extra"), done + 1);
        cw__layout_free(l);
    }
    assert_true(n > NAMES); /* every name and rehash allocated */
}

/* ==== Records ==== */

/* Set, get, null against empty, width, views and errors. */
static void test_record_set_get(void **state)
{
    cw_layout *l = layout();
    cw_rec r;
    cw_field f;
    static const char view[] = "borrowed bytes";
    char buf[8] = "temp";

    (void)state;
    intern(l, "a");
    intern(l, "b");
    cw__rec_init(&r, l);
    assert_ptr_equal(r.layout, l);
    f = cw__rec_get(&r, 0); /* never fitted: null, nothing allocated */
    assert_null(f.p);
    assert_int_equal(f.len, 0);
    assert_int_equal(cw__rec_fit(&r), CW_OK);
    assert_true(r.cap >= 2);
    assert_null(cw__rec_get(&r, 1).p);
    assert_null(cw__rec_get(&r, 1000).p); /* past the width: null */

    assert_int_equal(cw__rec_set(&r, 0, buf, 4), CW_OK); /* a copy */
    memcpy(buf, "XXXX", 4);
    field_is(&r, 0, "temp");
    assert_int_equal(cw__rec_set(&r, 1, "", 0), CW_OK); /* empty, not null */
    f = cw__rec_get(&r, 1);
    assert_non_null(f.p);
    assert_int_equal(f.len, 0);
    assert_int_equal(cw__rec_set(&r, 1, NULL, 5), CW_OK); /* null */
    f = cw__rec_get(&r, 1);
    assert_null(f.p);
    assert_int_equal(f.len, 0);

    assert_int_equal(cw__rec_setview(&r, 1, view, 8), CW_OK);
    assert_ptr_equal(cw__rec_get(&r, 1).p, view); /* borrowed as is */
    field_is(&r, 1, "borrowed");

    /* An index past the layout is a usage error, not a write. */
    assert_int_equal(cw__rec_setview(&r, 50, view, 1), CW_EUSAGE);
    assert_int_equal(cw__rec_set(&r, 50, "x", 1), CW_EUSAGE);

    /* By name: existing, then new (interned, record widened). */
    assert_int_equal(cw__rec_setname(&r, "a", 1, "by name", 7), CW_OK);
    field_is(&r, 0, "by name");
    assert_int_equal(cw__rec_setname(&r, "new col", 7, "fresh", 5), CW_OK);
    assert_int_equal(cw__layout_find(l, "new col", 7), 2);
    field_is(&r, 2, "fresh");
    field_is(&r, 1, "borrowed");

    /* A layout grown elsewhere: the record widens on the next set. */
    for (int i = 0; i < 40; i++) {
        char name[16];

        snprintf(name, sizeof name, "w%d", i);
        intern(l, name);
    }
    assert_int_equal(cw__rec_set(&r, 42, "last", 4), CW_OK);
    field_is(&r, 42, "last");
    assert_null(cw__rec_get(&r, 41).p); /* new views start null */
    field_is(&r, 0, "by name");

    cw__rec_clear(&r);
    for (size_t i = 0; i < cw__layout_count(l); i++)
        assert_null(cw__rec_get(&r, i).p);
    assert_non_null(cw__rec_scratch(&r, 0)); /* zero bytes: still a pointer */
    cw__rec_free(&r);
    cw__rec_free(&r); /* twice: harmless */
    cw__layout_free(l);
}

/* Value 'i' of a test row: 'len' bytes of a pattern that depends on 'i'. */
static void pattern(char *out, size_t len, size_t i)
{
    for (size_t k = 0; k < len; k++)
        out[k] = (char)('a' + (i * 7 + k) % 26);
}

/* Lengths of the test row: small, medium and big (> 16 KiB) values mixed,
** so that the arena grows by standard blocks and by big blocks. */
static size_t vlen(size_t i)
{
    static const size_t lens[] = {0,     1,     100, 5000,  16383, 16384,
                                  16385, 40000, 3,   70000, 12000, 200};

    return lens[i % N(lens)];
}

/* Every field set stays byte-identical while later sets grow the arena. */
static void test_record_values_stable(void **state)
{
    enum { COLS = 60 };
    cw_layout *l = layout();
    char *want = malloc(70000);
    const char *ptrs[COLS];
    cw_rec r;

    (void)state;
    assert_non_null(want);
    for (int i = 0; i < COLS; i++) {
        char name[16];

        snprintf(name, sizeof name, "c%d", i);
        intern(l, name);
    }
    cw__rec_init(&r, l);
    for (int row = 0; row < 4; row++) {
        cw__rec_clear(&r);
        for (size_t i = 0; i < COLS; i++) {
            size_t len = vlen(i + (size_t)row);

            pattern(want, len, i + (size_t)row);
            if (i % 5 == 4) { /* scratch, filled, then viewed */
                char *p = cw__rec_scratch(&r, len);

                assert_non_null(p);
                memcpy(p, want, len);
                assert_int_equal(cw__rec_setview(&r, i, p, len), CW_OK);
            } else if (i % 5 == 3) {
                assert_int_equal(cw__rec_setname(&r, cw__layout_name(l, i),
                                                 strlen(cw__layout_name(l, i)),
                                                 want, len),
                                 CW_OK);
            } else {
                assert_int_equal(cw__rec_set(&r, i, want, len), CW_OK);
            }
            ptrs[i] = cw__rec_get(&r, i).p;
            /* Check all earlier values at every step. */
            for (size_t k = 0; k <= i; k++) {
                cw_field f = cw__rec_get(&r, k);
                size_t klen = vlen(k + (size_t)row);

                pattern(want, klen, k + (size_t)row);
                assert_ptr_equal(f.p, ptrs[k]);
                assert_int_equal(f.len, klen);
                assert_memory_equal(f.p, want, klen);
            }
        }
        /* Copying a field onto another copies from the arena itself. */
        assert_int_equal(
            cw__rec_set(&r, 0, cw__rec_get(&r, 7).p, cw__rec_get(&r, 7).len),
            CW_OK);
        pattern(want, vlen(7 + (size_t)row), 7 + (size_t)row);
        assert_memory_equal(cw__rec_get(&r, 0).p, want, vlen(7 + (size_t)row));
    }
    /* Scratch areas never overlap: fill many and check them all. */
    cw__rec_clear(&r);
    {
        char *areas[50];

        for (size_t i = 0; i < N(areas); i++) {
            areas[i] = cw__rec_scratch(&r, vlen(i) + 1);
            assert_non_null(areas[i]);
            memset(areas[i], (int)('A' + i % 26), vlen(i) + 1);
        }
        for (size_t i = 0; i < N(areas); i++)
            for (size_t k = 0; k <= vlen(i); k++)
                if (areas[i][k] != (char)('A' + i % 26))
                    fail_msg("scratch %zu byte %zu overwritten", i, k);
    }
    cw__rec_free(&r);
    cw__layout_free(l);
    free(want);
}

/* Once warmed up on rows that fit one arena block, a record allocates
** nothing more for later rows of the same shape. */
static void test_record_reuse_no_alloc(void **state)
{
    cw_layout *l = layout();
    struct budget b = {1L << 30, 0};
    char val[600];
    cw_rec r;
    long before = 0;

    (void)state;
    for (int i = 0; i < 20; i++) {
        char name[16];

        snprintf(name, sizeof name, "c%d", i);
        intern(l, name);
    }
    cw__rec_init(&r, l);
    cw_set_allocator(budget_alloc, &b);
    for (int row = 0; row < 5; row++) {
        if (row == 2)
            before = b.calls;
        cw__rec_clear(&r);
        assert_int_equal(cw__rec_fit(&r), CW_OK);
        for (size_t i = 0; i < 20; i++) {
            pattern(val, 500 + i, i);
            assert_int_equal(cw__rec_set(&r, i, val, 500 + i), CW_OK);
        }
    }
    cw_set_allocator(NULL, NULL);
    assert_true(before > 0);
    assert_int_equal(b.calls, before);
    for (size_t i = 0; i < 20; i++) {
        pattern(val, 500 + i, i);
        assert_memory_equal(cw__rec_get(&r, i).p, val, 500 + i);
    }
    cw__rec_free(&r);
    cw__layout_free(l);
}

/* A sequence of sets where the n-th allocation fails: the failing call
** returns CW_ENOMEM, every value set before it is intact, and the
** record can be cleared, reused and freed. */
static void test_record_sets_out_of_memory(void **state)
{
    enum { STEPS = 24 };
    char *val = malloc(70000);
    long n;

    (void)state;
    assert_non_null(val);
    for (n = 0;; n++) {
        struct budget b = {n, 0};
        cw_layout *l = layout();
        cw_rec r;
        size_t done;
        int rc = CW_OK;

        intern(l, "first");
        cw__rec_init(&r, l);
        cw_set_allocator(budget_alloc, &b);
        for (done = 0; done < STEPS; done++) {
            size_t len = vlen(done);
            char name[16];

            pattern(val, len, done);
            snprintf(name, sizeof name, "s%zu", done);
            if (done % 3 == 2) {
                char *p = cw__rec_scratch(&r, len);

                rc = p == NULL ? CW_ENOMEM : CW_OK;
                if (p != NULL) {
                    memcpy(p, val, len);
                    rc = cw__rec_setname(&r, name, strlen(name), p, len);
                }
            } else {
                rc = cw__rec_setname(&r, name, strlen(name), val, len);
            }
            if (rc != CW_OK)
                break;
        }
        cw_set_allocator(NULL, NULL);
        if (rc != CW_OK)
            assert_int_equal(rc, CW_ENOMEM);
        for (size_t k = 0; k < done; k++) {
            char name[16];
            long idx;
            cw_field f;

            snprintf(name, sizeof name, "s%zu", k);
            idx = cw__layout_find(l, name, strlen(name));
            assert_true(idx >= 0);
            f = cw__rec_get(&r, (size_t)idx);
            pattern(val, vlen(k), k);
            assert_non_null(f.p);
            assert_int_equal(f.len, vlen(k));
            assert_memory_equal(f.p, val, vlen(k));
        }
        cw__rec_clear(&r);
        assert_int_equal(cw__rec_set(&r, 0, "again", 5), CW_OK);
        field_is(&r, 0, "again");
        cw__rec_free(&r);
        cw__layout_free(l);
        if (rc == CW_OK)
            break;
    }
    assert_true(n > 10);
    free(val);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_layout_intern),
        cmocka_unit_test(test_record_layout_many),
        cmocka_unit_test(test_record_layout_out_of_memory),
        cmocka_unit_test(test_record_set_get),
        cmocka_unit_test(test_record_values_stable),
        cmocka_unit_test(test_record_reuse_no_alloc),
        cmocka_unit_test(test_record_sets_out_of_memory),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
