/*
** test_stray.c -- stray quotes (a quote inside an unquoted field) through
** the dialect: cw_dialect.stray_quotes CW_STRAY_KEEP reads them as data,
** as Python's csv module does; CW_STRAY_REJECT and 0 (not set) make the
** record malformed (E_QUOTE).  Either way text after a closing quote is
** malformed and an unterminated quote is fatal.  Read by the reader the
** way runs and loads read a file: options from cw__csvopts_dialect(), in
** chunks of every size, and from a file parsed a batch ahead.
*/
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "csv/csvread.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A byte source handing out 's' at most 'step' bytes at a time. */
struct drip {
    const char *p;
    size_t left, step;
};

static const char *drip_read(void *ud, size_t *len, cw_err *err)
{
    struct drip *d = ud;
    const char *p = d->p;

    (void)err;
    *len = d->left < d->step ? d->left : d->step;
    d->p += *len;
    d->left -= *len;
    return p;
}

/* Reader options for the dialect with 'stray' (0, CW_STRAY_REJECT or
** CW_STRAY_KEEP), with resync when 'resync'. */
static cw_csvopts opts(char stray, int resync)
{
    cw_csvopts o;

    cw__csvopts_default(&o);
    o.resync = resync;
    cw__csvopts_dialect(&o, &(cw_dialect){0, 0, NULL, stray});
    return o;
}

static cw_csv *open_mem(struct drip *d, const char *s, size_t step,
                        const cw_csvopts *o)
{
    cw_csv *r = NULL;
    cw_err err;

    *d = (struct drip){s, strlen(s), step};
    assert_int_equal(cw__csv_open("in.csv", drip_read, d, o, &r, &err), CW_OK);
    return r;
}

/* The records of 'r' as "a|b|c\n" lines (fields joined by '|'), after
** the header; the status that ended reading in '*end'. */
static char *dump(cw_csv *r, int *end)
{
    size_t cap = 1 << 16, n = 0;
    char *out = malloc(cap);
    int st;

    assert_non_null(out);
    while ((st = cw__csv_next(r)) == CW_ROW) {
        for (size_t i = 0; i < cw__csv_nfields(r); i++) {
            size_t len;
            const char *f = cw__csv_field(r, i, &len);

            while (n + len + 2 >= cap)
                assert_non_null(out = realloc(out, cap *= 2));
            if (i > 0)
                out[n++] = '|';
            memcpy(out + n, f, len);
            n += len;
        }
        out[n++] = '\n';
    }
    out[n] = '\0';
    *end = st;
    return out;
}

/* What Python's csv.reader gives for it (checked by hand with Python
** 3.11): quotes inside unquoted fields are data, a quote first opens a
** quoted field. */
static const char mixed[] = "id,title,note\r\n"
                            "1,Tablet (10\" screen),x\r\n"
                            "2,a\"\"b, \"x\" \n"
                            "3,\"q \"\"z\"\", w\",5'11\"\n"
                            "4,\"\",end\"\n"
                            "5,x\"\"\",y\"\r"
                            "6,last,z\"";
static const char mixed_read[] = "1|Tablet (10\" screen)|x\n"
                                 "2|a\"\"b| \"x\" \n"
                                 "3|q \"z\", w|5'11\"\n"
                                 "4||end\"\n"
                                 "5|x\"\"\"|y\"\n"
                                 "6|last|z\"\n";

/* Kept: every chunk size gives the records Python's reader gives. */
static void test_stray_keep_chunks(void **state)
{
    cw_csvopts o = opts(CW_STRAY_KEEP, 0);

    (void)state;
    assert_int_equal(o.lenient_quotes, 2);
    for (size_t step = 1; step <= sizeof mixed; step++) {
        struct drip d;
        cw_csv *r = open_mem(&d, mixed, step, &o);
        int end;
        char *got = dump(r, &end);

        if (end != CW_DONE || strcmp(got, mixed_read) != 0)
            fail_msg("step %zu: status %d, %s (%s)", step, end, got,
                     cw__csv_errmsg(r));
        free(got);
        cw__csv_close(r);
    }
}

/* Not set, or rejected: the first stray quote is E_QUOTE at its field. */
static void test_stray_reject(void **state)
{
    static const char stray[] = {0, CW_STRAY_REJECT};

    (void)state;
    for (size_t i = 0; i < sizeof stray; i++) {
        cw_csvopts o = opts(stray[i], 0);
        struct drip d;
        cw_csv *r = open_mem(&d, mixed, 7, &o);
        int end;
        char *got = dump(r, &end);

        assert_int_equal(o.lenient_quotes, 0);
        assert_int_equal(end, CW_EPARSE);
        assert_string_equal(got, "");
        assert_string_equal(cw__csv_code(r), "E_QUOTE");
        assert_int_equal(cw__csv_errline(r), 2);
        assert_int_equal(cw__csv_errcol(r), 2);
        assert_non_null(strstr(cw__csv_errmsg(r), "stray quote in unquoted"));
        free(got);
        cw__csv_close(r);
    }
}

/* A dialect laid over options: 0 leaves them, reject resets keep. */
static void test_stray_overlay(void **state)
{
    cw_csvopts o;

    (void)state;
    cw__csvopts_default(&o);
    cw__csvopts_dialect(&o, &(cw_dialect){';', 0, NULL, CW_STRAY_KEEP});
    assert_int_equal(o.lenient_quotes, 2);
    cw__csvopts_dialect(&o, &(cw_dialect){0, 0, NULL, 0});
    assert_int_equal(o.lenient_quotes, 2);
    assert_int_equal(o.delim, ';');
    cw__csvopts_dialect(&o, &(cw_dialect){0, 0, NULL, CW_STRAY_REJECT});
    assert_int_equal(o.lenient_quotes, 0);
}

