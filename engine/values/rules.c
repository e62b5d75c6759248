/*
** rules.c -- validators and converters for single values: booleans,
** dates and times across time zones, phone numbers, effort names, and
** the named rules built once per column and applied to every row.  A
** rule owns its arguments and zones; applying it allocates nothing
** beyond growing the caller's scratch buffer.
*/
#include "values/rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SHOW_BYTES 40 /* at most this much of a value goes into a message */
#define SHOW_CHARS 48 /* and at most this many characters once escaped */
#define SHOW_SIZE 64  /* room for the shown value, "..." and NUL */
#define MAX_OFFSET (18L * 3600) /* largest offset a date may name */

/* Forms the date rule reads, as told to users. */
#define DATE_FORMS                                                             \
    "YYYY-MM-DD[ HH:MM[:SS]], ISO 8601 with Z or +hh:mm, MM/DD/YYYY[ "         \
    "HH:MM] or M/D/YYYY h:mm AM"

/* Forms Organizer accepts, as told to users. */
#define ORGANIZER_FORMS                                                        \
    "Organizer accepts MM/DD/YYYY[ HH:MM] or YYYY-MM-DD[ HH:MM], "             \
    "zero-padded, 24-hour"

/* ==== Helpers ==== */

/* 1 when 'c' is ASCII white space. */
static int isblank_byte(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
           c == '\f';
}

/* 1 when 'c' is an ASCII digit. */
static int isdigit_byte(char c)
{
    return c >= '0' && c <= '9';
}

