/*
** test_inspect.c -- unit tests for cw_inspect_new() and the schema sets:
** every shipped sample recognised as exactly its schema, the diff of a
** near miss, no match, dialect and encoding sniffing (delimiters, quotes,
** BOM, line endings, UTF-16/32 refused, invalid UTF-8 with its line, reads
** past the first chunk), row counts through the parser, ranking ties, bad
** input, and the out-of-memory sweeps.  Fixtures: tests/data/inspect (a
** small home with its own schemas/); the real schemas and samples come
** from $CW_SOURCE_DIR.
*/
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "crosswalk.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HEAD 65536 /* bytes inspect.c reads at a time (HEAD_SIZE) */

/* The repository root (ctest sets CW_SOURCE_DIR). */
static const char *root(void)
{
    const char *r = getenv("CW_SOURCE_DIR");

    return r != NULL ? r : ".";
}

/* 'rel' under the repository root, in one of four static buffers. */
static const char *src(const char *rel)
{
    static char bufs[4][1024];
    static int next;
    char *b = bufs[next++ % 4];

    snprintf(b, sizeof bufs[0], "%s/%s", root(), rel);
    return b;
}

/* The fixture home with the demo schemas. */
static const char *demo_home(void)
{
    return src("tests/data/inspect/home");
}

/* A scratch directory, made once per process. */
static const char *scratch(void)
{
    static char dir[64];

    if (dir[0] == '\0') {
        strcpy(dir, "/tmp/cw_inspect_XXXXXX");
        assert_non_null(mkdtemp(dir));
    }
    return dir;
}

/* Write the 'len' bytes at 'p' to scratch file 'name'; its path (static,
** valid until the next call). */
static const char *put(const char *name, const char *p, size_t len)
{
    static char path[256];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", scratch(), name);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

/* Same for a NUL-terminated string. */
static const char *putstr(const char *name, const char *s)
{
    return put(name, s, strlen(s));
}

/* Inspect 'path' against the real schemas; the inspection, and '*info'. */
static cw_inspection *inspect(const char *path, cw_inspectinfo *info)
{
    cw_inspection *x = NULL;
    cw_err err = {0, ""};
    int rc = cw_inspect_new(root(), path, &x, &err);

    if (rc != CW_OK)
        fail_msg("%s: %s", path, err.msg);
    assert_non_null(x);
    cw_inspect_info(x, info);
    return x;
}

/* ==== Schemas recognised ==== */

/* Every sample tests/data/schemas/samples/<tool>__<format>.csv is exactly
** its schema, with nothing missing or unexpected, and every schema has a
** sample. */
static void test_inspect_samples_exact(void **state)
{
    const char *dir = src("tests/data/schemas/samples");
    cw_schemaset *set;
    struct dirent *e;
    size_t n = 0;
    DIR *d;

    (void)state;
    d = opendir(dir);
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        char want[256], path[1200];
        const char *sep = strstr(e->d_name, "__");
        cw_inspectinfo in;
        cw_inspectcand c;
        cw_inspection *x;

        if (len < 5 || strcmp(e->d_name + len - 4, ".csv") != 0)
            continue;
        assert_non_null(sep);
        snprintf(want, sizeof want, "%.*s/%.*s", (int)(sep - e->d_name),
                 e->d_name, (int)(len - 4 - (size_t)(sep + 2 - e->d_name)),
                 sep + 2);
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        x = inspect(path, &in);
        if (in.schema == NULL || strcmp(in.schema, want) != 0)
            fail_msg("%s: recognised as %s, not %s", e->d_name,
                     in.schema ? in.schema : "(none)", want);
        if (!in.exact || in.nmissing != 0 || in.nunexpected != 0) {
            const char *m = in.nmissing ? cw_inspect_missing(x, 0, NULL) : "-";
            const char *u = in.nunexpected ? cw_inspect_unexpected(x, 0) : "-";

            fail_msg("%s: not exact: missing %s, unexpected %s", e->d_name, m,
                     u);
        }
        assert_string_equal(in.closest, want);
        assert_int_equal(cw_inspect_candidate(x, 0, &c), CW_OK);
        assert_true(c.matches);
        assert_true(c.score == 1.0);
        assert_int_equal(c.recognised, in.ncolumns);
        assert_true(in.rows > 0);
        assert_int_equal(in.delimiter, ',');
        assert_string_equal(in.encoding, "UTF-8");
        cw_inspect_free(x);
        n++;
    }
    closedir(d);
    assert_int_equal(cw_schemaset_new(root(), NULL, &set, NULL), CW_OK);
    assert_int_equal(n, cw_schemaset_count(set));
    assert_true(n >= 24);
    cw_schemaset_free(set);
}

