/*
** date.c -- the date rules: reading dates and times in the forms people
** and spreadsheets write, checking Organizer's strict forms, converting
** between time zones and writing the result in a chosen form.
*/
#include "values/rulekit.h"

#include "core/check.h"

#include <stdio.h>
#include <string.h>

#define MAX_OFFSET (18L * 3600) /* largest offset a date may name */

/* Forms the date rule reads, as told to users. */
#define DATE_FORMS                                                             \
    "YYYY-MM-DD[ HH:MM[:SS]], ISO 8601 with Z or +hh:mm, MM/DD/YYYY[ "         \
    "HH:MM] or M/D/YYYY h:mm AM"

/* Forms Organizer accepts, as told to users. */
#define ORGANIZER_FORMS                                                        \
    "Organizer accepts MM/DD/YYYY[ HH:MM] or YYYY-MM-DD[ HH:MM], "             \
    "zero-padded, 24-hour"

/* ==== Reading ==== */

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

    while (p < c->end && n < max && cw__byte_digit(*p)) {
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
    for (n = 0; c->p < c->end && cw__byte_digit(*c->p); n++, c->p++) {
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
    } else if (c->p < c->end && cw__byte_digit(*c->p) && !digits(c, 2, 2, &m)) {
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
    char why[80], buf[CW_SHOW_SIZE];

    cw__value_trim(&p, &n);
    if (parse_date(p, n, out, why) == 0)
        return 0;
    return cw__reject(v, "E_DATE", "not a date: '%s' (%s; use %s)",
                      cw__value_show(s, len, buf), why, DATE_FORMS);
}

/* 1 when the bytes of 's' at the positions marked 'D' in 'pat' are digits
** and the others equal 'pat'; 's' is as long as 'pat'. */
static int match(const char *s, const char *pat)
{
    for (; *pat != '\0'; s++, pat++) {
        if (*pat == 'D' ? !cw__byte_digit(*s) : *s != *pat)
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
    char why[80], buf[CW_SHOW_SIZE];
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
    return cw__reject(v, "E_DATE", "not an Organizer date: '%s' (%s; %s)",
                      cw__value_show(s, len, buf), why, ORGANIZER_FORMS);
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
        return cw__reject(
            v, "E_DATE_GAP",
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

/* ==== The date rules ==== */

/* The output forms of the date rule, by name, in the order of enum
** cw_datefmt. */
static const char *const formats[] = {"iso",     "us",       "date",
                                      "us_date", "iso_full", NULL};

/* What a date rule keeps. */
struct date {
    enum cw_datefmt fmt; /* the output form */
    cw_tz *tz;           /* output zone, NULL for UTC */
    cw_tz *input_tz;     /* zone of naive values, NULL for UTC */
};

/* The string argument 'key' of 'args' in '*out' (NULL when absent). */
static int str_arg(const cw_node *args, const char *key, const char **out,
                   cw_err *err)
{
    const cw_node *n = cw__node_get(args, key);

    *out = NULL;
    if (n == NULL || n->type == CW_NODE_NIL)
        return CW_OK;
    if (n->type != CW_NODE_STR)
        return cw__fail(err, CW_EUSAGE, "rule 'date': '%s' must be a string",
                        key);
    *out = n->str;
    return CW_OK;
}

/* The form named 'name' in '*out'; CW_EUSAGE naming the forms. */
static int date_format(const char *name, enum cw_datefmt *out, cw_err *err)
{
    cw_buf b = {0};
    int rc;

    for (size_t i = 0; formats[i] != NULL; i++) {
        if (strcmp(name, formats[i]) == 0) {
            *out = (enum cw_datefmt)i;
            return CW_OK;
        }
    }
    if (cw__keys_list(&b, formats) != CW_OK)
        rc = cw__fail(err, CW_ENOMEM, "out of memory");
    else
        rc = cw__fail(err, CW_EUSAGE,
                      "rule 'date': unknown format '%.64s' (valid: %s)", name,
                      b.p);
    cw__buf_free(&b);
    return rc;
}

/* Build a date rule from 'args': format, tz, input_tz, tzdir. */
int cw__date_make(const cw_node *args, void **data, cw_err *err)
{
    const char *fmt, *tz, *input_tz, *dir;
    struct date *d;
    int rc;

    if ((rc = str_arg(args, "format", &fmt, err)) != CW_OK ||
        (rc = str_arg(args, "tz", &tz, err)) != CW_OK ||
        (rc = str_arg(args, "input_tz", &input_tz, err)) != CW_OK ||
        (rc = str_arg(args, "tzdir", &dir, err)) != CW_OK)
        return rc;
    d = cw__alloc(sizeof *d);
    if (d == NULL)
        return cw__fail(err, CW_ENOMEM, "out of memory building rule 'date'");
    *d = (struct date){.fmt = CW_DATEFMT_ISO};
    *data = d;
    if (fmt != NULL && (rc = date_format(fmt, &d->fmt, err)) != CW_OK)
        return rc;
    if (tz != NULL && (rc = cw__tz_read(dir, tz, &d->tz, err)) != CW_OK)
        return rc;
    if (input_tz != NULL &&
        (rc = cw__tz_read(dir, input_tz, &d->input_tz, err)) != CW_OK)
        return rc;
    return CW_OK;
}

/* Free a date rule's zones and itself. */
void cw__date_drop(void *data)
{
    struct date *d = data;

    if (d == NULL)
        return;
    cw__tz_free(d->tz);
    cw__tz_free(d->input_tz);
    cw__free(d);
}

/* The date rule: read, convert between zones, write in the chosen form. */
int cw__date_apply(const void *data, const char *s, size_t len, cw_buf *scratch,
                   const char **res, size_t *reslen, cw_verdict *v)
{
    const struct date *d = data;
    cw_datetime dt;
    char out[32];
    size_t n;

    if (cw__rule_date_parse(s, len, &dt, v) != 0 ||
        cw__rule_date_convert(&dt, d->input_tz, d->tz, v) != 0)
        return -1;
    n = cw__rule_date_format(&dt, d->fmt, out);
    return cw__rule_result(scratch, out, n, res, reslen, v);
}

/* The organizer_date rule: Organizer's forms only, the value unchanged. */
int cw__orgdate_apply(const void *data, const char *s, size_t len,
                      cw_buf *scratch, const char **res, size_t *reslen,
                      cw_verdict *v)
{
    (void)data;
    (void)scratch;
    (void)res;
    (void)reslen;
    return cw__rule_date_organizer(s, len, v);
}
