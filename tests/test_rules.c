/*
** test_rules.c -- unit tests for the value rules: table tests for every
** accepted and rejected spelling of booleans, dates, Organizer dates and
** phones, time zone conversions, effort names, the rule registry and the
** named rules built from nodes.
*/
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "values/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Table cases run so far, printed at the end for the record. */
static unsigned long ncases;

/* ==== Booleans ==== */

/* Every spelling, in lower, upper and mixed case, with spaces. */
static void test_rules_bool_accepts(void **state)
{
    static const struct {
        const char *in; /* the value */
        int want;       /* 1 for true */
    } cases[] = {
        {"true", 1},    {"TRUE", 1},   {"True", 1},  {"tRuE", 1},
        {"false", 0},   {"FALSE", 0},  {"False", 0}, {"fAlSe", 0},
        {"t", 1},       {"T", 1},      {"f", 0},     {"F", 0},
        {"yes", 1},     {"YES", 1},    {"Yes", 1},   {"yEs", 1},
        {"no", 0},      {"NO", 0},     {"No", 0},    {"nO", 0},
        {"y", 1},       {"Y", 1},      {"n", 0},     {"N", 0},
        {"1", 1},       {"0", 0},      {" true", 1}, {"false ", 0},
        {"  YES  ", 1}, {"\tno\t", 0}, {" 1 ", 1},   {"0\r\n", 0},
        {" T ", 1},     {"  f", 0},    {"y ", 1},    {" N", 0},
    };
    static const char *const words[] = {"true", "false", "t", "f",
                                        "yes",  "no",    "y", "n"};

    (void)state;
    for (size_t i = 0; i < N(cases); i++, ncases++) {
        int b = -1;
        cw_verdict v = {0};

        if (cw__rule_bool(cases[i].in, strlen(cases[i].in), &b, &v) != 0 ||
            b != cases[i].want)
            fail_msg("'%s': %d (%s)", cases[i].in, b, v.msg);
    }
    for (size_t i = 0; i < N(words); i++) { /* every mix of case */
        size_t len = strlen(words[i]);

        for (unsigned mask = 0; mask < 1u << len; mask++) {
            char w[8];
            int b = -1;

            for (size_t k = 0; k < len; k++)
                w[k] = (char)(mask & 1u << k ? words[i][k] - 32 : words[i][k]);
            assert_int_equal(cw__rule_bool(w, len, &b, NULL), 0);
            assert_int_equal(b, i % 2 == 0);
        }
    }
}

/* Anything else is rejected with E_BOOLEAN, the value and the choices. */
static void test_rules_bool_rejects(void **state)
{
    static const struct {
        const char *in;    /* the value */
        const char *shown; /* how the message shows it */
    } cases[] = {
        {"maybe", "'maybe'"},
        {"2", "'2'"},
        {"truee", "'truee'"},
        {"", "''"},
        {"yes please", "'yes please'"},
        {"   ", "'   '"},
        {"on", "'on'"},
        {"off", "'off'"},
        {"tru", "'tru'"},
        {"-1", "'-1'"},
        {"1.0", "'1.0'"},
        {"nope", "'nope'"},
        {"ye s", "'ye s'"},
        {"\x01yes", "'\\x01yes'"},
        {"y\xffs", "'y\\xffs'"},
        {"sí", "'sí'"},
        {"t r u e", "'t r u e'"},
        {"yes,no", "'yes,no'"},
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++, ncases++) {
        int b = -1;
        cw_verdict v = {0};

        assert_int_equal(
            cw__rule_bool(cases[i].in, strlen(cases[i].in), &b, &v), -1);
        assert_string_equal(v.code, "E_BOOLEAN");
        if (strstr(v.msg, cases[i].shown) == NULL ||
            strstr(v.msg, "true/false, yes/no, y/n, t/f or 1/0") == NULL)
            fail_msg("'%s': %s", cases[i].in, v.msg);
        assert_int_equal(b, -1);
    }
}

/* A long value is cut to 40 bytes in the message; a NUL byte is shown. */
static void test_rules_bool_message_limits(void **state)
{
    char big[200];
    cw_verdict v = {0};
    int b;

    (void)state;
    memset(big, 'a', sizeof big);
    assert_int_equal(cw__rule_bool(big, sizeof big, &b, &v), -1);
    assert_non_null(
        strstr(v.msg, "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'"));
    assert_int_equal(cw__rule_bool("yes\0", 4, &b, &v), -1);
    assert_non_null(strstr(v.msg, "'yes\\x00'"));
    memset(big, 1, sizeof big); /* escapes stay within the message */
    assert_int_equal(cw__rule_bool(big, sizeof big, &b, &v), -1);
    assert_non_null(strstr(v.msg, "\\x01...'"));
    assert_non_null(strstr(v.msg, "1/0"));
    assert_int_equal(cw__rule_bool("maybe", 5, &b, NULL), -1);
}

/* Organizer's booleans: true/false, yes/no and 1/0 in any case, as they
** stand; every other spelling of the boolean rule is refused, naming the
** accepted forms. */
static void test_rules_bool_organizer(void **state)
{
    static const struct {
        const char *in; /* the value */
        int want;       /* 1 true, 0 false, -1 refused */
    } cases[] = {
        {"true", 1},  {"TRUE", 1},  {"True", 1}, {"tRuE", 1},   {"false", 0},
        {"FALSE", 0}, {"False", 0}, {"yes", 1},  {"YES", 1},    {"Yes", 1},
        {"no", 0},    {"No", 0},    {"NO", 0},   {"1", 1},      {"0", 0},
        {"y", -1},    {"Y", -1},    {"n", -1},   {"N", -1},     {"t", -1},
        {"T", -1},    {"f", -1},    {"F", -1},   {"on", -1},    {"off", -1},
        {" yes", -1}, {"no ", -1},  {"", -1},    {"maybe", -1}, {"2", -1},
        {"1.0", -1},  {"-1", -1},
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++, ncases++) {
        int b = -1;
        cw_verdict v = {0};
        int rc =
            cw__rule_bool_organizer(cases[i].in, strlen(cases[i].in), &b, &v);

        if (cases[i].want >= 0 && (rc != 0 || b != cases[i].want))
            fail_msg("'%s': %d %d (%s)", cases[i].in, rc, b, v.msg);
        if (cases[i].want < 0) {
            if (rc != -1 || b != -1)
                fail_msg("'%s': accepted as %d", cases[i].in, b);
            assert_string_equal(v.code, "E_BOOLEAN");
            if (strstr(v.msg, "use true/false, yes/no or 1/0, in any case") ==
                NULL)
                fail_msg("'%s': %s", cases[i].in, v.msg);
        }
    }
    {
        int b = -1;
        cw_verdict v = {0};

        assert_int_equal(cw__rule_bool_organizer("y", 1, &b, &v), -1);
        assert_string_equal(v.msg, "not an Organizer boolean: 'y' (use "
                                   "true/false, yes/no or 1/0, in any case)");
        assert_int_equal(cw__rule_bool_organizer("yes\0", 4, &b, NULL), -1);
        /* The boolean rule still reads them. */
        assert_int_equal(cw__rule_bool("y", 1, &b, &v), 0);
        assert_int_equal(b, 1);
        assert_int_equal(cw__rule_bool(" f ", 3, &b, &v), 0);
        assert_int_equal(b, 0);
    }
}