/* The community export and the profile import know the same ten columns
** of a community export; the tie goes to the one with nothing missing. */
static void test_inspect_tie_fewest_missing(void **state)
{
    cw_inspectinfo in;
    cw_inspectcand c0, c1;
    cw_inspection *x;

    (void)state;
    x = inspect(src("tests/data/schemas/samples/"
                    "organizer__community_export.csv"),
                &in);
    assert_int_equal(cw_inspect_candidate(x, 0, &c0), CW_OK);
    assert_int_equal(cw_inspect_candidate(x, 1, &c1), CW_OK);
    assert_string_equal(c0.schema, "organizer/community_export");
    assert_string_equal(c1.schema, "organizer/profiles");
    assert_true(c1.matches);
    assert_int_equal(c0.recognised, c1.recognised);
    assert_int_equal(c0.missing, 0);
    assert_int_equal(c1.missing, 3);
    assert_int_equal(in.ncandidates, 3);
    assert_int_equal(cw_inspect_candidate(x, 3, &c0), CW_EUSAGE);
    cw_inspect_free(x);
}

/* Two schemas with the same columns: the tie goes by name. */
static void test_inspect_tie_name(void **state)
{
    cw_inspectcand c0, c1;
    cw_inspectinfo in;
    cw_inspection *x;

    (void)state;
    assert_int_equal(cw_inspect_new(demo_home(),
                                    src("tests/data/inspect/people.csv"), &x,
                                    NULL),
                     CW_OK);
    cw_inspect_info(x, &in);
    assert_string_equal(in.schema, "demo/people");
    assert_string_equal(in.title, "Demo people");
    assert_true(in.exact);
    assert_int_equal(in.ncandidates, 3); /* demo/broken was skipped */
    assert_int_equal(cw_inspect_candidate(x, 0, &c0), CW_OK);
    assert_int_equal(cw_inspect_candidate(x, 1, &c1), CW_OK);
    assert_string_equal(c1.schema, "demo/people_copy");
    assert_int_equal(c0.recognised, c1.recognised);
    assert_int_equal(c0.missing, c1.missing);
    assert_int_equal(cw_inspect_candidate(x, 2, &c1), CW_OK);
    assert_string_equal(c1.schema, "demo/calls");
    assert_false(c1.matches); /* 'when' is required */
    assert_int_equal(c1.missing_required, 1);
    cw_inspect_free(x);
}

/* Two columns missing and one extra: the right schema, exactly that
** diff, in schema order and file order. */
static void test_inspect_diff(void **state)
{
    cw_inspectinfo in;
    cw_inspection *x;
    int req = -1;

    (void)state;
    x = inspect(src("tests/data/inspect/diff.csv"), &in);
    assert_string_equal(in.schema, "organizer/text_interactions");
    assert_false(in.exact);
    assert_int_equal(in.ncolumns, 9);
    assert_int_equal(in.nmissing, 2);
    assert_string_equal(cw_inspect_missing(x, 0, &req), "Clicked");
    assert_int_equal(req, 0);
    assert_string_equal(cw_inspect_missing(x, 1, &req), "Bounced");
    assert_int_equal(req, 0);
    assert_null(cw_inspect_missing(x, 2, &req));
    assert_int_equal(in.nunexpected, 1);
    assert_string_equal(cw_inspect_unexpected(x, 0), "Campaign");
    assert_null(cw_inspect_unexpected(x, 1));
    assert_int_equal(in.rows, 1);
    cw_inspect_free(x);
}

/* A required column missing: no match, but the closest schema is named
** with the required column flagged. */
static void test_inspect_missing_required(void **state)
{
    cw_inspectinfo in;
    cw_inspectcand c;
    cw_inspection *x;
    int req = 0, found = 0;

    (void)state;
    x = inspect(putstr("noeffort.csv", "Profile ID,Date/Time,Replied,Clicked,"
                                       "Opted Out,Bounced,Message,Sender\n"
                                       "1,2024-10-28 17:05,true,false,false,"
                                       "false,Hi,Sam\n"),
                &in);
    assert_null(in.schema);
    assert_false(in.exact);
    assert_string_equal(in.closest, "organizer/text_interactions");
    assert_int_equal(cw_inspect_candidate(x, 0, &c), CW_OK);
    assert_false(c.matches);
    assert_int_equal(c.missing_required, 1);
    for (size_t i = 0; i < in.nmissing; i++)
        if (strcmp(cw_inspect_missing(x, i, &req), "Effort Name") == 0)
            found = req;
    assert_true(found);
    cw_inspect_free(x);
}

