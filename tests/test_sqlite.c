/*
** test_sqlite.c -- the SQLite sink and source, 'crosswalk load' through
** cw_load_*, CSV to a table through cw_convert, and a recipe writing a
** table through cw_run_*.  Every test works on real SQLite files in a
** temporary directory and reads them back through the SQLite source.
*/
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "crosswalk.h"
#include "db/sqlite.h"
#include "io/sink.h"
#include "io/source.h"

#include <dirent.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ==== Helpers ==== */

/* A fresh scratch directory (static storage). */
static const char *mkscratch(void)
{
    static char dir[64];

    strcpy(dir, "/tmp/cw_test_sqlite.XXXXXX");
    assert_non_null(mkdtemp(dir));
    return dir;
}

/* Remove every file in 'dir', then 'dir'. */
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
        assert_int_equal(unlink(path), 0);
    }
    closedir(d);
    assert_int_equal(rmdir(dir), 0);
}

/* "dir/name" in one of four static buffers. */
static const char *pathof(const char *dir, const char *name, int slot)
{
    static char buf[4][512];

    snprintf(buf[slot], sizeof buf[slot], "%s/%s", dir, name);
    return buf[slot];
}

/* "sqlite:PATH" or "sqlite:PATH#WHAT" in one of four static buffers. */
static const char *spec(const char *path, const char *what, int slot)
{
    static char buf[4][1024];

    snprintf(buf[slot], sizeof buf[slot], "sqlite:%s%s%s", path,
             what ? "#" : "", what ? what : "");
    return buf[slot];
}

