/*
** test_tz.c -- unit tests for the TZif reader: offsets against the C
** library's own answers (computed here only, with TZ and localtime_r),
** local-to-UTC in gaps and overlaps, bad names, corrupt files, OOM.
*/
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "values/tz.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ZONEINFO "/usr/share/zoneinfo"
#define HOUR 3600LL
#define DAY 86400LL

/* The zones compared against the system, with v3 footers among them. */
static const char *const zones[] = {
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Europe/London",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "UTC",
    "America/Nuuk",
    "Asia/Jerusalem",
    "America/Santiago",
    "Pacific/Chatham",
    "Europe/Dublin",
    "Africa/Casablanca",
    "America/Sao_Paulo",
};

#define NZONES (sizeof zones / sizeof zones[0])

/* Seconds since the epoch of a UTC calendar time. */
static long long utc(int y, int mo, int d, int h, int mi)
{
    return cw__days_from_civil(y, (unsigned)mo, (unsigned)d) * DAY + h * HOUR +
           mi * 60LL;
}

/* Make the C library use zone 'tz' (a file name or a POSIX TZ string). */
static void use_tz(const char *tz)
{
    if (tz != NULL)
        setenv("TZ", tz, 1);
    else
        unsetenv("TZ");
    tzset();
}

/* The C library's offset at 't' under the current TZ. */
static long sys_offset(long long t)
{
    time_t tt = (time_t)t;
    struct tm tm;

    assert_non_null(localtime_r(&tt, &tm));
    return (long)(cw__days_from_civil(tm.tm_year + 1900,
                                      (unsigned)tm.tm_mon + 1,
                                      (unsigned)tm.tm_mday) *
                      DAY +
                  tm.tm_hour * HOUR + tm.tm_min * 60LL + tm.tm_sec - t);
}

/* Load 'name' from the system zoneinfo, failing the test if it cannot. */
static cw_tz *load(const char *dir, const char *name)
{
    cw_tz *z = NULL;
    cw_err err = {0};

    if (cw__tz_read(dir, name, &z, &err) != CW_OK)
        fail_msg("%s: %s", name, err.msg);
    return z;
}

/* Compare 'z' with the C library (TZ = 'tz') from 'from' to 'to' every
** 'step' seconds; returns the number of instants compared. */
static long compare(const cw_tz *z, const char *tz, long long from,
                    long long to, long long step)
{
    long n = 0;

    use_tz(tz);
    for (long long t = from; t <= to; t += step, n++) {
        long want = sys_offset(t), got = cw__tz_offset_utc(z, t);

        if (want != got)
            fail_msg("%s at %lld: offset %ld, system says %ld", tz, t, got,
                     want);
    }
    use_tz(NULL);
    return n;
}

/* Hinnant's algorithms: fixed points, and a round trip over 4000 years. */
static void test_tz_civil_days(void **state)
{
    long long y;
    unsigned m, d;

    (void)state;
    assert_true(cw__days_from_civil(1970, 1, 1) == 0);
    assert_true(cw__days_from_civil(1969, 12, 31) == -1);
    assert_true(cw__days_from_civil(2000, 3, 1) == 11017);
    assert_true(cw__days_from_civil(2024, 2, 29) == 19782);
    assert_true(cw__days_from_civil(0, 3, 1) == -719468);
    assert_true(cw__days_from_civil(1900, 3, 1) -
                    cw__days_from_civil(1900, 2, 28) ==
                1); /* 1900 is no leap year */
    cw__civil_from_days(19782, &y, &m, &d);
    assert_true(y == 2024 && m == 2 && d == 29);
    cw__civil_from_days(-1, &y, &m, &d);
    assert_true(y == 1969 && m == 12 && d == 31);
    for (long long day = -1100000; day < 400000; day++) {
        cw__civil_from_days(day, &y, &m, &d);
        if (cw__days_from_civil(y, m, d) != day || m < 1 || m > 12 || d < 1 ||
            d > 31)
            fail_msg("day %lld -> %lld-%u-%u", day, y, m, d);
    }
}

/* Every 6 hours 1970-2040 and every day 1900-1970, each zone agrees with
** the C library reading the same files. */
static void test_tz_offsets_match_system(void **state)
{
    (void)state;
    for (size_t i = 0; i < NZONES; i++) {
        cw_tz *z = load(NULL, zones[i]);
        long n = compare(z, zones[i], utc(1970, 1, 1, 0, 0),
                         utc(2040, 12, 31, 18, 0), 6 * HOUR);

        n += compare(z, zones[i], utc(1900, 1, 1, 0, 0), utc(1970, 1, 1, 0, 0),
                     DAY);
        assert_true(n > 100000);
        cw__tz_free(z);
    }
}