/* ==== Dates ==== */

/* Each input form, with the fields it gives. */
static void test_rules_date_accepts(void **state)
{
    static const struct {
        const char *in;           /* the value */
        int y, mo, d, h, mi, s;   /* expected fields */
        long usec;                /* microseconds */
        int has_time, has_offset; /* flags */
        long offset;              /* seconds east of UTC */
    } cases[] = {
        {"2024-02-29", 2024, 2, 29, 0, 0, 0, 0, 0, 0, 0},
        {"2000-02-29", 2000, 2, 29, 0, 0, 0, 0, 0, 0, 0},
        {"0001-01-01", 1, 1, 1, 0, 0, 0, 0, 0, 0, 0},
        {"2024-10-28 17:05", 2024, 10, 28, 17, 5, 0, 0, 1, 0, 0},
        {"2024-10-28 17:05:09", 2024, 10, 28, 17, 5, 9, 0, 1, 0, 0},
        {"2024-12-31 23:59:59", 2024, 12, 31, 23, 59, 59, 0, 1, 0, 0},
        {"2024-10-01 00:20:00.000000", 2024, 10, 1, 0, 20, 0, 0, 1, 0, 0},
        {"2024-10-28 21:05:11.812345", 2024, 10, 28, 21, 5, 11, 812345, 1, 0,
         0},
        {"2024-10-28 21:05:11.8", 2024, 10, 28, 21, 5, 11, 800000, 1, 0, 0},
        {"2024-10-28T17:05", 2024, 10, 28, 17, 5, 0, 0, 1, 0, 0},
        {"2024-10-28T17:05:00", 2024, 10, 28, 17, 5, 0, 0, 1, 0, 0},
        {"2024-10-28T17:05:00Z", 2024, 10, 28, 17, 5, 0, 0, 1, 1, 0},
        {"2024-10-28t17:05z", 2024, 10, 28, 17, 5, 0, 0, 1, 1, 0},
        {"2024-10-28T17:05:00.123456789+05:30", 2024, 10, 28, 17, 5, 0, 123456,
         1, 1, 19800},
        {"2024-10-28T17:05-0400", 2024, 10, 28, 17, 5, 0, 0, 1, 1, -14400},
        {"2024-10-28T17:05:00-04:00", 2024, 10, 28, 17, 5, 0, 0, 1, 1, -14400},
        {"2024-10-28 17:05:00+00", 2024, 10, 28, 17, 5, 0, 0, 1, 1, 0},
        {"2024-10-28T17:05:00+18:00", 2024, 10, 28, 17, 5, 0, 0, 1, 1, 64800},
        {"2024-10-28T17:05:00-18:00", 2024, 10, 28, 17, 5, 0, 0, 1, 1, -64800},
        {"2024-01-01T00:00:00.5Z", 2024, 1, 1, 0, 0, 0, 500000, 1, 1, 0},
        {"10/28/2024", 2024, 10, 28, 0, 0, 0, 0, 0, 0, 0},
        {"10/28/2024 17:05", 2024, 10, 28, 17, 5, 0, 0, 1, 0, 0},
        {"02/29/2024 00:00", 2024, 2, 29, 0, 0, 0, 0, 1, 0, 0},
        {"1/5/2024", 2024, 1, 5, 0, 0, 0, 0, 0, 0, 0},
        {"10/28/2024 5:05 PM", 2024, 10, 28, 17, 5, 0, 0, 1, 0, 0},
        {"10/28/2024 5:05PM", 2024, 10, 28, 17, 5, 0, 0, 1, 0, 0},
        {"10/28/2024 12:00 AM", 2024, 10, 28, 0, 0, 0, 0, 1, 0, 0},
        {"10/28/2024 12:30 PM", 2024, 10, 28, 12, 30, 0, 0, 1, 0, 0},
        {"10/28/2024 11:59 pm", 2024, 10, 28, 23, 59, 0, 0, 1, 0, 0},
        {"1/2/2024 1:02:03 am", 2024, 1, 2, 1, 2, 3, 0, 1, 0, 0},
        {"  2024-10-28 17:05  ", 2024, 10, 28, 17, 5, 0, 0, 1, 0, 0},
        {"\t10/28/2024\r\n", 2024, 10, 28, 0, 0, 0, 0, 0, 0, 0},
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++, ncases++) {
        cw_datetime dt;
        cw_verdict v = {0};

        if (cw__rule_date_parse(cases[i].in, strlen(cases[i].in), &dt, &v) != 0)
            fail_msg("'%s': %s", cases[i].in, v.msg);
        if (dt.year != cases[i].y || dt.month != cases[i].mo ||
            dt.day != cases[i].d || dt.hour != cases[i].h ||
            dt.min != cases[i].mi || dt.sec != cases[i].s ||
            dt.usec != cases[i].usec || dt.has_time != cases[i].has_time ||
            dt.has_offset != cases[i].has_offset ||
            dt.offset != cases[i].offset)
            fail_msg("'%s': %04d-%02d-%02d %02d:%02d:%02d.%06ld t%d o%d %ld",
                     cases[i].in, dt.year, dt.month, dt.day, dt.hour, dt.min,
                     dt.sec, dt.usec, dt.has_time, dt.has_offset, dt.offset);
    }
}

/* Calendar and form errors, each with its reason in the message. */
static void test_rules_date_rejects(void **state)
{
    static const struct {
        const char *in;  /* the value */
        const char *why; /* part of the reason */
    } cases[] = {
        {"", "empty"},
        {"   ", "empty"},
        {"28/10/2024", "day-first dates are not accepted"},
        {"28/10/2024 17:05", "day-first dates are not accepted"},
        {"13/13/2024", "month 13 out of range"},
        {"2024-02-30", "no day 30 in 2024-02"},
        {"2023-02-29", "not a leap year"},
        {"1900-02-29", "not a leap year"},
        {"02/29/2023", "not a leap year"},
        {"2024-13-01", "month 13 out of range"},
        {"2024-00-10", "month 0 out of range"},
        {"2024-04-31", "no day 31"},
        {"2024-10-00", "no day 0"},
        {"2024-10-28 24:00", "hour 24 out of range"},
        {"2024-10-28 23:60", "minute 60 out of range"},
        {"2024-10-28 23:59:60", "second 60 out of range"},
        {"10/28/2024 24:00", "hour 24 out of range"},
        {"10/28/2024 13:05 PM", "hour 13 with AM/PM"},
        {"10/28/2024 17:05 AM", "hour 17 with AM/PM"},
        {"10/28/2024 0:05 AM", "hour 0 with AM/PM"},
        {"10/28/24", "two-digit years are ambiguous"},
        {"10/28/24 5:05 PM", "two-digit years are ambiguous"},
        {"28.10.2024", "ambiguous"},
        {"24-10-28", "ambiguous"},
        {"2024-10-28 17:05 garbage", "unexpected text"},
        {"2024-10-28 17:05:00 PM", "unexpected text"},
        {"10/28/2024T17:05", "unexpected text"},
        {"10/28/2024 17:05:00.5", "unexpected text"},
        {"10/28/2024 17:05 2024", "unexpected text"},
        {"2024-10-28x", "not a recognised form"},
        {"2024-10-28T17:05:00+19:00", "offset beyond"},
        {"2024-10-28T17:05:00+05:60", "not a recognised form"},
        {"2024-10-28T17:05:00.1234567890Z", "not a recognised form"},
        {"2024-10-28T17:05:00.Z", "not a recognised form"},
        {"2024-10-28T17:05.5", "unexpected text"},
        {"2024-10-28T17Z", "not a recognised form"},
        {"2024-10-28 9:05", "not a recognised form"},
        {"2024-1-5", "not a recognised form"},
        {"2024/10/28", "not a recognised form"},
        {"20241028", "not a recognised form"},
        {"yesterday", "not a recognised form"},
        {"0000-01-01", "year 0000 out of range"},
        {"1/5/02024", "not a recognised form"},
        {"10//2024", "not a recognised form"},
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++, ncases++) {
        cw_datetime dt;
        cw_verdict v = {0};
        char shown[80];

        snprintf(shown, sizeof shown, "'%s'", cases[i].in);
        if (cw__rule_date_parse(cases[i].in, strlen(cases[i].in), &dt, &v) !=
            -1)
            fail_msg("'%s' accepted", cases[i].in);
        assert_string_equal(v.code, "E_DATE");
        if (strstr(v.msg, cases[i].why) == NULL ||
            strstr(v.msg, shown) == NULL ||
            strstr(v.msg, "use YYYY-MM-DD") == NULL)
            fail_msg("'%s': %s", cases[i].in, v.msg);
    }
}