/* Kept or not, text after a closing quote is malformed: fatal without
** resync, a bad record with it (reading goes on at the next line); and a
** quoted field open at the end of the input is fatal. */
static void test_stray_keep_still_malformed(void **state)
{
    static const char after[] = "a,b\n1,\"b\"c\n2,x\"y\n";
    static const char unterm[] = "a,b\n1,x\"y\n2,\"open\n";
    cw_csvopts o = opts(CW_STRAY_KEEP, 0);
    struct drip d;
    size_t len;
    cw_csv *r;

    (void)state;
    r = open_mem(&d, after, 3, &o);
    assert_int_equal(cw__csv_next(r), CW_EPARSE);
    assert_string_equal(cw__csv_code(r), "E_QUOTE");
    assert_int_equal(cw__csv_errline(r), 2);
    assert_int_equal(cw__csv_errcol(r), 2);
    assert_non_null(strstr(cw__csv_errmsg(r), "text after the closing quote"));
    cw__csv_close(r);

    o = opts(CW_STRAY_KEEP, 1);
    r = open_mem(&d, after, 3, &o);
    assert_int_equal(cw__csv_next(r), CW_EINVALID);
    assert_string_equal(cw__csv_code(r), "E_QUOTE");
    assert_string_equal(cw__csv_field(r, 1, &len), "\"b\"c");
    assert_int_equal(cw__csv_next(r), CW_ROW);
    assert_string_equal(cw__csv_field(r, 1, &len), "x\"y");
    assert_int_equal(cw__csv_next(r), CW_DONE);
    cw__csv_close(r);

    r = open_mem(&d, unterm, 5, &o);
    assert_int_equal(cw__csv_next(r), CW_ROW);
    assert_string_equal(cw__csv_field(r, 1, &len), "x\"y");
    assert_int_equal(cw__csv_next(r), CW_EPARSE);
    assert_string_equal(cw__csv_code(r), "E_QUOTE");
    assert_non_null(strstr(cw__csv_errmsg(r), "unterminated quoted field"));
    cw__csv_close(r);
}

/* A file of many records, some with stray quotes, read as runs read it
** (a batch parsed ahead, the block classifier's fast path): the same
** records as in memory one byte at a time. */
static void test_stray_keep_file(void **state)
{
    enum { ROWS = 20000 };
    char path[] = "/tmp/cw-stray-XXXXXX";
    cw_csvopts o = opts(CW_STRAY_KEEP, 1);
    size_t cap = (size_t)ROWS * 80 + 64, n = 0;
    char *text = malloc(cap), *want = malloc(cap), *got;
    size_t wn = 0;
    struct drip d;
    cw_csv *r;
    int fd, end;

    (void)state;
    assert_non_null(text);
    assert_non_null(want);
    n += (size_t)snprintf(text, cap, "id,title,body\n");
    for (int i = 0; i < ROWS; i++) {
        const char *title = i % 40 == 3  ? "Tablet Raffle (10\" screen)"
                            : i % 7 == 0 ? "\"Quoted, title\""
                                         : "Plain title";
        const char *body =
            i % 13 == 5 ? "he said \"ok\" then left" : "nothing to see";

        n += (size_t)snprintf(text + n, cap - n, "%d,%s,%s\n", i, title, body);
        wn += (size_t)snprintf(
            want + wn, cap - wn, "%d|%s|%s\n", i,
            i % 7 == 0 && i % 40 != 3 ? "Quoted, title" : title, body);
    }
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);

    assert_int_equal(cw__csv_openfile(path, &o, &r, NULL), CW_OK);
    got = dump(r, &end);
    assert_int_equal(end, CW_DONE);
    assert_string_equal(got, want);
    free(got);
    cw__csv_close(r);

    text[n] = '\0';
    r = open_mem(&d, text, 1, &o);
    got = dump(r, &end);
    assert_int_equal(end, CW_DONE);
    assert_string_equal(got, want);
    free(got);
    cw__csv_close(r);

    o = opts(0, 1); /* rejected: exactly the stray records are bad */
    assert_int_equal(cw__csv_openfile(path, &o, &r, NULL), CW_OK);
    {
        unsigned long bad = 0, good = 0, want_bad = 0;
        int st;

        for (int i = 0; i < ROWS; i++)
            want_bad += i % 40 == 3 || i % 13 == 5;
        while ((st = cw__csv_next(r)) == CW_ROW || st == CW_EINVALID) {
            if (st == CW_EINVALID)
                assert_string_equal(cw__csv_code(r), "E_QUOTE");
            st == CW_ROW ? good++ : bad++;
        }
        assert_int_equal(st, CW_DONE);
        assert_int_equal(bad, want_bad);
        assert_int_equal(good + bad, ROWS);
    }
    cw__csv_close(r);
    unlink(path);
    free(text);
    free(want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stray_keep_chunks),
        cmocka_unit_test(test_stray_reject),
        cmocka_unit_test(test_stray_overlay),
        cmocka_unit_test(test_stray_keep_still_malformed),
        cmocka_unit_test(test_stray_keep_file),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