/* Around each transition of 2024 and 2037-2040 (the footer's years in
** fat files), the offsets one second before, at and after agree. */
static void test_tz_transitions_match_system(void **state)
{
    static const int years[] = {2024, 2037, 2038, 2039, 2040};

    (void)state;
    for (size_t i = 0; i < NZONES; i++) {
        cw_tz *z = load(NULL, zones[i]);
        int found = 0;

        use_tz(zones[i]);
        for (size_t k = 0; k < sizeof years / sizeof years[0]; k++) {
            long long t0 = utc(years[k], 1, 1, 0, 0);

            for (long long t = t0; t < t0 + 366 * DAY; t += HOUR) {
                long long lo = t, hi = t + HOUR;

                if (sys_offset(lo) == sys_offset(hi))
                    continue;
                while (hi - lo > 1) { /* the first second of the change */
                    long long mid = lo + (hi - lo) / 2;

                    if (sys_offset(mid) == sys_offset(lo))
                        lo = mid;
                    else
                        hi = mid;
                }
                for (long long s = hi - 1; s <= hi + 1; s++)
                    if (cw__tz_offset_utc(z, s) != sys_offset(s))
                        fail_msg("%s at %lld: %ld vs %ld", zones[i], s,
                                 cw__tz_offset_utc(z, s), sys_offset(s));
                assert_true(cw__tz_offset_utc(z, hi - 1) !=
                            cw__tz_offset_utc(z, hi));
                found++;
            }
        }
        use_tz(NULL);
        if (strcmp(zones[i], "America/New_York") == 0)
            assert_int_equal(found, 10); /* two per year */
        cw__tz_free(z);
    }
}

/* Local times turned back into instants: every sampled instant's local
** time maps back to it (or to the earlier twin in an overlap), and a gap
** time is shifted forward by the jump. */
static void test_tz_local_roundtrip(void **state)
{
    (void)state;
    for (size_t i = 0; i < NZONES; i++) {
        cw_tz *z = load(NULL, zones[i]);
        long overlaps = 0, gaps = 0;

        for (long long t = utc(2024, 1, 1, 0, 0); t < utc(2025, 1, 1, 0, 0);
             t += 15 * 60) {
            long long local = t + cw__tz_offset_utc(z, t), u = 0;
            int rc = cw__tz_local_to_utc(z, local, &u);

            assert_true(rc == 0 || rc == 1);
            assert_true(u + cw__tz_offset_utc(z, u) == local);
            if (rc == 0)
                assert_true(u == t);
            else
                assert_true(u <= t);
            overlaps += rc == 1;
        }
        for (long long l = utc(2038, 1, 1, 0, 0); l < utc(2039, 1, 1, 0, 0);
             l += 15 * 60) {
            long long u = 0;
            int rc = cw__tz_local_to_utc(z, l, &u);

            if (rc == -1) {
                long long shown = u + cw__tz_offset_utc(z, u);

                assert_true(shown > l && shown - l <= 2 * HOUR);
                gaps++;
            } else {
                assert_true(u + cw__tz_offset_utc(z, u) == l);
            }
        }
        if (strcmp(zones[i], "America/New_York") == 0) {
            assert_int_equal(overlaps, 8); /* 01:00-01:45 twice */
            assert_int_equal(gaps, 4);     /* 02:00-02:45 local */
        }
        if (strcmp(zones[i], "UTC") == 0)
            assert_true(overlaps == 0 && gaps == 0);
        cw__tz_free(z);
    }
}