static int exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* Write 'text' to the file 'path'. */
static void writefile(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* The whole file 'path' (static storage). */
static const char *readfile(const char *path)
{
    static char buf[8192];
    FILE *f = fopen(path, "r");
    size_t n;

    assert_non_null(f);
    n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/*
** Run query 'what' on the database 'path' through the SQLite source and
** return its rows as text: fields joined by '|', NULL as '~', one line a
** row (static storage; two slots).
*/
static const char *dump(const char *path, const char *what, int slot)
{
    static char buf[2][65536];
    char *out = buf[slot];
    size_t n = 0;
    cw_input in;
    cw_err err;
    int rc = cw__input_open(spec(path, what, 3), &in, &err);

    if (rc != CW_OK)
        fail_msg("%s: %s", what, err.msg);
    out[0] = '\0';
    while ((rc = in.type->next(in.s)) == CW_ROW) {
        for (size_t i = 0; i < in.type->nfields(in.s); i++) {
            size_t len;
            const char *v = in.type->field(in.s, i, &len);

            if (v == NULL) {
                v = "~";
                len = 1;
            }
            assert_true(n + len + 2 < sizeof buf[0]);
            if (i > 0)
                out[n++] = '|';
            memcpy(out + n, v, len);
            n += len;
        }
        out[n++] = '\n';
        out[n] = '\0';
    }
    assert_int_equal(rc, CW_DONE);
    cw__input_close(&in);
    return out;
}

/* Open a sink on the SQLite file 'path'. */
static int sink(const char *path, const char *table, const cw_sinkcol *cols,
                size_t n, enum cw_sinkmode mode, cw_table *o, cw_err *err)
{
    return cw__table_open(spec(path, NULL, 2), table, cols, n, mode, o, err);
}

/* Write one row of up to 16 values (NULL is SQL NULL) as line 'line' of
** "in.csv". */
static int put(cw_table *o, unsigned long line, size_t n, const char *const *v)
{
    cw_field f[16];

    assert_true(n <= N(f));
    for (size_t i = 0; i < n; i++)
        f[i] = (cw_field){v[i], v[i] ? strlen(v[i]) : 0};
    return o->type->write(o->s, f, "in.csv", line);
}

static const cw_sinkcol people[] = {
    {"id", CW_T_ID, 1}, {"name", CW_T_TEXT, 0}, {"n", CW_T_INTEGER, 0}};

/* A table 'people' in 'path' holding ids 1 to 'rows' (key: id). */
static void seed(const char *path, int rows)
{
    cw_table o;
    cw_err err;

    assert_int_equal(sink(path, "people", people, 3, CW_MODE_UPSERT, &o, &err),
                     CW_OK);
    for (int i = 1; i <= rows; i++) {
        char id[16], nm[16];
        const char *v[3] = {id, nm, "1"};

        snprintf(id, sizeof id, "%d", i);
        snprintf(nm, sizeof nm, "p%d", i);
        assert_int_equal(put(&o, (unsigned long)i + 1, 3, v), CW_OK);
    }
    assert_int_equal(o.type->commit(o.s), CW_OK);
    cw__table_close(&o);
}

/* ==== Sink ==== */

/* Created columns get the schema's types; values are converted to them. */
static void test_sqlite_column_types(void **state)
{
    static const cw_sinkcol cols[] = {
        {"id", CW_T_ID, 1},       {"name", CW_T_TEXT, 0},
        {"n", CW_T_INTEGER, 0},   {"x", CW_T_NUMBER, 0},
        {"ok", CW_T_BOOLEAN, 0},  {"d", CW_T_DATE, 0},
        {"ts", CW_T_DATETIME, 0}, {"phone", CW_T_PHONE, 0},
        {"email", CW_T_EMAIL, 0}, {"kind", CW_T_ENUM, 0},
        {"extra", CW_T_JSON, 0},
    };
    static const char *const r1[] = {"007",
                                     "Ann",
                                     "-42",
                                     "2.50",
                                     "true",
                                     "01/05/2024",
                                     "2024-10-05T12:12:13-04:00",
                                     "+14145550508",
                                     "a@b.org",
                                     "user",
                                     "{\"a\":1}"};
    static const char *const r2[] = {"008",
                                     "",
                                     "9223372036854775807",
                                     "1e3",
                                     "no",
                                     "2024-02-29",
                                     "1/5/2024 1:30 PM",
                                     NULL,
                                     NULL,
                                     NULL,
                                     NULL};
    static const char *const r3[] = {"009", NULL, " ",  "",   "",  "",
                                     NULL,  NULL, NULL, NULL, NULL};
    const char *dir = mkscratch(), *db = pathof(dir, "t.db", 0);
    cw_table o;
    cw_err err;

    (void)state;
    assert_int_equal(sink(db, "t", cols, N(cols), CW_MODE_CREATE, &o, &err),
                     CW_OK);
    assert_int_equal(put(&o, 2, N(cols), r1), CW_OK);
    assert_int_equal(put(&o, 3, N(cols), r2), CW_OK);
    assert_int_equal(put(&o, 4, N(cols), r3), CW_OK);
    assert_int_equal(o.type->rows(o.s), 3);
    assert_int_equal(o.type->commit(o.s), CW_OK);
    cw__table_close(&o);
    assert_string_equal(dump(db, "PRAGMA table_info(\"t\")", 0),
                        "0|id|TEXT|1|~|1\n"
                        "1|name|TEXT|0|~|0\n"
                        "2|n|INTEGER|0|~|0\n"
                        "3|x|REAL|0|~|0\n"
                        "4|ok|INTEGER|0|~|0\n"
                        "5|d|TEXT|0|~|0\n"
                        "6|ts|TEXT|0|~|0\n"
                        "7|phone|TEXT|0|~|0\n"
                        "8|email|TEXT|0|~|0\n"
                        "9|kind|TEXT|0|~|0\n"
                        "10|extra|TEXT|0|~|0\n");
    assert_string_equal(
        dump(db,
             "SELECT id, typeof(id), name, n, typeof(n), x, typeof(x), ok, "
             "typeof(ok), d, ts, phone, extra FROM t ORDER BY id",
             0),
        "007|text|Ann|-42|integer|2.5|real|1|integer|2024-01-05|"
        "2024-10-05T12:12:13-04:00|+14145550508|{\"a\":1}\n"
        "008|text||9223372036854775807|integer|1000.0|real|0|integer|"
        "2024-02-29|2024-01-05T13:30:00|~|~\n"
        "009|text|~|~|null|~|null|~|null|~|~|~|~\n");
    rmscratch(dir);
}

/* A value that is not of its column's type fails the row, naming it. */
static void test_sqlite_bad_values(void **state)
{
    static const cw_sinkcol cols[] = {{"n", CW_T_INTEGER, 0},
                                      {"ok", CW_T_BOOLEAN, 0},
                                      {"d", CW_T_DATETIME, 0},
                                      {"x", CW_T_NUMBER, 0}};
    static const char *const bad[][4] = {
        {"12abc", "1", "2024-01-01", "1"},
        {"99999999999999999999", "1", "2024-01-01", "1"},
        {"1", "maybe", "2024-01-01", "1"},
        {"1", "1", "13/45/2024", "1"},
        {"1", "1", "2024-01-01", "1.2.3"},
    };
    static const char *const why[] = {
        "column 'n': not a 64-bit integer: '12abc'",
        "column 'n': not a 64-bit integer: '99999999999999999999'",
        "column 'ok': not a boolean: 'maybe'",
        "column 'd': not a date or time: '13/45/2024'",
        "column 'x': not a number: '1.2.3'"};
    const char *dir = mkscratch(), *db = pathof(dir, "t.db", 0);

    (void)state;
    for (size_t k = 0; k < N(bad); k++) {
        cw_table o;
        cw_err err;
        const char *msg;

        assert_int_equal(sink(db, "t", cols, 4, CW_MODE_REPLACE, &o, &err),
                         CW_OK);
        assert_int_equal(put(&o, 40 + k, 4, bad[k]), CW_ESINK);
        msg = o.type->errmsg(o.s);
        assert_non_null(strstr(msg, why[k]));
        assert_ptr_equal(strstr(msg, "in.csv:4"), msg);
        assert_int_equal(o.type->rows(o.s), 0);
        cw__table_close(&o);
    }
    assert_false(exists(db)); /* never committed: the new file is gone */
    rmscratch(dir);
}

/* create fails on an existing table; append adds; replace starts over;
** upsert without a key is a usage error. */
static void test_sqlite_modes(void **state)
{
    const char *dir = mkscratch(), *db = pathof(dir, "t.db", 0);
    static const cw_sinkcol nokey[] = {{"id", CW_T_ID, 0},
                                       {"name", CW_T_TEXT, 0}};
    const char *v[3] = {"9", "p9", "1"};
    cw_table o;
    cw_err err;

    (void)state;
    seed(db, 2);
    assert_int_equal(sink(db, "people", people, 3, CW_MODE_CREATE, &o, &err),
                     CW_EUSAGE);
    assert_null(o.s);
    assert_non_null(strstr(err.msg, "table \"people\" already exists"));
    /* Names are compared as SQLite does, ignoring case. */
    assert_int_equal(sink(db, "PEOPLE", people, 3, CW_MODE_CREATE, &o, &err),
                     CW_EUSAGE);
    assert_string_equal(dump(db, "SELECT id FROM people ORDER BY id", 0),
                        "1\n2\n");

    assert_int_equal(sink(db, "people", people, 3, CW_MODE_APPEND, &o, &err),
                     CW_OK);
    assert_int_equal(put(&o, 2, 3, v), CW_OK);
    assert_int_equal(o.type->commit(o.s), CW_OK);
    cw__table_close(&o);
    assert_string_equal(dump(db, "SELECT id FROM people ORDER BY id", 0),
                        "1\n2\n9\n");

    assert_int_equal(sink(db, "people", nokey, 2, CW_MODE_REPLACE, &o, &err),
                     CW_OK);
    assert_int_equal(put(&o, 2, 2, v), CW_OK);
    assert_int_equal(o.type->commit(o.s), CW_OK);
    cw__table_close(&o);
    assert_string_equal(dump(db, "SELECT * FROM people", 0), "9|p9\n");
    assert_string_equal(dump(db, "PRAGMA table_info(people)", 1),
                        "0|id|TEXT|0|~|0\n1|name|TEXT|0|~|0\n");

    assert_int_equal(sink(db, "people", nokey, 2, CW_MODE_UPSERT, &o, &err),
                     CW_EUSAGE);
    assert_non_null(strstr(err.msg, "upsert needs key columns"));
    /* An existing table without a unique key cannot take upserts. */
    assert_int_equal(sink(db, "people", people, 3, CW_MODE_UPSERT, &o, &err),
                     CW_EUSAGE);
    assert_non_null(strstr(err.msg, "PRIMARY KEY or UNIQUE"));
    assert_string_equal(dump(db, "SELECT * FROM people", 0), "9|p9\n");
    rmscratch(dir);
}

/* Upserting the same rows twice leaves the same rows; changed values are
** updated and new keys inserted.  A composite key works the same. */
static void test_sqlite_upsert(void **state)
{
    static const cw_sinkcol cols[] = {{"Profile ID", CW_T_ID, 1},
                                      {"Effort Name", CW_T_TEXT, 1},
                                      {"Replied", CW_T_BOOLEAN, 0}};
    static const char *const rows[][3] = {{"1", "GOTV", "true"},
                                          {"1", "Persuasion", "false"},
                                          {"2", "GOTV", "false"},
                                          {"1", "GOTV", "false"}};
    static const char *const keyonly[] = {"5"};
    static const cw_sinkcol onlykey[] = {{"id", CW_T_ID, 1}};
    const char *dir = mkscratch(), *db = pathof(dir, "t.db", 0);
    const char *sql = "SELECT * FROM interactions ORDER BY 1, 2";
    char first[256];
    cw_table o;
    cw_err err;

    (void)state;
    for (int pass = 0; pass < 2; pass++) {
        assert_int_equal(
            sink(db, "interactions", cols, 3, CW_MODE_UPSERT, &o, &err), CW_OK);
        for (size_t i = 0; i < 3; i++)
            assert_int_equal(put(&o, i + 2, 3, rows[i]), CW_OK);
        assert_int_equal(o.type->commit(o.s), CW_OK);
        cw__table_close(&o);
        if (pass == 0)
            snprintf(first, sizeof first, "%s", dump(db, sql, 0));
        else
            assert_string_equal(dump(db, sql, 0), first);
    }
    assert_string_equal(first, "1|GOTV|1\n1|Persuasion|0\n2|GOTV|0\n");
    assert_int_equal(
        sink(db, "interactions", cols, 3, CW_MODE_UPSERT, &o, &err), CW_OK);
    assert_int_equal(put(&o, 2, 3, rows[3]), CW_OK);
    assert_int_equal(put(&o, 3, 3, (const char *[]){"3", "GOTV", "yes"}),
                     CW_OK);
    assert_int_equal(o.type->commit(o.s), CW_OK);
    cw__table_close(&o);
    assert_string_equal(dump(db, sql, 0),
                        "1|GOTV|0\n1|Persuasion|0\n2|GOTV|0\n3|GOTV|1\n");

    /* Every column in the key: DO NOTHING on a repeat. */
    for (int pass = 0; pass < 2; pass++) {
        assert_int_equal(sink(db, "ids", onlykey, 1, CW_MODE_UPSERT, &o, &err),
                         CW_OK);
        assert_int_equal(put(&o, 2, 1, keyonly), CW_OK);
        assert_int_equal(o.type->commit(o.s), CW_OK);
        cw__table_close(&o);
    }
    assert_string_equal(dump(db, "SELECT * FROM ids", 0), "5\n");
    rmscratch(dir);
}

/* Rows go to SQLite in groups (one INSERT of 128 rows) and the last few
** one by one: typed values convert the same either way, and a key given
** again keeps its last row: in a later group (keys 100-127), in the same
** group (128-155), one by one after a group (156-199). */
static void test_sqlite_upsert_groups(void **state)
{
    static const cw_sinkcol cols[] = {{"k", CW_T_INTEGER, 1},
                                      {"n", CW_T_INTEGER, 0},
                                      {"ok", CW_T_BOOLEAN, 0},
                                      {"d", CW_T_DATE, 0},
                                      {"t", CW_T_TEXT, 0}};
    const char *dir = mkscratch(), *db = pathof(dir, "t.db", 0);
    static char want[16384];
    size_t w = 0;
    cw_table o;
    cw_err err;

    (void)state;
    assert_int_equal(sink(db, "g", cols, 5, CW_MODE_UPSERT, &o, &err), CW_OK);
    for (int i = 0; i < 300; i++) {
        char k[16], n[16], d[16], t[16];
        const char *v[5] = {k, n, i % 3 ? "yes" : "no", d, i % 5 ? t : NULL};

        snprintf(k, sizeof k, "%d", i < 200 ? i : i - 100);
        snprintf(n, sizeof n, "%d", i);
        snprintf(d, sizeof d, "1/%d/2024", i % 28 + 1);
        snprintf(t, sizeof t, "row %d", i);
        assert_int_equal(put(&o, (unsigned long)i + 2, 5, v), CW_OK);
    }
    assert_int_equal(o.type->commit(o.s), CW_OK);
    cw__table_close(&o);
    /* Key k's last row: row k below 100, else row k + 100. */
    for (int k = 0; k < 200; k++) {
        int i = k < 100 ? k : k + 100;
        char t[16] = "~";

        if (i % 5)
            snprintf(t, sizeof t, "row %d", i);
        w += (size_t)snprintf(want + w, sizeof want - w,
                              "%d|%d|%d|2024-01-%02d|%s\n", k, i, i % 3 ? 1 : 0,
                              i % 28 + 1, t);
    }
    assert_string_equal(
        dump(db, "SELECT k, n, ok, d, coalesce(t, '~') FROM g ORDER BY k", 0),
        want);
    assert_string_equal(
        dump(db, "SELECT typeof(k), typeof(n), typeof(ok) FROM g LIMIT 1", 0),
        "integer|integer|integer\n");
    rmscratch(dir);
}

/* A constraint error names the row's file:line and fails the write; the
** caller then closes without commit and the table is as it was. */
static void test_sqlite_constraint_error(void **state)
{
    const char *dir = mkscratch(), *db = pathof(dir, "t.db", 0);
    const char *dup[3] = {"2", "again", "1"};
    const char *nokey[3] = {NULL, "nobody", "1"};
    const char *ok[3] = {"3", "p3", "1"};
    char before[1024];
    cw_table o;
    cw_err err;
    int rc;

    (void)state;
    seed(db, 2);
    snprintf(before, sizeof before, "%s", dump(db, "SELECT * FROM people", 0));
    assert_int_equal(sink(db, "people", people, 3, CW_MODE_APPEND, &o, &err),
                     CW_OK);
    /* Rows are inserted in groups: the error comes at a later write or
    ** at commit, and names the row. */
    assert_int_equal(put(&o, 6, 3, ok), CW_OK);
    rc = put(&o, 7, 3, dup);
    assert_int_equal(rc == CW_OK ? o.type->commit(o.s) : rc, CW_ESINK);
    assert_ptr_equal(strstr(o.type->errmsg(o.s), "in.csv:7: sqlite:"),
                     o.type->errmsg(o.s));
    assert_non_null(
        strstr(o.type->errmsg(o.s), "UNIQUE constraint failed: people.id"));
    cw__table_close(&o);
    assert_string_equal(dump(db, "SELECT * FROM people", 0), before);

    /* A NULL key breaks the key's NOT NULL, even in upsert mode. */
    assert_int_equal(sink(db, "people", people, 3, CW_MODE_UPSERT, &o, &err),
                     CW_OK);
    rc = put(&o, 9, 3, nokey);
    assert_int_equal(rc == CW_OK ? o.type->commit(o.s) : rc, CW_ESINK);
    assert_non_null(strstr(o.type->errmsg(o.s), "in.csv:9: "));
    assert_non_null(strstr(o.type->errmsg(o.s), "NOT NULL constraint failed"));
    cw__table_close(&o);
    assert_string_equal(dump(db, "SELECT * FROM people", 0), before);
    rmscratch(dir);
}

/* Run 'sql' on the database file 'path' (the tests' own connection). */
static void exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;

    cw__sqlite_setup();
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    sqlite3_close(db);
}

/*
** Upsert 300 rows of people (key id) into 'table' of 'db': ids 1000 up,
** n = 5 for the row of line 142 (id 1140, given again on line 152), and
** no id on the row of line 160, all three in the second group of 128
** rows.  The write that completes that group, or the commit, fails
** naming line 160 and the key's NOT NULL; nothing is kept.
*/
static void upsert_null_key(const char *db, const char *table)
{
    char before[4096], q[128];
    cw_table o;
    cw_err err;
    int rc = CW_OK;

    snprintf(q, sizeof q, "SELECT count(*) FROM \"%s\"", table);
    snprintf(before, sizeof before, "%s",
             dump(db, "SELECT name FROM sqlite_master ORDER BY name", 0));
    assert_int_equal(sink(db, table, people, 3, CW_MODE_UPSERT, &o, &err),
                     CW_OK);
    for (int i = 0; rc == CW_OK && i < 300; i++) {
        char id[16], nm[16];
        const char *v[3] = {i == 158 ? NULL : id, nm, i == 140 ? "5" : "1"};

        snprintf(id, sizeof id, "%d", i == 150 ? 1140 : 1000 + i);
        snprintf(nm, sizeof nm, "p%d", i);
        rc = put(&o, (unsigned long)i + 2, 3, v);
    }
    if (rc == CW_OK)
        rc = o.type->commit(o.s);
    assert_int_equal(rc, CW_ESINK);
    if (strstr(o.type->errmsg(o.s), "in.csv:160: ") == NULL ||
        strstr(o.type->errmsg(o.s), "NOT NULL constraint failed") == NULL)
        fail_msg("%s", o.type->errmsg(o.s));
    cw__table_close(&o);
    assert_string_equal(
        dump(db, "SELECT name FROM sqlite_master ORDER BY name", 0), before);
    if (strcmp(table, "people") == 0)
        assert_string_equal(dump(db, q, 1), "2\n");
}

/* A row that fails in a group of an upsert is named, whether the table
** is one the sink creates (the group is an INSERT OR FAIL: the rows
** before the failing one stay in until the rows go again one by one) or
** an existing table with a trigger (a plain INSERT, undone by SQLite).
** Had the rows before it been left in the table with the trigger, the
** row of line 142 would go again as an update, and its trigger would fail
** it instead. */
static void test_sqlite_upsert_group_error(void **state)
{
    const char *dir = mkscratch(), *db = pathof(dir, "t.db", 0);

    (void)state;
    seed(db, 2);
    upsert_null_key(db, "fresh");
    exec(db, "CREATE TRIGGER no_five BEFORE UPDATE ON people WHEN new.n = 5 "
             "BEGIN SELECT RAISE(ABORT, 'n is 5'); END");
    upsert_null_key(db, "people");
    rmscratch(dir);
}

/*
** A table of ours with a UNIQUE index added on another column: the rows
** of a group that fails go in again one by one from where they were
** before the group, so the error names the row that failed in it.  Here
** line 2 moves id 1 to name u7, line 3 to u8, line 4 gives u7 to id 2,
** and line 102 has no id.  Had the group kept lines 2 to 101 (INSERT OR
** FAIL), line 2 going again would clash with id 2's u7 and be named
** instead, for a UNIQUE constraint it did not break.
*/
static void test_sqlite_upsert_group_unique_index(void **state)
{
    const char *dir = mkscratch(), *db = pathof(dir, "t.db", 0);
    cw_table o;
    cw_err err;
    int rc = CW_OK;

    (void)state;
    seed(db, 2);
    exec(db, "CREATE UNIQUE INDEX people_name ON people (name)");
    assert_int_equal(sink(db, "people", people, 3, CW_MODE_UPSERT, &o, &err),
                     CW_OK);
    for (int i = 0; rc == CW_OK && i < 128; i++) {
        char id[16], nm[16];
        const char *v[3] = {i == 100 ? NULL : id, nm, "1"};

        snprintf(id, sizeof id, "%d", i < 2 ? 1 : i == 2 ? 2 : 1000 + i);
        snprintf(nm, sizeof nm, "%s", i == 0 || i == 2 ? "u7" : "u8");
        if (i > 2)
            snprintf(nm, sizeof nm, "q%d", i);
        rc = put(&o, (unsigned long)i + 2, 3, v);
    }
    if (rc == CW_OK)
        rc = o.type->commit(o.s);
    assert_int_equal(rc, CW_ESINK);
    if (strstr(o.type->errmsg(o.s), "in.csv:102: ") == NULL ||
        strstr(o.type->errmsg(o.s), "NOT NULL constraint failed") == NULL)
        fail_msg("%s", o.type->errmsg(o.s));
    cw__table_close(&o);
    assert_string_equal(dump(db, "SELECT id, name FROM people ORDER BY id", 0),
                        "1|p1\n2|p2\n");
    rmscratch(dir);
}

/* close() without commit rolls back: same row count and contents, and a
** database file the sink created is removed again. */
static void test_sqlite_close_rolls_back(void **state)
{
    const char *dir = mkscratch(), *db = pathof(dir, "t.db", 0);
    const char *fresh = pathof(dir, "fresh.db", 1);
    char before[1024];
    cw_table o;
    cw_err err;

    (void)state;
    seed(db, 3);
    snprintf(
        before, sizeof before, "%s",
        dump(db, "SELECT count(*), group_concat(id || name) FROM people", 0));
    for (int mode = CW_MODE_APPEND; mode <= CW_MODE_UPSERT; mode++) {
        const char *v[3] = {"2", "changed", "7"};
        const char *w[3] = {"10", "new", "7"};

        assert_int_equal(
            sink(db, "people", people, 3, (enum cw_sinkmode)mode, &o, &err),
            CW_OK);
        if (mode != CW_MODE_APPEND)
            assert_int_equal(put(&o, 2, 3, v), CW_OK);
        assert_int_equal(put(&o, 3, 3, w), CW_OK);
        cw__table_close(&o); /* no commit */
        assert_string_equal(
            dump(db, "SELECT count(*), group_concat(id || name) FROM people",
                 0),
            before);
    }
    assert_string_equal(before, "3|1p1,2p2,3p3\n");

    assert_int_equal(sink(fresh, "people", people, 3, CW_MODE_CREATE, &o, &err),
                     CW_OK);
    assert_int_equal(put(&o, 2, 3, (const char *[]){"1", "a", "2"}), CW_OK);
    cw__table_close(&o);
    assert_false(exists(fresh));
    rmscratch(dir);
}

/* Table and column names with quotes and spaces are quoted. */
static void test_sqlite_identifiers(void **state)
{
    static const cw_sinkcol cols[] = {{"Profile ID", CW_T_ID, 1},
                                      {"say \"hi\"", CW_T_TEXT, 0},
                                      {"a;DROP TABLE x", CW_T_INTEGER, 0}};
    const char *dir = mkscratch(), *db = pathof(dir, "t.db", 0);
    const char *v[3] = {"42", "hello", "5"};
    cw_input in;
    cw_table o;
    cw_err err;

    (void)state;
    for (int pass = 0; pass < 2; pass++) {
        assert_int_equal(sink(db, "we\"ird", cols, 3, CW_MODE_UPSERT, &o, &err),
                         CW_OK);
        assert_int_equal(put(&o, 2, 3, v), CW_OK);
        assert_int_equal(o.type->commit(o.s), CW_OK);
        cw__table_close(&o);
    }
    assert_string_equal(dump(db,
                             "SELECT name FROM sqlite_master WHERE "
                             "type = 'table'",
                             0),
                        "we\"ird\n");
    assert_string_equal(dump(db,
                             "SELECT \"Profile ID\", \"say \"\"hi\"\"\", "
                             "typeof(\"a;DROP TABLE x\") FROM \"we\"\"ird\"",
                             0),
                        "42|hello|integer\n");
    assert_int_equal(
        cw__input_open(spec(db, "SELECT * FROM \"we\"\"ird\"", 0), &in, &err),
        CW_OK);
    assert_int_equal(in.type->ncols(in.s), 3);
    assert_string_equal(in.type->colname(in.s, 0), "Profile ID");
    assert_string_equal(in.type->colname(in.s, 1), "say \"hi\"");
    assert_string_equal(in.type->colname(in.s, 2), "a;DROP TABLE x");
    cw__input_close(&in);
    rmscratch(dir);
}

/* Two sinks on one file share one transaction: both commit, or neither. */
static void test_sqlite_shared_transaction(void **state)
{
    const char *dir = mkscratch(), *db = pathof(dir, "t.db", 0);
    const char *v[3] = {"1", "a", "1"};
    cw_table a, b;
    cw_err err;

    (void)state;
    assert_int_equal(sink(db, "a", people, 3, CW_MODE_CREATE, &a, &err), CW_OK);
    assert_int_equal(sink(db, "b", people, 3, CW_MODE_CREATE, &b, &err), CW_OK);
    assert_int_equal(put(&a, 2, 3, v), CW_OK);
    assert_int_equal(put(&b, 2, 3, v), CW_OK);
    assert_int_equal(a.type->commit(a.s), CW_OK);
    cw__table_close(&b); /* b fails: a is rolled back with it */
    assert_int_equal(a.type->write(a.s, NULL, "in.csv", 3), CW_ESINK);
    cw__table_close(&a);
    assert_false(exists(db));

    assert_int_equal(sink(db, "a", people, 3, CW_MODE_CREATE, &a, &err), CW_OK);
    assert_int_equal(sink(db, "b", people, 3, CW_MODE_CREATE, &b, &err), CW_OK);
    assert_int_equal(put(&a, 2, 3, v), CW_OK);
    assert_int_equal(put(&b, 2, 3, v), CW_OK);
    assert_int_equal(a.type->commit(a.s), CW_OK);
    assert_int_equal(b.type->commit(b.s), CW_OK);
    cw__table_close(&a);
    cw__table_close(&b);
    assert_string_equal(dump(db,
                             "SELECT (SELECT count(*) FROM a) || "
                             "(SELECT count(*) FROM b)",
                             0),
                        "11\n");
    rmscratch(dir);
}

/* A full disk (a file size limit) during the transaction is CW_EIO with
** SQLite's message; the table is as it was. */
static void test_sqlite_disk_full(void **state)
{
    const char *dir = mkscratch(), *db = pathof(dir, "t.db", 0);
    char before[256], name[300];
    const char *v[3] = {NULL, name, "1"};
    struct rlimit old, lim;
    cw_table o;
    cw_err err;
    int rc = CW_OK;

    (void)state;
    seed(db, 2);
    snprintf(before, sizeof before, "%s", dump(db, "SELECT * FROM people", 0));
    memset(name, 'x', 256);
    name[256] = '\0';
    assert_int_equal(sink(db, "people", people, 3, CW_MODE_APPEND, &o, &err),
                     CW_OK);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 256 * 1024;
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    for (int i = 0; rc == CW_OK && i < 40000; i++) {
        char id[16];

        snprintf(id, sizeof id, "n%d", i);
        v[0] = id;
        rc = put(&o, (unsigned long)i + 2, 3, v);
    }
    if (rc == CW_OK)
        rc = o.type->commit(o.s);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, SIG_DFL);
    assert_int_equal(rc, CW_EIO);
    if (strstr(o.type->errmsg(o.s), "disk") == NULL)
        fail_msg("%s", o.type->errmsg(o.s));
    cw__table_close(&o);
    assert_string_equal(dump(db, "SELECT * FROM people", 0), before);
    assert_string_equal(dump(db, "PRAGMA integrity_check", 0), "ok\n");
    rmscratch(dir);
}

