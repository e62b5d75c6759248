/*
** test_msg.c -- unit tests for what messages may show (core/msg.c):
** control bytes escaped, long text cut with a mark, passwords of every
** target form redacted, targets recognised, and errors made safe by
** cw__fail().
*/
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "core/msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 's' (of 'len' bytes) made safe into CW_MSG_MAX + 1 bytes must read
** 'want'. */
static void safe(const char *s, size_t len, const char *want)
{
    char out[CW_MSG_MAX + 1];
    size_t n = cw_safe_text(out, sizeof out, s, len);

    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
}

static void test_msg_plain_text_unchanged(void **state)
{
    (void)state;
    safe("", 0, "");
    safe("not a phone number: '555' (7 digits)", 36,
         "not a phone number: '555' (7 digits)");
    safe("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82", 14,
         "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82");
    safe("C:\\x1b stays", 12, "C:\\x1b stays"); /* a backslash stays */
}

static void test_msg_control_bytes_escaped(void **state)
{
    (void)state;
    safe("a\x1b[31mred", 9, "a\\x1b[31mred");
    safe("one\ntwo\r\nthree\tfour", 19, "one\\ntwo\\r\\nthree\\tfour");
    safe("nul\0byte", 8, "nul\\x00byte");
    safe("del\x7f", 4, "del\\x7f");
    /* Not UTF-8: each byte escaped; a C1 control (U+009B) too. */
    safe("bad\xff\xc3(", 6, "bad\\xff\\xc3(");
    safe("csi\xc2\x9b"
         "2J",
         7, "csi\\xc2\\x9b2J");
    safe("nbsp\xc2\xa0.", 7, "nbsp\xc2\xa0.");
}

/* Safe text comes back unchanged, so making it safe twice is harmless. */
static void test_msg_safe_twice_is_once(void **state)
{
    char once[CW_MSG_MAX + 1], twice[CW_MSG_MAX + 1];
    char *big = malloc(5000);

    (void)state;
    assert_non_null(big);
    for (size_t i = 0; i < 5000; i++)
        big[i] = (char)(i % 7 == 0 ? 0x1b : 'a' + (int)(i % 26));
    cw_safe_text(once, sizeof once, big, 5000);
    cw_safe_text(twice, sizeof twice, once, strlen(once));
    assert_string_equal(once, twice);
    free(big);
}

static void test_msg_long_text_cut_with_mark(void **state)
{
    size_t len = 16u << 20;
    char *big = malloc(len);
    char out[CW_MSG_MAX + 1];
    size_t n;
    const char *mark = "... (cut; 16777216 bytes)";

    (void)state;
    assert_non_null(big);
    memset(big, 'x', len);
    n = cw_safe_text(out, sizeof out, big, len);
    assert_int_equal(n, CW_MSG_MAX);
    assert_int_equal(strlen(out), CW_MSG_MAX);
    assert_string_equal(out + n - strlen(mark), mark);
    assert_int_equal(strspn(out, "x"), CW_MSG_MAX - strlen(mark));
    /* Exactly full: no mark. */
    n = cw_safe_text(out, sizeof out, big, CW_MSG_MAX);
    assert_int_equal(n, CW_MSG_MAX);
    assert_int_equal(strspn(out, "x"), CW_MSG_MAX);
    free(big);
}

/* A cut never splits an escape or a UTF-8 character. */
static void test_msg_cut_at_whole_units(void **state)
{
    char in[200], out[40];

    (void)state;
    memset(in, 0x1b, sizeof in);
    cw_safe_text(out, sizeof out, in, sizeof in);
    assert_string_equal(out, "\\x1b\\x1b\\x1b\\x1b... (cut; 200 bytes)");
    for (size_t i = 0; i + 2 < sizeof in; i += 2)
        memcpy(in + i, "\xc3\xa9", 2);
    cw_safe_text(out, sizeof out, in, 198);
    /* 19 bytes before the mark: 9 whole characters, not 9 and a half. */
    assert_string_equal(out, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                             "\xc3\xa9\xc3\xa9\xc3\xa9... (cut; 198 bytes)");
    /* Room too small even for the mark: what fits of it. */
    cw_safe_text(out, 8, in, 198);
    assert_string_equal(out, "... (cu");
}

/* 'target' redacted must read 'want'. */
static void redact(const char *target, const char *want)
{
    char out[512];

    assert_int_equal(cw_redact(out, sizeof out, target), strlen(want));
    assert_string_equal(out, want);
}