/* Organizer's strict forms: the documented examples pass, the negatives and
** anything merely parseable fail with the accepted forms named. */
static void test_rules_date_organizer(void **state)
{
    static const char *const good[] = {
        "2024-10-28 17:05", "2024-10-28 17:06", "2024-10-28 18:41",
        "2024-10-12 10:00", "2024-10-12 10:02", "2024-10-12 10:03",
        "2024-09-30 19:15", "2024-09-30 19:16", "2024-11-01 09:00",
        "10/28/2024 17:05", "10/28/2024",       "2024-10-28",
        "2024-02-29",       "02/29/2024 00:00", "12/31/2024 23:59",
        "2000-02-29 12:00",
    };
    static const struct {
        const char *in;  /* the value */
        const char *why; /* part of the reason */
    } bad[] = {
        {"28/10/2024 17:05", "day-first dates are not accepted"},
        {"2024-10-28T17:05:00Z", "ISO 8601 with T"},
        {"2024-10-28T17:05", "ISO 8601 with T"},
        {"2024-10-28 17:05:00", "seconds are not accepted"},
        {"2023-02-29", "not a leap year"},
        {"2024-02-30", "no day 30"},
        {"2024-13-01", "month 13"},
        {"2024-10-28 24:00", "hour 24"},
        {"2024-10-28 23:60", "minute 60"},
        {"10/28/2024 5:05 PM", "not in an accepted form"},
        {"1/5/2024", "not in an accepted form"},
        {"10/28/24", "not in an accepted form"},
        {"2024-10-28 17:5", "not in an accepted form"},
        {"2024-10-28 7:05", "not in an accepted form"},
        {" 2024-10-28", "not in an accepted form"},
        {"2024-10-28 ", "not in an accepted form"},
        {"", "not in an accepted form"},
        {"2024/10/28", "not in an accepted form"},
        {"2024-10-28+17:05", "not in an accepted form"},
        {"maybe", "not in an accepted form"},
    };

    (void)state;
    for (size_t i = 0; i < N(good); i++, ncases++) {
        cw_verdict v = {0};

        if (cw__rule_date_organizer(good[i], strlen(good[i]), &v) != 0)
            fail_msg("'%s': %s", good[i], v.msg);
    }
    for (size_t i = 0; i < N(bad); i++, ncases++) {
        cw_verdict v = {0};

        if (cw__rule_date_organizer(bad[i].in, strlen(bad[i].in), &v) != -1)
            fail_msg("'%s' accepted", bad[i].in);
        assert_string_equal(v.code, "E_DATE");
        if (strstr(v.msg, bad[i].why) == NULL ||
            strstr(v.msg, "Organizer accepts MM/DD/YYYY[ HH:MM] or "
                          "YYYY-MM-DD[ HH:MM]") == NULL)
            fail_msg("'%s': %s", bad[i].in, v.msg);
    }
}

/* Load zone 'name' (NULL gives NULL, meaning UTC). */
static cw_tz *zone(const char *name)
{
    cw_tz *z = NULL;
    cw_err err = {0};

    if (name != NULL && cw__tz_read(NULL, name, &z, &err) != CW_OK)
        fail_msg("%s: %s", name, err.msg);
    return z;
}