/* A header that matches nothing: schema NULL, the closest still named. */
static void test_inspect_no_match(void **state)
{
    cw_inspectinfo in;
    cw_inspectcand c;
    cw_inspection *x;

    (void)state;
    x = inspect(src("tests/data/inspect/nomatch.csv"), &in);
    assert_null(in.schema);
    assert_false(in.exact);
    assert_non_null(in.closest);
    assert_int_equal(in.ncandidates, 3);
    for (size_t i = 0; i < in.ncandidates; i++) {
        assert_int_equal(cw_inspect_candidate(x, i, &c), CW_OK);
        assert_false(c.matches);
        assert_int_equal(c.recognised, 0);
    }
    assert_int_equal(in.nunexpected, 3);
    assert_string_equal(cw_inspect_unexpected(x, 2), "gamma");
    assert_int_equal(in.rows, 1);
    cw_inspect_free(x);
}

/* Aliases and case: "profile_id" and "EFFORT NAME" name the columns. */
static void test_inspect_aliases_and_case(void **state)
{
    cw_inspectinfo in;
    cw_inspection *x;

    (void)state;
    x = inspect(putstr("alias.csv", "EFFORT NAME,profile_id,date\n"
                                    "GOTV,1,2024-10-28\n"),
                &in);
    assert_string_equal(in.schema, "organizer/text_interactions");
    assert_int_equal(in.nunexpected, 0);
    cw_inspect_free(x);
}

/* ==== Dialect ==== */

/* Semicolon, tab and pipe files are sniffed, and the header split by the
** sniffed delimiter matches the schema. */
static void test_inspect_delimiters(void **state)
{
    static const struct {
        const char *text;
        char delim;
    } cases[] = {
        {"Profile ID;Effort Name;Date/Time;Message\n"
         "1;GOTV;2024-10-28 17:05;\"Hi, you; there\"\n"
         "2;GOTV;2024-10-28 17:06;Hi, again\n",
         ';'},
        {"Profile ID\tEffort Name\tDate/Time\n1\tGOTV\t2024-10-28\n", '\t'},
        {"Profile ID|Effort Name|Date/Time\n1|GOTV|2024-10-28\n", '|'},
        {"Profile ID,Effort Name,Date/Time\n1,\"a;b;c\",2024-10-28\n", ','},
    };
    cw_inspectinfo in;
    cw_inspection *x;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        x = inspect(putstr("delim.csv", cases[i].text), &in);
        assert_int_equal(in.delimiter, cases[i].delim);
        assert_int_equal(in.quote, '"');
        assert_string_equal(in.schema, "organizer/text_interactions");
        assert_int_equal(in.bad_rows, 0);
        cw_inspect_free(x);
    }
}

/* A file whose fields are quoted with single quotes. */
static void test_inspect_single_quote(void **state)
{
    cw_inspectinfo in;
    cw_inspection *x;

    (void)state;
    x = inspect(putstr("sq.csv", "id,note\n'1','it''s, here'\n2,plain\n"), &in);
    assert_int_equal(in.quote, '\'');
    assert_int_equal(in.delimiter, ',');
    assert_int_equal(in.rows, 2);
    assert_int_equal(in.bad_rows, 0);
    cw_inspect_free(x);
    x = inspect(putstr("dq.csv", "id,note\n1,it's here\n2,'til\n"), &in);
    assert_int_equal(in.quote, '"');
    cw_inspect_free(x);
}

/* ==== Encoding and line endings ==== */

/* A UTF-8 BOM is reported and kept out of the first column name. */
static void test_inspect_bom(void **state)
{
    cw_inspectinfo in;
    cw_inspection *x;

    (void)state;
    x = inspect(putstr("bom.csv", "\xEF\xBB\xBFProfile ID,Effort Name,"
                                  "Date/Time\n1,GOTV,2024-10-28\n"),
                &in);
    assert_true(in.bom);
    assert_string_equal(in.encoding, "UTF-8 with BOM");
    assert_string_equal(cw_inspect_column(x, 0), "Profile ID");
    assert_string_equal(in.schema, "organizer/text_interactions");
    assert_null(cw_inspect_column(x, 3));
    cw_inspect_free(x);
    x = inspect(putstr("nobom.csv", "a,b\n1,2\n"), &in);
    assert_false(in.bom);
    assert_string_equal(in.encoding, "UTF-8");
    assert_int_equal(in.bad_utf8_line, 0);
    cw_inspect_free(x);
}

