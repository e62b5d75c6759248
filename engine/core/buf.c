/*
** buf.c -- growable byte strings and small byte-level helpers (UTF-8
** validation, case-insensitive comparison) shared by the engine.
*/
#include "core/cw.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int cw__buf_add(cw_buf *b, const void *p, size_t len)
{
    char *np = cw__grow(b->p, &b->cap, b->len + len + 1, 1);

    if (np == NULL)
        return CW_ENOMEM;
    b->p = np;
    if (len > 0)
        memcpy(b->p + b->len, p, len);
    b->len += len;
    b->p[b->len] = '\0';
    return CW_OK;
}

int cw__buf_addc(cw_buf *b, char c)
{
    return cw__buf_add(b, &c, 1);
}

int cw__buf_adds(cw_buf *b, const char *s)
{
    return cw__buf_add(b, s, strlen(s));
}

int cw__buf_vprintf(cw_buf *b, const char *fmt, va_list ap)
{
    char small[256];
    char *np;
    va_list again;
    int n;

    va_copy(again, ap);
    n = vsnprintf(small, sizeof small, fmt, ap);
    if (n < 0 || (size_t)n < sizeof small) {
        va_end(again);
        return n < 0 ? CW_EUSAGE : cw__buf_add(b, small, (size_t)n);
    }
    np = cw__grow(b->p, &b->cap, b->len + (size_t)n + 1, 1);
    if (np == NULL) {
        va_end(again);
        return CW_ENOMEM;
    }
    b->p = np;
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, again);
    va_end(again);
    b->len += (size_t)n;
    return CW_OK;
}

int cw__buf_printf(cw_buf *b, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = cw__buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void cw__buf_free(cw_buf *b)
{
    cw__free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

int cw__utf8_valid(const char *s, size_t len, size_t *bad)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < len) {
        unsigned c = p[i];
        size_t n;
        unsigned cp;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        } else {
            goto fail;
        }
        for (size_t k = 1; k <= n; k++) {
            if (i + k >= len || (p[i + k] & 0xC0) != 0x80)
                goto fail;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            goto fail;
        i += n + 1;
    }
    return 1;

fail:
    if (bad != NULL)
        *bad = i;
    return 0;
}

int cw__blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

int cw__eqi(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen != blen)
        return 0;
    for (size_t i = 0; i < alen; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];

        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y + 32);
        if (x != y)
            return 0;
    }
    return 1;
}

/*
** A reader message without its leading "file:line:col: ", which the
** rejects file and the problem report give separately.
*/
const char *cw__msg_nopos(const char *msg)
{
    /* Find the first ":DIGITS:DIGITS: " and return what follows it. */
    for (const char *p = strchr(msg, ':'); p != NULL; p = strchr(p + 1, ':')) {
        const char *q = p + 1;

        while (*q >= '0' && *q <= '9')
            q++;
        if (q == p + 1 || *q != ':')
            continue;
        for (q++; *q >= '0' && *q <= '9'; q++)
            ;
        if (q[0] == ':' && q[1] == ' ')
            return q + 2;
    }
    return msg;
}
