/*
** tz.c -- IANA time zones read from TZif files (RFC 8536, versions 1-3)
** without touching TZ, tzset() or localtime().  A loaded zone owns its
** transition table and the POSIX TZ rule of the file's footer; it is
** immutable, so any number of threads may use it at once.
*/
#include "values/tz.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_DIR "/usr/share/zoneinfo"
#define MAX_FILE (1024 * 1024)  /* the largest zone file we read */
#define MAX_NAME 255            /* the longest zone name we accept */
#define MAX_UTOFF (26L * 3600)  /* largest |offset| of a local time type */
#define TIME_LIMIT (1LL << 59)  /* instants are clamped to +-2^59 */
#define WINDOW (2LL * 86400)    /* local_to_utc looks this far each way */
#define DEFAULT_RULE_TIME 7200L /* POSIX: transitions at 02:00 local */

/* One transition rule of a POSIX TZ string: "Jn", "n" or "Mm.w.d". */
struct tzrule {
    char kind; /* 'J' (1..365, no Feb 29), 'N' (0..365) or 'M' */
    int a;     /* J/N: the day number; M: the month, 1..12 */
    int b;     /* M: the week, 1..5 (5 is the last) */
    int c;     /* M: the weekday, 0 (Sunday) .. 6 */
    long time; /* local time of the change, seconds (-167h..167h) */
};

/* A parsed POSIX TZ string such as "EST5EDT,M3.2.0,M11.1.0". */
struct footer {
    long stdoff;         /* standard time, seconds east of UTC */
    long dstoff;         /* daylight time, seconds east of UTC */
    int hasdst;          /* 1 when the string names daylight time */
    struct tzrule start; /* when daylight time starts (in standard time) */
    struct tzrule end;   /* when it ends (in daylight time) */
};

struct cw_tz {
    long long *trans; /* transition instants, strictly ascending */
    long *offs;       /* offset in effect from each transition on */
    size_t ntrans;    /* number of transitions */
    long off0;        /* offset before the first one (time type 0) */
    int hasfooter;    /* 1 when 'f' governs times after the last one */
    struct footer f;  /* the POSIX TZ rule of the file's footer */
};

/* ==== Calendar arithmetic ==== */