/* LF, CRLF, CR, mixed and none; line ends inside quotes do not count. */
static void test_inspect_line_endings(void **state)
{
    static const struct {
        const char *text;
        const char *want;
        unsigned long long rows;
    } cases[] = {
        {"a,b\n1,2\n", "LF", 1},
        {"a,b\r\n1,2\r\n3,4\r\n", "CRLF", 2},
        {"a,b\r\n1,\"x\ny\"\r\n3,\"p\rq\"\r\n", "CRLF", 2},
        {"a,b\r1,2\r", "CR", 1},
        {"a,b\r\n1,2\n3,4\r\n", "mixed", 2},
        {"a,b\r1,2\n", "mixed", 1},
        {"a,b", "none", 0},
        {"a,b\n1,2", "LF", 1},
    };
    cw_inspectinfo in;
    cw_inspection *x;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        x = inspect(putstr("eol.csv", cases[i].text), &in);
        if (strcmp(in.line_endings, cases[i].want) != 0)
            fail_msg("case %zu: %s, not %s", i, in.line_endings, cases[i].want);
        assert_int_equal(in.rows, cases[i].rows);
        cw_inspect_free(x);
    }
}

/* Rows come from the parser: quoted newlines do not start records, blank
** lines are no records, a ragged record counts and is reported. */
static void test_inspect_rows_embedded_newlines(void **state)
{
    cw_inspectinfo in;
    cw_inspection *x;

    (void)state;
    x = inspect(putstr("nl.csv", "id,note\n"
                                 "1,\"line one\nline two\nline three\"\n"
                                 "\n"
                                 "2,\"a\r\nb\"\n"
                                 "3,\"\"\"quoted\"\"\nnext\"\n"),
                &in);
    assert_int_equal(in.rows, 3);
    assert_int_equal(in.bad_rows, 0);
    assert_null(in.first_problem);
    assert_string_equal(in.line_endings, "LF");
    cw_inspect_free(x);
    x = inspect(putstr("ragged.csv", "id,note\n1,a\n2\n3,c\n"), &in);
    assert_int_equal(in.rows, 3);
    assert_int_equal(in.bad_rows, 1);
    assert_non_null(strstr(in.first_problem, ":3:"));
    cw_inspect_free(x);
}

/* UTF-16 and UTF-32, with or without a byte order mark, are refused with
** a message that names the encoding and the option that reads it. */
static void test_inspect_utf16_refused(void **state)
{
    static const struct {
        const char *bytes;
        size_t len;
        const char *enc;
    } cases[] = {
        {"\xFF\xFE"
         "a\0,\0b\0\n\0",
         10, "UTF-16LE"},
        {"\xFE\xFF\0a\0,\0b\0\n", 10, "UTF-16BE"},
        {"a\0,\0b\0\n\0001\0,\0002\0\n\0", 16, "UTF-16LE"},
        {"\0a\0,\0b\0\n\0001\0,\0002\0\n", 16, "UTF-16BE"},
        {"\xFF\xFE\0\0a\0\0\0", 8, "UTF-32LE"},
        {"a\0\0\0,\0\0\0b\0\0\0\n\0\0\0", 16, "UTF-32LE"},
    };
    cw_inspection *x;
    cw_err err;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(
            cw_inspect_new(root(),
                           put("wide.csv", cases[i].bytes, cases[i].len), &x,
                           &err),
            CW_EPARSE);
        assert_null(x);
        if (strstr(err.msg, cases[i].enc) == NULL ||
            strstr(err.msg, "not UTF-8: read it with --encoding UTF-") == NULL)
            fail_msg("case %zu: %s", i, err.msg);
    }
}

