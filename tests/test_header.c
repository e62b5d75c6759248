/*
** test_header.c -- unit tests for what crosswalk.h promises as a whole:
** the version macros agree with cw_version() and the project's version
** (CW_VERSION, from CMake), every free function takes NULL, the returns
** the header documents for calls out of order, bad values and indexes
** out of range, and the deprecated names of the create and free
** functions still compile and call the functions they became (one call
** each).
*/
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "crosswalk.h"

#include <math.h>
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

/* A run before cw_run_load(): what each call documents it returns. */
static void test_header_run_returns_before_load(void **state)
{
    cw_run *r = NULL;
    cw_summary sum;
    unsigned long long rows = 7;
    int ismain = 7;

    (void)state;
    assert_int_equal(cw_run_new(&r, NULL), CW_OK);
    assert_string_equal(cw_run_errmsg(r), "");
    assert_int_equal(cw_run_param(r, "k", "v"), CW_OK);
    assert_int_equal(cw_run_home(r, "/nonexistent"), CW_OK);
    assert_int_equal(cw_run_limits(r, 0, 0), CW_OK);
    assert_int_equal(cw_run_max_seconds(r, -1), CW_EUSAGE);
    assert_int_equal(cw_run_max_seconds(r, NAN), CW_EUSAGE);
    assert_int_equal(cw_run_max_seconds(r, 2e9), CW_EUSAGE);
    assert_int_equal(cw_run_max_seconds(r, 1e9), CW_OK);
    assert_int_equal(cw_run_outdir(r, "/nonexistent"), CW_OK);
    assert_int_equal(cw_run_rejects(r, "r.csv"), CW_OK);
    assert_int_equal(cw_run_database(r, "nonsense"), CW_OK);
    assert_int_equal(cw_run_dryrun(r, 5), CW_OK);
    assert_int_equal(cw_run_strict(r, 5), CW_OK);
    cw_run_on_problem(r, NULL, NULL);
    assert_int_equal(cw_run_reserve(r, "s.json", "--summary-json"), CW_OK);
    assert_int_equal(cw_run_ninputs(r), 0);
    assert_null(cw_run_input_name(r, 0, &ismain));
    assert_int_equal(ismain, 7);
    assert_int_equal(cw_run_input(r, NULL, "in.csv"), CW_EUSAGE);
    assert_int_equal(cw_run_input_dialect(r, NULL, NULL), CW_EUSAGE);
    assert_int_equal(cw_run_check_files(r), CW_EUSAGE);
    assert_int_equal(cw_run_exec(r), CW_EUSAGE);
    assert_string_not_equal(cw_run_errmsg(r), "");
    cw_run_summary(r, &sum);
    assert_true(sum.read == 0 && sum.written == 0 && sum.noutputs == 0);
    assert_null(sum.rejects);
    assert_null(cw_run_output(r, 0, &rows));
    assert_int_equal(rows, 7);
    cw_run_free(r);

    /* No home: the default home is used (crosswalk.h), so a missing
    ** recipe is a file that cannot be read. */
    assert_int_equal(cw_run_new(&r, NULL), CW_OK);
    assert_int_equal(cw_run_load(r, "pipelines/none.lua"), CW_EIO);
    cw_run_free(r);
}

/* A load's setters and results before cw_load_exec(). */
static void test_header_load_returns_before_exec(void **state)
{
    cw_load *l = NULL;
    cw_loadinfo li = {.table = "untouched"};
    cw_summary sum;

    (void)state;
    assert_int_equal(cw_load_new(&l, NULL), CW_OK);
    assert_string_equal(cw_load_errmsg(l), "");
    assert_int_equal(cw_load_home(l, "/nonexistent"), CW_OK);
    assert_int_equal(cw_load_into(l, "csv:x.csv"), CW_EUSAGE);
    assert_int_equal(cw_load_into(l, "sqlite:x.db#"), CW_EUSAGE);
    assert_int_equal(cw_load_into(l, "postgresql://h/db#t"), CW_OK);
    assert_int_equal(cw_load_into(l, "sqlite:x.db#t"), CW_OK);
    assert_int_equal(cw_load_schema(l, "no/such"), CW_OK);
    assert_int_equal(cw_load_table(l, ""), CW_EUSAGE);
    assert_int_equal(cw_load_table(l, "t"), CW_OK);
    assert_int_equal(cw_load_mode(l, "merge"), CW_EUSAGE);
    assert_int_equal(cw_load_mode(l, "append"), CW_OK);
    assert_int_equal(cw_load_key(l, ""), CW_EUSAGE);
    assert_int_equal(cw_load_key(l, "id"), CW_OK);
    assert_int_equal(cw_load_rejects(l, "r.csv"), CW_OK);
    assert_int_equal(cw_load_strict(l, 5), CW_OK);
    assert_int_equal(cw_load_dialect(l, &(cw_dialect){'\n', 0, NULL, 0}),
                     CW_EUSAGE);
    assert_int_equal(cw_load_dialect(l, &(cw_dialect){';', 0, "latin1", 0}),
                     CW_OK);
    assert_int_equal(cw_load_dialect(l, NULL), CW_OK);
    cw_load_on_problem(l, NULL, NULL);
    assert_int_equal(cw_load_ntables(l), 0);
    assert_int_equal(cw_load_info(l, 0, &li), CW_EUSAGE);
    assert_string_equal(li.table, "untouched");
    cw_load_summary(l, &sum);
    assert_true(sum.read == 0 && sum.noutputs == 0);
    assert_int_equal(cw_load_exec(l), CW_EUSAGE); /* no file */
    assert_string_not_equal(cw_load_errmsg(l), "");
    assert_int_equal(cw_load_file(l, "in.csv"), CW_OK);
    assert_int_equal(cw_load_exec(l), CW_EUSAGE); /* a second call */
    cw_load_free(l);
}

/* The one-shot functions' documented edges. */
static void test_header_tool_returns(void **state)
{
    unsigned long long rows = 7;
    char out[8] = "xyz";
    cw_err err = {0};

    (void)state;
    assert_string_equal(cw_strstatus(12345), "unknown status");
    assert_string_equal(cw_strstatus(CW_EINTR), "interrupted");
    assert_int_equal(cw_safe_text(out, 0, "abc", 3), 0);
    assert_int_equal(cw_redact(out, 0, "password=x"), 0);
    assert_string_equal(out, "xyz");
    assert_int_equal(cw_convert(NULL, "b.csv", &rows, &err), CW_EUSAGE);
    assert_int_equal(rows, 0);
    assert_int_equal(err.code, CW_EUSAGE);
    assert_int_equal(cw_convert("a.csv", "b.txt", NULL, NULL), CW_EUSAGE);
    rows = 7;
    assert_int_equal(cw_convert_dialect(NULL, "b.csv", NULL, &rows, &err),
                     CW_EUSAGE);
    assert_int_equal(rows, 0);
    assert_int_equal(cw_dialect_check(NULL, NULL), CW_OK);
    assert_int_equal(cw_dialect_check(&(cw_dialect){0, 0, "nope", 0}, NULL),
                     CW_EUSAGE);
    assert_int_equal(cw_write_file("/nonexistent/dir/f", "x", 1, &err), CW_EIO);
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
        cmocka_unit_test(test_header_run_returns_before_load),
        cmocka_unit_test(test_header_load_returns_before_exec),
        cmocka_unit_test(test_header_tool_returns),
        cmocka_unit_test(test_header_deprecated_names_still_work),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