/*
** Days since 1970-01-01 of the proleptic Gregorian date 'y'-'m'-'d',
** Howard Hinnant's days_from_civil().  'm' is 1..12 and 'd' 1..31.
*/
long long cw__days_from_civil(long long y, unsigned m, unsigned d)
{
    long long era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

/* The date of day 'days' since 1970-01-01, Hinnant's civil_from_days(). */
void cw__civil_from_days(long long days, long long *y, unsigned *m, unsigned *d)
{
    long long era;
    unsigned doe, yoe, doy, mp;

    days += 719468;
    era = (days >= 0 ? days : days - 146096) / 146097;
    doe = (unsigned)(days - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (long long)yoe + era * 400 + (*m <= 2);
}

/* 'a' divided by 'b' (> 0), rounded towards minus infinity. */
static long long floordiv(long long a, long long b)
{
    long long q = a / b;

    return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* 1 when 'y' is a Gregorian leap year. */
static int isleap(long long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Keep 't' inside +-2^59 so that calendar arithmetic cannot overflow. */
static long long clamp(long long t)
{
    return t < -TIME_LIMIT ? -TIME_LIMIT : t > TIME_LIMIT ? TIME_LIMIT : t;
}

/* ==== POSIX TZ rules (the TZif footer) ==== */

/* Day (since the epoch) on which rule 'r' falls in year 'y'. */
static long long rule_day(const struct tzrule *r, long long y)
{
    long long jan1 = cw__days_from_civil(y, 1, 1);
    long long first, day, next;
    int wday;

    if (r->kind == 'J')
        return jan1 + r->a - 1 + (isleap(y) && r->a >= 60);
    if (r->kind == 'N')
        return jan1 + r->a;
    first = cw__days_from_civil(y, (unsigned)r->a, 1);
    next = r->a == 12 ? cw__days_from_civil(y + 1, 1, 1)
                      : cw__days_from_civil(y, (unsigned)r->a + 1, 1);
    wday = (int)((first % 7 + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
    day = first + (r->c - wday + 7) % 7 + (long long)(r->b - 1) * 7;
    while (day >= next)
        day -= 7;
    return day;
}

/* An event of a footer: a change to daylight (start) or standard time. */
struct event {
    long long t; /* the UTC instant */
    long long y; /* the rule year that produced it */
    int end;     /* 0 for a start of daylight time, 1 for an end */
};

/* 1 when event 'a' comes after 'b': by instant, then year, then kind. */
static int after(const struct event *a, const struct event *b)
{
    if (a->t != b->t)
        return a->t > b->t;
    if (a->y != b->y)
        return a->y > b->y;
    return a->end > b->end;
}

/* The start and end events of footer 'f' in year 'y'. */
static void year_events(const struct footer *f, long long y, struct event *ev)
{
    ev[0].t = rule_day(&f->start, y) * 86400 + f->start.time - f->stdoff;
    ev[0].y = y;
    ev[0].end = 0;
    ev[1].t = rule_day(&f->end, y) * 86400 + f->end.time - f->dstoff;
    ev[1].y = y;
    ev[1].end = 1;
}

/* The calendar year of UTC instant 't'. */
static long long year_of(long long t)
{
    long long y;
    unsigned m, d;

    cw__civil_from_days(floordiv(t, 86400), &y, &m, &d);
    return y;
}

/*
** Offset of footer 'f' at UTC instant 't' (clamped): the state set by the
** latest start or end event at or before 't'.  Events of the years around
** 't' are compared, which also copes with rules whose transitions cross
** a year boundary and with daylight time all year ("0/0,J365/25").
*/
static long footer_offset(const struct footer *f, long long t)
{
    long long y;
    struct event ev[2], best = {0, 0, 0};
    int found = 0;

    if (!f->hasdst)
        return f->stdoff;
    y = year_of(t);
    for (long long yy = y - 1; yy <= y + 1; yy++) {
        year_events(f, yy, ev);
        for (int i = 0; i < 2; i++) {
            if (ev[i].t <= t && (!found || after(&ev[i], &best))) {
                best = ev[i];
                found = 1;
            }
        }
    }
    if (!found) /* cannot happen: last year's events precede 't' */
        return f->stdoff;
    return best.end ? f->stdoff : f->dstoff;
}

/* First instant after 't' at which footer 'f' changes state, stored in
** '*next'; 0 when 'f' never changes. */
static int footer_next(const struct footer *f, long long t, long long *next)
{
    long long y, best = 0;
    struct event ev[2];
    int found = 0;

    if (!f->hasdst)
        return 0;
    y = year_of(t);
    for (long long yy = y - 1; yy <= y + 2; yy++) {
        year_events(f, yy, ev);
        for (int i = 0; i < 2; i++) {
            if (ev[i].t > t && (!found || ev[i].t < best)) {
                best = ev[i].t;
                found = 1;
            }
        }
    }
    *next = best;
    return found;
}

/* A cursor over the bytes of a POSIX TZ string. */
struct cur {
    const char *p;   /* next byte */
    const char *end; /* one past the last byte */
};

/* Read an unsigned decimal number of at most 'maxdig' digits into '*v'. */
static int number(struct cur *c, int maxdig, long *v)
{
    int n = 0;

    *v = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9' && n < maxdig) {
        *v = *v * 10 + (*c->p++ - '0');
        n++;
    }
    return n > 0 ? 0 : -1;
}

/* Read "[+-]hh[:mm[:ss]]" into '*secs', the hours being at most 'maxh'.
** Returns 0, or -1 when malformed. */
static int hms(struct cur *c, long maxh, long *secs)
{
    long h, m = 0, s = 0, sign = 1;

    if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
        sign = *c->p++ == '-' ? -1 : 1;
    if (number(c, 3, &h) != 0 || h > maxh)
        return -1;
    if (c->p < c->end && *c->p == ':') {
        c->p++;
        if (number(c, 2, &m) != 0 || m > 59)
            return -1;
        if (c->p < c->end && *c->p == ':') {
            c->p++;
            if (number(c, 2, &s) != 0 || s > 59)
                return -1;
        }
    }
    *secs = sign * (h * 3600 + m * 60 + s);
    return 0;
}

/* Skip a zone abbreviation: 3+ letters, or "<...>" holding 3+ of
** [A-Za-z0-9+-]. */
static int abbrev(struct cur *c)
{
    const char *start;

    if (c->p < c->end && *c->p == '<') {
        start = ++c->p;
        while (c->p < c->end && *c->p != '>') {
            char ch = *c->p;

            if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                  (ch >= '0' && ch <= '9') || ch == '+' || ch == '-'))
                return -1;
            c->p++;
        }
        if (c->p == c->end || c->p - start < 3)
            return -1;
        c->p++;
        return 0;
    }
    start = c->p;
    while (c->p < c->end &&
           ((*c->p >= 'A' && *c->p <= 'Z') || (*c->p >= 'a' && *c->p <= 'z')))
        c->p++;
    return c->p - start >= 3 ? 0 : -1;
}

/* Read one rule "Jn", "n" or "Mm.w.d", then an optional "/time". */
static int tzrule(struct cur *c, struct tzrule *r)
{
    long a, b = 0, d = 0;

    if (c->p < c->end && *c->p == 'J') {
        c->p++;
        if (number(c, 3, &a) != 0 || a < 1 || a > 365)
            return -1;
        r->kind = 'J';
    } else if (c->p < c->end && *c->p == 'M') {
        c->p++;
        if (number(c, 2, &a) != 0 || a < 1 || a > 12)
            return -1;
        if (c->p == c->end || *c->p++ != '.' || number(c, 1, &b) != 0 ||
            b < 1 || b > 5)
            return -1;
        if (c->p == c->end || *c->p++ != '.' || number(c, 1, &d) != 0 || d > 6)
            return -1;
        r->kind = 'M';
    } else {
        if (number(c, 3, &a) != 0 || a > 365)
            return -1;
        r->kind = 'N';
    }
    r->a = (int)a;
    r->b = (int)b;
    r->c = (int)d;
    r->time = DEFAULT_RULE_TIME;
    if (c->p < c->end && *c->p == '/') {
        c->p++;
        if (hms(c, 167, &r->time) != 0)
            return -1;
    }
    return 0;
}

/*
** Parse the POSIX TZ string of 'len' bytes at 's' into 'f'.  Offsets in
** the string count west of UTC; 'f' holds them east of UTC.  Without a
** rule, daylight time follows the US rule "M3.2.0,M11.1.0" as POSIX's
** implementation-defined default.  Returns 0, or -1 when malformed.
*/
static int parse_footer(const char *s, size_t len, struct footer *f)
{
    struct cur c = {s, s + len};
    long off;

    *f = (struct footer){0};
    if (abbrev(&c) != 0 || hms(&c, 24, &off) != 0)
        return -1;
    f->stdoff = f->dstoff = -off;
    if (c.p == c.end)
        return 0;
    if (abbrev(&c) != 0)
        return -1;
    f->hasdst = 1;
    f->dstoff = f->stdoff + 3600;
    if (c.p < c.end && *c.p != ',') {
        if (hms(&c, 24, &off) != 0)
            return -1;
        f->dstoff = -off;
    }
    if (c.p == c.end) {
        f->start = (struct tzrule){'M', 3, 2, 0, DEFAULT_RULE_TIME};
        f->end = (struct tzrule){'M', 11, 1, 0, DEFAULT_RULE_TIME};
        return 0;
    }
    if (*c.p++ != ',' || tzrule(&c, &f->start) != 0)
        return -1;
    if (c.p == c.end || *c.p++ != ',' || tzrule(&c, &f->end) != 0)
        return -1;
    return c.p == c.end ? 0 : -1;
}

/* ==== Reading TZif files ==== */

/* The big-endian unsigned 32-bit number at 'p'. */
static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           (uint32_t)p[3];
}

/* The big-endian two's complement number of 'size' (4 or 8) bytes. */
static long long betime(const unsigned char *p, int size)
{
    uint64_t u;

    if (size == 4)
        return (long long)(int32_t)be32(p);
    u = (uint64_t)be32(p) << 32 | be32(p + 4);
    return u <= INT64_MAX ? (long long)u : -(long long)(~u) - 1;
}

/* The six counts of a TZif header, in file order. */
struct counts {
    uint64_t isut, isstd, leap, time, type, chr; /* as named in RFC 8536 */
};

/* Read the counts of the header at 'p' and return the size of the data
** block that follows it, with 'tsize'-byte times. */
static uint64_t header(const unsigned char *p, int tsize, struct counts *n)
{
    n->isut = be32(p + 20);
    n->isstd = be32(p + 24);
    n->leap = be32(p + 28);
    n->time = be32(p + 32);
    n->type = be32(p + 36);
    n->chr = be32(p + 40);
    return n->time * (uint64_t)tsize + n->time + n->type * 6 + n->chr +
           n->leap * (uint64_t)(tsize + 4) + n->isstd + n->isut;
}

/*
** Fill 'z' from the 'size' bytes of a TZif file at 'b'.  Version 1 files
** use their 32-bit block; later versions the 64-bit block and footer.
** Leap-second records are ignored (the "right/" zones are not supported).
** Returns CW_OK, 1 when 'b' is not a TZif file at all, CW_EIO when it
** is corrupt, or CW_ENOMEM.
*/
static int parse_tzif(cw_tz *z, const unsigned char *b, size_t size)
{
    const unsigned char *p = b, *idx, *types, *end = b + size;
    struct counts n;
    uint64_t blk;
    int tsize = 4;

    if (size < 4 || memcmp(b, "TZif", 4) != 0)
        return 1;
    if (size < 44)
        return CW_EIO;
    blk = header(p, 4, &n);
    if (b[4] != '\0') { /* version 2+: skip to the 64-bit block */
        if (blk > size - 44 || size - 44 - (size_t)blk < 44)
            return CW_EIO;
        p = b + 44 + blk;
        if (memcmp(p, "TZif", 4) != 0 || p[4] < '2')
            return CW_EIO;
        tsize = 8;
        blk = header(p, 8, &n);
    }
    if (n.type == 0 || n.type > 256 || (n.isstd != 0 && n.isstd != n.type) ||
        (n.isut != 0 && n.isut != n.type) || blk > (uint64_t)(end - p - 44))
        return CW_EIO;
    p += 44;
    idx = p + n.time * (uint64_t)tsize;
    types = idx + n.time;
    for (uint64_t i = 0; i < n.type; i++) {
        long utoff = (long)(int32_t)be32(types + 6 * i);

        if (utoff < -MAX_UTOFF || utoff > MAX_UTOFF || types[6 * i + 4] > 1 ||
            types[6 * i + 5] >= n.chr)
            return CW_EIO;
    }
    z->off0 = (long)(int32_t)be32(types);
    if (n.time > 0) {
        z->trans =
            cw__alloc((size_t)n.time * (sizeof *z->trans + sizeof *z->offs));
        if (z->trans == NULL)
            return CW_ENOMEM;
        z->offs = (long *)(void *)(z->trans + n.time);
        z->ntrans = (size_t)n.time;
    }
    for (size_t i = 0; i < z->ntrans; i++) {
        z->trans[i] = betime(p + i * (size_t)tsize, tsize);
        if (idx[i] >= n.type || (i > 0 && z->trans[i] <= z->trans[i - 1]))
            return CW_EIO;
        z->offs[i] = (long)(int32_t)be32(types + 6 * (size_t)idx[i]);
    }
    if (tsize == 4)
        return CW_OK;
    p += blk; /* the footer: "\n" POSIX-TZ-string "\n" */
    if (p == end || *p != '\n')
        return CW_EIO;
    for (const unsigned char *q = ++p; q < end; q++) {
        if (*q == '\n') {
            if (q == p)
                return CW_OK; /* an empty footer: no rule */
            z->hasfooter = 1;
            if (parse_footer((const char *)p, (size_t)(q - p), &z->f) != 0)
                return CW_EIO;
            return CW_OK;
        }
    }
    return CW_EIO;
}

/* 1 when 'name' is a plausible zone name: [A-Za-z0-9_+-] components
** separated by single slashes, no "..", no leading or trailing slash. */
static int valid_name(const char *name)
{
    size_t len = strlen(name);

    if (len == 0 || len > MAX_NAME || name[0] == '/' || name[len - 1] == '/')
        return 0;
    for (size_t i = 0; i < len; i++) {
        char ch = name[i];

        if (ch == '/' && name[i + 1] == '/')
            return 0;
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
              (ch >= '0' && ch <= '9') || ch == '_' || ch == '+' || ch == '-' ||
              ch == '/'))
            return 0;
    }
    return 1; /* '.' is refused above, so ".." cannot occur */
}