/* Invalid UTF-8 is reported with the line of its first occurrence: a
** bad byte, an overlong form, a surrogate, a cut sequence at the end. */
static void test_inspect_invalid_utf8_line(void **state)
{
    static const struct {
        const char *text;
        unsigned long line;
        unsigned long long rows;
    } cases[] = {
        {"a,b\n1,\"x\ny\"\n2,\xFF\n", 4, 2},
        {"a,b\n1,\xC0\xAF\n", 2, 1},
        {"a,b\n1,2\r\n3,\xED\xA0\x80\n", 3, 2},
        {"a,b\n1,\xE2\x82", 2, 1},
        {"a,b\n1,\xE2\x82\n", 2, 1},
        {"a,b\n1,\xF4\x90\x80\x80\n", 2, 1},
        {"a,b\n1,caf\xC3\xA9 \xF0\x9F\x98\x80\n", 0, 1},
    };
    cw_inspectinfo in;
    cw_inspection *x;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        x = inspect(putstr("u8.csv", cases[i].text), &in);
        if (in.bad_utf8_line != cases[i].line)
            fail_msg("case %zu: line %lu, not %lu", i, in.bad_utf8_line,
                     cases[i].line);
        assert_string_equal(in.encoding,
                            cases[i].line ? "invalid UTF-8" : "UTF-8");
        assert_int_equal(in.rows, cases[i].rows);
        assert_int_equal(in.bad_rows, cases[i].line ? 1 : 0);
        cw_inspect_free(x);
    }
}

/*
** A file several chunks long, with a two-byte character cut by the first
** chunk boundary (no false alarm), a CRLF cut the same way in a second
** file, and a bad byte on its last line (the line counted across chunks).
*/
static void test_inspect_past_first_chunk(void **state)
{
    size_t rows = 30000, len = 0, cap = 8 + rows * 5 + 1;
    char *buf = malloc(cap);
    cw_inspectinfo in;
    cw_inspection *x;

    (void)state;
    assert_non_null(buf);
    /* header of 8 bytes, rows "x,\xC3\xA9\n": a \xC3 lands on HEAD - 1 */
    len = (size_t)sprintf(buf, "aaaa,bb\n");
    for (size_t i = 0; i < rows; i++, len += 5)
        memcpy(buf + len, i + 1 < rows ? "x,\xC3\xA9\n" : "x,\xFF\xFF\n", 5);
    assert_int_equal((unsigned char)buf[HEAD - 1], 0xC3);
    x = inspect(put("big.csv", buf, len), &in);
    assert_int_equal(in.rows, rows);
    assert_int_equal(in.bad_utf8_line, rows + 1);
    assert_string_equal(in.line_endings, "LF");
    cw_inspect_free(x);
    /* header of 7 bytes, rows "x,y\r\n": a CR lands on HEAD - 1 */
    len = (size_t)sprintf(buf, "aa,bb\r\n");
    for (size_t i = 0; i < rows; i++, len += 5)
        memcpy(buf + len, "x,y\r\n", 5);
    assert_int_equal(buf[HEAD - 1], '\r');
    x = inspect(put("bigcrlf.csv", buf, len), &in);
    assert_int_equal(in.rows, rows);
    assert_string_equal(in.line_endings, "CRLF");
    assert_int_equal(in.bad_utf8_line, 0);
    cw_inspect_free(x);
    free(buf);
}

/* ==== Failures ==== */

/* Unreadable, empty, malformed files and a home without schemas. */
static void test_inspect_failures(void **state)
{
    cw_inspection *x;
    cw_err err;

    (void)state;
    assert_int_equal(cw_inspect_new(root(), "/nonexistent/x.csv", &x, &err),
                     CW_EIO);
    assert_null(x);
    assert_non_null(strstr(err.msg, "/nonexistent/x.csv"));
    assert_int_equal(cw_inspect_new(root(), scratch(), &x, &err), CW_EIO);
    assert_null(x);
    assert_int_equal(cw_inspect_new(root(), putstr("empty.csv", ""), &x, &err),
                     CW_EPARSE);
    assert_null(x);
    assert_non_null(strstr(err.msg, "no header"));
    assert_int_equal(cw_inspect_new(root(),
                                    putstr("q.csv", "a,b\n1,\"open\n2,3\n"), &x,
                                    &err),
                     CW_EPARSE);
    assert_null(x);
    assert_non_null(strstr(err.msg, "quote"));
    assert_int_equal(
        cw_inspect_new(root(), putstr("dup.csv", "a,A\n1,2\n"), &x, &err),
        CW_EPARSE);
    assert_null(x);
    assert_int_equal(
        cw_inspect_new(scratch(), putstr("ok.csv", "a\n1\n"), &x, &err),
        CW_EUSAGE);
    assert_null(x);
    assert_non_null(strstr(err.msg, "schemas"));
    cw_inspect_free(NULL);
}

/* ==== Schema sets ==== */