static void test_msg_redact_every_form(void **state)
{
    (void)state;
    /* Connection strings, with or without the prefix. */
    redact("host=db password=s3cr3tpw dbname=x",
           "host=db password=*** dbname=x");
    redact("postgres:password=s3cr3tpw", "postgres:password=***");
    redact("postgres:host=db password = s3cr3tpw port=5",
           "postgres:host=db password = *** port=5");
    redact("host=db password='s3 cr\\'3tpw' user=u",
           "host=db password=*** user=u");
    redact("host=db password='s3cr3tpw", "host=db password=***");
    redact("host=db PASSWORD=s3cr3tpw", "host=db PASSWORD=***");
    redact("sslpassword=s3cr3tpw sslmode=require",
           "sslpassword=*** sslmode=require");
    redact("host=db passfile=/p user=u", "host=db passfile=/p user=u");
    redact("mypassword=s3cr3tpw", "mypassword=***");
    /* URIs: the user's password, and a password parameter. */
    redact("postgresql://u:s3cr3tpw@db:5432/x#t",
           "postgresql://u:***@db:5432/x#t");
    redact("postgres://u:s3cr3tpw@db/x", "postgres://u:***@db/x");
    redact("postgres:postgresql://:s3cr3tpw@db/x",
           "postgres:postgresql://:***@db/x");
    redact("postgresql://u:s3@cr/3tpw@db/x", "postgresql://u:***@db/x");
    redact("postgresql://u@db/x?password=s3cr3tpw&sslmode=off#t",
           "postgresql://u@db/x?password=***&sslmode=off#t");
    redact("postgresql://u:s3cr3tpw@db/x?password=s3cr3tpw",
           "postgresql://u:***@db/x?password=***");
    redact("mysql://u:s3cr3tpw@h/db", "mysql://u:***@h/db");
    /* Nothing to hide. */
    redact("postgresql://u@db/x", "postgresql://u@db/x");
    /* An empty password (found by fuzz_ndjson: it looped for ever). */
    redact("postgresql://u:@db/x", "postgresql://u:@db/x");
    redact("{\"://]:@\"1:\\[:", "{\"://]:@\"1:\\[:");
    redact("sqlite:out/crosswalk.db#people", "sqlite:out/crosswalk.db#people");
    redact("people.csv", "people.csv");
    redact("", "");
}

static void test_msg_redact_cuts(void **state)
{
    char out[12];

    (void)state;
    assert_int_equal(cw_redact(out, sizeof out, "password=s3cr3tpw host=x"),
                     11);
    assert_string_equal(out, "password=**");
}

static void test_msg_targets_recognised(void **state)
{
    (void)state;
    assert_true(cw__target_pguri("postgresql://u@h/db"));
    assert_true(cw__target_pguri("postgres://u@h/db"));
    assert_false(cw__target_pguri("postgres:host=h"));
    assert_false(cw__target_pguri("sqlite:x.db"));
    assert_true(cw__target_conninfo("host=h password=p"));
    assert_true(cw__target_conninfo("dbname=x"));
    assert_false(cw__target_conninfo("postgres:host=h"));
    assert_false(cw__target_conninfo("sqlite:a=b.db"));
    assert_false(cw__target_conninfo("csv:a=b.csv"));
    assert_false(cw__target_conninfo("postgresql://h/db?password=p"));
    assert_false(cw__target_conninfo("people.csv"));
}

static void test_msg_target_refused_without_password(void **state)
{
    cw_err err = {0};

    (void)state;
    assert_int_equal(
        cw__target_refuse(&err, "host=h password=s3cr3tpw", "sqlite:PATH"),
        CW_EUSAGE);
    assert_string_equal(err.msg,
                        "a connection string needs the postgres: prefix (use "
                        "sqlite:PATH; not shown here, as it may hold a "
                        "password)");
    cw__target_refuse(&err, "mysql://u:s3cr3tpw@h/db", "sqlite:PATH");
    assert_string_equal(err.msg, "unknown database target 'mysql://u:***@h/db' "
                                 "(use sqlite:PATH)");
    /* The cut comes after the redaction: no piece of a password shows. */
    cw__target_refuse(&err,
                      "mysql://a-very-long-user-name-to-push-it:s3cr3tpw@h/db",
                      "sqlite:PATH");
    assert_null(strstr(err.msg, "s3cr"));
}

/* cw__fail() gives every error message safe: no password, no control
** byte but newline and tab, cut with a mark. */
static void test_msg_errors_made_safe(void **state)
{
    cw_err err = {0};
    char big[3000];

    (void)state;
    cw__fail(&err, CW_EIO, "%s: cannot open", "postgresql://u:s3cr3tpw@h/db");
    assert_string_equal(err.msg, "postgresql://u:***@h/db: cannot open");
    cw__fail(&err, CW_ELUA, "x.lua:1: \x1b]0;title\x07\nstack traceback:\n\tx");
    assert_string_equal(err.msg, "x.lua:1: \\x1b]0;title\\x07\nstack "
                                 "traceback:\n\tx");
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cw__fail(&err, CW_EIO, "%s", big);
    assert_int_equal(strlen(err.msg), sizeof err.msg - 1);
    assert_non_null(strstr(err.msg, "... (cut; 2999 bytes)"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_msg_plain_text_unchanged),
        cmocka_unit_test(test_msg_control_bytes_escaped),
        cmocka_unit_test(test_msg_safe_twice_is_once),
        cmocka_unit_test(test_msg_long_text_cut_with_mark),
        cmocka_unit_test(test_msg_cut_at_whole_units),
        cmocka_unit_test(test_msg_redact_every_form),
        cmocka_unit_test(test_msg_redact_cuts),
        cmocka_unit_test(test_msg_targets_recognised),
        cmocka_unit_test(test_msg_target_refused_without_password),
        cmocka_unit_test(test_msg_errors_made_safe),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