/* 1 when every byte of 's' is printable ASCII. */
static int printable(const char *s)
{
    for (; *s != '\0'; s++)
        if (*s < ' ' || *s > '~')
            return 0;
    return 1;
}

/*
** Read the whole of 'path' into a new buffer stored in '*out' with its
** size in '*size'.  Returns CW_OK, CW_ENOMEM, 1 when the file does not
** exist (or is a directory), or CW_EIO with 'errno' set.
*/
static int slurp(const char *path, unsigned char **out, size_t *size)
{
    FILE *fp = fopen(path, "rb");
    unsigned char *buf = NULL, *nbuf;
    size_t len = 0, cap = 0;
    int rc = CW_OK;

    *out = NULL;
    if (fp == NULL)
        return errno == ENOENT || errno == ENOTDIR ? 1 : CW_EIO;
    for (;;) {
        size_t got;

        if (len == cap) {
            if (cap >= MAX_FILE) {
                errno = EFBIG;
                rc = CW_EIO;
                break;
            }
            nbuf = cw__grow(buf, &cap, cap == 0 ? 4096 : cap * 2, 1);
            if (nbuf == NULL) {
                rc = CW_ENOMEM;
                break;
            }
            buf = nbuf;
        }
        got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (got == 0) {
            if (ferror(fp))
                rc = errno == EISDIR ? 1 : CW_EIO;
            break;
        }
    }
    fclose(fp);
    if (rc != CW_OK) {
        cw__free(buf);
        return rc;
    }
    *out = buf;
    *size = len;
    return CW_OK;
}

