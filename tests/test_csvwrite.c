/*
** test_csvwrite.c -- unit tests for the CSV and NDJSON writers (quoting,
** escaping, atomic commit, splitting, failures) and for cw_convert().
*/
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "csv/blockq.h"
#include "csv/csvread.h"
#include "csv/csvwrite.h"

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* ==== Helpers ==== */

/* Create a fresh scratch directory and return its path (static). */
static const char *mkscratch(void)
{
    static char dir[64];

    strcpy(dir, "/tmp/cw_csvwrite_XXXXXX");
    assert_non_null(mkdtemp(dir));
    return dir;
}

/* Number of entries in 'dir' (without . and ..), and the first name. */
static int count_entries(const char *dir, char *first, size_t firstlen)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n == 0 && first != NULL)
            snprintf(first, firstlen, "%s", e->d_name);
        n++;
    }
    closedir(d);
    return n;
}

/* Remove every plain file in 'dir', then 'dir' itself. */
static void rmscratch(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[512];

    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (unlink(path) != 0)
            rmdir(path);
    }
    closedir(d);
    assert_int_equal(rmdir(dir), 0);
}

/* "dir/name" in a static buffer ('slot' picks one of four). */
static const char *pathof(const char *dir, const char *name, int slot)
{
    static char buf[4][512];

    snprintf(buf[slot], sizeof buf[slot], "%s/%s", dir, name);
    return buf[slot];
}

/* The whole file at 'path', NUL-terminated (free it), or NULL. */
static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *p;
    long n;

    if (fp == NULL)
        return NULL;
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    p = malloc((size_t)n + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)n, fp), (size_t)n);
    p[n] = '\0';
    fclose(fp);
    if (len != NULL)
        *len = (size_t)n;
    return p;
}

/* Assert that the file at 'path' holds exactly 'want'. */
static void assert_file(const char *path, const char *want)
{
    size_t len;
    char *got = slurp(path, &len);

    assert_non_null(got);
    assert_string_equal(got, want);
    assert_int_equal(len, strlen(want));
    free(got);
}

/* Write 'text' to the file at 'path'. */
static void spit(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");

    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
    assert_int_equal(fclose(fp), 0);
}

/* Write one row of 'n' C strings (NULL for a null field). */
static int put(cw_writer *w, size_t n, const char *const *v)
{
    cw_field f[16];

    assert_true(n <= 16);
    for (size_t i = 0; i < n; i++)
        f[i] = (cw_field){v[i], v[i] != NULL ? strlen(v[i]) : 0};
    return cw__writer_write(w, f);
}

/* Write a row of two fields. */
static int put2(cw_writer *w, const char *a, const char *b)
{
    const char *v[2] = {a, b};

    return put(w, 2, v);
}

static const char *const cols2[] = {"id", "value"};

/* ==== CSV ==== */

/* Quote only what needs it (the delimiter, a quote, CR, LF: minimal
** quoting, as Python's csv.QUOTE_MINIMAL); empty and null are both
** nothing; spaces and tabs anywhere are data. */
static void test_csvwrite_quoting(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain", "plain"},
        {"a,b", "\"a,b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"\"", "\"\"\"\""},
        {"two\nlines", "\"two\nlines\""},
        {"cr\rhere", "\"cr\rhere\""},
        {"crlf\r\n", "\"crlf\r\n\""},
        {" lead", " lead"},
        {"trail ", "trail "},
        {"  both  ", "  both  "},
        {"\tlead", "\tlead"},
        {"trail\t", "trail\t"},
        {"mid space", "mid space"},
        {"mid\ttab", "mid\ttab"},
        {" ", " "},
        {" \"q\" ", "\" \"\"q\"\" \""},
        {" a,b ", "\" a,b \""},
        {"5\" screen", "\"5\"\" screen\""},
        {"=1+1", "=1+1"},
        {"semi;colon", "semi;colon"},
        {"caf\xC3\xA9 \xF0\x9F\x8E\x89", "caf\xC3\xA9 \xF0\x9F\x8E\x89"},
        /* U+FEFF first in a data field: not at the start of the file,
        ** so no reader takes it for a byte order mark (the header's
        ** first field is another matter: see the next test). */
        {"\xEF\xBB\xBFkey", "\xEF\xBB\xBFkey"},
        {"mid\xEF\xBB\xBF", "mid\xEF\xBB\xBF"},
        {"", ""},
        {NULL, ""},
    };
    const char *dir = mkscratch(), *path = pathof(dir, "q.csv", 0);
    char want[1024] = "id,value\n", id[16];
    cw_writer *w;
    cw_err err;

    (void)state;
    assert_int_equal(cw__writer_open(path, cols2, 2, NULL, &w, &err), CW_OK);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(id, sizeof id, "%zu", i);
        assert_int_equal(put2(w, id, cases[i].in), CW_OK);
        snprintf(want + strlen(want), sizeof want - strlen(want), "%s,%s\n", id,
                 cases[i].out);
    }
    assert_int_equal(cw__writer_commit(w), CW_OK);
    assert_file(path, want);
    cw__writer_close(w);
    rmscratch(dir);
}

/* The header is quoted by the same rule; a lone empty field is "" (a
** blank line would read back as no row), a lone space is not quoted. */
static void test_csvwrite_header_and_lone_field(void **state)
{
    static const char *const hdr[] = {"name, full", "say \"x\"", " pad"};
    static const char *const one[] = {"only"};
    const char *dir = mkscratch();
    const char *p1 = pathof(dir, "h.csv", 0), *p2 = pathof(dir, "o.csv", 1);
    const char *row[3] = {"a", NULL, "c"};
    cw_writer *w;

    (void)state;
    assert_int_equal(cw__writer_open(p1, hdr, 3, NULL, &w, NULL), CW_OK);
    assert_int_equal(put(w, 3, row), CW_OK);
    assert_int_equal(cw__writer_commit(w), CW_OK);
    cw__writer_close(w);
    assert_file(p1, "\"name, full\",\"say \"\"x\"\"\", pad\na,,c\n");

    assert_int_equal(cw__writer_open(p2, one, 1, NULL, &w, NULL), CW_OK);
    row[0] = "";
    assert_int_equal(put(w, 1, row), CW_OK);
    row[0] = NULL;
    assert_int_equal(put(w, 1, row), CW_OK);
    row[0] = "x";
    assert_int_equal(put(w, 1, row), CW_OK);
    row[0] = " ";
    assert_int_equal(put(w, 1, row), CW_OK);
    assert_int_equal(cw__writer_commit(w), CW_OK);
    cw__writer_close(w);
    assert_file(p2, "only\n\"\"\n\"\"\nx\n \n");
    rmscratch(dir);
}

/*
** A header whose first name begins with U+FEFF is quoted, or a reader
** would take those bytes for a byte order mark and drop them (found by
** fuzz_ndjson: a key that read back as no header); the same bytes
** anywhere else are data and stay unquoted.  Read back, the names are
** whole.
*/
static void test_csvwrite_header_bom(void **state)
{
    static const char *const hdr[] = {"\xEF\xBB\xBFid", "\xEF\xBB\xBFv"};
    const char *dir = mkscratch(), *path = pathof(dir, "b.csv", 0);
    const char *row[2] = {"\xEF\xBB\xBF"
                          "1",
                          "x"};
    cw_writer *w;
    cw_csv *r;

    (void)state;
    assert_int_equal(cw__writer_open(path, hdr, 2, NULL, &w, NULL), CW_OK);
    assert_int_equal(put(w, 2, row), CW_OK);
    assert_int_equal(cw__writer_commit(w), CW_OK);
    cw__writer_close(w);
    assert_file(path, "\"\xEF\xBB\xBFid\",\xEF\xBB\xBFv\n\xEF\xBB\xBF"
                      "1,x\n");

    assert_int_equal(cw__csv_openfile(path, NULL, &r, NULL), CW_OK);
    assert_int_equal(cw__csv_header(r), CW_OK);
    assert_int_equal(cw__csv_ncols(r), 2);
    assert_string_equal(cw__csv_colname(r, 0), "\xEF\xBB\xBFid");
    assert_string_equal(cw__csv_colname(r, 1), "\xEF\xBB\xBFv");
    cw__csv_close(r);
    rmscratch(dir);
}