/* Conversions between zones: rollover, DST gaps and overlaps (also in
** the footer's years), bare dates, offsets. */
static void test_rules_date_convert(void **state)
{
    static const struct {
        const char *in;    /* the value */
        const char *from;  /* zone of naive values, NULL for UTC */
        const char *to;    /* output zone, NULL for UTC */
        enum cw_datefmt f; /* the output form */
        const char *want;  /* the output, or NULL for E_DATE_GAP */
    } cases[] = {
        {"2024-10-01 00:20:00.000000", NULL, "America/New_York", CW_DATEFMT_ISO,
         "2024-09-30 20:20"},
        {"2024-03-10 06:59", NULL, "America/New_York", CW_DATEFMT_ISO,
         "2024-03-10 01:59"},
        {"2024-03-10 07:00", NULL, "America/New_York", CW_DATEFMT_ISO,
         "2024-03-10 03:00"},
        {"2024-11-03 05:30", NULL, "America/New_York", CW_DATEFMT_ISO,
         "2024-11-03 01:30"},
        {"2024-11-03 06:30", NULL, "America/New_York", CW_DATEFMT_ISO,
         "2024-11-03 01:30"},
        {"2024-11-03 07:00", NULL, "America/New_York", CW_DATEFMT_ISO,
         "2024-11-03 02:00"},
        {"2038-03-14 06:59", NULL, "America/New_York", CW_DATEFMT_ISO,
         "2038-03-14 01:59"},
        {"2038-03-14 07:00", NULL, "America/New_York", CW_DATEFMT_ISO,
         "2038-03-14 03:00"},
        {"2024-10-28T21:05:12Z", NULL, "America/New_York", CW_DATEFMT_US,
         "10/28/2024 17:05"},
        {"2024-10-28T17:05:00-04:00", "Asia/Kolkata", "Europe/London",
         CW_DATEFMT_ISO, "2024-10-28 21:05"},
        {"2024-12-31 23:30", NULL, "Asia/Kolkata", CW_DATEFMT_ISO,
         "2025-01-01 05:00"},
        {"2024-01-01 02:00", NULL, "America/Los_Angeles", CW_DATEFMT_ISO,
         "2023-12-31 18:00"},
        {"2024-03-01 03:00", NULL, "America/Los_Angeles", CW_DATEFMT_ISO,
         "2024-02-29 19:00"},
        {"2023-03-01 03:00", NULL, "America/Los_Angeles", CW_DATEFMT_ISO,
         "2023-02-28 19:00"},
        {"2024-10-05 15:30", NULL, "Australia/Lord_Howe", CW_DATEFMT_ISO,
         "2024-10-06 02:30"},
        {"2024-10-05 15:29", NULL, "Australia/Lord_Howe", CW_DATEFMT_ISO,
         "2024-10-06 01:59"},
        {"2024-11-03 01:30", "America/New_York", NULL, CW_DATEFMT_ISO,
         "2024-11-03 05:30"},
        {"2024-07-04 12:00", "America/New_York", "America/Chicago",
         CW_DATEFMT_ISO, "2024-07-04 11:00"},
        {"10/28/2024 5:05 PM", "America/Chicago", "America/New_York",
         CW_DATEFMT_ISO_FULL, "2024-10-28T18:05:00"},
        {"2024-10-28", "America/New_York", "Europe/London", CW_DATEFMT_ISO,
         "2024-10-28"},
        {"2024-10-28", "America/New_York", "Europe/London", CW_DATEFMT_US,
         "10/28/2024"},
        {"2024-10-28T17:05:00+05:30", NULL, NULL, CW_DATEFMT_DATE,
         "2024-10-28"},
        {"2024-10-28T01:05:00+05:30", NULL, NULL, CW_DATEFMT_US_DATE,
         "10/27/2024"},
        {"2024-03-10 02:30", "America/New_York", NULL, CW_DATEFMT_ISO, NULL},
        {"2024-03-10 02:00", "America/New_York", "UTC", CW_DATEFMT_ISO, NULL},
        {"2024-10-06 02:15", "Australia/Lord_Howe", NULL, CW_DATEFMT_ISO, NULL},
        {"2024-03-31 01:00", "Europe/London", NULL, CW_DATEFMT_ISO, NULL},
        {"2024-03-31 02:00", "Europe/London", NULL, CW_DATEFMT_ISO,
         "2024-03-31 01:00"},
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++, ncases++) {
        cw_tz *from = zone(cases[i].from), *to = zone(cases[i].to);
        cw_datetime dt;
        cw_verdict v = {0};
        char out[32];
        int rc;

        assert_int_equal(
            cw__rule_date_parse(cases[i].in, strlen(cases[i].in), &dt, &v), 0);
        rc = cw__rule_date_convert(&dt, from, to, &v);
        if (cases[i].want == NULL) {
            if (rc != -1 || strcmp(v.code, "E_DATE_GAP") != 0 ||
                strstr(v.msg, "does not exist") == NULL)
                fail_msg("'%s' in %s: %d %s", cases[i].in, cases[i].from, rc,
                         v.msg);
        } else {
            size_t n;

            assert_int_equal(rc, 0);
            n = cw__rule_date_format(&dt, cases[i].f, out);
            if (strcmp(out, cases[i].want) != 0 || n != strlen(out))
                fail_msg("'%s': '%s', want '%s'", cases[i].in, out,
                         cases[i].want);
        }
        cw__tz_free(from);
        cw__tz_free(to);
    }
}

/* Each output form, with and without a time of day. */
static void test_rules_date_format(void **state)
{
    static const struct {
        enum cw_datefmt f; /* the form */
        const char *full;  /* 2024-03-05 07:08:09 written in it */
        const char *date;  /* 2024-03-05 (no time) written in it */
    } cases[] = {
        {CW_DATEFMT_ISO, "2024-03-05 07:08", "2024-03-05"},
        {CW_DATEFMT_US, "03/05/2024 07:08", "03/05/2024"},
        {CW_DATEFMT_DATE, "2024-03-05", "2024-03-05"},
        {CW_DATEFMT_US_DATE, "03/05/2024", "03/05/2024"},
        {CW_DATEFMT_ISO_FULL, "2024-03-05T07:08:09", "2024-03-05"},
    };
    cw_datetime full = {.year = 2024,
                        .month = 3,
                        .day = 5,
                        .hour = 7,
                        .min = 8,
                        .sec = 9,
                        .usec = 10,
                        .has_time = 1};
    cw_datetime date = {.year = 2024, .month = 3, .day = 5};
    char out[32];

    (void)state;
    for (size_t i = 0; i < N(cases); i++, ncases += 2) {
        assert_int_equal(cw__rule_date_format(&full, cases[i].f, out),
                         strlen(cases[i].full));
        assert_string_equal(out, cases[i].full);
        assert_int_equal(cw__rule_date_format(&date, cases[i].f, out),
                         strlen(cases[i].date));
        assert_string_equal(out, cases[i].date);
    }
}

/* Converting a converted value again changes nothing. */
static void test_rules_date_convert_idempotent(void **state)
{
    cw_tz *ny = zone("America/New_York");
    cw_datetime dt;
    char a[32], b[32];

    (void)state;
    assert_int_equal(cw__rule_date_parse("2024-11-03 06:30", 16, &dt, NULL), 0);
    assert_int_equal(cw__rule_date_convert(&dt, NULL, ny, NULL), 0);
    cw__rule_date_format(&dt, CW_DATEFMT_ISO_FULL, a);
    assert_true(dt.has_offset && dt.offset == -5 * 3600);
    assert_int_equal(cw__rule_date_convert(&dt, NULL, ny, NULL), 0);
    cw__rule_date_format(&dt, CW_DATEFMT_ISO_FULL, b);
    assert_string_equal(a, b);
    assert_string_equal(a, "2024-11-03T01:30:00");
    cw__tz_free(ny);
}

/* ==== Phones ==== */

/* The forms the export files use, and more. */
static void test_rules_phone(void **state)
{
    static const struct {
        const char *in;   /* the value */
        const char *want; /* E.164, or NULL when rejected */
        const char *why;  /* part of the reason when rejected */
    } cases[] = {
        {"(202) 555-0123", "+12025550123", NULL},
        {"202.555.0124", "+12025550124", NULL},
        {"1-202-555-0125", "+12025550125", NULL},
        {"+1 202 555 0143", "+12025550143", NULL},
        {"12025550143", "+12025550143", NULL},
        {"2025550143.0", "+12025550143", NULL},
        {"2025550143", "+12025550143", NULL},
        {"+12025550111", "+12025550111", NULL},
        {"  202 555 0143 ", "+12025550143", NULL},
        {"(312)555-0107", "+13125550107", NULL},
        {"202/555-0143", "+12025550143", NULL},
        {"+1 (617) 555-0118", "+16175550118", NULL},
        {"+44 20 7946 0958", "+442079460958", NULL},
        {"+33 1 23 45 67 89", "+33123456789", NULL},
        {"+49 30 12345678", "+493012345678", NULL},
        {"2.02556E+09", NULL, "Excel scientific notation lost digits"},
        {"5.55E+09", NULL, "Excel scientific notation lost digits"},
        {"2.02556e+09", NULL, "Excel scientific notation lost digits"},
        {"555-0128", NULL, "7 digits"},
        {"202-555-0143 x12", NULL, "extensions"},
        {"202-555-0143 ext. 12", NULL, "extensions"},
        {"202-555-0143#12", NULL, "extensions"},
        {"", NULL, "empty"},
        {"   ", NULL, "empty"},
        {"CALL-NOW", NULL, "letters"},
        {"1-800-FLOWERS", NULL, "letters"},
        {"055-555-0143", NULL, "area code 055"},
        {"102-555-0143", NULL, "area code 102"},
        {"1-102-555-0143", NULL, "area code 102"},
        {"202-055-0143", NULL, "exchange 055"},
        {"202-155-0143", NULL, "exchange 155"},
        {"+1 202 555 014", NULL, "+1 number needs 10 digits"},
        {"+12", NULL, "+1 number needs 10 digits"},
        {"22025550143", NULL, "11 digits not starting"},
        {"2025550143.5", NULL, "11 digits not starting"},
        {"202555014", NULL, "9 digits"},
        {"+44 20", NULL, "international number needs 8-15"},
        {"+4420794609581234", NULL, "more than 15"},
        {"202_555_0143", NULL, "unexpected character"},
        {"++12025550143", NULL, "unexpected character"},
        {"202-555-0143+", NULL, "unexpected character"},
        {"2025550143.00", NULL, "12 digits"},
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++, ncases++) {
        char out[17];
        size_t n = 0;
        cw_verdict v = {0};
        int rc = cw__rule_phone(cases[i].in, strlen(cases[i].in), out, &n, &v);

        if (cases[i].want != NULL) {
            if (rc != 0 || strcmp(out, cases[i].want) != 0 ||
                n != strlen(cases[i].want))
                fail_msg("'%s': %d %s", cases[i].in, rc, v.msg);
        } else if (rc != -1 || strcmp(v.code, "E_PHONE") != 0 ||
                   strstr(v.msg, cases[i].why) == NULL ||
                   strncmp(v.msg, "not a phone number: '", 21) != 0) {
            fail_msg("'%s': %d %s", cases[i].in, rc, v.msg);
        }
    }
}