/* Usage errors of the sink: no path, no table, an unknown kind, a file
** that is not a database. */
static void test_sqlite_sink_errors(void **state)
{
    const char *dir = mkscratch(), *bad = pathof(dir, "bad.db", 0);
    cw_table o;
    cw_err err;

    (void)state;
    assert_int_equal(
        cw__table_open("sqlite:", "t", people, 3, CW_MODE_CREATE, &o, &err),
        CW_EUSAGE);
    assert_int_equal(
        sink(pathof(dir, "x.db", 1), "", people, 3, CW_MODE_CREATE, &o, &err),
        CW_EUSAGE);
    assert_int_equal(
        cw__table_open("mysql:x", "t", people, 3, CW_MODE_CREATE, &o, &err),
        CW_EUSAGE);
    assert_int_equal(sink(pathof(dir, "no/such/dir.db", 1), "t", people, 3,
                          CW_MODE_CREATE, &o, &err),
                     CW_EIO);
    writefile(bad, "this is not a database, it is a text file of some length "
                   "that SQLite reads as a header and refuses\n");
    assert_int_equal(sink(bad, "t", people, 3, CW_MODE_CREATE, &o, &err),
                     CW_EIO);
    assert_non_null(strstr(err.msg, "file is not a database"));
    assert_true(exists(bad)); /* not ours: left alone */
    rmscratch(dir);
}