/* The listing is sorted and complete; one schema is described fully. */
static void test_inspect_schemaset(void **state)
{
    cw_schemaset *set;
    cw_schemainfo in, prev;
    cw_columninfo c;
    cw_err err;

    (void)state;
    assert_int_equal(cw_schemaset_new(root(), NULL, &set, &err), CW_OK);
    assert_true(cw_schemaset_count(set) >= 24);
    for (size_t i = 0; i < cw_schemaset_count(set); i++) {
        assert_int_equal(cw_schemaset_info(set, i, &in), CW_OK);
        assert_null(in.error);
        assert_true(in.ncolumns > 0);
        if (i > 0)
            assert_true(strcmp(prev.name, in.name) < 0);
        prev = in;
    }
    assert_int_equal(cw_schemaset_info(set, cw_schemaset_count(set), &in),
                     CW_EUSAGE);
    cw_schemaset_free(set);

    assert_int_equal(
        cw_schemaset_new(root(), "organizer/text_interactions", &set, &err),
        CW_OK);
    assert_int_equal(cw_schemaset_count(set), 1);
    assert_int_equal(cw_schemaset_info(set, 0, &in), CW_OK);
    assert_string_equal(in.name, "organizer/text_interactions");
    assert_true(in.organizer);
    assert_int_equal(in.max_bytes, 500000000);
    assert_string_equal(in.distinct_column, "Effort Name");
    assert_int_equal(in.distinct_max, 5);
    assert_int_equal(in.nkey, 2);
    assert_string_equal(in.key[1], "Effort Name");
    assert_int_equal(cw_schemaset_column(set, 0, 0, &c), CW_OK);
    assert_string_equal(c.name, "Profile ID");
    assert_string_equal(c.type, "id");
    assert_true(c.required);
    assert_true(c.naliases >= 1);
    assert_string_equal(c.aliases[0], "profile_id");
    assert_non_null(c.doc);
    assert_non_null(strstr(c.doc, "profile"));
    assert_int_equal(cw_schemaset_column(set, 0, in.ncolumns, &c), CW_EUSAGE);
    cw_schemaset_free(set);

    assert_int_equal(cw_schemaset_new(root(), "nope/nothing", &set, &err),
                     CW_EUSAGE);
    assert_null(set);
    assert_non_null(strstr(err.msg, "unknown schema 'nope/nothing'"));
    cw_schemaset_free(NULL);
}

/* A broken schema is listed with its error and skipped by inspect. */
static void test_inspect_schemaset_broken(void **state)
{
    cw_schemaset *set;
    cw_schemainfo in;
    cw_columninfo c;
    int seen = 0;

    (void)state;
    assert_int_equal(cw_schemaset_new(demo_home(), NULL, &set, NULL), CW_OK);
    assert_int_equal(cw_schemaset_count(set), 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(cw_schemaset_info(set, i, &in), CW_OK);
        if (strcmp(in.name, "demo/broken") != 0)
            continue;
        seen = 1;
        assert_non_null(in.error);
        assert_non_null(strstr(in.error, "columns"));
        assert_int_equal(cw_schemaset_column(set, i, 0, &c), CW_EUSAGE);
    }
    assert_true(seen);
    cw_schemaset_free(set);
    assert_int_equal(cw_schemaset_new(demo_home(), "demo/broken", &set, NULL),
                     CW_EUSAGE);
    assert_null(set);
}

/* ==== Out of memory ==== */

/* Every allocation of cw_inspect_new() fails in turn: CW_ENOMEM and nothing
** out, until the budget is enough and the answer is the right one. */
static void test_inspect_oom(void **state)
{
    char path[1024];
    long n;

    (void)state;
    snprintf(path, sizeof path, "%s", src("tests/data/inspect/people.csv"));
    for (n = 0;; n++) {
        struct budget b = {n, 0};
        cw_inspection *x = NULL;
        cw_inspectinfo in;
        cw_err err;
        int rc;

        cw_set_allocator(budget_alloc, &b);
        rc = cw_inspect_new(demo_home(), path, &x, &err);
        cw_set_allocator(NULL, NULL);
        if (rc == CW_ENOMEM) {
            assert_null(x);
            continue;
        }
        if (rc != CW_OK)
            fail_msg("budget %ld: rc %d: %s", n, rc, err.msg);
        cw_inspect_info(x, &in);
        assert_string_equal(in.schema, "demo/people");
        assert_true(in.exact);
        assert_int_equal(in.ncandidates, 3);
        assert_int_equal(in.rows, 1);
        cw_inspect_free(x);
        break;
    }
    assert_true(n > 10);
}

