/*
** test_header.c -- unit tests for what crosswalk.h promises as a whole:
** the version macros agree with cw_version() and the project's version
** (CW_VERSION, from CMake), every free function takes NULL, and the
** deprecated names of the create and free functions still compile and
** call the functions they became (one call each).
*/
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "crosswalk.h"

#include <stdio.h>

#ifndef CW_VERSION
#error "CW_VERSION (the project's version) is not defined"
#endif

/* The macros work in #if, where a program tests them. */
#if !(CW_VERSION_NUMBER >= 100)
#error "CW_VERSION_NUMBER is not a number the preprocessor can compare"
#endif

static void test_header_version_is_the_project_version(void **state)
{
    int major = -1, minor = -1, patch = -1;
    char built[32];

    (void)state;
    assert_string_equal(CW_VERSION_STRING, CW_VERSION);
    assert_string_equal(cw_version(), CW_VERSION_STRING);
    assert_int_equal(sscanf(CW_VERSION, "%d.%d.%d", &major, &minor, &patch), 3);
    assert_int_equal(CW_VERSION_MAJOR, major);
    assert_int_equal(CW_VERSION_MINOR, minor);
    assert_int_equal(CW_VERSION_PATCH, patch);
    assert_int_equal(CW_VERSION_NUMBER, major * 10000 + minor * 100 + patch);
    snprintf(built, sizeof built, "%d.%d.%d", CW_VERSION_MAJOR,
             CW_VERSION_MINOR, CW_VERSION_PATCH);
    assert_string_equal(built, CW_VERSION_STRING);
}

static void test_header_free_takes_null(void **state)
{
    (void)state;
    cw_run_free(NULL);
    cw_load_free(NULL);
    cw_inspect_free(NULL);
    cw_schemaset_free(NULL);
}

/* Each name kept for one release, called once: it must still compile and
** do what the new name does. */
static void test_header_deprecated_names_still_work(void **state)
{
    char path[1024];
    cw_run *r = NULL;
    cw_load *l = NULL;
    cw_inspection *x = NULL;
    cw_schemaset *s = NULL;
    cw_inspectinfo info;
    cw_err err = {0};

    (void)state;
    assert_int_equal(cw_run_new(&r, &err), CW_OK);
    cw_run_close(r);
    assert_int_equal(cw_load_new(&l, &err), CW_OK);
    cw_load_close(l);

    snprintf(path, sizeof path, "%s/tests/data/inspect/people.csv", home());
    assert_int_equal(cw_inspect(home(), path, &x, &err), CW_OK);
    cw_inspect_info(x, &info);
    assert_string_equal(info.file, path);
    cw_inspect_free(x);

    assert_int_equal(
        cw_schemaset_open(home(), "organizer/text_interactions", &s, &err),
        CW_OK);
    assert_int_equal(cw_schemaset_count(s), 1);
    cw_schemaset_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_version_is_the_project_version),
        cmocka_unit_test(test_header_free_takes_null),
        cmocka_unit_test(test_header_deprecated_names_still_work),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
