/*
** msg.c -- what messages may show: bytes from the data escaped and cut
** to a bound, and database targets recognised and named without their
** passwords.
*/
#include "core/msg.h"

#include <stdio.h>
#include <string.h>

/* ==== Safe text ==== */

/* The length of the valid UTF-8 character that starts the 'len' bytes at
** 's' (a byte of 0x80 or more), or 0 when it is not one, or is a C1
** control (U+0080 to U+009F), which a terminal may obey. */
static size_t utf8_char(const char *s, size_t len)
{
    unsigned char c = (unsigned char)s[0];
    size_t n = c >= 0xC2 && c <= 0xDF   ? 2
               : c >= 0xE0 && c <= 0xEF ? 3
               : c >= 0xF0 && c <= 0xF4 ? 4
                                        : 0;

    if (n == 0 || n > len || !cw__utf8_valid(s, n, NULL))
        return 0;
    if (c == 0xC2 && (unsigned char)s[1] < 0xA0)
        return 0;
    return n;
}

size_t cw_safe_text(char *out, size_t size, const char *s, size_t len)
{
    return cw__msg_safe(out, size, s, len, len, 0);
}

size_t cw__msg_safe(char *out, size_t size, const char *s, size_t len,
                    size_t total, int lines)
{
    char mark[48];
    size_t o = 0, keep = 0, mlen, i = 0;

    if (size == 0)
        return 0;
    mlen = (size_t)snprintf(mark, sizeof mark, "... (cut; %zu bytes)",
                            total > len ? total : len);
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        char unit[8];
        size_t u = 1, step = 1;

        if ((c >= 0x20 && c < 0x7F) || (lines && (c == '\n' || c == '\t'))) {
            unit[0] = (char)c;
        } else if (c == '\n' || c == '\r' || c == '\t') {
            unit[0] = '\\';
            unit[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
            u = 2;
        } else if (c >= 0x80 && (step = utf8_char(s + i, len - i)) > 0) {
            memcpy(unit, s + i, step);
            u = step;
        } else {
            snprintf(unit, sizeof unit, "\\x%02x", c);
            u = 4;
            step = 1;
        }
        if (o + u > size - 1) {
            /* Too long: back to the last place the mark fits after. */
            o = keep;
            u = mlen < size - 1 - o ? mlen : size - 1 - o;
            memcpy(out + o, mark, u);
            out[o + u] = '\0';
            return o + u;
        }
        memcpy(out + o, unit, u);
        o += u;
        i += step;
        if (o + mlen <= size - 1)
            keep = o;
    }
    out[o] = '\0';
    return o;
}

/* ==== Passwords ==== */

/* Append the 'n' bytes at 's' to 'out' (of 'size'), as far as they fit. */
static void put(char *out, size_t size, size_t *o, const char *s, size_t n)
{
    if (n > size - 1 - *o)
        n = size - 1 - *o;
    memcpy(out + *o, s, n);
    *o += n;
}

/* The end of the password of the URI in 's' (its user's "user:PASSWORD@"),
** with its start in '*start'; NULL when 's' holds no such URI. */
static const char *uri_password(const char *s, const char **start)
{
    const char *a = strstr(s, "://"), *e, *at = NULL, *colon;

    if (a == NULL)
        return NULL;
    a += 3;
    e = a + strcspn(a, "?");
    for (const char *p = a; p < e; p++)
        if (*p == '@')
            at = p; /* the last one: a password may hold an '@' */
    if (at == NULL)
        return NULL;
    colon = memchr(a, ':', (size_t)(at - a));
    if (colon == NULL || colon + 1 == at)
        return NULL; /* no password, or an empty one: nothing to hide */
    *start = colon + 1;
    return at;
}

/* 1 when a keyword may start at 's' (the start of 'base', or after a
** separator of key=value pairs or URI parameters). */
static int kwstart(const char *base, const char *s)
{
    return s == base || strchr(" \t\r\n?&:;,", s[-1]) != NULL;
}

/* When a keyword ending in "password" (password, sslpassword) and its
** '=' start at 's', the length of that part, else 0. */
static size_t password_key(const char *s)
{
    size_t n = 0, k;

    while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
           (s[n] >= '0' && s[n] <= '9') || s[n] == '_')
        n++;
    if (n < 8 || !cw__eqi(s + n - 8, 8, "password", 8))
        return 0;
    for (k = n; s[k] == ' ' || s[k] == '\t'; k++)
        ;
    if (s[k] != '=')
        return 0;
    for (k++; s[k] == ' ' || s[k] == '\t'; k++)
        ;
    return k;
}

/* The length of the value at 's': quoted ('a \' b'), or up to white
** space, or in a URI's parameters ('query' 1) up to '&' or '#'. */
static size_t value_len(const char *s, int query)
{
    size_t n = 0;

    if (*s == '\'') {
        for (n = 1; s[n] != '\0' && s[n] != '\''; n++)
            if (s[n] == '\\' && s[n + 1] != '\0')
                n++;
        return s[n] == '\'' ? n + 1 : n;
    }
    while (s[n] != '\0' &&
           strchr(query ? " \t\r\n&#" : " \t\r\n", s[n]) == NULL)
        n++;
    return n;
}

size_t cw_redact(char *out, size_t size, const char *target)
{
    const char *pw = NULL, *pwend = uri_password(target, &pw);
    const char *q = strstr(target, "://");
    size_t o = 0;

    if (size == 0)
        return 0;
    q = q != NULL ? strchr(q, '?') : NULL; /* a URI's parameters */
    for (const char *s = target; *s != '\0';) {
        size_t k;

        if (s == pw && pwend > pw) {
            put(out, size, &o, "***", 3);
            s = pwend;
        } else if (kwstart(target, s) && (k = password_key(s)) > 0) {
            put(out, size, &o, s, k);
            put(out, size, &o, "***", 3);
            s += k;
            s += value_len(s, q != NULL && s > q);
        } else {
            put(out, size, &o, s, 1);
            s++;
        }
    }
    out[o] = '\0';
    return o;
}

/* ==== Targets ==== */

int cw__target_pguri(const char *spec)
{
    return strncmp(spec, "postgresql://", 13) == 0 ||
           strncmp(spec, "postgres://", 11) == 0;
}

int cw__target_conninfo(const char *spec)
{
    static const char *const kinds[] = {"csv:", "sqlite:", "postgres:", NULL};

    if (strchr(spec, '=') == NULL || cw__target_pguri(spec))
        return 0;
    for (int i = 0; kinds[i] != NULL; i++)
        if (strncmp(spec, kinds[i], strlen(kinds[i])) == 0)
            return 0;
    return 1;
}

int cw__target_refuse(cw_err *err, const char *spec, const char *forms)
{
    char shown[256];

    if (cw__target_conninfo(spec))
        return cw__fail(err, CW_EUSAGE,
                        "a connection string needs the postgres: prefix (use "
                        "%s; not shown here, as it may hold a password)",
                        forms);
    cw_redact(shown, sizeof shown, spec);
    return cw__fail(err, CW_EUSAGE, "unknown database target '%.60s' (use %s)",
                    shown, forms);
}
