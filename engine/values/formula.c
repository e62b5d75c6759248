/*
** formula.c -- values that a spreadsheet would run as formulas: the
** check that validate and a run's outputs share, its message, the
** names of an output's policies, and quoting a value.
*/
#include "values/formula.h"

#include "values/rulekit.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char *const policies[] = {"warn", "reject", "quote"};

int cw__formulas_policy(const char *name)
{
    for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++)
        if (strcmp(name, policies[i]) == 0)
            return CW_FORMULAS_WARN + (int)i;
    return -1;
}

/* 1 when the value 's', which begins with '+', is a phone number. */
static int phone(const char *s, size_t len)
{
    char e164[24];
    size_t n;

    return cw__rule_phone(s, len, e164, &n, NULL) == 0;
}

int cw__formula(const char *s, size_t len)
{
    if (s == NULL || len == 0)
        return 0;
    switch (s[0]) {
    case '=':
    case '@':
    case '\t':
    case '\r':
        return 1;
    case '+':
        return !cw__value_number(s, len) && !phone(s, len);
    case '-':
        return !cw__value_number(s, len);
    default:
        return 0;
    }
}

void cw__formula_verdict(const char *column, const char *s, size_t len,
                         const char *code, cw_verdict *v)
{
    char buf[CW_SHOW_SIZE];
    const char *lead = s[0] == '\t'   ? "a tab"
                       : s[0] == '\r' ? "a carriage return"
                       : s[0] == '='  ? "'='"
                       : s[0] == '+'  ? "'+'"
                       : s[0] == '-'  ? "'-'"
                                      : "'@'";

    v->code = code;
    snprintf(v->msg, sizeof v->msg,
             "column '%.60s': begins with %s, so a spreadsheet may run it "
             "as a formula: '%s'",
             column, lead, cw__value_show(s, len, buf));
}

int cw__formula_quote(cw_buf *b, const char **s, size_t *len)
{
    uintptr_t at = (uintptr_t)*s, start = (uintptr_t)b->p;
    size_t n = *len;

    if (b->p != NULL && at >= start && at < start + b->len) {
        memmove(b->p, b->p + (at - start), n); /* the value is in 'b' */
        b->len = n;
    } else {
        b->len = 0;
        if (cw__buf_add(b, *s, n) != CW_OK)
            return CW_ENOMEM;
    }
    if (cw__buf_addc(b, '\'') != CW_OK)
        return CW_ENOMEM;
    memmove(b->p + 1, b->p, n);
    b->p[0] = '\'';
    *s = b->p;
    *len = n + 1;
    return CW_OK;
}