/* ==== Effort names ==== */

/* Keys ignore case and spacing, nothing else. */
static void test_rules_effort_key(void **state)
{
    static const struct {
        const char *in;   /* the effort name */
        const char *want; /* its key */
    } cases[] = {
        {"GOTV Text 2024-10", "gotv text 2024-10"},
        {"  GOTV  Text 2024-10 ", "gotv text 2024-10"},
        {"gotv\ttext\t2024-10", "gotv text 2024-10"},
        {"Survey: Housing", "survey: housing"},
        {"Survey:Housing", "survey:housing"},
        {"", ""},
        {"   ", ""},
        {"A", "a"},
        {"\xc3\x89T\xc3\x89 Plan", "\xc3\x89t\xc3\x89 plan"},
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++, ncases++) {
        char out[64];
        size_t n = cw__effort_key(cases[i].in, strlen(cases[i].in), out);

        assert_int_equal(n, strlen(cases[i].want));
        assert_memory_equal(out, cases[i].want, n);
    }
}

/* A second spelling of a name already seen draws the warning; the same
** spelling, or a different name, does not. */
static void test_rules_effort_seen(void **state)
{
    char *seen[] = {"GOTV Text", "Persuasion"};
    const struct {
        const char *in;   /* the effort name */
        int want;         /* 1 when already seen */
        const char *warn; /* part of the warning, or "" for none */
    } cases[] = {
        {"GOTV Text", 1, ""},
        {"Persuasion", 1, ""},
        {"gotv text", 0,
         "'gotv text' and 'GOTV Text' differ only in case or "
         "spacing; Organizer may treat them as two efforts"},
        {" GOTV  Text ", 0, "' GOTV  Text ' and 'GOTV Text' differ"},
        {"PERSUASION", 0, "'PERSUASION' and 'Persuasion' differ"},
        {"GOTV Text 2", 0, ""},
        {"", 0, ""},
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++, ncases++) {
        char msg[300];
        int rc = cw__effort_seen(seen, N(seen), cases[i].in,
                                 strlen(cases[i].in), msg, sizeof msg);

        assert_int_equal(rc, cases[i].want);
        if (cases[i].warn[0] == '\0')
            assert_string_equal(msg, "");
        else if (strstr(msg, cases[i].warn) != msg)
            fail_msg("case %zu: %s", i, msg);
    }
    {
        char msg[300] = "x";

        assert_int_equal(cw__effort_seen(NULL, 0, "a", 1, msg, sizeof msg), 0);
        assert_string_equal(msg, "");
    }
}

/* ==== Named rules ==== */

/* A string node. */
static cw_node *str_node(const char *s)
{
    cw_node *n = cw__node_new(CW_NODE_STR);

    assert_non_null(n);
    n->str = cw__strdup(s);
    assert_non_null(n->str);
    n->len = strlen(s);
    return n;
}

/* A number node. */
static cw_node *num_node(double x)
{
    cw_node *n = cw__node_new(CW_NODE_NUM);

    assert_non_null(n);
    n->num = x;
    n->isint = x == (double)(long long)x;
    return n;
}

/* A boolean node. */
static cw_node *bool_node(int b)
{
    cw_node *n = cw__node_new(CW_NODE_BOOL);

    assert_non_null(n);
    n->b = b;
    return n;
}

/* A table node with up to three keys (a NULL key ends the list). */
static cw_node *table(const char *k1, cw_node *v1, const char *k2, cw_node *v2,
                      const char *k3, cw_node *v3)
{
    cw_node *t = cw__node_new(CW_NODE_TABLE);

    assert_non_null(t);
    if (k1 != NULL)
        assert_int_equal(cw__node_setkey(t, k1, strlen(k1), v1), CW_OK);
    if (k2 != NULL)
        assert_int_equal(cw__node_setkey(t, k2, strlen(k2), v2), CW_OK);
    if (k3 != NULL)
        assert_int_equal(cw__node_setkey(t, k3, strlen(k3), v3), CW_OK);
    cw__node_finish(t);
    return t;
}

/* A list node of 'n' strings. */
static cw_node *list(const char *const *items, size_t n)
{
    cw_node *t = cw__node_new(CW_NODE_TABLE);

    assert_non_null(t);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(cw__node_push(t, str_node(items[i])), CW_OK);
    return t;
}

/* Build rule 'name' with 'args' (freed here), failing the test on error. */
static cw_rule *rule(const char *name, cw_node *args)
{
    cw_rule *r = NULL;
    cw_err err = {0};

    if (cw__rule_new(name, args, &r, &err) != CW_OK)
        fail_msg("%s: %s", name, err.msg);
    cw__node_free(args);
    assert_string_equal(cw__rule_name(r), name);
    return r;
}