/* 1 when 'c' is an ASCII letter. */
static int isalpha_byte(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Narrow '*s'/'*len' to the bytes between leading and trailing space. */
static void trim(const char **s, size_t *len)
{
    while (*len > 0 && isblank_byte(**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && isblank_byte((*s)[*len - 1]))
        (*len)--;
}

/*
** Write value 's' of 'len' bytes into 'out' (SHOW_SIZE bytes) for a
** message: at most SHOW_BYTES of it, valid UTF-8 kept as it is, control
** and invalid bytes as \xHH, and "..." when it had to be cut.  Returns
** 'out'.
*/
static const char *show(const char *s, size_t len, char *out)
{
    size_t i = 0, n = 0;

    while (i < len && i < SHOW_BYTES && n < SHOW_CHARS) {
        unsigned char c = (unsigned char)s[i];
        size_t k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;

        if (c >= 0x20 && c < 0x7F) {
            out[n++] = (char)c;
            i++;
        } else if (c >= 0x80 && i + k <= len &&
                   cw__utf8_valid(s + i, k, NULL)) {
            memcpy(out + n, s + i, k);
            n += k;
            i += k;
        } else {
            snprintf(out + n, 5, "\\x%02X", c);
            n += 4;
            i++;
        }
    }
    if (i < len) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
    return out;
}

/* Fill 'v' (when not NULL) with 'code' and a printf-style message, and
** return -1, so that a rejection reads 'return reject(v, ...)'. */
static int reject(cw_verdict *v, const char *code, const char *fmt, ...)
    CW_PRINTF(3, 4);

static int reject(cw_verdict *v, const char *code, const char *fmt, ...)
{
    va_list ap;

    if (v != NULL) {
        v->code = code;
        va_start(ap, fmt);
        vsnprintf(v->msg, sizeof v->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* ==== Booleans ==== */

/* The accepted spellings, matched ignoring case. */
static const struct {
    const char *s; /* the spelling */
    size_t len;    /* its length */
    int val;       /* 1 for true */
} spellings[] = {
    {"true", 4, 1}, {"false", 5, 0}, {"t", 1, 1}, {"f", 1, 0}, {"yes", 3, 1},
    {"no", 2, 0},   {"y", 1, 1},     {"n", 1, 0}, {"1", 1, 1}, {"0", 1, 0},
};

/* Read a boolean: one of 'spellings' once trimmed, in any case. */
int cw__rule_bool(const char *s, size_t len, int *out, cw_verdict *v)
{
    const char *p = s;
    size_t n = len;
    char buf[SHOW_SIZE];

    trim(&p, &n);
    for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
        if (cw__eqi(p, n, spellings[i].s, spellings[i].len)) {
            *out = spellings[i].val;
            return 0;
        }
    }
    return reject(v, "E_BOOLEAN",
                  "not a boolean: '%s' (use true/false, yes/no, y/n, t/f or "
                  "1/0, in any case)",
                  show(s, len, buf));
}

/* ==== Dates ==== */

/* A cursor over the bytes of a value. */
struct scan {
    const char *p;   /* next byte */
    const char *end; /* one past the last */
};

/* Read 'min' to 'max' digits into '*val'; return how many were read, or
** 0 (nothing consumed) when there were fewer than 'min'. */
static int digits(struct scan *c, int min, int max, int *val)
{
    const char *p = c->p;
    int n = 0, x = 0;

    while (p < c->end && n < max && isdigit_byte(*p)) {
        x = x * 10 + (*p++ - '0');
        n++;
    }
    if (n < min)
        return 0;
    c->p = p;
    *val = x;
    return n;
}

/* 1 when the next byte is 'ch' (then consumed). */
static int accept(struct scan *c, char ch)
{
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return 1;
    }
    return 0;
}

/* Days in month 'm' of year 'y'. */
static int month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : days[m - 1];
}

/* Check the fields of 'dt'; on failure write the reason into 'why' (80
** bytes) and return -1. */
static int check_fields(const cw_datetime *dt, char *why)
{
    if (dt->year < 1)
        snprintf(why, 80, "year %04d out of range", dt->year);
    else if (dt->month < 1 || dt->month > 12)
        snprintf(why, 80, "month %d out of range", dt->month);
    else if (dt->day < 1 || dt->day > month_days(dt->year, dt->month))
        snprintf(why, 80, "no day %d in %04d-%02d%s", dt->day, dt->year,
                 dt->month,
                 dt->month == 2 && dt->day == 29 ? " (not a leap year)" : "");
    else if (dt->hour > 23)
        snprintf(why, 80, "hour %d out of range (00-23)", dt->hour);
    else if (dt->min > 59)
        snprintf(why, 80, "minute %d out of range (00-59)", dt->min);
    else if (dt->sec > 59)
        snprintf(why, 80, "second %d out of range (00-59)", dt->sec);
    else if (dt->has_offset &&
             (dt->offset > MAX_OFFSET || dt->offset < -MAX_OFFSET))
        snprintf(why, 80, "offset beyond +-18:00");
    else
        return 0;
    return -1;
}

/* Read "HH:MM[:SS[.fffffffff]]" ('hmin' hour digits at least) into 'dt';
** 'frac' 0 refuses a fraction.  Returns 0 or -1. */
static int read_time(struct scan *c, int hmin, int frac, cw_datetime *dt)
{
    int n;

    if (!digits(c, hmin, 2, &dt->hour) || !accept(c, ':') ||
        !digits(c, 2, 2, &dt->min))
        return -1;
    dt->has_time = 1;
    if (!accept(c, ':'))
        return 0;
    if (!digits(c, 2, 2, &dt->sec))
        return -1;
    if (!frac || !accept(c, '.'))
        return 0;
    for (n = 0; c->p < c->end && isdigit_byte(*c->p); n++, c->p++) {
        if (n >= 9)
            return -1;
        if (n < 6)
            dt->usec = dt->usec * 10 + (*c->p - '0');
    }
    for (int k = n; k < 6; k++)
        dt->usec *= 10;
    return n > 0 ? 0 : -1;
}

/* Read an offset "Z", "+hh:mm", "+hhmm" or "+hh" into 'dt'. */
static int read_offset(struct scan *c, cw_datetime *dt)
{
    int h, m = 0, sign;

    if (accept(c, 'Z') || accept(c, 'z')) {
        dt->has_offset = 1;
        return 0;
    }
    if (c->p == c->end || (*c->p != '+' && *c->p != '-'))
        return 0; /* none */
    sign = *c->p++ == '-' ? -1 : 1;
    if (!digits(c, 2, 2, &h))
        return -1;
    if (accept(c, ':')) {
        if (!digits(c, 2, 2, &m))
            return -1;
    } else if (c->p < c->end && isdigit_byte(*c->p) && !digits(c, 2, 2, &m)) {
        return -1;
    }
    if (m > 59)
        return -1;
    dt->has_offset = 1;
    dt->offset = sign * (h * 3600L + m * 60L);
    return 0;
}

/* Read "AM" or "PM" (any case) after optional spaces: 1 AM, 2 PM, 0. */
static int read_ampm(struct scan *c)
{
    const char *p = c->p;

    while (p < c->end && *p == ' ')
        p++;
    if (c->end - p < 2 || (p[1] != 'M' && p[1] != 'm'))
        return 0;
    if (p[0] != 'A' && p[0] != 'a' && p[0] != 'P' && p[0] != 'p')
        return 0;
    c->p = p + 2;
    return p[0] == 'A' || p[0] == 'a' ? 1 : 2;
}

/*
** Parse the trimmed value into 'dt'; on failure write a reason into
** 'why' (80 bytes) and return -1.
*/
static int parse_date(const char *s, size_t len, cw_datetime *dt, char *why)
{
    struct scan c = {s, s + len};
    int n, ampm;

    *dt = (cw_datetime){0};
    if (len == 0) {
        snprintf(why, 80, "empty");
        return -1;
    }
    n = digits(&c, 1, 8, &dt->year);
    if (n == 4 && accept(&c, '-')) { /* YYYY-MM-DD... */
        if (!digits(&c, 2, 2, &dt->month) || !accept(&c, '-') ||
            !digits(&c, 2, 2, &dt->day))
            goto form;
        if (c.p < c.end) {
            if (!accept(&c, 'T') && !accept(&c, 't') && !accept(&c, ' '))
                goto form;
            if (read_time(&c, 2, 1, dt) != 0 || read_offset(&c, dt) != 0)
                goto form;
        }
    } else if ((n == 1 || n == 2) && accept(&c, '/')) { /* M/D/YYYY... */
        dt->month = dt->year;
        if (!digits(&c, 1, 2, &dt->day) || !accept(&c, '/'))
            goto form;
        n = digits(&c, 1, 8, &dt->year);
        if (n == 2) {
            snprintf(why, 80, "two-digit years are ambiguous; write 4 digits");
            return -1;
        }
        if (n != 4)
            goto form;
        if (accept(&c, ' ')) {
            if (read_time(&c, 1, 0, dt) != 0)
                goto form;
            ampm = read_ampm(&c);
            if (ampm != 0 && (dt->hour < 1 || dt->hour > 12)) {
                snprintf(why, 80, "hour %d with AM/PM (use 1-12)", dt->hour);
                return -1;
            }
            if (ampm != 0)
                dt->hour = dt->hour % 12 + (ampm == 2 ? 12 : 0);
        }
        if (dt->month > 12 && dt->day <= 12 && c.p == c.end) {
            snprintf(why, 80,
                     "month %d out of range; day-first dates are not "
                     "accepted",
                     dt->month);
            return -1;
        }
    } else if (n == 2 && c.p < c.end && (*c.p == '-' || *c.p == '.')) {
        snprintf(why, 80, "two-digit years or day-first dates are ambiguous");
        return -1;
    } else {
        goto form;
    }
    if (c.p != c.end) {
        snprintf(why, 80, "unexpected text after the date");
        return -1;
    }
    return check_fields(dt, why);

form:
    snprintf(why, 80, "not a recognised form");
    return -1;
}

/* Read a date in one of the forms of DATE_FORMS, surrounding spaces
** ignored; the message names the value, the reason and the forms. */
int cw__rule_date_parse(const char *s, size_t len, cw_datetime *out,
                        cw_verdict *v)
{
    const char *p = s;
    size_t n = len;
    char why[80], buf[SHOW_SIZE];

    trim(&p, &n);
    if (parse_date(p, n, out, why) == 0)
        return 0;
    return reject(v, "E_DATE", "not a date: '%s' (%s; use %s)",
                  show(s, len, buf), why, DATE_FORMS);
}

/* 1 when the bytes of 's' at the positions marked 'D' in 'pat' are digits
** and the others equal 'pat'; 's' is as long as 'pat'. */
static int match(const char *s, const char *pat)
{
    for (; *pat != '\0'; s++, pat++) {
        if (*pat == 'D' ? !isdigit_byte(*s) : *s != *pat)
            return 0;
    }
    return 1;
}

/* The number in the two digits at 's'. */
static int two(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/*
** Check one of Organizer's four forms, exactly: no surrounding spaces,
** no seconds, zero-padded, 24-hour, a real calendar date.  The reason
** names common mistakes (day-first dates, ISO 8601 with T, seconds).
*/
int cw__rule_date_organizer(const char *s, size_t len, cw_verdict *v)
{
    cw_datetime dt = {0};
    char why[80], buf[SHOW_SIZE];
    int ok = 0;

    if (len == 10 || len == 16) {
        if (match(s, "DD/DD/DDDD")) {
            dt.month = two(s);
            dt.day = two(s + 3);
            dt.year = two(s + 6) * 100 + two(s + 8);
            ok = 1;
        } else if (match(s, "DDDD-DD-DD")) {
            dt.year = two(s) * 100 + two(s + 2);
            dt.month = two(s + 5);
            dt.day = two(s + 8);
            ok = 1;
        }
        if (ok && len == 16) {
            ok = match(s + 10, " DD:DD");
            dt.hour = two(s + 11);
            dt.min = two(s + 14);
        }
    }
    if (ok && check_fields(&dt, why) == 0)
        return 0;
    if (ok && dt.month > 12 && dt.day <= 12 && s[2] == '/')
        snprintf(why, 80,
                 "month %d out of range; day-first dates are not "
                 "accepted",
                 dt.month);
    else if (!ok && len > 10 && s[10] == 'T')
        snprintf(why, 80, "ISO 8601 with T is not accepted; convert it first");
    else if (!ok && len == 19 && match(s + 10, " DD:DD:DD"))
        snprintf(why, 80, "seconds are not accepted");
    else if (!ok)
        snprintf(why, 80, "not in an accepted form");
    return reject(v, "E_DATE", "not an Organizer date: '%s' (%s; %s)",
                  show(s, len, buf), why, ORGANIZER_FORMS);
}

/* 'a' divided by 'b' (> 0), rounded towards minus infinity. */
static long long floordiv(long long a, long long b)
{
    long long q = a / b;

    return (a % b != 0 && a < 0) ? q - 1 : q;
}

/*
** A value with a time and an offset names an instant; a naive one is a
** wall time in 'from' (NULL: UTC), and the earlier instant is taken when
** a fall-back makes it occur twice.  The instant is then written back as
** the wall time in 'to' (NULL: UTC), with that offset in 'dt'.  A bare
** date names a day, not an instant: converting it would invent a time of
** day, so it is left as it is.
*/
int cw__rule_date_convert(cw_datetime *dt, const cw_tz *from, const cw_tz *to,
                          cw_verdict *v)
{
    long long local, t, days;
    long off;
    unsigned m, d;
    char buf[32];

    if (!dt->has_time)
        return 0;
    local =
        cw__days_from_civil(dt->year, (unsigned)dt->month, (unsigned)dt->day) *
            86400 +
        dt->hour * 3600LL + dt->min * 60LL + dt->sec;
    if (dt->has_offset)
        t = local - dt->offset;
    else if (from == NULL)
        t = local;
    else if (cw__tz_local_to_utc(from, local, &t) < 0) {
        cw__rule_date_format(dt, CW_DATEFMT_ISO, buf);
        return reject(v, "E_DATE_GAP",
                      "'%s' does not exist in the input time zone: the clocks "
                      "skipped it for daylight saving time",
                      buf);
    }
    off = to != NULL ? cw__tz_offset_utc(to, t) : 0;
    local = t + off;
    days = floordiv(local, 86400);
    local -= days * 86400;
    {
        long long y;

        cw__civil_from_days(days, &y, &m, &d);
        dt->year = (int)y;
    }
    dt->month = (int)m;
    dt->day = (int)d;
    dt->hour = (int)(local / 3600);
    dt->min = (int)(local / 60 % 60);
    dt->sec = (int)(local % 60);
    dt->has_offset = 1;
    dt->offset = off;
    return 0;
}

/*
** Write 'dt' in form 'f' into 'out' (32 bytes at least) and return the
** length.  A value without a time of day is written as the date part of
** the form ("YYYY-MM-DD" or "MM/DD/YYYY"): no time is invented.
*/
size_t cw__rule_date_format(const cw_datetime *dt, enum cw_datefmt f, char *out)
{
    int n;
    int us = f == CW_DATEFMT_US || f == CW_DATEFMT_US_DATE;
    int date = f == CW_DATEFMT_DATE || f == CW_DATEFMT_US_DATE || !dt->has_time;

    if (us && date)
        n = snprintf(out, 32, "%02d/%02d/%04d", dt->month, dt->day, dt->year);
    else if (us)
        n = snprintf(out, 32, "%02d/%02d/%04d %02d:%02d", dt->month, dt->day,
                     dt->year, dt->hour, dt->min);
    else if (date)
        n = snprintf(out, 32, "%04d-%02d-%02d", dt->year, dt->month, dt->day);
    else if (f == CW_DATEFMT_ISO_FULL)
        n = snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d", dt->year,
                     dt->month, dt->day, dt->hour, dt->min, dt->sec);
    else
        n = snprintf(out, 32, "%04d-%02d-%02d %02d:%02d", dt->year, dt->month,
                     dt->day, dt->hour, dt->min);
    return n < 0 ? 0 : n >= 32 ? 31 : (size_t)n;
}

/* ==== Phone numbers ==== */

/* 1 when 's' looks like a number in scientific notation ("2.02556E+09"). */
static int scientific(const char *s, size_t len)
{
    int e = 0, dig = 0;

    for (size_t i = 0; i < len; i++) {
        if (s[i] == 'e' || s[i] == 'E')
            e++;
        else if (isdigit_byte(s[i]))
            dig = 1;
        else if (s[i] != '.' && s[i] != '+' && s[i] != '-')
            return 0;
    }
    return e == 1 && dig;
}

/* Check the ten North American digits at 'd' (area code and exchange
** must not start with 0 or 1); on failure write the reason into 'why'. */
static int nanp(const char *d, char *why)
{
    if (d[0] == '0' || d[0] == '1') {
        snprintf(why, 80, "area code %.3s cannot start with 0 or 1", d);
        return -1;
    }
    if (d[3] == '0' || d[3] == '1') {
        snprintf(why, 80, "exchange %.3s cannot start with 0 or 1", d + 3);
        return -1;
    }
    return 0;
}

/* Normalise the trimmed phone value 's' into 'out' as E.164; on failure
** write the reason into 'why' (80 bytes) and return -1. */
static int parse_phone(const char *s, size_t len, char *out, size_t *outlen,
                       char *why)
{
    char d[16];
    size_t nd = 0;
    int plus = 0;

    if (len == 0) {
        snprintf(why, 80, "empty");
        return -1;
    }
    if (scientific(s, len)) {
        snprintf(why, 80,
                 "Excel scientific notation lost digits; export the "
                 "column as text");
        return -1;
    }
    if (len >= 3 && s[len - 2] == '.' && s[len - 1] == '0' &&
        isdigit_byte(s[len - 3]))
        len -= 2; /* a float written out by Excel or pandas */
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];

        if (isdigit_byte(ch)) {
            if (nd == 15) {
                snprintf(why, 80, "more than 15 digits");
                return -1;
            }
            d[nd++] = ch;
        } else if (ch == '+' && i == 0) {
            plus = 1;
        } else if (ch == 'x' || ch == 'X' || ch == '#' ||
                   (len - i >= 3 && cw__eqi(s + i, 3, "ext", 3))) {
            snprintf(why, 80, "extensions are not accepted");
            return -1;
        } else if (isalpha_byte(ch)) {
            snprintf(why, 80, "letters are not accepted");
            return -1;
        } else if (ch != ' ' && ch != '-' && ch != '.' && ch != '(' &&
                   ch != ')' && ch != '/') {
            snprintf(why, 80, "unexpected character");
            return -1;
        }
    }
    if (plus && nd > 0 && d[0] != '1') { /* outside North America */
        if (nd < 8) {
            snprintf(why, 80, "an international number needs 8-15 digits");
            return -1;
        }
    } else if (nd == 11 && d[0] == '1') {
        if (nanp(d + 1, why) != 0)
            return -1;
    } else if (nd == 10 && !plus) {
        if (nanp(d, why) != 0)
            return -1;
        memmove(d + 1, d, 10);
        d[0] = '1';
        nd = 11;
    } else if (plus) {
        snprintf(why, 80, "a +1 number needs 10 digits after the 1");
        return -1;
    } else if (nd == 11) {
        snprintf(why, 80, "11 digits not starting with the country code 1");
        return -1;
    } else {
        snprintf(why, 80,
                 "%zu digits; a North American number needs 10 (with the "
                 "area code)",
                 nd);
        return -1;
    }
    out[0] = '+';
    memcpy(out + 1, d, nd);
    out[nd + 1] = '\0';
    *outlen = nd + 1;
    return 0;
}