/* A TAB delimiter quotes fields holding a TAB; spaces stay bare. */
static void test_csvwrite_tab_delimiter(void **state)
{
    const char *dir = mkscratch(), *path = pathof(dir, "t.tsv", 0);
    cw_writeopts o;
    cw_writer *w;

    (void)state;
    cw__writeopts_default(&o);
    o.delim = '\t';
    assert_int_equal(cw__writer_open(path, cols2, 2, &o, &w, NULL), CW_OK);
    assert_int_equal(put2(w, "\ta", " b "), CW_OK);
    assert_int_equal(put2(w, "c,d", "e;f"), CW_OK);
    assert_int_equal(cw__writer_commit(w), CW_OK);
    cw__writer_close(w);
    assert_file(path, "id\tvalue\n\"\ta\"\t b \nc,d\te;f\n");
    rmscratch(dir);
}

/* A ';' delimiter is quoted instead of ','; CRLF ends lines on request. */
static void test_csvwrite_delimiter_and_crlf(void **state)
{
    const char *dir = mkscratch(), *path = pathof(dir, "d.csv", 0);
    cw_writeopts o;
    cw_writer *w;

    (void)state;
    cw__writeopts_default(&o);
    o.delim = ';';
    o.crlf = 1;
    assert_int_equal(cw__writer_open(path, cols2, 2, &o, &w, NULL), CW_OK);
    assert_int_equal(put2(w, "1", "a;b"), CW_OK);
    assert_int_equal(put2(w, "2", "a,b"), CW_OK);
    assert_int_equal(put2(w, "3", "x\ny"), CW_OK);
    assert_int_equal(cw__writer_commit(w), CW_OK);
    cw__writer_close(w);
    assert_file(path, "id;value\r\n1;\"a;b\"\r\n2;a,b\r\n3;\"x\ny\"\r\n");
    rmscratch(dir);
}

/* A file written and read back is byte-exact, and the CSV reader gets
** the same fields back. */
static void test_csvwrite_read_back(void **state)
{
    static const char *const rows[][3] = {
        {"1", "Ann", "plain"},
        {"2", "Bob \"B\"", "a,b"},
        {"3", "", "multi\nline"},
        {"4", " x ", "\xF0\x9F\x98\x80 emoji"},
    };
    static const char *const cols3[] = {"id", "name", "note"};
    static const char want[] = "id,name,note\n"
                               "1,Ann,plain\n"
                               "2,\"Bob \"\"B\"\"\",\"a,b\"\n"
                               "3,,\"multi\nline\"\n"
                               "4, x ,\xF0\x9F\x98\x80 emoji\n";
    const char *dir = mkscratch(), *path = pathof(dir, "rb.csv", 0);
    cw_csv *r;
    cw_writer *w;
    size_t i, len;
    const char *p;

    (void)state;
    assert_int_equal(cw__writer_open(path, cols3, 3, NULL, &w, NULL), CW_OK);
    for (i = 0; i < 4; i++)
        assert_int_equal(put(w, 3, rows[i]), CW_OK);
    assert_int_equal(cw__writer_commit(w), CW_OK);
    cw__writer_close(w);
    assert_file(path, want);

    assert_int_equal(cw__csv_openfile(path, NULL, &r, NULL), CW_OK);
    assert_int_equal(cw__csv_header(r), CW_OK);
    assert_int_equal(cw__csv_ncols(r), 3);
    assert_string_equal(cw__csv_colname(r, 2), "note");
    for (i = 0; i < 4; i++) {
        assert_int_equal(cw__csv_next(r), CW_ROW);
        for (size_t k = 0; k < 3; k++) {
            p = cw__csv_field(r, k, &len);
            assert_int_equal(len, strlen(rows[i][k]));
            assert_memory_equal(p, rows[i][k], len);
        }
    }
    assert_int_equal(cw__csv_next(r), CW_DONE);
    cw__csv_close(r);
    rmscratch(dir);
}

/* ==== NDJSON ==== */

/* Quote, backslash and control characters are escaped; UTF-8 passes;
** null is null; invalid UTF-8 is refused without spoiling the output. */
static void test_csvwrite_ndjson_escaping(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain", "\"plain\""},
        {"q\"b\\s/", "\"q\\\"b\\\\s/\""},
        {"n\nr\rt\t", "\"n\\nr\\rt\\t\""},
        {"\b\f", "\"\\b\\f\""},
        {"\x01\x1F\x7F", "\"\\u0001\\u001f\x7F\""},
        {"caf\xC3\xA9 \xF0\x9F\x8E\x89", "\"caf\xC3\xA9 \xF0\x9F\x8E\x89\""},
        {"", "\"\""},
        {NULL, "null"},
    };
    static const char *const cols[] = {"id", "v\"al"};
    const char *dir = mkscratch(), *path = pathof(dir, "e.ndjson", 0);
    char want[1024] = "", id[16];
    cw_writeopts o;
    cw_writer *w;

    (void)state;
    cw__writeopts_default(&o);
    o.format = CW_FMT_NDJSON;
    assert_int_equal(cw__writer_open(path, cols, 2, &o, &w, NULL), CW_OK);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(id, sizeof id, "%zu", i);
        assert_int_equal(put2(w, id, cases[i].in), CW_OK);
        snprintf(want + strlen(want), sizeof want - strlen(want),
                 "{\"id\":\"%s\",\"v\\\"al\":%s}\n", id, cases[i].out);
    }
    assert_int_equal(put2(w, "bad", "x\xC3("), CW_EINVALID);
    assert_non_null(strstr(cw__writer_errmsg(w), "invalid UTF-8"));
    assert_non_null(strstr(cw__writer_errmsg(w), "v\\\"al"));
    assert_int_equal(put2(w, "after", NULL), CW_OK);
    strcat(want, "{\"id\":\"after\",\"v\\\"al\":null}\n");
    assert_int_equal(cw__writer_commit(w), CW_OK);
    cw__writer_close(w);
    assert_file(path, want);
    rmscratch(dir);
}

/* ==== Atomic commit ==== */

/* Nothing is visible before commit; close without commit leaves nothing;
** commit replaces an existing file. */
static void test_csvwrite_atomic(void **state)
{
    const char *dir = mkscratch(), *path = pathof(dir, "out.csv", 0);
    char name[256], want[256];
    cw_writer *w;

    (void)state;
    assert_int_equal(cw__writer_open(path, cols2, 2, NULL, &w, NULL), CW_OK);
    assert_int_equal(put2(w, "1", "a"), CW_OK);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(count_entries(dir, name, sizeof name), 1);
    snprintf(want, sizeof want, ".out.csv.crosswalk-%ld.", (long)getpid());
    assert_int_equal(strncmp(name, want, strlen(want)), 0);
    assert_int_equal(strlen(name), strlen(want) + 6);
    cw__writer_close(w);
    assert_int_equal(count_entries(dir, NULL, 0), 0);

    spit(path, "old contents\n");
    assert_int_equal(cw__writer_open(path, cols2, 2, NULL, &w, NULL), CW_OK);
    assert_int_equal(put2(w, "1", "a"), CW_OK);
    cw__writer_close(w); /* no commit: the old file is untouched */
    assert_file(path, "old contents\n");
    assert_int_equal(count_entries(dir, NULL, 0), 1);

    assert_int_equal(cw__writer_open(path, cols2, 2, NULL, &w, NULL), CW_OK);
    assert_int_equal(put2(w, "1", "a"), CW_OK);
    assert_int_equal(put2(w, "2", "b"), CW_OK);
    assert_file(path, "old contents\n");
    assert_int_equal(cw__writer_commit(w), CW_OK);
    assert_file(path, "id,value\n1,a\n2,b\n");
    assert_int_equal(cw__writer_nparts(w), 1);
    cw__writer_close(w);
    assert_int_equal(count_entries(dir, name, sizeof name), 1);
    assert_string_equal(name, "out.csv");
    rmscratch(dir);
}

/* A directory that does not exist fails with CW_EIO naming the path; a
** rename that fails leaves no temp file behind. */
static void test_csvwrite_io_errors(void **state)
{
    const char *dir = mkscratch();
    const char *missing = pathof(dir, "nodir/out.csv", 0);
    const char *blocked = pathof(dir, "block.csv", 1);
    cw_writer *w = (cw_writer *)&w;
    cw_err err;

    (void)state;
    assert_int_equal(cw__writer_open(missing, cols2, 2, NULL, &w, &err),
                     CW_EIO);
    assert_null(w);
    assert_int_equal(err.code, CW_EIO);
    assert_non_null(strstr(err.msg, missing));
    assert_non_null(strstr(err.msg, "No such file or directory"));

    /* The final name is a non-empty directory: rename fails. */
    assert_int_equal(mkdir(blocked, 0700), 0);
    spit(pathof(dir, "block.csv/keep", 2), "x");
    assert_int_equal(cw__writer_open(blocked, cols2, 2, NULL, &w, &err), CW_OK);
    assert_int_equal(put2(w, "1", "a"), CW_OK);
    assert_int_equal(cw__writer_commit(w), CW_EIO);
    assert_non_null(strstr(cw__writer_errmsg(w), blocked));
    assert_int_equal(put2(w, "2", "b"), CW_EIO); /* the error sticks */
    cw__writer_close(w);
    assert_int_equal(count_entries(dir, NULL, 0), 1); /* only block.csv */
    unlink(pathof(dir, "block.csv/keep", 2));
    rmscratch(dir);
}