/* Bad names and arguments: CW_EUSAGE naming the valid choices. */
static void test_rules_new_errors(void **state)
{
    static const char *const two[] = {"a", "b"};
    const struct {
        const char *name; /* the rule */
        cw_node *args;    /* its arguments (freed here) */
        const char *want; /* part of the message */
    } cases[] = {
        {"bogus", NULL,
         "unknown rule 'bogus' (valid: boolean, date, organizer_date, phone, "
         "trim, lower, upper, collapse_spaces, nonblank, enum, max_length, "
         "effort_name)"},
        {"Boolean", NULL, "unknown rule 'Boolean'"},
        {NULL, NULL, "unknown rule"},
        {"date", table("format", str_node("rfc"), NULL, NULL, NULL, NULL),
         "unknown format 'rfc' (valid: iso, us, date, us_date, iso_full)"},
        {"date", table("format", num_node(1), NULL, NULL, NULL, NULL),
         "'format' must be a string"},
        {"date", table("tz", str_node("Nowhere/City"), NULL, NULL, NULL, NULL),
         "unknown time zone 'Nowhere/City'"},
        {"date",
         table("tz", str_node("UTC"), "input_tz", str_node("../etc/passwd"),
               NULL, NULL),
         "unknown time zone"},
        {"date", table("tz", num_node(5), NULL, NULL, NULL, NULL),
         "'tz' must be a string"},
        {"date", table("timezone", str_node("UTC"), NULL, NULL, NULL, NULL),
         "unknown argument 'timezone' (valid: format, tz, input_tz, tzdir)"},
        {"date", str_node("iso"), "arguments must be a table"},
        {"date", list(two, 2), "arguments must be named"},
        {"date",
         table("tz", str_node("America/New_York"), "tzdir",
               str_node("/nonexistent"), NULL, NULL),
         "unknown time zone 'America/New_York'"},
        {"boolean", table("strict", bool_node(1), NULL, NULL, NULL, NULL),
         "unknown argument 'strict' (valid: none)"},
        {"enum", NULL, "'values' must be a list of strings"},
        {"enum", table("values", str_node("a"), NULL, NULL, NULL, NULL),
         "'values' must be a list of strings"},
        {"enum", table("values", list(two, 0), NULL, NULL, NULL, NULL),
         "'values' must be a list of strings"},
        {"enum",
         table("values", list(two, 2), "ignore_case", str_node("yes"), NULL,
               NULL),
         "'ignore_case' must be true or false"},
        {"max_length", NULL, "'n' must be a whole number"},
        {"max_length", table("n", num_node(-1), NULL, NULL, NULL, NULL),
         "'n' must be a whole number"},
        {"max_length", table("n", num_node(2.5), NULL, NULL, NULL, NULL),
         "'n' must be a whole number"},
        {"max_length", table("n", str_node("5"), NULL, NULL, NULL, NULL),
         "'n' must be a whole number"},
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++, ncases++) {
        cw_rule *r = (cw_rule *)&r; /* must be overwritten with NULL */
        cw_err err = {0};

        assert_int_equal(cw__rule_new(cases[i].name, cases[i].args, &r, &err),
                         CW_EUSAGE);
        assert_null(r);
        assert_int_equal(err.code, CW_EUSAGE);
        if (strstr(err.msg, cases[i].want) == NULL)
            fail_msg("case %zu: %s", i, err.msg);
        cw__node_free(cases[i].args);
    }
    {
        cw_node *bad = table("values", list(two, 2), NULL, NULL, NULL, NULL);
        cw_rule *r;
        cw_err err = {0};

        assert_int_equal(cw__node_push(bad->vals[0], num_node(3)), CW_OK);
        assert_int_equal(cw__rule_new("enum", bad, &r, &err), CW_EUSAGE);
        assert_non_null(strstr(err.msg, "value 3 is not a string"));
        cw__node_free(bad);
    }
}

/* The registry drives every message and check: the valid-names message
** lists every row in order, and each row's arguments are checked against
** its own list, so a new row needs nothing else. */
static void test_rules_registry(void **state)
{
    cw_buf names = {0};
    size_t n;

    (void)state;
    for (n = 0; cw__rule_kind(n) != NULL; n++, ncases++) {
        const cw_rulekind *k = cw__rule_kind(n);
        cw_node *args =
            table("zz_unknown", bool_node(1), NULL, NULL, NULL, NULL);
        cw_buf want = {0};
        cw_rule *r = (cw_rule *)&r;
        cw_err err = {0};

        assert_non_null(k->name);
        assert_non_null(k->args);
        assert_non_null(k->apply);
        assert_true(k->blank_code == NULL || k->blank_msg != NULL);
        for (size_t j = 0; j < n; j++)
            assert_string_not_equal(cw__rule_kind(j)->name, k->name);
        assert_int_equal(cw__buf_printf(&names, "%s%s", n ? ", " : "", k->name),
                         CW_OK);
        /* An unknown argument, refused with the row's own list. */
        assert_int_equal(cw__buf_printf(&want,
                                        "rule '%s': unknown argument "
                                        "'zz_unknown' (valid: ",
                                        k->name),
                         CW_OK);
        if (k->args[0] == NULL)
            assert_int_equal(cw__buf_adds(&want, "none"), CW_OK);
        for (size_t j = 0; k->args[j] != NULL; j++)
            assert_int_equal(
                cw__buf_printf(&want, "%s%s", j ? ", " : "", k->args[j]),
                CW_OK);
        assert_int_equal(cw__buf_adds(&want, ")"), CW_OK);
        assert_int_equal(cw__rule_new(k->name, args, &r, &err), CW_EUSAGE);
        assert_null(r);
        assert_string_equal(err.msg, want.p);
        cw__node_free(args);
        cw__buf_free(&want);
        /* A rule without a constructor builds without arguments; null
        ** passes it unless it refuses blank values. */
        if (k->make == NULL) {
            const char *res = "x";
            size_t len = 1;
            cw_buf scratch = {0};
            cw_verdict v = {0};
            int rc;

            r = rule(k->name, NULL);
            rc = cw__rule_apply(r, NULL, 0, &scratch, &res, &len, &v);
            if (k->blank_code != NULL) {
                assert_int_equal(rc, -1);
                assert_string_equal(v.code, k->blank_code);
                assert_string_equal(v.msg, k->blank_msg);
            } else {
                assert_int_equal(rc, 0);
                assert_null(res);
                assert_int_equal(len, 0);
            }
            cw__rule_free(r);
            cw__buf_free(&scratch);
        }
    }
    assert_true(n >= 12);
    {
        cw_rule *r;
        cw_err err = {0};
        cw_buf want = {0};

        assert_int_equal(cw__buf_printf(&want,
                                        "unknown rule 'no_such_rule' (valid: "
                                        "%s)",
                                        names.p),
                         CW_OK);
        assert_int_equal(cw__rule_new("no_such_rule", NULL, &r, &err),
                         CW_EUSAGE);
        assert_string_equal(err.msg, want.p);
        cw__buf_free(&want);
    }
    assert_null(cw__rule_kind(n + 1));
    cw__buf_free(&names);
}

/* One application and its expected outcome. */
struct apply_case {
    const char *in;   /* the value, NULL for null */
    const char *want; /* the result (NULL: null), or the code on rejection */
    int rc;           /* 0 or -1 */
};

/* Apply 'r' to each of the 'n' cases at 'c', with one scratch buffer. */
static void check_apply(const cw_rule *r, const struct apply_case *c, size_t n)
{
    cw_buf scratch = {0};

    for (size_t i = 0; i < n; i++, ncases++) {
        const char *res = "unset";
        size_t len = 99;
        cw_verdict v = {0};
        int rc = cw__rule_apply(r, c[i].in, c[i].in ? strlen(c[i].in) : 0,
                                &scratch, &res, &len, &v);

        if (rc != c[i].rc)
            fail_msg("%s('%s'): %d %s", cw__rule_name(r), c[i].in, rc, v.msg);
        if (rc != 0) {
            assert_string_equal(v.code, c[i].want);
            assert_true(v.msg[0] != '\0');
        } else if (c[i].want == NULL) {
            assert_null(res);
            assert_int_equal(len, 0);
        } else if (len != strlen(c[i].want) ||
                   memcmp(res, c[i].want, len) != 0) {
            fail_msg("%s('%s'): '%.*s', want '%s'", cw__rule_name(r), c[i].in,
                     (int)len, res, c[i].want);
        }
    }
    cw__buf_free(&scratch);
}

