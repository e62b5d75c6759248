/*
** effort.c -- Effort Names: the key under which two spellings name the
** same effort (Organizer may not think so), and the check that warns
** when a file spells one effort two ways.
*/
#include "values/rulekit.h"

#include <stdio.h>
#include <string.h>

/* Write the comparison key of an effort name: trimmed, white space runs
** made one space, ASCII lower case.  Never longer than 'len'. */
size_t cw__effort_key(const char *s, size_t len, char *out)
{
    size_t n = 0;
    int space = 0;

    cw__value_trim(&s, &len);
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];

        if (cw__byte_space(ch)) {
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

/*
** 1 when 's' is one of the 'n' names in 'seen'.  Otherwise 0, and 'msg'
** ('size' bytes) gets the W_EFFORT_SPELLING warning when one of them
** has the same key, or is made empty.
*/
int cw__effort_seen(char *const *seen, size_t n, const char *s, size_t len,
                    char *msg, size_t size)
{
    char key[CW_EFFORT_MAX], other[CW_EFFORT_MAX];
    size_t klen;

    msg[0] = '\0';
    for (size_t i = 0; i < n; i++)
        if (strlen(seen[i]) == len && memcmp(seen[i], s, len) == 0)
            return 1;
    klen = cw__effort_key(s, len, key);
    for (size_t i = 0; i < n; i++) {
        if (cw__effort_key(seen[i], strlen(seen[i]), other) == klen &&
            memcmp(key, other, klen) == 0) {
            snprintf(msg, size,
                     "'%.*s' and '%s' differ only in case or spacing; "
                     "Organizer may treat them as two efforts",
                     (int)len, s, seen[i]);
            break;
        }
    }
    return 0;
}