/* Normalise a phone number to E.164 in 'out', surrounding spaces
** ignored (see parse_phone()). */
int cw__rule_phone(const char *s, size_t len, char *out, size_t *outlen,
                   cw_verdict *v)
{
    const char *p = s;
    size_t n = len;
    char why[80], buf[SHOW_SIZE];

    trim(&p, &n);
    if (parse_phone(p, n, out, outlen, why) == 0)
        return 0;
    return reject(v, "E_PHONE", "not a phone number: '%s' (%s)",
                  show(s, len, buf), why);
}

/* ==== Effort names ==== */

/* Write the comparison key of an effort name: trimmed, white space runs
** made one space, ASCII lower case.  Never longer than 'len'. */
size_t cw__effort_key(const char *s, size_t len, char *out)
{
    size_t n = 0;
    int space = 0;

    trim(&s, &len);
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];

        if (isblank_byte(ch)) {
            space = 1;
            continue;
        }
        if (space)
            out[n++] = ' ';
        space = 0;
        out[n++] = ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
    }
    return n;
}

/* ==== Named rules ==== */

enum kind {
    K_BOOLEAN,
    K_DATE,
    K_ORGDATE,
    K_PHONE,
    K_TRIM,
    K_LOWER,
    K_UPPER,
    K_COLLAPSE,
    K_NONBLANK,
    K_ENUM,
    K_MAXLEN,
    K_EFFORT
};