/* Every named rule on good, bad and null values. */
static void test_rules_apply(void **state)
{
    static const char *const results[] = {"Wrong Number", "Opt Out",
                                          "Talked to Correct Person"};
    static const struct apply_case boolean[] = {
        {" YES ", "true", 0}, {"0", "false", 0},          {"TRUE", "true", 0},
        {"f", "false", 0},    {"maybe", "E_BOOLEAN", -1}, {"", "E_BOOLEAN", -1},
        {NULL, NULL, 0},
    };
    static const struct apply_case date_ny[] = {
        {"2024-10-01 00:20:00.000000", "2024-09-30 20:20", 0},
        {"2024-10-28T17:05:00Z", "2024-10-28 13:05", 0},
        {"2024-10-28", "2024-10-28", 0},
        {"2024-02-30", "E_DATE", -1},
        {NULL, NULL, 0},
    };
    static const struct apply_case date_us[] = {
        {"2024-10-28 17:05", "10/28/2024 18:05", 0},
        {"2024-03-10 02:30", "E_DATE_GAP", -1},
        {"2024-11-03 01:30", "11/03/2024 01:30", 0},
        {"10/28/2024", "10/28/2024", 0},
    };
    static const struct apply_case date_plain[] = {
        {"10/28/2024 5:05 PM", "2024-10-28 17:05", 0},
        {"2024-10-28T17:05:00-04:00", "2024-10-28 21:05", 0},
    };
    static const struct apply_case orgdate[] = {
        {"2024-10-28 17:05", "2024-10-28 17:05", 0},
        {"10/28/2024", "10/28/2024", 0},
        {"28/10/2024 17:05", "E_DATE", -1},
        {"2024-10-28T17:05:00Z", "E_DATE", -1},
        {NULL, NULL, 0},
    };
    static const struct apply_case phone[] = {
        {"(202) 555-0123", "+12025550123", 0},
        {"2.02556E+09", "E_PHONE", -1},
        {NULL, NULL, 0},
    };
    static const struct apply_case trim[] = {
        {"  a b  ", "a b", 0},
        {"", "", 0},
        {"\tx", "x", 0},
        {NULL, NULL, 0},
    };
    static const struct apply_case lower[] = {
        {"AbC \xc3\x89", "abc \xc3\x89", 0},
        {"", "", 0},
        {NULL, NULL, 0},
    };
    static const struct apply_case upper[] = {
        {"AbC z", "ABC Z", 0},
        {NULL, NULL, 0},
    };
    static const struct apply_case collapse[] = {
        {"  a   b \t c ", "a b c", 0},
        {"   ", "", 0},
        {NULL, NULL, 0},
    };
    static const struct apply_case nonblank[] = {
        {"x", "x", 0},
        {" x ", " x ", 0},
        {"", "E_REQUIRED", -1},
        {" \t ", "E_REQUIRED", -1},
        {NULL, "E_REQUIRED", -1},
    };
    static const struct apply_case enum_exact[] = {
        {"Opt Out", "Opt Out", 0},
        {"opt out", "E_ENUM", -1},
        {"Opt Out ", "E_ENUM", -1},
        {NULL, NULL, 0},
    };
    static const struct apply_case enum_icase[] = {
        {"opt out", "Opt Out", 0},
        {"WRONG NUMBER", "Wrong Number", 0},
        {"Busy", "E_ENUM", -1},
    };
    static const struct apply_case maxlen[] = {
        {"abc", "abc", 0},
        {"abcd", "E_MAXLEN", -1},
        {"h\xc3\xa9\xc3\xa9", "h\xc3\xa9\xc3\xa9", 0},
        {"\xc3\xa9\xc3\xa9\xc3\xa9\xe2\x82\xac", "E_MAXLEN", -1},
        {"", "", 0},
        {NULL, NULL, 0},
    };
    static const struct apply_case effort[] = {
        {"  GOTV   Text  2024-10 ", "GOTV Text 2024-10", 0},
        {"Survey: Housing", "Survey: Housing", 0},
        {"", "E_EFFORT", -1},
        {"  ", "E_EFFORT", -1},
        {NULL, "E_EFFORT", -1},
    };
    cw_rule *r;

    (void)state;
    r = rule("boolean", NULL);
    check_apply(r, boolean, N(boolean));
    cw__rule_free(r);
    r = rule("date",
             table("tz", str_node("America/New_York"), NULL, NULL, NULL, NULL));
    check_apply(r, date_ny, N(date_ny));
    cw__rule_free(r);
    r = rule("date",
             table("format", str_node("us"), "tz", str_node("America/New_York"),
                   "input_tz", str_node("America/Chicago")));
    check_apply(r, date_us, N(date_us));
    cw__rule_free(r);
    r = rule("date", table("tzdir", str_node("/usr/share/zoneinfo"), NULL, NULL,
                           NULL, NULL));
    check_apply(r, date_plain, N(date_plain));
    cw__rule_free(r);
    r = rule("organizer_date", NULL);
    check_apply(r, orgdate, N(orgdate));
    cw__rule_free(r);
    r = rule("phone", NULL);
    check_apply(r, phone, N(phone));
    cw__rule_free(r);
    r = rule("trim", NULL);
    check_apply(r, trim, N(trim));
    cw__rule_free(r);
    r = rule("lower", NULL);
    check_apply(r, lower, N(lower));
    cw__rule_free(r);
    r = rule("upper", NULL);
    check_apply(r, upper, N(upper));
    cw__rule_free(r);
    r = rule("collapse_spaces", NULL);
    check_apply(r, collapse, N(collapse));
    cw__rule_free(r);
    r = rule("nonblank", table(NULL, NULL, NULL, NULL, NULL, NULL));
    check_apply(r, nonblank, N(nonblank));
    cw__rule_free(r);
    r = rule("enum", table("values", list(results, N(results)), NULL, NULL,
                           NULL, NULL));
    check_apply(r, enum_exact, N(enum_exact));
    cw__rule_free(r);
    r = rule("enum", table("values", list(results, N(results)), "ignore_case",
                           bool_node(1), NULL, NULL));
    check_apply(r, enum_icase, N(enum_icase));
    cw__rule_free(r);
    r = rule("max_length", table("n", num_node(3), NULL, NULL, NULL, NULL));
    check_apply(r, maxlen, N(maxlen));
    cw__rule_free(r);
    r = rule("effort_name", NULL);
    check_apply(r, effort, N(effort));
    cw__rule_free(r);
}