/* The gap and overlap table. */
static void test_tz_local_table(void **state)
{
    static const struct {
        const char *zone;         /* the zone */
        int y, mo, d, h, mi;      /* local wall time */
        int rc;                   /* expected result */
        int wy, wmo, wd, wh, wmi; /* expected UTC instant */
    } cases[] = {
        {"America/New_York", 2024, 3, 10, 2, 30, -1, 2024, 3, 10, 7, 30},
        {"America/New_York", 2024, 3, 10, 1, 59, 0, 2024, 3, 10, 6, 59},
        {"America/New_York", 2024, 3, 10, 3, 0, 0, 2024, 3, 10, 7, 0},
        {"America/New_York", 2024, 11, 3, 1, 30, 1, 2024, 11, 3, 5, 30},
        {"America/New_York", 2024, 11, 3, 0, 59, 0, 2024, 11, 3, 4, 59},
        {"America/New_York", 2024, 11, 3, 2, 0, 0, 2024, 11, 3, 7, 0},
        {"America/New_York", 2024, 7, 4, 12, 0, 0, 2024, 7, 4, 16, 0},
        {"America/New_York", 2024, 1, 15, 8, 0, 0, 2024, 1, 15, 13, 0},
        {"America/New_York", 2038, 3, 14, 2, 30, -1, 2038, 3, 14, 7, 30},
        {"America/New_York", 2038, 11, 7, 1, 30, 1, 2038, 11, 7, 5, 30},
        {"America/Chicago", 2024, 3, 10, 2, 0, -1, 2024, 3, 10, 8, 0},
        {"Europe/London", 2024, 3, 31, 1, 30, -1, 2024, 3, 31, 1, 30},
        {"Europe/London", 2024, 10, 27, 1, 30, 1, 2024, 10, 27, 0, 30},
        {"Australia/Lord_Howe", 2024, 10, 6, 2, 15, -1, 2024, 10, 5, 15, 45},
        {"Australia/Lord_Howe", 2024, 10, 6, 2, 30, 0, 2024, 10, 5, 15, 30},
        {"Australia/Lord_Howe", 2024, 4, 7, 1, 45, 1, 2024, 4, 6, 14, 45},
        {"Asia/Kolkata", 2024, 3, 10, 2, 30, 0, 2024, 3, 9, 21, 0},
        {"UTC", 2024, 3, 10, 2, 30, 0, 2024, 3, 10, 2, 30},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cw_tz *z = load(NULL, cases[i].zone);
        long long u = 0;
        int rc = cw__tz_local_to_utc(
            z,
            utc(cases[i].y, cases[i].mo, cases[i].d, cases[i].h, cases[i].mi),
            &u);

        if (rc != cases[i].rc ||
            u != utc(cases[i].wy, cases[i].wmo, cases[i].wd, cases[i].wh,
                     cases[i].wmi))
            fail_msg("case %zu (%s): rc %d, utc %lld", i, cases[i].zone, rc, u);
        cw__tz_free(z);
    }
}

/* Names that could escape the zone directory, or name nothing, fail. */
static void test_tz_bad_names(void **state)
{
    static const char *const bad[] = {
        "../etc/passwd",
        "/etc/passwd",
        "America/../../etc/passwd",
        "",
        "America/New York",
        "America/",
        "America//New_York",
        "Nowhere/City",
        "America",
        "New_York\n",
        "leapseconds.",
    };
    cw_err err = {0};
    cw_tz *z;

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        z = (cw_tz *)&err; /* must be overwritten with NULL */
        assert_int_equal(cw__tz_read(NULL, bad[i], &z, &err), CW_EUSAGE);
        assert_null(z);
        assert_int_equal(err.code, CW_EUSAGE);
        assert_non_null(strstr(err.msg, "unknown time zone"));
    }
    assert_int_equal(cw__tz_read(NULL, "Nowhere/City", &z, &err), CW_EUSAGE);
    assert_string_equal(err.msg, "unknown time zone 'Nowhere/City'");
    assert_int_equal(cw__tz_read(NULL, NULL, &z, NULL), CW_EUSAGE);
}

/* Fail the 1st, 2nd, ... allocation of a load: each is a clean ENOMEM. */
static void test_tz_load_out_of_memory(void **state)
{
    long n;

    (void)state;
    for (n = 0;; n++) {
        struct budget budget = {n, 0};
        cw_tz *z;
        cw_err err = {0};
        int rc;

        cw_set_allocator(budget_alloc, &budget);
        rc = cw__tz_read(NULL, "America/New_York", &z, &err);
        cw_set_allocator(NULL, NULL);
        if (rc == CW_OK) {
            assert_int_equal(cw__tz_offset_utc(z, utc(2024, 7, 1, 0, 0)),
                             -4 * 3600);
            cw__tz_free(z);
            break;
        }
        assert_int_equal(rc, CW_ENOMEM);
        assert_null(z);
    }
    assert_true(n >= 2);
}