/* A write that fails mid-run (here the file size limit, standing in for
** a full disk) is CW_EIO "path: reason", sticks, and leaves nothing. */
static void test_csvwrite_write_error(void **state)
{
    const char *dir = mkscratch(), *path = pathof(dir, "full.csv", 0);
    char big[1000];
    struct rlimit old, lim;
    void (*oldsig)(int);
    cw_writer *w;
    int rc = CW_OK, i;

    (void)state;
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 200000;
    oldsig = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    assert_int_equal(cw__writer_open(path, cols2, 2, NULL, &w, NULL), CW_OK);
    for (i = 0; i < 1000 && rc == CW_OK; i++)
        rc = put2(w, "1", big);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, oldsig);
    assert_int_equal(rc, CW_EIO);
    assert_true(i < 1000);
    assert_non_null(strstr(cw__writer_errmsg(w), dir));
    assert_non_null(strstr(cw__writer_errmsg(w), "File too large"));
    assert_int_equal(put2(w, "2", "b"), CW_EIO);
    assert_int_equal(cw__writer_commit(w), CW_EIO);
    cw__writer_close(w);
    assert_int_equal(count_entries(dir, NULL, 0), 0);
    rmscratch(dir);
}

/* Bad arguments are CW_EUSAGE and nothing is created. */
static void test_csvwrite_usage_errors(void **state)
{
    const char *dir = mkscratch(), *path = pathof(dir, "u.csv", 0);
    cw_writeopts o;
    cw_writer *w;
    cw_err err;

    (void)state;
    assert_int_equal(cw__writer_open(path, cols2, 0, NULL, &w, &err),
                     CW_EUSAGE);
    assert_null(w);
    cw__writeopts_default(&o);
    o.delim = '"';
    assert_int_equal(cw__writer_open(path, cols2, 2, &o, &w, &err), CW_EUSAGE);
    cw__writeopts_default(&o);
    o.split_col = 2;
    o.max_distinct = 3;
    assert_int_equal(cw__writer_open(path, cols2, 2, &o, &w, &err), CW_EUSAGE);
    assert_non_null(strstr(err.msg, "split column 3"));
    assert_int_equal(
        cw__writer_open(pathof(dir, "sub/", 1), cols2, 2, NULL, &w, &err),
        CW_EUSAGE);
    assert_int_equal(count_entries(dir, NULL, 0), 0);
    rmscratch(dir);
}

/* ==== Splitting ==== */

/* Read part 'i' of 'w' and compare it with 'want'; check its row count. */
static void assert_part(cw_writer *w, size_t i, const char *name,
                        unsigned long long rows, const char *want)
{
    unsigned long long got;
    const char *p = cw__writer_part(w, i, &got);

    assert_non_null(p);
    assert_string_equal(strrchr(p, '/') + 1, name);
    assert_int_equal(got, rows);
    assert_file(p, want);
}

/* Every part stays within max_bytes, repeats the header, and the parts
** together hold the rows in order. */
static void test_csvwrite_split_bytes(void **state)
{
    static const char *const rows[][2] = {{"1", "alpha"},
                                          {"2", "beta"},
                                          {"3", "gamma"},
                                          {"4", "delta"},
                                          {"5", "eps"}};
    const char *dir = mkscratch(), *path = pathof(dir, "text.csv", 0);
    char all[256] = "", *body;
    cw_writeopts o;
    cw_writer *w;
    size_t i;

    (void)state;
    cw__writeopts_default(&o);
    o.max_bytes = 30; /* header 9 bytes + two rows of 8 or 9 */
    assert_int_equal(cw__writer_open(path, cols2, 2, &o, &w, NULL), CW_OK);
    for (i = 0; i < 5; i++)
        assert_int_equal(put(w, 2, rows[i]), CW_OK);
    assert_int_equal(cw__writer_nparts(w), 3);
    assert_string_equal(strrchr(cw__writer_part(w, 0, NULL), '/') + 1,
                        "text-001.csv"); /* planned before commit */
    assert_int_equal(access(pathof(dir, "text-001.csv", 1), F_OK), -1);
    assert_int_equal(cw__writer_commit(w), CW_OK);
    assert_part(w, 0, "text-001.csv", 2, "id,value\n1,alpha\n2,beta\n");
    assert_part(w, 1, "text-002.csv", 2, "id,value\n3,gamma\n4,delta\n");
    assert_part(w, 2, "text-003.csv", 1, "id,value\n5,eps\n");
    for (i = 0; i < 3; i++) {
        size_t len;
        char *p = slurp(cw__writer_part(w, i, NULL), &len);

        assert_true(len <= 30);
        assert_int_equal(strncmp(p, "id,value\n", 9), 0);
        strcat(all, p + 9);
        free(p);
    }
    assert_string_equal(all, "1,alpha\n2,beta\n3,gamma\n4,delta\n5,eps\n");
    cw__writer_close(w);
    assert_int_equal(count_entries(dir, NULL, 0), 3);
    rmscratch(dir);

    /* A row larger than max_bytes goes alone into its own part; when
    ** everything fits, the single part is named exactly 'path'. */
    dir = mkscratch();
    path = pathof(dir, "big.csv", 0);
    o.max_bytes = 20;
    assert_int_equal(cw__writer_open(path, cols2, 2, &o, &w, NULL), CW_OK);
    assert_int_equal(put2(w, "1", "a"), CW_OK);
    assert_int_equal(put2(w, "2", "a very long value indeed"), CW_OK);
    assert_int_equal(put2(w, "3", "c"), CW_OK);
    assert_int_equal(cw__writer_commit(w), CW_OK);
    assert_part(w, 0, "big-001.csv", 1, "id,value\n1,a\n");
    assert_part(w, 1, "big-002.csv", 1,
                "id,value\n2,a very long value indeed\n");
    assert_part(w, 2, "big-003.csv", 1, "id,value\n3,c\n");
    cw__writer_close(w);
    o.max_bytes = 1000;
    assert_int_equal(cw__writer_open(path, cols2, 2, &o, &w, NULL), CW_OK);
    assert_int_equal(put2(w, "1", "a"), CW_OK);
    assert_int_equal(cw__writer_commit(w), CW_OK);
    assert_part(w, 0, "big.csv", 1, "id,value\n1,a\n");
    cw__writer_close(w);
    body = slurp(pathof(dir, "big.csv", 1), NULL);
    assert_string_equal(body, "id,value\n1,a\n");
    free(body);
    rmscratch(dir);
}

/* Part names: "-NNN" before the extension, or appended without one. */
static void test_csvwrite_part_names(void **state)
{
    static const struct {
        const char *name, *first;
    } cases[] = {
        {"text.csv", "text-001.csv"},
        {"data", "data-001"},
        {".hidden", ".hidden-001"},
        {"a.tar.gz", "a.tar-002.gz"},
    };
    const char *dir = mkscratch();
    cw_writeopts o;
    cw_writer *w;

    (void)state;
    cw__writeopts_default(&o);
    o.max_bytes = 1;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *want = cases[i].first, *got;

        assert_int_equal(cw__writer_open(pathof(dir, cases[i].name, 0), cols2,
                                         2, &o, &w, NULL),
                         CW_OK);
        assert_int_equal(put2(w, "1", "a"), CW_OK);
        assert_int_equal(put2(w, "2", "b"), CW_OK);
        got = cw__writer_part(w, strstr(want, "002") != NULL ? 1 : 0, NULL);
        assert_string_equal(strrchr(got, '/') + 1, want);
        assert_null(cw__writer_part(w, 2, NULL));
        cw__writer_close(w);
    }
    assert_int_equal(count_entries(dir, NULL, 0), 0);
    rmscratch(dir);
}

