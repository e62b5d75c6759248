/*
** group.h -- hash aggregation.  Records are folded into groups keyed by
** some columns; at the end each group becomes one record, in the order
** the groups were first seen.  State grows with the number of groups.
*/
#ifndef CW_GROUP_H
#define CW_GROUP_H

#include "core/record.h"

enum cw_aggfn {
    CW_AGG_FIRST,
    CW_AGG_LAST,
    CW_AGG_MIN,
    CW_AGG_MAX,
    CW_AGG_COUNT,
    CW_AGG_ANY,
    CW_AGG_ALL,
    CW_AGG_CONCAT
};

typedef struct cw_aggspec {
    size_t out;       /* column the result is written to */
    long src;         /* column read, -1 for count of rows */
    enum cw_aggfn fn; /* the aggregate */
    long where;       /* only rows where this column is true; -1 = all */
    long order;       /* first/last: order by this column; -1 = input */
    const char *sep;  /* concat separator (borrowed) */
} cw_aggspec;

typedef struct cw_group cw_group;

/* 'by' and 'aggs' are copied; 'norig' is the width of the original rows
** kept for the rejects file. */
int cw__group_new(const size_t *by, size_t nby, const cw_aggspec *aggs,
                  size_t naggs, size_t norig, cw_group **out, cw_err *err);
void cw__group_free(cw_group *g);

/*
** Fold 'rec' into its group; 'orig' (norig fields) and the record's file
** and line are kept for a new group.  '*isnew' says whether a group was
** started.  CW_OK or CW_ENOMEM.
*/
int cw__group_add(cw_group *g, const cw_rec *rec, const cw_field *orig,
                  int *isnew);

size_t cw__group_count(const cw_group *g);

/* Set the width of the original rows kept per group, before any add
** (the main input's width is known only once its header is read). */
void cw__group_setwidth(cw_group *g, size_t norig);

/*
** Write group 'i' into 'rec' (cleared first): key columns and aggregate
** results.  '*orig' gets the first member's original fields.
*/
int cw__group_emit(cw_group *g, size_t i, cw_rec *rec, const cw_field **orig);

#endif /* CW_GROUP_H */