/*
** Load zone 'name' from 'dir' (NULL: the system's zoneinfo).  The file
** is read whole into a buffer that is freed before returning; the zone
** keeps only its transitions and footer rule.  A missing file is
** CW_EUSAGE "unknown time zone", a damaged one CW_EIO "... is corrupt".
*/
int cw__tz_read(const char *dir, const char *name, cw_tz **out, cw_err *err)
{
    char path[4096];
    unsigned char *buf = NULL;
    size_t size = 0;
    cw_tz *z = NULL;
    char why[128];
    int n, rc;

    *out = NULL;
    if (name == NULL || !valid_name(name))
        return cw__fail(err, CW_EUSAGE,
                        "unknown time zone '%.64s' (not a zone name such as "
                        "'America/New_York')",
                        name != NULL && printable(name) ? name : "?");
    n = snprintf(path, sizeof path, "%s/%s", dir != NULL ? dir : DEFAULT_DIR,
                 name);
    if (n < 0 || (size_t)n >= sizeof path)
        return cw__fail(err, CW_EUSAGE, "zone directory path too long");
    rc = slurp(path, &buf, &size);
    if (rc == 1)
        return cw__fail(err, CW_EUSAGE, "unknown time zone '%s'", name);
    if (rc == CW_ENOMEM)
        goto nomem;
    if (rc != CW_OK) {
        if (errno == EFBIG || strerror_r(errno, why, sizeof why) != 0)
            snprintf(why, sizeof why, "%s", "too large or unreadable");
        return cw__fail(err, CW_EIO, "cannot read zone file '%s': %s", path,
                        why);
    }
    z = cw__alloc(sizeof *z);
    if (z == NULL)
        goto nomem;
    *z = (cw_tz){0};
    rc = parse_tzif(z, buf, size);
    cw__free(buf);
    buf = NULL;
    if (rc == CW_ENOMEM)
        goto nomem;
    if (rc == 1) {
        cw__tz_free(z);
        return cw__fail(err, CW_EUSAGE,
                        "unknown time zone '%s' (not a zone file)", name);
    }
    if (rc != CW_OK) {
        cw__tz_free(z);
        return cw__fail(err, CW_EIO, "zone file '%s' is corrupt", path);
    }
    *out = z;
    return CW_OK;

nomem:
    cw__free(buf);
    cw__tz_free(z);
    return cw__fail(err, CW_ENOMEM, "out of memory loading time zone '%s'",
                    name);
}