/* The names a split output's parts may take, and only those. */
static void test_csvwrite_is_part(void **state)
{
    (void)state;
    assert_true(cw__writer_is_part("text-001.csv", "text.csv"));
    assert_true(cw__writer_is_part("text-1000.csv", "text.csv"));
    assert_true(cw__writer_is_part("data-002", "data"));
    assert_true(cw__writer_is_part(".hidden-001", ".hidden"));
    assert_true(cw__writer_is_part("a.tar-003.gz", "a.tar.gz"));
    assert_false(cw__writer_is_part("text.csv", "text.csv"));
    assert_false(cw__writer_is_part("text-01.csv", "text.csv"));
    assert_false(cw__writer_is_part("text-001.ndjson", "text.csv"));
    assert_false(cw__writer_is_part("text-001-001.csv", "text.csv"));
    assert_false(cw__writer_is_part("text-00x.csv", "text.csv"));
    assert_false(cw__writer_is_part("other-001.csv", "text.csv"));
    assert_false(cw__writer_is_part("data-001.csv", "data"));
}

/* Only the temp files of processes that no longer exist are swept: not
** this process's, not a live one's, not other names, not directories. */
static void test_csvwrite_sweep(void **state)
{
    const char *dir = mkscratch();
    char mine[64], first[64], name[256];
    cw_writer *w;

    (void)state;
    assert_int_equal(
        cw__writer_open(pathof(dir, "out.csv", 0), cols2, 2, NULL, &w, NULL),
        CW_OK);
    assert_int_equal(count_entries(dir, name, sizeof name), 1);
    snprintf(mine, sizeof mine, ".out.csv.crosswalk-%ld.abcdef",
             (long)getpid());
    spit(pathof(dir, ".out.csv.crosswalk-99999999.Ab3dEf", 0), "dead\n");
    spit(pathof(dir, mine, 0), "mine\n");
    spit(pathof(dir, ".out.csv.crosswalk-1.abcdef", 0), "pid 1\n");
    spit(pathof(dir, "out.csv.crosswalk-99999999.abcdef", 0), "no dot\n");
    spit(pathof(dir, ".out.csv.crosswalk-99999999.abc", 0), "short\n");
    spit(pathof(dir, ".crosswalk-99999999.abcdef", 0), "no name\n");
    spit(pathof(dir, ".out.csv.crosswalk-9x.abcdef", 0), "no pid\n");
    assert_int_equal(
        mkdir(pathof(dir, ".d.crosswalk-99999999.abcdef", 0), 0700), 0);
    assert_int_equal(count_entries(dir, NULL, 0), 9);
    assert_int_equal(cw__writer_sweep(dir, first, sizeof first), 1);
    assert_string_equal(first, ".out.csv.crosswalk-99999999.Ab3dEf");
    assert_int_equal(count_entries(dir, NULL, 0), 8);
    assert_int_equal(access(pathof(dir, name, 0), F_OK), 0); /* the open one */
    assert_int_equal(cw__writer_sweep(dir, first, sizeof first), 0);
    assert_string_equal(first, "");
    assert_int_equal(cw__writer_sweep(pathof(dir, "nope", 0), first, 4), 0);
    assert_int_equal(rmdir(pathof(dir, ".d.crosswalk-99999999.abcdef", 0)), 0);
    cw__writer_close(w);
    rmscratch(dir);
}

/* cw_write_file(): a whole file by rename, replacing a symbolic link
** rather than writing through it; a failure leaves nothing behind. */
static void test_csvwrite_write_file(void **state)
{
    const char *dir = mkscratch();
    char link[512], target[512], got[64];
    struct stat st;
    cw_err err = {0};
    mode_t old;

    (void)state;
    snprintf(target, sizeof target, "%s", pathof(dir, "target.json", 0));
    snprintf(link, sizeof link, "%s", pathof(dir, "summary.json", 0));
    spit(target, "target\n");
    assert_int_equal(symlink("target.json", link), 0);
    old = umask(027);
    assert_int_equal(cw_write_file(link, "{}\n", 3, &err), CW_OK);
    umask(old);
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0640); /* 0666 minus the umask */
    assert_file(link, "{}\n");
    assert_file(target, "target\n");
    assert_int_equal(cw_write_file(link, "", 0, NULL), CW_OK);
    assert_file(link, "");
    assert_int_equal(count_entries(dir, NULL, 0), 2);

    assert_int_equal(
        cw_write_file(pathof(dir, "no/such.json", 0), "x", 1, &err), CW_EIO);
    snprintf(got, sizeof got, "%s", strrchr(err.msg, '/') + 1);
    assert_string_equal(got, "such.json: No such file or directory");
    assert_int_equal(mkdir(pathof(dir, "sub", 0), 0700), 0);
    assert_int_equal(cw_write_file(pathof(dir, "sub", 0), "x", 1, &err),
                     CW_EIO); /* a directory stands there */
    assert_int_equal(count_entries(dir, NULL, 0), 3);
    assert_int_equal(rmdir(pathof(dir, "sub", 0)), 0);
    rmscratch(dir);
}

/* Seven distinct values in no order, at most five per part: two parts,
** the first five values seen in the first. */
static void test_csvwrite_split_distinct(void **state)
{
    static const char *const rows[][2] = {
        {"1", "c"}, {"2", "a"},  {"3", "c"},  {"4", "e"},
        {"5", "b"}, {"6", "d"},  {"7", "f"},  {"8", "a"},
        {"9", "g"}, {"10", "f"}, {"11", "c"}, {"12", "g"},
    };
    static const char *const cols[] = {"id", "campaign"};
    const char *dir = mkscratch(), *path = pathof(dir, "split.csv", 0);
    cw_writeopts o;
    cw_writer *w;

    (void)state;
    cw__writeopts_default(&o);
    o.split_col = 1;
    o.max_distinct = 5;
    assert_int_equal(cw__writer_open(path, cols, 2, &o, &w, NULL), CW_OK);
    for (size_t i = 0; i < 12; i++)
        assert_int_equal(put(w, 2, rows[i]), CW_OK);
    assert_int_equal(cw__writer_commit(w), CW_OK);
    assert_int_equal(cw__writer_nparts(w), 2);
    assert_part(w, 0, "split-001.csv", 8,
                "id,campaign\n1,c\n2,a\n3,c\n4,e\n5,b\n6,d\n8,a\n11,c\n");
    assert_part(w, 1, "split-002.csv", 4,
                "id,campaign\n7,f\n9,g\n10,f\n12,g\n");
    cw__writer_close(w);
    rmscratch(dir);
}

/* Both limits: a group rolls over into further parts by size, and parts
** are numbered in the order they were started. */
static void test_csvwrite_split_both(void **state)
{
    static const char *const rows[][2] = {
        {"a", "1"}, {"b", "1"}, {"a", "2"}, {"a", "3"}, {"c", "1"},
        {"b", "2"}, {"b", "3"}, {"a", "4"}, {"c", "2"},
    };
    static const char *const cols[] = {"k", "v"};
    const char *dir = mkscratch(), *path = pathof(dir, "both.csv", 0);
    cw_writeopts o;
    cw_writer *w;

    (void)state;
    cw__writeopts_default(&o);
    o.split_col = 0;
    o.max_distinct = 2;
    o.max_bytes = 12; /* header "k,v\n" and two rows of 4 bytes */
    assert_int_equal(cw__writer_open(path, cols, 2, &o, &w, NULL), CW_OK);
    for (size_t i = 0; i < 9; i++)
        assert_int_equal(put(w, 2, rows[i]), CW_OK);
    assert_int_equal(cw__writer_commit(w), CW_OK);
    assert_int_equal(cw__writer_nparts(w), 5);
    assert_part(w, 0, "both-001.csv", 2, "k,v\na,1\nb,1\n");
    assert_part(w, 1, "both-002.csv", 2, "k,v\na,2\na,3\n");
    assert_part(w, 2, "both-003.csv", 2, "k,v\nc,1\nc,2\n");
    assert_part(w, 3, "both-004.csv", 2, "k,v\nb,2\nb,3\n");
    assert_part(w, 4, "both-005.csv", 1, "k,v\na,4\n");
    cw__writer_close(w);
    rmscratch(dir);
}