/* A scratch directory for zone files made by a test. */
struct scratch {
    char dir[64];   /* the directory, loaded from as 'dir' */
    char sub[96];   /* its subdirectory "Test" */
    char path[128]; /* the zone file "Test/Zone" */
};

/* Make the directory and its "Test" subdirectory. */
static void scratch_open(struct scratch *s)
{
    strcpy(s->dir, "/tmp/cw_test_tz_XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    snprintf(s->sub, sizeof s->sub, "%s/Test", s->dir);
    assert_int_equal(mkdir(s->sub, 0700), 0);
    snprintf(s->path, sizeof s->path, "%s/Test/Zone", s->dir);
}

/* Remove what scratch_open() made and the zone file. */
static void scratch_close(struct scratch *s)
{
    unlink(s->path);
    rmdir(s->sub);
    rmdir(s->dir);
}

/* Write 'len' bytes at 'p' as the scratch zone file. */
static void put_zone(const struct scratch *s, const void *p, size_t len)
{
    FILE *fp = fopen(s->path, "wb");

    assert_non_null(fp);
    assert_int_equal(fwrite(p, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

/* The bytes of a system zone file, malloc'd, and their count. */
static unsigned char *read_zone(const char *name, size_t *len)
{
    char path[256];
    unsigned char *buf = malloc(1 << 20);
    FILE *fp;

    snprintf(path, sizeof path, "%s/%s", ZONEINFO, name);
    fp = fopen(path, "rb");
    assert_non_null(fp);
    assert_non_null(buf);
    *len = fread(buf, 1, 1 << 20, fp);
    fclose(fp);
    assert_true(*len > 44);
    return buf;
}

/* The big-endian 32-bit count at 'p'. */
static size_t count32(const unsigned char *p)
{
    return (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
}

/* Size of the data block after the header at 'h', with 'tsize'-byte
** transition times (RFC 8536 section 3.2). */
static size_t block_size(const unsigned char *h, size_t tsize)
{
    size_t isut = count32(h + 20), isstd = count32(h + 24),
           leap = count32(h + 28), time = count32(h + 32),
           type = count32(h + 36), chr = count32(h + 40);

    return time * tsize + time + type * 6 + chr + leap * (tsize + 4) + isstd +
           isut;
}

/* Load the scratch zone, expecting failure 'rc' with 'text' in the message. */
static void load_fails(const struct scratch *s, int rc, const char *text)
{
    cw_err err = {0};
    cw_tz *z = (cw_tz *)&err; /* must be overwritten with NULL */

    assert_int_equal(cw__tz_read(s->dir, "Test/Zone", &z, &err), rc);
    assert_null(z);
    assert_non_null(strstr(err.msg, text));
}

/* Truncated and damaged copies of a zone file fail cleanly, through the
** 'dir' argument. */
static void test_tz_corrupt_files(void **state)
{
    struct scratch s;
    size_t len, v2, foot;
    unsigned char *ny = read_zone("America/New_York", &len);
    unsigned char *bad = malloc(len + 64);
    cw_tz *z;

    (void)state;
    assert_non_null(bad);
    scratch_open(&s);
    for (size_t n = 0; n < len; n++) {
        put_zone(&s, ny, n);
        if (n < 4)
            load_fails(&s, CW_EUSAGE, "unknown time zone 'Test/Zone'");
        else
            load_fails(&s, CW_EIO, "is corrupt");
    }
    put_zone(&s, ny, len); /* the whole copy is fine */
    assert_int_equal(cw__tz_read(s.dir, "Test/Zone", &z, NULL), CW_OK);
    assert_int_equal(cw__tz_offset_utc(z, utc(2024, 1, 1, 0, 0)), -5 * 3600);
    cw__tz_free(z);
    v2 = 44 + block_size(ny, 4);
    foot = v2 + 44 + block_size(ny + v2, 8);
    assert_true(foot < len && ny[foot] == '\n');

    memcpy(bad, ny, len); /* a transition naming a type that is not there */
    bad[v2 + 44 + count32(ny + v2 + 32) * 8] = 200;
    put_zone(&s, bad, len);
    load_fails(&s, CW_EIO, "is corrupt");

    memcpy(bad, ny, len); /* no type at all */
    memset(bad + v2 + 36, 0, 4);
    put_zone(&s, bad, len);
    load_fails(&s, CW_EIO, "is corrupt");

    memcpy(bad, ny, len); /* transitions out of order */
    memcpy(bad + v2 + 44, ny + v2 + 44 + 8, 8);
    put_zone(&s, bad, len);
    load_fails(&s, CW_EIO, "is corrupt");

    memcpy(bad, ny, foot); /* a footer with month 13 */
    memcpy(bad + foot, "\nEST5EDT,M13.2.0,M11.1.0\n", 25);
    put_zone(&s, bad, foot + 25);
    load_fails(&s, CW_EIO, "is corrupt");

    memcpy(bad + foot, "\nEST5EDT,M3.2.0\n", 16); /* half a rule */
    put_zone(&s, bad, foot + 16);
    load_fails(&s, CW_EIO, "is corrupt");

    put_zone(&s, "# not a zone\n", 13);
    load_fails(&s, CW_EUSAGE, "unknown time zone 'Test/Zone'");
    scratch_close(&s);
    free(bad);
    free(ny);
}

/* A version 1 file (the 32-bit block of New York's) agrees with the
** system wherever 32-bit times reach. */
static void test_tz_version1_file(void **state)
{
    struct scratch s;
    size_t len;
    unsigned char *ny = read_zone("America/New_York", &len);
    cw_tz *z;

    (void)state;
    ny[4] = '\0';
    scratch_open(&s);
    put_zone(&s, ny, 44 + block_size(ny, 4));
    z = load(s.dir, "Test/Zone");
    assert_true(compare(z, "America/New_York", utc(1902, 1, 1, 0, 0),
                        utc(2037, 12, 31, 0, 0), 6 * HOUR) > 100000);
    assert_int_equal(cw__tz_offset_utc(z, utc(2037, 7, 1, 0, 0)), -4 * 3600);
    cw__tz_free(z);
    scratch_close(&s);
    free(ny);
}

/* Write a version 3 zone file with no transitions, one type of offset
** 'utoff' and the footer 'tz'. */
static void put_footer_zone(const struct scratch *s, long utoff, const char *tz)
{
    unsigned char buf[512] = {0}, *p = buf;
    size_t n;

    for (int k = 0; k < 2; k++) {
        memcpy(p, "TZif3", 5);
        p[39] = 1; /* typecnt */
        p[43] = 4; /* charcnt */
        p += 44;
        p[0] = (unsigned char)((unsigned long)utoff >> 24);
        p[1] = (unsigned char)((unsigned long)utoff >> 16);
        p[2] = (unsigned char)((unsigned long)utoff >> 8);
        p[3] = (unsigned char)utoff;
        memcpy(p + 6, "XXX", 4);
        p += 10;
    }
    n = (size_t)snprintf((char *)p, 200, "\n%s\n", tz);
    put_zone(s, buf, (size_t)(p - buf) + n);
}

/* Footers alone (no transitions) give the C library's answers for the
** same POSIX TZ strings: Mm.w.d, Jn and n rules, times like /-1, /26 and
** /25, angle-bracket names, negative daylight saving, daylight all year. */
static void test_tz_footer_rules(void **state)
{
    static const struct {
        const char *tz; /* the POSIX TZ string */
        long std;       /* its standard offset, east of UTC */
        int sys;        /* 1 to compare with the C library */
    } cases[] = {
        {"<+03>-3", 3 * 3600, 1},
        {"EST5EDT,M3.2.0,M11.1.0", -5 * 3600, 1},
        {"EST5EDT", -5 * 3600, 1},
        {"<-02>2<-01>,M3.5.0/-1,M10.5.0/0", -2 * 3600, 1},
        {"IST-2IDT,M3.4.4/26,M10.5.0", 2 * 3600, 1},
        {"IST-1GMT0,M10.5.0,M3.5.0/1", 3600, 1},
        {"<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45", 45900, 1},
        {"<-04>4<-03>,M9.1.6/24,M4.1.6/24", -4 * 3600, 1},
        {"AAA3:30BBB2:30:15,J59/23:30:15,200/1:02:03", -12600, 1},
        {"AAA+3BBB,J60/-1,J300/25", -3 * 3600, 1},
        {"AAA-10BBB,5/2,300/2", 36000, 1},
        {"EST5EDT4,0/0,J365/25", -5 * 3600, 0}, /* glibc: EST at New Year */
    };
    struct scratch s;

    (void)state;
    scratch_open(&s);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cw_tz *z;

        put_footer_zone(&s, cases[i].std, cases[i].tz);
        z = load(s.dir, "Test/Zone");
        if (cases[i].sys)
            compare(z, cases[i].tz, utc(2019, 12, 25, 0, 0),
                    utc(2031, 1, 5, 0, 0), HOUR - 1);
        if (strcmp(cases[i].tz, "EST5EDT,M3.2.0,M11.1.0") == 0) {
            long long t = utc(2024, 3, 10, 7, 0);

            assert_int_equal(cw__tz_offset_utc(z, t - 1), -5 * 3600);
            assert_int_equal(cw__tz_offset_utc(z, t), -4 * 3600);
            t = utc(2024, 11, 3, 6, 0);
            assert_int_equal(cw__tz_offset_utc(z, t - 1), -4 * 3600);
            assert_int_equal(cw__tz_offset_utc(z, t), -5 * 3600);
        }
        if (strcmp(cases[i].tz, "EST5EDT4,0/0,J365/25") == 0) {
            for (long long t = utc(2024, 1, 1, 0, 0); t < utc(2026, 1, 1, 0, 0);
                 t += 1800)
                assert_int_equal(cw__tz_offset_utc(z, t), -4 * 3600);
        }
        cw__tz_free(z);
    }
    /* Daylight time from day 0 at 02:00 to day 364 at 02:00: it starts at
    ** 2020-01-01 02:00 local, 2019-12-31 16:00 UTC, although that is still
    ** 2019 in UTC (glibc and Python disagree here, each differently). */
    put_footer_zone(&s, 36000, "AAA-10BBB,0/2,364/2");
    {
        cw_tz *z = load(s.dir, "Test/Zone");
        long long t = utc(2019, 12, 31, 16, 0);

        assert_int_equal(cw__tz_offset_utc(z, t - 1), 36000);
        assert_int_equal(cw__tz_offset_utc(z, t), 39600);
        assert_int_equal(cw__tz_offset_utc(z, utc(2019, 12, 30, 14, 59)),
                         39600);
        assert_int_equal(cw__tz_offset_utc(z, utc(2019, 12, 30, 15, 0)), 36000);
        cw__tz_free(z);
    }
    put_footer_zone(&s, 7200, ""); /* an empty footer: type 0 forever */
    {
        cw_tz *z = load(s.dir, "Test/Zone");

        assert_int_equal(cw__tz_offset_utc(z, utc(2100, 6, 1, 0, 0)), 7200);
        assert_int_equal(cw__tz_offset_utc(z, -(1LL << 62)), 7200);
        cw__tz_free(z);
    }
    put_footer_zone(&s, 7200, "<+02>-2<+03"); /* an unclosed name */
    load_fails(&s, CW_EIO, "is corrupt");
    put_footer_zone(&s, 7200, "AB-2"); /* a two-letter name */
    load_fails(&s, CW_EIO, "is corrupt");
    scratch_close(&s);
}

/* Extreme instants neither crash nor overflow. */
static void test_tz_extremes(void **state)
{
    cw_tz *z = load(NULL, "America/New_York");
    long long u = 0;

    (void)state;
    assert_int_equal(cw__tz_offset_utc(z, LLONG_MAX), -5 * 3600);
    assert_true(cw__tz_offset_utc(z, LLONG_MIN) > -6 * 3600);
    assert_int_equal(cw__tz_local_to_utc(z, LLONG_MAX, &u), 0);
    assert_true(u == LLONG_MAX);
    assert_int_equal(cw__tz_local_to_utc(z, LLONG_MIN, &u), 0);
    assert_true(u > LLONG_MIN);
    assert_int_equal(cw__tz_local_to_utc(z, 1LL << 58, &u), 0);
    assert_true(u + cw__tz_offset_utc(z, u) == 1LL << 58);
    cw__tz_free(z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tz_civil_days),
        cmocka_unit_test(test_tz_offsets_match_system),
        cmocka_unit_test(test_tz_transitions_match_system),
        cmocka_unit_test(test_tz_local_roundtrip),
        cmocka_unit_test(test_tz_local_table),
        cmocka_unit_test(test_tz_bad_names),
        cmocka_unit_test(test_tz_load_out_of_memory),
        cmocka_unit_test(test_tz_corrupt_files),
        cmocka_unit_test(test_tz_version1_file),
        cmocka_unit_test(test_tz_footer_rules),
        cmocka_unit_test(test_tz_extremes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
