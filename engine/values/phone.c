/*
** phone.c -- the phone rule: phone numbers as people and spreadsheets
** write them, checked and normalised to E.164 (North America unless the
** number starts with + and another country code).
*/
#include "values/rulekit.h"

#include <stdio.h>
#include <string.h>


/* 1 when 's' looks like a number in scientific notation ("2.02556E+09"). */
static int scientific(const char *s, size_t len)
{
    int e = 0, dig = 0;

    for (size_t i = 0; i < len; i++) {
        if (s[i] == 'e' || s[i] == 'E')
            e++;
        else if (cw__byte_digit(s[i]))
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
        cw__byte_digit(s[len - 3]))
        len -= 2; /* a float written out by Excel or pandas */
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];

        if (cw__byte_digit(ch)) {
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
        } else if (cw__byte_alpha(ch)) {
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
                 "%zu digit%s; a North American number needs 10 (with the "
                 "area code)",
                 nd, nd == 1 ? "" : "s");
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
    char why[80], buf[CW_SHOW_SIZE];

    cw__value_trim(&p, &n);
    if (parse_phone(p, n, out, outlen, why) == 0)
        return 0;
    return cw__reject(v, "E_PHONE", "not a phone number: '%s' (%s)",
                      cw__value_show(s, len, buf), why);
}

/* The phone rule: the number in E.164. */
int cw__phone_apply(const void *data, const char *s, size_t len,
                    cw_buf *scratch, const char **res, size_t *reslen,
                    cw_verdict *v)
{
    char out[17];
    size_t n = 0;

    (void)data;
    if (cw__rule_phone(s, len, out, &n, v) != 0)
        return -1;
    return cw__rule_result(scratch, out, n, res, reslen, v);
}