/* The same for cw_schemaset_new() on every demo schema. */
static void test_inspect_schemaset_oom(void **state)
{
    long n;

    (void)state;
    for (n = 0;; n++) {
        struct budget b = {n, 0};
        cw_schemaset *set = NULL;
        cw_schemainfo in;
        cw_columninfo c;
        cw_err err;
        int rc;

        cw_set_allocator(budget_alloc, &b);
        rc = cw_schemaset_new(demo_home(), NULL, &set, &err);
        cw_set_allocator(NULL, NULL);
        if (rc == CW_ENOMEM) {
            assert_null(set);
            continue;
        }
        if (rc != CW_OK)
            fail_msg("budget %ld: rc %d: %s", n, rc, err.msg);
        assert_int_equal(cw_schemaset_count(set), 4);
        assert_int_equal(cw_schemaset_info(set, 2, &in), CW_OK);
        assert_string_equal(in.name, "demo/people");
        assert_null(in.error);
        assert_int_equal(cw_schemaset_column(set, 2, 0, &c), CW_OK);
        assert_string_equal(c.doc, "the person");
        cw_schemaset_free(set);
        break;
    }
    assert_true(n > 10);
}

/* ==== Dialects and encodings given ==== */

/* Inspect 'path' in the dialect 'd' against the demo schemas. */
static cw_inspection *inspect_d(const char *path, cw_dialect d,
                                cw_inspectinfo *info)
{
    cw_inspection *x = NULL;
    cw_err err = {0, ""};
    int rc = cw_inspect_new_dialect(demo_home(), path, &d, &x, &err);

    if (rc != CW_OK)
        fail_msg("%s: %s", path, err.msg);
    cw_inspect_info(x, info);
    return x;
}

/*
** A delimiter or quote given replaces the sniffed one, and a header that
** is then one column holding another delimiter gets a hint; an encoding
** given is read through (its name in the findings); bytes not UTF-8 read
** as UTF-8 get a hint naming --encoding.
*/
static void test_inspect_dialect_given(void **state)
{
    static const char u16le[] = "\xFF\xFE"
                                "e\0m\0a\0i\0l\0,\0i\0d\0,\0f\0u\0l\0l\0_\0"
                                "n\0a\0m\0e\0\r\0\n\0"
                                "a\0@\0x\0,\0001\0,\0Z\0o\0\xEB\0\r\0\n\0";
    cw_inspectinfo in;
    cw_inspection *x;
    cw_err err;
    const char *path;

    (void)state;
    path = putstr("semi.csv", "email;id;full_name\na@x;1;Ana\n");
    x = inspect_d(path, (cw_dialect){0, 0, NULL, 0}, &in);
    assert_int_equal(in.delimiter, ';');
    assert_string_equal(in.schema, "demo/people");
    assert_null(cw_inspect_hint(x));
    cw_inspect_free(x);
    x = inspect_d(path, (cw_dialect){',', '\'', NULL, 0}, &in);
    assert_int_equal(in.delimiter, ',');
    assert_int_equal(in.quote, '\'');
    assert_int_equal(in.ncolumns, 1);
    assert_null(in.schema);
    assert_string_equal(cw_inspect_hint(x),
                        "the header is one column holding ';': is the file "
                        "semicolon-separated? (--delimiter ';')");
    cw_inspect_free(x);

    path = put("u16.csv", u16le, sizeof u16le - 1);
    x = inspect_d(path, (cw_dialect){0, 0, "UTF-16", 0}, &in);
    assert_string_equal(in.encoding, "UTF-16LE with BOM");
    assert_int_equal(in.bom, 1);
    assert_int_equal(in.bad_utf8_line, 0);
    assert_string_equal(in.line_endings, "CRLF");
    assert_int_equal(in.delimiter, ',');
    assert_int_equal(in.rows, 1);
    assert_string_equal(in.schema, "demo/people");
    assert_true(in.exact);
    assert_null(cw_inspect_hint(x));
    cw_inspect_free(x);

    path = putstr("latin.csv", "email,id,full_name\na@x,1,Zo\xEB\n");
    x = inspect_d(path, (cw_dialect){0, 0, "latin1", 0}, &in);
    assert_string_equal(in.encoding, "latin1");
    assert_int_equal(in.bom, 0);
    assert_int_equal(in.bad_rows, 0);
    assert_null(cw_inspect_hint(x));
    cw_inspect_free(x);
    x = inspect_d(path, (cw_dialect){0, 0, NULL, 0}, &in);
    assert_string_equal(in.encoding, "invalid UTF-8");
    assert_int_equal(in.bad_utf8_line, 2);
    assert_string_equal(cw_inspect_hint(x),
                        "some bytes are not UTF-8 (the first on line 2): if "
                        "the file is Latin-1 or Windows-1252, read it with "
                        "--encoding windows-1252");
    cw_inspect_free(x);

    path = putstr("cp.csv", "email,id,full_name\na@x,1,\x80\nb@x,2,\x81\n");
    x = inspect_d(path, (cw_dialect){0, 0, "windows-1252", 0}, &in);
    assert_string_equal(in.encoding, "invalid windows-1252");
    assert_int_equal(in.bad_utf8_line, 3);
    assert_int_equal(in.rows, 2);
    assert_int_equal(in.bad_rows, 1);
    assert_non_null(strstr(in.first_problem, ":3:3: bytes not valid in "
                                             "windows-1252 in field 3"));
    assert_null(cw_inspect_hint(x));
    cw_inspect_free(x);

    /* Refused: an Excel workbook (in any encoding), a bad dialect. */
    path = put("book.xlsx", "PK\x03\x04\x14\0\x06\0", 8);
    for (int enc = 0; enc <= 1; enc++) {
        cw_dialect d = {0, 0, enc ? "UTF-16" : NULL, 0};

        x = (cw_inspection *)&err;
        assert_int_equal(
            cw_inspect_new_dialect(demo_home(), path, &d, &x, &err), CW_EPARSE);
        assert_null(x);
        assert_non_null(strstr(err.msg, "book.xlsx: this is an Excel "
                                        "workbook (.xlsx), not CSV: save it "
                                        "as CSV UTF-8"));
    }
    assert_int_equal(cw_inspect_new_dialect(demo_home(), path,
                                            &(cw_dialect){0, 0, "nope", 0}, &x,
                                            &err),
                     CW_EUSAGE);
    assert_null(x);
    assert_non_null(strstr(err.msg, "unknown encoding 'nope'"));
    assert_int_equal(cw_inspect_new_dialect(demo_home(), path,
                                            &(cw_dialect){'"', 0, NULL, 0}, &x,
                                            &err),
                     CW_EUSAGE);
}

