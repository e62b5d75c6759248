/*
** mem.c -- the single allocation point.  Every byte the engine allocates
** goes through the realloc-shaped hook set by cw_set_allocator().
*/
#include "core/cw.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void *default_alloc(void *ud, void *ptr, size_t size)
{
    (void)ud;
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, size);
}

static cw_alloc_fn alloc_fn = default_alloc; /* the hook ... */
static void *alloc_ud;                       /* ... and its argument */

void cw_set_allocator(cw_alloc_fn alloc, void *ud)
{
    alloc_fn = alloc != NULL ? alloc : default_alloc;
    alloc_ud = alloc != NULL ? ud : NULL;
}

int cw__alloc_custom(void)
{
    return alloc_fn != default_alloc;
}

void *cw__alloc(size_t size)
{
    return size == 0 ? NULL : alloc_fn(alloc_ud, NULL, size);
}

void *cw__realloc(void *ptr, size_t size)
{
    return alloc_fn(alloc_ud, ptr, size);
}

void cw__free(void *ptr)
{
    if (ptr != NULL)
        alloc_fn(alloc_ud, ptr, 0);
}

char *cw__strndup(const char *s, size_t len)
{
    char *p = cw__alloc(len + 1);

    if (p != NULL) {
        if (len > 0)
            memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

char *cw__strdup(const char *s)
{
    return cw__strndup(s, strlen(s));
}

void *cw__grow(void *vec, size_t *cap, size_t need, size_t size)
{
    size_t ncap = *cap ? *cap : 16;
    void *nvec;

    if (need <= *cap)
        return vec;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return NULL;
        ncap *= 2;
    }
    if (ncap > SIZE_MAX / size)
        return NULL;
    nvec = cw__realloc(vec, ncap * size);
    if (nvec != NULL)
        *cap = ncap;
    return nvec;
}