/* ==== Source ==== */

/* A table with NULLs and a query stream their rows; line() counts rows;
** NULL and the empty string stay apart. */
static void test_sqlite_source(void **state)
{
    static const cw_sinkcol cols[] = {
        {"id", CW_T_ID, 0}, {"note", CW_T_TEXT, 0}, {"n", CW_T_INTEGER, 0}};
    static const char *const rows[][3] = {
        {"1", "", "10"}, {"2", NULL, NULL}, {"3", "x,\"y\"\nz", "-3"}};
    const char *dir = mkscratch(), *db = pathof(dir, "t.db", 0);
    cw_table o;
    cw_input in;
    cw_err err;
    size_t len;

    (void)state;
    assert_int_equal(sink(db, "notes", cols, 3, CW_MODE_CREATE, &o, &err),
                     CW_OK);
    for (size_t i = 0; i < N(rows); i++)
        assert_int_equal(put(&o, i + 2, 3, rows[i]), CW_OK);
    assert_int_equal(o.type->commit(o.s), CW_OK);
    cw__table_close(&o);

    assert_int_equal(cw__input_open(spec(db, "notes", 0), &in, &err), CW_OK);
    assert_string_equal(in.type->name, "sqlite");
    assert_int_equal(in.type->ncols(in.s), 3);
    assert_string_equal(in.type->colname(in.s, 2), "n");
    for (size_t i = 0; i < N(rows); i++) {
        assert_int_equal(in.type->next(in.s), CW_ROW);
        assert_int_equal(in.type->line(in.s), i + 1);
        assert_int_equal(in.type->nfields(in.s), 3);
        for (size_t c = 0; c < 3; c++) {
            const char *v = in.type->field(in.s, c, &len);

            if (rows[i][c] == NULL) {
                assert_null(v);
                assert_int_equal(len, 0);
            } else {
                assert_non_null(v);
                assert_int_equal(len, strlen(rows[i][c]));
                assert_memory_equal(v, rows[i][c], len);
            }
        }
        assert_null(in.type->field(in.s, 3, &len));
    }
    assert_int_equal(in.type->next(in.s), CW_DONE);
    assert_int_equal(in.type->next(in.s), CW_DONE);
    cw__input_close(&in);

    assert_string_equal(dump(db,
                             "SELECT id, n * 2 AS twice FROM notes "
                             "WHERE n IS NOT NULL ORDER BY id DESC;",
                             0),
                        "3|-6\n1|20\n");
    assert_string_equal(dump(db, "main.notes", 0),
                        "1||10\n2|~|~\n3|x,\"y\"\nz|-3\n");
    rmscratch(dir);
}