/* Out of memory at every allocation of an inspection through a decoder. */
static void test_inspect_dialect_oom(void **state)
{
    const char *path = putstr("latin_oom.csv", "email,id,full_name\n"
                                               "a@x,1,Zo\xEB\n");
    long n;

    (void)state;
    for (n = 0;; n++) {
        struct budget b = {n, 0};
        cw_dialect d = {0, 0, "latin1", 0};
        cw_inspection *x = NULL;
        cw_inspectinfo in;
        cw_err err;
        int rc;

        cw_set_allocator(budget_alloc, &b);
        rc = cw_inspect_new_dialect(demo_home(), path, &d, &x, &err);
        cw_set_allocator(NULL, NULL);
        if (rc == CW_ENOMEM) {
            assert_null(x);
            continue;
        }
        if (rc != CW_OK)
            fail_msg("budget %ld: rc %d: %s", n, rc, err.msg);
        cw_inspect_info(x, &in);
        assert_string_equal(in.schema, "demo/people");
        assert_string_equal(in.encoding, "latin1");
        cw_inspect_free(x);
        break;
    }
    assert_true(n > 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inspect_samples_exact),
        cmocka_unit_test(test_inspect_tie_fewest_missing),
        cmocka_unit_test(test_inspect_tie_name),
        cmocka_unit_test(test_inspect_diff),
        cmocka_unit_test(test_inspect_missing_required),
        cmocka_unit_test(test_inspect_no_match),
        cmocka_unit_test(test_inspect_aliases_and_case),
        cmocka_unit_test(test_inspect_delimiters),
        cmocka_unit_test(test_inspect_single_quote),
        cmocka_unit_test(test_inspect_bom),
        cmocka_unit_test(test_inspect_line_endings),
        cmocka_unit_test(test_inspect_rows_embedded_newlines),
        cmocka_unit_test(test_inspect_utf16_refused),
        cmocka_unit_test(test_inspect_invalid_utf8_line),
        cmocka_unit_test(test_inspect_past_first_chunk),
        cmocka_unit_test(test_inspect_failures),
        cmocka_unit_test(test_inspect_schemaset),
        cmocka_unit_test(test_inspect_schemaset_broken),
        cmocka_unit_test(test_inspect_oom),
        cmocka_unit_test(test_inspect_schemaset_oom),
        cmocka_unit_test(test_inspect_dialect_given),
        cmocka_unit_test(test_inspect_dialect_oom),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