/* The named rules and the arguments each takes. */
static const struct kinddef {
    const char *name; /* as written in plans and schemas */
    enum kind kind;   /* what it does */
    const char *args; /* its argument names, ", "-separated, or "" */
} kinds[] = {
    {"boolean", K_BOOLEAN, ""},
    {"date", K_DATE, "format, tz, input_tz, tzdir"},
    {"organizer_date", K_ORGDATE, ""},
    {"phone", K_PHONE, ""},
    {"trim", K_TRIM, ""},
    {"lower", K_LOWER, ""},
    {"upper", K_UPPER, ""},
    {"collapse_spaces", K_COLLAPSE, ""},
    {"nonblank", K_NONBLANK, ""},
    {"enum", K_ENUM, "values, ignore_case"},
    {"max_length", K_MAXLEN, "n"},
    {"effort_name", K_EFFORT, ""},
};

#define RULE_NAMES                                                             \
    "boolean, date, organizer_date, phone, trim, lower, upper, "               \
    "collapse_spaces, nonblank, enum, max_length, effort_name"

/* The output forms of the date rule, by name. */
static const struct {
    const char *name;    /* as written in args.format */
    enum cw_datefmt fmt; /* the form */
} formats[] = {
    {"iso", CW_DATEFMT_ISO},           {"us", CW_DATEFMT_US},
    {"date", CW_DATEFMT_DATE},         {"us_date", CW_DATEFMT_US_DATE},
    {"iso_full", CW_DATEFMT_ISO_FULL},
};

