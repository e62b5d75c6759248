/*
** test_formula.c -- unit tests for the values a spreadsheet would run
** as formulas: which values are flagged (OWASP's leading characters, but
** not numbers and phone numbers), the message, the policy names and
** quoting a value in place.
*/
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "crosswalk.h"
#include "values/formula.h"

#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Values that begin with '=', '+', '-', '@', TAB or CR are flagged,
** unless they are numbers or (after '+') phone numbers. */
static void test_formula_flags(void **state)
{
    static const struct {
        const char *in; /* the value */
        int want;       /* 1 when flagged */
    } cases[] = {
        /* OWASP's leading characters. */
        {"=SUM(A1)", 1},
        {"=1+2", 1},
        {"=", 1},
        {"=HYPERLINK(\"http://x\",\"y\")", 1},
        {"+SUM(A1)", 1},
        {"+", 1},
        {"-2+3+cmd|' /C calc'!A0", 1},
        {"-", 1},
        {"--", 1},
        {"- note", 1},
        {"-1,234.50", 1},
        {"@SUM(A1)", 1},
        {"@handle", 1},
        {"\t=1", 1},
        {"\tx", 1},
        {"\rx", 1},
        {"\r\n", 1},
        {"+1 555 0123", 1},         /* too few digits for a phone */
        {"+1 202 555 0123 x12", 1}, /* an extension: not a phone */
        {"+12e3", 1},
        {"-1e5", 1},
        /* Numbers are not formulas. */
        {"-12.5", 0},
        {"+1", 0},
        {"-0", 0},
        {"-.5", 0},
        {"+3.", 0},
        {"-5551234567", 0},
        /* Nor phone numbers, as the phone rule reads them. */
        {"+1 202 555 0123", 0},
        {"+1 (202) 555-0123", 0},
        {"+12025550123", 0},
        {"+44 20 7183 8750", 0},
        {"+1-202-555-0123 ", 0},
        /* Other leading characters, and the characters elsewhere. */
        {"SUM(A1)", 0},
        {"a=b", 0},
        {"x@example.org", 0},
        {" =1", 0},
        {"'=1", 0},
        {"12", 0},
        {"", 0},
        {"\n=1", 0},
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++)
        if (cw__formula(cases[i].in, strlen(cases[i].in)) != cases[i].want)
            fail_msg("'%s': want %d", cases[i].in, cases[i].want);
    assert_int_equal(cw__formula(NULL, 0), 0);
    assert_int_equal(cw__formula("=", 0), 0);     /* only 'len' counts */
    assert_int_equal(cw__formula("-12.5", 3), 0); /* "-12" */
    assert_int_equal(cw__formula("-1x", 2), 0);   /* "-1" */
    assert_int_equal(cw__formula("-1x", 3), 1);   /* "-1x" */
    assert_int_equal(cw__formula("@\0", 2), 1);
}

/* The message names the column, the leading character and the value,
** control bytes escaped. */
static void test_formula_verdict(void **state)
{
    cw_verdict v = {0};
    char big[300];

    (void)state;
    cw__formula_verdict("Message", "=SUM(A1)", 8, "W_FORMULA", &v);
    assert_string_equal(v.code, "W_FORMULA");
    assert_string_equal(v.msg, "column 'Message': begins with '=', so a "
                               "spreadsheet may run it as a formula: "
                               "'=SUM(A1)'");
    cw__formula_verdict("Note", "\tx", 2, "E_FORMULA", &v);
    assert_string_equal(v.code, "E_FORMULA");
    assert_string_equal(v.msg, "column 'Note': begins with a tab, so a "
                               "spreadsheet may run it as a formula: "
                               "'\\x09x'");
    cw__formula_verdict("Note", "\r1", 2, "W_FORMULA", &v);
    assert_non_null(strstr(v.msg, "begins with a carriage return"));
    cw__formula_verdict("Note", "+x", 2, "W_FORMULA", &v);
    assert_non_null(strstr(v.msg, "begins with '+'"));
    cw__formula_verdict("Note", "-x", 2, "W_FORMULA", &v);
    assert_non_null(strstr(v.msg, "begins with '-'"));
    cw__formula_verdict("Note", "@x", 2, "W_FORMULA", &v);
    assert_non_null(strstr(v.msg, "begins with '@'"));
    /* A long column name and value are cut; the message stays a string. */
    memset(big, 'c', sizeof big);
    big[sizeof big - 1] = '\0';
    big[0] = '=';
    cw__formula_verdict(big + 1, big, sizeof big - 1, "W_FORMULA", &v);
    assert_true(strlen(v.msg) < sizeof v.msg);
    assert_non_null(strstr(v.msg, "...'"));
}

/* The policies by name; anything else is -1. */
static void test_formula_policy(void **state)
{
    (void)state;
    assert_int_equal(cw__formulas_policy("warn"), CW_FORMULAS_WARN);
    assert_int_equal(cw__formulas_policy("reject"), CW_FORMULAS_REJECT);
    assert_int_equal(cw__formulas_policy("quote"), CW_FORMULAS_QUOTE);
    assert_int_equal(cw__formulas_policy("Warn"), -1);
    assert_int_equal(cw__formulas_policy("off"), -1);
    assert_int_equal(cw__formulas_policy(""), -1);
    assert_string_equal(CW_FORMULAS_NAMES, "warn, reject, quote");
}

/* Quoting puts ' before the value, whether the value lives in the
** buffer already (at its start or further in) or elsewhere. */
static void test_formula_quote(void **state)
{
    cw_buf b = {0};
    const char *s = "=SUM(A1)";
    size_t len = 8;

    (void)state;
    assert_int_equal(cw__formula_quote(&b, &s, &len), CW_OK);
    assert_int_equal(len, 9);
    assert_ptr_equal(s, b.p);
    assert_memory_equal(s, "'=SUM(A1)", 9);
    assert_int_equal(s[len], '\0');

    /* Quoted again, in place: the value is the buffer's own bytes. */
    assert_int_equal(cw__formula_quote(&b, &s, &len), CW_OK);
    assert_int_equal(len, 10);
    assert_memory_equal(s, "''=SUM(A1)", 10);

    /* A value further in the buffer, as a chained rule may leave it. */
    b.len = 0;
    assert_int_equal(cw__buf_adds(&b, "xxxx-2+3"), CW_OK);
    s = b.p + 4;
    len = 4;
    assert_int_equal(cw__formula_quote(&b, &s, &len), CW_OK);
    assert_int_equal(len, 5);
    assert_memory_equal(s, "'-2+3", 5);
    assert_int_equal(b.len, 5);
    cw__buf_free(&b);

    /* Out of memory: CW_ENOMEM, the value untouched. */
    {
        struct budget bud = {0, 0};
        int rc;

        s = "@x";
        len = 2;
        cw_set_allocator(budget_alloc, &bud);
        rc = cw__formula_quote(&b, &s, &len);
        cw_set_allocator(NULL, NULL);
        assert_int_equal(rc, CW_ENOMEM);
        assert_int_equal(len, 2);
        assert_string_equal(s, "@x");
        cw__buf_free(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formula_flags),
        cmocka_unit_test(test_formula_verdict),
        cmocka_unit_test(test_formula_policy),
        cmocka_unit_test(test_formula_quote),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
