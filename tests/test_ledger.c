/*
** test_ledger.c -- the delivery ledger's parts: SHA-256 against the
** published test vectors, the key and content texts (and reading a
** content text back), the order of watermark values, and the ledger's
** tables in a SQLite file: a run recorded and finished, confirm and
** release, the watermark a run may read past, a run forgotten when none
** of its files went in place, a crash settled from the files in place,
** a file that would replace a pending one, and the lock.
*/
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "crosswalk.h"
#include "ledger/hash.h"
#include "ledger/store.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

/* ==== SHA-256 ==== */

static void hexof(const void *p, size_t n, char out[65])
{
    unsigned char d[32];

    cw__sha256(p, n, d);
    cw__hex(d, 32, out);
}

static void test_sha256_vectors(void **state)
{
    static const struct {
        size_t n; /* 'a' repeated, or the text below when 0 */
        const char *text;
        const char *want;
    } v[] = {
        {0, "",
         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {0, "abc",
         "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {0, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        /* the lengths around the padding's edges */
        {55, NULL,
         "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
        {56, NULL,
         "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
        {63, NULL,
         "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
        {64, NULL,
         "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
        {65, NULL,
         "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
        {119, NULL,
         "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
        {120, NULL,
         "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
        {1000000, NULL,
         "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
    };
    char *a = malloc(1000000);
    char got[65];

    (void)state;
    assert_non_null(a);
    memset(a, 'a', 1000000);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        const char *p = v[i].text != NULL ? v[i].text : a;
        size_t n = v[i].text != NULL ? strlen(v[i].text) : v[i].n;

        hexof(p, n, got);
        assert_string_equal(got, v[i].want);
        /* The same in pieces of every size from 1 to 70 bytes. */
        for (size_t step = 1; step <= 70 && n < 2000; step++) {
            cw_sha256 c;
            unsigned char d[32];

            cw__sha256_init(&c);
            for (size_t at = 0; at < n; at += step)
                cw__sha256_add(&c, p + at, n - at < step ? n - at : step);
            cw__sha256_end(&c, d);
            cw__hex(d, 32, got);
            assert_string_equal(got, v[i].want);
        }
    }
    free(a);
}

/* ==== Texts ==== */

static void test_keytext(void **state)
{
    cw_field k[3] = {{"100000101", 9}, {"GOTV \"Oct\"\\2024", 15}, {NULL, 0}};
    cw_buf b = {0};

    (void)state;
    assert_int_equal(cw__ledger_keytext(&b, k, 3), CW_OK);
    assert_int_equal(cw__buf_addc(&b, '\0'), CW_OK);
    assert_string_equal(b.p,
                        "[\"100000101\",\"GOTV \\\"Oct\\\"\\\\2024\",\"\"]");
    /* Two keys whose values differ only in where one ends are two texts. */
    b.len = 0;
    k[0] = (cw_field){"a,b", 3};
    k[1] = (cw_field){"c", 1};
    assert_int_equal(cw__ledger_keytext(&b, k, 2), CW_OK);
    assert_int_equal(cw__buf_addc(&b, '\0'), CW_OK);
    assert_string_equal(b.p, "[\"a,b\",\"c\"]");
    b.len = 0;
    k[0] = (cw_field){"a", 1};
    k[1] = (cw_field){"b,c", 3};
    assert_int_equal(cw__ledger_keytext(&b, k, 2), CW_OK);
    assert_int_equal(cw__buf_addc(&b, '\0'), CW_OK);
    assert_string_equal(b.p, "[\"a\",\"b,c\"]");
    cw__buf_free(&b);
}

typedef struct seen {
    char text[512];
} seen;

static int collect(void *ud, const char *name, const char *value)
{
    seen *s = ud;
    size_t n = strlen(s->text);

    snprintf(s->text + n, sizeof s->text - n, "%s=%s|", name,
             value != NULL ? value : "(null)");
    return CW_OK;
}

static void test_rowtext(void **state)
{
    const char *names[] = {"Profile ID", "Message", "Note", "Tab\"col"};
    cw_field v[4] = {{"7", 1},
                     {"line one\nline \"two\"\r\x01", 21},
                     {NULL, 0},
                     {"caf\xc3\xa9\t", 6}};
    cw_buf b = {0};
    seen s = {""};

    (void)state;
    assert_int_equal(cw__ledger_rowtext(&b, names, v, 4, 1), CW_OK);
    assert_int_equal(cw__buf_addc(&b, '\0'), CW_OK);
    assert_string_equal(b.p,
                        "{\"Profile ID\":\"7\",\"Message\":\"line one\\nline "
                        "\\\"two\\\"\\r\\u0001\",\"Note\":\"\","
                        "\"Tab\\\"col\":\"caf\xc3\xa9\\t\"}");
    assert_int_equal(cw__ledger_rowparse(b.p, collect, &s), CW_OK);
    assert_string_equal(s.text, "Profile ID=7|Message=line one\nline "
                                "\"two\"\r\x01|Note=|Tab\"col=caf\xc3\xa9\t|");
    /* An NDJSON output writes null, so its content keeps it. */
    b.len = 0;
    s.text[0] = '\0';
    assert_int_equal(cw__ledger_rowtext(&b, names, v, 4, 0), CW_OK);
    assert_int_equal(cw__buf_addc(&b, '\0'), CW_OK);
    assert_non_null(strstr(b.p, "\"Note\":null,"));
    assert_int_equal(cw__ledger_rowparse(b.p, collect, &s), CW_OK);
    assert_non_null(strstr(s.text, "|Note=(null)|"));
    /* What is not such an object is refused. */
    assert_int_equal(cw__ledger_rowparse("{\"a\":1}", collect, &s), CW_EPARSE);
    assert_int_equal(cw__ledger_rowparse("{\"a\":\"1\"", collect, &s),
                     CW_EPARSE);
    assert_int_equal(cw__ledger_rowparse("[]", collect, &s), CW_EPARSE);
    assert_int_equal(cw__ledger_rowparse("{}", collect, &s), CW_OK);
    cw__buf_free(&b);
}

static void test_cmp(void **state)
{
    (void)state;
    /* Numbers as numbers. */
    assert_true(cw__ledger_cmp("9", 1, "10", 2) < 0);
    assert_true(cw__ledger_cmp("10.5", 4, "10.25", 5) > 0);
    assert_int_equal(cw__ledger_cmp("7", 1, "7.0", 3), 0);
    /* Else bytes: ISO times sort, a shorter prefix first. */
    assert_true(cw__ledger_cmp("2024-10-28 21:05:11.812345", 26,
                               "2024-10-28 21:05:12", 19) < 0);
    assert_true(cw__ledger_cmp("2024-10-28 21:05:12", 19,
                               "2024-10-28 21:05:12.5", 21) < 0);
    assert_true(cw__ledger_cmp("b", 1, "abc", 3) > 0);
    assert_int_equal(cw__ledger_cmp("x", 1, "x", 1), 0);
}

/* ==== The tables ==== */

static char dir[64];
static char db[128];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/cw_test_ledger.XXXXXX");
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(db, sizeof db, "%s/ledger.db", dir);
    return 0;
}

/* Remove 'path' and, when it is a directory, what it holds. */
static int rmtree(const char *path)
{
    struct stat st;
    DIR *d;
    struct dirent *e;
    char sub[512];

    if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return unlink(path);
    if ((d = opendir(path)) == NULL)
        return -1;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        rmtree(sub);
    }
    closedir(d);
    return rmdir(path);
}

static int teardown(void **state)
{
    (void)state;
    return rmtree(dir);
}

/* One number from the ledger's file, by SQL. */
static long long count(const char *sql)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    long long n = -1;

    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return n;
}

/* The state of the file numbered 'file', in 'out'. */
static void state_of(long long file, char *out, size_t size)
{
    sqlite3 *h;
    sqlite3_stmt *st;

    out[0] = '\0';
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(h,
                           "SELECT state FROM crosswalk_ledger_files WHERE "
                           "file = ?",
                           -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_int64(st, 1, file);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(h);
}

/* The identity of the file at 'path', as a run records it. */
typedef struct ident {
    char dev[24], ino[24], size[24], mtime[40];
} ident;

static void identify(const char *path, ident *id)
{
    struct stat st;

    assert_int_equal(stat(path, &st), 0);
    snprintf(id->dev, sizeof id->dev, "%llu", (unsigned long long)st.st_dev);
    snprintf(id->ino, sizeof id->ino, "%llu", (unsigned long long)st.st_ino);
    snprintf(id->size, sizeof id->size, "%lld", (long long)st.st_size);
    snprintf(id->mtime, sizeof id->mtime, "%lld.%09ld",
             (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
}

/* Write 'text' to DIR/name; its path in 'path'. */
static void put(const char *name, const char *text, char *path, size_t size)
{
    FILE *f;

    snprintf(path, size, "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A run of scope "r/out" writing 'rows' keys "k1".."kN" into one file
** written at TEMP and renamed to FINAL when 'rename_it', with the
** watermark 'mark' of "r/in".  Returns the file's number. */
static unsigned long long one_run(cw_lstore *s, const char *final, int nrows,
                                  const char *mark, int rename_it, int finish)
{
    unsigned long long run, file;
    char tmp[256], key[32], hash[65];
    const char *scopes[1] = {"r/out"};
    const char *marks[3] = {"r/in", "at", mark};
    cw_lnewfile nf;
    ident id;
    int in;

    assert_int_equal(cw__lstore_run_begin(s, "r", &run), CW_OK);
    assert_int_equal(cw__lstore_file_new(s, run, "r/out", 0, &file), CW_OK);
    for (int i = 1; i <= nrows; i++) {
        snprintf(key, sizeof key, "[\"k%d\"]", i);
        hexof(key, strlen(key), hash);
        assert_int_equal(
            cw__lstore_row(s, "r/out", key, hash, "{\"v\":\"x\"}", file),
            CW_OK);
    }
    put(".tmp-file", "k,v\n", tmp, sizeof tmp);
    identify(tmp, &id);
    nf = (cw_lnewfile){file,    final,  (unsigned long long)nrows,
                       id.dev,  id.ino, id.size,
                       id.mtime};
    assert_int_equal(cw__lstore_run_record(s, run, &nf, 1, marks, 1, scopes, 1),
                     CW_OK);
    if (rename_it)
        assert_int_equal(rename(tmp, final), 0);
    else
        unlink(tmp);
    in = rename_it;
    if (finish)
        assert_int_equal(cw__lstore_run_finish(s, run, &nf, &in, 1, in), CW_OK);
    return file;
}

static int live_count(void *ud, const char *key, const char *hash,
                      unsigned long long file)
{
    (void)key;
    (void)hash;
    (void)file;
    (*(int *)ud)++;
    return CW_OK;
}

static void test_store_run_confirm_release(void **state)
{
    char f1[256], f2[256], st[32];
    const char *mark;
    cw_lstore *s, *other;
    cw_lfile f;
    cw_err err;
    int n = 0;

    (void)state;
    /* A command needs a ledger; a run creates one. */
    assert_int_equal(cw__lstore_open(db, 0, &s, &err), CW_EUSAGE);
    assert_non_null(strstr(err.msg, "no ledger here"));
    assert_int_equal(
        cw__lstore_open(db, CW_LSTORE_LOOK | CW_LSTORE_MAYBE, &s, &err), CW_OK);
    assert_null(s);
    assert_int_equal(access(db, F_OK), -1);
    assert_int_equal(cw__lstore_open(db, CW_LSTORE_CREATE, &s, &err), CW_OK);
    /* One run at a time. */
    assert_int_equal(cw__lstore_open(db, 0, &other, &err), CW_EUSAGE);
    assert_non_null(strstr(err.msg, "in use by another crosswalk run"));

    snprintf(f1, sizeof f1, "%s/out1.csv", dir);
    assert_int_equal(one_run(s, f1, 3, "2024-10-01", 1, 1), 1);
    assert_int_equal(cw__lstore_live(s, "r/out", 0, live_count, &n), CW_OK);
    assert_int_equal(n, 3);
    state_of(1, st, sizeof st);
    assert_string_equal(st, "pending");
    /* The watermark waits for the file. */
    assert_int_equal(cw__lstore_mark(s, "r/in", "at", &mark), CW_OK);
    assert_null(mark);

    /* A second run into the same file while it is pending: refused, and
    ** nothing of it recorded. */
    {
        unsigned long long run, file;
        cw_lnewfile nf = {0, f1, 1, "1", "2", "3", "4"};

        assert_int_equal(cw__lstore_run_begin(s, "r", &run), CW_OK);
        assert_int_equal(run, 2);
        assert_int_equal(cw__lstore_file_new(s, run, "r/out", 0, &file), CW_OK);
        nf.id = file;
        assert_int_equal(
            cw__lstore_run_record(s, run, &nf, 1, NULL, 0, NULL, 0), CW_EUSAGE);
        assert_non_null(strstr(cw__lstore_errmsg(s),
                               "holds 3 rows that run 1 wrote and that are "
                               "not confirmed as imported yet"));
    }
    assert_int_equal(count("SELECT count(*) FROM crosswalk_ledger_runs"), 1);
    assert_int_equal(count("SELECT count(*) FROM crosswalk_ledger_files"), 1);

    /* Confirmed: the watermark is the run's. */
    assert_int_equal(cw__lstore_settle(s, f1, 0, 0, &f), CW_OK);
    assert_string_equal(f.state, "confirmed");
    assert_int_equal(f.rows, 3);
    assert_int_equal(cw__lstore_mark(s, "r/in", "at", &mark), CW_OK);
    assert_non_null(mark);
    assert_string_equal(mark, "2024-10-01");
    /* Again: nothing changes.  Released: refused, the rows are in. */
    assert_int_equal(cw__lstore_settle(s, f1, 0, 0, &f), CW_OK);
    assert_int_equal(cw__lstore_settle(s, f1, 1, 0, &f), CW_EUSAGE);
    assert_non_null(strstr(cw__lstore_errmsg(s), "is confirmed (imported"));

    /* A run whose file is released: its rows are no longer live, and its
    ** watermark never used; the earlier one still is. */
    snprintf(f2, sizeof f2, "%s/out2.csv", dir);
    assert_int_equal(one_run(s, f2, 2, "2024-11-01", 1, 1), 2);
    n = 0;
    assert_int_equal(cw__lstore_live(s, "r/out", 0, live_count, &n), CW_OK);
    assert_int_equal(n, 5);
    assert_int_equal(cw__lstore_settle(s, f2, 1, 0, &f), CW_OK);
    assert_string_equal(f.state, "released");
    n = 0;
    assert_int_equal(cw__lstore_live(s, "r/out", 0, live_count, &n), CW_OK);
    assert_int_equal(n, 3);
    assert_int_equal(cw__lstore_mark(s, "r/in", "at", &mark), CW_OK);
    assert_string_equal(mark, "2024-10-01");
    assert_int_equal(cw__lstore_settle(s, f2, 0, 0, &f), CW_EUSAGE);
    /* A path with no file of the ledger. */
    assert_int_equal(cw__lstore_settle(s, "/nonexistent/x.csv", 0, 0, &f),
                     CW_EUSAGE);
    assert_non_null(strstr(cw__lstore_errmsg(s), "no file of the ledger"));
    cw__lstore_close(s);
    /* The lock went with it. */
    assert_int_equal(cw__lstore_open(db, 0, &s, &err), CW_OK);
    cw__lstore_close(s);
}

static void test_store_failed_and_crashed(void **state)
{
    char f1[256], f2[256], f3[256], st[32];
    unsigned long long a, b;
    unsigned long long kept, dropped;
    cw_lstore *s;
    cw_err err;

    (void)state;
    assert_int_equal(cw__lstore_open(db, CW_LSTORE_CREATE, &s, &err), CW_OK);
    snprintf(f1, sizeof f1, "%s/kept.csv", dir);
    assert_int_equal(one_run(s, f1, 2, "5", 1, 1), 1);
    /* A run that failed with none of its files in place is forgotten. */
    snprintf(f2, sizeof f2, "%s/never.csv", dir);
    one_run(s, f2, 4, "9", 0, 1);
    assert_int_equal(count("SELECT count(*) FROM crosswalk_ledger_runs"), 1);
    assert_int_equal(count("SELECT count(*) FROM crosswalk_ledger_files"), 1);
    assert_int_equal(count("SELECT count(*) FROM crosswalk_ledger"), 2);
    assert_int_equal(count("SELECT count(*) FROM crosswalk_ledger_marks"), 1);
    /* Two runs that stop after recording, before finishing: one renamed
    ** its file, one did not. */
    snprintf(f3, sizeof f3, "%s/crashed.csv", dir);
    a = one_run(s, f3, 3, "7", 1, 0);
    cw__lstore_close(s);
    assert_int_equal(cw__lstore_open(db, CW_LSTORE_CREATE, &s, &err), CW_OK);
    cw__lstore_reconciled(s, &kept, &dropped);
    assert_int_equal(kept, 1);
    assert_int_equal(dropped, 0);
    state_of((long long)a, st, sizeof st);
    assert_string_equal(st, "pending");
    assert_int_equal(
        count(
            "SELECT count(*) FROM crosswalk_ledger_runs WHERE state = 'done'"),
        2);
    b = one_run(s, f2, 4, "9", 0, 0);
    cw__lstore_close(s);
    /* A dry run looks and settles nothing. */
    assert_int_equal(cw__lstore_open(db, CW_LSTORE_LOOK, &s, &err), CW_OK);
    state_of((long long)b, st, sizeof st);
    assert_string_equal(st, "writing");
    cw__lstore_close(s);
    assert_int_equal(cw__lstore_open(db, 0, &s, &err), CW_OK);
    cw__lstore_reconciled(s, &kept, &dropped);
    assert_int_equal(kept, 0);
    assert_int_equal(dropped, 1);
    /* Not in place, none of it: the ledger is as before that run. */
    state_of((long long)b, st, sizeof st);
    assert_string_equal(st, "");
    assert_int_equal(count("SELECT count(*) FROM crosswalk_ledger"), 5);
    assert_int_equal(count("SELECT count(*) FROM crosswalk_ledger_runs"), 2);
    cw__lstore_close(s);
}

static void test_store_targets(void **state)
{
    cw_lstore *s;
    cw_err err;
    char t[256];

    (void)state;
    assert_int_equal(cw__lstore_open("host=x password=sekrit", 0, &s, &err),
                     CW_EUSAGE);
    assert_null(strstr(err.msg, "sekrit"));
    assert_int_equal(cw__lstore_open("mysql:x", 0, &s, &err), CW_EUSAGE);
    assert_int_equal(cw__lstore_open("", 0, &s, &err), CW_EUSAGE);
    snprintf(t, sizeof t, "sqlite:%s#bad-name", db);
    assert_int_equal(cw__lstore_open(t, CW_LSTORE_CREATE, &s, &err), CW_EUSAGE);
    assert_non_null(strstr(err.msg, "is not a table name"));
    /* Another table in the same file is another ledger. */
    snprintf(t, sizeof t, "sqlite:%s#weekly", db);
    assert_int_equal(cw__lstore_open(t, CW_LSTORE_CREATE, &s, &err), CW_OK);
    assert_string_equal(cw__lstore_shown(s), t);
    cw__lstore_close(s);
    assert_int_equal(count("SELECT count(*) FROM weekly_runs"), 0);
}

/* ==== Through the public API ==== */

/* A run of people.lua over DIR/in.csv into DIR/OUT with the ledger. */
static int api_run(const char *out, cw_summary *sum, cw_ledgerrun *info)
{
    char path[256];
    cw_run *r;
    int rc;

    assert_int_equal(cw_run_new(&r, NULL), CW_OK);
    assert_int_equal(cw_run_ledger(r, db), CW_OK); /* before the load */
    assert_int_equal(cw_run_home(r, home()), CW_OK);
    snprintf(path, sizeof path, "%s/people.lua", dir);
    assert_int_equal(cw_run_load(r, path), CW_OK);
    snprintf(path, sizeof path, "%s/in.csv", dir);
    assert_int_equal(cw_run_input(r, NULL, path), CW_OK);
    snprintf(path, sizeof path, "%s/%s", dir, out);
    assert_int_equal(cw_run_outdir(r, path), CW_OK);
    cw_run_ledger_info(r, info); /* before the run: nothing */
    assert_null(info->target);
    rc = cw_run_exec(r);
    cw_run_summary(r, sum);
    cw_run_ledger_info(r, info);
    assert_int_equal(cw_run_ledger(r, "other.db"), CW_EUSAGE);
    /* The strings of 'info' are the run's: keep what is checked. */
    assert_non_null(info->target);
    assert_string_equal(info->target, db);
    info->target = NULL;
    cw_run_free(r);
    return rc;
}

static void test_api(void **state)
{
    char path[256], outfile[256];
    cw_summary sum;
    cw_ledgerrun info;
    cw_ledgerfile f;
    cw_ledgermark m;
    cw_ledger *l;
    cw_err err;

    (void)state;
    put("people.lua",
        "return { inputs = { people = { since = 'at' } }, steps = {},\n"
        "  outputs = { out = { path = 'p.csv', columns = { 'id', 'at' },\n"
        "                      key = { 'id' } } } }\n",
        path, sizeof path);
    put("in.csv", "id,at\n1,5\n2,7\n", path, sizeof path);
    cw_ledger_free(NULL);
    assert_int_equal(cw_ledger_new(db, &l, &err), CW_EUSAGE);
    assert_null(l);
    assert_non_null(strstr(err.msg, "no ledger here"));

    assert_int_equal(api_run("a", &sum, &info), CW_OK);
    assert_true(sum.ledger);
    assert_int_equal(sum.written, 2);
    assert_int_equal(sum.sent_before, 0);
    assert_int_equal(info.run, 1);
    assert_int_equal(info.recorded, 2);
    assert_null(info.from);
    assert_int_equal(api_run("b", &sum, &info), CW_OK);
    assert_int_equal(sum.written, 0);
    assert_int_equal(sum.sent_before, 2);
    assert_int_equal(sum.noutputs, 0); /* nothing new: no file */
    assert_int_equal(info.waiting, 2);

    assert_int_equal(cw_ledger_new(db, &l, &err), CW_OK);
    assert_string_equal(cw_ledger_target(l), db);
    assert_int_equal(cw_ledger_nfiles(l), 1);
    assert_int_equal(cw_ledger_file(l, 0, &f), CW_OK);
    assert_string_equal(f.state, "pending");
    assert_string_equal(f.output, "people/out");
    assert_int_equal(f.rows, 2);
    assert_int_equal(cw_ledger_file(l, 1, &f), CW_EUSAGE);
    assert_int_equal(cw_ledger_nmarks(l), 2);
    assert_int_equal(cw_ledger_mark(l, 1, &m), CW_OK);
    assert_string_equal(m.input, "people/people");
    assert_string_equal(m.value, "7");
    assert_false(m.usable);
    snprintf(outfile, sizeof outfile, "%s/a/p.csv", dir);
    assert_int_equal(cw_ledger_confirm(l, outfile, &f), CW_OK);
    assert_string_equal(f.state, "confirmed");
    assert_int_equal(cw_ledger_mark(l, 1, &m), CW_OK);
    assert_true(m.usable);
    assert_int_equal(cw_ledger_release(l, outfile, &f), CW_EUSAGE);
    assert_non_null(strstr(cw_ledger_errmsg(l), "only a pending file"));
    cw_ledger_free(l);

    /* Past the watermark: the older rows are filtered. */
    put("in.csv", "id,at\n1,5\n2,7\n3,9\n", path, sizeof path);
    assert_int_equal(api_run("c", &sum, &info), CW_OK);
    assert_int_equal(sum.read, 3);
    assert_int_equal(sum.filtered, 2);
    assert_int_equal(sum.written, 1);
    assert_int_equal(info.before, 2);
    /* Those strings are gone with the run; the numbers stay. */
    assert_int_equal(info.recorded, 1);
}

/* A ledger over an output large enough for a writer thread (more than a
** megabyte): every row is recorded with the file it went to. */
static void test_api_large(void **state)
{
    char path[256];
    cw_summary sum;
    cw_ledgerrun info;
    cw_ledger *l;
    cw_ledgerfile f;
    FILE *fp;

    (void)state;
    put("people.lua",
        "return { inputs = { people = {} }, steps = {},\n"
        "  outputs = { out = { path = 'p.csv', columns = { 'id', 'text' },\n"
        "                      key = { 'id' } } } }\n",
        path, sizeof path);
    snprintf(path, sizeof path, "%s/in.csv", dir);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("id,text\n", fp);
    for (int i = 0; i < 40000; i++)
        fprintf(fp, "%d,\"row %d, long enough to pass a megabyte\"\n", i, i);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(api_run("big", &sum, &info), CW_OK);
    assert_int_equal(sum.written, 40000);
    assert_int_equal(info.recorded, 40000);
    assert_int_equal(cw_ledger_new(db, &l, NULL), CW_OK);
    assert_int_equal(cw_ledger_nfiles(l), 1);
    assert_int_equal(cw_ledger_file(l, 0, &f), CW_OK);
    assert_int_equal(f.rows, 40000);
    cw_ledger_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_keytext),
        cmocka_unit_test(test_rowtext),
        cmocka_unit_test(test_cmp),
        cmocka_unit_test_setup_teardown(test_store_run_confirm_release, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store_failed_and_crashed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store_targets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_api, setup, teardown),
        cmocka_unit_test_setup_teardown(test_api_large, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