/* One allowed value of an enum rule. */
struct enumval {
    const char *p; /* its bytes, in the rule's block */
    size_t len;    /* their count */
};

struct cw_rule {
    const struct kinddef *def; /* name and kind */
    enum cw_datefmt fmt;       /* date: the output form */
    cw_tz *tz;                 /* date: output zone, NULL for UTC */
    cw_tz *input_tz;           /* date: zone of naive values, NULL for UTC */
    struct enumval *values;    /* enum: allowed values, one block */
    size_t nvalues;            /* enum: their count */
    int ignore_case;           /* enum: compare ignoring ASCII case */
    size_t maxlen;             /* max_length: most characters allowed */
};

/* 1 when 'key' is one of the ", "-separated names in 'list'. */
static int known_arg(const char *list, const char *key)
{
    size_t klen = strlen(key);

    while (*list != '\0') {
        size_t n = strcspn(list, ",");

        if (n == klen && memcmp(list, key, n) == 0)
            return 1;
        list += n;
        while (*list == ',' || *list == ' ')
            list++;
    }
    return 0;
}

/* Check that 'args' is absent or a table holding only the arguments of
** 'def'. */
static int check_args(const struct kinddef *def, const cw_node *args,
                      cw_err *err)
{
    if (args == NULL || args->type == CW_NODE_NIL)
        return CW_OK;
    if (args->type != CW_NODE_TABLE)
        return cw__fail(err, CW_EUSAGE, "rule '%s': arguments must be a table",
                        def->name);
    if (args->narr > 0)
        return cw__fail(err, CW_EUSAGE,
                        "rule '%s': arguments must be named (valid: %s)",
                        def->name, *def->args ? def->args : "none");
    for (size_t i = 0; i < args->nkeys; i++) {
        if (!known_arg(def->args, args->keys[i]))
            return cw__fail(err, CW_EUSAGE,
                            "rule '%s': unknown argument '%.64s' (valid: %s)",
                            def->name, args->keys[i],
                            *def->args ? def->args : "none");
    }
    return CW_OK;
}

