/*
** json.c -- JSON as crosswalk prints it (docs/json.md): strings that are
** always valid JSON whatever bytes they came from, and the per-code
** counts of a run or load.
*/
#include "cli.h"

#include <stdio.h>
#include <string.h>

/* The length of the UTF-8 sequence at 's' (of which 'left' bytes
** remain), or 0 when it is not valid UTF-8 (overlong forms, surrogates
** and code points past U+10FFFF included). */
static size_t utf8_len(const unsigned char *s, size_t left)
{
    size_t n;
    unsigned cp;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        n = 2;
        cp = s[0] & 0x1Fu;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        n = 3;
        cp = s[0] & 0x0Fu;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        n = 4;
        cp = s[0] & 0x07u;
    } else {
        return 0;
    }
    if (left < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3Fu);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        return 0;
    return n;
}

void cw_cli_json_str(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t left;

    if (s == NULL) {
        fputs("null", f);
        return;
    }
    left = strlen(s);
    fputc('"', f);
    while (left > 0) {
        size_t n = utf8_len(p, left);

        if (n == 0) {
            fputs("\\ufffd", f);
            n = 1;
        } else if (*p == '"' || *p == '\\') {
            fputc('\\', f);
            fputc(*p, f);
        } else if (*p == '\n') {
            fputs("\\n", f);
        } else if (*p == '\r') {
            fputs("\\r", f);
        } else if (*p == '\t') {
            fputs("\\t", f);
        } else if (*p < 0x20 || *p == 0x7F) {
            fprintf(f, "\\u%04x", *p);
        } else {
            fwrite(p, 1, n, f);
        }
        p += n;
        left -= n;
    }
    fputc('"', f);
}

/* Write the codes of 'v' of one kind ('warning') as a JSON object. */
static void codes(FILE *f, const cw_cli_view *v, int warning)
{
    const char *sep = "";

    fputc('{', f);
    for (size_t i = 0; i < v->ncodes; i++) {
        if (v->codes[i].warning != warning)
            continue;
        fputs(sep, f);
        cw_cli_json_str(f, v->codes[i].code);
        fprintf(f, ": %llu", v->codes[i].n);
        sep = ", ";
    }
    fputc('}', f);
}

void cw_cli_json_codes(FILE *f, const cw_cli_view *v, const char *sep)
{
    fprintf(f, "%s\"reject_codes\": ", sep);
    codes(f, v, 0);
    fprintf(f, "%s\"warning_codes\": ", sep);
    codes(f, v, 1);
}
