/*
** formula.h -- values that a spreadsheet would run as formulas (CSV
** injection: OWASP's list of leading characters), and what an output
** does with them.
*/
#ifndef CW_FORMULA_H
#define CW_FORMULA_H

#include "values/rules.h"

/* What an output does with a value cw__formula() flags. */
enum cw_formulas {
    CW_FORMULAS_OFF,    /* nothing: values are not looked at */
    CW_FORMULAS_WARN,   /* written as it is, with a warning (W_FORMULA) */
    CW_FORMULAS_REJECT, /* the record is rejected (E_FORMULA) */
    CW_FORMULAS_QUOTE   /* written with a leading ' (OWASP's advice) */
};

/* The names cw__formulas_policy() knows, for messages. */
#define CW_FORMULAS_NAMES "warn, reject, quote"

/* The policy named 'name' ("warn", "reject" or "quote"), or -1. */
int cw__formulas_policy(const char *name);

/*
** 1 when a spreadsheet opening a file would run the value 's' as a
** formula: it begins with '=', '+', '-', '@', TAB or CR, and is neither
** a number ("-12.5", "+1") nor, when it begins with '+', a phone number
** as the phone rule reads it ("+1 555 201 0123").  0 otherwise, and for
** NULL.
*/
int cw__formula(const char *s, size_t len);

/* Fill 'v' with 'code' ("W_FORMULA" or "E_FORMULA") and a message naming
** 'column' and the value 's', which cw__formula() flags. */
void cw__formula_verdict(const char *column, const char *s, size_t len,
                         const char *code, cw_verdict *v);

/*
** Put OWASP's leading single quote before the value '*s' ('*len' bytes):
** the quoted value is written into 'b' and '*s', '*len' point to it.
** '*s' may already point into 'b'.  CW_OK, or CW_ENOMEM.
*/
int cw__formula_quote(cw_buf *b, const char **s, size_t *len);

#endif /* CW_FORMULA_H */