/* The string argument 'key' of 'args' in '*out' (NULL when absent). */
static int str_arg(const struct kinddef *def, const cw_node *args,
                   const char *key, const char **out, cw_err *err)
{
    const cw_node *n = cw__node_get(args, key);

    *out = NULL;
    if (n == NULL || n->type == CW_NODE_NIL)
        return CW_OK;
    if (n->type != CW_NODE_STR)
        return cw__fail(err, CW_EUSAGE, "rule '%s': '%s' must be a string",
                        def->name, key);
    *out = n->str;
    return CW_OK;
}

/* Set up the date rule 'r' from 'args'. */
static int new_date(cw_rule *r, const cw_node *args, cw_err *err)
{
    const char *fmt, *tz, *input_tz, *dir;
    int rc;
    size_t i;

    if ((rc = str_arg(r->def, args, "format", &fmt, err)) != CW_OK ||
        (rc = str_arg(r->def, args, "tz", &tz, err)) != CW_OK ||
        (rc = str_arg(r->def, args, "input_tz", &input_tz, err)) != CW_OK ||
        (rc = str_arg(r->def, args, "tzdir", &dir, err)) != CW_OK)
        return rc;
    r->fmt = CW_DATEFMT_ISO;
    if (fmt != NULL) {
        for (i = 0; i < sizeof formats / sizeof formats[0]; i++) {
            if (strcmp(fmt, formats[i].name) == 0)
                break;
        }
        if (i == sizeof formats / sizeof formats[0])
            return cw__fail(err, CW_EUSAGE,
                            "rule 'date': unknown format '%.64s' (valid: iso, "
                            "us, date, us_date, iso_full)",
                            fmt);
        r->fmt = formats[i].fmt;
    }
    if (tz != NULL && (rc = cw__tz_load(dir, tz, &r->tz, err)) != CW_OK)
        return rc;
    if (input_tz != NULL &&
        (rc = cw__tz_load(dir, input_tz, &r->input_tz, err)) != CW_OK)
        return rc;
    return CW_OK;
}

/* Set up the enum rule 'r' from 'args', copying the values into one
** block. */
static int new_enum(cw_rule *r, const cw_node *args, cw_err *err)
{
    const cw_node *vals = cw__node_get(args, "values");
    const cw_node *ic = cw__node_get(args, "ignore_case");
    size_t bytes = 0;
    char *p;

    if (vals == NULL || vals->type != CW_NODE_TABLE || vals->narr == 0 ||
        vals->nkeys > 0)
        return cw__fail(err, CW_EUSAGE,
                        "rule 'enum': 'values' must be a list of strings");
    for (size_t i = 0; i < vals->narr; i++) {
        if (vals->arr[i] == NULL || vals->arr[i]->type != CW_NODE_STR)
            return cw__fail(err, CW_EUSAGE,
                            "rule 'enum': value %zu is not a string", i + 1);
        bytes += vals->arr[i]->len;
    }
    if (ic != NULL && ic->type != CW_NODE_BOOL && ic->type != CW_NODE_NIL)
        return cw__fail(err, CW_EUSAGE,
                        "rule 'enum': 'ignore_case' must be true or false");
    r->ignore_case = ic != NULL && ic->type == CW_NODE_BOOL && ic->b;
    r->values = cw__alloc(vals->narr * sizeof *r->values + bytes + 1);
    if (r->values == NULL)
        return cw__fail(err, CW_ENOMEM, "out of memory building rule 'enum'");
    p = (char *)(r->values + vals->narr);
    for (size_t i = 0; i < vals->narr; i++) {
        memcpy(p, vals->arr[i]->str, vals->arr[i]->len);
        r->values[i] = (struct enumval){p, vals->arr[i]->len};
        p += vals->arr[i]->len;
    }
    r->nvalues = vals->narr;
    return CW_OK;
}

