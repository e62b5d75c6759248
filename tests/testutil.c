/*
** testutil.c -- helpers the unit tests share (testutil.h).
*/
#include "testutil.h"

#include <stdlib.h>

void *budget_alloc(void *ud, void *ptr, size_t size)
{
    struct budget *b = ud;

    if (size == 0) {
        free(ptr);
        return NULL;
    }
    b->calls++;
    return b->left-- > 0 ? realloc(ptr, size) : NULL;
}

const char *home(void)
{
    const char *r = getenv("CW_SOURCE_DIR");

    return r != NULL ? r : ".";
}