/* Source errors: no '#', a missing file (not created), a missing table,
** two statements, a statement without rows, a write. */
static void test_sqlite_source_errors(void **state)
{
    const char *dir = mkscratch(), *db = pathof(dir, "t.db", 0);
    const char *missing = pathof(dir, "missing.db", 1);
    static const struct {
        const char *what;
        int rc;
    } cases[] = {
        {"nosuch", CW_EUSAGE},
        {"SELECT 1; SELECT 2", CW_EUSAGE},
        {"CREATE TABLE z (a)", CW_EUSAGE},
        {"SELEC 1", CW_EUSAGE},
    };
    cw_input in;
    cw_err err;

    (void)state;
    seed(db, 1);
    assert_int_equal(cw__input_open(spec(db, NULL, 0), &in, &err), CW_EUSAGE);
    assert_non_null(strstr(err.msg, "after '#'"));
    assert_int_equal(cw__input_open(spec(missing, "t", 0), &in, &err), CW_EIO);
    assert_false(exists(missing));
    for (size_t i = 0; i < N(cases); i++) {
        assert_int_equal(cw__input_open(spec(db, cases[i].what, 0), &in, &err),
                         cases[i].rc);
        assert_null(in.s);
    }
    /* Read-only: a statement that writes fails when it runs. */
    assert_int_equal(
        cw__input_open(spec(db, "DELETE FROM people RETURNING id", 0), &in,
                       &err),
        CW_OK);
    assert_int_equal(in.type->next(in.s), CW_EIO);
    assert_non_null(strstr(in.type->errmsg(in.s), "readonly"));
    cw__input_close(&in);
    assert_string_equal(dump(db, "SELECT count(*) FROM people", 0), "1\n");
    rmscratch(dir);
}

/* ==== Out of memory ==== */

/* Fail the 1st, 2nd, ... allocation of a sink's open (SQLite's own
** allocations included): a clean CW_ENOMEM, no file left, no leak. */
static void test_sqlite_sink_open_out_of_memory(void **state)
{
    const char *dir = mkscratch(), *db = pathof(dir, "t.db", 0);
    const char *v[3] = {"1", "a", "2"};
    long n;

    (void)state;
    for (n = 0;; n++) {
        struct budget budget = {n, 0};
        cw_table o;
        cw_err err;
        int rc;

        cw_set_allocator(budget_alloc, &budget);
        rc = sink(db, "people", people, 3, CW_MODE_UPSERT, &o, &err);
        cw_set_allocator(NULL, NULL);
        if (rc == CW_OK) {
            assert_int_equal(put(&o, 2, 3, v), CW_OK);
            assert_int_equal(o.type->commit(o.s), CW_OK);
            cw__table_close(&o);
            break;
        }
        if (rc != CW_ENOMEM)
            fail_msg("allocation %ld: %d %s", n, rc, err.msg);
        assert_null(o.s);
        assert_false(exists(db));
    }
    assert_true(n > 10);
    assert_string_equal(dump(db, "SELECT * FROM people", 0), "1|a|2\n");
    rmscratch(dir);
}

/* The same for the source's open. */
static void test_sqlite_source_open_out_of_memory(void **state)
{
    const char *dir = mkscratch(), *db = pathof(dir, "t.db", 0);
    long n;

    (void)state;
    seed(db, 2);
    for (n = 0;; n++) {
        struct budget budget = {n, 0};
        cw_input in;
        cw_err err;
        int rc;

        cw_set_allocator(budget_alloc, &budget);
        rc = cw__input_open(
            spec(db, "SELECT id, name FROM people ORDER BY id", 0), &in, &err);
        cw_set_allocator(NULL, NULL);
        if (rc == CW_OK) {
            assert_int_equal(in.type->next(in.s), CW_ROW);
            assert_int_equal(in.type->next(in.s), CW_ROW);
            assert_int_equal(in.type->next(in.s), CW_DONE);
            cw__input_close(&in);
            break;
        }
        if (rc != CW_ENOMEM)
            fail_msg("allocation %ld: %d %s", n, rc, err.msg);
        assert_null(in.s);
    }
    assert_true(n > 10);
    rmscratch(dir);
}

/* ==== Load ==== */

/* Load 'files' (NULL-terminated) into 'target' with options; return the
** status and fill '*s' (a copy of the summary without its strings). */
typedef struct opts {
    const char *schema;  /* --schema, or NULL */
    const char *table;   /* --table, or NULL */
    const char *mode;    /* --mode, or NULL */
    const char *key;     /* --key, or NULL */
    const char *rejects; /* --rejects, or NULL */
    int stop_at_reject;  /* interrupt at the first rejected row */
} opts;

static void stop_on_problem(void *ud, const cw_problem *p)
{
    (void)p;
    cw_load_interrupt(ud);
}

