/*
** lookup.h -- in-memory lookup tables for joins.  A second input is read
** whole, optionally filtered, and indexed by one key column; records of
** the main input then find their matching rows by key.
*/
#ifndef CW_LOOKUP_H
#define CW_LOOKUP_H

#include "core/record.h"
#include "values/rules.h"

/* A simple predicate on one column, used by filter steps and lookups:
** equals, one_of, not_one_of, blank, present, and boolean = true (a value
** the boolean rule reads as true) or false (one it reads as false). */
enum cw_predop {
    CW_P_EQ,
    CW_P_IN,
    CW_P_NOTIN,
    CW_P_BLANK,
    CW_P_PRESENT,
    CW_P_TRUE,
    CW_P_FALSE
};

typedef struct cw_pred {
    char *column;      /* column name, owned */
    long col;          /* its index once resolved, -1 before */
    enum cw_predop op; /* the test */
    char **vals;       /* values for EQ/IN/NOTIN, owned */
    size_t nvals;      /* count of 'vals' */
} cw_pred;

/* 1 when field 'f' passes 'p'. */
int cw__pred_test(const cw_pred *p, cw_field f);
void cw__pred_clear(cw_pred *p);

typedef struct cw_lookup cw_lookup;

/*
** Read the CSV file 'path' whole, keeping the rows that pass all 'nwhere'
** conditions in 'where' and, of each, the 'ncols' columns named in 'cols'.
*Index
** them by column 'key', whose values are first passed through 'keyrule'
** when not NULL (rows whose key fails the rule or is blank are skipped).
** Any problem in the file (a bad row, a missing column) is an error.
*/
int cw__lookup_read(const char *path, const char *key, const cw_rule *keyrule,
                    const char *const *cols, size_t ncols, const cw_pred *where,
                    size_t nwhere, cw_lookup **out, cw_err *err);

/* cw__lookup_read() from what 'src' is bound to: a path, or a reader
** (io/source.h), which is read whole once. */
struct cw_inputspec;
int cw__lookup_readspec(const struct cw_inputspec *src, const char *key,
                        const cw_rule *keyrule, const char *const *cols,
                        size_t ncols, const cw_pred *where, size_t nwhere,
                        cw_lookup **out, cw_err *err);
void cw__lookup_free(cw_lookup *t);

/* Rows loaded. */
size_t cw__lookup_rows(const cw_lookup *t);

/*
** Find key 's'.  Returns 0 when no row matches, 1 when the matching rows
** are all equal in every kept column, 2 when they differ (ambiguous), and
** stores the first matching row in '*row'.
*/
size_t cw__lookup_find(const cw_lookup *t, const char *s, size_t len,
                       size_t *row);

/* Column 'c' (index into 'cols' given at load) of row 'row'. */
cw_field cw__lookup_value(const cw_lookup *t, size_t row, size_t c);

#endif /* CW_LOOKUP_H */