/* Set up the max_length rule 'r' from 'args'. */
static int new_maxlen(cw_rule *r, const cw_node *args, cw_err *err)
{
    const cw_node *n = cw__node_get(args, "n");

    if (n == NULL || n->type != CW_NODE_NUM || !n->isint || n->num < 0 ||
        n->num > 1e15)
        return cw__fail(err, CW_EUSAGE,
                        "rule 'max_length': 'n' must be a whole number of "
                        "characters, 0 or more");
    r->maxlen = (size_t)n->num;
    return CW_OK;
}

/*
** Build rule 'name' from 'args', which is only read: strings and zones
** are copied or loaded into the rule.  On failure '*out' is NULL and
** nothing needs freeing.
*/
int cw__rule_new(const char *name, const cw_node *args, cw_rule **out,
                 cw_err *err)
{
    const struct kinddef *def = NULL;
    cw_rule *r;
    int rc;

    *out = NULL;
    for (size_t i = 0; name != NULL && i < sizeof kinds / sizeof kinds[0];
         i++) {
        if (strcmp(name, kinds[i].name) == 0)
            def = &kinds[i];
    }
    if (def == NULL)
        return cw__fail(err, CW_EUSAGE, "unknown rule '%.64s' (valid: %s)",
                        name != NULL ? name : "(null)", RULE_NAMES);
    rc = check_args(def, args, err);
    if (rc != CW_OK)
        return rc;
    r = cw__alloc(sizeof *r);
    if (r == NULL)
        return cw__fail(err, CW_ENOMEM, "out of memory building rule '%s'",
                        def->name);
    *r = (cw_rule){.def = def};
    if (def->kind == K_DATE)
        rc = new_date(r, args, err);
    else if (def->kind == K_ENUM)
        rc = new_enum(r, args, err);
    else if (def->kind == K_MAXLEN)
        rc = new_maxlen(r, args, err);
    if (rc != CW_OK)
        goto fail;
    *out = r;
    return CW_OK;

fail:
    cw__rule_free(r);
    return rc;
}

/* Free 'r', its zones and values.  NULL is a harmless no-op. */
void cw__rule_free(cw_rule *r)
{
    if (r == NULL)
        return;
    cw__tz_free(r->tz);
    cw__tz_free(r->input_tz);
    cw__free(r->values);
    cw__free(r);
}

/* The name 'r' was built with; static storage. */
const char *cw__rule_name(const cw_rule *r)
{
    return r->def->name;
}

/* Room for 'n' bytes (and a NUL) at the start of 'b'; or NULL when out
** of memory.  Once 'b' is big enough this never allocates, and it leaves
** the bytes in place: the value being rewritten may live in 'b' itself
** when rules are chained on one scratch buffer. */
static char *room(cw_buf *b, size_t n)
{
    char *p = cw__grow(b->p, &b->cap, n + 1, 1);

    if (p != NULL)
        b->p = p;
    return p;
}

/* Copy the 'n' bytes at 'p' into 'b' as the result of a rule. */
static int result(cw_buf *b, const char *p, size_t n, const char **res,
                  size_t *reslen, cw_verdict *v)
{
    char *q = room(b, n);

    if (q == NULL)
        return reject(v, "E_NOMEM", "out of memory");
    memcpy(q, p, n);
    q[n] = '\0';
    b->len = n;
    *res = q;
    *reslen = n;
    return 0;
}

/* Write the value, trimmed with inner white space runs made one space
** when 'collapse', and ASCII case changed by 'caseop' ('l', 'u' or 0),
** into 'b'.  Writing never overtakes reading, so 's' may lie in 'b'. */
static int rewrite(cw_buf *b, const char *s, size_t len, int collapse,
                   int caseop, const char **res, size_t *reslen, cw_verdict *v)
{
    char *q = room(b, len);
    size_t n = 0;
    int space = 0;

    if (q == NULL)
        return reject(v, "E_NOMEM", "out of memory");
    if (collapse)
        trim(&s, &len);
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];

        if (collapse && isblank_byte(ch)) {
            space = 1;
            continue;
        }
        if (space)
            q[n++] = ' ';
        space = 0;
        if (caseop == 'l' && ch >= 'A' && ch <= 'Z')
            ch = (char)(ch + 32);
        else if (caseop == 'u' && ch >= 'a' && ch <= 'z')
            ch = (char)(ch - 32);
        q[n++] = ch;
    }
    q[n] = '\0';
    b->len = n;
    *res = q;
    *reslen = n;
    return 0;
}