/* Messages of the named rules: unchanged values are the input itself,
** enum lists are cut to fit, the blank messages are exact. */
static void test_rules_apply_messages(void **state)
{
    const char *items[60];
    char names[60][16];
    cw_buf scratch = {0};
    cw_verdict v = {0};
    const char *res;
    size_t len;
    const char *in = "  keep me  ";
    cw_rule *r;

    (void)state;
    for (int i = 0; i < 60; i++) {
        snprintf(names[i], sizeof names[i], "Choice %02d", i);
        items[i] = names[i];
    }
    r = rule("enum", table("values", list(items, 60), NULL, NULL, NULL, NULL));
    assert_int_equal(
        cw__rule_apply(r, "Choice 99", 9, &scratch, &res, &len, &v), -1);
    assert_non_null(strstr(v.msg, "'Choice 99' is not one of: Choice 00, "));
    assert_non_null(strstr(v.msg, "..."));
    assert_true(strlen(v.msg) < sizeof v.msg - 1);
    cw__rule_free(r);

    r = rule("nonblank", NULL);
    assert_int_equal(
        cw__rule_apply(r, in, strlen(in), &scratch, &res, &len, &v), 0);
    assert_ptr_equal(res, in);
    assert_int_equal(cw__rule_apply(r, "", 0, &scratch, &res, &len, &v), -1);
    assert_string_equal(v.msg, "value is required");
    cw__rule_free(r);

    r = rule("trim", NULL);
    assert_int_equal(
        cw__rule_apply(r, in, strlen(in), &scratch, &res, &len, &v), 0);
    assert_ptr_equal(res, in + 2);
    assert_int_equal(len, 7);
    cw__rule_free(r);

    r = rule("effort_name", NULL);
    assert_int_equal(cw__rule_apply(r, NULL, 0, &scratch, &res, &len, &v), -1);
    assert_string_equal(v.msg, "Effort Name is blank");
    cw__rule_free(r);

    r = rule("collapse_spaces", NULL); /* chained on one scratch buffer */
    {
        cw_rule *low = rule("lower", NULL);

        assert_int_equal(
            cw__rule_apply(r, "  GOTV   Text ", 14, &scratch, &res, &len, &v),
            0);
        assert_ptr_equal(res, scratch.p);
        assert_int_equal(
            cw__rule_apply(low, res, len, &scratch, &res, &len, &v), 0);
        assert_int_equal(len, 9);
        assert_memory_equal(res, "gotv text", 9);
        assert_int_equal(cw__rule_apply(r, res, len, &scratch, &res, &len, &v),
                         0);
        assert_memory_equal(res, "gotv text", 9);
        cw__rule_free(low);
    }
    cw__rule_free(r);

    r = rule("max_length", table("n", num_node(2), NULL, NULL, NULL, NULL));
    assert_int_equal(cw__rule_apply(r, "abc", 3, &scratch, &res, &len, &v), -1);
    assert_string_equal(v.msg, "value has 3 characters; at most 2 allowed");
    cw__rule_free(r);
    cw__buf_free(&scratch);
}

/* Once the scratch buffer has grown, applying rules allocates nothing. */
static void test_rules_apply_no_alloc(void **state)
{
    static const char *const vals[] = {"a", "b"};
    static const char *const inputs[] = {
        "2024-10-01 00:20:00.000000",
        " yes ",
        "(202) 555-0123",
        "  GOTV   Text ",
        "maybe",
        "2024-02-30",
        "A",
        "abcdef",
    };
    cw_rule *rules[8];
    struct budget b = {1L << 30, 0};
    cw_buf scratch = {0};
    long before;

    (void)state;
    rules[0] =
        rule("date", table("tz", str_node("America/New_York"), "input_tz",
                           str_node("Europe/London"), NULL, NULL));
    rules[1] = rule("boolean", NULL);
    rules[2] = rule("phone", NULL);
    rules[3] = rule("effort_name", NULL);
    rules[4] = rule("enum", table("values", list(vals, 2), "ignore_case",
                                  bool_node(1), NULL, NULL));
    rules[5] = rule("lower", NULL);
    rules[6] =
        rule("max_length", table("n", num_node(3), NULL, NULL, NULL, NULL));
    rules[7] = rule("organizer_date", NULL);
    cw_set_allocator(budget_alloc, &b);
    for (int pass = 0; pass < 3; pass++) {
        before = b.calls;
        for (size_t k = 0; k < N(rules); k++) {
            for (size_t i = 0; i < N(inputs); i++) {
                const char *res;
                size_t len;
                cw_verdict v;

                cw__rule_apply(rules[k], inputs[i], strlen(inputs[i]), &scratch,
                               &res, &len, &v);
            }
        }
        if (pass > 0)
            assert_int_equal(b.calls, before);
    }
    cw_set_allocator(NULL, NULL);
    assert_true(b.calls > 0); /* the first pass grew the scratch */
    for (size_t k = 0; k < N(rules); k++)
        cw__rule_free(rules[k]);
    cw__buf_free(&scratch);
}

/* Building a rule when the n-th allocation fails: a clean CW_ENOMEM. */
static void test_rules_new_out_of_memory(void **state)
{
    static const char *const vals[] = {"x", "y", "z"};
    cw_node *args[2];
    const char *names[2] = {"date", "enum"};

    (void)state;
    args[0] = table("tz", str_node("America/New_York"), "input_tz",
                    str_node("Europe/London"), NULL, NULL);
    args[1] = table("values", list(vals, 3), NULL, NULL, NULL, NULL);
    for (int k = 0; k < 2; k++) {
        long n;

        for (n = 0;; n++) {
            struct budget b = {n, 0};
            cw_rule *r;
            cw_err err = {0};
            int rc;

            cw_set_allocator(budget_alloc, &b);
            rc = cw__rule_new(names[k], args[k], &r, &err);
            cw_set_allocator(NULL, NULL);
            if (rc == CW_OK) {
                assert_string_equal(cw__rule_name(r), names[k]);
                cw__rule_free(r);
                break;
            }
            assert_int_equal(rc, CW_ENOMEM);
            assert_int_equal(err.code, CW_ENOMEM);
            assert_null(r);
        }
        assert_true(n >= 1);
        cw__node_free(args[k]);
    }
}

/* Print how many table cases ran (the last test). */
static void test_rules_case_count(void **state)
{
    (void)state;
    assert_true(ncases > 300);
    print_message("%lu table cases\n", ncases);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_bool_accepts),
        cmocka_unit_test(test_rules_bool_rejects),
        cmocka_unit_test(test_rules_bool_message_limits),
        cmocka_unit_test(test_rules_bool_organizer),
        cmocka_unit_test(test_rules_date_accepts),
        cmocka_unit_test(test_rules_date_rejects),
        cmocka_unit_test(test_rules_date_organizer),
        cmocka_unit_test(test_rules_date_convert),
        cmocka_unit_test(test_rules_date_format),
        cmocka_unit_test(test_rules_date_convert_idempotent),
        cmocka_unit_test(test_rules_phone),
        cmocka_unit_test(test_rules_effort_key),
        cmocka_unit_test(test_rules_effort_seen),
        cmocka_unit_test(test_rules_new_errors),
        cmocka_unit_test(test_rules_registry),
        cmocka_unit_test(test_rules_apply),
        cmocka_unit_test(test_rules_apply_messages),
        cmocka_unit_test(test_rules_apply_no_alloc),
        cmocka_unit_test(test_rules_new_out_of_memory),
        cmocka_unit_test(test_rules_case_count),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