static int load(const char *target, const char *const *files, const opts *o,
                cw_summary *s, char *msg, size_t msglen)
{
    cw_load *l;
    cw_err err;
    int rc;

    assert_int_equal(cw_load_new(&l, &err), CW_OK);
    assert_int_equal(cw_load_home(l, home()), CW_OK);
    assert_int_equal(cw_load_into(l, target), CW_OK);
    for (size_t i = 0; files[i] != NULL; i++)
        assert_int_equal(cw_load_file(l, files[i]), CW_OK);
    if (o->schema != NULL)
        assert_int_equal(cw_load_schema(l, o->schema), CW_OK);
    if (o->table != NULL)
        assert_int_equal(cw_load_table(l, o->table), CW_OK);
    if (o->mode != NULL)
        assert_int_equal(cw_load_mode(l, o->mode), CW_OK);
    if (o->key != NULL)
        assert_int_equal(cw_load_key(l, o->key), CW_OK);
    if (o->rejects != NULL)
        assert_int_equal(cw_load_rejects(l, o->rejects), CW_OK);
    if (o->stop_at_reject)
        cw_load_on_problem(l, stop_on_problem, l);
    rc = cw_load_exec(l);
    cw_load_summary(l, s);
    s->rejects = NULL;
    s->stopped_at = NULL;
    if (msg != NULL)
        snprintf(msg, msglen, "%s", cw_load_errmsg(l));
    cw_load_free(l);
    return rc;
}

static const char contacts_csv[] =
    "id,first_name,Last Name,needs_attention,created_at\n"
    "1,Ana,Alvarez,yes,2024-10-28 21:05:11\n"
    "2,Ben,Baker,maybe,2024-10-28 21:05:11\n"
    "3,Cy,Chen,no,10/29/2024 09:15\n"
    ",Dee,Diaz,no,\n";

/* A file is recognised (impactive/contacts), loaded into a typed table
** named after its format, keyed on id; bad rows go to the rejects file. */
static void test_sqlite_load_recognises_and_rejects(void **state)
{
    const char *dir = mkscratch(), *db = pathof(dir, "t.db", 0);
    const char *csv = pathof(dir, "contacts.csv", 1);
    const char *rej = pathof(dir, "rejects.csv", 2);
    const char *files[] = {csv, NULL};
    opts o = {.rejects = rej};
    cw_summary s;
    char want[2048];

    (void)state;
    writefile(csv, contacts_csv);
    assert_int_equal(load(spec(db, NULL, 0), files, &o, &s, NULL, 0), CW_OK);
    assert_int_equal(s.read, 4);
    assert_int_equal(s.written, 2);
    assert_int_equal(s.rejected, 2);
    assert_int_equal(s.filtered + s.merged + s.unprocessed, 0);
    assert_int_equal(s.noutputs, 1);
    assert_string_equal(dump(db, "PRAGMA table_info(contacts)", 0),
                        "0|id|TEXT|1|~|1\n"
                        "1|first_name|TEXT|0|~|0\n"
                        "2|last_name|TEXT|0|~|0\n"
                        "3|needs_attention|INTEGER|0|~|0\n"
                        "4|created_at|TEXT|0|~|0\n");
    assert_string_equal(dump(db, "SELECT * FROM contacts ORDER BY id", 0),
                        "1|Ana|Alvarez|1|2024-10-28 21:05:11\n"
                        "3|Cy|Chen|0|2024-10-29T09:15:00\n");
    snprintf(want, sizeof want,
             "id,first_name,last_name,needs_attention,created_at,_file,_line,"
             "_column,_code,_message\n"
             "2,Ben,Baker,maybe,2024-10-28 21:05:11,%s,3,needs_attention,"
             "E_BOOLEAN,\"column 'needs_attention': not a boolean (use "
             "true/false, yes/no or 1/0): 'maybe'\"\n"
             ",Dee,Diaz,no,,%s,5,id,E_REQUIRED,column 'id': a value is "
             "required\n",
             csv, csv);
    assert_string_equal(readfile(rej), want);
    unlink(rej);
    rmscratch(dir);
}

/* Loading the same file twice (upsert, the default with a key) leaves the
** same rows; a changed file updates values and adds new keys. */
static void test_sqlite_load_idempotent(void **state)
{
    const char *dir = mkscratch(), *db = pathof(dir, "t.db", 0);
    const char *csv = pathof(dir, "contacts.csv", 1);
    const char *rej = pathof(dir, "rejects.csv", 2);
    const char *files[] = {csv, NULL};
    const char *sql = "SELECT * FROM contacts ORDER BY id";
    opts o = {.rejects = rej};
    char first[1024];
    cw_summary s;

    (void)state;
    writefile(csv, contacts_csv);
    assert_int_equal(load(spec(db, NULL, 0), files, &o, &s, NULL, 0), CW_OK);
    snprintf(first, sizeof first, "%s", dump(db, sql, 0));
    assert_int_equal(load(spec(db, NULL, 0), files, &o, &s, NULL, 0), CW_OK);
    assert_int_equal(s.written, 2);
    assert_string_equal(dump(db, sql, 0), first);
    writefile(csv, "id,first_name,last_name,needs_attention,created_at\n"
                   "1,Anna,Alvarez,no,2024-10-28 21:05:11\n"
                   "4,Di,Doe,,\n");
    assert_int_equal(load(spec(db, NULL, 0), files, &o, &s, NULL, 0), CW_OK);
    assert_int_equal(s.rejected, 0);
    assert_string_equal(dump(db, sql, 0),
                        "1|Anna|Alvarez|0|2024-10-28 21:05:11\n"
                        "3|Cy|Chen|0|2024-10-29T09:15:00\n"
                        "4|Di|Doe|~|~\n");
    unlink(rej);
    rmscratch(dir);
}

/* Schema-less files: every column text, table named after the file (or
** #table), mode create; --key makes upserts possible. */
static void test_sqlite_load_without_schema(void **state)
{
    const char *dir = mkscratch(), *db = pathof(dir, "t.db", 0);
    const char *csv = pathof(dir, "odd-things.csv", 1);
    const char *files[] = {csv, NULL};
    opts none = {0}, keyed = {.key = "code", .table = "things"};
    char msg[600];
    cw_summary s;

    (void)state;
    writefile(csv, "code,What Is It\nA1,thing one\nA2,\"thing, two\"\n");
    assert_int_equal(load(spec(db, NULL, 0), files, &none, &s, NULL, 0), CW_OK);
    assert_string_equal(dump(db, "PRAGMA table_info(\"odd-things\")", 0),
                        "0|code|TEXT|0|~|0\n1|What Is It|TEXT|0|~|0\n");
    /* create again: the table exists; nothing read, nothing changed. */
    assert_int_equal(load(spec(db, NULL, 0), files, &none, &s, msg, sizeof msg),
                     CW_EUSAGE);
    assert_int_equal(s.read, 0);
    assert_non_null(strstr(msg, "already exists"));
    /* upsert without a key is refused before anything is read */
    none.mode = "upsert";
    assert_int_equal(load(spec(db, NULL, 0), files, &none, &s, msg, sizeof msg),
                     CW_EUSAGE);
    assert_non_null(strstr(msg, "--key"));
    for (int pass = 0; pass < 2; pass++)
        assert_int_equal(load(spec(db, NULL, 0), files, &keyed, &s, NULL, 0),
                         CW_OK);
    assert_string_equal(dump(db, "SELECT * FROM things ORDER BY 1", 0),
                        "A1|thing one\nA2|thing, two\n");
    assert_string_equal(dump(db, "PRAGMA table_info(things)", 0),
                        "0|code|TEXT|1|~|1\n1|What Is It|TEXT|0|~|0\n");
    /* #table on the target names the table */
    assert_int_equal(load(spec(db, "viaurl", 0), files, &none, &s, NULL, 0),
                     CW_EUSAGE); /* mode upsert still set: no key */
    none.mode = NULL;
    assert_int_equal(load(spec(db, "viaurl", 0), files, &none, &s, NULL, 0),
                     CW_OK);
    assert_string_equal(dump(db, "SELECT count(*) FROM viaurl", 0), "2\n");
    rmscratch(dir);
}