/* Apply the date rule 'r' to 's'. */
static int apply_date(const cw_rule *r, const char *s, size_t len,
                      cw_buf *scratch, const char **res, size_t *reslen,
                      cw_verdict *v)
{
    cw_datetime dt;
    char out[32];
    size_t n;

    if (cw__rule_date_parse(s, len, &dt, v) != 0 ||
        cw__rule_date_convert(&dt, r->input_tz, r->tz, v) != 0)
        return -1;
    n = cw__rule_date_format(&dt, r->fmt, out);
    return result(scratch, out, n, res, reslen, v);
}

/* Apply the enum rule 'r' to 's': the allowed spelling on a match. */
static int apply_enum(const cw_rule *r, const char *s, size_t len,
                      cw_buf *scratch, const char **res, size_t *reslen,
                      cw_verdict *v)
{
    char buf[SHOW_SIZE];
    size_t n;
    int w;

    for (size_t i = 0; i < r->nvalues; i++) {
        const struct enumval *e = &r->values[i];

        if (len == e->len && memcmp(s, e->p, len) == 0) {
            *res = s;
            *reslen = len;
            return 0;
        }
        if (r->ignore_case && cw__eqi(s, len, e->p, e->len))
            return result(scratch, e->p, e->len, res, reslen, v);
    }
    if (v == NULL)
        return -1;
    v->code = "E_ENUM";
    w = snprintf(v->msg, sizeof v->msg,
                 "'%s' is not one of: ", show(s, len, buf));
    n = w < 0 ? 0 : (size_t)w;
    for (size_t i = 0; i < r->nvalues && n < sizeof v->msg; i++) {
        const char *sep = i + 1 < r->nvalues ? ", " : "";

        if (n + r->values[i].len + strlen(sep) + 5 >= sizeof v->msg) {
            snprintf(v->msg + n, sizeof v->msg - n, "...");
            break;
        }
        w = snprintf(v->msg + n, sizeof v->msg - n, "%.*s%s",
                     (int)r->values[i].len, r->values[i].p, sep);
        n += w < 0 ? 0 : (size_t)w;
    }
    return -1;
}

/* 1 when 's' is empty or only white space. */
static int blank(const char *s, size_t len)
{
    trim(&s, &len);
    return len == 0;
}

/*
** Apply 'r' to 's'.  Results that differ from the input are written to
** 'scratch', which grows only while it is smaller than a result: rules
** applied row after row allocate nothing once it has grown.  Should that
** growth fail, the value is refused with code "E_NOMEM".
*/
int cw__rule_apply(const cw_rule *r, const char *s, size_t len, cw_buf *scratch,
                   const char **res, size_t *reslen, cw_verdict *v)
{
    char out[17];
    size_t n = 0;
    int b;

    if (s == NULL || r->def->kind == K_NONBLANK || r->def->kind == K_EFFORT) {
        if (s == NULL || blank(s, len)) {
            if (r->def->kind == K_NONBLANK)
                return reject(v, "E_REQUIRED", "value is required");
            if (r->def->kind == K_EFFORT)
                return reject(v, "E_EFFORT", "Effort Name is blank");
            *res = NULL;
            *reslen = 0;
            return 0;
        }
    }
    *res = s;
    *reslen = len;
    switch (r->def->kind) {
    case K_BOOLEAN:
        if (cw__rule_bool(s, len, &b, v) != 0)
            return -1;
        return result(scratch, b ? "true" : "false", b ? 4 : 5, res, reslen, v);
    case K_DATE:
        return apply_date(r, s, len, scratch, res, reslen, v);
    case K_ORGDATE:
        return cw__rule_date_organizer(s, len, v);
    case K_PHONE:
        if (cw__rule_phone(s, len, out, &n, v) != 0)
            return -1;
        return result(scratch, out, n, res, reslen, v);
    case K_TRIM:
        trim(res, reslen);
        return 0;
    case K_LOWER:
        return rewrite(scratch, s, len, 0, 'l', res, reslen, v);
    case K_UPPER:
        return rewrite(scratch, s, len, 0, 'u', res, reslen, v);
    case K_COLLAPSE:
    case K_EFFORT:
        return rewrite(scratch, s, len, 1, 0, res, reslen, v);
    case K_NONBLANK:
        return 0;
    case K_ENUM:
        return apply_enum(r, s, len, scratch, res, reslen, v);
    case K_MAXLEN:
        for (size_t i = 0; i < len; i++)
            n += ((unsigned char)s[i] & 0xC0) != 0x80;
        if (n > r->maxlen)
            return reject(v, "E_MAXLEN",
                          "value has %zu characters; at most %zu allowed", n,
                          r->maxlen);
        return 0;
    }
    return 0;
}