/* More groups than descriptors kept open: parts are parked and reopened
** (and rolled over by size while parked), and every row still lands in
** its part. */
static void test_csvwrite_many_groups(void **state)
{
    const char *dir = mkscratch(), *path = pathof(dir, "g.csv", 0);
    char val[16], id[16], want[64], name[32];
    const char *v[2] = {id, val};
    cw_writeopts o;
    cw_writer *w;
    size_t i;

    (void)state;
    cw__writeopts_default(&o);
    o.split_col = 1;
    o.max_distinct = 1;
    o.max_bytes = 29; /* header of 9 bytes and two rows of 10 */
    assert_int_equal(cw__writer_open(path, cols2, 2, &o, &w, NULL), CW_OK);
    for (i = 0; i < 600; i++) {
        snprintf(id, sizeof id, "%04zu", i);
        snprintf(val, sizeof val, "v%03zu", i % 200);
        assert_int_equal(put(w, 2, v), CW_OK);
    }
    assert_int_equal(cw__writer_nparts(w), 400);
    assert_int_equal(cw__writer_commit(w), CW_OK);
    for (i = 0; i < 200; i++) {
        snprintf(name, sizeof name, "g-%03zu.csv", i + 1);
        snprintf(want, sizeof want, "id,value\n%04zu,v%03zu\n%04zu,v%03zu\n", i,
                 i, i + 200, i);
        assert_part(w, i, name, 2, want);
        snprintf(name, sizeof name, "g-%03zu.csv", i + 201);
        snprintf(want, sizeof want, "id,value\n%04zu,v%03zu\n", i + 400, i);
        assert_part(w, i + 200, name, 1, want);
    }
    cw__writer_close(w);
    assert_int_equal(count_entries(dir, NULL, 0), 400);
    rmscratch(dir);
}

/* ==== Queue of blocks ==== */

/* What the consumer of test_blockq_order() saw. */
struct seen {
    pthread_t producer;   /* the test's thread */
    uint32_t next;        /* the number expected next */
    unsigned long mine;   /* blocks consumed on the queue's thread */
    unsigned long theirs; /* blocks consumed on the producer's */
    uint32_t fail_at;     /* fail the block that starts with this */
    int bad;              /* 1 once a number came out of order */
};

/* A consumer: the block holds 4-byte numbers, which must follow on. */
static int check_seq(void *ud, const char *p, size_t len)
{
    struct seen *s = ud;

    if (pthread_equal(pthread_self(), s->producer))
        s->theirs++;
    else
        s->mine++;
    for (size_t i = 0; i + 4 <= len; i += 4) {
        uint32_t v;

        memcpy(&v, p + i, 4);
        if (i == 0 && v == s->fail_at)
            return CW_EIO;
        if (v != s->next)
            s->bad = 1;
        s->next = v + 1;
    }
    if (len % 4 != 0)
        s->bad = 1;
    return CW_OK;
}

/*
** The consumer gets every block in the order filled, whichever thread
** runs it (the producer consumes the oldest block itself when all are
** full and the queue's thread is not at work); a failure of the consumer
** reaches the producer and nothing is consumed after it.
*/
static void test_blockq_order(void **state)
{
    struct seen s = {pthread_self(), 0, 0, 0, UINT32_MAX, 0};
    cw_blockq *q;
    uint32_t v;
    char *at;
    int rc = CW_OK;

    (void)state;
    assert_int_equal(cw__blockq_start(64, 1, check_seq, &s, &q), CW_EUSAGE);
    assert_int_equal(cw__blockq_start(64, 2, check_seq, &s, &q), CW_OK);
    for (v = 0; v < 200000; v++) {
        /* 1 to 16 numbers a block: hand over at varying points */
        size_t room = 4 * (1 + (v / 7) % 16);

        assert_int_equal(cw__blockq_room(q, v % 7 == 0 ? room : 4, &at), CW_OK);
        memcpy(at, &v, 4);
        cw__blockq_add(q, 4);
        if (v % 50000 == 0)
            assert_int_equal(cw__blockq_sync(q), CW_OK);
    }
    assert_int_equal(cw__blockq_end(q, 0), CW_OK);
    assert_false(s.bad);
    assert_int_equal(s.next, 200000);
    assert_true(s.mine + s.theirs >= 200000 / 16);

    /* The consumer fails on the block that starts with 1000. */
    s = (struct seen){pthread_self(), 0, 0, 0, 1000, 0};
    assert_int_equal(cw__blockq_start(40, 3, check_seq, &s, &q), CW_OK);
    for (v = 0; v < 100000 && rc == CW_OK; v++) {
        rc = cw__blockq_room(q, 4, &at);
        if (rc == CW_OK) {
            memcpy(at, &v, 4);
            cw__blockq_add(q, 4);
        }
    }
    assert_int_equal(rc, CW_EIO);
    assert_true(v < 1000 + 4 * 10 + 2); /* within the blocks queued */
    assert_int_equal(cw__blockq_sync(q), CW_EIO);
    assert_int_equal(cw__blockq_end(q, 0), CW_EIO);
    assert_false(s.bad);
    assert_int_equal(s.next, 1000); /* nothing after the failure */

    /* Ending with 'discard' drops what is queued. */
    s = (struct seen){pthread_self(), 0, 0, 0, UINT32_MAX, 0};
    assert_int_equal(cw__blockq_start(40, 2, check_seq, &s, &q), CW_OK);
    for (v = 0; v < 1000; v++) {
        assert_int_equal(cw__blockq_room(q, 4, &at), CW_OK);
        memcpy(at, &v, 4);
        cw__blockq_add(q, 4);
    }
    assert_int_equal(cw__blockq_end(q, 1), CW_OK);
    assert_false(s.bad);
    assert_true(s.next < 1000);
    assert_int_equal(cw__blockq_end(NULL, 0), CW_OK);
}

/* ==== Writer thread ==== */

/* The long value of thread_row(): larger than a block between the
** threads (256 KB), so that such a row is written by the caller's
** thread. */
static char *long_value(void)
{
    static char *v;

    if (v == NULL) {
        v = malloc(300001);
        assert_non_null(v);
        for (size_t i = 0; i < 300000; i++)
            v[i] = (char)('a' + i % 26);
        v[1000] = '"';
        v[300000] = '\0';
    }
    return v;
}

/*
** Row 'i' of the data the writer thread is tested with: an id, one of
** seven campaigns (for splitting by value), a text of every kind the
** encoder must tell apart (plain, quotes, delimiters, CR and LF, empty,
** null, lengths around 8 and 16 bytes, a delimiter in the last bytes of
** a long field), and now and then a field too long for a block.  'buf'
** holds the text.
*/
static void thread_row(size_t i, char *buf, size_t cap, cw_field *f)
{
    static const char *const texts[] = {"plain text with spaces",
                                        "say \"hi\"",
                                        "a,b",
                                        "two\r\nlines",
                                        "lf\nonly",
                                        "",
                                        "  padded  ",
                                        "tab\tinside",
                                        "exactly 16 bytes",
                                        "15 bytes long..",
                                        "1234567",
                                        "12345678",
                                        "0123456789abcdef,",
                                        "\"",
                                        "=formula"};
    size_t ntexts = sizeof texts / sizeof texts[0];
    int n = snprintf(buf, cap, "%zu", i);

    f[0] = (cw_field){buf, (size_t)n};
    snprintf(buf + 32, cap - 32, "campaign %zu", i % 7);
    f[1] = (cw_field){buf + 32, strlen(buf + 32)};
    if (i % 23 == 0) {
        f[2] = (cw_field){NULL, 0};
    } else {
        const char *t = texts[i % ntexts];
        size_t pad = i % 40; /* move the special bytes across 16 */

        memset(buf + 64, 'x', pad);
        strcpy(buf + 64 + pad, t);
        f[2] = (cw_field){buf + 64, pad + strlen(t)};
    }
    f[3] = i % 9000 == 4500 ? (cw_field){long_value(), 300000}
                            : (cw_field){"last", 4};
}

/*
** Write 'nrows' rows of thread_row() to 'dir'/out.csv with options 'o'
** and 'thread', then commit; return the writer (the caller closes it).
*/
static cw_writer *write_rows(const char *dir, cw_writeopts o, int thread,
                             size_t nrows)
{
    static const char *const cols[] = {"id", "campaign", "text", "tail"};
    char buf[256];
    cw_field f[4];
    cw_writer *w;

    o.thread = thread;
    assert_int_equal(
        cw__writer_open(pathof(dir, "out.csv", 0), cols, 4, &o, &w, NULL),
        CW_OK);
    for (size_t i = 0; i < nrows; i++) {
        thread_row(i, buf, sizeof buf, f);
        assert_int_equal(cw__writer_write(w, f), CW_OK);
    }
    assert_int_equal(cw__writer_commit(w), CW_OK);
    assert_int_equal(cw__writer_threaded(w), thread > 0);
    return w;
}

