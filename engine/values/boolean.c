/*
** boolean.c -- the boolean rule: the spellings of true and false that
** people and spreadsheets write, read once trimmed and in any case.
*/
#include "values/rulekit.h"

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
    char buf[CW_SHOW_SIZE];

    cw__value_trim(&p, &n);
    for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
        if (cw__eqi(p, n, spellings[i].s, spellings[i].len)) {
            *out = spellings[i].val;
            return 0;
        }
    }
    return cw__reject(v, "E_BOOLEAN",
                      "not a boolean: '%s' (use true/false, yes/no, y/n, t/f "
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