/* A load that fails midway (a duplicate key at row 5000 of 10000, append
** mode) or is interrupted leaves the table exactly as it was. */
static void test_sqlite_load_fails_midway(void **state)
{
    const char *dir = mkscratch(), *db = pathof(dir, "t.db", 0);
    const char *csv = pathof(dir, "big.csv", 1);
    const char *rej = pathof(dir, "rejects.csv", 2);
    const char *files[] = {csv, NULL};
    opts append = {
        .schema = "none", .table = "people", .mode = "append", .rejects = rej};
    opts stop = {.schema = "impactive/contacts",
                 .table = "people",
                 .mode = "upsert",
                 .stop_at_reject = 1,
                 .rejects = rej};
    char before[1024], msg[600];
    cw_summary s;
    FILE *f;

    (void)state;
    seed(db, 10);
    snprintf(before, sizeof before, "%s",
             dump(db,
                  "SELECT count(*), group_concat(id || name || n) FROM "
                  "people",
                  0));
    f = fopen(csv, "w");
    assert_non_null(f);
    fprintf(f, "id,name,n\n");
    for (int i = 1; i <= 10000; i++)
        fprintf(f, "%d,row %d,%d\n", i == 5000 ? 7 : 100000 + i, i, i);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(
        load(spec(db, NULL, 0), files, &append, &s, msg, sizeof msg), CW_ESINK);
    assert_non_null(strstr(msg, "big.csv:5001: "));
    assert_non_null(strstr(msg, "UNIQUE constraint failed: people.id"));
    /* Rows go in groups of up to 128: the failure shows when the group of
    ** row 5000 is inserted, at the write of its last row. */
    assert_true(s.read >= 5000 && s.read < 5128);
    assert_int_equal(s.written, s.read - 1);
    assert_int_equal(s.unprocessed, 1);
    assert_string_equal(
        dump(db, "SELECT count(*), group_concat(id || name || n) FROM people",
             0),
        before);

    /* Interrupted at the first rejected row (row 3000: a blank id). */
    f = fopen(csv, "w");
    assert_non_null(f);
    fprintf(f, "id,name,n\n");
    for (int i = 1; i <= 6000; i++)
        fprintf(f, "%s,row %d,%d\n", i == 3000 ? "" : "x", i, i);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(load(spec(db, NULL, 0), files, &stop, &s, NULL, 0),
                     CW_EINTR);
    assert_int_equal(s.read, 3000);
    assert_false(exists(rej));
    assert_string_equal(
        dump(db, "SELECT count(*), group_concat(id || name || n) FROM people",
             0),
        before);
    rmscratch(dir);
}

/* load recognises every sample file as 'crosswalk inspect' does. */
static void test_sqlite_load_agrees_with_inspect(void **state)
{
    static const char *const where[] = {
        "tests/data/schemas/samples",
        "pipelines/impactive_to_organizer_text/cases/basic"};
    const char *dir = mkscratch();
    char samples[1024];
    struct dirent *e;
    int checked = 0;
    DIR *d;

    (void)state;
    for (size_t w = 0; w < N(where); w++) {
        snprintf(samples, sizeof samples, "%s/%s", home(), where[w]);
        d = opendir(samples);
        assert_non_null(d);
        while ((e = readdir(d)) != NULL) {
            char csv[2048];
            cw_inspectinfo ii;
            cw_inspection *x;
            cw_loadinfo li;
            cw_load *l;
            cw_err err;

            if (strstr(e->d_name, ".csv") == NULL)
                continue;
            snprintf(csv, sizeof csv, "%s/%s", samples, e->d_name);
            assert_int_equal(cw_inspect_new(home(), csv, &x, &err), CW_OK);
            cw_inspect_info(x, &ii);
            assert_int_equal(cw_load_new(&l, &err), CW_OK);
            assert_int_equal(cw_load_home(l, home()), CW_OK);
            assert_int_equal(
                cw_load_into(l, spec(pathof(dir, "t.db", 0), NULL, 0)), CW_OK);
            assert_int_equal(cw_load_file(l, csv), CW_OK);
            assert_int_equal(cw_load_mode(l, "replace"), CW_OK);
            assert_int_equal(cw_load_rejects(l, pathof(dir, "rej.csv", 1)),
                             CW_OK);
            cw_load_exec(l); /* the data may be refused: the plan is made */
            assert_int_equal(cw_load_ntables(l), 1);
            assert_int_equal(cw_load_info(l, 0, &li), CW_OK);
            if (ii.schema == NULL)
                assert_null(li.schema);
            else if (li.schema == NULL || strcmp(ii.schema, li.schema) != 0)
                fail_msg("%s: inspect says %s, load %s", e->d_name, ii.schema,
                         li.schema ? li.schema : "none");
            cw_load_free(l);
            cw_inspect_free(x);
            checked++;
        }
        closedir(d);
    }
    assert_true(checked >= 24);
    unlink(pathof(dir, "rej.csv", 1));
    unlink(pathof(dir, "t.db", 0));
    rmscratch(dir);
}

/* Several files: each to its table, all in one transaction. */
static void test_sqlite_load_several_files(void **state)
{
    const char *dir = mkscratch(), *db = pathof(dir, "t.db", 0);
    const char *a = pathof(dir, "a.csv", 1), *b = pathof(dir, "b.csv", 2);
    const char *files[] = {a, b, NULL};
    opts o = {.schema = "none"};
    char msg[600];
    cw_summary s;

    (void)state;
    writefile(a, "x,y\n1,2\n");
    writefile(b, "x,y\n3,4\n5,6\n");
    assert_int_equal(load(spec(db, NULL, 0), files, &o, &s, NULL, 0), CW_OK);
    assert_int_equal(s.noutputs, 2);
    assert_string_equal(dump(db,
                             "SELECT (SELECT count(*) FROM a) || "
                             "(SELECT count(*) FROM b)",
                             0),
                        "12\n");
    /* Into one table: same columns, any order. */
    writefile(b, "y,x\n4,3\n");
    o.table = "both";
    assert_int_equal(load(spec(db, NULL, 0), files, &o, &s, NULL, 0), CW_OK);
    assert_string_equal(dump(db, "SELECT * FROM both ORDER BY x", 0),
                        "1|2\n3|4\n");
    /* Different columns into one table: refused, nothing written. */
    writefile(b, "x,z\n3,4\n");
    o.table = "mixed";
    assert_int_equal(load(spec(db, NULL, 0), files, &o, &s, msg, sizeof msg),
                     CW_EUSAGE);
    assert_non_null(strstr(msg, "differ"));
    /* The second file fails (create: table 'both' exists): the first
    ** file's new table is rolled back too. */
    files[0] = pathof(dir, "c.csv", 1);
    writefile(files[0], "p\n1\n");
    files[1] = pathof(dir, "both.csv", 2);
    writefile(files[1], "x,y\n1,1\n");
    o.table = NULL;
    assert_int_equal(load(spec(db, NULL, 0), files, &o, &s, msg, sizeof msg),
                     CW_EUSAGE);
    assert_string_equal(dump(db,
                             "SELECT group_concat(name) FROM (SELECT name "
                             "FROM sqlite_master ORDER BY name)",
                             0),
                        "a,b,both\n");
    rmscratch(dir);
}

/* The calls a load made to its progress callback: the count and the
** last one. */
typedef struct calls {
    size_t n;
    cw_progress last;
} calls;

static void on_progress(void *ud, const cw_progress *p)
{
    calls *c = ud;

    c->n++;
    c->last = *p;
}

/* Progress of a load: its files count as one input, their sizes summed;
** a file of 1500 rows gives one call on the way and one at the end. */
static void test_sqlite_load_progress(void **state)
{
    const char *dir = mkscratch(), *db = pathof(dir, "t.db", 0);
    const char *a = pathof(dir, "a.csv", 1), *b = pathof(dir, "b.csv", 2);
    static char text[3 + 1500 * 6];
    size_t len = 0;
    calls c = {0};
    cw_load *l;
    cw_err err;

    (void)state;
    len += (size_t)sprintf(text, "x\n");
    for (int i = 0; i < 1500; i++)
        len += (size_t)sprintf(text + len, "%05d\n", i);
    writefile(a, "x\n1\n");
    writefile(b, text);
    assert_int_equal(cw_load_new(&l, &err), CW_OK);
    assert_int_equal(cw_load_home(l, home()), CW_OK);
    assert_int_equal(cw_load_into(l, spec(db, NULL, 0)), CW_OK);
    assert_int_equal(cw_load_file(l, a), CW_OK);
    assert_int_equal(cw_load_file(l, b), CW_OK);
    assert_int_equal(cw_load_schema(l, "none"), CW_OK);
    assert_int_equal(cw_load_table(l, "t"), CW_OK);
    cw_load_on_progress(l, on_progress, &c);
    if (cw_load_exec(l) != CW_OK)
        fail_msg("load: %s", cw_load_errmsg(l));
    assert_int_equal(c.n, 2);
    assert_int_equal(c.last.done, 1);
    assert_int_equal(c.last.rows, 1501);
    assert_int_equal(c.last.bytes, 4 + len);
    assert_int_equal(c.last.total, 4 + len);
    cw_load_free(l);
    rmscratch(dir);
}

