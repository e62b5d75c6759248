/*
** rulekit.h -- what the files of the value rules share (private to
** engine/values): byte classes, trimming, showing a value in a message,
** rejecting it, writing a result to the scratch buffer, and the row
** functions that the registry in rules.c names but other files define.
** engine/values/rules.h stays the interface.
*/
#ifndef CW_RULEKIT_H
#define CW_RULEKIT_H

#include "values/rules.h"

#define CW_SHOW_SIZE 64 /* room for a shown value, "..." and NUL */

/* 1 when 'c' is ASCII white space. */
static inline int cw__byte_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
           c == '\f';
}

/* 1 when 'c' is an ASCII digit. */
static inline int cw__byte_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* 1 when 'c' is an ASCII letter. */
static inline int cw__byte_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Narrow '*s'/'*len' to the bytes between leading and trailing white
** space (cw__byte_space). */
void cw__value_trim(const char **s, size_t *len);

/* 1 when 's' is a plain decimal number: an optional sign, digits, and
** an optional '.' and digits ("-12.5", "+1", ".5"); the schema type
** 'number'. */
int cw__value_number(const char *s, size_t len);

/*
** Write value 's' of 'len' bytes into 'out' (CW_SHOW_SIZE bytes) for a
** message: its start only, valid UTF-8 kept as it is, control and
** invalid bytes as \xHH, and "..." when it had to be cut.  Returns 'out'.
*/
const char *cw__value_show(const char *s, size_t len, char *out);

/* Fill 'v' (when not NULL) with 'code' and a printf-style message, and
** return -1, so that a rejection reads 'return cw__reject(v, ...)'. */
int cw__reject(cw_verdict *v, const char *code, const char *fmt, ...)
    CW_PRINTF(3, 4);

/* Copy the 'n' bytes at 'p' into 'b' as the result of a rule ('*res',
** '*reslen'); "E_NOMEM" when 'b' cannot grow. */
int cw__rule_result(cw_buf *b, const char *p, size_t n, const char **res,
                    size_t *reslen, cw_verdict *v);

/* ==== Row functions of the registry, by file (see cw_rulekind) ==== */

/* boolean.c */
int cw__boolean_apply(const void *data, const char *s, size_t len,
                      cw_buf *scratch, const char **res, size_t *reslen,
                      cw_verdict *v);

/* date.c: "date" (format, zones) and "organizer_date" */
int cw__date_make(const cw_node *args, void **data, cw_err *err);
void cw__date_drop(void *data);
int cw__date_apply(const void *data, const char *s, size_t len, cw_buf *scratch,
                   const char **res, size_t *reslen, cw_verdict *v);
int cw__orgdate_apply(const void *data, const char *s, size_t len,
                      cw_buf *scratch, const char **res, size_t *reslen,
                      cw_verdict *v);

/* phone.c */
int cw__phone_apply(const void *data, const char *s, size_t len,
                    cw_buf *scratch, const char **res, size_t *reslen,
                    cw_verdict *v);

#endif /* CW_RULEKIT_H */