/*
** Rows written by the writer thread make the same bytes as rows written
** without it, split or not: the same parts, with the same names, rows
** and bytes (each part then read back with the reader).
*/
static void test_csvwrite_thread_same_bytes(void **state)
{
    cw_writeopts o[3];

    (void)state;
    for (int k = 0; k < 3; k++)
        cw__writeopts_default(&o[k]);
    o[1].max_bytes = 1000000;
    o[2].split_col = 1;
    o[2].max_distinct = 3;
    o[2].max_bytes = 700000;
    for (int k = 0; k < 3; k++) {
        const char *da = mkscratch();
        char a[64];
        const char *db;
        cw_writer *wa, *wb;

        snprintf(a, sizeof a, "%s", da);
        db = mkscratch();
        wa = write_rows(a, o[k], -1, 40000);
        wb = write_rows(db, o[k], 1, 40000);
        assert_int_equal(cw__writer_nparts(wa), cw__writer_nparts(wb));
        assert_true(cw__writer_nparts(wa) >= (k == 0 ? 1u : 4u));
        for (size_t i = 0; i < cw__writer_nparts(wa); i++) {
            unsigned long long ra, rb;
            const char *pa = cw__writer_part(wa, i, &ra);
            const char *pb = cw__writer_part(wb, i, &rb);
            size_t la, lb;
            char *ba = slurp(pa, &la), *bb = slurp(pb, &lb);

            assert_string_equal(strrchr(pa, '/'), strrchr(pb, '/'));
            assert_int_equal(ra, rb);
            assert_int_equal(la, lb);
            assert_memory_equal(ba, bb, la);
            free(ba);
            free(bb);
        }
        cw__writer_close(wa);
        cw__writer_close(wb);
        rmscratch(a);
        rmscratch(db);
    }
}

/*
** Write 'nrows' rows of short fields (see short_row()) to 'dir'/out.csv
** with 'thread' and commit; return the bytes written (to free()).
*/
static char *write_short(const char *dir, int thread, size_t nrows, size_t *n)
{
    static const char *const cols[] = {"a", "b", "c"};
    static const char starts[] = {',', '"', '\r', '\n', 'x'};
    char a[16], b[16];
    cw_writeopts o;
    cw_writer *w;
    char *bytes;

    cw__writeopts_default(&o);
    o.thread = thread;
    assert_int_equal(
        cw__writer_open(pathof(dir, "out.csv", 0), cols, 3, &o, &w, NULL),
        CW_OK);
    for (size_t i = 0; i < nrows; i++) {
        size_t la = i % 16, lb = 1 + (i / 16) % 15;
        cw_field f[3];

        memset(a, 'a', sizeof a);
        memset(b, 'b', sizeof b);
        b[0] = starts[(i / 256) % sizeof starts];
        if (i % 7 == 0 && la > 0)
            a[la - 1] = '"'; /* a special byte last */
        f[0] = (cw_field){a, la};
        f[1] = (cw_field){b, lb};
        f[2] = (cw_field){",", 1};
        assert_int_equal(cw__writer_write(w, f), CW_OK);
    }
    assert_int_equal(cw__writer_commit(w), CW_OK);
    assert_int_equal(cw__writer_threaded(w), thread > 0);
    bytes = slurp(cw__writer_part(w, 0, NULL), n);
    cw__writer_close(w);
    return bytes;
}

