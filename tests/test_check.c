/*
** test_check.c -- unit tests for the one key checker (core/check.c): a
** table with only valid keys passes, an unknown key is refused with the
** valid ones and the closest, and a key that is not close gets no guess.
*/
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "core/check.h"

#include <string.h>

static const char *const keys[] = {"schema", "columns", "required", NULL};
static const char *const none[] = {NULL};

/* A table holding the NULL-terminated keys 'names', each set to true. */
static cw_node *table(const char *const *names)
{
    cw_node *t = cw__node_new(CW_NODE_TABLE);

    assert_non_null(t);
    for (size_t i = 0; names[i] != NULL; i++) {
        cw_node *v = cw__node_new(CW_NODE_BOOL);

        assert_non_null(v);
        v->b = 1;
        assert_int_equal(cw__node_setkey(t, names[i], strlen(names[i]), v),
                         CW_OK);
    }
    cw__node_finish(t);
    return t;
}

/* Checking a table of 'names' against 'valid' must give 'rc' and, when it
** fails, exactly the message 'want'. */
static void check(const char *const *names, const char *const *valid, int rc,
                  const char *want)
{
    cw_node *t = table(names);
    cw_err err = {0};

    assert_int_equal(cw__check_keys(t, valid, "key", &err, "f.lua: %s", "x"),
                     rc);
    if (rc != CW_OK)
        assert_string_equal(err.msg, want);
    else
        assert_int_equal(err.code, CW_OK);
    cw__node_free(t);
}

static void test_check_valid_keys_pass(void **state)
{
    (void)state;
    check((const char *const[]){"schema", "required", NULL}, keys, CW_OK, "");
    check((const char *const[]){NULL}, none, CW_OK, "");
    /* Not a table, or no table: nothing to check. */
    assert_int_equal(cw__check_keys(NULL, keys, "key", NULL, "x"), CW_OK);
}

static void test_check_unknown_key_names_valid_and_closest(void **state)
{
    (void)state;
    check((const char *const[]){"requried", NULL}, keys, CW_EUSAGE,
          "f.lua: x: unknown key 'requried' (valid: schema, columns, "
          "required); did you mean 'required'?");
    check((const char *const[]){"colums", NULL}, keys, CW_EUSAGE,
          "f.lua: x: unknown key 'colums' (valid: schema, columns, "
          "required); did you mean 'columns'?");
}

static void test_check_far_key_gets_no_guess(void **state)
{
    (void)state;
    check((const char *const[]){"zzz", NULL}, keys, CW_EUSAGE,
          "f.lua: x: unknown key 'zzz' (valid: schema, columns, required)");
    /* A short key is never "close" to everything. */
    check((const char *const[]){"s", NULL}, keys, CW_EUSAGE,
          "f.lua: x: unknown key 's' (valid: schema, columns, required)");
    check((const char *const[]){"a", NULL}, none, CW_EUSAGE,
          "f.lua: x: unknown key 'a' (valid: none)");
}

static void test_check_closest(void **state)
{
    (void)state;
    assert_string_equal(cw__keys_closest(keys, "shcema"), "schema");
    assert_string_equal(cw__keys_closest(keys, "column"), "columns");
    assert_null(cw__keys_closest(keys, "output"));
    assert_null(cw__keys_closest(none, "schema"));
}

/* Append the hint for 'key' among 'names' to an empty buffer and compare. */
static void hint_is(const char *const *names, size_t n, const char *key,
                    const char *want)
{
    cw_buf b = {0};

    assert_int_equal(cw__names_hint(&b, names, n, key), CW_OK);
    assert_string_equal(b.p != NULL ? b.p : "", want);
    cw__buf_free(&b);
}

/* Column names: the closest, ignoring case; ties listed; else the names
** known, at most eight. */
static void test_check_names_hint(void **state)
{
    static const char *const cols[] = {"message_type", "Message", "sent_at",
                                       NULL, "body"};
    static const char *const ties[] = {"abd", "abe", "xyz"};
    static const char *const many[] = {"a1", "a2", "a3", "a4", "a5",
                                       "a6", "a7", "a8", "a9", "a10"};
    const char *near[3];

    (void)state;
    hint_is(cols, 5, "mesage_type", "; did you mean 'message_type'?");
    hint_is(cols, 5, "message", "; did you mean 'Message'?");
    hint_is(cols, 5, "bdy", "; did you mean 'body'?");
    hint_is(ties, 3, "abc", "; did you mean 'abd' or 'abe'?");
    hint_is(cols, 5, "receiver",
            " (known: 'message_type', 'Message', 'sent_at', 'body')");
    hint_is(many, 10, "zzzzzz",
            " (known: 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8' and 2 "
            "more)");
    hint_is(cols, 0, "x", "");
    /* The name itself is not its own suggestion. */
    assert_int_equal(cw__names_near(cols, 5, "body", near), 0);
    assert_int_equal(cw__names_near(cols, 5, "Body", near), 1);
    assert_string_equal(near[0], "body");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_valid_keys_pass),
        cmocka_unit_test(test_check_unknown_key_names_valid_and_closest),
        cmocka_unit_test(test_check_far_key_gets_no_guess),
        cmocka_unit_test(test_check_closest),
        cmocka_unit_test(test_check_names_hint),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
