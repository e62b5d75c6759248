/*
** testutil.h -- helpers the unit tests share: an allocator that fails on
** a budget (for the out-of-memory sweeps) and the source tree's root.
*/
#ifndef CW_TESTUTIL_H
#define CW_TESTUTIL_H

#include <stddef.h>

/* An allocator budget: the allocations still allowed, and the calls. */
struct budget {
    long left;  /* successful allocations and reallocations still allowed */
    long calls; /* allocations and reallocations made */
};

/* A cw_set_allocator() hook over realloc/free, its 'ud' a struct budget:
** counts every call and fails each one once the budget is spent. */
void *budget_alloc(void *ud, void *ptr, size_t size);

/* The repository root (ctest sets CW_SOURCE_DIR; "." otherwise): the
** home of runs and loads, so the real schemas/ are used. */
const char *home(void);

#endif /* CW_TESTUTIL_H */
