/*
** boolean.c -- the boolean rule: the spellings of true and false that
** people and spreadsheets write, read once trimmed and in any case; and
** Organizer's booleans, the documented spellings only.
*/
#include "values/rulekit.h"

/* The accepted spellings, matched ignoring case. */
static const struct {
    const char *s; /* the spelling */
    size_t len;    /* its length */
    int val;       /* 1 for true */
    int organizer; /* 1 when Organizer documents it */
} spellings[] = {
    {"true", 4, 1, 1}, {"false", 5, 0, 1}, {"t", 1, 1, 0}, {"f", 1, 0, 0},
    {"yes", 3, 1, 1},  {"no", 2, 0, 1},    {"y", 1, 1, 0}, {"n", 1, 0, 0},
    {"1", 1, 1, 1},    {"0", 1, 0, 1},
};

/* Look up 's' among 'spellings' (only Organizer's when 'organizer'):
** 0 with '*out' set, or -1. */
static int lookup(const char *s, size_t n, int organizer, int *out)
{
    for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
        if (spellings[i].len != n || (organizer && !spellings[i].organizer))
            continue; /* the length first: this runs for every value */
        if (cw__eqi(s, n, spellings[i].s, spellings[i].len)) {
            *out = spellings[i].val;
            return 0;
        }
    }
    return -1;
}

/* Read a boolean: one of 'spellings' once trimmed, in any case. */
int cw__rule_bool(const char *s, size_t len, int *out, cw_verdict *v)
{
    const char *p = s;
    size_t n = len;
    char buf[CW_SHOW_SIZE];

    cw__value_trim(&p, &n);
    if (lookup(p, n, 0, out) == 0)
        return 0;
    return cw__reject(v, "E_BOOLEAN",
                      "not a boolean: '%s' (use true/false, yes/no, y/n, t/f "
                      "or 1/0, in any case)",
                      cw__value_show(s, len, buf));
}

/* Read an Organizer boolean: true/false, yes/no or 1/0 in any case, as
** they stand (no trimming, like Organizer's dates). */
int cw__rule_bool_organizer(const char *s, size_t len, int *out, cw_verdict *v)
{
    char buf[CW_SHOW_SIZE];

    if (lookup(s, len, 1, out) == 0)
        return 0;
    return cw__reject(v, "E_BOOLEAN",
                      "not an Organizer boolean: '%s' (use true/false, yes/no "
                      "or 1/0, in any case)",
                      cw__value_show(s, len, buf));
}

/* The boolean rule: "true" or "false". */
int cw__boolean_apply(const void *data, const char *s, size_t len,
                      cw_buf *scratch, const char **res, size_t *reslen,
                      cw_verdict *v)
{
    int b;

    (void)data;
    if (cw__rule_bool(s, len, &b, v) != 0)
        return -1;
    return cw__rule_result(scratch, b ? "true" : "false", b ? 4 : 5, res,
                           reslen, v);
}