/*
** Fields shorter than 16 bytes are checked 16 bytes at a time by the
** writer thread, past their end (where the next field of the row starts,
** here with a byte that forces quotes): only their own bytes count, so
** the output is the same bytes as without the thread.
*/
static void test_csvwrite_thread_short_fields(void **state)
{
    const char *da = mkscratch();
    char a[64];
    const char *db;
    size_t la, lb;
    char *ba, *bb;

    (void)state;
    snprintf(a, sizeof a, "%s", da);
    db = mkscratch();
    ba = write_short(a, -1, 5 * 256, &la);
    bb = write_short(db, 1, 5 * 256, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(ba, bb, la);
    /* And it is what the rows are: a quoted second field for each that
    ** begins with a special byte. */
    assert_non_null(strstr(ba, "\naaaa,\",bbbb\",\",\"\n"));
    assert_non_null(strstr(ba, "\n,xbbbb,\",\"\n"));
    free(ba);
    free(bb);
    rmscratch(a);
    rmscratch(db);
}

/* The rows of thread_row() read back as written through the thread. */
static void test_csvwrite_thread_read_back(void **state)
{
    const char *dir = mkscratch();
    cw_writeopts o;
    cw_writer *w;
    cw_csv *r;
    char buf[256];
    cw_field want[4];
    size_t n = 0;
    int st;

    (void)state;
    cw__writeopts_default(&o);
    w = write_rows(dir, o, 1, 20000);
    assert_int_equal(
        cw__csv_openfile(pathof(dir, "out.csv", 1), NULL, &r, NULL), CW_OK);
    while ((st = cw__csv_next(r)) == CW_ROW) {
        thread_row(n, buf, sizeof buf, want);
        assert_int_equal(cw__csv_nfields(r), 4);
        for (size_t i = 0; i < 4; i++) {
            size_t len;
            const char *p = cw__csv_field(r, i, &len);

            assert_int_equal(len, want[i].p != NULL ? want[i].len : 0);
            if (len > 0)
                assert_memory_equal(p, want[i].p, len);
        }
        n++;
    }
    assert_int_equal(st, CW_DONE);
    assert_int_equal(n, 20000);
    cw__csv_close(r);
    cw__writer_close(w);
    rmscratch(dir);
}

/*
** A write that fails in the writer thread (the file size limit, standing
** in for a full disk) reaches the caller as it does without the thread:
** CW_EIO "path: reason" from a later write, at most a few blocks after
** the limit, or from the commit; it sticks, and nothing is left behind.
*/
static void test_csvwrite_thread_write_error(void **state)
{
    char big[1000];
    struct rlimit old, lim;
    void (*oldsig)(int);
    cw_writeopts o;

    (void)state;
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cw__writeopts_default(&o);
    o.thread = 1;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    oldsig = signal(SIGXFSZ, SIG_IGN);
    /* 'rows' rows of 1 KB against a limit of 200 KB: 5000 (5 MB) fail
    ** in a write; 300 fill one block and part of the next, which the
    ** thread only gets at the commit. */
    for (int k = 0; k < 2; k++) {
        const char *dir = mkscratch(), *path = pathof(dir, "full.csv", 0);
        int rows = k == 0 ? 5000 : 300, rc = CW_OK, i;
        cw_writer *w;

        lim = old;
        lim.rlim_cur = 200000;
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
        assert_int_equal(cw__writer_open(path, cols2, 2, &o, &w, NULL), CW_OK);
        for (i = 0; i < rows && rc == CW_OK; i++)
            rc = put2(w, "1", big);
        if (rows == 5000) {
            assert_int_equal(rc, CW_EIO);
            /* Seen within the blocks queued between the threads. */
            assert_true(i < 200 + 5 * 256 + 128);
        }
        if (rc == CW_OK)
            rc = cw__writer_commit(w);
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
        assert_int_equal(rc, CW_EIO);
        assert_true(cw__writer_threaded(w));
        assert_non_null(strstr(cw__writer_errmsg(w), dir));
        assert_non_null(strstr(cw__writer_errmsg(w), "File too large"));
        assert_int_equal(put2(w, "2", "b"), CW_EIO);
        assert_int_equal(cw__writer_commit(w), CW_EIO);
        cw__writer_close(w);
        assert_int_equal(count_entries(dir, NULL, 0), 0);
        rmscratch(dir);
    }
    signal(SIGXFSZ, oldsig);
}

/*
** Closing a writer whose thread is busy (a run interrupted or failed)
** stops the thread, drops the rows still queued and removes the temp
** file; a commit after rows as long as a block waits for them.
*/
static void test_csvwrite_thread_close(void **state)
{
    const char *dir = mkscratch();
    char buf[256];
    cw_field f[4];
    cw_writeopts o;
    cw_writer *w;
    static const char *const cols[] = {"id", "campaign", "text", "tail"};

    (void)state;
    cw__writeopts_default(&o);
    o.thread = 1;
    assert_int_equal(
        cw__writer_open(pathof(dir, "out.csv", 0), cols, 4, &o, &w, NULL),
        CW_OK);
    for (size_t i = 0; i < 30000; i++) {
        thread_row(i, buf, sizeof buf, f);
        assert_int_equal(cw__writer_write(w, f), CW_OK);
    }
    assert_true(cw__writer_threaded(w));
    assert_int_equal(count_entries(dir, NULL, 0), 1); /* the temp file */
    cw__writer_close(w);
    assert_int_equal(count_entries(dir, NULL, 0), 0);

    /* Past a megabyte, the default starts the thread on more than one
    ** core, and never with -1. */
    for (int thread = 0; thread >= -1; thread--) {
        o.thread = thread;
        assert_int_equal(
            cw__writer_open(pathof(dir, "out.csv", 0), cols, 4, &o, &w, NULL),
            CW_OK);
        for (size_t i = 0; i < 30000; i++) {
            thread_row(i, buf, sizeof buf, f);
            assert_int_equal(cw__writer_write(w, f), CW_OK);
        }
        assert_int_equal(cw__writer_threaded(w),
                         thread == 0 && cw__blockq_cores() > 1);
        cw__writer_close(w);
        assert_int_equal(count_entries(dir, NULL, 0), 0);
    }
    rmscratch(dir);
}

/*
** A writer thread over an output that exists already (its cached pages
** are dropped while the rows are written): closed without a commit, the
** old file is as it was; committed, it is the new one.
*/
static void test_csvwrite_thread_replaces(void **state)
{
    const char *dir = mkscratch();
    static const char *const cols[] = {"id", "campaign", "text", "tail"};
    const char *old = "id,campaign,text,tail\n1,old,file,here\n";
    char *path = strdup(pathof(dir, "out.csv", 0)), buf[256], *got;
    cw_field f[4];
    cw_writeopts o;
    cw_writer *w;
    size_t len;
    FILE *fp;

    (void)state;
    assert_non_null(path);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fputs(old, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
    cw__writeopts_default(&o);
    o.thread = 1;
    for (int commit = 0; commit <= 1; commit++) {
        assert_int_equal(cw__writer_open(path, cols, 4, &o, &w, NULL), CW_OK);
        for (size_t i = 0; i < 3000; i++) {
            thread_row(i, buf, sizeof buf, f);
            assert_int_equal(cw__writer_write(w, f), CW_OK);
        }
        assert_true(cw__writer_threaded(w));
        if (commit)
            assert_int_equal(cw__writer_commit(w), CW_OK);
        cw__writer_close(w);
        got = slurp(path, &len);
        if (commit) {
            assert_true(len > strlen(old));
            assert_memory_equal(got, "id,campaign,text,tail\n0,campaign 0,",
                                35);
        } else {
            assert_int_equal(len, strlen(old));
            assert_memory_equal(got, old, len);
        }
        free(got);
    }
    free(path);
    rmscratch(dir);
}

/* ==== Out of memory ==== */

/* Fail the 1st, 2nd, ... allocation of cw__writer_open(): each failure is a
** clean CW_ENOMEM with no temp file left (leaks: LeakSanitizer). */
static void test_csvwrite_open_out_of_memory(void **state)
{
    static const char *const cols[] = {"id", "name", "campaign"};
    const char *dir = mkscratch(), *path = pathof(dir, "oom.ndjson", 0);
    cw_writeopts o;

    (void)state;
    cw__writeopts_default(&o);
    for (int fmt = 0; fmt < 2; fmt++) {
        o.format = fmt ? CW_FMT_NDJSON : CW_FMT_CSV;
        for (long n = 0;; n++) {
            struct budget budget = {n, 0};
            cw_writer *w = (cw_writer *)&w;
            cw_err err;
            int rc;

            cw_set_allocator(budget_alloc, &budget);
            rc = cw__writer_open(path, cols, 3, &o, &w, &err);
            cw_set_allocator(NULL, NULL);
            if (rc == CW_OK) {
                assert_true(n > 2);
                assert_int_equal(count_entries(dir, NULL, 0), 1);
                cw__writer_close(w);
                break;
            }
            assert_int_equal(rc, CW_ENOMEM);
            assert_int_equal(err.code, CW_ENOMEM);
            assert_null(w);
            assert_int_equal(count_entries(dir, NULL, 0), 0);
        }
        assert_int_equal(count_entries(dir, NULL, 0), 0);
    }
    rmscratch(dir);
}

/* Fail each allocation of an open, write (with splitting) and commit
** sequence: the failure is CW_ENOMEM and nothing is left behind. */
static void test_csvwrite_write_out_of_memory(void **state)
{
    const char *dir = mkscratch(), *path = pathof(dir, "seq.csv", 0);
    char id[16], val[16];
    const char *v[2] = {id, val};
    cw_writeopts o;

    (void)state;
    cw__writeopts_default(&o);
    o.split_col = 1;
    o.max_distinct = 2;
    o.max_bytes = 40;
    for (long n = 0;; n++) {
        struct budget budget = {n, 0};
        cw_writer *w = NULL;
        int rc;

        cw_set_allocator(budget_alloc, &budget);
        rc = cw__writer_open(path, cols2, 2, &o, &w, NULL);
        for (int i = 0; rc == CW_OK && i < 60; i++) {
            snprintf(id, sizeof id, "%d", i);
            snprintf(val, sizeof val, "value-%d", i % 9);
            rc = put(w, 2, v);
        }
        if (rc == CW_OK)
            rc = cw__writer_commit(w);
        if (rc != CW_OK && w != NULL)
            assert_non_null(strstr(cw__writer_errmsg(w), "out of memory"));
        cw__writer_close(w);
        cw_set_allocator(NULL, NULL);
        if (rc == CW_OK) {
            assert_true(count_entries(dir, NULL, 0) > 16);
            break;
        }
        assert_int_equal(rc, CW_ENOMEM);
        assert_int_equal(count_entries(dir, NULL, 0), 0);
    }
    rmscratch(dir);
}

/* ==== cw_convert ==== */

static const char round_csv[] =
    "id,name,note,emoji\n"
    "1,\"Doe, Jane\",\"said \"\"hi\"\"\",\xF0\x9F\x8E\x89\n"
    "2,Bob,\"two\nlines\",\n"
    "3,, padded ,\xE2\x9C\x93 ok\n";

static const char round_ndjson[] =
    "{\"id\":\"1\",\"name\":\"Doe, Jane\",\"note\":\"said \\\"hi\\\"\","
    "\"emoji\":\"\xF0\x9F\x8E\x89\"}\n"
    "{\"id\":\"2\",\"name\":\"Bob\",\"note\":\"two\\nlines\",\"emoji\":\"\"}\n"
    "{\"id\":\"3\",\"name\":\"\",\"note\":\" padded "
    "\",\"emoji\":\"\xE2\x9C\x93 "
    "ok\"}\n";

/* CSV -> NDJSON -> CSV gives back the original bytes. */
static void test_csvwrite_convert_round_trip(void **state)
{
    const char *dir = mkscratch();
    const char *src = pathof(dir, "in.csv", 0),
               *mid = pathof(dir, "m.ndjson", 1);
    const char *back = pathof(dir, "back.csv", 2);
    unsigned long long rows = 99;
    cw_err err;

    (void)state;
    spit(src, round_csv);
    assert_int_equal(cw_convert(src, mid, &rows, &err), CW_OK);
    assert_int_equal(rows, 3);
    assert_file(mid, round_ndjson);
    rows = 0;
    assert_int_equal(cw_convert(mid, back, &rows, &err), CW_OK);
    assert_int_equal(rows, 3);
    assert_file(back, round_csv);
    /* .jsonl is NDJSON too. */
    assert_int_equal(cw_convert(src, pathof(dir, "m.JSONL", 3), &rows, &err),
                     CW_OK);
    assert_file(pathof(dir, "m.JSONL", 3), round_ndjson);
    rmscratch(dir);
}

/* NDJSON values: numbers keep their text, booleans are words, null and
** missing keys are empty, blank lines are skipped, \u escapes decode. */
static void test_csvwrite_convert_ndjson_values(void **state)
{
    static const char in[] =
        "\xEF\xBB\xBF{\"n\": -1.50e+3, \"b\": true, \"s\": \"x\", \"z\": "
        "null}\n"
        "\n"
        "   \r\n"
        "{\"b\":false,\"n\":0,\"s\":\"\\u00e9\\ud83c\\udf89\\/\\\\\\t\"}\r\n"
        "{\"s\":\"last, no LF\"}";
    static const char want[] = "n,b,s,z\n"
                               "-1.50e+3,true,x,\n"
                               "0,false,\xC3\xA9\xF0\x9F\x8E\x89/\\\t,\n"
                               ",,\"last, no LF\",\n";
    const char *dir = mkscratch();
    const char *src = pathof(dir, "v.ndjson", 0),
               *dst = pathof(dir, "v.csv", 1);
    unsigned long long rows = 0;
    cw_err err;

    (void)state;
    spit(src, in);
    assert_int_equal(cw_convert(src, dst, &rows, &err), CW_OK);
    assert_int_equal(rows, 3);
    assert_file(dst, want);
    rmscratch(dir);
}

/* Bad NDJSON: CW_EPARSE "file:line:col: ..." and no output at all. */
static void test_csvwrite_convert_ndjson_errors(void **state)
{
    static const struct {
        const char *in, *where, *what;
    } cases[] = {
        {"{\"a\":1}\n{\"a\":{\"x\":1}}\n", ":2:6:", "key \"a\": nested"},
        {"{\"a\":1}\n{\"a\":[1]}\n", ":2:6:", "nested"},
        {"{\"a\":1,\"b\":2}\n{\"a\":3}\n{\"a\":4,\"c\":5}\n",
         ":3:8:", "key \"c\" is not in the header (the keys of line 1)"},
        {"{\"a\":\"ok\"}\n{\"a\":\"bad \\x\"}\n",
         ":2:11:", "invalid escape \\x"},
        {"{\"a\":\"\\ud800x\"}\n", ":1:7:", "lone high surrogate"},
        {"{\"a\":\"\\udc00\"}\n", ":1:7:", "lone low surrogate"},
        {"{\"a\":\"\\u12G4\"}\n", ":1:7:", "four hex digits"},
        {"{\"a\":\"x\\u0000\"}\n", ":1:8:", "NUL character"},
        {"{\"a\":01}\n", ":1:7:", "',' or '}' expected"},
        {"{\"a\":-}\n", ":1:6:", "invalid number"},
        {"{\"a\":tru}\n", ":1:6:", "invalid value for key \"a\""},
        {"{\"a\":1}\n[1]\n", ":2:1:", "a JSON object expected"},
        {"{\"a\":1} x\n", ":1:9:", "unexpected text"},
        {"{\"a\":1,\"a\":2}\n", ":1:8:", "duplicate key"},
        {"{\"a\":1}\n{\"a\":1,\"a\":2}\n", ":2:8:", "duplicate key"},
        {"{\"a\":\"x\xC3(\"}\n", ":1:8:", "invalid UTF-8"},
        {"{\"a\":\"tab\there\"}\n", ":1:10:", "control character"},
        {"{\"a\":\"open\n", ":1:6:", "unterminated string"},
        {"{\"a\" 1}\n", ":1:6:", "':' expected"},
        {"{}\n", ":1:1:", "no keys"},
    };
    const char *dir = mkscratch();
    const char *src = pathof(dir, "bad.ndjson", 0),
               *dst = pathof(dir, "o.csv", 1);

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned long long rows = 7;
        cw_err err;
        int rc;

        spit(src, cases[i].in);
        rc = cw_convert(src, dst, &rows, &err);
        if (rc != CW_EPARSE || strstr(err.msg, cases[i].where) == NULL ||
            strstr(err.msg, cases[i].what) == NULL)
            fail_msg("case %zu: rc %d: %s", i, rc, err.msg);
        assert_int_equal(strncmp(err.msg, src, strlen(src)), 0);
        assert_int_equal(rows, 0);
        assert_int_equal(count_entries(dir, NULL, 0), 1); /* only the input */
    }
    spit(src, "\n\n");
    assert_int_equal(cw_convert(src, dst, NULL, NULL), CW_EPARSE);
    assert_int_equal(count_entries(dir, NULL, 0), 1);
    rmscratch(dir);
}

/* Unsupported pairs are CW_EUSAGE naming the extensions; a bad CSV input
** aborts with the reader's error and leaves no output. */
static void test_csvwrite_convert_refusals(void **state)
{
    const char *dir = mkscratch();
    const char *csv = pathof(dir, "r.csv", 0),
               *out = pathof(dir, "r.ndjson", 1);
    cw_err err;

    (void)state;
    assert_int_equal(cw_convert("a.csv", "b.csv", NULL, &err), CW_EUSAGE);
    assert_non_null(strstr(err.msg, ".ndjson"));
    assert_non_null(strstr(err.msg, ".jsonl"));
    assert_int_equal(cw_convert("a.ndjson", "b.jsonl", NULL, &err), CW_EUSAGE);
    assert_int_equal(cw_convert("a.txt", "b.csv", NULL, &err), CW_EUSAGE);
    assert_int_equal(cw_convert("a.csv", "b", NULL, &err), CW_EUSAGE);
    assert_int_equal(cw_convert("-", "b.csv", NULL, &err), CW_EUSAGE);
    assert_int_equal(cw_convert(pathof(dir, "none.csv", 2), out, NULL, &err),
                     CW_EIO);

    spit(csv, "id,name\n1,a\n2,b,extra\n3,c\n");
    assert_true(cw_convert(csv, out, NULL, &err) <= CW_EINVALID);
    assert_non_null(strstr(err.msg, csv));
    assert_non_null(strstr(err.msg, ":3"));
    assert_int_equal(count_entries(dir, NULL, 0), 1);
    rmscratch(dir);
}

/* Fail each allocation of a conversion, both ways: CW_ENOMEM, no output,
** no temp file. */
static void test_csvwrite_convert_out_of_memory(void **state)
{
    const char *dir = mkscratch();
    const char *src[2] = {pathof(dir, "m.ndjson", 0), pathof(dir, "n.csv", 2)};
    const char *dst[2] = {pathof(dir, "m.csv", 1), pathof(dir, "n.ndjson", 3)};
    const char *want[2] = {round_csv, round_ndjson};

    (void)state;
    spit(src[0], round_ndjson);
    spit(src[1], round_csv);
    for (int way = 0; way < 2; way++) {
        for (long n = 0;; n++) {
            struct budget budget = {n, 0};
            cw_err err;
            int rc;

            cw_set_allocator(budget_alloc, &budget);
            rc = cw_convert(src[way], dst[way], NULL, &err);
            cw_set_allocator(NULL, NULL);
            if (rc == CW_OK)
                break;
            assert_int_equal(rc, CW_ENOMEM);
            assert_int_equal(err.code, CW_ENOMEM);
            assert_int_equal(count_entries(dir, NULL, 0), 2 + way);
        }
        assert_file(dst[way], want[way]);
    }
    rmscratch(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csvwrite_quoting),
        cmocka_unit_test(test_csvwrite_header_bom),
        cmocka_unit_test(test_csvwrite_tab_delimiter),
        cmocka_unit_test(test_csvwrite_header_and_lone_field),
        cmocka_unit_test(test_csvwrite_delimiter_and_crlf),
        cmocka_unit_test(test_csvwrite_read_back),
        cmocka_unit_test(test_csvwrite_ndjson_escaping),
        cmocka_unit_test(test_csvwrite_atomic),
        cmocka_unit_test(test_csvwrite_io_errors),
        cmocka_unit_test(test_csvwrite_write_error),
        cmocka_unit_test(test_csvwrite_usage_errors),
        cmocka_unit_test(test_csvwrite_split_bytes),
        cmocka_unit_test(test_csvwrite_part_names),
        cmocka_unit_test(test_csvwrite_is_part),
        cmocka_unit_test(test_csvwrite_sweep),
        cmocka_unit_test(test_csvwrite_write_file),
        cmocka_unit_test(test_csvwrite_split_distinct),
        cmocka_unit_test(test_csvwrite_split_both),
        cmocka_unit_test(test_csvwrite_many_groups),
        cmocka_unit_test(test_blockq_order),
        cmocka_unit_test(test_csvwrite_thread_same_bytes),
        cmocka_unit_test(test_csvwrite_thread_read_back),
        cmocka_unit_test(test_csvwrite_thread_short_fields),
        cmocka_unit_test(test_csvwrite_thread_write_error),
        cmocka_unit_test(test_csvwrite_thread_close),
        cmocka_unit_test(test_csvwrite_thread_replaces),
        cmocka_unit_test(test_csvwrite_open_out_of_memory),
        cmocka_unit_test(test_csvwrite_write_out_of_memory),
        cmocka_unit_test(test_csvwrite_convert_round_trip),
        cmocka_unit_test(test_csvwrite_convert_ndjson_values),
        cmocka_unit_test(test_csvwrite_convert_ndjson_errors),
        cmocka_unit_test(test_csvwrite_convert_refusals),
        cmocka_unit_test(test_csvwrite_convert_out_of_memory),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
