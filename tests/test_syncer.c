/*
** test_syncer.c -- unit tests for the thread that fdatasyncs a growing
** output: asks fold into the file being synced, forget lets go of it and
** hands back a failed fdatasync's errno (a pipe cannot be synced: the
** failure is EINVAL), and a big output through the writer still commits
** byte for byte.
*/
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "csv/csvwrite.h"
#include "csv/syncer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Sleep a millisecond. */
static void nap(void)
{
    struct timespec ts = {0, 1000000};

    nanosleep(&ts, NULL);
}

/* A temp file open for writing, with a few bytes in it. */
static int tempfile(char *path)
{
    int fd;

    strcpy(path, "/tmp/cw-syncer-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "hello\n", 6), 6);
    return fd;
}

static void test_syncer_file(void **state)
{
    char a[64], b[64];
    int fa = tempfile(a), fb = tempfile(b);
    cw_syncer *s = cw__syncer_new();

    (void)state;
    assert_non_null(s);
    assert_int_equal(cw__syncer_forget(s, fa), 0); /* never asked */
    for (int i = 0; i < 50; i++)
        cw__syncer_ask(s, fa);
    cw__syncer_ask(s, fb); /* ignored: fa is being synced */
    assert_int_equal(cw__syncer_forget(s, fb), 0);
    assert_int_equal(cw__syncer_forget(s, fa), 0);
    assert_int_equal(cw__syncer_forget(s, fa), 0); /* already let go */
    cw__syncer_ask(s, fb);                         /* now fb's turn */
    assert_int_equal(cw__syncer_forget(s, fb), 0);
    /* The caller's descriptors stay open and usable. */
    assert_int_equal(write(fa, "x", 1), 1);
    assert_int_equal(write(fb, "y", 1), 1);
    cw__syncer_free(s);
    close(fa);
    close(fb);
    unlink(a);
    unlink(b);
}

/* fdatasync of a pipe fails (EINVAL): the errno comes back once, from
** forget, and a later file starts clean. */
static void test_syncer_error(void **state)
{
    int p[2], r;
    char a[64];
    int fa = tempfile(a);
    cw_syncer *s = cw__syncer_new();

    (void)state;
    assert_non_null(s);
    assert_int_equal(pipe(p), 0);
    cw__syncer_ask(s, p[1]);
    r = cw__syncer_forget(s, p[1]);
    /* The thread may not have begun the fdatasync before forget: ask
    ** until it has. */
    for (int i = 0; r == 0 && i < 1000; i++) {
        cw__syncer_ask(s, p[1]);
        nap();
        r = cw__syncer_forget(s, p[1]);
    }
    assert_int_equal(r, EINVAL);
    cw__syncer_ask(s, fa);
    nap();
    assert_int_equal(cw__syncer_forget(s, fa), 0);
    cw__syncer_free(s);
    close(p[0]);
    close(p[1]);
    close(fa);
    unlink(a);
}

/* Freed while syncing, with a file still asked for. */
static void test_syncer_free_busy(void **state)
{
    char a[64];
    int fa = tempfile(a);
    cw_syncer *s = cw__syncer_new();

    (void)state;
    assert_non_null(s);
    cw__syncer_ask(s, fa);
    cw__syncer_free(s);
    assert_int_equal(write(fa, "z", 1), 1);
    close(fa);
    unlink(a);
}

/* An output past SYNC_EVERY (32 MiB) makes the writer start its syncer:
** the committed file holds every row, in order. */
static void test_syncer_big_output(void **state)
{
    const char *cols[] = {"n", "text"};
    char dir[] = "/tmp/cw-syncer-dir-XXXXXX", path[128], line[256];
    cw_writeopts o;
    cw_writer *w = NULL;
    cw_err err = {CW_OK, ""};
    char pad[200];
    unsigned long long rows = 250000, n = 0;
    FILE *f;
    struct stat st;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/big.csv", dir);
    memset(pad, 'p', sizeof pad);
    cw__writeopts_default(&o);
    assert_int_equal(cw__writer_open(path, cols, 2, &o, &w, &err), CW_OK);
    for (unsigned long long i = 0; i < rows; i++) {
        char num[32];
        cw_field v[2];

        snprintf(num, sizeof num, "%llu", i);
        v[0] = (cw_field){num, strlen(num)};
        v[1] = (cw_field){pad, sizeof pad};
        assert_int_equal(cw__writer_write(w, v), CW_OK);
    }
    assert_int_equal(cw__writer_commit(w), CW_OK);
    cw__writer_close(w);
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 32 * 1024 * 1024); /* past SYNC_EVERY */
    f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "n,text\n");
    while (fgets(line, sizeof line, f) != NULL) {
        char want[32];

        snprintf(want, sizeof want, "%llu,", n);
        assert_memory_equal(line, want, strlen(want));
        n++;
    }
    fclose(f);
    assert_int_equal(n, rows);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syncer_file),
        cmocka_unit_test(test_syncer_error),
        cmocka_unit_test(test_syncer_free_busy),
        cmocka_unit_test(test_syncer_big_output),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
