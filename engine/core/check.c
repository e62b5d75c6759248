/*
** check.c -- the key checker of check.h.
*/
#include "core/check.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Keys longer than this are shown cut and never suggested against. */
#define KEYSHOW 64

int cw__keys_list(cw_buf *b, const char *const *valid)
{
    int rc = CW_OK;

    if (valid[0] == NULL)
        return cw__buf_adds(b, "none");
    for (size_t k = 0; valid[k] != NULL && rc == CW_OK; k++)
        rc = cw__buf_printf(b, "%s%s", k ? ", " : "", valid[k]);
    return rc;
}

/* 'c' in lower case when it is an ASCII letter. */
static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* 1 when 'a' and 'b' are the same character ('nocase': ignoring ASCII
** case). */
static int same(char a, char b, int nocase)
{
    return a == b || (nocase && lower(a) == lower(b));
}

/* Edit distance of 'a' and 'b' (insertions, deletions, substitutions and
** swaps of neighbours; 'nocase': letters compared ignoring case), or more
** than 'most' when it exceeds 'most'. */
static size_t distance(const char *a, const char *b, size_t most, int nocase)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t d[KEYSHOW + 1][KEYSHOW + 1];

    if (la > KEYSHOW || lb > KEYSHOW)
        return most + 1;
    if ((la > lb ? la - lb : lb - la) > most)
        return most + 1;
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t best = d[i - 1][j - 1] + !same(a[i - 1], b[j - 1], nocase);

            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && same(a[i - 1], b[j - 2], nocase) &&
                same(a[i - 2], b[j - 1], nocase) && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

const char *cw__keys_closest(const char *const *valid, const char *key)
{
    const char *best = NULL;
    size_t bestd = 3, len = strlen(key);

    for (size_t k = 0; valid[k] != NULL; k++) {
        size_t d = distance(key, valid[k], 2, 0);

        if (d < bestd && 2 * d < len) {
            best = valid[k];
            bestd = d;
        }
    }
    return best;
}

size_t cw__names_near(const char *const *names, size_t n, const char *key,
                      const char **near)
{
    size_t nnear = 0, bestd = 3, len = strlen(key);

    for (size_t k = 0; k < n; k++) {
        size_t d;

        if (names[k] == NULL || strcmp(names[k], key) == 0)
            continue;
        d = distance(key, names[k], 2, 1);
        if (d > 2 || 2 * d >= len)
            continue;
        if (d < bestd) {
            bestd = d;
            nnear = 0;
        }
        if (d == bestd && nnear < 3)
            near[nnear++] = names[k];
    }
    return nnear;
}

int cw__names_list(cw_buf *b, const char *const *names, size_t n, size_t most)
{
    size_t shown = 0;
    int rc = CW_OK;

    for (size_t k = 0; k < n && rc == CW_OK; k++) {
        if (names[k] == NULL)
            continue;
        if (shown == most) {
            size_t more = 0;

            for (; k < n; k++)
                more += names[k] != NULL;
            return cw__buf_printf(b, " and %zu more", more);
        }
        rc =
            cw__buf_printf(b, "%s'%.*s'", shown ? ", " : "", KEYSHOW, names[k]);
        shown++;
    }
    return rc;
}

int cw__names_or(cw_buf *b, const char *const *names, size_t n)
{
    int rc = CW_OK;

    for (size_t k = 0; k < n && rc == CW_OK; k++)
        rc = cw__buf_printf(b, "%s'%s'",
                            k == 0      ? ""
                            : k + 1 < n ? ", "
                                        : " or ",
                            names[k]);
    return rc;
}

int cw__names_suggest(cw_buf *b, const char *const *names, size_t n,
                      const char *key, int *found)
{
    const char *near[3];
    size_t nnear = cw__names_near(names, n, key, near);
    int rc;

    *found = nnear > 0;
    if (nnear == 0)
        return CW_OK;
    rc = cw__buf_adds(b, "; did you mean ");
    if (rc == CW_OK)
        rc = cw__names_or(b, near, nnear);
    return rc == CW_OK ? cw__buf_adds(b, "?") : rc;
}

int cw__names_hint(cw_buf *b, const char *const *names, size_t n,
                   const char *key)
{
    size_t shown = 0;
    int found, rc = cw__names_suggest(b, names, n, key, &found);

    if (rc != CW_OK || found)
        return rc;
    for (size_t k = 0; k < n; k++)
        shown += names[k] != NULL;
    if (shown == 0)
        return CW_OK;
    rc = cw__buf_adds(b, " (known: ");
    if (rc == CW_OK)
        rc = cw__names_list(b, names, n, 8);
    return rc == CW_OK ? cw__buf_adds(b, ")") : rc;
}

int cw__check_keys(const cw_node *n, const char *const *valid, const char *noun,
                   cw_err *err, const char *fmt, ...)
{
    const char *key = NULL, *near;
    cw_buf b = {0};
    va_list ap;
    int rc;

    if (n == NULL || n->type != CW_NODE_TABLE)
        return CW_OK;
    for (size_t i = 0; i < n->nkeys && key == NULL; i++) {
        size_t k = 0;

        while (valid[k] != NULL && strcmp(valid[k], n->keys[i]) != 0)
            k++;
        if (valid[k] == NULL)
            key = n->keys[i];
    }
    if (key == NULL)
        return CW_OK;
    va_start(ap, fmt);
    rc = cw__buf_vprintf(&b, fmt, ap);
    va_end(ap);
    near = cw__keys_closest(valid, key);
    if (rc == CW_OK)
        rc = cw__buf_printf(&b, ": unknown %s '%.*s' (valid: ", noun, KEYSHOW,
                            key);
    if (rc == CW_OK)
        rc = cw__keys_list(&b, valid);
    if (rc == CW_OK)
        rc = cw__buf_adds(&b, ")");
    if (rc == CW_OK && near != NULL)
        rc = cw__buf_printf(&b, "; did you mean '%s'?", near);
    if (rc != CW_OK) {
        cw__buf_free(&b);
        return cw__fail(err, CW_ENOMEM, "out of memory");
    }
    rc = cw__fail(err, CW_EUSAGE, "%s", b.p);
    cw__buf_free(&b);
    return rc;
}