/* Free 'z'.  NULL is a harmless no-op. */
void cw__tz_free(cw_tz *z)
{
    if (z == NULL)
        return;
    cw__free(z->trans); /* 'offs' shares this block */
    cw__free(z);
}

/* ==== Conversions ==== */

/* Offset at UTC instant 't', already clamped. */
static long offset_at(const cw_tz *z, long long t)
{
    size_t lo = 0, hi = z->ntrans;

    if (z->ntrans == 0)
        return z->hasfooter ? footer_offset(&z->f, t) : z->off0;
    if (t < z->trans[0])
        return z->off0;
    if (t > z->trans[z->ntrans - 1] && z->hasfooter)
        return footer_offset(&z->f, t);
    while (hi - lo > 1) { /* invariant: trans[lo] <= t < trans[hi] */
        size_t mid = lo + (hi - lo) / 2;

        if (z->trans[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return z->offs[lo];
}

/* First instant after 't' (clamped) at which the offset may change,
** stored in '*next'; 0 when none follows. */
static int next_change(const cw_tz *z, long long t, long long *next)
{
    size_t lo = 0, hi;

    if (z->ntrans > 0 && t < z->trans[z->ntrans - 1]) {
        hi = z->ntrans - 1; /* first index with trans[i] > t */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;

            if (z->trans[mid] > t)
                hi = mid;
            else
                lo = mid + 1;
        }
        *next = z->trans[lo];
        return 1;
    }
    return z->hasfooter && footer_next(&z->f, t, next);
}

/* Offset east of UTC at instant 't': the transition table, then the
** footer rule after its last entry. */
long cw__tz_offset_utc(const cw_tz *z, long long t)
{
    return offset_at(z, clamp(t));
}

/*
** The offsets in effect over [local - WINDOW, local + WINDOW] cut that
** span into intervals.  Each interval [start, end) with offset 'off'
** holds a solution exactly when start <= local - off < end.  Two or more
** solutions make an overlap, none a gap: that is the one transition
** whose local times jump over 'local'.
*/
int cw__tz_local_to_utc(const cw_tz *z, long long local, long long *utc)
{
    long long start = LLONG_MIN, end, next = 0, lo, hi, best = 0, gap = 0;
    long off, noff;
    int nsol = 0, more, isgap = 0;

    if (local != clamp(local)) { /* far outside any calendar: no zones */
        off = offset_at(z, clamp(local));
        *utc = (off > 0 && local < LLONG_MIN + off)   ? LLONG_MIN
               : (off < 0 && local > LLONG_MAX + off) ? LLONG_MAX
                                                      : local - off;
        return 0;
    }
    lo = local - WINDOW;
    hi = local + WINDOW;
    off = offset_at(z, lo);
    for (int guard = 0; guard < 64; guard++) {
        more = next_change(z, start == LLONG_MIN ? lo : start, &next) &&
               next <= hi;
        end = more ? next : LLONG_MAX;
        if (local - off >= start && local - off < end) {
            if (nsol == 0 || local - off < best)
                best = local - off;
            nsol++;
        }
        if (!more)
            break;
        noff = offset_at(z, next);
        if (noff > off && local >= next + off && local < next + noff) {
            gap = local - off; /* shifted forward by the jump */
            isgap = 1;
        }
        start = next;
        off = noff;
    }
    if (nsol > 0) {
        *utc = best;
        return nsol > 1 ? 1 : 0;
    }
    *utc = isgap ? gap : local - offset_at(z, local);
    return -1;
}