/* Out of memory anywhere in a load: a clean CW_ENOMEM, the table as it
** was, no leak. */
static void test_sqlite_load_out_of_memory(void **state)
{
    const char *dir = mkscratch(), *db = pathof(dir, "t.db", 0);
    const char *csv = pathof(dir, "people.csv", 1);
    const char *rej = pathof(dir, "rejects.csv", 2);
    opts o = {.schema = "none",
              .table = "people",
              .mode = "upsert",
              .key = "id",
              .rejects = rej};
    long n;

    (void)state;
    seed(db, 2);
    writefile(csv, "id,name,n\n2,two,2\n3,three,3\n\"4,x\n");
    for (n = 0;; n++) {
        struct budget budget = {n, 0};
        cw_summary s;
        cw_load *l = NULL;
        cw_err err;
        int rc;

        cw_set_allocator(budget_alloc, &budget);
        rc = cw_load_new(&l, &err);
        if (rc == CW_OK && (rc = cw_load_home(l, home())) == CW_OK &&
            (rc = cw_load_into(l, spec(db, NULL, 0))) == CW_OK &&
            (rc = cw_load_file(l, csv)) == CW_OK &&
            (rc = cw_load_schema(l, o.schema)) == CW_OK &&
            (rc = cw_load_table(l, o.table)) == CW_OK &&
            (rc = cw_load_mode(l, o.mode)) == CW_OK &&
            (rc = cw_load_key(l, o.key)) == CW_OK &&
            (rc = cw_load_rejects(l, o.rejects)) == CW_OK)
            rc = cw_load_exec(l);
        if (l != NULL)
            cw_load_summary(l, &s);
        cw_load_free(l);
        cw_set_allocator(NULL, NULL);
        if (rc == CW_EPARSE)
            break; /* the unterminated quote at the end, reached */
        if (rc != CW_ENOMEM)
            fail_msg("allocation %ld: %d", n, rc);
        assert_string_equal(dump(db, "SELECT * FROM people ORDER BY id", 0),
                            "1|p1|1\n2|p2|1\n");
        assert_false(exists(rej));
    }
    assert_true(n > 20);
    assert_string_equal(dump(db, "SELECT * FROM people ORDER BY id", 0),
                        "1|p1|1\n2|p2|1\n");
    rmscratch(dir);
}

/* ==== Convert and recipes ==== */

/* cw_convert writes a CSV into a table (all text), replacing it. */
static void test_sqlite_convert_to_table(void **state)
{
    const char *dir = mkscratch(), *db = pathof(dir, "t.db", 0);
    const char *csv = pathof(dir, "in.csv", 1);
    unsigned long long rows;
    cw_err err;

    (void)state;
    writefile(csv, "a,b b\n1,\"x\ny\"\n2,\n");
    for (int pass = 0; pass < 2; pass++) {
        assert_int_equal(cw_convert(csv, spec(db, "conv", 0), &rows, &err),
                         CW_OK);
        assert_int_equal(rows, 2);
    }
    assert_string_equal(dump(db, "SELECT * FROM conv", 0), "1|x\ny\n2|\n");
    assert_int_equal(cw_convert(csv, spec(db, NULL, 0), &rows, &err),
                     CW_EUSAGE);
    writefile(csv, "a,b\n1,2\n3\n");
    assert_int_equal(cw_convert(csv, spec(db, "conv", 0), &rows, &err),
                     CW_EPARSE);
    assert_int_equal(rows, 0);
    assert_string_equal(dump(db, "SELECT count(*) FROM conv", 0), "2\n");
    rmscratch(dir);
}

/* A recipe output with table = "people", mode = "upsert": two runs leave
** the same rows, with the schema's types. */
static void test_sqlite_recipe_upsert_twice(void **state)
{
    const char *dir = mkscratch(), *db = pathof(dir, "people.db", 0);
    const char *sql = "SELECT *, typeof(needs_attention) FROM people "
                      "ORDER BY id";
    char recipe[1024], input[1024], first[2048];

    (void)state;
    snprintf(recipe, sizeof recipe, "%s/tests/data/sqlite/people.lua", home());
    snprintf(input, sizeof input, "%s/tests/data/sqlite/people.csv", home());
    for (int pass = 0; pass < 2; pass++) {
        cw_summary s;
        cw_run *r;
        cw_err err;
        unsigned long long rows;

        assert_int_equal(cw_run_new(&r, &err), CW_OK);
        assert_int_equal(cw_run_home(r, home()), CW_OK);
        assert_int_equal(cw_run_load(r, recipe), CW_OK);
        assert_int_equal(cw_run_input(r, NULL, input), CW_OK);
        assert_int_equal(cw_run_outdir(r, dir), CW_OK);
        assert_int_equal(cw_run_database(r, spec(db, NULL, 1)), CW_OK);
        if (cw_run_exec(r) != CW_OK)
            fail_msg("%s", cw_run_errmsg(r));
        cw_run_summary(r, &s);
        assert_int_equal(s.read, 3);
        assert_int_equal(s.written, 3);
        assert_int_equal(s.noutputs, 1);
        assert_string_equal(cw_run_output(r, 0, &rows), "sqlite table people");
        assert_int_equal(rows, 3);
        cw_run_free(r);
        if (pass == 0)
            snprintf(first, sizeof first, "%s", dump(db, sql, 0));
        else
            assert_string_equal(dump(db, sql, 0), first);
    }
    assert_string_equal(first,
                        "7000101|Ana|Alvarez|1|2024-10-28 21:05:11|integer\n"
                        "7000102|Ben|Baker|0|2024-10-29T09:15:00|integer\n"
                        "7000103|Chloé \"C\"|Chen|~|~|null\n");
    rmscratch(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sqlite_column_types),
        cmocka_unit_test(test_sqlite_bad_values),
        cmocka_unit_test(test_sqlite_modes),
        cmocka_unit_test(test_sqlite_upsert),
        cmocka_unit_test(test_sqlite_upsert_groups),
        cmocka_unit_test(test_sqlite_constraint_error),
        cmocka_unit_test(test_sqlite_upsert_group_error),
        cmocka_unit_test(test_sqlite_upsert_group_unique_index),
        cmocka_unit_test(test_sqlite_close_rolls_back),
        cmocka_unit_test(test_sqlite_identifiers),
        cmocka_unit_test(test_sqlite_shared_transaction),
        cmocka_unit_test(test_sqlite_disk_full),
        cmocka_unit_test(test_sqlite_sink_errors),
        cmocka_unit_test(test_sqlite_source),
        cmocka_unit_test(test_sqlite_source_errors),
        cmocka_unit_test(test_sqlite_sink_open_out_of_memory),
        cmocka_unit_test(test_sqlite_source_open_out_of_memory),
        cmocka_unit_test(test_sqlite_load_recognises_and_rejects),
        cmocka_unit_test(test_sqlite_load_idempotent),
        cmocka_unit_test(test_sqlite_load_without_schema),
        cmocka_unit_test(test_sqlite_load_fails_midway),
        cmocka_unit_test(test_sqlite_load_agrees_with_inspect),
        cmocka_unit_test(test_sqlite_load_several_files),
        cmocka_unit_test(test_sqlite_load_progress),
        cmocka_unit_test(test_sqlite_load_out_of_memory),
        cmocka_unit_test(test_sqlite_convert_to_table),
        cmocka_unit_test(test_sqlite_recipe_upsert_twice),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
